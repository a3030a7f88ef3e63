/*
 * pv-event-reader.c: events read back: msgpack decoded into an a{sv}, the
 * getters every reader of an event uses, and the reader of a saved stream
 *
 * A saved stream is untrusted input (provium report, provium events, the
 * fuzzers): a cut-off last event ends it, a header that promises more than
 * the stream holds is never allocated for, and bytes that are not UTF-8
 * arrive as "\xNN".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-events.h"
#include "pv-text.h"

static GVariant *
pv_event_unpack(const msgpack_object *obj, GError **error)
{
    switch (obj->type) {
    case MSGPACK_OBJECT_NIL:
        return g_variant_new_maybe(G_VARIANT_TYPE_VARIANT, NULL);
    case MSGPACK_OBJECT_BOOLEAN:
        return g_variant_new_boolean(obj->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (obj->via.u64 > G_MAXINT64)
            return g_variant_new_uint64(obj->via.u64);
        return g_variant_new_int64((gint64)obj->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return g_variant_new_int64(obj->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return g_variant_new_double(obj->via.f64);
    case MSGPACK_OBJECT_STR:
        /* An empty string may come with no pointer at all. */
        if (obj->via.str.size == 0)
            return g_variant_new_string("");
        return g_variant_new_take_string(pv_text_make_valid(obj->via.str.ptr,
                                                            obj->via.str.size));
    case MSGPACK_OBJECT_ARRAY: {
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("av"));
        guint32 i;

        for (i = 0; i < obj->via.array.size; i++) {
            GVariant *child = pv_event_unpack(&obj->via.array.ptr[i], error);

            if (!child)
                return NULL;
            g_variant_builder_add(&builder, "v", child);
        }
        return g_variant_builder_end(&builder);
    }
    case MSGPACK_OBJECT_MAP: {
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
        guint32 i;

        for (i = 0; i < obj->via.map.size; i++) {
            const msgpack_object_kv *kv = &obj->via.map.ptr[i];
            g_autofree char *key = NULL;
            GVariant *child;

            if (kv->key.type != MSGPACK_OBJECT_STR) {
                g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                                    _("event map has a key that is not a string"));
                return NULL;
            }
            key = kv->key.via.str.size == 0 ? g_strdup("") :
                pv_text_make_valid(kv->key.via.str.ptr, kv->key.via.str.size);
            child = pv_event_unpack(&kv->val, error);
            if (!child)
                return NULL;
            g_variant_builder_add(&builder, "{sv}", key, child);
        }
        return g_variant_builder_end(&builder);
    }
    case MSGPACK_OBJECT_BIN:
    case MSGPACK_OBJECT_EXT:
    default:
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("event holds a msgpack type provium does not write"));
        return NULL;
    }
}

/**
 * pv_event_decode:
 *
 * Returns: (transfer full): the a{sv} for a map with a string "kind", or
 *   NULL with @error set
 */
GVariant *
pv_event_decode(const msgpack_object *obj, GError **error)
{
    g_autoptr(GVariant) event = NULL;

    if (obj->type != MSGPACK_OBJECT_MAP) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE, _("event is not a msgpack map"));
        return NULL;
    }
    event = pv_event_unpack(obj, error);
    if (!event)
        return NULL;
    g_variant_ref_sink(event);
    if (!pv_event_get_kind(event)) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE, _("event has no \"kind\""));
        return NULL;
    }
    return g_steal_pointer(&event);
}

/**
 * pv_event_get_kind:
 * Returns: (transfer none) (nullable): the event's kind
 */
const char *
pv_event_get_kind(GVariant *event)
{
    return pv_event_get_str(event, "kind");
}

/**
 * pv_event_get_str:
 * Returns: (transfer none) (nullable): the string field @key, or NULL when
 *   missing or not a string
 */
const char *
pv_event_get_str(GVariant *event, const char *key)
{
    g_autoptr(GVariant) value = g_variant_lookup_value(event, key, G_VARIANT_TYPE_STRING);

    /* The string lives as long as @event: lookups return views into it. */
    return value ? g_variant_get_string(value, NULL) : NULL;
}

