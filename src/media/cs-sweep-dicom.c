/* cs-sweep-dicom.c — DICOM sweeps: the file through cs-dicom.h, its calibration and its frames
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A DICOM sweep shares one CsDicom between its readers: it is never changed after opening and
 * decodes a frame from the file's own bytes, so every reader decodes any frame at once, without
 * the others. The file's spacing is taken from its Ultrasound Regions, else its Pixel Spacing,
 * and only when it can be trusted: a region outside the image or with different X and Y spacings
 * is a warning and gives no spacing.
 */
#include "config.h"

#include "cs-sweep-private.h"

#include "cs-error.h"
#include "cs-paths.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the trial read in a child may take before it is given up (see
 * cs_dicom_probe_in_child()). */
#define PROBE_TIMEOUT_S 60

/* The probe program's name, in the libexec folder (or the build's src/media). */
#define DICOM_PROBE_PROGRAM "carpalscope-dicom-probe"

/* Relative difference accepted between a region's X and Y spacing (square pixels). */
#define SQUARE_TOLERANCE 1e-3

static void warn(SweepShared *shared, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
warn(SweepShared *shared, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  /* Keep the array NULL-terminated: replace the terminator, add a new one. */
  g_ptr_array_remove_index(shared->warnings, shared->warnings->len - 1);
  g_ptr_array_add(shared->warnings, g_strdup_vprintf(format, args));
  g_ptr_array_add(shared->warnings, NULL);
  va_end(args);
}

static gboolean
nearly_equal(double a, double b)
{
  return fabs(a - b) <= SQUARE_TOLERANCE * MAX(fabs(a), fabs(b));
}

/* Returns @format in the user's language when @translate (the window), else as written: the
 * reports, the command line and the warnings stay English. */
static const char *tr(gboolean translate, const char *format) G_GNUC_FORMAT(2);

static const char *
tr(gboolean translate, const char *format)
{
  return translate ? g_dgettext(GETTEXT_PACKAGE, format) : format;
}

/* Returns the name of a Physical Units X/Y Direction code (0018,6024/6026). */
static const char *
unit_name(int units, gboolean translate)
{
  /* Translators: the units of a DICOM Ultrasound Region's axis, shown in "its units are %s by
   * %s"; the symbols (dB, cm/s, ...) may stay as they are. */
  static const char *const names[] = { N_("none"),    N_("percent"), N_("dB"),   N_("cm"),
                                       N_("seconds"), N_("hertz"),   N_("dB/s"), N_("cm/s"),
                                       N_("cm²"),     N_("cm²/s"),   N_("cm³"),  N_("cm³/s"),
                                       N_("degrees") };

  return tr(translate,
            units >= 0 && units < (int)G_N_ELEMENTS(names) ? names[units] : N_("unknown units"));
}

/* Returns why region @r cannot calibrate (a new string, in the user's language when @translate),
 * or NULL when it can: 2D, in cm both ways, inside the image, with square pixels. */
static char *
region_problem(SweepShared *shared, int i, const CsDicomRegion *r, gboolean translate)
{
  if (r->spatial_format != CS_DICOM_SPATIAL_2D)
    /* Translators: why a measurement has no mm: the Ultrasound Region it lies in is not a 2D
     * image (a spectral Doppler strip, an M-mode trace...). */
    return g_strdup_printf(tr(translate, N_("DICOM region %d is not a 2D image region")), i);
  if (r->units_x != CS_DICOM_UNITS_CM || r->units_y != CS_DICOM_UNITS_CM)
    /* Translators: why a measurement has no mm; %s are the region's units across and down,
     * e.g. "seconds by cm/s". */
    return g_strdup_printf(
        tr(translate, N_("DICOM region %d is not calibrated in cm (its units are %s by %s)")), i,
        unit_name(r->units_x, translate), unit_name(r->units_y, translate));
  if (!(r->delta_x > 0) && !(r->delta_y > 0))
    /* Translators: why a measurement has no mm: the region's header gives no PhysicalDeltaX or
     * PhysicalDeltaY (the size of a pixel). */
    return g_strdup_printf(tr(translate, N_("DICOM region %d gives no physical delta X or Y")), i);
  if (!(r->delta_x > 0))
    return g_strdup_printf(tr(translate, N_("DICOM region %d gives no physical delta X")), i);
  if (!(r->delta_y > 0))
    return g_strdup_printf(tr(translate, N_("DICOM region %d gives no physical delta Y")), i);
  /* Scanners write Max X1 / Y1 as the last pixel inside or as one past it (the Philips CX50 gives
   * 800 for an 800-pixel-wide image): both fit. */
  if (r->x0 > r->x1 || r->y0 > r->y1 || r->x1 > shared->width || r->y1 > shared->height)
    /* Translators: the region's corners in px, then the image's width and height. */
    return g_strdup_printf(tr(translate, N_("DICOM region %d (%d, %d)–(%d, %d) does not fit "
                                            "inside the %d × %d image: its spacing is not used")),
                           i, r->x0, r->y0, r->x1, r->y1, shared->width, shared->height);
  if (!nearly_equal(r->delta_x, r->delta_y))
    /* Translators: the region's spacings across and down in mm per pixel. */
    return g_strdup_printf(tr(translate, N_("DICOM region %d has different X and Y spacings "
                                            "(%.4f and %.4f mm/px): its spacing is not used")),
                           i, r->delta_x * 10.0, r->delta_y * 10.0);
  return NULL;
}

/* Returns TRUE when region @i can calibrate; a 2D region in cm that cannot is a warning. */
static gboolean
region_usable(SweepShared *shared, int i, const CsDicomRegion *r)
{
  g_autofree char *problem = region_problem(shared, i, r, FALSE);

  if (problem != NULL && r->spatial_format == CS_DICOM_SPATIAL_2D &&
      r->units_x == CS_DICOM_UNITS_CM && r->units_y == CS_DICOM_UNITS_CM && r->delta_x > 0 &&
      r->delta_y > 0)
    warn(shared, "%s", problem);
  return problem == NULL;
}

static gboolean
region_holds(const CsDicomRegion *r, double x, double y)
{
  return x >= r->x0 && x <= r->x1 && y >= r->y0 && y <= r->y1;
}

/* Picks the file's spacing: the usable region holding the image centre, else the first usable
 * region, else Pixel Spacing when its rows and columns agree. */
static void
choose_spacing(SweepShared *shared)
{
  CsDicom *dicom = shared->dicom;
  int chosen = -1, first = -1;
  double cx = (shared->width - 1) / 2.0, cy = (shared->height - 1) / 2.0;
  double row_mm, col_mm;
  gboolean imager;

  for (int i = 0; i < cs_dicom_get_n_regions(dicom); i++) {
    const CsDicomRegion *r = cs_dicom_get_region(dicom, i);
    gboolean centre = cx >= r->x0 && cx <= r->x1 && cy >= r->y0 && cy <= r->y1;

    if (!region_usable(shared, i, r))
      continue;
    if (first < 0)
      first = i;
    if (centre && chosen < 0)
      chosen = i;
  }
  if (chosen < 0)
    chosen = first;
  if (chosen >= 0) {
    const CsDicomRegion *r = cs_dicom_get_region(dicom, chosen);
    shared->file_spacing = cs_spacing_new_dicom_region(r->delta_x * 10.0, chosen);
    shared->file_spacing_region = chosen;
    shared->file_spacing_label = g_strdup_printf("DICOM region %d", chosen);
    return;
  }
  if (!cs_dicom_get_pixel_spacing(dicom, &row_mm, &col_mm, &imager)) {
    if (cs_dicom_get_spacing_varies(dicom))
      warn(shared, "DICOM pixel spacing differs between the frames of the per-frame functional "
                   "groups: none holds for the whole sweep, each only for its own frame");
    return;
  }
  if (!nearly_equal(row_mm, col_mm)) {
    warn(shared, "DICOM %s differs between rows and columns (%.4f and %.4f mm/px): it is not used",
         imager ? "imager pixel spacing" : "pixel spacing", row_mm, col_mm);
    return;
  }
  shared->file_spacing = cs_spacing_new(row_mm, CS_SPACING_SOURCE_DICOM);
  shared->file_spacing_label =
      g_strdup(imager ? "DICOM imager pixel spacing" : "DICOM pixel spacing");
}

/* The trial read of an image in the child: the header and every frame. Its errors do not matter
 * here: the parent meets them again and reports them. */
void
cs_dicom_trial_read(CsDicomTrial trial, const char *path)
{
  if (trial == CS_DICOM_TRIAL_DIR) {
    GPtrArray *files = cs_dicom_read_dir(path, NULL);

    if (files != NULL)
      g_ptr_array_unref(files);
  } else {
    CsDicom *dicom = cs_dicom_open(path, NULL);

    if (dicom != NULL) {
      guint8 *gray = g_malloc((gsize)cs_dicom_get_width(dicom) * cs_dicom_get_height(dicom));

      for (int i = 0; i < cs_dicom_get_n_frames(dicom); i++)
        cs_dicom_decode_gray(dicom, i, gray, NULL);
      g_free(gray);
      cs_dicom_free(dicom);
    }
  }
}

/* The trial in a child forked from this process, without a new program: used only where the
 * probe program is not installed. The child inherits every lock another thread held at the fork
 * (the allocator's, GLib's), so it can hang; the timeout then gives the file up to be read here. */
G_GNUC_NORETURN static void
fork_child(const char *path, CsDicomTrial trial)
{
  int null_fd = open("/dev/null", O_WRONLY);

  /* GDCM's assertion message would be a second, confusing line: the parent says what happened. */
  if (null_fd >= 0) {
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
  }
  cs_dicom_trial_read(trial, path);
  _exit(0);
}

/* Starts the trial: the probe program (a new process image, so nothing of this process's threads
 * comes along), else a forked child. Returns the child's pid, or -1 when none started. */
static pid_t
start_trial(const char *path, CsDicomTrial trial)
{
  g_autofree char *program = cs_find_helper_program(DICOM_PROBE_PROGRAM, "CARPALSCOPE_DICOM_PROBE");
  pid_t pid;

  if (program != NULL) {
    const char *argv[] = { program, trial == CS_DICOM_TRIAL_DIR ? "dir" : "image", path, NULL };
    GPid child = 0;

    if (g_spawn_async(NULL, (char **)argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                          G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_STDIN_FROM_DEV_NULL,
                      NULL, NULL, &child, NULL))
      return child;
  }
  pid = fork();
  if (pid == 0)
    fork_child(path, trial);
  return pid < 0 ? -1 : pid;
}

/* Debian builds GDCM with its assertions on, so a damaged file that passes the structure check
 * (cs-dicom-check.c) can still abort the whole process inside GDCM. The file is therefore read
 * once in a separate process first (an image: header and every frame; a DICOMDIR: its records);
 * GDCM reads the same bytes the same way here, so a file that process read to the end is safe to
 * read in the application. That process is the probe program, carpalscope-dicom-probe, started
 * afresh (a fork of this threaded process alone could inherit a lock another thread held and
 * hang); without it, a forked child. A process that dies by a signal refuses the file. One that
 * cannot start, or that hangs, leaves the file to be read here as without the trial. */
gboolean
cs_dicom_probe_in_child(const char *path, CsDicomTrial trial, GError **error)
{
  int status = 0;
  pid_t pid = start_trial(path, trial);

  if (pid < 0)
    return TRUE;
  for (int waited_ms = 0;; waited_ms += 10) {
    pid_t done = waitpid(pid, &status, WNOHANG);

    if (done == pid)
      break;
    if ((done < 0 && errno != EINTR) || waited_ms >= PROBE_TIMEOUT_S * 1000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return TRUE;
    }
    g_usleep(10 * 1000);
  }
  if (WIFSIGNALED(status)) {
    g_autofree char *name = g_path_get_basename(path);

    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is damaged in a way the DICOM library cannot read (it stops on the file)",
                name);
    return FALSE;
  }
  return TRUE;
}

