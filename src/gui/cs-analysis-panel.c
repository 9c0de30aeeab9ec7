/* cs-analysis-panel.c — the network's answer for the hand beside the traced CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-analysis-panel.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs-case-spacing.h"
#include "cs-inlet-csa.h"
#include "cs-polygon.h"
#include "cs-reference.h"
#include "cs-spacing.h"
#include "cs-wrist-forearm.h"

struct _CsAnalysisPanel {
  GtkBox parent_instance;

  AdwComboRow *model_row;
  GtkSpinButton *threshold_spin;
  GtkLabel *model_card_label;
  GtkButton *analyse_button;
  GtkButton *cancel_button;
  GtkProgressBar *progress_bar;
  GtkLabel *p_hand_label;
  GtkLabel *verdict_label;
  GtkLabel *spread_label;
  GtkLabel *frame_p_label;
  GtkDropDown *level_dropdown;
  GtkListBox *tracing_list;
  GtkLabel *csa_reference_label;

  CsModelCatalog *models;
  CsCase *case_;
  CsSweep *sweep; /* The case's sweep once open: a DICOM file's regions decide each row's mm. */
  gulong changed_id;
  int frame;
  double csa_cutoff;
  double ratio_cutoff;
  double delta_cutoff_mm2;
};

G_DEFINE_FINAL_TYPE(CsAnalysisPanel, cs_analysis_panel, GTK_TYPE_BOX)

enum { PROP_0, PROP_THRESHOLD, PROP_MODEL_ID, PROP_MODEL_CATALOG, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CANCEL_REQUESTED, SIGNAL_FRAME_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static CsModelInfo *
selected_model(CsAnalysisPanel *self)
{
  return adw_combo_row_get_selected_item(self->model_row);
}

const char *
cs_analysis_panel_get_model_id(CsAnalysisPanel *self)
{
  CsModelInfo *info;

  g_return_val_if_fail(CS_IS_ANALYSIS_PANEL(self), NULL);
  info = selected_model(self);
  return info != NULL ? cs_model_info_get_id(info) : NULL;
}

const char *
cs_analysis_panel_get_model_sha256(CsAnalysisPanel *self)
{
  CsModelInfo *info;

  g_return_val_if_fail(CS_IS_ANALYSIS_PANEL(self), NULL);
  info = selected_model(self);
  return info != NULL ? cs_model_info_get_sha256(info) : NULL;
}

void
cs_analysis_panel_set_model_id(CsAnalysisPanel *self, const char *id)
{
  guint position;

  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  position = self->models != NULL ? cs_model_catalog_find(self->models, id) : G_MAXUINT;
  if (position != G_MAXUINT)
    adw_combo_row_set_selected(self->model_row, position);
}

double
cs_analysis_panel_get_threshold(CsAnalysisPanel *self)
{
  g_return_val_if_fail(CS_IS_ANALYSIS_PANEL(self), 0.5);
  return gtk_spin_button_get_value(self->threshold_spin);
}

void
cs_analysis_panel_set_threshold(CsAnalysisPanel *self, double threshold)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));
  gtk_spin_button_set_value(self->threshold_spin, threshold);
}

const char *
cs_analysis_panel_get_level(CsAnalysisPanel *self)
{
  GtkStringObject *item;

  g_return_val_if_fail(CS_IS_ANALYSIS_PANEL(self), "inlet");
  item = gtk_drop_down_get_selected_item(self->level_dropdown);
  return item != NULL ? gtk_string_object_get_string(item) : "inlet";
}

const CsModelResult *
cs_analysis_panel_get_result(CsAnalysisPanel *self, gboolean *stale)
{
  const char *sha;
  const CsModelResult *result;

  g_return_val_if_fail(CS_IS_ANALYSIS_PANEL(self), NULL);

  sha = cs_analysis_panel_get_model_sha256(self);
  if (self->case_ == NULL || sha == NULL)
    return NULL;
  result = cs_case_find_result(self->case_, sha);
  if (result != NULL && stale != NULL)
    *stale = cs_case_result_is_stale(self->case_, result, sha);
  return result;
}

