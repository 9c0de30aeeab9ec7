/* cs-presentation.c — presentation mode: a case's frame and its heat maps full screen, for a class
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-presentation.h"

#include <glib/gi18n.h>
#include <math.h>

#include "cs-error.h"
#include "cs-frame-view.h"
#include "cs-heat-panel.h"

/* The panels of one model: occlusion, LIME, Grad-CAM, LIME's stability (repeated runs only) and
 * the network's input (in the stability map's place when there is none). */
enum { MAP_OCCLUSION, MAP_LIME, MAP_GRADCAM, MAP_LIME_SD, MAP_CROP, N_MAPS };

typedef struct {
  GtkLabel *heading;
  CsHeatPanel *maps[N_MAPS];
} Row;

struct _CsPresentation {
  GtkWindow parent_instance;

  GtkLabel *heading_label;
  GtkLabel *answer_label;
  GtkLabel *status_label;
  CsFrameView *frame_view;
  GtkGrid *maps_grid;
  Row rows[2];

  CsStudy *study;
  CsCase *case_;
  guint index;
  CsSweep *sweep;
  int asked_frame; /* The frame asked for; -1: the one a case report shows. */
  int frame;       /* The frame shown; -1 while it is read. */
  char *model_ids[2];
  CsExplainOptions options;

  gboolean blind;
  gboolean revealed;
  gboolean heatmaps;
  gboolean outlines;
  CsColormap colormap;
  double opacity;

  GPtrArray *shown;          /* The current case's explanations, one per row; NULL until made. */
  GCancellable *cancellable; /* Reading the current case's sweep and frame. */
  CsProgressRelay *relay;    /* The running explanation; NULL when none runs. */
};

G_DEFINE_FINAL_TYPE(CsPresentation, cs_presentation, GTK_TYPE_WINDOW)

static void start_explaining(CsPresentation *self);

static int
n_rows(CsPresentation *self)
{
  return self->model_ids[1] != NULL ? 2 : 1;
}

static gboolean
answer_shown(CsPresentation *self)
{
  return !self->blind || self->revealed;
}

/* The cached result of @model_id for the case, or NULL. */
static const CsModelResult *
find_result(CsCase *c, const char *model_id)
{
  for (guint i = 0; model_id != NULL && i < cs_case_get_n_results(c); i++)
    if (g_strcmp0(cs_case_get_result(c, i)->model_id, model_id) == 0)
      return cs_case_get_result(c, i);
  return NULL;
}

static char *
answer_text(CsPresentation *self)
{
  CsCase *c = self->case_;
  CsNerveConduction ncs;
  const CsModelResult *result;
  GString *text;
  CsGroup group;

  if (c == NULL)
    return g_strdup("");
  if (!answer_shown(self))
    return g_strdup(_("Answer hidden: guess, then press R to reveal it"));
  group = cs_case_get_group(c);
  text = g_string_new(group == CS_GROUP_CTS       ? _("CTS")
                      : group == CS_GROUP_CONTROL ? _("Control")
                                                  : _("Unlabelled"));
  if (cs_case_get_stage(c) >= 0)
    g_string_append_printf(text, _(" · stage %d"), cs_case_get_stage(c));
  cs_case_get_nerve_conduction(c, &ncs);
  if (!isnan(ncs.dml_ms))
    g_string_append_printf(text, _(" · distal motor latency %.1f ms"), ncs.dml_ms);
  if (!isnan(ncs.scv_m_s))
    g_string_append_printf(text, _(" · sensory conduction %.0f m/s"), ncs.scv_m_s);
  if (isnan(ncs.dml_ms) && isnan(ncs.scv_m_s))
    g_string_append(text, _(" · nerve conduction not recorded"));
  result = find_result(c, self->model_ids[0]);
  if (result != NULL)
    /* Translators: the hand's p(CTS) from the analysis of the whole sweep by model %s. */
    g_string_append_printf(text, _(" · hand p(CTS) %.2f (%s)"), result->p_hand, result->model_id);
  return g_string_free(text, FALSE);
}

