/* duet-manager.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Owns the signalling connection and routes server events to calls by
 * call id. make_call and verify_call finish with a DuetCall or with a
 * DuetStartFailReason (NONE on success); parameter checks that need no
 * server fail without a round trip.
 *
 * Media settings (test-sources, camera, …) are one DuetMediaSettings,
 * read from the environment once, that each call's DuetMediaSession
 * copies; the manager's properties of the same names forward to it.
 *
 * The user's devices (docs/protocol.md "Devices"): after each hello the
 * manager asks for the list (`devices`), and each `devices_changed`
 * replaces it; `devices` is one GListStore for the manager's life.
 */
#define G_LOG_DOMAIN "DuetManager"

#include "duet-account-device-private.h"
#include "duet-call-event.h"
#include "duet-call-history-entry-private.h"
#include "duet-call-private.h"
#include "duet-ice-uri.h"
#include "duet-kit-enum-types.h"
#include "duet-kit-error.h"
#include "duet-manager.h"
#include "duet-media-session.h"
#include "duet-media-settings.h"
#include "duet-signalling.h"

#define MAX_EARLY_EVENTS 200
/* Missed calls told once each: a call missed on several devices may come
 * to this one twice (at once, and again after a reconnect) */
#define MAX_MISSED_IDS   200

struct _DuetManager
{
  GObject         parent_instance;

  DuetSignalling *signalling;
  GHashTable     *calls;         /* call id → DuetCall */
  GHashTable     *early;         /* call id → GPtrArray of JsonObject */
  DuetCall       *active;        /* the one call not yet ended, if any */
  guint           early_count;
  GStrv           server_calls;  /* call ids in the last hello */

  DuetMediaSettings *media_settings;
  char           *tls_ca_file;   /* NULL: verify against the system CAs */
  GStrv           ice_servers;   /* the caller's own, as given */
  GStrv           extra_ice;     /* the same in webrtcbin's form */
  GStrv           server_ice;    /* the server's, webrtcbin's form */
  DuetIceTransportPolicy ice_policy;
  guint           network_grace; /* seconds */

  char           *device_id;     /* hello's; NULL before the first */
  GListStore     *devices;       /* DuetAccountDevice */
  char           *sign_out_reason;
  GCancellable   *cancellable;   /* the manager's own requests; cancelled at sign-out */
  GHashTable     *missed_ids;    /* call ids of missed-call emitted */
  GQueue          missed_order;  /* the same, oldest first (owned by missed_ids) */
};

/**
 * DuetManager:
 *
 * The kit's entry point, PlanetKit's PlanetKitManager: signs in to
 * duet-server, places and verifies calls, delivers incoming and missed
 * calls, and holds the media settings for the calls it makes.
 */
G_DEFINE_FINAL_TYPE (DuetManager, duet_manager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTED,
  PROP_TEST_SOURCES,
  PROP_CAMERA,
  PROP_SPEAKER,
  PROP_MICROPHONE,
  PROP_LIVENESS_TIMEOUT,
  PROP_TLS_CA_FILE,
  PROP_ECHO_CANCEL,
  PROP_ICE_SERVERS,
  PROP_ICE_TRANSPORT_POLICY,
  PROP_NETWORK_GRACE_PERIOD,
  PROP_DEVICE_ID,
  PROP_DEVICES,
  PROP_SIGN_OUT_REASON,
  PROP_MEDIA_SETTINGS,
  N_PROPS
};

enum {
  INCOMING_CALL,
  MISSED_CALL,
  SERVER_ERROR,
  DEVICE_WARNING,
  NETWORK_WARNING,
  MISSED_CALL_SEEN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- event routing ---- */

static void
keep_early_event (DuetManager   *self,
                  DuetCallEvent *event)
{
  const char *call_id = duet_call_event_get_call_id (event);
  GPtrArray *events;

  /* Bounded: events for calls nobody claims must not pile up */
  if (self->early_count >= MAX_EARLY_EVENTS)
    {
      g_hash_table_remove_all (self->early);
      self->early_count = 0;
    }

  events = g_hash_table_lookup (self->early, call_id);
  if (events == NULL)
    {
      events = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_event_free);
      g_hash_table_insert (self->early, g_strdup (call_id), events);
    }
  g_ptr_array_add (events, event);
  self->early_count++;
}

static void on_call_notify_state (DuetCall *call, GParamSpec *pspec, DuetManager *self);

static void
register_call (DuetManager *self,
               DuetCall    *call,
               const char  *call_id)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *early_key = NULL;

  duet_call_set_call_id (call, call_id);
  g_hash_table_replace (self->calls, g_strdup (call_id), g_object_ref (call));

  /* Stealing frees neither key nor value: both are ours now */
  if (!g_hash_table_steal_extended (self->early, call_id, (gpointer *) &early_key, (gpointer *) &events))
    return;
  self->early_count -= MIN (self->early_count, events->len);
  for (guint i = 0; i < events->len; i++)
    duet_call_handle_event (call, g_ptr_array_index (events, i));
}

static void
on_call_notify_state (DuetCall    *call,
                      GParamSpec  *pspec,
                      DuetManager *self)
{
  if (duet_call_get_state (call) != DUET_CALL_STATE_DISCONNECTED)
    return;
  if (self->active == call)
    self->active = NULL;
  if (duet_call_get_call_id (call) != NULL)
    g_hash_table_remove (self->calls, duet_call_get_call_id (call));
  g_signal_handlers_disconnect_by_func (call, on_call_notify_state, self);
}

static void
handle_incoming_call (DuetManager *self,
                      JsonObject  *message)
{
  g_auto(DuetIncomingCallEvent) event = { 0 };
  g_autoptr(DuetCcParam) cc_param = NULL;
  g_autoptr(GError) error = NULL;

  if (!duet_incoming_call_event_parse (message, &event, &error) ||
      (cc_param = duet_cc_param_new_from_string (event.cc_param, &error)) == NULL)
    {
      g_warning ("Ignoring an incoming call the kit cannot read: %s", error->message);
      return;
    }
  g_signal_emit (self, signals[INCOMING_CALL], 0, cc_param);
}

/* The server's list (RTCIceServer shape) in webrtcbin's URI form; entries
 * it cannot use are left out, with a word */
static GStrv
ice_servers_to_webrtcbin (GPtrArray *list)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      DuetIceServer *server = g_ptr_array_index (list, i);

      for (guint j = 0; server->urls[j] != NULL; j++)
        {
          const char *text = server->urls[j];
          g_autoptr(GError) error = NULL;
          g_autoptr(DuetIceUri) uri = duet_ice_uri_parse (text, &error);

          if (uri == NULL)
            g_warning ("The server's ICE server list has an unusable entry %s: %s", text, error->message);
          else if (duet_ice_uri_is_turn (uri) && (server->username == NULL || server->credential == NULL))
            g_warning ("The server's TURN server %s comes without credentials", text);
          else
            {
              g_autofree char *webrtcbin = duet_ice_uri_to_webrtcbin (uri, server->username, server->credential);
              g_strv_builder_add (builder, webrtcbin);
            }
        }
    }
  return g_strv_builder_end (builder);
}

