/* duet-directory.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a node knows of the others that share its bus: which devices are
 * signed in to which node, and the calls each owns. Every node tells the
 * others as things change (topic "cluster"), so a lookup is a hash table
 * here and a call is never held up by a round trip to Redis; the cost is
 * memory for every signed-in device of the cluster on every node
 * (docs/scaling.md). A call belongs to the node where it was made: the
 * others forward requests about it there (topic "request", on the owner's
 * own channel), and the owner reaches a device on another node through a
 * stand-in DuetSession whose messages go to that node ("deliver").
 *
 * Pub/sub keeps nothing for a node that is away, so the picture is made
 * whole again whenever a node's bus comes (back) up: it asks every node
 * to tell all it holds ("sync_request"), and answers such requests. A
 * node that has not been heard of for NODE_TIMEOUT is gone: its devices
 * go offline here and its calls are orphans, for one node to take over.
 * Which one is decided on the bus: a node claims each call it makes and
 * says on every heartbeat that it is alive (for ALIVE_TTL, less than
 * NODE_TIMEOUT); a claim held by a node that is no longer alive can be
 * taken, once, by whichever node asks first.
 */
#include "config.h"

#include "duet-directory.h"
#include "duet-local-bus.h"

#define HEARTBEAT_MS    2000
#define NODE_TIMEOUT_US (8 * G_USEC_PER_SEC)
#define ALIVE_TTL_MS    5000
/* Heartbeats after the bus came up before the others' syncs are in */
#define SETTLE_BEATS    2

typedef struct
{
  DuetCallRecord *call;
  char           *owner;
} Mirror;

struct _DuetDirectory
{
  GObject      parent_instance;

  DuetBus     *bus;
  gboolean     alone;       /* a local bus: nobody to tell, nothing to hear */
  DuetMetrics *metrics;
  GHashTable  *devices;     /* "service/user" → GPtrArray of remote DuetSession* */
  GHashTable  *calls;       /* call id → Mirror*: the calls of other nodes */
  GHashTable  *user_calls;  /* "service/user" → Mirror* */
  GHashTable  *nodes;       /* node id → gint64*: when last heard of, monotonic µs */
  GHashTable  *owned;       /* ids of our own calls, claimed on the bus */
  guint        heartbeat;
  gboolean     bus_up;
  gint64       bus_up_since;
  guint        beats_up;    /* heartbeats since the bus (first) came up */
  gboolean     settled;
};

G_DEFINE_FINAL_TYPE (DuetDirectory, duet_directory, G_TYPE_OBJECT)

enum {
  DEVICE_ONLINE,
  DEVICE_OFFLINE,
  REQUEST,
  DELIVER,
  SYNC_REQUESTED,
  ORPHANED_CALL,
  SETTLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
mirror_free (Mirror *mirror)
{
  duet_call_record_unref (mirror->call);
  g_free (mirror->owner);
  g_free (mirror);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* ---- devices ------------------------------------------------------------ */

static DuetSession *
find_device (GPtrArray  *devices,
             const char *device_id,
             guint      *out_index)
{
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      DuetSession *session = g_ptr_array_index (devices, i);

      if (device_id == NULL || g_strcmp0 (duet_session_get_device_id (session), device_id) == 0)
        {
          if (out_index != NULL)
            *out_index = i;
          return session;
        }
    }
  return NULL;
}

static void
remove_device_at (DuetDirectory *self,
                  const char    *key,
                  GPtrArray     *devices,
                  guint          index,
                  gboolean       tell)
{
  g_autoptr(DuetSession) session = g_object_ref (g_ptr_array_index (devices, index));

  duet_session_close (session, 0, NULL);   /* a stand-in: only marks it closed */
  g_ptr_array_remove_index (devices, index);
  if (devices->len == 0)
    g_hash_table_remove (self->devices, key);
  if (tell)
    g_signal_emit (self, signals[DEVICE_OFFLINE], 0, session);
}

/* A device signed in to @node; the same device elsewhere moved there */
static void
add_device (DuetDirectory *self,
            const char    *node,
            JsonObject    *entry)
{
  const char *service = string_member (entry, "service");
  const char *user = string_member (entry, "user");
  const char *device = string_member (entry, "device");
  g_autofree char *key = NULL;
  GPtrArray *devices;
  DuetSession *session;
  guint index;

  if (service == NULL || user == NULL || device == NULL)
    return;
  key = duet_user_key (service, user);
  devices = g_hash_table_lookup (self->devices, key);
  session = find_device (devices, device, &index);
  /* of two connections heard of in either order, the later one is it */
  if (session != NULL &&
      duet_session_get_signed_in_at (session) > json_object_get_int_member_with_default (entry, "at", G_MAXINT64))
    return;
  if (session != NULL)
    remove_device_at (self, key, devices, index, FALSE);

  devices = g_hash_table_lookup (self->devices, key);
  if (devices == NULL)
    {
      devices = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->devices, g_strdup (key), devices);
    }
  session = duet_session_new_remote (self->bus, node, self->metrics, service, user,
                                     json_object_get_int_member_with_default (entry, "account", 0),
                                     device);
  duet_session_set_signed_in_at (session, json_object_get_int_member_with_default (entry, "at", g_get_real_time ()));
  g_ptr_array_add (devices, session);
  g_signal_emit (self, signals[DEVICE_ONLINE], 0, session);
}

