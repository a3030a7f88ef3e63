/*
 * pv-vm-boot.c: booting VMs, one or several together
 *
 * A boot is a pipeline, each stage waiting through pv_sched_wait() (woken
 * by releases, never polling):
 *
 *   1. acquire: the VMs' memory and vCPUs, all together or not at all, out
 *      of the file's claim or the pool (pool_full), and for performance
 *      mode their host CPUs in LLC groups (llc_busy);
 *   2. start, each in turn (pv-vm-start.c): the host must take the boot
 *      (PSI pressure, the host guard's memory, room in the boot gate), then
 *      the domain request is assembled (pv-vm-request.c), rendered and
 *      started;
 *   3. wait until every agent is connected.  A VM leaves the boot gate when
 *      its agent connects (a libvirt event, on the main thread), so the
 *      next VM of the call starts while the others still wait.
 *
 * provium.boot({a, b, c}) runs the three stages over its VMs; vm:start() the
 * first two for one VM, vm:wait() the last; vm:boot() all three for one.
 * When one VM of a call fails, the call fails with every failed VM's reason
 * and console, and every VM of the call is destroyed, so that the file's
 * next test finds the pool as it was; with --keep-failed the failed ones
 * stay (their test's end keeps them).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#define PV_VM_PRIVATE
#include "pv-error.h"
#include "pv-units.h"
#include "pv-vm-private.h"
#include "pv-text.h"

/* When a KVM guest's silent console makes provium ask whether KVM hangs here. */
#define PV_VM_KVM_SILENT_US (10 * G_USEC_PER_SEC)
/* Console lines a failed boot of several VMs shows per VM. */
#define PV_VM_BOOT_EXCERPT_LINES 10

/* What a boot may start from: inside a test, in scope, not running. */
gboolean
pv_vm_boot_prepare(PvVm *vm, const PvVmBootOptions *options, GError **error)
{
    PvVmOptions merged = vm->options;
    PvVmBoot *boot;

    vm->touched = TRUE;
    if (!pv_file_check(vm->ctx.file, error))
        return FALSE;
    if (!pv_file_peek_current_test(vm->ctx.file)) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("vm:boot() runs only inside a test: move it into a test() "
                              "function"));
        return FALSE;
    }
    if (!pv_vm_check_scope(vm, error))
        return FALSE;
    if (vm->boot) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' is already booting: call vm:wait() first"), vm->name);
        return FALSE;
    }
    /* A domain that stopped by itself gives back what it took first. */
    pv_vm_settle_stopped(vm);
    if (pv_vm_is_running(vm)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' is already running (domain '%s')"), vm->name,
                    pv_domain_peek_name(vm->domain));
        return FALSE;
    }
    pv_vm_options_apply(&merged, &options->vm);
    boot = g_new0(PvVmBoot, 1);
    if (!pv_vm_shape_make(vm->profile, &merged, vm->name, &boot->shape, error)) {
        pv_vm_boot_free(boot);
        return FALSE;
    }
    /* The boot's timeout, else the VM's or its profile's boot_timeout, else 5 minutes. */
    boot->timeout_ns = options->timeout_ns ? options->timeout_ns :
        vm->profile->boot_timeout_ns ? vm->profile->boot_timeout_ns : PV_VM_BOOT_TIMEOUT_NS;
    /* channel = console: no agent to wait for, but a shell on the console. */
    boot->no_agent = options->no_agent || vm->profile->console_channel;
    boot->console_login = vm->profile->console_channel && !options->no_agent;
    boot->ready_when = options->ready;
    if (options->no_agent && boot->ready_when != PV_VM_READY_AGENT) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': ready = \"%s\" asks the guest through its agent: it cannot go "
                      "with agent = false"), vm->name,
                    pv_vm_ready_to_string(boot->ready_when));
        pv_vm_boot_free(boot);
        return FALSE;
    }
    vm->boot = boot;
    return TRUE;
}

/* The boot is over, however it went: what only a boot holds goes back. */
void
pv_vm_boot_finish(PvVm *vm)
{
    pv_vm_leave_gate(vm);
    g_clear_pointer(&vm->boot, pv_vm_boot_free);
}

/* A VM that will not boot after all (an earlier one of its call failed). */
void
pv_vm_boot_abandon(PvVm *vm)
{
    pv_vm_release_charge(vm);
    pv_vm_boot_finish(vm);
}

