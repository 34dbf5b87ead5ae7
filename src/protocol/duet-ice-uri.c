/* duet-ice-uri.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-ice-uri.h"

static gboolean
fail (GError     **error,
      GUriError    code,
      const char  *text,
      const char  *why)
{
  g_set_error (error, G_URI_ERROR, code, "“%s”: %s", text, why);
  return FALSE;
}

static gboolean
parse_scheme (const char     *text,
              const char    **rest,
              DuetIceScheme  *scheme,
              GError        **error)
{
  const char *colon = strchr (text, ':');
  g_autofree char *name = colon ? g_ascii_strdown (text, colon - text) : NULL;

  if (name == NULL)
    return fail (error, G_URI_ERROR_BAD_SCHEME, text, "say stun:, turn: or turns:");
  if (g_str_equal (name, "stun"))
    *scheme = DUET_ICE_SCHEME_STUN;
  else if (g_str_equal (name, "turn"))
    *scheme = DUET_ICE_SCHEME_TURN;
  else if (g_str_equal (name, "turns"))
    *scheme = DUET_ICE_SCHEME_TURNS;
  else
    return fail (error, G_URI_ERROR_BAD_SCHEME, text, "the scheme must be stun, turn or turns");
  *rest = colon + 1;
  return TRUE;
}

/* "user:password@" of webrtcbin's form, percent-decoded */
static gboolean
parse_userinfo (DuetIceUri  *uri,
                const char  *text,
                const char  *userinfo,
                gsize        length,
                GError     **error)
{
  g_autofree char *raw = g_strndup (userinfo, length);
  char *colon = strchr (raw, ':');

  if (colon == NULL)
    return fail (error, G_URI_ERROR_BAD_USER, text, "credentials are user:password");
  *colon = '\0';
  uri->username = g_uri_unescape_string (raw, NULL);
  uri->password = g_uri_unescape_string (colon + 1, NULL);
  if (uri->username == NULL || uri->password == NULL || *uri->username == '\0')
    return fail (error, G_URI_ERROR_BAD_USER, text, "the credentials are not valid");
  return TRUE;
}

static gboolean
host_char_ok (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '-' || c == '_';
}

/* host[:port] up to @end */
static gboolean
parse_host_port (DuetIceUri  *uri,
                 const char  *text,
                 const char  *p,
                 const char  *end,
                 GError     **error)
{
  const char *host_end;

  if (*p == '[')
    {
      g_autofree char *v6 = NULL;
      const char *close = memchr (p, ']', end - p);

      if (close == NULL)
        return fail (error, G_URI_ERROR_BAD_HOST, text, "an IPv6 address needs a closing “]”");
      v6 = g_strndup (p + 1, close - p - 1);
      if (!g_hostname_is_ip_address (v6) || strchr (v6, ':') == NULL)
        return fail (error, G_URI_ERROR_BAD_HOST, text, "that is not an IPv6 address");
      uri->host = g_steal_pointer (&v6);
      host_end = close + 1;
    }
  else
    {
      for (host_end = p; host_end < end && *host_end != ':'; host_end++)
        if (!host_char_ok (*host_end))
          return fail (error, G_URI_ERROR_BAD_HOST, text, "the host name has a character that is not allowed");
      if (host_end == p)
        return fail (error, G_URI_ERROR_BAD_HOST, text, "the host is missing");
      uri->host = g_strndup (p, host_end - p);
    }

  if (host_end == end)
    return TRUE;
  if (*host_end != ':' || host_end + 1 == end)
    return fail (error, G_URI_ERROR_BAD_PORT, text, "the port must be 1–65535");
  for (const char *d = host_end + 1; d < end; d++)
    if (!g_ascii_isdigit (*d) || d - host_end > 5)
      return fail (error, G_URI_ERROR_BAD_PORT, text, "the port must be 1–65535");
  uri->port = (guint) g_ascii_strtoull (host_end + 1, NULL, 10);
  if (uri->port < 1 || uri->port > 65535)
    return fail (error, G_URI_ERROR_BAD_PORT, text, "the port must be 1–65535");
  return TRUE;
}

static gboolean
parse_query (DuetIceUri  *uri,
             const char  *text,
             const char  *query,
             GError     **error)
{
  if (query == NULL)
    return TRUE;
  if (uri->scheme == DUET_ICE_SCHEME_STUN)
    return fail (error, G_URI_ERROR_BAD_QUERY, text, "a STUN URI takes no “?”");
  if (g_ascii_strcasecmp (query, "transport=udp") == 0 && uri->scheme == DUET_ICE_SCHEME_TURN)
    uri->transport = DUET_ICE_TRANSPORT_UDP;
  else if (g_ascii_strcasecmp (query, "transport=tcp") == 0)
    uri->transport = DUET_ICE_TRANSPORT_TCP;
  else
    return fail (error, G_URI_ERROR_BAD_QUERY, text,
                 uri->scheme == DUET_ICE_SCHEME_TURNS ? "turns: only takes ?transport=tcp"
                                                      : "the only query is ?transport=udp or ?transport=tcp");
  return TRUE;
}

DuetIceUri *
duet_ice_uri_parse (const char  *text,
                    GError     **error)
{
  g_autoptr(DuetIceUri) uri = g_new0 (DuetIceUri, 1);
  const char *rest, *query, *end, *at;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_FAILED, "An ICE server URI is not valid UTF-8");
      return NULL;
    }
  if (strpbrk (text, " \t\r\n") != NULL)
    {
      fail (error, G_URI_ERROR_FAILED, text, "a URI has no spaces");
      return NULL;
    }
  if (!parse_scheme (text, &rest, &uri->scheme, error))
    return NULL;

  query = strchr (rest, '?');
  end = query != NULL ? query : rest + strlen (rest);
  if (g_str_has_prefix (rest, "//"))
    {
      rest += 2;
      at = memchr (rest, '@', end - rest);
      if (at != NULL && !parse_userinfo (uri, text, rest, at - rest, error))
        return NULL;
      if (at != NULL)
        rest = at + 1;
      if (end > rest && end[-1] == '/')   /* "turn://host:3478/" */
        end--;
    }
  else if (memchr (rest, '@', end - rest) != NULL)
    {
      fail (error, G_URI_ERROR_BAD_USER, text, "credentials go in the server's list, not in a stun:/turn: URI");
      return NULL;
    }

  if (!parse_host_port (uri, text, rest, end, error) ||
      !parse_query (uri, text, query != NULL ? query + 1 : NULL, error))
    return NULL;
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
