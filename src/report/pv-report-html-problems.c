/*
 * pv-report-html-problems.c: the report page's failures, broken files and
 * flaky tests, at the top where they are seen
 *
 * Each failed test with its message, where it failed (file:line), its
 * output and the console tail of each of its VMs, and every earlier attempt
 * (--retries) or other stream's result, each with its own.  An output is
 * kept to its last 64K, a message to its first, with a line saying where
 * the whole is: a page of a 10M output is one no browser renders in good
 * time.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-html.h"
#define PV_REPORT_HTML_PRIVATE
#include "pv-report-html-private.h"
#include "pv-units.h"

/* What the page keeps of an output or a message (pv_page_pre()). */
#define PV_PAGE_TEXT_MAX (64 * 1024)

/* A console tail in a failure's excerpt: "--- console of vm 'v' (domain 'd') ---" */
#define PV_CONSOLE_HEADING "--- console of vm '"

/*
 * Where a failure points: the first line of @reason that starts with the
 * test file's own "PATH:LINE:", as provium's assertions and Lua's errors
 * write it.  Returns: (transfer full) (nullable): "PATH:LINE"
 */
static char *
pv_page_location(const char *path, const char *reason)
{
    g_auto(GStrv) lines = reason ? g_strsplit(reason, "\n", -1) : NULL;
    gsize i;

    for (i = 0; lines && lines[i]; i++) {
        const char *line = g_strchug(lines[i]);
        const char *p;

        if (!g_str_has_prefix(line, path) || line[strlen(path)] != ':')
            continue;
        p = line + strlen(path) + 1;
        if (!g_ascii_isdigit(*p))
            continue;
        while (g_ascii_isdigit(*p))
            p++;
        if (*p == ':')
            return g_strndup(line, p - line);
    }
    return NULL;
}

/*
 * The console tails of a failure's excerpt, one per VM, each under its
 * heading line.
 */
static void
pv_page_consoles(PvHtml *html, const char *excerpt)
{
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) tail = NULL;
    g_autofree char *heading = NULL;
    gsize i;

    if (!excerpt || !*excerpt)
        return;
    lines = g_strsplit(excerpt, "\n", -1);
    for (i = 0; ; i++) {
        gboolean next = !lines[i] || (g_str_has_prefix(lines[i], PV_CONSOLE_HEADING) &&
                                      g_str_has_suffix(lines[i], " ---"));

        if (next && (heading || (tail && tail->len))) {
            g_autofree char *title = heading ?
                g_strstrip(g_strndup(heading + 4, strlen(heading) - 8)) :
                g_strdup(_("console"));

            pv_html_element(html, "h4", title, NULL);
            pv_html_element(html, "pre", tail ? tail->str : "", "class", "console", NULL);
            g_clear_pointer(&heading, g_free);
            if (tail)
                g_string_truncate(tail, 0);
        }
        if (!lines[i])
            break;
        if (next) {
            heading = g_strdup(lines[i]);
            continue;
        }
        if (!tail)
            tail = g_string_new(NULL);
        g_string_append_printf(tail, "%s%s", tail->len ? "\n" : "", lines[i]);
    }
}

/*
 * Where the whole of what the page cut of @result is: its run directory's
 * files/ (each file's log, every line of it) and its stream.
 */
