/*
 * pv-vm.c: a VM as a test file sees it: a profile, and a domain while booted
 *
 * Everything here runs on the file's worker thread.  A VM's artifacts live in
 * the run directory: the rendered domain XML, the serial console log and,
 * for disk profiles, the qcow2 overlay (removed when the VM ends).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pv-console.h"
#include "pv-error.h"
#include "pv-file.h"
#include "pv-locks.h"
#include "pv-perf.h"
#include "pv-template.h"
#include "pv-text.h"
#include "pv-units.h"
#include "pv-vm.h"

/* When a KVM guest's silent console makes provium ask whether KVM hangs here. */
#define PV_VM_KVM_SILENT_US (10 * G_USEC_PER_SEC)

/* Below this, a size was surely meant in other units ("memory = 512"). */
#define PV_VM_MIN_MEMORY (16 * PV_MIB)

PvVm *
pv_vm_new(PvFile *file, const char *name, PvProfile *profile)
{
    PvVm *vm = g_new0(PvVm, 1);

    vm->llc_groups = g_array_new(FALSE, FALSE, sizeof(guint));
    vm->file = file;
    vm->name = g_strdup(name);
    vm->profile = profile;
    vm->memory = profile->memory;
    vm->cpus = profile->cpus;
    return vm;
}

void
pv_vm_free(PvVm *vm)
{
    if (!vm)
        return;
    g_clear_pointer(&vm->domain, pv_domain_unref);
    g_array_unref(vm->llc_groups);
    pv_profile_free(vm->profile);
    g_free(vm->name);
    g_free(vm->console_log);
    g_free(vm->overlay);
    g_free(vm);
}

static gboolean
pv_vm_is_running(PvVm *vm)
{
    return vm->domain && pv_domain_get_state(vm->domain) != PV_DOMAIN_STATE_STOPPED;
}

/* qcow2 images start with "QFI\xfb"; anything else is taken as raw. */
static const char *
pv_vm_image_format(const char *path)
{
    guchar magic[4] = { 0 };
    int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
    gssize got = fd >= 0 ? read(fd, magic, sizeof(magic)) : -1;

    if (fd >= 0)
        close(fd);
    return got == 4 && memcmp(magic, "QFI\xfb", 4) == 0 ? "qcow2" : "raw";
}

static gboolean
pv_vm_make_overlay(PvVm *vm, const char *overlay, GError **error)
{
    const char *argv[] = {
        PV_QEMU_IMG, "create", "-q", "-f", "qcow2",
        "-F", pv_vm_image_format(vm->profile->disk), "-b", vm->profile->disk, overlay, NULL,
    };
    g_autofree char *err_text = NULL;
    int status = 0;
    g_autoptr(GError) local_error = NULL;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                      NULL, &err_text, &status, &local_error)) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot run %s: %s"),
                    PV_QEMU_IMG, local_error->message);
        return FALSE;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("cannot make a disk overlay of %s: %s"), vm->profile->disk,
                    g_strstrip(err_text));
        return FALSE;
    }
    return TRUE;
}

static gboolean
pv_vm_fail_boot(PvVm *vm, PvWaitResult waited, gint64 timeout_ns, GError **error)
{
    g_autofree char *reason = NULL;
    g_autofree char *timeout = NULL;

    if (waited == PV_WAIT_INTERRUPTED)
        return FALSE;  /* @error is already set */
    if (waited == PV_WAIT_TIMEOUT) {
        /* The test's or the file's time ran out first. */
        if (!pv_file_check(vm->file, error))
            return FALSE;
        timeout = pv_duration_format(timeout_ns);
        g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                    _("the guest agent of vm '%s' (domain '%s') did not connect within %s"),
                    vm->name, pv_domain_peek_name(vm->domain), timeout);
        return FALSE;
    }
    reason = pv_domain_dup_stop_reason(vm->domain);
    g_set_error(error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                _("vm '%s' (domain '%s') stopped while booting: %s"),
                vm->name, pv_domain_peek_name(vm->domain), reason ? reason : "?");
    return FALSE;
}

/*
 * Gives back what the VM took: its share of the pool or claim, and its LLC
 * groups to the file, which holds them until it ends.
 */
static void
pv_vm_release_charge(PvVm *vm)
{
    g_array_set_size(vm->llc_groups, 0);
    if (!vm->charged)
        return;
    if (vm->charged_pool) {
        pv_pool_give(vm->file->run->pool, vm->charge);
    } else {
        vm->file->claim_left.memory += vm->charge.memory;
        vm->file->claim_left.mcpus += vm->charge.mcpus;
    }
    vm->charged = FALSE;
}

static gboolean
pv_vm_pool_check(gpointer user_data, GError **error)
{
    return pv_file_check(user_data, error);
}

/*
 * Takes the VM's memory and vCPUs: out of the file's claim (at once, or an
 * error telling to raise the claim), or, without a claim, from the pool,
 * waiting until they are free.
 */