/* Only the node that holds a device can say it left: a late word from
 * a node it left is not about its new connection */
static void
remove_device (DuetDirectory *self,
               const char    *node,
               const char    *service,
               const char    *user,
               const char    *device_id)
{
  g_autofree char *key = NULL;
  GPtrArray *devices;
  DuetSession *session;
  guint index;

  if (service == NULL || user == NULL || device_id == NULL)
    return;
  key = duet_user_key (service, user);
  devices = g_hash_table_lookup (self->devices, key);
  session = find_device (devices, device_id, &index);
  if (session != NULL && g_strcmp0 (duet_session_get_node_id (session), node) == 0)
    remove_device_at (self, key, devices, index, TRUE);
}

/* Every device @node holds, as stand-ins: for forgetting or replacing them */
static GPtrArray *
devices_of_node (DuetDirectory *self,
                 const char    *node)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->devices);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *devices = value;

      for (guint i = 0; i < devices->len; i++)
        if (g_strcmp0 (duet_session_get_node_id (g_ptr_array_index (devices, i)), node) == 0)
          g_ptr_array_add (found, g_object_ref (g_ptr_array_index (devices, i)));
    }
  return found;
}

static JsonObject *
device_entry (DuetSession *session)
{
  JsonObject *entry = json_object_new ();

  json_object_set_string_member (entry, "service", duet_session_get_service (session));
  json_object_set_string_member (entry, "user", duet_session_get_user (session));
  json_object_set_string_member (entry, "device", duet_session_get_device_id (session));
  json_object_set_int_member (entry, "account", duet_session_get_account_id (session));
  json_object_set_int_member (entry, "at", duet_session_get_signed_in_at (session));
  return entry;
}

static void
remove_devices (DuetDirectory *self,
                GPtrArray     *gone)
{
  for (guint i = 0; i < gone->len; i++)
    {
      DuetSession *session = g_ptr_array_index (gone, i);

      remove_device (self, duet_session_get_node_id (session), duet_session_get_service (session),
                     duet_session_get_user (session), duet_session_get_device_id (session));
    }
}

/* ---- calls -------------------------------------------------------------- */

static void
unindex_mirror (DuetDirectory *self,
                Mirror        *mirror)
{
  for (DuetCallParty party = DUET_CALL_PARTY_CALLER; party <= DUET_CALL_PARTY_CALLEE; party++)
    {
      g_autofree char *key = duet_call_record_party_key (mirror->call, party);

      if (g_hash_table_lookup (self->user_calls, key) == mirror)
        g_hash_table_remove (self->user_calls, key);
    }
}

static void
drop_mirror (DuetDirectory *self,
             const char    *call_id)
{
  Mirror *mirror = g_hash_table_lookup (self->calls, call_id);

  if (mirror == NULL)
    return;
  unindex_mirror (self, mirror);
  g_hash_table_remove (self->calls, call_id);
}

