/* duet-ice-servers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "duet-ice-servers.h"
#include "duet-server-error.h"

#define MAX_URI_LENGTH   512
#define MAX_HOST_LENGTH  253
#define MAX_LABEL_LENGTH 63
#define HOST_CHARS       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

/* ---- URIs ------------------------------------------------------------- */

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG, message);
  return FALSE;
}

/* What follows the scheme, or NULL if @kind does not take this scheme */
static const char *
skip_scheme (const char     *uri,
             DuetIceUriKind  kind,
             gboolean       *out_secure)
{
  *out_secure = FALSE;
  if (kind == DUET_ICE_URI_STUN)
    return g_str_has_prefix (uri, "stun:") ? uri + strlen ("stun:") : NULL;
  if (g_str_has_prefix (uri, "turn:"))
    return uri + strlen ("turn:");
  if (g_str_has_prefix (uri, "turns:"))
    {
      *out_secure = TRUE;
      return uri + strlen ("turns:");
    }
  return NULL;
}

static gboolean
is_label (const char *label,
          gsize       length)
{
  return length > 0 && length <= MAX_LABEL_LENGTH &&
         label[0] != '-' && label[length - 1] != '-';
}

/* A DNS name or a dotted-quad IPv4 address; @host holds only HOST_CHARS */
static gboolean
is_host_name (const char *host)
{
  gsize length = strlen (host);
  const char *label = host;
  struct in_addr ipv4;

  if (length > MAX_HOST_LENGTH)
    return FALSE;
  /* all digits and dots: an address, never a name */
  if (strspn (host, "0123456789.") == length)
    return inet_pton (AF_INET, host, &ipv4) == 1;

  for (const char *p = host;; p++)
    if (*p == '.' || *p == '\0')
      {
        if (!is_label (label, p - label))
          return FALSE;
        if (*p == '\0')
          return TRUE;
        label = p + 1;
      }
}

/* Reads "[IPv6]" or a host name and moves @p past it */
static gboolean
read_host (const char  **p,
           GError      **error)
{
  g_autofree char *host = NULL;
  struct in6_addr ipv6;

  if (**p == '[')
    {
      const char *close = strchr (*p, ']');

      if (close == NULL)
        return invalid (error, "the IPv6 address lacks its “]”");
      host = g_strndup (*p + 1, close - *p - 1);
      if (inet_pton (AF_INET6, host, &ipv6) != 1)
        return invalid (error, "the host in brackets is not an IPv6 address");
      *p = close + 1;
      return TRUE;
    }

  host = g_strndup (*p, strspn (*p, HOST_CHARS));
  if (*host == '\0')
    return invalid (error, "the host is missing");
  if (!is_host_name (host))
    return invalid (error, "the host must be a DNS name, an IPv4 address or an [IPv6] address");
  *p += strlen (host);
  return TRUE;
}

/* Reads ":PORT" and moves @p past it */
static gboolean
read_port (const char  **p,
           GError      **error)
{
  gsize digits = strspn (*p + 1, "0123456789");
  guint64 port = 0;

  if (digits > 0 && digits <= 5)
    port = g_ascii_strtoull (*p + 1, NULL, 10);
  if (port < 1 || port > 65535)
    return invalid (error, "the port must be 1–65535");
  *p += 1 + digits;
  return TRUE;
}

static gboolean
check_query (const char  *query,
             gboolean     secure,
             GError     **error)
{
  if (g_str_equal (query, "transport=tcp"))
    return TRUE;
  if (g_str_equal (query, "transport=udp") && secure)
    return invalid (error, "turns: runs over TLS, so its transport can only be tcp");
  if (g_str_equal (query, "transport=udp"))
    return TRUE;
  return invalid (error, "the only query allowed is “?transport=udp” or “?transport=tcp”");
}

/**
 * duet_ice_uri_check:
 * @uri: a URI from the command line
 * @kind: which schemes are allowed
 * @error: says what is wrong, in a phrase that reads well after the URI
 *
 * Accepts `stun:HOST[:PORT]` (RFC 7064) and
 * `turn:HOST[:PORT][?transport=udp|tcp]`, `turns:HOST[:PORT][?transport=tcp]`
 * (RFC 7065), HOST being a DNS name, an IPv4 address or `[IPv6]`. These
 * URIs go to browsers and GStreamer as they are, so anything else is
 * refused rather than guessed at.
 */
gboolean
duet_ice_uri_check (const char      *uri,
                    DuetIceUriKind   kind,
                    GError         **error)
{
  gboolean secure;
  const char *p;

  if (strlen (uri) > MAX_URI_LENGTH)
    return invalid (error, "the URI is longer than 512 bytes");
  p = skip_scheme (uri, kind, &secure);
  if (p == NULL)
    return invalid (error, kind == DUET_ICE_URI_STUN ? "the scheme must be “stun:”"
                                                     : "the scheme must be “turn:” or “turns:”");
  if (g_str_has_prefix (p, "//"))
    return invalid (error, "the host follows the scheme directly, without “//”");
  if (strchr (p, '@') != NULL)
    return invalid (error, "user information is not allowed (the server hands out credentials)");

  if (!read_host (&p, error))
    return FALSE;
  if (*p == ':' && !read_port (&p, error))
    return FALSE;

  if (*p == '?' && kind == DUET_ICE_URI_STUN)
    return invalid (error, "a stun: URI takes no query");
  if (*p == '?')
    return check_query (p + 1, secure, error);
  if (*p != '\0')
    return invalid (error, "there is more after the host and port");
  return TRUE;
}

