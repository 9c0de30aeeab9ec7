/* cs-frame-view.c — the frame viewer: a sweep frame with zoom, pan, ROI, tracings, calibration
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-frame-view.h"
#include "cs-view-draw.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Handle and hit radius on screen, in widget pixels. */
#define HANDLE_RADIUS 7.0
#define MIN_SCALE     0.05
#define MAX_SCALE     32.0

typedef enum { DRAG_NONE, DRAG_PAN, DRAG_ROI, DRAG_VERTEX, DRAG_FREEHAND } DragKind;

typedef struct {
  double *xy;
  guint n_points;
  char *label;
  int id;            /* The caller's tag of a saved tracing, or -1 when it cannot be edited. */
  gboolean proposed; /* Proposed by the nerve finder: drawn dashed until accepted. */
} Polygon;

struct _CsFrameView {
  GtkWidget parent_instance;

  CsFrame *frame;
  GdkTexture *texture;

  gboolean fit;
  CsViewTransform transform;

  gboolean has_roi;
  CsRoiSquare roi;
  char *roi_label;

  GPtrArray *tracings; /* Polygon */
  CsTracingEdit edit;
  /* The saved tracing the closed edit outline is (id, or -1 for a new outline); FALSE in
   * edit_shown once the tracings shown no longer hold it as edited (another frame, removed). */
  int edit_id;
  gboolean edit_shown;
  gboolean edit_dirty; /* A vertex moved or was inserted since the press. */

  CsFrameViewTool tool;
  gboolean has_calibration_point;
  double calibration_x, calibration_y;
  gboolean has_pointer;
  double pointer_x, pointer_y; /* image px */

  DragKind drag;
  CsRoiHit drag_hit;
  CsRoiSquare drag_roi;
  double drag_start_wx, drag_start_wy;
  double drag_start_ix, drag_start_iy;
  CsViewTransform drag_transform;
};

G_DEFINE_FINAL_TYPE(CsFrameView, cs_frame_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_TOOL, PROP_FIT, PROP_SCALE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ROI_CHANGED,
  SIGNAL_TRACING_CLOSED,
  SIGNAL_TRACING_EDITED,
  SIGNAL_CALIBRATION_DONE,
  SIGNAL_POINTER_MOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
polygon_free(gpointer data)
{
  Polygon *polygon = data;

  g_free(polygon->xy);
  g_free(polygon->label);
  g_free(polygon);
}

GtkWidget *
cs_frame_view_new(void)
{
  return g_object_new(CS_TYPE_FRAME_VIEW, NULL);
}

static void
update_transform(CsFrameView *self)
{
  int width = gtk_widget_get_width(GTK_WIDGET(self));
  int height = gtk_widget_get_height(GTK_WIDGET(self));

  if (self->frame == NULL)
    return;
  if (self->fit)
    cs_view_transform_fit(&self->transform, self->frame->width, self->frame->height, width, height);
  else
    cs_view_transform_clamp(&self->transform, self->frame->width, self->frame->height, width,
                            height);
}

static GdkTexture *
texture_from_frame(CsFrame *frame)
{
  /* GTK 4.8 has no gray texture format: expand to RGB once per shown frame. */
  gsize row = (gsize)frame->width * 3;
  guint8 *rgb = g_malloc(row * frame->height);
  g_autoptr(GBytes) bytes = NULL;

  for (int y = 0; y < frame->height; y++) {
    const guint8 *src = frame->data + (gsize)y * frame->stride;
    guint8 *dst = rgb + (gsize)y * row;

    for (int x = 0; x < frame->width; x++) {
      dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
    }
  }
  bytes = g_bytes_new_take(rgb, row * frame->height);
  return gdk_memory_texture_new(frame->width, frame->height, GDK_MEMORY_R8G8B8, bytes, row);
}

void
cs_frame_view_set_frame(CsFrameView *self, CsFrame *frame)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  if (frame == self->frame)
    return;
  g_clear_object(&self->texture);
  g_clear_pointer(&self->frame, cs_frame_unref);
  if (frame != NULL) {
    self->frame = cs_frame_ref(frame);
    self->texture = texture_from_frame(frame);
    update_transform(self);
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

CsFrame *
cs_frame_view_get_frame(CsFrameView *self)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), NULL);
  return self->frame;
}

