/* cs-train.c — training a network on a study: hands split, crops, augmentation, checkpoints
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Crops are read once (every chosen frame of every training and validation hand, through the
 * same ROI path as analysis) and kept as 8-bit images; each epoch augments and preprocesses them
 * batch by batch into one reused input buffer. After each epoch the network is run in inference
 * mode on the validation crops, and the checkpoint is rewritten when validation accuracy
 * improves, atomically, so an interrupted run always leaves the last good checkpoint.
 */
#include "config.h"

#include "cs-train.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cs-analysis.h"
#include "cs-engine-error.h"
#include "cs-rng.h"
#include "cs-train-shift.h"
#include "csnn-image.h"
#include "csnn-train.h"

#define DEG (G_PI / 180.0)

void
cs_train_options_init(CsTrainOptions *opt)
{
  memset(opt, 0, sizeof *opt);
  opt->epochs = 10;
  opt->batch = 16;
  opt->optimizer = CSNN_OPTIM_SGDM;
  opt->schedule = CSNN_LR_COSINE;
  opt->step_epochs = 3;
  opt->gamma = 0.1;
  opt->momentum = 0.9;
  opt->weight_decay = 1e-4;
  opt->seed = 1;
  opt->val_hands = -1;
  opt->augment = CS_TRAIN_AUGMENT_PAPER;
  opt->scanner_shift = FALSE;
  opt->scanner_zoom = TRUE;
}

/* ---- random numbers (splitmix64 from cs-rng.h: seeded, the same on every machine) ---- */

/* A double uniform in [@lo, @hi) from one step of the splitmix64 state @s. */
static double
rng_uniform(guint64 *s, double lo, double hi)
{
  return lo + (hi - lo) * cs_splitmix64_uniform(s);
}

static void
shuffle(guint *items, guint n, guint64 *rng)
{
  for (guint i = n; i > 1; i--) {
    guint j = (guint)(cs_splitmix64(rng) % i);
    guint t = items[i - 1];
    items[i - 1] = items[j];
    items[j] = t;
  }
}

/* ---- hands ---- */

GArray *
cs_train_split_hands(CsStudy *study, int val_hands, guint64 seed, GError **error)
{
  g_autoptr(GArray) hands = g_array_new(FALSE, FALSE, sizeof(CsTrainHand));
  guint n = cs_study_get_n_cases(study);
  guint n_train = 0, n_val = 0;

  for (int group = CS_GROUP_CONTROL; group <= CS_GROUP_CTS; group++) {
    g_autoptr(GArray) pool = g_array_new(FALSE, FALSE, sizeof(guint));
    guint64 rng = seed ^ (0xA5A5A5A5ull * (guint64)group);
    int take;
    guint marked = 0;

    for (guint i = 0; i < n; i++) {
      CsCase *c = cs_study_get_case(study, i);
      CsSplit split = cs_case_get_split(c);

      if ((int)cs_case_get_group(c) != group)
        continue;
      if (split == CS_SPLIT_TRAIN) {
        g_array_append_val(pool, i);
      } else if (split == CS_SPLIT_VALIDATION) {
        CsTrainHand h = { cs_case_get_id(c), group == CS_GROUP_CTS, CS_SPLIT_VALIDATION };
        g_array_append_val(hands, h);
        marked++;
      }
    }
    /* Hands the study already keeps for validation count towards the number asked for. */
    take = val_hands >= 0 ? val_hands : (int)(pool->len + marked + 5) / 10;
    take -= (int)marked;
    if (take < 0)
      take = 0;
    if (take >= (int)pool->len && pool->len > 0)
      take = (int)pool->len - 1;
    shuffle((guint *)(void *)pool->data, pool->len, &rng);
    for (guint k = 0; k < pool->len; k++) {
      CsCase *c = cs_study_get_case(study, g_array_index(pool, guint, k));
      CsTrainHand h = { cs_case_get_id(c), group == CS_GROUP_CTS,
                        (int)k < take ? CS_SPLIT_VALIDATION : CS_SPLIT_TRAIN };
      g_array_append_val(hands, h);
    }
  }
  for (guint i = 0; i < hands->len; i++) {
    if (g_array_index(hands, CsTrainHand, i).part == CS_SPLIT_TRAIN)
      n_train++;
    else
      n_val++;
  }
  if (n_train == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "the study has no training hands (mark cases with split \"train\")");
    return NULL;
  }
  if (n_val == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "no validation hands: the study has too few training hands to set some aside");
    return NULL;
  }
  return g_steal_pointer(&hands);
}