static void
show_model_card(CsAnalysisPanel *self)
{
  CsModelInfo *info = selected_model(self);
  const char *trained_on;
  g_autofree char *text = NULL;

  if (info == NULL) {
    gtk_label_set_text(self->model_card_label,
                       _("No model is installed. Train one with carpalscope-cli train."));
    return;
  }
  /* Translators: architecture, what it was trained on and the start of the weights' hash. */
  trained_on = cs_model_info_get_trained_on(info);
  text = g_strdup_printf(_("%s · trained on %s · weights %.12s…"),
                         cs_model_info_get_arch(info)[0] ? cs_model_info_get_arch(info) : "?",
                         trained_on != NULL ? trained_on : _("unstated data"),
                         cs_model_info_get_sha256(info));
  if (cs_model_info_is_phantom_trained(info)) {
    g_autofree char *both = g_strconcat(
        text, "\n",
        _("A demonstrator trained on synthetic phantoms: for research and teaching, not for "
          "patients."),
        NULL);

    g_free(text);
    text = g_steal_pointer(&both);
  }
  gtk_label_set_text(self->model_card_label, text);
}

static void
show_frame_p(CsAnalysisPanel *self)
{
  const CsModelResult *result = cs_analysis_panel_get_result(self, NULL);
  g_autofree char *text = NULL;

  if (result != NULL) {
    for (guint i = 0; i < result->n_frames; i++) {
      if (result->frames[i] == self->frame) {
        /* Translators: p(CTS) of the frame shown. */
        text =
            g_strdup_printf(_("This frame (%d): p(CTS) = %.3f"), self->frame + 1, result->p_cts[i]);
        break;
      }
    }
  }
  gtk_label_set_text(self->frame_p_label, text != NULL ? text : "");
}

static void
show_result(CsAnalysisPanel *self)
{
  gboolean stale = FALSE;
  const CsModelResult *result = cs_analysis_panel_get_result(self, &stale);
  double threshold = cs_analysis_panel_get_threshold(self);
  g_autofree char *p_text = NULL;
  g_autofree char *spread = NULL;
  double sum2 = 0, mean;
  guint above = 0;

  gtk_widget_remove_css_class(GTK_WIDGET(self->verdict_label), "error");
  gtk_widget_remove_css_class(GTK_WIDGET(self->verdict_label), "success");
  if (result == NULL || result->n_frames == 0) {
    gtk_label_set_text(self->p_hand_label, "—");
    gtk_label_set_text(self->verdict_label,
                       self->case_ != NULL ? _("Not analysed with this model yet") : "");
    gtk_label_set_text(self->spread_label, "");
    gtk_label_set_text(self->frame_p_label, "");
    return;
  }
  mean = result->p_hand;
  for (guint i = 0; i < result->n_frames; i++) {
    sum2 += (result->p_cts[i] - mean) * (result->p_cts[i] - mean);
    above += result->p_cts[i] >= threshold;
  }
  p_text = g_strdup_printf("%.3f", result->p_hand);
  gtk_label_set_text(self->p_hand_label, p_text);
  if (stale) {
    gtk_label_set_text(self->verdict_label,
                       _("Stale: the ROI changed since this analysis — analyse again"));
  } else if (result->p_hand >= threshold) {
    g_autofree char *verdict = g_strdup_printf(_("CTS at threshold %.2f"), threshold);

    gtk_label_set_text(self->verdict_label, verdict);
    gtk_widget_add_css_class(GTK_WIDGET(self->verdict_label), "error");
  } else {
    g_autofree char *verdict = g_strdup_printf(_("Control at threshold %.2f"), threshold);

    gtk_label_set_text(self->verdict_label, verdict);
    gtk_widget_add_css_class(GTK_WIDGET(self->verdict_label), "success");
  }
  /* Translators: the spread of the per-frame values behind the hand-level p(CTS). */
  spread = g_strdup_printf(
      _("%s of %u frames · SD %.3f · %u of %u frames at or above the "
        "threshold · %s"),
      result->summary != NULL && g_str_equal(result->summary, "median") ? _("Median") : _("Mean"),
      result->n_frames, result->n_frames > 1 ? sqrt(sum2 / (result->n_frames - 1)) : 0.0, above,
      result->n_frames, result->model_id);
  gtk_label_set_text(self->spread_label, spread);
  show_frame_p(self);
}

