/* cs-preferences-window.c — preferences bound to the application's settings
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-preferences-window.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cs-onnx-import.h"

struct _CsPreferencesWindow {
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
  CsModelCatalog *models;
};

G_DEFINE_FINAL_TYPE(CsPreferencesWindow, cs_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum { PROP_0, PROP_MODEL_CATALOG, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* A row with a spin button bound to the numeric setting @key (double or unsigned). */
static GtkWidget *
spin_row(CsPreferencesWindow *self, const char *key, const char *title, const char *subtitle,
         double lower, double upper, double step, int digits)
{
  GtkWidget *row = adw_action_row_new();
  GtkWidget *spin = gtk_spin_button_new_with_range(lower, upper, step);

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
  gtk_spin_button_set_digits(GTK_SPIN_BUTTON(spin), digits);
  gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property(GTK_ACCESSIBLE(spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  g_settings_bind(self->settings, key, spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), spin);
  adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), spin);
  return row;
}

/* A combo row over the choices of the enum setting @key, in their schema order. */
static GtkWidget *
enum_row(CsPreferencesWindow *self, const char *key, const char *title, const char *const *labels)
{
  GtkWidget *row = adw_combo_row_new();
  g_autoptr(GtkStringList) model = gtk_string_list_new(labels);

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  adw_combo_row_set_model(ADW_COMBO_ROW(row), G_LIST_MODEL(model));
  adw_combo_row_set_selected(ADW_COMBO_ROW(row), g_settings_get_enum(self->settings, key));
  g_object_set_data_full(G_OBJECT(row), "settings-key", g_strdup(key), g_free);
  return row;
}

static void
enum_row_changed_cb(AdwComboRow *row, GParamSpec *pspec, CsPreferencesWindow *self)
{
  const char *key = g_object_get_data(G_OBJECT(row), "settings-key");

  g_settings_set_enum(self->settings, key, (int)adw_combo_row_get_selected(row));
}

static void
model_row_changed_cb(AdwComboRow *row, GParamSpec *pspec, CsPreferencesWindow *self)
{
  CsModelInfo *item = adw_combo_row_get_selected_item(row);

  if (item != NULL)
    g_settings_set_string(self->settings, "default-model", cs_model_info_get_id(item));
}

/* An ONNX import running in a worker: the file, the model it writes and what it found. */
typedef struct {
  char *onnx_path;
  char *out_path;
  CsOnnxImportInfo info;
} import_job;

static void
import_job_free(import_job *job)
{
  g_free(job->onnx_path);
  g_free(job->out_path);
  g_free(job);
}

static void
import_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  import_job *job = task_data;
  CsOnnxImportOptions options = { .command_line = "Carpalscope: Import ONNX Model" };
  GError *error = NULL;

  if (cs_onnx_import_file(job->onnx_path, &options, job->out_path, &job->info, &error))
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, error);
}

static void
import_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsPreferencesWindow *self = CS_PREFERENCES_WINDOW(source);
  import_job *job = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (g_task_propagate_boolean(G_TASK(result), &error)) {
    g_autofree char *id = g_path_get_basename(job->out_path);

    *strrchr(id, '.') = '\0';
    /* The new file joins every model list of the application. */
    cs_model_catalog_rescan(self->models);
    message = g_strdup_printf(_("Imported “%s” (%s) into your models folder"), id, job->info.arch);
  } else
    message = g_strdup_printf(_("Could not import the model: %s"), error->message);
  adw_preferences_window_add_toast(ADW_PREFERENCES_WINDOW(self), adw_toast_new(message));
}

/* A model file name in @folder from the ONNX file's name that no model has yet. */
static char *
dup_free_model_path(const char *folder, const char *onnx_path)
{
  g_autofree char *base = g_path_get_basename(onnx_path);
  char *path;

  if (g_str_has_suffix(base, ".onnx"))
    base[strlen(base) - strlen(".onnx")] = '\0';
  if (base[0] == '.' || base[0] == '\0')
    base[0] = '_';
  path = g_strdup_printf("%s/%s.safetensors", folder, base);
  for (int n = 2; g_file_test(path, G_FILE_TEST_EXISTS); n++) {
    g_free(path);
    path = g_strdup_printf("%s/%s-%d.safetensors", folder, base, n);
  }
  return path;
}

void
cs_preferences_window_import_onnx(CsPreferencesWindow *self, GFile *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL, *onnx_path = NULL;

  g_return_if_fail(CS_IS_PREFERENCES_WINDOW(self));
  g_return_if_fail(G_IS_FILE(file));

  onnx_path = g_file_get_path(file);
  if (onnx_path == NULL)
    return; /* The chooser offers local files only. */
  folder = cs_model_catalog_ensure_user_folder(&error);
  if (folder == NULL) {
    g_autofree char *message = g_strdup_printf(_("Could not import the model: %s"), error->message);

    adw_preferences_window_add_toast(ADW_PREFERENCES_WINDOW(self), adw_toast_new(message));
    return;
  }
  {
    g_autoptr(GTask) task = g_task_new(self, NULL, import_done_cb, NULL);
    import_job *job = g_new0(import_job, 1);

    job->out_path = dup_free_model_path(folder, onnx_path);
    job->onnx_path = g_steal_pointer(&onnx_path);
    g_task_set_task_data(task, job, (GDestroyNotify)import_job_free);
    g_task_run_in_thread(task, import_worker);
  }
}

