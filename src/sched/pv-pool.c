/*
 * pv-pool.c: the memory/vCPU pool, the files' claims in it, and the boot gate
 *
 * The pool is a budget of memory and vCPUs.  A file that declares a claim
 * gets it as a budget of its own, taken out of the pool when the file is
 * dispatched and given back whole when it ends; its VMs take from the claim.
 * VMs of files without a claim take from the pool itself, and such files
 * hold a small overhead meanwhile.  Budgets never wait: whoever must, waits
 * through pv-sched.c, and the pool says when something comes back.
 *
 * Pure logic: no host, no libvirt.  Thread-safe.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "pv-error.h"
#include "pv-pool.h"
#include "pv-units.h"

PV_ENUM_IMPL(pv_block_reason, PvBlockReason, PV_BLOCK_LAST,
             "none", "pool_full", "psi_pressure", "host_memory", "jobs_cap", "boot_gate",
             "llc_busy", "network_busy", "fixture_build");

/**
 * pv_amount_format:
 * Returns: (transfer full): "512M and 1 vCPU", "1.5G and 2.5 vCPUs"
 */
char *
pv_amount_format(PvAmount amount)
{
    g_autofree char *memory = pv_size_format(amount.memory);

    if (amount.mcpus % PV_MCPU == 0)
        return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%s and %" PRIu64 " vCPU",
                                           "%s and %" PRIu64 " vCPUs", amount.mcpus / PV_MCPU),
                               memory, amount.mcpus / PV_MCPU);
    return g_strdup_printf(_("%s and %.2f vCPUs"), memory, amount.mcpus / (double)PV_MCPU);
}

/**
 * pv_pool_clamp_overcommit:
 * @clamped: (out): whether @overcommit was outside [0.5, 8.0]
 *
 * Returns: @overcommit, kept within [0.5, 8.0]
 */
double
pv_pool_clamp_overcommit(double overcommit, gboolean *clamped)
{
    double kept = CLAMP(overcommit, 0.5, 8.0);

    *clamped = kept != overcommit;
    return kept;
}

struct _PvBudget {
    PvPool *pool;        /* the pool's lock guards the fields below */
    PvBudget *parent;    /* NULL for the pool itself */
    PvAmount total;
    PvAmount used;
};

struct _PvPool {
    GMutex lock;
    PvBudget root;
    guint64 overheads;     /* memory of unclaimed files' overheads, in root.used */
    guint64 largest_vm;    /* memory of the largest VM asked of the pool yet */
    PvPoolReleasedFunc released;
    gpointer released_data;
};

PvPool *
pv_pool_new(PvAmount total)
{
    PvPool *pool = g_new0(PvPool, 1);

    g_mutex_init(&pool->lock);
    pool->root.pool = pool;
    pool->root.total = total;
    return pool;
}

void
pv_pool_free(PvPool *pool)
{
    if (!pool)
        return;
    g_mutex_clear(&pool->lock);
    g_free(pool);
}

/**
 * pv_pool_set_released_func:
 *
 * @func is called after anything is given back, so waiters can try again.
 */
void
pv_pool_set_released_func(PvPool *pool, PvPoolReleasedFunc func, gpointer user_data)
{
    pool->released = func;
    pool->released_data = user_data;
}

static void
pv_pool_released(PvPool *pool)
{
    if (pool->released)
        pool->released(pool->released_data);
}

PvAmount
pv_pool_get_total(PvPool *pool)
{
    return pool->root.total;
}

PvAmount
pv_pool_get_used(PvPool *pool)
{
    PvAmount used;

    g_mutex_lock(&pool->lock);
    used = pool->root.used;
    g_mutex_unlock(&pool->lock);
    return used;
}

/**
 * pv_pool_peek_budget:
 *
 * Returns: (transfer none): the whole pool, as a budget VMs take from
 */
PvBudget *
pv_pool_peek_budget(PvPool *pool)
{
    return &pool->root;
}

