/*
 * test-console.c: a VM's serial console output, made readable
 */
#include "config.h"

#include <string.h>

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

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/console/tail", test_tail);
    g_test_add_func("/console/sanitize", test_sanitize);
    return g_test_run();
}
