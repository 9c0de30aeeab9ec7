/* csnn-conv.c — 2-D convolution (forward; the backward kernels belong beside it)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three paths, one result. A depthwise convolution (one filter per channel) runs a direct kernel
 * over whole planes. Every other convolution is one GEMM per group and tile of output positions:
 * weight [c_out/g, K] x columns [K, tile], where K = c_in/g * kh * kw. The columns are the input
 * itself for a 1 x 1 convolution with stride 1 and no padding (NCHW makes the input plane the
 * GEMM's right-hand matrix) and an im2col copy of the tile otherwise. Tiling keeps the columns,
 * and the output tile to which bias and activation are applied, in the core's cache.
 */
#include "csnn-ops.h"

#include <cblas.h>
#include <string.h>

#include "csnn-ops-private.h"
#include "csnn-simd.h"

/* The im2col buffer of a thread stays near this many floats (256 KiB). */
#define CONV_TILE_TARGET_FLOATS 65536

/* When threads share a small convolution by output rows, each one's weights stay near this many
 * floats (256 KiB). */
#define CONV_RANGE_TARGET_FLOATS 65536

/* Threads share a depthwise convolution of planes this large (56 x 56 and up) by rows, smaller
 * ones by planes (see conv_depthwise_rows()). */
#define DEPTHWISE_ROWS_MIN 2048

/* A direct convolution pads its input planes into the thread's scratch up to this size (1 MiB). */
#define CONV_DIRECT_MAX_FLOATS 262144

int
csnn_conv2d_setup(csnn_conv2d_desc *d)
{
  int span_h, span_w;

  if (d->dil_h == 0)
    d->dil_h = 1;
  if (d->dil_w == 0)
    d->dil_w = 1;
  if (d->groups == 0)
    d->groups = 1;
  if (d->c_in <= 0 || d->c_out <= 0 || d->kh <= 0 || d->kw <= 0 || d->stride_h <= 0 ||
      d->stride_w <= 0 || d->pad_h < 0 || d->pad_w < 0 || d->dil_h < 0 || d->dil_w < 0 ||
      d->groups < 0 || d->h_in <= 0 || d->w_in <= 0)
    return csnn_set_error(CSNN_ERR_INVALID, "convolution: bad shape or hyper-parameters");
  if (d->c_in % d->groups != 0 || d->c_out % d->groups != 0)
    return csnn_set_error(CSNN_ERR_INVALID,
                          "convolution: %d input and %d output channels are not divisible by %d "
                          "groups",
                          d->c_in, d->c_out, d->groups);
  span_h = d->h_in + 2 * d->pad_h - d->dil_h * (d->kh - 1) - 1;
  span_w = d->w_in + 2 * d->pad_w - d->dil_w * (d->kw - 1) - 1;
  if (span_h < 0 || span_w < 0)
    return csnn_set_error(CSNN_ERR_INVALID,
                          "convolution: %d x %d kernel larger than the padded %d x %d input", d->kh,
                          d->kw, d->h_in, d->w_in);
  d->h_out = span_h / d->stride_h + 1;
  d->w_out = span_w / d->stride_w + 1;
  return CSNN_OK;
}

static int
conv_is_depthwise(const csnn_conv2d_desc *d)
{
  return d->groups > 1 && d->groups == d->c_in && d->groups == d->c_out;
}

static int
conv_is_pointwise(const csnn_conv2d_desc *d)
{
  return d->kh == 1 && d->kw == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 &&
         d->pad_w == 0;
}

static size_t
conv_k(const csnn_conv2d_desc *d)
{
  return (size_t)(d->c_in / d->groups) * (size_t)d->kh * (size_t)d->kw;
}

static size_t
conv_tile(const csnn_conv2d_desc *d)
{
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;
  size_t tile = CONV_TILE_TARGET_FLOATS / conv_k(d);

  tile = (tile + 15) / 16 * 16;
  if (tile < 64)
    tile = 64;
  return tile < hw ? tile : hw;
}

/* The packed kernel's tiles are whole 32-column blocks. */
static size_t
conv_tile_packed(const csnn_conv2d_desc *d)
{
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;
  size_t tile = conv_is_pointwise(d) ? 256 : CONV_TILE_TARGET_FLOATS / conv_k(d);

  tile = (tile + 31) / 32 * 32;
  if (tile < 64)
    tile = 64;
  return tile < hw ? tile : hw;
}

/* How threads share one convolution: the output columns of each (image, group) in n_tiles tiles
 * that start on whole units of columns, and the output rows in m_split ranges of whole panels of
 * CSNN_GEMM_MR rows. An item is one tile of one range; csnn_partition() deals the items out in
 * order. On the vector paths every output is the same chain of operations whichever item computes
 * it, so the split never changes a result; the portable path's OpenBLAS rounds a little
 * differently with the shape of its calls. */
typedef struct {
  size_t cols, unit, n_tiles;
  size_t tile; /* The width of every tile but the last; 0 when the tiles are dealt evenly. */
  int panels, m_split;
} conv_split;

/* Returns the first column of tile @t (t = n_tiles: the end). */
static size_t
split_tile_start(const conv_split *s, size_t t)
{
  size_t units = (s->cols + s->unit - 1) / s->unit;
  size_t start = s->tile != 0 ? t * s->tile : t * units / s->n_tiles * s->unit;

  return start < s->cols ? start : s->cols;
}

/* Sets the panels [q0, q1) of row range @m. */
static void
split_panels(const conv_split *s, int m, int *q0, int *q1)
{
  *q0 = (int)((long)m * s->panels / s->m_split);
  *q1 = (int)((long)(m + 1) * s->panels / s->m_split);
}

/* One item of a split: the columns [p0, p0 + len) of one tile, the panels [q0, q1) of one range,
 * of group g of image img. */
typedef struct {
  size_t p0, len, g, img;
  int q0, q1;
} split_item;