static PvAmount
pv_budget_room_locked(PvBudget *budget)
{
    PvAmount room = {
        budget->total.memory - budget->used.memory,
        budget->total.mcpus - budget->used.mcpus,
    };

    return room;
}

/**
 * pv_budget_try_take:
 *
 * Takes @amount out of @budget if it fits now.
 */
gboolean
pv_budget_try_take(PvBudget *budget, PvAmount amount)
{
    PvPool *pool = budget->pool;
    gboolean ok;

    g_mutex_lock(&pool->lock);
    ok = pv_amount_fits(amount, pv_budget_room_locked(budget));
    if (ok)
        budget->used = pv_amount_add(budget->used, amount);
    g_mutex_unlock(&pool->lock);
    return ok;
}

/**
 * pv_budget_give:
 *
 * Gives back what pv_budget_try_take() took.
 */
void
pv_budget_give(PvBudget *budget, PvAmount amount)
{
    PvPool *pool = budget->pool;

    g_mutex_lock(&pool->lock);
    g_assert(amount.memory <= budget->used.memory && amount.mcpus <= budget->used.mcpus);
    budget->used.memory -= amount.memory;
    budget->used.mcpus -= amount.mcpus;
    g_mutex_unlock(&pool->lock);
    pv_pool_released(pool);
}

PvAmount
pv_budget_get_total(PvBudget *budget)
{
    return budget->total;
}

PvAmount
pv_budget_get_left(PvBudget *budget)
{
    PvAmount left;

    g_mutex_lock(&budget->pool->lock);
    left = pv_budget_room_locked(budget);
    g_mutex_unlock(&budget->pool->lock);
    return left;
}

gboolean
pv_budget_is_claim(PvBudget *budget)
{
    return budget->parent != NULL;
}

/**
 * pv_budget_claim:
 *
 * A file's claim: @amount taken out of @parent now, as a budget of its own
 * that the file's VMs take from and give back to.
 * Returns: (transfer full) (nullable): the claim, or NULL when @amount does
 *   not fit @parent now
 */
PvBudget *
pv_budget_claim(PvBudget *parent, PvAmount amount)
{
    PvPool *pool = parent->pool;
    PvBudget *claim = NULL;

    g_mutex_lock(&pool->lock);
    if (pv_amount_fits(amount, pv_budget_room_locked(parent))) {
        parent->used = pv_amount_add(parent->used, amount);
        claim = g_new0(PvBudget, 1);
        claim->pool = pool;
        claim->parent = parent;
        claim->total = amount;
    }
    g_mutex_unlock(&pool->lock);
    return claim;
}

/**
 * pv_budget_release_claim:
 *
 * The file ended: its whole claim goes back, whatever its VMs still hold
 * (kept domains count no more once their file has ended).
 */
void
pv_budget_release_claim(PvBudget *claim)
{
    PvPool *pool;

    if (!claim)
        return;
    g_return_if_fail(claim->parent);
    pool = claim->pool;
    g_mutex_lock(&pool->lock);
    g_assert(claim->total.memory <= claim->parent->used.memory &&
             claim->total.mcpus <= claim->parent->used.mcpus);
    claim->parent->used.memory -= claim->total.memory;
    claim->parent->used.mcpus -= claim->total.mcpus;
    g_mutex_unlock(&pool->lock);
    g_free(claim);
    pv_pool_released(pool);
}

/**
 * pv_pool_try_take_overhead:
 * @memory: an unclaimed file's overhead
 * @headroom: memory of the VM the file most likely boots
 *
 * Takes an unclaimed file's overhead if it fits now, and if the overheads
 * of all unclaimed files in flight still leave room for the largest of
 * @headroom and the VMs asked of the pool so far.  Overheads alone then
 * never fill the pool: were every file in flight waiting for a VM, none
 * holding one, the largest VM would still fit.
 */
