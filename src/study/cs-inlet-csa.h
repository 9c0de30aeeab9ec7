/* cs-inlet-csa.h — a case's cross-sectional area at the carpal-tunnel inlet, by one rule
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* The inlet CSA is the measurement the literature compares (cs-reference.h): the area of the
 * median nerve traced in a short-axis view at the carpal-tunnel inlet, one value per hand. A case
 * may hold many tracings, at several levels, by several raters, so every face (the window, the
 * case and study reports, the scores table) asks this module, and they all read one rule:
 *
 * 1. Level. A tracing counts when its level tag is "inlet" in any ASCII case, spaces around it
 *    ignored ("Inlet", " INLET "). Other tags ("forearm", "outlet", "pisiform", "inlet-2") never
 *    count: the level names the anatomy, and a near miss is a different level, not a typo we
 *    may guess at. A tracing whose outline cannot be measured does not count either.
 * 2. Rater. When several raters traced the inlet, one rater's tracings are used, not a mixture:
 *    inter-rater differences are larger than repeat differences, and the published values were
 *    each measured by one examiner. The rater is the one with the most inlet tracings (the most
 *    precise mean); on a tie, the one whose first inlet tracing comes first in the case. Raters
 *    are told apart by their exact name; tracings without a rater are one more rater, "not
 *    recorded". The other raters' inlet tracings are counted in n_left_out and not averaged.
 * 3. Combination. The value is the mean area of that rater's inlet tracings, in px^2 and, when
 *    the pixel spacing is known, in mm^2. Tracings on different frames and repeats on one frame
 *    all count once each: they are repeated measurements of one level (the sweep spans the
 *    inlet, and clinicians average repeats).
 * 4. None. A case without a counting tracing has no inlet CSA: n_tracings is 0 and both areas
 *    are NaN. It is shown as "no inlet tracing", never as 0 mm^2, and is left out of group
 *    statistics. With tracings but no spacing, area_px2 is the value and area_mm2 is NaN: the
 *    faces show px^2 and do not compare it with the reference values.
 */

#include <glib.h>

#include "cs-case.h"

G_BEGIN_DECLS

/* A case's inlet CSA and what it was formed from. */
typedef struct {
  double area_mm2;  /* Mean area in mm^2; NaN when no tracing counts or the spacing is unknown. */
  double area_px2;  /* Mean area in px^2; NaN when no tracing counts. */
  guint n_tracings; /* Inlet tracings averaged; 0 when the case has no inlet CSA. */
  guint n_left_out; /* Measurable inlet tracings by other raters, not averaged. */
  guint n_raters;   /* Raters who traced the inlet (tracings without a rater count as one). */
  char *rater;      /* The rater whose tracings were averaged; NULL when not recorded or none. */
} CsInletCsa;

/* Returns TRUE when @level names the carpal-tunnel inlet under the rule above. */
gboolean cs_inlet_csa_level_matches(const char *level);

/* Applies the rule to @n_tracings tracings with @mm_per_px (0 or NaN: unknown spacing); fills
 * @out, which is overwritten, not cleared: clear it with cs_inlet_csa_clear() after use. */
void cs_inlet_csa_compute(const CsTracing *const *tracings, guint n_tracings, double mm_per_px,
                          CsInletCsa *out);

/* Applies the rule to the tracings of @c with its spacing; fills @out as above. */
void cs_inlet_csa_from_case(CsCase *c, CsInletCsa *out);

/* Returns TRUE when @tracing is one of those averaged into @csa (an inlet tracing, measurable,
 * by @csa's rater). */
gboolean cs_inlet_csa_counts(const CsInletCsa *csa, const CsTracing *tracing);

/* Frees the rater name and resets @csa to "no inlet CSA". */
void cs_inlet_csa_clear(CsInletCsa *csa);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CsInletCsa, cs_inlet_csa_clear)

G_END_DECLS
