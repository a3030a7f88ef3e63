/*
 * pv-report-html.c: the report page (--html OUT.html)
 *
 * One file that works offline, to attach to a CI job: the style sheet, the
 * script and the timeline are inside it; no font, no CDN, no server.  From
 * the top: the runs' figures (passed, failed, flaky, skipped, time, hosts),
 * the failures (each failed test's message, where it failed, its output,
 * the console tail of each of its VMs, each attempt of a flaky one), the
 * timeline (pv-report-svg.c, each file's bar a link to its rows), and a
 * table of every file and test with each file's duration over its last runs
 * (pv-report-trend.c).  Everything is there without JavaScript; the script
 * only filters the table (status, tag, text) and sorts it by duration.
 * Everything it shows comes from the event streams, as the other reporters
 * see them (pv-report.c), and reaches the page through the escaping writer
 * (pv-html.c).  Colors follow the reader's light or dark preference.  The
 * failures are pv-report-html-problems.c's.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-html.h"
#define PV_REPORT_HTML_PRIVATE
#include "pv-report-html-private.h"
#include "pv-report-html.h"
#include "pv-report-trend.h"
#include "pv-safe.h"
#include "pv-units.h"

/* Each file's and test's id in the page, for links. */
char *
pv_page_file_id(guint file)
{
    return g_strdup_printf("f-%u", file + 1);
}

char *
pv_page_test_id(guint file, guint test)
{
    return g_strdup_printf("t-%u-%u", file + 1, test + 1);
}

char *
pv_page_file_href(guint file)
{
    return g_strdup_printf("#f-%u", file + 1);
}

char *
pv_page_test_href(guint file, guint test)
{
    return g_strdup_printf("#t-%u-%u", file + 1, test + 1);
}

/* What a status is called on the page, for people. */
const char *
pv_page_status_label(const char *status)
{
    if (g_strcmp0(status, "passed") == 0)
        return _("passed");
    if (g_strcmp0(status, "failed") == 0)
        return _("failed");
    if (g_strcmp0(status, "flaky") == 0)
        return _("flaky");
    if (g_strcmp0(status, "skipped") == 0)
        return _("skipped");
    if (g_strcmp0(status, "not_run") == 0)
        return _("not run");
    if (g_strcmp0(status, "error") == 0)
        return _("broken");
    if (g_strcmp0(status, "cancelled") == 0)
        return _("cancelled");
    return status ? status : "?";
}

/* A status as a chip; its class (s-STATUS) gives its color. */
void
pv_page_chip(PvHtml *html, const char *status)
{
    g_autofree char *class = g_strdup_printf("chip s-%s", status ? status : "unknown");

    pv_html_element(html, "span", pv_page_status_label(status), "class", class, NULL);
}

void
pv_page_duration(PvHtml *html, gint64 ns)
{
    g_autofree char *text = pv_duration_format(ns);

    pv_html_text(html, text);
}

static void
pv_page_fact(PvHtml *html, const char *term, const char *value)
{
    pv_html_element(html, "dt", term, NULL);
    pv_html_element(html, "dd", value, NULL);
}

