/*
 * pv-vm-start.c: stage 2 of a boot, starting one VM's domain
 *
 * The host must take the boot first (pressure, memory, the boot gate: a
 * wait through pv_vm_sched_wait()), once its storage has the files the
 * domain opens (pv_vm_provide_files(): on a host that shares this machine's
 * files, QEMU's user must reach them).  Then the domain gets its name, its
 * disk overlay and its console log from the host's storage, the request is
 * assembled
 * (pv-vm-request.c) and rendered from the profile's template, and libvirt
 * starts it.  What the host refuses (realtime scheduling, hugepages without
 * hugetlbfs) becomes a warning and the same domain without it; a KVM domain
 * that cannot start is explained by the KVM probe when it can be.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define PV_VM_PRIVATE
#include "pv-error.h"
#include "pv-safe.h"
#include "pv-text.h"
#include "pv-units.h"
#include "pv-vm-private.h"

/*
 * Stage 2's try: the host takes the boot (pressure, memory, the gate, where
 * the VM weighs vm->gate_weight).
 */
static PvSchedTry
pv_vm_try_host(gpointer user_data, PvBlockReason *reason, gboolean *on_files, GError **error)
{
    PvVm *vm = user_data;

    *reason = pv_resources_try_boot(vm->ctx.resources, vm->boot->shape.memory,
                                    vm->gate_weight);
    *on_files = FALSE;
    return *reason == PV_BLOCK_NONE ? PV_SCHED_GRANTED : PV_SCHED_BLOCKED;
}

/*
 * The files the VM's domain opens, made available on its host
 * (pv_host_storage_provide()): the profile's kernel and initrd, and @disk,
 * the profile's disk image, or with @restore a fixture slot's disk, which
 * is on the host already.  Their paths there go into the boot, for its
 * request.  With a disk, the host must also be able to keep its overlay.
 * Before the host takes the boot: a file QEMU cannot reach fails it now,
 * not after waiting.
 */
static gboolean
pv_vm_provide_files(PvVm *vm, const char *disk, gboolean restore, GError **error)
{
    PvHostStorage *storage = vm->ctx.storage;
    PvVmBoot *boot = vm->boot;

    if (vm->profile->kernel &&
        !(boot->kernel = pv_host_storage_provide(storage, vm->profile->kernel, vm->name,
                                                 "kernel", error)))
        return FALSE;
    if (vm->profile->initrd &&
        !(boot->initrd = pv_host_storage_provide(storage, vm->profile->initrd, vm->name,
                                                 "initrd", error)))
        return FALSE;
    if (!pv_vm_provide_disks(vm, restore, error))
        return FALSE;
    if (!disk)
        return TRUE;
    if (restore) {
        if (!pv_host_storage_check_file(storage, disk, vm->name, "disk", error))
            return FALSE;
        boot->disk = g_strdup(disk);
    } else if (!(boot->disk = pv_host_storage_provide(storage, disk, vm->name, "disk",
                                                      error))) {
        return FALSE;
    }
    return pv_host_storage_check_overlays(storage, vm->name, error);
}

/*
 * The domain @name's console log (where its XML has it logged, where it is
 * read here), with a disk its overlay of @base, a path on the host; its
 * more disks and UEFI variables (pv-vm-disks.c), and with cloud-init its
 * seed (a new one for each domain: pv-vm-seed.c).
 */
static gboolean
pv_vm_make_files(PvVm *vm, const char *name, const char *base, PvHostConsole *console,
                 GError **error)
{
    PvHostStorage *storage = vm->ctx.storage;

    if (!pv_host_storage_open_console(storage, name, console, error))
        return FALSE;
    g_free(vm->console_log);
    vm->console_log = g_strdup(console->path);
    if (base && !vm->overlay) {
        vm->overlay = pv_host_storage_make_overlay(storage, base, name, error);
        if (!vm->overlay)
            return FALSE;
    }
    return pv_vm_make_disks(vm, name, error) && pv_vm_make_seed(vm, name, error);
}

