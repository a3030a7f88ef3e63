/*
 * pv-wake.c: waking a worker thread, and interrupting what it runs
 */
#include "config.h"

#include "pv-wake.h"

void
pv_wake_init(PvWake *wake)
{
    g_mutex_init(&wake->lock);
    g_cond_init(&wake->cond);
    wake->pending = PV_INTERRUPT_NONE;
    wake->message = NULL;
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
