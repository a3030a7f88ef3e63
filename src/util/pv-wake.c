/*
 * pv-wake.c: waking a worker thread, and interrupting what it runs
 *
 * And giving it up: a worker the Lua hook cannot reach (a test file's C
 * call that runs long, a finalizer, a debug hook: Lua runs no hook during
 * those) does not stop at its timeout or on a signal.  The watchdog (the
 * dispatcher's tick, the bound of discovery) gives such a worker up once it
 * has been due a grace period and, for as long, the hook never ran and the
 * worker was never seen inside one long call of provium's (a boot, a wait:
 * those end on an interrupt by themselves): it ran the file's own code, or
 * called provium's over and over from code no hook reaches.  It is given up
 * only at a moment it runs the file's code: from then on whoever gave it up
 * ends the file in its place, and the worker, if it ever comes back into
 * provium's code, parks there for good, touching nothing but its wake (so a
 * file given up is never freed).
 */
#include "config.h"

#include <unistd.h>

#include "pv-wake.h"

void
pv_wake_init(PvWake *wake)
{
    g_mutex_init(&wake->lock);
    g_cond_init(&wake->cond);
    wake->pending = PV_INTERRUPT_NONE;
    wake->message = NULL;
    wake->since = 0;
    wake->deadline = G_MAXINT64;
    /* The worker's own code runs provium's until it calls into a file's. */
    wake->worker = 1;
    wake->entries = 0;
    wake->heartbeat = 0;
}

void
pv_wake_clear(PvWake *wake)
{
    g_free(wake->message);
    wake->message = NULL;
    g_cond_clear(&wake->cond);
    g_mutex_clear(&wake->lock);
}

/**
 * pv_wake_interrupt:
 * @message: why, as the failed test will show it
 *
 * Interrupts the worker.  The first reason is kept, except that a file-wide
 * interrupt replaces a test's.  Safe from any thread.
 */
void
pv_wake_interrupt(PvWake *wake, PvInterruptScope scope, PvErrorCode code, const char *message)
{
    g_mutex_lock(&wake->lock);
    if ((PvInterruptScope)g_atomic_int_get(&wake->pending) < scope) {
        if (g_atomic_int_get(&wake->pending) == PV_INTERRUPT_NONE)
            wake->since = g_get_monotonic_time();
        g_free(wake->message);
        wake->message = g_strdup(message);
        wake->code = code;
        g_atomic_int_set(&wake->pending, scope);
    }
    g_cond_broadcast(&wake->cond);
    g_mutex_unlock(&wake->lock);
}

/**
 * pv_wake_pending:
 *
 * Lock-free: for the Lua hook, which runs every few thousand instructions.
 */
PvInterruptScope
pv_wake_pending(PvWake *wake)
{
    return g_atomic_int_get(&wake->pending);
}

/**
 * pv_wake_check_locked:
 *
 * pv_wake_check() with @wake's lock already held.
 */
gboolean
pv_wake_check_locked(PvWake *wake, GError **error)
{
    if (g_atomic_int_get(&wake->pending) == PV_INTERRUPT_NONE)
        return TRUE;
    g_set_error_literal(error, PV_ERROR, wake->code, wake->message);
    return FALSE;
}

/**
 * pv_wake_check:
 *
 * Returns: FALSE with @error set to the interrupt's reason when interrupted
 */
gboolean
pv_wake_check(PvWake *wake, GError **error)
{
    gboolean ok;

    if (g_atomic_int_get(&wake->pending) == PV_INTERRUPT_NONE)
        return TRUE;
    g_mutex_lock(&wake->lock);
    ok = pv_wake_check_locked(wake, error);
    g_mutex_unlock(&wake->lock);
    return ok;
}

/* With @wake's lock held: whether the pending interrupt is a cancellation. */
static gboolean
pv_wake_cancelled_locked(PvWake *wake)
{
    return g_atomic_int_get(&wake->pending) == PV_INTERRUPT_FILE &&
        wake->code == PV_ERROR_CANCELLED;
}

/**
 * pv_wake_is_cancelled:
 *
 * Whether a file-wide interrupt is a cancellation (rather than a timeout).
 */
gboolean
pv_wake_is_cancelled(PvWake *wake)
{
    gboolean cancelled;

    g_mutex_lock(&wake->lock);
    cancelled = pv_wake_cancelled_locked(wake);
    g_mutex_unlock(&wake->lock);
    return cancelled;
}