/* The figures: the counts as chips, time, files, hosts; several runs each on a line. */
static void
pv_page_header(PvHtml *html, const PvReport *report)
{
    const PvReportStream *first = report->streams->pdata[0];
    g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) uris = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *duration = pv_duration_format(report->end_ns - report->start_ns);
    g_autofree char *files = g_strdup_printf("%u", report->files->len);
    g_autofree char *host_list = NULL;
    g_autofree char *uri_list = NULL;
    g_autoptr(GDateTime) started = g_date_time_new_from_unix_utc(report->start_ns /
                                                                G_GINT64_CONSTANT(1000000000));
    g_autofree char *when = started ? g_date_time_format(started, "%Y-%m-%d %H:%M:%S UTC") : NULL;
    const struct {
        const char *status;
        guint count;
    } counts[] = {
        { "passed", report->passed }, { "failed", report->failed }, { "flaky", report->flaky },
        { "skipped", report->skipped }, { "not_run", report->not_run },
        { "error", report->errors },
    };
    gsize c;
    guint i;

    for (i = 0; i < report->streams->len; i++) {
        const PvReportStream *stream = report->streams->pdata[i];
        const char *uri = stream->summary->uri;
        guint h;

        if (stream->host && !g_ptr_array_find_with_equal_func(hosts, stream->host, g_str_equal,
                                                              NULL))
            g_ptr_array_add(hosts, g_strdup(stream->host));
        if (uri && !g_ptr_array_find_with_equal_func(uris, uri, g_str_equal, NULL))
            g_ptr_array_add(uris, g_strdup(uri));
        /* A run on several libvirt hosts: each one's. */
        for (h = 0; h < stream->summary->hosts->len; h++) {
            const PvSummaryHost *host = stream->summary->hosts->pdata[h];

            if (host->uri && !g_ptr_array_find_with_equal_func(uris, host->uri, g_str_equal,
                                                               NULL))
                g_ptr_array_add(uris, g_strdup(host->uri));
        }
    }
    g_ptr_array_add(hosts, NULL);
    g_ptr_array_add(uris, NULL);
    host_list = g_strjoinv(", ", (char **)hosts->pdata);
    uri_list = g_strjoinv(", ", (char **)uris->pdata);

    pv_html_open(html, "header", NULL);
    pv_html_open(html, "h1", NULL);
    if (report->streams->len == 1)
        pv_html_printf(html, _("provium run %s"), first->run ? first->run : "?");
    else
        pv_html_printf(html, g_dngettext(GETTEXT_PACKAGE, "provium: %u run", "provium: %u runs",
                                         report->streams->len), report->streams->len);
    pv_html_close(html, "h1");
    pv_html_open(html, "p", "class", "counts", NULL);
    for (c = 0; c < G_N_ELEMENTS(counts); c++) {
        g_autofree char *class = g_strdup_printf("count s-%s", counts[c].status);
        g_autofree char *number = g_strdup_printf("%u", counts[c].count);

        /* Always the four the issue names; the others when there are some. */
        if (counts[c].count == 0 && c >= 4)
            continue;
        pv_html_open(html, "span", "class", class, "data-count", number, NULL);
        pv_html_element(html, "b", number, NULL);
        pv_html_text(html, " ");
        pv_html_text(html, pv_page_status_label(counts[c].status));
        pv_html_close(html, "span");
        pv_html_text(html, " ");
    }
    pv_html_close(html, "p");
    pv_html_open(html, "dl", "class", "facts", NULL);
    pv_page_fact(html, _("time"), duration);
    pv_page_fact(html, _("files"), files);
    pv_page_fact(html, g_dngettext(GETTEXT_PACKAGE, "host", "hosts", hosts->len - 1),
                 *host_list ? host_list : "?");
    pv_page_fact(html, _("libvirt"), *uri_list ? uri_list : "?");
    if (when)
        pv_page_fact(html, _("started"), when);
    pv_html_close(html, "dl");
    if (report->streams->len == 1) {
        g_autofree char *share = pv_report_format_share(first);

        if (share)
            pv_html_element(html, "p", share, "class", "share", NULL);
    }
    if (report->streams->len > 1) {
        pv_html_open(html, "ol", "class", "runs", NULL);
        for (i = 0; i < report->streams->len; i++) {
            const PvReportStream *stream = report->streams->pdata[i];
            const PvSummary *summary = stream->summary;
            g_autofree char *took = pv_duration_format(summary->end_ns - summary->start_ns);
            g_autofree char *its = pv_summary_format_counts(summary->passed, summary->failed,
                                                            summary->skipped, summary->flaky);

            g_autofree char *share = pv_report_format_share(stream);

            pv_html_open(html, "li", NULL);
            pv_html_element(html, "code", stream->origin, NULL);
            pv_html_text(html, ": ");
            /* TRANSLATORS: one run of a report: "run ID, host H, 1m05s; 3 passed, ..." */
            pv_html_printf(html, _("run %s, host %s, %s; %s"), stream->run ? stream->run : "?",
                           stream->host ? stream->host : "?", took, its);
            if (share)
                pv_html_element(html, "span", share, "class", "share", NULL);
            pv_html_close(html, "li");
        }
        pv_html_close(html, "ol");
    }
    if (report->share_problems->len) {
        pv_html_open(html, "ul", "class", "share-problems", NULL);
        for (i = 0; i < report->share_problems->len; i++)
            pv_html_element(html, "li", report->share_problems->pdata[i], NULL);
        pv_html_close(html, "ul");
    }
    if (report->shared->len)
        pv_html_element(html, "p", g_dngettext(GETTEXT_PACKAGE,
                                                "A test ran in more than one stream; it counts "
                                                "once, and its attempts show each result.",
                                                "Some tests ran in more than one stream; each "
                                                "counts once, and its attempts show each result.",
                                                report->shared->len),
                        "class", "note", NULL);
    pv_html_close(html, "header");
}

