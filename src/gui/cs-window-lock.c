/* cs-window-lock.c — the main window and other copies of its study: the lock, read-only, the
 * banner and its Take Over, and the choice when study.json changed on disk
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A study with a file is locked while the window shows it (cs-study-lock.h). When someone else
 * holds it, the study opens read-only: a banner names them, edits are off and nothing is saved,
 * until Take Over or Save As. When a save finds study.json changed by someone else, nothing is
 * overwritten and a dialog offers Reload (this copy's unsaved work is first kept in a file beside
 * it), Save As and Merge (case by case, keep mine or take theirs).
 */
#include "config.h"

#include "cs-window-lock.h"
#include "cs-window-private.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "cs-error.h"
#include "cs-study-lock.h"
#include "cs-study-merge.h"

struct _CsWindowLock {
  CsStudyLock *lock;       /* The lock held on the study's file, or NULL. */
  CsStudyLockInfo *holder; /* Who holds it when the study is read-only, else NULL. */
  gboolean conflict;       /* A save found the file changed; unresolved. */
  CsStudy *watched;        /* The study whose path and changes are followed (a reference). */
  gulong path_id;
  gulong changed_id;
  gboolean warned;   /* The user was told that a change made while read-only is not saved. */
  guint poll_source; /* While read-only: whether the lock became free. */
  GtkInfoBar *banner;
  GtkLabel *banner_label;
  AdwMessageDialog *dialog; /* The changed-on-disk or merge dialog while open. */
};

static gboolean poll_cb(gpointer user_data);

/* The banner. */

static void
update_banner(CsWindow *self)
{
  CsWindowLock *state = self->lock;
  g_autofree char *who = NULL, *text = NULL, *when = NULL;
  g_autoptr(GDateTime) since = NULL;

  if (state->holder == NULL) {
    gtk_info_bar_set_revealed(state->banner, FALSE);
    return;
  }
  who = g_strdup_printf("%s@%s", state->holder->user, state->holder->host);
  since = g_date_time_new_from_unix_local(state->holder->since);
  when = since != NULL ? g_date_time_format(since, "%Y-%m-%d %H:%M") : g_strdup("?");
  /* TRANSLATORS: the first %s is user@host, the second a date and time. */
  text = g_strdup_printf(_("Read-only: %s has this study open for editing since %s"), who, when);
  gtk_label_set_text(state->banner_label, text);
  gtk_info_bar_set_revealed(state->banner, TRUE);
}

static void
set_enabled(CsWindow *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), name);

  g_simple_action_set_enabled(G_SIMPLE_ACTION(action), enabled);
}

/* Read-only turns the editing actions and the case's form off. */
void
cs_window_lock_update_actions(CsWindow *self)
{
  /* Those cs_window_update_actions() sets from what there is to act on, then those it leaves
   * on, which are on again when the study is editable. */
  static const char *const edits[] = { "save", "remove-case", "duplicate-case", "rename-case",
                                       "undo", "redo",        "analyse",        "analyse-all" };
  static const char *const imports[] = { "import", "import-folder" };
  gboolean read_only = cs_window_is_read_only(self);

  if (self->lock == NULL)
    return;
  for (gsize i = 0; read_only && i < G_N_ELEMENTS(edits); i++)
    set_enabled(self, edits[i], FALSE);
  for (gsize i = 0; i < G_N_ELEMENTS(imports); i++)
    set_enabled(self, imports[i], !read_only);
  gtk_widget_set_sensitive(GTK_WIDGET(self->case_panel), !read_only);
  gtk_widget_set_sensitive(GTK_WIDGET(self->analysis_panel), !read_only);
}

static void
set_holder(CsWindow *self, CsStudyLockInfo *holder)
{
  CsWindowLock *state = self->lock;

  g_clear_pointer(&state->holder, cs_study_lock_info_free);
  state->holder = holder;
  state->warned = FALSE;
  /* While read-only, look now and then whether the holder has closed the study. */
  if (holder == NULL)
    g_clear_handle_id(&state->poll_source, g_source_remove);
  else if (state->poll_source == 0)
    state->poll_source = g_timeout_add_seconds(CS_STUDY_LOCK_HEARTBEAT_SECONDS, poll_cb, self);
  update_banner(self);
  cs_window_update_actions(self);
}

