/*
 * test-console.c: a VM's serial console output, made readable
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pv-console-check.h"
#include "pv-console.h"

static void
test_tail(void)
{
    const struct {
        const char *text;
        guint lines;
        const char *tail;
    } cases[] = {
        /* An empty console (a guest that hangs before its first line). */
        { "", 10, "" },
        { "\n", 10, "" },
        { "\n\n  \n", 10, "" },
        { "one", 10, "one" },
        { "one\ntwo\n", 10, "one\ntwo" },
        { "one\n\n  \ntwo\nthree\n\n", 2, "two\nthree" },
        { "  padded  \n", 1, "padded" },
        { "a\nb\nc", 0, "" },
    };
    g_autoptr(GString) flood = g_string_new("start\n");
    g_autofree char *tail = NULL;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = pv_console_tail(cases[i].text, cases[i].lines);

        g_assert_cmpstr(got, ==, cases[i].tail);
    }
    /* A line without end (a guest flooding its console): only its end shows. */
    for (i = 0; i < 100000; i++)
        g_string_append(flood, "\xc3\xa9"); /* é */
    g_string_append(flood, "END\n");
    tail = pv_console_tail(flood->str, 1);
    g_assert_cmpuint(g_utf8_strlen(tail, -1), ==, PV_CONSOLE_LINE_MAX);
    g_assert_true(g_str_has_prefix(tail, "\u2026\xc3\xa9"));
    g_assert_true(g_str_has_suffix(tail, "\xc3\xa9" "END"));
    g_assert_true(g_utf8_validate(tail, -1, NULL));
}

static void
test_sanitize(void)
{
    const struct {
        const char *raw;
        gssize len;
        const char *text;
    } cases[] = {
        { "plain\n", -1, "plain\n" },
        { "\033[1;32mgreen\033[0m\r\n", -1, "green\n" },
        /* tput sgr0, a terminal title (OSC), a charset (ESC ( B). */
        { "\033(B\033[mreset", -1, "reset" },
        { "\033]0;title\007after", -1, "after" },
        { "\033]2;title\033\\after", -1, "after" },
        { "caf\xc3\xa9 caf\xe9", -1, "caf\xc3\xa9 caf\\xe9" },
        { "tab\there", -1, "tab\there" },
        { "bell\a and NUL \0 gone", 20, "bell and NUL  gone" },
        /* A sequence cut off at the end. */
        { "end\033[12", -1, "end" },
        { "end\033", -1, "end" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        gsize len = cases[i].len < 0 ? strlen(cases[i].raw) : (gsize)cases[i].len;
        g_autofree char *text = pv_console_sanitize(cases[i].raw, len);

        g_assert_cmpstr(text, ==, cases[i].text);
        g_assert_true(g_utf8_validate(text, -1, NULL));
    }
}

/* Output cut anywhere gives the same text as output read whole. */
static void
test_sanitize_split(void)
{
    const char raw[] = "boot \033[1;32mOK\033[0m caf\xc3\xa9 \xe2\x82\xac \033]0;t\007"
                       "\033(Bdone\r\n\xff end\033[";
    gsize len = sizeof(raw) - 1;
    g_autofree char *whole = pv_console_sanitize(raw, len);
    gsize cut;

    for (cut = 0; cut <= len; cut++) {
        g_autoptr(GString) out = g_string_new(NULL);
        gsize used = pv_console_sanitize_append(out, raw, cut, FALSE);
        g_autofree char *rest = g_strndup(raw + used, len - used);

        g_assert_cmpuint(used, <=, cut);
        g_assert_true(g_utf8_validate(out->str, -1, NULL));
        pv_console_sanitize_append(out, raw + used, len - used, TRUE);
        g_assert_cmpstr(out->str, ==, whole);
    }
}

typedef struct {
    char *dir;
    char *path;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    fx->dir = g_dir_make_tmp("pv-console-XXXXXX", NULL);
    fx->path = g_build_filename(fx->dir, "vm.console.log", NULL);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    g_autofree char *rolled = g_strconcat(fx->path, ".0", NULL);

    g_unlink(fx->path);
    g_unlink(rolled);
    g_rmdir(fx->dir);
    g_free(fx->path);
    g_free(fx->dir);
}

static void
append(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");

    g_assert_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *
window(PvConsoleReader *reader, guint64 *start)
{
    gsize len;
    guint64 at;
    const char *text = pv_console_reader_peek_window(reader, &len, &at);

    if (start)
        *start = at;
    return g_strndup(text, len);
}

/* Each read takes only what the log gained, whole characters only. */
static void
test_reader_incremental(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvConsoleReader) reader = pv_console_reader_new(fx->path);
    g_autofree char *text = NULL;

    g_assert_cmpuint(pv_console_reader_read(reader, 1024), ==, 0);  /* not there yet */
    append(fx->path, "login: \033[1mroot\033[0m\ncaf\xc3");
    g_assert_cmpuint(pv_console_reader_read(reader, 1024), ==, 24);
    text = window(reader, NULL);
    g_assert_cmpstr(text, ==, "login: root\ncaf");    /* the é is not finished */
    g_clear_pointer(&text, g_free);
    g_assert_cmpuint(pv_console_reader_read(reader, 1024), ==, 0);
    append(fx->path, "\xa9\n");
    g_assert_cmpuint(pv_console_reader_read(reader, 1024), ==, 2);
    text = window(reader, NULL);
    g_assert_cmpstr(text, ==, "login: root\ncaf\xc3\xa9\n");
    g_clear_pointer(&text, g_free);
    /* At most @max bytes a call. */
    append(fx->path, "0123456789");
    g_assert_cmpuint(pv_console_reader_read(reader, 4), ==, 4);
    g_assert_cmpuint(pv_console_reader_read(reader, 100), ==, 6);
    text = window(reader, NULL);
    g_assert_true(g_str_has_suffix(text, "\n0123456789"));
}

/* virtlogd rolls the log over to NAME.0: what was left of it comes first. */
static void
test_reader_rollover(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvConsoleReader) reader = pv_console_reader_new(fx->path);
    g_autofree char *rolled = g_strconcat(fx->path, ".0", NULL);
    g_autofree char *text = NULL;

    append(fx->path, "first part, ");
    g_assert_cmpuint(pv_console_reader_read(reader, 6), ==, 6);
    append(fx->path, "end of the old log\n");
    g_assert_cmpint(g_rename(fx->path, rolled), ==, 0);
    append(fx->path, "the new log\n");
    while (pv_console_reader_read(reader, 6) > 0)
        ;
    text = window(reader, NULL);
    g_assert_cmpstr(text, ==, "first part, end of the old log\nthe new log\n");
}

