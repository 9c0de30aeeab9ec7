/* cs-phantom-study.c — a whole synthetic study: control and CTS sweeps and study.json
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-phantom-study.h"

#include "cs-error.h"
#include "cs-phantom-preset.h"
#include "cs-phantom-rng.h"
#include "cs-study.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <math.h>

void
cs_phantom_study_options_init(CsPhantomStudyOptions *options)
{
  cs_phantom_options_init(&options->frames);
  options->hands_per_group = 50;
  options->test_per_group = -1;
  options->seed = 1;
  options->format = CS_PHANTOM_FORMAT_FFV1_MKV;
  options->n_threads = 0;
  options->roi_size_mm = 15.0;
  options->roi_every = 10;
  options->n_presets = 0;
  options->preset_seed = 0;
}

gboolean
cs_phantom_study_options_validate(const CsPhantomStudyOptions *options, GError **error)
{
  if (!cs_phantom_options_validate(&options->frames, error))
    return FALSE;
  if (options->hands_per_group < 1 || options->hands_per_group > 10000) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "hands per group %d: must be 1-10000",
                options->hands_per_group);
    return FALSE;
  }
  if (options->test_per_group > options->hands_per_group) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "test hands per group %d: more than the %d hands per group",
                options->test_per_group, options->hands_per_group);
    return FALSE;
  }
  if (options->n_threads < 0 || options->n_threads > 256) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "threads %d: must be 0-256", options->n_threads);
    return FALSE;
  }
  if (!(options->roi_size_mm > 0 && options->roi_size_mm <= 100)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "ROI size %g mm: must be in (0, 100]",
                options->roi_size_mm);
    return FALSE;
  }
  if (options->n_presets < 0 || options->n_presets > CS_PHANTOM_STUDY_MAX_PRESETS) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%d presets: must be 0-%d", options->n_presets,
                CS_PHANTOM_STUDY_MAX_PRESETS);
    return FALSE;
  }
  for (int i = 0; i < options->n_presets; i++)
    if (options->presets[i] < 0 || options->presets[i] >= cs_phantom_preset_count()) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "preset %d: must be 0-%d", options->presets[i],
                  cs_phantom_preset_count() - 1);
      return FALSE;
    }
  if (options->roi_every < 1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "ROI keyframe interval %d: must be >= 1",
                options->roi_every);
    return FALSE;
  }
  return TRUE;
}

guint64
cs_phantom_study_hand_seed(guint64 study_seed, CsPhantomGroup group, int index)
{
  return cs_phantom_mix64(cs_phantom_mix64(study_seed) ^
                          cs_phantom_mix64(((guint64)group << 32) | (guint32)index));
}

typedef struct {
  const CsPhantomStudyOptions *options;
  const char *sweeps_dir;
  const char *ext;
  int total;
  gint next;   /* Atomic: the next hand to render. */
  GMutex lock; /* Guards done, error and the progress call. */
  int done;
  GError *error;          /* The first error; workers stop once it is set. */
  CsPhantomTruth *truths; /* total entries: controls first, then CTS. */
  CsPhantomProgressFunc progress;
  gpointer user_data;
  GCancellable *cancellable;
} StudyJob;

static char *
hand_id(CsPhantomGroup group, int index)
{
  return g_strdup_printf("%s-%03d", cs_phantom_group_to_string(group), index + 1);
}

/* The frame options of a hand: the study's, or its drawn preset's. */
static void
hand_options(const CsPhantomStudyOptions *options, guint64 hand_seed, CsPhantomOptions *out)
{
  *out = options->frames;
  if (options->n_presets > 0)
    cs_phantom_options_set_preset(out,
                                  cs_phantom_preset_pick(options->preset_seed, hand_seed,
                                                         options->presets, options->n_presets));
}

static gboolean
same_frames(const CsPhantomOptions *a, const CsPhantomOptions *b)
{
  return a->width == b->width && a->height == b->height && a->n_frames == b->n_frames &&
         a->sweep_mm == b->sweep_mm && a->spacing_mm == b->spacing_mm && a->preset == b->preset;
}