typedef struct {
    PvVm *const *vms;
    guint n;
    PvAmount total;
    PvTopology *host;       /* with free hugepages of now; NULL when no VM is in perf mode */
    PvFile *file;
    const char *who;        /* "vm 'a'", "vms 'a', 'b'" */
} PvVmAcquire;

/* Stage 1's try: the VMs' charges all at once, and their LLC groups. */
static PvSchedTry
pv_vm_try_acquire(gpointer user_data, PvBlockReason *reason, gboolean *on_files,
                  GError **error)
{
    PvVmAcquire *acquire = user_data;
    PvBudget *budget = pv_file_peek_budget(acquire->file);
    guint i;

    for (i = 0; i < acquire->n; i++) {
        PvVm *vm = acquire->vms[i];
        PvSchedTry tried;

        if (!vm->boot->shape.perf || vm->llc_groups->len > 0)
            continue;
        tried = pv_vm_try_place(vm, vm->boot, acquire->host, reason, on_files, error);
        if (tried != PV_SCHED_GRANTED)
            return tried;
    }
    if (!pv_budget_is_claim(budget) &&
        !pv_amount_fits(acquire->total, pv_budget_get_total(budget))) {
        g_autofree char *need = pv_amount_format(acquire->total);
        g_autofree char *total = pv_amount_format(pv_budget_get_total(budget));

        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    g_dngettext(GETTEXT_PACKAGE,
                                "%s needs %s, more than the whole pool (%s); use a smaller VM "
                                "or a bigger pool (--mem, --cpus)",
                                "%s need %s, more than the whole pool (%s); boot fewer or "
                                "smaller VMs at once, or use a bigger pool (--mem, --cpus)",
                                acquire->n), acquire->who, need, total);
        return PV_SCHED_FAILED;
    }
    if (!pv_budget_try_take(budget, acquire->total)) {
        if (pv_budget_is_claim(budget)) {
            g_autofree char *need = pv_amount_format(acquire->total);
            g_autofree char *left = pv_amount_format(pv_budget_get_left(budget));
            g_autofree char *total = pv_amount_format(pv_budget_get_total(budget));

            /* The claim's other VMs live until their scope ends: no waiting for them. */
            g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                        g_dngettext(GETTEXT_PACKAGE,
                                    "%s needs %s, but the file's claim has %s left (of %s): "
                                    "raise provium:claim()",
                                    "%s need %s, but the file's claim has %s left (of %s): "
                                    "raise provium:claim()", acquire->n),
                        acquire->who, need, left, total);
            return PV_SCHED_FAILED;
        }
        *reason = PV_BLOCK_POOL_FULL;
        *on_files = TRUE;
        return PV_SCHED_BLOCKED;
    }
    for (i = 0; i < acquire->n; i++) {
        PvVm *vm = acquire->vms[i];

        vm->charge = pv_amount(vm->boot->shape.memory, vm->boot->shape.cpus);
        vm->charged = TRUE;
    }
    return PV_SCHED_GRANTED;
}

/* Stage 1 for the VMs of one call. */
gboolean
pv_vm_acquire(PvVm *const *vms, guint n, GError **error)
{
    PvVmAcquire acquire = { vms, n, { 0, 0 }, NULL, vms[0]->ctx.file, NULL };
    PvPool *pool = pv_resources_peek_pool(vms[0]->ctx.resources);
    g_autoptr(GArray) free_pages = NULL;
    g_autoptr(GString) waiting_for = g_string_new(NULL);
    g_autofree char *amount = NULL;
    g_autofree char *who = NULL;
    PvTopology now;
    gboolean ok;
    guint i;

    for (i = 0; i < n; i++) {
        PvAmount one = pv_amount(vms[i]->boot->shape.memory, vms[i]->boot->shape.cpus);

        acquire.total = pv_amount_add(acquire.total, one);
        pv_pool_note_vm(pool, one);
        g_string_append_printf(waiting_for, "%s'%s'", i ? ", " : "", vms[i]->name);
        if (vms[i]->boot->shape.perf && !acquire.host) {
            const PvTopology *host = pv_host_get_topology(vms[i]->ctx.host, error);

            if (!host)
                return FALSE;
            /* The host's topology with its free hugepages of now. */
            free_pages = pv_host_get_free_hugepages(vms[i]->ctx.host, host->nodes);
            now = *host;
            now.free_hugepages = free_pages;
            acquire.host = &now;
        }
    }
    amount = pv_amount_format(acquire.total);
    g_string_prepend(waiting_for, n == 1 ? _("vm ") : _("vms "));
    who = g_strdup(waiting_for->str);
    acquire.who = who;
    g_string_append_printf(waiting_for, " (%s)", amount);
    ok = pv_vm_sched_wait(vms[0], who, amount, waiting_for->str, pv_vm_try_acquire, &acquire,
                          error);
    if (!ok) {
        /* LLC groups stay the file's; nothing else was taken. */
        for (i = 0; i < n; i++)
            g_array_set_size(vms[i]->llc_groups, 0);
    }
    return ok;
}