static void
pv_page_tags(PvHtml *html, GPtrArray *tags)
{
    guint i;

    pv_html_open(html, "td", "class", "c-tags", NULL);
    for (i = 0; tags && i < tags->len; i++)
        pv_html_element(html, "span", tags->pdata[i], "class", "tag", NULL);
    pv_html_close(html, "td");
}

static void
pv_page_duration_cell(PvHtml *html, gint64 ns)
{
    g_autofree char *data = g_strdup_printf("%" G_GINT64_FORMAT, ns);

    pv_html_open(html, "td", "class", "c-dur", "data-ns", data, NULL);
    pv_page_duration(html, ns);
    pv_html_close(html, "td");
}

static int
pv_page_compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every tag of the report, sorted, for the filter. */
static GPtrArray *
pv_page_all_tags(const PvReport *report)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *tags = g_ptr_array_new();
    guint f;
    guint t;
    guint g;

    for (f = 0; f < report->files->len; f++) {
        const PvReportFile *file = report->files->pdata[f];

        for (t = 0; t < file->tests->len; t++) {
            const PvReportTest *test = file->tests->pdata[t];

            for (g = 0; g < test->tags->len; g++) {
                if (g_hash_table_add(seen, test->tags->pdata[g]))
                    g_ptr_array_add(tags, test->tags->pdata[g]);
            }
        }
    }
    g_ptr_array_sort(tags, pv_page_compare_strings);
    return tags;
}

/* What the filter says it shows: "3 files" and "12 tests", "%u" for the count. */
static const char *
pv_page_files_word(guint n)
{
    /* TRANSLATORS: what the page's filter shows: the script fills in %u */
    return g_dngettext(GETTEXT_PACKAGE, "%u file", "%u files", n);
}

static const char *
pv_page_tests_word(guint n)
{
    /* TRANSLATORS: what the page's filter shows: the script fills in %u */
    return g_dngettext(GETTEXT_PACKAGE, "%u test", "%u tests", n);
}

/*
 * How gettext words a count (@word) for every count from 0 to @max,
 * for the script: a JSON array of [from, text], "{n}" in text standing for
 * the count, each entry good from its count to the next one's.  So the
 * script words "1 file" and "2 files", and a language with more plural
 * forms, as the catalog does, without knowing its plural rule.
 */
static char *
pv_page_plural_forms(const char *(*word)(guint n), guint max)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    const char *previous = NULL;
    guint n;

    json_builder_begin_array(builder);
    for (n = 0; n <= max; n++) {
        const char *form = word(n);
        g_autofree char *text = NULL;
        const char *at;

        if (previous && g_str_equal(form, previous))
            continue;
        previous = form;
        at = strstr(form, "%u");
        text = at ? g_strdup_printf("%.*s{n}%s", (int)(at - form), form, at + 2)
                  : g_strdup(form);
        json_builder_begin_array(builder);
        json_builder_add_int_value(builder, n);
        json_builder_add_string_value(builder, text);
        json_builder_end_array(builder);
    }
    json_builder_end_array(builder);
    root = json_builder_get_root(builder);
    return json_to_string(root, FALSE);
}