/*
 * The domain @name did not start: its seed and its console log (a volume
 * on a remote host) go; its overlay and disks stay with the VM, for its
 * next start, until the VM ends.
 */
static void
pv_vm_forget_files(PvVm *vm, const char *name)
{
    pv_vm_remove_seed(vm);
    pv_host_storage_close_console(vm->ctx.storage, name);
}

/* A domain of the file stopped without being asked (main thread). */
static void
pv_vm_on_stopped(PvDomain *domain, const char *reason, gpointer user_data)
{
    PvVm *vm = user_data;
    g_autofree char *msg = g_strdup_printf(_("vm '%s' (domain '%s') stopped unexpectedly: %s"),
                                           vm->name, pv_domain_peek_name(domain), reason);

    pv_vm_leave_gate(vm);
    if (pv_domain_claim_stop_report(domain))
        pv_event_vm_stopped(vm->ctx.events, vm->ctx.path, vm->name,
                            pv_domain_peek_name(domain), reason);
    pv_file_interrupt_test(vm->ctx.file, PV_ERROR_DOMAIN_STOPPED, msg);
}

/* Its guest agent connected (main thread): the boot is over, the next may go. */
static void
pv_vm_on_ready(PvDomain *domain, gpointer user_data)
{
    pv_vm_leave_gate(user_data);
}

/*
 * What names a domain of @vm in its request (booted or restored): its name,
 * its file and run, its files on the host (@console's log, the overlay).
 * @file_name and @vm_name are the valid-UTF-8 forms the caller keeps alive.
 */
static void
pv_vm_request_identity(PvVm *vm, const char *name, const char *file_name,
                       const char *vm_name, const PvHostConsole *console,
                       PvVmRequestInputs *inputs)
{
    inputs->domain = name;
    inputs->file = file_name;
    inputs->file_shown = vm->ctx.path;
    inputs->vm = vm_name;
    inputs->run_id = vm->ctx.run_id;
    inputs->prefix = vm->ctx.prefix;
    inputs->host = vm->ctx.machine;
    inputs->pid = vm->ctx.pid;
    if (vm->ctx.lease)
        pv_lease_get_owner(vm->ctx.lease, &inputs->owner);
    inputs->kernel = vm->boot->kernel;
    inputs->initrd = vm->boot->initrd;
    inputs->console_log = console->log;
    inputs->overlay = vm->overlay;
    inputs->seed = vm->seed;
}

/* Renders the VM's domain and starts it; the VM is inside the gate. */
static PvDomain *
pv_vm_start_domain(PvVm *vm, const char *name, gboolean realtime, GError **error)
{
    PvVmBoot *boot = vm->boot;
    const char *reason = NULL;
    g_autofree char *file_name = pv_text_make_valid(vm->ctx.abs_path, -1);
    g_autofree char *vm_name = pv_text_make_valid(vm->name, -1);
    g_autofree char *xml = NULL;
    g_autofree char *title = NULL;
    g_autofree char *xml_path = pv_vm_context_record_path(&vm->ctx, name, ".xml");
    g_autoptr(GBytes) template = NULL;
    g_autofree PvDomainNic *nics = NULL;
    g_autofree PvDomainDisk *disks = NULL;
    g_auto(PvHostConsole) console = { 0 };
    PvVmRequestInputs inputs = { 0 };
    PvDomainRequest request;
    PvDomainCallbacks callbacks = { pv_vm_on_stopped, pv_vm_on_ready, vm };
    PvDomain *domain;

    if (!pv_vm_make_files(vm, name, boot->disk, &console, error))
        return NULL;
    pv_vm_request_identity(vm, name, file_name, vm_name, &console, &inputs);
    inputs.virt_type = pv_vm_virt_request(vm->ctx.virt_type,
                                          vm->profile->virt_type,
                                          pv_host_get_virt_auto(vm->ctx.host, &reason));
    inputs.nosharepages = vm->ctx.no_ksm;
    inputs.plan = boot->placement.plan;
    inputs.cpuset = boot->placement.cpuset;
    inputs.realtime = realtime;
    nics = pv_vm_domain_nics(vm);
    inputs.nics = nics;
    inputs.n_nics = vm->nics->len;
    disks = pv_vm_domain_disks(vm, &inputs.n_disks);
    inputs.disks = disks;
    inputs.nvram = vm->nvram;
    pv_vm_request_fill(&request, vm->profile, &boot->shape, &inputs, &title);
    request.uuid = vm->domain_uuid;
    template = pv_run_get_template(vm->ctx.run, vm->profile->template_path, error);
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
    domain = pv_domain_start(vm->ctx.domains, name, vm->name, boot->shape.memory, xml,
                             vm->ctx.wake, &callbacks, error);
    if (!domain) {
        g_prefix_error(error, _("vm '%s': "), vm->name);
        return NULL;
    }
    pv_host_storage_follow_console(vm->ctx.storage, domain, &console);
    {
        g_autofree char *who = g_strdup_printf(_("vm '%s' (domain '%s')"), vm->name, name);

        pv_file_watch_console(vm->ctx.file, vm, who, vm->console_log,
                              vm->profile->console_ignore | vm->options.console_ignore);
    }
    return domain;
}

