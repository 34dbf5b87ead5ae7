/* test-app-a11y.c: every window's controls as assistive technologies see them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Builds the main, call, incoming-call and preferences windows of a real
 * DuetApplication (not signed in, on the display and session bus that
 * meson's xvfb-run and dbus-run-session give it) and walks each widget
 * tree: a control (button, toggle, switch, text field...) must have an
 * accessible label, a labelled-by relation or a text label inside it; a
 * tooltip is not enough, since screen readers do not read it as a name.
 */
#include <string.h>

#include <gst/gst.h>

#include "duet-application.h"
#include "duet-call-window.h"
#include "duet-incoming-window.h"
#include "duet-preferences-window.h"
#include "duet-window.h"

static gboolean
is_control (GtkAccessibleRole role)
{
  switch (role)
    {
    case GTK_ACCESSIBLE_ROLE_BUTTON:
    case GTK_ACCESSIBLE_ROLE_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_RADIO:
    case GTK_ACCESSIBLE_ROLE_SWITCH:
    case GTK_ACCESSIBLE_ROLE_LINK:
    case GTK_ACCESSIBLE_ROLE_TEXT_BOX:
    case GTK_ACCESSIBLE_ROLE_SEARCH_BOX:
    case GTK_ACCESSIBLE_ROLE_SPIN_BUTTON:
    case GTK_ACCESSIBLE_ROLE_COMBO_BOX:
    case GTK_ACCESSIBLE_ROLE_SLIDER:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
has_text_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0')
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if (!GTK_IS_NATIVE (child) && has_text_label (child))  /* not a menu's popover */
      return TRUE;
  return FALSE;
}

/* GTK 4.8 buttons say they are labelled by their child, even when that
 * is only an icon, which gives them no name at all */
static gboolean
labelled_by_own_child (GtkWidget *widget)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  g_autofree char *difference = NULL;

  if (child == NULL)
    return FALSE;
  /* A reference list is given as its items, then NULL */
  difference = gtk_test_accessible_check_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                                   child, NULL);
  return difference == NULL;
}

static gboolean
is_labelled (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);

  return gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL) ||
         has_text_label (widget) ||
         (gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY) &&
          !labelled_by_own_child (widget));
}

/* A line that finds the control: its type, icon, tooltip and ancestors' types */
static char *
describe (GtkWidget *widget)
{
  GString *text = g_string_new (G_OBJECT_TYPE_NAME (widget));
  const char *tooltip = gtk_widget_get_tooltip_text (widget);

  if (GTK_IS_BUTTON (widget) && gtk_button_get_icon_name (GTK_BUTTON (widget)))
    g_string_append_printf (text, " icon=%s", gtk_button_get_icon_name (GTK_BUTTON (widget)));
  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)))
    g_string_append_printf (text, " icon=%s", gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)));
  if (tooltip != NULL)
    g_string_append_printf (text, " tooltip=“%s”", tooltip);
  g_string_append (text, " in");
  for (GtkWidget *w = gtk_widget_get_parent (widget); w && !GTK_IS_WINDOW (w); w = gtk_widget_get_parent (w))
    g_string_append_printf (text, " %s", G_OBJECT_TYPE_NAME (w));
  return g_string_free (text, FALSE);
}

/* libadwaita 1.2's own controls, which Duet cannot label: the password
 * row's show-text button and the preferences window's search entry */
static gboolean
is_libadwaita_internal (GtkWidget *widget)
{
  return (GTK_IS_BUTTON (widget) && gtk_widget_get_ancestor (widget, ADW_TYPE_PASSWORD_ENTRY_ROW) &&
          g_str_has_prefix (gtk_button_get_icon_name (GTK_BUTTON (widget)) ?: "", "view-")) ||
         (GTK_IS_SEARCH_ENTRY (widget) && gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_WINDOW));
}