static gboolean
folder_read_only(const char *path)
{
  g_autofree char *dir = g_path_get_dirname(path);

  return access(dir, W_OK) != 0;
}

/* Locks the study's file, or shows it read-only when someone else holds it. */
static void
relock(CsWindow *self)
{
  CsWindowLock *state = self->lock;
  const char *path = self->study != NULL ? cs_study_get_path(self->study) : NULL;
  g_autoptr(GError) error = NULL;
  CsStudyLockInfo *holder = NULL;

  if (state->lock != NULL && g_strcmp0(path, cs_study_lock_get_study_path(state->lock)) == 0 &&
      state->holder == NULL)
    return;
  g_clear_pointer(&state->lock, cs_study_lock_release);
  state->conflict = FALSE;
  if (path == NULL) {
    set_holder(self, NULL);
    return;
  }
  state->lock = cs_study_lock_acquire(path, FALSE, &holder, &error);
  if (state->lock != NULL) {
    cs_study_lock_set_heartbeat(state->lock, CS_STUDY_LOCK_HEARTBEAT_SECONDS);
  } else if (!g_error_matches(error, CS_ERROR, CS_ERROR_LOCKED) && !folder_read_only(path)) {
    /* A folder where no lock can be written (read-only, such as the installed demo) is not
     * worth a word: saving there fails on its own and says why. */
    g_autofree char *message =
        g_strdup_printf(_("The study could not be locked: %s"), error->message);
    cs_window_show_toast(self, message);
  }
  set_holder(self, holder);
}

static void
study_path_cb(CsStudy *study, GParamSpec *pspec, CsWindow *self)
{
  relock(self);
}

/* The viewer's tools still draw while read-only: say once that such a change is not saved. */
static void
study_changed_cb(CsStudy *study, CsWindow *self)
{
  if (!cs_window_is_read_only(self) || self->lock->warned)
    return;
  self->lock->warned = TRUE;
  cs_window_show_toast(self, _("Read-only: this change is not saved. Take Over, or Save As to keep "
                               "it"));
}

void
cs_window_lock_follow_study(CsWindow *self)
{
  CsWindowLock *state = self->lock;

  if (state->watched != self->study) {
    if (state->watched != NULL) {
      g_clear_signal_handler(&state->path_id, state->watched);
      g_clear_signal_handler(&state->changed_id, state->watched);
    }
    g_set_object(&state->watched, self->study);
    if (self->study != NULL) {
      state->path_id =
          g_signal_connect(self->study, "notify::path", G_CALLBACK(study_path_cb), self);
      state->changed_id =
          g_signal_connect(self->study, "changed", G_CALLBACK(study_changed_cb), self);
    }
  }
  relock(self);
}

gboolean
cs_window_is_read_only(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  return self->lock != NULL && self->lock->holder != NULL;
}

const char *
cs_window_get_lock_banner_text(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  if (!cs_window_is_read_only(self))
    return NULL;
  return gtk_label_get_text(self->lock->banner_label);
}

/* Makes @lock (just acquired) the study's: editable, heartbeat on; with nothing unsaved here,
 * the study goes on from what the other copy saved last. */
static void
hold(CsWindow *self, CsStudyLock *lock)
{
  CsWindowLock *state = self->lock;

  g_clear_pointer(&state->lock, cs_study_lock_release);
  state->lock = lock;
  cs_study_lock_set_heartbeat(lock, CS_STUDY_LOCK_HEARTBEAT_SECONDS);
  set_holder(self, NULL);
  if (!cs_study_get_dirty(self->study) && !cs_study_check_disk(self->study, NULL)) {
    g_autoptr(CsStudy) latest = cs_study_load(cs_study_get_path(self->study), NULL);

    if (latest != NULL)
      cs_window_set_study(self, latest);
  }
}

