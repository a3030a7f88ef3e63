/*
 * pv-report-terminal.c: per-file result blocks and the summary line
 *
 * An event listener.  It collects each file's test results and prints the
 * file's block whole when the file completes, so blocks of files running at
 * once never interleave; the summary line comes with run_finished.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "pv-events.h"
#include "pv-report-terminal.h"
#include "pv-units.h"

typedef struct {
    GString *tests;       /* the block's test lines, as they come */
    GString *logs;        /* test_log lines, shown with -v */
    GString *test_logs;   /* the running test's, shown if it fails */
} PvTerminalFile;

struct _PvTerminal {
    GMutex lock;           /* blocks and the status line share the terminal */
    FILE *out;
    PvVerbosity verbosity;
    gboolean color;
    gboolean tty;
    char *status;          /* the live status line, on a TTY */
    GHashTable *files;   /* path -> PvTerminalFile */
    guint passed;
    guint failed;
    guint skipped;
    guint not_run;
};

static void
pv_terminal_file_free(PvTerminalFile *tf)
{
    g_string_free(tf->tests, TRUE);
    g_string_free(tf->logs, TRUE);
    g_string_free(tf->test_logs, TRUE);
    g_free(tf);
}

PvTerminal *
pv_terminal_new(FILE *out, PvVerbosity verbosity)
{
    PvTerminal *terminal = g_new0(PvTerminal, 1);

    g_mutex_init(&terminal->lock);
    terminal->out = out;
    terminal->verbosity = verbosity;
    terminal->tty = isatty(fileno(out)) && g_strcmp0(g_getenv("TERM"), "dumb") != 0;
    terminal->color = terminal->tty && !g_getenv("NO_COLOR");
    terminal->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)pv_terminal_file_free);
    return terminal;
}