/* A call of @owner changed, or ended */
static void
set_mirror (DuetDirectory *self,
            const char    *owner,
            JsonObject    *object)
{
  g_autoptr(DuetCallRecord) call = duet_call_record_new_from_json (object);
  Mirror *mirror;

  if (call == NULL)
    return;
  drop_mirror (self, call->call_id);
  if (call->state == DUET_CALL_RECORD_STATE_ENDED)
    return;

  mirror = g_new0 (Mirror, 1);
  mirror->call = g_steal_pointer (&call);
  mirror->owner = g_strdup (owner);
  g_hash_table_insert (self->calls, mirror->call->call_id, mirror);
  for (DuetCallParty party = DUET_CALL_PARTY_CALLER; party <= DUET_CALL_PARTY_CALLEE; party++)
    g_hash_table_insert (self->user_calls, duet_call_record_party_key (mirror->call, party), mirror);
}


/* ---- nodes -------------------------------------------------------------- */

static void
heard_from (DuetDirectory *self,
            const char    *node)
{
  gint64 *last = g_hash_table_lookup (self->nodes, node);

  if (last == NULL)
    {
      last = g_new (gint64, 1);
      g_hash_table_insert (self->nodes, g_strdup (node), last);
    }
  *last = g_get_monotonic_time ();
}

/* The calls @owner told us of, referenced */
static GPtrArray *
calls_of (DuetDirectory *self,
          const char    *owner)
{
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_record_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_str_equal (((Mirror *) value)->owner, owner))
      g_ptr_array_add (calls, duet_call_record_ref (((Mirror *) value)->call));
  return calls;
}

static void
drop_mirrors_of (DuetDirectory *self,
                 const char    *owner)
{
  g_autoptr(GPtrArray) calls = calls_of (self, owner);

  for (guint i = 0; i < calls->len; i++)
    drop_mirror (self, ((DuetCallRecord *) g_ptr_array_index (calls, i))->call_id);
}

/* Its calls stay known (a device that reconnects meanwhile is told of
 * its call) until a node adopts them */
static void
forget_node (DuetDirectory *self,
             const char    *node)
{
  g_autoptr(GPtrArray) gone = devices_of_node (self, node);
  g_autoptr(GPtrArray) orphans = calls_of (self, node);

  g_message ("Cluster: node %s is gone; %u devices there are offline, %u calls to take over",
             node, gone->len, orphans->len);
  remove_devices (self, gone);
  g_hash_table_remove (self->nodes, node);
  for (guint i = 0; i < orphans->len; i++)
    g_signal_emit (self, signals[ORPHANED_CALL], 0, g_ptr_array_index (orphans, i));
}

/* All that @node holds now: what is not in it is gone */
static void
apply_sync (DuetDirectory *self,
            const char    *node,
            JsonObject    *message)
{
  g_autoptr(GPtrArray) held = devices_of_node (self, node);
  JsonArray *devices = json_object_get_array_member (message, "devices");
  JsonArray *calls = json_object_get_array_member (message, "calls");

  remove_devices (self, held);
  drop_mirrors_of (self, node);
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonNode *item = json_array_get_element (devices, i);

      if (JSON_NODE_HOLDS_OBJECT (item))
        add_device (self, node, json_node_get_object (item));
    }
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonNode *item = json_array_get_element (calls, i);

      if (JSON_NODE_HOLDS_OBJECT (item))
        set_mirror (self, node, json_node_get_object (item));
    }
}

static gboolean
has_array (JsonObject *message,
           const char *name)
{
  return json_object_has_member (message, name) &&
         JSON_NODE_HOLDS_ARRAY (json_object_get_member (message, name));
}

static void
on_cluster_message (DuetDirectory *self,
                    const char    *node,
                    JsonObject    *message)
{
  const char *type = string_member (message, "type");
  JsonNode *call = json_object_get_member (message, "call");

  heard_from (self, node);
  if (g_strcmp0 (type, "online") == 0)
    add_device (self, node, message);
  else if (g_strcmp0 (type, "offline") == 0)
    remove_device (self, node, string_member (message, "service"), string_member (message, "user"),
                   string_member (message, "device"));
  else if (g_strcmp0 (type, "call") == 0 && call != NULL && JSON_NODE_HOLDS_OBJECT (call))
    set_mirror (self, node, json_node_get_object (call));
  else if (g_strcmp0 (type, "sync_request") == 0)
    g_signal_emit (self, signals[SYNC_REQUESTED], 0);
  else if (g_strcmp0 (type, "sync") == 0 && has_array (message, "devices") && has_array (message, "calls"))
    apply_sync (self, node, message);
}

