/*
 * pv-vm.c: a VM as a test file sees it: a profile, and a domain while booted
 *
 * Everything here runs on the owning file's worker thread, but for the
 * domain callbacks (the main thread).  The rendered domain XML is kept in
 * the run directory; the files its domain opens are its host's storage's
 * (pv-host-storage.c): the serial console log and, for disk profiles, the
 * qcow2 overlay (removed when the VM's domain ends).  The
 * boot itself is in pv-vm-boot.c, placement in pv-vm-place.c, the domain
 * request in pv-vm-request.c, what goes through the guest agent (commands,
 * files) in pv-vm-agent.c.
 *
 * A VM belongs to its file (pv_file_add_vm()): made inside a test, it ends
 * with the test; made at the top level, with the file.  After its scope
 * ended, the Lua object is still there, but every method says so.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define PV_VM_PRIVATE
#include "pv-console.h"
#include "pv-error.h"
#include "pv-locks.h"
#include "pv-vm-private.h"
#include "pv-text.h"

/* Console lines a failed test shows per VM. */
#define PV_VM_EXCERPT_LINES 10

static void pv_vm_end(gpointer data, PvVmEnd why, gboolean keep);
static gboolean pv_vm_running_cb(gpointer data);
static char *pv_vm_excerpt(gpointer data);
static void pv_vm_untouch(gpointer data);
static void pv_vm_free(gpointer data);

static const PvFileVmOps pv_vm_file_ops = {
    pv_vm_end,
    pv_vm_running_cb,
    (void (*)(gpointer))pv_vm_settle_stopped,
    pv_vm_excerpt,
    pv_vm_untouch,
    (void (*)(gpointer))pv_vm_touch,
    (const char *(*)(gpointer))pv_vm_peek_domain_name,
    pv_vm_free,
};

/**
 * pv_vm_new:
 * @profile: (transfer full)
 * @options: provium:vm()'s, over the profile
 *
 * Returns: (transfer none): the VM, owned by @file: the running test's, or
 *   the file's when made at the top level
 */
PvVm *
pv_vm_new(PvFile *file, const char *name, PvProfile *profile, const PvVmOptions *options)
{
    PvVm *vm = g_new0(PvVm, 1);

    vm->llc_groups = g_array_new(FALSE, FALSE, sizeof(guint));
    vm->nics = g_ptr_array_new();
    pv_vm_context_init(&vm->ctx, file);
    vm->name = g_strdup(name);
    vm->profile = profile;
    vm->options = *options;
    pv_file_add_vm(file, vm, &pv_vm_file_ops);
    return vm;
}

static void
pv_vm_free(gpointer data)
{
    PvVm *vm = data;

    g_clear_pointer(&vm->boot, pv_vm_boot_free);
    pv_vm_console_close(vm);
    g_clear_pointer(&vm->domain, pv_domain_unref);
    pv_vm_fixture_release(vm);
    pv_vm_fixture_free(vm->fixture);
    g_free(vm->fixture_key);
    g_array_unref(vm->llc_groups);
    g_ptr_array_unref(vm->nics);
    pv_profile_free(vm->profile);
    g_free(vm->name);
    g_free(vm->console_log);
    g_free(vm->overlay);
    g_free(vm->seed);
    if (vm->disk_files)
        g_ptr_array_unref(vm->disk_files);
    g_free(vm->nvram);
    g_free(vm);
}

const char *
pv_vm_peek_name(PvVm *vm)
{
    return vm->name;
}

/**
 * pv_vm_peek_domain_name:
 * Returns: (transfer none) (nullable): the libvirt name of the VM's domain,
 *   NULL before the first boot
 */
const char *
pv_vm_peek_domain_name(PvVm *vm)
{
    return vm->domain ? pv_domain_peek_name(vm->domain) : NULL;
}

/**
 * pv_vm_peek_console_log:
 * Returns: (transfer none) (nullable): the console log of the current or
 *   last domain, NULL before the first boot
 */
const char *
pv_vm_peek_console_log(PvVm *vm)
{
    return vm->console_log;
}

/**
 * pv_vm_check_scope:
 *
 * Whether the VM may still be used: a VM made inside a test ended with it.
 */
