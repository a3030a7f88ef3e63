/*
 * pv-report-collect.c: per-file results, gathered from the event stream
 *
 * The reporters (terminal, run directory, JUnit, JSON) all see a file the
 * same way: its tests with status, duration, reason, console excerpt and
 * log, handed over whole when the file completes.  They work the same on a
 * live run and on a saved stream.  Every string they get is sanitized
 * (pv_text_sanitize()): test output and a guest's output may hold escape
 * sequences and control characters, which must reach neither a terminal
 * nor XML; names (a file's path, a test's name) are kept on one line
 * (pv_text_name()).  The event stream keeps them as they were.
 */
#include "config.h"

#include <string.h>

#include "pv-events.h"
#include "pv-report-collect.h"
#include "pv-text.h"

struct _PvReportCollector {
    GHashTable *files;   /* path -> PvReportFile, until completed */
};

void
pv_report_test_free(PvReportTest *test)
{
    if (!test)
        return;
    g_free(test->name);
    g_free(test->status);
    g_free(test->reason);
    g_free(test->console_excerpt);
    g_free(test->host);
    g_ptr_array_unref(test->tags);
    g_string_free(test->log, TRUE);
    g_clear_pointer(&test->failures, g_ptr_array_unref);
    g_clear_pointer(&test->attempts, g_ptr_array_unref);
    g_free(test->origin);
    g_free(test);
}

void
pv_report_file_free(PvReportFile *file)
{
    if (!file)
        return;
    g_free(file->path);
    g_free(file->key);
    g_free(file->status);
    g_free(file->error);
    g_ptr_array_unref(file->tests);
    g_ptr_array_unref(file->kept);
    g_ptr_array_unref(file->earlier);
    g_string_free(file->log, TRUE);
    g_free(file->origin);
    g_free(file->host);
    g_free(file->vm_host);
    g_free(file);
}

PvReportCollector *
pv_report_collector_new(void)
{
    PvReportCollector *collector = g_new0(PvReportCollector, 1);

    collector->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)pv_report_file_free);
    return collector;
}

void
pv_report_collector_free(PvReportCollector *collector)
{
    if (!collector)
        return;
    g_hash_table_unref(collector->files);
    g_free(collector);
}

static PvReportFile *
pv_report_collector_file(PvReportCollector *collector, const char *path)
{
    PvReportFile *file = g_hash_table_lookup(collector->files, path);

    if (!file) {
        file = g_new0(PvReportFile, 1);
        file->path = pv_text_name(path);
        file->tests = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
        file->kept = g_ptr_array_new_with_free_func(g_free);
        file->earlier = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
        file->log = g_string_new(NULL);
        file->attempts = 1;
        g_hash_table_insert(collector->files, g_strdup(path), file);
    }
    return file;
}

/* The string field @key made fit to show, or NULL. */
static char *
pv_report_get_text(GVariant *event, const char *key)
{
    const char *value = pv_event_get_str(event, key);

    return value ? pv_text_sanitize(value, -1) : NULL;
}

/* The name at @key made fit to show on one line, or NULL. */
static char *
pv_report_get_name(GVariant *event, const char *key)
{
    const char *value = pv_event_get_str(event, key);

    return value ? pv_text_name(value) : NULL;
}

/* Appends the strings of the array @key of @event, sanitized, to @out. */
static void
pv_report_add_strings(GVariant *event, const char *key, GPtrArray *out)
{
    g_autoptr(GVariant) array = g_variant_lookup_value(event, key, NULL);
    GVariantIter iter;
    GVariant *child;

    if (!array || !g_variant_is_container(array))
        return;
    g_variant_iter_init(&iter, array);
    while ((child = g_variant_iter_next_value(&iter))) {
        g_autoptr(GVariant) inner = g_variant_is_of_type(child, G_VARIANT_TYPE_VARIANT) ?
            g_variant_get_variant(child) : g_variant_ref(child);

        if (g_variant_is_of_type(inner, G_VARIANT_TYPE_STRING))
            g_ptr_array_add(out, pv_text_sanitize(g_variant_get_string(inner, NULL), -1));
        g_variant_unref(child);
    }
}