/* How many tests the table has: the most the filter can show. */
static guint
pv_page_count_tests(const PvReport *report)
{
    guint tests = 0;
    guint f;

    for (f = 0; f < report->files->len; f++)
        tests += ((PvReportFile *)report->files->pdata[f])->tests->len;
    return tests;
}

/* The filters: hidden until the script shows them, for they need it. */
static void
pv_page_filters(PvHtml *html, const PvReport *report)
{
    static const char *const statuses[] = {
        "failed", "flaky", "passed", "skipped", "not_run", "error",
    };
    g_autoptr(GPtrArray) tags = pv_page_all_tags(report);
    g_autofree char *files = pv_page_plural_forms(pv_page_files_word, report->files->len);
    g_autofree char *tests = pv_page_plural_forms(pv_page_tests_word,
                                                  pv_page_count_tests(report));
    gsize i;

    /* TRANSLATORS: the script puts "3 files" for {files} and "12 tests" for {tests}: keep them */
    pv_html_open(html, "form", "id", "filters", "class", "filters", "hidden", "hidden",
                 "role", "search", "data-shown", _("{files} and {tests} shown"),
                 "data-files", files, "data-tests", tests, NULL);
    pv_html_open(html, "label", NULL);
    pv_html_text(html, _("status"));
    pv_html_text(html, " ");
    pv_html_open(html, "select", "name", "status", NULL);
    pv_html_element(html, "option", _("all"), "value", "", NULL);
    for (i = 0; i < G_N_ELEMENTS(statuses); i++)
        pv_html_element(html, "option", pv_page_status_label(statuses[i]), "value",
                        statuses[i], NULL);
    pv_html_close(html, "select");
    pv_html_close(html, "label");
    pv_html_open(html, "label", NULL);
    pv_html_text(html, _("tag"));
    pv_html_text(html, " ");
    pv_html_open(html, "select", "name", "tag", NULL);
    pv_html_element(html, "option", _("all"), "value", "", NULL);
    for (i = 0; i < tags->len; i++)
        pv_html_element(html, "option", tags->pdata[i], "value", tags->pdata[i], NULL);
    pv_html_close(html, "select");
    pv_html_close(html, "label");
    pv_html_open(html, "label", NULL);
    pv_html_text(html, _("text"));
    pv_html_text(html, " ");
    pv_html_void(html, "input", "type", "search", "name", "q", "placeholder",
                 _("file or test name"), NULL);
    pv_html_close(html, "label");
    pv_html_element(html, "output", NULL, "name", "shown", NULL);
    pv_html_close(html, "form");
}

/* A test that several streams ran: each one's result, under its name. */
static void
pv_page_results(PvHtml *html, const PvReportTest *test)
{
    g_autoptr(GString) results = g_string_new(NULL);
    guint i;

    for (i = 0; i < test->attempts->len; i++) {
        const PvReportTest *result = test->attempts->pdata[i];

        g_string_append_printf(results, "%s%s (%s)", i ? ", " : "",
                               pv_page_status_label(result->status),
                               result->origin ? result->origin : "?");
    }
    pv_html_open(html, "span", "class", "why", NULL);
    /* TRANSLATORS: a test several streams ran: "results: passed (a.msgpack), failed (b...)" */
    pv_html_printf(html, _("results: %s"), results->str);
    pv_html_close(html, "span");
}