static void
remove_tracing_clicked_cb(GtkButton *button, CsAnalysisPanel *self)
{
  guint index = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(button), "tracing-index"));

  if (self->case_ != NULL && index < cs_case_get_n_tracings(self->case_))
    cs_case_remove_tracing(self->case_, index);
}

static void
show_tracing_clicked_cb(GtkButton *button, CsAnalysisPanel *self)
{
  int frame = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(button), "tracing-frame"));

  g_signal_emit(self, signals[SIGNAL_FRAME_ACTIVATED], 0, frame);
}

/* Appends the case's inlet CSA (cs-inlet-csa.h) beside the cut-off, and what it was formed
 * from. */
static void
append_inlet_csa(GString *text, const CsInletCsa *inlet, double cutoff_mm2, gboolean split)
{
  if (inlet->n_tracings == 0) {
    g_string_append(text, _("No inlet tracing: trace the nerve at the carpal-tunnel inlet (level "
                            "“inlet”) to set its area beside the reference."));
    return;
  }
  if (isnan(inlet->area_mm2) && split)
    g_string_append_printf(text,
                           _("Traced inlet CSA %.0f px²: the case's tracings do not all lie where "
                             "the DICOM file gives the case's spacing, so it has no mm² to set "
                             "beside the reference."),
                           inlet->area_px2);
  else if (isnan(inlet->area_mm2))
    g_string_append_printf(text,
                           _("Traced inlet CSA %.0f px²: without a pixel spacing it cannot be "
                             "set beside the reference."),
                           inlet->area_px2);
  else
    g_string_append_printf(text,
                           inlet->area_mm2 >= cutoff_mm2
                               ? _("Traced inlet CSA %.1f mm² is at or above %.1f mm².")
                               : _("Traced inlet CSA %.1f mm² is below %.1f mm²."),
                           inlet->area_mm2, cutoff_mm2);
  g_string_append_c(text, ' ');
  if (inlet->rater != NULL)
    g_string_append_printf(text,
                           g_dngettext(GETTEXT_PACKAGE, "It is the mean of %u inlet tracing by %s.",
                                       "It is the mean of %u inlet tracings by %s.",
                                       inlet->n_tracings),
                           inlet->n_tracings, inlet->rater);
  else
    g_string_append_printf(
        text,
        g_dngettext(GETTEXT_PACKAGE, "It is the mean of %u inlet tracing, no rater recorded.",
                    "It is the mean of %u inlet tracings, no rater recorded.", inlet->n_tracings),
        inlet->n_tracings);
  if (inlet->n_left_out > 0) {
    g_string_append_c(text, ' ');
    g_string_append_printf(
        text,
        g_dngettext(GETTEXT_PACKAGE, "%u inlet tracing by another rater is not averaged.",
                    "%u inlet tracings by other raters are not averaged.", inlet->n_left_out),
        inlet->n_left_out);
  }
}

static void show_tracings(CsAnalysisPanel *self);

/* Appends the wrist-to-forearm ratio and delta-CSA (cs-wrist-forearm.h) beside their
 * literature cut-offs, where both levels are traced. */
static void
append_wrist_forearm(GString *text, const CsWristForearm *wf, double ratio_cutoff,
                     double delta_cutoff_mm2, gboolean split)
{
  if (wf->inlet.n_tracings == 0)
    return;
  g_string_append_c(text, '\n');
  if (wf->n_forearm == 0) {
    g_string_append(text, _("Trace the forearm level (pronator quadratus, level “forearm”) too "
                            "to compare the two areas."));
    return;
  }
  if (split) {
    g_string_append(text, _("The wrist-to-forearm ratio and ΔCSA need both levels traced where "
                            "the DICOM file gives one spacing."));
    return;
  }
  g_string_append_printf(text,
                         _("Wrist-to-forearm ratio %.2f (literature cut-off %.1f, Hobson-Webb "
                           "et al. 2008)."),
                         wf->ratio, ratio_cutoff);
  g_string_append_c(text, ' ');
  if (isnan(wf->delta_mm2))
    g_string_append(text, _("ΔCSA needs a pixel spacing."));
  else
    g_string_append_printf(text,
                           _("ΔCSA %.1f mm² (literature cut-off %.1f mm², Klauser et al. 2009)."),
                           wf->delta_mm2, delta_cutoff_mm2);
}