static gboolean
pv_vm_charge(PvVm *vm, GError **error)
{
    PvFile *file = vm->file;
    PvPool *pool = file->run->pool;
    PvAmount want = pv_amount(vm->memory, vm->cpus);
    g_autofree char *who = g_strdup_printf(_("vm '%s'"), vm->name);
    gboolean ok;

    if (file->has_claim) {
        if (!pv_amount_fits(want, file->claim_left)) {
            g_autofree char *need = pv_amount_format(want);
            g_autofree char *left = pv_amount_format(file->claim_left);
            g_autofree char *claim = pv_amount_format(pv_amount(file->claim_memory,
                                                                file->claim_cpus));

            g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                        _("vm '%s' needs %s, but the file's claim has %s left (of %s): "
                          "raise provium:claim()"), vm->name, need, left, claim);
            return FALSE;
        }
        file->claim_left.memory -= want.memory;
        file->claim_left.mcpus -= want.mcpus;
        vm->charged_pool = FALSE;
    } else {
        pv_pool_note_vm(pool, want);
        if (!pv_pool_try_take(pool, want)) {
            g_autofree char *amount = pv_amount_format(want);
            g_autofree char *waiting_for = g_strdup_printf("%s (%s)", who, amount);

            pv_file_block(file, PV_BLOCK_POOL_FULL, waiting_for);
            ok = pv_pool_take_wait(pool, want, who, pv_vm_pool_check, file, NULL, error);
            pv_file_unblock(file);
            if (!ok)
                return FALSE;
        }
        vm->charged_pool = TRUE;
    }
    vm->charge = want;
    vm->charged = TRUE;
    return TRUE;
}

/* How often a boot held back looks again, per reason. */
static gint64
pv_vm_admit_poll_us(PvBlockReason reason)
{
    switch (reason) {
    case PV_BLOCK_BOOT_GATE:
        return 20 * 1000;
    case PV_BLOCK_HOST_MEMORY:
        return 500 * 1000;
    default:
        return 200 * 1000;
    }
}

/*
 * Holds the boot until the host can take it: pressure (PSI) below the
 * threshold, room in memory (the host guard), and room in the boot gate.
 * On success the VM is inside the gate and counted by the guard.
 */
static gboolean
pv_vm_admit(PvVm *vm, GError **error)
{
    PvFile *file = vm->file;
    PvRun *run = file->run;
    g_autofree char *amount = pv_amount_format(pv_amount(vm->memory, vm->cpus));
    g_autofree char *waiting_for = g_strdup_printf(_("vm '%s' (%s)"), vm->name, amount);

    for (;;) {
        PvBlockReason reason;

        if (!pv_file_check(file, error))
            break;
        if (!run->options->no_psi && g_atomic_int_get(&run->psi_throttled)) {
            reason = PV_BLOCK_PSI_PRESSURE;
        } else if (!pv_run_guard_enter(run, vm->memory)) {
            reason = PV_BLOCK_HOST_MEMORY;
        } else if (!pv_gate_try_enter(run->gate, vm->cpus)) {
            pv_run_guard_leave(run, vm->memory);
            reason = PV_BLOCK_BOOT_GATE;
        } else {
            pv_file_unblock(file);
            return TRUE;
        }
        pv_file_block(file, reason, waiting_for);
        if (pv_wake_wait(&file->wake, g_get_monotonic_time() + pv_vm_admit_poll_us(reason),
                         NULL, NULL, error) == PV_WAIT_INTERRUPTED)
            break;
    }
    pv_file_unblock(file);
    return FALSE;
}

/*
 * What performance mode (or budgeted mode) adds to a boot: the guest's LLC
 * topology, and either a pinning plan or a shared CPU set, with the LLC
 * groups they hold.
 */
typedef struct {
    gboolean on;
    PvPerfRequest request;
    PvPerfPlan *plan;       /* performance mode */
    char *cpuset;           /* budgeted mode */
} PvVmPerf;

static void
pv_vm_perf_clear(PvVmPerf *perf)
{
    g_clear_pointer(&perf->plan, pv_perf_plan_free);
    g_clear_pointer(&perf->cpuset, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvVmPerf, pv_vm_perf_clear)

static char *
pv_vm_holder(PvVm *vm)
{
    PvRun *run = vm->file->run;

    return g_strdup_printf("pid %" G_GINT64_FORMAT ", prefix %s, %s, vm '%s'\n", run->pid,
                           run->prefix, vm->file->path, vm->name);
}

/*
 * A wait for LLC groups can deadlock only inside this run: when the groups
 * are held by its own files and every file in flight waits for another.
 */
static gboolean
pv_vm_llc_deadlock(PvVm *vm, const gboolean *unusable, guint ngroups)
{
    PvRun *run = vm->file->run;
    guint g;

    for (g = 0; g < ngroups; g++) {
        if (unusable[g] && !pv_locks_held(run->locks, NULL, g))
            return FALSE;  /* another run holds one: it will end */
    }
    return (guint)g_atomic_int_get(&run->blocked_files) >= pv_pool_get_in_flight(run->pool);
}

/* Per group: used by another running VM of the file (exclusively). */
static gboolean *
pv_vm_groups_in_use(PvVm *vm, guint ngroups)
{
    gboolean *in_use = g_new0(gboolean, MAX(ngroups, 1));
    guint i;
    guint j;

    for (i = 0; i < vm->file->vms->len; i++) {
        const PvVm *other = vm->file->vms->pdata[i];

        for (j = 0; other != vm && j < other->llc_groups->len; j++)
            in_use[g_array_index(other->llc_groups, guint, j)] = TRUE;
    }
    return in_use;
}

static void
pv_vm_emit_perf(PvVm *vm, const PvVmPerf *perf, GPtrArray *warnings)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    g_auto(GVariantBuilder) warned = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    g_auto(GVariantBuilder) notes = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    g_autofree char *plan = NULL;
    guint i;

    pv_event_add_str(&fields, "path", vm->file->path);
    pv_event_add_str(&fields, "vm", vm->name);
    pv_event_add_str(&fields, "mode", perf->plan ? "performance" : "budgeted");
    if (perf->plan) {
        plan = pv_perf_plan_describe(perf->plan);
        pv_event_add_str(&fields, "plan", plan);
        for (i = 0; i < perf->plan->notes->len; i++)
            g_variant_builder_add(&notes, "s", (const char *)perf->plan->notes->pdata[i]);
    } else {
        pv_event_add_str(&fields, "cpuset", perf->cpuset);
    }
    for (i = 0; i < warnings->len; i++)
        g_variant_builder_add(&warned, "s", (const char *)warnings->pdata[i]);
    g_variant_builder_add(&fields, "{sv}", "warnings", g_variant_builder_end(&warned));
    g_variant_builder_add(&fields, "{sv}", "notes", g_variant_builder_end(&notes));
    pv_events_emit(vm->file->run->events, "perf_plan", g_variant_builder_end(&fields));
}