static void
take_server_ice (DuetManager *self,
                 GPtrArray   *list)
{
  g_strfreev (self->server_ice);
  self->server_ice = list != NULL ? ice_servers_to_webrtcbin (list) : NULL;
}

/* Fresh TURN credentials, for the next media session */
static void
handle_ice_servers (DuetManager *self,
                    JsonObject  *message)
{
  g_auto(DuetIceServersEvent) event = { 0 };
  g_autoptr(GError) error = NULL;

  if (!duet_ice_servers_event_parse (message, &event, &error))
    {
      g_warning ("Ignoring an ice_servers the kit cannot read: %s", error->message);
      return;
    }
  take_server_ice (self, event.ice_servers);
}

static void
handle_missed_call (DuetManager *self,
                    JsonObject  *message)
{
  g_auto(DuetMissedCallEvent) event = { 0 };
  g_autoptr(DuetCallHistoryEntry) entry = NULL;
  g_autoptr(GError) error = NULL;

  if (!duet_missed_call_event_parse (message, &event, &error))
    {
      g_warning ("Ignoring a missed_call the kit cannot read: %s", error->message);
      return;
    }
  if (g_hash_table_contains (self->missed_ids, event.call_id))
    return;
  if (self->missed_order.length >= MAX_MISSED_IDS)
    g_hash_table_remove (self->missed_ids, g_queue_pop_head (&self->missed_order));
  g_queue_push_tail (&self->missed_order, g_strdup (event.call_id));
  g_hash_table_add (self->missed_ids, g_queue_peek_tail (&self->missed_order));

  entry = duet_call_history_entry_new_from_missed (&event);
  g_signal_emit (self, signals[MISSED_CALL], 0, entry);
}

/* ---- devices ---- */

/* The whole list at once, so that views update once */
static void
replace_devices (DuetManager *self,
                 GPtrArray   *entries)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    g_ptr_array_add (devices, duet_account_device_new_from_entry (g_ptr_array_index (entries, i)));
  g_list_store_splice (self->devices, 0, g_list_model_get_n_items (G_LIST_MODEL (self->devices)),
                       devices->pdata, devices->len);
}

static void
clear_devices (DuetManager *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->devices)) > 0)
    g_list_store_remove_all (self->devices);
}

/* USER_DATA is the manager: the request is cancelled before it goes */
static void
request_devices_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(JsonObject) answer = NULL;
  g_auto(DuetDevicesReply) reply = { 0 };
  g_autoptr(GError) error = NULL;

  answer = duet_signalling_request_finish (DUET_SIGNALLING (source), result, &error);
  if (answer == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No list of devices: %s", error->message);
      return;
    }
  if (!duet_devices_reply_parse (answer, &reply, &error))
    {
      g_auto(DuetErrorMessage) refused = { 0 };

      /* A server from before devices answers unknown_type */
      if (duet_error_message_parse (answer, &refused, NULL))
        g_debug ("The server gave no list of devices: %s", refused.message);
      else
        g_warning ("Ignoring a list of devices the kit cannot read: %s", error->message);
      return;
    }
  replace_devices (DUET_MANAGER (user_data), reply.devices);
}

static void
handle_devices_changed (DuetManager *self,
                        JsonObject  *message)
{
  g_auto(DuetDevicesChangedEvent) event = { 0 };
  g_autoptr(GError) error = NULL;

  if (!duet_devices_changed_event_parse (message, &event, &error))
    {
      g_warning ("Ignoring a devices_changed the kit cannot read: %s", error->message);
      return;
    }
  replace_devices (self, event.devices);
}

/* Comes just before the connection closes; the signalling's fatal
 * "signed_out" follows, which becomes server-error */
static void
handle_signed_out (DuetManager *self,
                   JsonObject  *message)
{
  g_auto(DuetSignedOutEvent) event = { 0 };
  g_autoptr(GError) error = NULL;

  if (!duet_signed_out_event_parse (message, &event, &error))
    {
      g_warning ("Ignoring the reason of a signed_out the kit cannot read: %s", error->message);
      return;
    }
  if (duet_set_string (&self->sign_out_reason, duet_sign_out_reason_to_string (event.reason)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_OUT_REASON]);
}

static void
handle_call_seen (DuetManager *self,
                  JsonObject  *message)
{
  g_auto(DuetCallSeenEvent) event = { 0 };
  g_autoptr(GError) error = NULL;

  if (!duet_call_seen_event_parse (message, &event, &error))
    {
      g_warning ("Ignoring a call_seen the kit cannot read: %s", error->message);
      return;
    }
  g_signal_emit (self, signals[MISSED_CALL_SEEN], 0, event.call_id);
}