void
cs_frame_view_set_roi(CsFrameView *self, const CsRoiSquare *roi, const char *label)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  self->has_roi = roi != NULL;
  if (roi != NULL)
    self->roi = *roi;
  g_free(self->roi_label);
  self->roi_label = g_strdup(label);
  if (self->drag == DRAG_ROI)
    self->drag = DRAG_NONE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean
cs_frame_view_get_roi(CsFrameView *self, CsRoiSquare *roi)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), FALSE);

  if (self->has_roi && roi != NULL)
    *roi = self->roi;
  return self->has_roi;
}

void
cs_frame_view_clear_tracings(CsFrameView *self)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  g_ptr_array_set_size(self->tracings, 0);
  self->edit_shown = FALSE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

static gboolean
edit_is(const CsTracingEdit *edit, const double *xy, guint n_points)
{
  return cs_tracing_edit_n_points(edit) == n_points &&
         memcmp(cs_tracing_edit_points(edit), xy, sizeof(double) * 2 * n_points) == 0;
}

void
cs_frame_view_add_proposed_tracing(CsFrameView *self, const double *xy, guint n_points,
                                   const char *label, int id)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  cs_frame_view_add_tracing(self, xy, n_points, label, id);
  ((Polygon *)g_ptr_array_index(self->tracings, self->tracings->len - 1))->proposed = TRUE;
}

void
cs_frame_view_add_tracing(CsFrameView *self, const double *xy, guint n_points, const char *label,
                          int id)
{
  Polygon *polygon;

  g_return_if_fail(CS_IS_FRAME_VIEW(self));
  g_return_if_fail(n_points == 0 || xy != NULL);

  polygon = g_new0(Polygon, 1);
  polygon->xy = g_memdup2(xy, sizeof(double) * 2 * n_points);
  polygon->n_points = n_points;
  polygon->label = g_strdup(label);
  polygon->id = id;
  g_ptr_array_add(self->tracings, polygon);
  if (id >= 0 && id == self->edit_id && edit_is(&self->edit, xy, n_points))
    self->edit_shown = TRUE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
cs_frame_view_set_tool(CsFrameView *self, CsFrameViewTool tool)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  if (self->tool == tool)
    return;
  self->tool = tool;
  self->has_calibration_point = FALSE;
  cs_tracing_edit_set(&self->edit, NULL, 0, FALSE);
  self->edit_id = -1;
  self->drag = DRAG_NONE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_TOOL]);
}

CsFrameViewTool
cs_frame_view_get_tool(CsFrameView *self)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), CS_FRAME_VIEW_TOOL_ROI);
  return self->tool;
}

CsTracingEdit *
cs_frame_view_get_tracing_edit(CsFrameView *self)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), NULL);
  return &self->edit;
}

double *
cs_frame_view_dup_tracing(CsFrameView *self, guint *n_points)
{
  guint n;

  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), NULL);

  n = cs_tracing_edit_n_points(&self->edit);
  if (!self->edit.closed || n < 3) {
    *n_points = 0;
    return NULL;
  }
  *n_points = n;
  return g_memdup2(cs_tracing_edit_points(&self->edit), sizeof(double) * 2 * n);
}

gboolean
cs_frame_view_close_tracing(CsFrameView *self)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), FALSE);

  if (self->edit.closed)
    return TRUE;
  if (!cs_tracing_edit_close(&self->edit))
    return FALSE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_signal_emit(self, signals[SIGNAL_TRACING_CLOSED], 0);
  return TRUE;
}

