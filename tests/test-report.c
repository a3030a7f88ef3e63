/*
 * test-report.c: the figures provium report computes, on synthetic streams
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>

#include "pv-events.h"
#include "pv-html.h"
#include "pv-report-collect.h"
#include "pv-report-html.h"
#include "pv-report-json.h"
#include "pv-report-summary.h"
#include "pv-report-terminal.h"
#include "pv-report.h"

#define S 1000000000LL   /* one second in ns */

/* Events as GVariant text, "%T" standing for a timestamp in seconds. */
static GPtrArray *
stream(const char *const *lines)
{
    GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    gsize i;

    for (i = 0; lines[i]; i++) {
        g_autoptr(GError) error = NULL;
        GVariant *event = g_variant_parse(G_VARIANT_TYPE_VARDICT, lines[i], NULL, NULL, &error);

        g_assert_no_error(error);
        g_ptr_array_add(events, event);  /* g_variant_parse() gives a full reference */
    }
    return events;
}

static const char *const clean_run[] = {
    "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>, 'uri': <'test:///default'>,"
    " 'pool': <{'memory': <uint64 1073741824>, 'cpus': <2.0>}>}",
    "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'a'>}",
    "{'kind': <'claim_acquired'>, 'ts': <int64 0>, 'path': <'a'>}",
    "{'kind': <'file_blocked'>, 'ts': <int64 0>, 'path': <'b'>, 'reason': <'pool_full'>}",
    "{'kind': <'vm_spawned'>, 'ts': <int64 1000000000>, 'path': <'a'>, 'vm': <'v'>, 'domain': <'d1'>}",
    "{'kind': <'vm_ready'>, 'ts': <int64 4000000000>, 'path': <'a'>, 'vm': <'v'>, 'domain': <'d1'>}",
    "{'kind': <'test_passed'>, 'ts': <int64 5000000000>, 'path': <'a'>, 'name': <'t'>}",
    "{'kind': <'vm_stopped'>, 'ts': <int64 5000000000>, 'path': <'a'>, 'vm': <'v'>, 'domain': <'d1'>, 'reason': <'destroyed'>}",
    "{'kind': <'claim_released'>, 'ts': <int64 6000000000>, 'path': <'a'>, 'in_flight': <uint32 0>,"
    " 'pool_used': <{'memory': <uint64 0>, 'cpus': <0.0>}>}",
    "{'kind': <'file_completed'>, 'ts': <int64 6000000000>, 'path': <'a'>, 'status': <'passed'>,"
    " 'duration_ns': <int64 6000000000>}",
    "{'kind': <'file_unblocked'>, 'ts': <int64 6000000000>, 'path': <'b'>, 'reason': <'pool_full'>}",
    "{'kind': <'file_dispatched'>, 'ts': <int64 6000000000>, 'path': <'b'>}",
    "{'kind': <'claim_acquired'>, 'ts': <int64 6000000000>, 'path': <'b'>}",
    "{'kind': <'file_blocked'>, 'ts': <int64 6000000000>, 'path': <'b'>, 'reason': <'boot_gate'>}",
    "{'kind': <'file_unblocked'>, 'ts': <int64 7000000000>, 'path': <'b'>, 'reason': <'boot_gate'>}",
    "{'kind': <'test_failed'>, 'ts': <int64 8000000000>, 'path': <'b'>, 'name': <'t'>}",
    "{'kind': <'claim_released'>, 'ts': <int64 8000000000>, 'path': <'b'>, 'in_flight': <uint32 0>,"
    " 'pool_used': <{'memory': <uint64 0>, 'cpus': <0.0>}>}",
    "{'kind': <'file_completed'>, 'ts': <int64 8000000000>, 'path': <'b'>, 'status': <'failed'>,"
    " 'duration_ns': <int64 2000000000>}",
    "{'kind': <'run_finished'>, 'ts': <int64 8000000000>, 'passed': <uint32 1>, 'failed': <uint32 1>,"
    " 'skipped': <uint32 0>, 'pool_used': <{'memory': <uint64 0>, 'cpus': <0.0>}>}",
    NULL,
};

static void
test_figures(void)
{
    g_autoptr(GPtrArray) events = stream(clean_run);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *text = pv_summary_format(summary);
    g_autofree char *svg = pv_summary_svg(summary);

    g_test_message("%s", text);
    g_assert_cmpuint(summary->files->len, ==, 2);
    g_assert_cmpuint(summary->peak_files, ==, 1);
    /* a runs 0..6 s, b 6..8 s: one file all along */
    g_assert_cmpfloat_with_epsilon(summary->mean_files, 1.0, 1e-9);
    g_assert_cmpuint(summary->peak_vms, ==, 1);
    /* one VM for 4 of 8 s */
    g_assert_cmpfloat_with_epsilon(summary->mean_vms, 0.5, 1e-9);
    g_assert_cmpint(summary->blocked_ns[PV_BLOCK_POOL_FULL], ==, 6 * S);
    g_assert_cmpint(summary->blocked_ns[PV_BLOCK_BOOT_GATE], ==, 1 * S);
    g_assert_cmpuint(summary->blocked_files[PV_BLOCK_POOL_FULL], ==, 1);
    g_assert_cmpuint(summary->leaks->len, ==, 0);
    g_assert_nonnull(strstr(text, "      6.0s  passed      1 VM   a\n"
                                  "      2.0s  failed      0 VMs  b\n"));
    g_assert_nonnull(strstr(text, "pool_full         6.0s  (1 file)"));
    g_assert_nonnull(strstr(text, "leak check: ok"));
    /* The queued span and the boot gate are both drawn, and every file. */
    g_assert_nonnull(strstr(svg, "queued pool_full: 6.0s"));
    g_assert_nonnull(strstr(svg, "blocked boot_gate: 1.0s"));
    g_assert_nonnull(strstr(svg, ">a<title>a</title></text>"));
    g_assert_nonnull(strstr(svg, ">b<title>b</title></text>"));
}

static void
test_leaks(void)
{
    const char *const leaky[] = {
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'a'>}",
        "{'kind': <'claim_acquired'>, 'ts': <int64 0>, 'path': <'a'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'b'>}",
        "{'kind': <'claim_acquired'>, 'ts': <int64 0>, 'path': <'b'>}",
        "{'kind': <'vm_spawned'>, 'ts': <int64 1>, 'path': <'b'>, 'vm': <'v'>, 'domain': <'d'>}",
        "{'kind': <'claim_released'>, 'ts': <int64 2>, 'path': <'b'>, 'in_flight': <uint32 0>,"
        " 'pool_used': <{'memory': <uint64 268435456>, 'cpus': <1.0>}>}",
        "{'kind': <'file_completed'>, 'ts': <int64 2>, 'path': <'b'>, 'status': <'passed'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 3>, 'path': <'a'>, 'status': <'passed'>}",
        "{'kind': <'run_finished'>, 'ts': <int64 4>,"
        " 'pool_used': <{'memory': <uint64 268435456>, 'cpus': <1.0>}>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(leaky);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *text = pv_summary_format(summary);

    g_test_message("%s", text);
    g_assert_nonnull(strstr(text, "leak check: 4 problems"));
    g_assert_nonnull(strstr(text, "after b released its claim no file ran, yet the pool still "
                            "held 256M and 1 vCPUs"));
    g_assert_nonnull(strstr(text, "at the end the pool still held 256M"));
    g_assert_nonnull(strstr(text, "vm 'v' (domain d, b) never stopped"));
    g_assert_nonnull(strstr(text, "a: its claim was never released"));
}

static void
test_kept_is_not_a_leak(void)
{
    const char *const kept[] = {
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'a'>}",
        "{'kind': <'claim_acquired'>, 'ts': <int64 0>, 'path': <'a'>}",
        "{'kind': <'vm_spawned'>, 'ts': <int64 1>, 'path': <'a'>, 'vm': <'v'>, 'domain': <'d'>}",
        "{'kind': <'vm_stopped'>, 'ts': <int64 2>, 'path': <'a'>, 'vm': <'v'>, 'domain': <'d'>, 'reason': <'kept'>}",
        "{'kind': <'claim_released'>, 'ts': <int64 2>, 'path': <'a'>, 'in_flight': <uint32 0>,"
        " 'pool_used': <{'memory': <uint64 268435456>, 'cpus': <1.0>}>}",
        "{'kind': <'file_completed'>, 'ts': <int64 2>, 'path': <'a'>, 'status': <'failed'>}",
        "{'kind': <'run_finished'>, 'ts': <int64 3>,"
        " 'pool_used': <{'memory': <uint64 268435456>, 'cpus': <1.0>}>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(kept);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *text = pv_summary_format(summary);

    g_assert_cmpuint(summary->leaks->len, ==, 0);
    g_assert_nonnull(strstr(text, "(but 1 kept on purpose, --keep-failed)"));
}

static void
test_truncated(void)
{
    g_autoptr(GPtrArray) events = stream(clean_run);
    g_autoptr(PvSummary) summary = NULL;

    g_ptr_array_set_size(events, 10);
    summary = pv_summary_new(events, TRUE);
    g_assert_cmpuint(summary->leaks->len, >=, 1);
    g_assert_cmpstr(g_ptr_array_index(summary->leaks, summary->leaks->len - 1), ==,
                    "the stream ends inside an event: the run was killed");
}