char *
cs_train_describe_study(CsStudy *study)
{
  const char *name = cs_study_get_name(study), *notes = cs_study_get_notes(study);
  g_autofree char *lname = g_ascii_strdown(name != NULL ? name : "", -1);
  g_autofree char *lnotes = g_ascii_strdown(notes != NULL ? notes : "", -1);

  if (strstr(lname, "phantom") != NULL || strstr(lnotes, "phantom") != NULL)
    return g_strdup("synthetic phantom sweeps (demonstrator, not for patients)");
  return g_strdup_printf("study \"%s\"", name != NULL && *name ? name : "unnamed");
}

/* ---- augmentation ---- */

void
cs_train_augment(const guint8 *src, int size, guint8 *dst, guint64 *rng)
{
  cs_train_augment_mode(CS_TRAIN_AUGMENT_PAPER, src, size, dst, rng);
}

void
cs_train_augment_mode(CsTrainAugment mode, const guint8 *src, int size, guint8 *dst, guint64 *rng)
{
  double flip = rng_uniform(rng, 0, 1) < 0.5 ? -1.0 : 1.0;
  double angle = rng_uniform(rng, -10, 10) * DEG;
  double scale = rng_uniform(rng, 0.8, 1.2);
  double tx = rng_uniform(rng, -0.1, 0.1) * size, ty = rng_uniform(rng, -0.1, 0.1) * size;
  double shear = rng_uniform(rng, -10, 10) * DEG;

  if (mode == CS_TRAIN_AUGMENT_NONE) {
    memcpy(dst, src, (size_t)size * (size_t)size);
    return;
  }
  /* Light: the same draws (so a seed means the same flips, turns and shifts) without the
   * scaling and shear, which keeps the nerve's size in pixels, the phantom's main cue. */
  if (mode == CS_TRAIN_AUGMENT_LIGHT) {
    scale = 1.0;
    shear = 0.0;
  }
  double c = cos(angle), s = sin(angle), sh = tan(shear);
  /* Forward map about the centre: p' = T + R S H F p; sampled through its inverse. */
  double a = c * scale, b = (c * sh - s) * scale, d = s * scale, e = (s * sh + c) * scale;
  double det = a * e - b * d;
  double ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  double half = (size - 1) / 2.0;

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      double u = x - half - tx, v = y - half - ty;
      double sx = (ia * u + ib * v) * flip + half, sy = id * u + ie * v + half;
      int x0 = (int)floor(sx), y0 = (int)floor(sy);
      double fx = sx - x0, fy = sy - y0, acc = 0.0;

      for (int k = 0; k < 4; k++) {
        int xx = x0 + (k & 1), yy = y0 + (k >> 1);
        double wgt = ((k & 1) ? fx : 1.0 - fx) * ((k >> 1) ? fy : 1.0 - fy);
        if (xx >= 0 && xx < size && yy >= 0 && yy < size)
          acc += wgt * src[(size_t)yy * (size_t)size + (size_t)xx];
      }
      dst[(size_t)y * (size_t)size + (size_t)x] = (guint8)CLAMP(lrint(acc), 0, 255);
    }
}

/* ---- data ---- */

typedef struct {
  guint8 *pixels; /* n x size x size. */
  int *labels;
  int *hand; /* Index into the hands array. */
  guint n, cap;
} crop_set;

static void
crop_set_clear(crop_set *set)
{
  g_free(set->pixels);
  g_free(set->labels);
  g_free(set->hand);
}

