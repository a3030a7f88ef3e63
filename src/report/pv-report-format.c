/*
 * pv-report-format.c: what a report of one or more streams says to people:
 * its text and its timeline
 *
 * One stream reads as pv_summary_format() has it; several as the runs they
 * stand for together: the figures over all of them, each run's line (with
 * the share it ran), the problems of their shares, files by duration with
 * their run, parallelism, time blocked and the leak check per run, and the
 * tests more than one stream ran.  The timeline has a band per stream.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-report.h"
#include "pv-units.h"

typedef struct {
    const PvSummaryFile *file;
    guint stream;          /* from 1 */
    guint hosts;           /* its run's hosts */
} PvReportLane;

static int
pv_report_compare_lanes(gconstpointer a, gconstpointer b)
{
    const PvReportLane *x = a;
    const PvReportLane *y = b;

    if (x->file->duration_ns != y->file->duration_ns)
        return x->file->duration_ns > y->file->duration_ns ? -1 : 1;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    return strcmp(x->file->path, y->file->path);
}

/**
 * pv_report_format_share:
 *
 * Returns: (transfer full) (nullable): which share @stream's run ran, for
 *   people ("share 2/3 by time (partition 3fa9c1d2): 10 of 30 files", or
 *   that it was empty); NULL when it ran the whole selection
 */
char *
pv_report_format_share(const PvReportStream *stream)
{
    const PvReportShare *share = &stream->share;
    guint files = stream->summary->files->len;

    if (!share->total)
        return NULL;
    if (files == 0)
        return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                           "share %u/%u by %s (partition %s): empty, none of "
                                           "the %u file of the selection is in it",
                                           "share %u/%u by %s (partition %s): empty, none of "
                                           "the %u files of the selection is in it",
                                           share->files),
                               share->index, share->total, share->mode, share->partition,
                               share->files);
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                       "share %u/%u by %s (partition %s): %u of %u file",
                                       "share %u/%u by %s (partition %s): %u of %u files",
                                       share->files),
                           share->index, share->total, share->mode, share->partition, files,
                           share->files);
}

