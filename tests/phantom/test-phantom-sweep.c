/* test-phantom-sweep.c — phantom sweeps on disk: FFV1 and H.264, truth files, study.json
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-phantom-study.h"
#include "cs-phantom-sweep.h"
#include "cs-study.h"
#include "cs-sweep.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp("phantom-test-XXXXXX", &error);
  g_assert_no_error(error);
}

static void
remove_tree(const char *path)
{
  GDir *dir;
  const char *name;

  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_unlink(path);
    return;
  }
  dir = g_dir_open(path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *child = g_build_filename(path, name, NULL);

    remove_tree(child);
  }
  if (dir != NULL)
    g_dir_close(dir);
  g_rmdir(path);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
  remove_tree(fx->dir);
  g_free(fx->dir);
}

static void
small_options(CsPhantomOptions *options, int n_frames)
{
  cs_phantom_options_init(options);
  options->width = 192;
  options->height = 144;
  options->n_frames = n_frames;
}

/* Renders the frames of (@group, @seed) again, for comparison with what was written. */
static guint8 *
render(const CsPhantomOptions *options, CsPhantomGroup group, guint64 seed)
{
  g_autoptr(CsPhantomGenerator) gen = cs_phantom_generator_new(options);
  gsize frame_bytes = (gsize)options->width * options->height;
  guint8 *pixels = g_malloc(frame_bytes * options->n_frames);

  cs_phantom_generator_start(gen, group, seed);
  for (int i = 0; i < options->n_frames; i++)
    g_assert_true(cs_phantom_generator_next_frame(gen, pixels + i * frame_bytes, NULL));
  return pixels;
}

/* Runs ffprobe on @path and returns "codec,pix_fmt,width,height,nb_read_frames", or NULL when
 * ffprobe is not installed. */
static char *
ffprobe(const char *path)
{
  g_autofree char *program = g_find_program_in_path("ffprobe");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { NULL,
                         "-v",
                         "error",
                         "-count_frames",
                         "-select_streams",
                         "v:0",
                         "-show_entries",
                         "stream=codec_name,pix_fmt,width,height,nb_read_frames",
                         "-of",
                         "csv=p=0",
                         path,
                         NULL };

  if (program == NULL)
    return NULL;
  argv[0] = program;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                             &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  return g_strstrip(g_steal_pointer(&out));
}