void
cs_frame_view_reset_tracing(CsFrameView *self)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  cs_tracing_edit_set(&self->edit, NULL, 0, FALSE);
  self->edit_id = -1;
  self->drag = DRAG_NONE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean
cs_frame_view_edit_tracing(CsFrameView *self, int id)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), FALSE);

  for (guint i = 0; id >= 0 && i < self->tracings->len; i++) {
    Polygon *polygon = g_ptr_array_index(self->tracings, i);

    if (polygon->id == id && polygon->n_points >= 3) {
      cs_tracing_edit_set(&self->edit, polygon->xy, polygon->n_points, TRUE);
      self->edit_id = id;
      self->edit_shown = TRUE;
      gtk_widget_queue_draw(GTK_WIDGET(self));
      return TRUE;
    }
  }
  return FALSE;
}

int
cs_frame_view_get_edited_tracing(CsFrameView *self)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), -1);
  return self->edit.closed && self->edit_shown ? self->edit_id : -1;
}

/* A saved outline's edit ends when the outlines shown no longer hold it as it is (the frame
 * changed, or it was removed or changed elsewhere). */
static void
drop_stale_edit(CsFrameView *self)
{
  if (self->edit_id >= 0 && !self->edit_shown)
    cs_frame_view_reset_tracing(self);
}

/* Picks the saved outline with a vertex or an edge at (x, y) for editing. */
static gboolean
pick_saved_tracing(CsFrameView *self, double x, double y, double tolerance)
{
  for (guint i = 0; i < self->tracings->len; i++) {
    Polygon *polygon = g_ptr_array_index(self->tracings, i);

    if (polygon->id < 0 || polygon->n_points < 3)
      continue;
    cs_tracing_edit_set(&self->edit, polygon->xy, polygon->n_points, TRUE);
    if (cs_tracing_edit_hit_vertex(&self->edit, x, y, tolerance) >= 0 ||
        cs_tracing_edit_hit_edge(&self->edit, x, y, tolerance) >= 0)
      return cs_frame_view_edit_tracing(self, polygon->id);
  }
  cs_tracing_edit_set(&self->edit, NULL, 0, FALSE);
  return FALSE;
}

static void
set_fit(CsFrameView *self, gboolean fit)
{
  if (self->fit == fit)
    return;
  self->fit = fit;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_FIT]);
}

static void
set_scale_at(CsFrameView *self, double scale, double anchor_x, double anchor_y)
{
  if (self->frame == NULL)
    return;
  scale = CLAMP(scale, MIN_SCALE, MAX_SCALE);
  set_fit(self, FALSE);
  cs_view_transform_zoom_at(&self->transform, scale, anchor_x, anchor_y);
  update_transform(self);
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SCALE]);
}

void
cs_frame_view_zoom_fit(CsFrameView *self)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  set_fit(self, TRUE);
  update_transform(self);
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SCALE]);
}

void
cs_frame_view_zoom_one(CsFrameView *self)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  set_scale_at(self, 1.0, gtk_widget_get_width(GTK_WIDGET(self)) / 2.0,
               gtk_widget_get_height(GTK_WIDGET(self)) / 2.0);
}

void
cs_frame_view_zoom_by(CsFrameView *self, double factor)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  set_scale_at(self, self->transform.scale * factor, gtk_widget_get_width(GTK_WIDGET(self)) / 2.0,
               gtk_widget_get_height(GTK_WIDGET(self)) / 2.0);
}

double
cs_frame_view_get_scale(CsFrameView *self)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), 1.0);
  return self->transform.scale;
}

void
cs_frame_view_get_transform(CsFrameView *self, CsViewTransform *transform)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));
  *transform = self->transform;
}

static double
tolerance_image_px(CsFrameView *self)
{
  return HANDLE_RADIUS / MAX(self->transform.scale, 1e-6);
}

