/*
 * fuzz-events.c: reading an event stream (src/events/pv-event-reader.c), and what
 * `provium events` and `provium report` make of it
 *
 * The input is a saved events.msgpack.  Every event the reader returns is
 * printed as JSON, as `provium events` does; the events then go through
 * `provium report`'s summary, its text and its SVG timeline, and as two
 * streams at once (each test in both: merged, reported once) through the
 * report of several runs and its HTML page, which must stay well-formed
 * whatever names and output the stream holds.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "fuzz.h"
#include "pv-events.h"
#include "pv-report-html.h"
#include "pv-report-summary.h"
#include "pv-report.h"

#include <libxml/parser.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path;
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvSummary) summary = NULL;
    g_autofree char *text = NULL;
    g_autofree char *svg = NULL;
    g_autoptr(PvReport) report = NULL;
    g_autofree char *report_text = NULL;
    g_autofree char *html = NULL;
    xmlDoc *doc;
    GVariant *event;

    pv_fuzz_init();
    path = pv_fuzz_write_file("events.msgpack", data, size);
    reader = pv_event_reader_new(path, NULL);
    if (!reader)
        return 0;
    while ((event = pv_event_reader_next(reader, &error))) {
        g_autoptr(JsonNode) node = json_gvariant_serialize(event);
        g_autofree char *line = json_to_string(node, FALSE);

        PV_FUZZ_ASSERT(pv_event_get_kind(event));
        PV_FUZZ_ASSERT(line && g_utf8_validate(line, -1, NULL));
        g_ptr_array_add(events, event);
    }
    /* provium report stops at an error; what came before still goes through */
    if (events->len == 0)
        return 0;
    summary = pv_summary_new(events, pv_event_reader_truncated(reader));
    text = pv_summary_format(summary);
    svg = pv_summary_svg(summary);
    PV_FUZZ_ASSERT(text && svg);

    report = pv_report_new();
    pv_report_add_stream(report, "a", events, pv_event_reader_truncated(reader));
    pv_report_add_stream(report, "b", events, FALSE);
    pv_report_finish(report);
    report_text = pv_report_format(report);
    html = pv_report_html(report, NULL);
    PV_FUZZ_ASSERT(report_text && html);
    doc = xmlReadMemory(html, strlen(html), "page.html", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    PV_FUZZ_ASSERT(doc);
    xmlFreeDoc(doc);
    return 0;
}