static void
test_block_and_json(void)
{
    const char *const lines[] = {
        "{'kind': <'file_dispatched'>, 'ts': <int64 5>, 'path': <'t/x.test.lua'>}",
        "{'kind': <'test_started'>, 'ts': <int64 6>, 'path': <'t/x.test.lua'>, 'name': <'one'>}",
        "{'kind': <'test_log'>, 'ts': <int64 7>, 'path': <'t/x.test.lua'>, 'name': <'one'>,"
        " 'text': <'step'>}",
        "{'kind': <'test_failed'>, 'ts': <int64 8>, 'path': <'t/x.test.lua'>, 'name': <'one'>,"
        " 'tags': <['slow', 'net']>, 'duration_ns': <int64 1500000000>,"
        " 'reason': <'t/x.test.lua:3: no'>,"
        " 'console_excerpt': <'--- console ---\\nlast line'>}",
        "{'kind': <'test_skipped'>, 'ts': <int64 9>, 'path': <'t/x.test.lua'>, 'name': <'two'>,"
        " 'duration_ns': <int64 0>, 'reason': <'later'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 10>, 'path': <'t/x.test.lua'>,"
        " 'status': <'failed'>, 'duration_ns': <int64 2000000000>, 'kept': <['d1']>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(lines);
    g_autoptr(PvReportCollector) collector = pv_report_collector_new();
    g_autoptr(PvReportFile) file = NULL;
    g_autofree char *block = NULL;
    g_autofree char *json = NULL;
    guint i;

    for (i = 0; i < events->len; i++) {
        PvReportFile *done = pv_report_collector_feed(collector, events->pdata[i]);

        if (done)
            file = done;
    }
    g_assert_nonnull(file);
    block = pv_terminal_format_block(file, 0, FALSE);
    g_assert_cmpstr(block, ==,
                    "t/x.test.lua failed (2.0s)\n"
                    "  FAIL  one (1.5s)\n"
                    "        t/x.test.lua:3: no\n"
                    "        | step\n"
                    "        --- console ---\n"
                    "        last line\n"
                    "  SKIP  two: later\n"
                    "  kept: domain d1 is still running (virsh console d1; provium clean "
                    "removes it)\n");
    json = pv_json_format_file(file);
    g_assert_cmpstr(json, ==,
                    "{\"path\":\"t/x.test.lua\",\"status\":\"failed\",\"duration_ns\":2000000000,"
                    "\"duration\":2.0,\"attempts\":1,\"tests\":[{\"name\":\"one\",\"status\":\"failed\","
                    "\"tags\":[\"slow\",\"net\"],"
                    "\"duration_ns\":1500000000,\"message\":\"t/x.test.lua:3: no\"},"
                    "{\"name\":\"two\",\"status\":\"skipped\",\"tags\":[],\"duration_ns\":0,"
                    "\"message\":\"later\"}]}");
}

/* Whatever the names hold, the timeline is well-formed UTF-8 XML. */
static void
test_svg_labels(void)
{
    /* 5 bytes, then two-byte characters: the label's cut falls inside one. */
    g_autoptr(GString) path = g_string_new("test/");
    g_autofree char *run_started = NULL;
    g_autofree char *dispatched = NULL;
    g_autofree char *blocked = NULL;
    g_autofree char *spawned = NULL;
    const char *lines[6];
    g_autoptr(GPtrArray) events = NULL;
    g_autoptr(PvSummary) summary = NULL;
    g_autofree char *svg = NULL;
    xmlDoc *doc;
    guint i;

    for (i = 0; i < 30; i++)
        g_string_append(path, "\xc3\xa9");
    g_string_append(path, "x.test.lua");
    run_started = g_strdup("{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>}");
    dispatched = g_strdup_printf("{'kind': <'file_dispatched'>, 'ts': <int64 1>, 'path': <'%s'>}",
                                 path->str);
    blocked = g_strdup_printf("{'kind': <'file_blocked'>, 'ts': <int64 2>, 'path': <'%s'>,"
                              " 'reason': <'pool_full'>, 'waiting_for': <'vm \\u001b[2J'>}",
                              path->str);
    spawned = g_strdup_printf("{'kind': <'vm_spawned'>, 'ts': <int64 3>, 'path': <'%s'>,"
                              " 'vm': <'bell\\u0007'>, 'domain': <'d'>}", path->str);
    lines[0] = run_started;
    lines[1] = dispatched;
    lines[2] = blocked;
    lines[3] = spawned;
    lines[4] = "{'kind': <'run_finished'>, 'ts': <int64 4>}";
    lines[5] = NULL;
    events = stream(lines);
    summary = pv_summary_new(events, FALSE);
    svg = pv_summary_svg(summary);
    g_assert_true(g_utf8_validate(svg, -1, NULL));
    doc = xmlReadMemory(svg, strlen(svg), "run.svg", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                        XML_PARSE_NOWARNING);
    g_assert_nonnull(doc);
    xmlFreeDoc(doc);
    /* The label keeps the end of the path, whole characters. */
    g_assert_nonnull(strstr(svg, ">\xe2\x80\xa6\xc3\xa9\xc3\xa9"));
    g_assert_nonnull(strstr(svg, "\xc3\xa9x.test.lua<title>"));
    /* Control characters are shown, not written. */
    g_assert_nonnull(strstr(svg, "vm \xe2\x90\x9b[2J"));
    g_assert_nonnull(strstr(svg, "vm 'bell\xe2\x90\x87'"));
}

/* The text of the one node of @doc matching @xpath, or NULL. */
static char *
svg_find_text(xmlDoc *doc, const char *xpath)
{
    xmlXPathContext *ctx = xmlXPathNewContext(doc);
    xmlXPathObject *found = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
    char *text = NULL;

    if (found && found->nodesetval && found->nodesetval->nodeNr == 1) {
        xmlChar *content = xmlNodeGetContent(found->nodesetval->nodeTab[0]);

        text = g_strdup((const char *)content);
        xmlFree(content);
    }
    xmlXPathFreeObject(found);
    xmlXPathFreeContext(ctx);
    return text;
}

/* @xpath's value as a string (count(), string(), ...). */
static char *
xpath_string(xmlDoc *doc, const char *xpath)
{
    xmlXPathContext *ctx = xmlXPathNewContext(doc);
    xmlXPathObject *found = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
    xmlChar *value = found ? xmlXPathCastToString(found) : NULL;
    char *text = g_strdup((const char *)value);

    xmlFree(value);
    xmlXPathFreeObject(found);
    xmlXPathFreeContext(ctx);
    return text;
}

static void
assert_xpath(xmlDoc *doc, const char *xpath, const char *expected)
{
    g_autofree char *got = xpath_string(doc, xpath);

    if (g_strcmp0(got, expected) != 0)
        g_test_message("%s", xpath);
    g_assert_cmpstr(got, ==, expected);
}

/* Whether @xpath finds anything. */
static void
assert_xpath_found(xmlDoc *doc, const char *xpath)
{
    g_autofree char *expr = g_strdup_printf("count(%s) > 0", xpath);

    assert_xpath(doc, expr, "true");
}

/* The y of the stroke of @vm's boot, from its <title>, or -1. */
static double
svg_boot_y(xmlDoc *doc, const char *vm)
{
    g_autofree char *expr = g_strdup_printf("//*[local-name()='g'][starts-with(*[local-name()="
                                            "'title'], \"vm '%s' \")]/*[local-name()='line']/@y1",
                                            vm);
    g_autofree char *y = svg_find_text(doc, expr);

    return y ? g_ascii_strtod(y, NULL) : -1;
}

/* Boots that overlap (provium.boot{...}) are drawn one above the other. */
static void
test_svg_overlapping_boots(void)
{
    const char *const lines[] = {
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'a'>}",
        "{'kind': <'vm_spawned'>, 'ts': <int64 1000000000>, 'path': <'a'>, 'vm': <'x'>, 'domain': <'dx'>}",
        "{'kind': <'vm_spawned'>, 'ts': <int64 2000000000>, 'path': <'a'>, 'vm': <'y'>, 'domain': <'dy'>}",
        "{'kind': <'vm_spawned'>, 'ts': <int64 3000000000>, 'path': <'a'>, 'vm': <'z'>, 'domain': <'dz'>}",
        "{'kind': <'vm_ready'>, 'ts': <int64 10000000000>, 'path': <'a'>, 'vm': <'x'>, 'domain': <'dx'>}",
        "{'kind': <'vm_ready'>, 'ts': <int64 11000000000>, 'path': <'a'>, 'vm': <'y'>, 'domain': <'dy'>}",
        "{'kind': <'vm_ready'>, 'ts': <int64 12000000000>, 'path': <'a'>, 'vm': <'z'>, 'domain': <'dz'>}",
        /* After the three: back in the first row. */
        "{'kind': <'vm_spawned'>, 'ts': <int64 13000000000>, 'path': <'a'>, 'vm': <'w'>, 'domain': <'dw'>}",
        "{'kind': <'vm_ready'>, 'ts': <int64 15000000000>, 'path': <'a'>, 'vm': <'w'>, 'domain': <'dw'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 16000000000>, 'path': <'a'>, 'status': <'passed'>,"
        " 'duration_ns': <int64 16000000000>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 16000000000>, 'path': <'b'>}",
        "{'kind': <'vm_spawned'>, 'ts': <int64 16000000000>, 'path': <'b'>, 'vm': <'v'>, 'domain': <'dv'>}",
        "{'kind': <'vm_ready'>, 'ts': <int64 18000000000>, 'path': <'b'>, 'vm': <'v'>, 'domain': <'dv'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 20000000000>, 'path': <'b'>, 'status': <'passed'>,"
        " 'duration_ns': <int64 4000000000>}",
        "{'kind': <'run_finished'>, 'ts': <int64 20000000000>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(lines);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *svg = pv_summary_svg(summary);
    xmlDoc *doc = xmlReadMemory(svg, strlen(svg), "run.svg", NULL, XML_PARSE_NONET);
    double x, y, z, w, v;

    g_assert_nonnull(doc);
    x = svg_boot_y(doc, "x");
    y = svg_boot_y(doc, "y");
    z = svg_boot_y(doc, "z");
    w = svg_boot_y(doc, "w");
    v = svg_boot_y(doc, "v");
    xmlFreeDoc(doc);
    g_test_message("boots at y %g %g %g %g, next lane's %g", x, y, z, w, v);
    g_assert_cmpfloat(z, >, 0);
    /* Three rows, a stroke (3 units wide) apart. */
    g_assert_cmpfloat(x - y, >=, 3);
    g_assert_cmpfloat(y - z, >=, 3);
    g_assert_cmpfloat(w, ==, x);
    /* The lane grew to hold them: the next lane's boot is below them all. */
    g_assert_cmpfloat(v, >, x + 3);
}

/*
 * Fixtures on the timeline: a's build (a band), b waiting for it (a span
 * blocked with fixture_build), both VMs restored (their own color, from the
 * restore's start), and a failed build of c.  Restored VMs count as VMs.
 */
static void
test_svg_fixtures(void)
{
    const char *const lines[] = {
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'a'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'b'>}",
        "{'kind': <'fixture_build_started'>, 'ts': <int64 1000000000>, 'path': <'a'>, 'vm': <'v'>,"
        " 'fixture': <'web'>, 'key': <'k1'>}",
        "{'kind': <'fixture_build_waiting'>, 'ts': <int64 1000000000>, 'path': <'b'>, 'vm': <'v'>,"
        " 'fixture': <'web'>, 'key': <'k1'>, 'holder': <'pid 1'>}",
        "{'kind': <'file_blocked'>, 'ts': <int64 1000000000>, 'path': <'b'>, 'reason': <'fixture_build'>}",
        "{'kind': <'fixture_build_finished'>, 'ts': <int64 9000000000>, 'path': <'a'>, 'vm': <'v'>,"
        " 'fixture': <'web'>, 'key': <'k1'>, 'duration_ns': <int64 8000000000>, 'ok': <true>}",
        "{'kind': <'file_unblocked'>, 'ts': <int64 9000000000>, 'path': <'b'>}",
        "{'kind': <'vm_restored'>, 'ts': <int64 10000000000>, 'path': <'a'>, 'vm': <'v'>,"
        " 'domain': <'da'>, 'fixture': <'web'>, 'key': <'k1'>, 'slot': <uint32 0>,"
        " 'restore_ns': <int64 1000000000>}",
        "{'kind': <'vm_restored'>, 'ts': <int64 11000000000>, 'path': <'b'>, 'vm': <'v'>,"
        " 'domain': <'db'>, 'fixture': <'web'>, 'key': <'k1'>, 'slot': <uint32 1>,"
        " 'restore_ns': <int64 2000000000>}",
        "{'kind': <'vm_stopped'>, 'ts': <int64 12000000000>, 'path': <'a'>, 'vm': <'v'>, 'domain': <'da'>, 'reason': <'destroyed'>}",
        "{'kind': <'vm_stopped'>, 'ts': <int64 12000000000>, 'path': <'b'>, 'vm': <'v'>, 'domain': <'db'>, 'reason': <'destroyed'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 12000000000>, 'path': <'a'>, 'status': <'passed'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 12000000000>, 'path': <'b'>, 'status': <'passed'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 12000000000>, 'path': <'c'>}",
        "{'kind': <'fixture_build_started'>, 'ts': <int64 12000000000>, 'path': <'c'>, 'vm': <'v'>,"
        " 'fixture': <'db'>, 'key': <'k2'>}",
        "{'kind': <'fixture_build_finished'>, 'ts': <int64 14000000000>, 'path': <'c'>, 'vm': <'v'>,"
        " 'fixture': <'db'>, 'key': <'k2'>, 'duration_ns': <int64 2000000000>, 'ok': <false>,"
        " 'error': <'setup failed'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 14000000000>, 'path': <'c'>, 'status': <'failed'>}",
        "{'kind': <'run_finished'>, 'ts': <int64 14000000000>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(lines);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *svg = pv_summary_svg(summary);
    xmlDoc *doc = xmlReadMemory(svg, strlen(svg), "run.svg", NULL, XML_PARSE_NONET);
    g_autofree char *built = NULL;
    g_autofree char *failed = NULL;
    g_autofree char *restored = NULL;
    g_autofree char *waited = NULL;
    g_autofree char *stroke = NULL;

    g_assert_nonnull(doc);
    g_assert_cmpuint(summary->fixture_builds, ==, 2);
    g_assert_cmpuint(summary->restored_vms, ==, 2);
    /* Both restores overlap from 9 to 10 s; no VM is left running. */
    g_assert_cmpuint(summary->peak_vms, ==, 2);
    g_assert_cmpuint(summary->leaks->len, ==, 0);
    g_assert_cmpint(summary->blocked_ns[PV_BLOCK_FIXTURE_BUILD], ==, 8 * S);

    built = svg_find_text(doc, "//*[local-name()='rect']/*[local-name()='title']"
                           "[starts-with(., \"fixture 'web'\")]");
    g_assert_cmpstr(built, ==, "fixture 'web' (key k1): built in 8.0s");
    failed = svg_find_text(doc, "//*[local-name()='rect']/*[local-name()='title']"
                            "[starts-with(., \"fixture 'db'\")]");
    g_assert_cmpstr(failed, ==, "fixture 'db' (key k2): build failed after 2.0s");
    restored = svg_find_text(doc, "//*[local-name()='g']/*[local-name()='title']"
                              "[contains(., '(db)')]");
    g_assert_cmpstr(restored, ==, "vm 'v' (db): restored from fixture 'web' in 2.0s");
    waited = svg_find_text(doc, "//*[local-name()='rect']/*[local-name()='title']"
                            "[starts-with(., 'blocked fixture_build')]");
    g_assert_cmpstr(waited, ==, "blocked fixture_build: 8.0s");
    /* Restores are drawn in their own color, from where they began. */
    stroke = svg_find_text(doc, "//*[local-name()='g'][*[local-name()='title']"
                            "[contains(., '(da)')]]/*[local-name()='line']/@stroke");
    g_assert_cmpstr(stroke, ==, "#00897b");
    xmlFreeDoc(doc);
}

/* Timestamps and durations at the ends of their range: figures, not UB. */
static void
test_extreme_ts(void)
{
    const char *const lines[] = {
        "{'kind': <'run_started'>, 'ts': <int64 -9223372036854775808>, 'run': <'r'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 -9223372036854775808>, 'path': <'a'>}",
        "{'kind': <'file_blocked'>, 'ts': <int64 -9223372036854775807>, 'path': <'a'>,"
        " 'reason': <'pool_full'>}",
        "{'kind': <'vm_spawned'>, 'ts': <int64 0>, 'path': <'a'>, 'vm': <'v'>, 'domain': <'d'>}",
        "{'kind': <'vm_ready'>, 'ts': <int64 9223372036854775807>, 'path': <'a'>, 'vm': <'v'>,"
        " 'domain': <'d'>}",
        "{'kind': <'file_blocked'>, 'ts': <int64 9223372036854775807>, 'path': <'a'>,"
        " 'reason': <'pool_full'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 9223372036854775807>, 'path': <'a'>,"
        " 'status': <'passed'>, 'duration_ns': <int64 -9223372036854775808>}",
        "{'kind': <'run_finished'>, 'ts': <int64 9223372036854775807>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(lines);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *text = pv_summary_format(summary);
    g_autofree char *svg = pv_summary_svg(summary);
    xmlDoc *doc;

    g_test_message("%s", text);
    g_assert_cmpint(summary->end_ns, >=, summary->start_ns);
    g_assert_cmpint(summary->blocked_ns[PV_BLOCK_POOL_FULL], >=, 0);
    g_assert_cmpfloat(summary->mean_files, >=, 0);
    g_assert_cmpfloat(summary->mean_files, <=, 1);
    g_assert_nonnull(strstr(text, "files peak 1"));
    doc = xmlReadMemory(svg, strlen(svg), "run.svg", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                        XML_PARSE_NOWARNING);
    g_assert_nonnull(doc);
    xmlFreeDoc(doc);
    g_assert_null(strstr(svg, "nan"));
    g_assert_null(strstr(svg, "inf"));
}


/*
 * A run of one share of a corpus: run_started, then for each "PATH TEST
 * STATUS" a file with that test (files in order, one test line each).
 */
static GPtrArray *
share(const char *run, gint64 start, const char *const *results)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    gint64 ts = start;
    guint passed = 0, failed = 0, skipped = 0;
    gsize i;

    g_ptr_array_add(lines, g_strdup_printf("{'kind': <'run_started'>,"
                                           " 'ts': <int64 %" G_GINT64_FORMAT ">,"
                                           " 'run': <'%s'>, 'host': <'h-%s'>,"
                                           " 'uri': <'test:///default'>}", ts, run, run));
    for (i = 0; results[i]; i++) {
        g_auto(GStrv) f = g_strsplit(results[i], " ", 3);
        const char *status = f[2];

        g_ptr_array_add(lines, g_strdup_printf("{'kind': <'file_dispatched'>, 'ts': <int64 %"
                                               G_GINT64_FORMAT ">, 'path': <'%s'>}", ts, f[0]));
        g_ptr_array_add(lines, g_strdup_printf("{'kind': <'test_started'>, 'ts': <int64 %"
                                               G_GINT64_FORMAT ">, 'path': <'%s'>, 'name': <'%s'>,"
                                               " 'tags': <['t-%s']>}", ts, f[0], f[1], f[1]));
        ts += S;
        g_ptr_array_add(lines, g_strdup_printf("{'kind': <'test_%s'>,"
                                               " 'ts': <int64 %" G_GINT64_FORMAT ">,"
                                               " 'path': <'%s'>, 'name': <'%s'>,"
                                               " 'duration_ns': <int64 %" G_GINT64_FORMAT ">,"
                                               " 'reason': <'%s:3: %s in %s'>}",
                                               status, ts, f[0], f[1], (gint64)S, f[0], status,
                                               run));
        g_ptr_array_add(lines, g_strdup_printf("{'kind': <'file_completed'>, 'ts': <int64 %"
                                               G_GINT64_FORMAT ">, 'path': <'%s'>,"
                                               " 'status': <'%s'>, 'duration_ns': <int64 %"
                                               G_GINT64_FORMAT ">}", ts, f[0],
                                               g_str_equal(status, "failed") ? "failed" : "passed",
                                               (gint64)S));
        passed += g_str_equal(status, "passed");
        failed += g_str_equal(status, "failed");
        skipped += g_str_equal(status, "skipped");
    }
    g_ptr_array_add(lines, g_strdup_printf("{'kind': <'run_finished'>,"
                                           " 'ts': <int64 %" G_GINT64_FORMAT ">,"
                                           " 'passed': <uint32 %u>, 'failed': <uint32 %u>,"
                                           " 'skipped': <uint32 %u>}", ts, passed, failed,
                                           skipped));
    g_ptr_array_add(lines, NULL);
    return stream((const char *const *)lines->pdata);
}

/* The report of the shares, each an array of "PATH TEST STATUS", NULL-ended. */
static PvReport *
report_of(const char *const *const *shares, guint n)
{
    PvReport *report = pv_report_new();
    guint i;

    for (i = 0; i < n; i++) {
        g_autofree char *run = g_strdup_printf("s%u", i + 1);
        g_autoptr(GPtrArray) events = share(run, i * 100 * S, shares[i]);

        pv_report_add_stream(report, run, events, FALSE);
    }
    pv_report_finish(report);
    return report;
}

static const PvReportTest *
find_test(const PvReport *report, const char *path, const char *name)
{
    guint f;
    guint t;

    for (f = 0; f < report->files->len; f++) {
        const PvReportFile *file = report->files->pdata[f];

        for (t = 0; g_str_equal(file->path, path) && t < file->tests->len; t++) {
            const PvReportTest *test = file->tests->pdata[t];

            if (g_str_equal(test->name, name))
                return test;
        }
    }
    return NULL;
}

/* Three shares of one corpus: one report, every file and test once. */
static void
test_merge_shares(void)
{
    const char *const one[] = { "c/a.test.lua x passed", "c/d.test.lua x failed", NULL };
    const char *const two[] = { "c/b.test.lua x skipped", NULL };
    const char *const three[] = { "c/c.test.lua x passed", NULL };
    const char *const *const shares[] = { one, two, three };
    g_autoptr(PvReport) report = report_of(shares, 3);
    g_autofree char *text = pv_report_format(report);

    g_test_message("%s", text);
    g_assert_cmpuint(report->streams->len, ==, 3);
    g_assert_cmpuint(report->files->len, ==, 4);
    /* By path, whatever share ran them. */
    g_assert_cmpstr(((PvReportFile *)report->files->pdata[0])->path, ==, "c/a.test.lua");
    g_assert_cmpstr(((PvReportFile *)report->files->pdata[3])->path, ==, "c/d.test.lua");
    g_assert_cmpuint(report->passed, ==, 2);
    g_assert_cmpuint(report->failed, ==, 1);
    g_assert_cmpuint(report->skipped, ==, 1);
    g_assert_cmpuint(report->shared->len, ==, 0);
    g_assert_cmpint(report->start_ns, ==, 0);
    g_assert_cmpint(report->end_ns, ==, 201 * S);
    g_assert_nonnull(strstr(text, "3 runs: 4 files in 3m21s; 2 passed, 1 failed, 1 skipped\n"));
    g_assert_nonnull(strstr(text, "  [2] s2: run s2 on test:///default, host h-s2: 1 file in "
                                  "1.0s; 0 passed, 0 failed, 1 skipped\n"));
    g_assert_nonnull(strstr(text, "failed      0 VMs  c/d.test.lua  [1]\n"));
    g_assert_nonnull(strstr(text, "leak check, per run:\n  [1] ok\n  [2] ok\n  [3] ok\n"));
    g_assert_null(strstr(text, "more than one stream"));
}

/*
 * A share run twice (a CI job retried) and an overlap: the tests they share
 * count once, with every result, and the text says which.
 */
static void
test_merge_overlap(void)
{
    const char *const first[] = { "c/a.test.lua x failed", "c/b.test.lua y passed", NULL };
    const char *const again[] = { "c/a.test.lua x passed", "c/b.test.lua y passed", NULL };
    const char *const other[] = { "c/c.test.lua z failed", "c/a.test.lua w skipped", NULL };
    const char *const *const shares[] = { first, again, other };
    g_autoptr(PvReport) report = report_of(shares, 3);
    g_autofree char *text = pv_report_format(report);
    g_autofree char *dir = g_dir_make_tmp("pv-report-XXXXXX", NULL);
    g_autofree char *junit = g_build_filename(dir, "junit.xml", NULL);
    g_autofree char *page = NULL;
    g_autoptr(GError) error = NULL;
    const PvReportTest *x = find_test(report, "c/a.test.lua", "x");
    const PvReportTest *y = find_test(report, "c/b.test.lua", "y");
    const PvReportTest *w = find_test(report, "c/a.test.lua", "w");
    xmlDoc *doc;

    g_test_message("%s", text);
    g_assert_cmpuint(report->files->len, ==, 3);
    g_assert_cmpuint(report->shared_files, ==, 2);
    g_assert_cmpuint(report->shared->len, ==, 2);
    /* x failed, then passed: flaky, once; y passed twice: passed, once. */
    g_assert_cmpuint(report->passed, ==, 1);
    g_assert_cmpuint(report->flaky, ==, 1);
    g_assert_cmpuint(report->failed, ==, 1);
    g_assert_cmpuint(report->skipped, ==, 1);
    g_assert_cmpstr(x->status, ==, "flaky");
    g_assert_cmpuint(x->attempts->len, ==, 2);
    g_assert_cmpstr(((PvReportTest *)x->attempts->pdata[0])->status, ==, "failed");
    g_assert_cmpstr(((PvReportTest *)x->attempts->pdata[0])->origin, ==, "s1");
    g_assert_cmpstr(((PvReportTest *)x->attempts->pdata[1])->status, ==, "passed");
    g_assert_cmpuint(((PvReportTest *)x->attempts->pdata[1])->stream, ==, 2);
    g_assert_cmpuint(x->failures->len, ==, 1);
    g_assert_cmpstr(x->failures->pdata[0], ==, "c/a.test.lua:3: failed in s1");
    g_assert_cmpstr(y->status, ==, "passed");
    /* A test only the third share ran is in the same file, once. */
    g_assert_nonnull(w);
    g_assert_cmpstr(w->status, ==, "skipped");
    /* The file failed in one share; its tests passed in the end. */
    g_assert_cmpstr(((PvReportFile *)report->files->pdata[0])->status, ==, "passed");
    g_assert_nonnull(strstr(text, "2 tests ran in more than one stream, and count once each:\n"
                                  "  c/a.test.lua: x: failed [1], passed [2]; counted flaky\n"
                                  "  c/b.test.lua: y: passed [1], passed [2]; counted passed\n"));

    /* One <testcase> each; the shared ones say each stream's result. */
    g_assert_true(pv_report_write_junit(report, junit, &error));
    g_assert_no_error(error);
    doc = xmlReadFile(junit, NULL, XML_PARSE_NONET);
    g_assert_nonnull(doc);
    assert_xpath(doc, "string(/testsuites/@tests)", "4");
    assert_xpath(doc, "string(count(//testcase[@name='x']))", "1");
    assert_xpath(doc, "string(//testcase[@name='x']/flakyFailure/@message)",
                    "c/a.test.lua:3: failed in s1");
    assert_xpath(doc, "string(//testcase[@name='x']/properties/"
                                       "property[@name='provium.result'][2]/@value)",
                    "s2: passed");
    assert_xpath(doc, "string(//testsuite[@name='c/c.test.lua']/@hostname)",
                    "h-s3");
    xmlFreeDoc(doc);
    g_unlink(junit);
    g_rmdir(dir);

    /* The page shows each stream's result under the test's name. */
    page = pv_report_html(report, NULL);
    g_assert_nonnull(strstr(page, "<span class=\"why\">results: failed (s1), passed (s2)</span>"));
}

/*
 * One stream of one file at @path (its key @key, NULL for a stream from
 * before keys) whose test "t" ends with @status.
 */
static GPtrArray *
keyed(const char *run, const char *path, const char *key, const char *status)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(lines, g_strdup_printf("{'kind': <'run_started'>, 'ts': <int64 0>,"
                                           " 'run': <'%s'>}", run));
    if (key)
        g_ptr_array_add(lines, g_strdup_printf("{'kind': <'file_discovered'>, 'ts': <int64 0>,"
                                               " 'path': <'%s'>, 'key': <'%s'>}", path, key));
    g_ptr_array_add(lines, g_strdup_printf("{'kind': <'file_dispatched'>, 'ts': <int64 0>,"
                                           " 'path': <'%s'>}", path));
    g_ptr_array_add(lines, g_strdup_printf("{'kind': <'test_%s'>, 'ts': <int64 1>,"
                                           " 'path': <'%s'>, 'name': <'t'>,"
                                           " 'reason': <'no'>}", status, path));
    g_ptr_array_add(lines, g_strdup_printf("{'kind': <'file_completed'>, 'ts': <int64 2>,"
                                           " 'path': <'%s'>, 'status': <'%s'>}", path, status));
    g_ptr_array_add(lines, NULL);
    return stream((const char *const *)lines->pdata);
}

