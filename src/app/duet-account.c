/* duet-account.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The access token lives in the desktop keyring (libsecret), never in a
 * plain file. Without a keyring the token is kept in memory only and the
 * user signs in again on the next start.
 *
 * A signed-in account renews its token (POST /v1/token/refresh) halfway
 * through the token's life, so an app that runs for days stays signed in.
 *
 * The session begins here too, with no window needed: the application
 * hands over the credentials of the command line (duet_account_sign_in())
 * or has the token of the identity last signed in restored from the
 * keyring (duet_account_begin_session()); a successful sign-in remembers
 * that identity in the settings. What went wrong is `sign-in-error`, for
 * the sign-in page.
 */
#define G_LOG_DOMAIN "DuetAccount"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "duet-account.h"
#include "duet-kit.h"
#include "duet-messages.h"
#include "duet-protocol.h"

/* Never refresh sooner than this: very short tokens, or a clock far ahead
 * of the server's, must not turn into a tight loop of requests */
#define REFRESH_MIN_DELAY_S 10
#define REFRESH_RETRY_S     60
#define REFRESH_RECHECK_S   600

struct _DuetAccount
{
  GObject           parent_instance;

  char             *profile;
  char             *server_url;
  char             *user_id;
  char             *service_id;
  char             *token;
  DuetAccountState  state;
  DuetAuth         *auth;        /* of server_url, or the server signing in */
  char             *tls_ca_file;
  GError           *tls_error;   /* the CA file could not be read */
  GSettings        *settings;    /* the identity last signed in */
  char             *sign_in_error;
  char             *sign_in_message;      /* why the server signed this device out */
  GCancellable     *session_cancellable;  /* sign-in and restore, until disposed */

  guint             refresh_timer;
  gint64            refresh_due;          /* unix seconds */
  GCancellable     *refresh_cancellable;  /* the refresh request in flight */
};