static void
import_response_cb(GtkNativeDialog *dialog, int response, CsPreferencesWindow *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
  if (file != NULL)
    cs_preferences_window_import_onnx(self, file);
}

static void
import_clicked_cb(CsPreferencesWindow *self)
{
  GtkFileChooserNative *chooser =
      gtk_file_chooser_native_new(_("Import ONNX Model"), GTK_WINDOW(self),
                                  GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();

  gtk_file_filter_set_name(filter, _("ONNX models"));
  gtk_file_filter_add_suffix(filter, "onnx");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  g_signal_connect(chooser, "response", G_CALLBACK(import_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* The row that imports an ONNX model into the per-user models folder. */
static GtkWidget *
import_row(CsPreferencesWindow *self)
{
  GtkWidget *row = adw_action_row_new();
  GtkWidget *button = gtk_button_new_with_mnemonic(_("_Import ONNX Model…"));

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _("Models from elsewhere"));
  adw_action_row_set_subtitle(
      ADW_ACTION_ROW(row),
      _("SqueezeNet 1.1, MobileNetV2 or EfficientNet-B0 exported to ONNX, added to your models "
        "folder"));
  gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped(button, "clicked", G_CALLBACK(import_clicked_cb), self);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), button);
  adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), button);
  return row;
}

/* The rater's name, written on every new tracing. */
static GtkWidget *
rater_row(CsPreferencesWindow *self)
{
  GtkWidget *row = adw_entry_row_new();

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                _("Rater's name, written on new tracings"));
  g_settings_bind(self->settings, "rater-name", row, "text", G_SETTINGS_BIND_DEFAULT);
  return row;
}

static void
build(CsPreferencesWindow *self)
{
  static const char *const fills[] = { N_("Mean gray"), N_("Black"), N_("Blurred"), NULL };
  static const char *const colormaps[] = { "viridis", "inferno", "turbo", NULL };
  const char *translated_fills[4];
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE(adw_preferences_page_new());
  AdwPreferencesPage *explain_page = ADW_PREFERENCES_PAGE(adw_preferences_page_new());
  AdwPreferencesGroup *analysis = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
  AdwPreferencesGroup *saving = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
  AdwPreferencesGroup *csa = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
  AdwPreferencesGroup *occlusion = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
  AdwPreferencesGroup *lime = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
  AdwPreferencesGroup *overlay = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
  GtkWidget *model_row = adw_combo_row_new();
  GtkWidget *row;
  g_autofree char *default_model = g_settings_get_string(self->settings, "default-model");
  guint default_position;

  for (int i = 0; i < 3; i++)
    translated_fills[i] = _(fills[i]);
  translated_fills[3] = NULL;

  adw_preferences_page_set_title(page, _("General"));
  adw_preferences_page_set_icon_name(page, "preferences-system-symbolic");
  adw_preferences_page_set_title(explain_page, _("Explanations"));
  adw_preferences_page_set_icon_name(explain_page, "view-grid-symbolic");

  adw_preferences_group_set_title(analysis, _("Analysis"));
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(model_row), _("Default model"));
  adw_combo_row_set_expression(ADW_COMBO_ROW(model_row),
                               gtk_property_expression_new(CS_TYPE_MODEL_INFO, NULL, "id"));
  adw_combo_row_set_model(ADW_COMBO_ROW(model_row), G_LIST_MODEL(self->models));
  default_position = cs_model_catalog_find(self->models, default_model);
  if (default_position != GTK_INVALID_LIST_POSITION)
    adw_combo_row_set_selected(ADW_COMBO_ROW(model_row), default_position);
  g_signal_connect(model_row, "notify::selected", G_CALLBACK(model_row_changed_cb), self);
  adw_preferences_group_add(analysis, model_row);
  if (cs_onnx_import_available())
    adw_preferences_group_add(analysis, import_row(self));
  adw_preferences_group_add(analysis,
                            spin_row(self, "threshold", _("Threshold"),
                                     _("p(CTS) at or above it counts as CTS"), 0, 1, 0.01, 2));

  adw_preferences_group_set_title(saving, _("Saving"));
  adw_preferences_group_add(saving, spin_row(self, "autosave-interval", _("Autosave after"),
                                             _("Seconds after a change"), 1, 300, 1, 0));

  adw_preferences_group_set_title(csa, _("Cross-Sectional Area"));
  adw_preferences_group_set_description(
      csa, _("Literature references shown beside the network's answer; they are not device "
             "thresholds."));
  adw_preferences_group_add(
      csa, spin_row(self, "csa-cutoff", _("Inlet CSA reference (mm²)"), NULL, 5, 30, 0.1, 1));
  adw_preferences_group_add(csa, rater_row(self));

  adw_preferences_group_set_title(occlusion, _("Occlusion Sensitivity"));
  adw_preferences_group_add(
      occlusion,
      spin_row(self, "occlusion-mask", _("Mask (percent of the input side)"), NULL, 1, 100, 1, 0));
  adw_preferences_group_add(occlusion,
                            spin_row(self, "occlusion-stride",
                                     _("Stride (percent of the input side)"), NULL, 1, 100, 1, 0));
  row = enum_row(self, "occlusion-fill", _("Fill"), translated_fills);
  g_signal_connect(row, "notify::selected", G_CALLBACK(enum_row_changed_cb), self);
  adw_preferences_group_add(occlusion, row);

  adw_preferences_group_set_title(lime, _("LIME"));
  adw_preferences_group_add(lime,
                            spin_row(self, "lime-samples", _("Samples"), NULL, 50, 20000, 50, 0));
  adw_preferences_group_add(lime,
                            spin_row(self, "lime-segments", _("Superpixels"), NULL, 4, 400, 1, 0));
  adw_preferences_group_add(lime,
                            spin_row(self, "lime-seed", _("Seed"),
                                     _("The same seed gives the same map"), 0, G_MAXINT32, 1, 0));
  adw_preferences_group_add(lime, spin_row(self, "lime-repeats", _("Repeats"),
                                           _("More than one gives a stability map"), 1, 20, 1, 0));

  adw_preferences_group_set_title(overlay, _("Overlays"));
  adw_preferences_group_add(overlay,
                            spin_row(self, "overlay-opacity", _("Opacity"), NULL, 0, 1, 0.05, 2));
  row = enum_row(self, "color-map", _("Colour map"), colormaps);
  g_signal_connect(row, "notify::selected", G_CALLBACK(enum_row_changed_cb), self);
  adw_preferences_group_add(overlay, row);

  adw_preferences_page_add(page, analysis);
  adw_preferences_page_add(page, saving);
  adw_preferences_page_add(page, csa);
  adw_preferences_page_add(explain_page, occlusion);
  adw_preferences_page_add(explain_page, lime);
  adw_preferences_page_add(explain_page, overlay);
  adw_preferences_window_add(ADW_PREFERENCES_WINDOW(self), page);
  adw_preferences_window_add(ADW_PREFERENCES_WINDOW(self), explain_page);
}