static void
route_call_event (DuetManager           *self,
                  DuetServerMessageType  type,
                  const char            *type_name,
                  JsonObject            *message)
{
  g_autoptr(DuetCallEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  DuetCall *call;

  event = duet_call_event_parse (type, message, &error);
  if (event == NULL)
    {
      if (error != NULL)
        g_warning ("Ignoring a %s the kit cannot read: %s", type_name, error->message);
      return;
    }

  call = g_hash_table_lookup (self->calls, duet_call_event_get_call_id (event));
  if (call == NULL)
    {
      keep_early_event (self, g_steal_pointer (&event));
      return;
    }
  /* The call may leave the table while it handles the event */
  g_object_ref (call);
  duet_call_handle_event (call, event);
  g_object_unref (call);
}

static void
on_signalling_event (DuetSignalling *signalling,
                     const char     *type_name,
                     JsonObject     *message,
                     DuetManager    *self)
{
  DuetServerMessageType type = duet_server_message_type_from_string (type_name);

  switch (type)
    {
    case DUET_SERVER_MESSAGE_INCOMING_CALL:
      handle_incoming_call (self, message);
      break;
    case DUET_SERVER_MESSAGE_ICE_SERVERS:
      handle_ice_servers (self, message);
      break;
    case DUET_SERVER_MESSAGE_MISSED_CALL:
      handle_missed_call (self, message);
      break;
    case DUET_SERVER_MESSAGE_DEVICES_CHANGED:
      handle_devices_changed (self, message);
      break;
    case DUET_SERVER_MESSAGE_SIGNED_OUT:
      handle_signed_out (self, message);
      break;
    case DUET_SERVER_MESSAGE_CALL_SEEN:
      handle_call_seen (self, message);
      break;
    case DUET_SERVER_MESSAGE_SESSION_REPLACED:
      /* the signalling's fatal says it */
      break;
    default:
      route_call_event (self, type, type_name, message);
    }
}

static void
on_signalling_fatal (DuetSignalling *signalling,
                     const char     *code,
                     DuetManager    *self)
{
  /* This device is no longer one of the account's */
  if (g_str_equal (code, "signed_out"))
    clear_devices (self);
  g_signal_emit (self, signals[SERVER_ERROR], 0, code);
}

/* After a reconnect (or a server restart) hello lists the calls the
 * server still holds for us; a call missing there gets its own
 * disconnected event from the server */
static void
on_signalling_hello (DuetSignalling *signalling,
                     JsonObject     *message,
                     DuetManager    *self)
{
  g_auto(DuetHelloEvent) hello = { 0 };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;

  if (!duet_hello_event_parse (message, &hello, &error))
    {
      g_warning ("The server's hello is not what the kit reads: %s", error->message);
      return;
    }
  for (guint i = 0; i < hello.calls->len; i++)
    g_strv_builder_add (builder, ((DuetHelloCall *) g_ptr_array_index (hello.calls, i))->call_id);
  g_strfreev (self->server_calls);
  self->server_calls = g_strv_builder_end (builder);
  take_server_ice (self, hello.ice_servers);
  if (hello.device_id != NULL && duet_set_string (&self->device_id, hello.device_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_ID]);

  /* Goes out as soon as the signalling is ready, right after this */
  request = duet_devices_request_build (NULL);
  duet_signalling_request_async (signalling, request, self->cancellable, request_devices_cb, self);
}

static void
on_signalling_notify_ready (DuetSignalling *signalling,
                            GParamSpec     *pspec,
                            DuetManager    *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

/* ---- public API ---- */

/* GStreamer's DTLS elements make one RSA key per process, on first use,
 * which takes about half a second. Signing in starts that in a thread, so
 * it is done long before the first call is set up. */
static gpointer
warm_up_dtls (gpointer data)
{
  GstElement *dec = gst_element_factory_make ("dtlsdec", NULL);

  if (dec != NULL)
    gst_object_unref (dec);
  return NULL;
}

static GMutex   warm_up_lock;
static GThread *warm_up_thread;
static gboolean warm_up_started;

static void
start_dtls_warm_up (void)
{
  g_mutex_lock (&warm_up_lock);
  if (!warm_up_started && gst_is_initialized ())
    {
      warm_up_started = TRUE;
      warm_up_thread = g_thread_new ("duet-dtls-warm-up", warm_up_dtls, NULL);
    }
  g_mutex_unlock (&warm_up_lock);
}

/* A process must not exit while the thread is inside OpenSSL: its exit
 * handlers free what the key generation is using. */
static void
finish_dtls_warm_up (void)
{
  GThread *thread;

  g_mutex_lock (&warm_up_lock);
  thread = g_steal_pointer (&warm_up_thread);
  g_mutex_unlock (&warm_up_lock);

  if (thread != NULL)
    g_thread_join (thread);
}

/**
 * duet_manager_sign_in:
 * @self: a #DuetManager
 * @server_url: the server's base address, `http(s)://HOST:PORT`
 * @access_token: the user's token, from duet_auth_sign_in_finish()
 *
 * Signs in to the server over one WebSocket and keeps it up: incoming
 * calls arrive as #DuetManager::incoming-call, and lost connections are
 * made again with backoff. #DuetManager:connected says when it is up.
 * PlanetKit leaves this link to the app; duet-server is both the app
 * server and the call server.
 */
void
duet_manager_sign_in (DuetManager *self,
                      const char  *server_url,
                      const char  *access_token)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (DUET_IS_MANAGER (self));

  duet_manager_sign_out (self);
  start_dtls_warm_up ();
  /* A new session: its hello names the device, and no sign-out yet */
  if (duet_set_string (&self->device_id, NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_ID]);
  if (duet_set_string (&self->sign_out_reason, NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_OUT_REASON]);
  self->cancellable = g_cancellable_new ();
  self->signalling = duet_signalling_new (server_url, access_token);
  g_signal_connect (self->signalling, "event", G_CALLBACK (on_signalling_event), self);
  g_signal_connect (self->signalling, "fatal", G_CALLBACK (on_signalling_fatal), self);
  g_signal_connect (self->signalling, "hello", G_CALLBACK (on_signalling_hello), self);
  g_signal_connect (self->signalling, "notify::ready", G_CALLBACK (on_signalling_notify_ready), self);
  if (!duet_signalling_set_tls_ca_file (self->signalling, self->tls_ca_file, &error))
    {
      /* Never fall back to other CAs than the ones configured */
      g_warning ("TLS: cannot load the CA file %s: %s", self->tls_ca_file, error->message);
      g_signal_emit (self, signals[SERVER_ERROR], 0, "tls_error");
      return;
    }
  duet_signalling_start (self->signalling);
}

/**
 * duet_manager_sign_out:
 * @self: a #DuetManager
 *
 * Closes the connection to the server; no more incoming calls. A call in
 * progress loses its signalling. #DuetManager:devices is emptied; the
 * device stays signed in on the server (its token still works): see
 * duet_manager_sign_out_device_async() to sign it out there.
 */
void
duet_manager_sign_out (DuetManager *self)
{
  g_return_if_fail (DUET_IS_MANAGER (self));

  if (self->signalling == NULL)
    return;
  /* First: a call may keep the signalling, and its replies, alive */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_signal_handlers_disconnect_by_data (self->signalling, self);
  duet_signalling_stop (self->signalling);
  g_clear_object (&self->signalling);
  clear_devices (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

/**
 * duet_manager_set_access_token:
 * @self: a #DuetManager
 * @access_token: a new token for the same user, such as one from
 *   `POST /v1/token/refresh`
 *
 * Every later reconnect of the current connection signs in with
 * @access_token; the open socket is kept, as the server checks a token only
 * at sign-in. Without a connection there is nothing to update: connect()
 * takes its own token.
 */
void
duet_manager_set_access_token (DuetManager *self,
                               const char  *access_token)
{
  g_return_if_fail (DUET_IS_MANAGER (self));
  g_return_if_fail (access_token != NULL);

  if (self->signalling != NULL)
    duet_signalling_set_access_token (self->signalling, access_token);
}

/**
 * duet_manager_get_connected:
 * @self: a #DuetManager
 *
 * Gets whether the manager is signed in to the server right now.
 *
 * Returns: whether the manager is signed in to the server right now
 */
gboolean
duet_manager_get_connected (DuetManager *self)
{
  g_return_val_if_fail (DUET_IS_MANAGER (self), FALSE);
  return self->signalling != NULL && duet_signalling_get_ready (self->signalling);
}

/**
 * duet_manager_get_server_calls:
 * @self: a #DuetManager
 *
 * Gets the ids of the calls the server still held for this user at the
 * last sign-in.
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the ids
 *   of the calls the server still held for this user at the last sign-in,
 *   or %NULL before one
 */
const char * const *
duet_manager_get_server_calls (DuetManager *self)
{
  g_return_val_if_fail (DUET_IS_MANAGER (self), NULL);
  return (const char * const *) self->server_calls;
}

/**
 * duet_manager_get_active_call:
 * @self: a #DuetManager
 *
 * Gets the call in progress, or %NULL.
 *
 * Returns: (transfer none) (nullable): the call in progress, or %NULL
 */
DuetCall *
duet_manager_get_active_call (DuetManager *self)
{
  g_return_val_if_fail (DUET_IS_MANAGER (self), NULL);
  return self->active;
}

static void
on_session_device_warning (DuetMediaSession *media,
                           const char       *message,
                           DuetManager      *self)
{
  g_signal_emit (self, signals[DEVICE_WARNING], 0, message);
}

static void
on_session_network_warning (DuetMediaSession *media,
                            const char       *message,
                            DuetManager      *self)
{
  g_signal_emit (self, signals[NETWORK_WARNING], 0, message);
}

/* The server's ICE servers, then the caller's own */
static GStrv
all_ice_servers (DuetManager *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (self->server_ice != NULL)
    g_strv_builder_addv (builder, (const char **) self->server_ice);
  if (self->extra_ice != NULL)
    g_strv_builder_addv (builder, (const char **) self->extra_ice);
  return g_strv_builder_end (builder);
}

static DuetMediaSession *
new_media (DuetManager *self,
           gboolean     offerer)
{
  DuetMediaSession *media = duet_media_session_new (offerer, self->media_settings);
  g_auto(GStrv) ice = all_ice_servers (self);

  /* Devices are picked before the call is handed out: report here too */
  g_signal_connect_object (media, "device-warning", G_CALLBACK (on_session_device_warning), self, 0);
  g_signal_connect_object (media, "network-warning", G_CALLBACK (on_session_network_warning), self, 0);
  duet_media_session_set_ice_servers (media, (const char * const *) ice,
                                      self->ice_policy == DUET_ICE_TRANSPORT_POLICY_RELAY);
  return media;
}

/* A call's fresh media session after a network change */
static DuetMediaSession *
renew_media (gboolean offerer,
             gpointer owner)
{
  g_autoptr(DuetMediaSession) media = new_media (owner, offerer);
  g_autoptr(GError) error = NULL;

  if (!duet_media_session_start (media, &error))
    {
      g_warning ("Cannot start a new media path: %s", error->message);
      return NULL;
    }
  return g_steal_pointer (&media);
}

static void
return_failure (GTask               *task,
                DuetStartFailReason  reason,
                const char          *message)
{
  g_task_set_task_data (task, GINT_TO_POINTER (reason), NULL);
  g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM, "%s", message);
}

/* The server's error (or an answer the kit cannot read) as the task's
 * start-fail reason and a DUET_KIT_ERROR_SERVER */
static void
return_server_error (GTask      *task,
                     JsonObject *answer,
                     GError     *parse_error)
{
  g_auto(DuetErrorMessage) error = { 0 };
  DuetStartFailReason reason = DUET_START_FAIL_REASON_INVALID_PARAM;

  if (duet_server_message_type_from_string (duet_message_read_type (answer, NULL)) != DUET_SERVER_MESSAGE_ERROR ||
      !duet_error_message_parse (answer, &error, NULL))
    {
      g_task_set_task_data (task, GINT_TO_POINTER (reason), NULL);
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER,
                               "The server's answer cannot be read: %s",
                               parse_error ? parse_error->message : "neither a reply nor an error");
      return;
    }

  if (error.start_fail_reason != DUET_START_FAIL_REASON_NONE)
    reason = error.start_fail_reason;
  else if (error.code == DUET_PROTOCOL_ERROR_AUTH_FAILED)
    reason = DUET_START_FAIL_REASON_INVALID_AUTHENTICATION;
  g_task_set_task_data (task, GINT_TO_POINTER (reason), NULL);
  g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER, "%s: %s",
                           duet_protocol_error_code_to_string (error.code), error.message);
}