/* Sets @it to item @item of @s for a convolution of @groups groups (tiles vary fastest, then
 * ranges, groups and images). */
static void
split_item_at(const conv_split *s, int groups, size_t item, split_item *it)
{
  size_t t = item % s->n_tiles;
  size_t rest = item / s->n_tiles;

  split_panels(s, (int)(rest % (size_t)s->m_split), &it->q0, &it->q1);
  it->g = (rest / (size_t)s->m_split) % (size_t)groups;
  it->img = rest / (size_t)s->m_split / (size_t)groups;
  it->p0 = split_tile_start(s, t);
  it->len = split_tile_start(s, t + 1) - it->p0;
}

/* Plans @s for @outer (images x groups) times @cols columns and @panels panels of @panel_floats
 * weights, tiles of at most @tile columns (a multiple of @unit, or all the columns), on @nth
 * threads (@panel_floats 0: no ranges for the weights' sake). One thread takes tiles of @tile
 * columns, and, when @rows_freely, the rows in ranges whose weights are near
 * CONV_RANGE_TARGET_FLOATS, each range going through every tile while its weights are in cache.
 * Several threads deal the items out evenly:
 * - with at least as many tiles as threads, tiles that differ by one unit at most, more of them
 *   when that makes a whole number per thread (unless @fixed_tiles: the caller's tiles are the
 *   units); the rows are split too when that evens the shares out further and
 *   @rows_freely (an item that reads its columns in place; an im2col copy would be made again);
 * - with fewer (the small late layers), the rows in a multiple of @nth ranges, each range's
 *   weights near CONV_RANGE_TARGET_FLOATS, so that they stay in the core's cache while the
 *   kernel goes through the tile's columns.
 * A range keeps two panels at least. */
static void
split_plan(conv_split *s, size_t outer, size_t cols, size_t tile, size_t unit, int panels,
           size_t panel_floats, int nth, int fixed_tiles, int rows_freely)
{
  size_t units = (cols + unit - 1) / unit;
  size_t best = (size_t)-1, items;
  size_t want =
      ((size_t)panels * panel_floats + CONV_RANGE_TARGET_FLOATS - 1) / CONV_RANGE_TARGET_FLOATS;
  int m;

  s->cols = cols;
  s->unit = unit;
  s->panels = panels;
  s->n_tiles = fixed_tiles ? 1 : (cols + tile - 1) / tile;
  s->tile = fixed_tiles ? cols : tile;
  s->m_split = 1;
  if (nth <= 1) {
    /* Alone, rows in ranges whose weights stay in cache while it goes through every tile (the
     * small late layers: weights larger than their activations). */
    if (rows_freely && want > 1)
      s->m_split = want <= (size_t)panels / 2 ? (int)want : (panels / 2 > 1 ? panels / 2 : 1);
    return;
  }
  if (!fixed_tiles)
    s->tile = 0;
  if (outer * s->n_tiles < (size_t)nth) {
    m = want > (size_t)nth ? (int)((want + (size_t)nth - 1) / (size_t)nth) * nth : nth;
    s->m_split = m <= panels / 2 ? m : (panels / 2 > 1 ? panels / 2 : 1);
    return;
  }
  while (!fixed_tiles && (outer * s->n_tiles) % (size_t)nth != 0 && s->n_tiles < units)
    s->n_tiles++;
  items = outer * s->n_tiles;
  if (!rows_freely || items % (size_t)nth == 0)
    return;
  /* The largest share of a thread, in tile x panel work, for each row split: the fewest wins. */
  for (m = 1; m <= panels / 2 && m <= 4 * nth; m++) {
    size_t share =
        (items * (size_t)m + (size_t)nth - 1) / (size_t)nth * (size_t)((panels + m - 1) / m);

    if (share < best) {
      best = share;
      s->m_split = m;
    }
  }
}

/* The padded input planes of one group, as a direct convolution reads them. */
static size_t
conv_direct_padded_floats(const csnn_conv2d_desc *d)
{
  return (size_t)(d->c_in / d->groups) * (size_t)(d->h_in + 2 * d->pad_h) *
         (size_t)(d->w_in + 2 * d->pad_w);
}

/* Whether the packed path runs @d directly: a k x k convolution with stride 1 and no dilation
 * (SqueezeNet's 3 x 3 expand layers) reads each GEMM row of its input where it lies in a padded
 * copy of the planes, so no im2col is written. */
static int
conv_is_direct(const csnn_conv2d_desc *d)
{
  return !conv_is_depthwise(d) && !conv_is_pointwise(d) && d->stride_h == 1 && d->stride_w == 1 &&
         d->dil_h == 1 && d->dil_w == 1 && conv_direct_padded_floats(d) <= CONV_DIRECT_MAX_FLOATS;
}

size_t
csnn_conv2d_scratch_floats(const csnn_conv2d_desc *d)
{
  size_t plain, blocked, direct;

  if (conv_is_depthwise(d))
    return csnn__depthwise_ok(d) ? csnn__depthwise_scratch_floats(d) : 0;
  plain = conv_is_pointwise(d) ? 0 : conv_k(d) * conv_tile(d);
  /* The packed path: blocked columns of a tile, then one block for repacking. */
  blocked = conv_k(d) * ((conv_tile_packed(d) + 31) / 32 * 32) + conv_k(d) * 32 + 16;
  /* The direct path: the row offsets (ints), then the padded planes. */
  direct = conv_is_direct(d) ? (conv_k(d) + 15) / 16 * 16 + conv_direct_padded_floats(d) : 0;
  if (direct > blocked)
    blocked = direct;
  return plain > blocked ? plain : blocked;
}

/* Whether the packed GEMM (AVX2 or AVX-512) runs @d (every convolution but the depthwise ones). */
static int
conv_uses_packed_gemm(const csnn_conv2d_desc *d)
{
  return !conv_is_depthwise(d) && csnn__simd() != CSNN_SIMD_PORTABLE;
}

