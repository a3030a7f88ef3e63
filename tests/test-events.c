/*
 * test-events.c: the event encoder and the stream reader
 *
 * One event of every kind is made by its constructor (pv-event-kinds.c),
 * with its timestamp fixed; each is encoded and compared byte for byte with
 * eventsdata/events.hex; the stream is read back and compared with
 * events.jsonl (what provium events prints); and the stream cut at every
 * byte still yields every whole event before the cut.  Outputs are
 * regenerated only with PV_TEST_REGENERATE_OUTPUT=1.
 *
 * The schema is checked against doc/events.md both ways: a kind or field
 * emitted but not documented, or documented but never emitted, fails.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "golden.h"
#include "pv-error.h"
#include "pv-event-kinds.h"
#include "pv-events.h"

static char *
data_path(const char *name)
{
    return g_build_filename(g_getenv("PV_TEST_SRCDIR"), "eventsdata", name, NULL);
}

static void
collect(GVariant *event, gpointer user_data)
{
    g_ptr_array_add(user_data, g_variant_ref(event));
}

/* @event with its ts set to @ts: the constructors stamp the time of now. */
static GVariant *
with_ts(GVariant *event, gint64 ts)
{
    g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    GVariantIter iter;
    const char *key;
    GVariant *value;

    g_variant_iter_init(&iter, event);
    while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
        if (g_str_equal(key, "ts"))
            g_variant_builder_add(&builder, "{sv}", key, g_variant_new_int64(ts));
        else
            g_variant_builder_add(&builder, "{sv}", key, value);
        g_variant_unref(value);
    }
    return g_variant_ref_sink(g_variant_builder_end(&builder));
}

