/*
 * pv-sched.h: the one way a worker waits for what others hold
 */
#pragma once

#include <glib.h>

#include "pv-pool.h"
#include "pv-wake.h"

typedef struct _PvSched PvSched;

/**
 * PvSchedTry:
 * @PV_SCHED_GRANTED: got everything asked, all at once
 * @PV_SCHED_BLOCKED: nothing taken; @reason says what is missing
 * @PV_SCHED_FAILED: can never be had; @error says why
 */
typedef enum {
    PV_SCHED_GRANTED,
    PV_SCHED_BLOCKED,
    PV_SCHED_FAILED,
} PvSchedTry;

/**
 * PvSchedTryFunc:
 * @reason: (out): on BLOCKED, why (a file_blocked reason)
 * @on_files: (out): on BLOCKED, whether only another file of this run can
 *   end the wait (by giving back pool or LLC groups, destroying a network,
 *   finishing a fixture's build), as opposed to the host (pressure, memory),
 *   time (the boot gate) or another process (its network, its build)
 *
 * Tries to take everything a wait is for, all or nothing.  Called with the
 * scheduler's lock held: it must not wait, and must not call back into the
 * scheduler.
 */
typedef PvSchedTry (*PvSchedTryFunc)(gpointer user_data, PvBlockReason *reason,
                                     gboolean *on_files, GError **error);

/**
 * PvSchedBlockFunc:
 * @reason: PV_BLOCK_NONE when the wait is over
 *
 * Told when a waiter starts waiting for a reason, changes reason, and stops
 * (for file_blocked / file_unblocked).  Called without the scheduler's lock.
 */
typedef void (*PvSchedBlockFunc)(gpointer user_data, PvBlockReason reason);

/**
 * PvSchedCheckFunc:
 *
 * Whether the waiter may go on waiting (not interrupted, not out of time);
 * FALSE with @error set to give up.  Called without the scheduler's lock.
 */
typedef gboolean (*PvSchedCheckFunc)(gpointer user_data, GError **error);

typedef struct {
    PvWake *wake;              /* the waiting worker's: every wake-up comes through it */
    gint64 deadline;           /* monotonic; G_MAXINT64 for none */
    PvSchedTryFunc try_take;
    PvSchedBlockFunc blocked;  /* nullable */
    PvSchedCheckFunc check;    /* nullable */
    gpointer user_data;
    const char *who;           /* for the deadlock message: "vm 'web'" */
    const char *need;          /* nullable: what it waits for, "256M and 1 vCPU" */
    /*
     * 0, or how long after a blocked try that said !on_files to try again
     * without a notify: what another process holds (its network, its
     * fixture build) is given back where no pv_sched_notify() hears it.
     */
    gint64 retry_us;
} PvSchedWait;

PvSched *pv_sched_new(void);
void pv_sched_free(PvSched *sched);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvSched, pv_sched_free)

void pv_sched_file_started(PvSched *sched);
void pv_sched_file_ended(PvSched *sched);
void pv_sched_notify(PvSched *sched);
gboolean pv_sched_wait(PvSched *sched, const PvSchedWait *wait, GError **error);
guint pv_sched_count_waiting(PvSched *sched, PvBlockReason reason);