static gboolean
ensure_signalling (DuetManager *self,
                   const char  *server_url,
                   const char  *access_token)
{
  if (self->signalling != NULL)
    return TRUE;
  if (server_url == NULL || access_token == NULL)
    return FALSE;
  duet_manager_sign_in (self, server_url, access_token);
  return TRUE;
}

static DuetCall *
finish_common (DuetManager          *self,
               GAsyncResult         *result,
               DuetStartFailReason  *reason,
               GError              **error)
{
  DuetCall *call = g_task_propagate_pointer (G_TASK (result), error);

  if (reason != NULL)
    *reason = call ? DUET_START_FAIL_REASON_NONE
                   : (DuetStartFailReason) GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));
  return call;
}

/* make_call */

static void
make_call_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetManager *self = g_task_get_source_object (task);
  DuetCall *call = g_object_get_data (G_OBJECT (task), "call");
  g_autoptr(JsonObject) answer = NULL;
  g_auto(DuetMakeCallReply) reply = { 0 };
  g_autoptr(GError) error = NULL;

  answer = duet_signalling_request_finish (DUET_SIGNALLING (source), result, &error);
  if (answer == NULL)
    {
      if (self->active == call)
        self->active = NULL;
      return_failure (task, DUET_START_FAIL_REASON_SERVER_UNREACHABLE, error->message);
      return;
    }

  if (!duet_make_call_reply_parse (answer, &reply, &error))
    {
      if (self->active == call)
        self->active = NULL;
      return_server_error (task, answer, error);
      return;
    }

  duet_call_set_state (call, DUET_CALL_STATE_WAITING);
  g_signal_connect (call, "notify::state", G_CALLBACK (on_call_notify_state), self);
  g_task_return_pointer (task, g_object_ref (call), g_object_unref);
  /* After the return, so the caller can connect handlers first */
  duet_call_queue_wait_connected (call);
  register_call (self, call, reply.call_id);
}

static DuetStartFailReason
check_make_call (DuetManager        *self,
                 DuetMakeCallParam  *param,
                 const char        **message)
{
  const char *peer_service = duet_make_call_param_get_peer_service_id (param);

  if (!duet_user_id_is_valid (duet_make_call_param_get_peer_user_id (param)) ||
      !duet_service_id_is_valid (peer_service))
    return (*message = "Invalid peer id", DUET_START_FAIL_REASON_INVALID_PEER_ID);
  if (g_str_equal (duet_make_call_param_get_peer_user_id (param), duet_make_call_param_get_my_user_id (param)) &&
      g_str_equal (peer_service, duet_make_call_param_get_my_service_id (param)))
    return (*message = "Cannot call oneself", DUET_START_FAIL_REASON_ID_CONFLICT);
  if (self->active != NULL)
    return (*message = "A call is already in progress", DUET_START_FAIL_REASON_ALREADY_EXIST);
  if (!ensure_signalling (self, duet_make_call_param_get_server_url (param),
                          duet_make_call_param_get_access_token (param)))
    return (*message = "No server URL: connect the manager or set one in the param",
            DUET_START_FAIL_REASON_NOT_INITIALIZED);
  return DUET_START_FAIL_REASON_NONE;
}

/**
 * duet_manager_make_call_async:
 * @self: a #DuetManager
 * @param: who to call and how, from a #DuetMakeCallParamBuilder
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: (closure): data for @callback
 *
 * Places a call (PlanetKit's makeCall()). Connects first with the
 * param's server and token if the manager is not connected.
 */
void
duet_manager_make_call_async (DuetManager         *self,
                              DuetMakeCallParam   *param,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(DuetMediaSession) media = NULL;
  g_autoptr(DuetCall) call = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  const char *message = NULL;
  DuetStartFailReason reason;

  g_return_if_fail (DUET_IS_MANAGER (self));
  g_return_if_fail (DUET_IS_MAKE_CALL_PARAM (param));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_manager_make_call_async);

  reason = check_make_call (self, param, &message);
  if (reason != DUET_START_FAIL_REASON_NONE)
    {
      return_failure (task, reason, message);
      return;
    }

  /* Start the media now: the DTLS key is made while the server works */
  media = new_media (self, TRUE);
  call = duet_call_new (self->signalling, media, TRUE,
                        duet_make_call_param_get_peer_user_id (param),
                        duet_make_call_param_get_peer_service_id (param),
                        duet_make_call_param_get_media_type (param),
                        duet_make_call_param_get_initial_video_state (param));
  duet_call_set_reconnect (call, renew_media, self, self->network_grace);
  if (!duet_media_session_start (media, &error))
    {
      return_failure (task, DUET_START_FAIL_REASON_NOT_INITIALIZED, error->message);
      return;
    }

  self->active = call;
  g_object_set_data_full (G_OBJECT (task), "call", g_object_ref (call), g_object_unref);

  request = duet_make_call_request_build (NULL, &(DuetMakeCallRequest) {
    .peer_user = (char *) duet_make_call_param_get_peer_user_id (param),
    .peer_service = (char *) duet_make_call_param_get_peer_service_id (param),
    .media_type = duet_make_call_param_get_media_type (param),
  });
  duet_signalling_request_async (self->signalling, request, cancellable, make_call_cb,
                                 g_steal_pointer (&task));
}

