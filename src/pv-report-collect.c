/*
 * pv-report-collect.c: per-file results, gathered from the event stream
 *
 * The reporters (terminal, run directory, JUnit, JSON) all see a file the
 * same way: its tests with status, duration, reason, console excerpt and
 * log, handed over whole when the file completes.  They work the same on a
 * live run and on a saved stream.
 */
#include "config.h"

#include <string.h>

#include "pv-events.h"
#include "pv-report-collect.h"

struct _PvReportCollector {
    GHashTable *files;   /* path -> PvReportFile, until completed */
};

static void
pv_report_test_free(PvReportTest *test)
{
    g_free(test->name);
    g_free(test->status);
    g_free(test->reason);
    g_free(test->console_excerpt);
    g_string_free(test->log, TRUE);
    g_free(test);
}

void
pv_report_file_free(PvReportFile *file)
{
    if (!file)
        return;
    g_free(file->path);
    g_free(file->status);
    g_free(file->error);
    g_ptr_array_unref(file->tests);
    g_ptr_array_unref(file->kept);
    g_string_free(file->log, TRUE);
    g_free(file);
}

PvReportCollector *
pv_report_collector_new(void)
{
    PvReportCollector *collector = g_new0(PvReportCollector, 1);

    collector->files = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
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
        file->path = g_strdup(path);
        file->tests = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
        file->kept = g_ptr_array_new_with_free_func(g_free);
        file->log = g_string_new(NULL);
        g_hash_table_insert(collector->files, file->path, file);
    }
    return file;
}

/* The test the next log line or result belongs to. */
static PvReportTest *
pv_report_file_test(PvReportFile *file, const char *name)
{
    PvReportTest *test;

    if (file->tests->len > 0) {
        test = file->tests->pdata[file->tests->len - 1];
        if (g_str_equal(test->name, name) && !test->status)
            return test;
    }
    test = g_new0(PvReportTest, 1);
    test->name = g_strdup(name);
    test->log = g_string_new(NULL);
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

    if (g_str_equal(kind, "file_dispatched")) {
        file->started_ns = pv_event_get_int(event, "ts", 0);
    } else if (g_str_equal(kind, "vm_spawned")) {
        file->vms++;
    } else if (g_str_equal(kind, "test_started")) {
        pv_report_file_test(file, pv_event_get_str(event, "name"));
    } else if (g_str_equal(kind, "test_log")) {
        const char *name = pv_event_get_str(event, "name");
        const char *text = pv_event_get_str(event, "text");

        if (name && *name)
            g_string_append_printf(pv_report_file_test(file, name)->log, "%s\n", text);
        g_string_append_printf(file->log, "%s%s%s\n", name && *name ? name : "",
                               name && *name ? ": " : "", text);
    } else if (g_str_has_prefix(kind, "test_")) {
        PvReportTest *test = pv_report_file_test(file, pv_event_get_str(event, "name"));

        test->status = g_strdup(kind + strlen("test_"));
        test->duration_ns = pv_event_get_int(event, "duration_ns", 0);
        test->reason = g_strdup(pv_event_get_str(event, "reason"));
        test->console_excerpt = g_strdup(pv_event_get_str(event, "console_excerpt"));
    } else if (g_str_equal(kind, "file_completed")) {
        g_autoptr(GVariant) kept = g_variant_lookup_value(event, "kept", NULL);

        file->status = g_strdup(pv_event_get_str(event, "status"));
        file->error = g_strdup(pv_event_get_str(event, "error"));
        file->duration_ns = pv_event_get_int(event, "duration_ns", 0);
        if (kept) {
            GVariantIter iter;
            GVariant *child;

            g_variant_iter_init(&iter, kept);
            while ((child = g_variant_iter_next_value(&iter))) {
                g_autoptr(GVariant) inner = g_variant_is_of_type(child, G_VARIANT_TYPE_VARIANT) ?
                    g_variant_get_variant(child) : g_variant_ref(child);

                if (g_variant_is_of_type(inner, G_VARIANT_TYPE_STRING))
                    g_ptr_array_add(file->kept, g_variant_dup_string(inner, NULL));
                g_variant_unref(child);
            }
        }
        g_hash_table_steal(collector->files, file->path);
        return file;
    }
    return NULL;
}
