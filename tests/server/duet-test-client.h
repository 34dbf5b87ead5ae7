/* duet-test-client.h: a real duet-server process and WebSocket clients for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DUET_TEST_TIMEOUT_MS 5000

typedef struct
{
  char        *tmpdir;
  char        *db;
  char        *store_uri;     /* set: a PostgreSQL store (--store) instead of db */
  char        *base_url;      /* http://127.0.0.1:PORT */
  GSubprocess *process;
  GStrv        extra_args;
  GStrv        env_args;     /* from DUET_TEST_SERVER_ARGS */
  char        *tls_ca_file;   /* set: verify https against these CAs; NULL: accept any certificate */
  gboolean     capture_output; /* set before start: stdout and stderr go to a file, with
                                * G_MESSAGES_DEBUG=all; read it with duet_test_server_read_output() */
  char        *output_path;
} DuetTestServer;

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GQueue                   messages;    /* JsonObject*, oldest first */
  guint                    next_id;
  gboolean                 closed;
  gushort                  close_code;
  JsonObject              *hello;
} DuetTestClient;

int             duet_test_run_cli            (const char * const *argv,
                                              const char         *stdin_text,
                                              char              **out_stdout,
                                              char              **out_stderr);

DuetTestServer *duet_test_server_new         (const char * const *extra_args);
DuetTestServer *duet_test_server_new_store   (const char         *store_uri,
                                              const char * const *extra_args);
DuetTestServer *duet_test_server_new_sharing (DuetTestServer     *other);
void            duet_test_server_start       (DuetTestServer     *server);
int             duet_test_server_stop        (DuetTestServer     *server);
void            duet_test_server_kill        (DuetTestServer     *server);
void            duet_test_server_free        (DuetTestServer     *server);
void            duet_test_server_add_user    (DuetTestServer     *server,
                                              const char         *user);
char           *duet_test_server_token       (DuetTestServer     *server,
                                              const char         *user,
                                              int                 lifetime);
guint8         *duet_test_server_read_secret (DuetTestServer     *server,
                                              const char         *name);
char           *duet_test_server_read_output (DuetTestServer     *server);
char           *duet_test_server_device_token (DuetTestServer    *server,
                                              const char         *user,
                                              const char         *device_id);
gint64          duet_test_server_device_key  (DuetTestServer     *server,
                                              const char         *user,
                                              const char         *device_id);
guint           duet_test_http               (DuetTestServer     *server,
                                              const char         *method,
                                              const char         *path,
                                              const char         *body,
                                              char              **out_body,
                                              char              **out_retry_after);
guint           duet_test_http_bearer        (DuetTestServer     *server,
                                              const char         *method,
                                              const char         *path,
                                              const char         *bearer,
                                              char              **out_body,
                                              char              **out_retry_after);

DuetTestClient *duet_test_client_connect     (DuetTestServer     *server,
                                              const char         *bearer,
                                              guint              *out_status);
DuetTestClient *duet_test_client_sign_in     (DuetTestServer     *server,
                                              const char         *user);
DuetTestClient *duet_test_client_sign_in_device (DuetTestServer  *server,
                                              const char         *user,
                                              const char         *device_id);
void            duet_test_client_free        (DuetTestClient     *client);
void            duet_test_client_send_raw    (DuetTestClient     *client,
                                              const char         *text);
JsonObject     *duet_test_client_request     (DuetTestClient     *client,
                                              const char         *json);
JsonObject     *duet_test_client_next        (DuetTestClient     *client,
                                              guint               timeout_ms);
JsonObject     *duet_test_client_wait_event  (DuetTestClient     *client,
                                              const char         *type,
                                              guint               timeout_ms);
gboolean        duet_test_client_wait_closed (DuetTestClient     *client,
                                              guint               timeout_ms);
void            duet_test_client_close       (DuetTestClient     *client);
void            duet_test_iterate            (guint               ms);
/* Runs the shell command in environment variable @variable (pgenv.py's
 * and redisenv.py's stop and start commands); fails the test if it fails */
void            duet_test_run_env_command    (const char         *variable);
/* A fresh database in pgenv.py's cluster, as a libpq connection string */
char           *duet_test_pg_database        (void);
void            duet_test_remove_tree        (const char         *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetTestServer, duet_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetTestClient, duet_test_client_free)