/*
 * A file is the same file in every stream by its key, its path relative to
 * the corpus root, whatever directory each run was started from: failed
 * as f07.test.lua and passed as clone2/f07.test.lua is one flaky test.
 * Streams from before keys go by path.
 */
static void
test_merge_by_key(void)
{
    g_autoptr(PvReport) report = pv_report_new();
    g_autoptr(PvReport) old = pv_report_new();
    g_autoptr(GPtrArray) s1 = keyed("r1", "f07.test.lua", "f07.test.lua", "failed");
    g_autoptr(GPtrArray) s2 = keyed("r2", "clone2/f07.test.lua", "f07.test.lua", "passed");
    g_autoptr(GPtrArray) o1 = keyed("o1", "f07.test.lua", NULL, "failed");
    g_autoptr(GPtrArray) o2 = keyed("o2", "clone2/f07.test.lua", NULL, "passed");
    const PvReportFile *file;

    pv_report_add_stream(report, "s1", s1, FALSE);
    pv_report_add_stream(report, "s2", s2, FALSE);
    pv_report_finish(report);
    g_assert_cmpuint(report->files->len, ==, 1);
    file = report->files->pdata[0];
    g_assert_cmpstr(file->key, ==, "f07.test.lua");
    g_assert_cmpuint(report->flaky, ==, 1);
    g_assert_cmpuint(report->failed, ==, 0);
    g_assert_cmpuint(report->shared->len, ==, 1);

    pv_report_add_stream(old, "o1", o1, FALSE);
    pv_report_add_stream(old, "o2", o2, FALSE);
    pv_report_finish(old);
    g_assert_cmpuint(old->files->len, ==, 2);
    g_assert_null(((PvReportFile *)old->files->pdata[0])->key);
    g_assert_cmpuint(old->failed, ==, 1);
    g_assert_cmpuint(old->passed, ==, 1);
}

