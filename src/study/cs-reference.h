/* cs-reference.h — published values of the median nerve's cross-sectional area, with sources
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* Literature values, shown beside a traced area and drawn into the phantom; none is a threshold
 * validated for this software. They live here alone so that the window, the reports and the
 * phantom cannot drift apart, and so that a correction is one edit. Areas are of the median
 * nerve in a short-axis view at the carpal-tunnel inlet, inside the hyperechoic epineurial rim,
 * in mm^2. Plain macros, so plain C (the phantom's generator) can use them too.
 *
 * The GSettings defaults in data/io.github.carpalscope.Carpalscope.gschema.xml (csa-cutoff,
 * csa-delta-cutoff, csa-wrist-forearm-ratio) repeat three of these values, because a schema
 * cannot include a header; the gui tests check that they agree.
 */

/* Shinohara I, Inui A, Mifune Y, et al. Ultrasound Med Biol 2022;48(10):2052-2059, the study
 * Carpalscope reproduces: inlet CSA traced by hand in 50 control hands and 50 CTS hands (stage 2
 * or higher), mean and SD. */
#define CS_REFERENCE_SHINOHARA                  "Shinohara et al., Ultrasound Med Biol 2022"
#define CS_REFERENCE_SHINOHARA_CONTROL_MEAN_MM2 8.2
#define CS_REFERENCE_SHINOHARA_CONTROL_SD_MM2   2.4
#define CS_REFERENCE_SHINOHARA_CTS_MEAN_MM2     14.7
#define CS_REFERENCE_SHINOHARA_CTS_SD_MM2       5.3

/* Roll et al., J Diagn Med Sonogr 2023, a meta-analysis of 73 studies: the healthy inlet CSA,
 * mean and 95 % confidence interval. */
#define CS_REFERENCE_ROLL                     "Roll et al., J Diagn Med Sonogr 2023"
#define CS_REFERENCE_ROLL_HEALTHY_MEAN_MM2    8.68
#define CS_REFERENCE_ROLL_HEALTHY_CI_LOW_MM2  8.22
#define CS_REFERENCE_ROLL_HEALTHY_CI_HIGH_MM2 9.13

/* Olde Dubbelink et al., Front Neurol 2020: 11 mm^2 as the generally used fixed upper limit of
 * normal. It is the default of the window's cut-off (the csa-cutoff setting) and the line drawn
 * in the study report. */
#define CS_REFERENCE_OLDE_DUBBELINK  "Olde Dubbelink et al., Front Neurol 2020"
#define CS_REFERENCE_UPPER_LIMIT_MM2 11.0

/* Med Biol Eng Comput 2022: the range of published diagnostic cut-offs. */
#define CS_REFERENCE_CUTOFF_LOW_MM2  9.0
#define CS_REFERENCE_CUTOFF_HIGH_MM2 14.0

/* Klauser et al., Radiology 2009: inlet CSA minus the CSA at the pronator quadratus, in mm^2. */
#define CS_REFERENCE_KLAUSER       "Klauser et al., Radiology 2009"
#define CS_REFERENCE_DELTA_CSA_MM2 2.0

/* Hobson-Webb et al., Clin Neurophysiol 2008: inlet CSA over the CSA at the pronator quadratus
 * (the wrist-to-forearm ratio), no unit. */
#define CS_REFERENCE_HOBSON_WEBB         "Hobson-Webb et al., Clin Neurophysiol 2008"
#define CS_REFERENCE_WRIST_FOREARM_RATIO 1.4