gboolean
pv_vm_check_scope(PvVm *vm, GError **error)
{
    if (pv_file_vm_in_scope(vm->ctx.file, vm))
        return TRUE;
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("vm '%s' was made inside a test that has ended, and ended with it: make it "
                  "at the file's top level to use it in several tests"), vm->name);
    return FALSE;
}

gboolean
pv_vm_is_running(PvVm *vm)
{
    return vm->domain && pv_domain_get_state(vm->domain) != PV_DOMAIN_STATE_STOPPED;
}

static gboolean
pv_vm_running_cb(gpointer data)
{
    return pv_vm_is_running(data);
}

void
pv_vm_touch(PvVm *vm)
{
    vm->touched = TRUE;
}

static void
pv_vm_untouch(gpointer data)
{
    ((PvVm *)data)->touched = FALSE;
}

/**
 * pv_vm_leave_gate:
 *
 * The VM's boot is over (its agent connected, it stopped, or it was
 * destroyed): it leaves the boot gate, once.  Any thread.
 */
void
pv_vm_leave_gate(PvVm *vm)
{
    if (g_atomic_int_compare_and_exchange(&vm->in_gate, TRUE, FALSE))
        pv_resources_boot_over(vm->ctx.resources, vm->gate_weight);
}

/**
 * pv_vm_release_charge:
 *
 * Gives back what the VM took: its share of the file's budget, and its LLC
 * groups to the file, which holds them until it ends.
 */
void
pv_vm_release_charge(PvVm *vm)
{
    pv_vm_leave_gate(vm);
    g_array_set_size(vm->llc_groups, 0);
    if (!vm->charged)
        return;
    pv_budget_give(pv_file_peek_budget(vm->ctx.file), vm->charge);
    vm->charged = FALSE;
}

/* vm_stopped, once per domain (see pv_domain_claim_stop_report()). */
void
pv_vm_emit_stopped(PvVm *vm, const char *reason)
{
    if (pv_domain_claim_stop_report(vm->domain))
        pv_event_vm_stopped(vm->ctx.events, vm->ctx.path, vm->name,
                            pv_domain_peek_name(vm->domain), reason);
}

static void
pv_vm_remove_overlay(PvVm *vm)
{
    if (vm->overlay) {
        pv_host_storage_remove(vm->ctx.storage, vm->overlay);
        g_clear_pointer(&vm->overlay, g_free);
    }
    pv_vm_remove_disks(vm);
}

/* The domain is gone: what it held goes back. */
static void
pv_vm_stopped(PvVm *vm, const char *reason)
{
    if (vm->domain)
        pv_host_storage_close_console(vm->ctx.storage, pv_domain_peek_name(vm->domain));
    pv_vm_emit_stopped(vm, reason);
    pv_vm_console_close(vm);
    pv_vm_remove_overlay(vm);
    pv_vm_remove_seed(vm);
    pv_vm_release_charge(vm);
    /* Settling may come again for the same domain: the slot goes back once. */
    if (vm->fixture_domain && vm->fixture_domain == vm->domain)
        pv_vm_fixture_release(vm);
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
    if (!pv_vm_check_scope(vm, error))
        return FALSE;
    if (!pv_vm_is_running(vm))
        return TRUE;
    deadline = g_get_monotonic_time() + (timeout_ns ? timeout_ns : PV_VM_SHUTDOWN_TIMEOUT_NS) / 1000;
    if (!pv_domain_shutdown(vm->domain, MIN(deadline, pv_file_deadline(vm->ctx.file)), error))
        return FALSE;
    pv_vm_stopped(vm, "shutdown");
    return TRUE;
}

/* How often vm:reboot() asks whether the guest came back. */
#define PV_VM_REBOOT_POLL_US (250 * 1000)

/* The guest's boot id, through its agent; NULL when it does not answer now. */
static char *
pv_vm_boot_id(PvVm *vm)
{
    static const char *const args[] = { "/proc/sys/kernel/random/boot_id", NULL };
    g_auto(PvAgentExecResult) result = { 0 };
    PvAgentExec exec = { "cat", args, NULL, NULL,
                         g_get_monotonic_time() + 5 * G_USEC_PER_SEC };
    g_autoptr(GError) error = NULL;
    char *id;

    if ((!vm->profile->console_channel &&
         pv_domain_get_state(vm->domain) != PV_DOMAIN_STATE_READY) ||
        !pv_vm_exec(vm, &exec, &result, &error) || result.timed_out || result.exit_code != 0)
        return NULL;
    id = pv_text_from_bytes(result.out);
    return g_strstrip(id);
}

