/* cs-case-panel.c — the case's annotations: hand, label, split, nerve conduction, stage, notes
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-case-panel.h"

#include <glib/gi18n.h>
#include <math.h>

struct _CsCasePanel {
  GtkBox parent_instance;

  AdwPreferencesGroup *patient_group;
  AdwActionRow *patient_row;
  GtkSwitch *identity_switch;
  GBinding *identity_binding; /* The study's "identity-in-reports" and the switch (a reference). */

  AdwPreferencesGroup *case_group;
  AdwComboRow *hand_row;
  AdwComboRow *group_row;
  AdwComboRow *split_row;
  GtkSpinButton *dml_spin;
  GtkSpinButton *scv_spin;
  AdwComboRow *sensory_row;
  AdwComboRow *scheme_row;
  AdwComboRow *stage_row; /* "Computed", then each grade of the stage's scheme. */
  GtkTextView *notes_view;

  CsCase *case_;
  gulong changed_id;
  gboolean updating;            /* Set while the widgets are filled from the case. */
  CsGradingScheme stage_scheme; /* The scheme the stage row's grades are listed in. */
  gboolean stage_model_set;
};

G_DEFINE_FINAL_TYPE(CsCasePanel, cs_case_panel, GTK_TYPE_BOX)

/* Lists "Computed" (from the nerve conduction) and the grades of @scheme in the stage row. */
static void
fill_stage_model(CsCasePanel *self, CsGradingScheme scheme)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new(NULL);
  int lo, hi;

  gtk_string_list_append(list, _("Computed"));
  cs_grading_scheme_get_range(scheme, &lo, &hi);
  for (int grade = lo; grade <= hi; grade++) {
    char text[16];

    g_snprintf(text, sizeof text, "%d", grade);
    gtk_string_list_append(list, text);
  }
  adw_combo_row_set_model(self->stage_row, G_LIST_MODEL(list));
  self->stage_scheme = scheme;
  self->stage_model_set = TRUE;
}

/* Shows the case's stage: a grade entered by hand is selected in the stage row; a computed one
 * is said in the row's subtitle. The scheme cannot change under a hand-entered grade (its grades
 * do not translate), so the scheme row waits until the stage is computed again. */
static void
show_stage(CsCasePanel *self)
{
  int stage = cs_case_get_stage(self->case_), lo, hi;
  CsGradingScheme scheme = cs_case_get_stage_scheme(self->case_);
  gboolean manual = stage >= 0 && cs_case_get_stage_source(self->case_) == CS_STAGE_SOURCE_MANUAL;
  g_autofree char *subtitle = NULL;

  if (!self->stage_model_set || scheme != self->stage_scheme)
    fill_stage_model(self, scheme);
  cs_grading_scheme_get_range(scheme, &lo, &hi);
  adw_combo_row_set_selected(self->stage_row, manual ? (guint)(stage - lo + 1) : 0);
  if (manual)
    subtitle = g_strdup(_("Entered by hand"));
  else if (stage < 0)
    subtitle = g_strdup(_("Enter the nerve-conduction values to compute it, or choose a grade"));
  else
    subtitle = g_strdup_printf(_("Stage %d, computed from the nerve-conduction values"), stage);
  adw_action_row_set_subtitle(ADW_ACTION_ROW(self->stage_row), subtitle);
  gtk_widget_set_sensitive(GTK_WIDGET(self->scheme_row), !manual);
}

/* Enters the grade chosen in the stage row by hand, or hands the stage back to the
 * nerve-conduction values. */
static void
apply_stage(CsCasePanel *self)
{
  guint selected = adw_combo_row_get_selected(self->stage_row);
  g_autoptr(GError) error = NULL;
  int lo, hi;

  cs_grading_scheme_get_range(self->stage_scheme, &lo, &hi);
  if (selected == GTK_INVALID_LIST_POSITION)
    return;
  if (!cs_case_set_stage_manual(self->case_, self->stage_scheme,
                                selected == 0 ? -1 : lo + (int)selected - 1, &error)) {
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->stage_row), error->message);
    return;
  }
  show_stage(self);
}

