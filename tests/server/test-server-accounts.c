/* test-server-accounts.c: what an account may cost the server, and what a
 * session may still do once it no longer speaks for its account
 *
 * Each test plays an abuse that worked before issue 18: a message budget
 * reset by reconnecting, calls without limit, missed calls and history
 * growing without bound, a replaced or revoked session that ignores its
 * close frame and keeps making calls, and a re-added name inheriting the
 * old account's calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-test-client.h"

#define MAKE_CALL_TO(user) "{\"type\":\"make_call\",\"peer_user\":\"" user "\",\"media_type\":\"audio\"}"
#define END_CALL           "{\"type\":\"end_call\",\"call_id\":\"%s\"}"

static DuetTestServer *
start_server (const char * const *args)
{
  DuetTestServer *server = duet_test_server_new (args);

  duet_test_server_start (server);
  return server;
}

static void
run_cli (const char * const *argv,
         const char         *stdin_text)
{
  g_autofree char *err = NULL;

  if (duet_test_run_cli (argv, stdin_text, NULL, &err) != 0)
    g_error ("duet-server %s %s failed: %s", argv[0], argv[1], err);
}

static void
end_call (DuetTestClient *client,
          const char     *call_id)
{
  g_autofree char *json = g_strdup_printf (END_CALL, call_id);
  g_autoptr(JsonObject) reply = duet_test_client_request (client, json);

  duet_test_assert_reply (reply);
}

static void
wait_disconnected (DuetTestClient *client,
                   const char     *call_id)
{
  g_autoptr(JsonObject) event = duet_test_client_wait_event (client, "disconnected", DUET_TEST_TIMEOUT_MS);

  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
}

/* Everything @client got so far and within @ms more */
static GPtrArray *
drain (DuetTestClient *client,
       guint           ms)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  JsonObject *message;

  duet_test_iterate (ms);
  while ((message = g_queue_pop_head (&client->messages)) != NULL)
    g_ptr_array_add (messages, message);
  return messages;
}

static guint
count_type (GPtrArray  *messages,
            const char *type)
{
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (duet_test_get_string (g_ptr_array_index (messages, i), "type"), type) == 0)
      n++;
  return n;
}

static gint64
calls_stored (DuetTestServer *server)
{
  return duet_test_server_query_int (server, "SELECT count(*) FROM calls");
}

/* ---- budgets ----------------------------------------------------------- */

#define PINGS_TOTAL           300
#define PINGS_PER_CONNECTION  45   /* under the old per-connection burst of 100 */

/* Sends @count pings on a new connection; returns how many were refused */
static guint
pings_on_new_connection (DuetTestServer *server,
                         const char     *token,
                         guint           count)
{
  g_autoptr(DuetTestClient) client = duet_test_client_connect (server, token, NULL);
  g_autoptr(JsonObject) hello = NULL;
  guint answers = 0, refused = 0;
  JsonObject *message;

  g_assert_nonnull (client);
  hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (hello);
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *ping = g_strdup_printf ("{\"type\":\"ping\",\"id\":\"p%u\"}", i);

      duet_test_client_send_raw (client, ping);
    }

  /* one answer per ping, a reply or a refusal, before this connection goes */
  while (answers < count && (message = duet_test_client_next (client, DUET_TEST_TIMEOUT_MS)) != NULL)
    {
      if (g_strcmp0 (duet_test_get_string (message, "type"), "error") == 0)
        {
          duet_test_assert_error (message, "rate_limited");
          g_assert_true (json_object_get_null_member (message, "id"));
          refused++;
        }
      else
        duet_test_assert_reply (message);
      answers++;
      json_object_unref (message);
    }
  g_assert_cmpuint (answers, ==, count);
  return refused;
}

