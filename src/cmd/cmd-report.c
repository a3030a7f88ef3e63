/*
 * cmd-report.c: provium report FILE [--svg OUT]: a run's figures, and its picture
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cmd.h"
#include "pv-safe.h"
#include "pv-events.h"
#include "pv-report-summary.h"
#include "pv-run.h"
#include "pv-text.h"

int
pv_cmd_report(int argc, char **argv, GError **out_error)
{
    g_autofree char *svg_path = NULL;
    g_auto(GStrv) files = NULL;
    const GOptionEntry entries[] = {
        { "svg", 0, 0, G_OPTION_ARG_FILENAME, &svg_path,
          N_("Also draw the run as a timeline in OUT (SVG)"), N_("OUT") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, N_("FILE") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvEventReader) reader = NULL;
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_autoptr(PvSummary) summary = NULL;
    g_autofree char *text = NULL;
    GVariant *event;

    g_option_context_set_summary(context,
        _("Summarizes a saved event stream (--save-events, or events.msgpack in a run\n"
          "directory): files by duration, peak and mean parallelism, time blocked per\n"
          "reason, VMs per file, and a leak check.  Exits 1 when the leak check fails."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    reader = pv_cmd_open_events(files, "report", &error);
    if (!reader)
        goto fail;
    while ((event = pv_event_reader_next(reader, &error)))
        g_ptr_array_add(events, event);
    if (error)
        goto fail;
    if (events->len == 0) {
        g_set_error(&error, PV_ERROR, PV_ERROR_USAGE, _("%s holds no events"), files[0]);
        goto fail;
    }
    summary = pv_summary_new(events, pv_event_reader_truncated(reader));
    text = pv_summary_format(summary);
    {
        /* Paths and names from the stream may hold escape sequences. */
        g_autofree char *shown = pv_text_sanitize(text, -1);

        g_print("%s", shown);
    }
    if (svg_path) {
        g_autofree char *svg = pv_summary_svg(summary);

        if (!pv_write_file_atomic(svg_path, svg, -1, &error)) {
            g_prefix_error(&error, "--svg: ");
            goto fail;
        }
    }
    return summary->leaks->len ? PV_EXIT_FAILED : PV_EXIT_OK;

 fail:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}