G_DEFINE_FINAL_TYPE (DuetAccount, duet_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_STATE,
  PROP_SERVER_URL,
  PROP_USER_ID,
  PROP_SERVICE_ID,
  PROP_TOKEN,
  PROP_SIGN_IN_ERROR,
  PROP_SIGN_IN_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SESSION_EXPIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "org.duet.Duet.AccessToken", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

static void
set_sign_in_message (DuetAccount *self,
                     const char  *message)
{
  if (duet_set_string (&self->sign_in_message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_IN_MESSAGE]);
}

static void
set_state (DuetAccount      *self,
           DuetAccountState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  /* Signed in again: why it was signed out is old news */
  if (state == DUET_ACCOUNT_SIGNED_IN)
    set_sign_in_message (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_identity (DuetAccount *self,
              const char  *server_url,
              const char  *user_id,
              const char  *service_id)
{
  if (duet_set_string (&self->server_url, server_url))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
  if (duet_set_string (&self->user_id, user_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_ID]);
  if (duet_set_string (&self->service_id, service_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE_ID]);
}

static void
set_token (DuetAccount *self,
           const char  *token)
{
  if (duet_set_string (&self->token, token))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
stop_refresh (DuetAccount *self)
{
  g_clear_handle_id (&self->refresh_timer, g_source_remove);
  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
}

static void
duet_account_dispose (GObject *object)
{
  DuetAccount *self = DUET_ACCOUNT (object);

  stop_refresh (self);
  g_cancellable_cancel (self->session_cancellable);
  g_clear_object (&self->session_cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (duet_account_parent_class)->dispose (object);
}

static void
duet_account_finalize (GObject *object)
{
  DuetAccount *self = DUET_ACCOUNT (object);

  g_clear_object (&self->auth);
  g_clear_error (&self->tls_error);
  g_free (self->tls_ca_file);
  g_free (self->profile);
  g_free (self->server_url);
  g_free (self->user_id);
  g_free (self->service_id);
  g_free (self->token);
  g_free (self->sign_in_error);
  g_free (self->sign_in_message);

  G_OBJECT_CLASS (duet_account_parent_class)->finalize (object);
}

static void
duet_account_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DuetAccount *self = DUET_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case PROP_SERVICE_ID:
      g_value_set_string (value, self->service_id);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_SIGN_IN_ERROR:
      g_value_set_string (value, self->sign_in_error);
      break;
    case PROP_SIGN_IN_MESSAGE:
      g_value_set_string (value, self->sign_in_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_account_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DuetAccount *self = DUET_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      self->profile = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_account_class_init (DuetAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_account_dispose;
  object_class->finalize = duet_account_finalize;
  object_class->get_property = duet_account_get_property;
  object_class->set_property = duet_account_set_property;

  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, "default",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      DUET_ACCOUNT_SIGNED_OUT, DUET_ACCOUNT_SIGNED_IN, DUET_ACCOUNT_SIGNED_OUT,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVICE_ID] =
    g_param_spec_string ("service-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Why the last sign-in or restore failed, translated; NULL meanwhile */
  properties[PROP_SIGN_IN_ERROR] =
    g_param_spec_string ("sign-in-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Why the server signed this device out, translated, until the next sign-in */
  properties[PROP_SIGN_IN_MESSAGE] =
    g_param_spec_string ("sign-in-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DuetAccount::session-expired:
   * @message: what to tell the user, translated
   *
   * The server refused to renew the token of a signed-in account: it ran
   * out, or a password change or the account's removal revoked it. The
   * account is signed out by then.
   */
  signals[SESSION_EXPIRED] =
    g_signal_new ("session-expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
duet_account_init (DuetAccount *self)
{
  self->session_cancellable = g_cancellable_new ();
}

/**
 * duet_account_new:
 * @profile: the keyring entries' profile
 * @settings: where the identity last signed in is remembered
 */
DuetAccount *
duet_account_new (const char *profile,
                  GSettings  *settings)
{
  DuetAccount *self = g_object_new (DUET_TYPE_ACCOUNT, "profile", profile, NULL);

  self->settings = g_object_ref (settings);
  return self;
}

DuetAccountState
duet_account_get_state (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), DUET_ACCOUNT_SIGNED_OUT);
  return self->state;
}

const char *
duet_account_get_server_url (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), NULL);
  return self->server_url;
}

const char *
duet_account_get_user_id (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), NULL);
  return self->user_id;
}

const char *
duet_account_get_service_id (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), NULL);
  return self->service_id;
}

const char *
duet_account_get_token (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), NULL);
  return self->token;
}

const char *
duet_account_get_profile (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), NULL);
  return self->profile;
}

/**
 * duet_account_token_expiry:
 *
 * Reads the `exp` claim without checking the signature (only the server
 * can); the app uses it to avoid offering a token that has run out.
 *
 * Returns: unix seconds, or 0 when the token cannot be read
 */
gint64
duet_account_token_expiry (const char *token)
{
  g_autoptr(DuetAuthToken) parsed = token ? duet_auth_token_new_from_string (token, NULL) : NULL;

  return parsed ? duet_auth_token_get_expires_at (parsed) : 0;
}

/* Halfway through the token's life, or 0 when the token cannot be read */
static gint64
token_halfway (const char *token)
{
  g_autoptr(DuetAuthToken) parsed = token ? duet_auth_token_new_from_string (token, NULL) : NULL;

  return parsed ? duet_auth_token_get_renew_at (parsed) : 0;
}

/* The kit's errors are for programs; these are for the user */
static GError *
error_for_user (const GError *error,
                const char   *server_url)
{
  if (error->domain != DUET_KIT_ERROR)
    return g_error_copy (error);

  switch ((DuetKitError) error->code)
    {
    case DUET_KIT_ERROR_AUTH:
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                  _("The user ID or password is wrong. Check them and try again."));
    case DUET_KIT_ERROR_RATE_LIMITED:
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY,
                                  _("Too many sign-in attempts. Wait a few minutes, then try again."));
    case DUET_KIT_ERROR_TLS:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                          _("The certificate of %s is not trusted. Check the server address, or ask its administrator for a valid certificate."),
                          server_url);
    case DUET_KIT_ERROR_NETWORK:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                          _("Could not reach the server at %s. Check the address and your network connection."),
                          server_url);
    case DUET_KIT_ERROR_INVALID_PARAM:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                          _("The server refused the sign-in: %s"), error->message);
    case DUET_KIT_ERROR_NOT_CONNECTED:
    case DUET_KIT_ERROR_SERVER:
    case DUET_KIT_ERROR_BAD_STATE:
    case DUET_KIT_ERROR_MEDIA:
    case DUET_KIT_ERROR_TOO_LARGE:
    default:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                          _("The server answered with an error. Try again later, or ask the server’s administrator. (%s)"),
                          error->message);
    }
}

