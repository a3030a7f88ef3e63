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

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/text/make-valid", test_make_valid);
    g_test_add_func("/text/event-strings", test_event_strings);
    return g_test_run();
}
