/*
 * pv-report.c: one report from one or more runs' event streams
 *
 * provium report reads each stream it is given (a saved stream, or a run
 * directory's events.msgpack) whole: a PvSummary of each (its figures, its
 * timeline band, its own leak check: claims and pools are per run), and
 * each file's results as the other reporters see them (pv-report-collect.c).
 * The files are then merged by their key (file_discovered's path relative
 * to the corpus root, so that runs from other directories, or clones,
 * agree; by path in streams older than the key), and their tests by name,
 * so that a CI job split into shares reads as the one run it stands for:
 * every test once.  A test found in more than one stream (shares that overlapped by
 * mistake, a job run again) is not counted twice: it is one test whose
 * attempts hold each stream's result, with its origin, and whose status
 * says what they say together (failed and passed: flaky; the same: that).
 * The text says which tests that was.  Streams of CI shares (run_started's
 * shard) must stand for every share of one split: a stream of another
 * partition, or a share none ran, means tests did not run, and the report
 * says so, one line each (pv_report_check_shares()).  What the report says
 * to people, its text and timeline, is pv-report-format.c's.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#include "pv-report-junit.h"
#include "pv-report.h"
#include "pv-results.h"
#include "pv-text.h"

/**
 * pv_report_open_stream:
 * @origin: an event stream, a run directory (its events.msgpack), or a
 *   results directory (its latest run's)
 * @note: (out) (transfer full) (nullable): for people, when @origin was
 *   read through its latest run
 *
 * Returns: (transfer full): a reader, or NULL with @error set (usage)
 */
PvEventReader *
pv_report_open_stream(const char *origin, char **note, GError **error)
{
    g_autofree char *inside = NULL;
    g_autofree char *latest = NULL;
    g_autofree char *target = NULL;

    *note = NULL;
    if (!g_file_test(origin, G_FILE_TEST_IS_DIR))
        return pv_event_reader_new(origin, error);
    inside = g_build_filename(origin, PV_REPORT_EVENTS_FILENAME, NULL);
    if (g_file_test(inside, G_FILE_TEST_EXISTS))
        return pv_event_reader_new(inside, error);
    /* A results directory (--results-dir, a CI job's artifact): its newest run. */
    latest = g_build_filename(origin, "latest", NULL);
    target = g_file_read_link(latest, NULL);
    g_free(inside);
    inside = g_build_filename(latest, PV_REPORT_EVENTS_FILENAME, NULL);
    if (target && pv_results_is_run_name(target) && g_file_test(inside, G_FILE_TEST_EXISTS)) {
        *note = g_strdup_printf(_("%s is a results directory: reading its latest run, %s"),
                                origin, target);
        return pv_event_reader_new(inside, error);
    }
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("%s is a directory without %s: give an event stream (--save-events), a "
                  "run directory or a results directory"), origin, PV_REPORT_EVENTS_FILENAME);
    return NULL;
}

static void
pv_report_stream_free(PvReportStream *stream)
{
    g_free(stream->origin);
    g_free(stream->run);
    g_free(stream->host);
    g_free(stream->dir);
    g_free(stream->share.mode);
    g_free(stream->share.partition);
    pv_summary_free(stream->summary);
    g_free(stream);
}

PvReport *
pv_report_new(void)
{
    PvReport *report = g_new0(PvReport, 1);

    report->streams = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_stream_free);
    report->files = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_file_free);
    report->shared = g_array_new(FALSE, FALSE, sizeof(PvReportShared));
    report->share_problems = g_ptr_array_new_with_free_func(g_free);
    report->notes = g_ptr_array_new_with_free_func(g_free);
    return report;
}

void
pv_report_free(PvReport *report)
{
    if (!report)
        return;
    g_ptr_array_unref(report->streams);
    g_ptr_array_unref(report->files);
    g_array_unref(report->shared);
    g_ptr_array_unref(report->share_problems);
    g_ptr_array_unref(report->notes);
    g_free(report);
}

/*
 * The status of a test that ran in several streams: theirs when they agree,
 * flaky when it passed in one and failed in another, else the gravest.
 */