CsPreferencesWindow *
cs_preferences_window_new(GtkWindow *parent, CsModelCatalog *models)
{
  g_return_val_if_fail(models == NULL || CS_IS_MODEL_CATALOG(models), NULL);

  return g_object_new(CS_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", TRUE,
                      "model-catalog", models, NULL);
}

static void
cs_preferences_window_set_property(GObject *object, guint prop_id, const GValue *value,
                                   GParamSpec *pspec)
{
  CsPreferencesWindow *self = CS_PREFERENCES_WINDOW(object);

  switch (prop_id) {
    case PROP_MODEL_CATALOG:
      g_set_object(&self->models, g_value_get_object(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_preferences_window_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsPreferencesWindow *self = CS_PREFERENCES_WINDOW(object);

  switch (prop_id) {
    case PROP_MODEL_CATALOG:
      g_value_set_object(value, self->models);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

/* The rows are built once the catalogue is known, which is after init. */
static void
cs_preferences_window_constructed(GObject *object)
{
  CsPreferencesWindow *self = CS_PREFERENCES_WINDOW(object);

  G_OBJECT_CLASS(cs_preferences_window_parent_class)->constructed(object);
  if (self->models == NULL)
    self->models = g_object_ref(cs_model_catalog_get_default());
  build(self);
}

static void
cs_preferences_window_dispose(GObject *object)
{
  CsPreferencesWindow *self = CS_PREFERENCES_WINDOW(object);

  g_clear_object(&self->settings);
  g_clear_object(&self->models);
  G_OBJECT_CLASS(cs_preferences_window_parent_class)->dispose(object);
}

static void
cs_preferences_window_class_init(CsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->constructed = cs_preferences_window_constructed;
  object_class->dispose = cs_preferences_window_dispose;
  object_class->get_property = cs_preferences_window_get_property;
  object_class->set_property = cs_preferences_window_set_property;

  properties[PROP_MODEL_CATALOG] =
      g_param_spec_object("model-catalog", NULL, NULL, CS_TYPE_MODEL_CATALOG,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
cs_preferences_window_init(CsPreferencesWindow *self)
{
  self->settings = g_settings_new(APPLICATION_ID);
  gtk_window_set_title(GTK_WINDOW(self), _("Preferences"));
}