/**
 * pv_wake_reset_unless_cancelled:
 *
 * Forgets any interrupt (a timeout) so the worker can start over, unless
 * it is a cancellation, which stays.
 * Returns: FALSE when cancelled
 */
gboolean
pv_wake_reset_unless_cancelled(PvWake *wake)
{
    gboolean cancelled;

    g_mutex_lock(&wake->lock);
    cancelled = pv_wake_cancelled_locked(wake);
    if (!cancelled) {
        g_atomic_int_set(&wake->pending, PV_INTERRUPT_NONE);
        g_clear_pointer(&wake->message, g_free);
        wake->since = 0;
    }
    g_mutex_unlock(&wake->lock);
    return !cancelled;
}

/**
 * pv_wake_reset_test:
 *
 * Forgets a test's interrupt once the test has ended; a file-wide one stays.
 */
void
pv_wake_reset_test(PvWake *wake)
{
    g_mutex_lock(&wake->lock);
    if (g_atomic_int_get(&wake->pending) == PV_INTERRUPT_TEST) {
        g_atomic_int_set(&wake->pending, PV_INTERRUPT_NONE);
        g_clear_pointer(&wake->message, g_free);
        wake->since = 0;
    }
    g_mutex_unlock(&wake->lock);
}

/**
 * pv_wake_wait:
 * @deadline: g_get_monotonic_time() value; G_MAXINT64 for none
 * @ready: (nullable): what is waited for; NULL to just sleep
 *
 * Waits until @ready says so, the deadline passes, or an interrupt comes.
 * Returns: how the wait ended; @error is set only for PV_WAIT_INTERRUPTED
 */
PvWaitResult
pv_wake_wait(PvWake *wake, gint64 deadline, PvWakeReadyFunc ready, gpointer user_data,
             GError **error)
{
    PvWaitResult result;

    g_mutex_lock(&wake->lock);
    for (;;) {
        if (ready && ready(user_data)) {
            result = PV_WAIT_READY;
            break;
        }
        if (!pv_wake_check_locked(wake, error)) {
            result = PV_WAIT_INTERRUPTED;
            break;
        }
        if (g_get_monotonic_time() >= deadline) {
            result = PV_WAIT_TIMEOUT;
            break;
        }
        g_cond_wait_until(&wake->cond, &wake->lock, deadline);
    }
    g_mutex_unlock(&wake->lock);
    return result;
}

/**
 * pv_wake_set_deadline:
 * @deadline: monotonic time; G_MAXINT64 for none (or while the worker's
 *   clock is stopped)
 *
 * When the worker's time is up, for a watchdog (pv_wake_get_due()): the
 * worker turns it into an interrupt itself when it looks, which a stuck
 * worker does not.  The worker's thread.
 */
void
pv_wake_set_deadline(PvWake *wake, gint64 deadline)
{
    g_mutex_lock(&wake->lock);
    wake->deadline = deadline;
    g_mutex_unlock(&wake->lock);
}

/**
 * pv_wake_get_due:
 *
 * Returns: since when the worker should have stopped: its pending
 *   interrupt's time or its deadline, whichever is first; G_MAXINT64 when
 *   neither.  Any thread.
 */
gint64
pv_wake_get_due(PvWake *wake)
{
    gint64 due;

    g_mutex_lock(&wake->lock);
    due = wake->deadline;
    if (g_atomic_int_get(&wake->pending) != PV_INTERRUPT_NONE)
        due = MIN(due, wake->since);
    g_mutex_unlock(&wake->lock);
    return due;
}

/**
 * pv_wake_park:
 *
 * A worker given up stops here, for good.
 */
G_NORETURN void
pv_wake_park(void)
{
    for (;;)
        pause();
}

/**
 * pv_wake_enter:
 *
 * The worker enters provium's code (a binding, the Lua hook): one more of
 * provium's frames runs.  A worker given up parks here.
 * Returns: the count before, for pv_wake_restore()
 */
guint
pv_wake_enter(PvWake *wake)
{
    for (;;) {
        gint worker = g_atomic_int_get(&wake->worker);

        if (worker & PV_WAKE_ABANDONED)
            pv_wake_park();
        if (g_atomic_int_compare_and_exchange(&wake->worker, worker, worker + 1)) {
            g_atomic_int_inc(&wake->entries);
            return worker;
        }
    }
}