/* A request about one of our calls, from a device on @node */
static void
on_request_message (DuetDirectory *self,
                    const char    *node,
                    JsonObject    *envelope)
{
  const char *service = string_member (envelope, "service");
  const char *user = string_member (envelope, "user");
  const char *device = string_member (envelope, "device");
  JsonNode *message = json_object_get_member (envelope, "message");
  g_autoptr(DuetSession) session = NULL;
  DuetSession *known;

  if (service == NULL || user == NULL || device == NULL || message == NULL ||
      !JSON_NODE_HOLDS_OBJECT (message))
    return;
  known = duet_directory_lookup_device (self, service, user, device);
  if (known != NULL && g_strcmp0 (duet_session_get_node_id (known), node) == 0)
    session = g_object_ref (known);
  else   /* its sign-in has not reached us (or was lost): answer it all the same */
    session = duet_session_new_remote (self->bus, node, self->metrics, service, user,
                                       json_object_get_int_member_with_default (envelope, "account", 0),
                                       device);
  g_signal_emit (self, signals[REQUEST], 0, session, json_node_get_object (message));
}

static void
on_bus_message (DuetBus       *bus,
                const char    *topic,
                JsonObject    *message,
                DuetDirectory *self)
{
  const char *node = string_member (message, "node");
  JsonNode *inner = json_object_get_member (message, "message");

  if (node == NULL)
    return;
  if (g_str_equal (topic, "cluster"))
    on_cluster_message (self, node, message);
  else if (g_str_equal (topic, "request"))
    on_request_message (self, node, message);
  else if (g_str_equal (topic, "deliver") && inner != NULL && JSON_NODE_HOLDS_OBJECT (inner) &&
           string_member (message, "service") != NULL && string_member (message, "user") != NULL &&
           string_member (message, "device") != NULL)
    g_signal_emit (self, signals[DELIVER], 0, string_member (message, "service"),
                   string_member (message, "user"), string_member (message, "device"),
                   json_node_get_object (inner));
}

/* Takes @message */
static void
publish (DuetDirectory *self,
         const char    *type,
         JsonObject    *message)
{
  g_autoptr(JsonObject) owned = message;

  json_object_set_string_member (owned, "type", type);
  duet_bus_publish (self->bus, "cluster", owned);
}

/* Nodes not heard of for a while are gone; but only count the time our
 * own bus was up, or an outage of ours would bury everybody */
static void
forget_silent_nodes (DuetDirectory *self,
                     gint64         now)
{
  g_autoptr(GPtrArray) silent = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  if (now - self->bus_up_since < NODE_TIMEOUT_US)
    return;
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (now - *(gint64 *) value > NODE_TIMEOUT_US)
      g_ptr_array_add (silent, g_strdup (key));
  for (guint i = 0; i < silent->len; i++)
    forget_node (self, g_ptr_array_index (silent, i));
}

