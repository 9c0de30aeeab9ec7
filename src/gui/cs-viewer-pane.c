/* cs-viewer-pane.c — the frame viewer with its tools, scrubber and p(CTS) strip chart
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-viewer-pane.h"

#include <glib/gi18n.h>
#include <math.h>

#include "cs-case-spacing.h"
#include "cs-nerve-track.h"
#include "cs-rater-menu.h"
#include "cs-roi.h"
#include "cs-spacing.h"

struct _CsViewerPane {
  GtkBox parent_instance;

  GtkToggleButton *roi_tool_button;
  GtkToggleButton *trace_tool_button;
  GtkToggleButton *calibrate_tool_button;
  GtkLabel *spacing_label;
  CsFrameView *frame_view;
  GtkToggleButton *play_button;
  GtkDropDown *speed_dropdown;
  GtkScale *frame_scale;
  GtkAdjustment *frame_adjustment;
  GtkLabel *frame_label;
  CsStripChart *strip_chart;
  GtkMenuButton *rater_button;
  GHashTable *hidden_raters; /* The rater keys (cs_rater_key()) whose tracings are hidden. */

  CsSweep *sweep;  /* The sweep as opened (shared with workers). */
  CsSweep *reader; /* The pane's own decoder on the same file. */
  CsCase *case_;
  gulong case_changed_id;
  CsRoiTrack *roi_track;

  int current;
  int shown;
  gboolean fetching;
  GCancellable *cancellable;
  guint play_source;
  guint play_interval; /* ms between frames while playing; 0 when not. */
};

G_DEFINE_FINAL_TYPE(CsViewerPane, cs_viewer_pane, GTK_TYPE_BOX)