static void
crop_set_add(crop_set *set, int size, const guint8 *pixels, int label, int hand)
{
  size_t px = (size_t)size * (size_t)size;

  if (set->n == set->cap) {
    set->cap = set->cap ? set->cap * 2 : 256;
    set->pixels = g_realloc(set->pixels, set->cap * px);
    set->labels = g_realloc(set->labels, set->cap * sizeof(int));
    set->hand = g_realloc(set->hand, set->cap * sizeof(int));
  }
  memcpy(set->pixels + set->n * px, pixels, px);
  set->labels[set->n] = label;
  set->hand[set->n] = hand;
  set->n++;
}

static gboolean
read_crops(CsStudy *study, GArray *hands, int frames_per_hand, int size, crop_set *train,
           crop_set *val, GError **error)
{
  g_autofree guint8 *crop = g_malloc((size_t)size * (size_t)size);

  for (guint h = 0; h < hands->len; h++) {
    const CsTrainHand *hand = &g_array_index(hands, CsTrainHand, h);
    CsCase *c = cs_study_find_case(study, hand->case_id);
    g_autofree char *path = cs_study_dup_sweep_path(study, c);
    g_autoptr(CsSweep) sweep = NULL;
    int n_frames, take;

    if (path == NULL) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "case %s has no sweep", hand->case_id);
      return FALSE;
    }
    sweep = cs_sweep_open(path, error);
    if (sweep == NULL)
      return FALSE;
    n_frames = cs_sweep_get_n_frames(sweep);
    take = frames_per_hand > 0 && frames_per_hand < n_frames ? frames_per_hand : n_frames;
    for (int k = 0; k < take; k++) {
      /* Evenly spaced frames, centred in their share of the sweep. */
      int index = (int)(((double)k + 0.5) * n_frames / take);
      g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, index, error);
      gboolean padded = FALSE;

      if (frame == NULL || !cs_analysis_crop(c, frame, size, crop, &padded, error)) {
        g_prefix_error(error, "case %s, frame %d: ", hand->case_id, index);
        return FALSE;
      }
      crop_set_add(hand->part == CS_SPLIT_TRAIN ? train : val, size, crop, hand->label, (int)h);
    }
  }
  return TRUE;
}

/* ---- the run ---- */

static gboolean
load_init(csnn_net *net, const char *path, GError **error)
{
  csnn_safetensors *st = NULL;
  int status = csnn_safetensors_open(path, &st);
  guint loaded = 0, fresh = 0;

  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, "training");
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    long index = csnn_safetensors_find(st, p->name);
    int64_t shape[CSNN_ST_MAX_DIMS];
    int ndim = index >= 0 ? csnn_safetensors_shape(st, (size_t)index, shape) : -1;
    gboolean same = ndim == p->ndim;

    for (int k = 0; same && k < ndim; k++)
      same = shape[k] == p->shape[k];
    if (!same && g_str_has_prefix(p->name, "classifier.")) {
      /* A new 2-class classifier over transferred features. */
      fresh++;
      continue;
    }
    if (!same) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "%s: tensor %s is missing or of another shape than %s needs", path, p->name,
                  csnn_net_arch(net));
      csnn_safetensors_close(st);
      return FALSE;
    }
    if (csnn_safetensors_read_f32(st, (size_t)index, p->data, p->numel) != CSNN_OK) {
      cs_error_from_engine(error, CSNN_ERR_FORMAT, path);
      csnn_safetensors_close(st);
      return FALSE;
    }
    loaded++;
  }
  csnn_safetensors_close(st);
  csnn_net_params_changed(net);
  g_debug("init: %u tensors loaded, %u new", loaded, fresh);
  return TRUE;
}

/* Builds @arch with 2 classes for @size x @size inputs. The engine sets a size other than 224
 * from a weight file's "input_size", so the network goes through a temporary file once. */