void
cs_analysis_panel_set_forearm_cutoffs(CsAnalysisPanel *self, double ratio, double delta_mm2)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  self->ratio_cutoff = ratio;
  self->delta_cutoff_mm2 = delta_mm2;
  show_tracings(self);
}

static void
show_tracings(CsAnalysisPanel *self)
{
  GtkWidget *child;
  g_auto(CsWristForearm) wf = { 0 };
  GString *reference = g_string_new(NULL);
  const CsModelResult *result;
  gboolean stale = FALSE, split;

  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->tracing_list))) != NULL)
    gtk_list_box_remove(self->tracing_list, child);
  if (self->case_ == NULL) {
    gtk_label_set_text(self->csa_reference_label, "");
    g_string_free(reference, TRUE);
    return;
  }
  for (guint i = 0; i < cs_case_get_n_tracings(self->case_); i++) {
    const CsTracing *tracing = cs_case_get_tracing(self->case_, i);
    g_autofree char *why = NULL;
    CsSpacing spacing = cs_case_get_tracing_spacing(self->case_, self->sweep, i, &why, TRUE);
    g_autofree char *source = cs_spacing_dup_label(&spacing, TRUE);
    CsPolygonMeasures measures;
    g_autofree char *area = NULL;
    g_autofree char *title = NULL;
    g_autofree char *subtitle = NULL;
    GtkWidget *row = adw_action_row_new();
    GtkWidget *show_button = gtk_button_new_from_icon_name("find-location-symbolic");
    GtkWidget *remove_button = gtk_button_new_from_icon_name("user-trash-symbolic");

    if (cs_polygon_measure(tracing->points, tracing->n_points, spacing.mm_per_px, &measures) !=
        CS_POLYGON_OK)
      continue;
    area = cs_spacing_format_area(&spacing, measures.area_px2);
    /* Translators: a tracing: its level and area, e.g. "inlet: 9.8 mm²". */
    title = g_strdup_printf(_("%s: %s"), tracing->level, area);
    if (cs_spacing_is_known(&spacing))
      subtitle = g_strdup_printf(_("frame %d · flattening %.2f · calibration: %s"),
                                 (int)tracing->frame + 1, measures.flattening, source);
    else if (why != NULL)
      /* Translators: why a tracing has no area in mm², e.g. "it lies outside every DICOM
       * region". */
      subtitle = g_strdup_printf(_("frame %d · flattening %.2f · no mm²: %s"),
                                 (int)tracing->frame + 1, measures.flattening, why);
    else
      subtitle = g_strdup_printf(_("frame %d · flattening %.2f · spacing unknown: px²"),
                                 (int)tracing->frame + 1, measures.flattening);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
    gtk_widget_set_valign(show_button, GTK_ALIGN_CENTER);
    gtk_widget_set_valign(remove_button, GTK_ALIGN_CENTER);
    gtk_widget_set_tooltip_text(show_button, _("Show its frame"));
    gtk_widget_set_tooltip_text(remove_button, _("Delete this tracing"));
    gtk_accessible_update_property(GTK_ACCESSIBLE(show_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   _("Show its frame"), -1);
    gtk_accessible_update_property(GTK_ACCESSIBLE(remove_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   _("Delete this tracing"), -1);
    gtk_widget_add_css_class(show_button, "flat");
    gtk_widget_add_css_class(remove_button, "flat");
    g_object_set_data(G_OBJECT(show_button), "tracing-frame", GINT_TO_POINTER(tracing->frame));
    g_object_set_data(G_OBJECT(remove_button), "tracing-index", GUINT_TO_POINTER(i));
    g_signal_connect(show_button, "clicked", G_CALLBACK(show_tracing_clicked_cb), self);
    g_signal_connect(remove_button, "clicked", G_CALLBACK(remove_tracing_clicked_cb), self);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), show_button);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), remove_button);
    gtk_list_box_append(self->tracing_list, row);
  }

  g_string_append_printf(
      reference,
      _("Literature reference, not a device threshold: an inlet CSA of %.1f mm² or more is "
        "often reported in CTS. Shinohara et al. (2022) traced %.1f ± %.1f mm² in controls and "
        "%.1f ± %.1f mm² in CTS."),
      self->csa_cutoff, CS_REFERENCE_SHINOHARA_CONTROL_MEAN_MM2,
      CS_REFERENCE_SHINOHARA_CONTROL_SD_MM2, CS_REFERENCE_SHINOHARA_CTS_MEAN_MM2,
      CS_REFERENCE_SHINOHARA_CTS_SD_MM2);
  result = cs_analysis_panel_get_result(self, &stale);
  cs_wrist_forearm_from_case(self->case_, &wf);
  split = !cs_case_tracings_share_spacing(self->case_, self->sweep);
  if (split)
    wf.inlet.area_mm2 = wf.forearm_mm2 = wf.ratio = wf.delta_mm2 = NAN;
  g_string_append_c(reference, '\n');
  append_inlet_csa(reference, &wf.inlet, self->csa_cutoff, split);
  if (!isnan(wf.inlet.area_mm2)) {
    if (result != NULL && !stale) {
      g_string_append_c(reference, ' ');
      g_string_append_printf(reference, _("The network gives p(CTS) = %.2f for the hand."),
                             result->p_hand);
    }
  }
  append_wrist_forearm(reference, &wf, self->ratio_cutoff, self->delta_cutoff_mm2, split);
  gtk_label_set_text(self->csa_reference_label, reference->str);
  g_string_free(reference, TRUE);
}