/* share(), its run_started saying it ran share @index/@total of @partition (of 4 files). */
static GPtrArray *
share_of(const char *run, guint index, guint total, const char *partition,
         const char *const *results)
{
    GPtrArray *events = share(run, 0, results);
    g_autofree char *started = g_strdup_printf(
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'%s'>, 'host': <'h-%s'>,"
        " 'uri': <'test:///default'>, 'shard': <{'index': <uint64 %u>, 'total': <uint64 %u>,"
        " 'mode': <'time'>, 'partition': <'%s'>, 'files': <uint64 4>}>}",
        run, run, index, total, partition);
    g_autoptr(GError) error = NULL;

    g_variant_unref(events->pdata[0]);
    events->pdata[0] = g_variant_parse(G_VARIANT_TYPE_VARDICT, started, NULL, NULL, &error);
    g_assert_no_error(error);
    return events;
}

/* The report of streams of shares: "RUN K/N PARTITION", each with one passing file. */
static PvReport *
report_of_shares(const char *const *runs)
{
    PvReport *report = pv_report_new();
    gsize i;

    for (i = 0; runs[i]; i++) {
        g_auto(GStrv) f = g_strsplit(runs[i], " ", 3);
        g_autofree char *file = g_strdup_printf("c/%s.test.lua x passed", f[0]);
        const char *const results[] = { file, NULL };
        guint index = 0;
        guint total = 0;
        g_autoptr(GPtrArray) events = NULL;

        g_assert_cmpint(sscanf(f[1], "%u/%u", &index, &total), ==, 2);
        events = share_of(f[0], index, total, f[2], results);
        pv_report_add_stream(report, f[0], events, FALSE);
    }
    pv_report_finish(report);
    return report;
}

/*
 * Streams say which share each ran; the report holds them together: the
 * same partition, every share once.  A partition that differs or a missing
 * share is a report that cannot pass (tests did not run); a share run twice
 * is said.
 */
static void
test_merge_share_checks(void)
{
    const struct {
        const char *runs[5];
        gboolean incomplete;
        const char *problems;
    } cases[] = {
        { { "s1 1/3 aaaa0001", "s2 2/3 aaaa0001", "s3 3/3 aaaa0001", NULL }, FALSE, "" },
        { { "s1 1/3 aaaa0001", "s3 3/3 aaaa0001", NULL }, TRUE,
          "share 2/3 of partition aaaa0001 is missing: no stream ran it, so its files did "
          "not run\n" },
        { { "s1 1/3 aaaa0001", "s2 2/3 bbbb0002", "s3 3/3 aaaa0001", NULL }, TRUE,
          "[2] split the selection otherwise than [1]: share 2/3 of partition bbbb0002 "
          "(time, 4 files), not of aaaa0001 (time, 4 files); files may have run twice or not "
          "at all\n"
          "share 2/3 of partition aaaa0001 is missing: no stream ran it, so its files did "
          "not run\n" },
        { { "s1 1/3 aaaa0001", "s2 2/3 aaaa0001", "s3 3/3 aaaa0001", "s4 2/3 aaaa0001", NULL },
          FALSE, "share 2/3 of partition aaaa0001 is in 2 streams: [2], [4]\n" },
        /* As many shares, another split: still not the same partition. */
        { { "s1 1/2 aaaa0001", "s2 2/3 aaaa0001", NULL }, TRUE,
          "[2] split the selection otherwise than [1]: share 2/3 of partition aaaa0001 "
          "(time, 4 files), not of aaaa0001 (time, 4 files); files may have run twice or not "
          "at all\n"
          "share 2/2 of partition aaaa0001 is missing: no stream ran it, so its files did "
          "not run\n" },
    };
    gsize c;

    for (c = 0; c < G_N_ELEMENTS(cases); c++) {
        g_autoptr(PvReport) report = report_of_shares(cases[c].runs);
        g_autoptr(GString) problems = g_string_new(NULL);
        g_autofree char *text = pv_report_format(report);
        g_autofree char *page = pv_report_html(report, NULL);
        guint i;

        g_test_message("%s", text);
        for (i = 0; i < report->share_problems->len; i++)
            g_string_append_printf(problems, "%s\n",
                                   (const char *)report->share_problems->pdata[i]);
        g_assert_cmpstr(problems->str, ==, cases[c].problems);
        g_assert_cmpint(report->shares_incomplete, ==, cases[c].incomplete);
        /* The text: each stream's share, each problem on a line of its own. */
        g_assert_nonnull(strstr(text, "  [1] s1: run s1 on test:///default, host h-s1, share 1/"));
        g_assert_nonnull(strstr(text, problems->str));
        /* The page: each stream's share, and the problems. */
        g_assert_nonnull(strstr(page, "<span class=\"share\">share 1/"));
        if (report->share_problems->len) {
            g_autofree char *first = pv_html_escape(report->share_problems->pdata[0]);
            g_autofree char *item = g_strdup_printf("<li>%s</li>", first);

            g_assert_nonnull(strstr(page, "<ul class=\"share-problems\">"));
            g_assert_nonnull(strstr(page, item));
        } else {
            g_assert_null(strstr(page, "<ul class=\"share-problems\">"));
        }
    }
}

/* The report of one share says which; an empty one, that it was empty. */
static void
test_one_share(void)
{
    const char *const none[] = { NULL };
    const char *const one[] = { "c/a.test.lua x passed", NULL };
    g_autoptr(GPtrArray) empty = share_of("s3", 3, 3, "aaaa0001", none);
    g_autoptr(GPtrArray) full = share_of("s1", 1, 3, "aaaa0001", one);
    g_autoptr(PvReport) report = pv_report_new();
    g_autoptr(PvReport) other = pv_report_new();
    g_autofree char *text = NULL;
    g_autofree char *page = NULL;
    g_autofree char *full_text = NULL;

    pv_report_add_stream(report, "s3", empty, FALSE);
    pv_report_finish(report);
    /* One stream: no share is missing, whatever the others did. */
    g_assert_false(report->shares_incomplete);
    text = pv_report_format(report);
    g_assert_nonnull(strstr(text, "\nshare 3/3 by time (partition aaaa0001): empty, none of "
                                  "the 4 files of the selection is in it\n"));
    page = pv_report_html(report, NULL);
    g_assert_nonnull(strstr(page, "<p class=\"share\">share 3/3 by time (partition aaaa0001): "
                                  "empty, none of the 4 files of the selection is in it</p>"));

    pv_report_add_stream(other, "s1", full, FALSE);
    pv_report_finish(other);
    full_text = pv_report_format(other);
    g_assert_nonnull(strstr(full_text, "\nshare 1/3 by time (partition aaaa0001): 1 of 4 "
                                       "files\n"));
}

/*
 * A file failed in one stream (5s) and passed when run again (1s): its row
 * says passed, with the stream that passed and its duration, not the
 * failed one's.
 */