static void
fill_from_case(CsCasePanel *self)
{
  CsNerveConduction ncs;
  g_autofree char *title = NULL;

  self->updating = TRUE;
  title = g_strdup_printf(_("Case %s"), cs_case_get_id(self->case_));
  adw_preferences_group_set_title(self->case_group, title);
  adw_combo_row_set_selected(self->hand_row, cs_case_get_hand(self->case_));
  adw_combo_row_set_selected(self->group_row, cs_case_get_group(self->case_));
  adw_combo_row_set_selected(self->split_row, cs_case_get_split(self->case_));
  cs_case_get_nerve_conduction(self->case_, &ncs);
  gtk_spin_button_set_value(self->dml_spin, isnan(ncs.dml_ms) ? 0 : ncs.dml_ms);
  gtk_spin_button_set_value(self->scv_spin, isnan(ncs.scv_m_s) ? 0 : ncs.scv_m_s);
  adw_combo_row_set_selected(self->sensory_row, ncs.sensory_response);
  adw_combo_row_set_selected(self->scheme_row, cs_case_get_stage_scheme(self->case_));
  show_stage(self);
  {
    GtkTextBuffer *buffer = gtk_text_view_get_buffer(self->notes_view);
    g_autofree char *current = NULL;
    GtkTextIter start, end;
    const char *notes = cs_case_get_notes(self->case_);

    gtk_text_buffer_get_bounds(buffer, &start, &end);
    current = gtk_text_buffer_get_text(buffer, &start, &end, FALSE);
    if (g_strcmp0(current, notes != NULL ? notes : "") != 0)
      gtk_text_buffer_set_text(buffer, notes != NULL ? notes : "", -1);
  }
  self->updating = FALSE;
}

static void
case_changed_cb(CsCase *c, CsCasePanel *self)
{
  if (!self->updating)
    fill_from_case(self);
}

void
cs_case_panel_set_case(CsCasePanel *self, CsCase *c)
{
  g_return_if_fail(CS_IS_CASE_PANEL(self));

  if (self->case_ == c)
    return;
  if (self->case_ != NULL)
    g_clear_signal_handler(&self->changed_id, self->case_);
  g_set_object(&self->case_, c);
  gtk_widget_set_sensitive(GTK_WIDGET(self), c != NULL);
  if (c == NULL)
    return;
  self->changed_id = g_signal_connect(c, "changed", G_CALLBACK(case_changed_cb), self);
  fill_from_case(self);
}

static void
apply_ncs(CsCasePanel *self)
{
  CsNerveConduction ncs;
  double dml = gtk_spin_button_get_value(self->dml_spin);
  double scv = gtk_spin_button_get_value(self->scv_spin);
  g_autoptr(GError) error = NULL;

  cs_case_get_nerve_conduction(self->case_, &ncs);
  ncs.dml_ms = dml > 0 ? dml : NAN;
  ncs.scv_m_s = scv > 0 ? scv : NAN;
  ncs.sensory_response = (CsTristate)adw_combo_row_get_selected(self->sensory_row);
  if (!cs_case_set_nerve_conduction(self->case_, &ncs, &error)) {
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->stage_row), error->message);
    return;
  }
  if (cs_case_get_stage_source(self->case_) == CS_STAGE_SOURCE_COMPUTED ||
      cs_case_get_stage(self->case_) < 0) {
    g_clear_error(&error);
    cs_case_compute_stage(self->case_,
                          (CsGradingScheme)adw_combo_row_get_selected(self->scheme_row), &error);
  }
  show_stage(self);
}

static void
row_changed_cb(GObject *row, GParamSpec *pspec, CsCasePanel *self)
{
  if (self->updating || self->case_ == NULL)
    return;
  self->updating = TRUE;
  if (row == G_OBJECT(self->hand_row))
    cs_case_set_hand(self->case_, (CsHand)adw_combo_row_get_selected(self->hand_row));
  else if (row == G_OBJECT(self->group_row))
    cs_case_set_group(self->case_, (CsGroup)adw_combo_row_get_selected(self->group_row));
  else if (row == G_OBJECT(self->split_row))
    cs_case_set_split(self->case_, (CsSplit)adw_combo_row_get_selected(self->split_row));
  else if (row == G_OBJECT(self->stage_row))
    apply_stage(self);
  else
    apply_ncs(self);
  self->updating = FALSE;
}

static void
spin_changed_cb(GtkSpinButton *spin, CsCasePanel *self)
{
  row_changed_cb(G_OBJECT(spin), NULL, self);
}

static void
notes_changed_cb(GtkTextBuffer *buffer, CsCasePanel *self)
{
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  if (self->updating || self->case_ == NULL)
    return;
  gtk_text_buffer_get_bounds(buffer, &start, &end);
  text = gtk_text_buffer_get_text(buffer, &start, &end, FALSE);
  self->updating = TRUE;
  cs_case_set_notes(self->case_, text[0] != '\0' ? text : NULL);
  self->updating = FALSE;
}