/* One event of every kind, as a run of one file would emit them. */
static GPtrArray *
load_events(void)
{
    g_autoptr(PvEvents) events = pv_events_new("20261123-091512-3fa9c1");
    g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_autoptr(GPtrArray) tests = g_ptr_array_new();
    g_autoptr(GPtrArray) none = g_ptr_array_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new();
    g_autoptr(GPtrArray) notes = g_ptr_array_new();
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_auto(GVariantBuilder) knobs = PV_EVENT_FIELDS_INIT;
    g_auto(GVariantBuilder) previous = PV_EVENT_FIELDS_INIT;
    g_auto(GVariantBuilder) again = PV_EVENT_FIELDS_INIT;
    const char *argv[] = { "provium", "tests/", NULL };
    const guint counts[PV_RUN_COUNTS] = { 1, 1, 1, 1, 0, 0, 1 };
    g_autoptr(GPtrArray) failures = g_ptr_array_new();
    g_autoptr(GPtrArray) failed = g_ptr_array_new();
    PvAmount pool = { G_GUINT64_CONSTANT(20220821504), 2000 };
    PvAmount claim = { 1073741824, 1000 };
    const char *path = "tests/boot.test.lua";
    const char *const slow[] = { "slow", "net", NULL };
    const PvEventHost hosts[] = {
        { "ci", "qemu:///system", { G_GUINT64_CONSTANT(12884901888), 1000 }, 2 },
        { "lab2", "qemu+ssh://root@lab2/system", { G_GUINT64_CONSTANT(7335919616), 1000 }, 4 },
    };
    /* A run on those two hosts: what each pool holds. */
    const PvEventPoolHost pool_hosts[] = {
        { "ci", { 0, 0 }, { G_GUINT64_CONSTANT(12884901888), 1000 } },
        { "lab2", { 52428800, 0 }, { G_GUINT64_CONSTANT(7283490816), 1000 } },
    };
    guint i;

    g_ptr_array_add(tests, "boots");
    g_ptr_array_add(tests, "bad \xff name");
    g_ptr_array_add(warnings, "hugepages: 256 needed on node 0, 0 free: regular pages");
    g_ptr_array_add(notes, "no cache banks: each die is one LLC group");
    pv_event_add_int(&knobs, "pages_to_scan", 1000);
    pv_event_add_int(&knobs, "sleep_millisecs", 100);
    pv_event_add_int(&previous, "run", 0);
    pv_event_add_int(&previous, "pages_to_scan", 100);
    pv_event_add_int(&previous, "sleep_millisecs", 20);
    pv_event_add_int(&again, "run", 0);
    pv_event_add_int(&again, "pages_to_scan", 100);
    pv_event_add_int(&again, "sleep_millisecs", 20);
    g_variant_builder_add(&knobs, "{sv}", "ksm_run", g_variant_new_boolean(TRUE));
    pv_events_add_listener(events, collect, made);

    pv_event_run_started(events, argv, "qemu:///system", "ci", "pv-3fa9c1-",
                         "/srv/.provium/runs/20261123-091512-3fa9c1", 4242, pool, 2, "auto",
                         "qemu", "QEMU cannot use KVM here: guests run under plain emulation",
                         hosts, G_N_ELEMENTS(hosts),
                         g_variant_new_parsed("{'index': <uint64 2>, 'total': <uint64 3>, "
                                              "'mode': <'time'>, 'partition': <'3fa9c1d2'>, "
                                              "'files': <uint64 30>}"));
    pv_event_ksm_tuned(events, TRUE, g_variant_builder_end(&knobs),
                       g_variant_builder_end(&previous),
                       "provium: ksm tuned (run = on, pages_to_scan = 1000, "
                       "sleep_millisecs = 100)");
    pv_event_file_discovered(events, path, "boot.test.lua", tests, 0, 0, FALSE);
    pv_event_psi_state(events, "ci", FALSE, 0.25, 0.0);
    pv_event_pool_state(events, (PvAmount){ 0, 0 }, pool, NULL, 0);
    pv_event_pool_state(events, pv_amount(52428800, 0), pool, pool_hosts,
                        G_N_ELEMENTS(pool_hosts));
    pv_event_file_blocked(events, path, PV_BLOCK_POOL_FULL, "the per-file overhead: 50M");
    pv_event_file_unblocked(events, path, PV_BLOCK_POOL_FULL, 1500000);
    /* Placed: from here on, the file's events name its host. */
    pv_events_set_file_host(events, path, "lab2");
    pv_event_file_dispatched(events, path, pv_amount(52428800, 0));
    pv_event_claim_acquired(events, path, pv_amount(52428800, 0));
    pv_event_network_created(events, path, "lan", "pv-3fa9c1-boot-lan", "pv-3963dfddd3",
                             "192.168.100.0/24", NULL, FALSE, "none");
    pv_event_network_created(events, path, "wan", "pv-3fa9c1-boot-wan", "pv-0a5e1c7b42",
                             "10.9.0.0/24", "10.9.0.1", TRUE, "nat");
    pv_event_test_started(events, path, "boots", slow);
    pv_event_test_log(events, path, "boots", "hello\twith a tab");
    pv_event_vm_spawned(events, path, "web", "pv-3fa9c1-boot-web", 268435456, 1);
    pv_event_perf_plan(events, path, "web", "vcpus: 0->1\nemulator: 0", NULL, warnings, notes);
    pv_event_vm_ready(events, path, "web", "pv-3fa9c1-boot-web", 3800000000);
    pv_event_vm_link(events, path, "web", "pv-3fa9c1-boot-web", "lan", FALSE);
    pv_event_test_ended(events, path, "boots", slow, "passed", 4100000000, NULL, NULL, NULL);
    pv_event_test_ended(events, path, "bad \xff name", NULL, "failed", 12000000, NULL,
                        "tests/boot.test.lua:9: expected 1, got 2",
                        "--- console of vm 'web' (domain 'pv-3fa9c1-boot-web') ---\nlogin:");
    pv_event_test_ended(events, path, "perf", NULL, "skipped", 1000, "perf_mode_unavailable",
                        "the host has 2 CPUs", NULL);
    pv_event_test_ended(events, path, "later", NULL, "not_run", 0, NULL, "cancelled by a signal",
                        NULL);
    g_ptr_array_add(failures, "tests/boot.test.lua:12: timed out");
    g_ptr_array_add(failed, "boots");
    pv_event_file_retried(events, path, 2, 3, failed);
    pv_event_test_flaky(events, path, "boots", 3900000000, failures);
    pv_event_vm_stopped(events, path, "web", "pv-3fa9c1-boot-web", "file_ended");
    pv_event_network_destroyed(events, path, "lan", "pv-3fa9c1-boot-lan");
    pv_event_fixture_build_waiting(events, path, "db", "base", "3b9ea7753e12f76e",
                                   "pid 42, run 20261123-091512-aaaaaa, b.test.lua");
    pv_event_fixture_build_started(events, path, "db", "base", "3b9ea7753e12f76e");
    pv_event_fixture_build_finished(events, path, "db", "base", "3b9ea7753e12f76e", 8300000000,
                                    NULL);
    pv_event_fixture_build_finished(events, path, "db", "base", "3b9ea7753e12f76e", 1000,
                                    "fixture 'base' did not build: its setup failed");
    pv_event_vm_restored(events, path, "db", "pvfx-3a8cae1d-3b9ea7753e12-0", "base",
                         "3b9ea7753e12f76e", 0, 880000000, NULL);
    pv_event_vm_restored(events, path, "db", "pvfx-3a8cae1d-3b9ea7753e12-1", "base",
                         "3b9ea7753e12f76e", 1, 910000000,
                         "cannot set the guest's clock through its agent: this feature or "
                         "command is not currently supported; date -u -s @1764000000: exit "
                         "status 1");
    pv_event_claim_released(events, path, pv_amount(52428800, 0), (PvAmount){ 0, 0 }, 0);
    pv_event_file_completed(events, path, "failed", 4200000000, NULL, none, NULL);
    pv_event_run_interrupted(events, 1, "interrupted; stopping (interrupt again to exit at once)");
    pv_event_ksm_restored(events, TRUE, g_variant_builder_end(&again),
                          "provium: ksm settings restored");
    pv_event_run_finished(events, counts, 4300000000, (PvAmount){ 0, 0 });
    /* Kinds added since, last, so the golden files only grow. */
    pv_event_network_reclaimed(events, path, "pv-aa11bb-boot-wan", "pv-0a5e1c7b42",
                               "20261123-080000-aa11bb", 4100, "process_gone");
    /* A host lost under a file (doc/hosts.md): its test failed, the rest not run. */
    pv_event_test_ended(events, path, "boots", NULL, "failed", 2000000000, "host_lost",
                        "host 'lab2' (qemu+ssh://lab2/system) was lost: the daemon closed the "
                        "connection", NULL);
    pv_event_test_ended(events, path, "later", NULL, "not_run", 0, "host_lost",
                        "host 'lab2' (qemu+ssh://lab2/system) was lost: the daemon closed the "
                        "connection", NULL);
    pv_event_file_completed(events, path, "failed", 2100000000,
                            "host 'lab2' (qemu+ssh://lab2/system) was lost: the daemon closed "
                            "the connection", none, "host_lost");
    (void)claim;

    for (i = 0; i < made->len; i++)
        g_ptr_array_add(out, with_ts(made->pdata[i], G_GINT64_CONSTANT(1763889312000000001) + i));
    return out;
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

/* The field names of one row of doc/events.md's table, and which are optional. */
static void
parse_doc_fields(const char *cell, GString *required, GString *optional)
{
    const char *p = cell;

    while (*p) {
        const char *start = p;
        int depth = 0;
        const char *name;
        const char *end;
        const char *paren;
        g_autofree char *entry = NULL;

        /* One entry: up to the next comma outside parentheses. */
        while (*p && !(*p == ',' && depth == 0)) {
            depth += *p == '(';
            depth -= *p == ')';
            p++;
        }
        entry = g_strndup(start, p - start);
        if (*p)
            p++;
        name = strchr(entry, '`');
        if (!name)
            continue;
        end = strchr(name + 1, '`');
        g_assert_nonnull(end);
        paren = strchr(end, '(');
        if (paren) {
            g_autofree char *type = g_strndup(paren + 1, strcspn(paren + 1, ":)"));

            if (strstr(type, "optional")) {
                g_string_append_printf(optional, "%s%.*s", optional->len ? " " : "",
                                       (int)(end - name - 1), name + 1);
                continue;
            }
        }
        g_string_append_printf(required, "%s%.*s", required->len ? " " : "",
                               (int)(end - name - 1), name + 1);
    }
}

/*
 * doc/events.md's table is the schema: every kind and field the
 * constructors may emit is there, and everything there is emitted.
 */
static void
test_schema_is_documented(void)
{
    g_autofree char *doc = NULL;
    g_autofree char *path = g_build_filename(g_getenv("PV_TEST_SRCDIR"), "..", "doc",
                                             "events.md", NULL);
    g_auto(GStrv) lines = NULL;
    g_autoptr(GHashTable) documented = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                             NULL);
    const PvEventSchema *schemas;
    gboolean in_kinds = FALSE;
    guint n;
    gsize i;

    g_assert_true(g_file_get_contents(path, &doc, NULL, NULL));
    lines = g_strsplit(doc, "\n", -1);
    schemas = pv_event_schemas(&n);
    for (i = 0; lines[i]; i++) {
        g_autofree char *kind = NULL;
        g_autoptr(GString) required = g_string_new(NULL);
        g_autoptr(GString) optional = g_string_new(NULL);
        const PvEventSchema *schema;
        const char *cell;

        if (g_str_has_prefix(lines[i], "## "))
            in_kinds = g_str_equal(lines[i], "## Kinds");
        if (!in_kinds || !g_str_has_prefix(lines[i], "| `"))
            continue;
        kind = g_strndup(lines[i] + 3, strcspn(lines[i] + 3, "`"));
        cell = strstr(lines[i] + 3, "| ");
        g_assert_nonnull(cell);
        parse_doc_fields(cell + 2, required, optional);
        schema = pv_event_schema_lookup(kind);
        g_test_message("%s: required '%s', optional '%s'", kind, required->str, optional->str);
        if (!schema)
            g_error("doc/events.md documents kind '%s', which provium never emits", kind);
        g_assert_cmpstr(required->str, ==, schema->fields);
        g_assert_cmpstr(optional->str, ==, schema->optional);
        g_hash_table_add(documented, g_steal_pointer(&kind));
    }
    for (i = 0; i < n; i++) {
        if (!g_hash_table_contains(documented, schemas[i].kind))
            g_error("kind '%s' is emitted (%s) but not in doc/events.md", schemas[i].kind,
                    schemas[i].constructor);
    }
}