static const char *
pv_report_merged_status(GPtrArray *results)
{
    static const char *const gravest[] = { "failed", "flaky", "passed", "not_run", "skipped" };
    const PvReportTest *first = results->pdata[0];
    gboolean same = TRUE;
    gboolean passed = FALSE;
    gboolean failed = FALSE;
    gsize g;
    guint i;

    for (i = 0; i < results->len; i++) {
        const PvReportTest *result = results->pdata[i];

        same = same && g_strcmp0(result->status, first->status) == 0;
        passed = passed || g_strcmp0(result->status, "passed") == 0 ||
            g_strcmp0(result->status, "flaky") == 0;
        failed = failed || g_strcmp0(result->status, "failed") == 0;
    }
    if (same)
        return first->status;
    if (passed && failed)
        return "flaky";
    for (g = 0; g < G_N_ELEMENTS(gravest); g++) {
        for (i = 0; i < results->len; i++) {
            if (g_strcmp0(((PvReportTest *)results->pdata[i])->status, gravest[g]) == 0)
                return gravest[g];
        }
    }
    return first->status;
}

static void
pv_report_copy_strings(GPtrArray *to, GPtrArray *from)
{
    guint i;

    for (i = 0; from && i < from->len; i++)
        g_ptr_array_add(to, g_strdup(from->pdata[i]));
}

/*
 * One test from its results in several streams (@results, in stream order,
 * taken): its figures are those of the result that stands for it (one with
 * the merged status, or that passed when it is flaky), its attempts every
 * result of every stream, oldest attempt of each first.
 */
static PvReportTest *
pv_report_merge_test(GPtrArray *results)
{
    const char *status = pv_report_merged_status(results);
    const PvReportTest *lead = results->pdata[0];
    PvReportTest *test = g_new0(PvReportTest, 1);
    guint i;

    for (i = 0; i < results->len; i++) {
        const PvReportTest *result = results->pdata[i];

        if (g_strcmp0(result->status, status) == 0 ||
            (g_str_equal(status, "flaky") && g_strcmp0(result->status, "passed") == 0)) {
            lead = result;
            break;
        }
    }
    test->name = g_strdup(lead->name);
    test->status = g_strdup(status);
    test->duration_ns = lead->duration_ns;
    test->reason = g_strdup(lead->reason);
    test->console_excerpt = g_strdup(lead->console_excerpt);
    test->host = g_strdup(lead->host);
    test->tags = g_ptr_array_new_with_free_func(g_free);
    pv_report_copy_strings(test->tags, lead->tags);
    test->log = g_string_new(lead->log->str);
    test->failures = g_ptr_array_new_with_free_func(g_free);
    test->attempt = lead->attempt;
    test->attempts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
    for (i = 0; i < results->len; i++) {
        PvReportTest *result = results->pdata[i];

        /* The reasons of every failed attempt, as a flaky test lists them. */
        pv_report_copy_strings(test->failures, result->failures);
        if (g_strcmp0(result->status, "failed") == 0)
            g_ptr_array_add(test->failures, g_strdup(result->reason ? result->reason : ""));
        g_ptr_array_extend_and_steal(test->attempts, g_steal_pointer(&result->attempts));
        result->attempts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
        g_ptr_array_add(test->attempts, result);
        results->pdata[i] = NULL;
    }
    return test;
}

/* Takes @file's tests into @results (name -> results), names in @order as first seen. */
static void
pv_report_take_tests(PvReportFile *file, GHashTable *results, GPtrArray *order)
{
    guint i;

    for (i = 0; i < file->tests->len; i++) {
        PvReportTest *test = file->tests->pdata[i];
        GPtrArray *same = g_hash_table_lookup(results, test->name);

        if (!same) {
            same = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_test_free);
            g_hash_table_insert(results, g_strdup(test->name), same);
            g_ptr_array_add(order, g_strdup(test->name));
        }
        g_ptr_array_add(same, test);
        file->tests->pdata[i] = NULL;
    }
}