/**
 * pv_event_get_int:
 * Returns: the integer field @key (a double truncated, an unsigned integer
 *   above G_MAXINT64 as G_MAXINT64), or @fallback when it is missing, not a
 *   number, or a double no gint64 can hold
 */
gint64
pv_event_get_int(GVariant *event, const char *key, gint64 fallback)
{
    g_autoptr(GVariant) value = g_variant_lookup_value(event, key, NULL);

    if (!value)
        return fallback;
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_INT64))
        return g_variant_get_int64(value);
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64))
        return (gint64)MIN(g_variant_get_uint64(value), (guint64)G_MAXINT64);
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_INT32))
        return g_variant_get_int32(value);
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
        return g_variant_get_uint32(value);
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_DOUBLE)) {
        double d = g_variant_get_double(value);

        /* Beyond the range (or NaN) the conversion is undefined: not a number here. */
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return fallback;
        return (gint64)d;
    }
    return fallback;
}

/**
 * pv_event_get_bool:
 *
 * Returns: the boolean field @key, or @fallback when it is missing or of
 *   another type
 */
gboolean
pv_event_get_bool(GVariant *event, const char *key, gboolean fallback)
{
    g_autoptr(GVariant) value = g_variant_lookup_value(event, key, G_VARIANT_TYPE_BOOLEAN);

    return value ? g_variant_get_boolean(value) : fallback;
}

/* Bytes read from a saved stream at a time. */
#define PV_EVENT_READ_CHUNK (64 * 1024)

/*
 * A saved stream is read with read(2), a chunk at a time, into a streaming
 * unpacker: memory does not grow with the file, and a file that shrinks
 * while read (memory-mapped, it raised SIGBUS) just ends sooner.
 */
struct _PvEventReader {
    char *path;
    int fd;
    msgpack_unpacker unpacker;
    msgpack_unpacked unpacked;
    gsize offset;        /* where the next event starts */
    gsize fed;           /* bytes read from the file */
    gboolean done;       /* the end, or an error */
    gboolean truncated;
};

/**
 * pv_event_reader_new:
 *
 * Opens a saved stream.
 * Returns: (transfer full): a reader, or NULL with @error set
 */
PvEventReader *
pv_event_reader_new(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    PvEventReader *reader;

    if (fd < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("cannot read %s: %s"),
                    path, g_strerror(saved));
        return NULL;
    }
    reader = g_new0(PvEventReader, 1);
    reader->path = g_strdup(path);
    reader->fd = fd;
    if (!msgpack_unpacker_init(&reader->unpacker, PV_EVENT_READ_CHUNK))
        g_error("out of memory");
    msgpack_unpacked_init(&reader->unpacked);
    return reader;
}

/* Reads the next chunk into the unpacker; FALSE at the end or on error. */
static gboolean
pv_event_reader_fill(PvEventReader *reader, GError **error)
{
    gssize n;

    if (!msgpack_unpacker_reserve_buffer(&reader->unpacker, PV_EVENT_READ_CHUNK))
        g_error("out of memory");
    do {
        n = read(reader->fd, msgpack_unpacker_buffer(&reader->unpacker),
                 msgpack_unpacker_buffer_capacity(&reader->unpacker));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("cannot read %s: %s"),
                    reader->path, g_strerror(saved));
        return FALSE;
    }
    if (n == 0) {
        reader->truncated = reader->fed > reader->offset;
        return FALSE;
    }
    msgpack_unpacker_buffer_consumed(&reader->unpacker, n);
    reader->fed += n;
    return TRUE;
}

/*
 * Whether the msgpack item at @offset can be whole within @len bytes, judged
 * from its headers alone.  msgpack's unpacker allocates room for every
 * element an array or map header promises before reading any: 5 bytes that
 * promise 2^32 elements would ask for 100 GB.  Every item takes at least a
 * byte, so a header promising more items than there are bytes left means
 * the stream ends inside this event.
 */
