/* cs-slic.c — SLIC superpixels and grid cells on 8-bit gray images
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-slic.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
cs_slic_params_init(CsSlicParams *params)
{
  params->n_segments = 50;
  params->compactness = 0.1;
  params->sigma = 1.5;
  params->max_iter = 10;
  params->enforce_connectivity = 1;
  params->min_size_factor = 0.5;
}

/* Mirrors an index into 0 .. n-1 with the edge sample repeated (d c b a | a b c d), which is
 * scipy.ndimage's "reflect" and keeps flat borders flat. */
static int
mirror_index(int i, int n)
{
  if (n == 1)
    return 0;
  for (;;) {
    if (i < 0)
      i = -i - 1;
    else if (i >= n)
      i = 2 * n - i - 1;
    else
      return i;
  }
}

int
cs_gaussian_blur_f32(const float *src, int width, int height, double sigma, float *dst)
{
  if (sigma <= 0) {
    if (dst != src)
      memmove(dst, src, (size_t)width * height * sizeof(float));
    return 0;
  }
  int radius = (int)(4.0 * sigma + 0.5);
  float *kernel = malloc((size_t)(2 * radius + 1) * sizeof(float));
  float *tmp = malloc((size_t)width * height * sizeof(float));
  float *line = malloc((size_t)(width > height ? width : height) * sizeof(float));
  if (kernel == NULL || tmp == NULL || line == NULL) {
    free(kernel);
    free(tmp);
    free(line);
    return -1;
  }
  double sum = 0;
  for (int k = -radius; k <= radius; k++) {
    kernel[k + radius] = (float)exp(-0.5 * k * k / (sigma * sigma));
    sum += kernel[k + radius];
  }
  for (int k = 0; k <= 2 * radius; k++)
    kernel[k] = (float)(kernel[k] / sum);

  /* Rows into tmp, then columns into dst; each pass reads a copy of its line so that @dst may
   * alias @src. */
  for (int y = 0; y < height; y++) {
    memcpy(line, src + (size_t)y * width, (size_t)width * sizeof(float));
    for (int x = 0; x < width; x++) {
      double acc = 0;
      for (int k = -radius; k <= radius; k++)
        acc += kernel[k + radius] * line[mirror_index(x + k, width)];
      tmp[(size_t)y * width + x] = (float)acc;
    }
  }
  for (int x = 0; x < width; x++) {
    for (int y = 0; y < height; y++)
      line[y] = tmp[(size_t)y * width + x];
    for (int y = 0; y < height; y++) {
      double acc = 0;
      for (int k = -radius; k <= radius; k++)
        acc += kernel[k + radius] * line[mirror_index(y + k, height)];
      dst[(size_t)y * width + x] = (float)acc;
    }
  }
  free(kernel);
  free(tmp);
  free(line);
  return 0;
}

/* The grid that both SLIC's seeds and the grid segmentation use: @nx x @ny cells, as close to
 * square as the crop allows, about @n_segments of them. */
static void
grid_shape(int width, int height, int n_segments, int *nx, int *ny)
{
  double step = sqrt((double)width * height / n_segments);

  *nx = (int)lround(width / step);
  *ny = (int)lround(height / step);
  if (*nx < 1)
    *nx = 1;
  if (*ny < 1)
    *ny = 1;
  if (*nx > width)
    *nx = width;
  if (*ny > height)
    *ny = height;
}

int
cs_segment_grid(int width, int height, int n_segments, int *labels)
{
  int nx, ny;

  if (width < 1 || height < 1 || n_segments < 1 || labels == NULL)
    return -1;
  grid_shape(width, height, n_segments, &nx, &ny);
  for (int y = 0; y < height; y++) {
    int cy = (int)((long)y * ny / height);
    for (int x = 0; x < width; x++)
      labels[(size_t)y * width + x] = cy * nx + (int)((long)x * nx / width);
  }
  return nx * ny;
}

typedef struct {
  double x, y, value;
} Centre;

/* Relabels @labels so that every label is one 4-connected region: fragments smaller than
 * @min_size join the region next to their first pixel (in raster order), as in Achanta's
 * reference implementation. Returns the number of labels, or -1 when memory ran out. */
