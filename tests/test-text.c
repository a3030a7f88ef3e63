/*
 * test-text.c: text from outside made valid UTF-8, and safe to show
 */
#include "config.h"

#include <string.h>

#include "pv-events.h"
#include "pv-text.h"

static void
test_make_valid(void)
{
    const struct {
        const char *in;
        gssize len;
        const char *out;
    } cases[] = {
        { "plain", -1, "plain" },
        { "caf\xc3\xa9", -1, "caf\xc3\xa9" },
        { "bad \xff name", -1, "bad \\xff name" },
        /* Latin-1 "café" and "cafè" stay distinct. */
        { "caf\xe9", -1, "caf\\xe9" },
        { "caf\xe8", -1, "caf\\xe8" },
        /* A character cut short, then a valid one. */
        { "\xe2\x82-\xe2\x82\xac", -1, "\\xe2\\x82-\xe2\x82\xac" },
        /* A NUL inside the length is not text either. */
        { "a\0b", 3, "a\\x00b" },
        { "", -1, "" },
        { "", 0, "" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = pv_text_make_valid(cases[i].in, cases[i].len);

        g_assert_cmpstr(out, ==, cases[i].out);
        g_assert_true(g_utf8_validate(out, -1, NULL));
    }
}

static void
test_sanitize(void)
{
    const struct {
        const char *in;
        gssize len;
        const char *out;
    } cases[] = {
        { "plain\ttext\n", -1, "plain\ttext\n" },
        { "caf\xc3\xa9", -1, "caf\xc3\xa9" },
        /* Colors, a bell, a screen clear: shown, not obeyed. */
        { "\033[31mred\033[0m\a", -1, "\xe2\x90\x9b[31mred\xe2\x90\x9b[0m\xe2\x90\x87" },
        { "\033[2J", -1, "\xe2\x90\x9b[2J" },
        /* A carriage return would let a line overwrite another: shown; CRLF is a line's end. */
        { "FAIL\rPASS\r\n", -1, "FAIL\xe2\x90\x8dPASS\n" },
        { "cr\rX", -1, "cr\xe2\x90\x8dX" },
        { "a\r\nb\r", -1, "a\nb" },
        { "\r\r\n", -1, "\xe2\x90\x8d\n" },
        { "nul \0 and \001", 11, "nul \\x00 and \xe2\x90\x81" },
        { "del \177", -1, "del \xe2\x90\xa1" },
        /* C1 CSI, and what XML 1.0 forbids. */
        { "c1 \xc2\x9b" "2J", -1, "c1 \xef\xbf\xbd" "2J" },
        { "non \xef\xbf\xbe \xef\xbf\xbf", -1, "non \xef\xbf\xbd \xef\xbf\xbd" },
        { "bad \xff", -1, "bad \\xff" },
        /* A right-to-left override would show "fdp.exe" as "exe.pdf". */
        { "a\xe2\x80\xae" "fdp.exe", -1, "a\\u{202E}fdp.exe" },
        { "\xe2\x81\xa6x\xe2\x81\xa9 \xe2\x80\x8f", -1, "\\u{2066}x\\u{2069} \\u{200F}" },
        /* Right-to-left text itself is shown as it is. */
        { "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", -1, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = pv_text_sanitize(cases[i].in, cases[i].len);
        const char *p;

        g_assert_cmpstr(out, ==, cases[i].out);
        g_assert_true(g_utf8_validate(out, -1, NULL));
        for (p = out; *p; p = g_utf8_next_char(p)) {
            gunichar c = g_utf8_get_char(p);

            g_assert_true(c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f &&
                                                      !(c >= 0x80 && c <= 0x9f)));
        }
    }
}

static void
test_one_line(void)
{
    g_autofree char *line = pv_text_one_line("provium: a\nb.test.lua: v\tw\r\n\033");

    g_assert_cmpstr(line, ==, "provium: a b.test.lua: v w \xe2\x90\x9b");
}

/* A name stays on its line: nothing in it starts another or hides a part. */
static void
test_name(void)
{
    const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "tests/boot.test.lua", "tests/boot.test.lua" },
        { "x\n  PASS  y", "x\xe2\x90\x8a  PASS  y" },
        { "a\tb\rc", "a\xe2\x90\x89" "b\xe2\x90\x8d" "c" },
        { "e\033[31mred.test.lua", "e\xe2\x90\x9b[31mred.test.lua" },
        { "x\xe2\x80\xaez", "x\\u{202E}z" },
        { "bad \xff", "bad \\xff" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = pv_text_name(cases[i].in);

        g_assert_cmpstr(out, ==, cases[i].out);
    }
}

/* Whatever a string holds, the event keeps it, readable. */
static void
test_event_strings(void)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    g_autoptr(GVariant) event = NULL;

    pv_event_add_str(&fields, "name", "bad \xff name");
    g_variant_builder_add(&fields, "{sv}", "path", pv_event_new_str("caf\xe9.test.lua"));
    event = g_variant_ref_sink(g_variant_builder_end(&fields));
    g_assert_cmpstr(pv_event_get_str(event, "name"), ==, "bad \\xff name");
    g_assert_cmpstr(pv_event_get_str(event, "path"), ==, "caf\\xe9.test.lua");
}

/* A command's output as a string: "" where it has none, never NULL. */
static void
test_from_bytes(void)
{
    g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
    g_autoptr(GBytes) text = g_bytes_new("ab\0c", 4);
    g_autofree char *a = pv_text_from_bytes(NULL);
    g_autofree char *b = pv_text_from_bytes(empty);
    g_autofree char *c = pv_text_from_bytes(text);

    g_assert_cmpstr(a, ==, "");
    g_assert_cmpstr(b, ==, "");
    g_assert_cmpmem(c, 5, "ab\0c", 5);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/text/make-valid", test_make_valid);
    g_test_add_func("/text/sanitize", test_sanitize);
    g_test_add_func("/text/one-line", test_one_line);
    g_test_add_func("/text/name", test_name);
    g_test_add_func("/text/event-strings", test_event_strings);
    g_test_add_func("/text/from-bytes", test_from_bytes);
    return g_test_run();
}