/**
 * pv_wake_leave:
 *
 * Provium's code calls a test file's (its top level, a test, a fixture's
 * setup): none of provium's frames runs until pv_wake_restore().
 * Returns: the count before
 */
guint
pv_wake_leave(PvWake *wake)
{
    for (;;) {
        gint worker = g_atomic_int_get(&wake->worker);

        /* Not given up: provium's code runs (worker > 0). */
        if (worker & PV_WAKE_ABANDONED)
            return 0;
        if (g_atomic_int_compare_and_exchange(&wake->worker, worker, 0))
            return worker;
    }
}

/**
 * pv_wake_restore:
 * @depth: what pv_wake_enter() or pv_wake_leave() returned
 *
 * Back to @depth of provium's frames: provium's code (@depth > 0) parks
 * here if the worker was given up meanwhile; the file's code (0) goes on.
 */
void
pv_wake_restore(PvWake *wake, guint depth)
{
    for (;;) {
        gint worker = g_atomic_int_get(&wake->worker);

        if (worker & PV_WAKE_ABANDONED) {
            if (depth > 0)
                pv_wake_park();
            return;
        }
        if (g_atomic_int_compare_and_exchange(&wake->worker, worker, (gint)depth))
            return;
    }
}

/**
 * pv_wake_get_depth:
 *
 * Returns: how many of provium's frames run on the worker now (0: the file's
 *   code); the worker's thread
 */
guint
pv_wake_get_depth(PvWake *wake)
{
    return (guint)g_atomic_int_get(&wake->worker) & ~(guint)PV_WAKE_ABANDONED;
}

/**
 * pv_wake_beat:
 *
 * The worker is alive and reached by the Lua hook (which interrupts it).
 */
void
pv_wake_beat(PvWake *wake)
{
    g_atomic_int_inc(&wake->heartbeat);
}

/* How often, and how far apart, a worker calling provium's code over and over is tried. */
#define PV_WAKE_GIVE_UP_TRIES 100
#define PV_WAKE_GIVE_UP_PAUSE_US 100

/**
 * pv_wake_give_up:
 * @watch: what this watchdog saw of the worker before; zeroed at first
 * @due: since when the worker should have stopped (pv_wake_get_due()), or
 *   G_MAXINT64
 * @grace: how long past @due, and how long seen stuck, before it is given
 *   up (µs)
 * @now: monotonic time
 *
 * Looks at the worker (call it every second or so, from another thread).
 * It looks stuck when the Lua hook did not run since the last look and the
 * worker is not inside one call of provium's since then (it runs the file's
 * code, or enters provium's over and over).  Once it is @grace past @due
 * and looked stuck at every look for @grace, it is given up, at a moment it
 * runs the file's code.  From then on the caller owns the worker's file:
 * the worker never touches it again.
 * Returns: whether the worker was given up now
 */
gboolean
pv_wake_give_up(PvWake *wake, PvWakeWatch *watch, gint64 due, gint64 grace, gint64 now)
{
    gint heartbeat = g_atomic_int_get(&wake->heartbeat);
    gint entries = g_atomic_int_get(&wake->entries);
    gboolean stuck = heartbeat == watch->heartbeat &&
        (g_atomic_int_get(&wake->worker) == 0 || entries != watch->entries);
    guint i;

    watch->heartbeat = heartbeat;
    watch->entries = entries;
    if (!stuck || !watch->quiet_since) {
        watch->quiet_since = stuck ? now : 0;
        return FALSE;
    }
    if (due == G_MAXINT64 || now < due + grace || now < watch->quiet_since + grace)
        return FALSE;
    for (i = 0; i < PV_WAKE_GIVE_UP_TRIES; i++) {
        if (g_atomic_int_compare_and_exchange(&wake->worker, 0, PV_WAKE_ABANDONED))
            return TRUE;
        g_usleep(PV_WAKE_GIVE_UP_PAUSE_US);
    }
    return FALSE;
}

/**
 * pv_wake_is_abandoned:
 *
 * Returns: whether the worker was given up (it may still run the file's
 *   code, and reads the wake if it comes back)
 */
gboolean
pv_wake_is_abandoned(PvWake *wake)
{
    return (g_atomic_int_get(&wake->worker) & PV_WAKE_ABANDONED) != 0;
}