/**
 * pv_vm_reboot:
 * @timeout_ns: how long the guest has to come back; 0: its boot timeout
 *
 * vm:reboot(): the guest reboots (through its agent, else ACPI) and this
 * returns once its agent answers from the new boot (its boot id changed)
 * and its NICs have their addresses again.  With channel = console,
 * through ACPI, and provium logs in on the console of the new boot.
 */
gboolean
pv_vm_reboot(PvVm *vm, gint64 timeout_ns, GError **error)
{
    g_autofree char *before = NULL;
    g_autofree char *timeout = NULL;
    gint64 deadline;

    if (vm->profile->console_channel) {
        vm->touched = TRUE;
        if (!pv_vm_check_scope(vm, error))
            return FALSE;
        if (!pv_vm_is_running(vm)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("vm '%s' is not running: boot it first"), vm->name);
            return FALSE;
        }
    } else if (!pv_vm_require_agent(vm, error)) {
        return FALSE;
    }
    if (!timeout_ns)
        timeout_ns = vm->profile->boot_timeout_ns ? vm->profile->boot_timeout_ns
                                                  : PV_VM_BOOT_TIMEOUT_NS;
    timeout = pv_duration_format(timeout_ns);
    deadline = g_get_monotonic_time() + timeout_ns / 1000;
    before = pv_vm_boot_id(vm);
    if (!pv_domain_reboot(vm->domain, error))
        return FALSE;
    for (;;) {
        g_autofree char *now = NULL;
        g_autoptr(GError) ignored = NULL;

        if (!pv_file_check(vm->ctx.file, error))
            return FALSE;
        if (pv_domain_get_state(vm->domain) == PV_DOMAIN_STATE_STOPPED) {
            g_autofree char *reason = pv_domain_dup_stop_reason(vm->domain);

            g_set_error(error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                        _("vm '%s' (domain '%s') stopped while rebooting: %s"), vm->name,
                        pv_domain_peek_name(vm->domain), reason ? reason : "?");
            return FALSE;
        }
        /*
         * channel = console: log in again (the old shell may still answer
         * a probe before it goes: the boot id tells).
         */
        if (vm->profile->console_channel) {
            g_autoptr(GError) login_error = NULL;

            pv_vm_console_forget_shell(vm);
            if (pv_vm_console_login(vm, deadline, &login_error))
                now = pv_vm_boot_id(vm);
        } else {
            now = pv_vm_boot_id(vm);
        }
        if (now && *now && g_strcmp0(now, before) != 0)
            break;
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                        _("vm '%s' (domain '%s') did not come back from its reboot within %s"),
                        vm->name, pv_domain_peek_name(vm->domain), timeout);
            return FALSE;
        }
        pv_wake_wait(vm->ctx.wake,
                     MIN(deadline, g_get_monotonic_time() + PV_VM_REBOOT_POLL_US), NULL, NULL,
                     &ignored);
    }
    /* Addresses set through the agent went with the old boot. */
    return pv_vm_configure_nics(vm, error);
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
    if (!pv_vm_check_scope(vm, error))
        return FALSE;
    if (!pv_vm_is_running(vm))
        return TRUE;
    if (!pv_domain_destroy(vm->domain, error))
        return FALSE;
    pv_vm_stopped(vm, "destroyed");
    return TRUE;
}

/**
 * pv_vm_release_nics:
 *
 * The VM's scope ended (or its NICs could not all be planned): its NICs
 * leave the file's networks (pv-vm-net.c plans them).
 */
void
pv_vm_release_nics(PvVm *vm)
{
    if (vm->nics->len == 0)
        return;
    g_ptr_array_set_size(vm->nics, 0);
    pv_file_release_nics(vm->ctx.file, vm->name);
}

/*
 * The VM's scope is over: its domain is destroyed, or kept (--keep-failed).
 * vm_stopped says which scope ended: "test_ended" or "file_ended".
 */