enum { SIGNAL_FRAME_CHANGED, SIGNAL_CALIBRATION_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void fetch_frame(CsViewerPane *self);

static CsSpacing
case_spacing(CsViewerPane *self)
{
  return self->case_ != NULL ? cs_case_get_spacing(self->case_) : cs_spacing_unknown();
}

/* The ROI of @frame as a square in image px: from the keyframes, or a centred default. */
static gboolean
roi_at(CsViewerPane *self, int frame, CsRoiSquare *roi)
{
  CsSpacing spacing = case_spacing(self);
  CsRoiKey key;

  if (self->sweep == NULL)
    return FALSE;
  if (self->roi_track != NULL && cs_roi_track_get_at(self->roi_track, frame, &key)) {
    roi->x = key.x;
    roi->y = key.y;
    if (cs_roi_track_get_unit(self->roi_track) == CS_ROI_UNIT_MM && cs_spacing_is_known(&spacing))
      roi->side = cs_spacing_mm_to_px(&spacing, key.size);
    else
      roi->side = key.size;
    return TRUE;
  }
  roi->x = cs_sweep_get_width(self->sweep) / 2.0;
  roi->y = cs_sweep_get_height(self->sweep) / 2.0;
  if (cs_spacing_is_known(&spacing))
    roi->side = cs_spacing_mm_to_px(&spacing, CS_ROI_DEFAULT_SIZE_MM);
  else
    roi->side = MIN(cs_sweep_get_width(self->sweep), cs_sweep_get_height(self->sweep)) / 3.0;
  return TRUE;
}

/* The ROI's size in mm with where the mm come from, or in px with why there are none (a DICOM
 * region's spacing serves only an ROI that lies inside it). */
static char *
roi_label(CsViewerPane *self, const CsRoiSquare *roi, gboolean is_default)
{
  g_autofree char *why = NULL;
  CsSpacing spacing =
      self->case_ != NULL
          ? cs_case_get_roi_spacing(self->case_, self->sweep, roi->x, roi->y, roi->side, &why, TRUE)
          : cs_spacing_unknown();
  g_autofree char *size = NULL;

  if (cs_spacing_is_known(&spacing)) {
    double mm = cs_spacing_length_mm(&spacing, roi->side);
    g_autofree char *source = cs_spacing_dup_label(&spacing, TRUE);

    /* Translators: the ROI's side in mm, twice, and where the mm come from, e.g.
     * "15.0 × 15.0 mm (DICOM region 0)". */
    size = g_strdup_printf(_("%.1f × %.1f mm (%s)"), mm, mm, source);
  } else if (why != NULL) {
    /* Translators: the ROI's side in px, twice, and why it has no size in mm, e.g.
     * "it crosses DICOM regions 0 and 1, which may differ in scale". */
    size = g_strdup_printf(_("%.0f × %.0f px (no mm: %s)"), roi->side, roi->side, why);
  } else {
    size = g_strdup_printf(_("%.0f × %.0f px (spacing unknown)"), roi->side, roi->side);
  }
  if (is_default)
    /* Translators: %s is the ROI size; the ROI has not been placed by the user yet. */
    return g_strdup_printf(_("%s — drag onto the nerve"), size);
  return g_steal_pointer(&size);
}

void
cs_viewer_pane_refresh_overlays(CsViewerPane *self)
{
  CsRoiSquare roi;
  CsSpacing spacing = self->case_ != NULL ? cs_case_get_view_spacing(self->case_, self->sweep)
                                          : cs_spacing_unknown();
  g_autofree char *spacing_text = NULL;
  g_autofree char *source = cs_spacing_dup_label(&spacing, TRUE);

  g_return_if_fail(CS_IS_VIEWER_PANE(self));

  g_clear_pointer(&self->roi_track, cs_roi_track_free);
  if (self->case_ != NULL)
    self->roi_track = cs_case_dup_roi_track(self->case_);

  if (roi_at(self, self->current, &roi)) {
    g_autofree char *label = roi_label(self, &roi, self->roi_track == NULL);

    cs_frame_view_set_roi(self->frame_view, &roi, label);
  } else {
    cs_frame_view_set_roi(self->frame_view, NULL, NULL);
  }

  cs_frame_view_clear_tracings(self->frame_view);
  if (self->case_ != NULL) {
    for (guint i = 0; i < cs_case_get_n_tracings(self->case_); i++) {
      const CsTracing *tracing = cs_case_get_tracing(self->case_, i);

      if (tracing->frame != self->current ||
          g_hash_table_contains(self->hidden_raters, cs_rater_key(tracing)))
        continue;
      if (cs_nerve_tracing_is_proposed(tracing))
        cs_frame_view_add_proposed_tracing(self->frame_view, tracing->points, tracing->n_points,
                                           _("proposed"), (int)i);
      else
        cs_frame_view_add_tracing(self->frame_view, tracing->points, tracing->n_points,
                                  tracing->level, (int)i);
    }
  }

  if (self->sweep == NULL)
    spacing_text = g_strdup("");
  else if (cs_spacing_is_known(&spacing))
    /* Translators: pixel spacing and where it comes from, e.g. "0.060 mm/px (phantom truth)". */
    spacing_text = g_strdup_printf(_("%.4f mm/px (%s)"), spacing.mm_per_px, source);
  else
    spacing_text = g_strdup(_("Spacing unknown: sizes in px — calibrate to measure in mm"));
  gtk_label_set_text(self->spacing_label, spacing_text);
}

static void
update_frame_label(CsViewerPane *self)
{
  g_autofree char *text = NULL;
  int n = self->sweep != NULL ? cs_sweep_get_n_frames(self->sweep) : 0;

  if (self->sweep == NULL) {
    gtk_label_set_text(self->frame_label, "");
    return;
  }
  if (cs_sweep_get_frame_time(self->sweep, self->current) >= 0)
    /* Translators: frame number of total and its time in seconds. */
    text = g_strdup_printf(_("Frame %d / %d · %.2f s"), self->current + 1, n,
                           cs_sweep_get_frame_time(self->sweep, self->current));
  else
    text = g_strdup_printf(_("Frame %d / %d"), self->current + 1, n);
  gtk_label_set_text(self->frame_label, text);
}

static void
show_frame(CsViewerPane *self, CsFrame *frame)
{
  cs_frame_view_set_frame(self->frame_view, frame);
  self->shown = frame->index;
  cs_viewer_pane_refresh_overlays(self);
}

static void
got_frame_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsViewerPane) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsFrame) frame = cs_sweep_get_frame_finish(CS_SWEEP(source), result, &error);

  if (error != NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->fetching = FALSE;
  if (CS_SWEEP(source) != self->reader)
    return;
  if (frame == NULL) {
    g_autofree char *text =
        g_strdup_printf(_("Frame %d cannot be shown: %s"), self->current + 1, error->message);

    gtk_label_set_text(self->frame_label, text);
    return;
  }
  if (frame->index == self->current)
    show_frame(self, frame);
  else
    fetch_frame(self); /* The user moved on while this one decoded: fetch the latest. */
}