static char *
heading_text(CsPresentation *self)
{
  guint n = self->study != NULL ? cs_study_get_n_cases(self->study) : 0;

  if (self->case_ == NULL)
    return g_strdup(_("No case to show"));
  /* The case id often names the group ("cts-003"): blind, only the place in the study shows. */
  if (!answer_shown(self))
    return g_strdup_printf(_("Case %u of %u"), self->index + 1, n);
  return g_strdup_printf(_("Case %s · %u of %u"), cs_case_get_id(self->case_), self->index + 1, n);
}

static char *
row_heading_text(CsPresentation *self, int row)
{
  const CsFrameExplanation *x =
      self->shown != NULL && (guint)row < self->shown->len ? self->shown->pdata[row] : NULL;

  if (x == NULL)
    return g_strdup(self->model_ids[row] != NULL ? self->model_ids[row] : "");
  if (!answer_shown(self))
    /* Translators: model id and architecture; p(CTS) is hidden until revealed. */
    return g_strdup_printf(_("%s (%s) · frame %d · p(CTS) hidden"), x->model_id, x->model_arch,
                           x->frame + 1);
  return g_strdup_printf(_("%s (%s) · frame %d · p(CTS) = %.3f"), x->model_id, x->model_arch,
                         x->frame + 1, x->p_cts);
}

/* Shows the text that depends on the blind switch. */
static void
update_texts(CsPresentation *self)
{
  g_autofree char *heading = heading_text(self);
  g_autofree char *answer = answer_text(self);

  gtk_label_set_text(self->heading_label, heading);
  gtk_label_set_text(self->answer_label, answer);
  if (answer_shown(self))
    gtk_widget_remove_css_class(GTK_WIDGET(self->answer_label), "dim-label");
  else
    gtk_widget_add_css_class(GTK_WIDGET(self->answer_label), "dim-label");
  for (int r = 0; r < 2; r++) {
    g_autofree char *text = row_heading_text(self, r);

    gtk_label_set_text(self->rows[r].heading, text);
  }
}

static void
apply_view(CsPresentation *self)
{
  for (int r = 0; r < 2; r++)
    for (int m = 0; m < N_MAPS; m++) {
      cs_heat_panel_set_colormap(self->rows[r].maps[m], self->colormap);
      cs_heat_panel_set_opacity(self->rows[r].maps[m], self->opacity);
      cs_heat_panel_set_overlay_visible(self->rows[r].maps[m], self->heatmaps);
    }
}

/* One model: its maps two by two, as large as half the screen allows. Two: a row of maps each. */
static void
lay_out_maps(CsPresentation *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->maps_grid))) != NULL)
    gtk_grid_remove(self->maps_grid, child);
  if (n_rows(self) == 1) {
    const CsFrameExplanation *x = self->shown != NULL ? self->shown->pdata[0] : NULL;
    int fourth = x != NULL && x->lime->sd_map != NULL ? MAP_LIME_SD : MAP_CROP;

    gtk_grid_attach(self->maps_grid, GTK_WIDGET(self->rows[0].heading), 0, 0, 2, 1);
    for (int m = 0; m < 4; m++)
      gtk_grid_attach(self->maps_grid, GTK_WIDGET(self->rows[0].maps[m < 3 ? m : fourth]), m % 2,
                      1 + m / 2, 1, 1);
    return;
  }
  for (int r = 0; r < 2; r++) {
    gtk_grid_attach(self->maps_grid, GTK_WIDGET(self->rows[r].heading), 0, 2 * r, 3, 1);
    for (int m = 0; m < MAP_LIME_SD; m++)
      gtk_grid_attach(self->maps_grid, GTK_WIDGET(self->rows[r].maps[m]), m, 2 * r + 1, 1, 1);
  }
}

static void
clear_maps(CsPresentation *self, const char *message)
{
  for (int r = 0; r < 2; r++)
    for (int m = 0; m < N_MAPS; m++)
      cs_heat_panel_set_message(self->rows[r].maps[m], r == 0 && m == 0 ? message : NULL);
}