static void
test_ffv1(Fixture *fx, gconstpointer data)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(fx->dir, "hand.mkv", NULL);
  g_autofree char *path2 = g_build_filename(fx->dir, "again.mkv", NULL);
  g_autofree char *truth_path = cs_phantom_truth_path(path);
  g_autofree char *probe = NULL, *bytes = NULL, *bytes2 = NULL;
  g_autofree guint8 *expected = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  CsPhantomTruth written = { 0 }, loaded = { 0 };
  gsize len = 0, len2 = 0, frame_bytes;

  small_options(&options, 4);
  frame_bytes = (gsize)options.width * options.height;
  gen = cs_phantom_generator_new(&options);
  g_assert_true(cs_phantom_write_sweep(gen, CS_PHANTOM_CTS, 77, path, CS_PHANTOM_FORMAT_AUTO,
                                       &written, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(truth_path + strlen(truth_path) - strlen("hand.truth.json"), ==,
                  "hand.truth.json");

  /* The same seed writes the same bytes. */
  g_assert_true(cs_phantom_write_sweep(gen, CS_PHANTOM_CTS, 77, path2, CS_PHANTOM_FORMAT_AUTO, NULL,
                                       NULL, &error));
  g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
  g_assert_true(g_file_get_contents(path2, &bytes2, &len2, NULL));
  g_assert_cmpmem(bytes, len, bytes2, len2);

  probe = ffprobe(path);
  if (probe != NULL)
    g_assert_cmpstr(probe, ==, "ffv1,192,144,gray,4");
  else
    g_test_message("ffprobe not installed: container check skipped");

  /* The truth file reads back as written. */
  g_assert_true(cs_phantom_truth_load(truth_path, &loaded, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(loaded.generator, ==, CS_PHANTOM_GENERATOR_VERSION);
  g_assert_cmpstr(loaded.sweep, ==, "hand.mkv");
  g_assert_cmpint(loaded.hand.group, ==, CS_PHANTOM_CTS);
  g_assert_cmpuint(loaded.hand.seed, ==, 77);
  g_assert_cmpfloat(loaded.hand.severity, ==, written.hand.severity);
  g_assert_cmpfloat(loaded.hand.spacing_mm, ==, written.hand.spacing_mm);
  g_assert_cmpint(loaded.n_frames, ==, 4);
  g_assert_cmpint(loaded.width, ==, 192);
  for (int i = 0; i < 4; i++) {
    g_assert_cmpfloat(loaded.frames[i].csa_mm2, ==, written.frames[i].csa_mm2);
    g_assert_cmpmem(loaded.frames[i].outline, sizeof loaded.frames[i].outline,
                    written.frames[i].outline, sizeof written.frames[i].outline);
    g_assert_cmpfloat_with_epsilon(loaded.frames[i].csa_px2 * loaded.hand.spacing_mm *
                                       loaded.hand.spacing_mm,
                                   loaded.frames[i].csa_mm2, 1e-9);
  }

  /* The media layer decodes exactly the generated frames. */
  expected = render(&options, CS_PHANTOM_CTS, 77);
  sweep = cs_sweep_open(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 4);
  for (int i = 3; i >= 0; i--) {
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, i, &error);

    g_assert_no_error(error);
    g_assert_cmpint(frame->width, ==, options.width);
    g_assert_cmpint(frame->height, ==, options.height);
    for (int y = 0; y < frame->height; y++)
      g_assert_cmpmem(frame->data + (gsize)y * frame->stride, options.width,
                      expected + i * frame_bytes + (gsize)y * options.width, options.width);
  }
  cs_phantom_truth_clear(&written);
  cs_phantom_truth_clear(&loaded);
}

static void
test_h264(Fixture *fx, gconstpointer data)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(fx->dir, "hand.mp4", NULL);
  g_autofree char *probe = NULL;
  g_autofree guint8 *expected = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  gsize frame_bytes;

  small_options(&options, 6);
  frame_bytes = (gsize)options.width * options.height;
  gen = cs_phantom_generator_new(&options);
  g_assert_true(cs_phantom_write_sweep(gen, CS_PHANTOM_CONTROL, 3, path, CS_PHANTOM_FORMAT_AUTO,
                                       NULL, NULL, &error));
  g_assert_no_error(error);
  probe = ffprobe(path);
  if (probe != NULL)
    g_assert_cmpstr(probe, ==, "h264,192,144,yuv420p,6");

  /* Lossy, so close rather than equal: a small mean error, gray levels preserved. */
  expected = render(&options, CS_PHANTOM_CONTROL, 3);
  sweep = cs_sweep_open(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 6);
  for (int i = 0; i < 6; i++) {
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, i, &error);
    double sum_abs = 0, sum_bias = 0;

    g_assert_no_error(error);
    for (int y = 0; y < options.height; y++)
      for (int x = 0; x < options.width; x++) {
        double d = (double)frame->data[(gsize)y * frame->stride + x] -
                   expected[i * frame_bytes + (gsize)y * options.width + x];

        sum_abs += fabs(d);
        sum_bias += d;
      }
    g_assert_cmpfloat(sum_abs / frame_bytes, <, 6.0);
    g_assert_cmpfloat(fabs(sum_bias / frame_bytes), <, 1.5);
  }
}