/* Shows the current frame from the cache, or asks the reader for it in a worker. At most one
 * decode is in flight; scrubbing past frames still decoding skips them. */
static void
fetch_frame(CsViewerPane *self)
{
  g_autoptr(CsFrame) cached = NULL;

  if (self->reader == NULL || self->shown == self->current)
    return;
  cached = cs_sweep_lookup_frame(self->reader, self->current);
  if (cached != NULL) {
    show_frame(self, cached);
    return;
  }
  if (self->fetching)
    return;
  self->fetching = TRUE;
  cs_sweep_get_frame_async(self->reader, self->current, self->cancellable, got_frame_cb,
                           g_object_ref(self));
}

void
cs_viewer_pane_set_frame_index(CsViewerPane *self, int index)
{
  g_return_if_fail(CS_IS_VIEWER_PANE(self));

  if (self->sweep == NULL)
    return;
  index = CLAMP(index, 0, cs_sweep_get_n_frames(self->sweep) - 1);
  if (index == self->current && self->shown == index)
    return;
  self->current = index;
  if ((int)gtk_adjustment_get_value(self->frame_adjustment) != index)
    gtk_adjustment_set_value(self->frame_adjustment, index);
  cs_strip_chart_set_current_frame(self->strip_chart, index);
  update_frame_label(self);
  fetch_frame(self);
  g_signal_emit(self, signals[SIGNAL_FRAME_CHANGED], 0, index);
}

int
cs_viewer_pane_get_frame_index(CsViewerPane *self)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), 0);
  return self->current;
}

gboolean
cs_viewer_pane_is_frame_shown(CsViewerPane *self)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), FALSE);
  return self->sweep != NULL && self->shown == self->current;
}

static void
adjustment_changed_cb(GtkAdjustment *adjustment, CsViewerPane *self)
{
  cs_viewer_pane_set_frame_index(self, (int)lround(gtk_adjustment_get_value(adjustment)));
}

static void
case_changed_cb(CsCase *c, CsViewerPane *self)
{
  cs_viewer_pane_refresh_overlays(self);
}