/*
 * "procs_running" of /proc/stat, less the thread reading it: how many other
 * tasks want a CPU.  The least of a few samples 10 ms apart, so that a
 * passing burst (this run's own threads, libvirtd answering) is not load.
 */
static guint
pv_vm_host_running(void)
{
    guint least = G_MAXUINT;
    guint i;

    for (i = 0; i < 5 && least > 0; i++) {
        g_autofree char *stat = NULL;
        const char *line;
        guint64 n;

        if (i)
            g_usleep(10 * 1000);
        if (!g_file_get_contents("/proc/stat", &stat, NULL, NULL) ||
            !(line = strstr(stat, "procs_running ")))
            return 0;
        n = g_ascii_strtoull(line + strlen("procs_running "), NULL, 10);
        least = MIN(least, n > 0 ? n - 1 : 0);
    }
    return least;
}

/* The warnings performance mode gives rather than failing. */
static GPtrArray *
pv_vm_perf_warnings(PvVm *vm, const PvVmPerf *perf)
{
    PvRun *run = vm->file->run;
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    guint running;
    guint i;

    if (!perf->plan)
        return warnings;
    for (i = 0; i < perf->plan->warnings->len; i++)
        g_ptr_array_add(warnings, g_strdup(perf->plan->warnings->pdata[i]));
    if (run->host_local && (running = pv_vm_host_running()) > perf->plan->nvcpus / 2)
        g_ptr_array_add(warnings,
                        g_strdup_printf(_("host load: %u other tasks running, above half of "
                                          "the VM's %u vCPUs; results may be noisy"),
                                        running, perf->plan->nvcpus));
    return warnings;
}

/*
 * Budgeted mode: a shared CPU set of --cpu-cap CPUs (default 30 % of the
 * online CPUs), at least the VM's vCPUs, over groups nobody holds alone.
 */
static PvPerfOutcome
pv_vm_plan_budget(PvVm *vm, PvVmPerf *perf, const PvTopology *topology,
                  const gboolean *unusable, GArray *groups, char **reason)
{
    const PvRunOptions *options = vm->file->run->options;
    guint online = topology->cpus->len;
    guint cap = options->cpu_cap ? options->cpu_cap : MAX((online * 3 + 9) / 10, 1);

    cap = MAX(cap, vm->cpus);
    g_clear_pointer(&perf->cpuset, g_free);
    if (cap > online) {
        *reason = g_strdup_printf(_("budgeted mode needs %u CPUs; the host has %u"), cap,
                                  online);
        return PV_PERF_UNAVAILABLE;
    }
    perf->cpuset = pv_perf_budget_cpuset(topology, cap, unusable, groups);
    if (!perf->cpuset) {
        *reason = g_strdup_printf(_("%u CPUs outside exclusively held LLC groups"), cap);
        return PV_PERF_BUSY;
    }
    return PV_PERF_OK;
}

/*
 * Performance mode: a pinning plan on groups that are free, or that the file
 * holds and none of its other VMs uses.  With a claim, only the claimed
 * groups.  What the file's own VMs hold is no reason to wait: they live
 * until the test ends.
 */
static PvPerfOutcome
pv_vm_plan_perf(PvVm *vm, PvVmPerf *perf, const PvTopology *topology,
                const gboolean *probe, GArray *groups, char **reason)
{
    PvFile *file = vm->file;
    PvLocks *locks = file->run->locks;
    guint ngroups = topology->groups->len;
    g_autofree gboolean *in_use = pv_vm_groups_in_use(vm, ngroups);
    g_autofree gboolean *unusable = g_new0(gboolean, MAX(ngroups, 1));
    g_autofree gboolean *ours = NULL;
    PvPerfOutcome outcome;
    guint g;

    if (file->claim_llcs && !file->llc_claim_held) {
        *reason = g_strdup_printf(_("the file claims %u LLC group(s); the host has %u"),
                                  file->claim_llcs, ngroups);
        return PV_PERF_UNAVAILABLE;
    }
    if (file->llc_claim_held)
        ours = g_new0(gboolean, ngroups);
    for (g = 0; g < ngroups; g++) {
        gboolean held = pv_locks_held(locks, file, g);

        unusable[g] = held ? in_use[g] : probe[g];
        if (ours)
            ours[g] = held && !in_use[g];
    }
    g_clear_pointer(&perf->plan, pv_perf_plan_free);
    outcome = pv_perf_plan(topology, &perf->request, unusable, ours, &perf->plan, reason);
    if (outcome == PV_PERF_BUSY) {
        g_autoptr(PvPerfPlan) alone = NULL;
        g_autofree char *why = NULL;

        /* Would it fit were it not for the file's own VMs? */
        if (pv_perf_plan(topology, &perf->request, in_use, NULL, &alone, &why) != PV_PERF_OK) {
            g_free(*reason);
            *reason = g_strdup_printf(_("the file's other VMs use the LLC groups it needs "
                                        "(the host has %u)"), ngroups);
            return PV_PERF_UNAVAILABLE;
        }
    }
    if (outcome == PV_PERF_OK)
        g_array_append_vals(groups, perf->plan->groups->data, perf->plan->groups->len);
    return outcome;
}