static gpointer
study_worker(gpointer data)
{
  StudyJob *job = data;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  int per_group = job->options->hands_per_group;

  for (;;) {
    int k = g_atomic_int_add(&job->next, 1);
    CsPhantomGroup group = k < per_group ? CS_PHANTOM_CONTROL : CS_PHANTOM_CTS;
    int index = k % per_group;
    g_autofree char *id = NULL, *name = NULL, *path = NULL;
    GError *local = NULL;
    gboolean failed;
    guint64 seed;
    CsPhantomOptions frames;

    if (k >= job->total)
      break;
    seed = cs_phantom_study_hand_seed(job->options->seed, group, index);
    /* One generator serves hands of one size and preset; another preset needs its own. */
    hand_options(job->options, seed, &frames);
    if (gen == NULL || !same_frames(cs_phantom_generator_get_options(gen), &frames)) {
      g_clear_pointer(&gen, cs_phantom_generator_free);
      gen = cs_phantom_generator_new(&frames);
    }
    g_mutex_lock(&job->lock);
    failed = job->error != NULL;
    g_mutex_unlock(&job->lock);
    if (failed)
      break;
    id = hand_id(group, index);
    name = g_strconcat(id, job->ext, NULL);
    path = g_build_filename(job->sweeps_dir, name, NULL);
    if (!cs_phantom_write_sweep(gen, group, seed, path, job->options->format, &job->truths[k],
                                job->cancellable, &local)) {
      g_mutex_lock(&job->lock);
      if (job->error == NULL)
        job->error = local;
      else
        g_error_free(local);
      g_mutex_unlock(&job->lock);
      break;
    }
    g_mutex_lock(&job->lock);
    job->done++;
    if (job->progress != NULL)
      job->progress(job->done, job->total, job->user_data);
    g_mutex_unlock(&job->lock);
  }
  return NULL;
}

/* Marks the test hands of one group: a seeded shuffle, so the split is not the hand order. */
static void
choose_test_hands(guint64 seed, CsPhantomGroup group, int n, int n_test, gboolean *is_test)
{
  g_autofree int *order = g_new(int, n);
  CsPhantomRng rng;

  cs_phantom_rng_seed(&rng, cs_phantom_mix64(seed ^ 0x73706c6974ULL) + (guint64)group);
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = (int)(cs_phantom_rng_uniform(&rng) * (i + 1));
    int t = order[i];

    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < n; i++)
    is_test[i] = FALSE;
  for (int i = 0; i < n_test; i++)
    is_test[order[i]] = TRUE;
}

static CsCase *
make_case(const CsPhantomStudyOptions *options, const CsPhantomTruth *truth, CsPhantomGroup group,
          int index, gboolean is_test, const char *ext, GError **error)
{
  g_autofree char *id = hand_id(group, index);
  g_autoptr(CsCase) c = cs_case_new(id);
  g_autofree char *sweep = g_strconcat("sweeps/", id, ext, NULL);
  g_autofree char *notes = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *preset = NULL;
  g_autoptr(GPtrArray) unused = NULL;
  int n = truth->n_frames;
  int mid = n / 2;
  CsTracing *tracing;
  double points[CS_PHANTOM_OUTLINE_POINTS * 2];
  int added;

  cs_case_set_hand(c, truth->hand.right_hand ? CS_HAND_RIGHT : CS_HAND_LEFT);
  cs_case_set_group(c, group == CS_PHANTOM_CTS ? CS_GROUP_CTS : CS_GROUP_CONTROL);
  cs_case_set_split(c, is_test ? CS_SPLIT_TEST : CS_SPLIT_TRAIN);
  cs_case_set_sweep_path(c, sweep);
  if (!cs_case_set_spacing(c, truth->hand.spacing_mm, CS_SPACING_SOURCE_PHANTOM_TRUTH, error))
    return NULL;
  for (int f = 0; f < n; f += options->roi_every) {
    CsRoiKeyframe key = { .frame = f,
                          .x = truth->frames[f].centre_x,
                          .y = truth->frames[f].centre_y,
                          .size_mm = options->roi_size_mm };

    if (!cs_case_set_roi_keyframe(c, &key, error))
      return NULL;
  }
  if ((n - 1) % options->roi_every != 0) {
    CsRoiKeyframe key = { .frame = n - 1,
                          .x = truth->frames[n - 1].centre_x,
                          .y = truth->frames[n - 1].centre_y,
                          .size_mm = options->roi_size_mm };

    if (!cs_case_set_roi_keyframe(c, &key, error))
      return NULL;
  }
  for (int k = 0; k < CS_PHANTOM_OUTLINE_POINTS; k++) {
    points[2 * k] = truth->frames[mid].outline[k][0];
    points[2 * k + 1] = truth->frames[mid].outline[k][1];
  }
  tracing = cs_tracing_new("inlet", mid, points, CS_PHANTOM_OUTLINE_POINTS);
  g_free(tracing->rater);
  tracing->rater = g_strdup("phantom truth");
  added = cs_case_add_tracing(c, tracing, error);
  cs_tracing_free(tracing);
  if (added < 0)
    return NULL;
  if (truth->hand.group == CS_PHANTOM_CTS)
    stage = g_strdup_printf(" (drawn as nerve-conduction stage %d)",
                            cs_phantom_stage_from_severity(truth->hand.severity));
  if (truth->hand.preset != CS_PHANTOM_PRESET_DEFAULT)
    preset = g_strdup_printf(", preset %s", cs_phantom_preset_get(truth->hand.preset)->name);
  notes =
      g_strdup_printf("Synthetic phantom hand (%s%s), seed %" G_GUINT64_FORMAT
                      ", severity %.2f%s, inlet CSA %.1f mm^2. Not a patient.",
                      CS_PHANTOM_GENERATOR_VERSION, preset ? preset : "", (guint64)truth->hand.seed,
                      truth->hand.severity, stage ? stage : "", truth->hand.csa_inlet_mm2);
  cs_case_set_notes(c, notes);
  return g_steal_pointer(&c);
}

