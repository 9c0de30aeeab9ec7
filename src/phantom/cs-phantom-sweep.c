/* cs-phantom-sweep.c — one phantom sweep on disk: the video and its truth sidecar
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-phantom-sweep.h"

#include "cs-error.h"
#include "cs-phantom-preset.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

char *
cs_phantom_truth_path(const char *sweep_path)
{
  g_autofree char *dir = g_path_get_dirname(sweep_path);
  g_autofree char *base = g_path_get_basename(sweep_path);
  char *dot = strrchr(base, '.');
  g_autofree char *name = NULL;

  if (dot != NULL && dot != base)
    *dot = '\0';
  name = g_strconcat(base, ".truth.json", NULL);
  return g_build_filename(dir, name, NULL);
}

void
cs_phantom_truth_clear(CsPhantomTruth *truth)
{
  g_free(truth->generator);
  g_free(truth->sweep);
  g_free(truth->frames);
  memset(truth, 0, sizeof *truth);
}

static void
add_double(JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name(b, name);
  json_builder_add_double_value(b, value);
}

static void
add_int(JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, value);
}

static void
add_string(JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, value);
}

static char *
truth_to_json(const CsPhantomTruth *truth, gsize *length)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  const CsPhantomHand *h = &truth->hand;
  g_autofree char *seed = g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)h->seed);

  json_builder_begin_object(b);
  add_string(b, "generator", truth->generator);
  add_string(b, "sweep", truth->sweep);
  add_string(b, "group", cs_phantom_group_to_string(h->group));
  /* A string: seeds are 64-bit unsigned, beyond what every JSON reader keeps exactly. */
  add_string(b, "seed", seed);
  add_double(b, "severity", h->severity);
  add_int(b, "stage", cs_phantom_stage_from_severity(h->severity));
  add_string(b, "hand", h->right_hand ? "right" : "left");
  add_double(b, "spacing_mm", h->spacing_mm);
  add_int(b, "width", truth->width);
  add_int(b, "height", truth->height);
  add_int(b, "frame_rate", truth->frame_rate);
  add_int(b, "n_frames", truth->n_frames);
  add_double(b, "csa_inlet_mm2", h->csa_inlet_mm2);

  json_builder_set_member_name(b, "parameters");
  json_builder_begin_object(b);
  add_double(b, "flattening", h->flattening);
  add_double(b, "nerve_echo_db", h->nerve_echo_db);
  add_double(b, "fascicle_contrast", h->fascicle_contrast);
  add_double(b, "fascicle_blur_mm", h->fascicle_blur_mm);
  add_int(b, "n_fascicles", h->n_fascicles);
  add_double(b, "epineurium_mm", h->epineurium_mm);
  add_double(b, "oedema_mm", h->oedema_mm);
  add_double(b, "gain_db", h->gain_db);
  add_double(b, "dynamic_range_db", h->dynamic_range_db);
  add_double(b, "tgc_slope_db", h->tgc_slope_db);
  add_double(b, "tilt_deg", h->tilt_deg);
  add_double(b, "fat_mm", h->fat_mm);
  add_double(b, "nerve_x_mm", h->nerve_x_mm);
  add_int(b, "n_tendons", h->n_tendons);
  json_builder_end_object(b);
  /* What a preset drew; absent for the default, whose truth files stay as they were. */
  if (h->preset != CS_PHANTOM_PRESET_DEFAULT) {
    add_string(b, "preset", cs_phantom_preset_get(h->preset)->name);
    json_builder_set_member_name(b, "preset_parameters");
    json_builder_begin_object(b);
    add_double(b, "frequency_mhz", h->frequency_mhz);
    add_double(b, "psf_lateral_mm", h->psf_lateral_mm);
    add_double(b, "psf_axial_mm", h->psf_axial_mm);
    add_double(b, "compression_gamma", h->compression_gamma);
    add_double(b, "tgc_fraction", h->tgc_fraction);
    add_double(b, "scatterer_density", h->scatterer_density);
    add_double(b, "smoothing_mm", h->smoothing_mm);
    add_int(b, "compounding", h->compounding);
    add_int(b, "screen_capture", h->screen_capture ? 1 : 0);
    add_double(b, "pressure", h->pressure);
    add_double(b, "tendon_echo_db", h->tendon_echo_db);
    add_int(b, "bifid", h->bifid ? 1 : 0);
    add_double(b, "median_artery_mm", h->median_artery_mm);
    add_double(b, "proximal_swelling", h->proximal_swelling);
    json_builder_end_object(b);
  }

  json_builder_set_member_name(b, "frames");
  json_builder_begin_array(b);
  for (int i = 0; i < truth->n_frames; i++) {
    const CsPhantomFrameTruth *f = &truth->frames[i];

    json_builder_begin_object(b);
    add_int(b, "index", f->index);
    json_builder_set_member_name(b, "centre");
    json_builder_begin_array(b);
    json_builder_add_double_value(b, f->centre_x);
    json_builder_add_double_value(b, f->centre_y);
    json_builder_end_array(b);
    add_double(b, "csa_mm2", f->csa_mm2);
    json_builder_set_member_name(b, "outline");
    json_builder_begin_array(b);
    for (int k = 0; k < CS_PHANTOM_OUTLINE_POINTS; k++) {
      json_builder_begin_array(b);
      json_builder_add_double_value(b, f->outline[k][0]);
      json_builder_add_double_value(b, f->outline[k][1]);
      json_builder_end_array(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);

  root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, FALSE);
  return json_generator_to_data(gen, length);
}

