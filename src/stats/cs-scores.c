/* cs-scores.c — a table of per-frame scores: hand, frame, label, model, p(CTS), CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-scores.h"

#include "cs-csv.h"

#include "cs-error.h"

#include <math.h>
#include <string.h>

typedef struct {
  char *name;
  gboolean cts;
  double csa_sum;
  guint csa_count;
} Hand;

struct _CsScores {
  gint ref_count;
  GArray *rows;          /* CsScoreRow */
  GPtrArray *models;     /* char *, owned */
  GArray *hands;         /* Hand */
  GHashTable *model_ids; /* name -> index + 1 */
  GHashTable *hand_ids;  /* name -> index + 1 */
  GHashTable *keys;      /* "hand/frame/model" indices, for duplicates */
};

static void
hand_clear(gpointer data)
{
  g_free(((Hand *)data)->name);
}

CsScores *
cs_scores_new(void)
{
  CsScores *scores = g_new0(CsScores, 1);

  scores->ref_count = 1;
  scores->rows = g_array_new(FALSE, FALSE, sizeof(CsScoreRow));
  scores->models = g_ptr_array_new_with_free_func(g_free);
  scores->hands = g_array_new(FALSE, FALSE, sizeof(Hand));
  g_array_set_clear_func(scores->hands, hand_clear);
  scores->model_ids = g_hash_table_new(g_str_hash, g_str_equal);
  scores->hand_ids = g_hash_table_new(g_str_hash, g_str_equal);
  scores->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return scores;
}

CsScores *
cs_scores_ref(CsScores *scores)
{
  g_return_val_if_fail(scores != NULL, NULL);
  g_atomic_int_inc(&scores->ref_count);
  return scores;
}

void
cs_scores_unref(CsScores *scores)
{
  if (scores == NULL || !g_atomic_int_dec_and_test(&scores->ref_count))
    return;
  g_hash_table_destroy(scores->keys);
  g_hash_table_destroy(scores->hand_ids);
  g_hash_table_destroy(scores->model_ids);
  g_array_unref(scores->hands);
  g_ptr_array_unref(scores->models);
  g_array_unref(scores->rows);
  g_free(scores);
}

gboolean
cs_scores_add(CsScores *scores, const char *hand, gint64 frame, gboolean cts, const char *model,
              double p_cts, double csa_mm2, GError **error)
{
  guint hand_index, model_index;
  gpointer found;
  char *key;
  Hand *h;

  g_return_val_if_fail(scores != NULL, FALSE);
  g_return_val_if_fail(hand != NULL && model != NULL, FALSE);

  if (*hand == '\0' || *model == '\0') {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "empty %s name", *hand ? "model" : "hand");
    return FALSE;
  }
  if (frame < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "frame %" G_GINT64_FORMAT " is negative", frame);
    return FALSE;
  }
  if (!(p_cts >= 0.0 && p_cts <= 1.0)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "p_cts %g is not a probability in [0, 1]",
                p_cts);
    return FALSE;
  }
  if (!isnan(csa_mm2) && !(isfinite(csa_mm2) && csa_mm2 >= 0.0)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "csa_mm2 %g is not a non-negative area",
                csa_mm2);
    return FALSE;
  }

  found = g_hash_table_lookup(scores->hand_ids, hand);
  if (found != NULL) {
    hand_index = GPOINTER_TO_UINT(found) - 1;
    h = &g_array_index(scores->hands, Hand, hand_index);
    if (h->cts != !!cts) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "hand '%s' is labelled %s here but %s on an earlier row", hand,
                  cts ? "cts" : "control", h->cts ? "cts" : "control");
      return FALSE;
    }
  } else {
    hand_index = scores->hands->len;
  }
  found = g_hash_table_lookup(scores->model_ids, model);
  model_index = found ? GPOINTER_TO_UINT(found) - 1 : scores->models->len;

  key = g_strdup_printf("%u/%" G_GINT64_FORMAT "/%u", hand_index, frame, model_index);
  if (g_hash_table_contains(scores->keys, key)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "hand '%s', frame %" G_GINT64_FORMAT ", model '%s' appears twice", hand, frame,
                model);
    g_free(key);
    return FALSE;
  }
  g_hash_table_add(scores->keys, key);

  if (hand_index == scores->hands->len) {
    Hand new_hand = { g_strdup(hand), !!cts, 0.0, 0 };
    g_array_append_val(scores->hands, new_hand);
    g_hash_table_insert(scores->hand_ids, new_hand.name, GUINT_TO_POINTER(hand_index + 1));
  }
  if (model_index == scores->models->len) {
    char *name = g_strdup(model);
    g_ptr_array_add(scores->models, name);
    g_hash_table_insert(scores->model_ids, name, GUINT_TO_POINTER(model_index + 1));
  }
  h = &g_array_index(scores->hands, Hand, hand_index);
  if (!isnan(csa_mm2)) {
    h->csa_sum += csa_mm2;
    h->csa_count++;
  }
  {
    CsScoreRow row = { hand_index, model_index, frame, p_cts };
    g_array_append_val(scores->rows, row);
  }
  return TRUE;
}

