/*
 * test-host.c: host readings and the decisions made on them
 *
 * Readings are written by the tests (PSI files, /proc/meminfo, a KSM
 * directory), so each decision is checked on the values that drive it.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-ksm.h"
#include "pv-local.h"
#include "pv-node.h"
#include "pv-resources.h"
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

/* A remote host's CPU pressure, from libvirt's CPU times: none until nearly saturated. */
static void
test_cpu_pressure(void)
{
    const PvNodeCpuTimes start = { 1000, 1000 };
    const PvNodeCpuTimes half = { 1500, 1500 };
    const PvNodeCpuTimes busy = { 1900, 1100 };
    const PvNodeCpuTimes saturated = { 2000, 1000 };
    const PvNodeCpuTimes nearly = { 1950, 1050 };

    g_assert_cmpfloat(pv_node_cpu_pressure(&start, &start), ==, 0);
    g_assert_cmpfloat(pv_node_cpu_pressure(&start, &half), ==, 0);
    g_assert_cmpfloat(pv_node_cpu_pressure(&start, &busy), ==, 0);
    g_assert_cmpfloat(pv_node_cpu_pressure(&start, &saturated), ==, 100);
    g_assert_cmpfloat_with_epsilon(pv_node_cpu_pressure(&start, &nearly), 50, 1e-9);
    /* counters that went back (a host rebooted) read as no time passed */
    g_assert_cmpfloat(pv_node_cpu_pressure(&saturated, &start), ==, 0);
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
    g_assert_true(pv_resources_guard_ok(4 * PV_GIB, 0, reserve, PV_GIB));
    /* Exactly the reserve left is enough. */
    g_assert_true(pv_resources_guard_ok(2560 * PV_MIB, 0, reserve, PV_GIB));
    g_assert_false(pv_resources_guard_ok(2559 * PV_MIB, 0, reserve, PV_GIB));
    g_assert_false(pv_resources_guard_ok(512 * PV_MIB, 0, reserve, PV_GIB));
    /* Guests booted but not resident yet count against what is available:
     * a burst of 1G boots on one 4G reading stops after the first. */
    g_assert_true(pv_resources_guard_ok(4 * PV_GIB, 0, reserve, PV_GIB));
    g_assert_false(pv_resources_guard_ok(4 * PV_GIB, PV_GIB, reserve, PV_GIB) &&
                   pv_resources_guard_ok(4 * PV_GIB, 2 * PV_GIB, reserve, PV_GIB));
    g_assert_false(pv_resources_guard_ok(4 * PV_GIB, 2 * PV_GIB, reserve, PV_GIB));
}

/*
 * A KSM sysfs directory and a state directory of the tests' own, so several
 * "runs" (PvKsm handles, or child processes) tune and restore them.
 */
typedef struct {
    char *dir;
    char *sysfs;
    char *state;
} KsmFixture;

static void
write_knobs(KsmFixture *fx, const char *run, const char *pages, const char *sleep)
{
    const char *values[] = { run, pages, sleep };
    PvKsmKnob knob;

    for (knob = 0; knob < PV_KSM_LAST; knob++) {
        g_autofree char *path = g_build_filename(fx->sysfs, pv_ksm_knob_to_string(knob), NULL);

        if (values[knob])
            g_assert_true(g_file_set_contents(path, values[knob], -1, NULL));
    }
}

