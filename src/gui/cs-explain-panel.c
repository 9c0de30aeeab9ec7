/* cs-explain-panel.c — what the network looked at: the ROI crop beside its explanations
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-explain-panel.h"

#include <glib/gi18n.h>

#include "cs-analysis.h"
#include "cs-explain-net.h"
#include "cs-explain.h"
#include "cs-heat-panel.h"
#include "cs-model-catalog.h"

/* The panels of one row: the crop and the three methods. */
enum { PANEL_CROP, PANEL_OCCLUSION, PANEL_LIME, PANEL_GRADCAM, N_PANELS };

typedef struct {
  GtkWidget *box;
  GtkLabel *label;
  CsHeatPanel *panels[N_PANELS];
} Row;

struct _CsExplainPanel {
  GtkBox parent_instance;

  GtkButton *explain_button;
  GtkToggleButton *compare_button;
  GtkDropDown *compare_dropdown;
  GtkSpinButton *mask_spin;
  GtkSpinButton *stride_spin;
  GtkDropDown *fill_dropdown;
  GtkSpinButton *samples_spin;
  GtkSpinButton *segments_spin;
  GtkSpinButton *seed_spin;
  GtkSpinButton *repeats_spin;
  GtkScale *opacity_scale;
  GtkDropDown *colormap_dropdown;
  GtkToggleButton *overlay_button;
  GtkBox *progress_box;
  GtkProgressBar *progress_bar;
  GtkLabel *status_label;
  GtkBox *rows_box;

  Row rows[2];
  CsModelCatalog *models;
  char *model_id;
  GSettings *settings;

  CsSweep *sweep;
  CsCase *case_;
  int frame;
  int explained_frame;

  GCancellable *cancellable;
  GMutex progress_lock;
  double progress;
  guint progress_idle;
};

G_DEFINE_FINAL_TYPE(CsExplainPanel, cs_explain_panel, GTK_TYPE_BOX)

