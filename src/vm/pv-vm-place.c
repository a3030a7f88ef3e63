/*
 * pv-vm-place.c: where a performance-mode VM runs: host CPUs of its own in
 * LLC groups the file locks, or (--no-perf-mode) a shared CPU set
 *
 * Placing never waits: it is the part of a boot's pv_sched_wait() try that
 * takes LLC groups, and says llc_busy when others hold them.  A host that
 * can never give the request is PV_ERROR_PERF_UNAVAILABLE: the test is
 * skipped (or fails, with --perf-strict).
 */
#include "config.h"

#include <glib/gi18n.h>

#define PV_VM_PRIVATE
#include "pv-error.h"
#include "pv-locks.h"
#include "pv-vm-private.h"

void
pv_vm_placement_clear(PvVmPlacement *placement)
{
    g_clear_pointer(&placement->plan, pv_perf_plan_free);
    g_clear_pointer(&placement->cpuset, g_free);
    g_clear_pointer(&placement->warnings, g_ptr_array_unref);
}

static char *
pv_vm_holder(PvVm *vm)
{
    return g_strdup_printf("pid %" G_GINT64_FORMAT ", prefix %s, %s, vm '%s'\n",
                           vm->ctx.pid, vm->ctx.prefix,
                           vm->ctx.path, vm->name);
}

/* Per group: used by another running VM of the file (exclusively). */
static gboolean *
pv_vm_groups_in_use(PvVm *vm, guint ngroups)
{
    gboolean *in_use = g_new0(gboolean, MAX(ngroups, 1));
    guint i;
    guint j;

    for (i = 0; i < pv_file_get_vm_count(vm->ctx.file); i++) {
        const PvVm *other = pv_file_peek_vm(vm->ctx.file, i);

        for (j = 0; other != vm && j < other->llc_groups->len; j++)
            in_use[g_array_index(other->llc_groups, guint, j)] = TRUE;
    }
    return in_use;
}

/*
 * Budgeted mode: a shared CPU set of --cpu-cap CPUs (default 30 % of the
 * online CPUs), at least the VM's vCPUs, over groups nobody holds alone.
 */
static PvPerfOutcome
pv_vm_plan_budget(PvVm *vm, PvVmBoot *boot, const PvTopology *topology,
                  const gboolean *unusable, GArray *groups, char **reason)
{
    guint online = topology->cpus->len;
    guint cap = pv_host_get_cpu_cap(vm->ctx.host);

    cap = MAX(cap ? cap : MAX((online * 3 + 9) / 10, 1), boot->shape.cpus);
    g_clear_pointer(&boot->placement.cpuset, g_free);
    if (cap > online) {
        *reason = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                              "budgeted mode needs %u CPU; the host has %u",
                                              "budgeted mode needs %u CPUs; the host has %u",
                                              cap), cap, online);
        return PV_PERF_UNAVAILABLE;
    }
    boot->placement.cpuset = pv_perf_budget_cpuset(topology, cap, unusable, groups);
    if (!boot->placement.cpuset) {
        *reason = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                              "%u CPU outside exclusively held LLC groups",
                                              "%u CPUs outside exclusively held LLC groups",
                                              cap), cap);
        return PV_PERF_BUSY;
    }
    return PV_PERF_OK;
}

/*
 * Performance mode: a pinning plan on groups that are free, or that the file
 * holds and none of its other VMs uses.  With a claim, only the claimed
 * groups.  What the file's own VMs hold is no reason to wait: they live
 * until their scope ends.
 */
