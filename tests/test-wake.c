/*
 * test-wake.c: a worker's wake: when it is due, and when a watchdog may
 * give the worker up (src/util/pv-wake.c)
 */
#include "config.h"

#include "pv-wake.h"

#define GRACE (2 * G_USEC_PER_SEC)
/* Monotonic times far from 0. */
#define DUE (1000 * G_USEC_PER_SEC)

static gboolean
give_up(PvWake *wake, PvWakeWatch *watch, gint64 now)
{
    return pv_wake_give_up(wake, watch, DUE, GRACE, now);
}

/* The worker runs provium's code (it starts so): never given up. */
static void
test_provium_code(void)
{
    PvWake wake;
    PvWakeWatch watch = { 0 };
    guint i;

    pv_wake_init(&wake);
    for (i = 0; i < 10; i++)
        g_assert_false(give_up(&wake, &watch, DUE + i * GRACE));
    /* Inside a binding called from the file's code: one long call. */
    pv_wake_leave(&wake);
    pv_wake_enter(&wake);
    for (i = 0; i < 10; i++)
        g_assert_false(give_up(&wake, &watch, DUE + i * GRACE));
    g_assert_false(pv_wake_is_abandoned(&wake));
    pv_wake_clear(&wake);
}

/* The file's code, the hook silent: given up a grace past due, quiet as long. */
static void
test_stuck(void)
{
    PvWake wake;
    PvWakeWatch watch = { 0 };

    pv_wake_init(&wake);
    g_assert_cmpuint(pv_wake_leave(&wake), ==, 1);
    g_assert_cmpuint(pv_wake_get_depth(&wake), ==, 0);
    /* Never without a time it is due by. */
    g_assert_false(pv_wake_give_up(&wake, &watch, G_MAXINT64, GRACE, DUE));
    g_assert_false(pv_wake_give_up(&wake, &watch, G_MAXINT64, GRACE, DUE + 10 * GRACE));
    /* Quiet since DUE - GRACE: not before DUE + GRACE. */
    watch = (PvWakeWatch){ 0 };
    g_assert_false(give_up(&wake, &watch, DUE - GRACE));
    g_assert_false(give_up(&wake, &watch, DUE));
    g_assert_false(give_up(&wake, &watch, DUE + GRACE - 1));
    /* The hook ran: not stuck; quiet again from the next look. */
    pv_wake_beat(&wake);
    g_assert_false(give_up(&wake, &watch, DUE + GRACE));
    g_assert_false(give_up(&wake, &watch, DUE + 2 * GRACE));
    g_assert_false(give_up(&wake, &watch, DUE + 3 * GRACE - 1));
    g_assert_false(pv_wake_is_abandoned(&wake));
    g_assert_true(give_up(&wake, &watch, DUE + 3 * GRACE));
    g_assert_true(pv_wake_is_abandoned(&wake));
    /* Once. */
    g_assert_false(give_up(&wake, &watch, DUE + 4 * GRACE));
    /* The file's code goes on; leaving provium's code changes nothing. */
    pv_wake_restore(&wake, 0);
    g_assert_true(pv_wake_is_abandoned(&wake));
    pv_wake_clear(&wake);
}

/* The file's code calling provium's over and over, the hook silent (a finalizer): stuck too. */
static void
test_calls_over_and_over(void)
{
    PvWake wake;
    PvWakeWatch watch = { 0 };

    pv_wake_init(&wake);
    pv_wake_leave(&wake);
    pv_wake_enter(&wake);
    g_assert_false(give_up(&wake, &watch, DUE));
    pv_wake_restore(&wake, 0);
    pv_wake_enter(&wake);
    /*
     * Seen inside provium's code, but another call of it: quiet since DUE,
     * yet given up only while none of provium's frames runs.
     */
    g_assert_false(give_up(&wake, &watch, DUE + 2 * GRACE));
    g_assert_false(pv_wake_is_abandoned(&wake));
    pv_wake_restore(&wake, 0);
    g_assert_true(give_up(&wake, &watch, DUE + 2 * GRACE + 1));
    pv_wake_clear(&wake);
}

/* Due: the first of the pending interrupt's time and the deadline. */
static void
test_due(void)
{
    PvWake wake;
    gint64 before = g_get_monotonic_time();

    pv_wake_init(&wake);
    g_assert_cmpint(pv_wake_get_due(&wake), ==, G_MAXINT64);
    pv_wake_set_deadline(&wake, DUE);
    g_assert_cmpint(pv_wake_get_due(&wake), ==, DUE);
    pv_wake_interrupt(&wake, PV_INTERRUPT_TEST, PV_ERROR_TIMEOUT, "timed out");
    g_assert_cmpint(pv_wake_get_due(&wake), ==, MIN(DUE, wake.since));
    g_assert_cmpint(wake.since, >=, before);
    pv_wake_set_deadline(&wake, G_MAXINT64);
    g_assert_cmpint(pv_wake_get_due(&wake), ==, wake.since);
    /* A file-wide interrupt after it: due since the first. */
    pv_wake_interrupt(&wake, PV_INTERRUPT_FILE, PV_ERROR_CANCELLED, "cancelled");
    g_assert_cmpint(pv_wake_get_due(&wake), ==, wake.since);
    g_assert_cmpint(wake.since, <=, g_get_monotonic_time());
    pv_wake_reset_test(&wake);
    g_assert_cmpint(pv_wake_get_due(&wake), <, G_MAXINT64);
    pv_wake_clear(&wake);
}

static PvWake abandoned;
static gint came_back;

static gpointer
enter_abandoned(gpointer data)
{
    pv_wake_enter(&abandoned);
    g_atomic_int_set(&came_back, 1);
    return NULL;
}

/* A worker given up never comes back into provium's code: it parks. */
static void
test_parks(void)
{
    PvWakeWatch watch = { 0 };
    GThread *thread;

    pv_wake_init(&abandoned);
    pv_wake_leave(&abandoned);
    g_assert_false(give_up(&abandoned, &watch, DUE));
    g_assert_true(give_up(&abandoned, &watch, DUE + GRACE));
    thread = g_thread_new("worker", enter_abandoned, NULL);
    g_usleep(G_USEC_PER_SEC / 5);
    g_assert_cmpint(g_atomic_int_get(&came_back), ==, 0);
    /* Never joined, as the run leaves it. */
    g_thread_unref(thread);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/wake/give-up/provium-code", test_provium_code);
    g_test_add_func("/wake/give-up/stuck", test_stuck);
    g_test_add_func("/wake/give-up/calls-over-and-over", test_calls_over_and_over);
    g_test_add_func("/wake/due", test_due);
    g_test_add_func("/wake/give-up/parks", test_parks);
    return g_test_run();
}
