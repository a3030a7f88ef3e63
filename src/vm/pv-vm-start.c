/*
 * pv-vm-start.c: stage 2 of a boot, starting one VM's domain
 *
 * The host must take the boot first (pressure, memory, the boot gate: a
 * wait through pv_vm_sched_wait()), once QEMU's user can reach its files
 * (pv_vm_check_reach()).  Then the domain gets its name, its disk overlay
 * and its console log, the request is assembled
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

    *reason = pv_resources_try_boot(pv_run_peek_resources(vm->run), vm->boot->shape.memory,
                                    vm->gate_weight);
    *on_files = FALSE;
    return *reason == PV_BLOCK_NONE ? PV_SCHED_GRANTED : PV_SCHED_BLOCKED;
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

/* A qcow2 overlay of @base: what the domain writes goes there, never into @base. */
static gboolean
pv_vm_make_overlay(const char *base, const char *overlay, GError **error)
{
    const char *argv[] = {
        PV_QEMU_IMG, "create", "-q", "-f", "qcow2",
        "-F", pv_vm_image_format(base), "-b", base, overlay, NULL,
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
                    _("cannot make a disk overlay of %s: %s"), base, g_strstrip(err_text));
        return FALSE;
    }
    return TRUE;
}

/*
 * Whether QEMU, as the user libvirt runs it as, can reach what this domain
 * makes it open: the kernel, initrd and disk (@disk: the profile's, or a
 * fixture's saved state) and the run directory the overlay goes into.
 * libvirt relabels those files for that user but not the directories above
 * them, so a checkout in a 0700 home directory would end in QEMU's "could
 * not open kernel file ...: Permission denied": the boot fails here
 * instead, naming the directory and the fix.  A file itself unreadable is
 * left to libvirt's relabelling.
 */
static gboolean
pv_vm_check_reach(PvVm *vm, const char *disk, GError **error)
{
    PvQemuUser *user = pv_run_peek_qemu_user(vm->run);
    const struct {
        const char *key;
        const char *path;
    } files[] = {
        { "kernel", vm->profile->kernel },
        { "initrd", vm->profile->initrd },
        { "disk", disk },
    };
    g_autofree char *overlay = NULL;
    g_autofree char *run_dir = NULL;
    g_autofree char *blocker = NULL;
    g_autofree char *fix = NULL;
    gsize i;

    if (!user)
        return TRUE;
    for (i = 0; i < G_N_ELEMENTS(files); i++) {
        if (!files[i].path || pv_qemu_user_can_read(user, files[i].path, &blocker) ||
            g_str_equal(blocker, files[i].path)) {
            g_clear_pointer(&blocker, g_free);
            continue;
        }
        fix = pv_qemu_user_format_fix(user, blocker);
        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("vm '%s': QEMU runs as %s (uid %u), which may not enter %s on the way to "
                      "its %s %s: let it in with %s (as virt-manager does), or move the file"),
                    vm->name, pv_qemu_user_peek_name(user), (unsigned)pv_qemu_user_get_uid(user),
                    blocker, files[i].key, files[i].path, fix);
        return FALSE;
    }
    if (!disk)
        return TRUE;
    overlay = pv_run_vm_path(vm->run, "overlay", ".qcow2");
    run_dir = g_path_get_dirname(overlay);
    if (pv_qemu_user_can_enter(user, run_dir, &blocker))
        return TRUE;
    fix = pv_qemu_user_format_fix(user, blocker);
    g_set_error(error, PV_ERROR, PV_ERROR_IO,
                _("vm '%s': QEMU runs as %s (uid %u), which may not enter %s on the way to the "
                  "run directory %s, where its disk overlay goes: let it in with %s (as "
                  "virt-manager does), or give --results-dir elsewhere"),
                vm->name, pv_qemu_user_peek_name(user), (unsigned)pv_qemu_user_get_uid(user),
                blocker, run_dir, fix);
    return FALSE;
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
        pv_event_vm_stopped(pv_run_peek_events(vm->run), pv_file_peek_path(vm->file), vm->name,
                            pv_domain_peek_name(domain), reason);
    pv_file_interrupt_test(vm->file, PV_ERROR_DOMAIN_STOPPED, msg);
}