static PvPerfOutcome
pv_vm_plan_perf(PvVm *vm, PvVmBoot *boot, const PvTopology *topology, const gboolean *probe,
                GArray *groups, char **reason)
{
    PvFile *file = vm->ctx.file;
    PvLocks *locks = pv_resources_peek_locks(vm->ctx.resources);
    const PvClaimSpec *claim = pv_file_peek_claim(file);
    guint ngroups = topology->groups->len;
    g_autofree gboolean *in_use = pv_vm_groups_in_use(vm, ngroups);
    g_autofree gboolean *unusable = g_new0(gboolean, MAX(ngroups, 1));
    g_autofree gboolean *ours = NULL;
    PvPerfOutcome outcome;
    guint g;

    if (claim->llcs && !pv_file_holds_llc_claim(file)) {
        *reason = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                              "the file claims %u LLC group; the host has %u",
                                              "the file claims %u LLC groups; the host has %u",
                                              claim->llcs), claim->llcs, ngroups);
        return PV_PERF_UNAVAILABLE;
    }
    if (pv_file_holds_llc_claim(file))
        ours = g_new0(gboolean, ngroups);
    for (g = 0; g < ngroups; g++) {
        gboolean held = pv_locks_held(locks, file, g);

        unusable[g] = held ? in_use[g] : probe[g];
        if (ours)
            ours[g] = held && !in_use[g];
    }
    g_clear_pointer(&boot->placement.plan, pv_perf_plan_free);
    outcome = pv_perf_plan(topology, &boot->shape.perf_request, unusable, ours,
                           &boot->placement.plan, reason);
    if (outcome == PV_PERF_BUSY) {
        g_autoptr(PvPerfPlan) alone = NULL;
        g_autofree char *why = NULL;

        /* Would it fit were it not for the file's own VMs? */
        if (pv_perf_plan(topology, &boot->shape.perf_request, in_use, NULL, &alone,
                         &why) != PV_PERF_OK) {
            g_free(*reason);
            *reason = g_strdup_printf(_("the file's other VMs use the LLC groups it needs "
                                        "(the host has %u)"), ngroups);
            return PV_PERF_UNAVAILABLE;
        }
    }
    if (outcome == PV_PERF_OK)
        g_array_append_vals(groups, boot->placement.plan->groups->data,
                            boot->placement.plan->groups->len);
    return outcome;
}

/**
 * pv_vm_try_place:
 * @host: the host's topology, with its free hugepages of now
 *
 * Places the VM and takes the LLC groups that needs for the file, without
 * waiting: BLOCKED with llc_busy while others hold them (on_files when only
 * this run's own files do, which is a wait that can deadlock).
 */
PvSchedTry
pv_vm_try_place(PvVm *vm, PvVmBoot *boot, const PvTopology *host, PvBlockReason *reason,
                gboolean *on_files, GError **error)
{
    PvLocks *locks = pv_resources_peek_locks(vm->ctx.resources);
    PvLockMode mode = vm->ctx.no_perf_mode ? PV_LOCK_SHARED
                                                                 : PV_LOCK_EXCLUSIVE;
    guint ngroups = host->groups->len;
    g_autofree gboolean *probe = pv_locks_unusable(locks, ngroups, mode);
    g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree char *holder = pv_vm_holder(vm);
    g_autofree char *why = NULL;
    PvPerfOutcome outcome;
    gboolean busy = FALSE;
    gboolean others = FALSE;
    guint g;

    if (mode == PV_LOCK_SHARED) {
        /* What the file holds shared it may share again. */
        for (g = 0; g < ngroups; g++)
            probe[g] = probe[g] && !pv_locks_held(locks, vm->ctx.file, g);
        outcome = pv_vm_plan_budget(vm, boot, host, probe, groups, &why);
    } else {
        outcome = pv_vm_plan_perf(vm, boot, host, probe, groups, &why);
    }
    if (outcome == PV_PERF_UNAVAILABLE) {
        g_set_error(error, PV_ERROR, PV_ERROR_PERF_UNAVAILABLE, "%s", why);
        return PV_SCHED_FAILED;
    }
    if (outcome == PV_PERF_OK &&
        pv_locks_take(locks, vm->ctx.file, (const guint *)groups->data, groups->len, mode, holder,
                      &busy, error)) {
        g_array_append_vals(vm->llc_groups, groups->data, groups->len);
        return PV_SCHED_GRANTED;
    }
    if (outcome == PV_PERF_OK && !busy)
        return PV_SCHED_FAILED;  /* @error is set */
    /* Another run's groups will come free when it ends; only ours can deadlock. */
    for (g = 0; g < ngroups; g++) {
        if (probe[g] && !pv_locks_held(locks, vm->ctx.file, g) && !pv_locks_held(locks, NULL, g))
            others = TRUE;
    }
    *reason = PV_BLOCK_LLC_BUSY;
    *on_files = !others;
    return PV_SCHED_BLOCKED;
}

/**
 * pv_vm_perf_warnings:
 *
 * Returns: (transfer full) (element-type utf8): what performance mode could
 *   not give, as warnings rather than failures
 */
GPtrArray *
pv_vm_perf_warnings(PvVm *vm, const PvVmBoot *boot)
{
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    const PvPerfPlan *plan = boot->placement.plan;
    guint running;
    guint i;

    if (!plan)
        return warnings;
    for (i = 0; i < plan->warnings->len; i++)
        g_ptr_array_add(warnings, g_strdup(plan->warnings->pdata[i]));
    if ((running = pv_host_read_running(vm->ctx.host)) > plan->nvcpus / 2)
        g_ptr_array_add(warnings,
                        g_strdup_printf(_("host load: %u other tasks running, above half of "
                                          "the VM's %u vCPUs; results may be noisy"),
                                        running, plan->nvcpus));
    return warnings;
}
