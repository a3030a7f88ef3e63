/*
 * pv-pool.c: the memory/vCPU pool, per-VM waits, deadlock detection, boot gate
 *
 * The pool has two budgets.  Files take their claim (or the per-file
 * overhead) when dispatched, without waiting: the dispatcher keeps them
 * queued instead.  VMs of files without a claim take their memory and vCPUs
 * when they boot, and wait for them.  Everything taken is given back.
 *
 * A wait can never deadlock: when every file in flight is waiting on the
 * pool and no waiter fits, the newest waiter (the one that closed the cycle)
 * gives up with an error that says so.
 *
 * Pure logic: no host, no libvirt.  Thread-safe.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-error.h"
#include "pv-pool.h"
#include "pv-units.h"

/* How often a waiter looks at its file (interrupts, timeouts). */
#define PV_POOL_POLL_US (100 * 1000)

static const char *const pv_block_reason_names[] = {
    "none", "pool_full", "psi_pressure", "host_memory", "jobs_cap", "boot_gate", "llc_busy",
};
G_STATIC_ASSERT(G_N_ELEMENTS(pv_block_reason_names) == PV_BLOCK_LAST);

const char *
pv_block_reason_to_string(PvBlockReason reason)
{
    g_return_val_if_fail(reason < PV_BLOCK_LAST, "unknown");
    return pv_block_reason_names[reason];
}

/**
 * pv_amount_format:
 * Returns: (transfer full): "512M and 1 vCPU", "1.5G and 2.5 vCPUs"
 */