static void
refresh(CsAnalysisPanel *self)
{
  show_model_card(self);
  show_result(self);
  show_tracings(self);
}

static void
case_changed_cb(CsCase *c, CsAnalysisPanel *self)
{
  refresh(self);
}

void
cs_analysis_panel_set_case(CsAnalysisPanel *self, CsCase *c)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  if (self->case_ != NULL)
    g_clear_signal_handler(&self->changed_id, self->case_);
  g_set_object(&self->case_, c);
  if (c != NULL)
    self->changed_id = g_signal_connect(c, "changed", G_CALLBACK(case_changed_cb), self);
  gtk_widget_set_sensitive(GTK_WIDGET(self->analyse_button), c != NULL);
  refresh(self);
}

void
cs_analysis_panel_set_sweep(CsAnalysisPanel *self, CsSweep *sweep)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));
  g_return_if_fail(sweep == NULL || CS_IS_SWEEP(sweep));

  if (g_set_object(&self->sweep, sweep))
    show_tracings(self);
}

void
cs_analysis_panel_set_frame(CsAnalysisPanel *self, int frame)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  self->frame = frame;
  show_frame_p(self);
}

void
cs_analysis_panel_set_running(CsAnalysisPanel *self, gboolean running)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  gtk_widget_set_visible(GTK_WIDGET(self->progress_bar), running);
  gtk_widget_set_visible(GTK_WIDGET(self->cancel_button), running);
  gtk_widget_set_sensitive(GTK_WIDGET(self->model_row), !running);
  if (running)
    cs_analysis_panel_set_progress(self, 0, _("Starting…"));
}

void
cs_analysis_panel_set_progress(CsAnalysisPanel *self, double fraction, const char *text)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  gtk_progress_bar_set_fraction(self->progress_bar, CLAMP(fraction, 0, 1));
  gtk_progress_bar_set_text(self->progress_bar, text);
}

void
cs_analysis_panel_set_csa_cutoff(CsAnalysisPanel *self, double cutoff_mm2)
{
  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  self->csa_cutoff = cutoff_mm2;
  show_tracings(self);
}

void
cs_analysis_panel_reload_models(CsAnalysisPanel *self)
{
  g_autofree char *previous = NULL;

  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));

  /* A model whose weights changed in place is a new item: select its id again. */
  previous = g_strdup(cs_analysis_panel_get_model_id(self));
  cs_model_catalog_rescan(self->models);
  if (previous != NULL)
    cs_analysis_panel_set_model_id(self, previous);
  refresh(self);
}