gboolean
cs_phantom_study_write(const CsPhantomStudyOptions *options, const char *dir,
                       CsPhantomProgressFunc progress, gpointer user_data,
                       GCancellable *cancellable, GError **error)
{
  g_autofree char *sweeps_dir = g_build_filename(dir, "sweeps", NULL);
  g_autofree char *study_path = g_build_filename(dir, "study.json", NULL);
  g_autofree gboolean *is_test = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autofree char *name = NULL;
  CsPhantomFormat format =
      options->format == CS_PHANTOM_FORMAT_AUTO ? CS_PHANTOM_FORMAT_FFV1_MKV : options->format;
  int per_group = options->hands_per_group;
  int n_test =
      options->test_per_group >= 0 ? options->test_per_group : (int)lround(per_group / 5.0);
  int n_threads = options->n_threads > 0 ? options->n_threads : (int)g_get_num_processors();
  CsPhantomStudyOptions resolved = *options;
  StudyJob job = { 0 };
  GThread **threads;
  gboolean ok = TRUE;

  if (!cs_phantom_study_options_validate(options, error))
    return FALSE;
  if (g_mkdir_with_parents(sweeps_dir, 0755) != 0) {
    int saved = errno;

    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s: cannot create the folder: %s", sweeps_dir,
                g_strerror(saved));
    return FALSE;
  }
  resolved.format = format;
  job.options = &resolved;
  job.sweeps_dir = sweeps_dir;
  job.ext = format == CS_PHANTOM_FORMAT_H264_MP4 ? ".mp4" : ".mkv";
  job.total = 2 * per_group;
  job.truths = g_new0(CsPhantomTruth, job.total);
  job.progress = progress;
  job.user_data = user_data;
  job.cancellable = cancellable;
  g_mutex_init(&job.lock);
  n_threads = CLAMP(n_threads, 1, job.total);
  threads = g_new0(GThread *, n_threads);
  for (int i = 0; i < n_threads; i++)
    threads[i] = g_thread_new("phantom-study", study_worker, &job);
  for (int i = 0; i < n_threads; i++)
    g_thread_join(threads[i]);
  g_free(threads);
  g_mutex_clear(&job.lock);
  if (job.error != NULL) {
    g_propagate_error(error, job.error);
    ok = FALSE;
  }

  if (ok) {
    study = cs_study_new();
    name = g_strdup_printf("Phantom study, seed %" G_GUINT64_FORMAT, (guint64)options->seed);
    cs_study_set_name(study, name);
    cs_study_set_notes(
        study,
        "Synthetic sweeps from the Carpalscope phantom generator (" CS_PHANTOM_GENERATOR_VERSION
        "): for testing and demonstration, not patients.");
    is_test = g_new(gboolean, per_group);
    for (int g = 0; ok && g < 2; g++) {
      CsPhantomGroup group = g == 0 ? CS_PHANTOM_CONTROL : CS_PHANTOM_CTS;

      choose_test_hands(options->seed, group, per_group, n_test, is_test);
      for (int i = 0; ok && i < per_group; i++) {
        g_autoptr(CsCase) c = make_case(&resolved, &job.truths[g * per_group + i], group, i,
                                        is_test[i], job.ext, error);

        ok = c != NULL && cs_study_add_case(study, c, error);
      }
    }
    ok = ok && cs_study_save_as(study, study_path, error);
  }
  for (int i = 0; i < job.total; i++)
    cs_phantom_truth_clear(&job.truths[i]);
  g_free(job.truths);
  return ok;
}
