/*
 * pv-report-terminal.c: per-file result blocks and the summary line
 *
 * An event listener.  Each file's block is printed whole when the file
 * completes, so blocks of files running at once never interleave; the
 * summary line comes with run_finished.  On a TTY a live status line stays
 * below the blocks.  In a run on several libvirt hosts (run_started's
 * hosts), each block says which one its file ran on.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "pv-events.h"
#include "pv-report-summary.h"
#include "pv-report-terminal.h"
#include "pv-text.h"
#include "pv-units.h"

struct _PvTerminal {
    GMutex lock;           /* blocks and the status line share the terminal */
    FILE *out;
    PvTerminalBlockFunc block_func;
    gpointer block_data;
    PvVerbosity verbosity;
    gboolean color;
    gboolean tty;
    char *status;          /* the live status line, on a TTY */
    PvReportCollector *collector;
    GHashTable *warned;    /* performance-mode warnings already printed */
    guint hosts;           /* the run's libvirt hosts (run_started's) */
};

static PvTerminal *
pv_terminal_alloc(PvVerbosity verbosity)
{
    PvTerminal *terminal = g_new0(PvTerminal, 1);

    g_mutex_init(&terminal->lock);
    terminal->verbosity = verbosity;
    terminal->collector = pv_report_collector_new();
    terminal->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return terminal;
}

/**
 * pv_terminal_new:
 * @out: where blocks and the summary go
 */
PvTerminal *
pv_terminal_new(FILE *out, PvVerbosity verbosity)
{
    PvTerminal *terminal = pv_terminal_alloc(verbosity);

    terminal->out = out;
    terminal->tty = isatty(fileno(out)) && g_strcmp0(g_getenv("TERM"), "dumb") != 0;
    terminal->color = terminal->tty && !g_getenv("NO_COLOR");
    return terminal;
}

/**
 * pv_terminal_new_for_blocks:
 *
 * A terminal that hands each file's verbose, uncolored block to @func (the
 * run directory's file logs) and prints nothing.
 */
PvTerminal *
pv_terminal_new_for_blocks(PvTerminalBlockFunc func, gpointer user_data)
{
    PvTerminal *terminal = pv_terminal_alloc(PV_VERBOSITY_VERBOSE);

    terminal->block_func = func;
    terminal->block_data = user_data;
    return terminal;
}

void
pv_terminal_free(PvTerminal *terminal)
{
    if (!terminal)
        return;
    pv_report_collector_free(terminal->collector);
    g_hash_table_unref(terminal->warned);
    g_free(terminal->status);
    g_mutex_clear(&terminal->lock);
    g_free(terminal);
}

/* Prints @text above the status line, which is then drawn again. */
static void
pv_terminal_print(PvTerminal *terminal, const char *text)
{
    g_mutex_lock(&terminal->lock);
    if (terminal->status)
        fputs("\r\033[K", terminal->out);
    fputs(text, terminal->out);
    if (terminal->status)
        fputs(terminal->status, terminal->out);
    fflush(terminal->out);
    g_mutex_unlock(&terminal->lock);
}

/**
 * pv_terminal_set_status:
 *
 * Replaces the live status line.  Only on a TTY; elsewhere nothing is shown.
 */
void
pv_terminal_set_status(PvTerminal *terminal, const char *status)
{
    if (!terminal->tty)
        return;
    g_mutex_lock(&terminal->lock);
    g_free(terminal->status);
    terminal->status = g_strdup(status);
    fprintf(terminal->out, "\r\033[K%s", status);
    fflush(terminal->out);
    g_mutex_unlock(&terminal->lock);
}

/**
 * pv_terminal_end_status:
 *
 * Clears the status line for good.
 */
void
pv_terminal_end_status(PvTerminal *terminal)
{
    g_mutex_lock(&terminal->lock);
    if (terminal->status) {
        fputs("\r\033[K", terminal->out);
        fflush(terminal->out);
        g_clear_pointer(&terminal->status, g_free);
    }
    g_mutex_unlock(&terminal->lock);
}

static const char *
pv_terminal_color(gboolean color, const char *word)
{
    if (!color)
        return "";
    if (g_str_equal(word, "PASS") || g_str_equal(word, "passed"))
        return "\033[32m";
    if (g_str_equal(word, "FAIL") || g_str_equal(word, "failed") || g_str_equal(word, "error"))
        return "\033[31m";
    if (g_str_equal(word, "reset"))
        return "\033[0m";
    return "\033[33m";
}

/* Appends @text with every line indented by @indent. */
static void
pv_terminal_append_indented(GString *out, const char *text, const char *indent)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gsize i;

    for (i = 0; lines[i]; i++) {
        if (!lines[i + 1] && !*lines[i])
            break;
        g_string_append_printf(out, "%s%s\n", indent, lines[i]);
    }
}

