/* cs-seg-train.c — training and checking the nerve-finding U-Net on images with expert masks
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The random stream (base/cs-rng.h): one splitmix64 state from seed * 0x9E3779B97F4A7C15 + 11
 * deals the patients into folds and then draws, per epoch, the order of the training images and
 * every augmentation parameter in the order the code below asks for them.
 */
#include "cs-seg-train.h"

#include <math.h>
#include <string.h>

#include "cs-engine-error.h"
#include "cs-error.h"
#include "cs-nerve-track.h"
#include "cs-rng.h"
#include "cs-sweep.h"
#include "csnn-image.h"
#include "csnn-optim.h"
#include "csnn-safetensors.h"
#include "csnn-seg.h"

void
cs_seg_train_options_init(CsSegTrainOptions *opt)
{
  memset(opt, 0, sizeof(*opt));
  opt->height = 192;
  opt->width = 256;
  opt->base = 8;
  opt->depth = 4;
  opt->epochs = 40;
  opt->batch = 8;
  opt->lr = 2e-3;
  opt->weight_decay = 1e-4;
  opt->dice_weight = 1.0;
  opt->seed = 1;
  opt->folds = 5;
  opt->augment = TRUE;
}

/* ---- the data set ---- */

/* The fold of the extra images: never the validation fold (-1 when there is none). */
#define EXTRA_FOLD (-2)

typedef struct {
  char *name; /* File name without its extension. */
  char *patient;
  int fold;
  int width, height; /* Of the image and its mask. */
  guint8 *mask;      /* Full size, 0/255 (validation images only). */
  gsize mask_area;
  guint8 *small;     /* The image at the network's size (a locator's training only). */
  float *small_mask; /* The mask at the network's size, 0..1 (a locator's training only). */
  guint8 *gray;      /* Full size, rows packed (a refiner's training only). */
  double box[4];     /* The mask's centroid x, y and box width, height (a refiner's). */
  float *located;    /* The locator's map at full size (a refiner's validation images only). */
} Sample;

static void
sample_clear(gpointer data)
{
  Sample *s = data;

  g_free(s->name);
  g_free(s->patient);
  g_free(s->mask);
  g_free(s->small);
  g_free(s->small_mask);
  g_free(s->gray);
  g_free(s->located);
}

/* Whether @opt deals the folds from a seed of their own: a fold seed equal to the seed is the
 * same as none (the folds, then the training, drawn from one stream). */
static gboolean
own_fold_seed(const CsSegTrainOptions *opt)
{
  return opt->has_fold_seed && opt->fold_seed != opt->seed;
}

/* Whether @opt trains a refiner (for the locators it names) rather than a locator. */
static gboolean
is_refiner(const CsSegTrainOptions *opt)
{
  return opt->locator_paths != NULL && opt->locator_paths[0] != NULL;
}

static CsFrame *
read_gray(const char *path, GError **error)
{
  g_autoptr(CsSweep) sweep = cs_sweep_open(path, error);

  if (sweep == NULL)
    return NULL;
  return cs_sweep_get_frame(sweep, 0, error);
}

/* Finds the mask of @name in @dir: the same file name, or the same stem with another image
 * extension. */
static char *
find_mask(const char *dir, const char *file, const char *stem)
{
  static const char *const ext[] = { ".png", ".bmp", ".tif", ".tiff", ".jpg", ".pgm" };
  char *path = g_build_filename(dir, file, NULL);

  if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free(path);
  for (gsize i = 0; i < G_N_ELEMENTS(ext); i++) {
    g_autofree char *name = g_strconcat(stem, ext[i], NULL);
    path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
      return path;
    g_free(path);
  }
  return NULL;
}

static gboolean
is_image_name(const char *name)
{
  static const char *const ext[] = { ".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg", ".pgm" };
  g_autofree char *lower = g_ascii_strdown(name, -1);

  for (gsize i = 0; i < G_N_ELEMENTS(ext); i++)
    if (g_str_has_suffix(lower, ext[i]))
      return TRUE;
  return FALSE;
}

/* Reads "image,patient,..." lines into a table of image stem -> patient. */
static GHashTable *
read_index(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *table;

  if (!g_file_get_contents(path, &text, NULL, error))
    return NULL;
  table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit(text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) f = g_strsplit(g_strstrip(lines[i]), ",", 3);

    if (f[0] == NULL || f[1] == NULL || *f[0] == '\0')
      continue;
    if (i == 0 && strcmp(f[0], "image") == 0)
      continue;
    g_hash_table_replace(table, g_strdup(f[0]), g_strdup(f[1]));
  }
  return table;
}

/* Resamples @gray and @mask (nonzero = nerve), @width x @height, into @s at the network's size;
 * FALSE with @error naming @what when the engine cannot. */
static gboolean
fill_sample(const CsSegTrainOptions *opt, const guint8 *gray, gsize stride, const float *mask,
            int width, int height, const char *what, Sample *s, GError **error)
{
  s->small = g_malloc((gsize)opt->width * (gsize)opt->height);
  s->small_mask = g_new(float, (gsize)opt->width *(gsize)opt->height);
  if (csnn_resample_u8(gray, width, height, stride, s->small, opt->width, opt->height) != CSNN_OK ||
      csnn_resample_f32(mask, width, height, (size_t)width * sizeof(float), s->small_mask,
                        opt->width, opt->height) != CSNN_OK) {
    g_set_error(error, CS_ERROR, CS_ERROR_ENGINE, "%s: %s", what, csnn_last_error());
    return FALSE;
  }
  return TRUE;
}

/* For a refiner: keeps the full-size @gray (rows @stride bytes apart) in @s and measures the
 * box of its mask (s->mask, s->width and s->height set). */
static void
keep_full(Sample *s, const guint8 *gray, gsize stride)
{
  double sx = 0.0, sy = 0.0, count = 0.0;
  int x0 = s->width, y0 = s->height, x1 = -1, y1 = -1;

  s->gray = g_malloc((gsize)s->width * (gsize)s->height);
  for (int y = 0; y < s->height; y++) {
    memcpy(s->gray + (gsize)y * (gsize)s->width, gray + (gsize)y * stride, (gsize)s->width);
    for (int x = 0; x < s->width; x++)
      if (s->mask[(gsize)y * (gsize)s->width + (gsize)x] != 0) {
        sx += x;
        sy += y;
        count += 1.0;
        x0 = MIN(x0, x);
        y0 = MIN(y0, y);
        x1 = MAX(x1, x);
        y1 = MAX(y1, y);
      }
  }
  if (count == 0.0) /* An empty extra mask: the frame's middle, a quarter of it. */
    memcpy(s->box, (double[4]){ s->width / 2.0, s->height / 2.0, s->width / 4.0, s->height / 4.0 },
           sizeof(s->box));
  else
    memcpy(s->box, (double[4]){ sx / count, sy / count, x1 - x0 + 1.0, y1 - y0 + 1.0 },
           sizeof(s->box));
}

