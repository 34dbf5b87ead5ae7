/* duet-application-private.h: what duet-application.c shares with its
 * actions (duet-application-actions.c), and nobody else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-application.h"
#include "duet-autostart.h"
#include "duet-call-centre.h"
#include "duet-call-window.h"
#include "duet-incoming-window.h"
#include "duet-notifier.h"
#include "duet-ringer.h"
#include "duet-window.h"

G_BEGIN_DECLS

struct _DuetApplication
{
  AdwApplication      parent_instance;

  GSettings          *settings;
  DuetAccount        *account;
  char               *profile;

  DuetManager        *manager;
  DuetCallCentre     *call_centre;
  DuetHistory        *history;
  DuetNotifier       *notifier;
  DuetRinger         *ringer;
  DuetAutostart      *autostart;
  GCancellable       *session_cancellable;
  guint               history_timeout;

  DuetCallWindow     *call_window;     /* weak */
  DuetIncomingWindow *incoming_window; /* weak */
  GtkWindow          *preferences;     /* weak */

  /* Signing out: the server is asked to forget this device first */
  GCancellable       *sign_out_cancellable;
  guint               sign_out_timeout;
  gboolean            signing_out;
  GHashTable         *seen_calls;       /* missed call ids marked seen from here */

  /* Sign-in given on the command line (demo and tests), for the account */
  char               *cli_server;
  char               *cli_user;
  char               *cli_service;
  char               *cli_password;

  gboolean            start_in_background;
  gboolean            held;
  gboolean            online;
};

void        _duet_application_actions_init          (DuetApplication *self);
void        _duet_application_set_online_action     (DuetApplication *self,
                                                     gboolean         online);
void        _duet_application_set_sign_in_message_hook (DuetApplication *self,
                                                        const char      *message);

DuetWindow *_duet_application_get_main_window       (DuetApplication *self);
void        _duet_application_toast                 (DuetApplication *self,
                                                     const char      *message);
void        _duet_application_apply_media_settings  (DuetApplication *self);
void        _duet_application_show_incoming_window  (DuetApplication *self);
void        _duet_application_track_weakly          (gpointer        *location);

G_END_DECLS