static gboolean
net_new_sized(const char *arch, int size, csnn_net **out, GError **error)
{
  const char *meta[] = { "input_size", NULL, NULL };
  g_autofree char *size_text = NULL, *path = NULL;
  csnn_net *net = NULL;
  int status, fd;

  status = csnn_net_new(arch, 2, &net);
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, "training");
  if (size == 0 || size == csnn_net_input_size(net)) {
    *out = net;
    return TRUE;
  }
  if (size < 32 || size > 1024) {
    csnn_net_free(net);
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "input size %d is not 32 to 1024", size);
    return FALSE;
  }
  fd = g_file_open_tmp("carpalscope-train-XXXXXX.safetensors", &path, error);
  if (fd < 0) {
    csnn_net_free(net);
    return FALSE;
  }
  close(fd);
  size_text = g_strdup_printf("%d", size);
  meta[1] = size_text;
  status = csnn_net_save(net, path, meta);
  csnn_net_free(net);
  net = NULL;
  if (status == CSNN_OK)
    status = csnn_net_load(path, arch, &net);
  g_unlink(path);
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, "training");
  *out = net;
  return TRUE;
}

/* The first parameter index of "features.@block." or later: where freezing ends. */
static size_t
frozen_until(csnn_net *net, int block)
{
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    const char *name = csnn_net_param(net, i)->name;
    if (!g_str_has_prefix(name, "features.") || atoi(name + 9) >= block)
      return i;
  }
  return csnn_net_n_params(net);
}

typedef struct {
  double accuracy, loss, hand_accuracy;
} val_result;

static void
validate(csnn_net *net, const crop_set *val, int size, float *input, int batch, GArray *hands,
         val_result *out)
{
  size_t px = (size_t)size * (size_t)size, chw = 3 * px;
  int classes = csnn_net_num_classes(net), cts = csnn_net_cts_index(net);
  g_autofree float *logits = g_new(float, (size_t)batch *(size_t)classes);
  g_autofree double *hand_p = g_new0(double, hands->len);
  g_autofree int *hand_n = g_new0(int, hands->len);
  guint correct = 0, hands_right = 0, hands_seen = 0;
  double loss = 0.0;

  csnn_net_params_changed(net);
  for (guint i = 0; i < val->n; i += (guint)batch) {
    int n = (int)MIN((guint)batch, val->n - i);

    for (int k = 0; k < n; k++)
      csnn_preprocess_u8(val->pixels + (i + (guint)k) * px, size, csnn_net_norm(net),
                         input + (size_t)k * chw);
    csnn_net_forward(net, input, (size_t)n, logits);
    loss += csnn_softmax_xent(n, classes, logits, val->labels + i, NULL, NULL) * n;
    for (int k = 0; k < n; k++) {
      const float *z = logits + (size_t)k * (size_t)classes;
      double mx = z[0], s = 0.0, p;
      int best = 0;

      for (int j = 1; j < classes; j++)
        if (z[j] > z[best])
          best = j;
      mx = z[best];
      for (int j = 0; j < classes; j++)
        s += exp(z[j] - mx);
      p = exp(z[cts] - mx) / s;
      correct += (p >= 0.5) == (val->labels[i + (guint)k] == 1);
      hand_p[val->hand[i + (guint)k]] += p;
      hand_n[val->hand[i + (guint)k]]++;
    }
  }
  for (guint h = 0; h < hands->len; h++)
    if (hand_n[h] > 0) {
      hands_seen++;
      hands_right += (hand_p[h] / hand_n[h] >= 0.5) == g_array_index(hands, CsTrainHand, h).label;
    }
  out->accuracy = val->n ? (double)correct / val->n : 0.0;
  out->loss = val->n ? loss / val->n : 0.0;
  out->hand_accuracy = hands_seen ? (double)hands_right / hands_seen : 0.0;
}