/* Every kind has a constructor that makes it, and what it makes matches. */
static void
test_constructors(void)
{
    g_autoptr(GPtrArray) events = load_events();
    g_autoptr(GHashTable) made = g_hash_table_new(g_str_hash, g_str_equal);
    const PvEventSchema *schemas;
    guint n;
    guint i;

    for (i = 0; i < events->len; i++) {
        GVariant *event = events->pdata[i];
        g_autofree char *problem = NULL;

        g_assert_cmpstr(pv_event_get_str(event, "run"), ==, "20261123-091512-3fa9c1");
        if (!pv_event_check_schema(event, &problem))
            g_error("%s", problem);
        g_hash_table_add(made, (gpointer)pv_event_get_kind(event));
    }
    schemas = pv_event_schemas(&n);
    for (i = 0; i < n; i++) {
        if (!g_hash_table_contains(made, schemas[i].kind))
            g_error("kind '%s' has no sample in load_events()", schemas[i].kind);
    }
}

/* The check itself catches what it must. */
static void
test_schema_check(void)
{
    g_autoptr(GVariant) extra = g_variant_ref_sink(g_variant_new_parsed(
        "{'kind': <'test_started'>, 'ts': <int64 1>, 'run': <'r'>, 'path': <'p'>, "
        "'name': <'n'>, 'tags': <@as []>, 'surprise': <1>}"));
    g_autoptr(GVariant) missing = g_variant_ref_sink(g_variant_new_parsed(
        "{'kind': <'test_started'>, 'ts': <int64 1>, 'run': <'r'>, 'path': <'p'>}"));
    g_autoptr(GVariant) unknown = g_variant_ref_sink(g_variant_new_parsed(
        "{'kind': <'made_up'>, 'ts': <int64 1>, 'run': <'r'>}"));
    g_autofree char *p1 = NULL;
    g_autofree char *p2 = NULL;
    g_autofree char *p3 = NULL;

    g_assert_false(pv_event_check_schema(extra, &p1));
    g_assert_nonnull(strstr(p1, "'surprise'"));
    g_assert_false(pv_event_check_schema(missing, &p2));
    g_assert_nonnull(strstr(p2, "'name' is missing"));
    g_assert_false(pv_event_check_schema(unknown, &p3));
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

/*
 * A stream that ends in a header promising 2^32 - 1 elements is a cut one
 * (each element takes a byte at least), not a reason to allocate 100 GB.
 */
static void
test_huge_header(void)
{
    g_autoptr(GPtrArray) events = load_events();
    g_autoptr(GArray) ends = g_array_new(FALSE, FALSE, sizeof(gsize));
    g_autofree char *path = write_stream(events, ends);
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GError) error = NULL;
    FILE *file = fopen(path, "a");
    guint n = 0;
    GVariant *event;

    g_assert_nonnull(file);
    g_assert_cmpint(fwrite("\x81\xa4kind\xdd\xff\xff\xff\xff", 1, 11, file), ==, 11);
    fclose(file);
    reader = pv_event_reader_new(path, &error);
    g_assert_no_error(error);
    while ((event = pv_event_reader_next(reader, &error))) {
        g_variant_unref(event);
        n++;
    }
    g_assert_no_error(error);
    g_assert_cmpuint(n, ==, events->len);
    g_assert_true(pv_event_reader_truncated(reader));
    g_unlink(path);
}