/**
 * duet_manager_make_call_finish:
 * @self: a #DuetManager
 * @result: the #GAsyncResult passed to the callback
 * @reason: (out) (optional): why the call could not start, or
 *   %DUET_START_FAIL_REASON_NONE
 * @error: return location for a #GError, or %NULL
 *
 * The call, in state %DUET_CALL_STATE_WAITING; connect its signals now:
 * #DuetCall::wait-connected comes right after. PlanetKit's makeCall()
 * result: check @reason.
 *
 * Returns: (transfer full) (nullable): the call, or %NULL with @reason
 *   and @error set
 */
DuetCall *
duet_manager_make_call_finish (DuetManager          *self,
                               GAsyncResult         *result,
                               DuetStartFailReason  *reason,
                               GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return finish_common (self, result, reason, error);
}

/* verify_call */

static void
verify_call_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetManager *self = g_task_get_source_object (task);
  g_autoptr(JsonObject) answer = NULL;
  g_auto(DuetVerifyCallReply) reply = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetMediaSession) media = NULL;
  g_autoptr(DuetCall) call = NULL;

  answer = duet_signalling_request_finish (DUET_SIGNALLING (source), result, &error);
  if (answer == NULL)
    {
      return_failure (task, DUET_START_FAIL_REASON_SERVER_UNREACHABLE, error->message);
      return;
    }

  if (!duet_verify_call_reply_parse (answer, &reply, &error))
    {
      return_server_error (task, answer, error);
      return;
    }

  media = new_media (self, FALSE);
  call = duet_call_new (self->signalling, media, FALSE, reply.caller_user, reply.caller_service,
                        reply.media_type, DUET_INITIAL_VIDEO_STATE_RESUME);
  duet_call_set_reconnect (call, renew_media, self, self->network_grace);
  if (!duet_media_session_start (media, &error))
    {
      g_autoptr(JsonObject) decline = duet_end_call_request_build (NULL, &(DuetEndCallRequest) {
        .call_id = reply.call_id,
        .reason = DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR,
      });

      duet_signalling_send (self->signalling, decline);
      return_failure (task, DUET_START_FAIL_REASON_NOT_INITIALIZED, error->message);
      return;
    }

  self->active = call;
  duet_call_set_state (call, DUET_CALL_STATE_VERIFIED);
  g_signal_connect (call, "notify::state", G_CALLBACK (on_call_notify_state), self);
  register_call (self, call, reply.call_id);
  g_task_return_pointer (task, g_steal_pointer (&call), g_object_unref);
}

/**
 * duet_manager_verify_call_async:
 * @self: a #DuetManager
 * @param: the pushed call, from a #DuetVerifyCallParamBuilder
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: (closure): data for @callback
 *
 * Verifies an incoming call's cc_param with the server (PlanetKit's
 * verifyCall()); on success the call rings and the caller gets
 * #DuetCall::verified.
 */
void
duet_manager_verify_call_async (DuetManager         *self,
                                DuetVerifyCallParam *param,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;
  DuetCcParam *cc_param;

  g_return_if_fail (DUET_IS_MANAGER (self));
  g_return_if_fail (DUET_IS_VERIFY_CALL_PARAM (param));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_manager_verify_call_async);
  cc_param = duet_verify_call_param_get_cc_param (param);

  if (duet_cc_param_get_expires_at (cc_param) > 0 &&
      duet_cc_param_get_expires_at (cc_param) < g_get_real_time () / G_USEC_PER_SEC)
    {
      return_failure (task, DUET_START_FAIL_REASON_INVALID_PARAM, "The cc_param has expired");
      return;
    }
  if (self->active != NULL)
    {
      return_failure (task, DUET_START_FAIL_REASON_ALREADY_EXIST, "A call is already in progress");
      return;
    }
  if (!ensure_signalling (self, duet_verify_call_param_get_server_url (param),
                          duet_verify_call_param_get_access_token (param)))
    {
      return_failure (task, DUET_START_FAIL_REASON_NOT_INITIALIZED, "Not connected to a server");
      return;
    }

  request = duet_verify_call_request_build (NULL, &(DuetVerifyCallRequest) {
    .cc_param = (char *) duet_cc_param_get_text (cc_param),
    .use_responder_preparation = duet_verify_call_param_get_use_responder_preparation (param),
  });
  duet_signalling_request_async (self->signalling, request, cancellable, verify_call_cb,
                                 g_steal_pointer (&task));
}

/**
 * duet_manager_verify_call_finish:
 * @self: a #DuetManager
 * @result: the #GAsyncResult passed to the callback
 * @reason: (out) (optional): why the call could not be verified, or
 *   %DUET_START_FAIL_REASON_NONE
 * @error: return location for a #GError, or %NULL
 *
 * Finishes duet_manager_verify_call_async(): the call rings.
 *
 * Returns: (transfer full) (nullable): the ringing call (state
 *   %DUET_CALL_STATE_VERIFIED): accept it with duet_call_accept_call() or
 *   decline it with duet_call_end_call(); %NULL with @reason and @error set
 */
DuetCall *
duet_manager_verify_call_finish (DuetManager          *self,
                                 GAsyncResult         *result,
                                 DuetStartFailReason  *reason,
                                 GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return finish_common (self, result, reason, error);
}

/* ---- devices ---- */

/**
 * duet_manager_get_device_id:
 * @self: a #DuetManager
 *
 * Gets the id of the device the manager is signed in as; see
 * #DuetManager:device-id.
 *
 * Returns: (nullable): the id of this device, or %NULL before the server
 *   has said
 */
const char *
duet_manager_get_device_id (DuetManager *self)
{
  g_return_val_if_fail (DUET_IS_MANAGER (self), NULL);
  return self->device_id;
}

/**
 * duet_manager_get_devices:
 * @self: a #DuetManager
 *
 * Gets the devices the user is signed in on; see #DuetManager:devices.
 *
 * Returns: (transfer none): a #GListModel of #DuetAccountDevice, the same
 *   one for the manager's life
 */
GListModel *
duet_manager_get_devices (DuetManager *self)
{
  g_return_val_if_fail (DUET_IS_MANAGER (self), NULL);
  return G_LIST_MODEL (self->devices);
}

/**
 * duet_manager_get_media_settings:
 * @self: a #DuetManager
 *
 * Gets the media settings new calls use; see #DuetManager:media-settings.
 *
 * Returns: (transfer none): the manager's #DuetMediaSettings, the same
 *   one for the manager's life
 */