/* Its guest agent connected (main thread): the boot is over, the next may go. */
static void
pv_vm_on_ready(PvDomain *domain, gpointer user_data)
{
    pv_vm_leave_gate(user_data);
}

/*
 * What names a domain of @vm in its request (booted or restored): its name,
 * its file and run, its console log and overlay.  @file_name and @vm_name
 * are the valid-UTF-8 forms the caller keeps alive.
 */
static void
pv_vm_request_identity(PvVm *vm, const char *name, const char *file_name,
                       const char *vm_name, PvVmRequestInputs *inputs)
{
    PvRun *run = vm->run;

    inputs->domain = name;
    inputs->file = file_name;
    inputs->file_shown = pv_file_peek_path(vm->file);
    inputs->vm = vm_name;
    inputs->run_id = pv_run_peek_id(run);
    inputs->prefix = pv_run_peek_prefix(run);
    inputs->host = pv_run_peek_host(run);
    inputs->pid = pv_run_get_pid(run);
    inputs->console_log = vm->console_log;
    inputs->overlay = vm->overlay;
}

/* Renders the VM's domain and starts it; the VM is inside the gate. */
static PvDomain *
pv_vm_start_domain(PvVm *vm, const char *name, gboolean realtime, GError **error)
{
    PvRun *run = vm->run;
    PvVmBoot *boot = vm->boot;
    const char *reason = NULL;
    g_autofree char *file_name = pv_text_make_valid(pv_file_peek_abs_path(vm->file), -1);
    g_autofree char *vm_name = pv_text_make_valid(vm->name, -1);
    g_autofree char *xml = NULL;
    g_autofree char *title = NULL;
    g_autofree char *xml_path = pv_run_vm_path(run, name, ".xml");
    g_autoptr(GBytes) template = NULL;
    g_autofree PvDomainNic *nics = NULL;
    PvVmRequestInputs inputs = { 0 };
    PvDomainRequest request;
    PvDomainCallbacks callbacks = { pv_vm_on_stopped, pv_vm_on_ready, vm };
    PvDomain *domain;

    g_free(vm->console_log);
    vm->console_log = pv_run_vm_path(run, name, ".console.log");
    if (vm->profile->disk && !vm->overlay) {
        g_autofree char *overlay = pv_run_vm_path(run, name, ".qcow2");

        if (!pv_vm_make_overlay(vm->profile->disk, overlay, error))
            return NULL;
        vm->overlay = g_steal_pointer(&overlay);
    }
    pv_vm_request_identity(vm, name, file_name, vm_name, &inputs);
    inputs.virt_type = pv_vm_virt_request(pv_run_peek_options(run)->virt_type,
                                          vm->profile->virt_type,
                                          pv_run_get_virt_auto(run, &reason));
    inputs.nosharepages = pv_run_peek_options(run)->no_ksm;
    inputs.plan = boot->placement.plan;
    inputs.cpuset = boot->placement.cpuset;
    inputs.realtime = realtime;
    nics = pv_vm_domain_nics(vm);
    inputs.nics = nics;
    inputs.n_nics = vm->nics->len;
    pv_vm_request_fill(&request, vm->profile, &boot->shape, &inputs, &title);
    request.uuid = vm->domain_uuid;
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
    domain = pv_domain_start(pv_run_peek_domains(run), name, vm->name, boot->shape.memory, xml,
                             pv_file_peek_wake(vm->file), &callbacks, error);
    if (!domain) {
        g_prefix_error(error, _("vm '%s': "), vm->name);
        return NULL;
    }
    {
        g_autofree char *who = g_strdup_printf(_("vm '%s' (domain '%s')"), vm->name, name);

        pv_file_watch_console(vm->file, vm, who, vm->console_log,
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

    pv_virt_get_probe(pv_run_peek_virt(vm->run), TRUE, &probe);
    diagnosis = pv_virt_diagnose(pv_virt_libvirt_has_kvm(pv_run_peek_virt(vm->run)), &probe);
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
    PvRun *run = vm->run;
    PvVmBoot *boot = vm->boot;
    PvPerfPlan *plan = boot->placement.plan;
    gboolean realtime = plan && pv_run_get_host_fact(run, PV_HOST_FACT_REALTIME) != 0;
    PvDomain *domain = NULL;

    if (plan && plan->hugepages && pv_run_get_host_fact(run, PV_HOST_FACT_HUGETLBFS) == 0)
        pv_vm_drop_hugepages(boot);
    for (;;) {
        g_autoptr(GError) start_error = NULL;

        domain = pv_vm_start_domain(vm, name, realtime, &start_error);
        if (domain) {
            if (realtime)
                pv_run_set_host_fact(run, PV_HOST_FACT_REALTIME, 1);
            break;
        }
        if (realtime && g_error_matches(start_error, PV_ERROR, PV_ERROR_NO_REALTIME)) {
            pv_run_set_host_fact(run, PV_HOST_FACT_REALTIME, 0);
            realtime = FALSE;
        } else if (plan && plan->hugepages &&
                   g_error_matches(start_error, PV_ERROR, PV_ERROR_NO_HUGETLBFS)) {
            pv_run_set_host_fact(run, PV_HOST_FACT_HUGETLBFS, 0);
            pv_vm_drop_hugepages(boot);
        } else {
            if (vm->virt_type == PV_VIRT_KVM && pv_vm_explain_kvm(vm, &start_error))
                g_prefix_error(&start_error, _("vm '%s': cannot start domain '%s' under KVM: "),
                               vm->name, name);
            g_propagate_error(error, g_steal_pointer(&start_error));
            break;
        }
    }
    if (plan && pv_run_get_host_fact(run, PV_HOST_FACT_REALTIME) == 0)
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
    PvRun *run = vm->run;
    PvResources *resources = pv_run_peek_resources(run);
    PvVmBoot *boot = vm->boot;
    g_autofree char *amount = pv_amount_format(pv_amount(boot->shape.memory, boot->shape.cpus));
    g_autofree char *waiting_for = g_strdup_printf(_("vm '%s' (%s)"), vm->name, amount);
    g_autofree char *vm_part = pv_sanitize_name(vm->name, 24);
    g_autofree char *base = NULL;
    g_autofree char *name = NULL;
    PvDomain *domain;

    if (!pv_vm_check_reach(vm, vm->profile->disk, error))
        return FALSE;
    vm->gate_weight = pv_resources_gate_weigh(pv_run_peek_resources(run), boot->shape.cpus,
                                              FALSE);
    if (!pv_vm_sched_wait(vm, waiting_for, amount, waiting_for, pv_vm_try_host, vm, error))
        return FALSE;
    g_atomic_int_set(&vm->in_gate, TRUE);
    base = g_strdup_printf("%s%s-%s", pv_run_peek_prefix(run), pv_file_peek_stem(vm->file),
                           vm_part);
    /*
     * A fixture's build boots under its slot's name (pv-vm-fixture.c), which
     * its lock makes ours: a domain still there is a killed run's, on its
     * way out (libvirt's autodestroy) or left behind.
     */
    name = vm->domain_name ? g_strdup(vm->domain_name) :
        pv_domain_registry_claim_name(pv_run_peek_domains(run), base);
    /* One kept by --keep-failed is the user's (pv-vm-fixture.c). */
    if (vm->domain_name && pv_domain_registry_is_kept(pv_run_peek_domains(run), name)) {
        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    _("domain '%s', which this fixture's build needs, was kept after a failed "
                      "test (--keep-failed); remove it with provium clean"), name);
        pv_resources_boot_started(resources, boot->shape.memory);
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    if (vm->domain_name && pv_domain_registry_destroy_stale(pv_run_peek_domains(run), name))
        pv_run_note(run, _("%s: destroyed domain '%s', left running on its fixture slot by a "
                           "run that ended"), pv_file_peek_path(vm->file), name);
    boot->placement.warnings = pv_vm_perf_warnings(vm, boot);
    boot->started = g_get_monotonic_time();
    domain = pv_vm_start_with_fallbacks(vm, name, error);
    pv_resources_boot_started(resources, boot->shape.memory);
    if (!domain) {
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    g_clear_pointer(&vm->domain, pv_domain_unref);
    vm->domain = domain;
    if (boot->shape.perf) {
        g_autofree char *described = boot->placement.plan ?
            pv_perf_plan_describe(boot->placement.plan) : NULL;

        pv_event_perf_plan(pv_run_peek_events(run), pv_file_peek_path(vm->file), vm->name,
                           described, boot->placement.cpuset, boot->placement.warnings,
                           boot->placement.plan ? boot->placement.plan->notes : NULL);
    }
    pv_event_vm_spawned(pv_run_peek_events(run), pv_file_peek_path(vm->file), vm->name,
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
    PvRun *run = vm->run;
    PvVmBoot *boot = vm->boot;
    g_autofree char *amount = pv_amount_format(pv_amount(boot->shape.memory, boot->shape.cpus));
    g_autofree char *waiting_for = g_strdup_printf(_("vm '%s' (%s)"), vm->name, amount);
    g_autofree char *file_name = pv_text_make_valid(pv_file_peek_abs_path(vm->file), -1);
    g_autofree char *vm_name = pv_text_make_valid(vm->name, -1);
    g_autofree char *saved = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *xml_path = NULL;
    g_autofree char *title = NULL;
    PvVmRequestInputs inputs = { 0 };
    PvDomainRequest request;
    PvDomainCallbacks callbacks = { pv_vm_on_stopped, pv_vm_on_ready, vm };
    const char *name = vm->domain_name;
    PvDomain *domain;
    gint64 deadline;

    if (!pv_vm_check_reach(vm, disk, error))
        return FALSE;
    /* A restore weighs what it costs, less than a boot (pv-pool.h). */
    vm->gate_weight = pv_resources_gate_weigh(pv_run_peek_resources(run), boot->shape.cpus,
                                              TRUE);
    if (!pv_vm_sched_wait(vm, waiting_for, amount, waiting_for, pv_vm_try_host, vm, error))
        return FALSE;
    g_atomic_int_set(&vm->in_gate, TRUE);
    boot->started = g_get_monotonic_time();
    g_free(vm->console_log);
    vm->console_log = pv_run_vm_path(run, name, ".console.log");
    xml_path = pv_run_vm_path(run, name, ".xml");
    /* The saved disk state is the base of the VM's own overlay: never written. */
    if (disk) {
        g_autofree char *overlay = pv_run_vm_path(run, name, ".qcow2");

        if (!pv_vm_make_overlay(disk, overlay, error)) {
            pv_vm_leave_gate(vm);
            return FALSE;
        }
        g_free(vm->overlay);
        vm->overlay = g_steal_pointer(&overlay);
    }
    pv_vm_request_identity(vm, name, file_name, vm_name, &inputs);
    pv_vm_request_fill(&request, vm->profile, &boot->shape, &inputs, &title);
    if (pv_domain_registry_destroy_stale(pv_run_peek_domains(run), name))
        pv_run_note(run, _("%s: destroyed domain '%s', left running on its fixture slot by a "
                           "run that ended"), pv_file_peek_path(vm->file), name);
    saved = pv_domain_save_image_xml(pv_run_peek_domains(run), state_path, error);
    if (saved)
        xml = pv_template_restore_xml(saved, &request, error);
    if (!xml || !pv_write_file_atomic(xml_path, xml, -1, error)) {
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    domain = pv_domain_restore(pv_run_peek_domains(run), name, vm->name, boot->shape.memory,
                               state_path, xml, pv_file_peek_wake(vm->file), &callbacks, error);
    pv_resources_boot_started(pv_run_peek_resources(run), boot->shape.memory);
    if (!domain) {
        g_prefix_error(error, _("vm '%s': "), vm->name);
        pv_vm_leave_gate(vm);
        return FALSE;
    }
    g_clear_pointer(&vm->domain, pv_domain_unref);
    vm->domain = domain;

    deadline = boot->started + boot->timeout_ns / 1000;
    for (;;) {
        g_autoptr(GError) ping_error = NULL;
        g_autoptr(GError) ignored = NULL;
        g_autofree char *reason = NULL;

        if (pv_agent_ping(pv_domain_peek_virdomain(domain), PV_VM_PING_TIMEOUT_S, &ping_error))
            break;
        if (!pv_file_check(vm->file, error))
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
        pv_wake_wait(pv_file_peek_wake(vm->file),
                     g_get_monotonic_time() + G_USEC_PER_SEC / 10, NULL, NULL, &ignored);
    }
    pv_domain_set_ready(domain);
    pv_vm_leave_gate(vm);
    pv_vm_set_clock(vm, domain);
    boot->ready = TRUE;
    return TRUE;
}