static const char *
pv_terminal_word(const char *status)
{
    if (g_strcmp0(status, "passed") == 0)
        return "PASS";
    if (g_strcmp0(status, "failed") == 0)
        return "FAIL";
    if (g_strcmp0(status, "skipped") == 0)
        return "SKIP";
    if (g_strcmp0(status, "flaky") == 0)
        return "FLAKY";
    return "----";
}

/**
 * pv_terminal_format_block:
 *
 * A file's block: its status and duration, then each test with its status
 * and duration (or why it did not run); under a failure its message, its
 * log and its VMs' consoles; with -v every log line; and kept domains.
 * Returns: (transfer full)
 */
char *
pv_terminal_format_block(const PvReportFile *file, PvVerbosity verbosity, gboolean color)
{
    g_autoptr(GString) block = g_string_new(NULL);
    g_autofree char *duration = pv_duration_format(file->duration_ns);
    const char *status = file->status ? file->status : "?";
    guint i;
    guint f;

    if (file->attempts > 1)
        g_string_append_printf(block, g_dngettext(GETTEXT_PACKAGE, "%s %s%s%s (%s, %u attempt)\n",
                                                  "%s %s%s%s (%s, %u attempts)\n",
                                                  file->attempts), file->path,
                               pv_terminal_color(color, status), status,
                               pv_terminal_color(color, "reset"), duration, file->attempts);
    else
        g_string_append_printf(block, "%s %s%s%s (%s)\n", file->path,
                               pv_terminal_color(color, status), status,
                               pv_terminal_color(color, "reset"), duration);
    if (file->error && !g_str_equal(status, "passed"))
        pv_terminal_append_indented(block, file->error, "        ");
    for (i = 0; i < file->tests->len; i++) {
        const PvReportTest *test = file->tests->pdata[i];
        const char *word = pv_terminal_word(test->status);
        g_autofree char *took = pv_duration_format(test->duration_ns);

        g_string_append_printf(block, "  %s%s%s  %s", pv_terminal_color(color, word), word,
                               pv_terminal_color(color, "reset"), test->name);
        /* Run tests say how long they took; the others why they did not run. */
        if (g_str_equal(word, "PASS") || g_str_equal(word, "FAIL") || g_str_equal(word, "FLAKY"))
            g_string_append_printf(block, " (%s)\n", took);
        else
            g_string_append_printf(block, ": %s\n", test->reason ? test->reason : "");
        if (g_str_equal(word, "FAIL")) {
            if (test->reason)
                pv_terminal_append_indented(block, test->reason, "        ");
            if (test->log->len && verbosity != PV_VERBOSITY_VERBOSE)
                pv_terminal_append_indented(block, test->log->str, "        | ");
            if (test->console_excerpt)
                pv_terminal_append_indented(block, test->console_excerpt, "        ");
        }
        for (f = 0; test->failures && f < test->failures->len; f++) {
            g_autofree char *earlier = g_strdup_printf(_("failed first: %s"),
                                                       (char *)test->failures->pdata[f]);

            pv_terminal_append_indented(block, earlier, "        ");
        }
    }
    if (verbosity == PV_VERBOSITY_VERBOSE && file->log->len)
        pv_terminal_append_indented(block, file->log->str, "  | ");
    for (i = 0; i < file->kept->len; i++) {
        const char *name = file->kept->pdata[i];

        g_string_append_printf(block, _("  kept: domain %s is still running "
                                        "(virsh console %s; provium clean removes it)\n"),
                               name, name);
    }
    return g_string_free(g_steal_pointer(&block), FALSE);
}

/* @block with a line naming @host after its first. */
static char *
pv_terminal_add_host(const char *block, const char *host)
{
    const char *eol = strchr(block, '\n');
    g_autofree char *where = g_strdup_printf(_("  on host %s\n"), host);

    if (!eol)
        return g_strdup(block);
    return g_strdup_printf("%.*s%s%s", (int)(eol + 1 - block), block, where, eol + 1);
}

static void
pv_terminal_on_file_completed(PvTerminal *terminal, PvReportFile *file)
{
    g_autofree char *block = NULL;

    if (terminal->verbosity == PV_VERBOSITY_QUIET && g_strcmp0(file->status, "passed") == 0 &&
        file->attempts == 1)
        return;
    block = pv_terminal_format_block(file, terminal->verbosity, terminal->color);
    /* A run on several hosts: where it ran, under the block's first line. */
    if (terminal->hosts > 1 && file->vm_host) {
        g_autofree char *plain = g_steal_pointer(&block);

        block = pv_terminal_add_host(plain, file->vm_host);
    }
    if (terminal->block_func)
        terminal->block_func(file, block, terminal->block_data);
    else
        pv_terminal_print(terminal, block);
}