/* Reconnecting with the same token used to buy a fresh budget each time */
static void
test_budget_survives_reconnect (void)
{
  g_autoptr(DuetTestServer) server = start_server (NULL);
  g_autofree char *token = duet_test_server_token (server, "alice", 600);
  gint64 start = g_get_monotonic_time ();
  guint refused = 0;
  double elapsed, allowed, required;

  for (guint sent = 0; sent < PINGS_TOTAL; sent += PINGS_PER_CONNECTION)
    refused += pings_on_new_connection (server, token, MIN (PINGS_PER_CONNECTION, PINGS_TOTAL - sent));
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  /* The account may spend its burst (100) and what refilled (50 a second)
   * while this ran; a slow machine refills more, so ask for less there */
  allowed = 100 + 50 * elapsed;
  required = MIN (100, PINGS_TOTAL - allowed - 10);
  g_test_message ("%u of %u pings refused in %.2f s", refused, PINGS_TOTAL, elapsed);
  if (required < 30)
    {
      g_test_skip ("too slow to tell the account's budget from its refill");
      return;
    }
  g_assert_cmpuint (refused, >=, (guint) required);
}

static void
assert_too_many_calls (JsonObject *answer)
{
  JsonNode *retry_after = json_object_get_member (answer, "retry_after");

  duet_test_assert_error (answer, "rate_limited");
  g_assert_cmpstr (duet_test_get_string (answer, "start_fail_reason"), ==, "TOO_MANY_CALLS");
  g_assert_nonnull (retry_after);
  g_assert_true (JSON_NODE_HOLDS_VALUE (retry_after));
  g_assert_true (json_node_get_value_type (retry_after) == G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (retry_after), >, 0);
}

/* @callee heard of the calls in @started, once each, and of no other */
static void
assert_heard_only (DuetTestClient *callee,
                   GPtrArray      *started)
{
  g_autoptr(GPtrArray) messages = drain (callee, 500);

  for (guint i = 0; i < messages->len; i++)
    {
      const char *call_id = duet_test_get_string (g_ptr_array_index (messages, i), "call_id");

      if (call_id != NULL && !g_ptr_array_find_with_equal_func (started, call_id, g_str_equal, NULL))
        g_error ("bob heard of a refused call %s", call_id);
    }
  g_assert_cmpuint (count_type (messages, "incoming_call"), ==, started->len);
}

#define CALLS_PER_MINUTE 5

/* make_call is budgeted per account: a caller cannot ring people without end */
static void
test_call_budget (void)
{
  const char *args[] = { "--calls-per-minute", G_STRINGIFY (CALLS_PER_MINUTE), NULL };
  g_autoptr(DuetTestServer) server = start_server (args);
  g_autoptr(DuetTestClient) bob = duet_test_client_sign_in (server, "bob");
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(GPtrArray) started = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(JsonObject) again = NULL;

  for (guint i = 0; i < CALLS_PER_MINUTE + 3; i++)
    {
      g_autoptr(JsonObject) answer = duet_test_client_request (alice, MAKE_CALL_TO ("bob"));

      if (i >= CALLS_PER_MINUTE)
        {
          assert_too_many_calls (answer);
          continue;
        }
      duet_test_assert_reply (answer);
      g_ptr_array_add (started, g_strdup (duet_test_get_string (answer, "call_id")));
      end_call (alice, g_ptr_array_index (started, i));
    }

  assert_heard_only (bob, started);
  g_assert_cmpint (calls_stored (server), ==, CALLS_PER_MINUTE);

  /* the budget belongs to the account, not to the connection */
  g_clear_pointer (&alice, duet_test_client_free);
  alice = duet_test_client_sign_in (server, "alice");
  again = duet_test_client_request (alice, MAKE_CALL_TO ("bob"));
  assert_too_many_calls (again);
  assert_heard_only (bob, none);
}

/* ---- what piles up for an account -------------------------------------- */

#define MISSED_CALLS     40
#define MISSED_CALLS_MAX 10

static gint64
get_invited_at (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "invited_at");

  g_assert_nonnull (node);
  return json_node_get_int (node);
}