/**
 * duet_account_device_name:
 * @host: (nullable): the host name, or %NULL for this machine's
 *
 * The name the user's other devices show for this one: "Duet on HOST",
 * translated, cut (between characters) to the protocol's 64 bytes.
 *
 * Returns: (transfer full): the name
 */
char *
duet_account_device_name (const char *host)
{
  /* Translators: this computer in the list of a user's devices, with its host name */
  g_autofree char *name = g_strdup_printf (_("Duet on %s"), host ? host : g_get_host_name ());
  const char *end = name;

  g_strdelimit (name, "\a\b\f\n\r\t\v", ' ');
  while (*end != '\0')
    {
      const char *next = g_utf8_next_char (end);

      if (next - name > DUET_PROTOCOL_MAX_DEVICE_NAME)
        break;
      end = next;
    }
  name[end - name] = '\0';
  return g_strchomp (g_steal_pointer (&name));
}

/* A DuetAuth for SERVER_URL, trusting the CA file the app was given. The
 * device keeps the kit's id (one per machine and user account) and gets
 * the app's own name. */
static DuetAuth *
auth_for (DuetAccount *self,
          const char  *server_url)
{
  g_autoptr(DuetAuth) auth = duet_auth_new (server_url);
  g_autofree char *device_name = duet_account_device_name (NULL);

  if (self->tls_ca_file != NULL)
    duet_auth_set_tls_ca_file (auth, self->tls_ca_file, NULL);
  duet_auth_set_device (auth, NULL, device_name);
  return g_steal_pointer (&auth);
}

typedef struct
{
  char *server_url;
  char *user_id;
  char *service_id;
} SignInData;

static void
sign_in_data_free (SignInData *data)
{
  g_free (data->server_url);
  g_free (data->user_id);
  g_free (data->service_id);
  g_free (data);
}

static void
token_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_warning ("Could not keep the access token in the keyring, it is kept in memory only: %s",
               error->message);
}

static void
store_token (DuetAccount *self)
{
  g_autofree char *label = g_strdup_printf (_("Duet access token for %s"), self->user_id);

  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, label, self->token,
                         NULL, token_stored_cb, NULL,
                         "server", self->server_url,
                         "user", self->user_id,
                         "service", self->service_id,
                         "profile", self->profile,
                         NULL);
}

static GError *
session_expired_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                              _("Your session has expired. Sign in again."));
}

/* ---- refreshing the token ---- */

static void     refresh_token    (DuetAccount *self,
                                  GTask       *restore);
static gboolean refresh_timer_cb (gpointer     user_data);

/* GLib's timers follow the monotonic clock, which stands still while the
 * machine sleeps: wake up now and then to compare with the wall clock, so
 * that a laptop that slept past the due time refreshes soon after it wakes
 * rather than hours later, when the token may have run out. */
static void
arm_refresh_timer (DuetAccount *self)
{
  gint64 wait = CLAMP (self->refresh_due - now_s (), 1, REFRESH_RECHECK_S);

  g_clear_handle_id (&self->refresh_timer, g_source_remove);
  self->refresh_timer = g_timeout_add_seconds (wait, refresh_timer_cb, self);
}