static void
show_row(CsPresentation *self, Row *row, const CsFrameExplanation *x)
{
  const CsExplanation *o = x->occlusion;
  const CsExplanation *l = x->lime;
  const CsExplanation *g = x->gradcam;

  cs_heat_panel_set_content(row->maps[MAP_OCCLUSION], x->crop, o->map, o->width, o->height, FALSE,
                            NULL);
  cs_heat_panel_set_content(row->maps[MAP_LIME], x->crop, l->map, l->width, l->height, TRUE, NULL);
  cs_heat_panel_set_content(row->maps[MAP_GRADCAM], x->crop, g->map, g->width, g->height, FALSE,
                            NULL);
  if (l->sd_map != NULL)
    cs_heat_panel_set_content(row->maps[MAP_LIME_SD], x->crop, l->sd_map, l->width, l->height,
                              FALSE, NULL);
  else
    cs_heat_panel_set_message(row->maps[MAP_LIME_SD], NULL);
  cs_heat_panel_set_content(row->maps[MAP_CROP], x->crop, NULL, x->size, x->size, FALSE, NULL);
}

/* The outlines drawn on the frame: the case's ROI there and its tracings of that frame. */
static void
show_outlines(CsPresentation *self)
{
  g_autoptr(CsRoiTrack) track = NULL;
  CsSpacing spacing;
  CsRoiKey key;

  cs_frame_view_set_roi(self->frame_view, NULL, NULL);
  cs_frame_view_clear_tracings(self->frame_view);
  if (!self->outlines || self->case_ == NULL || self->frame < 0)
    return;
  spacing = cs_case_get_spacing(self->case_);
  track = cs_case_dup_roi_track(self->case_);
  if (track != NULL && cs_roi_track_get_at(track, self->frame, &key)) {
    CsRoiSquare roi = { .x = key.x, .y = key.y, .side = key.size };

    if (cs_roi_track_get_unit(track) == CS_ROI_UNIT_MM && cs_spacing_is_known(&spacing))
      roi.side = cs_spacing_mm_to_px(&spacing, key.size);
    cs_frame_view_set_roi(self->frame_view, &roi, "");
  }
  for (guint i = 0; i < cs_case_get_n_tracings(self->case_); i++) {
    const CsTracing *tracing = cs_case_get_tracing(self->case_, i);

    if (tracing->frame == self->frame)
      cs_frame_view_add_tracing(self->frame_view, tracing->points, tracing->n_points,
                                tracing->level, -1);
  }
}

static void
explain_progress_cb(double fraction, const char *text, gpointer user_data)
{
  CsPresentation *self = user_data;
  g_autofree char *line = g_strdup_printf(_("Explaining… %.0f %%"), 100 * fraction);

  gtk_label_set_text(self->status_label, line);
}

/* An explanation asked for: the window (held while it runs) and the relay it was given. */
typedef struct {
  CsPresentation *self;
  CsProgressRelay *relay;
} ExplainJob;

static void
explained_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExplainJob *job = user_data;
  g_autoptr(CsPresentation) self = job->self;
  g_autoptr(CsProgressRelay) relay = job->relay;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) shown = cs_explain_case_frame_finish(result, &error);
  GApplication *app = g_application_get_default();

  g_free(job);
  if (app != NULL)
    g_application_release(app);
  /* Disposed, or another case asked for meanwhile (stop_explaining() closed this relay). */
  if (self->relay == NULL || self->relay != relay)
    return;
  cs_progress_relay_close(self->relay);
  g_clear_object(&self->relay);
  if (shown == NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      clear_maps(self, error->message);
    gtk_label_set_text(self->status_label, "");
    return;
  }
  g_clear_pointer(&self->shown, g_ptr_array_unref);
  self->shown = g_steal_pointer(&shown);
  for (guint r = 0; r < self->shown->len && r < 2; r++)
    show_row(self, &self->rows[r], self->shown->pdata[r]);
  lay_out_maps(self);
  gtk_label_set_text(self->status_label, "");
  update_texts(self);
}

static void
stop_explaining(CsPresentation *self)
{
  if (self->relay == NULL)
    return;
  cs_progress_relay_cancel(self->relay);
  cs_progress_relay_close(self->relay);
  g_clear_object(&self->relay);
}

