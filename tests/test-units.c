/*
 * test-units.c: sizes and durations as users write them
 */
#include "config.h"

#include <string.h>

#include "pv-error.h"
#include "pv-units.h"

static void
test_size_valid(void)
{
    const struct {
        const char *text;
        guint64 bytes;
    } cases[] = {
        { "0", 0 },
        { "512", 512 },
        { "512B", 512 },
        { "1536K", 1536 * PV_KIB },
        { "512M", 512 * PV_MIB },
        { "512m", 512 * PV_MIB },
        { "512MiB", 512 * PV_MIB },
        { "512MB", 512 * PV_MIB },
        { "2G", 2 * PV_GIB },
        { "1.5G", 3 * PV_GIB / 2 },
        { "1T", 1024 * PV_GIB },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        guint64 bytes = 7;

        g_assert_true(pv_size_parse(cases[i].text, &bytes, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(bytes, ==, cases[i].bytes);
    }
}

static void
test_size_invalid(void)
{
    const char *cases[] = { "", "4X", "M", "-1G", "1.G", "12 M", "1GG", "0x10", "1e3", NULL };
    gsize i;

    for (i = 0; cases[i]; i++) {
        g_autoptr(GError) error = NULL;
        guint64 bytes = 7;

        g_assert_false(pv_size_parse(cases[i], &bytes, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        g_assert_nonnull(strstr(error->message, "invalid size"));
        /* Output parameters stay untouched on failure. */
        g_assert_cmpuint(bytes, ==, 7);
    }
}

static void
test_size_format(void)
{
    const struct {
        guint64 bytes;
        const char *text;
    } cases[] = {
        { 17, "17" },
        { 300 * PV_KIB, "300K" },
        { 512 * PV_MIB, "512M" },
        { 3 * PV_GIB / 2, "1.5G" },
        { 16 * PV_GIB, "16G" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = pv_size_format(cases[i].bytes);

        g_assert_cmpstr(text, ==, cases[i].text);
    }
}

static void
test_duration_valid(void)
{
    const struct {
        const char *text;
        gint64 ns;
    } cases[] = {
        { "0", 0 },
        { "5", 5 * PV_NSEC_PER_SEC },
        { "500ms", 500 * PV_NSEC_PER_MSEC },
        { "30s", 30 * PV_NSEC_PER_SEC },
        { "1.5s", 1500 * PV_NSEC_PER_MSEC },
        { "5m", 300 * PV_NSEC_PER_SEC },
        { "1h", 3600 * PV_NSEC_PER_SEC },
        { "1m30s", 90 * PV_NSEC_PER_SEC },
        { "250us", 250000 },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        gint64 ns = -7;

        g_assert_true(pv_duration_parse(cases[i].text, &ns, &error));
        g_assert_no_error(error);
        g_assert_cmpint(ns, ==, cases[i].ns);
    }
}

static void
test_duration_invalid(void)
{
    const char *cases[] = { "", "5x", "s", "-1s", "1m30", "0s10", "ms", "1 s", "10d", NULL };
    gsize i;

    for (i = 0; cases[i]; i++) {
        g_autoptr(GError) error = NULL;
        gint64 ns = -7;

        g_assert_false(pv_duration_parse(cases[i], &ns, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        g_assert_nonnull(strstr(error->message, "invalid duration"));
        g_assert_cmpint(ns, ==, -7);
    }
}

static void
test_duration_format(void)
{
    const struct {
        gint64 ns;
        const char *text;
    } cases[] = {
        { 0, "0ms" },
        { 850 * PV_NSEC_PER_MSEC, "850ms" },
        { 4200 * PV_NSEC_PER_MSEC, "4.2s" },
        { 185 * PV_NSEC_PER_SEC, "3m05s" },
        { 3720 * PV_NSEC_PER_SEC, "1h02m" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = pv_duration_format(cases[i].ns);

        g_assert_cmpstr(text, ==, cases[i].text);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/units/size/valid", test_size_valid);
    g_test_add_func("/units/size/invalid", test_size_invalid);
    g_test_add_func("/units/size/format", test_size_format);
    g_test_add_func("/units/duration/valid", test_duration_valid);
    g_test_add_func("/units/duration/invalid", test_duration_invalid);
    g_test_add_func("/units/duration/format", test_duration_format);
    return g_test_run();
}