/* ---- the secret ------------------------------------------------------- */

static gboolean
is_one_printable_line (const char *text,
                       gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if ((guchar) text[i] < 0x20 || text[i] == 0x7f)
      return FALSE;
  /* coturn's configuration file would lose white space at the ends */
  return !g_ascii_isspace (text[0]) && !g_ascii_isspace (text[length - 1]);
}

static gssize
read_bounded (int    fd,
              char  *buffer,
              gsize  size)
{
  gsize length = 0;

  while (length < size)
    {
      gssize n = read (fd, buffer + length, size - length);

      if (n == 0)
        break;
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      length += n;
    }
  return length;
}

static void
wipe (char *buffer)
{
  sodium_memzero (buffer, DUET_ICE_SECRET_MAX_LENGTH + 2);
  g_free (buffer);
}

/**
 * duet_ice_read_secret:
 * @path: a file holding the TURN secret on one line
 * @error: names @path, never its contents
 *
 * Returns: the secret without its line end; free it with
 * duet_ice_free_secret(), which wipes it
 */
char *
duet_ice_read_secret (const char  *path,
                      GError     **error)
{
  char *buffer = g_malloc0 (DUET_ICE_SECRET_MAX_LENGTH + 2);
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  gssize length = -1;
  int saved_errno;

  if (fd >= 0)
    length = read_bounded (fd, buffer, DUET_ICE_SECRET_MAX_LENGTH + 1);
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  if (length < 0)
    {
      wipe (buffer);
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG,
                   "cannot read the TURN secret file “%s”: %s", path, g_strerror (saved_errno));
      return NULL;
    }

  if (length > 0 && buffer[length - 1] == '\n')
    length--;
  if (length > 0 && buffer[length - 1] == '\r')
    length--;
  buffer[length] = '\0';

  if (length == 0 || length > DUET_ICE_SECRET_MAX_LENGTH || !is_one_printable_line (buffer, length))
    {
      wipe (buffer);
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG,
                   "the TURN secret file “%s” %s", path,
                   length == 0 ? "is empty" :
                   length > DUET_ICE_SECRET_MAX_LENGTH ? "is longer than 4096 bytes" :
                   "must hold one line of printable characters, without white space at the ends");
      return NULL;
    }
  return buffer;
}

void
duet_ice_free_secret (char *secret)
{
  if (secret == NULL)
    return;
  sodium_memzero (secret, strlen (secret));
  g_free (secret);
}

/* ---- credentials and the list ----------------------------------------- */

/**
 * duet_ice_turn_credential:
 * @secret: the secret shared with the TURN server
 * @user: the signed-in user id
 * @expires_at: unix seconds
 * @out_username: (out): `EXPIRES_AT:USER`
 * @out_credential: (out): base64 (HMAC-SHA1 (@secret, username))
 *
 * The TURN REST credential that coturn's use-auth-secret accepts until
 * @expires_at. User ids have no “:”, so the username is unambiguous.
 */
void
duet_ice_turn_credential (const char  *secret,
                          const char  *user,
                          gint64       expires_at,
                          char       **out_username,
                          char       **out_credential)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  g_autofree char *username = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", expires_at, user);
  guint8 digest[20];
  gsize length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &length);
  *out_credential = g_base64_encode (digest, length);
  *out_username = g_steal_pointer (&username);
}

static JsonObject *
entry_for (const char * const *uris)
{
  JsonObject *entry = json_object_new ();
  JsonArray *urls = json_array_new ();

  for (guint i = 0; uris[i] != NULL; i++)
    json_array_add_string_element (urls, uris[i]);
  json_object_set_array_member (entry, "urls", urls);
  return entry;
}

/**
 * duet_ice_servers_build:
 * @stun_uris: (nullable): STUN URIs
 * @turn_uris: (nullable): TURN URIs
 * @secret: (nullable): the TURN secret; required with @turn_uris
 * @user: whom the TURN credential is for
 * @expires_at: when it stops working, unix seconds
 *
 * Returns: a list of RTCIceServer dictionaries: one entry for all STUN
 * URIs, one for all TURN URIs with a fresh username and credential
 */
JsonArray *
duet_ice_servers_build (const char * const *stun_uris,
                        const char * const *turn_uris,
                        const char         *secret,
                        const char         *user,
                        gint64              expires_at)
{
  JsonArray *servers = json_array_new ();

  if (stun_uris != NULL && stun_uris[0] != NULL)
    json_array_add_object_element (servers, entry_for (stun_uris));

  if (turn_uris != NULL && turn_uris[0] != NULL)
    {
      JsonObject *entry = entry_for (turn_uris);
      g_autofree char *username = NULL;
      g_autofree char *credential = NULL;

      g_return_val_if_fail (secret != NULL, servers);
      duet_ice_turn_credential (secret, user, expires_at, &username, &credential);
      json_object_set_string_member (entry, "username", username);
      json_object_set_string_member (entry, "credential", credential);
      json_array_add_object_element (servers, entry);
    }
  return servers;
}