/* Adds what @file, the same path in another stream, says of the file to @into. */
static void
pv_report_merge_file(PvReportFile *into, const PvReportFile *file)
{
    into->duration_ns = MAX(into->duration_ns, file->duration_ns);
    into->attempts = MAX(into->attempts, file->attempts);
    if (file->started_ns && (!into->started_ns || file->started_ns < into->started_ns))
        into->started_ns = file->started_ns;
    if (!into->error && file->error)
        into->error = g_strdup(file->error);
    /* The graver status; whether it failed in the end, its tests say. */
    if (g_strcmp0(file->status, "error") == 0 || g_strcmp0(into->status, "passed") == 0) {
        g_free(into->status);
        into->status = g_strdup(file->status);
    }
    if (file->log->len)
        g_string_append_printf(into->log, "(%s)\n%s", file->origin, file->log->str);
    pv_report_copy_strings(into->kept, file->kept);
}

/*
 * @file's tests, from @results (name -> every stream's results), in @order:
 * one each.
 */
static void
pv_report_settle_file(PvReport *report, PvReportFile *file, GHashTable *results,
                      GPtrArray *order)
{
    gboolean failed = FALSE;
    guint i;

    g_ptr_array_set_size(file->tests, 0);
    for (i = 0; i < order->len; i++) {
        GPtrArray *same = g_hash_table_lookup(results, order->pdata[i]);
        PvReportTest *test;

        if (same->len == 1) {
            test = g_ptr_array_steal_index(same, 0);
        } else {
            PvReportShared shared = { file, NULL };

            test = pv_report_merge_test(same);
            shared.test = test;
            g_array_append_val(report->shared, shared);
        }
        failed = failed || g_strcmp0(test->status, "failed") == 0;
        g_ptr_array_add(file->tests, test);
    }
    /* Failed in one stream, passed when run again: its tests say it passed. */
    if (g_strcmp0(file->status, "failed") == 0 && !failed && file->tests->len > 0) {
        g_free(file->status);
        file->status = g_strdup("passed");
    }
}

/* run_started's shard into @share; all 0 when it has none (or not a share). */
static void
pv_report_read_share(GVariant *event, PvReportShare *share)
{
    g_autoptr(GVariant) shard = g_variant_lookup_value(event, "shard", G_VARIANT_TYPE_VARDICT);
    gint64 index = shard ? pv_event_get_int(shard, "index", 0) : 0;
    gint64 total = shard ? pv_event_get_int(shard, "total", 0) : 0;

    g_clear_pointer(&share->mode, g_free);
    g_clear_pointer(&share->partition, g_free);
    memset(share, 0, sizeof(*share));
    if (index < 1 || index > total || total > G_MAXUINT)
        return;
    share->index = index;
    share->total = total;
    share->mode = pv_text_name(pv_event_get_str(shard, "mode") ?
                               pv_event_get_str(shard, "mode") : "?");
    share->partition = pv_text_name(pv_event_get_str(shard, "partition") ?
                                    pv_event_get_str(shard, "partition") : "?");
    share->files = CLAMP(pv_event_get_int(shard, "files", 0), 0, G_MAXUINT);
}

/* The run @events are of: the last run_started's (streams joined with cat(1) hold several). */
static const char *
pv_report_peek_run(GPtrArray *events)
{
    guint i;

    for (i = events->len; i-- > 0; ) {
        if (g_str_equal(pv_event_get_kind(events->pdata[i]), "run_started"))
            return pv_event_get_str(events->pdata[i], "run");
    }
    return NULL;
}

/**
 * pv_report_add_stream:
 * @origin: what the stream was read from, as given
 * @events: (element-type GVariant): its events, in order
 * @truncated: it ended inside an event
 *
 * Returns: FALSE when @events are of a run an earlier stream is of (the
 *   same run given twice, as a run directory and its stream, say): it
 *   counts once, so it is left out, and a note says so
 */