static int
enforce_connectivity(int *labels, int width, int height, int min_size)
{
  size_t n = (size_t)width * height;
  int *out = malloc(n * sizeof(int));
  int *queue = malloc(n * sizeof(int));
  if (out == NULL || queue == NULL) {
    free(out);
    free(queue);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = -1;

  static const int dx[4] = { -1, 1, 0, 0 };
  static const int dy[4] = { 0, 0, -1, 1 };
  int next_label = 0;
  for (int y0 = 0; y0 < height; y0++) {
    for (int x0 = 0; x0 < width; x0++) {
      size_t start = (size_t)y0 * width + x0;
      if (out[start] >= 0)
        continue;
      /* The label of an already finished neighbour, for a fragment too small to stand alone. */
      int adjacent = -1;
      for (int k = 0; k < 4 && adjacent < 0; k++) {
        int xn = x0 + dx[k], yn = y0 + dy[k];
        if (xn >= 0 && xn < width && yn >= 0 && yn < height && out[(size_t)yn * width + xn] >= 0)
          adjacent = out[(size_t)yn * width + xn];
      }
      int original = labels[start];
      size_t head = 0, tail = 0;
      queue[tail++] = (int)start;
      out[start] = next_label;
      while (head < tail) {
        int p = queue[head++];
        int px = p % width, py = p / width;
        for (int k = 0; k < 4; k++) {
          int xn = px + dx[k], yn = py + dy[k];
          if (xn < 0 || xn >= width || yn < 0 || yn >= height)
            continue;
          size_t q = (size_t)yn * width + xn;
          if (out[q] < 0 && labels[q] == original) {
            out[q] = next_label;
            queue[tail++] = (int)q;
          }
        }
      }
      if ((long)tail < min_size && adjacent >= 0) {
        for (size_t i = 0; i < tail; i++)
          out[queue[i]] = adjacent;
      } else {
        next_label++;
      }
    }
  }
  memcpy(labels, out, n * sizeof(int));
  free(out);
  free(queue);
  return next_label;
}

/* Rescales @gray to [0,1] over the crop into @image, smooths it with @sigma and divides it by
 * @compactness so that SLIC's distance is a plain sum of squares. Returns 0, or -1 when memory
 * ran out. */
static int
slic_intensities(const uint8_t *gray, int width, int height, double sigma, double compactness,
                 float *image)
{
  size_t n = (size_t)width * height;
  uint8_t lo = 255, hi = 0;

  for (size_t i = 0; i < n; i++) {
    if (gray[i] < lo)
      lo = gray[i];
    if (gray[i] > hi)
      hi = gray[i];
  }
  float range = hi > lo ? (float)(hi - lo) : 1.0f;
  for (size_t i = 0; i < n; i++)
    image[i] = (float)(gray[i] - lo) / range;
  if (cs_gaussian_blur_f32(image, width, height, sigma, image) != 0)
    return -1;
  float ratio = (float)(1.0 / compactness);
  for (size_t i = 0; i < n; i++)
    image[i] *= ratio;
  return 0;
}

/* Seeds @centres at the centres of the @nx x @ny grid cells, each moved to the lowest gradient
 * in its 3 x 3 neighbourhood so that no seed starts on an edge. */
static void
slic_seed(const float *image, int width, int height, int nx, int ny, Centre *centres)
{
  double step_x = (double)width / nx, step_y = (double)height / ny;

  for (int j = 0; j < ny; j++) {
    for (int i = 0; i < nx; i++) {
      int cx = (int)((i + 0.5) * step_x), cy = (int)((j + 0.5) * step_y);
      int best_x = cx, best_y = cy;
      double best = DBL_MAX;
      for (int yy = cy - 1; yy <= cy + 1; yy++) {
        for (int xx = cx - 1; xx <= cx + 1; xx++) {
          if (xx < 1 || xx >= width - 1 || yy < 1 || yy >= height - 1)
            continue;
          double gx = image[(size_t)yy * width + xx + 1] - image[(size_t)yy * width + xx - 1];
          double gy = image[(size_t)(yy + 1) * width + xx] - image[(size_t)(yy - 1) * width + xx];
          if (gx * gx + gy * gy < best) {
            best = gx * gx + gy * gy;
            best_x = xx;
            best_y = yy;
          }
        }
      }
      Centre *c = &centres[j * nx + i];
      c->x = best_x;
      c->y = best_y;
      c->value = image[(size_t)best_y * width + best_x];
    }
  }
}

/* The assignment step of k-means: gives each pixel the label of the nearest of the @k_centres
 * within @reach of it, with @dist holding the distance so far. Distances in space are scaled by
 * @inv_step2, one over the grid step squared. */
static void
slic_assign(const float *image, int width, int height, const Centre *centres, int k_centres,
            int reach, double inv_step2, float *dist, int *labels)
{
  for (size_t i = 0; i < (size_t)width * height; i++)
    dist[i] = FLT_MAX;
  for (int k = 0; k < k_centres; k++) {
    const Centre *c = &centres[k];
    int x0 = (int)c->x - reach, x1 = (int)c->x + reach;
    int y0 = (int)c->y - reach, y1 = (int)c->y + reach;
    if (x0 < 0)
      x0 = 0;
    if (y0 < 0)
      y0 = 0;
    if (x1 > width - 1)
      x1 = width - 1;
    if (y1 > height - 1)
      y1 = height - 1;
    for (int y = y0; y <= y1; y++) {
      double ddy = (y - c->y) * (y - c->y);
      for (int x = x0; x <= x1; x++) {
        size_t p = (size_t)y * width + x;
        double dv = image[p] - c->value;
        double d = dv * dv + (ddy + (x - c->x) * (x - c->x)) * inv_step2;
        if (d < dist[p]) {
          dist[p] = (float)d;
          labels[p] = k;
        }
      }
    }
  }
}

/* The update step of k-means: moves each centre that has pixels to their mean position and
 * value. @sums holds 4 doubles per centre. */
static void
slic_update(const float *image, int width, int height, const int *labels, Centre *centres,
            int k_centres, double *sums)
{
  memset(sums, 0, (size_t)k_centres * 4 * sizeof(double));
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      size_t p = (size_t)y * width + x;
      double *s = &sums[(size_t)labels[p] * 4];
      s[0] += x;
      s[1] += y;
      s[2] += image[p];
      s[3] += 1;
    }
  }
  for (int k = 0; k < k_centres; k++) {
    const double *s = &sums[(size_t)k * 4];
    if (s[3] > 0) {
      centres[k].x = s[0] / s[3];
      centres[k].y = s[1] / s[3];
      centres[k].value = s[2] / s[3];
    }
  }
}