static gboolean
load_sample(const CsSegTrainOptions *opt, const char *file, GHashTable *index, Sample *s,
            GError **error)
{
  g_autofree char *path = g_build_filename(opt->images_dir, file, NULL);
  g_autofree char *stem = g_strndup(file, strrchr(file, '.') - file);
  g_autofree char *mask_path = find_mask(opt->masks_dir, file, stem);
  g_autoptr(CsFrame) image = NULL;
  g_autoptr(CsFrame) mask = NULL;
  g_autofree float *full = NULL;
  gsize n;
  const char *patient = index != NULL ? g_hash_table_lookup(index, stem) : NULL;

  if (mask_path == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "%s: no mask called %s in %s", path, stem,
                opt->masks_dir);
    return FALSE;
  }
  if (index != NULL && patient == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: the index names no patient for %s", path,
                stem);
    return FALSE;
  }
  if ((image = read_gray(path, error)) == NULL || (mask = read_gray(mask_path, error)) == NULL)
    return FALSE;
  if (image->width != mask->width || image->height != mask->height) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s is %d x %d but its mask %s is %d x %d", path,
                image->width, image->height, mask_path, mask->width, mask->height);
    return FALSE;
  }
  s->name = g_steal_pointer(&stem);
  if (patient != NULL) {
    s->patient = g_strdup(patient);
  } else {
    const char *dash = strrchr(s->name, '-');
    s->patient = dash != NULL ? g_strndup(s->name, dash - s->name) : g_strdup(s->name);
  }
  s->width = image->width;
  s->height = image->height;
  n = (gsize)s->width * (gsize)s->height;
  s->mask = g_malloc(n);
  full = g_new(float, n);
  for (gsize y = 0; y < (gsize)s->height; y++)
    for (gsize x = 0; x < (gsize)s->width; x++) {
      int on = mask->data[y * (gsize)mask->stride + x] >= 128;
      s->mask[y * (gsize)s->width + x] = on ? 255 : 0;
      full[y * (gsize)s->width + x] = on ? 1.0f : 0.0f;
      s->mask_area += (gsize)on;
    }
  if (s->mask_area == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: the mask is empty", mask_path);
    return FALSE;
  }
  if (is_refiner(opt)) {
    keep_full(s, image->data, (gsize)image->stride);
    return TRUE;
  }
  return fill_sample(opt, image->data, (gsize)image->stride, full, s->width, s->height, path, s,
                     error);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends opt->extra to @samples as training images of no patient's fold. */
static gboolean
add_extra_samples(const CsSegTrainOptions *opt, GArray *samples, GError **error)
{
  for (int i = 0; i < opt->n_extra; i++) {
    const CsSegExtraImage *e = &opt->extra[i];
    gsize n = (gsize)e->width * (gsize)e->height;
    g_autofree float *full = g_new(float, n);
    Sample s = { 0 };

    s.name = g_strdup_printf("extra-%05d", i);
    s.patient = g_strdup("(extra)");
    s.fold = EXTRA_FOLD;
    s.width = e->width;
    s.height = e->height;
    for (gsize k = 0; k < n; k++)
      full[k] = e->mask[k] != 0 ? 1.0f : 0.0f;
    if (is_refiner(opt)) {
      s.mask = g_malloc(n);
      for (gsize k = 0; k < n; k++)
        s.mask[k] = e->mask[k] != 0 ? 255 : 0;
      keep_full(&s, e->gray, (gsize)e->width);
    } else if (!fill_sample(opt, e->gray, (gsize)e->width, full, e->width, e->height, s.name, &s,
                            error)) {
      sample_clear(&s);
      return FALSE;
    }
    g_array_append_val(samples, s);
  }
  return TRUE;
}

/* Loads every image of opt->images_dir with its mask and patient. */
static GArray *
load_samples(const CsSegTrainOptions *opt, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open(opt->images_dir, 0, error);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) index = NULL;
  g_autofree char *default_index = NULL;
  const char *index_path = opt->index_csv, *name;
  g_autoptr(GArray) samples = g_array_new(FALSE, TRUE, sizeof(Sample));

  g_array_set_clear_func(samples, sample_clear);
  if (dir == NULL)
    return NULL;
  if (index_path == NULL) {
    g_autofree char *parent = g_path_get_dirname(opt->images_dir);
    default_index = g_build_filename(parent, "index.csv", NULL);
    if (g_file_test(default_index, G_FILE_TEST_IS_REGULAR))
      index_path = default_index;
  }
  if (index_path != NULL && (index = read_index(index_path, error)) == NULL)
    return NULL;
  while ((name = g_dir_read_name(dir)) != NULL)
    if (is_image_name(name) && strchr(name, '.') != NULL)
      g_ptr_array_add(files, g_strdup(name));
  g_ptr_array_sort(files, compare_strings);
  if (opt->max_images > 0 && files->len > (guint)opt->max_images)
    g_ptr_array_set_size(files, (guint)opt->max_images);
  if (files->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "%s holds no images", opt->images_dir);
    return NULL;
  }
  for (guint i = 0; i < files->len; i++) {
    Sample s = { 0 };
    if (!load_sample(opt, files->pdata[i], index, &s, error)) {
      sample_clear(&s);
      return NULL;
    }
    g_array_append_val(samples, s);
  }
  return g_steal_pointer(&samples);
}

/* Deals the patients, shuffled, into @folds folds and marks every sample with its patient's. */
static int
assign_folds(GArray *samples, int folds, guint64 *rng)
{
  g_autoptr(GHashTable) fold_of = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) patients = g_ptr_array_new();

  for (guint i = 0; i < samples->len; i++) {
    Sample *s = &g_array_index(samples, Sample, i);
    if (!g_hash_table_contains(fold_of, s->patient)) {
      g_hash_table_insert(fold_of, s->patient, NULL);
      g_ptr_array_add(patients, s->patient);
    }
  }
  /* Patients in name order, then a Fisher-Yates shuffle. */
  g_ptr_array_sort(patients, compare_strings);
  for (guint i = patients->len; i > 1; i--) {
    guint j = (guint)(cs_splitmix64(rng) % i);
    gpointer t = patients->pdata[i - 1];
    patients->pdata[i - 1] = patients->pdata[j];
    patients->pdata[j] = t;
  }
  for (guint i = 0; i < patients->len; i++)
    g_hash_table_insert(fold_of, patients->pdata[i],
                        GINT_TO_POINTER(folds > 0 ? (int)(i % (guint)folds) : -1));
  for (guint i = 0; i < samples->len; i++) {
    Sample *s = &g_array_index(samples, Sample, i);
    s->fold = GPOINTER_TO_INT(g_hash_table_lookup(fold_of, s->patient));
  }
  return (int)patients->len;
}

/* ---- augmentation ---- */

static double
uniform(guint64 *rng, double lo, double hi)
{
  return lo + (hi - lo) * cs_splitmix64_uniform(rng);
}

static double
normal(guint64 *rng)
{
  double u1 = cs_splitmix64_uniform(rng), u2 = cs_splitmix64_uniform(rng);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * G_PI * u2);
}

/* Bilinear sample of a @w x @h float image at (@x, @y); 0 outside. */
static float
sample_at(const float *img, int w, int h, double x, double y)
{
  int x0 = (int)floor(x), y0 = (int)floor(y);
  double fx = x - x0, fy = y - y0, v = 0.0;

  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++) {
      int xx = x0 + dx, yy = y0 + dy;
      double wgt = (dx ? fx : 1.0 - fx) * (dy ? fy : 1.0 - fy);
      if (xx >= 0 && yy >= 0 && xx < w && yy < h)
        v += wgt * img[(gsize)yy * (gsize)w + (gsize)xx];
    }
  return (float)v;
}

/* A box mean of radius @r over @src into @dst (@tmp as big), edges clamped. */
static void
box_mean(const float *src, int w, int h, int r, float *tmp, float *dst)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double s = 0.0;
      for (int k = -r; k <= r; k++)
        s += src[(gsize)y * (gsize)w + (gsize)CLAMP(x + k, 0, w - 1)];
      tmp[(gsize)y * (gsize)w + (gsize)x] = (float)(s / (2 * r + 1));
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double s = 0.0;
      for (int k = -r; k <= r; k++)
        s += tmp[(gsize)CLAMP(y + k, 0, h - 1) * (gsize)w + (gsize)x];
      dst[(gsize)y * (gsize)w + (gsize)x] = (float)(s / (2 * r + 1));
    }
}