/*
 * Places a performance-mode VM (or, with --no-perf-mode, confines it to a
 * shared CPU set) and takes the LLC groups that needs for the file, waiting
 * with reason llc_busy while other holders have them.  A host that can
 * never do it is PV_ERROR_PERF_UNAVAILABLE.
 */
static gboolean
pv_vm_place(PvVm *vm, PvVmPerf *perf, GError **error)
{
    PvFile *file = vm->file;
    PvRun *run = file->run;
    g_autofree char *holder = pv_vm_holder(vm);
    g_autofree char *waiting_for = g_strdup_printf(_("LLC groups for vm '%s'"), vm->name);
    PvLockMode mode = run->options->no_perf_mode ? PV_LOCK_SHARED : PV_LOCK_EXCLUSIVE;
    const PvTopology *host = pv_run_get_topology(run, error);
    gboolean ok = FALSE;

    if (!host)
        return FALSE;
    for (;;) {
        /* The host's topology with its free hugepages of now. */
        g_autoptr(GArray) free_pages = pv_run_get_free_hugepages(run, host->nodes);
        PvTopology now = *host;
        const PvTopology *topology = &now;
        guint ngroups = topology->groups->len;
        g_autofree gboolean *probe = pv_locks_unusable(run->locks, ngroups, mode);
        g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(guint));
        g_autofree char *reason = NULL;
        PvPerfOutcome outcome;
        gboolean busy = FALSE;
        guint g;

        now.free_hugepages = free_pages;
        if (!pv_file_check(file, error))
            break;
        if (mode == PV_LOCK_SHARED) {
            /* What the file holds shared it may share again. */
            for (g = 0; g < ngroups; g++)
                probe[g] = probe[g] && !pv_locks_held(run->locks, file, g);
            outcome = pv_vm_plan_budget(vm, perf, topology, probe, groups, &reason);
        } else {
            outcome = pv_vm_plan_perf(vm, perf, topology, probe, groups, &reason);
        }
        if (outcome == PV_PERF_UNAVAILABLE) {
            g_set_error(error, PV_ERROR, PV_ERROR_PERF_UNAVAILABLE,
                        "perf_mode_unavailable: %s", reason);
            break;
        }
        if (outcome == PV_PERF_OK &&
            pv_locks_take(run->locks, file, (const guint *)groups->data, groups->len, mode,
                          holder, &busy, error)) {
            g_array_append_vals(vm->llc_groups, groups->data, groups->len);
            ok = TRUE;
            break;
        }
        if (outcome == PV_PERF_OK && !busy)
            break;  /* @error is set */
        for (g = 0; g < ngroups; g++)
            probe[g] = probe[g] && !pv_locks_held(run->locks, file, g);
        if (pv_vm_llc_deadlock(vm, probe, ngroups)) {
            g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                        _("vm '%s' waits for LLC groups that this run's other files hold, and "
                          "they all wait too: this would never end.  Claim the groups for the "
                          "file (provium:claim{llcs = N})"), vm->name);
            break;
        }
        pv_file_block(file, PV_BLOCK_LLC_BUSY, waiting_for);
        if (pv_wake_wait(&file->wake, g_get_monotonic_time() + 200 * 1000, NULL, NULL,
                         error) == PV_WAIT_INTERRUPTED)
            break;
    }
    pv_file_unblock(file);
    return ok;
}

/*
 * libvirt refuses SCHED_FIFO where the host gives its domains no realtime
 * budget (seen here: the machine cgroup's cpu.rt_runtime_us is 0).
 */
static gboolean
pv_vm_realtime_refused(const GError *error)
{
    return error && strstr(error->message, "scheduler") != NULL;
}

/*
 * Free hugepages are no use to libvirt without a hugetlbfs mount (seen
 * here: none mounted, "hugetlbfs filesystem is not mounted").
 */
static gboolean
pv_vm_hugetlbfs_missing(const GError *error)
{
    return error && strstr(error->message, "hugetlbfs") != NULL;
}

static void
pv_vm_drop_hugepages(PvVmPerf *perf, GPtrArray *warnings)
{
    perf->plan->hugepages = FALSE;
    g_ptr_array_add(warnings, g_strdup(_("hugepages are free, but libvirt has no hugetlbfs "
                                         "mount to use them (hugetlbfs_mount in qemu.conf): "
                                         "the guest's memory uses regular pages")));
}

/*
 * The accelerator the VM asks for: --virt-type when given, else its
 * profile's virt_type, else what auto means on this host (AUTO here keeps the
 * template's own type, where KVM is usable).
 */
static PvVirtType
pv_vm_requested_virt_type(PvVm *vm)
{
    PvRun *run = vm->file->run;

    if (run->options->virt_type != PV_VIRT_AUTO)
        return run->options->virt_type;
    if (vm->profile->virt_type != PV_VIRT_AUTO)
        return vm->profile->virt_type;
    return run->virt_auto == PV_VIRT_KVM ? PV_VIRT_AUTO : PV_VIRT_QEMU;
}