enum { PROP_0, PROP_MODEL_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* The worker's job: copies of everything it reads, and what it found for each model. */
typedef struct {
  char *model_id;
  char *sha256;
  char *arch;
  gboolean phantom;
  guint8 *crop;
  int size;
  gboolean padded;
  double p_cts;
  CsExplanation *occlusion;
  CsExplanation *lime;
  CsExplanation *gradcam;
} ModelOutput;

typedef struct {
  CsSweep *sweep;
  CsCase *case_copy;
  int frame;
  int n_models;
  char *model_ids[2];
  CsOcclusionParams occlusion;
  double mask_percent; /* Of the network input side, which each model sets for itself. */
  double stride_percent;
  CsLimeParams lime;
  ModelOutput outputs[2];
  CsExplainPanel *panel;
  GApplication *app; /* Held while the worker runs, so that quitting waits for it. */
} ExplainJob;

static void
explain_job_free(gpointer data)
{
  ExplainJob *job = data;

  g_clear_object(&job->sweep);
  g_clear_object(&job->case_copy);
  for (int i = 0; i < 2; i++) {
    g_free(job->model_ids[i]);
    g_free(job->outputs[i].model_id);
    g_free(job->outputs[i].sha256);
    g_free(job->outputs[i].arch);
    g_free(job->outputs[i].crop);
    cs_explanation_free(job->outputs[i].occlusion);
    cs_explanation_free(job->outputs[i].lime);
    cs_explanation_free(job->outputs[i].gradcam);
  }
  g_clear_object(&job->app);
  g_free(job);
}

static gboolean
progress_idle_cb(gpointer user_data)
{
  CsExplainPanel *self = user_data;
  double fraction;
  g_autofree char *text = NULL;

  g_mutex_lock(&self->progress_lock);
  fraction = self->progress;
  self->progress_idle = 0;
  g_mutex_unlock(&self->progress_lock);
  if (self->progress_bar == NULL) /* Disposed while the worker ran. */
    return G_SOURCE_REMOVE;
  text = g_strdup_printf("%.0f %%", 100 * fraction);
  gtk_progress_bar_set_fraction(self->progress_bar, fraction);
  gtk_progress_bar_set_text(self->progress_bar, text);
  return G_SOURCE_REMOVE;
}

/* Progress of step @step of @n_steps at @fraction within it, from the worker. */
typedef struct {
  CsExplainPanel *panel;
  GCancellable *cancellable;
  int step;
  int n_steps;
} ProgressData;

static void
report_progress(ProgressData *data, double fraction)
{
  CsExplainPanel *self = data->panel;

  g_mutex_lock(&self->progress_lock);
  self->progress = (data->step + CLAMP(fraction, 0, 1)) / data->n_steps;
  if (self->progress_idle == 0)
    self->progress_idle =
        g_idle_add_full(G_PRIORITY_DEFAULT, progress_idle_cb, g_object_ref(self), g_object_unref);
  g_mutex_unlock(&self->progress_lock);
}

static void
explain_progress_cb(double fraction, gpointer user_data)
{
  report_progress(user_data, fraction);
}

static gboolean
explain_abort_cb(gpointer user_data)
{
  ProgressData *data = user_data;

  return g_cancellable_is_cancelled(data->cancellable);
}

static void
explain_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExplainJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) reader = cs_sweep_open_reader(job->sweep, &error);
  g_autoptr(CsFrame) frame = NULL;
  ProgressData progress = { job->panel, cancellable, 0, 3 * job->n_models };

  if (reader == NULL || (frame = cs_sweep_get_frame(reader, job->frame, &error)) == NULL) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  for (int m = 0; m < job->n_models; m++) {
    ModelOutput *out = &job->outputs[m];
    g_autoptr(CsModel) model = cs_model_load(job->model_ids[m], &error);
    g_autoptr(CsExplainNetScorer) net_scorer = NULL;
    CsExplainScorer scorer = { 0 };
    gboolean padded = FALSE;
    float logits[16];
    float p;
    csnn_crop crop;

    if (model == NULL) {
      g_task_return_error(task, g_steal_pointer(&error));
      return;
    }
    out->model_id = g_strdup(cs_model_get_id(model));
    out->sha256 = g_strdup(cs_model_get_sha256(model));
    out->arch = g_strdup(cs_model_get_arch(model));
    out->phantom = cs_model_is_phantom_trained(model);
    out->size = csnn_net_input_size(cs_model_get_net(model));
    out->crop = g_malloc((gsize)out->size * out->size);
    if (!cs_analysis_crop(job->case_copy, frame, out->size, out->crop, &padded, &error)) {
      g_task_return_error(task, g_steal_pointer(&error));
      return;
    }
    out->padded = padded;
    crop = (csnn_crop){ out->crop, out->size, out->size, (size_t)out->size };
    if (csnn_net_classify(cs_model_get_net(model), &crop, 1, logits, &p, NULL, NULL) == CSNN_OK)
      out->p_cts = p;

    net_scorer = cs_explain_net_scorer_new(cs_model_get_net(model),
                                           csnn_net_cts_index(cs_model_get_net(model)),
                                           CS_EXPLAIN_SCORE_PROBABILITY, &error);
    if (net_scorer == NULL) {
      g_task_return_error(task, g_steal_pointer(&error));
      return;
    }
    cs_explain_net_scorer_bind(net_scorer, &scorer);
    scorer.batch_size = 32;
    scorer.should_abort = explain_abort_cb;
    scorer.progress = explain_progress_cb;
    scorer.user_data = &progress;

    job->occlusion.mask_px = MAX(1, (int)(out->size * job->mask_percent / 100));
    job->occlusion.stride_px = MAX(1, (int)(out->size * job->stride_percent / 100));
    progress.step = 3 * m;
    out->occlusion =
        cs_explain_occlusion(out->crop, out->size, out->size, &job->occlusion, &scorer, &error);
    if (out->occlusion == NULL) {
      g_task_return_error(task, g_steal_pointer(&error));
      return;
    }
    progress.step = 3 * m + 1;
    out->lime = cs_explain_lime(out->crop, out->size, out->size, &job->lime, &scorer, &error);
    if (out->lime == NULL) {
      g_task_return_error(task, g_steal_pointer(&error));
      return;
    }
    progress.step = 3 * m + 2;
    report_progress(&progress, 0);
    out->gradcam = cs_explain_gradcam(cs_model_get_net(model), out->crop, out->size,
                                      csnn_net_cts_index(cs_model_get_net(model)),
                                      CS_EXPLAIN_SCORE_LOGIT, &error);
    if (out->gradcam == NULL) {
      g_task_return_error(task, g_steal_pointer(&error));
      return;
    }
  }
  g_task_return_boolean(task, TRUE);
}