static void
start_explaining(CsPresentation *self)
{
  GApplication *app = g_application_get_default();
  const char *model_ids[3] = { self->model_ids[0], self->model_ids[1], NULL };
  ExplainJob *job;

  stop_explaining(self);
  if (self->model_ids[0] == NULL) {
    clear_maps(self, _("No model is installed"));
    return;
  }
  if (cs_case_get_n_roi_keyframes(self->case_) == 0) {
    clear_maps(self, _("This case has no ROI on the nerve yet"));
    return;
  }
  self->relay = cs_progress_relay_new(NULL, explain_progress_cb, self, NULL);
  gtk_label_set_text(self->status_label, _("Explaining…"));
  /* Quitting waits for the worker, which leaving the presentation cancels. */
  if (app != NULL)
    g_application_hold(app);
  job = g_new0(ExplainJob, 1);
  job->self = g_object_ref(self);
  job->relay = g_object_ref(self->relay);
  cs_explain_case_frame_async(self->sweep, self->case_, self->frame, model_ids, &self->options,
                              self->relay, cs_progress_relay_get_cancellable(self->relay),
                              explained_cb, job);
}

static void
frame_read_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsPresentation) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsFrame) frame = cs_sweep_get_frame_finish(CS_SWEEP(source), result, &error);

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->sweep != CS_SWEEP(source))
    return;
  if (frame == NULL) {
    clear_maps(self, error->message);
    return;
  }
  self->frame = self->asked_frame;
  cs_frame_view_set_frame(self->frame_view, frame);
  cs_frame_view_zoom_fit(self->frame_view);
  show_outlines(self);
  start_explaining(self);
}

static void
sweep_opened_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsPresentation) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = cs_sweep_open_finish(result, &error);
  int n_frames;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancellable == NULL)
    return;
  if (sweep == NULL) {
    clear_maps(self, error->message);
    return;
  }
  g_set_object(&self->sweep, sweep);
  n_frames = cs_sweep_get_n_frames(sweep);
  if (self->asked_frame < 0 || self->asked_frame >= n_frames) {
    g_autofree char *reason = NULL;

    self->asked_frame =
        cs_explain_pick_frame(find_result(self->case_, self->model_ids[0]), n_frames, &reason);
  }
  cs_sweep_get_frame_async(sweep, self->asked_frame, self->cancellable, frame_read_cb,
                           g_object_ref(self));
}

void
cs_presentation_show_case(CsPresentation *self, CsStudy *study, guint index, int frame)
{
  g_autofree char *path = NULL;

  g_return_if_fail(CS_IS_PRESENTATION(self));
  g_return_if_fail(CS_IS_STUDY(study));
  g_return_if_fail(index < cs_study_get_n_cases(study));

  stop_explaining(self);
  g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  g_set_object(&self->study, study);
  g_set_object(&self->case_, cs_study_get_case(study, index));
  g_clear_object(&self->sweep);
  g_clear_pointer(&self->shown, g_ptr_array_unref);
  self->index = index;
  self->asked_frame = frame;
  self->frame = -1;
  cs_frame_view_set_frame(self->frame_view, NULL);
  show_outlines(self);
  lay_out_maps(self);
  clear_maps(self, NULL);
  update_texts(self);
  gtk_label_set_text(self->status_label, _("Reading the sweep…"));
  path = cs_study_dup_sweep_path(study, self->case_);
  if (path == NULL) {
    clear_maps(self, _("This case has no sweep"));
    gtk_label_set_text(self->status_label, "");
    return;
  }
  self->cancellable = g_cancellable_new();
  cs_sweep_open_async(path, self->cancellable, sweep_opened_cb, g_object_ref(self));
}

CsCase *
cs_presentation_get_case(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), NULL);
  return self->case_;
}

guint
cs_presentation_get_index(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), 0);
  return self->index;
}

int
cs_presentation_get_frame(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), -1);
  return self->frame;
}

void
cs_presentation_set_models(CsPresentation *self, const char *first, const char *second)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));

  g_free(self->model_ids[0]);
  g_free(self->model_ids[1]);
  self->model_ids[0] = g_strdup(first);
  self->model_ids[1] = first != NULL ? g_strdup(second) : NULL;
}

void
cs_presentation_set_options(CsPresentation *self, const CsExplainOptions *options)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));
  g_return_if_fail(options != NULL);
  self->options = *options;
}

void
cs_presentation_set_blind(CsPresentation *self, gboolean blind)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));
  self->blind = !!blind;
  update_texts(self);
}

void
cs_presentation_set_revealed(CsPresentation *self, gboolean revealed)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));
  self->revealed = !!revealed;
  update_texts(self);
}

void
cs_presentation_set_heatmaps_visible(CsPresentation *self, gboolean visible)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));
  self->heatmaps = !!visible;
  apply_view(self);
}