/* Whether the report's files ran on more than one libvirt host. */
static gboolean
pv_page_several_hosts(const PvReport *report)
{
    const char *seen = NULL;
    guint f;

    for (f = 0; f < report->files->len; f++) {
        const PvReportFile *file = report->files->pdata[f];

        if (!file->vm_host)
            continue;
        if (seen && !g_str_equal(seen, file->vm_host))
            return TRUE;
        seen = file->vm_host;
    }
    return FALSE;
}

/* The table: a body per file (its row, then its tests'), in path order. */
static void
pv_page_table(PvHtml *html, const PvReport *report, GHashTable *trends)
{
    gboolean hosts = pv_page_several_hosts(report);
    guint f;
    guint t;

    pv_html_open(html, "section", "id", "results", NULL);
    pv_html_element(html, "h2", _("files and tests"), NULL);
    pv_page_filters(html, report);
    pv_html_open(html, "div", "class", "scroll", NULL);
    pv_html_open(html, "table", "id", "table", NULL);
    pv_html_open(html, "thead", NULL);
    pv_html_open(html, "tr", NULL);
    pv_html_element(html, "th", _("status"), "scope", "col", "class", "c-status", NULL);
    pv_html_element(html, "th", _("file / test"), "scope", "col", "data-sort", "path", NULL);
    pv_html_element(html, "th", _("tags"), "scope", "col", "class", "c-tags", NULL);
    pv_html_element(html, "th", _("duration"), "scope", "col", "class", "c-dur",
                    "data-sort", "duration", NULL);
    pv_html_element(html, "th", _("last runs"), "scope", "col", "class", "c-trend", NULL);
    pv_html_close(html, "tr");
    pv_html_close(html, "thead");
    for (f = 0; f < report->files->len; f++) {
        const PvReportFile *file = report->files->pdata[f];
        g_autofree char *id = pv_page_file_id(f);

        pv_html_open(html, "tbody", "id", id, "class", "file", NULL);
        pv_html_open(html, "tr", "class", "r-file", "data-status", file->status,
                     "data-path", file->path, NULL);
        pv_html_open(html, "td", "class", "c-status", NULL);
        pv_page_chip(html, file->status);
        pv_html_close(html, "td");
        pv_html_open(html, "th", "scope", "rowgroup", "class", "c-name", NULL);
        pv_html_text(html, file->path);
        if (report->streams->len > 1 && file->origin)
            pv_html_element(html, "span", file->origin, "class", "origin", NULL);
        if (hosts && file->vm_host)
            pv_html_element(html, "span", file->vm_host, "class", "on-host", NULL);
        pv_html_close(html, "th");
        pv_page_tags(html, NULL);
        pv_page_duration_cell(html, file->duration_ns);
        pv_html_open(html, "td", "class", "c-trend", NULL);
        pv_report_trend_sparkline(html, trends ? g_hash_table_lookup(trends, file->path) : NULL);
        pv_html_close(html, "td");
        pv_html_close(html, "tr");
        for (t = 0; t < file->tests->len; t++) {
            const PvReportTest *test = file->tests->pdata[t];
            gboolean shown = g_strcmp0(test->status, "failed") == 0 ||
                g_strcmp0(test->status, "flaky") == 0;
            g_autofree char *href = shown ? pv_page_test_href(f, t) : NULL;
            g_autofree char *index = g_strdup_printf("%u", t);

            pv_html_open(html, "tr", "class", "r-test", "data-status", test->status,
                         "data-name", test->name, "data-index", index, NULL);
            pv_html_open(html, "td", "class", "c-status", NULL);
            pv_page_chip(html, test->status);
            pv_html_close(html, "td");
            pv_html_open(html, "td", "class", "c-name", NULL);
            if (href)
                pv_html_element(html, "a", test->name, "href", href, NULL);
            else
                pv_html_text(html, test->name);
            if (test->reason && g_strcmp0(test->status, "skipped") == 0)
                pv_html_element(html, "span", test->reason, "class", "why", NULL);
            if (!test->origin && test->attempts && test->attempts->len)
                pv_page_results(html, test);
            pv_html_close(html, "td");
            pv_page_tags(html, test->tags);
            pv_page_duration_cell(html, test->duration_ns);
            pv_html_element(html, "td", NULL, "class", "c-trend", NULL);
            pv_html_close(html, "tr");
        }
        pv_html_close(html, "tbody");
    }
    pv_html_close(html, "table");
    pv_html_close(html, "div");
    pv_html_close(html, "section");
}

