/* cs-cli-import-model.c — carpalscope-cli import-model: an ONNX model as a Carpalscope model
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <stdio.h>
#include <string.h>

#include "cs-onnx-import.h"

/* Parses "A,B,C" into three positive-or-any numbers; FALSE when it is not that. */
static gboolean
parse_triple(const char *text, float *out, gboolean positive)
{
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);

  if (g_strv_length(parts) != 3)
    return FALSE;
  for (int i = 0; i < 3; i++) {
    char *end = NULL;
    double value = g_ascii_strtod(parts[i], &end);

    if (end == parts[i] || *end != '\0' || !(value == value) || (positive && !(value > 0.0)))
      return FALSE;
    out[i] = (float)value;
  }
  return TRUE;
}

int
cs_cli_import_model(int argc, char **argv)
{
  g_autofree char *arch = NULL, *mean = NULL, *std = NULL, *classes = NULL, *out = NULL;
  const GOptionEntry entries[] = {
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
      "The architecture to match: squeezenet1_1, mobilenet_v2 or efficientnet_b0 (default: "
      "recognise it)",
      "NAME" },
    { "mean", 0, 0, G_OPTION_ARG_STRING, &mean,
      "Per-channel mean the graph's input expects after x/255 (default: what the graph says, "
      "else ImageNet's)",
      "R,G,B" },
    { "std", 0, 0, G_OPTION_ARG_STRING, &std,
      "Per-channel standard deviation after x/255 (default: as --mean)", "R,G,B" },
    { "classes", 0, 0, G_OPTION_ARG_STRING, &classes,
      "Class names by index, comma-separated (default control,cts for two classes)", "A,B,..." },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The model to write (.safetensors)", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new("FILE.onnx - import an ONNX model");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) class_names = NULL;
  g_autofree char *command_line = NULL;
  CsOnnxImportOptions options = { 0 };
  CsOnnxImportInfo info;

  command_line = g_strjoinv(" ", argv);
  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "Reads an ONNX graph of SqueezeNet 1.1, MobileNetV2 or EfficientNet-B0 (as "
      "torch.onnx.export\n"
      "writes them: opsets 9-17, batch norms separate or folded, a Gemm or MatMul+Add head, one\n"
      "or two outputs) and writes its weights with the metadata Carpalscope reads. Every\n"
      "initializer is placed by the graph's structure, not its names; a graph of anything else\n"
      "is refused, naming the first node that does not fit. The input size comes from the\n"
      "graph. Sub, Div, Mul and Add of per-channel constants at the graph's input (MATLAB's\n"
      "input normalisation, or a model that normalises itself) become the model's mean and\n"
      "std; --mean/--std, else the graph's metadata_props \"mean\" and \"std\", say what the\n"
      "graph's input expects (without them: pixels 0-1, or 0-255 when those nodes subtract\n"
      "more than 2; with neither nodes nor metadata: ImageNet's). The model records the ONNX\n"
      "file's SHA-256 and that it was imported. Put it in your models folder to use it\n"
      "(carpalscope-cli models names the folder).");
  if (!cs_cli_parse(context, &argc, &argv, "import-model"))
    return CS_CLI_USAGE;
  if (argc != 2)
    return cs_cli_usage_error("import-model",
                              argc < 2 ? "no ONNX file given" : "give one ONNX file");
  if (out == NULL)
    return cs_cli_usage_error("import-model", "--out FILE.safetensors is required");
  if ((mean == NULL) != (std == NULL))
    return cs_cli_usage_error("import-model", "--mean and --std go together");
  if (mean != NULL &&
      (!parse_triple(mean, options.mean, FALSE) || !parse_triple(std, options.std, TRUE)))
    return cs_cli_usage_error("import-model",
                              "--mean and --std take three numbers each, as 0.5,0.5,0.5 "
                              "(std above zero)");
  if (classes != NULL) {
    class_names = g_strsplit(classes, ",", -1);
    for (guint i = 0; class_names[i] != NULL; i++)
      if (class_names[i][0] == '\0')
        return cs_cli_usage_error("import-model", "--classes has an empty name");
  }
  options.arch = arch;
  options.has_norm = mean != NULL;
  options.classes = (const char *const *)class_names;
  options.command_line = command_line;
  if (!cs_onnx_import_file(argv[1], &options, out, &info, &error))
    return cs_cli_fail_error(g_steal_pointer(&error));
  printf("%s: %s, %d x %d input, %d classes, batch norms %d separate and %d folded\n"
         "normalisation: mean %.6g, %.6g, %.6g, std %.6g, %.6g, %.6g (%s)\n",
         out, info.arch, info.input_size, info.input_size, info.n_classes, info.bn_separate,
         info.bn_folded, info.mean[0], info.mean[1], info.mean[2], info.std[0], info.std[1],
         info.std[2], info.norm_source);
  return CS_CLI_OK;
}