static char *
file_sha256(const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (path == NULL || !g_file_get_contents(path, &data, &len, NULL))
    return g_strdup("unknown");
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static gboolean
save_checkpoint(csnn_net *net, const CsTrainOptions *opt, GPtrArray *meta, int epoch,
                const val_result *vr, GError **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
  int status;

  for (guint i = 0; i < meta->len; i++)
    g_ptr_array_add(all, g_strdup(g_ptr_array_index(meta, i)));
  g_ptr_array_add(all, g_strdup("best_epoch"));
  g_ptr_array_add(all, g_strdup_printf("%d", epoch));
  g_ptr_array_add(all, g_strdup("val_accuracy"));
  g_ptr_array_add(all, g_strdup_printf("%.4f", vr->accuracy));
  g_ptr_array_add(all, g_strdup("val_hand_accuracy"));
  g_ptr_array_add(all, g_strdup_printf("%.4f", vr->hand_accuracy));
  g_ptr_array_add(all, NULL);
  status = csnn_net_save(net, opt->out_path, (const char *const *)all->pdata);
  if (status != CSNN_OK) {
    cs_error_from_engine(error, status, "training");
    g_prefix_error(error, "cannot write %s: ", opt->out_path);
    return FALSE;
  }
  return TRUE;
}

static void
add_meta(GPtrArray *meta, const char *key, char *value)
{
  g_ptr_array_add(meta, g_strdup(key));
  g_ptr_array_add(meta, value);
}

/* The state of one run, shared by its steps: the network with its trainer and optimizer, the
 * crops, the buffers every batch reuses, the progress reported and the summary so far. */
typedef struct {
  const CsTrainOptions *opt;
  CsTrainProgressFunc progress;
  gpointer user_data;
  csnn_net *net;
  csnn_trainer *trainer;
  csnn_optim *optim;
  csnn_lr_schedule schedule;
  double lr;
  int size, batch;
  crop_set train, val;
  float *input;      /* One batch, preprocessed: batch x 3 x size x size. */
  guint8 *aug;       /* One augmented crop. */
  guint8 *aug2;      /* The same after the scanner-shift augmentation. */
  guint *order;      /* The training crops in this epoch's order. */
  int *labels;       /* The labels of one batch. */
  guint64 rng;       /* Shuffles and augments; seeded from opt->seed. */
  guint64 shift_rng; /* The scanner-shift augmentation's own stream, from opt->seed. */
  CsTrainProgress prog;
  CsTrainSummary sum;
  double best_loss; /* Validation loss of the checkpoint, to break ties in accuracy. */
  int since_best;   /* Epochs since the checkpoint was last written. */
} train_run;

static void
train_run_clear(train_run *run)
{
  csnn_optim_free(run->optim);
  csnn_trainer_free(run->trainer);
  csnn_net_free(run->net);
  crop_set_clear(&run->train);
  crop_set_clear(&run->val);
  g_free(run->input);
  g_free(run->aug);
  g_free(run->aug2);
  g_free(run->order);
  g_free(run->labels);
}

/* Creates the trainer and the optimizer over every trainable parameter, with the learning rate
 * schedule, and the buffers the batches reuse. */
static gboolean
train_run_prepare(train_run *run, GError **error)
{
  const CsTrainOptions *opt = run->opt;
  size_t px = (size_t)run->size * (size_t)run->size;
  int status;

  status = csnn_trainer_new(run->net, run->batch, opt->threads, &run->trainer);
  if (status == CSNN_OK)
    status = csnn_optim_new(opt->optimizer, &run->optim);
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, "training");
  csnn_trainer_set_seed(run->trainer, opt->seed ^ 0xD20Full);
  if (opt->freeze > 0)
    csnn_trainer_set_frozen(run->trainer, frozen_until(run->net, opt->freeze));
  csnn_optim_set_hyper(run->optim, opt->momentum, 0.9, 0.999, 1e-8, opt->weight_decay);
  for (size_t i = 0; i < csnn_net_n_params(run->net); i++) {
    int decay;
    if (csnn_trainer_param_trainable(run->trainer, i, &decay))
      csnn_optim_add(run->optim, csnn_net_param(run->net, i)->data,
                     csnn_trainer_grad(run->trainer, i), csnn_net_param(run->net, i)->numel, decay);
  }
  run->lr = opt->lr > 0 ? opt->lr : opt->optimizer == CSNN_OPTIM_ADAM ? 1e-3 : 1e-2;
  run->schedule = (csnn_lr_schedule){ opt->schedule, run->lr, opt->step_epochs, opt->gamma };

  run->input = g_new(float, (size_t)run->batch * 3 * px);
  run->aug = g_malloc(px);
  run->aug2 = g_malloc(px);
  run->order = g_new(guint, run->train.n);
  run->labels = g_new(int, run->batch);
  for (guint i = 0; i < run->train.n; i++)
    run->order[i] = i;
  run->rng = opt->seed * 0x2545F4914F6CDD1Dull + 7;
  run->shift_rng = opt->seed * 0x9E3779B97F4A7C15ull + 0x5C4E;
  return TRUE;
}

