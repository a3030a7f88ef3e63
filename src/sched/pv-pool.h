/*
 * pv-pool.h: the memory/vCPU pool, the files' claims in it, and the boot gate
 */
#pragma once

#include <glib.h>

#include "pv-enum.h"

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

static inline PvAmount
pv_amount_add(PvAmount a, PvAmount b)
{
    PvAmount sum = { a.memory + b.memory, a.mcpus + b.mcpus };

    return sum;
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
    PV_BLOCK_NETWORK_BUSY,   /* a CIDR of the file's is another provium network's on the host */
    PV_BLOCK_FIXTURE_BUILD,   /* another file or run builds the fixture it needs */

    PV_BLOCK_LAST
} PvBlockReason;

PV_ENUM_DECL(pv_block_reason, PvBlockReason);

typedef struct _PvPool PvPool;
typedef struct _PvBudget PvBudget;

/**
 * PvPoolReleasedFunc:
 *
 * Called after something was given back to the pool (not under its lock):
 * whoever waits for it may now fit.
 */
typedef void (*PvPoolReleasedFunc)(gpointer user_data);

PvPool *pv_pool_new(PvAmount total);
void pv_pool_free(PvPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvPool, pv_pool_free)

void pv_pool_set_released_func(PvPool *pool, PvPoolReleasedFunc func, gpointer user_data);
PvAmount pv_pool_get_total(PvPool *pool);
PvAmount pv_pool_get_used(PvPool *pool);
PvBudget *pv_pool_peek_budget(PvPool *pool);
gboolean pv_pool_try_take_overhead(PvPool *pool, guint64 memory, guint64 headroom);
void pv_pool_give_overhead(PvPool *pool, guint64 memory);
void pv_pool_note_vm(PvPool *pool, PvAmount amount);

PvBudget *pv_budget_claim(PvBudget *parent, PvAmount amount);
void pv_budget_release_claim(PvBudget *claim);
gboolean pv_budget_is_claim(PvBudget *budget);
gboolean pv_budget_try_take(PvBudget *budget, PvAmount amount);
void pv_budget_give(PvBudget *budget, PvAmount amount);
PvAmount pv_budget_get_total(PvBudget *budget);
PvAmount pv_budget_get_left(PvBudget *budget);

typedef struct _PvGate PvGate;

PvGate *pv_gate_new(guint64 limit, gboolean count_domains);
void pv_gate_free(PvGate *gate);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvGate, pv_gate_free)
/*
 * What a domain weighs in the boot gate, in thousandths of a CPU kept busy
 * while it is inside: a cold boot, one CPU per vCPU (a booting guest keeps
 * its vCPUs busy until its agent connects).  A restore from a fixture's
 * saved state is read by one QEMU thread whatever the vCPUs: measured on the
 * CI machine kind (QEMU TCG, 256 MiB guest), QEMU and libvirtd together keep
 * 0.86 to 0.96 of a CPU busy from the restore's start to the agent
 * answering, for 0.65 to 0.95 s where a boot takes 4 to 5 CPU-s
 * (doc/fixtures.md).
 */
#define PV_GATE_CPU 1000
#define PV_GATE_RESTORE_WEIGHT 900

guint pv_gate_weigh(PvGate *gate, guint vcpus, gboolean restore);
gboolean pv_gate_try_enter(PvGate *gate, guint weight, gboolean alone);
void pv_gate_leave(PvGate *gate, guint weight);
