/* cs-explain-panel.c — what the network looked at: the ROI crop beside its explanations
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-explain-panel.h"

#include <glib/gi18n.h>

#include "cs-frame-explanation.h"
#include "cs-heat-panel.h"
#include "cs-model-catalog.h"

/* The panels of one row: the crop, the three methods and LIME's stability (shown only for
 * repeated LIME runs). */
enum { PANEL_CROP, PANEL_OCCLUSION, PANEL_LIME, PANEL_LIME_SD, PANEL_GRADCAM, N_PANELS };

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
  /* What the rows show: the explanations of the last run, first row first (NULL = none). */
  GPtrArray *shown;

  /* The running explanation's progress and cancel; NULL when none runs. */
  CsProgressRelay *relay;
};

G_DEFINE_FINAL_TYPE(CsExplainPanel, cs_explain_panel, GTK_TYPE_BOX)

enum { PROP_0, PROP_MODEL_ID, N_PROPS };

/* "finished" (gboolean ok): an explanation started by cs_explain_panel_explain() ended, shown or
 * not (cancelled, failed). */
enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

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

/* The occlusion caption: mask and stride in px, and in mm with the spacing's source when the
 * crop's spacing is known. */
static char *
occlusion_caption(CsExplainPanel *self, const CsFrameExplanation *x)
{
  const CsExplanation *o = x->occlusion;
  /* The crop was cut at the case's spacing: its mm come from where that one does. */
  CsSpacing spacing = self->case_ != NULL ? cs_case_get_spacing(self->case_) : cs_spacing_unknown();
  g_autofree char *source = cs_spacing_dup_label(&spacing, TRUE);

  if (x->mm_per_px <= 0)
    return g_strdup_printf(_("mask %d px, stride %d px, fill %s · %d windows"), o->mask_px,
                           o->stride_px, cs_explain_fill_name(o->fill), o->n_windows);
  /* Translators: occlusion parameters; sizes in px of the network input and in mm, then where
   * the pixel spacing comes from, e.g. "manual calibration". */
  return g_strdup_printf(_("mask %d px = %.1f mm, stride %d px = %.1f mm, fill %s · %d windows · "
                           "spacing: %s"),
                         o->mask_px, o->mask_px * x->mm_per_px, o->stride_px,
                         o->stride_px * x->mm_per_px, cs_explain_fill_name(o->fill), o->n_windows,
                         source);
}

static void
show_output(CsExplainPanel *self, Row *row, const CsFrameExplanation *x)
{
  g_autofree char *label = NULL;
  g_autofree char *occlusion = NULL;
  g_autofree char *lime = NULL;
  g_autofree char *crop = NULL;
  const CsExplanation *o = x->occlusion;
  const CsExplanation *l = x->lime;

  /* Translators: model id, architecture, frame, p(CTS) and the start of the weights' hash. */
  label = g_strdup_printf(_("%s (%s) · frame %d · p(CTS) = %.3f · weights %.12s…%s"), x->model_id,
                          x->model_arch, x->frame + 1, x->p_cts, x->model_sha256,
                          x->phantom_trained ? _(" · trained on synthetic phantoms") : "");
  gtk_label_set_text(row->label, label);
  crop = x->padded ? g_strdup_printf(_("%d × %d px network input; part of the ROI lies outside the "
                                       "frame and is black"),
                                     x->size, x->size)
                   : g_strdup_printf(_("%d × %d px network input"), x->size, x->size);
  cs_heat_panel_set_content(row->panels[PANEL_CROP], x->crop, NULL, x->size, x->size, FALSE, crop);
  occlusion = occlusion_caption(self, x);
  cs_heat_panel_set_content(row->panels[PANEL_OCCLUSION], x->crop, o->map, o->width, o->height,
                            FALSE, occlusion);
  lime =
      l->repeats > 1
          ? g_strdup_printf(_("%d superpixels, %d samples, seeds %llu–%llu · R² %.2f (min %.2f)"),
                            l->n_segments, l->n_samples, (unsigned long long)l->seed,
                            (unsigned long long)(l->seed + l->repeats - 1), l->r2, l->r2_min)
          : g_strdup_printf(_("%d superpixels, %d samples, seed %llu · R² %.2f"), l->n_segments,
                            l->n_samples, (unsigned long long)l->seed, l->r2);
  cs_heat_panel_set_content(row->panels[PANEL_LIME], x->crop, l->map, l->width, l->height, TRUE,
                            lime);
  /* With repeated runs, the per-pixel SD of the LIME weights: where the explanation is stable. */
  gtk_widget_set_visible(GTK_WIDGET(row->panels[PANEL_LIME_SD]), l->sd_map != NULL);
  if (l->sd_map != NULL) {
    g_autofree char *sd = g_strdup_printf(
        _("SD of the LIME weights over %d runs · bright where the explanation is unstable"),
        l->repeats);

    cs_heat_panel_set_content(row->panels[PANEL_LIME_SD], x->crop, l->sd_map, l->width, l->height,
                              FALSE, sd);
  } else {
    cs_heat_panel_set_message(row->panels[PANEL_LIME_SD], NULL);
  }
  cs_heat_panel_set_content(row->panels[PANEL_GRADCAM], x->crop, x->gradcam->map, x->gradcam->width,
                            x->gradcam->height, FALSE,
                            _("last convolutional block · gradient of the CTS logit · ReLU · "
                              "bilinear upsampling"));
  gtk_widget_set_visible(row->box, TRUE);
}