/* call_id → invited_at (unix ms) of @client's most recent calls */
static GHashTable *
invited_times (DuetTestClient *client)
{
  g_autoptr(JsonObject) history = duet_test_client_request (client, "{\"type\":\"history\",\"limit\":200}");
  GHashTable *times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *calls;

  duet_test_assert_reply (history);
  calls = json_object_get_array_member (history, "calls");
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonObject *call = json_array_get_object_element (calls, i);
      gint64 invited_at = get_invited_at (call);

      g_hash_table_insert (times, g_strdup (duet_test_get_string (call, "call_id")),
                           g_memdup2 (&invited_at, sizeof invited_at));
    }
  return times;
}

/* The missed calls in @messages are the newest of those in @times */
static void
assert_newest (GPtrArray  *messages,
               GHashTable *times)
{
  g_autoptr(GHashTable) delivered = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 oldest_delivered = G_MAXINT64, newest_dropped = G_MININT64;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (messages, i);

      if (g_strcmp0 (duet_test_get_string (message, "type"), "missed_call") != 0)
        continue;
      g_assert_true (g_hash_table_contains (times, duet_test_get_string (message, "call_id")));
      g_hash_table_add (delivered, (gpointer) duet_test_get_string (message, "call_id"));
      oldest_delivered = MIN (oldest_delivered, get_invited_at (message));
    }

  g_hash_table_iter_init (&iter, times);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (delivered, key))
      newest_dropped = MAX (newest_dropped, *(gint64 *) value);
  g_assert_cmpint (oldest_delivered, >=, newest_dropped);
}

/* Calls to an offline user used to pile up: all of them came at sign-in */
static void
test_missed_calls_capped (void)
{
  const char *args[] = { "--calls-per-minute", "100000",
                         "--missed-calls-max", G_STRINGIFY (MISSED_CALLS_MAX), NULL };
  g_autoptr(DuetTestServer) server = start_server (args);
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(GHashTable) times = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(JsonObject) pong = NULL;
  guint missed;

  /* two messages a call, paced to stay within alice's message budget */
  for (guint i = 0; i < MISSED_CALLS; i++)
    {
      g_autofree char *call_id = duet_test_make_call (alice, "bob", NULL, NULL);

      end_call (alice, call_id);
      duet_test_iterate (20);
    }
  times = invited_times (alice);
  g_assert_cmpuint (g_hash_table_size (times), ==, MISSED_CALLS);

  bob = duet_test_client_sign_in (server, "bob");
  pong = duet_test_client_request (bob, "{\"type\":\"ping\"}");
  duet_test_assert_reply (pong);
  messages = drain (bob, 300);
  missed = count_type (messages, "missed_call");
  g_test_message ("bob got %u missed calls", missed);
  g_assert_cmpuint (missed + count_type (messages, "disconnected"), <=, MISSED_CALLS_MAX);
  g_assert_cmpuint (missed, >=, 1);
  assert_newest (messages, times);
}

#define HISTORY_MAX 5
#define SHORT_CALLS 12

static guint
history_length (DuetTestClient *client,
                GPtrArray      *call_ids)
{
  g_autoptr(JsonObject) history = duet_test_client_request (client, "{\"type\":\"history\",\"limit\":200}");
  JsonArray *calls;

  duet_test_assert_reply (history);
  calls = json_object_get_array_member (history, "calls");
  for (guint i = 0; call_ids != NULL && i < json_array_get_length (calls); i++)
    {
      JsonObject *call = json_array_get_object_element (calls, i);

      g_ptr_array_add (call_ids, g_strdup (duet_test_get_string (call, "call_id")));
    }
  return json_array_get_length (calls);
}