static void
pv_vm_end(gpointer data, PvVmEnd why, gboolean keep)
{
    PvVm *vm = data;

    if (!pv_vm_is_running(vm)) {
        pv_vm_settle_stopped(vm);
        pv_vm_release_nics(vm);
        return;
    }
    if (keep) {
        /* A kept domain keeps its charge (the pool knows it still runs) and its NICs. */
        pv_domain_keep(vm->domain);
        pv_vm_leave_gate(vm);
        pv_vm_emit_stopped(vm, "kept");
        return;
    }
    pv_domain_destroy(vm->domain, NULL);
    pv_vm_stopped(vm, pv_vm_end_to_string(why));
    pv_vm_release_nics(vm);
}

/**
 * pv_vm_settle_stopped:
 *
 * A domain that stopped by itself (crash, poweroff), or that the run
 * destroyed on a signal, gives back its charge and overlay the next time its
 * file looks: at the end of each test, when the file ends, and before a new
 * boot.  Its stop is reported here if no one has yet: "destroyed" when the
 * run did it.
 */
void
pv_vm_settle_stopped(PvVm *vm)
{
    if (vm->domain && pv_domain_get_state(vm->domain) == PV_DOMAIN_STATE_STOPPED) {
        g_autofree char *reason = NULL;

        if (!pv_domain_stop_was_expected(vm->domain))
            reason = pv_domain_dup_stop_reason(vm->domain);
        pv_vm_stopped(vm, reason ? reason : "destroyed");
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

/* A failed test shows the consoles of the VMs it used. */
static char *
pv_vm_excerpt(gpointer data)
{
    PvVm *vm = data;
    g_autofree char *tail = NULL;

    if (!vm->touched || !vm->domain)
        return NULL;
    tail = pv_vm_console_tail(vm, PV_VM_EXCERPT_LINES);
    if (!tail || !*tail)
        return NULL;
    return g_strdup_printf("--- console of vm '%s' (domain '%s') ---\n%s", vm->name,
                           pv_domain_peek_name(vm->domain), tail);
}

void
pv_vm_boot_free(PvVmBoot *boot)
{
    if (!boot)
        return;
    pv_vm_placement_clear(&boot->placement);
    g_clear_error(&boot->error);
    g_free(boot->kernel);
    g_free(boot->initrd);
    g_free(boot->disk);
    if (boot->disk_bases)
        g_ptr_array_unref(boot->disk_bases);
    g_free(boot->clock_not_set);
    g_free(boot);
}

/* What a worker of the file says while it waits: file_blocked / file_unblocked. */
typedef struct {
    PvFile *file;
    const char *waiting_for;
    gpointer try_data;
    PvSchedTryFunc try_take;
} PvVmWait;

static PvSchedTry
pv_vm_wait_try(gpointer user_data, PvBlockReason *reason, gboolean *on_files, GError **error)
{
    PvVmWait *wait = user_data;

    return wait->try_take(wait->try_data, reason, on_files, error);
}

static void
pv_vm_wait_blocked(gpointer user_data, PvBlockReason reason)
{
    PvVmWait *wait = user_data;

    if (reason == PV_BLOCK_NONE)
        pv_file_unblock(wait->file);
    else
        pv_file_block(wait->file, reason, wait->waiting_for);
}

static gboolean
pv_vm_wait_check(gpointer user_data, GError **error)
{
    return pv_file_check(((PvVmWait *)user_data)->file, error);
}

/*
 * Waits through the run's scheduler for what @try_take takes (stage 1's
 * charges, stage 2's host admission), saying why meanwhile.
 */
gboolean
pv_vm_sched_wait(PvVm *vm, const char *who, const char *need, const char *waiting_for,
                 PvSchedTryFunc try_take, gpointer data, GError **error)
{
    PvVmWait wait = { vm->ctx.file, waiting_for, data, try_take };
    PvSchedWait sched_wait = {
        vm->ctx.wake, G_MAXINT64, pv_vm_wait_try, pv_vm_wait_blocked,
        pv_vm_wait_check, &wait, who, need,
    };

    return pv_sched_wait(pv_resources_peek_sched(vm->ctx.resources), &sched_wait,
                         error);
}