/* The figures of several streams: what pv_summary_format() says of one. */
static void
pv_report_format_streams(const PvReport *report, GString *out)
{
    g_autoptr(GArray) lanes = g_array_new(FALSE, FALSE, sizeof(PvReportLane));
    g_autofree char *duration = pv_duration_format(report->end_ns - report->start_ns);
    g_autofree char *files = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u file", "%u files",
                                                         report->files->len),
                                             report->files->len);
    g_autofree char *counts = pv_summary_format_counts(report->passed, report->failed,
                                                       report->skipped, report->flaky);
    gint64 blocked_ns[PV_BLOCK_LAST] = { 0 };
    guint blocked_files[PV_BLOCK_LAST] = { 0 };
    gboolean any_blocked = FALSE;
    guint n = report->streams->len;
    guint i;
    guint j;

    /* TRANSLATORS: "3 runs: 12 files in 1m05s; 30 passed, 1 failed, 0 skipped" */
    g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE, "%u run: %s in %s; %s\n",
                                            "%u runs: %s in %s; %s\n", n),
                           n, files, duration, counts);
    for (i = 0; i < n; i++) {
        const PvReportStream *stream = report->streams->pdata[i];
        const PvSummary *summary = stream->summary;
        g_autofree char *took = pv_duration_format(summary->end_ns - summary->start_ns);
        g_autofree char *its_files = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u file",
                                                                 "%u files",
                                                                 summary->files->len),
                                                     summary->files->len);
        g_autofree char *its_counts = pv_summary_format_counts(summary->passed, summary->failed,
                                                               summary->skipped, summary->flaky);

        if (stream->share.total)
            /* TRANSLATORS: "[1] DIR: run ID on URI, host H, share 1/3: 3 files in 20s; ..." */
            g_string_append_printf(out, _("  [%u] %s: run %s on %s, host %s, share %u/%u: %s "
                                          "in %s; %s\n"),
                                   i + 1, stream->origin, stream->run ? stream->run : "?",
                                   summary->uri ? summary->uri : "?",
                                   stream->host ? stream->host : "?", stream->share.index,
                                   stream->share.total, its_files, took, its_counts);
        else
            /* TRANSLATORS: "[1] DIR: run ID on URI, host H: 3 files in 20s; 3 passed, ..." */
            g_string_append_printf(out, _("  [%u] %s: run %s on %s, host %s: %s in %s; %s\n"),
                                   i + 1, stream->origin, stream->run ? stream->run : "?",
                                   summary->uri ? summary->uri : "?",
                                   stream->host ? stream->host : "?", its_files, took,
                                   its_counts);
        /* A run on several libvirt hosts: each one's figures under its line. */
        pv_summary_format_hosts(summary, out, "      ");
        for (j = 0; j < summary->files->len; j++) {
            PvReportLane lane = { summary->files->pdata[j], i + 1, summary->hosts->len };

            g_array_append_val(lanes, lane);
        }
        for (j = 1; j < PV_BLOCK_LAST; j++) {
            blocked_ns[j] = MIN(blocked_ns[j], G_MAXINT64 - summary->blocked_ns[j]) +
                summary->blocked_ns[j];
            blocked_files[j] += summary->blocked_files[j];
        }
    }

    for (i = 0; i < report->share_problems->len; i++)
        g_string_append_printf(out, "%s\n", (const char *)report->share_problems->pdata[i]);

    g_string_append(out, _("\nfiles by duration:\n"));
    g_array_sort(lanes, pv_report_compare_lanes);
    for (i = 0; i < lanes->len; i++) {
        const PvReportLane *lane = &g_array_index(lanes, PvReportLane, i);
        g_autofree char *took = pv_duration_format(lane->file->duration_ns);

        if (lane->file->host && lane->hosts > 1)
            /* TRANSLATORS: a column: pad the singular to the plural's width; [N H]: its run
             * and the host it ran on */
            g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE,
                                                    "  %8s  %-9s  %2u VM   %s  [%u %s]\n",
                                                    "  %8s  %-9s  %2u VMs  %s  [%u %s]\n",
                                                    lane->file->vms->len),
                                   took, lane->file->status ? lane->file->status : "?",
                                   lane->file->vms->len, lane->file->path, lane->stream,
                                   lane->file->host);
        else
            /* TRANSLATORS: a column: pad the singular to the plural's width; [N]: its run */
            g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE,
                                                    "  %8s  %-9s  %2u VM   %s  [%u]\n",
                                                    "  %8s  %-9s  %2u VMs  %s  [%u]\n",
                                                    lane->file->vms->len),
                                   took, lane->file->status ? lane->file->status : "?",
                                   lane->file->vms->len, lane->file->path, lane->stream);
    }

    g_string_append(out, _("\nparallelism:\n"));
    for (i = 0; i < n; i++) {
        const PvSummary *summary = ((PvReportStream *)report->streams->pdata[i])->summary;

        g_string_append_printf(out, _("  [%u] files peak %u, mean %.2f; VMs peak %u, "
                                      "mean %.2f\n"),
                               i + 1, summary->peak_files, summary->mean_files,
                               summary->peak_vms, summary->mean_vms);
    }

    g_string_append(out, _("\ntime blocked, by reason:\n"));
    for (i = 1; i < PV_BLOCK_LAST; i++) {
        g_autofree char *took = NULL;

        if (!blocked_files[i])
            continue;
        any_blocked = TRUE;
        took = pv_duration_format(blocked_ns[i]);
        g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE, "  %-13s %8s  (%u file)\n",
                                                "  %-13s %8s  (%u files)\n", blocked_files[i]),
                               pv_block_reason_to_string(i), took, blocked_files[i]);
    }
    if (!any_blocked)
        g_string_append(out, _("  nothing waited\n"));

    g_string_append(out, _("\nleak check, per run:\n"));
    for (i = 0; i < n; i++) {
        const PvSummary *summary = ((PvReportStream *)report->streams->pdata[i])->summary;

        if (summary->leaks->len == 0) {
            g_string_append_printf(out, _("  [%u] ok\n"), i + 1);
            continue;
        }
        g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE, "  [%u] %u problem\n",
                                                "  [%u] %u problems\n", summary->leaks->len),
                               i + 1, summary->leaks->len);
        for (j = 0; j < summary->leaks->len; j++)
            g_string_append_printf(out, "      %s\n", (const char *)summary->leaks->pdata[j]);
    }
}