static void
on_event(GVariant *event, gpointer user_data)
{
    g_ptr_array_add(user_data, g_variant_ref(event));
}

/*
 * Each file's events name the host it runs on now, whoever emits them; a
 * file on no host (waiting to be placed, or never placed) names none.
 */
static void
test_file_host(void)
{
    g_autoptr(PvEvents) events = pv_events_new("run-x");
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);

    pv_events_add_listener(events, on_event, seen);
    pv_event_file_blocked(events, "a.test.lua", PV_BLOCK_POOL_FULL, "its claim");
    pv_events_set_file_host(events, "a.test.lua", "ci");
    pv_events_set_file_host(events, "b.test.lua", "lab2");
    pv_event_file_dispatched(events, "a.test.lua", pv_amount(1, 0));
    pv_event_file_dispatched(events, "b.test.lua", pv_amount(1, 0));
    pv_event_test_log(events, "c.test.lua", "", "at discovery");
    /* Placed again, on another host (a host lost, --retries). */
    pv_events_set_file_host(events, "a.test.lua", NULL);
    pv_event_file_blocked(events, "a.test.lua", PV_BLOCK_POOL_FULL, "its claim");
    pv_events_set_file_host(events, "a.test.lua", "lab2");
    pv_event_vm_spawned(events, "a.test.lua", "web", "d", 1, 1);

    g_assert_cmpuint(seen->len, ==, 6);
    g_assert_null(pv_event_get_str(seen->pdata[0], "host"));
    g_assert_cmpstr(pv_event_get_str(seen->pdata[1], "host"), ==, "ci");
    g_assert_cmpstr(pv_event_get_str(seen->pdata[2], "host"), ==, "lab2");
    g_assert_null(pv_event_get_str(seen->pdata[3], "host"));
    g_assert_null(pv_event_get_str(seen->pdata[4], "host"));
    g_assert_cmpstr(pv_event_get_str(seen->pdata[5], "host"), ==, "lab2");
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
    pv_events_set_file_host(events, "a.test.lua", "lab2");
    pv_event_vm_ready(events, "a.test.lua", "web", "d", 42);
    g_variant_unref(pv_events_emit(events, "run_finished", NULL));
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
    g_assert_cmpstr(pv_event_get_str(event, "host"), ==, "lab2");
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
        pv_event_test_log(events, "a.test.lua", "t",
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
        g_variant_unref(pv_events_emit(data, "pool_state", NULL));
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
    g_test_add_func("/events/schema/documented", test_schema_is_documented);
    g_test_add_func("/events/schema/constructors", test_constructors);
    g_test_add_func("/events/schema/check", test_schema_check);
    g_test_add_func("/events/encode", test_encode);
    g_test_add_func("/events/round-trip", test_round_trip);
    g_test_add_func("/events/cut", test_cut);
    g_test_add_func("/events/not-a-stream", test_not_a_stream);
    g_test_add_func("/events/huge-header", test_huge_header);
    g_test_add_func("/events/sink", test_sink);
    g_test_add_func("/events/file-host", test_file_host);
    g_test_add_func("/events/empty-strings", test_empty_strings);
    g_test_add_func("/events/odd-numbers", test_odd_numbers);
    g_test_add_func("/events/shrinks", test_shrinks);
    g_test_add_func("/events/ts-order", test_ts_order);
    return g_test_run();
}