DuetMediaSettings *
duet_manager_get_media_settings (DuetManager *self)
{
  g_return_val_if_fail (DUET_IS_MANAGER (self), NULL);
  return self->media_settings;
}

/**
 * duet_manager_get_sign_out_reason:
 * @self: a #DuetManager
 *
 * Gets why the server signed this device out; see
 * #DuetManager:sign-out-reason.
 *
 * Returns: (nullable): `by_user`, `device_limit`, or %NULL
 */
const char *
duet_manager_get_sign_out_reason (DuetManager *self)
{
  g_return_val_if_fail (DUET_IS_MANAGER (self), NULL);
  return self->sign_out_reason;
}

static void
sign_out_device_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_auto(DuetErrorMessage) refused = { 0 };
  GError *error = NULL;

  answer = duet_signalling_request_finish (DUET_SIGNALLING (source), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (duet_empty_reply_parse (answer, NULL))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!duet_error_message_parse (answer, &refused, &error))
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER,
                               "The server's answer cannot be read: %s", error->message);
      g_clear_error (&error);
      return;
    }
  if (refused.code == DUET_PROTOCOL_ERROR_NO_SUCH_DEVICE)
    g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_NO_SUCH_DEVICE, "%s", refused.message);
  else
    g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER, "%s: %s",
                             duet_protocol_error_code_to_string (refused.code), refused.message);
}

/**
 * duet_manager_sign_out_device_async:
 * @self: a connected #DuetManager
 * @device_id: (nullable): the #DuetAccountDevice:id of one of the user's
 *   devices, or %NULL for this one
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: (closure): data for @callback
 *
 * Signs one of the user's devices out, such as a lost laptop: its tokens
 * stop working, a call it is in ends (%DUET_DISCONNECT_REASON_AUTH_ERROR),
 * and its manager gets #DuetManager::server-error `signed_out` and stops.
 * Signing this device out works the same: the reply comes first, then
 * the `signed_out`.
 */
void
duet_manager_sign_out_device_async (DuetManager         *self,
                                    const char          *device_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;

  g_return_if_fail (DUET_IS_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_manager_sign_out_device_async);

  if (self->signalling == NULL || (device_id == NULL && self->device_id == NULL))
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_NOT_CONNECTED,
                               "Not signed in to a server");
      return;
    }
  if (device_id == NULL)
    device_id = self->device_id;
  if (!duet_request_id_is_valid (device_id))
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                               "device_id: a device id has 1 to 64 letters, digits, dots, dashes or underscores");
      return;
    }

  request = duet_sign_out_device_request_build (NULL, &(DuetSignOutDeviceRequest) {
    .device_id = (char *) device_id,
  });
  duet_signalling_request_async (self->signalling, request, cancellable, sign_out_device_cb,
                                 g_steal_pointer (&task));
}

/**
 * duet_manager_sign_out_device_finish:
 * @self: a #DuetManager
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes duet_manager_sign_out_device_async(). Errors (domain
 * %DUET_KIT_ERROR): %DUET_KIT_ERROR_NO_SUCH_DEVICE when the user has no
 * such device (any more), %DUET_KIT_ERROR_NOT_CONNECTED when the manager
 * is not signed in or the connection went before the answer,
 * %DUET_KIT_ERROR_INVALID_PARAM for an id that breaks the rules,
 * %DUET_KIT_ERROR_SERVER for any other refusal.
 *
 * Returns: %TRUE once the server has signed the device out
 */
