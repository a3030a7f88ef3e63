/*
 * pv-dispatcher-private.h: the dispatcher's decisions, for its tests
 */
#pragma once

#if !defined(PV_DISPATCHER_PRIVATE)
# error "only pv-dispatcher.c, pv-dispatcher-decide.c and the tests include pv-dispatcher-private.h"
#endif

#include "pv-pool.h"

/**
 * PvAdmission:
 *
 * What the dispatcher knows when the head of the queue asks to run.
 */
typedef struct {
    guint running;          /* files in flight */
    guint jobs;             /* --jobs; 0 for no cap */
    gboolean psi_throttled;
    guint64 headroom;       /* unclaimed: the memory of the VM it likely boots */
    gboolean vms_waiting;   /* VMs of running files wait for the pool: they come first */
    guint llcs_wanted;      /* LLC groups the file claims */
    guint llcs_free;        /* LLC groups nobody holds now */
} PvAdmission;

/**
 * PvHostRoom:
 *
 * One host's pool, as the head of the queue is placed.
 */
typedef struct {
    PvAmount total;
    PvAmount used;
} PvHostRoom;

guint pv_dispatcher_rank_hosts(const PvHostRoom *rooms, guint n, PvAmount want, PvAmount need,
                               guint *order, guint *fit);
PvBlockReason pv_dispatcher_admit(PvPool *pool, const PvAdmission *state, PvAmount want,
                                  gboolean claim, PvBudget **budget);
