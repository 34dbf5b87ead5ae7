/* duet-ice-uri.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <string.h>

#include "duet-ice-uri.h"

#define MAX_URI_LENGTH   512
#define MAX_HOST_LENGTH  253
#define MAX_LABEL_LENGTH 63
#define HOST_CHARS       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

/* Messages are phrases that read well after the URI they are about */
static gboolean
fail (GError     **error,
      GUriError    code,
      const char  *phrase)
{
  g_set_error_literal (error, G_URI_ERROR, code, phrase);
  return FALSE;
}

static gboolean
parse_scheme (const char     *text,
              const char    **rest,
              DuetIceScheme  *scheme,
              GError        **error)
{
  static const struct { const char *prefix; DuetIceScheme scheme; } schemes[] = {
    { "stun:", DUET_ICE_SCHEME_STUN },
    { "turn:", DUET_ICE_SCHEME_TURN },
    { "turns:", DUET_ICE_SCHEME_TURNS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_str_has_prefix (text, schemes[i].prefix))
      {
        *scheme = schemes[i].scheme;
        *rest = text + strlen (schemes[i].prefix);
        return TRUE;
      }
  return fail (error, G_URI_ERROR_BAD_SCHEME, "the scheme must be “stun:”, “turn:” or “turns:”");
}

/* "user:password@" of webrtcbin's form, percent-decoded */
static gboolean
parse_userinfo (DuetIceUri  *uri,
                const char  *userinfo,
                gsize        length,
                GError     **error)
{
  g_autofree char *raw = g_strndup (userinfo, length);
  char *colon = strchr (raw, ':');

  if (colon == NULL)
    return fail (error, G_URI_ERROR_BAD_USER, "credentials are written user:password");
  *colon = '\0';
  uri->username = g_uri_unescape_string (raw, NULL);
  uri->password = g_uri_unescape_string (colon + 1, NULL);
  if (uri->username == NULL || uri->password == NULL || *uri->username == '\0')
    return fail (error, G_URI_ERROR_BAD_USER, "the credentials are not valid");
  return TRUE;
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
read_host (DuetIceUri   *uri,
           const char  **p,
           GError      **error)
{
  g_autofree char *host = NULL;
  struct in6_addr ipv6;

  if (**p == '[')
    {
      const char *close = strchr (*p, ']');

      if (close == NULL)
        return fail (error, G_URI_ERROR_BAD_HOST, "the IPv6 address lacks its “]”");
      host = g_strndup (*p + 1, close - *p - 1);
      if (inet_pton (AF_INET6, host, &ipv6) != 1)
        return fail (error, G_URI_ERROR_BAD_HOST, "the host in brackets is not an IPv6 address");
      *p = close + 1;
      uri->host = g_steal_pointer (&host);
      return TRUE;
    }

  host = g_strndup (*p, strspn (*p, HOST_CHARS));
  if (*host == '\0')
    return fail (error, G_URI_ERROR_BAD_HOST, "the host is missing");
  if (!is_host_name (host))
    return fail (error, G_URI_ERROR_BAD_HOST,
                 "the host must be a DNS name, an IPv4 address or an [IPv6] address");
  *p += strlen (host);
  uri->host = g_steal_pointer (&host);
  return TRUE;
}

/* Reads ":PORT" and moves @p past it */
static gboolean
read_port (DuetIceUri   *uri,
           const char  **p,
           GError      **error)
{
  gsize digits = strspn (*p + 1, "0123456789");
  guint64 port = 0;

  if (digits > 0 && digits <= 5)
    port = g_ascii_strtoull (*p + 1, NULL, 10);
  if (port < 1 || port > 65535)
    return fail (error, G_URI_ERROR_BAD_PORT, "the port must be 1–65535");
  uri->port = (guint) port;
  *p += 1 + digits;
  return TRUE;
}

static gboolean
read_query (DuetIceUri  *uri,
            const char  *query,
            GError     **error)
{
  if (uri->scheme == DUET_ICE_SCHEME_STUN)
    return fail (error, G_URI_ERROR_BAD_QUERY, "a stun: URI takes no query");
  if (g_str_equal (query, "transport=tcp"))
    uri->transport = DUET_ICE_TRANSPORT_TCP;
  else if (g_str_equal (query, "transport=udp") && uri->scheme == DUET_ICE_SCHEME_TURNS)
    return fail (error, G_URI_ERROR_BAD_QUERY, "turns: runs over TLS, so its transport can only be tcp");
  else if (g_str_equal (query, "transport=udp"))
    uri->transport = DUET_ICE_TRANSPORT_UDP;
  else
    return fail (error, G_URI_ERROR_BAD_QUERY,
                 "the only query allowed is “?transport=udp” or “?transport=tcp”");
  return TRUE;
}

/**
 * duet_ice_uri_parse:
 * @text: `stun:HOST[:PORT]` (RFC 7064), `turn:HOST[:PORT][?transport=udp|tcp]`
 *   or `turns:HOST[:PORT][?transport=tcp]` (RFC 7065); or webrtcbin's
 *   `SCHEME://[USER:PASSWORD@]HOST[:PORT][?…]` with percent-encoded
 *   credentials. HOST is a DNS name, an IPv4 address or `[IPv6]`.
 *
 * Returns: (nullable): the parts, or %NULL with @error saying what is
 *   wrong in a phrase that reads well after the URI
 */
DuetIceUri *
duet_ice_uri_parse (const char  *text,
                    GError     **error)
{
  g_autoptr(DuetIceUri) uri = g_new0 (DuetIceUri, 1);
  const char *p, *at;

  g_return_val_if_fail (text != NULL, NULL);

  if (strlen (text) > MAX_URI_LENGTH)
    {
      fail (error, G_URI_ERROR_FAILED, "the URI is longer than 512 bytes");
      return NULL;
    }
  if (!parse_scheme (text, &p, &uri->scheme, error))
    return NULL;

  if (g_str_has_prefix (p, "//"))
    {
      p += 2;
      at = strchr (p, '@');
      if (at != NULL && (!parse_userinfo (uri, p, at - p, error)))
        return NULL;
      if (at != NULL)
        p = at + 1;
    }
  else if (strchr (p, '@') != NULL)
    {
      fail (error, G_URI_ERROR_BAD_USER, "user information is not allowed in a stun:/turn: URI");
      return NULL;
    }

  if (!read_host (uri, &p, error) ||
      (*p == ':' && !read_port (uri, &p, error)))
    return NULL;
  if (*p == '/' && (p[1] == '\0' || p[1] == '?') && uri->username != NULL)
    p++;   /* webrtcbin's "turn://u:p@host:3478/" */
  if (*p == '?' && !read_query (uri, p + 1, error))
    return NULL;
  if (*p != '?' && *p != '\0')
    {
      fail (error, G_URI_ERROR_FAILED, "there is more after the host and port");
      return NULL;
    }
  return g_steal_pointer (&uri);
}

void
duet_ice_uri_free (DuetIceUri *uri)
{
  if (uri == NULL)
    return;
  g_free (uri->host);
  g_free (uri->username);
  if (uri->password != NULL)
    memset (uri->password, 0, strlen (uri->password));
  g_free (uri->password);
  g_free (uri);
}

gboolean
duet_ice_uri_is_turn (DuetIceUri *uri)
{
  return uri->scheme != DUET_ICE_SCHEME_STUN;
}

/* webrtcbin splits the userinfo at the first ':' and unescapes both
 * halves, so a TURN REST username ("1700000000:alice") must be escaped
 * or it turns into part of the password. @username and @password, when
 * given, replace the URI's own. */
char *
duet_ice_uri_to_webrtcbin (DuetIceUri *uri,
                           const char *username,
                           const char *password)
{
  static const char * const schemes[] = { "stun", "turn", "turns" };
  g_autofree char *host = strchr (uri->host, ':') ? g_strdup_printf ("[%s]", uri->host)
                                                  : g_strdup (uri->host);
  g_autofree char *port = uri->port ? g_strdup_printf (":%u", uri->port) : g_strdup ("");
  g_autofree char *user = NULL, *pass = NULL;
  const char *query = "";

  if (uri->scheme == DUET_ICE_SCHEME_STUN)
    return g_strdup_printf ("stun://%s%s", host, port);

  user = g_uri_escape_string (username ? username : uri->username ? uri->username : "", NULL, FALSE);
  pass = g_uri_escape_string (password ? password : uri->password ? uri->password : "", NULL, FALSE);
  if (uri->transport == DUET_ICE_TRANSPORT_UDP)
    query = "?transport=udp";
  else if (uri->transport == DUET_ICE_TRANSPORT_TCP)
    query = "?transport=tcp";
  return g_strdup_printf ("%s://%s:%s@%s%s%s", schemes[uri->scheme], user, pass, host, port, query);
}