gboolean
pv_report_add_stream(PvReport *report, const char *origin, GPtrArray *events,
                     gboolean truncated)
{
    PvReportStream *stream;
    g_autoptr(PvReportCollector) collector = NULL;
    /* path -> key, from file_discovered; borrowed from @events */
    g_autoptr(GHashTable) keys = NULL;
    const char *run = pv_report_peek_run(events);
    guint i;

    for (i = 0; run && i < report->streams->len; i++) {
        const PvReportStream *earlier = report->streams->pdata[i];

        if (g_strcmp0(earlier->run, run) == 0) {
            g_ptr_array_add(report->notes, g_strdup_printf(
                /* TRANSLATORS: "b.msgpack is the same run as runs/latest (RUN ID): ..." */
                _("%s is the same run as %s (%s): it counts once"), origin, earlier->origin,
                run));
            return FALSE;
        }
    }
    stream = g_new0(PvReportStream, 1);
    collector = pv_report_collector_new();
    keys = g_hash_table_new(g_str_hash, g_str_equal);

    stream->origin = g_strdup(origin);
    stream->summary = pv_summary_new(events, truncated);
    for (i = 0; i < events->len; i++) {
        GVariant *event = events->pdata[i];
        PvReportFile *file;

        if (g_str_equal(pv_event_get_kind(event), "run_started")) {
            g_free(stream->run);
            g_free(stream->host);
            g_free(stream->dir);
            stream->run = g_strdup(pv_event_get_str(event, "run"));
            stream->host = g_strdup(pv_event_get_str(event, "host"));
            stream->dir = g_strdup(pv_event_get_str(event, "dir"));
            pv_report_read_share(event, &stream->share);
        } else if (g_str_equal(pv_event_get_kind(event), "file_discovered") &&
                   pv_event_get_str(event, "path") && pv_event_get_str(event, "key")) {
            g_hash_table_insert(keys, (gpointer)pv_event_get_str(event, "path"),
                                (gpointer)pv_event_get_str(event, "key"));
        }
        file = pv_report_collector_feed(collector, event);
        if (file) {
            const char *key = g_hash_table_lookup(keys, pv_event_get_str(event, "path"));
            guint t;

            file->key = key ? pv_text_name(key) : NULL;
            file->origin = g_strdup(origin);
            file->host = g_strdup(stream->host);
            for (t = 0; t < file->tests->len; t++) {
                PvReportTest *test = file->tests->pdata[t];
                guint a;

                test->origin = g_strdup(origin);
                test->stream = report->streams->len + 1;
                for (a = 0; a < test->attempts->len; a++) {
                    PvReportTest *attempt = test->attempts->pdata[a];

                    attempt->origin = g_strdup(origin);
                    attempt->stream = test->stream;
                }
            }
            g_ptr_array_add(report->files, file);
        }
    }
    if (report->streams->len == 0 || stream->summary->start_ns < report->start_ns)
        report->start_ns = stream->summary->start_ns;
    report->end_ns = MAX(report->end_ns, stream->summary->end_ns);
    g_ptr_array_add(report->streams, stream);
    return TRUE;
}

/* What a file is known by across streams: its key, or in an older stream its path. */
static const char *
pv_report_file_id(const PvReportFile *file)
{
    return file->key ? file->key : file->path;
}

static int
pv_report_compare_files(gconstpointer a, gconstpointer b)
{
    const PvReportFile *x = *(PvReportFile *const *)a;
    const PvReportFile *y = *(PvReportFile *const *)b;
    int by_id = strcmp(pv_report_file_id(x), pv_report_file_id(y));

    return by_id ? by_id : strcmp(x->path, y->path);
}

static void
pv_report_count(PvReport *report)
{
    guint i;
    guint t;

    for (i = 0; i < report->files->len; i++) {
        const PvReportFile *file = report->files->pdata[i];

        report->errors += g_strcmp0(file->status, "error") == 0;
        for (t = 0; t < file->tests->len; t++) {
            const char *status = ((PvReportTest *)file->tests->pdata[t])->status;

            report->passed += g_strcmp0(status, "passed") == 0;
            report->failed += g_strcmp0(status, "failed") == 0;
            report->skipped += g_strcmp0(status, "skipped") == 0;
            report->flaky += g_strcmp0(status, "flaky") == 0;
            report->not_run += g_strcmp0(status, "not_run") == 0;
        }
    }
}