void
cs_analysis_panel_set_model_catalog(CsAnalysisPanel *self, CsModelCatalog *models)
{
  g_autofree char *previous = NULL;

  g_return_if_fail(CS_IS_ANALYSIS_PANEL(self));
  g_return_if_fail(CS_IS_MODEL_CATALOG(models));

  if (self->models == models)
    return;
  previous = g_strdup(cs_analysis_panel_get_model_id(self));
  g_set_object(&self->models, models);
  adw_combo_row_set_model(self->model_row, G_LIST_MODEL(models));
  if (previous != NULL)
    cs_analysis_panel_set_model_id(self, previous);
  refresh(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MODEL_CATALOG]);
}

static void
model_selected_cb(AdwComboRow *row, GParamSpec *pspec, CsAnalysisPanel *self)
{
  refresh(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MODEL_ID]);
}

static void
threshold_changed_cb(GtkSpinButton *spin, CsAnalysisPanel *self)
{
  show_result(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_THRESHOLD]);
}

/* Parses "x1,y1 x2,y2 ..." (commas, spaces or semicolons between numbers) into (x, y) pairs. */
static double *
parse_vertices(const char *text, guint *n_points, GError **error)
{
  g_autofree char *copy = g_strstrip(g_strdup(text));
  g_auto(GStrv) tokens = g_regex_split_simple("[\\s,;]+", copy, 0, 0);
  g_autoptr(GArray) values = g_array_new(FALSE, FALSE, sizeof(double));

  for (guint i = 0; tokens[i] != NULL; i++) {
    char *end = NULL;
    double value;

    if (tokens[i][0] == '\0')
      continue;
    value = g_ascii_strtod(tokens[i], &end);
    if (end == tokens[i] || *end != '\0' || !isfinite(value)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is not a number"), tokens[i]);
      return NULL;
    }
    g_array_append_val(values, value);
  }
  if (values->len % 2 != 0 || values->len < 6) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                _("Give at least three vertices as x,y pairs"));
    return NULL;
  }
  *n_points = values->len / 2;
  return (double *)(void *)g_array_free(g_steal_pointer(&values), FALSE);
}

static void
vertices_response_cb(AdwMessageDialog *dialog, const char *response, CsAnalysisPanel *self)
{
  GtkEditable *entry = GTK_EDITABLE(adw_message_dialog_get_extra_child(dialog));
  g_autoptr(GError) error = NULL;
  g_autofree double *points = NULL;
  guint n = 0;
  CsTracing *tracing;

  if (g_strcmp0(response, "add") != 0 || self->case_ == NULL)
    return;
  points = parse_vertices(gtk_editable_get_text(entry), &n, &error);
  if (points != NULL) {
    tracing = cs_tracing_new(cs_analysis_panel_get_level(self), self->frame, points, n);
    cs_case_add_tracing(self->case_, tracing, &error);
    cs_tracing_free(tracing);
  }
  if (error != NULL) {
    AdwMessageDialog *message = ADW_MESSAGE_DIALOG(adw_message_dialog_new(
        GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self))), _("Tracing Not Added"), error->message));

    adw_message_dialog_add_response(message, "close", _("_Close"));
    gtk_window_present(GTK_WINDOW(message));
  }
}

