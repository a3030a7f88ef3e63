/*
 * pv-dispatcher-decide.c: the dispatcher's decisions, apart from its state
 *
 * Whether the head of the queue runs now on a host (pv_dispatcher_admit())
 * and in which order it tries the hosts (pv_dispatcher_rank_hosts()):
 * pure functions of what pv-dispatcher.c knows, each tested by a table
 * (tests/test-pool.c).
 */
#include "config.h"

#define PV_DISPATCHER_PRIVATE
#include "pv-dispatcher-private.h"

/**
 * pv_dispatcher_admit:
 * @want: the head file's claim, or the per-file overhead
 * @claim: whether @want is a claim (else an overhead)
 * @budget: (out) (optional): on PV_BLOCK_NONE with a claim, the claim's budget
 *
 * Decides whether the head of the queue runs now, in order: the jobs cap,
 * host pressure (as make -l: only while another file of the run is in
 * flight, so a host busy with others' work slows the run but never stalls
 * it), LLC groups, VMs waiting for the pool (they come first), the pool.  On PV_BLOCK_NONE @want was taken from the pool: a claim as a budget
 * of its own, an overhead through pv_pool_try_take_overhead().
 * Returns: why the file must wait, or PV_BLOCK_NONE
 */
PvBlockReason
pv_dispatcher_admit(PvPool *pool, const PvAdmission *state, PvAmount want, gboolean claim,
                    PvBudget **budget)
{
    PvBudget *taken = NULL;

    if (state->jobs && state->running >= state->jobs)
        return PV_BLOCK_JOBS_CAP;
    if (state->psi_throttled && state->running > 0)
        return PV_BLOCK_PSI_PRESSURE;
    if (state->llcs_wanted > state->llcs_free)
        return PV_BLOCK_LLC_BUSY;
    if (state->vms_waiting)
        return PV_BLOCK_POOL_FULL;
    if (claim) {
        taken = pv_budget_claim(pv_pool_peek_budget(pool), want);
        if (!taken)
            return PV_BLOCK_POOL_FULL;
    } else if (!pv_pool_try_take_overhead(pool, want.memory, state->headroom)) {
        return PV_BLOCK_POOL_FULL;
    }
    if (budget)
        *budget = taken;
    return PV_BLOCK_NONE;
}

/*
 * @room's share of its memory (or vCPUs) left after @need: up to 1;
 * negative, by how much it lacks, when @need does not fit now.
 */
static double
pv_dispatcher_room_left(const PvHostRoom *room, PvAmount need, gboolean cpus)
{
    double total = cpus ? room->total.mcpus : room->total.memory;
    double used = (double)(cpus ? room->used.mcpus : room->used.memory) +
        (cpus ? need.mcpus : need.memory);

    if (total == 0)
        return 0;
    return (total - used) / total;
}

/**
 * pv_dispatcher_rank_hosts:
 * @rooms: (array length=n): each host's pool now
 * @want: what the file holds while it runs: its claim, or the overhead
 * @need: what it needs free to start now (its claim, or its first VM)
 * @order: (out) (array length=n): host indexes, in the order to try them
 * @fit: (out) (optional): how many of them, first in @order, @need fits now
 *
 * The order in which the head of the queue tries the hosts: first those
 * where @need fits now, the one with the largest share of its pool left
 * after it first (memory, then vCPUs, then the run's order of hosts), then
 * the others in the same order, where it waits.  A host whose whole pool
 * cannot hold @want is left out: the file can never run there.
 * Returns: how many hosts @order holds; 0 when no host can ever hold @want
 */
guint
pv_dispatcher_rank_hosts(const PvHostRoom *rooms, guint n, PvAmount want, PvAmount need,
                         guint *order, guint *fit)
{
    g_autofree double *memory_left = g_new0(double, n ? n : 1);
    g_autofree double *cpus_left = g_new0(double, n ? n : 1);
    guint count = 0;
    guint i;
    guint j;

    for (i = 0; i < n; i++) {
        if (!pv_amount_fits(want, rooms[i].total))
            continue;
        memory_left[i] = pv_dispatcher_room_left(&rooms[i], need, FALSE);
        cpus_left[i] = pv_dispatcher_room_left(&rooms[i], need, TRUE);
        /* Insertion sort: a handful of hosts, stable for equal rooms. */
        for (j = count; j > 0; j--) {
            guint k = order[j - 1];
            gboolean fits_i = memory_left[i] >= 0 && cpus_left[i] >= 0;
            gboolean fits_k = memory_left[k] >= 0 && cpus_left[k] >= 0;

            if (fits_i != fits_k ? !fits_i :
                memory_left[i] != memory_left[k] ? memory_left[i] < memory_left[k] :
                cpus_left[i] <= cpus_left[k])
                break;
            order[j] = k;
        }
        order[j] = i;
        count++;
    }
    if (fit) {
        for (*fit = 0; *fit < count; (*fit)++) {
            if (memory_left[order[*fit]] < 0 || cpus_left[order[*fit]] < 0)
                break;
        }
    }
    return count;
}