/* The knobs as "run pages sleep". */
static char *
read_knobs(KsmFixture *fx)
{
    g_autoptr(GString) out = g_string_new(NULL);
    PvKsmKnob knob;

    for (knob = 0; knob < PV_KSM_LAST; knob++) {
        g_autofree char *path = g_build_filename(fx->sysfs, pv_ksm_knob_to_string(knob), NULL);
        g_autofree char *text = NULL;

        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_string_append_printf(out, "%s%s", out->len ? " " : "", g_strstrip(text));
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
ksm_setup(KsmFixture *fx, gconstpointer data)
{
    fx->dir = g_dir_make_tmp("pv-ksm-XXXXXX", NULL);
    g_assert_nonnull(fx->dir);
    fx->sysfs = g_build_filename(fx->dir, "ksm", NULL);
    fx->state = g_build_filename(fx->dir, "run", "provium", NULL);
    g_assert_cmpint(g_mkdir(fx->sysfs, 0755), ==, 0);
    /* What a host has before provium: ksmd stopped, the kernel's defaults. */
    write_knobs(fx, "0\n", "100\n", "20\n");
}

static void
ksm_teardown(KsmFixture *fx, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);

    g_assert_cmpint(system(cmd), ==, 0);
    g_free(fx->dir);
    g_free(fx->sysfs);
    g_free(fx->state);
}

static void
assert_settings(const PvKsmSettings *settings, gint64 run, gint64 pages, gint64 sleep)
{
    g_assert_cmpint(settings->values[PV_KSM_RUN], ==, run);
    g_assert_cmpint(settings->values[PV_KSM_PAGES_TO_SCAN], ==, pages);
    g_assert_cmpint(settings->values[PV_KSM_SLEEP_MILLISECS], ==, sleep);
}

static void
test_ksm_restore(KsmFixture *fx, gconstpointer data)
{
    g_autoptr(PvKsm) ksm = pv_ksm_tune(fx->sysfs, fx->state);
    g_autofree char *knobs = NULL;
    g_autofree char *line = NULL;

    g_assert_true(ksm->tuned);
    g_assert_true(ksm->have_previous);
    assert_settings(&ksm->previous, 0, 100, 20);
    assert_settings(&ksm->written, 1, 1000, 100);
    g_assert_cmpstr(ksm->message, ==,
                    "provium: ksm tuned: run 0 -> 1, pages_to_scan 100 -> 1000, "
                    "sleep_millisecs 20 -> 100 (put back when the last provium run on this "
                    "host ends)");
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "1 1000 100");

    /* The only run ends: the host gets its own settings back. */
    line = pv_ksm_restore(ksm);
    g_assert_cmpstr(line, ==,
                    "provium: ksm put back: run 0, pages_to_scan 100, sleep_millisecs 20");
    g_assert_true(ksm->restored);
    g_free(knobs);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "0 100 20");
    /* Once only. */
    g_clear_pointer(&line, g_free);
    line = pv_ksm_restore(ksm);
    g_assert_null(line);
}

static void
test_ksm_overlap(KsmFixture *fx, gconstpointer data)
{
    g_autoptr(PvKsm) a = pv_ksm_tune(fx->sysfs, fx->state);
    g_autoptr(PvKsm) b = NULL;
    g_autoptr(PvKsm) c = NULL;
    g_autofree char *line = NULL;
    g_autofree char *knobs = NULL;

    /* B starts while A runs: what it finds is A's tuning, not the host's. */
    b = pv_ksm_tune(fx->sysfs, fx->state);
    g_assert_true(b->tuned);
    assert_settings(&b->previous, 0, 100, 20);

    /* A ends first: B still runs, KSM stays tuned. */
    line = pv_ksm_restore(a);
    g_assert_null(line);
    g_assert_false(a->restored);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "1 1000 100");

    /* C starts and B ends: C is the last, and puts the host's settings back. */
    c = pv_ksm_tune(fx->sysfs, fx->state);
    assert_settings(&c->previous, 0, 100, 20);
    line = pv_ksm_restore(b);
    g_assert_null(line);
    line = pv_ksm_restore(c);
    g_assert_nonnull(line);
    g_free(knobs);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "0 100 20");
}

/* A run in a child process that tunes KSM, then is killed. */
static void
tune_and_die(KsmFixture *fx)
{
    pid_t child = fork();
    int status = 0;

    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
        PvKsm *ksm = pv_ksm_tune(fx->sysfs, fx->state);

        if (!ksm->tuned)
            _exit(3);
        raise(SIGKILL);
        _exit(4);
    }
    g_assert_cmpint(waitpid(child, &status, 0), ==, child);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);
}

