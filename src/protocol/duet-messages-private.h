/* duet-messages-private.h: the tables behind duet-messages.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A message is a MessageSpec: how it is addressed (type, id) and a table
 * of Fields, each a JSON member with its kind, its rules and where it
 * lives in the struct. One parser, one builder and one clear function
 * walk the tables, so every message is checked by the same code and its
 * errors are worded the same way.
 */
#pragma once

#include "duet-messages.h"

G_BEGIN_DECLS

typedef enum
{
  FIELD_STRING,      /* char *, min–max bytes (max 0: no limit) */
  FIELD_ID,          /* char *, a user or service id */
  FIELD_BOOL,        /* gboolean */
  FIELD_INT,         /* gint64, min–max */
  FIELD_ENUM,        /* an int-sized GEnum, by nick */
  FIELD_ENUM_CODE,   /* the number of the FIELD_ENUM at the same offset */
  FIELD_ERROR_CODE,  /* DuetProtocolError, by wire name */
  FIELD_BASE64,      /* GBytes *, standard base64 on the wire, min–max bytes decoded */
  FIELD_STRV,        /* GStrv, an array of at least one string */
  FIELD_ARRAY,       /* GPtrArray * of @element structs */
  FIELD_OBJECT,      /* an @element struct, inline */
} FieldKind;

typedef enum
{
  FIELD_REQUIRED = 0,
  FIELD_OPTIONAL = 1 << 0,  /* may be absent or null; left out when unset */
  FIELD_NULLABLE = 1 << 1,  /* may be null or absent; sent as null when unset */
  FIELD_TEXT     = 1 << 2,  /* strings: no control characters */
  FIELD_KNOWN    = 1 << 3,  /* enums: not the zero value ("unknown") */
  FIELD_SECRET   = 1 << 4,  /* strings: wiped when cleared */
} FieldFlags;

typedef enum
{
  ROLE_REQUEST,   /* "type": name, "id" */
  ROLE_REPLY,     /* "type": "reply", "id" */
  ROLE_ERROR,     /* "type": "error", "id" or null */
  ROLE_EVENT,     /* "type": name */
  ROLE_BODY,      /* neither: HTTP bodies and nested objects */
} MessageRole;

typedef struct _MessageSpec MessageSpec;

typedef struct
{
  const char          *name;
  FieldKind            kind;
  FieldFlags           flags;
  gsize                offset;
  gsize                has_offset;   /* 1 + the offset of its has_ gboolean; 0: none */
  gint64               min;
  gint64               max;
  gint64               fallback;     /* FIELD_INT: the value when absent */
  GType              (*enum_type) (void);
  const MessageSpec   *element;
  DuetStartFailReason  start_fail;   /* make_call: the reason for a bad value */
} Field;

struct _MessageSpec
{
  const char           *name;       /* the wire type of requests and events */
  MessageRole           role;
  gsize                 size;
  const Field          *fields;
  guint                 n_fields;
  GDestroyNotify        free_func;  /* for elements of a FIELD_ARRAY */
  DuetStartFailReason   start_fail; /* make_call: the reason for a missing or wrong-typed field */
  /* Fields that depend on one parsed before (a signal payload's type) */
  const MessageSpec  *(*variant) (gconstpointer value);
  const MessageSpec * const *variants;   /* all of them, NULL-terminated, for clear */
};

gboolean    duet_spec_parse (const MessageSpec *spec,
                             JsonObject        *message,
                             gpointer           out,
                             GError           **error);
JsonObject *duet_spec_build (const MessageSpec *spec,
                             const char        *id,
                             gconstpointer      value);
void        duet_spec_clear (const MessageSpec *spec,
                             gpointer           value);

/* A field of struct T at @member, called @wire on the wire */
#define DUET_FIELD(T, member, wire, kind_, flags_, ...) \
  { .name = (wire), .kind = (kind_), .flags = (flags_), .offset = G_STRUCT_OFFSET (T, member), __VA_ARGS__ }
/* ... that is set only when T's @member (a gboolean) is TRUE */
#define DUET_HAS(T, member) .has_offset = G_STRUCT_OFFSET (T, member) + 1
#define DUET_ENUM(get_type) .enum_type = (get_type)
#define DUET_RANGE(lo, hi) .min = (lo), .max = (hi)

#define DUET_SPEC(name_, role_, T, fields_, ...) \
  { .name = (name_), .role = (role_), .size = sizeof (T), .fields = (fields_), \
    .n_fields = G_N_ELEMENTS (fields_), __VA_ARGS__ }

/* The typed functions of a message with an id (requests, replies, errors) */
#define DUET_DEFINE_MESSAGE_WITH_ID(T, prefix, spec)                  \
  gboolean prefix##_parse (JsonObject *message, T *out, GError **error) \
  {                                                                     \
    return duet_spec_parse (&(spec), message, out, error);              \
  }                                                                     \
  JsonObject *prefix##_build (const char *id, const T *value)           \
  {                                                                     \
    return duet_spec_build (&(spec), id, value);                        \
  }                                                                     \
  void prefix##_clear (T *value)                                        \
  {                                                                     \
    duet_spec_clear (&(spec), value);                                   \
  }

/* ... and of one without (events, HTTP bodies) */
#define DUET_DEFINE_MESSAGE(T, prefix, spec)                          \
  gboolean prefix##_parse (JsonObject *message, T *out, GError **error) \
  {                                                                     \
    return duet_spec_parse (&(spec), message, out, error);              \
  }                                                                     \
  JsonObject *prefix##_build (const T *value)                           \
  {                                                                     \
    return duet_spec_build (&(spec), NULL, value);                      \
  }                                                                     \
  void prefix##_clear (T *value)                                        \
  {                                                                     \
    duet_spec_clear (&(spec), value);                                   \
  }

G_END_DECLS