/* An account's history used to grow without bound, in the database too */
static void
test_history_pruned (void)
{
  const char *args[] = { "--history-max", G_STRINGIFY (HISTORY_MAX), "--prune-interval", "1",
                         "--calls-per-minute", "100000", NULL };
  g_autoptr(DuetTestServer) server = start_server (args);
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) carol = duet_test_client_sign_in (server, "carol");
  g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
  gint64 deadline;

  for (guint i = 0; i < SHORT_CALLS; i++)
    {
      char *call_id = duet_test_connect_call (alice, carol, "carol");

      g_ptr_array_add (made, call_id);
      end_call (alice, call_id);
      wait_disconnected (alice, call_id);
      wait_disconnected (carol, call_id);
    }

  /* pruning runs every second here; give it a few */
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (calls_stored (server) > HISTORY_MAX && g_get_monotonic_time () < deadline)
    duet_test_iterate (100);
  g_assert_cmpint (calls_stored (server), <=, HISTORY_MAX);

  g_assert_cmpuint (history_length (alice, kept), <=, HISTORY_MAX);
  /* the newest calls are the ones kept */
  for (guint i = 0; i < kept->len; i++)
    g_assert_true (g_ptr_array_find_with_equal_func (made, g_ptr_array_index (kept, i), g_str_equal, NULL));
  for (guint i = 0; i + HISTORY_MAX < SHORT_CALLS; i++)
    g_assert_false (g_ptr_array_find_with_equal_func (kept, g_ptr_array_index (made, i), g_str_equal, NULL));
}

/* ---- sessions that no longer speak for their account ------------------- */

/* Sends make_call to carol and ping, by turns, for @ms; returns every
 * answer that came back */
static GPtrArray *
keep_calling (DuetTestRawClient *raw,
              guint              ms)
{
  GPtrArray *answers = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  JsonObject *message;

  for (guint i = 0; g_get_monotonic_time () < deadline && i < 1000; i++)
    {
      g_autofree char *text = i % 2 == 0
        ? g_strdup_printf ("{\"type\":\"make_call\",\"id\":\"x%u\",\"peer_user\":\"carol\",\"media_type\":\"audio\"}", i)
        : g_strdup_printf ("{\"type\":\"ping\",\"id\":\"x%u\"}", i);

      /* the server may hang up; the client keeps trying regardless */
      duet_test_raw_client_send (raw, text);
      duet_test_iterate (40);   /* 25 messages a second: within the budget */
      while ((message = duet_test_raw_client_next (raw, 0)) != NULL)
        g_ptr_array_add (answers, message);
    }
  while ((message = duet_test_raw_client_next (raw, 300)) != NULL && answers->len < 10000)
    g_ptr_array_add (answers, message);
  return answers;
}

static void
assert_no_answers (GPtrArray *answers)
{
  for (guint i = 0; i < answers->len; i++)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (node, g_ptr_array_index (answers, i));
      text = json_to_string (node, FALSE);
      g_error ("a session that was replaced got %s", text);
    }
}

/* A replaced session that ignored its close frame could go on calling
 * for the seconds libsoup waits for the client's close */