/*
 * A KVM domain did not start, or stays silent: when the probe (run now, or
 * cached) blames KVM on this host, @error becomes one line naming the cause
 * and the switch instead of libvirt's or the boot timeout's.
 * Returns: whether it did
 */
static gboolean
pv_vm_explain_kvm(PvVm *vm, GError **error)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *diagnosis = NULL;

    pv_virt_get_probe(vm->file->run->virt, TRUE, &probe);
    diagnosis = pv_virt_diagnose(&probe);
    if (!diagnosis)
        return FALSE;
    if (error && *error)
        g_clear_error(error);
    g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT, "%s", diagnosis);
    return TRUE;
}

/* Starts the admitted VM's domain; the caller leaves the gate. */
static PvDomain *
pv_vm_start_domain(PvVm *vm, const char *name, const PvVmPerf *perf, gboolean realtime,
                   GError **error)
{
    PvFile *file = vm->file;
    PvRun *run = file->run;
    PvDomainRequest request = { 0 };
    /* Names from outside reach libvirt's XML, which must be UTF-8... */
    g_autofree char *file_name = pv_text_make_valid(file->abs_path, -1);
    g_autofree char *vm_name = pv_text_make_valid(vm->name, -1);
    g_autofree char *about = g_strdup_printf("provium: %s: %s", file->path, vm->name);
    /* ...and a title one line. */
    g_autofree char *title = pv_text_one_line(about);
    g_autofree char *xml = NULL;
    g_autofree char *xml_path = pv_run_vm_path(run, name, ".xml");
    g_autofree char *overlay = NULL;
    g_autoptr(GBytes) template = NULL;
    PvDomain *domain;

    g_free(vm->console_log);
    vm->console_log = pv_run_vm_path(run, name, ".console.log");
    if (vm->profile->disk && !vm->overlay) {
        overlay = pv_run_vm_path(run, name, ".qcow2");
        if (!pv_vm_make_overlay(vm, overlay, error))
            return NULL;
        g_free(vm->overlay);
        vm->overlay = g_strdup(overlay);
    }

    request.name = name;
    request.title = title;
    request.memory = vm->memory;
    request.vcpus = vm->cpus;
    request.virt_type = pv_vm_requested_virt_type(vm);
    request.kernel = vm->profile->kernel;
    request.initrd = vm->profile->initrd;
    request.cmdline = vm->profile->cmdline;
    request.disk = vm->overlay;
    request.console_log = vm->console_log;
    request.nosharepages = run->options->no_ksm;
    if (perf->on) {
        request.llcs = perf->request.llcs;
        request.cores = perf->request.cores;
        request.threads = perf->request.threads;
        request.perf = perf->plan;
        request.cpuset = perf->cpuset;
        request.realtime = realtime;
    }
    request.run_id = run->id;
    request.prefix = run->prefix;
    request.file = file_name;
    request.vm = vm_name;
    request.host = run->host;
    request.pid = run->pid;
    template = pv_run_get_template(run, vm->profile->template_path, error);
    if (template) {
        gsize len;
        const char *text = g_bytes_get_data(template, &len);

        xml = pv_template_render(text, len, vm->profile->template_path, &request,
                                 &vm->virt_type, error);
    }
    if (!xml) {
        g_prefix_error(error, _("profile '%s': "), vm->profile->name);
        return NULL;
    }
    if (!pv_write_file_atomic(xml_path, xml, -1, error))
        return NULL;
    domain = pv_domain_start(run->domains, name, vm->name, vm->memory, xml, &file->wake,
                             pv_file_on_domain_stopped, file, error);
    if (!domain)
        g_prefix_error(error, _("vm '%s': "), vm->name);
    return domain;
}

/* Whether the VM's console has shown no text yet. */
static gboolean
pv_vm_console_silent(PvVm *vm)
{
    g_autofree char *text = pv_vm_console_text(vm);

    return !text || !*g_strstrip(text);
}

/*
 * Waits for the guest agent.  A KVM guest whose console is still empty after
 * a few seconds may be one that nested KVM hangs: when the probe says KVM
 * guests hang here, the boot fails now with the cause and the switch
 * (PV_WAIT_INTERRUPTED, @error set) rather than at its timeout.
 */
static PvWaitResult
pv_vm_wait_agent(PvVm *vm, gint64 deadline, GError **error)
{
    gint64 look = g_get_monotonic_time() + PV_VM_KVM_SILENT_US;
    PvWaitResult waited;

    if (vm->virt_type == PV_VIRT_KVM && vm->file->run->local && look < deadline) {
        waited = pv_domain_wait_agent(vm->domain, look, error);
        if (waited != PV_WAIT_TIMEOUT)
            return waited;
        if (pv_vm_console_silent(vm) && pv_vm_explain_kvm(vm, error)) {
            g_prefix_error(error, _("vm '%s' (domain '%s') printed nothing on its console "
                                    "under KVM: "), vm->name, pv_domain_peek_name(vm->domain));
            return PV_WAIT_INTERRUPTED;
        }
    }
    return pv_domain_wait_agent(vm->domain, deadline, error);
}

/**
 * pv_vm_boot:
 *
 * Charges the VM, waits until the host can take its boot, renders and starts
 * the domain and waits for its guest agent (unless @options says not to).
 * A domain that started stays running on failure, so its console can be read
 * and --keep-failed can keep it.
 */