gboolean
cs_sweep_open_dicom(SweepShared *shared, GError **error)
{
  if (!cs_dicom_probe_in_child(shared->path, CS_DICOM_TRIAL_IMAGE, error))
    return FALSE;
  shared->dicom = cs_dicom_open(shared->path, error);
  if (shared->dicom == NULL)
    return FALSE;
  shared->kind = CS_SWEEP_KIND_DICOM;
  shared->width = cs_dicom_get_width(shared->dicom);
  shared->height = cs_dicom_get_height(shared->dicom);
  shared->n_frames = cs_dicom_get_n_frames(shared->dicom);
  shared->frame_rate = cs_dicom_get_frame_rate(shared->dicom);
  shared->codec_name =
      g_strdup_printf("dicom (%s)", cs_dicom_get_transfer_syntax_name(shared->dicom));
  choose_spacing(shared);
  return TRUE;
}

CsFrame *
cs_sweep_decode_dicom(CsSweep *self, int index, GError **error)
{
  SweepShared *shared = self->shared;
  g_autoptr(CsFrame) frame = cs_frame_new(shared->width, shared->height);

  g_assert(frame != NULL);
  if (!cs_dicom_decode_gray(shared->dicom, index, frame->data, error))
    return NULL;
  frame->index = index;
  frame->time = cs_dicom_get_frame_time(shared->dicom, index);
  g_atomic_int_inc(&shared->decode_count);
  return g_steal_pointer(&frame);
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 */

CsSpacing
cs_sweep_get_file_spacing(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), cs_spacing_unknown());
  return sweep->shared->file_spacing;
}