static void
test_replaced_session_inert (void)
{
  g_autoptr(DuetTestServer) server = start_server (NULL);
  g_autoptr(DuetTestClient) carol = duet_test_client_sign_in (server, "carol");
  g_autoptr(DuetTestRawClient) stale = duet_test_raw_client_sign_in (server, "bob");
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(JsonObject) pong = duet_test_raw_client_request (stale, "{\"type\":\"ping\"}");
  g_autoptr(JsonObject) replaced = NULL;
  g_autoptr(JsonObject) incoming = NULL;
  g_autoptr(GPtrArray) answers = NULL;

  duet_test_assert_reply (pong);
  bob = duet_test_client_sign_in (server, "bob");
  replaced = duet_test_raw_client_wait_event (stale, "session_replaced", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (replaced);
  g_assert_true (duet_test_raw_client_wait_close (stale, DUET_TEST_TIMEOUT_MS));
  g_assert_true (stale->close_received);
  g_assert_cmpuint (stale->close_code, ==, 4001);

  answers = keep_calling (stale, 1000);
  assert_no_answers (answers);
  incoming = duet_test_client_wait_event (carol, "incoming_call", 0);
  if (incoming != NULL)
    g_error ("carol got a call from bob's replaced session");
  g_assert_cmpint (calls_stored (server), ==, 0);
}

/* ---- revocation while the session talks ---------------------------------- */

/* A thread plays bob's client: it keeps sending while the main thread
 * revokes the account, and notes when each message went */
typedef struct
{
  DuetTestRawClient *raw;
  gint               stop;      /* atomic */
  GArray            *sent_at;   /* gint64 monotonic µs, indexed by message number */
  GPtrArray         *received;  /* JsonObject* */
} Sender;

#define SENDER_INTERVAL_MS  25   /* 40 messages a second: within the budget */
#define SENDER_MAX_S        10

static gpointer
sender_thread (gpointer data)
{
  Sender *sender = data;
  gint64 give_up = g_get_monotonic_time () + SENDER_MAX_S * G_USEC_PER_SEC;
  JsonObject *message;

  for (guint i = 0; !g_atomic_int_get (&sender->stop) && g_get_monotonic_time () < give_up; i++)
    {
      g_autofree char *text = i % 2 == 0
        ? g_strdup_printf ("{\"type\":\"make_call\",\"id\":\"m%u\",\"peer_user\":\"carol\",\"media_type\":\"audio\"}", i)
        : g_strdup_printf ("{\"type\":\"ping\",\"id\":\"m%u\"}", i);
      gint64 now = g_get_monotonic_time ();
      gint64 next = now + SENDER_INTERVAL_MS * 1000;

      g_array_append_val (sender->sent_at, now);
      duet_test_raw_client_send (sender->raw, text);
      while (g_get_monotonic_time () < next)
        if ((message = duet_test_raw_client_next (sender->raw, SENDER_INTERVAL_MS / 5)) != NULL)
          g_ptr_array_add (sender->received, message);
    }
  return NULL;
}

/* No request sent after @cutoff was answered; returns the call ids the
 * session was told about */
static GPtrArray *
check_answers (Sender *sender,
               gint64  cutoff)
{
  GPtrArray *call_ids = g_ptr_array_new_with_free_func (g_free);
  guint answered = 0;

  for (guint i = 0; i < sender->received->len; i++)
    {
      JsonObject *message = g_ptr_array_index (sender->received, i);
      const char *type = duet_test_get_string (message, "type");
      const char *id = duet_test_get_string (message, "id");
      guint64 n;

      if (g_strcmp0 (type, "reply") != 0 && g_strcmp0 (type, "error") != 0)
        continue;   /* events, such as the call's end, may come */
      if (id == NULL || id[0] != 'm' || !g_ascii_string_to_unsigned (id + 1, 10, 0, sender->sent_at->len - 1, &n, NULL))
        g_error ("an answer to no request of this session: %s", type);
      if (g_array_index (sender->sent_at, gint64, n) >= cutoff)
        g_error ("bob's revoked session got an answer (%s) to %s, sent %" G_GINT64_FORMAT " ms after the revocation was due",
                 type, id, (g_array_index (sender->sent_at, gint64, n) - cutoff) / 1000);
      answered++;
      if (duet_test_get_string (message, "call_id") != NULL)
        g_ptr_array_add (call_ids, g_strdup (duet_test_get_string (message, "call_id")));
    }
  /* else the session never worked and the test shows nothing */
  g_assert_cmpuint (answered, >, 0);
  return call_ids;
}

/* Every call carol heard of is one bob's session was answered about, that
 * is, one it made before the revocation */
static void
check_heard_before (DuetTestClient *carol,
                    GPtrArray      *call_ids)
{
  g_autoptr(GPtrArray) messages = drain (carol, 100);

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (messages, i);
      const char *call_id = duet_test_get_string (message, "call_id");

      if (g_strcmp0 (duet_test_get_string (message, "type"), "incoming_call") == 0 &&
          !g_ptr_array_find_with_equal_func (call_ids, call_id, g_str_equal, NULL))
        g_error ("carol got call %s from bob's revoked session", call_id);
    }
}