gboolean
cs_window_take_over(CsWindow *self)
{
  g_autoptr(GError) error = NULL;
  CsStudyLock *lock;

  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  if (self->study == NULL || cs_study_get_path(self->study) == NULL)
    return FALSE;
  lock = cs_study_lock_acquire(cs_study_get_path(self->study), TRUE, NULL, &error);
  if (lock == NULL) {
    cs_window_show_error(self, _("Cannot Take Over the Study"), error);
    return FALSE;
  }
  hold(self, lock);
  cs_window_show_toast(self, _("You now hold this study for editing"));
  return TRUE;
}

void
cs_window_lock_poll(CsWindow *self)
{
  CsWindowLock *state = self->lock;
  CsStudyLockInfo *holder = NULL;
  CsStudyLock *lock;

  if (state == NULL || state->holder == NULL || self->study == NULL ||
      cs_study_get_path(self->study) == NULL)
    return;
  lock = cs_study_lock_acquire(cs_study_get_path(self->study), FALSE, &holder, NULL);
  if (lock != NULL) {
    hold(self, lock);
    cs_window_show_toast(self, _("The study was closed elsewhere: you can edit it now"));
  } else if (holder != NULL && g_strcmp0(holder->token, state->holder->token) != 0) {
    set_holder(self, holder); /* Someone else holds it now. */
  } else {
    cs_study_lock_info_free(holder);
  }
}

static gboolean
poll_cb(gpointer user_data)
{
  cs_window_lock_poll(user_data);
  return G_SOURCE_CONTINUE;
}

/* A window that closes gives its study's lock back at once (its workers may keep the window
 * object a while longer). */
static gboolean
close_request_cb(GtkWindow *window, CsWindow *self)
{
  if (self->lock != NULL)
    g_clear_pointer(&self->lock->lock, cs_study_lock_release);
  return FALSE;
}

static void
banner_response_cb(GtkInfoBar *bar, int response, CsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    cs_window_take_over(self);
}

/* Before a save. */

gboolean
cs_window_lock_check_save(CsWindow *self, GError **error)
{
  CsWindowLock *state = self->lock;
  CsStudyLockInfo *holder = NULL;

  if (state == NULL)
    return TRUE;
  if (state->holder == NULL && state->lock != NULL &&
      !cs_study_lock_is_held(state->lock, &holder)) {
    /* Taken over by someone else since: this copy becomes read-only, its work kept. */
    g_clear_pointer(&state->lock, cs_study_lock_release);
    if (holder == NULL) {
      /* The lock file was removed by hand: take it again. */
      relock(self);
      return TRUE;
    }
    set_holder(self, holder);
  }
  if (state->holder != NULL) {
    g_autofree char *who = g_strdup_printf("%s@%s", state->holder->user, state->holder->host);

    g_set_error(error, CS_ERROR, CS_ERROR_LOCKED,
                _("%s has this study open for editing, so it is read-only here. Your changes "
                  "are kept in this window: Take Over, or Save As to keep them in another file."),
                who);
    return FALSE;
  }
  return TRUE;
}

gboolean
cs_window_lock_check_save_as(CsWindow *self, const char *path, GError **error)
{
  g_autofree char *absolute = g_canonicalize_filename(path, NULL);
  g_autoptr(CsStudyLockInfo) holder = cs_study_lock_read(absolute, NULL);
  CsStudyLock *ours = self->lock != NULL ? self->lock->lock : NULL;
  g_autofree char *who = NULL;

  if (holder == NULL || cs_study_lock_info_is_stale(holder, g_get_real_time() / G_USEC_PER_SEC) ||
      (ours != NULL && g_strcmp0(holder->token, cs_study_lock_get_info(ours)->token) == 0))
    return TRUE;
  who = g_strdup_printf("%s@%s", holder->user, holder->host);
  g_set_error(error, CS_ERROR, CS_ERROR_LOCKED,
              _("%s has %s open for editing: choose another file, so that neither copy is "
                "overwritten."),
              who, absolute);
  return FALSE;
}

gboolean
cs_window_lock_blocks_autosave(CsWindow *self)
{
  return self->lock != NULL && (self->lock->holder != NULL || self->lock->conflict);
}

/* The changed-on-disk dialog. */