/* A guest flooding its console: memory stays within the window. */
static void
test_reader_flood(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvConsoleReader) reader = pv_console_reader_new(fx->path);
    g_autofree char *line = g_strnfill(1023, 'x');
    g_autofree char *text = NULL;
    FILE *f = fopen(fx->path, "w");
    guint64 start;
    guint i;

    for (i = 0; i < 8 * 1024; i++)
        fprintf(f, "%s\n", line);
    fputs("marker\n", f);
    fclose(f);
    while (pv_console_reader_read(reader, PV_CONSOLE_WINDOW / 2) > 0) {
        g_autofree char *seen = window(reader, NULL);

        g_assert_cmpuint(strlen(seen), <=, PV_CONSOLE_WINDOW);
        pv_console_reader_trim(reader, PV_CONSOLE_WINDOW / 2);
    }
    text = window(reader, &start);
    g_assert_true(g_str_has_suffix(text, "x\nmarker\n"));
    g_assert_cmpuint(strlen(text), <=, PV_CONSOLE_WINDOW / 2 + 7);
    /* The window's start counts all the text read before it. */
    g_assert_cmpuint(start + strlen(text), ==, 8 * 1024 * 1024 + strlen("marker\n"));
}

/* An excerpt reads the end of the log only, and shows whole lines. */
static void
test_read_tail(Fixture *fx, gconstpointer data)
{
    g_autofree char *line = g_strnfill(99, 'y');
    g_autofree char *expected = NULL;
    g_autofree char *tail = NULL;
    FILE *f = fopen(fx->path, "w");
    guint i;

    for (i = 0; i < 10000; i++)
        fprintf(f, "%u %s\n", i, line);
    fputs("\033[31mlast\033[0m\n", f);
    fclose(f);
    tail = pv_console_read_tail(fx->path, 2);
    expected = g_strdup_printf("9999 %s\nlast", line);
    g_assert_cmpstr(tail, ==, expected);
    g_clear_pointer(&tail, g_free);
    tail = pv_console_read_tail(fx->path, 100000);
    g_assert_true(g_str_has_prefix(tail, "9"));   /* from a whole line */
    g_clear_pointer(&tail, g_free);
    g_assert_null(pv_console_read_tail("/nonexistent/console.log", 10));
}