/* Renumbers the labels below @k_centres in order of first appearance so that every one in
 * 0 .. n-1 is used, with @map holding @k_centres ints. Returns their number. */
static int
compact_labels(int *labels, size_t n, int k_centres, int *map)
{
  int n_labels = 0;

  for (int k = 0; k < k_centres; k++)
    map[k] = -1;
  for (size_t i = 0; i < n; i++) {
    if (map[labels[i]] < 0)
      map[labels[i]] = n_labels++;
    labels[i] = map[labels[i]];
  }
  return n_labels;
}

int
cs_slic(const uint8_t *gray, int width, int height, const CsSlicParams *params, int *labels)
{
  if (gray == NULL || labels == NULL || params == NULL || width < 1 || height < 1 ||
      params->n_segments < 1 || !(params->compactness > 0) || params->sigma < 0 ||
      params->max_iter < 0 || (long)width * height > (1L << 28))
    return -1;

  size_t n = (size_t)width * height;
  int nx, ny;
  grid_shape(width, height, params->n_segments, &nx, &ny);
  int k_centres = nx * ny;
  float *image = malloc(n * sizeof(float));
  float *dist = malloc(n * sizeof(float));
  Centre *centres = malloc((size_t)k_centres * sizeof(Centre));
  double *sums = malloc((size_t)k_centres * 4 * sizeof(double));
  int n_labels = -1;
  if (image == NULL || dist == NULL || centres == NULL || sums == NULL ||
      slic_intensities(gray, width, height, params->sigma, params->compactness, image) != 0)
    goto out;
  slic_seed(image, width, height, nx, ny, centres);

  /* k-means restricted to a window of +-2S around each centre, as scikit-image does, so that
   * every pixel is reached even when centres drift. */
  double step_x = (double)width / nx, step_y = (double)height / ny;
  double step = step_x > step_y ? step_x : step_y;
  double inv_step2 = 1.0 / (step * step);
  int reach = (int)ceil(2 * step);
  for (size_t i = 0; i < n; i++)
    labels[i] = 0;
  for (int iter = 0; iter < params->max_iter; iter++) {
    slic_assign(image, width, height, centres, k_centres, reach, inv_step2, dist, labels);
    slic_update(image, width, height, labels, centres, k_centres, sums);
  }

  if (params->enforce_connectivity) {
    int min_size = (int)(params->min_size_factor * (double)n / k_centres);
    n_labels = enforce_connectivity(labels, width, height, min_size);
  } else {
    /* The sums are spent: their memory holds the map of labels. */
    n_labels = compact_labels(labels, n, k_centres, (int *)sums);
  }
out:
  free(image);
  free(dist);
  free(centres);
  free(sums);
  return n_labels;
}