const char *
cs_sweep_get_file_spacing_label(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  return sweep->shared->file_spacing_label;
}

int
cs_sweep_get_file_spacing_region(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), -1);
  return sweep->shared->file_spacing_region;
}

int
cs_sweep_get_n_regions(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return sweep->shared->dicom != NULL ? cs_dicom_get_n_regions(sweep->shared->dicom) : 0;
}

const CsDicomRegion *
cs_sweep_get_region(CsSweep *sweep, int index)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  g_return_val_if_fail(index >= 0 && index < cs_sweep_get_n_regions(sweep), NULL);
  return cs_dicom_get_region(sweep->shared->dicom, index);
}

const char *const *
cs_sweep_get_warnings(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  return (const char *const *)sweep->shared->warnings->pdata;
}

const char *
cs_sweep_get_laterality(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  return sweep->shared->dicom != NULL ? cs_dicom_get_laterality(sweep->shared->dicom) : NULL;
}

/* The region holding every point, preferring a 2D one, or -1; sets *@crossed to the regions of
 * the first two points found in different regions, and *@outside when a point is in none. */
static int
region_of_points(CsDicom *dicom, const double *points, int n_points, int crossed[2],
                 gboolean *outside)
{
  int found = -1, first_region = -1;

  *outside = FALSE;
  crossed[0] = crossed[1] = -1;
  for (int i = 0; i < cs_dicom_get_n_regions(dicom); i++) {
    const CsDicomRegion *r = cs_dicom_get_region(dicom, i);
    gboolean all = TRUE;

    for (int k = 0; k < n_points && all; k++)
      all = region_holds(r, points[2 * k], points[2 * k + 1]);
    if (all &&
        (found < 0 || (cs_dicom_get_region(dicom, found)->spatial_format != CS_DICOM_SPATIAL_2D &&
                       r->spatial_format == CS_DICOM_SPATIAL_2D)))
      found = i;
  }
  if (found >= 0)
    return found;
  for (int k = 0; k < n_points; k++) {
    int in = -1;
    for (int i = 0; i < cs_dicom_get_n_regions(dicom) && in < 0; i++)
      if (region_holds(cs_dicom_get_region(dicom, i), points[2 * k], points[2 * k + 1]))
        in = i;
    if (in < 0)
      *outside = TRUE;
    else if (first_region < 0)
      first_region = in;
    else if (in != first_region && crossed[0] < 0) {
      crossed[0] = first_region;
      crossed[1] = in;
    }
  }
  return -1;
}

