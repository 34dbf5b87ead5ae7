/* duet-server-web.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The browser's side of the server: the web client's static files, and
 * which web origins may use the API (CORS and the WebSocket's Origin).
 *
 * The files are read once at start into memory, by name: a request names
 * one of them or gets 404, so no path ever reaches the file system and
 * `..`, encoded or not, has nothing to resolve against.
 */
#include "config.h"

#include <string.h>

#include "duet-server-error.h"
#include "duet-server-private.h"

#define WEB_MAX_FILES     64
#define WEB_MAX_FILE_SIZE (1024 * 1024)
#define PREFLIGHT_MAX_AGE "600"

typedef struct
{
  GBytes *bytes;
  char   *content_type;
  char   *etag;
} WebFile;

static void
web_file_free (WebFile *file)
{
  g_bytes_unref (file->bytes);
  g_free (file->content_type);
  g_free (file->etag);
  g_free (file);
}

/* Only what the client is made of; anything else in the folder stays private */
static const char *
content_type_for (const char *name)
{
  static const struct { const char *suffix, *type; } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".webmanifest", "application/manifest+json" },
  };

  if (name[0] == '.')
    return NULL;   /* hidden files, editors' backups */
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (name, types[i].suffix))
      return types[i].type;
  return NULL;
}

static WebFile *
load_file (GFile   *file,
           GError **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  WebFile *web;
  gsize len = 0;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, error);
  if (info == NULL)
    return NULL;
  if (g_file_info_get_size (info) > WEB_MAX_FILE_SIZE)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_FAILED,
                   "%s is over 1 MiB", g_file_peek_path (file));
      return NULL;
    }
  if (!g_file_load_contents (file, NULL, &contents, &len, NULL, error))
    return NULL;

  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  web = g_new0 (WebFile, 1);
  web->bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  web->etag = g_strdup_printf ("\"%.16s\"", hash);
  return web;
}

/* Regular files directly in @root (symbolic links are not followed) */
gboolean
duet_server_load_web (DuetServer  *self,
                      const char  *root,
                      GError     **error)
{
  g_autoptr(GFile) dir = g_file_new_for_path (root);
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) web_file_free);
  GFileInfo *info;
  GFile *child;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, error);
  if (children == NULL)
    {
      g_prefix_error (error, "Cannot read the web client (--web-root): ");
      return FALSE;
    }
  while (g_file_enumerator_iterate (children, &info, &child, NULL, error) && info != NULL)
    {
      const char *name = g_file_info_get_name (info);
      const char *type = content_type_for (name);
      WebFile *file;

      if (type == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
        continue;
      if (g_hash_table_size (files) >= WEB_MAX_FILES)
        {
          g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_FAILED,
                       "More than %d files in %s", WEB_MAX_FILES, root);
          return FALSE;
        }
      if ((file = load_file (child, error)) == NULL)
        return FALSE;
      file->content_type = g_strdup (type);
      g_hash_table_insert (files, g_strdup (name), file);
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (!g_hash_table_contains (files, "index.html"))
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_FAILED,
                   "No index.html in the web client's folder %s", root);
      return FALSE;
    }

  g_clear_pointer (&self->web_files, g_hash_table_unref);
  self->web_files = g_steal_pointer (&files);
  g_message ("Serving the web client from %s (%u files)", root, g_hash_table_size (self->web_files));
  return TRUE;
}

void
duet_server_clear_web (DuetServer *self)
{
  g_clear_pointer (&self->web_files, g_hash_table_unref);
}

/* ---- origins ------------------------------------------------------------ */

/* The page's own origin: the scheme we serve and the Host it asked for */
static gboolean
is_own_origin (DuetServer        *self,
               SoupServerMessage *msg,
               const char        *origin)
{
  const char *host = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Host");
  const char *scheme = self->tls_cert != NULL ? "https://" : "http://";

  return host != NULL && g_str_has_prefix (origin, scheme) &&
         g_ascii_strcasecmp (origin + strlen (scheme), host) == 0;
}

/* An origin as a log line may show it: the client wrote it */
static char *
shown_origin (const char *origin)
{
  return g_utf8_make_valid (origin, MIN (strlen (origin), 200));
}

/* NULL when the request is no browser's (no Origin: native clients) */
static const char *
request_origin (SoupServerMessage *msg)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Origin");
}