static void
apply_view_settings(CsExplainPanel *self)
{
  double opacity = gtk_range_get_value(GTK_RANGE(self->opacity_scale));
  CsColormap colormap = (CsColormap)gtk_drop_down_get_selected(self->colormap_dropdown);
  gboolean visible = gtk_toggle_button_get_active(self->overlay_button);

  for (int r = 0; r < 2; r++)
    for (int p = 0; p < N_PANELS; p++) {
      cs_heat_panel_set_opacity(self->rows[r].panels[p], opacity);
      cs_heat_panel_set_colormap(self->rows[r].panels[p], colormap);
      cs_heat_panel_set_overlay_visible(self->rows[r].panels[p], visible);
    }
}

static void
show_output(CsExplainPanel *self, Row *row, const ModelOutput *out, int frame)
{
  g_autofree char *label = NULL;
  g_autofree char *occlusion = NULL;
  g_autofree char *lime = NULL;
  g_autofree char *crop = NULL;
  const CsExplanation *o = out->occlusion;
  const CsExplanation *l = out->lime;

  /* Translators: model id, architecture, frame, p(CTS) and the start of the weights' hash. */
  label = g_strdup_printf(_("%s (%s) · frame %d · p(CTS) = %.3f · weights %.12s…%s"), out->model_id,
                          out->arch, frame + 1, out->p_cts, out->sha256,
                          out->phantom ? _(" · trained on synthetic phantoms") : "");
  gtk_label_set_text(row->label, label);
  crop = out->padded
             ? g_strdup_printf(_("%d × %d px network input; part of the ROI lies outside the "
                                 "frame and is black"),
                               out->size, out->size)
             : g_strdup_printf(_("%d × %d px network input"), out->size, out->size);
  cs_heat_panel_set_content(row->panels[PANEL_CROP], out->crop, NULL, out->size, out->size, FALSE,
                            crop);
  occlusion = g_strdup_printf(_("mask %d px, stride %d px, fill %s · %d windows"), o->mask_px,
                              o->stride_px, cs_explain_fill_name(o->fill), o->n_windows);
  cs_heat_panel_set_content(row->panels[PANEL_OCCLUSION], out->crop, o->map, o->width, o->height,
                            FALSE, occlusion);
  lime =
      l->repeats > 1
          ? g_strdup_printf(_("%d superpixels, %d samples, seeds %llu–%llu · R² %.2f (min %.2f)"),
                            l->n_segments, l->n_samples, (unsigned long long)l->seed,
                            (unsigned long long)(l->seed + l->repeats - 1), l->r2, l->r2_min)
          : g_strdup_printf(_("%d superpixels, %d samples, seed %llu · R² %.2f"), l->n_segments,
                            l->n_samples, (unsigned long long)l->seed, l->r2);
  cs_heat_panel_set_content(row->panels[PANEL_LIME], out->crop, l->map, l->width, l->height, TRUE,
                            lime);
  cs_heat_panel_set_content(row->panels[PANEL_GRADCAM], out->crop, out->gradcam->map,
                            out->gradcam->width, out->gradcam->height, FALSE,
                            _("last convolutional block · gradient of the CTS logit · ReLU · "
                              "bilinear upsampling"));
  gtk_widget_set_visible(row->box, TRUE);
}