/*
 * A KVM domain did not start, or stays silent: when libvirt offers no KVM
 * here, or the probe (run now, or cached) blames KVM on this host, @error
 * becomes one line naming the cause and the switch instead of libvirt's or
 * the boot timeout's.
 * Returns: whether it did
 */
gboolean
pv_vm_explain_kvm(PvVm *vm, GError **error)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *diagnosis = NULL;

    pv_virt_get_probe(pv_host_peek_virt(vm->ctx.host), TRUE, &probe);
    diagnosis = pv_virt_diagnose(pv_virt_libvirt_has_kvm(pv_host_peek_virt(vm->ctx.host)), &probe);
    if (!diagnosis)
        return FALSE;
    if (error && *error)
        g_clear_error(error);
    g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT, "%s", diagnosis);
    return TRUE;
}

static void
pv_vm_drop_hugepages(PvVmBoot *boot)
{
    boot->placement.plan->hugepages = FALSE;
    g_ptr_array_add(boot->placement.warnings,
                    g_strdup(_("hugepages are free, but libvirt has no hugetlbfs mount to use "
                               "them (hugetlbfs_mount in qemu.conf): the guest's memory uses "
                               "regular pages")));
}

/*
 * Starts the domain, falling back from what the host refuses (realtime
 * scheduling, hugepages without hugetlbfs) to a warning and the same domain
 * without it.
 */