gboolean
cs_phantom_truth_save(const CsPhantomTruth *truth, const char *path, GError **error)
{
  gsize length = 0;
  g_autofree char *data = truth_to_json(truth, &length);
  g_autoptr(GError) local = NULL;

  /* g_file_set_contents writes a temporary file and renames it over @path. */
  if (!g_file_set_contents(path, data, (gssize)length, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}

/* Reads member @name of @obj as a number; sets @error naming @path and @name otherwise. */
static gboolean
get_number(JsonObject *obj, const char *name, const char *path, const char *where, double *out,
           GError **error)
{
  JsonNode *node = json_object_get_member(obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      (json_node_get_value_type(node) != G_TYPE_DOUBLE &&
       json_node_get_value_type(node) != G_TYPE_INT64)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %s%s: missing or not a number", path, where,
                name);
    return FALSE;
  }
  *out = json_node_get_double(node);
  return TRUE;
}

static gboolean
get_string(JsonObject *obj, const char *name, const char *path, const char **out, GError **error)
{
  JsonNode *node = json_object_get_member(obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %s: missing or not a string", path, name);
    return FALSE;
  }
  *out = json_node_get_string(node);
  return TRUE;
}

static gboolean
get_point(JsonNode *node, double *x, double *y)
{
  JsonArray *a;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
    return FALSE;
  a = json_node_get_array(node);
  if (json_array_get_length(a) != 2)
    return FALSE;
  for (int k = 0; k < 2; k++) {
    JsonNode *v = json_array_get_element(a, k);

    if (!JSON_NODE_HOLDS_VALUE(v) || (json_node_get_value_type(v) != G_TYPE_DOUBLE &&
                                      json_node_get_value_type(v) != G_TYPE_INT64))
      return FALSE;
  }
  *x = json_array_get_double_element(a, 0);
  *y = json_array_get_double_element(a, 1);
  return TRUE;
}

/* Reads a number member into @dst, or returns FALSE from the function with @error set. */
#define NUMBER(o, name, where, dst)                    \
  do {                                                 \
    double v_;                                         \
    if (!get_number(o, name, path, where, &v_, error)) \
      return FALSE;                                    \
    dst = v_;                                          \
  } while (0)

/* Reads the truth file's top level: what made it, the hand and the sweep's size. */
static gboolean
read_truth_header(JsonObject *obj, const char *path, CsPhantomTruth *truth, GError **error)
{
  g_autoptr(GError) local = NULL;
  const char *s;
  guint64 seed;
  char *end = NULL;

  if (!get_string(obj, "generator", path, &s, error))
    return FALSE;
  truth->generator = g_strdup(s);
  if (!get_string(obj, "sweep", path, &s, error))
    return FALSE;
  truth->sweep = g_strdup(s);
  if (!get_string(obj, "group", path, &s, error))
    return FALSE;
  if (!cs_phantom_group_from_string(s, &truth->hand.group, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %s", path, local->message);
    return FALSE;
  }
  if (!get_string(obj, "seed", path, &s, error))
    return FALSE;
  errno = 0;
  seed = g_ascii_strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0') {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: seed: '%s' is not a 64-bit number", path,
                s);
    return FALSE;
  }
  truth->hand.seed = seed;
  if (!get_string(obj, "hand", path, &s, error))
    return FALSE;
  truth->hand.right_hand = g_strcmp0(s, "right") == 0;
  /* Truth files of the default preset name none. */
  if (json_object_has_member(obj, "preset")) {
    int preset;

    if (!get_string(obj, "preset", path, &s, error))
      return FALSE;
    preset = cs_phantom_preset_from_string(s, &local);
    if (preset < 0) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %s", path, local->message);
      return FALSE;
    }
    truth->hand.preset = preset;
  }
  NUMBER(obj, "severity", "", truth->hand.severity);
  NUMBER(obj, "spacing_mm", "", truth->hand.spacing_mm);
  NUMBER(obj, "width", "", truth->width);
  NUMBER(obj, "height", "", truth->height);
  NUMBER(obj, "frame_rate", "", truth->frame_rate);
  NUMBER(obj, "n_frames", "", truth->n_frames);
  NUMBER(obj, "csa_inlet_mm2", "", truth->hand.csa_inlet_mm2);
  if (!(truth->hand.spacing_mm > 0) || truth->width < 1 || truth->height < 1 ||
      truth->n_frames < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%s: spacing_mm, width and height must be > 0 and n_frames >= 0", path);
    return FALSE;
  }
  return TRUE;
}