/* Whether the VM's console has shown no text yet. */
static gboolean
pv_vm_console_silent(PvVm *vm)
{
    g_autofree char *tail = pv_vm_console_tail(vm, 1);

    return !tail || !*g_strstrip(tail);
}

/*
 * Where a started VM's boot stands: TRUE once it settled (ready, or failed
 * with boot->error set).  A KVM guest whose console is still empty after a
 * few seconds may be one that nested KVM hangs: when the probe says KVM
 * guests stall here, it fails now with the cause and the switch.
 */
static gboolean
pv_vm_boot_settled(PvVm *vm, gint64 now)
{
    PvVmBoot *boot = vm->boot;
    g_autofree char *reason = NULL;
    g_autofree char *timeout = NULL;

    if (boot->ready || boot->error)
        return TRUE;
    switch (pv_domain_get_state(vm->domain)) {
    case PV_DOMAIN_STATE_READY:
        boot->ready = TRUE;
        pv_event_vm_ready(vm->ctx.events, vm->ctx.path, vm->name,
                          pv_domain_peek_name(vm->domain), (now - boot->started) * 1000);
        return TRUE;
    case PV_DOMAIN_STATE_STOPPED:
        reason = pv_domain_dup_stop_reason(vm->domain);
        g_set_error(&boot->error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                    _("vm '%s' (domain '%s') stopped while booting: %s"), vm->name,
                    pv_domain_peek_name(vm->domain), reason ? reason : "?");
        return TRUE;
    default:
        break;
    }
    if (vm->virt_type == PV_VIRT_KVM && pv_host_is_local(vm->ctx.host) &&
        now >= boot->started + PV_VM_KVM_SILENT_US && pv_vm_console_silent(vm) &&
        pv_vm_explain_kvm(vm, &boot->error)) {
        g_prefix_error(&boot->error, _("vm '%s' (domain '%s') printed nothing on its console "
                                       "under KVM: "), vm->name, pv_domain_peek_name(vm->domain));
        return TRUE;
    }
    if (now >= boot->started + boot->timeout_ns / 1000) {
        timeout = pv_duration_format(boot->timeout_ns);
        g_set_error(&boot->error, PV_ERROR, PV_ERROR_TIMEOUT,
                    _("the guest agent of vm '%s' (domain '%s') did not connect within %s"),
                    vm->name, pv_domain_peek_name(vm->domain), timeout);
        return TRUE;
    }
    return FALSE;
}

typedef struct {
    PvVm *const *vms;
    guint n;
    PvDomainState *seen;    /* each domain's state when last looked at */
} PvVmWatch;

/* With the wake's lock held: whether a domain changed state since. */
static gboolean
pv_vm_any_changed(gpointer user_data)
{
    PvVmWatch *watch = user_data;
    guint i;

    for (i = 0; i < watch->n; i++) {
        if (pv_domain_peek_state_locked(watch->vms[i]->domain) != watch->seen[i])
            return TRUE;
    }
    return FALSE;
}

/*
 * Stage 3: waits until every started VM settled.  Returns FALSE with @error
 * set only when the wait itself is interrupted (a signal, the file's or the
 * test's time); each VM's own failure is in its boot->error.
 */