static gboolean
refresh_timer_cb (gpointer user_data)
{
  DuetAccount *self = user_data;

  self->refresh_timer = 0;
  if (now_s () < self->refresh_due)
    arm_refresh_timer (self);
  else
    refresh_token (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
refresh_at (DuetAccount *self,
            gint64       due)
{
  self->refresh_due = due;
  arm_refresh_timer (self);
}

static void
schedule_refresh (DuetAccount *self)
{
  gint64 halfway = token_halfway (self->token);

  if (halfway != 0)
    refresh_at (self, MAX (halfway, now_s () + REFRESH_MIN_DELAY_S));
}

typedef struct
{
  DuetAccount  *self;
  GCancellable *cancellable;
  GTask        *restore;      /* a restore waiting for the new token */
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_object_unref (refresh->self);
  g_object_unref (refresh->cancellable);
  g_clear_object (&refresh->restore);
  g_free (refresh);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Refresh, refresh_free)

/* A restore goes on with the token it has once the refresh is settled */
static void
finish_restore (DuetAccount *self,
                GTask       *restore)
{
  if (restore == NULL)
    return;
  set_state (self, DUET_ACCOUNT_SIGNED_IN);
  g_task_return_boolean (restore, TRUE);
}

static void
refresh_succeeded (DuetAccount *self,
                   const char  *token,
                   GTask       *restore)
{
  set_token (self, token);
  store_token (self);
  schedule_refresh (self);
  finish_restore (self, restore);
}

/* The old token is still good (a restore only refreshes one that is), so
 * keep it and try again: the server or the network may be back soon */
static void
refresh_failed (DuetAccount *self,
                const char  *why,
                GTask       *restore)
{
  g_message ("Could not renew the access token, trying again in %d s: %s", REFRESH_RETRY_S, why);
  refresh_at (self, now_s () + REFRESH_RETRY_S);
  finish_restore (self, restore);
}

static void
refresh_refused (DuetAccount *self,
                 GTask       *restore)
{
  g_autoptr(GError) error = session_expired_error ();

  g_message ("The server did not renew the access token; signing out");
  duet_account_sign_out (self);
  if (restore != NULL)
    g_task_return_error (restore, g_steal_pointer (&error));
  else
    g_signal_emit (self, signals[SESSION_EXPIRED], 0, error->message);
}

static void
refresh_response_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Refresh) refresh = user_data;
  DuetAccount *self = refresh->self;
  g_autoptr(DuetAuthToken) token = NULL;
  g_autoptr(GError) error = NULL;

  token = duet_auth_refresh_finish (DUET_AUTH (source), result, &error);
  /* Signed out, signed in again or disposed meanwhile: not ours any more */
  if (g_cancellable_is_cancelled (refresh->cancellable))
    {
      if (refresh->restore != NULL)
        g_task_return_new_error (refresh->restore, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 "The sign-in was cancelled");
      return;
    }
  g_clear_object (&self->refresh_cancellable);

  if (g_error_matches (error, DUET_KIT_ERROR, DUET_KIT_ERROR_AUTH))
    refresh_refused (self, refresh->restore);
  else if (token == NULL)
    refresh_failed (self, error->message, refresh->restore);
  else
    refresh_succeeded (self, duet_auth_token_get_token (token), refresh->restore);
}

/* Asks for a new token with the current one. Takes RESTORE, if any, and
 * finishes it once the answer is in. */
static void
refresh_token (DuetAccount *self,
               GTask       *restore)
{
  Refresh *refresh;

  stop_refresh (self);
  if (self->auth == NULL || g_strcmp0 (duet_auth_get_server_url (self->auth), self->server_url) != 0)
    {
      g_clear_object (&self->auth);
      self->auth = auth_for (self, self->server_url);
    }

  self->refresh_cancellable = g_cancellable_new ();
  refresh = g_new0 (Refresh, 1);
  refresh->self = g_object_ref (self);
  refresh->cancellable = g_object_ref (self->refresh_cancellable);
  refresh->restore = restore;
  duet_auth_refresh_async (self->auth, self->token, self->refresh_cancellable,
                           refresh_response_cb, refresh);
}

/* ---- signing in ---- */