void
cs_viewer_pane_set_sweep(CsViewerPane *self, CsSweep *sweep, CsCase *c)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail(CS_IS_VIEWER_PANE(self));

  cs_viewer_pane_set_playing(self, FALSE);
  g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  self->cancellable = g_cancellable_new();
  self->fetching = FALSE;
  if (self->case_ != NULL)
    g_clear_signal_handler(&self->case_changed_id, self->case_);
  g_clear_object(&self->case_);
  g_clear_object(&self->reader);
  g_clear_object(&self->sweep);
  cs_frame_view_set_tool(self->frame_view, CS_FRAME_VIEW_TOOL_ROI);
  gtk_toggle_button_set_active(self->roi_tool_button, TRUE);
  self->current = 0;
  self->shown = -1;

  if (sweep != NULL) {
    self->sweep = g_object_ref(sweep);
    self->reader = cs_sweep_open_reader(sweep, &error);
    if (self->reader == NULL) {
      g_warning("Cannot open a second reader of %s: %s", cs_sweep_get_path(sweep), error->message);
      self->reader = g_object_ref(sweep);
    }
  }
  if (c != NULL) {
    self->case_ = g_object_ref(c);
    self->case_changed_id = g_signal_connect(c, "changed", G_CALLBACK(case_changed_cb), self);
  }

  gtk_adjustment_configure(self->frame_adjustment, 0, 0,
                           sweep != NULL ? cs_sweep_get_n_frames(sweep) - 1 : 0, 1, 10, 0);
  gtk_widget_set_sensitive(GTK_WIDGET(self), sweep != NULL);
  cs_strip_chart_set_values(self->strip_chart, NULL, 0);
  if (sweep == NULL) {
    cs_frame_view_set_frame(self->frame_view, NULL);
    cs_viewer_pane_refresh_overlays(self);
    update_frame_label(self);
    return;
  }
  cs_frame_view_zoom_fit(self->frame_view);
  update_frame_label(self);
  cs_viewer_pane_refresh_overlays(self);
  fetch_frame(self);
  g_signal_emit(self, signals[SIGNAL_FRAME_CHANGED], 0, 0);
}

CsSweep *
cs_viewer_pane_get_sweep(CsViewerPane *self)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), NULL);
  return self->sweep;
}

CsCase *
cs_viewer_pane_get_case(CsViewerPane *self)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), NULL);
  return self->case_;
}

gboolean
cs_viewer_pane_get_roi(CsViewerPane *self, CsRoiSquare *roi)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), FALSE);
  return roi_at(self, self->current, roi);
}

/* Stores @roi (image px) as the keyframe of @frame, in mm when the spacing is known. */
static void
store_keyframe(CsViewerPane *self, int frame, const CsRoiSquare *roi)
{
  CsSpacing spacing = case_spacing(self);
  CsRoiKeyframe key = { .frame = frame, .x = roi->x, .y = roi->y };
  g_autoptr(GError) error = NULL;

  if (self->case_ == NULL)
    return;
  if (cs_spacing_is_known(&spacing))
    key.size_mm = cs_spacing_length_mm(&spacing, roi->side);
  else
    key.size_px = roi->side;
  /* A ROI kept in one unit stays in that unit: mixing px and mm keyframes is refused. One placed
   * in px before the spacing was known goes on in px rather than lose its keyframes
   * (calibrating converts them to mm); one in mm with the spacing gone starts again. */
  if (self->roi_track != NULL && cs_roi_track_get_unit(self->roi_track) == CS_ROI_UNIT_PX &&
      key.size_mm > 0) {
    key.size_mm = 0;
    key.size_px = roi->side;
  } else if (self->roi_track != NULL &&
             (cs_roi_track_get_unit(self->roi_track) == CS_ROI_UNIT_MM) != (key.size_mm > 0)) {
    cs_case_clear_roi_keyframes(self->case_);
  }
  if (!cs_case_set_roi_keyframe(self->case_, &key, &error))
    g_warning("ROI not stored: %s", error->message);
}

void
cs_viewer_pane_apply_roi_to_all(CsViewerPane *self)
{
  CsRoiSquare roi;

  g_return_if_fail(CS_IS_VIEWER_PANE(self));

  if (self->case_ == NULL || !roi_at(self, self->current, &roi))
    return;
  cs_case_clear_roi_keyframes(self->case_);
  store_keyframe(self, self->current, &roi);
}

static void
roi_changed_cb(CsFrameView *view, double x, double y, double side, CsViewerPane *self)
{
  CsRoiSquare roi = { x, y, side };

  store_keyframe(self, self->current, &roi);
}

static void
calibration_done_cb(CsFrameView *view, double x1, double y1, double x2, double y2,
                    CsViewerPane *self)
{
  g_signal_emit(self, signals[SIGNAL_CALIBRATION_REQUESTED], 0, x1, y1, x2, y2);
}