static void
test_merge_file_row(void)
{
    const char *const failed[] = {
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r1'>}",
        "{'kind': <'test_failed'>, 'ts': <int64 1>, 'path': <'a'>, 'name': <'t'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 5>, 'path': <'a'>, 'status': <'failed'>,"
        " 'duration_ns': <int64 5000000000>}",
        NULL,
    };
    const char *const passed[] = {
        "{'kind': <'run_started'>, 'ts': <int64 10>, 'run': <'r2'>}",
        "{'kind': <'test_passed'>, 'ts': <int64 11>, 'path': <'a'>, 'name': <'t'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 12>, 'path': <'a'>, 'status': <'passed'>,"
        " 'duration_ns': <int64 1000000000>}",
        NULL,
    };
    g_autoptr(GPtrArray) one = stream(failed);
    g_autoptr(GPtrArray) two = stream(passed);
    g_autoptr(PvReport) report = pv_report_new();
    g_autofree char *page = NULL;
    const PvReportFile *file;

    pv_report_add_stream(report, "s1", one, FALSE);
    pv_report_add_stream(report, "s2", two, FALSE);
    pv_report_finish(report);
    file = report->files->pdata[0];
    g_assert_cmpstr(file->status, ==, "passed");
    g_assert_cmpstr(file->origin, ==, "s2");
    g_assert_cmpint(file->duration_ns, ==, S);
    page = pv_report_html(report, NULL);
    g_assert_nonnull(strstr(page, "<span class=\"chip s-passed\">passed</span></td>"
                                  "<th scope=\"rowgroup\" class=\"c-name\">a"
                                  "<span class=\"origin\">s2</span></th>"));
    g_assert_nonnull(strstr(page, "<td class=\"c-dur\" data-ns=\"1000000000\">1.0s</td>"));
}

/* The same run given twice counts once, and a note says so. */
static void
test_merge_same_run(void)
{
    const char *const one[] = { "c/a.test.lua x failed", NULL };
    g_autoptr(GPtrArray) first = share("s1", 0, one);
    g_autoptr(GPtrArray) again = share("s1", 0, one);
    g_autoptr(PvReport) report = pv_report_new();

    g_assert_true(pv_report_add_stream(report, "runs/latest", first, FALSE));
    g_assert_false(pv_report_add_stream(report, "s1.msgpack", again, FALSE));
    pv_report_finish(report);
    g_assert_cmpuint(report->streams->len, ==, 1);
    g_assert_cmpuint(report->failed, ==, 1);
    g_assert_cmpuint(report->shared->len, ==, 0);
    g_assert_cmpuint(report->notes->len, ==, 1);
    g_assert_cmpstr(report->notes->pdata[0], ==,
                    "s1.msgpack is the same run as runs/latest (s1): it counts once");
}

/* One band per stream on one time axis, each file's bar a link when asked. */
static void
test_merge_svg(void)
{
    const char *const one[] = { "c/a.test.lua x passed", NULL };
    const char *const two[] = { "c/b.test.lua x failed", NULL };
    const char *const *const shares[] = { one, two };
    g_autoptr(PvReport) report = report_of(shares, 2);
    g_autoptr(GHashTable) links = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree char *svg = NULL;
    g_autofree char *fragment = NULL;
    xmlDoc *doc;

    svg = pv_report_svg(report, NULL, FALSE);
    doc = xmlReadMemory(svg, strlen(svg), "run.svg", NULL, XML_PARSE_NONET);
    g_assert_nonnull(doc);
    assert_xpath(doc, "string(/*/*[local-name()='text'][1])", "provium: 2 runs");
    assert_xpath_found(doc, "//*[local-name()='text'][starts-with(., '[1] s1: run s1, "
                                        "host h-s1')]");
    assert_xpath_found(doc, "//*[local-name()='text'][starts-with(., '[2] s2: ')]");
    assert_xpath(doc, "string(count(//*[local-name()='a']))", "0");
    xmlFreeDoc(doc);
    g_assert_true(g_str_has_prefix(svg, "<?xml"));

    g_hash_table_insert(links, "c/b.test.lua", "#f-2");
    fragment = pv_report_svg(report, links, TRUE);
    g_assert_true(g_str_has_prefix(fragment, "<svg "));
    doc = xmlReadMemory(fragment, strlen(fragment), "run.svg", NULL, XML_PARSE_NONET);
    g_assert_nonnull(doc);
    /* b's label and bar; a has no section to link to. */
    assert_xpath(doc, "string(count(//*[local-name()='a']))", "2");
    assert_xpath(doc, "string(//*[local-name()='a'][1]/@*[local-name()='href'])",
                    "#f-2");
    xmlFreeDoc(doc);
}

/* --retries: each attempt's result stays with the test, for the page. */
static void
test_collect_attempts(void)
{
    const char *const lines[] = {
        "{'kind': <'file_dispatched'>, 'ts': <int64 1>, 'path': <'f'>}",
        "{'kind': <'test_started'>, 'ts': <int64 1>, 'path': <'f'>, 'name': <'t'>,"
        " 'tags': <['net']>}",
        "{'kind': <'test_log'>, 'ts': <int64 1>, 'path': <'f'>, 'name': <'t'>, 'text': <'try 1'>}",
        "{'kind': <'test_failed'>, 'ts': <int64 2>, 'path': <'f'>, 'name': <'t'>,"
        " 'tags': <['net']>, 'duration_ns': <int64 5>, 'reason': <'f:2: no'>,"
        " 'console_excerpt': <'--- console of vm \\'v\\' (domain \\'d\\') ---\\nboom'>}",
        "{'kind': <'file_retried'>, 'ts': <int64 3>, 'path': <'f'>, 'attempt': <uint32 2>}",
        "{'kind': <'test_started'>, 'ts': <int64 3>, 'path': <'f'>, 'name': <'t'>,"
        " 'tags': <['net']>}",
        "{'kind': <'test_flaky'>, 'ts': <int64 4>, 'path': <'f'>, 'name': <'t'>,"
        " 'duration_ns': <int64 6>, 'failures': <['f:2: no']>}",
        "{'kind': <'file_completed'>, 'ts': <int64 5>, 'path': <'f'>, 'status': <'passed'>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(lines);
    g_autoptr(PvReportCollector) collector = pv_report_collector_new();
    g_autoptr(PvReportFile) file = NULL;
    const PvReportTest *test;
    const PvReportTest *first;
    guint i;

    for (i = 0; i < events->len; i++) {
        PvReportFile *done = pv_report_collector_feed(collector, events->pdata[i]);

        if (done)
            file = done;
    }
    g_assert_nonnull(file);
    g_assert_cmpuint(file->tests->len, ==, 1);
    test = file->tests->pdata[0];
    g_assert_cmpstr(test->status, ==, "flaky");
    g_assert_cmpuint(test->attempt, ==, 2);
    /* test_flaky has no tags: test_started's stay. */
    g_assert_cmpuint(test->tags->len, ==, 1);
    g_assert_cmpuint(test->attempts->len, ==, 1);
    first = test->attempts->pdata[0];
    g_assert_cmpuint(first->attempt, ==, 1);
    g_assert_cmpstr(first->status, ==, "failed");
    g_assert_cmpstr(first->log->str, ==, "try 1\n");
    g_assert_nonnull(strstr(first->console_excerpt, "boom"));
}

/*
 * A file of @attempts attempts (--retries) whose test "t" fails in each but
 * the last, which ends with @last ("failed" or "flaky"); each attempt logs
 * "try N" and fails with "f:2: no N".
 */
static GPtrArray *
retried(guint attempts, const char *last)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    guint a;

    g_ptr_array_add(lines, g_strdup("{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>}"));
    g_ptr_array_add(lines, g_strdup("{'kind': <'file_dispatched'>, 'ts': <int64 1>,"
                                    " 'path': <'f'>}"));
    for (a = 1; a <= attempts; a++) {
        if (a > 1)
            g_ptr_array_add(lines, g_strdup_printf("{'kind': <'file_retried'>, 'ts': <int64 %u>,"
                                                   " 'path': <'f'>, 'attempt': <uint32 %u>}",
                                                   a * 10, a));
        g_ptr_array_add(lines, g_strdup_printf("{'kind': <'test_started'>, 'ts': <int64 %u>,"
                                               " 'path': <'f'>, 'name': <'t'>}", a * 10 + 1));
        g_ptr_array_add(lines, g_strdup_printf("{'kind': <'test_log'>, 'ts': <int64 %u>,"
                                               " 'path': <'f'>, 'name': <'t'>,"
                                               " 'text': <'try %u'>}", a * 10 + 2, a));
        if (a < attempts || g_str_equal(last, "failed"))
            g_ptr_array_add(lines, g_strdup_printf("{'kind': <'test_failed'>, 'ts': <int64 %u>,"
                                                   " 'path': <'f'>, 'name': <'t'>,"
                                                   " 'duration_ns': <int64 %u>,"
                                                   " 'reason': <'f:2: no %u'>}",
                                                   a * 10 + 3, a, a));
        else
            g_ptr_array_add(lines, g_strdup_printf("{'kind': <'test_flaky'>, 'ts': <int64 %u>,"
                                                   " 'path': <'f'>, 'name': <'t'>,"
                                                   " 'duration_ns': <int64 %u>,"
                                                   " 'failures': <@as []>}", a * 10 + 3, a));
    }
    g_ptr_array_add(lines, g_strdup_printf("{'kind': <'file_completed'>, 'ts': <int64 %u>,"
                                           " 'path': <'f'>, 'status': <'%s'>}", attempts * 10 + 5,
                                           g_str_equal(last, "failed") ? "failed" : "passed"));
    g_ptr_array_add(lines, NULL);
    return stream((const char *const *)lines->pdata);
}

/*
 * --retries 3: every attempt stays with the test, once, in order (a test
 * that always fails has 3 earlier attempts, not one holding the others),
 * and the page lists each with its message and output.
 */
static void
test_collect_every_attempt(void)
{
    const struct {
        guint attempts;
        const char *last;
        const char *section;
    } cases[] = {
        { 4, "failed", "failures" },
        { 3, "flaky", "flaky" },
    };
    gsize c;

    for (c = 0; c < G_N_ELEMENTS(cases); c++) {
        g_autoptr(GPtrArray) events = retried(cases[c].attempts, cases[c].last);
        g_autoptr(PvReport) report = pv_report_new();
        const PvReportTest *test;
        g_autofree char *page = NULL;
        g_autofree char *xpath = NULL;
        const char *body;
        xmlDoc *doc;
        guint a;

        pv_report_add_stream(report, "runs/r", events, FALSE);
        pv_report_finish(report);
        test = find_test(report, "f", "t");
        g_assert_nonnull(test);
        g_assert_cmpstr(test->status, ==, cases[c].last);
        g_assert_cmpuint(test->attempt, ==, cases[c].attempts);
        g_assert_cmpuint(test->attempts->len, ==, cases[c].attempts - 1);
        for (a = 0; a < test->attempts->len; a++) {
            const PvReportTest *attempt = test->attempts->pdata[a];
            g_autofree char *log = g_strdup_printf("try %u\n", a + 1);

            g_assert_cmpuint(attempt->attempt, ==, a + 1);
            g_assert_cmpstr(attempt->status, ==, "failed");
            g_assert_cmpstr(attempt->log->str, ==, log);
            g_assert_cmpuint(attempt->attempts->len, ==, 0);
        }

        page = pv_report_html(report, NULL);
        body = page + strlen("<!DOCTYPE html>\n");
        doc = xmlReadMemory(body, strlen(body), "page.html", NULL, XML_PARSE_NONET);
        g_assert_nonnull(doc);
        xpath = g_strdup_printf("string(count(//*[@id='%s']//*[@class='attempts']/*))",
                                cases[c].section);
        {
            g_autofree char *count = g_strdup_printf("%u", cases[c].attempts);

            assert_xpath(doc, xpath, count);
        }
        /* Each earlier attempt with its message and its output. */
        for (a = 1; a < cases[c].attempts; a++) {
            g_autofree char *reason = g_strdup_printf("//*[@class='attempts']/*[%u]/"
                                                      "*[@class='reason'][. = 'f:2: no %u']",
                                                      a, a);
            g_autofree char *log = g_strdup_printf("//*[@class='attempts']/*[%u]/"
                                                   "*[@class='log'][. = 'try %u\n']", a, a);

            assert_xpath_found(doc, reason);
            assert_xpath_found(doc, log);
        }
        xmlFreeDoc(doc);
    }
}

/*
 * A failing test that printed 1M and failed with a 100K message: the page
 * keeps the output's last 64K from a line's start and the message's first
 * 64K to a line's end, each saying how much and where the whole is.
 */