/* A Gaussian blur of @sigma pixels (a 7-tap kernel each way) in place. */
static void
blur(float *img, int w, int h, double sigma, float *tmp)
{
  double k[7], sum = 0.0;

  for (int i = 0; i < 7; i++)
    sum += k[i] = exp(-0.5 * (i - 3) * (i - 3) / (sigma * sigma));
  for (int i = 0; i < 7; i++)
    k[i] /= sum;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double s = 0.0;
      for (int i = 0; i < 7; i++)
        s += k[i] * img[(gsize)y * (gsize)w + (gsize)CLAMP(x + i - 3, 0, w - 1)];
      tmp[(gsize)y * (gsize)w + (gsize)x] = (float)s;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double s = 0.0;
      for (int i = 0; i < 7; i++)
        s += k[i] * tmp[(gsize)CLAMP(y + i - 3, 0, h - 1) * (gsize)w + (gsize)x];
      img[(gsize)y * (gsize)w + (gsize)x] = (float)s;
    }
}

/* The photometric half: gain, gamma, attenuation, local contrast, speckle and blur on @img
 * (0..1) in place. */
static void
augment_intensity(float *img, int w, int h, guint64 *rng, float *t1, float *t2)
{
  gsize n = (gsize)w * (gsize)h;
  double gain = exp(uniform(rng, log(0.7), log(1.4)));
  double gamma = exp(uniform(rng, log(0.7), log(1.4)));
  double atten = uniform(rng, -0.3, 0.8);
  double contrast = uniform(rng, 0.7, 1.5), speckle = uniform(rng, 0.0, 0.25);
  double sigma = uniform(rng, 0.3, 1.2);
  gboolean do_atten = cs_splitmix64_uniform(rng) < 0.5;
  gboolean do_contrast = cs_splitmix64_uniform(rng) < 0.5;
  gboolean do_speckle = cs_splitmix64_uniform(rng) < 0.3;
  gboolean do_blur = cs_splitmix64_uniform(rng) < 0.3;

  for (int y = 0; y < h; y++) {
    double a = do_atten ? exp(-atten * y / h) : 1.0;
    for (int x = 0; x < w; x++) {
      float *p = &img[(gsize)y * (gsize)w + (gsize)x];
      *p = (float)(gain * a * pow(CLAMP(*p, 0.0f, 1.0f), gamma));
    }
  }
  if (do_contrast) {
    box_mean(img, w, h, 8, t1, t2);
    for (gsize i = 0; i < n; i++)
      img[i] = (float)(t2[i] + contrast * (img[i] - t2[i]));
  }
  if (do_speckle)
    for (gsize i = 0; i < n; i++)
      img[i] *= (float)MAX(0.0, 1.0 + speckle * normal(rng));
  if (do_blur)
    blur(img, w, h, sigma, t1);
  for (gsize i = 0; i < n; i++)
    img[i] = CLAMP(img[i], 0.0f, 1.0f);
}

/* Writes sample @s, augmented when @rng is not NULL, as the network's normalised input and its
 * 0/1 target. @work holds 4 images of floats. */
static void
make_input(const Sample *s, int w, int h, const csnn_norm *norm, guint64 *rng, float *input,
           float *target, float *work)
{
  gsize n = (gsize)w * (gsize)h;
  float *img = work, *t1 = work + n, *t2 = work + 2 * n;

  for (gsize i = 0; i < n; i++)
    img[i] = s->small[i] / 255.0f;
  memcpy(target, s->small_mask, n * sizeof(float));
  if (rng != NULL) {
    gboolean flip = cs_splitmix64_uniform(rng) < 0.5;
    double angle = uniform(rng, -12.0, 12.0) * G_PI / 180.0, scale = uniform(rng, 0.85, 1.15);
    double tx = uniform(rng, -0.08, 0.08) * w, ty = uniform(rng, -0.08, 0.08) * h;
    double c = cos(angle) / scale, sn = sin(angle) / scale;
    float *mask2 = work + 3 * n;

    /* Output pixel p maps to the source at centre + R(-angle) (p - centre) / scale - shift. */
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        double dx = (flip ? (w - 1 - x) : x) - (w - 1) / 2.0, dy = y - (h - 1) / 2.0;
        double sx = c * dx + sn * dy + (w - 1) / 2.0 - tx;
        double sy = -sn * dx + c * dy + (h - 1) / 2.0 - ty;
        gsize o = (gsize)y * (gsize)w + (gsize)x;
        t1[o] = sample_at(img, w, h, sx, sy);
        mask2[o] = sample_at(s->small_mask, w, h, sx, sy);
      }
    memcpy(img, t1, n * sizeof(float));
    for (gsize i = 0; i < n; i++)
      target[i] = mask2[i] >= 0.5f ? 1.0f : 0.0f;
    augment_intensity(img, w, h, rng, t1, t2);
  } else {
    for (gsize i = 0; i < n; i++)
      target[i] = target[i] >= 0.5f ? 1.0f : 0.0f;
  }
  for (gsize i = 0; i < n; i++)
    input[i] = (img[i] - norm->mean[0]) / norm->std[0];
}

/* ---- two stages: the refiner's window ---- */

/* The refiner's window spans at least this share of the frame's width. */
#define MIN_WINDOW_SHARE 0.25

void
cs_seg_window_around(double cx, double cy, double box_w, double box_h, int frame_w, int net_w,
                     int net_h, CsSegWindow *window)
{
  double scale = MAX(box_w / (CS_SEG_WINDOW_FILL * net_w), box_h / (CS_SEG_WINDOW_FILL * net_h));

  window->cx = cx;
  window->cy = cy;
  window->scale = MAX(scale, MIN_WINDOW_SHARE * frame_w / net_w);
  window->angle = 0.0;
  window->flip = FALSE;
}

/* Bilinear sample of an 8-bit image at (@x, @y); 0 outside. */
static double
bilinear_u8(const guint8 *img, int w, int h, gsize stride, double x, double y)
{
  int x0 = (int)floor(x), y0 = (int)floor(y);
  double fx = x - x0, fy = y - y0, v = 0.0;

  if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h)
    return 0.0;
  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++) {
      int xx = x0 + dx, yy = y0 + dy;
      if (xx >= 0 && yy >= 0 && xx < w && yy < h)
        v += (dx ? fx : 1.0 - fx) * (dy ? fy : 1.0 - fy) * img[(gsize)yy * stride + (gsize)xx];
    }
  return v;
}

void
cs_seg_window_sample(const CsSegWindow *w, const guint8 *gray, int width, int height, gsize stride,
                     int net_w, int net_h, float *out)
{
  double c = cos(w->angle), sn = sin(w->angle);
  int taps = w->scale > 1.0 ? 2 : 1;
  double step = w->scale / taps;

  for (int v = 0; v < net_h; v++)
    for (int u = 0; u < net_w; u++) {
      double sum = 0.0;
      for (int ty = 0; ty < taps; ty++)
        for (int tx = 0; tx < taps; tx++) {
          double du = (u - (net_w - 1) / 2.0) * w->scale + (tx - (taps - 1) / 2.0) * step;
          double dv = (v - (net_h - 1) / 2.0) * w->scale + (ty - (taps - 1) / 2.0) * step;
          if (w->flip)
            du = -du;
          sum += bilinear_u8(gray, width, height, stride, w->cx + c * du - sn * dv,
                             w->cy + sn * du + c * dv);
        }
      out[(gsize)v * (gsize)net_w + (gsize)u] = (float)(sum / (taps * taps * 255.0));
    }
}