/* The tests found in more than one stream, each with every result. */
static void
pv_report_format_shared(const PvReport *report, GString *out)
{
    guint i;
    guint a;

    if (report->shared->len == 0)
        return;
    g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE,
                                            "\n%u test ran in more than one stream, "
                                            "and counts once:\n",
                                            "\n%u tests ran in more than one stream, "
                                            "and count once each:\n", report->shared->len),
                           report->shared->len);
    for (i = 0; i < report->shared->len; i++) {
        const PvReportShared *shared = &g_array_index(report->shared, PvReportShared, i);
        g_autoptr(GString) results = g_string_new(NULL);

        for (a = 0; a < shared->test->attempts->len; a++) {
            const PvReportTest *result = shared->test->attempts->pdata[a];

            g_string_append_printf(results, "%s%s [%u]", a ? ", " : "", result->status,
                                   result->stream);
        }
        /* TRANSLATORS: "FILE: TEST: failed [1], passed [2]; counted flaky" */
        g_string_append_printf(out, _("  %s: %s: %s; counted %s\n"), shared->file->path,
                               shared->test->name, results->str, shared->test->status);
    }
}

/**
 * pv_report_format:
 *
 * The report for people: pv_summary_format()'s for one stream; for several,
 * the same figures over all of them, each run's line and leak check, and
 * the tests that more than one stream ran.
 * Returns: (transfer full)
 */
char *
pv_report_format(const PvReport *report)
{
    g_autoptr(GString) out = g_string_new(NULL);

    if (report->streams->len == 1) {
        const PvReportStream *stream = report->streams->pdata[0];
        g_autofree char *one = pv_summary_format(stream->summary);
        g_autofree char *share = pv_report_format_share(stream);

        g_string_append(out, one);
        if (share)
            g_string_append_printf(out, "\n%s\n", share);
    } else {
        pv_report_format_streams(report, out);
    }
    pv_report_format_shared(report, out);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * pv_report_svg:
 * @links: (nullable): path -> href: each file's bar links there
 * @fragment: an <svg> element to put in a page, not a document
 *
 * Returns: (transfer full): the timeline, one band per stream
 */
char *
pv_report_svg(const PvReport *report, GHashTable *links, gboolean fragment)
{
    g_autoptr(GPtrArray) summaries = g_ptr_array_new();
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *title = NULL;
    g_autofree char *subtitle = NULL;
    PvSvgOptions options = { NULL, NULL, links, fragment };
    guint i;

    for (i = 0; i < report->streams->len; i++) {
        const PvReportStream *stream = report->streams->pdata[i];
        const PvSummary *summary = stream->summary;
        g_autofree char *counts = pv_summary_format_counts(summary->passed, summary->failed,
                                                           summary->skipped, summary->flaky);

        g_ptr_array_add(summaries, (gpointer)summary);
        /* TRANSLATORS: a band of the timeline: "[1] DIR: run ID, host H; 3 passed, ..." */
        g_ptr_array_add(labels, g_strdup_printf(_("[%u] %s: run %s, host %s; %s"), i + 1,
                                                stream->origin, stream->run ? stream->run : "?",
                                                stream->host ? stream->host : "?", counts));
    }
    if (report->streams->len > 1) {
        g_autofree char *duration = pv_duration_format(report->end_ns - report->start_ns);
        g_autofree char *files = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u file",
                                                             "%u files", report->files->len),
                                                 report->files->len);
        g_autofree char *counts = pv_summary_format_counts(report->passed, report->failed,
                                                           report->skipped, report->flaky);

        title = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "provium: %u run",
                                            "provium: %u runs", report->streams->len),
                                report->streams->len);
        /* TRANSLATORS: "12 files in 1m05s: 30 passed, 1 failed, 0 skipped" */
        subtitle = g_strdup_printf(_("%s in %s: %s"), files, duration, counts);
        options.title = title;
        options.subtitle = subtitle;
    }
    return pv_summary_svg_many((const PvSummary *const *)summaries->pdata,
                               report->streams->len > 1 ?
                               (const char *const *)labels->pdata : NULL,
                               summaries->len, &options);
}
