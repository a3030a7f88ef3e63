/*
 * cmd-report.c: provium report FILE... [--svg OUT] [--junit OUT] [--html OUT]:
 * one or more runs' figures, their picture, their tests for CI, their page
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cmd.h"
#include "pv-safe.h"
#include "pv-report-html.h"
#include "pv-report.h"
#include "pv-text.h"

int
pv_cmd_report(int argc, char **argv, GError **out_error)
{
    g_autofree char *svg_path = NULL;
    g_autofree char *junit_path = NULL;
    g_autofree char *html_path = NULL;
    g_auto(GStrv) files = NULL;
    const GOptionEntry entries[] = {
        { "svg", 0, 0, G_OPTION_ARG_FILENAME, &svg_path,
          N_("Also draw the runs as a timeline in OUT (SVG), a band per stream"), N_("OUT") },
        { "junit", 0, 0, G_OPTION_ARG_FILENAME, &junit_path,
          N_("Also write a JUnit XML report of every test, each once, to OUT"), N_("OUT") },
        { "html", 0, 0, G_OPTION_ARG_FILENAME, &html_path,
          N_("Also write a report page to OUT (one HTML file that works offline)"),
          N_("OUT") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
          N_("FILE...") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvReport) report = NULL;
    g_autofree char *text = NULL;
    guint i;

    g_option_context_set_summary(context,
        _("Summarizes saved event streams (--save-events, a run directory and its\n"
          "events.msgpack, or a results directory and its latest run): files by duration,\n"
          "peak and mean parallelism, time blocked per reason, VMs per file, and a leak\n"
          "check.  Several streams (the shares of a corpus run as separate CI jobs) make\n"
          "one report: figures over all of them, every test once, the leak check per\n"
          "stream, and which share each ran.  Exits 1 when a leak check fails, or when the\n"
          "streams' shares split the files differently or one is missing (tests did not\n"
          "run)."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (!pv_cmd_check_streams(files, "report", &error))
        goto fail;
    /* Before the streams are read: a wrong OUT is said at once, and nothing is replaced. */
    if (svg_path && !pv_safe_check_output(svg_path, TRUE, &error)) {
        g_prefix_error(&error, "--svg: ");
        goto fail;
    }
    if (junit_path && !pv_safe_check_output(junit_path, TRUE, &error)) {
        g_prefix_error(&error, "--junit: ");
        goto fail;
    }
    if (html_path && !pv_safe_check_output(html_path, TRUE, &error)) {
        g_prefix_error(&error, "--html: ");
        goto fail;
    }
    report = pv_report_load((const char *const *)files, &error);
    if (!report)
        goto fail;
    for (i = 0; i < report->notes->len; i++) {
        g_autofree char *note = pv_text_sanitize(report->notes->pdata[i], -1);

        g_printerr("provium: %s\n", note);
    }
    text = pv_report_format(report);
    {
        /* Paths and names from the streams may hold escape sequences. */
        g_autofree char *shown = pv_text_sanitize(text, -1);

        g_print("%s", shown);
    }
    if (svg_path) {
        g_autofree char *svg = pv_report_svg(report, NULL, FALSE);

        if (!pv_write_file_atomic(svg_path, svg, -1, &error)) {
            g_prefix_error(&error, "--svg: ");
            goto fail;
        }
    }
    if (junit_path && !pv_report_write_junit(report, junit_path, &error))
        goto fail;
    if (html_path && !pv_report_write_html(report, html_path, &error))
        goto fail;
    /* A share split otherwise or missing: tests did not run, which CI must not pass. */
    return pv_report_count_leaks(report) || report->shares_incomplete ? PV_EXIT_FAILED
                                                                       : PV_EXIT_OK;

 fail:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}