static void
test_html_long_output(void)
{
    g_autoptr(GString) log = g_string_new(NULL);
    g_autoptr(GString) reason = g_string_new("f:2: too long\n");
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_autoptr(PvReport) report = pv_report_new();
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    g_autofree char *page = NULL;
    g_autofree char *shown = NULL;
    g_autofree char *message = NULL;
    g_autofree char *note = NULL;
    const char *body;
    xmlDoc *doc;
    guint i;

    for (i = 0; i < 20000; i++)
        g_string_append_printf(log, "line %05u \u00e9\u00e9\u00e9 of the output, long enough\n",
                               i);
    g_string_truncate(log, log->len - 1);
    while (reason->len < 100 * 1024)
        g_string_append(reason, "and more of the message\n");
    g_ptr_array_add(events, g_variant_parse(G_VARIANT_TYPE_VARDICT,
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>, 'dir': <'/runs/r'>}",
        NULL, NULL, NULL));
    g_ptr_array_add(events, g_variant_parse(G_VARIANT_TYPE_VARDICT,
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'f'>}", NULL, NULL, NULL));
    g_variant_builder_add(&fields, "{sv}", "kind", g_variant_new_string("test_log"));
    g_variant_builder_add(&fields, "{sv}", "ts", g_variant_new_int64(1));
    g_variant_builder_add(&fields, "{sv}", "path", g_variant_new_string("f"));
    g_variant_builder_add(&fields, "{sv}", "name", g_variant_new_string("t"));
    g_variant_builder_add(&fields, "{sv}", "text", g_variant_new_string(log->str));
    g_ptr_array_add(events, g_variant_ref_sink(g_variant_builder_end(&fields)));
    g_variant_builder_init(&fields, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&fields, "{sv}", "kind", g_variant_new_string("test_failed"));
    g_variant_builder_add(&fields, "{sv}", "ts", g_variant_new_int64(2));
    g_variant_builder_add(&fields, "{sv}", "path", g_variant_new_string("f"));
    g_variant_builder_add(&fields, "{sv}", "name", g_variant_new_string("t"));
    g_variant_builder_add(&fields, "{sv}", "reason", g_variant_new_string(reason->str));
    g_ptr_array_add(events, g_variant_ref_sink(g_variant_builder_end(&fields)));
    g_ptr_array_add(events, g_variant_parse(G_VARIANT_TYPE_VARDICT,
        "{'kind': <'file_completed'>, 'ts': <int64 3>, 'path': <'f'>, 'status': <'failed'>}",
        NULL, NULL, NULL));
    pv_report_add_stream(report, "runs/r", events, FALSE);
    pv_report_finish(report);
    /* The collector ends each line. */
    g_string_append_c(log, '\n');
    page = pv_report_html(report, NULL);
    g_assert_cmpuint(strlen(page), <, 200 * 1024);
    body = page + strlen("<!DOCTYPE html>\n");
    doc = xmlReadMemory(body, strlen(body), "page.html", NULL, XML_PARSE_NONET);
    g_assert_nonnull(doc);
    shown = xpath_string(doc, "string(//*[@id='t-1-1']/*[@class='log'])");
    g_assert_cmpuint(strlen(shown), <=, 64 * 1024);
    g_assert_cmpuint(strlen(shown), >, 60 * 1024);
    g_assert_true(g_str_has_prefix(shown, "line "));
    g_assert_true(g_str_has_suffix(log->str, shown));
    message = xpath_string(doc, "string(//*[@id='t-1-1']/*[@class='reason'])");
    g_assert_cmpuint(strlen(message), <=, 64 * 1024);
    g_assert_true(g_str_has_prefix(message, "f:2: too long\nand more"));
    g_assert_true(g_str_has_suffix(message, "of the message\n"));
    assert_xpath(doc, "string(count(//*[@id='t-1-1']/*[@class='cut']))", "2");
    note = xpath_string(doc, "string(//*[@id='t-1-1']/*[@class='cut'][2])");
    g_test_message("%s", note);
    g_assert_true(g_str_has_prefix(note, "Only the last 64K of 8"));
    g_assert_nonnull(strstr(note, "/runs/r/files/"));
    g_assert_nonnull(strstr(note, "provium events runs/r"));
    xmlFreeDoc(doc);
}

/* Whatever a name or an output holds, it is text on the page, never markup. */
static void
test_html_escape(void)
{
    const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "plain", "plain" },
        { "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
        { "a & b \"c\" 'd'", "a &amp; b &quot;c&quot; &#39;d&#39;" },
        { "&amp;", "&amp;amp;" },
        { "</style><b>", "&lt;/style&gt;&lt;b&gt;" },
        /* Control characters are shown (a carriage return too), invalid bytes spelled. */
        { "esc \x1b[2J bell \x07 cr\rX", "esc \xe2\x90\x9b[2J bell \xe2\x90\x87 cr\xe2\x90\x8dX" },
        /* A line's end written CRLF is a line's end. */
        { "crlf\r\nend\r", "crlf\nend" },
        { "bad \xff byte", "bad \\xff byte" },
        { "line\n\ttab", "line\n\ttab" },
        /* Noncharacters HTML refuses: U+FDD0, U+FFFE, U+1FFFF. */
        { "\xef\xb7\x90|\xef\xbf\xbe|\xf0\x9f\xbf\xbf", "\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd" },
        { "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = pv_html_escape(cases[i].in);

        g_assert_cmpstr(got, ==, cases[i].out);
    }
}

/* Attribute values and text through the writer: one element each, well-formed. */
static void
test_html_writer(void)
{
    g_autoptr(PvHtml) html = pv_html_new();
    g_autofree char *page = NULL;
    const char *body;
    xmlDoc *doc;

    pv_html_open(html, "div", "id", "x\" onclick=\"alert(1)", "title", NULL, NULL);
    pv_html_element(html, "p", "</div><script>", "data-x", "'", NULL);
    pv_html_void(html, "input", "value", "<>", NULL);
    pv_html_printf(html, "%s & %d", "<b>", 1);
    page = pv_html_end(html);
    g_assert_cmpstr(page, ==, "<!DOCTYPE html>\n"
                    "<div id=\"x&quot; onclick=&quot;alert(1)\">"
                    "<p data-x=\"&#39;\">&lt;/div&gt;&lt;script&gt;</p>\n"
                    "<input value=\"&lt;&gt;\" />&lt;b&gt; &amp; 1</div>\n");
    body = page + strlen("<!DOCTYPE html>\n");
    doc = xmlReadMemory(body, strlen(body), "page.html", NULL, XML_PARSE_NONET);
    g_assert_nonnull(doc);
    xmlFreeDoc(doc);
}

/*
 * The page of a run with a failure (its location, output, each VM's
 * console), a flaky test (each attempt), a skip and a broken file, names
 * full of markup: well-formed, the one script provium's, everything shown.
 */
static void
test_html_page(void)
{
    const char *const lines[] = {
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r1'>, 'host': <'h<1>'>,"
        " 'uri': <'test:///default'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'t/a<b>.test.lua'>}",
        "{'kind': <'test_started'>, 'ts': <int64 0>, 'path': <'t/a<b>.test.lua'>,"
        " 'name': <'<script>alert(\"x\")</script>'>, 'tags': <['net&slow']>}",
        "{'kind': <'test_log'>, 'ts': <int64 0>, 'path': <'t/a<b>.test.lua'>,"
        " 'name': <'<script>alert(\"x\")</script>'>, 'text': <'out <put> \\u001b[31m'>}",
        "{'kind': <'test_failed'>, 'ts': <int64 1000000000>, 'path': <'t/a<b>.test.lua'>,"
        " 'name': <'<script>alert(\"x\")</script>'>, 'tags': <['net&slow']>,"
        " 'duration_ns': <int64 1000000000>,"
        " 'reason': <'t/a<b>.test.lua:12: expected 1, got 2 ]]>'>,"
        " 'console_excerpt': <'--- console of vm \\'web\\' (domain \\'d-web\\') ---\\nweb says <hi>\\n"
        "--- console of vm \\'db\\' (domain \\'d-db\\') ---\\ndb: Oops'>}",
        "{'kind': <'test_started'>, 'ts': <int64 1000000000>, 'path': <'t/a<b>.test.lua'>,"
        " 'name': <'later'>}",
        "{'kind': <'test_skipped'>, 'ts': <int64 1000000000>, 'path': <'t/a<b>.test.lua'>,"
        " 'name': <'later'>, 'duration_ns': <int64 0>, 'reason': <'not today'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 1000000000>, 'path': <'t/a<b>.test.lua'>,"
        " 'status': <'failed'>, 'duration_ns': <int64 1000000000>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'t/f.test.lua'>}",
        "{'kind': <'test_started'>, 'ts': <int64 0>, 'path': <'t/f.test.lua'>, 'name': <'wobbly'>}",
        "{'kind': <'test_failed'>, 'ts': <int64 1>, 'path': <'t/f.test.lua'>, 'name': <'wobbly'>,"
        " 'duration_ns': <int64 1>, 'reason': <'t/f.test.lua:2: first time'>}",
        "{'kind': <'file_retried'>, 'ts': <int64 2>, 'path': <'t/f.test.lua'>, 'attempt': <uint32 2>}",
        "{'kind': <'test_started'>, 'ts': <int64 2>, 'path': <'t/f.test.lua'>, 'name': <'wobbly'>}",
        "{'kind': <'test_flaky'>, 'ts': <int64 3>, 'path': <'t/f.test.lua'>, 'name': <'wobbly'>,"
        " 'duration_ns': <int64 1>, 'failures': <['t/f.test.lua:2: first time']>}",
        "{'kind': <'file_completed'>, 'ts': <int64 3>, 'path': <'t/f.test.lua'>,"
        " 'status': <'passed'>, 'duration_ns': <int64 3>}",
        "{'kind': <'file_completed'>, 'ts': <int64 3>, 'path': <'t/broken.test.lua'>,"
        " 'status': <'error'>, 'duration_ns': <int64 0>, 'error': <'t/broken.test.lua:1: \\'end\\' "
        "expected'>}",
        "{'kind': <'run_finished'>, 'ts': <int64 1000000000>, 'passed': <uint32 0>,"
        " 'failed': <uint32 1>, 'skipped': <uint32 1>, 'flaky': <uint32 1>}",
        NULL,
    };
    g_autoptr(GPtrArray) events = stream(lines);
    g_autoptr(PvReport) report = pv_report_new();
    g_autoptr(GHashTable) trends = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify)g_array_unref);
    GArray *points = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autofree char *page = NULL;
    const char *body;
    xmlDoc *doc;
    gint64 ns;

    pv_report_add_stream(report, "runs/r1", events, FALSE);
    pv_report_finish(report);
    for (ns = 1; ns <= 3; ns++) {
        gint64 value = ns * S;

        g_array_append_val(points, value);
    }
    g_hash_table_insert(trends, "t/f.test.lua", points);
    page = pv_report_html(report, trends);
    g_assert_true(g_str_has_prefix(page, "<!DOCTYPE html>\n"));
    body = page + strlen("<!DOCTYPE html>\n");
    g_assert_true(g_utf8_validate(page, -1, NULL));
    doc = xmlReadMemory(body, strlen(body), "page.html", NULL, XML_PARSE_NONET);
    g_assert_nonnull(doc);