/* Ends the switch's binding to a study. The panel holds its own reference to the binding, so
 * this is safe after the study has gone (which ends the binding but frees only its own). */
static void
clear_identity_binding(CsCasePanel *self)
{
  if (self->identity_binding == NULL)
    return;
  g_binding_unbind(self->identity_binding);
  g_clear_object(&self->identity_binding);
}

void
cs_case_panel_set_sweep(CsCasePanel *self, CsSweep *sweep, CsStudy *study)
{
  CsDicom *dicom;
  const char *name, *id, *birth;
  g_autofree char *details = NULL;

  g_return_if_fail(CS_IS_CASE_PANEL(self));
  g_return_if_fail(sweep == NULL || CS_IS_SWEEP(sweep));
  g_return_if_fail(study == NULL || CS_IS_STUDY(study));

  clear_identity_binding(self);
  dicom = sweep != NULL ? cs_sweep_get_dicom(sweep) : NULL;
  gtk_widget_set_visible(GTK_WIDGET(self->patient_group), dicom != NULL);
  if (dicom == NULL) {
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->patient_row), "");
    adw_action_row_set_subtitle(self->patient_row, "");
    return;
  }
  name = cs_dicom_get_patient_name(dicom);
  id = cs_dicom_get_patient_id(dicom);
  birth = cs_dicom_get_patient_birth_date(dicom);
  /* Translators: a patient's ID and birth date from a DICOM file, e.g. "ID 98279 · born
   * 1961-02-03". */
  details = g_strdup_printf(_("ID %s · born %s"), id != NULL ? id : _("not recorded"),
                            birth != NULL ? birth : _("not recorded"));
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->patient_row),
                                name != NULL ? name : _("Name not recorded"));
  adw_action_row_set_subtitle(self->patient_row, details);
  gtk_widget_set_sensitive(GTK_WIDGET(self->identity_switch), study != NULL);
  if (study != NULL)
    self->identity_binding = g_object_ref(
        g_object_bind_property(study, "identity-in-reports", self->identity_switch, "active",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
}

static void
cs_case_panel_dispose(GObject *object)
{
  CsCasePanel *self = CS_CASE_PANEL(object);

  clear_identity_binding(self);
  if (self->case_ != NULL)
    g_clear_signal_handler(&self->changed_id, self->case_);
  g_clear_object(&self->case_);
  gtk_widget_dispose_template(GTK_WIDGET(self), CS_TYPE_CASE_PANEL);
  G_OBJECT_CLASS(cs_case_panel_parent_class)->dispose(object);
}

static void
cs_case_panel_class_init(CsCasePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = cs_case_panel_dispose;
  gtk_widget_class_set_template_from_resource(widget_class, RESOURCE_PREFIX "/ui/cs-case-panel.ui");
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, patient_group);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, patient_row);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, identity_switch);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, case_group);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, hand_row);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, group_row);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, split_row);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, dml_spin);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, scv_spin);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, sensory_row);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, scheme_row);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, stage_row);
  gtk_widget_class_bind_template_child(widget_class, CsCasePanel, notes_view);
}

static void
cs_case_panel_init(CsCasePanel *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));

  g_signal_connect(self->hand_row, "notify::selected", G_CALLBACK(row_changed_cb), self);
  g_signal_connect(self->group_row, "notify::selected", G_CALLBACK(row_changed_cb), self);
  g_signal_connect(self->split_row, "notify::selected", G_CALLBACK(row_changed_cb), self);
  g_signal_connect(self->sensory_row, "notify::selected", G_CALLBACK(row_changed_cb), self);
  g_signal_connect(self->scheme_row, "notify::selected", G_CALLBACK(row_changed_cb), self);
  g_signal_connect(self->stage_row, "notify::selected", G_CALLBACK(row_changed_cb), self);
  g_signal_connect(self->dml_spin, "value-changed", G_CALLBACK(spin_changed_cb), self);
  g_signal_connect(self->scv_spin, "value-changed", G_CALLBACK(spin_changed_cb), self);
  g_signal_connect(gtk_text_view_get_buffer(self->notes_view), "changed",
                   G_CALLBACK(notes_changed_cb), self);
  gtk_widget_set_sensitive(GTK_WIDGET(self), FALSE);
}