static gboolean
pv_vm_wait_all(PvVm *const *vms, guint n, GError **error)
{
    PvFile *file = vms[0]->ctx.file;
    g_autofree PvDomainState *seen = g_new0(PvDomainState, MAX(n, 1));
    PvVmWatch watch = { vms, n, seen };

    for (;;) {
        gint64 now = g_get_monotonic_time();
        gint64 next = G_MAXINT64;
        gboolean all = TRUE;
        guint i;

        for (i = 0; i < n; i++) {
            PvVmBoot *boot = vms[i]->boot;

            seen[i] = pv_domain_get_state(vms[i]->domain);
            if (pv_vm_boot_settled(vms[i], now))
                continue;
            all = FALSE;
            next = MIN(next, boot->started + boot->timeout_ns / 1000);
            if (vms[i]->virt_type == PV_VIRT_KVM && now < boot->started + PV_VM_KVM_SILENT_US)
                next = MIN(next, boot->started + PV_VM_KVM_SILENT_US);
        }
        if (all)
            return TRUE;
        if (!pv_file_check(file, error))
            return FALSE;
        /* Domain events and interrupts come through the file's wake. */
        if (pv_wake_wait(vms[0]->ctx.wake, MIN(next, pv_file_deadline(file)),
                         pv_vm_any_changed, &watch, error) == PV_WAIT_INTERRUPTED)
            return FALSE;
    }
}

/* The call's error: one VM's as it is, several VMs' each with its console. */
static void
pv_vm_boot_report(PvVm *const *vms, guint n, GError **error)
{
    g_autoptr(GString) text = g_string_new(NULL);
    PvErrorCode code = PV_ERROR_GUEST;
    guint failed = 0;
    guint i;

    for (i = 0; i < n; i++)
        failed += vms[i]->boot && vms[i]->boot->error;
    for (i = 0; i < n; i++) {
        PvVmBoot *boot = vms[i]->boot;
        g_autofree char *tail = NULL;

        if (!boot || !boot->error)
            continue;
        if (n == 1) {
            /* A copy: pv_vm_boot_unwind() still tells failed VMs by it. */
            g_propagate_error(error, g_error_copy(boot->error));
            return;
        }
        code = boot->error->code;
        g_string_append_printf(text, "\n  %s", boot->error->message);
        tail = pv_vm_console_tail(vms[i], PV_VM_BOOT_EXCERPT_LINES);
        if (tail && *tail)
            g_string_append_printf(text, "\n--- console of vm '%s' ---\n%s", vms[i]->name, tail);
    }
    g_set_error(error, PV_ERROR, code, g_dngettext(GETTEXT_PACKAGE, "%u of %u VMs did not boot:%s",
                                                   "%u of %u VMs did not boot:%s", failed),
                failed, n, text->str);
}

/*
 * A boot call failed: every VM of it whose domain runs is destroyed (its
 * console is in the call's error already), but with --keep-failed the failed
 * ones; the others give their charge back.
 */
static void
pv_vm_boot_unwind(PvVm *const *vms, guint n)
{
    gboolean keep = vms[0]->ctx.keep_failed;
    guint i;

    for (i = 0; i < n; i++) {
        PvVm *vm = vms[i];

        if (!vm->boot)
            continue;
        if (vm->boot->error && keep && pv_vm_is_running(vm)) {
            /* With its charge, until its test ends and keeps it. */
            pv_vm_boot_finish(vm);
        } else if (vm->domain && (vm->boot->started || vm->boot->error) &&
                   pv_vm_is_running(vm)) {
            pv_vm_boot_finish(vm);
            pv_vm_destroy(vm, NULL);
        } else {
            pv_vm_boot_abandon(vm);
        }
    }
}

/**
 * pv_vm_boot_all:
 * @vms: (array length=n): VMs of one file, none running
 *
 * Boots the VMs together: their charges all at once, each domain started as
 * the boot gate lets it, and returns when every agent is connected.  On
 * failure @error names each VM that failed, with its console; the others
 * are destroyed.
 */