/* The provenance object written into every checkpoint: command, date, version, seed, epochs. */
static char *
provenance_json(const CsTrainOptions *opt, const char *date)
{
  g_autoptr(GString) p = g_string_new("{");
  g_autofree char *cmd = g_strescape(opt->command_line ? opt->command_line : "", NULL);

  g_string_append_printf(p, "\"command\":\"%s\",\"date\":\"%s\",\"version\":\"%s\",", cmd, date,
                         PACKAGE_VERSION);
  g_string_append_printf(p, "\"seed\":%" G_GUINT64_FORMAT ",\"epochs\":%d}", opt->seed,
                         opt->epochs);
  return g_string_free(g_steal_pointer(&p), FALSE);
}

/* The metadata of every checkpoint of @run, as key, value pairs: what it was trained on, how,
 * and from what, ending with the caller's extra pairs. */
static GPtrArray *
checkpoint_metadata(CsStudy *study, const train_run *run)
{
  const CsTrainOptions *opt = run->opt;
  GPtrArray *meta = g_ptr_array_new_with_free_func(g_free);
  const char *study_path = opt->study_path != NULL ? opt->study_path : cs_study_get_path(study);
  g_autofree char *study_hash = file_sha256(cs_study_get_path(study));
  g_autofree char *trained_on =
      opt->trained_on != NULL ? g_strdup(opt->trained_on) : cs_train_describe_study(study);
  g_autofree char *date = cs_now_iso8601();

  add_meta(meta, "classes", g_strdup("[\"control\",\"cts\"]"));
  add_meta(meta, "input_size", g_strdup_printf("%d", run->size));
  add_meta(meta, "trained_on", g_strdup(trained_on));
  add_meta(meta, "provenance", provenance_json(opt, date));
  add_meta(meta, "study", g_strdup(study_path != NULL ? study_path : ""));
  add_meta(meta, "study_name", g_strdup(cs_study_get_name(study) ? cs_study_get_name(study) : ""));
  add_meta(meta, "study_sha256", g_strdup(study_hash));
  add_meta(meta, "command", g_strdup(opt->command_line ? opt->command_line : ""));
  add_meta(meta, "seed", g_strdup_printf("%" G_GUINT64_FORMAT, opt->seed));
  add_meta(meta, "epochs", g_strdup_printf("%d", opt->epochs));
  add_meta(meta, "date", g_strdup(date));
  add_meta(meta, "version", g_strdup(PACKAGE_VERSION));
  add_meta(meta, "init",
           g_strdup(opt->init_path ? opt->init_path : "from scratch (random, seeded)"));
  add_meta(meta, "train_hands", g_strdup_printf("%u", run->sum.n_train_hands));
  add_meta(meta, "val_hands", g_strdup_printf("%u", run->sum.n_val_hands));
  add_meta(meta, "train_images", g_strdup_printf("%u", run->train.n));
  add_meta(meta, "frames_per_hand", g_strdup_printf("%d", opt->frames_per_hand));
  add_meta(meta, "optimizer",
           g_strdup_printf("%s lr %g batch %d weight decay %g schedule %s",
                           opt->optimizer == CSNN_OPTIM_ADAM ? "adam" : "sgdm", run->lr, run->batch,
                           opt->weight_decay,
                           opt->schedule == CSNN_LR_COSINE ? "cosine"
                           : opt->schedule == CSNN_LR_STEP ? "step"
                                                           : "constant"));
  add_meta(meta, "augmentation",
           g_strdup(opt->augment == CS_TRAIN_AUGMENT_LIGHT
                        ? "light: flip, rotation +-10 deg, translation +-10%"
                    : opt->augment ? "flip, rotation +-10 deg, scale 0.8-1.2, "
                                     "translation +-10%, shear +-10 deg"
                                   : "none"));
  if (opt->scanner_shift)
    add_meta(meta, "augmentation_scanner",
             g_strdup_printf("%sresolution /1-2, blur, speckle, gain +-25, contrast 0.7-1.4, "
                             "gamma 0.7-1.5, each with p 0.5",
                             opt->scanner_zoom ? "crop 0.8-1, " : ""));
  if (opt->extra_metadata != NULL)
    for (int i = 0; opt->extra_metadata[i] != NULL && opt->extra_metadata[i + 1] != NULL; i += 2)
      add_meta(meta, opt->extra_metadata[i], g_strdup(opt->extra_metadata[i + 1]));
  return meta;
}