/* What each line of a sick (or healthy) kernel's console shows. */
static void
test_check_line(void)
{
    const struct {
        const char *line;
        PvConsoleCheck check;
    } cases[] = {
        { "[   12.345678] Kernel panic - not syncing: sysrq triggered crash",
          PV_CONSOLE_CHECK_PANIC },
        { "Kernel panic - not syncing: VFS: Unable to mount root fs", PV_CONSOLE_CHECK_PANIC },
        { "[    3.100000] Oops: 0002 [#1] PREEMPT SMP NOPTI", PV_CONSOLE_CHECK_OOPS },
        { "[    3.1] Oops: general protection fault, probably for non-canonical address",
          PV_CONSOLE_CHECK_OOPS },
        { "[   41.6] Internal error: Oops - BUG: 00000000f2000800 [#1] SMP",
          PV_CONSOLE_CHECK_OOPS },
        { "[    2.000001] BUG: kernel NULL pointer dereference, address: 0000000000000000",
          PV_CONSOLE_CHECK_BUG },
        { "[   22.000000] BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:12]",
          PV_CONSOLE_CHECK_BUG },
        { "[    9.9] kernel BUG at mm/slub.c:4012!", PV_CONSOLE_CHECK_BUG },
        { "[  101.2] Out of memory: Killed process 321 (stress) total-vm:1048576kB",
          PV_CONSOLE_CHECK_OOM },
        { "[  101.2] Out of memory: Kill process 321 (stress) score 900", PV_CONSOLE_CHECK_OOM },
        { "[   55.0] crash[412]: segfault at 0 ip 000055d0c1 sp 00007ffd error 6 in crash",
          PV_CONSOLE_CHECK_SEGFAULT },
        { "[    3.2] Call Trace:", PV_CONSOLE_CHECK_CALL_TRACE },
        { "[    3.2]  <TASK>", PV_CONSOLE_CHECK_LAST },
        /* After the shell's prompt, on the same line. */
        { "/ # [    6.408938] Oops: 0002 [#1] SMP", PV_CONSOLE_CHECK_OOPS },
        { "root@vm:~# [   22.0] BUG: soft lockup - CPU#0 stuck", PV_CONSOLE_CHECK_BUG },
        { "[x] BUG: not the kernel's", PV_CONSOLE_CHECK_LAST },
        { "[    3.2] Call trace:", PV_CONSOLE_CHECK_CALL_TRACE },
        /* Healthy lines, some close. */
        { "[    0.000000] Linux version 6.1.0-27-cloud-amd64", PV_CONSOLE_CHECK_LAST },
        { "[    1.2] Run /init as init process", PV_CONSOLE_CHECK_LAST },
        { "provium agent started", PV_CONSOLE_CHECK_LAST },
        { "DEBUG: no BUG: here", PV_CONSOLE_CHECK_LAST },
        { "Oopsie daisy", PV_CONSOLE_CHECK_LAST },
        { "[    1.0] panic=10 on the command line", PV_CONSOLE_CHECK_LAST },
        { "grep 'segfault' /var/log/messages", PV_CONSOLE_CHECK_LAST },
        { "", PV_CONSOLE_CHECK_LAST },
        { "[ unterminated", PV_CONSOLE_CHECK_LAST },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        PvConsoleCheck got = pv_console_check_line(cases[i].line, strlen(cases[i].line));

        if (got != cases[i].check)
            g_error("'%s': expected %s, got %s", cases[i].line,
                    cases[i].check == PV_CONSOLE_CHECK_LAST ? "nothing" :
                    pv_console_check_to_string(cases[i].check),
                    got == PV_CONSOLE_CHECK_LAST ? "nothing" : pv_console_check_to_string(got));
    }
    /* Only the given length is looked at. */
    g_assert_cmpint(pv_console_check_line("Call Trace:", 4), ==, PV_CONSOLE_CHECK_LAST);
}