void
cs_seg_window_paste(const CsSegWindow *w, const float *prob, int net_w, int net_h, float *full,
                    int width, int height)
{
  double hx = (net_w - 1) / 2.0 * w->scale, hy = (net_h - 1) / 2.0 * w->scale;
  int x0 = MAX(0, (int)ceil(w->cx - hx)), x1 = MIN(width - 1, (int)floor(w->cx + hx));
  int y0 = MAX(0, (int)ceil(w->cy - hy)), y1 = MIN(height - 1, (int)floor(w->cy + hy));

  /* A network's sides are multiples of 2 (at least 2): u0 + 1 and v0 + 1 are inside. */
  for (int y = y0; y <= y1; y++) {
    double v = CLAMP((y - w->cy) / w->scale + (net_h - 1) / 2.0, 0.0, net_h - 1.0);
    int v0 = MIN((int)v, net_h - 2);
    double fv = v - v0;
    for (int x = x0; x <= x1; x++) {
      double u = CLAMP((x - w->cx) / w->scale + (net_w - 1) / 2.0, 0.0, net_w - 1.0);
      int u0 = MIN((int)u, net_w - 2);
      double fu = u - u0;
      const float *r0 = prob + (gsize)v0 * (gsize)net_w + (gsize)u0, *r1 = r0 + net_w;
      full[(gsize)y * (gsize)width + (gsize)x] =
          (float)((1.0 - fv) * ((1.0 - fu) * r0[0] + fu * r0[1]) +
                  fv * ((1.0 - fu) * r1[0] + fu * r1[1]));
    }
  }
}

/* cs_seg_refine_map() around @location, the largest region of @full's locator map (already
 * found by the caller). */
static int
refine_around(csnn_seg *refine, const guint8 *gray, int width, int height, gsize stride,
              const CsNerveLocation *location, float *full, float *input, float *prob,
              CsSegWindow *window)
{
  const csnn_seg_shape *shape = csnn_seg_get_shape(refine);
  const csnn_norm *norm = csnn_seg_norm(refine);
  gsize n = (gsize)shape->width * (gsize)shape->height;
  CsSegWindow w;
  int status;

  if (location->area_px == 0) {
    if (window != NULL)
      memset(window, 0, sizeof(*window));
    return CSNN_OK;
  }
  cs_seg_window_around(location->x, location->y, location->x1 - location->x0 + 1.0,
                       location->y1 - location->y0 + 1.0, width, shape->width, shape->height, &w);
  cs_seg_window_sample(&w, gray, width, height, stride, shape->width, shape->height, input);
  for (gsize i = 0; i < n; i++)
    input[i] = (input[i] - norm->mean[0]) / norm->std[0];
  if ((status = csnn_seg_forward(refine, input, 1, prob, NULL)) != CSNN_OK)
    return status;
  cs_seg_window_paste(&w, prob, shape->width, shape->height, full, width, height);
  if (window != NULL)
    *window = w;
  return CSNN_OK;
}

int
cs_seg_refine_map(csnn_seg *refine, const guint8 *gray, int width, int height, gsize stride,
                  float *full, float *input, float *prob, CsSegWindow *window)
{
  CsNerveLocation location;

  cs_nerve_locate_prob(full, width, height, NULL, &location, NULL);
  return refine_around(refine, gray, width, height, stride, &location, full, input, prob, window);
}

/* Writes sample @s's refiner window, with the locator's errors, rotation, mirror and photometric
 * augmentation drawn from @rng when not NULL, as the refiner's normalised input and its 0/1
 * target. @work holds 3 images of floats. */
static void
make_refine_input(const Sample *s, int w, int h, const csnn_norm *norm, guint64 *rng, float *input,
                  float *target, float *work)
{
  gsize n = (gsize)w * (gsize)h;
  float *img = work, *t1 = work + n, *t2 = work + 2 * n;
  CsSegWindow win;

  cs_seg_window_around(s->box[0], s->box[1], s->box[2], s->box[3], s->width, w, h, &win);
  if (rng != NULL) {
    double jx = uniform(rng, -0.12, 0.12), jy = uniform(rng, -0.12, 0.12);
    double js = exp(uniform(rng, log(0.8), log(1.4)));

    win.scale *= js;
    win.cx += jx * w * win.scale;
    win.cy += jy * h * win.scale;
    win.angle = uniform(rng, -12.0, 12.0) * G_PI / 180.0;
    win.flip = cs_splitmix64_uniform(rng) < 0.5;
  }
  cs_seg_window_sample(&win, s->gray, s->width, s->height, (gsize)s->width, w, h, img);
  cs_seg_window_sample(&win, s->mask, s->width, s->height, (gsize)s->width, w, h, target);
  for (gsize i = 0; i < n; i++)
    target[i] = target[i] >= 0.5f ? 1.0f : 0.0f;
  if (rng != NULL)
    augment_intensity(img, w, h, rng, t1, t2);
  for (gsize i = 0; i < n; i++)
    input[i] = (img[i] - norm->mean[0]) / norm->std[0];
}

/* ---- evaluation ---- */

gboolean
cs_seg_uses_flip(const csnn_seg *seg)
{
  const char *v = csnn_seg_metadata(seg, CS_SEG_FLIP_KEY);
  return v != NULL && strcmp(v, "1") == 0;
}

int
cs_seg_predict(csnn_seg *seg, const float *input, gboolean flip, float *prob, float *plain)
{
  const csnn_seg_shape *shape = csnn_seg_get_shape(seg);
  int status;

  if (flip)
    return csnn_seg_forward_flip(seg, input, prob, plain);
  status = csnn_seg_forward(seg, input, 1, prob, NULL);
  if (status == CSNN_OK && plain != NULL)
    memcpy(plain, prob, (gsize)shape->width * (gsize)shape->height * sizeof(float));
  return status;
}

int
cs_seg_load_locators(const char *path, csnn_seg **out, GError **error)
{
  csnn_safetensors *st;
  int status, n = 0;

  G_STATIC_ASSERT(CS_SEG_MAX_LOCATORS == CSNN_SEG_MAX_MEMBERS);
  if ((status = csnn_safetensors_open(path, &st)) != CSNN_OK) {
    cs_error_from_engine(error, status, path);
    return 0;
  }
  status = csnn_seg_load_part(st, path, "", &out[0]);
  n = status == CSNN_OK ? 1 : 0;
  while (status == CSNN_OK && n < CS_SEG_MAX_LOCATORS) {
    char prefix[32], key[48];

    csnn_seg_member_prefix(n, prefix, sizeof(prefix));
    g_snprintf(key, sizeof(key), "%sarch", prefix);
    if (csnn_safetensors_metadata(st, key) == NULL)
      break;
    if ((status = csnn_seg_load_part(st, path, prefix, &out[n])) == CSNN_OK)
      n++;
  }
  csnn_safetensors_close(st);
  if (status != CSNN_OK) {
    for (int i = 0; i < n; i++)
      csnn_seg_free(out[i]);
    cs_error_from_engine(error, status, path);
    return 0;
  }
  for (int i = 1; i < n; i++) {
    const csnn_seg_shape *a = csnn_seg_get_shape(out[0]), *b = csnn_seg_get_shape(out[i]);

    if (a->width != b->width || a->height != b->height) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "%s: its locators differ in input size (%d x %d and %d x %d); an ensemble's "
                  "maps are averaged at one size",
                  path, a->width, a->height, b->width, b->height);
      for (int k = 0; k < n; k++)
        csnn_seg_free(out[k]);
      return 0;
    }
  }
  return n;
}

