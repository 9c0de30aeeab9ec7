/* cs-case-panel.h — the case's annotations: hand, label, split, nerve conduction, stage, notes
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-case.h"
#include "cs-study.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

#define CS_TYPE_CASE_PANEL (cs_case_panel_get_type())
G_DECLARE_FINAL_TYPE(CsCasePanel, cs_case_panel, CS, CASE_PANEL, GtkBox)

/* Edits @c (NULL: nothing to edit). Every change is written to the case at once. */
void cs_case_panel_set_case(CsCasePanel *self, CsCase *c);

/* Shows who @sweep is of when it is a DICOM file (the patient's name, ID and birth date, in this
 * window only) with @study's switch that lets its reports name the patient; NULL or another kind
 * of sweep hides them. */
void cs_case_panel_set_sweep(CsCasePanel *self, CsSweep *sweep, CsStudy *study);

G_END_DECLS
