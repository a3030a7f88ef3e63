/*
 * test-events.c: the event encoder and the stream reader
 *
 * eventsdata/events.txt holds one event of every kind as GVariant text.
 * Each is encoded and compared byte for byte with events.hex; the stream is
 * read back and compared with events.jsonl (what provium events prints); and
 * the stream cut at every byte still yields every whole event before the
 * cut.  Outputs are regenerated only with PV_TEST_REGENERATE_OUTPUT=1.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "golden.h"
#include "pv-error.h"
#include "pv-events.h"

static char *
data_path(const char *name)
{
    return g_build_filename(g_getenv("PV_TEST_SRCDIR"), "eventsdata", name, NULL);
}

static GPtrArray *
load_events(void)
{
    g_autofree char *path = data_path("events.txt");
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    gsize i;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        g_autoptr(GError) error = NULL;
        GVariant *event;

        if (!*lines[i] || lines[i][0] == '#')
            continue;
        event = g_variant_parse(G_VARIANT_TYPE_VARDICT, lines[i], NULL, NULL, &error);
        g_assert_no_error(error);
        g_ptr_array_add(events, g_variant_ref_sink(event));
    }
    return events;
}

static char *
hex(GBytes *bytes)
{
    gsize len;
    const guchar *data = g_bytes_get_data(bytes, &len);
    GString *out = g_string_sized_new(len * 2);
    gsize i;

    for (i = 0; i < len; i++)
        g_string_append_printf(out, "%02x", data[i]);
    return g_string_free(out, FALSE);
}

static void
compare_golden(const char *name, const char *actual)
{
    g_autofree char *path = data_path(name);

    pv_test_compare_golden(path, actual);
}

static void
test_kinds(void)
{
    g_autoptr(GPtrArray) events = load_events();
    const char *kinds[] = {
        "run_started", "ksm_tuned", "file_discovered", "psi_state", "pool_state",
        "file_blocked", "file_unblocked", "file_dispatched", "claim_acquired", "test_started",
        "test_log", "vm_spawned", "vm_ready", "test_passed", "test_failed", "test_skipped",
        "test_not_run", "vm_stopped", "claim_released", "file_completed", "ksm_restored",
        "run_finished",
    };
    gsize i;

    /* Every documented kind has its golden line, with the common fields. */
    g_assert_cmpuint(events->len, ==, G_N_ELEMENTS(kinds));
    for (i = 0; i < events->len; i++) {
        GVariant *event = events->pdata[i];

        g_assert_cmpstr(pv_event_get_kind(event), ==, kinds[i]);
        g_assert_cmpint(pv_event_get_int(event, "ts", 0), >, 0);
        g_assert_cmpstr(pv_event_get_str(event, "run"), ==, "20261123-091512-3fa9c1");
    }
}

static void
test_encode(void)
{
    g_autoptr(GPtrArray) events = load_events();
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < events->len; i++) {
        GVariant *event = events->pdata[i];
        g_autoptr(GBytes) bytes = pv_event_encode(event);
        g_autofree char *text = hex(bytes);
        const guchar *data = g_bytes_get_data(bytes, NULL);

        /* A map (fixmap 0x8N or map16 0xde) whose first key is "kind". */
        g_assert_true((data[0] & 0xf0) == 0x80 || data[0] == 0xde);
        g_string_append_printf(out, "%s %s\n", pv_event_get_kind(event), text);
    }
    compare_golden("events.hex", out->str);
}

static char *
write_stream(GPtrArray *events, GArray *ends)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("pv-events-XXXXXX.msgpack", &path, NULL);
    gsize offset = 0;
    guint i;

    g_assert_cmpint(fd, >=, 0);
    for (i = 0; i < events->len; i++) {
        g_autoptr(GBytes) bytes = pv_event_encode(events->pdata[i]);
        gsize len;
        const char *data = g_bytes_get_data(bytes, &len);

        g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
        offset += len;
        if (ends)
            g_array_append_val(ends, offset);
    }
    close(fd);
    return g_steal_pointer(&path);
}

static void
test_round_trip(void)
{
    g_autoptr(GPtrArray) events = load_events();
    g_autofree char *path = write_stream(events, NULL);
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    GVariant *event;
    guint n = 0;

    reader = pv_event_reader_new(path, &error);
    g_assert_no_error(error);
    while ((event = pv_event_reader_next(reader, &error))) {
        g_autoptr(GVariant) owned = event;
        g_autoptr(JsonNode) node = json_gvariant_serialize(event);
        g_autofree char *line = json_to_string(node, FALSE);

        g_assert_cmpstr(pv_event_get_kind(event), ==, pv_event_get_kind(events->pdata[n]));
        g_assert_cmpint(pv_event_get_int(event, "ts", 0), ==,
                        pv_event_get_int(events->pdata[n], "ts", -1));
        g_string_append_printf(out, "%s\n", line);
        n++;
    }
    g_assert_no_error(error);
    g_assert_false(pv_event_reader_truncated(reader));
    g_assert_cmpuint(n, ==, events->len);
    compare_golden("events.jsonl", out->str);
    g_unlink(path);
}