#define HTML(x) "*[local-name()='" x "']"
    /* The one script and style are provium's. */
    assert_xpath(doc, "string(count(//" HTML("script") "))", "1");
    assert_xpath(doc, "string(count(//" HTML("style") "))", "1");
    assert_xpath(doc, "string(count(//@*[starts-with(local-name(), 'on')]))",
                    "0");
    /* The figures. */
    assert_xpath(doc, "string(//" HTML("span") "[@class='count s-failed']"
                                       "/@data-count)", "1");
    assert_xpath(doc, "string(//" HTML("span") "[@class='count s-flaky']"
                                       "/@data-count)", "1");
    assert_xpath(doc, "string(//" HTML("span") "[@class='count s-error']"
                                       "/@data-count)", "1");
    /* The failure: its message, where, its output, each VM's console under its name. */
    assert_xpath(doc, "string(//" HTML("article") "[@id='t-1-1']//"
                                       HTML("span") "[@class='name'])",
                    "<script>alert(\"x\")</script>");
    assert_xpath(doc, "string(//" HTML("article") "[@id='t-1-1']/"
                                       HTML("pre") "[@class='reason'])",
                    "t/a<b>.test.lua:12: expected 1, got 2 ]]>");
    assert_xpath(doc, "string(//" HTML("article") "[@id='t-1-1']/"
                                       HTML("p") "[@class='where']/" HTML("code") ")",
                    "t/a<b>.test.lua:12");
    assert_xpath(doc, "string(//" HTML("article") "[@id='t-1-1']/"
                                       HTML("pre") "[@class='log'])",
                    "out <put> \xe2\x90\x9b[31m\n");
    assert_xpath(doc, "string(//" HTML("article") "[@id='t-1-1']/"
                                       HTML("h4") "[2])", "console of vm 'web' (domain 'd-web')");
    assert_xpath(doc, "string(//" HTML("article") "[@id='t-1-1']/"
                                       HTML("pre") "[@class='console'][1])", "web says <hi>");
    assert_xpath(doc, "string(//" HTML("article") "[@id='t-1-1']/"
                                       HTML("pre") "[@class='console'][2])", "db: Oops");
    /* The flaky test: each attempt; the broken file's error. */
    assert_xpath(doc, "string(count(//" HTML("section") "[@id='flaky']//"
                                       HTML("ol") "[@class='attempts']/" HTML("li") "))", "2");
    assert_xpath(doc, "string(//" HTML("section") "[@id='flaky']//"
                                       HTML("pre") "[@class='reason'])",
                    "t/f.test.lua:2: first time");
    assert_xpath_found(doc, "//" HTML("article") "[contains(@class, 'p-error')]/"
                                        HTML("pre") "[starts-with(., 't/broken.test.lua:1')]");
    /* The table: a body per file, a row per test, the skip's reason, tags. */
    assert_xpath(doc, "string(count(//" HTML("tbody") "))", "3");
    assert_xpath(doc, "string(count(//" HTML("tr") "[@class='r-test']))", "3");
    assert_xpath(doc, "string(//" HTML("tr") "[@data-name='later']/@data-status)",
                    "skipped");
    assert_xpath(doc, "string(//" HTML("tr") "[@data-status='failed']//"
                                       HTML("span") "[@class='tag'])", "net&slow");
    /* The failed test's row links to its failure; the timeline's bars to the files. */
    assert_xpath(doc, "string(//" HTML("tr") "[@data-status='failed']//"
                                       HTML("a") "/@href)", "#t-1-1");
    /* Three labels, two bars: the broken file never ran. */
    assert_xpath(doc, "string(count(//" HTML("div") "[@class='figure']//"
                                       HTML("a") "))", "5");
    /* The trend, where there is one. */
    assert_xpath(doc, "string(//" HTML("tbody") "[@id='f-3']//"
                                       HTML("svg") "[@class='spark']/@aria-label)",
                    "the last 3 runs: 1.0s, 2.0s, 3.0s");
    assert_xpath(doc, "string(count(//" HTML("svg") "[@class='spark']))", "1");
#undef HTML
    xmlFreeDoc(doc);
}

/*
 * A run on two libvirt hosts (issue 21): ci runs a and c, lab2 runs b; d is
 * never placed.  Its events name each file's host.
 */
static const char *const two_hosts[] = {
    "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'rh'>, 'host': <'client'>,"
    " 'uri': <'qemu:///system'>, 'pool': <{'memory': <uint64 6442450944>, 'cpus': <3.0>}>,"
    " 'hosts': <[{'name': <'ci'>, 'uri': <'qemu:///system'>,"
    "             'pool': <{'memory': <uint64 4294967296>, 'cpus': <2.0>}>, 'cpus': <uint32 2>},"
    "            {'name': <'lab2'>, 'uri': <'qemu+ssh://lab2/system'>,"
    "             'pool': <{'memory': <uint64 2147483648>, 'cpus': <1.0>}>, 'cpus': <uint32 1>}]>}",
    "{'kind': <'file_blocked'>, 'ts': <int64 0>, 'path': <'d'>, 'reason': <'pool_full'>}",
    "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'a'>, 'host': <'ci'>}",
    "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'b'>, 'host': <'lab2'>}",
    "{'kind': <'network_created'>, 'ts': <int64 0>, 'path': <'b'>, 'host': <'lab2'>,"
    " 'net': <'lan'>, 'address': <'10.9.0.1'>}",
    "{'kind': <'vm_spawned'>, 'ts': <int64 1000000000>, 'path': <'a'>, 'host': <'ci'>,"
    " 'vm': <'v1'>, 'domain': <'d1'>, 'memory': <uint64 1073741824>}",
    "{'kind': <'vm_spawned'>, 'ts': <int64 1000000000>, 'path': <'a'>, 'host': <'ci'>,"
    " 'vm': <'v2'>, 'domain': <'d2'>, 'memory': <uint64 536870912>}",
    "{'kind': <'vm_spawned'>, 'ts': <int64 2000000000>, 'path': <'b'>, 'host': <'lab2'>,"
    " 'vm': <'v'>, 'domain': <'d3'>, 'memory': <uint64 268435456>}",
    "{'kind': <'test_started'>, 'ts': <int64 2000000000>, 'path': <'b'>, 'host': <'lab2'>,"
    " 'name': <'t'>}",
    "{'kind': <'test_failed'>, 'ts': <int64 4000000000>, 'path': <'b'>, 'host': <'lab2'>,"
    " 'name': <'t'>, 'reason': <'b:1: no'>}",
    "{'kind': <'vm_stopped'>, 'ts': <int64 4000000000>, 'path': <'b'>, 'host': <'lab2'>,"
    " 'vm': <'v'>, 'domain': <'d3'>, 'reason': <'file_ended'>}",
    "{'kind': <'file_completed'>, 'ts': <int64 4000000000>, 'path': <'b'>, 'host': <'lab2'>,"
    " 'status': <'failed'>, 'duration_ns': <int64 4000000000>}",
    "{'kind': <'test_started'>, 'ts': <int64 1000000000>, 'path': <'a'>, 'host': <'ci'>,"
    " 'name': <'t'>}",
    "{'kind': <'test_passed'>, 'ts': <int64 5000000000>, 'path': <'a'>, 'host': <'ci'>,"
    " 'name': <'t'>}",
    "{'kind': <'vm_stopped'>, 'ts': <int64 5000000000>, 'path': <'a'>, 'host': <'ci'>,"
    " 'vm': <'v1'>, 'domain': <'d1'>, 'reason': <'file_ended'>}",
    "{'kind': <'vm_stopped'>, 'ts': <int64 6000000000>, 'path': <'a'>, 'host': <'ci'>,"
    " 'vm': <'v2'>, 'domain': <'d2'>, 'reason': <'file_ended'>}",
    "{'kind': <'file_completed'>, 'ts': <int64 6000000000>, 'path': <'a'>, 'host': <'ci'>,"
    " 'status': <'passed'>, 'duration_ns': <int64 6000000000>}",
    "{'kind': <'file_dispatched'>, 'ts': <int64 6000000000>, 'path': <'c'>, 'host': <'ci'>}",
    "{'kind': <'vm_spawned'>, 'ts': <int64 7000000000>, 'path': <'c'>, 'host': <'ci'>,"
    " 'vm': <'v'>, 'domain': <'d4'>, 'memory': <uint64 1073741824>}",
    "{'kind': <'test_started'>, 'ts': <int64 7000000000>, 'path': <'c'>, 'host': <'ci'>,"
    " 'name': <'u'>}",
    "{'kind': <'test_passed'>, 'ts': <int64 8000000000>, 'path': <'c'>, 'host': <'ci'>,"
    " 'name': <'u'>}",
    "{'kind': <'vm_stopped'>, 'ts': <int64 8000000000>, 'path': <'c'>, 'host': <'ci'>,"
    " 'vm': <'v'>, 'domain': <'d4'>, 'reason': <'file_ended'>}",
    "{'kind': <'file_completed'>, 'ts': <int64 9000000000>, 'path': <'c'>, 'host': <'ci'>,"
    " 'status': <'passed'>, 'duration_ns': <int64 3000000000>}",
    "{'kind': <'file_completed'>, 'ts': <int64 9000000000>, 'path': <'d'>,"
    " 'status': <'not_run'>, 'duration_ns': <int64 0>}",
    "{'kind': <'run_finished'>, 'ts': <int64 9000000000>, 'passed': <uint32 2>,"
    " 'failed': <uint32 1>, 'skipped': <uint32 0>}",
    NULL,
};

static const PvSummaryHost *
summary_host(const PvSummary *summary, guint i, const char *name)
{
    const PvSummaryHost *host;

    g_assert_cmpuint(i, <, summary->hosts->len);
    host = summary->hosts->pdata[i];
    g_assert_cmpstr(host->name, ==, name);
    return host;
}

/* provium report's figures per host: files, tests, VM time, peaks. */
static void
test_hosts_figures(void)
{
    g_autoptr(GPtrArray) events = stream(two_hosts);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *text = pv_summary_format(summary);
    const PvSummaryHost *ci;
    const PvSummaryHost *lab2;

    g_test_message("%s", text);
    g_assert_cmpuint(summary->hosts->len, ==, 2);
    ci = summary_host(summary, 0, "ci");
    lab2 = summary_host(summary, 1, "lab2");
    g_assert_cmpstr(ci->uri, ==, "qemu:///system");
    g_assert_cmpstr(lab2->uri, ==, "qemu+ssh://lab2/system");
    g_assert_cmpuint(lab2->pool_memory, ==, G_GUINT64_CONSTANT(2147483648));
    g_assert_cmpfloat_with_epsilon(lab2->pool_cpus, 1.0, 1e-9);
    g_assert_cmpuint(ci->files, ==, 2);
    g_assert_cmpuint(ci->passed, ==, 2);
    g_assert_cmpuint(ci->failed, ==, 0);
    /* d1 1..5 s, d2 1..6 s, d4 7..8 s */
    g_assert_cmpint(ci->vm_ns, ==, 10 * S);
    g_assert_cmpuint(ci->peak_vms, ==, 2);
    g_assert_cmpuint(ci->peak_memory, ==, G_GUINT64_CONSTANT(1610612736));
    g_assert_cmpuint(lab2->files, ==, 1);
    g_assert_cmpuint(lab2->passed, ==, 0);
    g_assert_cmpuint(lab2->failed, ==, 1);
    g_assert_cmpint(lab2->vm_ns, ==, 2 * S);
    g_assert_cmpuint(lab2->peak_vms, ==, 1);
    g_assert_cmpuint(lab2->peak_memory, ==, G_GUINT64_CONSTANT(268435456));
    g_assert_nonnull(strstr(text, "2 hosts:\n"
                                  "  ci: 2 files, 2 passed, 0 failed; VM time 10.0s; VMs peak 2 "
                                  "(1.5G); qemu:///system, pool 4G and 2 vCPUs\n"
                                  "  lab2: 1 file, 0 passed, 1 failed; VM time 2.0s; VMs peak 1 "
                                  "(256M); qemu+ssh://lab2/system, pool 2G and 1 vCPUs\n"));
    /* Each file says where it ran; d never did. */
    g_assert_nonnull(strstr(text, "      4.0s  failed      1 VM   b  [lab2]\n"));
    /* The header names no one host's URI for a run of several. */
    g_assert_nonnull(strstr(text, " on 2 hosts: "));
    g_assert_nonnull(strstr(text, "       0ms  not_run     0 VMs  d  [-]\n"));
}