static void
explain_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsExplainPanel *self = CS_EXPLAIN_PANEL(source);
  ExplainJob *job = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;

  /* The worker is done: no progress comes after this; drop one still queued. */
  g_mutex_lock(&self->progress_lock);
  g_clear_handle_id(&self->progress_idle, g_source_remove);
  g_mutex_unlock(&self->progress_lock);
  if (job->app != NULL)
    g_application_release(job->app);
  g_clear_object(&self->cancellable);
  if (self->progress_box == NULL) /* Disposed while the worker ran. */
    return;
  gtk_widget_set_visible(GTK_WIDGET(self->progress_box), FALSE);
  gtk_widget_set_sensitive(GTK_WIDGET(self->explain_button), TRUE);
  if (!g_task_propagate_boolean(G_TASK(result), &error)) {
    gtk_label_set_text(self->status_label, error->message);
    return;
  }
  self->explained_frame = job->frame;
  gtk_widget_set_visible(self->rows[1].box, FALSE);
  for (int m = 0; m < job->n_models; m++)
    show_output(self, &self->rows[m], &job->outputs[m], job->frame);
  apply_view_settings(self);
  gtk_label_set_text(self->status_label, "");
}

gboolean
cs_explain_panel_explain(CsExplainPanel *self)
{
  g_autoptr(GTask) task = NULL;
  ExplainJob *job;
  CsModelInfo *second;

  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), FALSE);

  if (self->cancellable != NULL)
    return FALSE;
  if (self->sweep == NULL || self->case_ == NULL) {
    gtk_label_set_text(self->status_label, _("Open a case first"));
    return FALSE;
  }
  if (self->model_id == NULL) {
    gtk_label_set_text(self->status_label, _("No model is installed"));
    return FALSE;
  }
  if (cs_case_get_n_roi_keyframes(self->case_) == 0) {
    gtk_label_set_text(self->status_label, _("Place the ROI on the nerve first (Review page)"));
    return FALSE;
  }
  job = g_new0(ExplainJob, 1);
  job->sweep = g_object_ref(self->sweep);
  job->case_copy = cs_analysis_dup_case(self->case_);
  job->frame = self->frame;
  job->panel = self;
  job->model_ids[0] = g_strdup(self->model_id);
  job->n_models = 1;
  second = gtk_drop_down_get_selected_item(self->compare_dropdown);
  if (gtk_toggle_button_get_active(self->compare_button) && second != NULL)
    job->model_ids[job->n_models++] = g_strdup(cs_model_info_get_id(second));

  cs_occlusion_params_init(&job->occlusion);
  job->mask_percent = gtk_spin_button_get_value(self->mask_spin);
  job->stride_percent = gtk_spin_button_get_value(self->stride_spin);
  job->occlusion.fill = (CsExplainFill)gtk_drop_down_get_selected(self->fill_dropdown);
  cs_lime_params_init(&job->lime);
  job->lime.n_samples = gtk_spin_button_get_value_as_int(self->samples_spin);
  job->lime.n_segments = gtk_spin_button_get_value_as_int(self->segments_spin);
  job->lime.seed = (guint64)gtk_spin_button_get_value(self->seed_spin);
  job->lime.repeats = gtk_spin_button_get_value_as_int(self->repeats_spin);

  self->cancellable = g_cancellable_new();
  gtk_widget_set_visible(GTK_WIDGET(self->progress_box), TRUE);
  gtk_widget_set_sensitive(GTK_WIDGET(self->explain_button), FALSE);
  gtk_progress_bar_set_fraction(self->progress_bar, 0);
  gtk_label_set_text(self->status_label, _("Explaining…"));
  job->app = g_application_get_default();
  if (job->app != NULL)
    g_application_hold(g_object_ref(job->app));
  task = g_task_new(self, self->cancellable, explain_done_cb, NULL);
  g_task_set_task_data(task, job, explain_job_free);
  g_task_run_in_thread(task, explain_worker);
  return TRUE;
}