size_t
csnn_conv2d_packed_floats(const csnn_conv2d_desc *d)
{
  if (conv_uses_packed_gemm(d))
    return (size_t)d->groups * csnn__gemm_packed_floats(d->c_out / d->groups, (int)conv_k(d));
  return (size_t)d->c_out * conv_k(d);
}

void
csnn_conv2d_pack(const csnn_conv2d_desc *d, const float *weight, float *packed)
{
  size_t k = conv_k(d);
  int c_out_group = d->c_out / d->groups;

  if (!conv_uses_packed_gemm(d)) {
    memcpy(packed, weight, (size_t)d->c_out * k * sizeof(float));
    return;
  }
  for (int g = 0; g < d->groups; g++)
    csnn__gemm_pack(c_out_group, (int)k, weight + (size_t)g * (size_t)c_out_group * k,
                    packed + (size_t)g * csnn__gemm_packed_floats(c_out_group, (int)k));
}

/* Writes @run columns of one im2col row: dst[j] = row[ix + j * stride] where that lies inside the
 * row of @w_in values, else 0. The columns inside are found first, so the copy itself has no
 * test (the first convolution of every network, stride 2 over 224 columns, spent most of its
 * im2col time on the per-column tests). */
static void
gather_row(float *dst, const float *row, int ix, size_t run, int stride, int w_in)
{
  size_t j = 0, inside = 0;

  while (j < run && ix < 0) {
    dst[j++] = 0.0f;
    ix += stride;
  }
  if (j < run && ix < w_in) {
    inside = (size_t)((w_in - 1 - ix) / stride) + 1;
    if (inside > run - j)
      inside = run - j;
  }
  if (inside == 0) {
    /* Nothing inside: row + ix may lie beyond the row. */
  } else if (stride == 1) {
    memcpy(dst + j, row + ix, inside * sizeof(float));
  } else if (stride == 2) {
    const float *src = row + ix;
    float *out = dst + j;

    for (size_t t = 0; t < inside; t++)
      out[t] = src[2 * t];
  } else {
    for (size_t t = 0; t < inside; t++)
      dst[j + t] = row[ix + (int)t * stride];
  }
  j += inside;
  if (j < run)
    memset(dst + j, 0, (run - j) * sizeof(float));
}

/* Copies the input patches of output positions [p0, p0 + len) of one group into @col, one row
 * per (channel, ky, kx), @len columns. */
static void
im2col_tile(const csnn_conv2d_desc *d, const float *x, size_t p0, size_t len, float *col)
{
  int c_group = d->c_in / d->groups;

  for (int ci = 0; ci < c_group; ci++) {
    const float *plane = x + (size_t)ci * (size_t)d->h_in * (size_t)d->w_in;

    for (int ky = 0; ky < d->kh; ky++)
      for (int kx = 0; kx < d->kw; kx++) {
        float *dst = col + ((size_t)(ci * d->kh + ky) * (size_t)d->kw + (size_t)kx) * len;
        int oy = (int)(p0 / (size_t)d->w_out);
        int ox = (int)(p0 % (size_t)d->w_out);
        size_t done = 0;

        while (done < len) {
          int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
          size_t run = (size_t)(d->w_out - ox);

          if (run > len - done)
            run = len - done;
          if (iy < 0 || iy >= d->h_in) {
            memset(dst + done, 0, run * sizeof(float));
          } else {
            const float *row = plane + (size_t)iy * (size_t)d->w_in;
            int ix = ox * d->stride_w - d->pad_w + kx * d->dil_w;

            gather_row(dst + done, row, ix, run, d->stride_w, d->w_in);
          }
          done += run;
          ox = 0;
          oy++;
        }
      }
  }
}

/* Same as im2col_tile(), but stored in blocks of 32 columns: column j of the tile, row r, is at
 * (j / 32) * K * 32 + r * 32 + j % 32, the layout the packed GEMM streams. */
static void
im2col_blocked(const csnn_conv2d_desc *d, const float *x, size_t p0, size_t len, float *col)
{
  int c_group = d->c_in / d->groups;
  size_t k_rows = conv_k(d);

  for (int ci = 0; ci < c_group; ci++) {
    const float *plane = x + (size_t)ci * (size_t)d->h_in * (size_t)d->w_in;

    for (int ky = 0; ky < d->kh; ky++)
      for (int kx = 0; kx < d->kw; kx++) {
        size_t r = (size_t)(ci * d->kh + ky) * (size_t)d->kw + (size_t)kx;
        int oy = (int)(p0 / (size_t)d->w_out);
        int ox = (int)(p0 % (size_t)d->w_out);
        size_t done = 0;

        while (done < len) {
          int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
          size_t run = (size_t)(d->w_out - ox);
          size_t in_block = 32 - done % 32;
          float *dst = col + (done / 32) * k_rows * 32 + r * 32 + done % 32;

          if (run > len - done)
            run = len - done;
          if (run > in_block)
            run = in_block;
          if (iy < 0 || iy >= d->h_in) {
            memset(dst, 0, run * sizeof(float));
          } else {
            const float *row = plane + (size_t)iy * (size_t)d->w_in;
            int ix = ox * d->stride_w - d->pad_w + kx * d->dil_w;

            gather_row(dst, row, ix, run, d->stride_w, d->w_in);
          }
          done += run;
          ox += (int)run;
          if (ox == d->w_out) {
            ox = 0;
            oy++;
          }
        }
      }
  }
}