static void
test_write_errors(Fixture *fx, gconstpointer data)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(fx->dir, "no-such-folder", "hand.mkv", NULL);
  CsPhantomTruth truth = { 0 };
  g_autofree char *bad = g_build_filename(fx->dir, "bad.truth.json", NULL);
  CsPhantomFormat format;

  small_options(&options, 1);
  gen = cs_phantom_generator_new(&options);
  g_assert_false(cs_phantom_write_sweep(gen, CS_PHANTOM_CTS, 1, path, CS_PHANTOM_FORMAT_AUTO, NULL,
                                        NULL, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_IO);
  g_assert_nonnull(strstr(error->message, "hand.mkv"));
  g_clear_error(&error);

  /* Cancelled: an error, and no partial sweep or truth left behind. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autofree char *sweep = g_build_filename(fx->dir, "cancelled.mkv", NULL);
    g_autofree char *sweep_truth = cs_phantom_truth_path(sweep);

    g_cancellable_cancel(cancellable);
    g_assert_false(cs_phantom_write_sweep(gen, CS_PHANTOM_CTS, 1, sweep, CS_PHANTOM_FORMAT_AUTO,
                                          NULL, cancellable, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_CANCELLED);
    g_clear_error(&error);
    g_assert_false(g_file_test(sweep, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(sweep_truth, G_FILE_TEST_EXISTS));
  }

  g_assert_true(g_file_set_contents(bad, "{\"generator\": \"x\"}", -1, NULL));
  g_assert_false(cs_phantom_truth_load(bad, &truth, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "sweep"));
  g_clear_error(&error);

  g_assert_true(cs_phantom_format_from_string("mp4", &format, NULL));
  g_assert_cmpint(format, ==, CS_PHANTOM_FORMAT_H264_MP4);
  g_assert_false(cs_phantom_format_from_string("avi", &format, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_cmpint(cs_phantom_format_resolve(CS_PHANTOM_FORMAT_AUTO, "a.mp4"), ==,
                  CS_PHANTOM_FORMAT_H264_MP4);
  g_assert_cmpint(cs_phantom_format_resolve(CS_PHANTOM_FORMAT_AUTO, "a.mkv"), ==,
                  CS_PHANTOM_FORMAT_FFV1_MKV);
}

static void
test_study(Fixture *fx, gconstpointer data)
{
  CsPhantomStudyOptions options;
  g_autoptr(GError) error = NULL;
  g_autofree char *study_path = g_build_filename(fx->dir, "study", "study.json", NULL);
  g_autofree char *study_dir = g_build_filename(fx->dir, "study", NULL);
  g_autoptr(CsStudy) study = NULL;

  cs_phantom_study_options_init(&options);
  small_options(&options.frames, 3);
  options.frames.width = 320;
  options.frames.height = 240;
  options.hands_per_group = 3;
  options.test_per_group = 1;
  options.seed = 9;
  options.n_threads = 2;
  g_assert_true(cs_phantom_study_write(&options, study_dir, NULL, NULL, NULL, &error));
  g_assert_no_error(error);

  study = cs_study_load(study_path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 6);
  g_assert_cmpuint(cs_study_count_cases(study, CS_SPLIT_TEST, CS_GROUP_CTS), ==, 1);
  g_assert_cmpuint(cs_study_count_cases(study, CS_SPLIT_TEST, CS_GROUP_CONTROL), ==, 1);
  g_assert_cmpuint(cs_study_count_cases(study, CS_SPLIT_TRAIN, CS_GROUP_CTS), ==, 2);
  g_assert_cmpuint(cs_study_count_cases(study, CS_SPLIT_TRAIN, CS_GROUP_CONTROL), ==, 2);
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    g_autofree char *sweep_path = cs_study_dup_sweep_path(study, c);
    g_autofree char *truth_path = cs_phantom_truth_path(sweep_path);
    CsPhantomTruth truth = { 0 };
    const CsRoiKeyframe *key;

    g_assert_true(g_file_test(sweep_path, G_FILE_TEST_IS_REGULAR));
    g_assert_true(cs_phantom_truth_load(truth_path, &truth, &error));
    g_assert_no_error(error);
    /* The hand's seed comes from the study seed; spacing and labels from the truth. */
    g_assert_cmpuint(truth.hand.seed, ==,
                     cs_phantom_study_hand_seed(9, truth.hand.group, (int)(i % 3)));
    g_assert_cmpint(cs_case_get_group(c), ==,
                    truth.hand.group == CS_PHANTOM_CTS ? CS_GROUP_CTS : CS_GROUP_CONTROL);
    g_assert_cmpfloat(cs_case_get_spacing_mm(c), ==, truth.hand.spacing_mm);
    g_assert_cmpint(cs_case_get_spacing_source(c), ==, CS_SPACING_SOURCE_PHANTOM_TRUTH);
    g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 2); /* Frames 0 and 2. */
    key = cs_case_get_roi_keyframe(c, 0);
    g_assert_cmpfloat(key->size_mm, ==, 15.0);
    g_assert_cmpfloat(key->x, ==, truth.frames[0].centre_x);
    g_assert_cmpfloat(key->y, ==, truth.frames[0].centre_y);
    g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
    cs_phantom_truth_clear(&truth);
  }

  /* One worker thread writes the same sweeps as two. */
  {
    g_autofree char *other_dir = g_build_filename(fx->dir, "one-thread", NULL);
    g_autofree char *a = g_build_filename(study_dir, "sweeps", "cts-002.mkv", NULL);
    g_autofree char *b = g_build_filename(other_dir, "sweeps", "cts-002.mkv", NULL);
    g_autofree char *bytes_a = NULL, *bytes_b = NULL;
    gsize len_a = 0, len_b = 0;

    options.n_threads = 1;
    g_assert_true(cs_phantom_study_write(&options, other_dir, NULL, NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_get_contents(a, &bytes_a, &len_a, NULL));
    g_assert_true(g_file_get_contents(b, &bytes_b, &len_b, NULL));
    g_assert_cmpmem(bytes_a, len_a, bytes_b, len_b);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/phantom/sweep/ffv1", Fixture, NULL, fixture_setup, test_ffv1, fixture_teardown);
  g_test_add("/phantom/sweep/h264", Fixture, NULL, fixture_setup, test_h264, fixture_teardown);
  g_test_add("/phantom/sweep/errors", Fixture, NULL, fixture_setup, test_write_errors,
             fixture_teardown);
  g_test_add("/phantom/study", Fixture, NULL, fixture_setup, test_study, fixture_teardown);
  return g_test_run();
}