gboolean
cs_explain_panel_is_running(CsExplainPanel *self)
{
  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), FALSE);
  return self->cancellable != NULL;
}

int
cs_explain_panel_get_n_maps(CsExplainPanel *self)
{
  int n = 0;

  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), 0);
  for (int p = 0; p < N_PANELS; p++)
    n += cs_heat_panel_has_map(self->rows[0].panels[p]);
  return n;
}

static void
explain_clicked_cb(CsExplainPanel *self)
{
  cs_explain_panel_explain(self);
}

void
cs_explain_panel_cancel(CsExplainPanel *self)
{
  g_return_if_fail(CS_IS_EXPLAIN_PANEL(self));
  if (self->cancellable != NULL)
    g_cancellable_cancel(self->cancellable);
}

static void
cancel_clicked_cb(CsExplainPanel *self)
{
  cs_explain_panel_cancel(self);
}

static void
clear_rows(CsExplainPanel *self, const char *message)
{
  for (int r = 0; r < 2; r++) {
    for (int p = 0; p < N_PANELS; p++)
      cs_heat_panel_set_message(self->rows[r].panels[p], r == 0 && p == 0 ? message : NULL);
    gtk_label_set_text(self->rows[r].label, "");
    gtk_widget_set_visible(self->rows[r].box, r == 0);
  }
}

void
cs_explain_panel_set_case(CsExplainPanel *self, CsSweep *sweep, CsCase *c)
{
  g_return_if_fail(CS_IS_EXPLAIN_PANEL(self));

  if (self->cancellable != NULL)
    g_cancellable_cancel(self->cancellable);
  g_set_object(&self->sweep, sweep);
  g_set_object(&self->case_, c);
  self->frame = 0;
  self->explained_frame = -1;
  clear_rows(self, c != NULL ? _("Choose a frame and press Explain This Frame") : NULL);
  gtk_label_set_text(self->status_label, "");
}

void
cs_explain_panel_set_frame(CsExplainPanel *self, int frame)
{
  g_return_if_fail(CS_IS_EXPLAIN_PANEL(self));

  self->frame = frame;
  if (self->explained_frame >= 0 && self->explained_frame != frame) {
    g_autofree char *text = g_strdup_printf(
        _("These panels explain frame %d; the viewer shows frame %d. Press Explain This Frame to "
          "update them."),
        self->explained_frame + 1, frame + 1);

    gtk_label_set_text(self->status_label, text);
  } else {
    gtk_label_set_text(self->status_label, "");
  }
}

static void
view_setting_changed_cb(GObject *object, GParamSpec *pspec, CsExplainPanel *self)
{
  apply_view_settings(self);
  if (self->settings != NULL) {
    g_settings_set_double(self->settings, "overlay-opacity",
                          gtk_range_get_value(GTK_RANGE(self->opacity_scale)));
    g_settings_set_enum(self->settings, "color-map",
                        (int)gtk_drop_down_get_selected(self->colormap_dropdown));
  }
}

static void
opacity_changed_cb(GtkRange *range, CsExplainPanel *self)
{
  view_setting_changed_cb(G_OBJECT(range), NULL, self);
}

