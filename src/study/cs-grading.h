/* cs-grading.h — nerve-conduction values and the severity grading schemes computed from them
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A yes/no finding that may not have been recorded. */
typedef enum { CS_TRISTATE_UNKNOWN = 0, CS_TRISTATE_NO, CS_TRISTATE_YES } CsTristate;

/* The nerve-conduction study of one hand. Unrecorded numbers are NaN. */
typedef struct {
  double dml_ms;  /* Distal motor latency to abductor pollicis brevis, ms. */
  double scv_m_s; /* Sensory (nerve) conduction velocity, wrist to finger, m/s. */
  double cmap_mv; /* APB compound muscle action potential amplitude, mV (Bland grade 6). */
  CsTristate sensory_response;         /* A sensory nerve action potential was recordable. */
  CsTristate motor_response;           /* A motor response (hence a DML) was recordable. */
  CsTristate sensitive_tests_abnormal; /* Only the most sensitive (comparative) tests abnormal:
                                        * Bland grade 1. */
} CsNerveConduction;

/* The grading schemes a case's stage can be expressed in. */
typedef enum {
  CS_GRADING_SHINOHARA2022 = 0, /* The paper's stages 1-5 from DML and SNCV. */
  CS_GRADING_BLAND2000          /* Bland's neurophysiological grades 0-6. */
} CsGradingScheme;

/* One row of a scheme's table: what the grade means and where it comes from. */
typedef struct {
  int grade;
  const char *label;    /* Short name, e.g. "moderate". */
  const char *criteria; /* The rule, with this implementation's thresholds. */
} CsGradeInfo;

/* The thresholds the rules use. The paper's are DML >= 4.5 ms abnormal and SNCV < 40 m/s
 * abnormal; Bland's separates DML < 6.5 ms (grades 3, 4) from >= 6.5 ms (grade 5) and a CMAP
 * below 0.2 mV (grade 6). */
#define CS_GRADING_DML_ABNORMAL_MS     4.5
#define CS_GRADING_SCV_ABNORMAL_M_S    40.0
#define CS_GRADING_BLAND_DML_SEVERE_MS 6.5
#define CS_GRADING_BLAND_CMAP_MIN_MV   0.2

GType cs_tristate_get_type(void) G_GNUC_CONST;
#define CS_TYPE_TRISTATE (cs_tristate_get_type())
GType cs_grading_scheme_get_type(void) G_GNUC_CONST;
#define CS_TYPE_GRADING_SCHEME (cs_grading_scheme_get_type())

/* Fills @ncs with "nothing recorded" (NaN numbers, unknown findings). */
void cs_nerve_conduction_init(CsNerveConduction *ncs);

/* Returns TRUE when nothing is recorded. */
gboolean cs_nerve_conduction_is_empty(const CsNerveConduction *ncs);

/* Returns TRUE when @a and @b hold the same values (NaN equals NaN). */
gboolean cs_nerve_conduction_equal(const CsNerveConduction *a, const CsNerveConduction *b);

/* Checks ranges and consistency (no DML when the motor response is absent, ...); on failure sets
 * @error to "<path>.<field>: <problem>" (path may be NULL or ""). */
gboolean cs_nerve_conduction_validate(const CsNerveConduction *ncs, const char *path,
                                      GError **error);

/* Returns the scheme's identifier in study.json ("shinohara2022", "bland2000"). */
const char *cs_grading_scheme_to_string(CsGradingScheme scheme);

/* Parses an identifier; returns FALSE for an unknown one. */
gboolean cs_grading_scheme_from_string(const char *text, CsGradingScheme *scheme);

/* Returns the lowest and highest grade of @scheme (1-5 or 0-6). */
void cs_grading_scheme_get_range(CsGradingScheme scheme, int *min_grade, int *max_grade);

/* Returns the scheme's table (static) and its length in *n_rows. */
const CsGradeInfo *cs_grading_scheme_get_table(CsGradingScheme scheme, guint *n_rows);

/* Returns the citation of the scheme (static). */
const char *cs_grading_scheme_get_citation(CsGradingScheme scheme);

/* Computes the grade of @ncs under @scheme; returns -1 and sets @error when the values needed are
 * not recorded. *off_table (may be NULL) is set TRUE when the combination of findings is not one
 * the scheme defines and the grade was taken from the most severe finding (see cs-grading.c). */
int cs_grading_compute(CsGradingScheme scheme, const CsNerveConduction *ncs, gboolean *off_table,
                       GError **error);

G_END_DECLS
