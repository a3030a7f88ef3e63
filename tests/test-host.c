/*
 * test-host.c: host readings and the decisions made on them
 *
 * Readings are written by the tests (PSI files, /proc/meminfo, a KSM
 * directory), so each decision is checked on the values that drive it.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pv-error.h"
#include "pv-host.h"
#include "pv-units.h"

static void
test_psi_parse(void)
{
    const char *cpu = "some avg10=63.50 avg60=12.01 avg300=3.10 total=987654\n"
                      "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
    const char *cpu_only_full = "full avg10=1.00 avg60=0.00 avg300=0.00 total=0\n";
    double avg10 = -1;

    g_assert_true(pv_psi_parse_avg10(cpu, &avg10));
    g_assert_cmpfloat_with_epsilon(avg10, 63.5, 1e-9);
    g_assert_false(pv_psi_parse_avg10(cpu_only_full, &avg10));
    g_assert_false(pv_psi_parse_avg10("some avg60=1.0\n", &avg10));
    g_assert_false(pv_psi_parse_avg10("", &avg10));
}

static void
test_psi_threshold(void)
{
    PvPsiThreshold t = { PV_PSI_DEFAULT_CPU_PCT, PV_PSI_DEFAULT_MEMORY_PCT };
    g_autoptr(GError) error = NULL;
    const char *bad[] = { "", "x", "0", "101", "cpu=", "disk=5", "50,10", "cpu=50;memory=5", NULL };
    gsize i;

    g_assert_true(pv_psi_parse_threshold("70", &t, &error));
    g_assert_no_error(error);
    g_assert_cmpfloat(t.cpu, ==, 70);
    g_assert_cmpfloat(t.memory, ==, PV_PSI_DEFAULT_MEMORY_PCT);
    g_assert_true(pv_psi_parse_threshold("memory=5, cpu=20.5", &t, &error));
    g_assert_cmpfloat(t.cpu, ==, 20.5);
    g_assert_cmpfloat(t.memory, ==, 5);
    for (i = 0; bad[i]; i++) {
        PvPsiThreshold before = t;

        g_assert_false(pv_psi_parse_threshold(bad[i], &t, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        g_assert_nonnull(strstr(error->message, "--psi-threshold"));
        g_clear_error(&error);
        g_assert_cmpfloat(t.cpu, ==, before.cpu);
    }
}

static void
test_psi_throttled(void)
{
    PvPsiThreshold t = { 50, 10 };
    PvPsiReading calm = { 12.0, 0.0 };
    PvPsiReading busy_cpu = { 63.5, 0.0 };
    PvPsiReading busy_memory = { 5.0, 10.5 };
    PvPsiReading at_threshold = { 50.0, 10.0 };

    g_assert_false(pv_psi_throttled(&calm, &t));
    g_assert_true(pv_psi_throttled(&busy_cpu, &t));
    g_assert_true(pv_psi_throttled(&busy_memory, &t));
    g_assert_false(pv_psi_throttled(&at_threshold, &t));
}

static void
test_meminfo(void)
{
    const char *text = "MemTotal:       24683620 kB\n"
                       "MemFree:        24136120 kB\n"
                       "MemAvailable:   24288368 kB\n";
    guint64 bytes = 0;

    g_assert_true(pv_meminfo_parse(text, "MemAvailable", &bytes));
    g_assert_cmpuint(bytes, ==, G_GUINT64_CONSTANT(24288368) * 1024);
    g_assert_true(pv_meminfo_parse(text, "MemTotal", &bytes));
    g_assert_cmpuint(bytes, ==, G_GUINT64_CONSTANT(24683620) * 1024);
    /* "Mem" is a prefix of every key, not a key. */
    g_assert_false(pv_meminfo_parse(text, "Mem", &bytes));
    g_assert_false(pv_meminfo_parse(text, "SwapTotal", &bytes));
}

static void
test_guard(void)
{
    guint64 reserve = PV_HOST_DEFAULT_RESERVE;

    g_assert_cmpuint(reserve, ==, 1536 * PV_MIB);
    /* 4G available: a 1G VM leaves 3G, over the reserve. */
    g_assert_true(pv_host_guard_ok(4 * PV_GIB, 0, reserve, PV_GIB));
    /* Exactly the reserve left is enough. */
    g_assert_true(pv_host_guard_ok(2560 * PV_MIB, 0, reserve, PV_GIB));
    g_assert_false(pv_host_guard_ok(2559 * PV_MIB, 0, reserve, PV_GIB));
    g_assert_false(pv_host_guard_ok(512 * PV_MIB, 0, reserve, PV_GIB));
    /* Guests booted but not resident yet count against what is available:
     * a burst of 1G boots on one 4G reading stops after the first. */
    g_assert_true(pv_host_guard_ok(4 * PV_GIB, 0, reserve, PV_GIB));
    g_assert_false(pv_host_guard_ok(4 * PV_GIB, PV_GIB, reserve, PV_GIB) &&
                   pv_host_guard_ok(4 * PV_GIB, 2 * PV_GIB, reserve, PV_GIB));
    g_assert_false(pv_host_guard_ok(4 * PV_GIB, 2 * PV_GIB, reserve, PV_GIB));
}

static void
test_ksm(void)
{
    g_autofree char *dir = g_dir_make_tmp("pv-ksm-XXXXXX", NULL);
    const char *knobs[] = { "run", "pages_to_scan", "sleep_millisecs" };
    const char *want[] = { "1", "1000", "100" };
    g_autofree char *line = NULL;
    g_autofree char *missing = g_build_filename(dir, "nope", NULL);
    gboolean tuned = TRUE;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(knobs); i++) {
        g_autofree char *path = g_build_filename(dir, knobs[i], NULL);

        g_assert_true(g_file_set_contents(path, "0\n", -1, NULL));
    }
    line = pv_host_tune_ksm(dir, &tuned);
    g_assert_true(tuned);
    g_assert_cmpstr(line, ==, "provium: ksm tuned (run = on, pages_to_scan = 1000, "
                    "sleep_millisecs = 100)");
    for (i = 0; i < G_N_ELEMENTS(knobs); i++) {
        g_autofree char *path = g_build_filename(dir, knobs[i], NULL);
        g_autofree char *value = NULL;

        g_assert_true(g_file_get_contents(path, &value, NULL, NULL));
        g_assert_cmpstr(value, ==, want[i]);
        g_unlink(path);
    }
    g_rmdir(dir);
    g_clear_pointer(&line, g_free);

    line = pv_host_tune_ksm(missing, &tuned);
    g_assert_false(tuned);
    g_assert_true(g_str_has_prefix(line, "provium: ksm not tuned ("));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/psi/parse", test_psi_parse);
    g_test_add_func("/host/psi/threshold", test_psi_threshold);
    g_test_add_func("/host/psi/throttled", test_psi_throttled);
    g_test_add_func("/host/meminfo", test_meminfo);
    g_test_add_func("/host/guard", test_guard);
    g_test_add_func("/host/ksm", test_ksm);
    return g_test_run();
}
