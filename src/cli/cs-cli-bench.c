/* cs-cli-bench.c — carpalscope-cli bench: the engine's speed per model and batch size
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each model runs a few warm-up batches (arenas allocated, caches warm), then timed batches until
 * both a minimum count and a minimum time are reached; the figure is the median batch latency.
 * Weights are seeded random values (or an installed model's with --model): speed does not depend
 * on them, only on the architecture and the batch.
 */
#include "config.h"

#include "cs-cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-engine-error.h"
#include "cs-model-catalog.h"
#include "csnn-net.h"

#define NAME "bench"

typedef struct {
  const char *arch;
  int batch;
  double latency_ms;
  double images_per_s;
  double gflops_per_s;
} BenchResult;

/* Fills every parameter with small seeded values; batch-norm variances stay positive. */
static void
randomise(csnn_net *net)
{
  guint32 state = 12345;

  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    gboolean positive = g_str_has_suffix(p->name, "running_var");

    for (size_t k = 0; k < p->numel; k++) {
      float u;

      state = state * 1664525u + 1013904223u;
      u = (float)(state >> 8) / (float)(1u << 24);
      p->data[k] = positive ? 0.5f + u : (u - 0.5f) * 0.1f;
    }
  }
  csnn_net_params_changed(net);
}

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static gboolean
bench_one(csnn_net *net, int batch, double min_seconds, BenchResult *result, GError **error)
{
  size_t size = (size_t)csnn_net_input_size(net);
  size_t n_in = (size_t)batch * 3 * size * size;
  g_autofree float *input = g_new(float, n_in);
  g_autofree float *logits = g_new(float, (gsize)batch *csnn_net_num_classes(net));
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(double));
  guint32 state = 99;
  double started;
  int status;

  for (size_t i = 0; i < n_in; i++) {
    state = state * 1664525u + 1013904223u;
    input[i] = (float)(state >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
  }
  for (int i = 0; i < 3; i++) {
    status = csnn_net_forward(net, input, (size_t)batch, logits);
    if (status != CSNN_OK)
      return cs_error_from_engine(error, status, "benchmark");
  }
  started = g_get_monotonic_time() / 1e6;
  while (times->len < 10 || g_get_monotonic_time() / 1e6 - started < min_seconds) {
    double t0 = g_get_monotonic_time() / 1e6, dt;

    csnn_net_forward(net, input, (size_t)batch, logits);
    dt = g_get_monotonic_time() / 1e6 - t0;
    g_array_append_val(times, dt);
    if (times->len >= 1000)
      break;
  }
  g_array_sort(times, compare_doubles);
  {
    double median = g_array_index(times, double, times->len / 2);

    result->arch = csnn_net_arch(net);
    result->batch = batch;
    result->latency_ms = median * 1e3;
    result->images_per_s = batch / median;
    result->gflops_per_s =
        csnn_arch_gflop(csnn_net_arch(net), csnn_net_num_classes(net)) * batch / median;
  }
  return TRUE;
}

int
cs_cli_bench(int argc, char **argv)
{
  g_autofree char *arch = NULL, *model = NULL;
  int batch = 1;
  double seconds = 2.0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
      "One architecture (default: squeezenet1_1, mobilenet_v2 and efficientnet_b0)", "NAME" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, "Time an installed model or file instead",
      "ID|FILE" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Images per batch (default 1)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds,
      "Least time spent timing each model (default 2)", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "One JSON object per model: arch, batch, latency_ms, images_per_s, gflops_per_s", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new(NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nets = g_ptr_array_new_with_free_func((GDestroyNotify)csnn_net_free);

  g_option_context_set_summary(context,
                               "Times the engine on 224 x 224 inputs: median latency of one batch "
                               "after warm-up, images per second and GFLOP/s achieved.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!cs_cli_parse(context, &argc, &argv, NAME))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error(NAME, "unexpected argument \"%s\"", argv[1]);
  if (batch < 1 || batch > 1024)
    return cs_cli_usage_error(NAME, "--batch must be 1 to 1024, not %d", batch);
  if (!(seconds >= 0.0 && seconds <= 3600.0))
    return cs_cli_usage_error(NAME, "--seconds must be 0 to 3600");
  if (arch != NULL && model != NULL)
    return cs_cli_usage_error(NAME, "give --arch or --model, not both");

  if (model != NULL) {
    g_autofree char *path = cs_model_catalog_resolve(cs_model_catalog_get_default(), model, &error);
    csnn_net *net;
    int status;

    if (path == NULL)
      return cs_cli_fail_error(g_steal_pointer(&error));
    status = csnn_net_load(path, NULL, &net);
    if (status != CSNN_OK) {
      cs_error_from_engine(&error, status, model);
      return cs_cli_fail_error(g_steal_pointer(&error));
    }
    g_ptr_array_add(nets, net);
  } else {
    for (const char *const *a = csnn_arch_names(); *a != NULL; a++) {
      csnn_net *net;
      int status;

      if (arch != NULL && strcmp(arch, *a) != 0)
        continue;
      status = csnn_net_new(*a, 2, &net);
      if (status != CSNN_OK) {
        cs_error_from_engine(&error, status, *a);
        return cs_cli_fail_error(g_steal_pointer(&error));
      }
      randomise(net);
      g_ptr_array_add(nets, net);
    }
    if (nets->len == 0)
      return cs_cli_usage_error(
          NAME, "unknown --arch %s (squeezenet1_1, mobilenet_v2, efficientnet_b0)", arch);
  }

  if (!json)
    printf("%-16s %5s %12s %10s %9s\n", "model", "batch", "latency ms", "images/s", "GFLOP/s");
  for (guint i = 0; i < nets->len; i++) {
    csnn_net *net = g_ptr_array_index(nets, i);
    BenchResult r = { 0 };

    csnn_net_set_max_batch(net, batch);
    if (!bench_one(net, batch, seconds, &r, &error))
      return cs_cli_fail_error(g_steal_pointer(&error));
    if (json) {
      g_autoptr(JsonBuilder) b = json_builder_new();
      g_autoptr(JsonGenerator) gen = json_generator_new();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object(b);
      json_builder_set_member_name(b, "arch");
      json_builder_add_string_value(b, r.arch);
      json_builder_set_member_name(b, "batch");
      json_builder_add_int_value(b, r.batch);
      json_builder_set_member_name(b, "latency_ms");
      json_builder_add_double_value(b, r.latency_ms);
      json_builder_set_member_name(b, "images_per_s");
      json_builder_add_double_value(b, r.images_per_s);
      json_builder_set_member_name(b, "gflops_per_s");
      json_builder_add_double_value(b, r.gflops_per_s);
      json_builder_end_object(b);
      root = json_builder_get_root(b);
      json_generator_set_root(gen, root);
      text = json_generator_to_data(gen, NULL);
      printf("%s\n", text);
    } else {
      printf("%-16s %5d %12.2f %10.1f %9.1f\n", r.arch, r.batch, r.latency_ms, r.images_per_s,
             r.gflops_per_s);
    }
    fflush(stdout);
  }
  return CS_CLI_OK;
}
