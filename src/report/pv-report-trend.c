/*
 * pv-report-trend.c: each file's duration over its last runs
 *
 * The report page draws, beside each file, how long it took in its last
 * runs.  The results directory keeps them: each run directory's event
 * stream (the last --keep-runs of them; history.json keeps only one
 * average per file, which is no trend).  The results directories are those
 * of the report's own runs (run_started's dir), read, never written; runs
 * newer than the report's newest are left out, so a report of an old run
 * shows the trend up to it.  The report's own figures are the last point,
 * whether or not its run directories are on this machine.  On the page, a
 * trend is a sparkline: a line scaled between its shortest and longest.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-events.h"
#include "pv-report-trend.h"
#include "pv-results.h"
#include "pv-units.h"

/* The width and height of a trend's sparkline. */
#define PV_SPARK_W 96.0
#define PV_SPARK_H 22.0

/* Run directories read, newest first: a file runs in most, and each costs a read. */
#define PV_REPORT_TREND_RUNS 20

static void
pv_report_trend_add(GHashTable *trends, const char *path, gint64 duration_ns)
{
    GArray *points = g_hash_table_lookup(trends, path);

    if (!points)
        return;   /* not a file of the report */
    g_array_append_val(points, duration_ns);
    if (points->len > PV_REPORT_TREND_POINTS)
        g_array_remove_index(points, 0);
}

/* Adds the durations of the files that @stream completed. */
static void
pv_report_trend_read(GHashTable *trends, const char *stream)
{
    g_autoptr(PvEventReader) reader = pv_event_reader_new(stream, NULL);
    GVariant *event;

    while (reader && (event = pv_event_reader_next(reader, NULL))) {
        g_autoptr(GVariant) owned = event;
        const char *path = pv_event_get_str(event, "path");
        const char *status = pv_event_get_str(event, "status");

        /* A file that did not run to its end says nothing of how long it takes. */
        if (path && g_str_equal(pv_event_get_kind(event), "file_completed") &&
            (g_strcmp0(status, "passed") == 0 || g_strcmp0(status, "failed") == 0))
            pv_report_trend_add(trends, path, pv_event_get_int(event, "duration_ns", 0));
    }
}

#define PV_REPORT_TREND_TAIL "/" PV_REPORT_EVENTS_FILENAME
#define PV_REPORT_TREND_ID_LEN 22   /* pv_results_is_run_name() */

/* BASE/ID/events.msgpack by ID: by time. */
static int
pv_report_trend_compare(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a;
    const char *y = *(const char *const *)b;
    gsize skip = strlen(PV_REPORT_TREND_TAIL) + PV_REPORT_TREND_ID_LEN;

    return strncmp(x + strlen(x) - skip, y + strlen(y) - skip, PV_REPORT_TREND_ID_LEN);
}

/**
 * pv_report_trends:
 *
 * Returns: (transfer full) (element-type utf8 GArray): each file's path ->
 *   its durations (gint64 ns) in its last runs, oldest first, the report's
 *   the last; every file of the report has one
 */