static void
test_check_names(void)
{
    g_autofree char *names = pv_console_check_known();
    guint mask = 0;

    g_assert_cmpstr(names, ==, "panic, oops, bug, oom, segfault, call_trace, all");
    g_assert_true(pv_console_check_parse("oom", &mask));
    g_assert_true(pv_console_check_parse("segfault", &mask));
    g_assert_cmpuint(mask, ==, (1u << PV_CONSOLE_CHECK_OOM) | (1u << PV_CONSOLE_CHECK_SEGFAULT));
    g_assert_false(pv_console_check_parse("Oops", &mask));
    g_assert_false(pv_console_check_parse("", &mask));
    g_assert_true(pv_console_check_parse("all", &mask));
    g_assert_cmpuint(mask, ==, PV_CONSOLE_CHECKS_ALL);
}

/* Each whole line is checked once, as the log grows; skipped checks pass. */
static void
test_check_scan(Fixture *fx, gconstpointer data)
{
    PvConsoleScan scan;
    PvConsoleCheck check = PV_CONSOLE_CHECK_LAST;
    g_autofree char *line = NULL;
    g_autofree char *big = g_strnfill(100 * 1024, 'x');

    pv_console_scan_init(&scan, fx->path);
    g_assert_null(pv_console_scan(&scan, 0, &check));   /* no log yet */
    append(fx->path, "booting\n[    1.0] Kernel pan");
    g_assert_null(pv_console_scan(&scan, 0, &check));   /* the line is not whole */
    append(fx->path, "ic - not syncing: Fatal exception\n");
    line = pv_console_scan(&scan, 0, &check);
    g_assert_cmpstr(line, ==, "[    1.0] Kernel panic - not syncing: Fatal exception");
    g_assert_cmpint(check, ==, PV_CONSOLE_CHECK_PANIC);
    g_clear_pointer(&line, g_free);
    g_assert_null(pv_console_scan(&scan, 0, &check));   /* once */

    /* Skipped: passed over; the next one is found, then the one after. */
    append(fx->path, "[2.0] Out of memory: Killed process 7 (x)\n"
           "\033[31m[2.1] BUG: soft lockup\033[0m\n[2.2] Call Trace:\n");
    line = pv_console_scan(&scan, 1u << PV_CONSOLE_CHECK_OOM, &check);
    g_assert_cmpstr(line, ==, "[2.1] BUG: soft lockup");
    g_assert_cmpint(check, ==, PV_CONSOLE_CHECK_BUG);
    g_clear_pointer(&line, g_free);
    line = pv_console_scan(&scan, 0, &check);
    g_assert_cmpint(check, ==, PV_CONSOLE_CHECK_CALL_TRACE);
    g_clear_pointer(&line, g_free);
    g_assert_null(pv_console_scan(&scan, PV_CONSOLE_CHECKS_ALL, &check));

    /* A line that never ends is checked anyway, in pieces. */
    append(fx->path, big);
    append(fx->path, big);
    append(fx->path, "Oops: 0000 [#1]");
    g_assert_null(pv_console_scan(&scan, 0, &check));
    append(fx->path, "\nsegv[1]: segfault at 0 ip 0\n");
    line = pv_console_scan(&scan, 0, &check);
    g_assert_cmpint(check, ==, PV_CONSOLE_CHECK_SEGFAULT);
    pv_console_scan_clear(&scan);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/console/tail", test_tail);
    g_test_add_func("/console/sanitize", test_sanitize);
    g_test_add_func("/console/sanitize/split", test_sanitize_split);
    g_test_add_func("/console/check/line", test_check_line);
    g_test_add_func("/console/check/names", test_check_names);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/console/reader/incremental", test_reader_incremental);
    ADD("/console/reader/rollover", test_reader_rollover);
    ADD("/console/reader/flood", test_reader_flood);
    ADD("/console/read-tail", test_read_tail);
    ADD("/console/check/scan", test_check_scan);
#undef ADD
    return g_test_run();
}