static gboolean
origin_allowed (DuetServer        *self,
                SoupServerMessage *msg,
                const char        *origin)
{
  if (is_own_origin (self, msg, origin))
    return TRUE;
  for (guint i = 0; self->allowed_origins != NULL && self->allowed_origins[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->allowed_origins[i], origin) == 0)
      return TRUE;
  return FALSE;
}

/* For the WebSocket upgrade: browsers always send Origin, and a page of
 * another site must not ride on the user's network position */
gboolean
duet_server_check_ws_origin (DuetServer        *self,
                             SoupServerMessage *msg)
{
  const char *origin = request_origin (msg);
  g_autofree char *shown = NULL;

  if (origin == NULL || origin_allowed (self, msg, origin))
    return TRUE;
  shown = shown_origin (origin);
  g_message ("WebSocket from %s refused: origin “%s” is not allowed",
             soup_server_message_get_remote_host (msg), shown);
  duet_server_respond_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden_origin", "This origin is not allowed");
  return FALSE;
}

/* The /v1/ HTTP endpoints: answers a preflight, refuses other origins'
 * requests, and marks allowed ones. FALSE when @msg has its answer. */
gboolean
duet_server_handle_cors (DuetServer        *self,
                         SoupServerMessage *msg,
                         const char        *methods)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  gboolean preflight = soup_server_message_get_method (msg) == SOUP_METHOD_OPTIONS;
  const char *origin = request_origin (msg);
  g_autofree char *allow = g_strconcat (methods, ", OPTIONS", NULL);
  g_autofree char *shown = NULL;

  if (origin != NULL && !origin_allowed (self, msg, origin))
    {
      shown = shown_origin (origin);
      g_message ("%s %s from %s refused: origin “%s” is not allowed",
                 soup_server_message_get_method (msg), g_uri_get_path (soup_server_message_get_uri (msg)),
                 soup_server_message_get_remote_host (msg), shown);
      soup_message_headers_replace (response, "Vary", "Origin");
      duet_server_respond_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden_origin", "This origin is not allowed");
      return FALSE;
    }
  if (origin != NULL)
    {
      soup_message_headers_replace (response, "Access-Control-Allow-Origin", origin);
      soup_message_headers_replace (response, "Vary", "Origin");
    }
  if (!preflight)
    return TRUE;

  soup_message_headers_replace (response, "Allow", allow);
  if (origin != NULL)
    {
      soup_message_headers_replace (response, "Access-Control-Allow-Methods", allow);
      soup_message_headers_replace (response, "Access-Control-Allow-Headers", "Authorization, Content-Type");
      soup_message_headers_replace (response, "Access-Control-Max-Age", PREFLIGHT_MAX_AGE);
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  return FALSE;
}

/* ---- static files ------------------------------------------------------- */

static void
set_file_headers (SoupMessageHeaders *headers,
                  const WebFile      *file)
{
  /* Revalidate every time: a new server version must not meet old scripts */
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "ETag", file->etag);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  if (g_str_has_prefix (file->content_type, "text/html"))
    soup_message_headers_replace (headers, "Content-Security-Policy",
                                  "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                                  "media-src 'self' blob: mediastream:; object-src 'none'; "
                                  "base-uri 'none'; frame-ancestors 'none'");
}

static void
respond_not_found (SoupServerMessage *msg)
{
  static const char body[] = "Not found\n";

  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

void
duet_server_handle_web (SoupServer        *server,
                        SoupServerMessage *msg,
                        const char        *path,
                        GHashTable        *query,
                        gpointer           user_data)
{
  DuetServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *match;
  const WebFile *file;
  gconstpointer data;
  gsize len;

  /* "/name" only: any other slash, a dot-dot or an escape is no file of ours */
  if (g_strcmp0 (path, "/") == 0)
    path = "/index.html";
  file = self->web_files != NULL && path[0] == '/' ? g_hash_table_lookup (self->web_files, path + 1) : NULL;
  if (file == NULL)
    {
      respond_not_found (msg);
      return;
    }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (headers, "Allow", "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  set_file_headers (headers, file);
  match = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "If-None-Match");
  if (match != NULL && strstr (match, file->etag) != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }
  data = g_bytes_get_data (file->bytes, &len);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, file->content_type, SOUP_MEMORY_COPY, data, len);
}