static void
collect_unlabelled (GtkWidget *widget,
                    GPtrArray *unlabelled)
{
  /* What cannot show cannot be reached */
  if (!gtk_widget_get_visible (widget))
    return;

  /* GTK 4.8's menu button shows its icon on an inner button that it
   * does not label: the menu button's own label is the name */
  if (GTK_IS_MENU_BUTTON (widget))
    {
      if (!is_labelled (widget))
        g_ptr_array_add (unlabelled, describe (widget));
      return;
    }
  if (is_control (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget))) &&
      !is_labelled (widget) && !is_libadwaita_internal (widget))
    g_ptr_array_add (unlabelled, describe (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_unlabelled (child, unlabelled);
}

static void
assert_all_labelled (GtkWidget  *window,
                     const char *name)
{
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new_with_free_func (g_free);

  collect_unlabelled (window, unlabelled);
  for (guint i = 0; i < unlabelled->len; i++)
    g_test_message ("%s: unlabelled %s", name, (char *) unlabelled->pdata[i]);
  if (unlabelled->len > 0)
    g_test_fail_printf ("%s has %u unlabelled controls", name, unlabelled->len);
}

static void
settle (void)
{
  /* Long enough for the windows to map and take the focus */
  gint64 until = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static GtkWidget *
find_by_action (GtkWidget  *widget,
                const char *action)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_action (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static DuetWindow *
main_window (DuetApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (DUET_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
test_main_window (gconstpointer data)
{
  DuetWindow *window = main_window ((DuetApplication *) data);

  g_assert_nonnull (window);
  assert_all_labelled (GTK_WIDGET (window), "the main window");
}

static void
test_call_window (gconstpointer data)
{
  DuetCallWindow *window = duet_call_window_new (GTK_APPLICATION (data), "bob", DUET_MEDIA_TYPE_AUDIOVIDEO, TRUE);

  gtk_window_present (GTK_WINDOW (window));
  settle ();
  assert_all_labelled (GTK_WIDGET (window), "the call window");

  /* Mute and pause are toggles that say whether they are on: in GTK 4.8
   * a button with the pressed state (4.10 has a toggle-button role) */
  for (guint i = 0; i < 2; i++)
    {
      const char *action = i == 0 ? "call.mute" : "call.pause-video";
      GtkWidget *button = find_by_action (GTK_WIDGET (window), action);

      g_assert_nonnull (button);
      g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (button)), ==,
                       GTK_ACCESSIBLE_ROLE_BUTTON);
      g_assert_true (gtk_test_accessible_has_state (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_STATE_PRESSED));
      gtk_test_accessible_assert_state (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_STATE_PRESSED, FALSE);
    }

  /* By keyboard alone: every control takes the focus */
  {
    const char *actions[] = { "call.mute", "call.pause-video", "call.video", "call.fullscreen", "call.end" };

    for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
      {
        GtkWidget *button = find_by_action (GTK_WIDGET (window), actions[i]);

        g_assert_nonnull (button);
        g_assert_true (gtk_widget_get_focusable (button));
      }
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_incoming_window (gconstpointer data)
{
  DuetIncomingWindow *window = duet_incoming_window_new (GTK_APPLICATION (data), "bob", DUET_MEDIA_TYPE_AUDIOVIDEO);
  GtkWidget *focus;

  gtk_window_present (GTK_WINDOW (window));
  settle ();
  assert_all_labelled (GTK_WIDGET (window), "the incoming-call window");

  /* A stray Enter must not answer (with video, at that) */
  g_assert_null (gtk_window_get_default_widget (GTK_WINDOW (window)));
  focus = gtk_window_get_focus (GTK_WINDOW (window));
  if (focus != NULL)
    g_assert_cmpstr (GTK_IS_ACTIONABLE (focus) ? gtk_actionable_get_action_name (GTK_ACTIONABLE (focus)) : NULL,
                     !=, "app.accept-call");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_window (gconstpointer data)
{
  GtkWindow *window = GTK_WINDOW (duet_preferences_window_new ((DuetApplication *) data));

  gtk_window_present (window);
  settle ();
  assert_all_labelled (GTK_WIDGET (window), "the preferences window");
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DuetApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_print ("1..0 # SKIP needs a display and a session bus\n");
      return 0;
    }

  /* Registering runs the application's startup; activating opens the main window */
  app = duet_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Cannot register the application: %s", error->message);
  g_application_activate (G_APPLICATION (app));
  settle ();

  g_test_add_data_func ("/app/a11y/main-window", app, test_main_window);
  g_test_add_data_func ("/app/a11y/call-window", app, test_call_window);
  g_test_add_data_func ("/app/a11y/incoming-window", app, test_incoming_window);
  g_test_add_data_func ("/app/a11y/preferences-window", app, test_preferences_window);
  status = g_test_run ();

  for (GList *l; (l = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL;)
    gtk_window_destroy (l->data);
  return status;
}
