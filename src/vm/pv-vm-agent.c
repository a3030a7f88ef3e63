/*
 * pv-vm-agent.c: what a VM does through its guest agent: run commands
 * (provium's own short ones, and vm:run()'s of any size), read and write
 * files; a VM whose profile says channel = console does them through its
 * console instead (pv-vm-console.c).  Each call first checks the VM is in scope and its agent
 * connected, and a failed call that the domain's stop explains says so.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#define PV_VM_PRIVATE
#include "pv-error.h"
#include "pv-vm-private.h"

/* The VM is in scope and its domain runs; else why not. */
gboolean
pv_vm_require_running(PvVm *vm, GError **error)
{
    g_autofree char *reason = NULL;

    vm->touched = TRUE;
    if (!pv_vm_check_scope(vm, error))
        return FALSE;
    if (!vm->domain) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' is not booted: call vm:boot() first"), vm->name);
        return FALSE;
    }
    if (pv_domain_get_state(vm->domain) == PV_DOMAIN_STATE_STOPPED) {
        reason = pv_domain_dup_stop_reason(vm->domain);
        g_set_error(error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                    _("vm '%s' (domain '%s') is not running: %s"),
                    vm->name, pv_domain_peek_name(vm->domain), reason ? reason : "?");
        return FALSE;
    }
    return pv_file_check(vm->ctx.file, error);
}

/* The VM runs (pv_vm_require_running()) and its agent is connected; else why not. */
gboolean
pv_vm_require_agent(PvVm *vm, GError **error)
{
    if (!pv_vm_require_running(vm, error))
        return FALSE;
    if (pv_domain_get_state(vm->domain) != PV_DOMAIN_STATE_READY) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("the guest agent of vm '%s' (domain '%s') is not connected"),
                    vm->name, pv_domain_peek_name(vm->domain));
        return FALSE;
    }
    return TRUE;
}

/*
 * An agent call failed: if that is because the domain is stopping, say so
 * instead.  libvirt's lifecycle event may trail the agent's error: by more
 * than half a second on a loaded host (QEMU killed under guest-exec-status
 * read as "Connection reset by peer"), so up to 3 s.  Only a failed agent
 * call waits, and a running domain's agent failing is rare.
 */
static void
pv_vm_explain_agent_error(PvVm *vm, GError **error)
{
    g_autofree char *reason = NULL;
    g_autoptr(GError) ignored = NULL;

    if (!error || !*error || (*error)->domain != PV_ERROR || (*error)->code != PV_ERROR_GUEST)
        return;
    pv_domain_wait_stopped(vm->domain, g_get_monotonic_time() + 3 * G_USEC_PER_SEC, &ignored);
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

/* What agent calls for the VM check while they wait: its file's wake and time. */
void
pv_vm_agent_context(PvVm *vm, PvAgentContext *ctx)
{
    ctx->wake = vm->ctx.wake;
    ctx->check = pv_vm_check_cb;
    ctx->check_data = vm->ctx.file;
}

/**
 * pv_vm_exec:
 *
 * Runs a program in the guest through its agent, for provium's own short
 * commands: its output comes back in the agent's reply, so it must stay
 * small (vm:run() is pv_vm_run()).
 */
gboolean
pv_vm_exec(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result, GError **error)
{
    PvAgentContext ctx;

    if (vm->profile->console_channel)
        return pv_vm_console_exec(vm, exec, result, error);
    if (!pv_vm_require_agent(vm, error))
        return FALSE;
    pv_vm_agent_context(vm, &ctx);
    if (!pv_agent_exec(pv_domain_peek_virdomain(vm->domain), &ctx, exec, result, error)) {
        pv_vm_explain_agent_error(vm, error);
        return FALSE;
    }
    return TRUE;
}

/* PV_VM_FILE_MODE: what a file vm:write_file() creates without a mode gets. */
#define PV_VM_FILE_MODE "0644"

/* Whether @path exists in the guest (test -e), through its agent. */
static gboolean
pv_vm_file_exists(PvVm *vm, const char *path, gboolean *exists, GError **error)
{
    g_auto(PvAgentExecResult) result = { 0 };
    const char *args[] = { "-e", path, NULL };
    PvAgentExec exec = { "test", args, NULL, NULL, G_MAXINT64 };

    if (!pv_vm_exec(vm, &exec, &result, error))
        return FALSE;
    if (result.signaled || result.exit_code > 1) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST, _("test -e %s failed in vm '%s': %.*s"),
                    path, vm->name, (int)g_bytes_get_size(result.err),
                    (const char *)g_bytes_get_data(result.err, NULL));
        return FALSE;
    }
    *exists = result.exit_code == 0;
    return TRUE;
}

/**
 * pv_vm_run:
 *
 * vm:run(): runs a program in the guest through its agent, with its output
 * of any size up to PV_AGENT_OUTPUT_MAX (pv_agent_run()).
 */
gboolean
pv_vm_run(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result, GError **error)
{
    PvAgentContext ctx;

    if (vm->profile->console_channel)
        return pv_vm_console_exec(vm, exec, result, error);
    if (!pv_vm_require_agent(vm, error))
        return FALSE;
    pv_vm_agent_context(vm, &ctx);
    if (!pv_agent_run(pv_domain_peek_virdomain(vm->domain), &ctx, exec, result, error)) {
        pv_vm_explain_agent_error(vm, error);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_write_file:
 * @mode: (nullable): octal permissions, e.g. "0644"; NULL: a new file gets
 *   PV_VM_FILE_MODE (the agent would leave it 0666), an existing one keeps
 *   its own
 */
gboolean
pv_vm_write_file(PvVm *vm, const char *path, GBytes *data, const char *mode, GError **error)
{
    PvAgentContext ctx;
    g_auto(PvAgentExecResult) result = { 0 };
    const char *args[] = { mode ? mode : PV_VM_FILE_MODE, path, NULL };
    PvAgentExec chmod_exec = { "chmod", args, NULL, NULL, G_MAXINT64 };
    gboolean exists = FALSE;

    if (vm->profile->console_channel)
        return pv_vm_console_write_file(vm, path, data, mode, error);
    if (!pv_vm_require_agent(vm, error))
        return FALSE;
    if (!mode && !pv_vm_file_exists(vm, path, &exists, error)) {
        g_prefix_error(error, _("cannot write %s in vm '%s': "), path, vm->name);
        return FALSE;
    }
    pv_vm_agent_context(vm, &ctx);
    if (!pv_agent_file_write(pv_domain_peek_virdomain(vm->domain), &ctx, path, data, error)) {
        pv_vm_explain_agent_error(vm, error);
        g_prefix_error(error, _("cannot write %s in vm '%s': "), path, vm->name);
        return FALSE;
    }
    if (exists)
        return TRUE;
    if (!pv_vm_exec(vm, &chmod_exec, &result, error))
        return FALSE;
    if (result.signaled || result.exit_code != 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST, _("cannot chmod %s %s in vm '%s': %.*s"),
                    args[0], path, vm->name, (int)g_bytes_get_size(result.err),
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

    if (vm->profile->console_channel)
        return pv_vm_console_read_file(vm, path, error);
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