gboolean
pv_vm_boot_all(PvVm *const *vms, guint n, const PvVmBootOptions *options, GError **error)
{
    g_autoptr(GError) interrupted = NULL;
    PvFile *file = vms[0]->ctx.file;
    gboolean failed = FALSE;
    guint prepared;
    guint started;
    guint i;

    for (i = 0; i < n; i++) {
        guint j;

        for (j = 0; j < i; j++) {
            if (vms[j] == vms[i]) {
                g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                            _("vm '%s' is asked to boot twice in one call"), vms[i]->name);
                return FALSE;
            }
        }
        if (vms[i]->ctx.file != file) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("vm '%s' belongs to another file"), vms[i]->name);
            return FALSE;
        }
    }
    for (prepared = 0; prepared < n; prepared++) {
        if (!pv_vm_boot_prepare(vms[prepared], options, error)) {
            for (i = 0; i < prepared; i++)
                pv_vm_boot_finish(vms[i]);
            return FALSE;
        }
    }
    if (!pv_vm_acquire(vms, n, error)) {
        for (i = 0; i < n; i++)
            pv_vm_boot_finish(vms[i]);
        return FALSE;
    }

    /* One after the other, as the host takes them; a failure ends the starting. */
    for (started = 0; started < n && !failed; started++) {
        g_autoptr(GError) start_error = NULL;

        if (pv_vm_start_one(vms[started], &start_error))
            continue;
        if (!pv_file_check(file, &interrupted))
            break;
        vms[started]->boot->error = g_steal_pointer(&start_error);
        failed = TRUE;
    }
    if (!interrupted && !failed && pv_vm_wait_all(vms, n, &interrupted)) {
        for (i = 0; i < n; i++)
            failed = failed || vms[i]->boot->error;
    }
    /* Every agent is up: the NICs get their addresses before the boot returns. */
    for (i = 0; !interrupted && !failed && i < n; i++) {
        g_autoptr(GError) net_error = NULL;

        if (pv_vm_configure_nics(vms[i], &net_error) &&
            pv_vm_wait_guest_ready(vms[i], &net_error))
            continue;
        if (!pv_file_check(file, &interrupted))
            break;
        vms[i]->boot->error = g_steal_pointer(&net_error);
        failed = TRUE;
    }
    if (interrupted) {
        /* A signal, or the test's or file's time: that is the error. */
        pv_vm_boot_unwind(vms, n);
        g_propagate_error(error, g_steal_pointer(&interrupted));
        return FALSE;
    }
    if (failed) {
        pv_vm_boot_report(vms, n, error);
        pv_vm_boot_unwind(vms, n);
        return FALSE;
    }
    for (i = 0; i < n; i++)
        pv_vm_boot_finish(vms[i]);
    return TRUE;
}

/**
 * pv_vm_boot:
 *
 * Charges the VM, waits until the host can take its boot, renders and starts
 * the domain and waits for its guest agent (unless @options says not to).
 * A domain that started is destroyed on failure, its console in @error;
 * --keep-failed keeps it.
 */
gboolean
pv_vm_boot(PvVm *vm, const PvVmBootOptions *options, GError **error)
{
    return pv_vm_boot_all(&vm, 1, options, error);
}

/**
 * pv_vm_start:
 *
 * The first half of vm:boot(): returns once the domain started; its agent
 * connects meanwhile, and pv_vm_wait() waits for it.
 */
