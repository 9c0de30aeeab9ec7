/* csnn-models.h — the metadata a model file carries, and what a model id may be
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model is a safetensors file; its id is the file name without ".safetensors". The engine
 * loads the files it is given and searches no folder: finding models is the application's
 * catalogue (src/analysis/cs-model-catalog.h).
 *
 *   csnn_model_meta meta;
 *   if (csnn_model_meta_read(st, &meta) == CSNN_OK) ...; meta.arch, meta.classes, meta.input_size
 */
#pragma once

#include <stddef.h>

#include "csnn-safetensors.h"
#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The file name extension of a model. */
#define CSNN_MODEL_EXTENSION ".safetensors"

/* The "__metadata__" keys Carpalscope writes and reads. Every value is a string; lists are written
 * as JSON text inside the string (as Python's json.dumps makes them), and read either that way or
 * as plain comma-separated values ("control,cts", "0.5,0.5,0.5"). */
#define CSNN_META_FORMAT     "format"     /* "pt", as PyTorch's safetensors writer marks files. */
#define CSNN_META_ARCH       "arch"       /* squeezenet1_1, mobilenet_v2 or efficientnet_b0. */
#define CSNN_META_CLASSES    "classes"    /* Class names in index order: ["control", "cts"]. */
#define CSNN_META_INPUT_SIZE "input_size" /* Side of the square network input: "224". */
#define CSNN_META_MEAN       "mean"       /* Per-channel mean of x/255: [0.485, 0.456, 0.406]. */
#define CSNN_META_STD        "std"        /* Per-channel std: [0.229, 0.224, 0.225]. */
#define CSNN_META_TRAINED_ON "trained_on" /* The data the weights were trained on, in words. */
#define CSNN_META_COMMAND    "command"    /* The command line that produced the weights. */
#define CSNN_META_DATE       "date"       /* When they were produced, ISO 8601 UTC. */
#define CSNN_META_VERSION    "carpalscope_version" /* The Carpalscope version that wrote them. */
#define CSNN_META_NOTICE     "notice" /* What the model is for and not for, in words. */

/* The most classes, and the longest class name, csnn_model_meta holds. */
#define CSNN_MAX_CLASSES    16
#define CSNN_MAX_CLASS_NAME 64
#define CSNN_MAX_ARCH_NAME  64

/* What the metadata says about using a model; defaults where it says nothing. */
typedef struct {
  char arch[CSNN_MAX_ARCH_NAME]; /* "" when the metadata names no architecture. */
  int n_classes;                 /* 0 when the metadata names no classes. */
  char classes[CSNN_MAX_CLASSES][CSNN_MAX_CLASS_NAME];
  int input_size; /* 224 unless the metadata says otherwise. */
  float mean[3];  /* ImageNet's unless the metadata says otherwise. */
  float std[3];
} csnn_model_meta;

/* Fills @meta from @st's metadata; a malformed value is a CSNN_ERR_FORMAT naming its key. */
int csnn_model_meta_read(const csnn_safetensors *st, csnn_model_meta *meta);

/* Returns whether @id is usable as a model id: non-empty, no '/', not starting with '.'. */
int csnn_models_valid_id(const char *id);

#ifdef __cplusplus
}
#endif
