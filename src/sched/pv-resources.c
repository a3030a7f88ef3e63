/*
 * pv-resources.c: what a run shares among its files: the pool, the boot gate,
 * the LLC groups, the host guard and host pressure, and the waiting for them
 *
 * One object owns everything a file or a VM may have to wait for, and every
 * release goes through it: the pool's (a VM shut down, a file ended), the
 * gate's (a guest's agent connected), the LLC groups' (a file ended), and
 * the host's (pressure fell, on the main loop's PSI trigger or tick).  Each
 * release notifies the scheduler, so the workers waiting in pv_sched_wait()
 * try again, and calls the changed function, so the dispatcher looks at its
 * queue again.
 */
#include "config.h"

#include "pv-resources.h"

struct _PvResources {
    PvPool *pool;
    PvGate *gate;
    PvSched *sched;
    PvLocks *locks;
    gint throttled;            /* atomic: host pressure above the threshold */
    GMutex guard_lock;         /* the host guard: one boot passes at a time */
    guint64 guard_pending;     /* memory of boots past the guard, not yet domains */
    guint64 host_reserve;
    PvMemoryReadFunc read_memory;
    gpointer read_memory_data;
    GSourceFunc changed;
    gpointer changed_data;
};

/**
 * pv_resources_guard_ok:
 * @unresident: memory promised to running VMs that they do not use yet:
 *   MemAvailable does not show it, but they may take it at any time
 *
 * Whether a VM of @want bytes may boot, leaving @reserve to the host.
 */
gboolean
pv_resources_guard_ok(guint64 mem_available, guint64 unresident, guint64 reserve, guint64 want)
{
    return mem_available >= want && mem_available - want >= reserve &&
        mem_available - want - reserve >= unresident;
}

static void
pv_resources_on_released(gpointer user_data)
{
    pv_resources_changed(user_data);
}

/**
 * pv_resources_new:
 *
 * Returns: (transfer full): the run's resources, all free
 */
PvResources *
pv_resources_new(const PvResourcesConfig *config)
{
    PvResources *resources = g_new0(PvResources, 1);

    resources->pool = pv_pool_new(config->pool);
    pv_pool_set_released_func(resources->pool, pv_resources_on_released, resources);
    resources->gate = pv_gate_new(config->gate_limit, config->gate_counts_domains);
    resources->sched = pv_sched_new();
    resources->locks = pv_locks_new(config->lock_dir ? config->lock_dir : PV_LOCKS_DEFAULT_DIR);
    g_mutex_init(&resources->guard_lock);
    resources->host_reserve = config->host_reserve;
    resources->read_memory = config->read_memory;
    resources->read_memory_data = config->read_memory_data;
    return resources;
}

void
pv_resources_free(PvResources *resources)
{
    if (!resources)
        return;
    pv_locks_free(resources->locks);
    pv_sched_free(resources->sched);
    pv_gate_free(resources->gate);
    pv_pool_free(resources->pool);
    g_mutex_clear(&resources->guard_lock);
    g_free(resources);
}

PvPool *
pv_resources_peek_pool(PvResources *resources)
{
    return resources->pool;
}

PvSched *
pv_resources_peek_sched(PvResources *resources)
{
    return resources->sched;
}

PvLocks *
pv_resources_peek_locks(PvResources *resources)
{
    return resources->locks;
}

/**
 * pv_resources_set_changed_func:
 *
 * @func is called, from any thread and without a lock held, whenever
 * something was released or the host changed.
 */
void
pv_resources_set_changed_func(PvResources *resources, GSourceFunc func, gpointer data)
{
    resources->changed = func;
    resources->changed_data = data;
}

/**
 * pv_resources_changed:
 *
 * Something was given back, or the host may have changed (the main loop's
 * tick: another run released LLC groups, MemAvailable moved): waiters try
 * again.  Any thread.
 */
void
pv_resources_changed(PvResources *resources)
{
    pv_sched_notify(resources->sched);
    if (resources->changed)
        resources->changed(resources->changed_data);
}