int
cs_seg_locator_map(csnn_seg *const *locators, int n, gboolean flip, const guint8 *gray, int width,
                   int height, gsize stride, float *input, float *prob, float *sum, float *full)
{
  const csnn_seg_shape *shape = csnn_seg_get_shape(locators[0]);
  gsize size = (gsize)shape->width * (gsize)shape->height;
  g_autofree guint8 *small = g_malloc(size);
  int status = csnn_resample_u8(gray, width, height, stride, small, shape->width, shape->height);

  /* The frame is resampled once for all; each network normalises it its own way. */
  for (int i = 0; i < n && status == CSNN_OK; i++) {
    csnn_seg_normalise(locators[i], small, input);
    status = cs_seg_predict(locators[i], input, flip, prob, NULL);
    if (status != CSNN_OK || n == 1)
      continue;
    for (gsize k = 0; k < size; k++)
      sum[k] = (i == 0 ? 0.0f : sum[k]) + prob[k];
  }
  if (status == CSNN_OK && n > 1)
    for (gsize k = 0; k < size; k++)
      sum[k] /= (float)n;
  if (status == CSNN_OK)
    status = csnn_resample_f32(n > 1 ? sum : prob, shape->width, shape->height,
                               (size_t)shape->width * sizeof(float), full, width, height);
  return status;
}

gsize
cs_seg_mask_from_prob(const float *prob, int net_w, int net_h, int width, int height, guint8 *mask)
{
  g_autofree float *full = g_new(float, (gsize)width *(gsize)height);
  CsNerveLocation location;

  if (csnn_resample_f32(prob, net_w, net_h, (size_t)net_w * sizeof(float), full, width, height) !=
      CSNN_OK) {
    memset(mask, 0, (gsize)width * (gsize)height);
    return 0;
  }
  /* The 8-connected regions above 0.5, the largest kept: the nerve finder's own rule. */
  cs_nerve_locate_prob(full, width, height, NULL, &location, mask);
  return location.area_px;
}

void
cs_seg_compare(const guint8 *a, const guint8 *b, gsize n, double *dice, double *iou)
{
  gsize na = 0, nb = 0, both = 0;

  for (gsize i = 0; i < n; i++) {
    int ia = a[i] != 0, ib = b[i] != 0;
    na += (gsize)ia;
    nb += (gsize)ib;
    both += (gsize)(ia & ib);
  }
  *dice = na + nb == 0 ? 1.0 : 2.0 * (double)both / (double)(na + nb);
  *iou = na + nb - both == 0 ? 1.0 : (double)both / (double)(na + nb - both);
}

static int
compare_doubles(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Per-image figures gathered by patient. */
typedef struct {
  GHashTable *by_patient; /* patient -> 4 doubles: Dice, IoU, area error sums and images. */
  int n_images, found;
} Tally;

static void
tally_add(Tally *t, const char *patient, double dice, double iou, double area_error)
{
  double *acc = g_hash_table_lookup(t->by_patient, patient);

  if (acc == NULL) {
    acc = g_new0(double, 4);
    g_hash_table_insert(t->by_patient, (gpointer)patient, acc);
  }
  acc[0] += dice;
  acc[1] += iou;
  acc[2] += area_error;
  acc[3] += 1.0;
  t->found += dice > 0.5;
  t->n_images++;
}

/* The figures by patient (each patient's mean over its images first). */
static void
tally_scores(const Tally *t, CsSegScores *out)
{
  g_autoptr(GArray) dices = g_array_new(FALSE, FALSE, sizeof(double));
  GHashTableIter iter;
  gpointer value;
  double iou_sum = 0.0, area_sum = 0.0;

  memset(out, 0, sizeof(*out));
  out->n_images = t->n_images;
  if (t->n_images == 0)
    return;
  g_hash_table_iter_init(&iter, t->by_patient);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    double *acc = value, d = acc[0] / acc[3];
    g_array_append_val(dices, d);
    out->dice_mean += d;
    iou_sum += acc[1] / acc[3];
    area_sum += acc[2] / acc[3];
  }
  out->n_patients = (int)dices->len;
  out->dice_mean /= dices->len;
  out->iou_mean = iou_sum / dices->len;
  out->area_error = area_sum / dices->len;
  out->found = (double)t->found / t->n_images;
  g_array_sort(dices, compare_doubles);
  out->dice_median = dices->len % 2 ? g_array_index(dices, double, dices->len / 2)
                                    : 0.5 * (g_array_index(dices, double, dices->len / 2 - 1) +
                                             g_array_index(dices, double, dices->len / 2));
}

/* Scores @mask, the nerve of sample @s (@area pixels) found at the image's size, into @t. */
static void
score_mask(const guint8 *mask, gsize area, const Sample *s, Tally *t, double *dice, double *iou)
{
  cs_seg_compare(mask, s->mask, (gsize)s->width * (gsize)s->height, dice, iou);
  tally_add(t, s->patient, *dice, *iou,
            fabs((double)area - (double)s->mask_area) / (double)s->mask_area);
}

/* Scores the network's map @prob of sample @s at the image's size into @t; returns the area. */
static gsize
score_map(const csnn_seg_shape *shape, const float *prob, const Sample *s, guint8 *mask, Tally *t,
          double *dice, double *iou)
{
  gsize area = cs_seg_mask_from_prob(prob, shape->width, shape->height, s->width, s->height, mask);

  score_mask(mask, area, s, t, dice, iou);
  return area;
}

/* Appends sample @s's CSV row: the kept rule's Dice, IoU and area, the true area, then the other
 * figures' (without the flip, or the locator's alone). */
static void
append_row(GString *rows, const Sample *s, double dice, double iou, gsize area, double dice2,
           double iou2, gsize area2)
{
  g_string_append_printf(rows,
                         "%s,%s,%.6f,%.6f,%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT
                         ",%.6f,%.6f,%" G_GSIZE_FORMAT "\n",
                         s->name, s->patient, dice, iou, area, s->mask_area, dice2, iou2, area2);
}

/* Runs the validation samples (fold @fold) through @seg, with the test-time flip when @flip, and
 * scores them by patient into @out, and without the flip from the same forwards into @noflip
 * (n_images 0 without @flip); appends a CSV row per image to @rows. */