gboolean
pv_vm_boot(PvVm *vm, const PvVmBootOptions *options, GError **error)
{
    PvFile *file = vm->file;
    PvRun *run = file->run;
    g_auto(PvVmPerf) perf = { 0 };
    g_autoptr(GPtrArray) warnings = NULL;
    g_autofree char *vm_part = NULL;
    g_autofree char *base = NULL;
    g_autofree char *name = NULL;
    PvDomain *domain;
    gboolean realtime;
    gint64 started;
    gint64 timeout_ns;
    gint64 boot_deadline;
    PvWaitResult waited = PV_WAIT_READY;

    if (!file->current_test) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm:boot() runs only inside a test: move it into a test() function"));
        return FALSE;
    }
    pv_vm_settle(vm);
    if (pv_vm_is_running(vm)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("vm '%s' is already running (domain '%s')"),
                    vm->name, pv_domain_peek_name(vm->domain));
        return FALSE;
    }
    if (options->memory)
        vm->memory = options->memory;
    if (options->cpus)
        vm->cpus = options->cpus;
    perf.on = options->performance_mode < 0 ? vm->profile->performance_mode
                                            : options->performance_mode;
    if (perf.on) {
        perf.request.llcs = options->llcs ? options->llcs : vm->profile->llcs;
        perf.request.cores = options->cores ? options->cores : vm->profile->cores;
        perf.request.threads = options->threads ? options->threads : vm->profile->threads;
        perf.request.memory = vm->memory;
        /* The guest gets exactly its topology's vCPUs. */
        vm->cpus = perf.request.llcs * perf.request.cores * perf.request.threads;
    }
    if (vm->memory < PV_VM_MIN_MEMORY) {
        g_autofree char *shown = pv_size_format(vm->memory);

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': memory %s is too small for a VM (sizes are in bytes unless "
                      "suffixed: write e.g. \"512M\")"), vm->name, shown);
        return FALSE;
    }
    if (!pv_file_check(file, error) || (perf.on && !pv_vm_place(vm, &perf, error)))
        return FALSE;
    if (!pv_vm_charge(vm, error) || !pv_vm_admit(vm, error)) {
        pv_vm_release_charge(vm);
        return FALSE;
    }

    vm_part = pv_sanitize_name(vm->name, 24);
    base = g_strdup_printf("%s%s-%s", run->prefix, file->stem, vm_part);
    name = pv_domain_registry_claim_name(run->domains, base);
    warnings = pv_vm_perf_warnings(vm, &perf);
    realtime = perf.plan && g_atomic_int_get(&run->realtime) != 0;
    if (perf.plan && perf.plan->hugepages && g_atomic_int_get(&run->no_hugetlbfs))
        pv_vm_drop_hugepages(&perf, warnings);
    started = g_get_monotonic_time();
    for (;;) {
        g_autoptr(GError) start_error = NULL;

        domain = pv_vm_start_domain(vm, name, &perf, realtime, &start_error);
        if (domain) {
            if (realtime)
                g_atomic_int_set(&run->realtime, 1);
            break;
        }
        /* What the host refuses is a warning, and the same domain without it. */
        if (realtime && pv_vm_realtime_refused(start_error)) {
            g_atomic_int_set(&run->realtime, 0);
            realtime = FALSE;
        } else if (perf.plan && perf.plan->hugepages && pv_vm_hugetlbfs_missing(start_error)) {
            g_atomic_int_set(&run->no_hugetlbfs, 1);
            pv_vm_drop_hugepages(&perf, warnings);
        } else {
            if (vm->virt_type == PV_VIRT_KVM && pv_vm_explain_kvm(vm, &start_error))
                g_prefix_error(&start_error, _("vm '%s': cannot start domain '%s' under KVM: "),
                               vm->name, name);
            g_propagate_error(error, g_steal_pointer(&start_error));
            break;
        }
    }
    if (perf.plan && g_atomic_int_get(&run->realtime) == 0)
        g_ptr_array_add(warnings, g_strdup(_("realtime scheduling is not permitted for the "
                                             "domain here: vCPUs run without SCHED_FIFO")));
    if (perf.plan && vm->virt_type != PV_VIRT_KVM)
        g_ptr_array_add(warnings, g_strdup(_("no KVM: plain emulation cannot give timing "
                                             "isolation; pinning, NUMA and hugepages are "
                                             "applied all the same")));
    pv_run_guard_leave(run, vm->memory);
    if (!domain) {
        pv_gate_leave(run->gate, vm->cpus);
        pv_vm_release_charge(vm);
        return FALSE;
    }
    g_clear_pointer(&vm->domain, pv_domain_unref);
    vm->domain = domain;
    vm->touched = TRUE;
    if (perf.on)
        pv_vm_emit_perf(vm, &perf, warnings);
    {
        g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

        pv_event_add_str(&fields, "path", file->path);
        pv_event_add_str(&fields, "vm", vm->name);
        pv_event_add_str(&fields, "domain", pv_domain_peek_name(domain));
        pv_event_add_uint(&fields, "memory", vm->memory);
        pv_event_add_uint(&fields, "cpus", vm->cpus);
        pv_events_emit(run->events, "vm_spawned", g_variant_builder_end(&fields));
    }

    timeout_ns = options->timeout_ns ? options->timeout_ns : PV_VM_BOOT_TIMEOUT_NS;
    if (!options->no_agent) {
        boot_deadline = started + timeout_ns / 1000;
        waited = pv_vm_wait_agent(vm, MIN(boot_deadline, pv_file_deadline(file)), error);
    }
    pv_gate_leave(run->gate, vm->cpus);
    if (!options->no_agent &&
        (waited != PV_WAIT_READY || pv_domain_get_state(domain) != PV_DOMAIN_STATE_READY))
        return pv_vm_fail_boot(vm, waited, timeout_ns, error);
    {
        g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

        pv_event_add_str(&fields, "path", file->path);
        pv_event_add_str(&fields, "vm", vm->name);
        pv_event_add_str(&fields, "domain", pv_domain_peek_name(domain));
        pv_event_add_int(&fields, "boot_ns", (g_get_monotonic_time() - started) * 1000);
        pv_events_emit(run->events, "vm_ready", g_variant_builder_end(&fields));
    }
    return TRUE;
}