GHashTable *
pv_report_trends(const PvReport *report)
{
    GHashTable *trends = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify)g_array_unref);
    g_autoptr(GHashTable) bases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) own = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func(g_free);
    const char *newest = NULL;
    GHashTableIter iter;
    gpointer base;
    guint i;

    for (i = 0; i < report->files->len; i++) {
        const PvReportFile *file = report->files->pdata[i];

        g_hash_table_insert(trends, g_strdup(file->path),
                            g_array_new(FALSE, FALSE, sizeof(gint64)));
    }
    for (i = 0; i < report->streams->len; i++) {
        const PvReportStream *stream = report->streams->pdata[i];

        if (!stream->run || !pv_results_is_run_name(stream->run))
            continue;
        g_hash_table_add(own, stream->run);
        if (!newest || strcmp(stream->run, newest) > 0)
            newest = stream->run;
        if (stream->dir && g_path_is_absolute(stream->dir))
            g_hash_table_add(bases, g_path_get_dirname(stream->dir));
    }
    /* Every earlier run of every results directory, by id: by time. */
    g_hash_table_iter_init(&iter, bases);
    while (g_hash_table_iter_next(&iter, &base, NULL)) {
        g_autoptr(GPtrArray) names = pv_results_list_runs(base);

        for (i = 0; i < names->len; i++) {
            const char *name = names->pdata[i];

            if (strcmp(name, newest) < 0 && !g_hash_table_contains(own, name))
                g_ptr_array_add(runs, g_build_filename(base, name, PV_REPORT_EVENTS_FILENAME,
                                                       NULL));
        }
    }
    g_ptr_array_sort(runs, pv_report_trend_compare);
    for (i = runs->len > PV_REPORT_TREND_RUNS ? runs->len - PV_REPORT_TREND_RUNS : 0;
         i < runs->len; i++)
        pv_report_trend_read(trends, runs->pdata[i]);
    for (i = 0; i < report->files->len; i++) {
        const PvReportFile *file = report->files->pdata[i];

        if (g_strcmp0(file->status, "passed") == 0 || g_strcmp0(file->status, "failed") == 0)
            pv_report_trend_add(trends, file->path, file->duration_ns);
    }
    return trends;
}

/**
 * pv_report_trend_sparkline:
 * @points: (nullable): a file's trend, from pv_report_trends()
 *
 * Writes the trend as a small SVG line, its title listing the durations;
 * nothing with fewer than two points.
 */
void
pv_report_trend_sparkline(PvHtml *html, GArray *points)
{
    g_autoptr(GString) xy = g_string_new(NULL);
    g_autoptr(GString) tip = g_string_new(NULL);
    gint64 low = G_MAXINT64;
    gint64 high = 0;
    double x = 0;
    double y = 0;
    guint i;

    if (!points || points->len < 2)
        return;
    for (i = 0; i < points->len; i++) {
        gint64 ns = g_array_index(points, gint64, i);
        g_autofree char *took = pv_duration_format(ns);

        low = MIN(low, ns);
        high = MAX(high, ns);
        g_string_append_printf(tip, "%s%s", i ? ", " : "", took);
    }
    for (i = 0; i < points->len; i++) {
        gint64 ns = g_array_index(points, gint64, i);
        char bx[G_ASCII_DTOSTR_BUF_SIZE];
        char by[G_ASCII_DTOSTR_BUF_SIZE];

        x = 3 + i * (PV_SPARK_W - 6) / (points->len - 1);
        y = high > low ? PV_SPARK_H - 3 - (double)(ns - low) / (high - low) * (PV_SPARK_H - 6)
                       : PV_SPARK_H / 2;
        g_string_append_printf(xy, "%s%s,%s", i ? " " : "",
                               g_ascii_formatd(bx, sizeof(bx), "%.1f", x),
                               g_ascii_formatd(by, sizeof(by), "%.1f", y));
    }
    {
        g_autofree char *label = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                             "the last %u run: %s",
                                                             "the last %u runs: %s",
                                                             points->len),
                                                 points->len, tip->str);
        g_autofree char *box = g_strdup_printf("0 0 %d %d", (int)PV_SPARK_W, (int)PV_SPARK_H);
        char cx[G_ASCII_DTOSTR_BUF_SIZE];
        char cy[G_ASCII_DTOSTR_BUF_SIZE];

        pv_html_open(html, "svg", "class", "spark", "viewBox", box, "role", "img",
                     "aria-label", label, NULL);
        pv_html_element(html, "title", label, NULL);
        pv_html_void(html, "polyline", "points", xy->str, NULL);
        pv_html_void(html, "circle", "cx", g_ascii_formatd(cx, sizeof(cx), "%.1f", x),
                     "cy", g_ascii_formatd(cy, sizeof(cy), "%.1f", y), "r", "2.5", NULL);
        pv_html_close(html, "svg");
    }
}