/* Reads the hand's drawn parameters ("parameters"), which older truth files lack. */
static gboolean
read_truth_parameters(JsonObject *obj, const char *path, CsPhantomTruth *truth, GError **error)
{
  JsonObject *params;

  if (!json_object_has_member(obj, "parameters") ||
      !JSON_NODE_HOLDS_OBJECT(json_object_get_member(obj, "parameters")))
    return TRUE;
  params = json_object_get_object_member(obj, "parameters");
  NUMBER(params, "flattening", "parameters.", truth->hand.flattening);
  NUMBER(params, "nerve_echo_db", "parameters.", truth->hand.nerve_echo_db);
  NUMBER(params, "fascicle_contrast", "parameters.", truth->hand.fascicle_contrast);
  NUMBER(params, "fascicle_blur_mm", "parameters.", truth->hand.fascicle_blur_mm);
  NUMBER(params, "n_fascicles", "parameters.", truth->hand.n_fascicles);
  NUMBER(params, "epineurium_mm", "parameters.", truth->hand.epineurium_mm);
  NUMBER(params, "oedema_mm", "parameters.", truth->hand.oedema_mm);
  NUMBER(params, "gain_db", "parameters.", truth->hand.gain_db);
  NUMBER(params, "dynamic_range_db", "parameters.", truth->hand.dynamic_range_db);
  NUMBER(params, "tgc_slope_db", "parameters.", truth->hand.tgc_slope_db);
  NUMBER(params, "tilt_deg", "parameters.", truth->hand.tilt_deg);
  NUMBER(params, "fat_mm", "parameters.", truth->hand.fat_mm);
  NUMBER(params, "nerve_x_mm", "parameters.", truth->hand.nerve_x_mm);
  NUMBER(params, "n_tendons", "parameters.", truth->hand.n_tendons);
  return TRUE;
}

/* Reads frames[@i] into @f: its index, CSA, centre and outline; the area in px^2 is recomputed
 * from the outline. */
static gboolean
read_truth_frame(JsonNode *fn, int i, const char *path, CsPhantomFrameTruth *f, GError **error)
{
  g_autofree char *where = g_strdup_printf("frames[%d].", i);
  JsonArray *outline;

  if (!JSON_NODE_HOLDS_OBJECT(fn)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: frames[%d]: not an object", path, i);
    return FALSE;
  }
  NUMBER(json_node_get_object(fn), "index", where, f->index);
  NUMBER(json_node_get_object(fn), "csa_mm2", where, f->csa_mm2);
  if (!get_point(json_object_get_member(json_node_get_object(fn), "centre"), &f->centre_x,
                 &f->centre_y)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %scentre: not an [x, y] pair", path, where);
    return FALSE;
  }
  if (!json_object_has_member(json_node_get_object(fn), "outline") ||
      !JSON_NODE_HOLDS_ARRAY(json_object_get_member(json_node_get_object(fn), "outline"))) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %soutline: missing or not an array", path,
                where);
    return FALSE;
  }
  outline = json_object_get_array_member(json_node_get_object(fn), "outline");
  if (json_array_get_length(outline) != CS_PHANTOM_OUTLINE_POINTS) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %soutline: %u points, expected %d", path,
                where, json_array_get_length(outline), CS_PHANTOM_OUTLINE_POINTS);
    return FALSE;
  }
  for (int k = 0; k < CS_PHANTOM_OUTLINE_POINTS; k++)
    if (!get_point(json_array_get_element(outline, k), &f->outline[k][0], &f->outline[k][1])) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %soutline[%d]: not an [x, y] pair", path,
                  where, k);
      return FALSE;
    }
  f->csa_px2 = cs_phantom_polygon_area((const double(*)[2])f->outline, CS_PHANTOM_OUTLINE_POINTS);
  return TRUE;
}