static gboolean
pv_vm_require_agent(PvVm *vm, GError **error)
{
    g_autofree char *reason = NULL;

    vm->touched = TRUE;
    if (!vm->domain) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' is not booted: call vm:boot() first"), vm->name);
        return FALSE;
    }
    switch (pv_domain_get_state(vm->domain)) {
    case PV_DOMAIN_STATE_READY:
        return pv_file_check(vm->file, error);
    case PV_DOMAIN_STATE_STOPPED:
        reason = pv_domain_dup_stop_reason(vm->domain);
        g_set_error(error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                    _("vm '%s' (domain '%s') is not running: %s"),
                    vm->name, pv_domain_peek_name(vm->domain), reason ? reason : "?");
        return FALSE;
    default:
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("the guest agent of vm '%s' (domain '%s') is not connected"),
                    vm->name, pv_domain_peek_name(vm->domain));
        return FALSE;
    }
}

/*
 * An agent call failed: if that is because the domain is stopping, say so
 * instead (libvirt's lifecycle event may trail the agent's error a little).
 */
static void
pv_vm_explain_agent_error(PvVm *vm, GError **error)
{
    g_autofree char *reason = NULL;
    g_autoptr(GError) ignored = NULL;

    if (!error || !*error || (*error)->domain != PV_ERROR || (*error)->code != PV_ERROR_GUEST)
        return;
    pv_domain_wait_stopped(vm->domain, g_get_monotonic_time() + G_USEC_PER_SEC / 2, &ignored);
    if (pv_domain_get_state(vm->domain) != PV_DOMAIN_STATE_STOPPED)
        return;
    reason = pv_domain_dup_stop_reason(vm->domain);
    g_clear_error(error);
    g_set_error(error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                _("vm '%s' (domain '%s') stopped unexpectedly: %s"),
                vm->name, pv_domain_peek_name(vm->domain), reason ? reason : "?");
}

static gboolean
pv_vm_check_cb(gpointer user_data, GError **error)
{
    return pv_file_check(user_data, error);
}

static void
pv_vm_agent_context(PvVm *vm, PvAgentContext *ctx)
{
    ctx->wake = &vm->file->wake;
    ctx->check = pv_vm_check_cb;
    ctx->check_data = vm->file;
}

/**
 * pv_vm_exec:
 *
 * Runs a program in the guest through its agent.
 */
