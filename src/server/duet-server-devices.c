/* duet-server-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A user's devices: adding one at sign-in (and signing out the idlest past
 * the limit), the list every device sees, signing one out, and marking a
 * missed call seen for all of them.
 */
#include "config.h"

#include "duet-server-error.h"
#include "duet-server-private.h"

#define UNKNOWN_DEVICE_NAME "Unknown device"

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

void
duet_server_touch_device (DuetServer  *self,
                          DuetSession *session)
{
  g_autoptr(GError) error = NULL;

  if (!duet_store_touch_device (self->store, duet_session_get_account_id (session),
                                duet_session_get_device_id (session), now_ms (), &error))
    g_warning ("Cannot note when device %s was seen: %s",
               duet_session_get_device_id (session), error->message);
}

/* The list @viewer gets: the stored devices, which are online, which is
 * its own. NULL on a database error. */
static GPtrArray *
device_list (DuetServer  *self,
             DuetSession *viewer,
             GError     **error)
{
  g_autoptr(GPtrArray) devices = duet_store_list_devices (self->store, duet_session_get_account_id (viewer),
                                                          error);
  const char *service = duet_session_get_service (viewer);
  const char *user = duet_session_get_user (viewer);

  if (devices == NULL)
    return NULL;
  for (guint i = 0; i < devices->len; i++)
    {
      DuetDeviceEntry *entry = g_ptr_array_index (devices, i);

      entry->online = duet_server_device_session (self, service, user, entry->device_id) != NULL;
      entry->current = g_strcmp0 (entry->device_id, duet_session_get_device_id (viewer)) == 0;
      if (entry->online)
        entry->last_seen_at = now_ms ();
    }
  return g_steal_pointer (&devices);
}

/* Tells every connection of @session's user but @skip its list of
 * devices: the one that signs in asks for it itself */
void
duet_server_broadcast_devices (DuetServer  *self,
                               DuetSession *session,
                               DuetSession *skip)
{
  g_autoptr(GPtrArray) targets = duet_server_snapshot_sessions (self, duet_session_get_service (session),
                                                                duet_session_get_user (session));

  for (guint i = 0; i < targets->len; i++)
    {
      DuetSession *target = g_ptr_array_index (targets, i);
      g_auto(DuetDevicesChangedEvent) event = { 0 };
      g_autoptr(GError) error = NULL;

      if (target == skip)
        continue;
      event.devices = device_list (self, target, &error);
      if (event.devices == NULL)
        {
          g_warning ("Cannot list devices: %s", error->message);
          return;
        }
      duet_session_send (target, duet_devices_changed_event_build (&event));
    }
}

/* Whether @device_id of @account_id takes part in the user's call */
static gboolean
device_is_busy (DuetServer *self,
                gint64      account_id,
                const char *service,
                const char *user,
                const char *device_id)
{
  DuetCallRecord *call = duet_call_router_lookup_user_call (self->router, service, user);

  return call != NULL && duet_call_record_get_device_party (call, account_id, device_id) != DUET_CALL_PARTY_NONE;
}

/* The device to sign out so that a new one fits: not in a call, the one
 * seen longest ago (a connected one counts as seen now) */
static const char *
idlest_device (DuetServer *self,
               gint64      account_id,
               const char *service,
               const char *user,
               GPtrArray  *devices)
{
  const char *idlest = NULL;
  gint64 idlest_seen = G_MAXINT64;

  for (guint i = 0; i < devices->len; i++)
    {
      DuetDeviceEntry *entry = g_ptr_array_index (devices, i);
      gint64 seen = entry->last_seen_at;

      if (device_is_busy (self, account_id, service, user, entry->device_id))
        continue;
      if (duet_server_device_session (self, service, user, entry->device_id) != NULL)
        seen = G_MAXINT64 - 1;
      if (seen < idlest_seen)
        {
          idlest = entry->device_id;
          idlest_seen = seen;
        }
    }
  return idlest;
}