static void
apply_roi_clicked_cb(CsViewerPane *self)
{
  cs_viewer_pane_apply_roi_to_all(self);
}

void
cs_viewer_pane_set_tool(CsViewerPane *self, CsFrameViewTool tool)
{
  g_return_if_fail(CS_IS_VIEWER_PANE(self));

  switch (tool) {
    case CS_FRAME_VIEW_TOOL_TRACE:
      gtk_toggle_button_set_active(self->trace_tool_button, TRUE);
      break;
    case CS_FRAME_VIEW_TOOL_CALIBRATE:
      gtk_toggle_button_set_active(self->calibrate_tool_button, TRUE);
      break;
    case CS_FRAME_VIEW_TOOL_ROI:
    default:
      gtk_toggle_button_set_active(self->roi_tool_button, TRUE);
      break;
  }
  cs_frame_view_set_tool(self->frame_view, tool);
}

static void
tool_toggled_cb(GtkToggleButton *button, CsViewerPane *self)
{
  if (!gtk_toggle_button_get_active(button))
    return;
  if (button == self->trace_tool_button)
    cs_frame_view_set_tool(self->frame_view, CS_FRAME_VIEW_TOOL_TRACE);
  else if (button == self->calibrate_tool_button)
    cs_frame_view_set_tool(self->frame_view, CS_FRAME_VIEW_TOOL_CALIBRATE);
  else
    cs_frame_view_set_tool(self->frame_view, CS_FRAME_VIEW_TOOL_ROI);
  gtk_widget_grab_focus(GTK_WIDGET(self->frame_view));
}

static void
zoom_in_clicked_cb(CsViewerPane *self)
{
  cs_frame_view_zoom_by(self->frame_view, 1.25);
}

static void
zoom_out_clicked_cb(CsViewerPane *self)
{
  cs_frame_view_zoom_by(self->frame_view, 0.8);
}

static void
zoom_fit_clicked_cb(CsViewerPane *self)
{
  cs_frame_view_zoom_fit(self->frame_view);
}

static void
zoom_one_clicked_cb(CsViewerPane *self)
{
  cs_frame_view_zoom_one(self->frame_view);
}

static gboolean
play_tick_cb(gpointer user_data)
{
  CsViewerPane *self = user_data;
  int last;

  if (self->sweep == NULL) {
    self->play_source = 0;
    gtk_toggle_button_set_active(self->play_button, FALSE);
    return G_SOURCE_REMOVE;
  }
  last = cs_sweep_get_n_frames(self->sweep) - 1;
  /* A frame still decoding is not skipped past: playback waits for it rather than racing on. */
  if (self->shown != self->current)
    return G_SOURCE_CONTINUE;
  if (self->current >= last) {
    self->play_source = 0;
    gtk_toggle_button_set_active(self->play_button, FALSE);
    return G_SOURCE_REMOVE;
  }
  cs_viewer_pane_set_frame_index(self, self->current + 1);
  return G_SOURCE_CONTINUE;
}

double
cs_viewer_pane_get_speed(CsViewerPane *self)
{
  guint index;

  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), 1);
  index = gtk_drop_down_get_selected(self->speed_dropdown);
  return cs_play_speeds[index < CS_PLAY_N_SPEEDS ? index : CS_PLAY_DEFAULT_SPEED];
}

void
cs_viewer_pane_set_speed(CsViewerPane *self, double speed)
{
  guint best = CS_PLAY_DEFAULT_SPEED;

  g_return_if_fail(CS_IS_VIEWER_PANE(self));
  for (guint i = 0; i < CS_PLAY_N_SPEEDS; i++)
    if (fabs(log(cs_play_speeds[i] / speed)) < fabs(log(cs_play_speeds[best] / speed)))
      best = i;
  gtk_drop_down_set_selected(self->speed_dropdown, best);
}

guint
cs_viewer_pane_get_play_interval(CsViewerPane *self)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), 0);
  return self->play_interval;
}