CsSpacing
cs_sweep_get_spacing_for_points(CsSweep *sweep, const double *points, int n_points, char **label,
                                char **why, gboolean translate)
{
  SweepShared *shared;
  int crossed[2], region;
  gboolean outside;
  g_autofree char *problem = NULL;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), cs_spacing_unknown());
  g_return_val_if_fail(n_points >= 1 && points != NULL, cs_spacing_unknown());
  shared = sweep->shared;
  if (label != NULL)
    *label = NULL;
  if (why != NULL)
    *why = NULL;
  if (shared->dicom == NULL || cs_dicom_get_n_regions(shared->dicom) == 0) {
    if (label != NULL)
      *label = g_strdup(shared->file_spacing_label);
    return shared->file_spacing;
  }
  region = region_of_points(shared->dicom, points, n_points, crossed, &outside);
  if (region < 0) {
    if (why != NULL && crossed[0] >= 0)
      /* Translators: why a measurement (a tracing, the ROI) has no mm. */
      *why = g_strdup_printf(
          tr(translate, N_("it crosses DICOM regions %d and %d, which may differ in scale")),
          crossed[0], crossed[1]);
    else if (why != NULL)
      *why = g_strdup(outside ? tr(translate, N_("it lies outside every DICOM region"))
                              : tr(translate, N_("no DICOM region holds all of it")));
    return cs_spacing_unknown();
  }
  problem = region_problem(shared, region, cs_dicom_get_region(shared->dicom, region), translate);
  if (problem != NULL) {
    if (why != NULL)
      *why = g_steal_pointer(&problem);
    return cs_spacing_unknown();
  }
  if (label != NULL)
    *label = g_strdup_printf("DICOM region %d", region);
  return cs_spacing_new_dicom_region(cs_dicom_get_region(shared->dicom, region)->delta_x * 10.0,
                                     region);
}

CsSpacing
cs_sweep_get_frame_spacing(CsSweep *sweep, int index, char **label)
{
  SweepShared *shared;
  double row_mm, col_mm;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), cs_spacing_unknown());
  shared = sweep->shared;
  g_return_val_if_fail(index >= 0 && index < shared->n_frames, cs_spacing_unknown());
  if (label != NULL)
    *label = NULL;
  if (shared->dicom == NULL ||
      !cs_dicom_get_frame_pixel_spacing(shared->dicom, index, &row_mm, &col_mm)) {
    if (label != NULL)
      *label = g_strdup(shared->file_spacing_label);
    return shared->file_spacing;
  }
  if (!nearly_equal(row_mm, col_mm))
    return cs_spacing_unknown();
  if (label != NULL)
    *label = g_strdup_printf("DICOM pixel spacing of frame %d", index);
  return cs_spacing_new(row_mm, CS_SPACING_SOURCE_DICOM);
}

CsDicom *
cs_sweep_get_dicom(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  return sweep->shared->dicom;
}