#undef NUMBER

gboolean
cs_phantom_truth_load(const char *path, CsPhantomTruth *truth, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  JsonObject *obj;
  JsonArray *frames;

  memset(truth, 0, sizeof *truth);
  if (!json_parser_load_from_file(parser, path, &local)) {
    g_set_error(error, CS_ERROR,
                g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? CS_ERROR_NOT_FOUND
                                                                         : CS_ERROR_INVALID,
                "%s: %s", path, local->message);
    return FALSE;
  }
  root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: not a JSON object", path);
    return FALSE;
  }
  obj = json_node_get_object(root);

  if (!read_truth_header(obj, path, truth, error) ||
      !read_truth_parameters(obj, path, truth, error))
    goto fail;
  if (!json_object_has_member(obj, "frames") ||
      !JSON_NODE_HOLDS_ARRAY(json_object_get_member(obj, "frames"))) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: frames: missing or not an array", path);
    goto fail;
  }
  frames = json_object_get_array_member(obj, "frames");
  if ((int)json_array_get_length(frames) != truth->n_frames) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: frames: %u entries, n_frames says %d", path,
                json_array_get_length(frames), truth->n_frames);
    goto fail;
  }
  truth->frames = g_new0(CsPhantomFrameTruth, MAX(1, truth->n_frames));
  for (int i = 0; i < truth->n_frames; i++)
    if (!read_truth_frame(json_array_get_element(frames, i), i, path, &truth->frames[i], error))
      goto fail;
  return TRUE;

fail:
  cs_phantom_truth_clear(truth);
  return FALSE;
}

gboolean
cs_phantom_write_sweep(CsPhantomGenerator *gen, CsPhantomGroup group, guint64 seed,
                       const char *sweep_path, CsPhantomFormat format, CsPhantomTruth *truth_out,
                       GCancellable *cancellable, GError **error)
{
  const CsPhantomOptions *options = cs_phantom_generator_get_options(gen);
  g_autofree guint8 *pixels = g_malloc((gsize)options->width * options->height);
  g_autofree char *truth_path = cs_phantom_truth_path(sweep_path);
  CsPhantomTruth truth = { 0 };
  CsPhantomWriter *writer;

  if (g_strcmp0(truth_path, sweep_path) == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%s: the sweep would be overwritten by its own truth file", sweep_path);
    return FALSE;
  }
  writer = cs_phantom_writer_open(sweep_path, format, options->width, options->height,
                                  CS_PHANTOM_FRAME_RATE, error);
  if (writer == NULL)
    return FALSE;
  cs_phantom_generator_start(gen, group, seed);
  truth.generator = g_strdup(CS_PHANTOM_GENERATOR_VERSION);
  truth.sweep = g_path_get_basename(sweep_path);
  truth.hand = *cs_phantom_generator_get_hand(gen);
  truth.width = options->width;
  truth.height = options->height;
  truth.frame_rate = CS_PHANTOM_FRAME_RATE;
  truth.n_frames = options->n_frames;
  truth.frames = g_new0(CsPhantomFrameTruth, options->n_frames);
  for (int i = 0; i < options->n_frames; i++) {
    if (g_cancellable_set_error_if_cancelled(cancellable, error) ||
        !cs_phantom_generator_next_frame(gen, pixels, &truth.frames[i]) ||
        !cs_phantom_writer_add_frame(writer, pixels, error)) {
      if (error != NULL && *error != NULL && (*error)->domain == G_IO_ERROR) {
        g_clear_error(error);
        g_set_error(error, CS_ERROR, CS_ERROR_CANCELLED, "cancelled");
      }
      cs_phantom_writer_abort(writer);
      cs_phantom_truth_clear(&truth);
      return FALSE;
    }
  }
  if (!cs_phantom_writer_close(writer, error)) {
    cs_phantom_truth_clear(&truth);
    return FALSE;
  }
  if (!cs_phantom_truth_save(&truth, truth_path, error)) {
    g_unlink(sweep_path);
    cs_phantom_truth_clear(&truth);
    return FALSE;
  }
  if (truth_out != NULL)
    *truth_out = truth;
  else
    cs_phantom_truth_clear(&truth);
  return TRUE;
}