void
cs_presentation_set_outlines_visible(CsPresentation *self, gboolean visible)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));
  self->outlines = !!visible;
  show_outlines(self);
}

void
cs_presentation_set_colormap(CsPresentation *self, CsColormap colormap)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));
  self->colormap = colormap;
  apply_view(self);
}

void
cs_presentation_set_opacity(CsPresentation *self, double opacity)
{
  g_return_if_fail(CS_IS_PRESENTATION(self));
  self->opacity = opacity;
  apply_view(self);
}

gboolean
cs_presentation_is_answer_shown(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), FALSE);
  return answer_shown(self);
}

const char *
cs_presentation_get_heading(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), NULL);
  return gtk_label_get_text(self->heading_label);
}

const char *
cs_presentation_get_answer(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), NULL);
  return gtk_label_get_text(self->answer_label);
}

const char *
cs_presentation_get_row_heading(CsPresentation *self, int row)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), NULL);
  g_return_val_if_fail(row == 0 || row == 1, NULL);
  return row < n_rows(self) ? gtk_label_get_text(self->rows[row].heading) : NULL;
}

int
cs_presentation_get_n_rows(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), 0);
  return n_rows(self);
}

gboolean
cs_presentation_is_explained(CsPresentation *self)
{
  g_return_val_if_fail(CS_IS_PRESENTATION(self), FALSE);
  return self->shown != NULL;
}

gboolean
cs_presentation_save_png(CsPresentation *self, const char *path, GError **error)
{
  GtkWidget *widget = GTK_WIDGET(self);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width(widget);
  int height = gtk_widget_get_height(widget);

  g_return_val_if_fail(CS_IS_PRESENTATION(self), FALSE);

  if (width <= 0 || height <= 0 || gtk_native_get_renderer(GTK_NATIVE(self)) == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "the presentation is not on screen");
    return FALSE;
  }
  gdk_paintable_snapshot(paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node(g_steal_pointer(&snapshot));
  if (node == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "the presentation draws nothing");
    return FALSE;
  }
  texture = gsk_renderer_render_texture(gtk_native_get_renderer(GTK_NATIVE(self)), node,
                                        &GRAPHENE_RECT_INIT(0, 0, width, height));
  if (!gdk_texture_save_to_png(texture, path)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s: cannot write the PNG", path);
    return FALSE;
  }
  return TRUE;
}

/* Closing the window (Alt+F4, the window manager) leaves presentation mode the one way. */
static gboolean
cs_presentation_close_request(GtkWindow *window)
{
  gtk_widget_activate_action(GTK_WIDGET(window), "win.present", NULL);
  return TRUE;
}

static void
cs_presentation_dispose(GObject *object)
{
  CsPresentation *self = CS_PRESENTATION(object);

  stop_explaining(self);
  g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->shown, g_ptr_array_unref);
  g_clear_object(&self->sweep);
  g_clear_object(&self->case_);
  g_clear_object(&self->study);
  for (int r = 0; r < 2; r++) {
    g_clear_object(&self->rows[r].heading);
    for (int m = 0; m < N_MAPS; m++)
      g_clear_object(&self->rows[r].maps[m]);
  }
  /* The parent's actions, inserted as "win": dropped so that the two do not hold each other. */
  gtk_widget_insert_action_group(GTK_WIDGET(self), "win", NULL);
  G_OBJECT_CLASS(cs_presentation_parent_class)->dispose(object);
}

static void
cs_presentation_finalize(GObject *object)
{
  CsPresentation *self = CS_PRESENTATION(object);

  g_assert(self->relay == NULL);
  g_free(self->model_ids[0]);
  g_free(self->model_ids[1]);
  G_OBJECT_CLASS(cs_presentation_parent_class)->finalize(object);
}

/* The keys of presentation mode; each activates the main window's action of the same switch. */
static const struct {
  guint keyval;
  const char *action;
} presentation_keys[] = {
  { GDK_KEY_Page_Down, "win.present-next" },
  { GDK_KEY_Right, "win.present-next" },
  { GDK_KEY_Down, "win.present-next" },
  { GDK_KEY_space, "win.present-next" },
  { GDK_KEY_Page_Up, "win.present-previous" },
  { GDK_KEY_Left, "win.present-previous" },
  { GDK_KEY_Up, "win.present-previous" },
  { GDK_KEY_BackSpace, "win.present-previous" },
  { GDK_KEY_r, "win.reveal" },
  { GDK_KEY_b, "win.present-blind" },
  { GDK_KEY_o, "win.present-heatmaps" },
  { GDK_KEY_t, "win.present-outlines" },
  { GDK_KEY_c, "win.present-colormap" },
  { GDK_KEY_m, "win.present-compare" },
  { GDK_KEY_Escape, "win.present" },
  { GDK_KEY_F5, "win.present" },
};