static void
token_response_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetAccount *self = g_task_get_source_object (task);
  SignInData *data = g_task_get_task_data (task);
  g_autoptr(DuetAuthToken) token = NULL;
  g_autoptr(GError) error = NULL;

  token = duet_auth_sign_in_finish (DUET_AUTH (source), result, &error);
  if (token == NULL)
    {
      set_state (self, DUET_ACCOUNT_SIGNED_OUT);
      g_task_return_error (task, error_for_user (error, data->server_url));
      return;
    }

  g_set_object (&self->auth, DUET_AUTH (source));
  set_identity (self, data->server_url, data->user_id, data->service_id);
  set_token (self, duet_auth_token_get_token (token));
  store_token (self);
  schedule_refresh (self);
  set_state (self, DUET_ACCOUNT_SIGNED_IN);
  g_task_return_boolean (task, TRUE);
}

void
duet_account_sign_in_async (DuetAccount         *self,
                            const char          *server_url,
                            const char          *user_id,
                            const char          *service_id,
                            const char          *password,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(DuetAuth) auth = NULL;
  g_autoptr(GUri) uri = NULL;
  SignInData *data;

  g_return_if_fail (DUET_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_account_sign_in_async);

  if (!duet_user_id_is_valid (user_id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("A user ID has 1 to 64 letters, digits, dots, dashes or underscores."));
      return;
    }

  if (self->tls_error != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Cannot read the certificate authority file: %s. Check the file, or ask your server’s administrator for the right one."),
                               self->tls_error->message);
      return;
    }

  uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a server address. It looks like https://duet.example.org."),
                               server_url);
      return;
    }

  data = g_new0 (SignInData, 1);
  data->server_url = g_strdup (server_url);
  data->user_id = g_strdup (user_id);
  data->service_id = g_strdup (service_id);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_in_data_free);

  stop_refresh (self);
  set_state (self, DUET_ACCOUNT_SIGNING_IN);
  auth = auth_for (self, server_url);
  duet_auth_sign_in_async (auth, user_id, service_id, password, cancellable,
                           token_response_cb, g_steal_pointer (&task));
}

gboolean
duet_account_sign_in_finish (DuetAccount   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
token_lookup_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetAccount *self = g_task_get_source_object (task);
  SignInData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = secret_password_lookup_finish (result, &error);

  if (token == NULL)
    {
      set_state (self, DUET_ACCOUNT_SIGNED_OUT);
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                     _("Sign in to start calling."));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A token about to run out would fail at the server; ask for a new one */
  if (duet_account_token_expiry (token) < now_s () + 60)
    {
      set_state (self, DUET_ACCOUNT_SIGNED_OUT);
      g_task_return_error (task, session_expired_error ());
      return;
    }

  set_identity (self, data->server_url, data->user_id, data->service_id);
  set_token (self, token);

  /* Past its halfway point it would be refreshed at once anyway: connect
   * with the new one */
  if (now_s () >= token_halfway (token))
    {
      refresh_token (self, g_steal_pointer (&task));
      return;
    }

  schedule_refresh (self);
  set_state (self, DUET_ACCOUNT_SIGNED_IN);
  g_task_return_boolean (task, TRUE);
}

void
duet_account_restore_async (DuetAccount         *self,
                            const char          *server_url,
                            const char          *user_id,
                            const char          *service_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SignInData *data;

  g_return_if_fail (DUET_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_account_restore_async);

  data = g_new0 (SignInData, 1);
  data->server_url = g_strdup (server_url);
  data->user_id = g_strdup (user_id);
  data->service_id = g_strdup (service_id);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_in_data_free);

  stop_refresh (self);
  set_state (self, DUET_ACCOUNT_SIGNING_IN);
  secret_password_lookup (token_schema (), cancellable, token_lookup_cb, g_steal_pointer (&task),
                          "server", server_url,
                          "user", user_id,
                          "service", service_id,
                          "profile", self->profile,
                          NULL);
}

gboolean
duet_account_restore_finish (DuetAccount   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * duet_account_set_tls_ca_file:
 * @path: (nullable): PEM file of the CAs that may sign the server's
 *   certificate, or %NULL for the system CAs
 *
 * Sign-in trusts the same CAs as the call connection.
 */
void
duet_account_set_tls_ca_file (DuetAccount *self,
                              const char  *path)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_if_fail (DUET_IS_ACCOUNT (self));

  /* A CA file that cannot be read fails sign-in (see sign_in_async)
   * rather than falling back to the system CAs */
  g_clear_error (&self->tls_error);
  if (path != NULL && (database = g_tls_file_database_new (path, &self->tls_error)) == NULL)
    return;
  duet_set_string (&self->tls_ca_file, path);
  g_clear_object (&self->auth);
}

