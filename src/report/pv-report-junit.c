/*
 * pv-report-junit.c: JUnit XML for CI (--junit FILE)
 *
 * One <testsuite> per test file, one <testcase> per test: a failure carries
 * its message as the message attribute and, as text, the whole reason and
 * the console excerpt; a skip its reason; a broken file an <error>; a flaky
 * test (--retries) passes with a <flakyFailure> per earlier failure, as
 * Maven Surefire writes it (message and type, the whole reason in
 * <stackTrace>).  This is the dialect Jenkins and GitLab read.  Written with libxml2, atomically,
 * when the run finishes.  provium report writes one from several runs' streams
 * (pv-report.c): a test that more than one of them ran is one <testcase>,
 * with a property per result ("provium.result": "STREAM: status").  Each
 * test case names the libvirt host it ran on in a property "host", as its
 * tags are (pytest's record_property's form, what a CI that reads test
 * case properties reads; GitLab shows none of them); the suite's hostname
 * stays the machine that ran provium, which is what it says in JUnit.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libxml/tree.h>
#include <string.h>

#include "pv-safe.h"
#include "pv-autocleanups.h"
#include "pv-error.h"
#include "pv-events.h"
#include "pv-report-collect.h"
#include "pv-report-junit.h"
#include "pv-run.h"

struct _PvJunit {
    char *path;
    char *host;
    PvReportCollector *collector;
    GPtrArray *files;      /* PvReportFile, in completion order */
    gint64 started_ns;
    gint64 duration_ns;
};

PvJunit *
pv_junit_new(const char *path, const char *host)
{
    PvJunit *junit = g_new0(PvJunit, 1);

    junit->path = g_strdup(path);
    junit->host = g_strdup(host);
    junit->collector = pv_report_collector_new();
    junit->files = g_ptr_array_new_with_free_func((GDestroyNotify)pv_report_file_free);
    return junit;
}

void
pv_junit_free(PvJunit *junit)
{
    if (!junit)
        return;
    pv_report_collector_free(junit->collector);
    g_ptr_array_unref(junit->files);
    g_free(junit->path);
    g_free(junit->host);
    g_free(junit);
}

/**
 * pv_junit_on_event:
 * @user_data: the PvJunit
 */
void
pv_junit_on_event(GVariant *event, gpointer user_data)
{
    PvJunit *junit = user_data;
    const char *kind = pv_event_get_kind(event);
    PvReportFile *file = pv_report_collector_feed(junit->collector, event);

    if (file)
        g_ptr_array_add(junit->files, file);
    else if (g_str_equal(kind, "run_started"))
        junit->started_ns = pv_event_get_int(event, "ts", 0);
    else if (g_str_equal(kind, "run_finished"))
        junit->duration_ns = pv_event_get_int(event, "duration_ns", 0);
}

static void
pv_junit_set_prop(xmlNode *node, const char *name, const char *value)
{
    xmlSetProp(node, BAD_CAST name, BAD_CAST value);
}

static void
pv_junit_set_uint(xmlNode *node, const char *name, guint value)
{
    g_autofree char *text = g_strdup_printf("%u", value);

    pv_junit_set_prop(node, name, text);
}

static void
pv_junit_set_seconds(xmlNode *node, gint64 ns)
{
    char text[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd(text, sizeof(text), "%.3f", ns / 1e9);
    pv_junit_set_prop(node, "time", text);
}

static char *
pv_junit_timestamp(gint64 ns)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ns / G_GINT64_CONSTANT(1000000000));

    return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S") : g_strdup("1970-01-01T00:00:00");
}

/* "tests/net/dns.test.lua" -> "tests.net.dns" */
static char *
pv_junit_classname(const char *path)
{
    g_autofree char *stem = g_strdup(path);
    char *p;

    if (g_str_has_suffix(stem, ".test.lua"))
        stem[strlen(stem) - strlen(".test.lua")] = '\0';
    else if (g_str_has_suffix(stem, ".lua"))
        stem[strlen(stem) - strlen(".lua")] = '\0';
    for (p = stem; *p; p++) {
        if (*p == '/')
            *p = '.';
    }
    return g_strdup(stem[0] == '.' ? stem + 1 : stem);
}

