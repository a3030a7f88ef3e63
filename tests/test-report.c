/*
 * test-report.c: the figures provium report computes, on synthetic streams
 */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>

#include "pv-report-collect.h"
#include "pv-report-json.h"
#include "pv-report-summary.h"
#include "pv-report-terminal.h"

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
    return g_test_run();
}
