/*
 * pv-events.c: the event stream (msgpack maps written back to back)
 *
 * An event is built as a GVariant a{sv} (so in-process listeners read fields
 * with g_variant_lookup() and JSON comes from json-glib), encoded to one
 * msgpack map, and written with a single write(2) per event.  Any msgpack
 * unpacker reads the stream, and a run killed mid-way leaves a prefix of whole
 * events.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-events.h"
#include "pv-i18n.h"
#include "pv-safe.h"
#include "pv-text.h"

typedef struct {
    PvEventFunc func;
    gpointer user_data;
} PvEventListener;

struct _PvEvents {
    GMutex lock;
    char *run_id;
    GArray *fds;          /* int; the ones we opened are also in owned_fds */
    GArray *owned_fds;
    GArray *listeners;    /* PvEventListener */
};

/**
 * pv_events_now_ns:
 * Returns: nanoseconds since the epoch
 */
gint64
pv_events_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

PvEvents *
pv_events_new(const char *run_id)
{
    PvEvents *events = g_new0(PvEvents, 1);

    g_mutex_init(&events->lock);
    events->run_id = g_strdup(run_id);
    events->fds = g_array_new(FALSE, FALSE, sizeof(int));
    events->owned_fds = g_array_new(FALSE, FALSE, sizeof(int));
    events->listeners = g_array_new(FALSE, FALSE, sizeof(PvEventListener));
    return events;
}

void
pv_events_free(PvEvents *events)
{
    guint i;

    if (!events)
        return;
    for (i = 0; i < events->owned_fds->len; i++)
        close(g_array_index(events->owned_fds, int, i));
    g_array_unref(events->fds);
    g_array_unref(events->owned_fds);
    g_array_unref(events->listeners);
    g_free(events->run_id);
    g_mutex_clear(&events->lock);
    g_free(events);
}

/**
 * pv_events_add_file:
 *
 * Writes the stream to @path from now on, replacing what it held.  @path
 * must be a regular file or nothing: a symbolic link is not followed, and a
 * FIFO or a device is refused rather than blocked on.
 */
gboolean
pv_events_add_file(PvEvents *events, const char *path, GError **error)
{
    int fd = pv_safe_openat(AT_FDCWD, NULL, path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
                            0644, error);

    if (fd < 0)
        return FALSE;
    g_mutex_lock(&events->lock);
    g_array_append_val(events->fds, fd);
    g_array_append_val(events->owned_fds, fd);
    g_mutex_unlock(&events->lock);
    return TRUE;
}

/**
 * pv_events_add_fd:
 * @fd: (transfer none): stays open after the sink is freed
 */
void
pv_events_add_fd(PvEvents *events, int fd)
{
    g_mutex_lock(&events->lock);
    g_array_append_val(events->fds, fd);
    g_mutex_unlock(&events->lock);
}

void
pv_events_add_listener(PvEvents *events, PvEventFunc func, gpointer user_data)
{
    PvEventListener listener = { func, user_data };

    g_mutex_lock(&events->lock);
    g_array_append_val(events->listeners, listener);
    g_mutex_unlock(&events->lock);
}

static void
pv_events_write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        gssize n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;  /* a broken reader must not stop the run */
        data += n;
        len -= n;
    }
}

/**
 * pv_events_emit:
 * @kind: the event's kind, e.g. "file_dispatched"
 * @fields: (nullable) (transfer floating): an a{sv} of the event's own fields
 *
 * Adds "kind", "ts" and "run", writes the event to every stream and hands it
 * to every listener.  The time is read under the sink's lock, so the
 * timestamps of a stream are in its order, whatever thread emits.  Only the
 * constructors of pv-event-kinds.c call this.
 * Returns: (transfer full): the event as emitted
 */
GVariant *
pv_events_emit(PvEvents *events, const char *kind, GVariant *fields)
{
    g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    GVariant *event;
    g_autoptr(GBytes) bytes = NULL;
    GVariantIter iter;
    const char *key;
    GVariant *value;
    locale_t previous;
    guint i;

    if (fields)
        g_variant_ref_sink(fields);
    g_mutex_lock(&events->lock);
    g_variant_builder_add(&builder, "{sv}", "kind", g_variant_new_string(kind));
    g_variant_builder_add(&builder, "{sv}", "ts", g_variant_new_int64(pv_events_now_ns()));
    g_variant_builder_add(&builder, "{sv}", "run", g_variant_new_string(events->run_id));
    if (fields) {
        g_variant_iter_init(&iter, fields);
        while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
            g_variant_builder_add(&builder, "{sv}", key, value);
            g_variant_unref(value);
        }
    }
    event = g_variant_ref_sink(g_variant_builder_end(&builder));
    bytes = pv_event_encode(event);
    for (i = 0; i < events->fds->len; i++) {
        gsize len;
        const char *data = g_bytes_get_data(bytes, &len);

        pv_events_write_all(g_array_index(events->fds, int, i), data, len);
    }
    /* The reporters speak to people, whichever thread emits (see pv-i18n.c). */
    previous = pv_i18n_translated_begin();
    for (i = 0; i < events->listeners->len; i++) {
        PvEventListener *listener = &g_array_index(events->listeners, PvEventListener, i);

        listener->func(event, listener->user_data);
    }
    pv_i18n_end(previous);
    g_mutex_unlock(&events->lock);
    if (fields)
        g_variant_unref(fields);
    return event;
}

