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

#include "pv-error.h"
#include "pv-file.h"
#include "pv-template.h"
#include "pv-units.h"
#include "pv-vm.h"

/* Below this, a size was surely meant in other units ("memory = 512"). */
#define PV_VM_MIN_MEMORY (16 * PV_MIB)

PvVm *
pv_vm_new(PvFile *file, const char *name, PvProfile *profile)
{
    PvVm *vm = g_new0(PvVm, 1);

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

/* Gives back what the VM took, to the pool or to the file's claim. */
static void
pv_vm_release_charge(PvVm *vm)
{
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

/* Starts the admitted VM's domain; the caller leaves the gate. */
static PvDomain *
pv_vm_start_domain(PvVm *vm, GError **error)
{
    PvFile *file = vm->file;
    PvRun *run = file->run;
    PvDomainRequest request = { 0 };
    g_autofree char *vm_part = pv_sanitize_name(vm->name, 24);
    g_autofree char *base = g_strdup_printf("%s%s-%s", run->prefix, file->stem, vm_part);
    g_autofree char *name = pv_domain_registry_claim_name(run->domains, base);
    g_autofree char *title = g_strdup_printf("provium: %s: %s", file->path, vm->name);
    g_autofree char *xml = NULL;
    g_autofree char *xml_path = pv_run_vm_path(run, name, ".xml");
    g_autofree char *overlay = NULL;
    g_autoptr(GBytes) template = NULL;
    PvDomain *domain;

    g_free(vm->console_log);
    vm->console_log = pv_run_vm_path(run, name, ".console.log");
    if (vm->profile->disk) {
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
    request.no_kvm = run->no_kvm;
    request.kernel = vm->profile->kernel;
    request.initrd = vm->profile->initrd;
    request.cmdline = vm->profile->cmdline;
    request.disk = overlay;
    request.console_log = vm->console_log;
    request.nosharepages = run->options->no_ksm;
    request.run_id = run->id;
    request.prefix = run->prefix;
    request.file = file->abs_path;
    request.vm = vm->name;
    request.host = run->host;
    request.pid = run->pid;
    template = pv_run_get_template(run, vm->profile->template_path, error);
    if (template) {
        gsize len;
        const char *text = g_bytes_get_data(template, &len);

        xml = pv_template_render(text, len, vm->profile->template_path, &request, error);
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
    PvDomain *domain;
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
    if (vm->memory < PV_VM_MIN_MEMORY) {
        g_autofree char *shown = pv_size_format(vm->memory);

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': memory %s is too small for a VM (sizes are in bytes unless "
                      "suffixed: write e.g. \"512M\")"), vm->name, shown);
        return FALSE;
    }
    if (!pv_file_check(file, error) || !pv_vm_charge(vm, error))
        return FALSE;
    if (!pv_vm_admit(vm, error)) {
        pv_vm_release_charge(vm);
        return FALSE;
    }

    started = g_get_monotonic_time();
    domain = pv_vm_start_domain(vm, error);
    pv_run_guard_leave(run, vm->memory);
    if (!domain) {
        pv_gate_leave(run->gate, vm->cpus);
        pv_vm_release_charge(vm);
        return FALSE;
    }
    g_clear_pointer(&vm->domain, pv_domain_unref);
    vm->domain = domain;
    vm->touched = TRUE;
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
        waited = pv_domain_wait_agent(domain, MIN(boot_deadline, pv_file_deadline(file)), error);
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

static void
pv_vm_emit_stopped(PvVm *vm, const char *reason)
{
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
 * A domain that stopped by itself (crash, poweroff) gives back its charge
 * and overlay the next time its file looks: at the end of each test.
 */
void
pv_vm_settle(PvVm *vm)
{
    if (vm->domain && pv_domain_get_state(vm->domain) == PV_DOMAIN_STATE_STOPPED) {
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
 * pv_console_sanitize:
 *
 * Console output made printable: escape sequences and control characters
 * (but newlines and tabs) removed, invalid UTF-8 replaced.
 * Returns: (transfer full)
 */
char *
pv_console_sanitize(const char *raw, gsize len)
{
    GString *out = g_string_sized_new(len);
    gsize i = 0;

    while (i < len) {
        guchar c = raw[i];

        if (c == 0x1b) {
            i++;
            if (i < len && raw[i] == '[') {
                /* CSI: parameters, then one final byte in 0x40..0x7e */
                i++;
                while (i < len && !((guchar)raw[i] >= 0x40 && (guchar)raw[i] <= 0x7e))
                    i++;
                i++;
            } else if (i < len) {
                i++;
            }
            continue;
        }
        if (c < 0x20 && c != '\n' && c != '\t') {
            i++;
            continue;
        }
        g_string_append_c(out, c);
        i++;
    }
    {
        g_autofree char *text = g_string_free(out, FALSE);

        return g_utf8_make_valid(text, -1);
    }
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
 *   the console
 */
char *
pv_vm_console_tail(PvVm *vm, guint lines)
{
    g_autofree char *text = pv_vm_console_text(vm);
    g_auto(GStrv) all = NULL;
    g_autoptr(GPtrArray) kept = g_ptr_array_new();
    gssize i;

    if (!text)
        return NULL;
    all = g_strsplit(text, "\n", -1);
    for (i = g_strv_length(all) - 1; i >= 0 && kept->len < lines; i--) {
        if (*g_strstrip(all[i]))
            g_ptr_array_insert(kept, 0, all[i]);
    }
    g_ptr_array_add(kept, NULL);
    return g_strjoinv("\n", (char **)kept->pdata);
}