static void
pv_page_cut_note(PvHtml *html, const PvReport *report, const PvReportTest *result,
                 gboolean tail, gsize whole)
{
    const PvReportStream *stream = report->streams->pdata[
        result->stream >= 1 && result->stream <= report->streams->len ? result->stream - 1 : 0];
    /* What it keeps, at most: a line's worth less is the same to a reader. */
    g_autofree char *kept = pv_size_format(PV_PAGE_TEXT_MAX);
    g_autofree char *all = pv_size_format(whole);
    g_autofree char *files = stream->dir ? g_strconcat(stream->dir, G_DIR_SEPARATOR_S, "files",
                                                       G_DIR_SEPARATOR_S, NULL) : NULL;

    pv_html_open(html, "p", "class", "cut", NULL);
    if (files && tail)
        /* TRANSLATORS: "Only the last 64K of 9.8M shown: the whole is in DIR/files/, and
         * in provium events STREAM." */
        pv_html_printf(html, _("Only the last %s of %s shown: the whole is in %s, and in "
                               "provium events %s."), kept, all, files, stream->origin);
    else if (files)
        pv_html_printf(html, _("Only the first %s of %s shown: the whole is in %s, and in "
                               "provium events %s."), kept, all, files, stream->origin);
    else if (tail)
        pv_html_printf(html, _("Only the last %s of %s shown: the whole is in provium events %s."),
                       kept, all, stream->origin);
    else
        pv_html_printf(html, _("Only the first %s of %s shown: the whole is in provium events "
                               "%s."), kept, all, stream->origin);
    pv_html_close(html, "p");
}

/*
 * @text in a <pre> of @class, kept to PV_PAGE_TEXT_MAX bytes: with @tail
 * its last part, from a line's start (an output ends where it failed),
 * else its first part, to a line's end (a message starts with where); a
 * line before it says how much and where the whole is.  A 10M output would
 * make a page no browser renders in good time.
 */
static void
pv_page_pre(PvHtml *html, const PvReport *report, const PvReportTest *result, const char *class,
            const char *text, gboolean tail)
{
    gsize len = strlen(text);
    const char *start = text;
    const char *end = text + len;
    g_autofree char *kept = NULL;

    if (len > PV_PAGE_TEXT_MAX && tail) {
        const char *line;

        start = end - PV_PAGE_TEXT_MAX;
        line = memchr(start, '\n', end - start);
        if (line && line + 1 < end)
            start = line + 1;
        while ((*start & 0xc0) == 0x80)
            start++;
    } else if (len > PV_PAGE_TEXT_MAX) {
        const char *line = g_strrstr_len(text, PV_PAGE_TEXT_MAX, "\n");

        end = line ? line + 1 : text + PV_PAGE_TEXT_MAX;
        while (end > text && (*end & 0xc0) == 0x80)
            end--;
    }
    if (start != text || end != text + len) {
        pv_page_cut_note(html, report, result, tail, len);
        kept = g_strndup(start, end - start);
    }
    pv_html_element(html, "pre", kept ? kept : text, "class", class, NULL);
}

/* One result's details: its message, where, its output, its consoles. */
static void
pv_page_result(PvHtml *html, const PvReport *report, const PvReportFile *file,
               const PvReportTest *result)
{
    g_autofree char *location = pv_page_location(file->path, result->reason);

    if (location) {
        pv_html_open(html, "p", "class", "where", NULL);
        /* TRANSLATORS: a label before FILE:LINE, where a test failed */
        pv_html_element(html, "span", _("where"), "class", "label", NULL);
        pv_html_text(html, " ");
        pv_html_element(html, "code", location, NULL);
        pv_html_close(html, "p");
    }
    if (result->reason && *result->reason)
        pv_page_pre(html, report, result, "reason", result->reason, FALSE);
    if (result->log->len) {
        pv_html_element(html, "h4", _("output"), NULL);
        pv_page_pre(html, report, result, "log", result->log->str, TRUE);
    }
    pv_page_consoles(html, result->console_excerpt);
}