/* One channel of a depthwise convolution: a whole output plane, bias and activation fused. */
static void
depthwise_plane(const csnn_conv2d_desc *d, const float *src, const float *w, float bias, float *dst)
{
  for (int oy = 0; oy < d->h_out; oy++) {
    float *out = dst + (size_t)oy * (size_t)d->w_out;

    for (int ox = 0; ox < d->w_out; ox++)
      out[ox] = bias;
    for (int ky = 0; ky < d->kh; ky++) {
      int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
      const float *row;

      if (iy < 0 || iy >= d->h_in)
        continue;
      row = src + (size_t)iy * (size_t)d->w_in;
      for (int kx = 0; kx < d->kw; kx++) {
        float wv = w[ky * d->kw + kx];
        int off = kx * d->dil_w - d->pad_w;
        /* The output columns whose input column off + ox * stride lies inside the row. */
        int ox0 = off >= 0 ? 0 : (-off + d->stride_w - 1) / d->stride_w;
        int ox1 = (d->w_in - 1 - off) >= 0 ? (d->w_in - 1 - off) / d->stride_w + 1 : 0;

        if (ox1 > d->w_out)
          ox1 = d->w_out;
        if (d->stride_w == 1) {
          const float *in = row + off;
          for (int ox = ox0; ox < ox1; ox++)
            out[ox] += wv * in[ox];
        } else {
          for (int ox = ox0; ox < ox1; ox++)
            out[ox] += wv * row[off + ox * d->stride_w];
        }
      }
    }
    csnn__act_inplace(d->act, out, (size_t)d->w_out);
  }
}

/* The depthwise convolution shared by threads as bands of output rows of every plane, so that
 * each thread reads mostly the rows it wrote in the layer before (split into pixel tiles) and the
 * layer after reads mostly what it wrote, from the core's own cache. A band is the plane's
 * convolution with fewer output rows and the top padding moved up by the rows above it: every
 * output is the same chain of operations. */
static void
conv_depthwise_rows(const csnn_conv2d_desc *d, int n, const float *x, const float *weight,
                    const float *bias, float *y, float *scratch, int ith, int nth)
{
  csnn_conv2d_desc band = *d;
  size_t start, end;
  size_t in_plane = (size_t)d->h_in * (size_t)d->w_in;
  size_t out_plane = (size_t)d->h_out * (size_t)d->w_out;
  size_t k = (size_t)d->kh * (size_t)d->kw;

  csnn_partition((size_t)d->h_out, ith, nth, &start, &end);
  if (start == end)
    return;
  band.h_out = (int)(end - start);
  band.pad_h = d->pad_h - (int)start * d->stride_h;
  for (size_t plane = 0; plane < (size_t)n * (size_t)d->c_out; plane++) {
    size_t ch = plane % (size_t)d->c_out;
    float *dst = y + plane * out_plane + start * (size_t)d->w_out;

    if (scratch != NULL)
      csnn__depthwise_plane(&band, x + plane * in_plane, weight + ch * k,
                            bias != NULL ? bias[ch] : 0.0f, dst, scratch);
    else
      depthwise_plane(&band, x + plane * in_plane, weight + ch * k, bias != NULL ? bias[ch] : 0.0f,
                      dst);
  }
}

/* The depthwise convolution, split by planes; with @means, each output plane's mean as well
 * (as csnn_global_avgpool_forward() computes it), taken while the plane is in cache. */
static void
conv_depthwise(const csnn_conv2d_desc *d, int n, const float *x, const float *weight,
               const float *bias, float *y, float *means, float *scratch, int ith, int nth)
{
  int fast = scratch != NULL && csnn__depthwise_ok(d);
  size_t start, end;
  size_t in_plane = (size_t)d->h_in * (size_t)d->w_in;
  size_t out_plane = (size_t)d->h_out * (size_t)d->w_out;
  size_t k = (size_t)d->kh * (size_t)d->kw;

  if (nth > 1 && means == NULL && (size_t)d->h_out * (size_t)d->w_out >= DEPTHWISE_ROWS_MIN &&
      d->h_out >= 4 * nth) {
    conv_depthwise_rows(d, n, x, weight, bias, y, fast ? scratch : NULL, ith, nth);
    return;
  }
  csnn_partition((size_t)n * (size_t)d->c_out, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    size_t ch = plane % (size_t)d->c_out;

    if (fast)
      csnn__depthwise_plane(d, x + plane * in_plane, weight + ch * k,
                            bias != NULL ? bias[ch] : 0.0f, y + plane * out_plane, scratch);
    else
      depthwise_plane(d, x + plane * in_plane, weight + ch * k, bias != NULL ? bias[ch] : 0.0f,
                      y + plane * out_plane);
    if (means != NULL)
      means[plane] = csnn__sum(y + plane * out_plane, out_plane) / (float)out_plane;
  }
}

