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
 *
 * It also tells a watchdog what the worker runs: @worker counts provium's
 * frames running on it (0 while the worker runs a test file's own code), and
 * the watchdog may give the worker up (PV_WAKE_ABANDONED) only at 0
 * (pv_wake_give_up()); a worker given up never comes back into provium's
 * code (pv_wake_enter() and pv_wake_restore() park it for good).
 */
typedef struct {
    GMutex lock;
    GCond cond;
    gint pending;          /* atomic PvInterruptScope */
    PvErrorCode code;      /* under lock */
    char *message;         /* under lock */
    gint64 since;          /* under lock: when the pending interrupt came (monotonic) */
    gint64 deadline;       /* under lock: when the worker's time is up; G_MAXINT64 none */
    gint worker;           /* atomic: provium's frames running, | PV_WAKE_ABANDONED */
    gint entries;          /* atomic: bumped each time the worker enters provium's code */
    gint heartbeat;        /* atomic: bumped by the Lua hook */
} PvWake;

/* Set in PvWake.worker once the watchdog gave the worker up. */
#define PV_WAKE_ABANDONED (1 << 30)

/**
 * PvWakeWatch:
 *
 * What a watchdog remembers of one worker between two looks.
 */
typedef struct {
    gint heartbeat;
    gint entries;
    gint64 quiet_since;    /* since when the worker looked stuck at every look; 0 not */
} PvWakeWatch;

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

void pv_wake_set_deadline(PvWake *wake, gint64 deadline);
gint64 pv_wake_get_due(PvWake *wake);

/* The worker: provium's code or the file's (the Lua guard, pv-lua-guard.c) */
guint pv_wake_enter(PvWake *wake);
guint pv_wake_leave(PvWake *wake);
void pv_wake_restore(PvWake *wake, guint depth);
guint pv_wake_get_depth(PvWake *wake);
void pv_wake_beat(PvWake *wake);
G_NORETURN void pv_wake_park(void);

/* The watchdog */
gboolean pv_wake_give_up(PvWake *wake, PvWakeWatch *watch, gint64 due, gint64 grace,
                         gint64 now);
gboolean pv_wake_is_abandoned(PvWake *wake);

typedef enum {
    PV_WAIT_READY,
    PV_WAIT_TIMEOUT,
    PV_WAIT_INTERRUPTED,
} PvWaitResult;

/* Called with the wake's lock held. */
typedef gboolean (*PvWakeReadyFunc)(gpointer user_data);

PvWaitResult pv_wake_wait(PvWake *wake, gint64 deadline, PvWakeReadyFunc ready,
                          gpointer user_data, GError **error);