static void
vertices_clicked_cb(CsAnalysisPanel *self)
{
  AdwMessageDialog *dialog;
  GtkWidget *entry = gtk_entry_new();
  g_autofree char *body = NULL;

  if (self->case_ == NULL)
    return;
  body = g_strdup_printf(_("Vertices of the %s outline on frame %d, in image pixels: "
                           "x1,y1 x2,y2 x3,y3 …"),
                         cs_analysis_panel_get_level(self), self->frame + 1);
  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(
      GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self))), _("Enter Vertices"), body));
  gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
  gtk_accessible_update_property(GTK_ACCESSIBLE(entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Vertices"), -1);
  adw_message_dialog_set_extra_child(dialog, entry);
  adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "add", _("_Add Tracing"), NULL);
  adw_message_dialog_set_response_appearance(dialog, "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "add");
  g_signal_connect(dialog, "response", G_CALLBACK(vertices_response_cb), self);
  gtk_window_present(GTK_WINDOW(dialog));
}

static void
cancel_clicked_cb(CsAnalysisPanel *self)
{
  g_signal_emit(self, signals[SIGNAL_CANCEL_REQUESTED], 0);
}

static void
cs_analysis_panel_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsAnalysisPanel *self = CS_ANALYSIS_PANEL(object);

  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_double(value, cs_analysis_panel_get_threshold(self));
      break;
    case PROP_MODEL_ID:
      g_value_set_string(value, cs_analysis_panel_get_model_id(self));
      break;
    case PROP_MODEL_CATALOG:
      g_value_set_object(value, self->models);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_analysis_panel_set_property(GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  CsAnalysisPanel *self = CS_ANALYSIS_PANEL(object);

  switch (prop_id) {
    case PROP_THRESHOLD:
      cs_analysis_panel_set_threshold(self, g_value_get_double(value));
      break;
    case PROP_MODEL_ID:
      cs_analysis_panel_set_model_id(self, g_value_get_string(value));
      break;
    case PROP_MODEL_CATALOG:
      cs_analysis_panel_set_model_catalog(self, g_value_get_object(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_analysis_panel_dispose(GObject *object)
{
  CsAnalysisPanel *self = CS_ANALYSIS_PANEL(object);

  if (self->case_ != NULL)
    g_clear_signal_handler(&self->changed_id, self->case_);
  g_clear_object(&self->case_);
  g_clear_object(&self->sweep);
  g_clear_object(&self->models);
  gtk_widget_dispose_template(GTK_WIDGET(self), CS_TYPE_ANALYSIS_PANEL);
  G_OBJECT_CLASS(cs_analysis_panel_parent_class)->dispose(object);
}

static void
cs_analysis_panel_class_init(CsAnalysisPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = cs_analysis_panel_dispose;
  object_class->get_property = cs_analysis_panel_get_property;
  object_class->set_property = cs_analysis_panel_set_property;

  properties[PROP_THRESHOLD] =
      g_param_spec_double("threshold", NULL, NULL, 0, 1, 0.5,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_ID] =
      g_param_spec_string("model-id", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_CATALOG] =
      g_param_spec_object("model-catalog", NULL, NULL, CS_TYPE_MODEL_CATALOG,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  signals[SIGNAL_CANCEL_REQUESTED] =
      g_signal_new("cancel-requested", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_FRAME_ACTIVATED] =
      g_signal_new("frame-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource(widget_class,
                                              RESOURCE_PREFIX "/ui/cs-analysis-panel.ui");
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, model_row);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, threshold_spin);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, model_card_label);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, analyse_button);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, cancel_button);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, progress_bar);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, p_hand_label);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, verdict_label);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, spread_label);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, frame_p_label);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, level_dropdown);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, tracing_list);
  gtk_widget_class_bind_template_child(widget_class, CsAnalysisPanel, csa_reference_label);
  gtk_widget_class_bind_template_callback(widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, vertices_clicked_cb);
}

static void
cs_analysis_panel_init(CsAnalysisPanel *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));

  self->csa_cutoff = CS_REFERENCE_UPPER_LIMIT_MM2;
  self->ratio_cutoff = CS_REFERENCE_WRIST_FOREARM_RATIO;
  self->delta_cutoff_mm2 = CS_REFERENCE_DELTA_CSA_MM2;
  g_signal_connect(self->model_row, "notify::selected", G_CALLBACK(model_selected_cb), self);
  g_signal_connect(self->threshold_spin, "value-changed", G_CALLBACK(threshold_changed_cb), self);
  adw_combo_row_set_expression(self->model_row,
                               gtk_property_expression_new(CS_TYPE_MODEL_INFO, NULL, "id"));
  /* The application's catalogue; a window may hand its own with the "model-catalog" property. */
  cs_analysis_panel_set_model_catalog(self, cs_model_catalog_get_default());
}