void
csnn_conv2d_forward(const csnn_conv2d_desc *d, int n, const float *x, const float *weight,
                    const float *bias, float *y, float *scratch, int ith, int nth)
{
  size_t hw_in = (size_t)d->h_in * (size_t)d->w_in;
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;
  size_t k = conv_k(d);
  int c_out_group = d->c_out / d->groups;
  int c_in_group = d->c_in / d->groups;
  int pointwise = conv_is_pointwise(d);
  size_t start, end;
  conv_split split;

  if (conv_is_depthwise(d)) {
    conv_depthwise(d, n, x, weight, bias, y, NULL, NULL, ith, nth);
    return;
  }
  split_plan(&split, (size_t)n * (size_t)d->groups, hw, conv_tile(d), 16,
             (c_out_group + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR, 0, nth, 0, pointwise);
  csnn_partition((size_t)n * (size_t)d->groups * split.n_tiles * (size_t)split.m_split, ith, nth,
                 &start, &end);
  for (size_t item = start; item < end; item++) {
    split_item it;
    size_t g, p0, len;
    int m0, m1;
    const float *xg, *cols;
    float *yg;
    size_t ldb;

    split_item_at(&split, d->groups, item, &it);
    g = it.g;
    p0 = it.p0;
    len = it.len;
    xg = x + (it.img * (size_t)d->c_in + g * (size_t)c_in_group) * hw_in;
    yg = y + (it.img * (size_t)d->c_out + g * (size_t)c_out_group) * hw;
    m0 = it.q0 * CSNN_GEMM_MR;
    m1 = it.q1 * CSNN_GEMM_MR < c_out_group ? it.q1 * CSNN_GEMM_MR : c_out_group;
    if (m0 >= m1 || len == 0)
      continue;
    if (pointwise) {
      cols = xg + p0;
      ldb = hw_in;
    } else {
      im2col_tile(d, xg, p0, len, scratch);
      cols = scratch;
      ldb = len;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m1 - m0, (int)len, (int)k, 1.0f,
                weight + (g * (size_t)c_out_group + (size_t)m0) * k, (int)k, cols, (int)ldb, 0.0f,
                yg + (size_t)m0 * hw + p0, (int)hw);
    for (int o = m0; o < m1; o++) {
      size_t ch = g * (size_t)c_out_group + (size_t)o;

      csnn__bias_act_inplace(d->act, bias != NULL ? bias[ch] : 0.0f, yg + (size_t)o * hw + p0, len);
    }
  }
}

/* Copies rows [py0, py1) of the @c planes of @x, padded, into @xp: the planes with a zero border
 * of pad_h rows and pad_w columns (rows numbered in the padded plane). */
static void
conv_pad_planes(const csnn_conv2d_desc *d, int c, const float *x, float *xp, int py0, int py1)
{
  int wp = d->w_in + 2 * d->pad_w, hp = d->h_in + 2 * d->pad_h;

  for (int ci = 0; ci < c; ci++) {
    const float *src = x + (size_t)ci * (size_t)d->h_in * (size_t)d->w_in;
    float *dst = xp + (size_t)ci * (size_t)hp * (size_t)wp;

    for (int py = py0; py < py1; py++) {
      float *row = dst + (size_t)py * (size_t)wp;
      int iy = py - d->pad_h;

      if (iy < 0 || iy >= d->h_in) {
        memset(row, 0, (size_t)wp * sizeof(float));
        continue;
      }
      memset(row, 0, (size_t)d->pad_w * sizeof(float));
      memcpy(row + d->pad_w, src + (size_t)iy * (size_t)d->w_in, (size_t)d->w_in * sizeof(float));
      memset(row + d->pad_w + d->w_in, 0, (size_t)d->pad_w * sizeof(float));
    }
  }
}

/* The direct convolution (see conv_is_direct()): a work item is up to 32 output columns of one
 * output row for a range of panels; GEMM row (ci, ky, kx) of those columns is 32 consecutive
 * floats of the padded plane ci, ky rows and kx columns on. Every output is the same FMA chain
 * as through im2col, so the results are identical. */
static void
conv_direct(const csnn_conv2d_desc *d, int n, const float *x, const float *packed,
            const float *bias, const float *residual, float *y, float *scratch, int ith, int nth)
{
  size_t hw_in = (size_t)d->h_in * (size_t)d->w_in;
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;
  size_t k = conv_k(d);
  int c_out_group = d->c_out / d->groups;
  int c_in_group = d->c_in / d->groups;
  int panels = (c_out_group + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR;
  int wp = d->w_in + 2 * d->pad_w, hp = d->h_in + 2 * d->pad_h;
  size_t group_floats = csnn__gemm_packed_floats(c_out_group, (int)k);
  size_t row_blocks = ((size_t)d->w_out + 31) / 32;
  /* A plane at most 16 columns wide goes two output rows per tile (one 8 x 32 tile on AVX-512). */
  int two_rows = d->w_out <= 16;
  size_t n_tiles = two_rows ? ((size_t)d->h_out + 1) / 2 : (size_t)d->h_out * row_blocks;
  size_t items_per_split = (size_t)n * (size_t)d->groups * n_tiles, start, end;
  int *off = (int *)(void *)scratch;
  float *xp = scratch + (k + 15) / 16 * 16;
  size_t padded = (size_t)-1; /* The (image, group) whose planes xp holds. */
  int py0 = 0, py1 = hp;      /* The padded rows this thread's tiles read. */
  conv_split split;

  for (int ci = 0; ci < c_in_group; ci++)
    for (int ky = 0; ky < d->kh; ky++)
      for (int kx = 0; kx < d->kw; kx++)
        off[(ci * d->kh + ky) * d->kw + kx] = (ci * hp + ky) * wp + kx;
  /* The tiles are fixed (32 columns of one row); the panels are split to even the shares. */
  split_plan(&split, items_per_split, 1, 1, 1, panels, CSNN_GEMM_MR * k, nth, 1, 1);

  csnn_partition(items_per_split * (size_t)split.m_split, ith, nth, &start, &end);
  /* A thread whose items are tiles of one image and range of panels pads only the input rows
   * those tiles read (the team sharing one image); else every row. */
  if (end > start && start / n_tiles == (end - 1) / n_tiles) {
    size_t t0 = start % n_tiles, t1 = (end - 1) % n_tiles;

    py0 = (int)(two_rows ? 2 * t0 : t0 / row_blocks);
    py1 = (int)(two_rows ? 2 * t1 + 2 : t1 / row_blocks + 1) + d->kh - 1;
    py1 = py1 < hp ? py1 : hp;
  }
  for (size_t item = start; item < end; item++) {
    size_t t = item % n_tiles;
    size_t rest = item / n_tiles;
    int m = (int)(rest % (size_t)split.m_split);
    size_t image_group = rest / (size_t)split.m_split;
    size_t g = image_group % (size_t)d->groups;
    size_t img = image_group / (size_t)d->groups;
    size_t oy = two_rows ? 2 * t : t / row_blocks, x0 = two_rows ? 0 : t % row_blocks * 32;
    size_t cols = (size_t)d->w_out - x0 < 32 ? (size_t)d->w_out - x0 : 32;
    int q0, q1;
    float *yg = y + (img * (size_t)d->c_out + g * (size_t)c_out_group) * hw;
    size_t at = oy * (size_t)d->w_out + x0;

    split_panels(&split, m, &q0, &q1);
    if (q0 >= q1)
      continue;
    if (image_group != padded) {
      conv_pad_planes(d, c_in_group, x + (img * (size_t)d->c_in + g * (size_t)c_in_group) * hw_in,
                      xp, py0, py1);
      padded = image_group;
    }
    if (two_rows && oy + 1 < (size_t)d->h_out)
      csnn__gemm_packed_offsets2(c_out_group, (int)k, packed + g * group_floats, q0, q1,
                                 xp + oy * (size_t)wp, off, cols, (size_t)wp, cols, yg + at, hw,
                                 bias != NULL ? bias + g * (size_t)c_out_group : NULL, d->act,
                                 residual != NULL ? residual + (yg - y) + at : NULL);
    else
      csnn__gemm_packed_offsets(c_out_group, (int)k, packed + g * group_floats, q0, q1,
                                xp + oy * (size_t)wp + x0, off, cols, yg + at, hw,
                                bias != NULL ? bias + g * (size_t)c_out_group : NULL, d->act,
                                residual != NULL ? residual + (yg - y) + at : NULL);
  }
}

/* The split of the packed GEMM path (neither depthwise nor direct). */
static void
packed_plan(const csnn_conv2d_desc *d, int n, int nth, conv_split *split)
{
  int c_out_group = d->c_out / d->groups;

  split_plan(split, (size_t)n * (size_t)d->groups, (size_t)d->h_out * (size_t)d->w_out,
             conv_tile_packed(d), 32, (c_out_group + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR,
             CSNN_GEMM_MR * conv_k(d), nth, 0, conv_is_pointwise(d));
}

void
csnn_conv2d_packed_panels(const csnn_conv2d_desc *d, int n, int ith, int nth, int *p0, int *p1)
{
  int panels = (d->c_out / d->groups + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR;
  size_t start, end;
  conv_split split;

  *p0 = 0;
  *p1 = panels;
  if (d->groups != 1 || !conv_uses_packed_gemm(d) || conv_is_direct(d))
    return;
  packed_plan(d, n, nth, &split);
  csnn_partition((size_t)n * split.n_tiles * (size_t)split.m_split, ith, nth, &start, &end);
  *p0 = panels;
  *p1 = 0;
  for (size_t item = start; item < end; item++) {
    split_item it;

    split_item_at(&split, 1, item, &it);
    *p0 = it.q0 < *p0 ? it.q0 : *p0;
    *p1 = it.q1 > *p1 ? it.q1 : *p1;
  }
}

int
csnn_conv2d_is_depthwise(const csnn_conv2d_desc *d)
{
  return conv_is_depthwise(d);
}

void
csnn_conv2d_forward_packed_means(const csnn_conv2d_desc *d, int n, const float *x,
                                 const float *packed, const float *bias, float *y, float *means,
                                 float *scratch, int ith, int nth)
{
  conv_depthwise(d, n, x, packed, bias, y, means, scratch, ith, nth);
}

int
csnn_conv2d_can_fuse_residual(const csnn_conv2d_desc *d)
{
  return conv_uses_packed_gemm(d);
}

void
csnn_conv2d_forward_packed(const csnn_conv2d_desc *d, int n, const float *x, const float *packed,
                           const float *bias, float *y, float *scratch, int ith, int nth)
{
  csnn_conv2d_forward_packed_residual(d, n, x, packed, bias, NULL, y, scratch, ith, nth);
}

void
csnn_conv2d_forward_packed_residual(const csnn_conv2d_desc *d, int n, const float *x,
                                    const float *packed, const float *bias, const float *residual,
                                    float *y, float *scratch, int ith, int nth)
{
  size_t hw_in = (size_t)d->h_in * (size_t)d->w_in;
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;
  size_t k = conv_k(d);
  size_t tile, n_items, start, end;
  int c_out_group = d->c_out / d->groups;
  int c_in_group = d->c_in / d->groups;
  size_t group_floats;
  int pointwise = conv_is_pointwise(d);
  conv_split split;
  float *pack_buf;

  if (conv_is_depthwise(d)) {
    conv_depthwise(d, n, x, packed, bias, y, NULL, scratch, ith, nth);
    return;
  }
  if (!conv_uses_packed_gemm(d)) {
    csnn_conv2d_forward(d, n, x, packed, bias, y, scratch, ith, nth);
    return;
  }
  if (conv_is_direct(d)) {
    conv_direct(d, n, x, packed, bias, residual, y, scratch, ith, nth);
    return;
  }
  group_floats = csnn__gemm_packed_floats(c_out_group, (int)k);
  tile = conv_tile_packed(d);
  pack_buf = scratch + k * ((tile + 31) / 32 * 32);
  packed_plan(d, n, nth, &split);
  n_items = (size_t)n * (size_t)d->groups * split.n_tiles * (size_t)split.m_split;

  csnn_partition(n_items, ith, nth, &start, &end);
  for (size_t item = start; item < end; item++) {
    split_item it;
    size_t g, p0, len;
    int q0, q1;
    const float *xg, *cols;
    float *yg;
    size_t ldb, block_stride;

    split_item_at(&split, d->groups, item, &it);
    g = it.g;
    p0 = it.p0;
    len = it.len;
    q0 = it.q0;
    q1 = it.q1;
    xg = x + (it.img * (size_t)d->c_in + g * (size_t)c_in_group) * hw_in;
    yg = y + (it.img * (size_t)d->c_out + g * (size_t)c_out_group) * hw;
    if (q0 >= q1 || len == 0)
      continue;
    if (pointwise) {
      cols = xg + p0;
      ldb = hw_in;
      block_stride = 0;
    } else {
      im2col_blocked(d, xg, p0, len, scratch);
      cols = scratch;
      ldb = 32;
      block_stride = k * 32;
    }
    csnn__gemm_packed(c_out_group, (int)k, packed + g * group_floats, q0, q1, cols, ldb,
                      block_stride, 0, len, yg + p0, hw,
                      bias != NULL ? bias + g * (size_t)c_out_group : NULL, d->act,
                      residual != NULL ? residual + (yg - y) + p0 : NULL, pack_buf);
  }
}

/* ---- a convolution and the max pooling of its output ---- */

/* The floats of one band's convolution rows, all channels, in the fused path: near this (1.5 MiB
 * on AVX-512 cores' 2 MiB L2 would not leave room; 384 KiB keeps the band and the columns in a
 * 512 KiB L2). */
#define CONV_POOL_BAND_FLOATS 98304

/* A 1 x 1 convolution and the depthwise one after it are fused only where the tensor between
 * them is at least this large (1 MiB): smaller ones stay in cache anyway. */
#define CONV_FUSE_MIN_FLOATS 262144

/* The output rows of the tallest band of a window of @k rows at @stride (a pooling's or a
 * depthwise convolution's, @h_out rows in all) over @channels planes @width wide, the rows it
 * reads kept in a buffer of near CONV_POOL_BAND_FLOATS floats: at least one. */
static int
band_rows(int channels, int width, int k, int stride, int h_out)
{
  long rows = (long)(CONV_POOL_BAND_FLOATS / ((size_t)channels * (size_t)width));
  long out = (rows - k) / stride + 1;

  if (out < 1)
    out = 1;
  return out < h_out ? (int)out : h_out;
}

/* Before a band reading rows [@r0, ...) of an image whose last band left rows [*@held_lo,
 * @held_hi) in @band (@channels planes of @plane floats, rows @w floats), moves the rows the two
 * share to the top of each plane. Returns the first row still to compute: @r0 when nothing is
 * shared. */
static int
keep_shared_rows(float *band, int channels, size_t plane, size_t w, int held_lo, int held_hi,
                 int r0)
{
  if (held_lo > r0 || r0 >= held_hi)
    return r0;
  if (r0 > held_lo)
    for (int c = 0; c < channels; c++)
      memmove(band + (size_t)c * plane, band + (size_t)c * plane + (size_t)(r0 - held_lo) * w,
              (size_t)(held_hi - r0) * w * sizeof(float));
  return held_hi;
}

/* The pooled rows of the tallest band. */
static int
pool_band_rows(const csnn_conv2d_desc *d, const csnn_pool2d_desc *p)
{
  return band_rows(d->c_out, d->w_out, p->kh, p->stride_h, p->h_out);
}

/* The convolution rows a band of @pooled pooled rows reads: what the band buffer holds. */
static size_t
pool_band_conv_rows(const csnn_pool2d_desc *p, int pooled)
{
  return (size_t)(pooled - 1) * (size_t)p->stride_h + (size_t)p->kh;
}

int
csnn_conv2d_pool_fusable(const csnn_conv2d_desc *d, const csnn_pool2d_desc *p, int any_path)
{
  return (any_path || conv_uses_packed_gemm(d)) && !conv_is_depthwise(d) && !conv_is_pointwise(d) &&
         !conv_is_direct(d) && d->groups == 1 && p->kind == CSNN_POOL_MAX && p->pad_h == 0 &&
         p->pad_w == 0 && p->c == d->c_out && p->h_in == d->h_out && p->w_in == d->w_out;
}

size_t
csnn_conv2d_pool_scratch_floats(const csnn_conv2d_desc *d, const csnn_pool2d_desc *p)
{
  size_t band = (size_t)d->c_out * pool_band_conv_rows(p, pool_band_rows(d, p)) * (size_t)d->w_out;

  return (csnn_conv2d_scratch_floats(d) + 15) / 16 * 16 + band;
}

void
csnn_conv2d_forward_packed_pool(const csnn_conv2d_desc *d, const csnn_pool2d_desc *p, int n,
                                const float *x, const float *packed, const float *bias, float *y,
                                float *scratch, int ith, int nth)
{
  size_t hw_in = (size_t)d->h_in * (size_t)d->w_in, w = (size_t)d->w_out;
  size_t pooled_plane = (size_t)p->h_out * (size_t)p->w_out;
  size_t k = conv_k(d), tile = conv_tile_packed(d);
  int most = pool_band_rows(d, p), panels = (d->c_out + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR;
  size_t plane = pool_band_conv_rows(p, most) * w; /* A channel's rows in the band buffer. */
  float *band = scratch + (csnn_conv2d_scratch_floats(d) + 15) / 16 * 16;
  float *pack_buf = scratch + k * ((tile + 31) / 32 * 32);
  /* Bands of at most @most pooled rows, as many for each thread, sizes differing by one row at
   * most; an image's bands are dealt out in order, so a thread's next band usually continues
   * its last one. */
  int per_thread = (p->h_out + most * nth - 1) / (most * nth);
  int n_bands = per_thread * nth < p->h_out ? per_thread * nth : p->h_out;
  size_t start, end, held_img = (size_t)-1;
  int held_lo = 0, held_hi = 0; /* Convolution rows in the buffer, from its first row. */

  csnn_partition((size_t)n * (size_t)n_bands, ith, nth, &start, &end);
  for (size_t item = start; item < end; item++) {
    size_t img = item / (size_t)n_bands;
    int b = (int)(item % (size_t)n_bands);
    int py0 = (int)((long)b * p->h_out / n_bands), py1 = (int)((long)(b + 1) * p->h_out / n_bands);
    int r0 = py0 * p->stride_h, r1 = (py1 - 1) * p->stride_h + p->kh, from = r0;
    const float *xi = x + img * (size_t)d->c_in * hw_in;
    csnn_pool2d_desc bp = *p;

    if (r1 > d->h_out)
      r1 = d->h_out;
    if (img == held_img)
      from = keep_shared_rows(band, d->c_out, plane, w, held_lo, held_hi, r0);
    for (size_t p0 = (size_t)from * w; p0 < (size_t)r1 * w; p0 += tile) {
      size_t len = (size_t)r1 * w - p0 < tile ? (size_t)r1 * w - p0 : tile;

      im2col_blocked(d, xi, p0, len, scratch);
      csnn__gemm_packed(d->c_out, (int)k, packed, 0, panels, scratch, 32, k * 32, 0, len,
                        band + (p0 - (size_t)r0 * w), plane, bias, d->act, NULL, pack_buf);
    }
    held_img = img;
    held_lo = r0;
    held_hi = r1;
    bp.h_in = r1 - r0;
    bp.h_out = py1 - py0;
    for (int c = 0; c < d->c_out; c++)
      csnn__pool_plane(&bp, band + (size_t)c * plane,
                       y + (img * (size_t)d->c_out + (size_t)c) * pooled_plane +
                           (size_t)py0 * (size_t)p->w_out);
  }
}

/* ---- a 1 x 1 convolution and the depthwise convolution of its output ---- */

/* The output rows of the tallest band of depthwise convolution @b over a 1 x 1 convolution @a. */
static int
depthwise_band_rows(const csnn_conv2d_desc *a, const csnn_conv2d_desc *b)
{
  return band_rows(a->c_out, a->w_out, b->kh, b->stride_h, b->h_out);
}

int
csnn_conv2d_depthwise_fusable(const csnn_conv2d_desc *a, const csnn_conv2d_desc *b, int any_path)
{
  int vector = any_path ? (b->stride_w == 1 || (b->stride_w == 2 && b->dil_w == 1)) &&
                              b->kw <= CSNN_DW_MAX_KW
                        : conv_uses_packed_gemm(a) && csnn__depthwise_ok(b);

  return vector && !conv_is_depthwise(a) && conv_is_pointwise(a) && a->groups == 1 &&
         conv_is_depthwise(b) && b->dil_h == 1 && b->c_in == a->c_out && b->h_in == a->h_out &&
         b->w_in == a->w_out &&
         (size_t)a->c_out * (size_t)a->h_out * (size_t)a->w_out >= CONV_FUSE_MIN_FLOATS;
}

size_t
csnn_conv2d_depthwise_scratch_floats(const csnn_conv2d_desc *a, const csnn_conv2d_desc *b)
{
  size_t rows = (size_t)(depthwise_band_rows(a, b) - 1) * (size_t)b->stride_h + (size_t)b->kh;

  /* A row of zeros for the depthwise kernel, a block for the GEMM to repack its columns in,
   * then the band. */
  return (csnn__depthwise_scratch_floats(b) + 15) / 16 * 16 +
         ((size_t)a->c_in * 32 + 15) / 16 * 16 + (size_t)a->c_out * rows * (size_t)a->w_out;
}

void
csnn_conv2d_forward_packed_depthwise(const csnn_conv2d_desc *a, const csnn_conv2d_desc *b, int n,
                                     const float *x, const float *packed_a, const float *bias_a,
                                     const float *weight_b, const float *bias_b, float *y,
                                     float *scratch, int ith, int nth)
{
  size_t hw_in = (size_t)a->h_in * (size_t)a->w_in, w = (size_t)a->w_out;
  size_t out_plane = (size_t)b->h_out * (size_t)b->w_out, taps = (size_t)b->kh * (size_t)b->kw;
  int most = depthwise_band_rows(a, b), panels = (a->c_out + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR;
  size_t plane = ((size_t)(most - 1) * (size_t)b->stride_h + (size_t)b->kh) * w;
  float *pack_buf = scratch + (csnn__depthwise_scratch_floats(b) + 15) / 16 * 16;
  float *band = pack_buf + ((size_t)a->c_in * 32 + 15) / 16 * 16;
  int per_thread = (b->h_out + most * nth - 1) / (most * nth);
  int n_bands = per_thread * nth < b->h_out ? per_thread * nth : b->h_out;
  size_t start, end, held_img = (size_t)-1;
  int held_lo = 0, held_hi = 0; /* Rows of @a's output in the buffer, from its first row. */

  csnn_partition((size_t)n * (size_t)n_bands, ith, nth, &start, &end);
  for (size_t item = start; item < end; item++) {
    size_t img = item / (size_t)n_bands;
    int k = (int)(item % (size_t)n_bands);
    int oy0 = (int)((long)k * b->h_out / n_bands), oy1 = (int)((long)(k + 1) * b->h_out / n_bands);
    int r0 = oy0 * b->stride_h - b->pad_h, r1 = (oy1 - 1) * b->stride_h - b->pad_h + b->kh, from;
    const float *xi = x + img * (size_t)a->c_in * hw_in;
    csnn_conv2d_desc bd = *b;

    /* Rows outside the plane are the depthwise kernel's zeros, not the buffer's. */
    r0 = r0 > 0 ? r0 : 0;
    r1 = r1 < a->h_out ? r1 : a->h_out;
    from = img == held_img ? keep_shared_rows(band, a->c_out, plane, w, held_lo, held_hi, r0) : r0;
    /* The 1 x 1 convolution reads its input in place, a row of the GEMM per input channel. */
    if (from < r1)
      csnn__gemm_packed(a->c_out, a->c_in, packed_a, 0, panels, xi + (size_t)from * w, hw_in, 0, 0,
                        (size_t)(r1 - from) * w, band + (size_t)(from - r0) * w, plane, bias_a,
                        a->act, NULL, pack_buf);
    held_img = img;
    held_lo = r0;
    held_hi = r1;
    /* The band of the depthwise convolution: its rows read the buffer as rows r0 .. r1 of the
     * plane (the top padding moved up by the rows above them). */
    bd.h_in = r1 - r0;
    bd.h_out = oy1 - oy0;
    bd.pad_h = b->pad_h - oy0 * b->stride_h + r0;
    for (int c = 0; c < b->c_out; c++)
      csnn__depthwise_plane(&bd, band + (size_t)c * plane, weight_b + (size_t)c * taps,
                            bias_b != NULL ? bias_b[c] : 0.0f,
                            y + (img * (size_t)b->c_out + (size_t)c) * out_plane +
                                (size_t)oy0 * (size_t)b->w_out,
                            scratch);
  }
}