/* The columns the CSV must (or may) have. */
enum { COL_HAND, COL_FRAME, COL_LABEL, COL_MODEL, COL_P_CTS, COL_CSA, N_COLUMNS };
static const char *const column_names[N_COLUMNS] = { "hand",  "frame", "label",
                                                     "model", "p_cts", "csa_mm2" };

/* Splits one line into fields: commas separate, double quotes may enclose a field ("" is a
 * quote inside it), spaces around a field are dropped. Returns NULL with @error on a bad quote. */
static GPtrArray *
split_fields(const char *line, GError **error)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
  const char *p = line;

  for (;;) {
    GString *field = g_string_new(NULL);
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '"') {
      p++;
      for (;;) {
        if (*p == '\0') {
          g_set_error_literal(error, CS_ERROR, CS_ERROR_INVALID,
                              "a quoted field is not closed (fields cannot span lines)");
          g_string_free(field, TRUE);
          g_ptr_array_unref(fields);
          return NULL;
        }
        if (*p == '"' && p[1] == '"') {
          g_string_append_c(field, '"');
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          g_string_append_c(field, *p++);
        }
      }
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p != ',' && *p != '\0') {
        g_set_error_literal(error, CS_ERROR, CS_ERROR_INVALID,
                            "unexpected text after a quoted field");
        g_string_free(field, TRUE);
        g_ptr_array_unref(fields);
        return NULL;
      }
    } else {
      while (*p != ',' && *p != '\0')
        g_string_append_c(field, *p++);
      while (field->len > 0 &&
             (field->str[field->len - 1] == ' ' || field->str[field->len - 1] == '\t'))
        g_string_truncate(field, field->len - 1);
    }
    g_ptr_array_add(fields, g_string_free(field, FALSE));
    if (*p != ',')
      break;
    p++;
  }
  return fields;
}

static gboolean
parse_label(const char *text, gboolean *cts)
{
  if (g_ascii_strcasecmp(text, "cts") == 0 || g_strcmp0(text, "1") == 0)
    *cts = TRUE;
  else if (g_ascii_strcasecmp(text, "control") == 0 || g_strcmp0(text, "0") == 0)
    *cts = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_double(const char *text, double *value)
{
  char *end = NULL;

  if (*text == '\0')
    return FALSE;
  *value = g_ascii_strtod(text, &end);
  return end != text && *end == '\0';
}

static gboolean
parse_row(CsScores *scores, GPtrArray *fields, const int *column, GError **error)
{
  const char *const *f = (const char *const *)fields->pdata;
  const char *text;
  gint64 frame = 0;
  gboolean cts = FALSE;
  double p_cts = 0.0, csa = NAN;

  text = f[column[COL_FRAME]];
  if (!g_ascii_string_to_signed(text, 10, 0, G_MAXINT64, &frame, NULL)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "frame '%s' is not a whole number >= 0", text);
    return FALSE;
  }
  text = f[column[COL_LABEL]];
  if (!parse_label(text, &cts)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "label '%s' is not one of control, cts, 0, 1",
                text);
    return FALSE;
  }
  text = f[column[COL_P_CTS]];
  if (!parse_double(text, &p_cts)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "p_cts '%s' is not a number", text);
    return FALSE;
  }
  if (column[COL_CSA] >= 0 && *(text = f[column[COL_CSA]]) != '\0' && !parse_double(text, &csa)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "csa_mm2 '%s' is not a number", text);
    return FALSE;
  }
  return cs_scores_add(scores, f[column[COL_HAND]], frame, cts, f[column[COL_MODEL]], p_cts, csa,
                       error);
}

