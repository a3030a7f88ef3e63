/*
 * pv-events.h: the event stream (msgpack maps written back to back)
 */
#pragma once

#include <glib.h>
#include <msgpack.h>

/**
 * PvEventFunc:
 * @event: (transfer none): an a{sv} with at least "kind", "ts" and "run"
 *
 * A listener.  Listeners are called one at a time, in emission order, from
 * whichever thread emitted, with the sink's lock held: they must not emit.
 */
typedef void (*PvEventFunc)(GVariant *event, gpointer user_data);

typedef struct _PvEvents PvEvents;

PvEvents *pv_events_new(const char *run_id);
void pv_events_free(PvEvents *events);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvEvents, pv_events_free)

gboolean pv_events_add_file(PvEvents *events, const char *path, GError **error);
void pv_events_add_fd(PvEvents *events, int fd);
void pv_events_add_listener(PvEvents *events, PvEventFunc func, gpointer user_data);
GVariant *pv_events_emit(PvEvents *events, const char *kind, GVariant *fields);
void pv_events_set_file_host(PvEvents *events, const char *path, const char *host);
char *pv_events_dup_file_host(PvEvents *events, const char *path);

gint64 pv_events_now_ns(void);

/* Building an event's fields, for the constructors of pv-event-kinds*.c. */
#define PV_EVENT_FIELDS_INIT G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT)
GVariant *pv_event_new_str(const char *value);
void pv_event_add_str(GVariantBuilder *fields, const char *key, const char *value);
void pv_event_add_int(GVariantBuilder *fields, const char *key, gint64 value);
void pv_event_add_uint(GVariantBuilder *fields, const char *key, guint64 value);

/* Encoding, shared by the sink, the reader and the tests. */
GBytes *pv_event_encode(GVariant *event);
GVariant *pv_event_decode(const msgpack_object *obj, GError **error);
const char *pv_event_get_kind(GVariant *event);
const char *pv_event_get_str(GVariant *event, const char *key);
gint64 pv_event_get_int(GVariant *event, const char *key, gint64 fallback);
gboolean pv_event_get_bool(GVariant *event, const char *key, gboolean fallback);

typedef struct _PvEventReader PvEventReader;

PvEventReader *pv_event_reader_new(const char *path, GError **error);
GVariant *pv_event_reader_next(PvEventReader *reader, GError **error);
gboolean pv_event_reader_truncated(PvEventReader *reader);
void pv_event_reader_free(PvEventReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvEventReader, pv_event_reader_free)