/**
 * pv_report_html:
 * @trends: (nullable): pv_report_trends()'s
 *
 * Returns: (transfer full): the page
 */
char *
pv_report_html(const PvReport *report, GHashTable *trends)
{
    g_autoptr(PvHtml) html = pv_html_new();
    g_autoptr(GHashTable) links = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    g_autofree char *svg = NULL;
    g_autofree char *title = NULL;
    g_autofree char *counts = pv_summary_format_counts(report->passed, report->failed,
                                                       report->skipped, report->flaky);
    const PvReportStream *first = report->streams->pdata[0];
    guint f;

    for (f = 0; f < report->files->len; f++) {
        const PvReportFile *file = report->files->pdata[f];

        g_hash_table_insert(links, file->path, pv_page_file_href(f));
    }
    svg = pv_report_svg(report, links, TRUE);
    /* TRANSLATORS: the page's title: "provium: 3 passed, 1 failed, 0 skipped (run ID)" */
    title = g_strdup_printf(_("provium: %s (%s)"), counts,
                            report->streams->len == 1 && first->run ? first->run : _("runs"));

    /* TRANSLATORS: this translation's language, as HTML's lang attribute wants it */
    pv_html_open(html, "html", "lang", _("en"), NULL);
    pv_html_open(html, "head", NULL);
    pv_html_void(html, "meta", "charset", "utf-8", NULL);
    pv_html_void(html, "meta", "name", "viewport", "content",
                 "width=device-width, initial-scale=1", NULL);
    pv_html_void(html, "meta", "name", "color-scheme", "content", "light dark", NULL);
    pv_html_void(html, "meta", "name", "generator", "content", "provium " PACKAGE_VERSION, NULL);
    pv_html_element(html, "title", title, NULL);
    pv_html_open(html, "style", NULL);
    pv_html_raw(html, pv_report_html_style);
    pv_html_close(html, "style");
    pv_html_close(html, "head");
    pv_html_open(html, "body", NULL);
    pv_page_header(html, report);
    pv_html_open(html, "main", NULL);
    pv_page_problems(html, report, "failed");
    pv_page_problems(html, report, "flaky");
    pv_html_open(html, "section", "id", "timeline", NULL);
    pv_html_element(html, "h2", _("timeline"), NULL);
    pv_html_open(html, "div", "class", "figure", NULL);
    pv_html_raw(html, svg);
    pv_html_close(html, "div");
    pv_html_close(html, "section");
    pv_page_table(html, report, trends);
    pv_html_close(html, "main");
    pv_html_open(html, "footer", NULL);
    pv_html_printf(html, g_dngettext(GETTEXT_PACKAGE,
                                     "provium %s, from %u event stream.",
                                     "provium %s, from %u event streams.",
                                     report->streams->len),
                   PACKAGE_VERSION, report->streams->len);
    pv_html_close(html, "footer");
    pv_html_open(html, "script", NULL);
    pv_html_raw(html, pv_report_html_script);
    pv_html_close(html, "script");
    return pv_html_end(html);
}

/**
 * pv_report_write_html:
 *
 * The page of @report, with the files' trends from their results
 * directories, written to @path atomically.
 */
gboolean
pv_report_write_html(const PvReport *report, const char *path, GError **error)
{
    g_autoptr(GHashTable) trends = pv_report_trends(report);
    g_autofree char *page = pv_report_html(report, trends);

    if (!pv_write_file_atomic(path, page, -1, error)) {
        g_prefix_error(error, "--html: ");
        return FALSE;
    }
    return TRUE;
}