void
cs_explain_panel_set_settings(CsExplainPanel *self, GSettings *settings)
{
  g_return_if_fail(CS_IS_EXPLAIN_PANEL(self));

  g_set_object(&self->settings, settings);
  if (settings == NULL)
    return;
  gtk_spin_button_set_value(self->mask_spin, g_settings_get_double(settings, "occlusion-mask"));
  gtk_spin_button_set_value(self->stride_spin, g_settings_get_double(settings, "occlusion-stride"));
  gtk_drop_down_set_selected(self->fill_dropdown, g_settings_get_enum(settings, "occlusion-fill"));
  gtk_spin_button_set_value(self->samples_spin, g_settings_get_uint(settings, "lime-samples"));
  gtk_spin_button_set_value(self->segments_spin, g_settings_get_uint(settings, "lime-segments"));
  gtk_spin_button_set_value(self->seed_spin, g_settings_get_uint(settings, "lime-seed"));
  gtk_spin_button_set_value(self->repeats_spin, g_settings_get_uint(settings, "lime-repeats"));
  gtk_range_set_value(GTK_RANGE(self->opacity_scale),
                      g_settings_get_double(settings, "overlay-opacity"));
  gtk_drop_down_set_selected(self->colormap_dropdown, g_settings_get_enum(settings, "color-map"));
  apply_view_settings(self);
}

static void
export_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsExplainPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) folder = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    g_autofree char *dir = folder != NULL ? g_file_get_path(folder) : NULL;
    static const char *names[N_PANELS] = { "crop", "occlusion", "lime", "gradcam" };
    int written = 0;

    for (int r = 0; r < 2 && dir != NULL; r++)
      for (int p = 0; p < N_PANELS; p++) {
        g_autofree char *name = NULL;
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;

        if (!gtk_widget_get_visible(self->rows[r].box) ||
            (p != PANEL_CROP && !cs_heat_panel_has_map(self->rows[r].panels[p])))
          continue;
        name =
            g_strdup_printf("frame%03d-row%d-%s.png", self->explained_frame + 1, r + 1, names[p]);
        path = g_build_filename(dir, name, NULL);
        if (cs_heat_panel_save_png(self->rows[r].panels[p], path, 1024, &error))
          written++;
      }
    {
      g_autofree char *text = g_strdup_printf(
          g_dngettext(GETTEXT_PACKAGE, "%d panel saved", "%d panels saved", written), written);

      gtk_label_set_text(self->status_label, text);
    }
  }
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
}