gboolean
pv_pool_try_take_overhead(PvPool *pool, guint64 memory, guint64 headroom)
{
    PvAmount amount = { memory, 0 };
    guint64 total = pool->root.total.memory;
    gboolean ok;

    g_mutex_lock(&pool->lock);
    /* A pool too small for such a VM still runs one file at a time. */
    headroom = MIN(MAX(headroom, pool->largest_vm), total - MIN(memory, total));
    ok = pv_amount_fits(amount, pv_budget_room_locked(&pool->root)) &&
         pool->overheads + memory + headroom <= total;
    if (ok) {
        pool->root.used.memory += memory;
        pool->overheads += memory;
    }
    g_mutex_unlock(&pool->lock);
    return ok;
}

/**
 * pv_pool_give_overhead:
 *
 * Returns what pv_pool_try_take_overhead() took.
 */
void
pv_pool_give_overhead(PvPool *pool, guint64 memory)
{
    g_mutex_lock(&pool->lock);
    g_assert(memory <= pool->overheads && memory <= pool->root.used.memory);
    pool->overheads -= memory;
    pool->root.used.memory -= memory;
    g_mutex_unlock(&pool->lock);
    pv_pool_released(pool);
}

/**
 * pv_pool_note_vm:
 *
 * A VM is about to ask the pool for @amount: later files' overheads leave
 * room for one that large.
 */
void
pv_pool_note_vm(PvPool *pool, PvAmount amount)
{
    g_mutex_lock(&pool->lock);
    pool->largest_vm = MAX(pool->largest_vm, amount.memory);
    g_mutex_unlock(&pool->lock);
}

struct _PvGate {
    GMutex lock;
    guint64 limit;          /* in PV_GATE_CPU units */
    gboolean count_domains;
    guint64 inside;         /* the weights of the domains booting */
    guint domains;
};

/**
 * pv_gate_new:
 * @limit: CPUs, or domains when @count_domains
 *
 * The boot gate: how much may boot at once.
 */
PvGate *
pv_gate_new(guint64 limit, gboolean count_domains)
{
    PvGate *gate = g_new0(PvGate, 1);

    g_mutex_init(&gate->lock);
    gate->limit = MIN(MAX(limit, 1), G_MAXUINT32) * PV_GATE_CPU;
    gate->count_domains = count_domains;
    return gate;
}

/**
 * pv_gate_weigh:
 * @restore: the domain is restored from a saved state, not booted
 *
 * Returns: what the domain weighs in the gate: where it counts domains
 *   (--boot-workers N: at most N at once, restores too), one; else
 *   PV_GATE_CPU per vCPU for a boot and PV_GATE_RESTORE_WEIGHT for a
 *   restore, whatever its vCPUs
 */
guint
pv_gate_weigh(PvGate *gate, guint vcpus, gboolean restore)
{
    if (gate->count_domains)
        return PV_GATE_CPU;
    if (restore)
        return PV_GATE_RESTORE_WEIGHT;
    return MIN(MAX(vcpus, 1), G_MAXUINT / PV_GATE_CPU) * PV_GATE_CPU;
}

void
pv_gate_free(PvGate *gate)
{
    if (!gate)
        return;
    g_mutex_clear(&gate->lock);
    g_free(gate);
}

/**
 * pv_gate_try_enter:
 * @weight: pv_gate_weigh()'s
 *
 * Lets a domain start booting if the gate has room for @weight.  A domain
 * larger than the whole gate goes when nothing else boots; with @alone, a
 * domain goes only then.
 */
gboolean
pv_gate_try_enter(PvGate *gate, guint weight, gboolean alone)
{
    gboolean ok;

    g_mutex_lock(&gate->lock);
    ok = gate->domains == 0 || (!alone && gate->inside + weight <= gate->limit);
    if (ok) {
        gate->inside += weight;
        gate->domains++;
    }
    g_mutex_unlock(&gate->lock);
    return ok;
}

/**
 * pv_gate_leave:
 *
 * The domain finished booting (or failed to).
 */
void
pv_gate_leave(PvGate *gate, guint weight)
{
    g_mutex_lock(&gate->lock);
    g_assert(gate->inside >= weight && gate->domains > 0);
    gate->inside -= weight;
    gate->domains--;
    g_mutex_unlock(&gate->lock);
}