static gboolean
validate(csnn_seg *seg, GArray *samples, int fold, gboolean flip, CsSegScores *out,
         CsSegScores *noflip, GString *rows, GError **error)
{
  const csnn_seg_shape *shape = csnn_seg_get_shape(seg);
  gsize n = (gsize)shape->width * (gsize)shape->height;
  g_autofree float *input = g_new(float, n), *target = g_new(float, n);
  g_autofree float *prob = g_new(float, n), *plain = g_new(float, n);
  g_autofree float *work = g_new(float, 4 * n);
  g_autoptr(GHashTable) by_patient = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) by_patient_noflip =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  Tally t = { by_patient, 0, 0 }, t_noflip = { by_patient_noflip, 0, 0 };

  for (guint i = 0; i < samples->len; i++) {
    Sample *s = &g_array_index(samples, Sample, i);
    g_autofree guint8 *mask = NULL;
    double dice, iou, dice_nf, iou_nf;
    gsize area, area_nf;
    int status;

    if (s->fold != fold)
      continue;
    make_input(s, shape->width, shape->height, csnn_seg_norm(seg), NULL, input, target, work);
    if ((status = cs_seg_predict(seg, input, flip, prob, plain)) != CSNN_OK)
      return cs_error_from_engine(error, status, "validation");
    mask = g_malloc((gsize)s->width * (gsize)s->height);
    area = score_map(shape, prob, s, mask, &t, &dice, &iou);
    if (flip) {
      area_nf = score_map(shape, plain, s, mask, &t_noflip, &dice_nf, &iou_nf);
    } else {
      area_nf = area;
      dice_nf = dice;
      iou_nf = iou;
    }
    append_row(rows, s, dice, iou, area, dice_nf, iou_nf, area_nf);
  }
  tally_scores(&t, out);
  tally_scores(&t_noflip, noflip);
  return TRUE;
}

/* Scores the two-stage rule with refiner @refine on the validation samples (fold @fold, their
 * locator maps made) by patient into @out, and the locator's maps alone into @located; appends a
 * CSV row per image to @rows. */
static gboolean
validate_refine(csnn_seg *refine, GArray *samples, int fold, CsSegScores *out, CsSegScores *located,
                GString *rows, GError **error)
{
  const csnn_seg_shape *shape = csnn_seg_get_shape(refine);
  gsize n = (gsize)shape->width * (gsize)shape->height;
  g_autofree float *input = g_new(float, n), *prob = g_new(float, n);
  g_autoptr(GHashTable) by_patient = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) by_patient_loc =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  Tally t = { by_patient, 0, 0 }, t_loc = { by_patient_loc, 0, 0 };

  for (guint i = 0; i < samples->len; i++) {
    Sample *s = &g_array_index(samples, Sample, i);
    gsize size = (gsize)s->width * (gsize)s->height;
    g_autofree guint8 *mask = NULL;
    g_autofree float *full = NULL;
    CsNerveLocation loc, loc_l;
    double dice, iou, dice_l, iou_l;
    int status;

    if (s->fold != fold)
      continue;
    mask = g_malloc(size);
    full = g_memdup2(s->located, size * sizeof(float));
    /* The locator's region alone, then the refiner around that same region. */
    cs_nerve_locate_prob(s->located, s->width, s->height, NULL, &loc_l, mask);
    score_mask(mask, loc_l.area_px, s, &t_loc, &dice_l, &iou_l);
    status = refine_around(refine, s->gray, s->width, s->height, (gsize)s->width, &loc_l, full,
                           input, prob, NULL);
    if (status != CSNN_OK)
      return cs_error_from_engine(error, status, "validation");
    cs_nerve_locate_prob(full, s->width, s->height, NULL, &loc, mask);
    score_mask(mask, loc.area_px, s, &t, &dice, &iou);
    append_row(rows, s, dice, iou, loc.area_px, dice_l, iou_l, loc_l.area_px);
  }
  tally_scores(&t, out);
  tally_scores(&t_loc, located);
  return TRUE;
}

/* The locators a refiner is trained for: every network of every file named. */
typedef struct {
  csnn_seg *nets[CS_SEG_MAX_LOCATORS];
  int n;
  char *sha256; /* The files' SHA-256, comma-separated. */
} Locators;

static void
locators_clear(Locators *l)
{
  for (int i = 0; i < l->n; i++)
    csnn_seg_free(l->nets[i]);
  g_clear_pointer(&l->sha256, g_free);
  l->n = 0;
}

/* Loads the locators of opt->locator_paths into @l (empty: not a refiner's run), all of one input
 * size and test-time flip. */
static gboolean
load_locators(const CsSegTrainOptions *opt, Locators *l, GError **error)
{
  g_autoptr(GString) sha = g_string_new(NULL);

  memset(l, 0, sizeof(*l));
  for (int f = 0; is_refiner(opt) && opt->locator_paths[f] != NULL; f++) {
    const char *path = opt->locator_paths[f];
    csnn_seg *nets[CS_SEG_MAX_LOCATORS];
    int n = cs_seg_load_locators(path, nets, error);

    if (n == 0)
      return FALSE;
    g_string_append_printf(sha, "%s%s", sha->len > 0 ? "," : "",
                           csnn_seg_sha256(nets[0]) != NULL ? csnn_seg_sha256(nets[0]) : "");
    for (int i = 0; i < n; i++) {
      const csnn_seg_shape *a = csnn_seg_get_shape(nets[i]);
      const csnn_seg_shape *b = l->n > 0 ? csnn_seg_get_shape(l->nets[0]) : a;
      const char *why = l->n >= CS_SEG_MAX_LOCATORS ? "more locators than a file holds"
                        : a->width != b->width || a->height != b->height
                            ? "locators of another input size"
                        : l->n > 0 && cs_seg_uses_flip(nets[i]) != cs_seg_uses_flip(l->nets[0])
                            ? "locators that differ in the test-time flip"
                            : NULL;

      if (why != NULL) {
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "%s: %s; an ensemble's maps are averaged at one size, taken one way (at "
                    "most %d locators)",
                    path, why, CS_SEG_MAX_LOCATORS);
        for (int k = i; k < n; k++)
          csnn_seg_free(nets[k]);
        return FALSE;
      }
      l->nets[l->n++] = nets[i];
    }
  }
  l->sha256 = g_string_free(g_steal_pointer(&sha), FALSE);
  return TRUE;
}

/* Runs the locators @l on each validation sample (fold @fold) once: their map at the image's
 * size. */
static gboolean
locate_validation(const Locators *l, GArray *samples, int fold, GError **error)
{
  const csnn_seg_shape *shape = csnn_seg_get_shape(l->nets[0]);
  gsize n = (gsize)shape->width * (gsize)shape->height;
  g_autofree float *input = g_new(float, n), *prob = g_new(float, n), *sum = g_new(float, n);
  gboolean flip = cs_seg_uses_flip(l->nets[0]);

  for (guint i = 0; i < samples->len && fold >= 0; i++) {
    Sample *s = &g_array_index(samples, Sample, i);
    int status;

    if (s->fold != fold)
      continue;
    s->located = g_new(float, (gsize)s->width *(gsize)s->height);
    status = cs_seg_locator_map(l->nets, l->n, flip, s->gray, s->width, s->height, (gsize)s->width,
                                input, prob, sum, s->located);
    if (status != CSNN_OK)
      return cs_error_from_engine(error, status, "locating the nerve");
  }
  return TRUE;
}

/* ---- training ---- */

/* The training images' mean and standard deviation of x/255, the network's normalisation. */
static void
measure_norm(GArray *samples, int fold, gsize n, float *mean, float *std)
{
  double s = 0.0, s2 = 0.0, count = 0.0;

  for (guint i = 0; i < samples->len; i++) {
    const Sample *smp = &g_array_index(samples, Sample, i);
    if (smp->fold == fold && fold >= 0)
      continue;
    for (gsize k = 0; k < n; k++) {
      double v = smp->small[k] / 255.0;
      s += v;
      s2 += v * v;
    }
    count += (double)n;
  }
  *mean = (float)(s / count);
  *std = (float)MAX(sqrt(MAX(s2 / count - (s / count) * (s / count), 0.0)), 1e-3);
}

/* The refiner's mean and standard deviation of x/255 over the training images' windows around
 * their masks, without augmentation. */