/* Fills run->input and run->labels with batch @b of this epoch's order, augmented. */
static void
fill_batch(train_run *run, int b)
{
  size_t px = (size_t)run->size * (size_t)run->size, chw = 3 * px;

  for (int k = 0; k < run->batch; k++) {
    guint idx = run->order[(guint)b * (guint)run->batch + (guint)k];
    const guint8 *src = run->train.pixels + idx * px;

    if (run->opt->augment != CS_TRAIN_AUGMENT_NONE) {
      cs_train_augment_mode(run->opt->augment, src, run->size, run->aug, &run->rng);
      src = run->aug;
    }
    if (run->opt->scanner_shift) {
      cs_train_augment_scanner(src, run->size, run->aug2, &run->shift_rng, run->opt->scanner_zoom);
      src = run->aug2;
    }
    csnn_preprocess_u8(src, run->size, csnn_net_norm(run->net), run->input + (size_t)k * chw);
    run->labels[k] = run->train.labels[idx];
  }
}

typedef enum { EPOCH_TRAINED, EPOCH_STOPPED, EPOCH_FAILED } epoch_outcome;

/* Trains one epoch over the shuffled crops, reporting progress after each batch; stops before a
 * batch when opt->stop is set. */
static epoch_outcome
train_epoch(train_run *run, int epoch, GError **error)
{
  const CsTrainOptions *opt = run->opt;
  CsTrainProgress *prog = &run->prog;
  gint64 t_epoch = g_get_monotonic_time();
  double loss_sum = 0.0;

  shuffle(run->order, run->train.n, &run->rng);
  prog->epoch = epoch;
  prog->epoch_done = FALSE;
  for (int b = 0; b < prog->batches; b++) {
    float loss;
    int status;

    if (opt->stop != NULL && *opt->stop)
      return EPOCH_STOPPED;
    fill_batch(run, b);
    status = csnn_trainer_step(run->trainer, run->input, run->batch, run->labels, &loss, NULL);
    if (status != CSNN_OK) {
      cs_error_from_engine(error, status, "training");
      g_prefix_error(error, "epoch %d, batch %d: ", epoch, b + 1);
      return EPOCH_FAILED;
    }
    csnn_optim_step(run->optim,
                    csnn_lr_at(&run->schedule, epoch - 1 + (double)b / prog->batches, opt->epochs));
    loss_sum += loss;
    prog->batch = b + 1;
    prog->loss = loss_sum / (b + 1);
    {
      double secs = (g_get_monotonic_time() - t_epoch) / 1e6;
      double per_batch = secs / (b + 1);
      prog->images_per_s = (b + 1) * run->batch / fmax(secs, 1e-9);
      prog->seconds_left =
          per_batch * ((prog->batches - b - 1) + (double)(opt->epochs - epoch) * prog->batches) *
          (1.0 + (double)run->val.n / (3.0 * run->train.n));
    }
    if (run->progress != NULL)
      run->progress(prog, run->user_data);
  }
  return EPOCH_TRAINED;
}

/* Validates after @epoch and rewrites the checkpoint when the network does better than at every
 * earlier epoch: more accurate, or as accurate with a lower loss. */