static void
cs_presentation_class_init(CsPresentationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = cs_presentation_dispose;
  object_class->finalize = cs_presentation_finalize;
  GTK_WINDOW_CLASS(klass)->close_request = cs_presentation_close_request;
  for (gsize i = 0; i < G_N_ELEMENTS(presentation_keys); i++)
    gtk_widget_class_add_binding_action(widget_class, presentation_keys[i].keyval, 0,
                                        presentation_keys[i].action, NULL);
}

static GtkWidget *
tool_button(const char *icon, const char *action, const char *name, const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name(icon);

  gtk_actionable_set_action_name(GTK_ACTIONABLE(button), action);
  gtk_widget_set_tooltip_text(button, tooltip);
  gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_add_css_class(button, "flat");
  /* The keys belong to the window: a focused button would take Space and the arrows. */
  gtk_widget_set_focusable(button, FALSE);
  return button;
}

static GtkWidget *
toggle_button(const char *label, const char *action, const char *name, const char *tooltip)
{
  GtkWidget *button = gtk_toggle_button_new_with_label(label);

  gtk_actionable_set_action_name(GTK_ACTIONABLE(button), action);
  gtk_widget_set_tooltip_text(button, tooltip);
  gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_add_css_class(button, "flat");
  gtk_widget_set_focusable(button, FALSE);
  return button;
}