static void
measure_norm_refine(GArray *samples, int fold, int w, int h, float *mean, float *std)
{
  gsize n = (gsize)w * (gsize)h;
  g_autofree float *input = g_new(float, n), *target = g_new(float, n);
  g_autofree float *work = g_new(float, 3 * n);
  csnn_norm unit = { { 0.0f, 0.0f, 0.0f }, { 1.0f, 1.0f, 1.0f } };
  double s = 0.0, s2 = 0.0, count = 0.0;

  for (guint i = 0; i < samples->len; i++) {
    const Sample *smp = &g_array_index(samples, Sample, i);
    if (smp->fold == fold && fold >= 0)
      continue;
    make_refine_input(smp, w, h, &unit, NULL, input, target, work);
    for (gsize k = 0; k < n; k++) {
      s += input[k];
      s2 += (double)input[k] * input[k];
    }
    count += (double)n;
  }
  *mean = (float)(s / count);
  *std = (float)MAX(sqrt(MAX(s2 / count - (s / count) * (s / count), 0.0)), 1e-3);
}

static gboolean
save_checkpoint(csnn_seg *seg, const Locators *l, const CsSegTrainOptions *opt,
                const CsSegTrainSummary *sum, int n_val_patients, GError **error)
{
  csnn_seg *locator = l->n > 0 ? l->nets[0] : NULL;
  g_autofree char *ensemble =
      l->n > 1 ? g_strdup_printf("%d networks whose maps are averaged, the first ", l->n)
               : g_strdup("");
  g_autofree char *train_counts =
      opt->n_extra > 0
          ? g_strdup_printf("%d images of %d patients and %d phantom frames",
                            sum->n_train_images - opt->n_extra, sum->n_train_patients, opt->n_extra)
          : g_strdup_printf("%d images of %d patients", sum->n_train_images, sum->n_train_patients);
  g_autofree char *fold_seed_text =
      own_fold_seed(opt) && n_val_patients > 0
          ? g_strdup_printf(" dealt with seed %" G_GUINT64_FORMAT, opt->fold_seed)
          : g_strdup("");
  /* Without held-out patients there is no best epoch to choose: the last is kept. */
  g_autofree char *split =
      n_val_patients > 0 ? g_strdup_printf("patient folds %d%s, validation fold %d, %s epoch kept",
                                           opt->folds, fold_seed_text, opt->fold,
                                           opt->keep_last ? "the last" : "the best held-out")
                         : g_strdup("every patient trained on, the last epoch kept");
  g_autofree char *recipe = g_strdup_printf(
      "%sU-Net %dx%d base %d depth %d; Adam lr %g cosine, weight decay %g, batch %d, %d epochs, "
      "BCE + %g Dice; augmentation %s; seed %" G_GUINT64_FORMAT "; %s%s%s%s%s",
      locator != NULL ? "two stages: refiner " : "", opt->width, opt->height, opt->base, opt->depth,
      opt->lr, opt->weight_decay, opt->batch, opt->epochs, opt->dice_weight,
      opt->augment ? "on" : "off", opt->seed, split, opt->flip_test ? "; test-time flip" : "",
      locator != NULL ? "; the window around the located nerve, whose box fills at most half of "
                        "it; locator: "
                      : "",
      ensemble,
      locator != NULL && csnn_seg_metadata(locator, "recipe") != NULL
          ? csnn_seg_metadata(locator, "recipe")
          : "");
  g_autofree char *val =
      n_val_patients > 0
          ? g_strdup_printf("%d images of %d held-out patients (epoch %d): Dice mean %.4f, "
                            "median %.4f by patient; IoU %.4f; found %.4f of images; area "
                            "error %.4f",
                            sum->best.n_images, sum->best.n_patients, sum->best_epoch,
                            sum->best.dice_mean, sum->best.dice_median, sum->best.iou_mean,
                            sum->best.found, sum->best.area_error)
          : g_strdup("none: trained on every patient");
  g_autofree char *val_noflip =
      sum->best_noflip.n_images > 0
          ? g_strdup_printf(
                "%s (%s: Dice mean %.4f, median %.4f; IoU %.4f; found %.4f; area "
                "error %.4f)",
                val, locator != NULL ? "the locator alone" : "without the test-time flip",
                sum->best_noflip.dice_mean, sum->best_noflip.dice_median, sum->best_noflip.iou_mean,
                sum->best_noflip.found, sum->best_noflip.area_error)
          : g_strdup(val);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  /* Without a description, the data set's folder name: never a path of this machine. */
  g_autofree char *parent = g_path_get_dirname(opt->images_dir);
  g_autofree char *folder = g_path_get_basename(parent);
  g_autofree char *trained_on =
      opt->trained_on != NULL ? g_strdup(opt->trained_on)
                              : g_strdup_printf("expert nerve masks of the %s images", folder);
  g_autofree char *date = g_date_time_format_iso8601(now);
  const char *locator_sha = locator != NULL ? l->sha256 : NULL;
  const char *meta[] = { "task",
                         "median nerve segmentation",
                         "trained_on",
                         trained_on,
                         "training_data",
                         train_counts,
                         "recipe",
                         recipe,
                         "validation",
                         val_noflip,
                         "command",
                         opt->command_line != NULL ? opt->command_line : "",
                         "date",
                         date,
                         NULL,
                         NULL,
                         NULL,
                         NULL,
                         NULL };
  size_t k = 14;
  int status;

  /* A two-stage file runs its locator as the locator was trained: with its flip or without. */
  if (opt->flip_test || (locator != NULL && cs_seg_uses_flip(locator))) {
    meta[k++] = CS_SEG_FLIP_KEY;
    meta[k++] = "1";
  }
  if (locator_sha != NULL) {
    meta[k++] = "locator_sha256";
    meta[k++] = locator_sha;
  }
  status = locator != NULL ? csnn_seg_save_parts((const csnn_seg *const *)l->nets, l->n, seg,
                                                 opt->out_path, meta)
                           : csnn_seg_save(seg, opt->out_path, meta);
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, opt->out_path);
  return TRUE;
}

static gboolean
check_options(const CsSegTrainOptions *opt, GError **error)
{
  if (opt->images_dir == NULL || opt->masks_dir == NULL || opt->out_path == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "training needs images, masks and an output");
    return FALSE;
  }
  if (is_refiner(opt) && opt->flip_test) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "the test-time flip is the locator's to choose: a refiner runs its locator as "
                "the locator was trained");
    return FALSE;
  }
  if (opt->epochs < 1 || opt->batch < 1 || !(opt->lr > 0.0) || opt->folds < 0 ||
      (opt->folds > 0 && (opt->fold < 0 || opt->fold >= opt->folds)) || opt->folds == 1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "bad training options: epochs and batch must be positive, the learning rate "
                "too, folds 0 or at least 2 and the validation fold one of them");
    return FALSE;
  }
  return TRUE;
}

