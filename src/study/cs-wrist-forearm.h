/* cs-wrist-forearm.h — a case's wrist-to-forearm CSA ratio and delta-CSA, where both levels are
 * traced
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The two measures compare the median nerve's area at the carpal-tunnel inlet with its area at
 * the forearm (the pronator quadratus level): the ratio inlet / forearm (Hobson-Webb et al.
 * 2008: 1.4 and more suggests CTS) and the difference inlet - forearm in mm^2 (Klauser et al.
 * 2009: 2 mm^2 and more). The inlet side is the case's inlet CSA by its one rule
 * (cs-inlet-csa.h); the forearm side is the mean area of the tracings whose level is "forearm"
 * (any ASCII case, spaces around ignored) by the same rater, so that the two areas are one
 * examiner's. Without a forearm tracing by that rater there is no comparison. The ratio needs no
 * pixel spacing (it cancels); the difference needs it.
 */
#pragma once

#include "cs-inlet-csa.h"

G_BEGIN_DECLS

typedef struct {
  CsInletCsa inlet;   /* The inlet side (cleared with the rest). */
  double forearm_px2; /* Mean forearm area in px^2; NaN when none counts. */
  double forearm_mm2; /* The same in mm^2; NaN also when the spacing is unknown. */
  guint n_forearm;    /* Forearm tracings averaged. */
  double ratio;       /* inlet / forearm; NaN when either side is missing. */
  double delta_mm2;   /* inlet - forearm in mm^2; NaN also without a spacing. */
} CsWristForearm;

/* Returns TRUE when @level names the forearm level ("forearm", any case, spaces ignored). */
gboolean cs_wrist_forearm_level_matches(const char *level);

/* Computes both measures for @c with its tracings and spacing; clear @out after use. */
void cs_wrist_forearm_from_case(CsCase *c, CsWristForearm *out);

void cs_wrist_forearm_clear(CsWristForearm *wf);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CsWristForearm, cs_wrist_forearm_clear)

G_END_DECLS