static void
progress_cb(double fraction, const char *text, gpointer user_data)
{
  CsExplainPanel *self = user_data;
  g_autofree char *percent = g_strdup_printf("%.0f %%", 100 * fraction);

  gtk_progress_bar_set_fraction(self->progress_bar, fraction);
  gtk_progress_bar_set_text(self->progress_bar, percent);
}

/* The job's end: the panel (held by the task) and the application held while it ran. */
static void
explain_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsExplainPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) shown = cs_explain_case_frame_finish(result, &error);
  GApplication *app = g_application_get_default();

  if (app != NULL)
    g_application_release(app);
  if (self->relay != NULL)
    cs_progress_relay_close(self->relay);
  g_clear_object(&self->relay);
  if (self->progress_box == NULL) /* Disposed while the worker ran. */
    return;
  gtk_widget_set_visible(GTK_WIDGET(self->progress_box), FALSE);
  gtk_widget_set_sensitive(GTK_WIDGET(self->explain_button), TRUE);
  if (shown == NULL) {
    gtk_label_set_text(self->status_label, error->message);
  } else {
    cs_explain_panel_show_explanations(self, shown);
    gtk_label_set_text(self->status_label, "");
  }
  g_signal_emit(self, signals[SIGNAL_FINISHED], 0, shown != NULL);
}

void
cs_explain_panel_get_options(CsExplainPanel *self, CsExplainOptions *options)
{
  g_return_if_fail(CS_IS_EXPLAIN_PANEL(self));

  cs_explain_options_init(options);
  options->mask_fraction = gtk_spin_button_get_value(self->mask_spin) / 100;
  options->stride_fraction = gtk_spin_button_get_value(self->stride_spin) / 100;
  options->occlusion.fill = (CsExplainFill)gtk_drop_down_get_selected(self->fill_dropdown);
  options->lime.n_samples = gtk_spin_button_get_value_as_int(self->samples_spin);
  options->lime.n_segments = gtk_spin_button_get_value_as_int(self->segments_spin);
  options->lime.seed = (guint64)gtk_spin_button_get_value(self->seed_spin);
  options->lime.repeats = gtk_spin_button_get_value_as_int(self->repeats_spin);
}

CsFrameExplanation *
cs_explain_panel_get_explanation(CsExplainPanel *self)
{
  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), NULL);
  return self->shown != NULL && self->shown->len > 0 ? self->shown->pdata[0] : NULL;
}

gboolean
cs_explain_panel_explain(CsExplainPanel *self)
{
  GApplication *app = g_application_get_default();
  const char *model_ids[3] = { NULL, NULL, NULL };
  CsExplainOptions options;
  CsModelInfo *second;

  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), FALSE);

  if (self->relay != NULL)
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
  model_ids[0] = self->model_id;
  second = gtk_drop_down_get_selected_item(self->compare_dropdown);
  if (gtk_toggle_button_get_active(self->compare_button) && second != NULL)
    model_ids[1] = cs_model_info_get_id(second);
  cs_explain_panel_get_options(self, &options);

  self->relay = cs_progress_relay_new(NULL, progress_cb, self, NULL);
  gtk_widget_set_visible(GTK_WIDGET(self->progress_box), TRUE);
  gtk_widget_set_sensitive(GTK_WIDGET(self->explain_button), FALSE);
  gtk_progress_bar_set_fraction(self->progress_bar, 0);
  gtk_label_set_text(self->status_label, _("Explaining…"));
  /* Quitting waits for the worker, which the window cancels on close. */
  if (app != NULL)
    g_application_hold(app);
  cs_explain_case_frame_async(self->sweep, self->case_, self->frame, model_ids, &options,
                              self->relay, cs_progress_relay_get_cancellable(self->relay),
                              explain_done_cb, g_object_ref(self));
  return TRUE;
}