/* Runs @cli while bob's session keeps making calls */
static void
revoke_while_calling (DuetTestServer     *server,
                      DuetTestClient     *carol,
                      const char * const *cli,
                      const char         *stdin_text)
{
  g_autoptr(DuetTestRawClient) raw = duet_test_raw_client_sign_in (server, "bob");
  g_autoptr(GArray) sent_at = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) call_ids = NULL;
  Sender sender = { raw, 0, sent_at, received };
  GThread *thread = g_thread_new ("stale-bob", sender_thread, &sender);
  JsonObject *message;
  gint64 cutoff;

  duet_test_iterate (200);   /* the session works until then */
  run_cli (cli, stdin_text);
  /* noticed within 200 ms, or at the next request */
  cutoff = g_get_monotonic_time () + 300 * 1000;
  duet_test_iterate (1000);
  g_atomic_int_set (&sender.stop, 1);
  g_thread_join (thread);
  while ((message = duet_test_raw_client_next (raw, 300)) != NULL && received->len < 10000)
    g_ptr_array_add (received, message);

  call_ids = check_answers (&sender, cutoff);
  check_heard_before (carol, call_ids);
}

/* A revoked session used to keep working until the next poll (1 s), and
 * after its close frame for as long as libsoup waited for the client */
static void
test_revoked_session_inert (void)
{
  g_autoptr(DuetTestServer) server = start_server (NULL);
  g_autoptr(DuetTestClient) carol = duet_test_client_sign_in (server, "carol");
  const char *passwd[] = { "user", "passwd", "--db", server->db, "--user", "bob",
                           "--password-stdin", "--kdf-cost", "min", NULL };
  const char *remove[] = { "user", "remove", "--db", server->db, "--user", "bob", NULL };

  revoke_while_calling (server, carol, passwd, "new-pw\n");
  revoke_while_calling (server, carol, remove, NULL);
}

/* ---- removed accounts -------------------------------------------------- */