static gboolean
pv_event_reader_fits(const guchar *data, gsize len, gsize offset)
{
    /*
     * Bytes of the length field after each type byte from 0xc4 to 0xdf: bin,
     * ext, float, uint, int (the value itself), fixext (its type), str,
     * array, map.
     */
    static const guchar fields[] = {
        1, 2, 4, 1, 2, 4, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1, 1, 1, 1, 1, 1, 2, 4, 2, 4, 2, 4,
    };
    guint64 pending = 1;  /* items still to come */

    while (pending > 0) {
        guint byte;
        gsize field = 0;
        guint64 n = 0;      /* what the length field says */
        guint64 size = 0;   /* bytes after the length field */
        guint64 items = 0;  /* items it holds */
        gsize i;

        if (offset >= len)
            return FALSE;
        byte = data[offset++];
        pending--;
        if (byte == 0xc1)
            return TRUE;  /* never used: msgpack's to refuse */
        if (byte >= 0xc4 && byte <= 0xdf)
            field = fields[byte - 0xc4];
        if (field > len - offset)
            return FALSE;
        for (i = 0; i < field; i++)
            n = n << 8 | data[offset + i];
        offset += field;

        if (byte >= 0x80 && byte <= 0x8f)
            items = 2 * (byte & 0x0f);            /* fixmap */
        else if (byte >= 0x90 && byte <= 0x9f)
            items = byte & 0x0f;                  /* fixarray */
        else if (byte >= 0xa0 && byte <= 0xbf)
            size = byte & 0x1f;                   /* fixstr */
        else if ((byte >= 0xc4 && byte <= 0xc6) || (byte >= 0xd9 && byte <= 0xdb))
            size = n;                             /* bin, str */
        else if (byte >= 0xc7 && byte <= 0xc9)
            size = 1 + n;                         /* ext: its type, its data */
        else if (byte >= 0xd4 && byte <= 0xd8)
            size = 1 << (byte - 0xd4);            /* fixext's data */
        else if (byte == 0xdc || byte == 0xdd)
            items = n;                            /* array */
        else if (byte == 0xde || byte == 0xdf)
            items = 2 * n;                        /* map */
        /* The rest (fixints, nil, booleans, numbers) is whole already. */

        if (size > len - offset)
            return FALSE;
        offset += size;
        pending += items;
        if (pending > len - offset)
            return FALSE;
    }
    return TRUE;
}

/**
 * pv_event_reader_next:
 *
 * Returns: (transfer full) (nullable): the next event; NULL at the end of the
 *   stream (a cut-off last event also ends it: see
 *   pv_event_reader_truncated()) or with @error set when the data is not an
 *   event stream
 */
GVariant *
pv_event_reader_next(PvEventReader *reader, GError **error)
{
    while (!reader->done) {
        const guchar *data = (const guchar *)reader->unpacker.buffer + reader->unpacker.off;
        size_t size = 0;
        msgpack_unpack_return ret;

        /* Only whole events reach the unpacker (see pv_event_reader_fits()). */
        if (!pv_event_reader_fits(data, reader->unpacker.used - reader->unpacker.off, 0)) {
            if (!pv_event_reader_fill(reader, error))
                reader->done = TRUE;
            continue;
        }
        ret = msgpack_unpacker_next_with_size(&reader->unpacker, &reader->unpacked, &size);
        if (ret == MSGPACK_UNPACK_SUCCESS) {
            gsize at = reader->offset;
            GVariant *event;

            reader->offset += size;
            event = pv_event_decode(&reader->unpacked.data, error);
            if (!event) {
                reader->done = TRUE;
                g_prefix_error(error,
                               _("%s: not a provium event stream (byte %zu): "),
                               reader->path, at);
            }
            return event;
        }
        if (ret != MSGPACK_UNPACK_CONTINUE) {
            reader->done = TRUE;
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("%s: not a provium event stream (bad msgpack at byte %zu)"),
                        reader->path, reader->offset);
            return NULL;
        }
        if (!pv_event_reader_fill(reader, error))
            reader->done = TRUE;
    }
    return NULL;
}

/**
 * pv_event_reader_truncated:
 * Returns: whether the stream ended inside an event (a killed run)
 */
gboolean
pv_event_reader_truncated(PvEventReader *reader)
{
    return reader->truncated;
}

void
pv_event_reader_free(PvEventReader *reader)
{
    if (!reader)
        return;
    msgpack_unpacked_destroy(&reader->unpacked);
    msgpack_unpacker_destroy(&reader->unpacker);
    close(reader->fd);
    g_free(reader->path);
    g_free(reader);
}