/* The first line, for the message attribute; the rest goes in the text. */
static char *
pv_junit_first_line(const char *text)
{
    const char *nl = strchr(text, '\n');

    return nl ? g_strndup(text, nl - text) : g_strdup(text);
}

static xmlNode *
pv_junit_add_text_child(xmlNode *parent, const char *name, const char *text)
{
    xmlNode *node = xmlNewChild(parent, NULL, BAD_CAST name, NULL);

    if (text && *text)
        xmlAddChild(node, xmlNewDocText(parent->doc, BAD_CAST text));
    return node;
}

static void
pv_junit_add_property(xmlNode **properties, xmlNode *testcase, const char *name,
                      const char *value)
{
    xmlNode *property;

    if (!*properties)
        *properties = xmlNewChild(testcase, NULL, BAD_CAST "properties", NULL);
    property = xmlNewChild(*properties, NULL, BAD_CAST "property", NULL);
    pv_junit_set_prop(property, "name", name);
    pv_junit_set_prop(property, "value", value);
}

/*
 * A test's tags, as properties the way pytest's record_property writes them,
 * the host it ran on, and, for a test that several streams ran, each one's
 * result.
 */
static void
pv_junit_add_properties(xmlNode *testcase, const PvReportTest *test)
{
    xmlNode *properties = NULL;
    guint i;

    if (test->host)
        pv_junit_add_property(&properties, testcase, "host", test->host);
    for (i = 0; i < test->tags->len; i++)
        pv_junit_add_property(&properties, testcase, "tag", test->tags->pdata[i]);
    for (i = 0; !test->origin && test->attempts && i < test->attempts->len; i++) {
        const PvReportTest *result = test->attempts->pdata[i];
        g_autofree char *value = NULL;

        if (!result->origin)
            continue;
        value = g_strdup_printf("%s: %s", result->origin, result->status);
        pv_junit_add_property(&properties, testcase, "provium.result", value);
    }
}