gboolean
pv_vm_start(PvVm *vm, const PvVmBootOptions *options, GError **error)
{
    if (!pv_vm_boot_prepare(vm, options, error))
        return FALSE;
    if (!pv_vm_acquire(&vm, 1, error)) {
        pv_vm_boot_finish(vm);
        return FALSE;
    }
    if (!pv_vm_start_one(vm, error)) {
        pv_vm_boot_abandon(vm);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_wait:
 *
 * The second half of vm:boot(): waits until the guest agent of a VM
 * pv_vm_start() started is connected.
 */
gboolean
pv_vm_wait(PvVm *vm, GError **error)
{
    if (!pv_vm_check_scope(vm, error))
        return FALSE;
    if (!vm->boot) {
        if (vm->domain && pv_domain_get_state(vm->domain) == PV_DOMAIN_STATE_READY)
            return TRUE;
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' is not booting: call vm:start() first"), vm->name);
        return FALSE;
    }
    if (!pv_vm_wait_all(&vm, 1, error)) {
        pv_vm_boot_finish(vm);
        return FALSE;
    }
    if (vm->boot->error) {
        g_propagate_error(error, g_steal_pointer(&vm->boot->error));
        pv_vm_boot_finish(vm);
        return FALSE;
    }
    if (!pv_vm_configure_nics(vm, error) || !pv_vm_wait_guest_ready(vm, error)) {
        pv_vm_boot_finish(vm);
        return FALSE;
    }
    pv_vm_boot_finish(vm);
    return TRUE;
}

/* vm:boot{ready = ...}'s words. */
PV_ENUM_IMPL(pv_vm_ready, PvVmReady, PV_VM_READY_LAST,
             "agent", "systemd", "cloud-init");

/* Runs @args in the guest with what is left of the boot's time; its stdout, stripped. */
static char *
pv_vm_ready_ask(PvVm *vm, const char *const *argv, gint64 deadline, gint64 *exit_code,
                gboolean *timed_out, GError **error)
{
    g_auto(PvAgentExecResult) result = { 0 };
    PvAgentExec exec = { argv[0], argv + 1, NULL, NULL, deadline };
    char *out;

    if (!pv_vm_exec(vm, &exec, &result, error))
        return NULL;
    *timed_out = result.timed_out;
    *exit_code = result.signaled ? 128 + result.signal : result.exit_code;
    out = pv_text_from_bytes(result.out);
    return g_strstrip(out);
}

/* "a.service loaded failed failed A\nb.mount ..." -> "a.service, b.mount" */
static char *
pv_vm_ready_first_words(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    g_autoptr(GString) words = g_string_new(NULL);
    guint i;

    for (i = 0; lines[i]; i++) {
        g_strstrip(lines[i]);
        if (!*lines[i])
            continue;
        g_string_append_printf(words, "%s%.*s", words->len ? ", " : "",
                               (int)strcspn(lines[i], " \t"), lines[i]);
    }
    return g_string_free(g_steal_pointer(&words), FALSE);
}

/**
 * pv_vm_wait_guest_ready:
 *
 * channel = console: first waits until a shell answers on the console
 * (logged in if it asks).
 * vm:boot{ready = "systemd"}: after the agent, waits (within the boot's
 * timeout) until systemd says the system is running, and fails naming the
 * failed units when it says degraded or anything else; ready =
 * "cloud-init": until cloud-init has finished, failing with its errors.
 */
gboolean
pv_vm_wait_guest_ready(PvVm *vm, GError **error)
{
    static const char *const systemd[] = { "systemctl", "is-system-running", "--wait", NULL };
    static const char *const failed[] = {
        "systemctl", "list-units", "--failed", "--no-legend", "--plain", NULL,
    };
    static const char *const cloud_init[] = { "cloud-init", "status", "--wait", NULL };
    static const char *const cloud_init_long[] = { "cloud-init", "status", "--long", NULL };
    PvVmBoot *boot = vm->boot;
    gint64 deadline = boot->started + boot->timeout_ns / 1000;
    g_autofree char *out = NULL;
    g_autofree char *detail = NULL;
    g_autofree char *timeout = NULL;
    g_autofree char *units = NULL;
    gint64 code = 0;
    gboolean timed_out = FALSE;

    timeout = pv_duration_format(boot->timeout_ns);
    if (boot->console_login && !pv_vm_console_login(vm, deadline, error)) {
        g_prefix_error(error, _("vm '%s' did not get ready within %s: "), vm->name, timeout);
        return FALSE;
    }
    if (boot->ready_when == PV_VM_READY_AGENT || (boot->no_agent && !boot->console_login))
        return TRUE;
    if (boot->ready_when == PV_VM_READY_SYSTEMD) {
        out = pv_vm_ready_ask(vm, systemd, deadline, &code, &timed_out, error);
        if (!out)
            return FALSE;
        if (!timed_out && g_str_equal(out, "running"))
            return TRUE;
        if (timed_out) {
            g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                        _("vm '%s': systemd was still starting after %s (ready = \"systemd\")"),
                        vm->name, timeout);
            return FALSE;
        }
        detail = pv_vm_ready_ask(vm, failed, g_get_monotonic_time() + 10 * G_USEC_PER_SEC,
                                 &code, &timed_out, NULL);
        units = pv_vm_ready_first_words(detail);
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("vm '%s': systemd says the system is %s, not running (ready = "
                      "\"systemd\"); failed units: %s"), vm->name, *out ? out : "?",
                    *units ? units : _("none listed"));
        return FALSE;
    }
    out = pv_vm_ready_ask(vm, cloud_init, deadline, &code, &timed_out, error);
    if (!out)
        return FALSE;
    if (!timed_out && code == 0)
        return TRUE;
    if (timed_out) {
        g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                    _("vm '%s': cloud-init had not finished after %s (ready = \"cloud-init\")"),
                    vm->name, timeout);
        return FALSE;
    }
    detail = pv_vm_ready_ask(vm, cloud_init_long, g_get_monotonic_time() + 10 * G_USEC_PER_SEC,
                             &code, &timed_out, NULL);
    g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                _("vm '%s': cloud-init did not finish cleanly (ready = \"cloud-init\"): %s"),
                vm->name, detail && *detail ? detail : out);
    return FALSE;
}