CsScores *
cs_scores_parse_csv(const char *text, gsize length, const char *origin, GError **error)
{
  g_autoptr(CsScores) scores = cs_scores_new();
  g_auto(GStrv) lines = NULL;
  g_autofree char *copy = NULL;
  int column[N_COLUMNS];
  guint n_fields = 0;
  gboolean have_header = FALSE;

  g_return_val_if_fail(text != NULL, NULL);
  if (origin == NULL)
    origin = "scores";
  if (memchr(text, '\0', length) != NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: not a text file (it holds NUL bytes)",
                origin);
    return NULL;
  }
  if (!g_utf8_validate(text, (gssize)length, NULL)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: not UTF-8 text", origin);
    return NULL;
  }
  copy = g_strndup(text, length);
  lines = g_strsplit(g_str_has_prefix(copy, "\xEF\xBB\xBF") ? copy + 3 : copy, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    g_autoptr(GPtrArray) fields = NULL;
    g_autoptr(GError) local = NULL;
    char *line = lines[i];
    gsize len = strlen(line);

    if (len > 0 && line[len - 1] == '\r')
      line[--len] = '\0';
    if (line[strspn(line, " \t")] == '\0')
      continue; /* Blank lines are allowed anywhere. */
    fields = split_fields(line, &local);
    if (fields == NULL) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s:%u: %s", origin, i + 1, local->message);
      return NULL;
    }
    if (!have_header) {
      for (int c = 0; c < N_COLUMNS; c++)
        column[c] = -1;
      for (guint f = 0; f < fields->len; f++)
        for (int c = 0; c < N_COLUMNS; c++)
          if (g_ascii_strcasecmp(g_ptr_array_index(fields, f), column_names[c]) == 0) {
            if (column[c] >= 0) {
              g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s:%u: column '%s' appears twice",
                          origin, i + 1, column_names[c]);
              return NULL;
            }
            column[c] = (int)f;
          }
      for (int c = 0; c < COL_CSA; c++)
        if (column[c] < 0) {
          g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                      "%s:%u: the header has no '%s' column (needed: hand, frame, label, model, "
                      "p_cts; optional: csa_mm2)",
                      origin, i + 1, column_names[c]);
          return NULL;
        }
      n_fields = fields->len;
      have_header = TRUE;
      continue;
    }
    if (fields->len != n_fields) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s:%u: %u fields, but the header has %u",
                  origin, i + 1, fields->len, n_fields);
      return NULL;
    }
    if (!parse_row(scores, fields, column, &local)) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s:%u: %s", origin, i + 1, local->message);
      return NULL;
    }
  }
  if (!have_header) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: empty file (no header line)", origin);
    return NULL;
  }
  if (scores->rows->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: a header but no rows", origin);
    return NULL;
  }
  return g_steal_pointer(&scores);
}

CsScores *
cs_scores_load_csv(const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;
  gsize length = 0;

  g_return_val_if_fail(path != NULL, NULL);
  if (!g_file_get_contents(path, &contents, &length, &local)) {
    g_set_error(error, CS_ERROR,
                g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? CS_ERROR_NOT_FOUND
                                                                         : CS_ERROR_IO,
                "%s", local->message);
    return NULL;
  }
  return cs_scores_parse_csv(contents, length, path, error);
}

guint
cs_scores_get_n_rows(const CsScores *scores)
{
  return scores->rows->len;
}

guint
cs_scores_get_n_models(const CsScores *scores)
{
  return scores->models->len;
}

const char *
cs_scores_get_model(const CsScores *scores, guint index)
{
  g_return_val_if_fail(index < scores->models->len, NULL);
  return g_ptr_array_index(scores->models, index);
}

guint
cs_scores_get_n_hands(const CsScores *scores)
{
  return scores->hands->len;
}

const char *
cs_scores_get_hand(const CsScores *scores, guint index)
{
  g_return_val_if_fail(index < scores->hands->len, NULL);
  return g_array_index(scores->hands, Hand, index).name;
}

gboolean
cs_scores_get_hand_cts(const CsScores *scores, guint index)
{
  g_return_val_if_fail(index < scores->hands->len, FALSE);
  return g_array_index(scores->hands, Hand, index).cts;
}

double
cs_scores_get_hand_csa(const CsScores *scores, guint index)
{
  const Hand *h;

  g_return_val_if_fail(index < scores->hands->len, NAN);
  h = &g_array_index(scores->hands, Hand, index);
  return h->csa_count ? h->csa_sum / h->csa_count : NAN;
}

const CsScoreRow *
cs_scores_get_row(const CsScores *scores, guint index)
{
  g_return_val_if_fail(index < scores->rows->len, NULL);
  return &g_array_index(scores->rows, CsScoreRow, index);
}

char *
cs_scores_to_csv(const CsScores *scores)
{
  GString *out = g_string_new("hand,frame,label,model,p_cts,csa_mm2\n");

  g_return_val_if_fail(scores != NULL, NULL);
  for (guint i = 0; i < cs_scores_get_n_rows(scores); i++) {
    const CsScoreRow *row = cs_scores_get_row(scores, i);

    cs_csv_text(out, cs_scores_get_hand(scores, row->hand));
    g_string_append_printf(out, ",%" G_GINT64_FORMAT ",%s,", row->frame,
                           cs_scores_get_hand_cts(scores, row->hand) ? "cts" : "control");
    cs_csv_text(out, cs_scores_get_model(scores, row->model));
    cs_csv_number(out, row->p_cts);
    cs_csv_number(out, cs_scores_get_hand_csa(scores, row->hand));
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}