void
cs_viewer_pane_set_playing(CsViewerPane *self, gboolean playing)
{
  g_return_if_fail(CS_IS_VIEWER_PANE(self));

  if (gtk_toggle_button_get_active(self->play_button) != playing)
    gtk_toggle_button_set_active(self->play_button, playing);
}

static void
play_toggled_cb(GtkToggleButton *button, CsViewerPane *self)
{
  gboolean playing = gtk_toggle_button_get_active(button);

  g_clear_handle_id(&self->play_source, g_source_remove);
  gtk_button_set_icon_name(GTK_BUTTON(button), playing ? "media-playback-pause-symbolic"
                                                       : "media-playback-start-symbolic");
  gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 playing ? _("Pause") : _("Play"), -1);
  if (playing && self->sweep != NULL) {
    /* At the sweep's own frame rate times the speed chosen. */
    guint interval =
        cs_play_interval_ms(cs_sweep_get_frame_rate(self->sweep), cs_viewer_pane_get_speed(self));

    if (self->current >= cs_sweep_get_n_frames(self->sweep) - 1)
      cs_viewer_pane_set_frame_index(self, 0);
    self->play_interval = interval;
    self->play_source = g_timeout_add(interval, play_tick_cb, self);
  } else {
    self->play_interval = 0;
  }
}

/* A new speed takes effect at once while playing. */
static void
speed_changed_cb(GtkDropDown *dropdown, GParamSpec *pspec, CsViewerPane *self)
{
  if (self->play_source != 0)
    play_toggled_cb(self->play_button, self);
}

static void
frame_activated_cb(CsStripChart *chart, int frame, CsViewerPane *self)
{
  cs_viewer_pane_set_frame_index(self, frame);
}

CsFrameView *
cs_viewer_pane_get_frame_view(CsViewerPane *self)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), NULL);
  return self->frame_view;
}

CsStripChart *
cs_viewer_pane_get_strip_chart(CsViewerPane *self)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), NULL);
  return self->strip_chart;
}

static gboolean
step_frames(GtkWidget *widget, GVariant *args, gpointer user_data)
{
  CsViewerPane *self = CS_VIEWER_PANE(widget);
  int step = g_variant_get_int32(args);

  if (self->sweep == NULL)
    return FALSE;
  if (step == G_MININT32)
    cs_viewer_pane_set_frame_index(self, 0);
  else if (step == G_MAXINT32)
    cs_viewer_pane_set_frame_index(self, cs_sweep_get_n_frames(self->sweep) - 1);
  else
    cs_viewer_pane_set_frame_index(self, self->current + step);
  return TRUE;
}

static gboolean
toggle_play(GtkWidget *widget, GVariant *args, gpointer user_data)
{
  CsViewerPane *self = CS_VIEWER_PANE(widget);

  if (self->sweep == NULL)
    return FALSE;
  cs_viewer_pane_set_playing(self, !gtk_toggle_button_get_active(self->play_button));
  return TRUE;
}

gboolean
cs_viewer_pane_get_rater_shown(CsViewerPane *self, const char *rater)
{
  g_return_val_if_fail(CS_IS_VIEWER_PANE(self), FALSE);
  g_return_val_if_fail(rater != NULL, FALSE);
  return !g_hash_table_contains(self->hidden_raters, rater);
}

void
cs_viewer_pane_set_rater_shown(CsViewerPane *self, const char *rater, gboolean shown)
{
  int edited;

  g_return_if_fail(CS_IS_VIEWER_PANE(self));
  g_return_if_fail(rater != NULL);

  if (shown == cs_viewer_pane_get_rater_shown(self, rater))
    return;
  if (shown)
    g_hash_table_remove(self->hidden_raters, rater);
  else
    g_hash_table_add(self->hidden_raters, g_strdup(rater));
  /* A hidden outline can be neither seen nor edited: an edit of one ends. */
  edited = cs_frame_view_get_edited_tracing(self->frame_view);
  if (!shown && self->case_ != NULL && edited >= 0 &&
      (guint)edited < cs_case_get_n_tracings(self->case_) &&
      g_str_equal(cs_rater_key(cs_case_get_tracing(self->case_, (guint)edited)), rater))
    cs_frame_view_reset_tracing(self->frame_view);
  cs_viewer_pane_refresh_overlays(self);
}