/* One host, or a stream of a provium before hosts: no figures per host, as before. */
static void
test_hosts_one(void)
{
    const char *const old_network[] = {
        "{'kind': <'run_started'>, 'ts': <int64 0>, 'run': <'r'>, 'host': <'client'>}",
        "{'kind': <'file_dispatched'>, 'ts': <int64 0>, 'path': <'a'>}",
        /* Before hosts, network_created's host was the address on the network. */
        "{'kind': <'network_created'>, 'ts': <int64 0>, 'path': <'a'>, 'host': <'10.9.0.1'>}",
        "{'kind': <'test_passed'>, 'ts': <int64 1>, 'path': <'a'>, 'name': <'t'>}",
        "{'kind': <'file_completed'>, 'ts': <int64 2>, 'path': <'a'>, 'status': <'passed'>}",
        "{'kind': <'run_finished'>, 'ts': <int64 2>}",
        NULL,
    };
    g_autoptr(GPtrArray) old_events = stream(old_network);
    g_autoptr(GPtrArray) clean_events = stream(clean_run);
    g_autoptr(PvSummary) old = pv_summary_new(old_events, FALSE);
    g_autoptr(PvSummary) clean = pv_summary_new(clean_events, FALSE);
    g_autofree char *text = pv_summary_format(old);
    g_autofree char *svg = pv_summary_svg(old);
    g_autoptr(PvReport) report = pv_report_new();
    const PvReportFile *file;

    g_assert_cmpuint(old->hosts->len, ==, 0);
    g_assert_cmpuint(clean->hosts->len, ==, 0);
    g_assert_null(((PvSummaryFile *)old->files->pdata[0])->host);
    g_assert_null(strstr(text, "host"));
    g_assert_null(strstr(svg, "host-heading"));
    pv_report_add_stream(report, "old", old_events, FALSE);
    pv_report_finish(report);
    file = report->files->pdata[0];
    g_assert_null(file->vm_host);
    g_assert_null(((PvReportTest *)file->tests->pdata[0])->host);
}

/* The timeline: a part per host in the run's band, each with its files. */
static void
test_hosts_svg(void)
{
    g_autoptr(GPtrArray) events = stream(two_hosts);
    g_autoptr(PvSummary) summary = pv_summary_new(events, FALSE);
    g_autofree char *svg = pv_summary_svg(summary);
    xmlDoc *doc = xmlReadMemory(svg, strlen(svg), "run.svg", NULL, XML_PARSE_NONET);
    const char *heading = "//*[local-name()='text'][@class='host-heading']";
    g_autofree char *count = NULL;
    g_autofree char *ci_y = NULL;
    g_autofree char *lab2_y = NULL;
    g_autofree char *none_y = NULL;
    g_autofree char *expr = NULL;
    double y[4];
    guint i;

    g_assert_nonnull(doc);
    /* ci, lab2, and the files never placed */
    count = g_strdup_printf("string(count(%s))", heading);
    assert_xpath(doc, count, "3");
    assert_xpath_found(doc, "//*[local-name()='text'][@class='host-heading']"
                            "[starts-with(., 'host ci: 2 files, 2 passed')]");
    assert_xpath_found(doc, "//*[local-name()='text'][@class='host-heading']"
                            "[starts-with(., 'host lab2: 1 file, 0 passed, 1 failed')]");
    ci_y = xpath_string(doc, "string((//*[local-name()='text'][@class='host-heading'])[1]/@y)");
    lab2_y = xpath_string(doc, "string((//*[local-name()='text'][@class='host-heading'])[2]/@y)");
    none_y = xpath_string(doc, "string((//*[local-name()='text'][@class='host-heading'])[3]/@y)");
    /* Each file's label under its host's heading: a and c under ci, b under lab2, d last. */
    for (i = 0; i < 4; i++) {
        const char *paths[] = { "a", "c", "b", "d" };
        g_autofree char *one = g_strdup_printf("string(//*[local-name()='text']"
                                               "[*[local-name()='title'] = '%s']/@y)", paths[i]);
        g_autofree char *value = xpath_string(doc, one);

        g_assert_cmpstr(value, !=, "");
        y[i] = g_ascii_strtod(value, NULL);
    }
    g_assert_cmpfloat(g_ascii_strtod(ci_y, NULL), <, y[0]);
    g_assert_cmpfloat(y[0], <, y[1]);
    g_assert_cmpfloat(y[1], <, g_ascii_strtod(lab2_y, NULL));
    g_assert_cmpfloat(g_ascii_strtod(lab2_y, NULL), <, y[2]);
    g_assert_cmpfloat(y[2], <, g_ascii_strtod(none_y, NULL));
    g_assert_cmpfloat(g_ascii_strtod(none_y, NULL), <, y[3]);
    /* The whole picture holds every lane: its height is below the last. */
    expr = xpath_string(doc, "string(/*/@height)");
    g_assert_cmpfloat(g_ascii_strtod(expr, NULL), >, y[3]);
    xmlFreeDoc(doc);
}

/* JUnit: each test case names the host it ran on; the page's file rows too. */
static void
test_hosts_junit_and_page(void)
{
    g_autoptr(GPtrArray) events = stream(two_hosts);
    g_autoptr(PvReport) report = pv_report_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("pv-report-hosts-XXXXXX", &error);
    g_autofree char *path = NULL;
    g_autofree char *page = NULL;
    g_autofree char *text = NULL;
    xmlDoc *doc;

    g_assert_no_error(error);
    path = g_build_filename(dir, "junit.xml", NULL);
    pv_report_add_stream(report, "runs/r", events, FALSE);
    pv_report_finish(report);
    text = pv_report_format(report);
    g_assert_nonnull(strstr(text, "  lab2: 1 file, 0 passed, 1 failed"));
    g_assert_true(pv_report_write_junit(report, path, &error));
    g_assert_no_error(error);
    doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    g_assert_nonnull(doc);
    assert_xpath(doc, "string(//testsuite[@name='a']/testcase[@name='t']/properties/"
                      "property[@name='host']/@value)", "ci");
    assert_xpath(doc, "string(//testsuite[@name='b']/testcase[@name='t']/properties/"
                      "property[@name='host']/@value)", "lab2");
    assert_xpath(doc, "string(//testsuite[@name='c']/testcase[@name='u']/properties/"
                      "property[@name='host']/@value)", "ci");
    /* Every test case that ran names one. */
    assert_xpath(doc, "string(count(//testcase[not(properties/property[@name='host'])]"
                      "[not(skipped)]))", "0");
    xmlFreeDoc(doc);
    g_unlink(path);
    g_rmdir(dir);

    page = pv_report_html(report, NULL);
    g_assert_nonnull(strstr(page, "<span class=\"on-host\">lab2</span>"));
    g_assert_nonnull(strstr(page, "qemu+ssh://lab2/system"));
}

static void
collect_block(const PvReportFile *file, const char *block, gpointer user_data)
{
    g_string_append(user_data, block);
}

/* The terminal's blocks and --json say where each file ran, when there were several hosts. */
static void
test_hosts_terminal_and_json(void)
{
    const char *const *const runs[] = { two_hosts, clean_run };
    guint r;

    for (r = 0; r < G_N_ELEMENTS(runs); r++) {
        g_autoptr(GPtrArray) events = stream(runs[r]);
        g_autoptr(GString) blocks = g_string_new(NULL);
        g_autoptr(PvTerminal) terminal = pv_terminal_new_for_blocks(collect_block, blocks);
        g_autoptr(PvReportCollector) collector = pv_report_collector_new();
        g_autoptr(GString) json = g_string_new(NULL);
        guint i;

        for (i = 0; i < events->len; i++) {
            g_autoptr(PvReportFile) file = pv_report_collector_feed(collector,
                                                                    events->pdata[i]);

            pv_terminal_on_event(events->pdata[i], terminal);
            if (file) {
                g_autofree char *line = pv_json_format_file(file);

                g_string_append_printf(json, "%s\n", line);
            }
        }
        g_test_message("%s%s", blocks->str, json->str);
        if (r == 0) {
            g_assert_nonnull(strstr(blocks->str, "b failed (4.0s)\n  on host lab2\n  FAIL  t"));
            g_assert_nonnull(strstr(blocks->str, "a passed (6.0s)\n  on host ci\n"));
            /* d never ran anywhere. */
            g_assert_nonnull(strstr(blocks->str, "d not_run (0ms)\n"));
            g_assert_null(strstr(blocks->str, "d not_run (0ms)\n  on host"));
            g_assert_nonnull(strstr(json->str, "{\"path\":\"b\",\"status\":\"failed\","
                                               "\"duration_ns\":4000000000,\"duration\":4.0,"
                                               "\"attempts\":1,\"host\":\"lab2\","));
        } else {
            g_assert_nonnull(strstr(blocks->str, "b failed (2.0s)\n"));
            g_assert_null(strstr(blocks->str, "on host"));
            g_assert_null(strstr(json->str, "\"host\""));
        }
    }
}

/*
 * provium report of a run on two hosts and an older run (no hosts): the
 * first's line has its hosts' figures under it and its files their host;
 * the other reads as before.
 */
static void
test_hosts_merge(void)
{
    g_autoptr(GPtrArray) two = stream(two_hosts);
    g_autoptr(GPtrArray) old = stream(clean_run);
    g_autoptr(PvReport) report = pv_report_new();
    g_autofree char *text = NULL;
    g_autofree char *svg = NULL;
    g_auto(GStrv) parts = NULL;

    pv_report_add_stream(report, "runs/two", two, FALSE);
    pv_report_add_stream(report, "runs/old", old, FALSE);
    pv_report_finish(report);
    text = pv_report_format(report);
    svg = pv_report_svg(report, NULL, FALSE);
    g_test_message("%s", text);
    g_assert_nonnull(strstr(text, "\n      ci: 2 files, 2 passed, 0 failed; VM time 10.0s"));
    g_assert_nonnull(strstr(text, "\n      lab2: 1 file, 0 passed, 1 failed"));
    g_assert_nonnull(strstr(text, "  6.0s  passed      2 VMs  a  [1 ci]\n"));
    g_assert_nonnull(strstr(text, "  4.0s  failed      1 VM   b  [1 lab2]\n"));
    g_assert_nonnull(strstr(text, "  2.0s  failed      0 VMs  b  [2]\n"));
    /* The first run's band has a part per host; the older run's none. */
    g_assert_nonnull(strstr(svg, "host lab2: 1 file"));
    parts = g_strsplit(svg, "class=\"host-heading\"", -1);
    g_assert_cmpuint(g_strv_length(parts), ==, 4);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/report/figures", test_figures);
    g_test_add_func("/report/leaks", test_leaks);
    g_test_add_func("/report/kept", test_kept_is_not_a_leak);
    g_test_add_func("/report/truncated", test_truncated);
    g_test_add_func("/report/block-and-json", test_block_and_json);
    g_test_add_func("/report/svg/labels", test_svg_labels);
    g_test_add_func("/report/svg/overlapping-boots", test_svg_overlapping_boots);
    g_test_add_func("/report/svg/fixtures", test_svg_fixtures);
    g_test_add_func("/report/extreme-ts", test_extreme_ts);
    g_test_add_func("/report/merge/shares", test_merge_shares);
    g_test_add_func("/report/merge/overlap", test_merge_overlap);
    g_test_add_func("/report/merge/svg", test_merge_svg);
    g_test_add_func("/report/merge/by-key", test_merge_by_key);
    g_test_add_func("/report/merge/same-run", test_merge_same_run);
    g_test_add_func("/report/merge/file-row", test_merge_file_row);
    g_test_add_func("/report/merge/share-checks", test_merge_share_checks);
    g_test_add_func("/report/one-share", test_one_share);
    g_test_add_func("/report/collect/attempts", test_collect_attempts);
    g_test_add_func("/report/collect/every-attempt", test_collect_every_attempt);
    g_test_add_func("/report/html/escape", test_html_escape);
    g_test_add_func("/report/html/writer", test_html_writer);
    g_test_add_func("/report/html/page", test_html_page);
    g_test_add_func("/report/html/long-output", test_html_long_output);
    g_test_add_func("/report/hosts/figures", test_hosts_figures);
    g_test_add_func("/report/hosts/one", test_hosts_one);
    g_test_add_func("/report/hosts/svg", test_hosts_svg);
    g_test_add_func("/report/hosts/junit-and-page", test_hosts_junit_and_page);
    g_test_add_func("/report/hosts/terminal-and-json", test_hosts_terminal_and_json);
    g_test_add_func("/report/hosts/merge", test_hosts_merge);
    return g_test_run();
}