void
cs_frame_view_press(CsFrameView *self, double wx, double wy, int n_press)
{
  double ix, iy;
  double tolerance = tolerance_image_px(self);

  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  cs_view_widget_to_image(&self->transform, wx, wy, &ix, &iy);
  self->drag_start_wx = wx;
  self->drag_start_wy = wy;
  self->drag_start_ix = ix;
  self->drag_start_iy = iy;
  self->drag_transform = self->transform;
  self->drag = DRAG_PAN;

  if (self->frame == NULL)
    return;

  switch (self->tool) {
    case CS_FRAME_VIEW_TOOL_ROI:
      if (self->has_roi) {
        self->drag_hit = cs_roi_hit_test(&self->roi, ix, iy, tolerance);
        if (self->drag_hit != CS_ROI_HIT_NONE) {
          self->drag = DRAG_ROI;
          self->drag_roi = self->roi;
        }
      }
      break;

    case CS_FRAME_VIEW_TOOL_TRACE:
      drop_stale_edit(self);
      self->edit_dirty = FALSE;
      /* A press off the closed outline ends its edit; one on a saved outline starts editing it. */
      if (self->edit.closed && cs_tracing_edit_hit_vertex(&self->edit, ix, iy, tolerance) < 0 &&
          cs_tracing_edit_hit_edge(&self->edit, ix, iy, tolerance) < 0)
        cs_frame_view_reset_tracing(self);
      if (cs_tracing_edit_n_points(&self->edit) == 0)
        pick_saved_tracing(self, ix, iy, tolerance);
      if (self->edit.closed) {
        int vertex = cs_tracing_edit_hit_vertex(&self->edit, ix, iy, tolerance);

        if (vertex < 0) {
          int edge = cs_tracing_edit_hit_edge(&self->edit, ix, iy, tolerance);

          if (edge >= 0) {
            vertex = cs_tracing_edit_insert(&self->edit, edge, ix, iy);
            self->edit_dirty = TRUE;
          }
        }
        self->edit.selected = vertex;
        self->drag = DRAG_VERTEX;
      } else if (n_press >= 2) {
        self->drag = DRAG_NONE;
        cs_frame_view_close_tracing(self);
      } else {
        guint n = cs_tracing_edit_n_points(&self->edit);

        if (n >= 3 && cs_tracing_edit_hit_vertex(&self->edit, ix, iy, tolerance) == 0) {
          self->drag = DRAG_NONE;
          cs_frame_view_close_tracing(self);
        } else {
          cs_tracing_edit_add(&self->edit, ix, iy, 0);
          self->drag = DRAG_FREEHAND;
        }
      }
      break;

    case CS_FRAME_VIEW_TOOL_CALIBRATE:
      self->drag = DRAG_NONE;
      if (!self->has_calibration_point) {
        self->has_calibration_point = TRUE;
        self->calibration_x = ix;
        self->calibration_y = iy;
      } else {
        self->has_calibration_point = FALSE;
        g_signal_emit(self, signals[SIGNAL_CALIBRATION_DONE], 0, self->calibration_x,
                      self->calibration_y, ix, iy);
      }
      break;

    default:
      break;
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
cs_frame_view_drag_to(CsFrameView *self, double wx, double wy)
{
  double ix, iy;

  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  cs_view_widget_to_image(&self->transform, wx, wy, &ix, &iy);
  switch (self->drag) {
    case DRAG_PAN:
      if (!self->fit) {
        self->transform.offset_x = self->drag_transform.offset_x + (wx - self->drag_start_wx);
        self->transform.offset_y = self->drag_transform.offset_y + (wy - self->drag_start_wy);
        update_transform(self);
      }
      break;
    case DRAG_ROI: {
      double min_side = 8.0;

      cs_roi_drag(self->drag_hit, &self->drag_roi, self->drag_start_ix, self->drag_start_iy, ix, iy,
                  min_side, &self->roi);
      break;
    }
    case DRAG_VERTEX:
      if (self->edit.selected >= 0 && (ix != self->drag_start_ix || iy != self->drag_start_iy)) {
        cs_tracing_edit_move(&self->edit, self->edit.selected, ix, iy);
        self->edit_dirty = TRUE;
      }
      break;
    case DRAG_FREEHAND:
      /* Freehand: a vertex every few screen pixels keeps the outline smooth but light. */
      cs_tracing_edit_add(&self->edit, ix, iy, 4.0 / MAX(self->transform.scale, 1e-6));
      break;
    case DRAG_NONE:
    default:
      break;
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
cs_frame_view_release(CsFrameView *self, double wx, double wy)
{
  g_return_if_fail(CS_IS_FRAME_VIEW(self));

  cs_frame_view_drag_to(self, wx, wy);
  if (self->drag == DRAG_ROI &&
      (self->roi.x != self->drag_roi.x || self->roi.y != self->drag_roi.y ||
       self->roi.side != self->drag_roi.side))
    g_signal_emit(self, signals[SIGNAL_ROI_CHANGED], 0, self->roi.x, self->roi.y, self->roi.side);
  if (self->drag == DRAG_VERTEX && self->edit_dirty) {
    self->edit_dirty = FALSE;
    self->drag = DRAG_NONE;
    g_signal_emit(self, signals[SIGNAL_TRACING_EDITED], 0, self->edit_id);
  }
  self->drag = DRAG_NONE;
}

static void
drag_begin_cb(GtkGestureDrag *gesture, double x, double y, CsFrameView *self)
{
  guint button = gtk_gesture_single_get_current_button(GTK_GESTURE_SINGLE(gesture));
  GdkEventSequence *sequence = gtk_gesture_single_get_current_sequence(GTK_GESTURE_SINGLE(gesture));
  GdkEvent *event = gtk_gesture_get_last_event(GTK_GESTURE(gesture), sequence);
  int n_press = 1;

  gtk_widget_grab_focus(GTK_WIDGET(self));
  if (button == GDK_BUTTON_MIDDLE) {
    self->drag_start_wx = x;
    self->drag_start_wy = y;
    self->drag_transform = self->transform;
    self->drag = DRAG_PAN;
    return;
  }
  /* GTK reports double clicks through a click gesture; here a second press within the
   * double-click time counts as one, so the drag gesture alone handles tracing. */
  if (event != NULL && gdk_event_get_event_type(event) == GDK_BUTTON_PRESS) {
    static guint32 last_time;
    static double last_x, last_y;
    guint32 time = gdk_event_get_time(event);
    int double_click_time = 400;

    g_object_get(gtk_widget_get_settings(GTK_WIDGET(self)), "gtk-double-click-time",
                 &double_click_time, NULL);
    if (time - last_time <= (guint32)double_click_time && fabs(x - last_x) < 5 &&
        fabs(y - last_y) < 5)
      n_press = 2;
    last_time = time;
    last_x = x;
    last_y = y;
  }
  cs_frame_view_press(self, x, y, n_press);
}

static void
drag_update_cb(GtkGestureDrag *gesture, double dx, double dy, CsFrameView *self)
{
  double x, y;

  gtk_gesture_drag_get_start_point(gesture, &x, &y);
  cs_frame_view_drag_to(self, x + dx, y + dy);
}

static void
drag_end_cb(GtkGestureDrag *gesture, double dx, double dy, CsFrameView *self)
{
  double x, y;

  gtk_gesture_drag_get_start_point(gesture, &x, &y);
  cs_frame_view_release(self, x + dx, y + dy);
}

static void
motion_cb(GtkEventControllerMotion *controller, double x, double y, CsFrameView *self)
{
  cs_view_widget_to_image(&self->transform, x, y, &self->pointer_x, &self->pointer_y);
  self->has_pointer = TRUE;
  if (self->frame != NULL)
    g_signal_emit(self, signals[SIGNAL_POINTER_MOVED], 0, self->pointer_x, self->pointer_y);
  if (self->tool != CS_FRAME_VIEW_TOOL_ROI)
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
leave_cb(GtkEventControllerMotion *controller, CsFrameView *self)
{
  self->has_pointer = FALSE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

static gboolean
scroll_cb(GtkEventControllerScroll *controller, double dx, double dy, CsFrameView *self)
{
  double x = gtk_widget_get_width(GTK_WIDGET(self)) / 2.0;
  double y = gtk_widget_get_height(GTK_WIDGET(self)) / 2.0;

  if (self->has_pointer)
    cs_view_image_to_widget(&self->transform, self->pointer_x, self->pointer_y, &x, &y);
  set_scale_at(self, self->transform.scale * pow(1.15, -dy), x, y);
  return TRUE;
}

/* Keyboard placement of the ROI: Shift+arrows move it one pixel (ten with Ctrl), Shift+plus and
 * Shift+minus resize it by 5 %. Plain arrows stay with the frame navigation of the pane. */
static gboolean
roi_key(CsFrameView *self, guint keyval, GdkModifierType state)
{
  double step = (state & GDK_CONTROL_MASK) ? 10 : 1;
  CsRoiSquare before = self->roi;

  if (!self->has_roi || !(state & GDK_SHIFT_MASK))
    return FALSE;
  switch (keyval) {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      self->roi.x -= step;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      self->roi.x += step;
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      self->roi.y -= step;
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      self->roi.y += step;
      break;
    case GDK_KEY_plus:
    case GDK_KEY_KP_Add:
    case GDK_KEY_equal:
      self->roi.side *= 1.05;
      break;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
    case GDK_KEY_underscore:
      self->roi.side = MAX(8.0, self->roi.side / 1.05);
      break;
    default:
      return FALSE;
  }
  if (self->roi.x != before.x || self->roi.y != before.y || self->roi.side != before.side) {
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_signal_emit(self, signals[SIGNAL_ROI_CHANGED], 0, self->roi.x, self->roi.y, self->roi.side);
  }
  return TRUE;
}

static gboolean
key_pressed_cb(GtkEventControllerKey *controller, guint keyval, guint keycode,
               GdkModifierType state, CsFrameView *self)
{
  if (self->tool == CS_FRAME_VIEW_TOOL_ROI)
    return roi_key(self, keyval, state);
  if (self->tool != CS_FRAME_VIEW_TOOL_TRACE)
    return FALSE;
  drop_stale_edit(self);
  switch (keyval) {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      /* Enter closes an outline; on a closed one (saved as it is) it ends the edit. */
      if (self->edit.closed) {
        cs_frame_view_reset_tracing(self);
        return TRUE;
      }
      return cs_frame_view_close_tracing(self);
    case GDK_KEY_Escape:
      if (cs_tracing_edit_n_points(&self->edit) == 0)
        return FALSE;
      cs_frame_view_reset_tracing(self);
      return TRUE;
    case GDK_KEY_Delete:
    case GDK_KEY_BackSpace:
      if (self->edit.closed && self->edit.selected >= 0) {
        if (!cs_tracing_edit_delete(&self->edit, self->edit.selected))
          return TRUE; /* A closed outline keeps three vertices. */
        self->edit.selected = -1;
        g_signal_emit(self, signals[SIGNAL_TRACING_EDITED], 0, self->edit_id);
      } else if (!self->edit.closed && cs_tracing_edit_n_points(&self->edit) > 0) {
        cs_tracing_edit_delete(&self->edit, (int)cs_tracing_edit_n_points(&self->edit) - 1);
      } else {
        return FALSE;
      }
      gtk_widget_queue_draw(GTK_WIDGET(self));
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
cs_frame_view_key(CsFrameView *self, guint keyval, GdkModifierType state)
{
  g_return_val_if_fail(CS_IS_FRAME_VIEW(self), FALSE);
  return key_pressed_cb(NULL, keyval, 0, state, self);
}

static void
draw_overlays(CsFrameView *self, cairo_t *cr)
{
  const CsViewTransform *t = &self->transform;

  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);

  for (guint i = 0; i < self->tracings->len; i++) {
    Polygon *polygon = g_ptr_array_index(self->tracings, i);

    /* The outline being edited is drawn as the edit, below. */
    if (polygon->id >= 0 && polygon->id == self->edit_id)
      continue;
    if (polygon->proposed)
      cs_view_draw_proposed_outline(cr, t, polygon->xy, polygon->n_points, polygon->label);
    else
      cs_view_draw_outline(cr, t, polygon->xy, polygon->n_points, polygon->label);
  }

  if (self->has_roi) {
    double x0, y0, x1, y1;
    double half = self->roi.side / 2;

    cs_view_image_to_widget(t, self->roi.x - half, self->roi.y - half, &x0, &y0);
    cs_view_image_to_widget(t, self->roi.x + half, self->roi.y + half, &x1, &y1);
    cairo_set_source_rgb(cr, 0.96, 0.76, 0.07);
    cairo_set_line_width(cr, 2);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_stroke(cr);
    if (self->tool == CS_FRAME_VIEW_TOOL_ROI) {
      for (int corner = 0; corner < 4; corner++) {
        double hx = (corner & 1) ? x1 : x0;
        double hy = (corner & 2) ? y1 : y0;

        cairo_rectangle(cr, hx - 4, hy - 4, 8, 8);
      }
      cairo_fill(cr);
    }
    if (self->roi_label != NULL)
      cs_view_draw_label(cr, x0, y0 - 6, self->roi_label, 0.96, 0.76, 0.07);
  }

  if (self->edit_id < 0 || self->edit_shown) {
    double pointer[2] = { self->pointer_x, self->pointer_y };

    cs_view_draw_edit(cr, t, &self->edit, self->has_pointer ? pointer : NULL);
  }

  if (self->has_calibration_point) {
    double x0, y0;

    cs_view_image_to_widget(t, self->calibration_x, self->calibration_y, &x0, &y0);
    cairo_set_source_rgb(cr, 0.21, 0.52, 0.89);
    cairo_arc(cr, x0, y0, 4, 0, 2 * G_PI);
    cairo_fill(cr);
    if (self->has_pointer) {
      double x1, y1;

      cs_view_image_to_widget(t, self->pointer_x, self->pointer_y, &x1, &y1);
      cairo_set_line_width(cr, 2);
      cairo_move_to(cr, x0, y0);
      cairo_line_to(cr, x1, y1);
      cairo_stroke(cr);
    }
  }
}

static void
cs_frame_view_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  CsFrameView *self = CS_FRAME_VIEW(widget);
  int width = gtk_widget_get_width(widget);
  int height = gtk_widget_get_height(widget);
  GdkRGBA background = { 0.08, 0.08, 0.09, 1 };
  cairo_t *cr;

  gtk_snapshot_append_color(snapshot, &background, &GRAPHENE_RECT_INIT(0, 0, width, height));
  if (self->texture == NULL)
    return;

  gtk_snapshot_push_clip(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
  gtk_snapshot_append_texture(snapshot, self->texture,
                              &GRAPHENE_RECT_INIT(self->transform.offset_x,
                                                  self->transform.offset_y,
                                                  self->frame->width * self->transform.scale,
                                                  self->frame->height * self->transform.scale));
  cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
  draw_overlays(self, cr);
  cairo_destroy(cr);
  gtk_snapshot_pop(snapshot);
}

static void
cs_frame_view_size_allocate(GtkWidget *widget, int width, int height, int baseline)
{
  update_transform(CS_FRAME_VIEW(widget));
}

static void
cs_frame_view_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                      int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
}

static void
cs_frame_view_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsFrameView *self = CS_FRAME_VIEW(object);

  switch (prop_id) {
    case PROP_TOOL:
      g_value_set_int(value, self->tool);
      break;
    case PROP_FIT:
      g_value_set_boolean(value, self->fit);
      break;
    case PROP_SCALE:
      g_value_set_double(value, self->transform.scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_frame_view_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CsFrameView *self = CS_FRAME_VIEW(object);

  switch (prop_id) {
    case PROP_TOOL:
      cs_frame_view_set_tool(self, g_value_get_int(value));
      break;
    case PROP_FIT:
      if (g_value_get_boolean(value))
        cs_frame_view_zoom_fit(self);
      else
        set_fit(self, FALSE);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_frame_view_finalize(GObject *object)
{
  CsFrameView *self = CS_FRAME_VIEW(object);

  g_clear_object(&self->texture);
  g_clear_pointer(&self->frame, cs_frame_unref);
  g_clear_pointer(&self->roi_label, g_free);
  g_clear_pointer(&self->tracings, g_ptr_array_unref);
  cs_tracing_edit_clear(&self->edit);
  G_OBJECT_CLASS(cs_frame_view_parent_class)->finalize(object);
}

static void
cs_frame_view_class_init(CsFrameViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->finalize = cs_frame_view_finalize;
  object_class->get_property = cs_frame_view_get_property;
  object_class->set_property = cs_frame_view_set_property;
  widget_class->snapshot = cs_frame_view_snapshot;
  widget_class->size_allocate = cs_frame_view_size_allocate;
  widget_class->measure = cs_frame_view_measure;

  properties[PROP_TOOL] = g_param_spec_int(
      "tool", NULL, NULL, CS_FRAME_VIEW_TOOL_ROI, CS_FRAME_VIEW_TOOL_CALIBRATE,
      CS_FRAME_VIEW_TOOL_ROI, G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] =
      g_param_spec_boolean("fit", NULL, NULL, TRUE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALE] = g_param_spec_double("scale", NULL, NULL, 0, G_MAXDOUBLE, 1,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  signals[SIGNAL_ROI_CHANGED] =
      g_signal_new("roi-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                   G_TYPE_NONE, 3, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_TRACING_CLOSED] =
      g_signal_new("tracing-closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_TRACING_EDITED] =
      g_signal_new("tracing-edited", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_CALIBRATION_DONE] = g_signal_new(
      "calibration-done", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_POINTER_MOVED] =
      g_signal_new("pointer-moved", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  gtk_widget_class_set_css_name(widget_class, "csframeview");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_frame_view_init(CsFrameView *self)
{
  GtkGesture *drag = gtk_gesture_drag_new();
  GtkEventController *motion = gtk_event_controller_motion_new();
  GtkEventController *scroll =
      gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkEventController *key = gtk_event_controller_key_new();

  self->fit = TRUE;
  self->transform.scale = 1;
  self->tracings = g_ptr_array_new_with_free_func(polygon_free);
  cs_tracing_edit_init(&self->edit);
  self->edit_id = -1;

  gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);
  gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
  gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);

  gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(drag), 0);
  g_signal_connect(drag, "drag-begin", G_CALLBACK(drag_begin_cb), self);
  g_signal_connect(drag, "drag-update", G_CALLBACK(drag_update_cb), self);
  g_signal_connect(drag, "drag-end", G_CALLBACK(drag_end_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drag));

  g_signal_connect(motion, "motion", G_CALLBACK(motion_cb), self);
  g_signal_connect(motion, "leave", G_CALLBACK(leave_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), motion);

  g_signal_connect(scroll, "scroll", G_CALLBACK(scroll_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), scroll);

  g_signal_connect(key, "key-pressed", G_CALLBACK(key_pressed_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), key);

  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Frame viewer"), -1);
}