static const char *
diff_kind_text(CsCaseDiffKind kind)
{
  switch (kind) {
    case CS_CASE_DIFF_CHANGED:
      return _("changed here and on disk");
    case CS_CASE_DIFF_ONLY_MINE:
      return _("only here");
    case CS_CASE_DIFF_ONLY_THEIRS:
      return _("only on disk");
  }
  return "";
}

/* Keeps this copy's unsaved work in a file beside the study before it is replaced; returns its
 * name (NULL, with @error, when it could not be written). */
static char *
keep_mine(CsWindow *self, GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  g_autofree char *path = g_strdup_printf("%s.mine-%s.json", cs_study_get_path(self->study), stamp);

  if (!cs_study_save_copy(self->study, path, error))
    return NULL;
  return g_steal_pointer(&path);
}

static void
reload(CsWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(CsStudy) theirs = cs_study_load(cs_study_get_path(self->study), &error);

  if (theirs == NULL) {
    cs_window_show_error(self, _("Cannot Reload the Study"), error);
    return;
  }
  if (cs_study_get_dirty(self->study) && (kept = keep_mine(self, &error)) == NULL) {
    cs_window_show_error(self, _("Cannot Keep Your Changes"), error);
    return;
  }
  self->lock->conflict = FALSE;
  cs_window_set_study(self, theirs);
  if (kept != NULL) {
    g_autofree char *name = g_path_get_basename(kept);
    g_autofree char *message =
        g_strdup_printf(_("Reloaded; your unsaved changes are kept in %s"), name);
    cs_window_show_toast(self, message);
  }
}

typedef struct {
  CsStudy *theirs;
  GPtrArray *diffs;   /* CsCaseDiff */
  GPtrArray *choices; /* GtkDropDown per diff, then one for the study's fields (or NULL). */
} MergeData;

static void
merge_data_free(MergeData *data)
{
  g_object_unref(data->theirs);
  g_ptr_array_unref(data->diffs);
  g_ptr_array_unref(data->choices);
  g_free(data);
}

static GtkWidget *
choice_row(const char *title, const char *subtitle, GPtrArray *choices)
{
  const char *const options[] = { _("Keep Mine"), _("Take Theirs"), NULL };
  GtkWidget *row = adw_action_row_new();
  GtkWidget *choice = gtk_drop_down_new_from_strings(options);

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
  gtk_widget_set_valign(choice, GTK_ALIGN_CENTER);
  gtk_accessible_update_property(GTK_ACCESSIBLE(choice), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), choice);
  g_ptr_array_add(choices, choice);
  return row;
}

static void
merge_response_cb(AdwMessageDialog *dialog, const char *response, CsWindow *self)
{
  MergeData *data = g_object_get_data(G_OBJECT(dialog), "merge");
  g_autoptr(GPtrArray) take = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) merged = NULL;
  gboolean theirs_fields = FALSE;

  if (self->lock->dialog == dialog)
    self->lock->dialog = NULL;
  if (g_strcmp0(response, "merge") != 0)
    return;
  for (guint i = 0; i < data->choices->len; i++) {
    gboolean theirs =
        gtk_drop_down_get_selected(GTK_DROP_DOWN(g_ptr_array_index(data->choices, i))) == 1;

    if (i < data->diffs->len && theirs)
      g_ptr_array_add(take, ((CsCaseDiff *)g_ptr_array_index(data->diffs, i))->id);
    else if (i == data->diffs->len)
      theirs_fields = theirs;
  }
  g_ptr_array_add(take, NULL);
  merged = cs_study_merge(self->study, data->theirs, (const char *const *)take->pdata,
                          theirs_fields, &error);
  if (merged == NULL) {
    cs_window_show_error(self, _("Cannot Merge the Study"), error);
    return;
  }
  self->lock->conflict = FALSE;
  cs_window_set_study(self, merged);
  if (cs_window_save_open_study(self))
    cs_window_show_toast(self, _("Study merged and saved"));
  cs_window_update_title(self);
}