char *
pv_amount_format(PvAmount amount)
{
    g_autofree char *memory = pv_size_format(amount.memory);

    if (amount.mcpus % PV_MCPU == 0)
        return g_strdup_printf(amount.mcpus == PV_MCPU ? _("%s and %" G_GUINT64_FORMAT " vCPU")
                                                        : _("%s and %" G_GUINT64_FORMAT " vCPUs"),
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

typedef struct {
    guint64 seq;
    PvAmount amount;
    gboolean deadlocked;
} PvPoolWaiter;

struct _PvPool {
    GMutex lock;
    GCond cond;
    PvAmount total;
    PvAmount used;
    guint in_flight;       /* files dispatched and not yet ended */
    guint64 overheads;     /* memory of unclaimed files' overheads, in used */
    guint64 largest_vm;    /* memory of the largest VM asked of the pool yet */
    GList *waiters;        /* PvPoolWaiter, oldest first */
    guint64 next_seq;
};

PvPool *
pv_pool_new(PvAmount total)
{
    PvPool *pool = g_new0(PvPool, 1);

    g_mutex_init(&pool->lock);
    g_cond_init(&pool->cond);
    pool->total = total;
    return pool;
}

void
pv_pool_free(PvPool *pool)
{
    if (!pool)
        return;
    g_assert(!pool->waiters);
    g_cond_clear(&pool->cond);
    g_mutex_clear(&pool->lock);
    g_free(pool);
}

PvAmount
pv_pool_get_total(PvPool *pool)
{
    return pool->total;
}

PvAmount
pv_pool_get_used(PvPool *pool)
{
    PvAmount used;

    g_mutex_lock(&pool->lock);
    used = pool->used;
    g_mutex_unlock(&pool->lock);
    return used;
}

static PvAmount
pv_pool_room_locked(PvPool *pool)
{
    PvAmount room = {
        pool->total.memory - pool->used.memory,
        pool->total.mcpus - pool->used.mcpus,
    };

    return room;
}

/*
 * Deadlock: every file in flight waits here and no waiter fits.  The newest
 * waiter is marked; it wakes and gives up, and its file goes on (and, by
 * ending or freeing VMs, lets the others through).
 */
static void
pv_pool_check_deadlock_locked(PvPool *pool)
{
    PvAmount room = pv_pool_room_locked(pool);
    GList *l;
    guint waiting = 0;
    PvPoolWaiter *newest = NULL;

    for (l = pool->waiters; l; l = l->next) {
        PvPoolWaiter *w = l->data;

        if (w->deadlocked)
            return;  /* one is already giving up */
        if (pv_amount_fits(w->amount, room))
            return;
        waiting++;
        newest = w;
    }
    if (newest && waiting >= pool->in_flight) {
        newest->deadlocked = TRUE;
        g_cond_broadcast(&pool->cond);
    }
}

/**
 * pv_pool_try_take:
 *
 * Takes @amount if it fits now.  Waiting VMs come first: a file is not
 * admitted past them.
 */
gboolean
pv_pool_try_take(PvPool *pool, PvAmount amount)
{
    gboolean ok;

    g_mutex_lock(&pool->lock);
    ok = !pool->waiters && pv_amount_fits(amount, pv_pool_room_locked(pool));
    if (ok) {
        pool->used.memory += amount.memory;
        pool->used.mcpus += amount.mcpus;
    }
    g_mutex_unlock(&pool->lock);
    return ok;
}

/**
 * pv_pool_give:
 *
 * Returns what was taken, and wakes the waiters.
 */
void
pv_pool_give(PvPool *pool, PvAmount amount)
{
    g_mutex_lock(&pool->lock);
    g_assert(amount.memory <= pool->used.memory && amount.mcpus <= pool->used.mcpus);
    pool->used.memory -= amount.memory;
    pool->used.mcpus -= amount.mcpus;
    g_cond_broadcast(&pool->cond);
    g_mutex_unlock(&pool->lock);
}

/**
 * pv_pool_file_started:
 *
 * A file was dispatched: one more that may wait on the pool.
 */
void
pv_pool_file_started(PvPool *pool)
{
    g_mutex_lock(&pool->lock);
    pool->in_flight++;
    g_mutex_unlock(&pool->lock);
}

/**
 * pv_pool_file_ended:
 *
 * A file ended: the others may now all be waiting, with nothing to come.
 */
void
pv_pool_file_ended(PvPool *pool)
{
    g_mutex_lock(&pool->lock);
    g_assert(pool->in_flight > 0);
    pool->in_flight--;
    pv_pool_check_deadlock_locked(pool);
    g_cond_broadcast(&pool->cond);
    g_mutex_unlock(&pool->lock);
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
    gboolean ok;

    g_mutex_lock(&pool->lock);
    /* A pool too small for such a VM still runs one file at a time. */
    headroom = MIN(MAX(headroom, pool->largest_vm), pool->total.memory - MIN(memory, pool->total.memory));
    ok = !pool->waiters && pv_amount_fits(amount, pv_pool_room_locked(pool)) &&
         pool->overheads + memory + headroom <= pool->total.memory;
    if (ok) {
        pool->used.memory += memory;
        pool->overheads += memory;
    }
    g_mutex_unlock(&pool->lock);
    return ok;
}

/**
 * pv_pool_give_overhead:
 *
 * Returns what pv_pool_try_take_overhead() took, and wakes the waiters.
 */
void
pv_pool_give_overhead(PvPool *pool, guint64 memory)
{
    g_mutex_lock(&pool->lock);
    g_assert(memory <= pool->overheads && memory <= pool->used.memory);
    pool->overheads -= memory;
    pool->used.memory -= memory;
    g_cond_broadcast(&pool->cond);
    g_mutex_unlock(&pool->lock);
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

guint
pv_pool_get_in_flight(PvPool *pool)
{
    guint n;

    g_mutex_lock(&pool->lock);
    n = pool->in_flight;
    g_mutex_unlock(&pool->lock);
    return n;
}

/**
 * pv_pool_take_wait:
 * @who: the VM, for messages: "vm 'web'"
 * @check: (nullable): asked every few tenths of a second whether to go on
 * @waited: (out) (optional): set when the call had to wait
 *
 * Takes @amount, waiting until it fits.  Fails at once when @amount is more
 * than the whole pool, and when waiting would deadlock.
 */
gboolean
pv_pool_take_wait(PvPool *pool, PvAmount amount, const char *who, PvPoolCheckFunc check,
                  gpointer user_data, gboolean *waited, GError **error)
{
    PvPoolWaiter waiter = { 0 };
    GList *link = NULL;
    gboolean ok = FALSE;

    if (waited)
        *waited = FALSE;
    if (!pv_amount_fits(amount, pool->total)) {
        g_autofree char *want = pv_amount_format(amount);
        g_autofree char *total = pv_amount_format(pool->total);

        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    _("%s needs %s, more than the whole pool (%s); use a smaller VM or a "
                      "bigger pool (--mem, --cpus)"), who, want, total);
        return FALSE;
    }

    g_mutex_lock(&pool->lock);
    waiter.seq = pool->next_seq++;
    waiter.amount = amount;
    for (;;) {
        gint64 until;

        /*
         * Whoever fits goes: holding a small VM back behind a big one could
         * stall every file while the pool has room.
         */
        if (pv_amount_fits(amount, pv_pool_room_locked(pool))) {
            pool->used.memory += amount.memory;
            pool->used.mcpus += amount.mcpus;
            ok = TRUE;
            break;
        }
        if (!link) {
            pool->waiters = g_list_append(pool->waiters, &waiter);
            link = g_list_last(pool->waiters);
            if (waited)
                *waited = TRUE;
            pv_pool_check_deadlock_locked(pool);
        }
        if (waiter.deadlocked) {
            g_autofree char *want = pv_amount_format(amount);

            g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                        _("%s needs %s, but every running file is waiting for the pool and "
                          "none can go on: this would never end.  Give the files a "
                          "provium:claim() for their VMs (or a bigger pool, --mem, --cpus)"),
                        who, want);
            break;
        }
        until = g_get_monotonic_time() + PV_POOL_POLL_US;
        g_cond_wait_until(&pool->cond, &pool->lock, until);
        if (check && g_get_monotonic_time() >= until) {
            gboolean go_on;

            g_mutex_unlock(&pool->lock);
            go_on = check(user_data, error);
            g_mutex_lock(&pool->lock);
            if (!go_on)
                break;
        }
    }
    if (link) {
        pool->waiters = g_list_delete_link(pool->waiters, link);
        /* The next waiter may fit now, or be the newest of a cycle. */
        pv_pool_check_deadlock_locked(pool);
        g_cond_broadcast(&pool->cond);
    }
    g_mutex_unlock(&pool->lock);
    return ok;
}

struct _PvGate {
    GMutex lock;
    guint64 limit;
    gboolean count_domains;
    guint64 inside;         /* vCPUs (or domains) booting */
    guint domains;
};

/**
 * pv_gate_new:
 * @limit: vCPUs, or domains when @count_domains
 *
 * The boot gate: how much may boot at once.
 */
PvGate *
pv_gate_new(guint64 limit, gboolean count_domains)
{
    PvGate *gate = g_new0(PvGate, 1);

    g_mutex_init(&gate->lock);
    gate->limit = MAX(limit, 1);
    gate->count_domains = count_domains;
    return gate;
}

void
pv_gate_free(PvGate *gate)
{
    if (!gate)
        return;
    g_mutex_clear(&gate->lock);
    g_free(gate);
}

guint64
pv_gate_get_limit(PvGate *gate, gboolean *count_domains)
{
    *count_domains = gate->count_domains;
    return gate->limit;
}

/**
 * pv_gate_try_enter:
 *
 * Lets a domain of @vcpus start booting if the gate has room.  A domain
 * larger than the whole gate goes when nothing else boots.
 */
gboolean
pv_gate_try_enter(PvGate *gate, guint vcpus)
{
    guint64 weight = gate->count_domains ? 1 : vcpus;
    gboolean ok;

    g_mutex_lock(&gate->lock);
    ok = gate->domains == 0 || gate->inside + weight <= gate->limit;
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
pv_gate_leave(PvGate *gate, guint vcpus)
{
    guint64 weight = gate->count_domains ? 1 : vcpus;

    g_mutex_lock(&gate->lock);
    g_assert(gate->inside >= weight && gate->domains > 0);
    gate->inside -= weight;
    gate->domains--;
    g_mutex_unlock(&gate->lock);
}
