/*
 * test-tags.c: --tags, parsed and applied to a test's tags
 */
#include "config.h"

#include "pv-error.h"
#include "pv-tags.h"

static void
test_parse(void)
{
    const char *bad[] = { "", ",", "slow,", "!", "!!slow", "sl ow", "a;b", "ünï" };
    g_auto(GStrv) terms = NULL;
    gsize i;

    terms = pv_tags_parse(" net , !slow", NULL);
    g_assert_nonnull(terms);
    g_assert_cmpuint(g_strv_length(terms), ==, 2);
    g_assert_cmpstr(terms[0], ==, "net");
    g_assert_cmpstr(terms[1], ==, "!slow");
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) none = pv_tags_parse(bad[i], &error);

        g_assert_null(none);
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        g_assert_true(g_str_has_prefix(error->message, "--tags: "));
    }
}

static void
test_select(void)
{
    const char *slow[] = { "slow", NULL };
    const char *slow_net[] = { "slow", "net", NULL };
    const char *net[] = { "net", NULL };
    const char *none[] = { NULL };
    const struct {
        const char *spec;
        const char *const *tags;
        gboolean selected;
    } cases[] = {
        { "slow", slow, TRUE },
        { "slow", net, FALSE },
        { "slow", none, FALSE },
        { "slow", NULL, FALSE },
        { "slow,net", net, TRUE },
        { "slow,net", slow_net, TRUE },
        { "slow,net", none, FALSE },
        { "!slow", slow, FALSE },
        { "!slow", slow_net, FALSE },
        { "!slow", net, TRUE },
        { "!slow", none, TRUE },
        { "!slow", NULL, TRUE },
        { "net,!slow", net, TRUE },
        { "net,!slow", slow_net, FALSE },
        { "net,!slow", none, FALSE },
        { "!slow,!net", net, FALSE },
        { "!slow,!net", none, TRUE },
        /* Case matters, as in the test file. */
        { "Slow", slow, FALSE },
    };
    gsize i;

    g_assert_true(pv_tags_select(NULL, none));
    g_assert_true(pv_tags_select(NULL, slow));
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(GStrv) spec = pv_tags_parse(cases[i].spec, NULL);

        if (pv_tags_select((const char *const *)spec, cases[i].tags) != cases[i].selected)
            g_error("--tags %s on {%s}: expected %s", cases[i].spec,
                    cases[i].tags && cases[i].tags[0] ? cases[i].tags[0] : "",
                    cases[i].selected ? "selected" : "left out");
    }
}

static void
test_check_name(void)
{
    g_assert_true(pv_tags_check_name("slow"));
    g_assert_true(pv_tags_check_name("net-v6_2.x:y"));
    g_assert_false(pv_tags_check_name(""));
    g_assert_false(pv_tags_check_name(NULL));
    g_assert_false(pv_tags_check_name("!slow"));
    g_assert_false(pv_tags_check_name("a,b"));
    g_assert_false(pv_tags_check_name("a b"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tags/parse", test_parse);
    g_test_add_func("/tags/select", test_select);
    g_test_add_func("/tags/check-name", test_check_name);
    return g_test_run();
}