/* Shows the cases that differ, each with Keep Mine or Take Theirs. */
static void
show_merge_dialog(CsWindow *self, CsStudy *theirs)
{
  MergeData *data = g_new0(MergeData, 1);
  GtkWidget *list = gtk_list_box_new();
  GtkWidget *scrolled = gtk_scrolled_window_new();
  AdwMessageDialog *dialog;

  data->theirs = g_object_ref(theirs);
  data->diffs = cs_study_diff_cases(self->study, theirs);
  data->choices = g_ptr_array_new();
  gtk_list_box_set_selection_mode(GTK_LIST_BOX(list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class(list, "boxed-list");
  for (guint i = 0; i < data->diffs->len; i++) {
    CsCaseDiff *diff = g_ptr_array_index(data->diffs, i);

    gtk_list_box_append(GTK_LIST_BOX(list),
                        choice_row(diff->id, diff_kind_text(diff->kind), data->choices));
  }
  if (cs_study_fields_differ(self->study, theirs))
    gtk_list_box_append(GTK_LIST_BOX(list),
                        choice_row(_("Study name, notes and grading"),
                                   _("changed here and on disk"), data->choices));
  gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scrolled), GTK_POLICY_NEVER,
                                 GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height(GTK_SCROLLED_WINDOW(scrolled), 360);
  gtk_scrolled_window_set_propagate_natural_height(GTK_SCROLLED_WINDOW(scrolled), TRUE);
  gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scrolled), list);

  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(
      GTK_WINDOW(self), _("Merge the Study"),
      _("For each case that differs, keep your version or take the one on disk.")));
  adw_message_dialog_set_extra_child(dialog, scrolled);
  adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "merge", _("_Merge and Save"),
                                   NULL);
  adw_message_dialog_set_response_appearance(dialog, "merge", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "merge");
  g_object_set_data_full(G_OBJECT(dialog), "merge", data, (GDestroyNotify)merge_data_free);
  g_signal_connect_object(dialog, "response", G_CALLBACK(merge_response_cb), self, 0);
  self->lock->dialog = dialog;
  gtk_window_present(GTK_WINDOW(dialog));
}

static void
conflict_response_cb(AdwMessageDialog *dialog, const char *response, CsWindow *self)
{
  CsStudy *theirs = g_object_get_data(G_OBJECT(dialog), "theirs");

  if (self->lock->dialog == dialog)
    self->lock->dialog = NULL;
  if (g_strcmp0(response, "reload") == 0)
    reload(self);
  else if (g_strcmp0(response, "save-as") == 0)
    gtk_widget_activate_action(GTK_WIDGET(self), "win.save-as", NULL);
  else if (g_strcmp0(response, "merge") == 0 && theirs != NULL)
    show_merge_dialog(self, theirs);
}

/* Lists the differing cases for the dialog's text: "case-1 (changed here and on disk), ...". */
static char *
describe_diffs(CsStudy *mine, CsStudy *theirs)
{
  g_autoptr(GPtrArray) diffs = cs_study_diff_cases(mine, theirs);
  GString *text = g_string_new(NULL);

  for (guint i = 0; i < diffs->len; i++) {
    CsCaseDiff *diff = g_ptr_array_index(diffs, i);

    if (i == 8) {
      g_string_append_printf(text, _(", and %u more"), diffs->len - i);
      break;
    }
    g_string_append_printf(text, "%s%s (%s)", i > 0 ? ", " : "", diff->id,
                           diff_kind_text(diff->kind));
  }
  if (diffs->len == 0)
    g_string_append(text, cs_study_fields_differ(mine, theirs)
                              ? _("the study's name, notes or grading")
                              : _("none (only how the file is written)"));
  return g_string_free(text, FALSE);
}

