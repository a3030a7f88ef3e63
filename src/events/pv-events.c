/*
 * pv-events.c: the event sink, and the msgpack encoder its writers use
 *
 * An event is built as a GVariant a{sv} (so in-process listeners read fields
 * with g_variant_lookup() and JSON comes from json-glib), encoded to one
 * msgpack map, and written with a single write(2) per event.  Any msgpack
 * unpacker reads the stream, and a run killed mid-way leaves a prefix of whole
 * events.  This file owns the sink (its files, descriptors and listeners),
 * emitting, the field builders the constructors use and the encoder;
 * reading a stream back is pv-event-reader.c's.
 *
 * The sink also knows which host each file runs on (the file tells it as
 * it is given one, pv_file_set_host()), so every event about a file, its
 * VMs, networks and fixtures names its host, whoever emits it: the
 * dispatcher, the file's worker or vm/.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    GMutex hosts_lock;    /* not the lock: constructors ask while listeners run */
    GHashTable *hosts;    /* char *path -> char *host: where each file runs now */
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
    g_mutex_init(&events->hosts_lock);
    events->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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
    g_hash_table_unref(events->hosts);
    g_mutex_clear(&events->hosts_lock);
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

/**
 * pv_events_set_file_host:
 * @path: the file, as its events name it
 * @host: (nullable): the name of the host it runs on from now on; NULL:
 *   on none (waiting to be placed again)
 *
 * From now on, the events of @path that name a host name @host.
 */
void
pv_events_set_file_host(PvEvents *events, const char *path, const char *host)
{
    g_mutex_lock(&events->hosts_lock);
    if (host)
        g_hash_table_replace(events->hosts, g_strdup(path), g_strdup(host));
    else
        g_hash_table_remove(events->hosts, path);
    g_mutex_unlock(&events->hosts_lock);
}

/**
 * pv_events_dup_file_host:
 *
 * Returns: (transfer full) (nullable): the name of the host @path runs
 *   on, NULL before it is given one
 */
char *
pv_events_dup_file_host(PvEvents *events, const char *path)
{
    char *host;

    g_mutex_lock(&events->hosts_lock);
    host = path ? g_strdup(g_hash_table_lookup(events->hosts, path)) : NULL;
    g_mutex_unlock(&events->hosts_lock);
    return host;
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
 * constructors of pv-event-kinds*.c call this.
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