/**
 * pv_resources_set_throttled:
 *
 * Host pressure (PSI) went above or below the threshold: new boots hold
 * while it is above.  Main thread.
 */
void
pv_resources_set_throttled(PvResources *resources, gboolean throttled)
{
    if (g_atomic_int_get(&resources->throttled) == throttled)
        return;
    g_atomic_int_set(&resources->throttled, throttled);
    pv_resources_changed(resources);
}

gboolean
pv_resources_is_throttled(PvResources *resources)
{
    return g_atomic_int_get(&resources->throttled);
}

/*
 * The host guard: whether MemAvailable leaves room for a VM of @memory, the
 * host reserve, and what the run's guests were given but do not use yet.  On
 * success the VM counts as unresident until pv_resources_boot_started(), so
 * a burst of boots cannot all pass on one reading.
 */
static gboolean
pv_resources_guard_enter(PvResources *resources, guint64 memory)
{
    guint64 available = 0;
    guint64 unresident = 0;
    gboolean ok;

    if (!resources->read_memory)
        return TRUE;
    g_mutex_lock(&resources->guard_lock);
    ok = !resources->read_memory(resources->read_memory_data, &available, &unresident) ||
        pv_resources_guard_ok(available, unresident + resources->guard_pending,
                         resources->host_reserve, memory);
    if (ok)
        resources->guard_pending += memory;
    g_mutex_unlock(&resources->guard_lock);
    return ok;
}

/**
 * pv_resources_gate_weigh:
 *
 * Returns: what a domain of @vcpus weighs in the boot gate, booted or
 *   restored (pv_gate_weigh())
 */
guint
pv_resources_gate_weigh(PvResources *resources, guint vcpus, gboolean restore)
{
    return pv_gate_weigh(resources->gate, vcpus, restore);
}

/**
 * pv_resources_try_boot:
 * @gate_weight: pv_resources_gate_weigh()'s
 *
 * Lets a VM of @memory start booting if the host can take it
 * now: room in memory, room in the boot gate, and pressure below the
 * threshold (as make -l: pressure holds a boot only while another of the
 * run's domains boots, so a host busy with others' work never stalls it).
 * All or nothing.
 * Returns: PV_BLOCK_NONE when it may start, else what it waits for
 */
PvBlockReason
pv_resources_try_boot(PvResources *resources, guint64 memory, guint gate_weight)
{
    gboolean throttled = g_atomic_int_get(&resources->throttled);

    if (!pv_resources_guard_enter(resources, memory))
        return PV_BLOCK_HOST_MEMORY;
    if (!pv_gate_try_enter(resources->gate, gate_weight, throttled)) {
        pv_resources_boot_started(resources, memory);
        return throttled ? PV_BLOCK_PSI_PRESSURE : PV_BLOCK_BOOT_GATE;
    }
    return PV_BLOCK_NONE;
}

/**
 * pv_resources_boot_started:
 *
 * The VM that passed pv_resources_try_boot() is now a domain (or failed to
 * start): its memory is counted from the domain from now on.
 */
void
pv_resources_boot_started(PvResources *resources, guint64 memory)
{
    if (!resources->read_memory)
        return;
    g_mutex_lock(&resources->guard_lock);
    g_assert(resources->guard_pending >= memory);
    resources->guard_pending -= memory;
    g_mutex_unlock(&resources->guard_lock);
}

/**
 * pv_resources_boot_over:
 *
 * The VM's boot is over (its agent connected, or it stopped, or it failed to
 * start): it leaves the boot gate, and the next may go.  Any thread.
 */
void
pv_resources_boot_over(PvResources *resources, guint gate_weight)
{
    pv_gate_leave(resources->gate, gate_weight);
    pv_resources_changed(resources);
}

/**
 * pv_resources_release_llcs:
 *
 * @owner's LLC groups go back (its file ended).
 */
void
pv_resources_release_llcs(PvResources *resources, gconstpointer owner)
{
    pv_locks_release(resources->locks, owner);
    pv_resources_changed(resources);
}
