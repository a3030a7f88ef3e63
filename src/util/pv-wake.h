/*
 * pv-wake.h: waking a worker thread, and interrupting what it runs
 */
#pragma once

#include <glib.h>

#include "pv-error.h"

typedef enum {
    PV_INTERRUPT_NONE,
    PV_INTERRUPT_TEST,   /* the running test fails; the file goes on */
    PV_INTERRUPT_FILE,   /* the file stops: cancellation */

    PV_INTERRUPT_LAST
} PvInterruptScope;

/**
 * PvWake:
 *
 * One per worker.  Whatever the worker may wait for (a domain event, a pool
 * release, a signal) broadcasts @cond under @lock after changing what it
 * changed.  An interrupt also sets @pending, which the Lua hook reads without
 * the lock.
 */
typedef struct {
    GMutex lock;
    GCond cond;
    gint pending;          /* atomic PvInterruptScope */
    PvErrorCode code;      /* under lock */
    char *message;         /* under lock */
} PvWake;

void pv_wake_init(PvWake *wake);
void pv_wake_clear(PvWake *wake);
void pv_wake_interrupt(PvWake *wake, PvInterruptScope scope, PvErrorCode code,
                       const char *message);
PvInterruptScope pv_wake_pending(PvWake *wake);
gboolean pv_wake_check(PvWake *wake, GError **error);
gboolean pv_wake_check_locked(PvWake *wake, GError **error);
void pv_wake_reset_test(PvWake *wake);
gboolean pv_wake_is_cancelled(PvWake *wake);
gboolean pv_wake_reset_unless_cancelled(PvWake *wake);

typedef enum {
    PV_WAIT_READY,
    PV_WAIT_TIMEOUT,
    PV_WAIT_INTERRUPTED,
} PvWaitResult;

/* Called with the wake's lock held. */
typedef gboolean (*PvWakeReadyFunc)(gpointer user_data);

PvWaitResult pv_wake_wait(PvWake *wake, gint64 deadline, PvWakeReadyFunc ready,
                          gpointer user_data, GError **error);