/**
 * pv_event_new_str:
 * @value: any bytes: a path, a test's name or output, a guest's output
 *
 * The one way a string reaches an event: GVariant, msgpack and JSON
 * strings are UTF-8, and a name that is not (a Latin-1 file name, a test
 * named "bad \xff") must not crash the run or vanish from its reports.
 * Invalid bytes become "\xNN" (pv_text_make_valid()).
 * Returns: (transfer floating): a string GVariant
 */
GVariant *
pv_event_new_str(const char *value)
{
    if (g_utf8_validate(value, -1, NULL))
        return g_variant_new_string(value);
    return g_variant_new_take_string(pv_text_make_valid(value, -1));
}

void
pv_event_add_str(GVariantBuilder *fields, const char *key, const char *value)
{
    g_variant_builder_add(fields, "{sv}", key, pv_event_new_str(value));
}

void
pv_event_add_int(GVariantBuilder *fields, const char *key, gint64 value)
{
    g_variant_builder_add(fields, "{sv}", key, g_variant_new_int64(value));
}

void
pv_event_add_uint(GVariantBuilder *fields, const char *key, guint64 value)
{
    g_variant_builder_add(fields, "{sv}", key, g_variant_new_uint64(value));
}

static void
pv_event_pack(msgpack_packer *pk, GVariant *value)
{
    const GVariantType *type = g_variant_get_type(value);

    if (g_variant_type_is_variant(type)) {
        g_autoptr(GVariant) inner = g_variant_get_variant(value);

        pv_event_pack(pk, inner);
    } else if (g_variant_type_is_maybe(type)) {
        g_autoptr(GVariant) inner = g_variant_get_maybe(value);

        if (inner)
            pv_event_pack(pk, inner);
        else
            msgpack_pack_nil(pk);
    } else if (g_variant_type_is_subtype_of(type, G_VARIANT_TYPE("a{s*}"))) {
        GVariantIter iter;
        const char *key;
        GVariant *child;

        msgpack_pack_map(pk, g_variant_n_children(value));
        g_variant_iter_init(&iter, value);
        while (g_variant_iter_next(&iter, "{&s@*}", &key, &child)) {
            msgpack_pack_str_with_body(pk, key, strlen(key));
            pv_event_pack(pk, child);
            g_variant_unref(child);
        }
    } else if (g_variant_type_is_array(type) || g_variant_type_is_tuple(type)) {
        GVariantIter iter;
        GVariant *child;

        msgpack_pack_array(pk, g_variant_n_children(value));
        g_variant_iter_init(&iter, value);
        while ((child = g_variant_iter_next_value(&iter))) {
            pv_event_pack(pk, child);
            g_variant_unref(child);
        }
    } else {
        switch (g_variant_classify(value)) {
        case G_VARIANT_CLASS_BOOLEAN:
            if (g_variant_get_boolean(value))
                msgpack_pack_true(pk);
            else
                msgpack_pack_false(pk);
            break;
        case G_VARIANT_CLASS_BYTE:
            msgpack_pack_uint64(pk, g_variant_get_byte(value));
            break;
        case G_VARIANT_CLASS_INT16:
            msgpack_pack_int64(pk, g_variant_get_int16(value));
            break;
        case G_VARIANT_CLASS_UINT16:
            msgpack_pack_uint64(pk, g_variant_get_uint16(value));
            break;
        case G_VARIANT_CLASS_INT32:
            msgpack_pack_int64(pk, g_variant_get_int32(value));
            break;
        case G_VARIANT_CLASS_UINT32:
            msgpack_pack_uint64(pk, g_variant_get_uint32(value));
            break;
        case G_VARIANT_CLASS_INT64:
            msgpack_pack_int64(pk, g_variant_get_int64(value));
            break;
        case G_VARIANT_CLASS_UINT64:
            msgpack_pack_uint64(pk, g_variant_get_uint64(value));
            break;
        case G_VARIANT_CLASS_DOUBLE:
            msgpack_pack_double(pk, g_variant_get_double(value));
            break;
        case G_VARIANT_CLASS_STRING:
        case G_VARIANT_CLASS_OBJECT_PATH:
        case G_VARIANT_CLASS_SIGNATURE: {
            gsize len;
            const char *str = g_variant_get_string(value, &len);

            msgpack_pack_str_with_body(pk, str, len);
            break;
        }
        default:
            msgpack_pack_nil(pk);
            break;
        }
    }
}

/**
 * pv_event_encode:
 * @event: an a{sv}
 *
 * Returns: (transfer full): one msgpack map
 */
GBytes *
pv_event_encode(GVariant *event)
{
    msgpack_sbuffer sbuf;
    msgpack_packer pk;

    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    pv_event_pack(&pk, event);
    /* The GBytes takes the buffer over; sbuffer memory comes from malloc. */
    return g_bytes_new_with_free_func(sbuf.data, sbuf.size, free, sbuf.data);
}

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