static void
export_clicked_cb(CsExplainPanel *self)
{
  GtkFileChooserNative *chooser;

  if (self->explained_frame < 0) {
    gtk_label_set_text(self->status_label, _("Explain a frame first"));
    return;
  }
  chooser = gtk_file_chooser_native_new(
      _("Save the Panels in a Folder"), GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self))),
      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  g_signal_connect(chooser, "response", G_CALLBACK(export_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

void
cs_explain_panel_set_model_catalog(CsExplainPanel *self, CsModelCatalog *models)
{
  g_return_if_fail(CS_IS_EXPLAIN_PANEL(self));
  g_return_if_fail(CS_IS_MODEL_CATALOG(models));

  if (!g_set_object(&self->models, models))
    return;
  gtk_drop_down_set_model(self->compare_dropdown, G_LIST_MODEL(models));
  /* The model to compare with: the second listed, when there is one. */
  if (g_list_model_get_n_items(G_LIST_MODEL(models)) > 1)
    gtk_drop_down_set_selected(self->compare_dropdown, 1);
}

static void
cs_explain_panel_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsExplainPanel *self = CS_EXPLAIN_PANEL(object);

  switch (prop_id) {
    case PROP_MODEL_ID:
      g_value_set_string(value, self->model_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_explain_panel_set_property(GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  CsExplainPanel *self = CS_EXPLAIN_PANEL(object);

  switch (prop_id) {
    case PROP_MODEL_ID:
      if (g_strcmp0(self->model_id, g_value_get_string(value)) != 0) {
        g_free(self->model_id);
        self->model_id = g_value_dup_string(value);
        g_object_notify_by_pspec(object, pspec);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_explain_panel_dispose(GObject *object)
{
  CsExplainPanel *self = CS_EXPLAIN_PANEL(object);

  if (self->cancellable != NULL)
    g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  g_clear_object(&self->sweep);
  g_clear_object(&self->case_);
  g_clear_object(&self->settings);
  g_clear_object(&self->models);
  g_clear_pointer(&self->model_id, g_free);
  gtk_widget_dispose_template(GTK_WIDGET(self), CS_TYPE_EXPLAIN_PANEL);
  G_OBJECT_CLASS(cs_explain_panel_parent_class)->dispose(object);
}

static void
cs_explain_panel_finalize(GObject *object)
{
  CsExplainPanel *self = CS_EXPLAIN_PANEL(object);

  g_mutex_clear(&self->progress_lock);
  G_OBJECT_CLASS(cs_explain_panel_parent_class)->finalize(object);
}

static void
cs_explain_panel_class_init(CsExplainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = cs_explain_panel_dispose;
  object_class->finalize = cs_explain_panel_finalize;
  object_class->get_property = cs_explain_panel_get_property;
  object_class->set_property = cs_explain_panel_set_property;

  properties[PROP_MODEL_ID] =
      g_param_spec_string("model-id", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource(widget_class,
                                              RESOURCE_PREFIX "/ui/cs-explain-panel.ui");
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, explain_button);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, compare_button);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, compare_dropdown);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, mask_spin);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, stride_spin);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, fill_dropdown);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, samples_spin);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, segments_spin);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, seed_spin);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, repeats_spin);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, opacity_scale);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, colormap_dropdown);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, overlay_button);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, progress_box);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, progress_bar);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, status_label);
  gtk_widget_class_bind_template_child(widget_class, CsExplainPanel, rows_box);
  gtk_widget_class_bind_template_callback(widget_class, explain_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, export_clicked_cb);
}

static void
cs_explain_panel_init(CsExplainPanel *self)
{
  static const char *titles[N_PANELS] = { N_("ROI crop"), N_("Occlusion"), N_("LIME"),
                                          N_("Grad-CAM") };

  g_mutex_init(&self->progress_lock);
  gtk_widget_init_template(GTK_WIDGET(self));
  self->explained_frame = -1;

  for (int r = 0; r < 2; r++) {
    Row *row = &self->rows[r];
    GtkWidget *panels = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);

    row->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
    row->label = GTK_LABEL(gtk_label_new(NULL));
    gtk_label_set_xalign(row->label, 0);
    gtk_label_set_wrap(row->label, TRUE);
    gtk_widget_add_css_class(GTK_WIDGET(row->label), "heading");
    gtk_box_set_homogeneous(GTK_BOX(panels), TRUE);
    for (int p = 0; p < N_PANELS; p++) {
      row->panels[p] = CS_HEAT_PANEL(cs_heat_panel_new(_(titles[p])));
      gtk_box_append(GTK_BOX(panels), GTK_WIDGET(row->panels[p]));
    }
    gtk_box_append(GTK_BOX(row->box), GTK_WIDGET(row->label));
    gtk_box_append(GTK_BOX(row->box), panels);
    gtk_box_append(self->rows_box, row->box);
    gtk_widget_set_visible(row->box, r == 0);
  }

  gtk_drop_down_set_expression(self->compare_dropdown,
                               gtk_property_expression_new(CS_TYPE_MODEL_INFO, NULL, "id"));
  cs_explain_panel_set_model_catalog(self, cs_model_catalog_get_default());

  g_signal_connect(self->opacity_scale, "value-changed", G_CALLBACK(opacity_changed_cb), self);
  g_signal_connect(self->colormap_dropdown, "notify::selected", G_CALLBACK(view_setting_changed_cb),
                   self);
  g_signal_connect(self->overlay_button, "notify::active", G_CALLBACK(view_setting_changed_cb),
                   self);
  apply_view_settings(self);
}