static GtkWidget *
build_bar(CsPresentation *self)
{
  GtkWidget *bar = gtk_center_box_new();
  GtkWidget *texts = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *tools = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);

  self->heading_label = GTK_LABEL(gtk_label_new(NULL));
  gtk_widget_add_css_class(GTK_WIDGET(self->heading_label), "title-1");
  gtk_label_set_xalign(self->heading_label, 0);
  self->answer_label = GTK_LABEL(gtk_label_new(NULL));
  gtk_widget_add_css_class(GTK_WIDGET(self->answer_label), "title-3");
  gtk_label_set_xalign(self->answer_label, 0);
  gtk_label_set_wrap(self->answer_label, TRUE);
  gtk_accessible_update_property(GTK_ACCESSIBLE(self->answer_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Answer"), -1);
  gtk_box_append(GTK_BOX(texts), GTK_WIDGET(self->heading_label));
  gtk_box_append(GTK_BOX(texts), GTK_WIDGET(self->answer_label));

  gtk_box_append(GTK_BOX(tools), tool_button("go-previous-symbolic", "win.present-previous",
                                             _("Previous case"), _("Previous case (Page Up)")));
  gtk_box_append(GTK_BOX(tools), tool_button("go-next-symbolic", "win.present-next", _("Next case"),
                                             _("Next case (Page Down)")));
  gtk_box_append(GTK_BOX(tools), toggle_button(_("Blind"), "win.present-blind", _("Blind"),
                                               _("Hide the answer until revealed (B)")));
  gtk_box_append(GTK_BOX(tools), toggle_button(_("Reveal"), "win.reveal", _("Reveal the answer"),
                                               _("Reveal the answer (R)")));
  gtk_box_append(GTK_BOX(tools), toggle_button(_("Heat maps"), "win.present-heatmaps",
                                               _("Heat maps"), _("Show the heat maps (O)")));
  gtk_box_append(GTK_BOX(tools), toggle_button(_("Outlines"), "win.present-outlines", _("Outlines"),
                                               _("Show the ROI and the tracings (T)")));
  gtk_box_append(GTK_BOX(tools),
                 tool_button("applications-graphics-symbolic", "win.present-colormap",
                             _("Next colour map"), _("Next colour map (C)")));
  gtk_box_append(GTK_BOX(tools),
                 tool_button("view-paged-symbolic", "win.present-compare", _("One or two models"),
                             _("One model, or two to compare (M)")));
  gtk_box_append(GTK_BOX(tools),
                 tool_button("view-restore-symbolic", "win.present", _("Leave presentation"),
                             _("Leave presentation (Esc)")));
  gtk_widget_set_valign(tools, GTK_ALIGN_START);

  gtk_center_box_set_start_widget(GTK_CENTER_BOX(bar), texts);
  gtk_center_box_set_end_widget(GTK_CENTER_BOX(bar), tools);
  gtk_widget_set_margin_start(bar, 18);
  gtk_widget_set_margin_end(bar, 18);
  gtk_widget_set_margin_top(bar, 12);
  return bar;
}

static void
cs_presentation_init(CsPresentation *self)
{
  static const char *const map_titles[N_MAPS] = { N_("Occlusion"), N_("LIME"), N_("Grad-CAM"),
                                                  N_("LIME stability"), N_("Network input") };
  GtkWidget *content = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *body = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 18);
  GtkWidget *frame_view = cs_frame_view_new();

  self->frame = -1;
  self->asked_frame = -1;
  self->heatmaps = TRUE;
  self->outlines = TRUE;
  self->colormap = CS_COLORMAP_INFERNO;
  self->opacity = 0.5;
  cs_explain_options_init(&self->options);
  gtk_window_set_title(GTK_WINDOW(self), _("Carpalscope Presentation"));

  self->frame_view = CS_FRAME_VIEW(frame_view);
  gtk_widget_set_hexpand(frame_view, TRUE);
  gtk_widget_set_vexpand(frame_view, TRUE);
  /* Shown, not edited: the presentation takes no pointer input on the frame. */
  gtk_widget_set_can_target(frame_view, FALSE);
  gtk_widget_set_focusable(frame_view, FALSE);
  gtk_accessible_update_property(GTK_ACCESSIBLE(frame_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Frame"), -1);

  self->maps_grid = GTK_GRID(gtk_grid_new());
  gtk_grid_set_row_spacing(self->maps_grid, 6);
  gtk_grid_set_column_spacing(self->maps_grid, 12);
  gtk_grid_set_column_homogeneous(self->maps_grid, TRUE);
  gtk_widget_set_hexpand(GTK_WIDGET(self->maps_grid), TRUE);
  for (int r = 0; r < 2; r++) {
    self->rows[r].heading = GTK_LABEL(gtk_label_new(NULL));
    gtk_widget_add_css_class(GTK_WIDGET(self->rows[r].heading), "title-4");
    g_object_ref_sink(self->rows[r].heading);
    for (int m = 0; m < N_MAPS; m++) {
      self->rows[r].maps[m] = CS_HEAT_PANEL(cs_heat_panel_new(_(map_titles[m])));
      g_object_ref_sink(self->rows[r].maps[m]);
      cs_heat_panel_set_expand(self->rows[r].maps[m], TRUE);
    }
  }
  lay_out_maps(self);
  apply_view(self);

  gtk_box_set_homogeneous(GTK_BOX(body), TRUE);
  gtk_widget_set_margin_start(body, 18);
  gtk_widget_set_margin_end(body, 18);
  gtk_widget_set_margin_bottom(body, 12);
  gtk_box_append(GTK_BOX(body), frame_view);
  gtk_box_append(GTK_BOX(body), GTK_WIDGET(self->maps_grid));

  self->status_label = GTK_LABEL(gtk_label_new(NULL));
  gtk_widget_add_css_class(GTK_WIDGET(self->status_label), "dim-label");
  gtk_box_append(GTK_BOX(content), build_bar(self));
  gtk_box_append(GTK_BOX(content), body);
  gtk_box_append(GTK_BOX(content), GTK_WIDGET(self->status_label));
  gtk_window_set_child(GTK_WINDOW(self), content);
  update_texts(self);
}

CsPresentation *
cs_presentation_new(GtkWindow *parent)
{
  CsPresentation *self;

  g_return_val_if_fail(GTK_IS_WINDOW(parent), NULL);
  g_return_val_if_fail(G_IS_ACTION_GROUP(parent), NULL);

  self = g_object_new(CS_TYPE_PRESENTATION, "transient-for", parent, NULL);
  gtk_widget_insert_action_group(GTK_WIDGET(self), "win", G_ACTION_GROUP(parent));
  return self;
}