static gboolean
keep_if_best(train_run *run, GArray *hands, GPtrArray *meta, int epoch, GError **error)
{
  CsTrainSummary *sum = &run->sum;
  val_result vr;

  validate(run->net, &run->val, run->size, run->input, run->batch, hands, &vr);
  sum->epochs_run = epoch;
  run->prog.val_accuracy = vr.accuracy;
  if (vr.accuracy > sum->best_accuracy || sum->best_epoch == 0 ||
      (vr.accuracy == sum->best_accuracy && vr.loss < run->best_loss)) {
    if (!save_checkpoint(run->net, run->opt, meta, epoch, &vr, error))
      return FALSE;
    sum->best_epoch = epoch;
    sum->best_accuracy = vr.accuracy;
    sum->best_hand_accuracy = vr.hand_accuracy;
    run->best_loss = vr.loss;
    run->since_best = 0;
  } else {
    run->since_best++;
  }
  return TRUE;
}

gboolean
cs_train_run(CsStudy *study, const CsTrainOptions *opt, CsTrainProgressFunc progress,
             gpointer user_data, CsTrainSummary *summary, GError **error)
{
  train_run run = { .opt = opt, .progress = progress, .user_data = user_data };
  g_autoptr(GArray) hands = NULL;
  g_autoptr(GPtrArray) meta = NULL;
  gboolean ok = FALSE;
  gint64 t_start = g_get_monotonic_time();

  if (opt->arch == NULL || opt->out_path == NULL || opt->epochs < 1 || opt->batch < 2 ||
      opt->batch > 1024) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "training needs an architecture, an output file, epochs >= 1 and a batch of 2 "
                "to 1024 images");
    return FALSE;
  }
  if (!net_new_sized(opt->arch, opt->input_size, &run.net, error))
    return FALSE;
  run.size = csnn_net_input_size(run.net);
  run.batch = opt->batch;
  run.best_loss = INFINITY;
  csnn_net_init_random(run.net, opt->seed, NULL);
  if (opt->init_path != NULL && !load_init(run.net, opt->init_path, error))
    goto out;

  hands = cs_train_split_hands(study, opt->val_hands, opt->seed, error);
  if (hands == NULL)
    goto out;
  if (!read_crops(study, hands, opt->frames_per_hand, run.size, &run.train, &run.val, error))
    goto out;
  for (guint h = 0; h < hands->len; h++) {
    if (g_array_index(hands, CsTrainHand, h).part == CS_SPLIT_TRAIN)
      run.sum.n_train_hands++;
    else
      run.sum.n_val_hands++;
  }
  run.sum.n_train_images = run.train.n;
  run.sum.n_val_images = run.val.n;
  if (run.train.n < 2 || run.val.n < 1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "too few images to train (%u) or validate (%u)",
                run.train.n, run.val.n);
    goto out;
  }
  if ((guint)run.batch > run.train.n)
    run.batch = (int)run.train.n;
  if (!train_run_prepare(&run, error))
    goto out;
  meta = checkpoint_metadata(study, &run);

  run.prog.epochs = opt->epochs;
  run.prog.batches = (int)(run.train.n / (guint)run.batch);
  run.prog.val_accuracy = -1.0;
  run.prog.best_accuracy = -1.0;
  csnn_net_set_max_batch(run.net, run.batch);
  for (int epoch = 1; epoch <= opt->epochs; epoch++) {
    epoch_outcome outcome = train_epoch(&run, epoch, error);

    if (outcome == EPOCH_FAILED)
      goto out;
    if (outcome == EPOCH_STOPPED) {
      run.sum.stopped = TRUE;
      break;
    }
    if (!keep_if_best(&run, hands, meta, epoch, error))
      goto out;
    run.prog.best_accuracy = run.sum.best_accuracy;
    run.prog.epoch_done = TRUE;
    if (progress != NULL)
      progress(&run.prog, user_data);
    if (opt->patience > 0 && run.since_best >= opt->patience)
      break;
  }
  ok = TRUE;
out:
  run.sum.seconds = (g_get_monotonic_time() - t_start) / 1e6;
  if (summary != NULL)
    *summary = run.sum;
  train_run_clear(&run);
  return ok;
}

gboolean
cs_train_options_set_optimizer(CsTrainOptions *opt, const char *name)
{
  return csnn_optim_kind_from_string(name, &opt->optimizer) == CSNN_OK;
}

gboolean
cs_train_options_set_schedule(CsTrainOptions *opt, const char *name)
{
  return csnn_lr_kind_from_string(name, &opt->schedule) == CSNN_OK;
}