static PvDomain *
pv_vm_start_with_fallbacks(PvVm *vm, const char *name, GError **error)
{
    PvVmBoot *boot = vm->boot;
    PvPerfPlan *plan = boot->placement.plan;
    gboolean realtime = plan && pv_host_get_fact(vm->ctx.host, PV_HOST_FACT_REALTIME) != 0;
    PvDomain *domain = NULL;

    if (plan && plan->hugepages && pv_host_get_fact(vm->ctx.host, PV_HOST_FACT_HUGETLBFS) == 0)
        pv_vm_drop_hugepages(boot);
    for (;;) {
        g_autoptr(GError) start_error = NULL;

        domain = pv_vm_start_domain(vm, name, realtime, &start_error);
        if (domain) {
            if (realtime)
                pv_host_set_fact(vm->ctx.host, PV_HOST_FACT_REALTIME, 1);
            break;
        }
        if (realtime && g_error_matches(start_error, PV_ERROR, PV_ERROR_NO_REALTIME)) {
            pv_host_set_fact(vm->ctx.host, PV_HOST_FACT_REALTIME, 0);
            realtime = FALSE;
        } else if (plan && plan->hugepages &&
                   g_error_matches(start_error, PV_ERROR, PV_ERROR_NO_HUGETLBFS)) {
            pv_host_set_fact(vm->ctx.host, PV_HOST_FACT_HUGETLBFS, 0);
            pv_vm_drop_hugepages(boot);
        } else {
            if (vm->virt_type == PV_VIRT_KVM && pv_vm_explain_kvm(vm, &start_error))
                g_prefix_error(&start_error, _("vm '%s': cannot start domain '%s' under KVM: "),
                               vm->name, name);
            g_propagate_error(error, g_steal_pointer(&start_error));
            break;
        }
    }
    if (plan && pv_host_get_fact(vm->ctx.host, PV_HOST_FACT_REALTIME) == 0)
        g_ptr_array_add(boot->placement.warnings,
                        g_strdup(_("realtime scheduling is not permitted for the domain here: "
                                   "vCPUs run without SCHED_FIFO")));
    if (plan && vm->virt_type != PV_VIRT_KVM)
        g_ptr_array_add(boot->placement.warnings,
                        g_strdup(_("no KVM: plain emulation cannot give timing isolation; "
                                   "pinning, NUMA and hugepages are applied all the same")));
    return domain;
}