static gboolean
on_heartbeat (gpointer user_data)
{
  DuetDirectory *self = user_data;
  gboolean up = duet_bus_is_available (self->bus);
  gint64 now = g_get_monotonic_time ();

  if (up && !self->bus_up)
    {
      /* (back) on the bus: what happened meanwhile was not heard */
      self->bus_up_since = now;
      publish (self, "sync_request", json_object_new ());
      g_signal_emit (self, signals[SYNC_REQUESTED], 0);
    }
  self->bus_up = up;
  if (!up)
    return G_SOURCE_CONTINUE;

  publish (self, "alive", json_object_new ());
  duet_bus_keep_alive (self->bus, ALIVE_TTL_MS);
  forget_silent_nodes (self, now);
  if (!self->settled && ++self->beats_up > SETTLE_BEATS)
    {
      self->settled = TRUE;
      g_signal_emit (self, signals[SETTLED], 0);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- API ---------------------------------------------------------------- */

void
duet_directory_announce_online (DuetDirectory *self,
                                DuetSession   *session)
{
  if (self->alone)
    return;
  publish (self, "online", device_entry (session));
}

void
duet_directory_announce_offline (DuetDirectory *self,
                                 DuetSession   *session)
{
  if (self->alone)
    return;
  publish (self, "offline", device_entry (session));
}

/* One of our calls changed; an ended one is dropped by the others */
void
duet_directory_publish_call (DuetDirectory  *self,
                             DuetCallRecord *call)
{
  JsonObject *message;

  if (self->alone)
    return;
  message = json_object_new ();
  if (call->state == DUET_CALL_RECORD_STATE_ENDED)
    {
      if (g_hash_table_remove (self->owned, call->call_id))
        duet_bus_release (self->bus, call->call_id);
    }
  else if (g_hash_table_add (self->owned, g_strdup (call->call_id)))
    duet_bus_claim_async (self->bus, call->call_id, NULL, NULL);

  json_object_set_object_member (message, "call", duet_call_record_to_json (call));
  publish (self, "call", message);
}

/**
 * duet_directory_publish_sync:
 * @sessions: (element-type DuetSession): every device signed in here
 * @calls: (element-type DuetCallRecord): every call this node owns
 */
void
duet_directory_publish_sync (DuetDirectory *self,
                             GPtrArray     *sessions,
                             GPtrArray     *calls)
{
  JsonObject *message;
  JsonArray *devices, *owned;

  if (self->alone)
    return;
  message = json_object_new ();
  devices = json_array_new ();
  owned = json_array_new ();
  for (guint i = 0; i < sessions->len; i++)
    json_array_add_object_element (devices, device_entry (g_ptr_array_index (sessions, i)));
  for (guint i = 0; i < calls->len; i++)
    json_array_add_object_element (owned, duet_call_record_to_json (g_ptr_array_index (calls, i)));
  json_object_set_array_member (message, "devices", devices);
  json_object_set_array_member (message, "calls", owned);
  publish (self, "sync", message);
}

/**
 * duet_directory_lookup_device:
 * @device_id: (nullable): NULL for any device of the user
 *
 * Returns: (transfer none) (nullable): a stand-in for the device on
 *   another node
 */
DuetSession *
duet_directory_lookup_device (DuetDirectory *self,
                              const char    *service,
                              const char    *user,
                              const char    *device_id)
{
  g_autofree char *key = duet_user_key (service, user);

  return find_device (g_hash_table_lookup (self->devices, key), device_id, NULL);
}

/* Adds a reference on each of the user's devices on other nodes */
void
duet_directory_add_user_sessions (DuetDirectory *self,
                                  const char    *service,
                                  const char    *user,
                                  GPtrArray     *sessions)
{
  g_autofree char *key = duet_user_key (service, user);
  GPtrArray *devices = g_hash_table_lookup (self->devices, key);

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    g_ptr_array_add (sessions, g_object_ref (g_ptr_array_index (devices, i)));
}

/**
 * duet_directory_lookup_user_call:
 *
 * Returns: (transfer none) (nullable): the user's call owned by another
 *   node, as that node last told
 */
DuetCallRecord *
duet_directory_lookup_user_call (DuetDirectory *self,
                                 const char    *service,
                                 const char    *user)
{
  g_autofree char *key = duet_user_key (service, user);
  Mirror *mirror = g_hash_table_lookup (self->user_calls, key);

  return mirror != NULL ? mirror->call : NULL;
}

/**
 * duet_directory_forward_request:
 *
 * Sends @message from @session (connected here) to the node that owns
 * @call_id, which answers it through the bus.
 *
 * Returns: FALSE if no other node owns such a call
 */
gboolean
duet_directory_forward_request (DuetDirectory *self,
                                DuetSession   *session,
                                const char    *call_id,
                                JsonObject    *message)
{
  Mirror *mirror = call_id != NULL ? g_hash_table_lookup (self->calls, call_id) : NULL;
  JsonObject *envelope;

  if (mirror == NULL)
    return FALSE;
  envelope = device_entry (session);
  json_object_set_object_member (envelope, "message", json_object_ref (message));
  duet_bus_send_to (self->bus, mirror->owner, "request", envelope);
  json_object_unref (envelope);
  return TRUE;
}

/* Whether another node owns @call_id, as far as we know */
gboolean
duet_directory_has_call (DuetDirectory *self,
                         const char    *call_id)
{
  return g_hash_table_contains (self->calls, call_id);
}

/* We adopted it: it is no other node's now */
void
duet_directory_drop_call (DuetDirectory *self,
                          const char    *call_id)
{
  drop_mirror (self, call_id);
}

/**
 * duet_directory_adopt_async:
 *
 * Claims @call_id unless a node that is alive holds it: TRUE from
 * duet_directory_adopt_finish() means this node is to own the call.
 */
void
duet_directory_adopt_async (DuetDirectory       *self,
                            const char          *call_id,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  duet_bus_claim_async (self->bus, call_id, callback, user_data);
}

gboolean
duet_directory_adopt_finish (DuetDirectory  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  return duet_bus_claim_finish (self->bus, result, error);
}

void
duet_directory_start (DuetDirectory *self)
{
  if (self->alone)
    return;
  if (self->heartbeat == 0)
    self->heartbeat = g_timeout_add (HEARTBEAT_MS, on_heartbeat, self);
  on_heartbeat (self);
}

void
duet_directory_stop (DuetDirectory *self)
{
  g_clear_handle_id (&self->heartbeat, g_source_remove);
}

/* ---- GObject ------------------------------------------------------------ */

static void
duet_directory_dispose (GObject *object)
{
  DuetDirectory *self = DUET_DIRECTORY (object);

  duet_directory_stop (self);
  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  g_clear_object (&self->bus);
  g_clear_pointer (&self->user_calls, g_hash_table_unref);
  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_pointer (&self->devices, g_hash_table_unref);
  g_clear_pointer (&self->nodes, g_hash_table_unref);
  g_clear_pointer (&self->owned, g_hash_table_unref);

  G_OBJECT_CLASS (duet_directory_parent_class)->dispose (object);
}

static void
duet_directory_class_init (DuetDirectoryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = duet_directory_dispose;

  /**
   * DuetDirectory::device-online:
   * @session: a stand-in for the device, signed in to another node
   */
  signals[DEVICE_ONLINE] = g_signal_new ("device-online", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, DUET_TYPE_SESSION);
  /**
   * DuetDirectory::device-offline:
   * @session: the stand-in, closed now
   */
  signals[DEVICE_OFFLINE] = g_signal_new ("device-offline", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, DUET_TYPE_SESSION);
  /**
   * DuetDirectory::request:
   * @session: a stand-in for the device on another node that sent it
   * @message: a request about a call of this node's
   */
  signals[REQUEST] = g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 2, DUET_TYPE_SESSION,
                                   JSON_TYPE_OBJECT);
  /**
   * DuetDirectory::deliver:
   * @message: for the device's connection to this node
   */
  signals[DELIVER] = g_signal_new ("deliver", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING,
                                   G_TYPE_STRING, JSON_TYPE_OBJECT);
  /**
   * DuetDirectory::sync-requested:
   *
   * The others want to hear all this node holds:
   * call duet_directory_publish_sync().
   */
  signals[SYNC_REQUESTED] = g_signal_new ("sync-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetDirectory::orphaned-call:
   * @call: (type DuetCallRecord): a call of a node that is gone
   *
   * Try duet_directory_adopt_async() on it.
   */
  signals[ORPHANED_CALL] = g_signal_new ("orphaned-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * DuetDirectory::settled:
   *
   * Once, when the other nodes have had time to say what they hold: the
   * calls in the store that nobody claims are orphans too.
   */
  signals[SETTLED] = g_signal_new ("settled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
duet_directory_init (DuetDirectory *self)
{
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) mirror_free);
  self->user_calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->owned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * duet_directory_new:
 * @metrics: the node's counters, for the stand-ins' errors
 */
DuetDirectory *
duet_directory_new (DuetBus     *bus,
                    DuetMetrics *metrics)
{
  DuetDirectory *self = g_object_new (DUET_TYPE_DIRECTORY, NULL);

  self->bus = g_object_ref (bus);
  self->alone = DUET_IS_LOCAL_BUS (bus);
  self->metrics = metrics;
  g_signal_connect (bus, "message", G_CALLBACK (on_bus_message), self);
  return self;
}