static void
cs_viewer_pane_dispose(GObject *object)
{
  CsViewerPane *self = CS_VIEWER_PANE(object);

  g_clear_handle_id(&self->play_source, g_source_remove);
  g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  if (self->case_ != NULL)
    g_clear_signal_handler(&self->case_changed_id, self->case_);
  g_clear_object(&self->case_);
  g_clear_object(&self->reader);
  g_clear_object(&self->sweep);
  g_clear_pointer(&self->roi_track, cs_roi_track_free);
  g_clear_pointer(&self->hidden_raters, g_hash_table_unref);
  gtk_widget_dispose_template(GTK_WIDGET(self), CS_TYPE_VIEWER_PANE);
  G_OBJECT_CLASS(cs_viewer_pane_parent_class)->dispose(object);
}

static void
cs_viewer_pane_class_init(CsViewerPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  static const struct {
    guint key;
    int step;
  } steps[] = {
    { GDK_KEY_Right, 1 },     { GDK_KEY_Left, -1 },         { GDK_KEY_Page_Down, 10 },
    { GDK_KEY_Page_Up, -10 }, { GDK_KEY_Home, G_MININT32 }, { GDK_KEY_End, G_MAXINT32 },
    { GDK_KEY_KP_Right, 1 },  { GDK_KEY_KP_Left, -1 },
  };

  object_class->dispose = cs_viewer_pane_dispose;

  signals[SIGNAL_FRAME_CHANGED] =
      g_signal_new("frame-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_CALIBRATION_REQUESTED] = g_signal_new(
      "calibration-requested", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  g_type_ensure(CS_TYPE_FRAME_VIEW);
  g_type_ensure(CS_TYPE_STRIP_CHART);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              RESOURCE_PREFIX "/ui/cs-viewer-pane.ui");
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, roi_tool_button);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, trace_tool_button);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, calibrate_tool_button);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, spacing_label);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, frame_view);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, play_button);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, speed_dropdown);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, frame_scale);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, frame_adjustment);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, frame_label);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, strip_chart);
  gtk_widget_class_bind_template_child(widget_class, CsViewerPane, rater_button);
  gtk_widget_class_bind_template_callback(widget_class, tool_toggled_cb);
  gtk_widget_class_bind_template_callback(widget_class, apply_roi_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, zoom_in_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, zoom_out_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, zoom_fit_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, zoom_one_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, play_toggled_cb);
  gtk_widget_class_bind_template_callback(widget_class, speed_changed_cb);

  for (gsize i = 0; i < G_N_ELEMENTS(steps); i++)
    gtk_widget_class_add_binding(widget_class, steps[i].key, 0, step_frames, "i", steps[i].step);
  gtk_widget_class_add_binding(widget_class, GDK_KEY_space, 0, toggle_play, NULL);
}

static void
cs_viewer_pane_init(CsViewerPane *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));

  self->shown = -1;
  self->cancellable = g_cancellable_new();
  self->hidden_raters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  cs_rater_menu_init(self->rater_button, self);
  g_signal_connect(self->frame_adjustment, "value-changed", G_CALLBACK(adjustment_changed_cb),
                   self);
  g_signal_connect(self->frame_view, "roi-changed", G_CALLBACK(roi_changed_cb), self);
  g_signal_connect(self->frame_view, "calibration-done", G_CALLBACK(calibration_done_cb), self);
  g_signal_connect(self->strip_chart, "frame-activated", G_CALLBACK(frame_activated_cb), self);
  gtk_widget_set_sensitive(GTK_WIDGET(self), FALSE);
}