/* One epoch over the training samples in a fresh order; returns the mean loss or NAN. */
static double
train_epoch(csnn_seg *seg, csnn_seg_trainer *t, csnn_optim *optim, const CsSegTrainOptions *opt,
            GPtrArray *train, double lr, guint64 *rng, GError **error)
{
  const csnn_seg_shape *shape = csnn_seg_get_shape(seg);
  gsize n = (gsize)shape->width * (gsize)shape->height;
  g_autofree float *input = g_new(float, n *(gsize)opt->batch);
  g_autofree float *target = g_new(float, n *(gsize)opt->batch);
  g_autofree float *work = g_new(float, 4 * n);
  g_autofree guint *order = g_new(guint, train->len);
  double loss_sum = 0.0;
  int batches = 0;

  for (guint i = 0; i < train->len; i++)
    order[i] = i;
  for (guint i = train->len; i > 1; i--) {
    guint j = (guint)(cs_splitmix64(rng) % i), x = order[i - 1];
    order[i - 1] = order[j];
    order[j] = x;
  }
  /* The last partial batch is dropped: batch norm wants more than one image. */
  for (guint first = 0; first + (guint)opt->batch <= train->len; first += (guint)opt->batch) {
    float loss;
    int status;

    if (opt->stop != NULL && *opt->stop)
      break;
    for (int b = 0; b < opt->batch; b++)
      (is_refiner(opt) ? make_refine_input : make_input)(
          g_ptr_array_index(train, order[first + (guint)b]), shape->width, shape->height,
          csnn_seg_norm(seg), opt->augment ? rng : NULL, input + (gsize)b * n,
          target + (gsize)b * n, work);
    status = csnn_seg_trainer_step(t, input, target, opt->batch, opt->dice_weight, &loss, NULL);
    if (status != CSNN_OK) {
      cs_error_from_engine(error, status, "training step");
      return NAN;
    }
    csnn_optim_step(optim, lr);
    csnn_seg_params_changed(seg);
    loss_sum += loss;
    batches++;
  }
  return batches > 0 ? loss_sum / batches : 0.0;
}

gboolean
cs_seg_train_run(const CsSegTrainOptions *opt, CsSegTrainProgressFunc progress, gpointer user_data,
                 CsSegTrainSummary *summary, GError **error)
{
  csnn_seg_shape shape = { opt->height, opt->width, opt->base, opt->depth };
  g_autoptr(GArray) samples = NULL;
  g_autoptr(GPtrArray) train = g_ptr_array_new();
  g_autoptr(GHashTable) train_patients = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GString) rows = g_string_new(NULL);
  guint64 rng = opt->seed * 0x9E3779B97F4A7C15ull + 11;
  guint64 fold_rng = opt->fold_seed * 0x9E3779B97F4A7C15ull + 11;
  csnn_seg *seg = NULL;
  Locators locators = { { NULL }, 0, NULL };
  csnn_seg_trainer *t = NULL;
  csnn_optim *optim = NULL;
  csnn_lr_schedule schedule = { CSNN_LR_COSINE, opt->lr, 0, 0.0 };
  gint64 start = g_get_monotonic_time();
  int val_fold = opt->folds > 0 ? opt->fold : -1, status, n_val_patients = 0;
  float mean, std;
  gboolean ok = FALSE, saved = FALSE;

  memset(summary, 0, sizeof(*summary));
  if (!check_options(opt, error))
    return FALSE;
  if (!load_locators(opt, &locators, error))
    return FALSE;
  if ((samples = load_samples(opt, error)) == NULL)
    goto out;
  if (assign_folds(samples, opt->folds, own_fold_seed(opt) ? &fold_rng : &rng) <
      MAX(opt->folds, 1)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%u images have fewer patients than %d folds",
                samples->len, opt->folds);
    goto out;
  }
  if (!add_extra_samples(opt, samples, error) ||
      (locators.n > 0 && !locate_validation(&locators, samples, val_fold, error)))
    goto out;
  for (guint i = 0; i < samples->len; i++) {
    Sample *s = &g_array_index(samples, Sample, i);
    if (s->fold == val_fold && val_fold >= 0)
      continue;
    g_ptr_array_add(train, s);
    if (s->fold != EXTRA_FOLD)
      g_hash_table_add(train_patients, s->patient);
  }
  summary->n_train_images = (int)train->len;
  summary->n_train_patients = (int)g_hash_table_size(train_patients);
  if (train->len < (guint)MAX(opt->batch, 2)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%u training images are fewer than a batch of %d", train->len, opt->batch);
    goto out;
  }
  if ((status = csnn_seg_new(&shape, &seg)) != CSNN_OK) {
    cs_error_from_engine(error, status, "the U-Net");
    goto out;
  }
  csnn_seg_init_random(seg, opt->seed);
  if (locators.n > 0)
    measure_norm_refine(samples, val_fold, shape.width, shape.height, &mean, &std);
  else
    measure_norm(samples, val_fold, (gsize)shape.width * (gsize)shape.height, &mean, &std);
  csnn_seg_set_norm(seg, mean, std);
  if ((status = csnn_seg_trainer_new(seg, opt->batch, opt->threads, &t)) != CSNN_OK ||
      (status = csnn_optim_new(CSNN_OPTIM_ADAM, &optim)) != CSNN_OK) {
    cs_error_from_engine(error, status, "the trainer");
    goto out;
  }
  csnn_optim_set_hyper(optim, 0.9, 0.9, 0.999, 1e-8, opt->weight_decay);
  for (size_t i = 0; i < csnn_seg_n_params(seg); i++) {
    int decay;
    if (csnn_seg_param_trainable(seg, i, &decay))
      csnn_optim_add(optim, csnn_seg_param(seg, i)->data, csnn_seg_trainer_grad(t, i),
                     csnn_seg_param(seg, i)->numel, decay);
  }
  summary->best.dice_mean = -1.0;
  for (int epoch = 1; epoch <= opt->epochs; epoch++) {
    CsSegTrainProgress p = { .epoch = epoch, .epochs = opt->epochs };
    double lr = csnn_lr_at(&schedule, epoch - 1, opt->epochs);

    p.loss = train_epoch(seg, t, optim, opt, train, lr, &rng, error);
    if (isnan(p.loss))
      goto out;
    summary->epochs_run = epoch;
    if (opt->stop != NULL && *opt->stop) {
      summary->stopped = TRUE;
      break;
    }
    g_string_assign(rows, "image,patient,dice,iou,area_px,true_area_px,dice_noflip,iou_noflip,"
                          "area_px_noflip\n");
    if (locators.n > 0)
      g_string_assign(rows, "image,patient,dice,iou,area_px,true_area_px,dice_locator,"
                            "iou_locator,area_px_locator\n");
    if (val_fold >= 0 && locators.n > 0 &&
        !validate_refine(seg, samples, val_fold, &p.val, &p.val_noflip, rows, error))
      goto out;
    if (val_fold >= 0 && locators.n == 0 &&
        !validate(seg, samples, val_fold, opt->flip_test, &p.val, &p.val_noflip, rows, error))
      goto out;
    n_val_patients = p.val.n_patients;
    if (val_fold < 0 || opt->keep_last || p.val.dice_mean > summary->best.dice_mean) {
      summary->best = p.val;
      summary->best_noflip = p.val_noflip;
      summary->best_epoch = epoch;
      if (!save_checkpoint(seg, &locators, opt, summary, n_val_patients, error))
        goto out;
      if (opt->val_csv != NULL && val_fold >= 0 &&
          !g_file_set_contents(opt->val_csv, rows->str, (gssize)rows->len, error))
        goto out;
      saved = TRUE;
    }
    p.best_dice = summary->best.dice_mean;
    p.seconds = (double)(g_get_monotonic_time() - start) / 1e6;
    if (progress != NULL)
      progress(&p, user_data);
  }
  if (!saved) {
    g_set_error(error, CS_ERROR, CS_ERROR_CANCELLED,
                "stopped before the first epoch ended: "
                "nothing was written");
    goto out;
  }
  ok = TRUE;
out:
  summary->seconds = (double)(g_get_monotonic_time() - start) / 1e6;
  csnn_optim_free(optim);
  csnn_seg_trainer_free(t);
  csnn_seg_free(seg);
  locators_clear(&locators);
  return ok;
}