static void
test_cut(void)
{
    g_autoptr(GPtrArray) events = load_events();
    g_autoptr(GArray) ends = g_array_new(FALSE, FALSE, sizeof(gsize));
    g_autofree char *path = write_stream(events, ends);
    g_autofree char *data = NULL;
    g_autofree char *cut_path = NULL;
    gsize len = 0;
    gsize cut;
    int fd;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    fd = g_file_open_tmp("pv-events-cut-XXXXXX.msgpack", &cut_path, NULL);
    close(fd);
    for (cut = 0; cut <= len; cut++) {
        g_autoptr(PvEventReader) reader = NULL;
        g_autoptr(GError) error = NULL;
        guint whole = 0;
        guint n = 0;
        gboolean boundary = cut == 0;
        GVariant *event;
        guint i;

        for (i = 0; i < ends->len; i++) {
            if (g_array_index(ends, gsize, i) <= cut)
                whole++;
            boundary = boundary || g_array_index(ends, gsize, i) == cut;
        }
        g_assert_true(g_file_set_contents(cut_path, data, cut, NULL));
        reader = pv_event_reader_new(cut_path, &error);
        g_assert_no_error(error);
        while ((event = pv_event_reader_next(reader, &error))) {
            g_variant_unref(event);
            n++;
        }
        g_assert_no_error(error);
        g_assert_cmpuint(n, ==, whole);
        g_assert_cmpint(pv_event_reader_truncated(reader), ==, !boundary);
    }
    g_unlink(cut_path);
    g_unlink(path);
}

static void
test_not_a_stream(void)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("pv-events-bad-XXXXXX", &path, NULL);
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GError) error = NULL;
    GVariant *event;

    /* A msgpack integer, then a map without "kind". */
    g_assert_cmpint(write(fd, "\x05", 1), ==, 1);
    close(fd);
    reader = pv_event_reader_new(path, &error);
    g_assert_no_error(error);
    event = pv_event_reader_next(reader, &error);
    g_assert_null(event);
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "not a provium event stream"));
    g_unlink(path);
}

static void
on_event(GVariant *event, gpointer user_data)
{
    g_ptr_array_add(user_data, g_variant_ref(event));
}

static void
test_sink(void)
{
    g_autoptr(PvEvents) events = pv_events_new("run-x");
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("pv-sink-XXXXXX", &path, NULL);
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GError) error = NULL;
    GVariant *event;
    gint64 before = pv_events_now_ns();

    close(fd);
    g_assert_true(pv_events_add_file(events, path, &error));
    pv_events_add_listener(events, on_event, seen);
    pv_events_emitf(events, "vm_ready", "{'path': <%s>, 'boot_ns': <%x>}", "a.test.lua",
                    (gint64)42);
    pv_events_emit(events, "run_finished", NULL);
    /* Listeners see what the file gets, in order, with the common fields. */
    g_assert_cmpuint(seen->len, ==, 2);
    g_assert_cmpstr(pv_event_get_kind(seen->pdata[0]), ==, "vm_ready");
    g_assert_cmpstr(pv_event_get_str(seen->pdata[0], "run"), ==, "run-x");
    g_assert_cmpint(pv_event_get_int(seen->pdata[0], "ts", 0), >=, before);
    reader = pv_event_reader_new(path, &error);
    event = pv_event_reader_next(reader, &error);
    g_assert_nonnull(event);
    g_assert_cmpint(pv_event_get_int(event, "boot_ns", 0), ==, 42);
    g_assert_cmpstr(pv_event_get_str(event, "path"), ==, "a.test.lua");
    g_variant_unref(event);
    event = pv_event_reader_next(reader, &error);
    g_assert_cmpstr(pv_event_get_kind(event), ==, "run_finished");
    g_variant_unref(event);
    g_assert_null(pv_event_reader_next(reader, &error));
    g_assert_no_error(error);
    g_unlink(path);
}

static char *
write_bytes(const char *bytes, gsize len)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("pv-events-XXXXXX.msgpack", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, bytes, len), ==, (gssize)len);
    close(fd);
    return g_steal_pointer(&path);
}

