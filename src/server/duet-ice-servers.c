/* duet-ice-servers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "duet-ice-servers.h"
#include "duet-ice-uri.h"
#include "duet-server-error.h"


/* ---- URIs ------------------------------------------------------------- */

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG, message);
  return FALSE;
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
  g_autoptr(DuetIceUri) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *colon = strchr (uri, ':');

  parsed = duet_ice_uri_parse (uri, &local_error);
  if (parsed == NULL)
    return invalid (error, local_error->message);
  /* the kit also reads webrtcbin's "turn://user:pass@host"; what goes out
   * to every client must be the plain form, without credentials */
  if (g_str_has_prefix (colon + 1, "//"))
    return invalid (error, "the host follows the scheme directly, without “//”");
  if (kind == DUET_ICE_URI_STUN && parsed->scheme != DUET_ICE_SCHEME_STUN)
    return invalid (error, "the scheme must be “stun:”");
  if (kind == DUET_ICE_URI_TURN && parsed->scheme == DUET_ICE_SCHEME_STUN)
    return invalid (error, "the scheme must be “turn:” or “turns:”");
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

static DuetIceServer *
entry_for (const char * const *uris)
{
  DuetIceServer *entry = duet_ice_server_new ();

  entry->urls = g_strdupv ((char **) uris);
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
 * Returns: (element-type DuetIceServer): the RTCIceServer dictionaries:
 * one entry for all STUN URIs, one for all TURN URIs with a fresh
 * username and credential
 */
GPtrArray *
duet_ice_servers_build (const char * const *stun_uris,
                        const char * const *turn_uris,
                        const char         *secret,
                        const char         *user,
                        gint64              expires_at)
{
  GPtrArray *servers = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_ice_server_free);

  if (stun_uris != NULL && stun_uris[0] != NULL)
    g_ptr_array_add (servers, entry_for (stun_uris));

  if (turn_uris != NULL && turn_uris[0] != NULL)
    {
      DuetIceServer *entry = entry_for (turn_uris);

      g_ptr_array_add (servers, entry);
      g_return_val_if_fail (secret != NULL, servers);
      duet_ice_turn_credential (secret, user, expires_at, &entry->username, &entry->credential);
    }
  return servers;
}