gboolean
pv_vm_exec(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result, GError **error)
{
    PvAgentContext ctx;

    if (!pv_vm_require_agent(vm, error))
        return FALSE;
    pv_vm_agent_context(vm, &ctx);
    if (!pv_agent_exec(pv_domain_peek_virdomain(vm->domain), &ctx, exec, result, error)) {
        pv_vm_explain_agent_error(vm, error);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_write_file:
 * @mode: (nullable): octal permissions, e.g. "0644"; NULL leaves the agent's
 */
gboolean
pv_vm_write_file(PvVm *vm, const char *path, GBytes *data, const char *mode, GError **error)
{
    PvAgentContext ctx;
    g_auto(PvAgentExecResult) result = { 0 };
    const char *args[] = { mode, path, NULL };
    PvAgentExec chmod_exec = { "chmod", args, NULL, NULL, G_MAXINT64 };

    if (!pv_vm_require_agent(vm, error))
        return FALSE;
    pv_vm_agent_context(vm, &ctx);
    if (!pv_agent_file_write(pv_domain_peek_virdomain(vm->domain), &ctx, path, data, error)) {
        pv_vm_explain_agent_error(vm, error);
        g_prefix_error(error, _("cannot write %s in vm '%s': "), path, vm->name);
        return FALSE;
    }
    if (!mode)
        return TRUE;
    if (!pv_vm_exec(vm, &chmod_exec, &result, error))
        return FALSE;
    if (result.signaled || result.exit_code != 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST, _("cannot chmod %s %s in vm '%s': %.*s"),
                    mode, path, vm->name, (int)g_bytes_get_size(result.err),
                    (const char *)g_bytes_get_data(result.err, NULL));
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_read_file:
 * Returns: (transfer full): the guest file's bytes, or NULL with @error set
 */
GBytes *
pv_vm_read_file(PvVm *vm, const char *path, GError **error)
{
    PvAgentContext ctx;
    GBytes *data;

    if (!pv_vm_require_agent(vm, error))
        return NULL;
    pv_vm_agent_context(vm, &ctx);
    data = pv_agent_file_read(pv_domain_peek_virdomain(vm->domain), &ctx, path, error);
    if (!data) {
        pv_vm_explain_agent_error(vm, error);
        g_prefix_error(error, _("cannot read %s in vm '%s': "), path, vm->name);
    }
    return data;
}

/**
 * pv_vm_emit_stopped_event:
 *
 * vm_stopped, also from the main thread when a domain stopped by itself.
 */
void
pv_vm_emit_stopped_event(PvFile *file, const char *vm, const char *domain, const char *reason)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", file->path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_str(&fields, "reason", reason);
    pv_events_emit(file->run->events, "vm_stopped", g_variant_builder_end(&fields));
}

/* vm_stopped, once per domain (see pv_domain_claim_stop_report()). */
static void
pv_vm_emit_stopped(PvVm *vm, const char *reason)
{
    if (pv_domain_claim_stop_report(vm->domain))
        pv_vm_emit_stopped_event(vm->file, vm->name, pv_domain_peek_name(vm->domain), reason);
}

static void
pv_vm_remove_overlay(PvVm *vm)
{
    if (vm->overlay) {
        g_unlink(vm->overlay);
        g_clear_pointer(&vm->overlay, g_free);
    }
}

/**
 * pv_vm_shutdown:
 * @timeout_ns: how long the guest has to power off before it is destroyed;
 *   0 for the default
 */
gboolean
pv_vm_shutdown(PvVm *vm, gint64 timeout_ns, GError **error)
{
    gint64 deadline;

    vm->touched = TRUE;
    if (!pv_vm_is_running(vm))
        return TRUE;
    deadline = g_get_monotonic_time() + (timeout_ns ? timeout_ns : PV_VM_SHUTDOWN_TIMEOUT_NS) / 1000;
    if (!pv_domain_shutdown(vm->domain, MIN(deadline, pv_file_deadline(vm->file)), error))
        return FALSE;
    pv_vm_emit_stopped(vm, "shutdown");
    pv_vm_remove_overlay(vm);
    pv_vm_release_charge(vm);
    return TRUE;
}

/**
 * pv_vm_destroy:
 *
 * Stops the VM at once.  Destroying a VM that is not running does nothing.
 */
gboolean
pv_vm_destroy(PvVm *vm, GError **error)
{
    vm->touched = TRUE;
    if (!pv_vm_is_running(vm))
        return TRUE;
    if (!pv_domain_destroy(vm->domain, error))
        return FALSE;
    pv_vm_emit_stopped(vm, "destroyed");
    pv_vm_remove_overlay(vm);
    pv_vm_release_charge(vm);
    return TRUE;
}

/**
 * pv_vm_end:
 * @keep: leave a running domain running (--keep-failed)
 *
 * The file is over: destroy the domain, or keep it.
 */
void
pv_vm_end(PvVm *vm, gboolean keep)
{
    if (!pv_vm_is_running(vm)) {
        pv_vm_settle(vm);
        return;
    }
    if (keep) {
        /* A kept domain keeps its charge: the pool knows it still runs. */
        pv_domain_keep(vm->domain);
        pv_vm_emit_stopped(vm, "kept");
        return;
    }
    if (pv_domain_destroy(vm->domain, NULL))
        pv_vm_emit_stopped(vm, "destroyed");
    pv_vm_remove_overlay(vm);
    pv_vm_release_charge(vm);
}

/**
 * pv_vm_settle:
 *
 * A domain that stopped by itself (crash, poweroff), or that the run
 * destroyed on a signal, gives back its charge and overlay the next time its
 * file looks: at the end of each test, and when the file ends.  Its stop is
 * reported here if no one has yet: "destroyed" when the run did it.
 */
void
pv_vm_settle(PvVm *vm)
{
    if (vm->domain && pv_domain_get_state(vm->domain) == PV_DOMAIN_STATE_STOPPED) {
        g_autofree char *reason = NULL;

        if (!pv_domain_stop_was_expected(vm->domain))
            reason = pv_domain_dup_stop_reason(vm->domain);
        pv_vm_emit_stopped(vm, reason ? reason : "destroyed");
        pv_vm_remove_overlay(vm);
        pv_vm_release_charge(vm);
    }
}

/**
 * pv_vm_state:
 * @reason: (out) (optional) (transfer full): why a stopped VM stopped
 *
 * Returns: "defined" (never booted), "starting", "running" (agent not
 *   connected), "ready" or "stopped"
 */
const char *
pv_vm_state(PvVm *vm, char **reason)
{
    PvDomainState state;

    if (reason)
        *reason = NULL;
    if (!vm->domain)
        return "defined";
    state = pv_domain_get_state(vm->domain);
    if (state == PV_DOMAIN_STATE_STOPPED && reason)
        *reason = pv_domain_dup_stop_reason(vm->domain);
    return pv_domain_state_to_string(state);
}

/**
 * pv_vm_domain_name:
 * Returns: (transfer none) (nullable): the libvirt name of the VM's domain,
 *   NULL before the first boot
 */
const char *
pv_vm_domain_name(PvVm *vm)
{
    return vm->domain ? pv_domain_peek_name(vm->domain) : NULL;
}

/**
 * pv_vm_console_text:
 * Returns: (transfer full) (nullable): everything the VM's serial console
 *   printed, sanitized; NULL before the first boot
 */
char *
pv_vm_console_text(PvVm *vm)
{
    g_autofree char *raw = NULL;
    gsize len = 0;

    if (!vm->console_log || !g_file_get_contents(vm->console_log, &raw, &len, NULL))
        return NULL;
    return pv_console_sanitize(raw, len);
}

/**
 * pv_vm_console_tail:
 * Returns: (transfer full) (nullable): the last @lines non-empty lines of
 *   the console (pv_console_read_tail())
 */
char *
pv_vm_console_tail(PvVm *vm, guint lines)
{
    return vm->console_log ? pv_console_read_tail(vm->console_log, lines) : NULL;
}