/* Stage 2 for one VM: waits for the host, then starts its domain. */
gboolean
pv_vm_start_one(PvVm *vm, GError **error)
{
    PvResources *resources = vm->ctx.resources;
    PvVmBoot *boot = vm->boot;
    g_autofree char *amount = pv_amount_format(pv_amount(boot->shape.memory, boot->shape.cpus));
    g_autofree char *waiting_for = g_strdup_printf(_("vm '%s' (%s)"), vm->name, amount);
    g_autofree char *vm_part = pv_sanitize_name(vm->name, 24);
    g_autofree char *base = NULL;
    g_autofree char *name = NULL;
    PvDomain *domain;

    if (!pv_vm_provide_files(vm, vm->profile->disk, FALSE, error))
        return FALSE;
    vm->gate_weight = pv_resources_gate_weigh(vm->ctx.resources, boot->shape.cpus,
                                              FALSE);
    if (!pv_vm_sched_wait(vm, waiting_for, amount, waiting_for, pv_vm_try_host, vm, error))
        return FALSE;
    g_atomic_int_set(&vm->in_gate, TRUE);
    base = g_strdup_printf("%s%s-%s", vm->ctx.prefix, vm->ctx.stem,
                           vm_part);
    /*
     * A fixture's build boots under its slot's name (pv-vm-fixture.c), which
     * its lock makes ours: a domain still there is a killed run's, on its
     * way out (libvirt's autodestroy) or left behind.
     */
    name = vm->domain_name ? g_strdup(vm->domain_name) :
        pv_domain_registry_claim_name(vm->ctx.domains, base);
    /* One kept by --keep-failed is the user's (pv-vm-fixture.c). */
    if (vm->domain_name && pv_domain_registry_is_kept(vm->ctx.domains, name)) {
        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    _("domain '%s', which this fixture's build needs, was kept after a failed "
                      "test (--keep-failed); remove it with provium clean"), name);
        pv_resources_boot_started(resources, boot->shape.memory);
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    if (vm->domain_name && pv_domain_registry_destroy_stale(vm->ctx.domains, name))
        pv_run_note(vm->ctx.run, _("%s: destroyed domain '%s', left running on its fixture "
                                   "slot by a run that ended"), vm->ctx.path, name);
    boot->placement.warnings = pv_vm_perf_warnings(vm, boot);
    boot->started = g_get_monotonic_time();
    domain = pv_vm_start_with_fallbacks(vm, name, error);
    pv_resources_boot_started(resources, boot->shape.memory);
    if (!domain) {
        pv_vm_forget_files(vm, name);
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    g_clear_pointer(&vm->domain, pv_domain_unref);
    vm->domain = domain;
    if (boot->shape.perf) {
        g_autofree char *described = boot->placement.plan ?
            pv_perf_plan_describe(boot->placement.plan) : NULL;

        pv_event_perf_plan(vm->ctx.events, vm->ctx.path, vm->name,
                           described, boot->placement.cpuset, boot->placement.warnings,
                           boot->placement.plan ? boot->placement.plan->notes : NULL);
    }
    pv_event_vm_spawned(vm->ctx.events, vm->ctx.path, vm->name,
                        pv_domain_peek_name(domain), boot->shape.memory, boot->shape.cpus);
    if (boot->no_agent) {
        pv_vm_leave_gate(vm);
        boot->ready = TRUE;
    }
    return TRUE;
}

/* How long one guest-ping of a restored guest may take. */
#define PV_VM_PING_TIMEOUT_S 1

/* How long date(1) in the guest may take to set its clock. */
#define PV_VM_DATE_TIMEOUT_US (10 * G_USEC_PER_SEC)

/*
 * A restored guest's clock stands where it was saved: set it to the host's.
 * qemu-ga's guest-set-time first, which it refuses where the guest has no
 * /sbin/hwclock (busybox's sits in /bin), then date(1) through guest-exec.
 * When neither can, the guest runs on with the saved clock and the
 * vm_restored event says why (boot->clock_not_set): not a failure.
 */
static void
pv_vm_set_clock(PvVm *vm, PvDomain *domain)
{
    virDomain *dom = pv_domain_peek_virdomain(domain);
    g_autoptr(GError) agent_error = NULL;
    g_autoptr(GError) date_error = NULL;
    g_auto(PvAgentExecResult) result = { 0 };
    g_autofree char *at = NULL;
    const char *args[] = { "-u", "-s", NULL, NULL };
    PvAgentExec exec = { "date", args, NULL, NULL, 0 };
    PvAgentContext ctx;

    if (pv_agent_set_time(dom, &agent_error))
        return;
    at = g_strdup_printf("@%" G_GINT64_FORMAT, g_get_real_time() / G_USEC_PER_SEC);
    args[2] = at;
    exec.deadline = g_get_monotonic_time() + PV_VM_DATE_TIMEOUT_US;
    pv_vm_agent_context(vm, &ctx);
    if (pv_agent_exec(dom, &ctx, &exec, &result, &date_error) && !result.timed_out &&
        !result.signaled && result.exit_code == 0)
        return;
    if (!date_error)
        date_error = g_error_new(PV_ERROR, PV_ERROR_GUEST,
                                 result.timed_out ? "date -u -s %s: timed out" :
                                 "date -u -s %s: exit status %" G_GINT64_FORMAT, at,
                                 result.exit_code);
    g_free(vm->boot->clock_not_set);
    vm->boot->clock_not_set = g_strdup_printf("%s; %s", agent_error->message,
                                              date_error->message);
}

/*
 * Restores the VM's domain from @state_path under vm->domain_name, with this
 * run's console log and metadata (and with @disk, the disk state saved with
 * it, under a new overlay of its own), and waits until its guest agent answers
 * (a restored agent connection comes back without libvirt's event); then
 * sets the guest's clock from the host's.  The VM is charged (stage 1).
 */
gboolean
pv_vm_restore_one(PvVm *vm, const char *state_path, const char *disk, GError **error)
{
    PvVmBoot *boot = vm->boot;
    g_autofree char *amount = pv_amount_format(pv_amount(boot->shape.memory, boot->shape.cpus));
    g_autofree char *waiting_for = g_strdup_printf(_("vm '%s' (%s)"), vm->name, amount);
    g_autofree char *file_name = pv_text_make_valid(vm->ctx.abs_path, -1);
    g_autofree char *vm_name = pv_text_make_valid(vm->name, -1);
    g_autofree char *saved = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *xml_path = NULL;
    g_autofree char *title = NULL;
    g_auto(PvHostConsole) console = { 0 };
    PvVmRequestInputs inputs = { 0 };
    PvDomainRequest request;
    PvDomainCallbacks callbacks = { pv_vm_on_stopped, pv_vm_on_ready, vm };
    const char *name = vm->domain_name;
    PvDomain *domain;
    gint64 deadline;

    if (!pv_vm_provide_files(vm, disk, TRUE, error))
        return FALSE;
    /* A restore weighs what it costs, less than a boot (pv-pool.h). */
    vm->gate_weight = pv_resources_gate_weigh(vm->ctx.resources, boot->shape.cpus,
                                              TRUE);
    if (!pv_vm_sched_wait(vm, waiting_for, amount, waiting_for, pv_vm_try_host, vm, error))
        return FALSE;
    g_atomic_int_set(&vm->in_gate, TRUE);
    boot->started = g_get_monotonic_time();
    xml_path = pv_vm_context_record_path(&vm->ctx, name, ".xml");
    /* The saved disk state is the base of the VM's own overlay: never written. */
    g_clear_pointer(&vm->overlay, g_free);
    if (!pv_vm_make_files(vm, name, boot->disk, &console, error)) {
        pv_vm_forget_files(vm, name);
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    pv_vm_request_identity(vm, name, file_name, vm_name, &console, &inputs);
    pv_vm_request_fill(&request, vm->profile, &boot->shape, &inputs, &title);
    if (pv_domain_registry_destroy_stale(vm->ctx.domains, name))
        pv_run_note(vm->ctx.run, _("%s: destroyed domain '%s', left running on its fixture "
                                   "slot by a run that ended"), vm->ctx.path, name);
    saved = pv_domain_save_image_xml(vm->ctx.domains, state_path, error);
    if (saved)
        xml = pv_template_restore_xml(saved, &request, error);
    if (!xml || !pv_write_file_atomic(xml_path, xml, -1, error)) {
        pv_vm_forget_files(vm, name);
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    domain = pv_domain_restore(vm->ctx.domains, name, vm->name, boot->shape.memory,
                               state_path, xml, vm->ctx.wake, &callbacks, error);
    pv_resources_boot_started(vm->ctx.resources, boot->shape.memory);
    if (!domain) {
        g_prefix_error(error, _("vm '%s': "), vm->name);
        pv_vm_forget_files(vm, name);
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    pv_host_storage_follow_console(vm->ctx.storage, domain, &console);
    g_clear_pointer(&vm->domain, pv_domain_unref);
    vm->domain = domain;

    deadline = boot->started + boot->timeout_ns / 1000;
    for (;;) {
        g_autoptr(GError) ping_error = NULL;
        g_autoptr(GError) ignored = NULL;
        g_autofree char *reason = NULL;

        if (pv_agent_ping(pv_domain_peek_virdomain(domain), PV_VM_PING_TIMEOUT_S, &ping_error))
            break;
        if (!pv_file_check(vm->ctx.file, error))
            return FALSE;
        if (pv_domain_get_state(domain) == PV_DOMAIN_STATE_STOPPED) {
            reason = pv_domain_dup_stop_reason(domain);
            g_set_error(error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                        _("vm '%s' (domain '%s') stopped while being restored: %s"), vm->name,
                        name, reason ? reason : "?");
            return FALSE;
        }
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                        _("the guest agent of vm '%s' (domain '%s') did not answer after its "
                          "restore: %s"), vm->name, name, ping_error->message);
            return FALSE;
        }
        /* The file's wake ends this pause early on an interrupt or a stop. */
        pv_wake_wait(vm->ctx.wake,
                     g_get_monotonic_time() + G_USEC_PER_SEC / 10, NULL, NULL, &ignored);
    }
    pv_domain_set_ready(domain);
    pv_vm_leave_gate(vm);
    pv_vm_set_clock(vm, domain);
    boot->ready = TRUE;
    return TRUE;
}