/* "[2], [4]": the streams (from 1) in @streams. */
static char *
pv_report_list_streams(GArray *streams)
{
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; i < streams->len; i++)
        g_string_append_printf(out, "%s[%u]", i ? ", " : "", g_array_index(streams, guint, i));
    return g_string_free(out, FALSE);
}

/*
 * The streams of shares, held to the first of them: each should have the
 * same partition (the same files split the same way), and together every
 * share of it once.  A partition that differs, or a share no stream ran,
 * means tests may not have run: shares_incomplete.  A share more than one
 * stream ran (a job run again) is said, not counted against them.
 */
static void
pv_report_check_shares(PvReport *report)
{
    const PvReportStream *first = NULL;
    guint first_number = 0;
    g_autoptr(GPtrArray) each = NULL;   /* per share of the first's partition: GArray of guint */
    guint i;
    guint k;

    for (i = 0; i < report->streams->len && !first; i++) {
        const PvReportStream *stream = report->streams->pdata[i];

        if (stream->share.total) {
            first = stream;
            first_number = i + 1;
        }
    }
    if (!first || report->streams->len < 2)
        return;
    each = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    for (k = 0; k < first->share.total; k++)
        g_ptr_array_add(each, g_array_new(FALSE, FALSE, sizeof(guint)));
    for (i = 0; i < report->streams->len; i++) {
        const PvReportStream *stream = report->streams->pdata[i];
        guint number = i + 1;

        if (!stream->share.total)
            continue;
        if (stream->share.total == first->share.total &&
            g_str_equal(stream->share.partition, first->share.partition)) {
            g_array_append_val(each->pdata[stream->share.index - 1], number);
            continue;
        }
        report->shares_incomplete = TRUE;
        g_ptr_array_add(report->share_problems, g_strdup_printf(
            /* TRANSLATORS: "[3] split the selection otherwise than [1]: share 2/3 of partition
             * 9c1e... (hash, 30 files), not of 3fa9... (time, 30 files); files may have run
             * twice or not at all" */
            _("[%u] split the selection otherwise than [%u]: share %u/%u of partition %s "
              "(%s, %u files), not of %s (%s, %u files); files may have run twice or not "
              "at all"), number, first_number,
            stream->share.index, stream->share.total, stream->share.partition,
            stream->share.mode, stream->share.files, first->share.partition, first->share.mode,
            first->share.files));
    }
    for (k = 0; k < first->share.total; k++) {
        GArray *streams = each->pdata[k];
        g_autofree char *which = pv_report_list_streams(streams);

        if (streams->len == 0) {
            report->shares_incomplete = TRUE;
            g_ptr_array_add(report->share_problems, g_strdup_printf(
                _("share %u/%u of partition %s is missing: no stream ran it, so its files "
                  "did not run"), k + 1, first->share.total, first->share.partition));
        } else if (streams->len > 1) {
            g_ptr_array_add(report->share_problems, g_strdup_printf(
                /* TRANSLATORS: "share 2/3 of partition 3fa9c1d2 is in 2 streams: [2], [4]" */
                _("share %u/%u of partition %s is in %u streams: %s"), k + 1,
                first->share.total, first->share.partition, streams->len, which));
        }
    }
}

/**
 * pv_report_finish:
 *
 * Merges the streams' files by key (by path where a stream has none), each
 * test once, and counts.  Call once, after the last pv_report_add_stream().
 */