static void
show_conflict_dialog(CsWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) theirs = cs_study_load(cs_study_get_path(self->study), &error);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (theirs != NULL) {
    g_autofree char *differ = describe_diffs(self->study, theirs);

    body = g_strdup_printf(_("Someone else saved this study after you opened it, so nothing was "
                             "saved over their work. Your changes are kept in this window.\n\n"
                             "Cases that differ: %s."),
                           differ);
  } else {
    body = g_strdup_printf(_("Someone else changed this study after you opened it, so nothing "
                             "was saved over it. Your changes are kept in this window. The file "
                             "on disk cannot be read now: %s"),
                           error->message);
  }
  dialog = ADW_MESSAGE_DIALOG(
      adw_message_dialog_new(GTK_WINDOW(self), _("The Study Changed on Disk"), body));
  adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "reload", _("_Reload"),
                                   "save-as", _("Save _As…"), "merge", _("_Merge…"), NULL);
  adw_message_dialog_set_response_enabled(dialog, "reload", theirs != NULL);
  adw_message_dialog_set_response_enabled(dialog, "merge", theirs != NULL);
  adw_message_dialog_set_response_appearance(dialog, "merge", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "merge");
  if (theirs != NULL)
    g_object_set_data_full(G_OBJECT(dialog), "theirs", g_steal_pointer(&theirs), g_object_unref);
  g_signal_connect_object(dialog, "response", G_CALLBACK(conflict_response_cb), self, 0);
  self->lock->dialog = dialog;
  gtk_window_present(GTK_WINDOW(dialog));
}

gboolean
cs_window_lock_handle_error(CsWindow *self, const GError *error)
{
  if (self->lock == NULL)
    return FALSE;
  if (g_error_matches(error, CS_ERROR, CS_ERROR_CHANGED_ON_DISK)) {
    self->lock->conflict = TRUE;
    if (self->lock->dialog == NULL && self->study != NULL && cs_study_get_path(self->study) != NULL)
      show_conflict_dialog(self);
    return TRUE;
  }
  if (g_error_matches(error, CS_ERROR, CS_ERROR_LOCKED)) {
    cs_window_show_toast(self, _("Read-only: Take Over, or Save As to keep your changes"));
    return TRUE;
  }
  return FALSE;
}

AdwMessageDialog *
cs_window_get_lock_dialog(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return self->lock != NULL ? self->lock->dialog : NULL;
}

/* Life cycle. */

void
cs_window_lock_init(CsWindow *self)
{
  CsWindowLock *state = g_new0(CsWindowLock, 1);
  GtkWidget *box = gtk_widget_get_parent(GTK_WIDGET(self->toast_overlay));
  GtkWidget *label = gtk_label_new(NULL);

  self->lock = state;
  state->banner = GTK_INFO_BAR(gtk_info_bar_new());
  state->banner_label = GTK_LABEL(label);
  gtk_label_set_wrap(state->banner_label, TRUE);
  gtk_label_set_xalign(state->banner_label, 0);
  gtk_widget_set_hexpand(label, TRUE);
  gtk_info_bar_set_message_type(state->banner, GTK_MESSAGE_WARNING);
  gtk_info_bar_add_child(state->banner, label);
  gtk_info_bar_add_button(state->banner, _("Take _Over"), GTK_RESPONSE_ACCEPT);
  gtk_info_bar_set_revealed(state->banner, FALSE);
  g_signal_connect(state->banner, "response", G_CALLBACK(banner_response_cb), self);
  /* After the window's own handler, which may keep it open to ask about unsaved work. */
  g_signal_connect_after(self, "close-request", G_CALLBACK(close_request_cb), self);
  /* Under the header bar, above everything the window shows. */
  gtk_box_insert_child_after(GTK_BOX(box), GTK_WIDGET(state->banner),
                             gtk_widget_get_first_child(box));
}

void
cs_window_lock_dispose(CsWindow *self)
{
  CsWindowLock *state = self->lock;

  if (state == NULL)
    return;
  if (state->dialog != NULL)
    gtk_window_destroy(GTK_WINDOW(state->dialog));
  if (state->watched != NULL) {
    g_clear_signal_handler(&state->path_id, state->watched);
    g_clear_signal_handler(&state->changed_id, state->watched);
  }
  g_clear_object(&state->watched);
  g_clear_handle_id(&state->poll_source, g_source_remove);
  g_clear_pointer(&state->lock, cs_study_lock_release);
  g_clear_pointer(&state->holder, cs_study_lock_info_free);
  g_free(state);
  self->lock = NULL;
}
