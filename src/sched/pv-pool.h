/*
 * pv-pool.h: the memory/vCPU pool, per-VM waits, deadlock detection, boot gate
 */
#pragma once

#include <glib.h>

/* vCPUs are counted in thousandths, so an overcommitted budget is exact. */
#define PV_MCPU 1000

/**
 * PvAmount:
 *
 * What a file or a VM takes from the pool.
 */
typedef struct {
    guint64 memory;   /* bytes */
    guint64 mcpus;    /* thousandths of a vCPU */
} PvAmount;

static inline PvAmount
pv_amount(guint64 memory, guint cpus)
{
    PvAmount amount = { memory, (guint64)cpus * PV_MCPU };

    return amount;
}

static inline gboolean
pv_amount_fits(PvAmount want, PvAmount room)
{
    return want.memory <= room.memory && want.mcpus <= room.mcpus;
}

char *pv_amount_format(PvAmount amount);
double pv_pool_clamp_overcommit(double overcommit, gboolean *clamped);

typedef enum {
    PV_BLOCK_NONE,
    PV_BLOCK_POOL_FULL,
    PV_BLOCK_PSI_PRESSURE,
    PV_BLOCK_HOST_MEMORY,
    PV_BLOCK_JOBS_CAP,
    PV_BLOCK_BOOT_GATE,
    PV_BLOCK_LLC_BUSY,

    PV_BLOCK_LAST
} PvBlockReason;

const char *pv_block_reason_to_string(PvBlockReason reason);

typedef struct _PvPool PvPool;

PvPool *pv_pool_new(PvAmount total);
void pv_pool_free(PvPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvPool, pv_pool_free)

PvAmount pv_pool_get_total(PvPool *pool);
PvAmount pv_pool_get_used(PvPool *pool);
gboolean pv_pool_try_take(PvPool *pool, PvAmount amount);
void pv_pool_give(PvPool *pool, PvAmount amount);
void pv_pool_file_started(PvPool *pool);
void pv_pool_file_ended(PvPool *pool);
guint pv_pool_get_in_flight(PvPool *pool);
gboolean pv_pool_try_take_overhead(PvPool *pool, guint64 memory, guint64 headroom);
void pv_pool_give_overhead(PvPool *pool, guint64 memory);
void pv_pool_note_vm(PvPool *pool, PvAmount amount);

/**
 * PvPoolCheckFunc:
 *
 * Asked while waiting whether the waiter may go on waiting; returns FALSE
 * with @error set to give up (the file was interrupted or ran out of time).
 * Called without the pool's lock.
 */
typedef gboolean (*PvPoolCheckFunc)(gpointer user_data, GError **error);

gboolean pv_pool_take_wait(PvPool *pool, PvAmount amount, const char *who,
                           PvPoolCheckFunc check, gpointer user_data, gboolean *waited,
                           GError **error);

typedef struct _PvGate PvGate;

PvGate *pv_gate_new(guint64 limit, gboolean count_domains);
void pv_gate_free(PvGate *gate);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvGate, pv_gate_free)
gboolean pv_gate_try_enter(PvGate *gate, guint vcpus);
void pv_gate_leave(PvGate *gate, guint vcpus);
guint64 pv_gate_get_limit(PvGate *gate, gboolean *count_domains);