/* POST /v1/token: adds the device that signs in (or renames it), after
 * signing out the idlest one if the account is full. *@out_device_id is
 * @device_id, or a new one when it is NULL. */
gboolean
duet_server_register_device (DuetServer  *self,
                             const char  *service,
                             const char  *user,
                             const char  *device_id,
                             const char  *device_name,
                             char       **out_device_id,
                             gint64      *out_key,
                             GError     **error)
{
  g_autofree char *id = device_id != NULL ? g_strdup (device_id) : g_uuid_string_random ();
  g_autoptr(GPtrArray) devices = NULL;
  gint64 account_id = 0, key = 0;
  gboolean known = FALSE;

  if (!duet_store_lookup_user (self->store, service, user, &account_id, NULL, NULL, error))
    return FALSE;
  devices = duet_store_list_devices (self->store, account_id, error);
  if (devices == NULL)
    return FALSE;
  for (guint i = 0; i < devices->len && !known; i++)
    known = g_str_equal (((DuetDeviceEntry *) g_ptr_array_index (devices, i))->device_id, id);

  while (!known && devices->len >= self->options.max_devices)
    {
      const char *victim = idlest_device (self, account_id, service, user, devices);
      g_autoptr(GError) local_error = NULL;

      if (victim == NULL)
        break;   /* only the device in a call is left: let it be */
      g_message ("User %s/%s: device %s signed out to make room for %s", service, user, victim, id);
      if (!duet_server_sign_out_device (self, account_id, service, user, victim,
                                        DUET_SIGN_OUT_REASON_DEVICE_LIMIT, &local_error) &&
          !g_error_matches (local_error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      for (guint i = 0; i < devices->len; i++)
        if (g_str_equal (((DuetDeviceEntry *) g_ptr_array_index (devices, i))->device_id, victim))
          {
            g_ptr_array_remove_index (devices, i);
            break;
          }
    }

  if (!duet_store_put_device (self->store, account_id, id,
                              device_name != NULL ? device_name : UNKNOWN_DEVICE_NAME, now_ms (),
                              &key, error))
    return FALSE;
  *out_device_id = g_steal_pointer (&id);
  *out_key = key;
  return TRUE;
}

/* Forgets the device (its tokens fail from now on), ends the call it is
 * in, stops its ringing, and closes its connection with the reason */
gboolean
duet_server_sign_out_device (DuetServer         *self,
                             gint64              account_id,
                             const char         *service,
                             const char         *user,
                             const char         *device_id,
                             DuetSignOutReason   reason,
                             GError            **error)
{
  g_autofree char *id = g_strdup (device_id);   /* @device_id may be the session's */
  DuetCallRecord *call = duet_call_router_lookup_user_call (self->router, service, user);
  DuetSession *session;

  if (!duet_store_remove_device (self->store, account_id, id, error))
    return FALSE;

  g_message ("User %s/%s: device %s signed out (%s)", service, user, id,
             duet_sign_out_reason_to_string (reason));
  if (call != NULL)
    duet_call_router_device_signed_out (self->router, call, account_id, id);

  session = duet_server_device_session (self, service, user, id);
  if (session != NULL)
    {
      DuetSignedOutEvent event = { .reason = reason };
      G_GNUC_UNUSED g_autoptr(DuetSession) held = g_object_ref (session);

      duet_session_send (session, duet_signed_out_event_build (&event));
      duet_session_close (session, DUET_SESSION_CLOSE_SIGNED_OUT, "signed out");
      /* its close may come later; it no longer counts as online */
      duet_server_forget_session (self, session);
      duet_server_broadcast_devices (self, session, NULL);
    }
  else
    {
      session = duet_server_device_session (self, service, user, NULL);
      if (session != NULL)
        duet_server_broadcast_devices (self, session, NULL);
    }
  return TRUE;
}

/* ---- requests --------------------------------------------------------- */

void
duet_server_handle_devices (DuetServer  *self,
                            DuetSession *session,
                            JsonObject  *message,
                            const char  *id)
{
  g_auto(DuetDevicesReply) reply = { 0 };
  g_autoptr(GError) error = NULL;

  if (!duet_devices_request_parse (message, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  reply.devices = device_list (self, session, &error);
  if (reply.devices == NULL)
    {
      g_warning ("Cannot list devices: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error");
      return;
    }
  duet_session_send (session, duet_devices_reply_build (id, &reply));
}

void
duet_server_handle_sign_out_device (DuetServer  *self,
                                    DuetSession *session,
                                    JsonObject  *message,
                                    const char  *id)
{
  g_auto(DuetSignOutDeviceRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  G_GNUC_UNUSED g_autoptr(DuetSession) held = g_object_ref (session);
  gint64 key = 0;

  if (!duet_sign_out_device_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  /* answered first: signing itself out closes the connection */
  if (duet_store_lookup_device (self->store, duet_session_get_account_id (session), request.device_id,
                                &key, NULL, NULL, &error))
    duet_session_send (session, duet_empty_reply_build (id));
  else if (g_error_matches (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND))
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_NO_SUCH_DEVICE,
                               "You have no such device");
      return;
    }
  else
    {
      g_warning ("Cannot look up device: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error");
      return;
    }

  if (!duet_server_sign_out_device (self, duet_session_get_account_id (session),
                                    duet_session_get_service (session), duet_session_get_user (session),
                                    request.device_id, DUET_SIGN_OUT_REASON_BY_USER, &error))
    g_warning ("Cannot sign out device %s: %s", request.device_id, error->message);
}

typedef struct
{
  DuetServer  *server;
  DuetSession *session;
  char        *id;
  char        *call_id;
} MarkSeen;

static void
mark_seen_free (MarkSeen *mark)
{
  g_object_unref (mark->server);
  g_object_unref (mark->session);
  g_free (mark->id);
  g_free (mark->call_id);
  g_free (mark);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MarkSeen, mark_seen_free)

static void
on_marked_seen (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MarkSeen) mark = user_data;
  DuetSession *session = mark->session;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  gboolean changed = FALSE;

  if (!duet_store_mark_seen_finish (DUET_STORE (source), result, &changed, &error))
    {
      if (g_error_matches (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND))
        duet_session_send_error (session, mark->id, DUET_PROTOCOL_ERROR_NO_SUCH_CALL,
                                 "There is no such missed call");
      else
        {
          g_warning ("Cannot mark call %s seen: %s", mark->call_id, error->message);
          duet_session_send_error (session, mark->id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error");
        }
      return;
    }
  duet_session_send (session, duet_empty_reply_build (mark->id));
  if (!changed)
    return;

  sessions = duet_server_snapshot_sessions (mark->server, duet_session_get_service (session),
                                            duet_session_get_user (session));
  for (guint i = 0; i < sessions->len; i++)
    {
      DuetSession *other = g_ptr_array_index (sessions, i);
      DuetCallSeenEvent event = { .call_id = mark->call_id };

      if (other != session)
        duet_session_send (other, duet_call_seen_event_build (&event));
    }
}

/* A missed call is seen once for all the user's devices */
void
duet_server_handle_mark_seen (DuetServer  *self,
                              DuetSession *session,
                              JsonObject  *message,
                              const char  *id)
{
  g_auto(DuetMarkSeenRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  MarkSeen *mark;

  if (!duet_mark_seen_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  mark = g_new0 (MarkSeen, 1);
  mark->server = g_object_ref (self);
  mark->session = g_object_ref (session);
  mark->id = g_strdup (id);
  mark->call_id = g_strdup (request.call_id);
  duet_store_mark_seen_async (self->store, duet_session_get_account_id (session), request.call_id,
                              now_ms (), NULL, on_marked_seen, mark);
}
