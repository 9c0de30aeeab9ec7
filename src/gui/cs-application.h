/* cs-application.h — the Carpalscope application
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-model-catalog.h"

G_BEGIN_DECLS

#define CS_TYPE_APPLICATION (cs_application_get_type())

G_DECLARE_FINAL_TYPE(CsApplication, cs_application, CS, APPLICATION, AdwApplication)

/* Creates the application with its id and flags. */
CsApplication *cs_application_new(void);

/* The application's model catalogue, which every window and panel that offers a model shows. */
CsModelCatalog *cs_application_get_model_catalog(CsApplication *self);

/* Shows the about window over @parent. */
void cs_application_show_about(CsApplication *self, GtkWindow *parent);

G_END_DECLS