/* The test the next log line or result belongs to. */
static PvReportTest *
pv_report_file_test(PvReportFile *file, const char *name)
{
    PvReportTest *test;
    guint i;

    if (file->tests->len > 0) {
        test = file->tests->pdata[file->tests->len - 1];
        if (g_str_equal(test->name, name) && !test->status)
            return test;
    }
    test = g_new0(PvReportTest, 1);
    test->name = g_strdup(name);
    test->tags = g_ptr_array_new_with_free_func(g_free);
    test->log = g_string_new(NULL);
    test->failures = g_ptr_array_new_with_free_func(g_free);
    test->attempt = file->attempts;
    test->attempts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
    /*
     * Its results in the earlier attempts, oldest first, go with it: one
     * list, each attempt once (an earlier result brings its own earlier
     * ones along, which go before it).
     */
    for (i = 0; i < file->earlier->len; ) {
        PvReportTest *earlier = file->earlier->pdata[i];

        if (g_str_equal(earlier->name, name)) {
            g_ptr_array_extend_and_steal(test->attempts, g_steal_pointer(&earlier->attempts));
            earlier->attempts = g_ptr_array_new_with_free_func(
                (GDestroyNotify)pv_report_test_free);
            g_ptr_array_add(test->attempts, g_ptr_array_steal_index(file->earlier, i));
        } else {
            i++;
        }
    }
    g_ptr_array_add(file->tests, test);
    return test;
}

/**
 * pv_report_collector_feed:
 *
 * Returns: (transfer full) (nullable): the file this file_completed event
 *   completes, with everything gathered about it; NULL for other events
 */
PvReportFile *
pv_report_collector_feed(PvReportCollector *collector, GVariant *event)
{
    const char *kind = pv_event_get_kind(event);
    const char *path = pv_event_get_str(event, "path");
    PvReportFile *file;

    /* Queued files need nothing yet: 10,000 of them would all hold one. */
    if (!kind || !path || g_str_equal(kind, "file_discovered") ||
        g_str_equal(kind, "file_blocked") || g_str_equal(kind, "file_unblocked"))
        return NULL;
    file = pv_report_collector_file(collector, path);
    /* An older stream's network_created has the address on the network there. */
    if (pv_event_get_str(event, "host") && !g_str_equal(kind, "network_created")) {
        g_free(file->vm_host);
        file->vm_host = pv_report_get_name(event, "host");
    }

    if (g_str_equal(kind, "file_dispatched")) {
        file->started_ns = pv_event_get_int(event, "ts", 0);
    } else if (g_str_equal(kind, "test_started")) {
        g_autofree char *name = pv_report_get_name(event, "name");
        PvReportTest *test = pv_report_file_test(file, name ? name : "");

        pv_report_add_strings(event, "tags", test->tags);
        g_free(test->host);
        test->host = pv_report_get_name(event, "host");
    } else if (g_str_equal(kind, "test_log")) {
        g_autofree char *name = pv_report_get_name(event, "name");
        g_autofree char *text = pv_report_get_text(event, "text");

        if (!text)
            text = g_strdup("");
        if (name && *name)
            g_string_append_printf(pv_report_file_test(file, name)->log, "%s\n", text);
        g_string_append_printf(file->log, "%s%s%s\n", name && *name ? name : "",
                               name && *name ? ": " : "", text);
    } else if (g_str_has_prefix(kind, "test_")) {
        g_autofree char *name = pv_report_get_name(event, "name");
        PvReportTest *test = pv_report_file_test(file, name ? name : "");
        g_autoptr(GVariant) tags = g_variant_lookup_value(event, "tags", NULL);

        test->status = g_strdup(kind + strlen("test_"));
        test->duration_ns = pv_event_get_int(event, "duration_ns", 0);
        test->reason = pv_report_get_text(event, "reason");
        test->console_excerpt = pv_report_get_text(event, "console_excerpt");
        if (pv_event_get_str(event, "host")) {
            g_free(test->host);
            test->host = pv_report_get_name(event, "host");
        }
        /* test_flaky has none: test_started's stay. */
        if (tags) {
            g_ptr_array_set_size(test->tags, 0);
            pv_report_add_strings(event, "tags", test->tags);
        }
        pv_report_add_strings(event, "failures", test->failures);
    } else if (g_str_equal(kind, "file_retried")) {
        /* The new attempt's results supersede these. */
        file->attempts = pv_event_get_int(event, "attempt", file->attempts + 1);
        g_ptr_array_extend_and_steal(file->earlier, g_steal_pointer(&file->tests));
        file->tests = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
        if (file->log->len)
            g_string_append_printf(file->log, "(attempt %u)\n", file->attempts);
    } else if (g_str_equal(kind, "file_completed")) {
        file->status = pv_report_get_text(event, "status");
        file->error = pv_report_get_text(event, "error");
        file->duration_ns = pv_event_get_int(event, "duration_ns", 0);
        pv_report_add_strings(event, "kept", file->kept);
        {
            gpointer key = NULL;

            g_hash_table_steal_extended(collector->files, path, &key, NULL);
            g_free(key);
        }
        return file;
    }
    return NULL;
}