/* The counts are the run's own (run_finished), not what reached this reporter. */
static void
pv_terminal_on_summary(PvTerminal *terminal, GVariant *event)
{
    guint passed = pv_event_get_int(event, "passed", 0);
    guint failed = pv_event_get_int(event, "failed", 0);
    guint skipped = pv_event_get_int(event, "skipped", 0);
    guint flaky = pv_event_get_int(event, "flaky", 0);
    guint errors = pv_event_get_int(event, "errors", 0);
    guint cancelled = pv_event_get_int(event, "cancelled", 0);
    guint not_run = pv_event_get_int(event, "not_run", 0);
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *counts = NULL;

    if (terminal->block_func)
        return;
    pv_terminal_end_status(terminal);
    if (errors > 0)
        g_string_append_printf(text, g_dngettext(GETTEXT_PACKAGE,
                                                 "%u file could not run (see above)\n",
                                                 "%u files could not run (see above)\n",
                                                 errors), errors);
    if (cancelled > 0)
        g_string_append_printf(text, g_dngettext(GETTEXT_PACKAGE, "%u file was cancelled\n",
                                                 "%u files were cancelled\n", cancelled),
                               cancelled);
    if (not_run > 0)
        g_string_append_printf(text, g_dngettext(GETTEXT_PACKAGE,
                                                 "%u file was not run (--fail-fast)\n",
                                                 "%u files were not run (--fail-fast)\n",
                                                 not_run), not_run);
    counts = pv_summary_format_counts(passed, failed, skipped, flaky);
    g_string_append_printf(text, "%s\n", counts);
    pv_terminal_print(terminal, text->str);
}

/* Each performance-mode warning once per run; notes with -v. */
static void
pv_terminal_on_perf_plan(PvTerminal *terminal, GVariant *event)
{
    const char *keys[] = { "warnings", "notes" };
    gsize k;

    for (k = 0; k < G_N_ELEMENTS(keys); k++) {
        g_autoptr(GVariant) list = g_variant_lookup_value(event, keys[k], NULL);
        GVariantIter iter;
        GVariant *child;

        if (!list || (k == 1 && terminal->verbosity != PV_VERBOSITY_VERBOSE))
            continue;
        g_variant_iter_init(&iter, list);
        while ((child = g_variant_iter_next_value(&iter))) {
            g_autoptr(GVariant) inner = g_variant_is_of_type(child, G_VARIANT_TYPE_VARIANT) ?
                g_variant_get_variant(child) : g_variant_ref(child);
            const char *text = g_variant_get_string(inner, NULL);

            if (g_hash_table_add(terminal->warned, g_strdup(text)))
                g_printerr(_("provium: performance mode: %s\n"), text);
            g_variant_unref(child);
        }
    }
}

/* The host cannot give a test its performance mode: say so right away. */
static void
pv_terminal_on_skip(PvTerminal *terminal, GVariant *event)
{
    const char *cause = pv_event_get_str(event, "cause");
    const char *reason = pv_event_get_str(event, "reason");
    const char *raw_path = pv_event_get_str(event, "path");
    const char *raw_name = pv_event_get_str(event, "name");
    g_autofree char *path = NULL;
    g_autofree char *name = NULL;

    if (!cause)
        return;
    path = pv_text_name(raw_path ? raw_path : "");
    name = pv_text_name(raw_name ? raw_name : "");
    g_printerr(_("provium: SKIP: %s: %s (%s, test \"%s\")\n"), cause, reason ? reason : "",
               path, name);
}

/**
 * pv_terminal_on_event:
 * @user_data: the PvTerminal
 *
 * A PvEventFunc.
 */
void
pv_terminal_on_event(GVariant *event, gpointer user_data)
{
    PvTerminal *terminal = user_data;
    g_autoptr(PvReportFile) file = pv_report_collector_feed(terminal->collector, event);

    const char *kind = pv_event_get_kind(event);

    if (g_strcmp0(kind, "run_started") == 0) {
        g_autoptr(GVariant) hosts = g_variant_lookup_value(event, "hosts", G_VARIANT_TYPE_ARRAY);

        terminal->hosts = hosts ? g_variant_n_children(hosts) : 0;
    }
    if (file)
        pv_terminal_on_file_completed(terminal, file);
    else if (terminal->block_func)
        return;
    else if (g_strcmp0(kind, "run_finished") == 0)
        pv_terminal_on_summary(terminal, event);
    else if (g_strcmp0(kind, "perf_plan") == 0)
        pv_terminal_on_perf_plan(terminal, event);
    else if (g_strcmp0(kind, "test_skipped") == 0)
        pv_terminal_on_skip(terminal, event);
}