void
pv_terminal_free(PvTerminal *terminal)
{
    if (!terminal)
        return;
    g_hash_table_unref(terminal->files);
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

static PvTerminalFile *
pv_terminal_file(PvTerminal *terminal, const char *path)
{
    PvTerminalFile *tf = g_hash_table_lookup(terminal->files, path);

    if (!tf) {
        tf = g_new0(PvTerminalFile, 1);
        tf->tests = g_string_new(NULL);
        tf->logs = g_string_new(NULL);
        tf->test_logs = g_string_new(NULL);
        g_hash_table_insert(terminal->files, g_strdup(path), tf);
    }
    return tf;
}

static const char *
pv_terminal_color(PvTerminal *terminal, const char *word)
{
    if (!terminal->color)
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

static void
pv_terminal_on_test(PvTerminal *terminal, GVariant *event, const char *kind)
{
    PvTerminalFile *tf = pv_terminal_file(terminal, pv_event_get_str(event, "path"));
    const char *name = pv_event_get_str(event, "name");
    const char *reason = pv_event_get_str(event, "reason");
    const char *excerpt = pv_event_get_str(event, "console_excerpt");
    g_autofree char *duration = pv_duration_format(pv_event_get_int(event, "duration_ns", 0));
    const char *word;

    if (g_str_equal(kind, "test_passed")) {
        word = "PASS";
        terminal->passed++;
    } else if (g_str_equal(kind, "test_failed")) {
        word = "FAIL";
        terminal->failed++;
    } else if (g_str_equal(kind, "test_skipped")) {
        word = "SKIP";
        terminal->skipped++;
    } else {
        word = "----";
        terminal->not_run++;
    }

    g_string_append_printf(tf->tests, "  %s%s%s  %s", pv_terminal_color(terminal, word), word,
                           pv_terminal_color(terminal, "reset"), name);
    /* Run tests say how long they took; the others why they did not run. */
    if (g_str_equal(word, "PASS") || g_str_equal(word, "FAIL"))
        g_string_append_printf(tf->tests, " (%s)\n", duration);
    else
        g_string_append_printf(tf->tests, ": %s\n", reason ? reason : "");
    if (g_str_equal(word, "FAIL")) {
        if (reason)
            pv_terminal_append_indented(tf->tests, reason, "        ");
        if (tf->test_logs->len && terminal->verbosity != PV_VERBOSITY_VERBOSE)
            g_string_append(tf->tests, tf->test_logs->str);
        if (excerpt)
            pv_terminal_append_indented(tf->tests, excerpt, "        ");
    }
    g_string_truncate(tf->test_logs, 0);
}

static void
pv_terminal_on_file_completed(PvTerminal *terminal, GVariant *event)
{
    const char *path = pv_event_get_str(event, "path");
    const char *status = pv_event_get_str(event, "status");
    const char *error = pv_event_get_str(event, "error");
    PvTerminalFile *tf = pv_terminal_file(terminal, path);
    g_autofree char *duration = pv_duration_format(pv_event_get_int(event, "duration_ns", 0));
    g_autoptr(GVariant) kept = g_variant_lookup_value(event, "kept", NULL);
    g_autoptr(GString) block = g_string_new(NULL);
    gboolean ok = g_strcmp0(status, "passed") == 0;

    if (terminal->verbosity == PV_VERBOSITY_QUIET && ok)
        return;
    g_string_append_printf(block, "%s %s%s%s (%s)\n", path, pv_terminal_color(terminal, status),
                           status, pv_terminal_color(terminal, "reset"), duration);
    if (error && !ok)
        pv_terminal_append_indented(block, error, "        ");
    g_string_append(block, tf->tests->str);
    if (terminal->verbosity == PV_VERBOSITY_VERBOSE && tf->logs->len)
        g_string_append(block, tf->logs->str);
    if (kept) {
        GVariantIter iter;
        GVariant *child;

        g_variant_iter_init(&iter, kept);
        while ((child = g_variant_iter_next_value(&iter))) {
            g_autoptr(GVariant) inner = g_variant_is_of_type(child, G_VARIANT_TYPE_VARIANT) ?
                g_variant_get_variant(child) : g_variant_ref(child);
            const char *name = g_variant_get_string(inner, NULL);

            g_string_append_printf(block, _("  kept: domain %s is still running "
                                            "(virsh console %s; provium clean removes it)\n"),
                                   name, name);
            g_variant_unref(child);
        }
    }
    pv_terminal_print(terminal, block->str);
    g_hash_table_remove(terminal->files, path);
}

static void
pv_terminal_on_summary(PvTerminal *terminal, GVariant *event)
{
    gint64 errors = pv_event_get_int(event, "errors", 0);
    gint64 cancelled = pv_event_get_int(event, "cancelled", 0);
    gint64 not_run = pv_event_get_int(event, "not_run", 0);
    g_autoptr(GString) text = g_string_new(NULL);

    pv_terminal_end_status(terminal);
    if (errors > 0)
        g_string_append_printf(text, g_dngettext(GETTEXT_PACKAGE,
                                                 "%" G_GINT64_FORMAT " file could not run "
                                                 "(see above)\n",
                                                 "%" G_GINT64_FORMAT " files could not run "
                                                 "(see above)\n", errors), errors);
    if (cancelled > 0)
        g_string_append_printf(text, g_dngettext(GETTEXT_PACKAGE,
                                                 "%" G_GINT64_FORMAT " file was cancelled\n",
                                                 "%" G_GINT64_FORMAT " files were cancelled\n",
                                                 cancelled), cancelled);
    if (not_run > 0)
        g_string_append_printf(text, g_dngettext(GETTEXT_PACKAGE,
                                                 "%" G_GINT64_FORMAT " file was not run "
                                                 "(--fail-fast)\n",
                                                 "%" G_GINT64_FORMAT " files were not run "
                                                 "(--fail-fast)\n", not_run), not_run);
    g_string_append_printf(text, _("%u passed, %u failed, %u skipped\n"),
                           terminal->passed, terminal->failed, terminal->skipped);
    pv_terminal_print(terminal, text->str);
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
    const char *kind = pv_event_get_kind(event);

    if (g_str_has_prefix(kind, "test_") && !g_str_equal(kind, "test_started") &&
        !g_str_equal(kind, "test_log")) {
        pv_terminal_on_test(terminal, event, kind);
    } else if (g_str_equal(kind, "test_log")) {
        PvTerminalFile *tf = pv_terminal_file(terminal, pv_event_get_str(event, "path"));
        const char *text = pv_event_get_str(event, "text");

        pv_terminal_append_indented(tf->logs, text, "  | ");
        pv_terminal_append_indented(tf->test_logs, text, "        | ");
    } else if (g_str_equal(kind, "file_completed")) {
        pv_terminal_on_file_completed(terminal, event);
    } else if (g_str_equal(kind, "run_finished")) {
        pv_terminal_on_summary(terminal, event);
    }
}

void
pv_terminal_get_counts(PvTerminal *terminal, guint *passed, guint *failed, guint *skipped)
{
    *passed = terminal->passed;
    *failed = terminal->failed;
    *skipped = terminal->skipped;
}