void
duet_account_sign_out (DuetAccount *self)
{
  g_return_if_fail (DUET_IS_ACCOUNT (self));

  stop_refresh (self);
  if (self->token != NULL && self->server_url != NULL)
    secret_password_clear (token_schema (), NULL, NULL, NULL,
                           "server", self->server_url,
                           "user", self->user_id,
                           "service", self->service_id,
                           "profile", self->profile,
                           NULL);
  set_token (self, NULL);
  set_sign_in_message (self, NULL);
  set_state (self, DUET_ACCOUNT_SIGNED_OUT);
}

/**
 * duet_account_sign_out_with_message:
 * @message: why, translated, for the sign-in page
 *
 * Signs out because the server signed this device out; #DuetAccount:sign-in-message
 * says why until the next sign-in.
 */
void
duet_account_sign_out_with_message (DuetAccount *self,
                                    const char  *message)
{
  g_return_if_fail (DUET_IS_ACCOUNT (self));

  duet_account_sign_out (self);
  set_sign_in_message (self, message);
}

/* ---- the session, with no window needed ---- */

static void
set_sign_in_error (DuetAccount *self,
                   const char  *message)
{
  if (duet_set_string (&self->sign_in_error, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_IN_ERROR]);
}

/* The next start restores this identity's token from the keyring */
static void
remember_identity (DuetAccount *self)
{
  g_settings_set_string (self->settings, "server-url", self->server_url);
  g_settings_set_string (self->settings, "user-id", self->user_id);
  g_settings_set_string (self->settings, "service-id", self->service_id);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(DuetAccount) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!duet_account_sign_in_finish (self, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_sign_in_error (self, error->message);
      return;
    }
  remember_identity (self);
}

/**
 * duet_account_sign_in:
 * @service_id: (nullable): the service, or %NULL for the one last used
 *
 * Signs in, with the password the user typed or gave on the command
 * line; on success the identity is remembered for the next start, on
 * failure #DuetAccount:sign-in-error says why.
 */
void
duet_account_sign_in (DuetAccount *self,
                      const char  *server_url,
                      const char  *user_id,
                      const char  *service_id,
                      const char  *password)
{
  g_autofree char *saved_service = NULL;

  g_return_if_fail (DUET_IS_ACCOUNT (self));

  if (service_id == NULL)
    service_id = saved_service = g_settings_get_string (self->settings, "service-id");
  set_sign_in_error (self, NULL);
  duet_account_sign_in_async (self, server_url, user_id, *service_id ? service_id : "duet",
                              password, self->session_cancellable,
                              sign_in_cb, g_object_ref (self));
}

static void
restore_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(DuetAccount) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Nothing in the keyring: the sign-in page's welcome says enough */
  if (!duet_account_restore_finish (self, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_sign_in_error (self, error->message);
}

/**
 * duet_account_begin_session:
 *
 * Restores the token of the identity last signed in from the keyring,
 * unless the account is signed in or signing in already; with no
 * identity remembered the account stays signed out.
 */
void
duet_account_begin_session (DuetAccount *self)
{
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;
  g_autofree char *service = NULL;

  g_return_if_fail (DUET_IS_ACCOUNT (self));

  if (self->state != DUET_ACCOUNT_SIGNED_OUT)
    return;
  server = g_settings_get_string (self->settings, "server-url");
  user = g_settings_get_string (self->settings, "user-id");
  service = g_settings_get_string (self->settings, "service-id");
  if (*server == '\0' || *user == '\0')
    return;
  duet_account_restore_async (self, server, user, service, self->session_cancellable,
                              restore_cb, g_object_ref (self));
}

const char *
duet_account_get_sign_in_error (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), NULL);
  return self->sign_in_error;
}

const char *
duet_account_get_sign_in_message (DuetAccount *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT (self), NULL);
  return self->sign_in_message;
}