/* carol calls the raw client bob, which answers */
static char *
connect_call_to_raw (DuetTestClient    *carol,
                     DuetTestRawClient *bob)
{
  char *call_id = duet_test_make_call (carol, "bob", NULL, NULL);
  g_autoptr(JsonObject) incoming = duet_test_raw_client_wait_event (bob, "incoming_call", DUET_TEST_TIMEOUT_MS);
  g_autofree char *verify = NULL;
  g_autofree char *accept = NULL;
  g_autoptr(JsonObject) verified = NULL;
  g_autoptr(JsonObject) accepted = NULL;
  g_autoptr(JsonObject) connected = NULL;

  g_assert_nonnull (incoming);
  verify = g_strdup_printf ("{\"type\":\"verify_call\",\"cc_param\":\"%s\"}",
                            duet_test_get_string (incoming, "cc_param"));
  verified = duet_test_raw_client_request (bob, verify);
  duet_test_assert_reply (verified);
  accept = g_strdup_printf ("{\"type\":\"accept_call\",\"call_id\":\"%s\"}", call_id);
  accepted = duet_test_raw_client_request (bob, accept);
  duet_test_assert_reply (accepted);
  connected = duet_test_client_wait_event (carol, "connected", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (connected);
  return call_id;
}

#define REMOVAL_WINDOW_MS 1500

/* Removing an account ends its calls, and its session cannot start others */
static void
test_removed_account_calls_end (void)
{
  g_autoptr(DuetTestServer) server = start_server (NULL);
  g_autoptr(DuetTestClient) carol = duet_test_client_sign_in (server, "carol");
  g_autoptr(DuetTestRawClient) bob = duet_test_raw_client_sign_in (server, "bob");
  g_autofree char *call_id = connect_call_to_raw (carol, bob);
  const char *remove[] = { "user", "remove", "--db", server->db, "--user", "bob", NULL };
  g_autoptr(JsonObject) disconnected = NULL;
  g_autoptr(JsonObject) incoming = NULL;
  gint64 removed, window;

  run_cli (remove, NULL);
  removed = g_get_monotonic_time ();
  window = removed + REMOVAL_WINDOW_MS * 1000;
  duet_test_raw_client_send (bob, "{\"type\":\"make_call\",\"id\":\"again\",\"peer_user\":\"carol\",\"media_type\":\"audio\"}");

  disconnected = duet_test_client_wait_event (carol, "disconnected",
                                              MAX (0, window - g_get_monotonic_time ()) / 1000);
  g_assert_nonnull (disconnected);
  g_test_message ("carol heard of the removal after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - removed) / 1000);
  g_assert_cmpstr (duet_test_get_string (disconnected, "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (disconnected, "reason"), ==, "AUTH_ERROR");
  g_assert_cmpstr (duet_test_get_string (disconnected, "source"), ==, "CLOUD_SERVER");
  /* the server's own endings are remote for both parties (docs/protocol.md) */
  g_assert_true (json_object_get_boolean_member (disconnected, "by_remote"));

  /* bob's client ignores its close frame and goes on calling carol */
  for (guint i = 0; g_get_monotonic_time () < window && i < 100; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"type\":\"make_call\",\"id\":\"again%u\","
                                               "\"peer_user\":\"carol\",\"media_type\":\"audio\"}", i);

      duet_test_raw_client_send (bob, text);
      duet_test_iterate (50);
    }
  incoming = duet_test_client_wait_event (carol, "incoming_call", 200);
  if (incoming != NULL)
    g_error ("carol got a call from bob's removed account");
  g_assert_cmpint (duet_test_server_metric (server, "duet_active_calls"), ==, 0);
}

/* Two calls with alice in bob's history, and a missed call from carol
 * waiting for him */
static void
give_bob_a_past (DuetTestServer *server)
{
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) carol = duet_test_client_sign_in (server, "carol");
  g_autoptr(DuetTestClient) bob = duet_test_client_sign_in (server, "bob");
  g_autofree char *missed = NULL;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *call_id = duet_test_make_call (alice, "bob", NULL, bob);

      end_call (alice, call_id);
      wait_disconnected (bob, call_id);
    }
  g_assert_cmpuint (history_length (bob, NULL), ==, 2);
  g_clear_pointer (&bob, duet_test_client_free);

  missed = duet_test_make_call (carol, "bob", NULL, NULL);
  end_call (carol, missed);
}

/* A name removed and added again is a new account: the old one's calls
 * and notices are not its */
static void
test_readded_name_starts_empty (void)
{
  g_autoptr(DuetTestServer) server = start_server (NULL);
  const char *remove[] = { "user", "remove", "--db", server->db, "--user", "bob", NULL };
  const char *add[] = { "user", "add", "--db", server->db, "--user", "bob",
                        "--password-stdin", "--kdf-cost", "min", NULL };
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  give_bob_a_past (server);
  run_cli (remove, NULL);
  run_cli (add, "pw-bob2\n");

  bob = duet_test_client_sign_in (server, "bob");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (bob->hello, "calls")), ==, 0);
  messages = drain (bob, 500);
  g_assert_cmpuint (count_type (messages, "missed_call"), ==, 0);
  g_assert_cmpuint (count_type (messages, "disconnected"), ==, 0);
  g_assert_cmpuint (count_type (messages, "incoming_call"), ==, 0);
  g_assert_cmpuint (history_length (bob, NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/accounts/budget-survives-reconnect", test_budget_survives_reconnect);
  g_test_add_func ("/server/accounts/call-budget", test_call_budget);
  g_test_add_func ("/server/accounts/missed-calls-capped", test_missed_calls_capped);
  g_test_add_func ("/server/accounts/history-pruned", test_history_pruned);
  g_test_add_func ("/server/accounts/replaced-session-inert", test_replaced_session_inert);
  g_test_add_func ("/server/accounts/revoked-session-inert", test_revoked_session_inert);
  g_test_add_func ("/server/accounts/removed-account-calls-end", test_removed_account_calls_end);
  g_test_add_func ("/server/accounts/readded-name-starts-empty", test_readded_name_starts_empty);

  return g_test_run ();
}