static void
pv_junit_add_file(xmlNode *suites, const char *host, gint64 started_ns,
                  const PvReportFile *file, guint *tests, guint *failures, guint *errors,
                  guint *skipped)
{
    xmlNode *suite = xmlNewChild(suites, NULL, BAD_CAST "testsuite", NULL);
    g_autofree char *classname = pv_junit_classname(file->path);
    g_autofree char *timestamp = pv_junit_timestamp(file->started_ns ? file->started_ns
                                                                     : started_ns);
    guint n = 0, failed = 0, errored = 0, skips = 0;
    guint i;

    pv_junit_set_prop(suite, "name", file->path);
    pv_junit_set_prop(suite, "timestamp", timestamp);
    pv_junit_set_prop(suite, "hostname", file->host ? file->host : host);
    pv_junit_set_seconds(suite, file->duration_ns);

    if (g_strcmp0(file->status, "error") == 0 || (file->error && file->tests->len == 0)) {
        /* A broken file, or one that never ran: one case says why. */
        xmlNode *testcase = xmlNewChild(suite, NULL, BAD_CAST "testcase", NULL);
        gboolean error = g_strcmp0(file->status, "error") == 0;
        g_autofree char *message = pv_junit_first_line(file->error ? file->error : "");
        xmlNode *detail;

        pv_junit_set_prop(testcase, "name", "(file)");
        pv_junit_set_prop(testcase, "classname", classname);
        pv_junit_set_seconds(testcase, 0);
        detail = pv_junit_add_text_child(testcase, error ? "error" : "skipped",
                                         error ? file->error : NULL);
        pv_junit_set_prop(detail, "message", message);
        if (error)
            pv_junit_set_prop(detail, "type", "error");
        n++;
        errored += error;
        skips += !error;
    }
    for (i = 0; i < file->tests->len; i++) {
        const PvReportTest *test = file->tests->pdata[i];
        xmlNode *testcase = xmlNewChild(suite, NULL, BAD_CAST "testcase", NULL);
        g_autofree char *message = pv_junit_first_line(test->reason ? test->reason : "");

        pv_junit_set_prop(testcase, "name", test->name);
        pv_junit_set_prop(testcase, "classname", classname);
        pv_junit_set_seconds(testcase, test->duration_ns);
        pv_junit_add_properties(testcase, test);
        n++;
        if (g_strcmp0(test->status, "failed") == 0) {
            g_autofree char *text = g_strconcat(test->reason ? test->reason : "",
                                                test->console_excerpt ? "\n" : "",
                                                test->console_excerpt ? test->console_excerpt : "",
                                                NULL);
            xmlNode *failure = pv_junit_add_text_child(testcase, "failure", text);

            pv_junit_set_prop(failure, "message", message);
            pv_junit_set_prop(failure, "type", "failure");
            failed++;
        } else if (g_strcmp0(test->status, "flaky") == 0) {
            guint f;

            for (f = 0; test->failures && f < test->failures->len; f++) {
                const char *reason = test->failures->pdata[f];
                g_autofree char *first = pv_junit_first_line(reason);
                xmlNode *flaky = xmlNewChild(testcase, NULL, BAD_CAST "flakyFailure", NULL);

                pv_junit_set_prop(flaky, "message", first);
                pv_junit_set_prop(flaky, "type", "failure");
                pv_junit_add_text_child(flaky, "stackTrace", reason);
            }
        } else if (g_strcmp0(test->status, "passed") != 0) {
            xmlNode *skip = xmlNewChild(testcase, NULL, BAD_CAST "skipped", NULL);

            pv_junit_set_prop(skip, "message", message);
            skips++;
        }
        if (test->log->len)
            pv_junit_add_text_child(testcase, "system-out", test->log->str);
    }
    pv_junit_set_uint(suite, "tests", n);
    pv_junit_set_uint(suite, "failures", failed);
    pv_junit_set_uint(suite, "errors", errored);
    pv_junit_set_uint(suite, "skipped", skips);
    if (file->log->len)
        pv_junit_add_text_child(suite, "system-out", file->log->str);
    *tests += n;
    *failures += failed;
    *errors += errored;
    *skipped += skips;
}

/**
 * pv_junit_write_files:
 * @host: the suites' hostname, for files that do not name theirs
 * @files: (element-type PvReportFile): one suite each
 *
 * Writes the report of @files to @path, atomically.
 */
gboolean
pv_junit_write_files(const char *path, const char *host, GPtrArray *files, gint64 started_ns,
                     gint64 duration_ns, GError **error)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *suites = xmlNewNode(NULL, BAD_CAST "testsuites");
    g_autofree char *timestamp = pv_junit_timestamp(started_ns);
    guint tests = 0, failures = 0, errors = 0, skipped = 0;
    xmlChar *out = NULL;
    int len = 0;
    gboolean ok;
    guint i;

    xmlDocSetRootElement(doc, suites);
    pv_junit_set_prop(suites, "name", "provium");
    pv_junit_set_prop(suites, "timestamp", timestamp);
    pv_junit_set_seconds(suites, duration_ns);
    for (i = 0; i < files->len; i++)
        pv_junit_add_file(suites, host, started_ns, files->pdata[i], &tests, &failures,
                          &errors, &skipped);
    pv_junit_set_uint(suites, "tests", tests);
    pv_junit_set_uint(suites, "failures", failures);
    pv_junit_set_uint(suites, "errors", errors);
    pv_junit_set_uint(suites, "skipped", skipped);

    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    ok = pv_write_file_atomic(path, (const char *)out, len, error);
    xmlFree(out);
    if (!ok)
        g_prefix_error(error, "--junit: ");
    return ok;
}

/**
 * pv_junit_write:
 *
 * Writes the report for every file completed so far, atomically.
 */
gboolean
pv_junit_write(PvJunit *junit, GError **error)
{
    return pv_junit_write_files(junit->path, junit->host, junit->files, junit->started_ns,
                                junit->duration_ns, error);
}