gboolean
duet_manager_sign_out_device_finish (DuetManager   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * duet_manager_mark_missed_call_seen:
 * @self: a #DuetManager
 * @call_id: the #DuetCallHistoryEntry:call-id of a missed call
 *
 * Tells the server that the user has seen a missed call, for example
 * when they opened its notification: the user's other devices get
 * #DuetManager::missed-call-seen (and may withdraw theirs), the call is
 * not delivered again to a device that signs in later, and its history
 * entry is #DuetCallHistoryEntry:seen. Nothing is reported back; without
 * a connection the mark waits for the next one.
 */
void
duet_manager_mark_missed_call_seen (DuetManager *self,
                                    const char  *call_id)
{
  g_autoptr(JsonObject) request = NULL;

  g_return_if_fail (DUET_IS_MANAGER (self));
  g_return_if_fail (call_id != NULL);

  if (self->signalling == NULL)
    {
      g_debug ("Not marking call %s seen: not signed in", call_id);
      return;
    }
  if (!duet_request_id_is_valid (call_id))
    {
      g_debug ("Not marking call “%s” seen: not a call id", call_id);
      return;
    }
  /* Fire and forget: the signalling logs an error reply with g_debug */
  request = duet_mark_seen_request_build (NULL, &(DuetMarkSeenRequest) { .call_id = (char *) call_id });
  duet_signalling_send (self->signalling, request);
}

/* ---- GObject ---- */

static void
duet_manager_dispose (GObject *object)
{
  DuetManager *self = DUET_MANAGER (object);

  duet_manager_sign_out (self);
  g_hash_table_remove_all (self->calls);
  self->active = NULL;

  G_OBJECT_CLASS (duet_manager_parent_class)->dispose (object);
}

static void
duet_manager_finalize (GObject *object)
{
  DuetManager *self = DUET_MANAGER (object);

  finish_dtls_warm_up ();
  g_hash_table_unref (self->calls);
  g_hash_table_unref (self->early);
  g_object_unref (self->devices);
  g_hash_table_unref (self->missed_ids);   /* owns the queue's strings */
  g_queue_clear (&self->missed_order);
  g_free (self->device_id);
  g_free (self->sign_out_reason);
  g_object_unref (self->media_settings);
  g_free (self->tls_ca_file);
  g_strfreev (self->server_calls);
  g_strfreev (self->ice_servers);
  g_strfreev (self->extra_ice);
  g_strfreev (self->server_ice);

  G_OBJECT_CLASS (duet_manager_parent_class)->finalize (object);
}

static void
duet_manager_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DuetManager *self = DUET_MANAGER (object);

  switch (prop_id)
    {
    case PROP_CONNECTED: g_value_set_boolean (value, duet_manager_get_connected (self)); break;
    case PROP_TEST_SOURCES:
    case PROP_CAMERA:
    case PROP_SPEAKER:
    case PROP_MICROPHONE:
    case PROP_LIVENESS_TIMEOUT:
    case PROP_ECHO_CANCEL:
      /* the same name there */
      g_object_get_property (G_OBJECT (self->media_settings), pspec->name, value);
      break;
    case PROP_TLS_CA_FILE: g_value_set_string (value, self->tls_ca_file); break;
    case PROP_ICE_SERVERS: g_value_set_boxed (value, self->ice_servers); break;
    case PROP_ICE_TRANSPORT_POLICY: g_value_set_enum (value, self->ice_policy); break;
    case PROP_NETWORK_GRACE_PERIOD: g_value_set_uint (value, self->network_grace); break;
    case PROP_DEVICE_ID: g_value_set_string (value, self->device_id); break;
    case PROP_DEVICES: g_value_set_object (value, self->devices); break;
    case PROP_SIGN_OUT_REASON: g_value_set_string (value, self->sign_out_reason); break;
    case PROP_MEDIA_SETTINGS: g_value_set_object (value, self->media_settings); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_manager_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DuetManager *self = DUET_MANAGER (object);
  g_autoptr(GError) error = NULL;

  switch (prop_id)
    {
    case PROP_TEST_SOURCES:
    case PROP_CAMERA:
    case PROP_SPEAKER:
    case PROP_MICROPHONE:
    case PROP_LIVENESS_TIMEOUT:
    case PROP_ECHO_CANCEL:
      g_object_set_property (G_OBJECT (self->media_settings), pspec->name, value);
      break;
    case PROP_TLS_CA_FILE: duet_set_string (&self->tls_ca_file, g_value_get_string (value)); break;
    case PROP_ICE_SERVERS:
      if (!duet_manager_set_ice_servers (self, g_value_get_boxed (value), &error))
        g_warning ("ice-servers not changed: %s", error->message);
      break;
    case PROP_ICE_TRANSPORT_POLICY: self->ice_policy = g_value_get_enum (value); break;
    case PROP_NETWORK_GRACE_PERIOD: self->network_grace = g_value_get_uint (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_manager_class_init (DuetManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = duet_manager_dispose;
  object_class->finalize = duet_manager_finalize;
  object_class->get_property = duet_manager_get_property;
  object_class->set_property = duet_manager_set_property;

  /**
   * DuetManager:connected:
   *
   * Whether the manager is signed in to the server right now.
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetManager:test-sources:
   *
   * Use generated sound and video instead of the microphone and camera (tests, demos; also `DUET_TEST_SOURCES=1`).
   * The same as #DuetMediaSettings:test-sources of #DuetManager:media-settings.
   */
  properties[PROP_TEST_SOURCES] = g_param_spec_boolean ("test-sources", NULL, NULL, FALSE, flags);
  /**
   * DuetManager:camera:
   *
   * The camera new calls use, by its #DuetDevice:id (from
   * #DuetDeviceMonitor); %NULL or empty for the default one. A call's own
   * choice is duet_call_set_device(). The same as #DuetMediaSettings:camera
   * of #DuetManager:media-settings.
   */
  properties[PROP_CAMERA] = g_param_spec_string ("camera", NULL, NULL, NULL, flags);
  /**
   * DuetManager:speaker:
   *
   * The speakers or headphones new calls play to, by #DuetDevice:id; %NULL
   * or empty for the desktop's default. The same as
   * #DuetMediaSettings:speaker of #DuetManager:media-settings.
   */
  properties[PROP_SPEAKER] = g_param_spec_string ("speaker", NULL, NULL, NULL, flags);
  /**
   * DuetManager:microphone:
   *
   * The microphone new calls use, by #DuetDevice:id; %NULL or empty for the
   * desktop's default. The same as #DuetMediaSettings:microphone of
   * #DuetManager:media-settings.
   */
  properties[PROP_MICROPHONE] = g_param_spec_string ("microphone", NULL, NULL, NULL, flags);
  /**
   * DuetManager:liveness-timeout:
   *
   * Milliseconds without media from the peer before #DuetCall::network-unavailable; 0 for the default (2500).
   * The same as #DuetMediaSettings:liveness-timeout of #DuetManager:media-settings.
   */
  properties[PROP_LIVENESS_TIMEOUT] = g_param_spec_uint ("liveness-timeout", NULL, NULL, 0, 600000, 0, flags);
  /**
   * DuetManager:tls-ca-file:
   *
   * A PEM file of the CAs that may sign the server's certificate (https, wss); %NULL or "" for the system's. Read at connect.
   */
  properties[PROP_TLS_CA_FILE] = g_param_spec_string ("tls-ca-file", NULL, NULL, NULL, flags);
  /**
   * DuetManager:echo-cancel:
   *
   * Cancel the speaker's echo in the microphone (webrtcdsp), from the next call on.
   * The same as #DuetMediaSettings:echo-cancel of #DuetManager:media-settings.
   */
  properties[PROP_ECHO_CANCEL] = g_param_spec_boolean ("echo-cancel", NULL, NULL, TRUE, flags);
  /**
   * DuetManager:ice-servers:
   *
   * STUN and TURN servers besides the ones the server hands out; see duet_manager_set_ice_servers(). From the next call on.
   */
  properties[PROP_ICE_SERVERS] = g_param_spec_boxed ("ice-servers", NULL, NULL, G_TYPE_STRV, flags);
  /**
   * DuetManager:ice-transport-policy:
   *
   * %DUET_ICE_TRANSPORT_POLICY_RELAY sends media only through TURN relays, so the peer never learns this device's address.
   */
  properties[PROP_ICE_TRANSPORT_POLICY] =
    g_param_spec_enum ("ice-transport-policy", NULL, NULL, DUET_TYPE_ICE_TRANSPORT_POLICY,
                       DUET_ICE_TRANSPORT_POLICY_ALL, flags);
  /**
   * DuetManager:network-grace-period:
   *
   * Seconds a call's media path may be lost, while a new one is tried, before the call ends with %DUET_DISCONNECT_REASON_NETWORK_UNSTABLE.
   */
  properties[PROP_NETWORK_GRACE_PERIOD] =
    g_param_spec_uint ("network-grace-period", NULL, NULL, 1, 3600, DUET_CALL_DEFAULT_NETWORK_GRACE, flags);
  /**
   * DuetManager:device-id:
   *
   * The id of the device the manager is signed in as (the token's
   * device, see #DuetAuth:device-id), as the server said when the
   * connection came up; %NULL before that, and from each sign-in until
   * the server has said.
   */
  properties[PROP_DEVICE_ID] =
    g_param_spec_string ("device-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetManager:devices:
   *
   * The devices the user is signed in on, oldest first, as a #GListModel
   * of #DuetAccountDevice (#DuetAccountDevice:current is this one): read
   * from the server each time the connection comes up, and replaced as a
   * whole (one #GListModel::items-changed) whenever a device is added,
   * renamed, signed out, or comes online or goes offline. Empty while
   * signed out. The same model for the manager's life.
   */
  properties[PROP_DEVICES] =
    g_param_spec_object ("devices", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * DuetManager:sign-out-reason:
   *
   * Why the server signed this device out, set just before
   * #DuetManager::server-error `signed_out`: `by_user` (from one of the
   * user's devices, perhaps this one, with
   * duet_manager_sign_out_device_async()) or `device_limit` (the user
   * signed in on a new device, and this one had been idle longest of
   * too many). %NULL otherwise, and back to %NULL at the next sign-in.
   */
  properties[PROP_SIGN_OUT_REASON] =
    g_param_spec_string ("sign-out-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetManager:media-settings:
   *
   * The media settings new calls use (each call copies them when it
   * starts), read from the environment when the manager was made (see
   * duet_media_settings_new_from_environment()). The same object for the
   * manager's life: set its properties.
   */
  properties[PROP_MEDIA_SETTINGS] =
    g_param_spec_object ("media-settings", NULL, NULL, DUET_TYPE_MEDIA_SETTINGS,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DuetManager::incoming-call:
   * @manager: the #DuetManager
   * @cc_param: the pushed call
   *
   * Someone is calling: the server's push of a call (PlanetKit leaves the
   * push to the app; duet-server sends it over the manager's connection).
   * Verify it with duet_manager_verify_call_async() to ring.
   */
  signals[INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, DUET_TYPE_CC_PARAM);
  /**
   * DuetManager::missed-call:
   * @manager: the #DuetManager
   * @entry: the call, with who called, when, and why it ended
   *
   * A call to this user ended before it was answered, perhaps while the
   * user was away. Every device of the user that was online (or comes
   * online while nobody has marked the call seen) is told; a manager
   * emits each call once. When the user has seen it, call
   * duet_manager_mark_missed_call_seen(), so the other devices hear of it
   * (#DuetManager::missed-call-seen).
   */
  signals[MISSED_CALL] =
    g_signal_new ("missed-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, DUET_TYPE_CALL_HISTORY_ENTRY);
  /**
   * DuetManager::server-error:
   * @manager: the #DuetManager
   * @code: `auth_failed` (the token was refused: expired, revoked, or
   *   this device was signed out earlier), `session_replaced` (the same
   *   device, with a token of its own, connected elsewhere),
   *   `signed_out` (this device was signed out: from one of the user's
   *   devices, or by the server's limit of devices for a newer one;
   *   #DuetManager:sign-out-reason says which), `bad_url`, or
   *   `tls_error` (the certificate is not trusted, or the CA file cannot
   *   be read)
   *
   * The server connection failed for good; the manager does not try
   * again. After `signed_out` (and `auth_failed`) the token is no good:
   * sign in again with a password.
   */
  signals[SERVER_ERROR] =
    g_signal_new ("server-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * DuetManager::device-warning:
   * @manager: the #DuetManager
   * @message: what is missing, in English
   *
   * A media feature is unavailable (such as echo cancellation without
   * webrtcdsp); calls go on. A missing camera or microphone is
   * #DuetMyMediaStatus:camera-problem and #DuetMyMediaStatus:microphone-problem.
   */
  signals[DEVICE_WARNING] =
    g_signal_new ("device-warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * DuetManager::network-warning:
   * @manager: the #DuetManager
   * @message: what went wrong, in English
   *
   * Something may keep calls from connecting through some networks, for
   * example the TURN servers gave no relay address.
   */
  signals[NETWORK_WARNING] =
    g_signal_new ("network-warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * DuetManager::missed-call-seen:
   * @manager: the #DuetManager
   * @call_id: the #DuetCallHistoryEntry:call-id of the missed call
   *
   * Another of the user's devices marked a missed call seen
   * (duet_manager_mark_missed_call_seen()): withdraw its notification.
   */
  signals[MISSED_CALL_SEEN] =
    g_signal_new ("missed-call-seen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
duet_manager_init (DuetManager *self)
{
  /* The DUET_* variables tune scripts and tests without code */
  self->media_settings = duet_media_settings_new_from_environment ();
  self->network_grace = DUET_CALL_DEFAULT_NETWORK_GRACE;
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->early = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->devices = g_list_store_new (DUET_TYPE_ACCOUNT_DEVICE);
  self->missed_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->missed_order);
}

/**
 * duet_manager_new:
 *
 * Creates the kit's entry point (PlanetKit's PlanetKitManager). One per
 * signed-in user.
 *
 * Returns: (transfer full): a new #DuetManager
 */
DuetManager *
duet_manager_new (void)
{
  return g_object_new (DUET_TYPE_MANAGER, NULL);
}

/**
 * duet_manager_set_ice_servers:
 * @self: a #DuetManager
 * @uris: (array zero-terminated=1) (nullable): STUN and TURN servers to use besides the app
 *   server's: "stun:HOST[:PORT]", or a TURN server with its credentials in
 *   webrtcbin's form "turn://USER:PASSWORD@HOST[:PORT][?transport=udp|tcp]"
 *   ("turns://…" for TLS), USER and PASSWORD percent-encoded
 * @error: return location for a #GError, or %NULL
 *
 * Adds STUN and TURN servers to the ones the server hands out, for the
 * calls set up from now on.
 *
 * Returns: %FALSE, with @error naming the first bad URI, and nothing
 *   changed, if one cannot be used
 */
gboolean
duet_manager_set_ice_servers (DuetManager         *self,
                              const char * const  *uris,
                              GError             **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (DUET_IS_MANAGER (self), FALSE);

  for (guint i = 0; uris != NULL && uris[i] != NULL; i++)
    {
      g_autoptr(DuetIceUri) uri = duet_ice_uri_parse (uris[i], error);
      g_autofree char *webrtcbin = NULL;

      if (uri == NULL)
        {
          g_prefix_error (error, "“%s”: ", uris[i]);
          return FALSE;
        }
      if (duet_ice_uri_is_turn (uri) && uri->username == NULL)
        {
          g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_USER,
                       "“%s”: a TURN server needs credentials: turn://USER:PASSWORD@HOST:PORT", uris[i]);
          return FALSE;
        }
      webrtcbin = duet_ice_uri_to_webrtcbin (uri, NULL, NULL);
      g_strv_builder_add (builder, webrtcbin);
    }

  g_strfreev (self->ice_servers);
  self->ice_servers = g_strdupv ((char **) uris);
  g_strfreev (self->extra_ice);
  self->extra_ice = g_strv_builder_end (builder);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICE_SERVERS]);
  return TRUE;
}

static void
fetch_history_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_auto(DuetHistoryReply) reply = { 0 };
  g_autoptr(GListStore) store = NULL;
  GError *error = NULL;

  answer = duet_signalling_request_finish (DUET_SIGNALLING (source), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!duet_history_reply_parse (answer, &reply, &error))
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER,
                               "The server's history cannot be read: %s", error->message);
      g_clear_error (&error);
      return;
    }

  store = g_list_store_new (DUET_TYPE_CALL_HISTORY_ENTRY);
  for (guint i = 0; i < reply.calls->len; i++)
    {
      g_autoptr(DuetCallHistoryEntry) entry =
        duet_call_history_entry_new_from_history (g_ptr_array_index (reply.calls, i));

      g_list_store_append (store, entry);
    }
  g_task_return_pointer (task, g_steal_pointer (&store), g_object_unref);
}

/**
 * duet_manager_fetch_history_async:
 * @self: a connected #DuetManager
 * @limit: the most calls to return (1–200)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: (closure): data for @callback
 *
 * Reads the signed-in user's recent calls, newest first, over the
 * manager's own connection (a second one would replace it on the server).
 */
void
duet_manager_fetch_history_async (DuetManager         *self,
                                  guint                limit,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;

  g_return_if_fail (DUET_IS_MANAGER (self));
  g_return_if_fail (limit >= 1 && limit <= 200);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_manager_fetch_history_async);

  if (self->signalling == NULL)
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_NOT_CONNECTED,
                               "Not connected to a server");
      return;
    }

  request = duet_history_request_build (NULL, &(DuetHistoryRequest) { .limit = limit });
  duet_signalling_request_async (self->signalling, request, cancellable, fetch_history_cb,
                                 g_steal_pointer (&task));
}

/**
 * duet_manager_fetch_history_finish:
 * @self: a #DuetManager
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes duet_manager_fetch_history_async().
 *
 * Returns: (transfer full): a #GListModel of #DuetCallHistoryEntry, newest first
 */
GListModel *
duet_manager_fetch_history_finish (DuetManager   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