/* Each earlier attempt (--retries), and each stream's result of a test several ran. */
static void
pv_page_attempts(PvHtml *html, const PvReport *report, const PvReportFile *file,
                 const PvReportTest *test)
{
    guint i;

    if (!test->attempts || test->attempts->len == 0)
        return;
    pv_html_element(html, "h4", _("attempts"), NULL);
    pv_html_open(html, "ol", "class", "attempts", NULL);
    for (i = 0; i < test->attempts->len; i++) {
        const PvReportTest *attempt = test->attempts->pdata[i];

        pv_html_open(html, "li", NULL);
        pv_html_open(html, "p", NULL);
        pv_page_chip(html, attempt->status);
        pv_html_text(html, " ");
        if (report->streams->len > 1 && attempt->origin)
            /* TRANSLATORS: "attempt 2, in job3.msgpack": where a test ran, of several streams */
            pv_html_printf(html, _("attempt %u, in %s"), attempt->attempt, attempt->origin);
        else
            pv_html_printf(html, _("attempt %u"), attempt->attempt);
        pv_html_text(html, " (");
        pv_page_duration(html, attempt->duration_ns);
        pv_html_text(html, ")");
        pv_html_close(html, "p");
        if (g_strcmp0(attempt->status, "passed") != 0)
            pv_page_result(html, report, file, attempt);
        pv_html_close(html, "li");
    }
    /* A test of one stream: its last attempt is the result itself (flaky: passed). */
    if (test->origin) {
        pv_html_open(html, "li", NULL);
        pv_html_open(html, "p", NULL);
        pv_page_chip(html, g_strcmp0(test->status, "flaky") == 0 ? "passed" : test->status);
        pv_html_text(html, " ");
        pv_html_printf(html, _("attempt %u"), test->attempt);
        pv_html_close(html, "p");
        pv_html_close(html, "li");
    }
    pv_html_close(html, "ol");
}

/* The failures, broken files and flaky tests, at the top where they are seen. */
void
pv_page_problems(PvHtml *html, const PvReport *report, const char *which)
{
    gboolean flaky = g_str_equal(which, "flaky");
    guint count = flaky ? report->flaky : report->failed + report->errors;
    guint f;
    guint t;

    if (count == 0)
        return;
    pv_html_open(html, "section", "id", flaky ? "flaky" : "failures", NULL);
    pv_html_open(html, "h2", NULL);
    if (flaky)
        pv_html_printf(html, g_dngettext(GETTEXT_PACKAGE, "%u flaky test", "%u flaky tests",
                                         count), count);
    else
        pv_html_printf(html, g_dngettext(GETTEXT_PACKAGE, "%u failure", "%u failures", count),
                       count);
    pv_html_close(html, "h2");
    for (f = 0; f < report->files->len; f++) {
        const PvReportFile *file = report->files->pdata[f];
        g_autofree char *file_href = pv_page_file_href(f);

        if (!flaky && g_strcmp0(file->status, "error") == 0) {
            pv_html_open(html, "article", "class", "problem p-error", NULL);
            pv_html_open(html, "h3", NULL);
            pv_page_chip(html, file->status);
            pv_html_text(html, " ");
            pv_html_element(html, "a", file->path, "href", file_href, NULL);
            pv_html_close(html, "h3");
            if (file->error)
                pv_html_element(html, "pre", file->error, "class", "reason", NULL);
            pv_html_close(html, "article");
        }
        for (t = 0; t < file->tests->len; t++) {
            const PvReportTest *test = file->tests->pdata[t];
            g_autofree char *id = pv_page_test_id(f, t);
            g_autofree char *class = NULL;

            if (g_strcmp0(test->status, flaky ? "flaky" : "failed") != 0)
                continue;
            class = g_strdup_printf("problem p-%s", test->status);
            pv_html_open(html, "article", "class", class, "id", id, NULL);
            pv_html_open(html, "h3", NULL);
            pv_page_chip(html, test->status);
            pv_html_text(html, " ");
            pv_html_element(html, "a", file->path, "href", file_href, NULL);
            pv_html_text(html, " \u203a ");
            pv_html_element(html, "span", test->name, "class", "name", NULL);
            pv_html_text(html, " ");
            pv_html_open(html, "span", "class", "dur", NULL);
            pv_page_duration(html, test->duration_ns);
            pv_html_close(html, "span");
            pv_html_close(html, "h3");
            if (!flaky)
                pv_page_result(html, report, file, test);
            pv_page_attempts(html, report, file, test);
            pv_html_close(html, "article");
        }
    }
    pv_html_close(html, "section");
}