/* Empty strings, as keys and values, also first in the stream. */
static void
test_empty_strings(void)
{
    /* {"": "", "kind": "x"}, then {"kind": "y", "a": ""} */
    static const char bytes[] = "\x82\xa0\xa0\xa4kind\xa1x" "\x82\xa4kind\xa1y\xa1" "a\xa0";
    g_autofree char *path = write_bytes(bytes, sizeof(bytes) - 1);
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) first = NULL;
    g_autoptr(GVariant) second = NULL;

    reader = pv_event_reader_new(path, &error);
    g_assert_no_error(error);
    first = pv_event_reader_next(reader, &error);
    g_assert_no_error(error);
    g_assert_nonnull(first);
    g_assert_cmpstr(pv_event_get_kind(first), ==, "x");
    g_assert_cmpstr(pv_event_get_str(first, ""), ==, "");
    second = pv_event_reader_next(reader, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(pv_event_get_str(second, "a"), ==, "");
    g_assert_null(pv_event_reader_next(reader, &error));
    g_assert_no_error(error);
    g_unlink(path);
}

/* Integer fields holding what no integer can: the fallback, not UB. */
static void
test_odd_numbers(void)
{
    g_autoptr(GVariant) event = g_variant_ref_sink(g_variant_new_parsed(
        "{'kind': <'x'>, 'big': <1e300>, 'small': <-1e300>, 'nan': <%d>, 'frac': <12.7>,"
        " 'huge': <uint64 18446744073709551615>}", NAN));

    g_assert_cmpint(pv_event_get_int(event, "big", 7), ==, 7);
    g_assert_cmpint(pv_event_get_int(event, "small", 7), ==, 7);
    g_assert_cmpint(pv_event_get_int(event, "nan", 7), ==, 7);
    g_assert_cmpint(pv_event_get_int(event, "frac", 7), ==, 12);
    g_assert_cmpint(pv_event_get_int(event, "huge", 7), ==, G_MAXINT64);
}

/* A stream that shrinks while read (a run rewriting it): no SIGBUS. */
static void
test_shrinks(void)
{
    g_autoptr(PvEvents) events = pv_events_new("run-x");
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    GVariant *event;
    int fd = g_file_open_tmp("pv-shrink-XXXXXX", &path, NULL);
    guint n = 0;
    guint i;

    close(fd);
    g_assert_true(pv_events_add_file(events, path, &error));
    for (i = 0; i < 50000; i++)
        pv_events_emitf(events, "test_log", "{'path': <%s>, 'text': <%s>}", "a.test.lua",
                        "a line of output long enough to fill pages quickly");
    reader = pv_event_reader_new(path, &error);
    g_assert_no_error(error);
    event = pv_event_reader_next(reader, &error);
    g_assert_nonnull(event);
    g_variant_unref(event);
    g_assert_cmpint(truncate(path, 0), ==, 0);
    while ((event = pv_event_reader_next(reader, &error))) {
        g_variant_unref(event);
        n++;
    }
    g_assert_cmpuint(n, <, 50000);
    g_unlink(path);
}

static gpointer
emit_many(gpointer data)
{
    guint i;

    for (i = 0; i < 20000; i++)
        pv_events_emit(data, "pool_state", NULL);
    return NULL;
}

/* Threads emit at once: the stream's timestamps are in stream order. */
static void
test_ts_order(void)
{
    g_autoptr(PvEvents) events = pv_events_new("run-x");
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    GThread *threads[4];
    GVariant *event;
    gint64 last = 0;
    guint n = 0;
    guint late = 0;
    guint i;
    int fd = g_file_open_tmp("pv-order-XXXXXX", &path, NULL);

    close(fd);
    g_assert_true(pv_events_add_file(events, path, &error));
    for (i = 0; i < G_N_ELEMENTS(threads); i++)
        threads[i] = g_thread_new("emit", emit_many, events);
    for (i = 0; i < G_N_ELEMENTS(threads); i++)
        g_thread_join(threads[i]);
    reader = pv_event_reader_new(path, &error);
    while ((event = pv_event_reader_next(reader, &error))) {
        gint64 ts = pv_event_get_int(event, "ts", 0);

        late += ts < last;
        last = MAX(last, ts);
        n++;
        g_variant_unref(event);
    }
    g_assert_no_error(error);
    g_assert_cmpuint(n, ==, 4 * 20000);
    g_assert_cmpuint(late, ==, 0);
    g_unlink(path);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/events/kinds", test_kinds);
    g_test_add_func("/events/encode", test_encode);
    g_test_add_func("/events/round-trip", test_round_trip);
    g_test_add_func("/events/cut", test_cut);
    g_test_add_func("/events/not-a-stream", test_not_a_stream);
    g_test_add_func("/events/sink", test_sink);
    g_test_add_func("/events/empty-strings", test_empty_strings);
    g_test_add_func("/events/odd-numbers", test_odd_numbers);
    g_test_add_func("/events/shrinks", test_shrinks);
    g_test_add_func("/events/ts-order", test_ts_order);
    return g_test_run();
}