G_END_DECLS

G_BEGIN_DECLS

const char *duet_test_get_string          (JsonObject     *object,
                                           const char     *member);
void        duet_test_assert_reply        (JsonObject     *object);
void        duet_test_assert_error        (JsonObject     *object,
                                           const char     *code);
JsonObject *duet_test_requestf            (DuetTestClient *client,
                                           const char     *format,
                                           ...) G_GNUC_PRINTF (2, 3);
void        duet_test_expect_reply        (DuetTestClient *client,
                                           const char     *format,
                                           ...) G_GNUC_PRINTF (2, 3);
void        duet_test_expect_error        (DuetTestClient *client,
                                           const char     *code,
                                           const char     *format,
                                           ...) G_GNUC_PRINTF (3, 4);
JsonObject *duet_test_next_of_type        (DuetTestClient *client,
                                           const char     *type);
void        duet_test_assert_next         (DuetTestClient *client,
                                           const char     *type);
void        duet_test_assert_quiet        (DuetTestClient *client,
                                           guint           ms);
void        duet_test_assert_disconnected (DuetTestClient *client,
                                           const char     *call_id,
                                           const char     *reason,
                                           const char     *source,
                                           gboolean        by_remote);
char       *duet_test_make_call           (DuetTestClient *caller,
                                           const char     *callee_user,
                                           char          **out_cc_param,
                                           DuetTestClient *callee);
char       *duet_test_connect_call        (DuetTestClient *caller,
                                           DuetTestClient *callee,
                                           const char     *callee_user);

G_END_DECLS

G_BEGIN_DECLS

/* A WebSocket client on a plain TCP socket, written by hand: it reads only
 * when asked, never answers a close frame (it records it and goes on), and
 * keeps sending after one, like a hostile client. Blocking I/O with
 * deadlines; plain http servers only. No main loop is involved, so one
 * thread at a time may use it, any thread. */
typedef struct
{
  GSocket    *socket;
  GByteArray *buffer;          /* received, not yet a whole frame */
  GQueue      messages;        /* JsonObject*, oldest first */
  guint       next_id;
  gboolean    close_received;
  gushort     close_code;      /* 1005 if the close frame had no code */
  gboolean    eof;             /* the server closed or reset the TCP connection */
} DuetTestRawClient;

DuetTestRawClient *duet_test_raw_client_connect    (DuetTestServer    *server,
                                                    const char        *bearer,
                                                    guint             *out_status);
DuetTestRawClient *duet_test_raw_client_sign_in    (DuetTestServer    *server,
                                                    const char        *user);
void               duet_test_raw_client_free       (DuetTestRawClient *raw);
gboolean           duet_test_raw_client_send       (DuetTestRawClient *raw,
                                                    const char        *text);
JsonObject        *duet_test_raw_client_next       (DuetTestRawClient *raw,
                                                    guint              timeout_ms);
JsonObject        *duet_test_raw_client_wait_event (DuetTestRawClient *raw,
                                                    const char        *type,
                                                    guint              timeout_ms);
JsonObject        *duet_test_raw_client_request    (DuetTestRawClient *raw,
                                                    const char        *json);
gboolean           duet_test_raw_client_wait_close (DuetTestRawClient *raw,
                                                    guint              timeout_ms);

/* One sample from GET /metrics, e.g. "duet_active_calls" or
 * "duet_connections_refused_total{reason=\"total\"}"; fails the test if absent */
gint64             duet_test_server_metric         (DuetTestServer    *server,
                                                    const char        *sample);
int                duet_test_server_pid            (DuetTestServer    *server);
int                duet_test_server_fd_count       (DuetTestServer    *server);
/* A kB field of the server's /proc/PID/status: "VmRSS", "VmHWM" */
gint64             duet_test_server_status_kib     (DuetTestServer    *server,
                                                    const char        *field);
/* The first column of the first row of @sql on the server's database, read-only */
gint64             duet_test_server_query_int      (DuetTestServer    *server,
                                                    const char        *sql);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetTestRawClient, duet_test_raw_client_free)

G_END_DECLS