gboolean
cs_explain_panel_is_running(CsExplainPanel *self)
{
  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), FALSE);
  return self->relay != NULL;
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

void
cs_explain_panel_show_explanations(CsExplainPanel *self, GPtrArray *explanations)
{
  g_return_if_fail(CS_IS_EXPLAIN_PANEL(self));
  g_return_if_fail(explanations != NULL && explanations->len > 0);

  g_clear_pointer(&self->shown, g_ptr_array_unref);
  self->shown = g_ptr_array_ref(explanations);
  self->explained_frame = ((CsFrameExplanation *)explanations->pdata[0])->frame;
  gtk_widget_set_visible(self->rows[1].box, FALSE);
  for (guint m = 0; m < explanations->len && m < 2; m++)
    show_output(self, &self->rows[m], explanations->pdata[m]);
  apply_view_settings(self);
}

gboolean
cs_explain_panel_is_stability_shown(CsExplainPanel *self)
{
  CsHeatPanel *panel;

  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), FALSE);
  panel = self->rows[0].panels[PANEL_LIME_SD];
  return gtk_widget_get_visible(GTK_WIDGET(panel)) && cs_heat_panel_has_map(panel);
}

const char *
cs_explain_panel_get_caption(CsExplainPanel *self, const char *method)
{
  static const char *names[N_PANELS] = { "crop", "occlusion", "lime", "lime-sd", "gradcam" };

  g_return_val_if_fail(CS_IS_EXPLAIN_PANEL(self), NULL);
  for (int p = 0; p < N_PANELS; p++)
    if (g_strcmp0(method, names[p]) == 0)
      return cs_heat_panel_get_caption(self->rows[0].panels[p]);
  return NULL;
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
  if (self->relay != NULL)
    cs_progress_relay_cancel(self->relay);
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

  if (self->relay != NULL)
    cs_progress_relay_cancel(self->relay);
  g_set_object(&self->sweep, sweep);
  g_set_object(&self->case_, c);
  self->frame = 0;
  self->explained_frame = -1;
  g_clear_pointer(&self->shown, g_ptr_array_unref);
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
    static const char *names[N_PANELS] = { "crop", "occlusion", "lime", "lime-sd", "gradcam" };
    int written = 0;

    for (int r = 0; r < 2 && dir != NULL; r++)
      for (int p = 0; p < N_PANELS; p++) {
        g_autofree char *name = NULL;
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;

        if (!gtk_widget_get_visible(self->rows[r].box) ||
            !gtk_widget_get_visible(GTK_WIDGET(self->rows[r].panels[p])) ||
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

  if (self->relay != NULL) {
    cs_progress_relay_cancel(self->relay);
    cs_progress_relay_close(self->relay);
  }
  g_clear_object(&self->relay);
  g_clear_pointer(&self->shown, g_ptr_array_unref);
  g_clear_object(&self->sweep);
  g_clear_object(&self->case_);
  g_clear_object(&self->settings);
  g_clear_object(&self->models);
  g_clear_pointer(&self->model_id, g_free);
  gtk_widget_dispose_template(GTK_WIDGET(self), CS_TYPE_EXPLAIN_PANEL);
  G_OBJECT_CLASS(cs_explain_panel_parent_class)->dispose(object);
}

static void
cs_explain_panel_class_init(CsExplainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = cs_explain_panel_dispose;
  object_class->get_property = cs_explain_panel_get_property;
  object_class->set_property = cs_explain_panel_set_property;

  properties[PROP_MODEL_ID] =
      g_param_spec_string("model-id", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);
  signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

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
                                          N_("LIME stability"), N_("Grad-CAM") };

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
      gtk_widget_set_visible(GTK_WIDGET(row->panels[p]), p != PANEL_LIME_SD);
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
