/* test-engine-train-split.c — the trainer's data set: split by hand, augmentation, provenance
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "cs-error.h"
#include "cs-train.h"

static CsStudy *
make_study(int per_group, int test_per_group, int val_marked)
{
  CsStudy *study = cs_study_new();

  for (int g = 0; g < 2; g++)
    for (int i = 0; i < per_group; i++) {
      g_autofree char *id = g_strdup_printf("%s-%03d", g ? "cts" : "control", i);
      g_autoptr(CsCase) c = cs_case_new(id);
      g_autoptr(GError) error = NULL;

      cs_case_set_group(c, g ? CS_GROUP_CTS : CS_GROUP_CONTROL);
      cs_case_set_split(c, i < test_per_group                ? CS_SPLIT_TEST
                           : i < test_per_group + val_marked ? CS_SPLIT_VALIDATION
                                                             : CS_SPLIT_TRAIN);
      g_assert_true(cs_study_add_case(study, c, &error));
    }
  return study;
}

/* No hand is in two parts, test hands are never used, validation is per group, seeded. */
static void
test_split_by_hand(void)
{
  g_autoptr(CsStudy) study = make_study(50, 10, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) a = cs_train_split_hands(study, 4, 7, &error);
  g_autoptr(GArray) b = cs_train_split_hands(study, 4, 7, &error);
  g_autoptr(GArray) c = cs_train_split_hands(study, 4, 8, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  int val[2] = { 0, 0 }, train[2] = { 0, 0 };
  gboolean same = TRUE;

  g_assert_nonnull(a);
  g_assert_cmpuint(a->len, ==, 80);
  for (guint i = 0; i < a->len; i++) {
    const CsTrainHand *h = &g_array_index(a, CsTrainHand, i);
    CsCase *cc = cs_study_find_case(study, h->case_id);

    g_assert_false(g_hash_table_contains(seen, h->case_id));
    g_hash_table_add(seen, (gpointer)h->case_id);
    g_assert_cmpint(cs_case_get_split(cc), ==, CS_SPLIT_TRAIN);
    g_assert_cmpint(h->label, ==, cs_case_get_group(cc) == CS_GROUP_CTS);
    if (h->part == CS_SPLIT_VALIDATION)
      val[h->label]++;
    else
      train[h->label]++;
    /* The same seed gives the same parts. */
    g_assert_cmpstr(h->case_id, ==, g_array_index(b, CsTrainHand, i).case_id);
    g_assert_cmpint(h->part, ==, g_array_index(b, CsTrainHand, i).part);
  }
  g_assert_cmpint(val[0], ==, 4);
  g_assert_cmpint(val[1], ==, 4);
  g_assert_cmpint(train[0], ==, 36);
  g_assert_cmpint(train[1], ==, 36);
  /* Another seed sets other hands aside. */
  for (guint i = 0; i < c->len && same; i++) {
    const CsTrainHand *h = &g_array_index(c, CsTrainHand, i);
    if (h->part == CS_SPLIT_VALIDATION)
      for (guint k = 0; k < a->len; k++)
        if (strcmp(g_array_index(a, CsTrainHand, k).case_id, h->case_id) == 0 &&
            g_array_index(a, CsTrainHand, k).part != CS_SPLIT_VALIDATION)
          same = FALSE;
  }
  g_assert_false(same);
}

/* Hands the study marks for validation stay there and count towards the number asked. */
static void
test_split_marked_validation(void)
{
  g_autoptr(CsStudy) study = make_study(20, 4, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) hands = cs_train_split_hands(study, -1, 1, &error);
  int val = 0;

  g_assert_nonnull(hands);
  for (guint i = 0; i < hands->len; i++) {
    const CsTrainHand *h = &g_array_index(hands, CsTrainHand, i);
    CsCase *c = cs_study_find_case(study, h->case_id);
    if (cs_case_get_split(c) == CS_SPLIT_VALIDATION)
      g_assert_cmpint(h->part, ==, CS_SPLIT_VALIDATION);
    val += h->part == CS_SPLIT_VALIDATION;
  }
  /* A tenth of 16 hands per group rounds to 2, fewer than the 3 already marked. */
  g_assert_cmpint(val, ==, 6);
}

static void
test_split_errors(void)
{
  g_autoptr(CsStudy) empty = make_study(5, 5, 0);
  g_autoptr(CsStudy) one = make_study(1, 0, 0);
  g_autoptr(GError) error = NULL;
  GArray *hands = cs_train_split_hands(empty, 2, 1, &error);

  g_assert_null(hands);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  /* One training hand per group: none can be set aside. */
  hands = cs_train_split_hands(one, 1, 1, &error);
  g_assert_null(hands);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

/* Augmentation is seeded, changes the image, and keeps a uniform image uniform where the
 * source covers it. */
static void
test_augment(void)
{
  enum { S = 64 };
  guint8 src[S * S], a[S * S], b[S * S], flat[S * S], out[S * S];
  guint64 r1 = 5, r2 = 5;
  int differ = 0;

  for (int i = 0; i < S * S; i++)
    src[i] = (guint8)((i % S) * 3 + (i / S));
  memset(flat, 120, sizeof flat);
  cs_train_augment(src, S, a, &r1);
  cs_train_augment(src, S, b, &r2);
  g_assert_cmpmem(a, sizeof a, b, sizeof b);
  for (int i = 0; i < S * S; i++)
    differ += a[i] != src[i];
  g_assert_cmpint(differ, >, S * S / 4);
  for (int k = 0; k < 20; k++) {
    cs_train_augment(flat, S, out, &r1);
    /* The centre always maps inside (translation at most 10%, scale at least 0.8). */
    g_assert_cmpint(out[(S / 2) * S + S / 2], ==, 120);
  }
}

static void
test_describe(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autofree char *plain = NULL, *phantom = NULL;

  cs_study_set_name(study, "Wrist clinic 2026");
  plain = cs_train_describe_study(study);
  g_assert_null(strstr(plain, "phantom"));
  cs_study_set_notes(study, "Synthetic sweeps from the Carpalscope phantom generator");
  phantom = cs_train_describe_study(study);
  g_assert_cmpstr(phantom, ==, "synthetic phantom sweeps (demonstrator, not for patients)");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/train/split-by-hand", test_split_by_hand);
  g_test_add_func("/train/split-marked-validation", test_split_marked_validation);
  g_test_add_func("/train/split-errors", test_split_errors);
  g_test_add_func("/train/augment", test_augment);
  g_test_add_func("/train/describe", test_describe);
  return g_test_run();
}