static void
test_ksm_killed(KsmFixture *fx, gconstpointer data)
{
    g_autoptr(PvKsm) ksm = NULL;
    g_autofree char *line = NULL;
    g_autofree char *knobs = NULL;

    /* The last run was killed: KSM stays tuned... */
    tune_and_die(fx);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "1 1000 100");

    /* ...until the next run ends, which puts back the host's, not the killed run's. */
    ksm = pv_ksm_tune(fx->sysfs, fx->state);
    assert_settings(&ksm->previous, 0, 100, 20);
    line = pv_ksm_restore(ksm);
    g_assert_nonnull(line);
    g_free(knobs);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "0 100 20");
    g_clear_pointer(&ksm, pv_ksm_free);
    g_clear_pointer(&line, g_free);

    /* Killed, then the administrator set KSM: theirs are the host's settings now. */
    tune_and_die(fx);
    write_knobs(fx, NULL, "500\n", NULL);
    ksm = pv_ksm_tune(fx->sysfs, fx->state);
    assert_settings(&ksm->previous, 1, 500, 100);
    line = pv_ksm_restore(ksm);
    g_free(knobs);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "1 500 100");
}

static void
test_ksm_changed(KsmFixture *fx, gconstpointer data)
{
    g_autoptr(PvKsm) ksm = pv_ksm_tune(fx->sysfs, fx->state);
    g_autofree char *line = NULL;
    g_autofree char *knobs = NULL;

    /* Someone set KSM while provium ran: the end leaves their setting. */
    write_knobs(fx, NULL, NULL, "50\n");
    line = pv_ksm_restore(ksm);
    g_assert_cmpstr(line, ==,
                    "provium: ksm left as it is: changed while provium ran (run 1, "
                    "pages_to_scan 1000, sleep_millisecs 50)");
    g_assert_false(ksm->restored);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "1 1000 50");
}

static void
test_ksm_unavailable(KsmFixture *fx, gconstpointer data)
{
    g_autofree char *missing = g_build_filename(fx->dir, "nope", NULL);
    g_autoptr(PvKsm) ksm = pv_ksm_tune(missing, fx->state);
    g_autoptr(PvKsm) unsafe = NULL;
    g_autofree char *line = NULL;
    g_autofree char *knobs = NULL;
    g_autofree char *expected = NULL;

    g_assert_false(ksm->tuned);
    g_assert_false(ksm->have_previous);
    g_assert_true(g_str_has_prefix(ksm->message, "provium: ksm not tuned ("));
    g_assert_nonnull(strstr(ksm->message, missing));
    line = pv_ksm_restore(ksm);
    g_assert_null(line);

    /* What to put back lives where only root writes. */
    g_assert_cmpint(g_mkdir_with_parents(fx->state, 0755), ==, 0);
    g_assert_cmpint(g_chmod(fx->state, 0777), ==, 0);
    unsafe = pv_ksm_tune(fx->sysfs, fx->state);
    g_assert_false(unsafe->tuned);
    expected = g_strdup_printf("provium: ksm not tuned (%s is writable by everyone)", fx->state);
    g_assert_cmpstr(unsafe->message, ==, expected);
    knobs = read_knobs(fx);
    g_assert_cmpstr(knobs, ==, "0 100 20");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/psi/parse", test_psi_parse);
    g_test_add_func("/host/psi/threshold", test_psi_threshold);
    g_test_add_func("/host/psi/throttled", test_psi_throttled);
    g_test_add_func("/host/meminfo", test_meminfo);
    g_test_add_func("/host/cpu-pressure", test_cpu_pressure);
    g_test_add_func("/host/guard", test_guard);
#define ADD(path, fn) g_test_add(path, KsmFixture, NULL, ksm_setup, fn, ksm_teardown)
    ADD("/host/ksm/restore", test_ksm_restore);
    ADD("/host/ksm/overlap", test_ksm_overlap);
    ADD("/host/ksm/killed", test_ksm_killed);
    ADD("/host/ksm/changed", test_ksm_changed);
    ADD("/host/ksm/unavailable", test_ksm_unavailable);
#undef ADD
    return g_test_run();
}