void
pv_report_finish(PvReport *report)
{
    g_autoptr(GPtrArray) all = g_steal_pointer(&report->files);
    g_autoptr(GHashTable) by_id = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) shared = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;
    guint j;

    report->files = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_file_free);
    for (i = 0; i < all->len; i++) {
        PvReportFile *file = all->pdata[i];
        const char *id = pv_report_file_id(file);

        if (!g_hash_table_contains(by_id, id)) {
            g_hash_table_insert(by_id, (gpointer)id, file);
            g_ptr_array_add(report->files, g_steal_pointer(&all->pdata[i]));
        } else if (g_hash_table_add(shared, g_hash_table_lookup(by_id, id))) {
            report->shared_files++;
        }
    }
    /* A file that ran in more than one stream (in stream order): each test once. */
    for (i = 0; i < report->files->len; i++) {
        PvReportFile *file = report->files->pdata[i];
        g_autoptr(GHashTable) results = NULL;
        g_autoptr(GPtrArray) order = NULL;
        g_autofree char *first_status = NULL;
        gint64 first_duration = file->duration_ns;
        const PvReportFile *lead = NULL;

        if (!g_hash_table_contains(shared, file))
            continue;
        first_status = g_strdup(file->status);
        results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)g_ptr_array_unref);
        order = g_ptr_array_new_with_free_func(g_free);
        pv_report_take_tests(file, results, order);
        for (j = 0; j < all->len; j++) {
            PvReportFile *other = all->pdata[j];

            if (other && g_str_equal(pv_report_file_id(other), pv_report_file_id(file))) {
                pv_report_merge_file(file, other);
                pv_report_take_tests(other, results, order);
            }
        }
        pv_report_settle_file(report, file, results, order);
        /*
         * Its row stands for the latest stream that ended it as it ends:
         * that one's origin, host and duration, not a failed stream's next
         * to "passed".
         */
        for (j = 0; j < all->len; j++) {
            const PvReportFile *other = all->pdata[j];

            if (other && g_str_equal(pv_report_file_id(other), pv_report_file_id(file)) &&
                g_strcmp0(other->status, file->status) == 0)
                lead = other;
        }
        if (lead) {
            g_free(file->origin);
            g_free(file->host);
            g_free(file->vm_host);
            file->origin = g_strdup(lead->origin);
            file->host = g_strdup(lead->host);
            file->vm_host = g_strdup(lead->vm_host);
            file->duration_ns = lead->duration_ns;
        } else if (g_strcmp0(first_status, file->status) == 0) {
            file->duration_ns = first_duration;
        }
    }
    g_ptr_array_sort(report->files, pv_report_compare_files);
    pv_report_count(report);
    pv_report_check_shares(report);
}

/**
 * pv_report_load:
 * @origins: event streams or run directories, at least one
 *
 * Reads each whole and merges them (pv_report_finish()).
 * Returns: (transfer full): the report, or NULL with @error set (usage)
 */
PvReport *
pv_report_load(const char *const *origins, GError **error)
{
    g_autoptr(PvReport) report = pv_report_new();
    gsize i;

    for (i = 0; origins[i]; i++) {
        g_autofree char *note = NULL;
        g_autoptr(PvEventReader) reader = pv_report_open_stream(origins[i], &note, error);
        g_autoptr(GPtrArray) events = NULL;
        g_autoptr(GError) local = NULL;
        GVariant *event;

        if (!reader)
            return NULL;
        if (note)
            g_ptr_array_add(report->notes, g_steal_pointer(&note));
        events = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
        while ((event = pv_event_reader_next(reader, &local)))
            g_ptr_array_add(events, event);
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        if (events->len == 0) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("%s holds no events"), origins[i]);
            return NULL;
        }
        pv_report_add_stream(report, origins[i], events, pv_event_reader_truncated(reader));
    }
    pv_report_finish(report);
    return g_steal_pointer(&report);
}

/* Returns: how many problems the streams' leak checks found, together */
guint
pv_report_count_leaks(const PvReport *report)
{
    guint leaks = 0;
    guint i;

    for (i = 0; i < report->streams->len; i++)
        leaks += ((PvReportStream *)report->streams->pdata[i])->summary->leaks->len;
    return leaks;
}

/**
 * pv_report_write_junit:
 *
 * One JUnit report of every file and test, each once, atomically.
 */
gboolean
pv_report_write_junit(const PvReport *report, const char *path, GError **error)
{
    const PvReportStream *first = report->streams->pdata[0];

    return pv_junit_write_files(path, first->host ? first->host : "", report->files,
                                report->start_ns, report->end_ns - report->start_ns, error);
}
