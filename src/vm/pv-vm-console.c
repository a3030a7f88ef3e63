/*
 * pv-vm-console.c: typing into a VM's serial console (vm:console():send()),
 * and the console as the VM's channel (profile channel = console): log in,
 * run commands, read and write files through the shell on the console
 * (the session itself is util/pv-shell-session.c, pure).
 *
 * The console's stream (libvirt/pv-console-stream.c) is opened on first
 * use and kept for the domain's life: closed when it stops, or when the
 * VM's next domain replaces it.  What the guest prints is read from the
 * console log, as console():expect() reads it, so the log keeps the whole
 * session.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#define PV_VM_PRIVATE
#include "pv-console.h"
#include "pv-error.h"
#include "pv-network.h"
#include "pv-shell-session.h"
#include "pv-units.h"
#include "pv-vm-private.h"
#include "pv-text.h"

/* How often the console log is looked at while the channel waits for output. */
#define PV_VM_CONSOLE_POLL_US (50 * 1000)
/* Read at a time from the log. */
#define PV_VM_CONSOLE_CHUNK (256 * 1024)

/* The console channel of one domain: its session, and where it is in the log. */
struct _PvVmShell {
    PvVm *vm;
    PvShellSession *session;
    PvConsoleReader *reader;
    guint64 position;          /* in the reader's text: what the session has */
};

static void
pv_vm_shell_free(PvVmShell *shell)
{
    if (!shell)
        return;
    pv_shell_session_free(shell->session);
    pv_console_reader_free(shell->reader);
    g_free(shell);
}

/**
 * pv_vm_console_close:
 *
 * Lets go of the VM's console stream, if any: its domain stopped, or the
 * VM ends.
 */
void
pv_vm_console_close(PvVm *vm)
{
    g_clear_pointer(&vm->shell, pv_vm_shell_free);
    g_clear_pointer(&vm->console_stream, pv_console_stream_close);
    g_clear_pointer(&vm->console_domain, pv_domain_unref);
}

/* The stream of the running domain's console, opened if need be. */
static PvConsoleStream *
pv_vm_console_stream(PvVm *vm, GError **error)
{
    if (vm->console_stream &&
        (vm->console_domain != vm->domain || !pv_console_stream_is_open(vm->console_stream)))
        pv_vm_console_close(vm);
    if (!vm->console_stream) {
        vm->console_stream = pv_console_stream_open(pv_domain_peek_virdomain(vm->domain),
                                                    NULL, NULL, NULL, error);
        if (!vm->console_stream)
            return NULL;
        vm->console_domain = pv_domain_ref(vm->domain);
    }
    return vm->console_stream;
}

/**
 * pv_vm_console_send:
 *
 * Types @len bytes into the VM's serial console, as they are ("\r" is the
 * Enter key, "\x03" Ctrl-C).
 */
gboolean
pv_vm_console_send(PvVm *vm, const char *data, gsize len, GError **error)
{
    PvConsoleStream *stream;

    if (!pv_vm_require_running(vm, error))
        return FALSE;
    stream = pv_vm_console_stream(vm, error);
    if (!stream || !pv_console_stream_send(stream, data, len, pv_file_deadline(vm->ctx.file),
                                           error)) {
        g_prefix_error(error, _("cannot type into the console of vm '%s': "), vm->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
pv_vm_shell_send(gpointer io, const char *text, gsize len, GError **error)
{
    PvVmShell *shell = io;
    PvVm *vm = shell->vm;

    return pv_console_stream_send(vm->console_stream, text, len,
                                  pv_file_deadline(vm->ctx.file), error);
}

/* Appends what the log gained to @out; waits for some until @deadline. */
static gboolean
pv_vm_shell_read(gpointer io, GString *out, gint64 deadline, GError **error)
{
    PvVmShell *shell = io;
    PvVm *vm = shell->vm;

    for (;;) {
        gsize len;
        guint64 start;
        const char *text;
        gint64 wake_at;

        pv_console_reader_read(shell->reader, PV_VM_CONSOLE_CHUNK);
        text = pv_console_reader_peek_window(shell->reader, &len, &start);
        if (start + len > shell->position) {
            guint64 from = MAX(shell->position, start);

            g_string_append_len(out, text + (from - start), start + len - from);
            shell->position = start + len;
            pv_console_reader_trim(shell->reader, 0);
            return TRUE;
        }
        if (g_get_monotonic_time() >= deadline)
            return TRUE;
        if (!pv_file_check(vm->ctx.file, error))
            return FALSE;
        if (pv_domain_get_state(vm->domain) == PV_DOMAIN_STATE_STOPPED) {
            g_autofree char *reason = pv_domain_dup_stop_reason(vm->domain);

            g_set_error(error, PV_ERROR, PV_ERROR_DOMAIN_STOPPED,
                        _("vm '%s' (domain '%s') stopped unexpectedly: %s"), vm->name,
                        pv_domain_peek_name(vm->domain), reason ? reason : "?");
            return FALSE;
        }
        wake_at = MIN(deadline, g_get_monotonic_time() + PV_VM_CONSOLE_POLL_US);
        if (pv_wake_wait(vm->ctx.wake, MIN(wake_at, pv_file_deadline(vm->ctx.file)), NULL, NULL,
                         error) == PV_WAIT_INTERRUPTED)
            return FALSE;
    }
}

/*
 * The console channel of the running domain, made if need be: its stream,
 * and a session that reads the log from its beginning (so a login prompt
 * printed before is seen).
 */
static PvVmShell *
pv_vm_shell(PvVm *vm, GError **error)
{
    PvVmShell *shell;
    PvShellIo io = { pv_vm_shell_send, pv_vm_shell_read, NULL };

    if (!pv_vm_require_running(vm, error) || !pv_vm_console_stream(vm, error))
        return NULL;
    if (vm->shell)
        return vm->shell;
    shell = g_new0(PvVmShell, 1);
    shell->vm = vm;
    shell->reader = pv_console_reader_new(vm->console_log);
    io.io = shell;
    shell->session = pv_shell_session_new(&io, vm->profile->console_user,
                                          vm->profile->console_password);
    vm->shell = shell;
    return shell;
}

/**
 * pv_vm_console_forget_shell:
 *
 * The guest reboots: the shell provium was logged into goes with the old
 * boot.  The next call logs in again, reading the console on from where
 * the last session was (an old login prompt is not answered again).
 */
void
pv_vm_console_forget_shell(PvVm *vm)
{
    PvShellIo io = { pv_vm_shell_send, pv_vm_shell_read, NULL };

    if (!vm->shell)
        return;
    pv_shell_session_free(vm->shell->session);
    io.io = vm->shell;
    vm->shell->session = pv_shell_session_new(&io, vm->profile->console_user,
                                              vm->profile->console_password);
}

/**
 * pv_vm_console_login:
 * @deadline: monotonic
 *
 * channel = console: waits until a shell answers on the VM's console,
 * logging in if it asks (a boot is ready then).
 */
gboolean
pv_vm_console_login(PvVm *vm, gint64 deadline, GError **error)
{
    PvVmShell *shell = pv_vm_shell(vm, error);

    if (!shell)
        return FALSE;
    if (!pv_shell_session_login(shell->session, MIN(deadline, pv_file_deadline(vm->ctx.file)),
                                error)) {
        g_prefix_error(error, _("console of vm '%s': "), vm->name);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_console_exec:
 *
 * pv_vm_exec() and pv_vm_run() of a VM whose channel is its console: the
 * command runs in the console's shell (pv_shell_session_run()), its
 * status as the shell gives it (128 + N for a signal N).
 */
gboolean
pv_vm_console_exec(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result,
                   GError **error)
{
    PvVmShell *shell = pv_vm_shell(vm, error);
    g_autofree char *script = NULL;
    g_auto(PvShellResult) shell_result = { 0 };

    if (!shell)
        return FALSE;
    script = pv_shell_quote_argv(exec->path, exec->args, exec->env);
    if (!pv_shell_session_run(shell->session, script, exec->input,
                              MIN(exec->deadline, pv_file_deadline(vm->ctx.file)),
                              &shell_result, error)) {
        g_prefix_error(error, _("console of vm '%s': "), vm->name);
        return FALSE;
    }
    /* The file's time up, not the command's: the file's error says so. */
    if (shell_result.timed_out && !pv_file_check(vm->ctx.file, error))
        return FALSE;
    memset(result, 0, sizeof(*result));
    result->timed_out = shell_result.timed_out;
    result->exit_code = shell_result.status;
    result->out = shell_result.out ? g_steal_pointer(&shell_result.out) : g_bytes_new(NULL, 0);
    result->err = shell_result.err ? g_steal_pointer(&shell_result.err) : g_bytes_new(NULL, 0);
    return TRUE;
}

/* pv_vm_read_file() of a VM whose channel is its console. */
GBytes *
pv_vm_console_read_file(PvVm *vm, const char *path, GError **error)
{
    PvVmShell *shell = pv_vm_shell(vm, error);
    GBytes *data;

    if (!shell)
        return NULL;
    data = pv_shell_session_read_file(shell->session, path, PV_AGENT_READ_MAX,
                                      pv_file_deadline(vm->ctx.file), error);
    if (!data)
        g_prefix_error(error, _("cannot read %s in vm '%s' (through its console): "), path,
                       vm->name);
    return data;
}

/* pv_vm_write_file() of a VM whose channel is its console. */
gboolean
pv_vm_console_write_file(PvVm *vm, const char *path, GBytes *data, const char *mode,
                         GError **error)
{
    PvVmShell *shell = pv_vm_shell(vm, error);

    if (!shell)
        return FALSE;
    if (!pv_shell_session_write_file(shell->session, path, data, mode,
                                     pv_file_deadline(vm->ctx.file), error)) {
        g_prefix_error(error, _("cannot write %s in vm '%s' (through its console): "), path,
                       vm->name);
        return FALSE;
    }
    return TRUE;
}

/*
 * One NIC's address through the console: the interface with its MAC, up,
 * with the address (and a default route through the host on a NAT
 * network); on a DHCP network, the guest's own client gets it, and with a
 * cloud-init seed its own network stack sets every address (pv-vm-seed.c):
 * wait for it.
 */
static gboolean
pv_vm_console_configure_nic(PvVm *vm, const PvNic *nic, gint64 deadline, GError **error)
{
    g_autofree char *cidr = g_strdup_printf("%s/%u", nic->ip, nic->prefix);
    g_autofree char *route = nic->gateway ?
        g_strdup_printf(" && ip route replace default via %s dev \"$i\"", nic->gateway) :
        g_strdup("");
    g_autofree char *set = nic->addressing == PV_NIC_ADDRESS_DHCP || vm->seed ?
        g_strdup_printf("until ip -o addr show dev \"$i\" | grep -q ' %s/'; do sleep 0.2; done",
                        nic->ip) :
        g_strdup_printf("ip link set dev \"$i\" up && { ip -o addr show dev \"$i\" | "
                        "grep -q ' %s/' || ip addr add %s dev \"$i\"; }%s", nic->ip, cidr, route);
    g_autofree char *script = g_strdup_printf(
        "i=; for d in /sys/class/net/*; do [ \"$(cat $d/address)\" = %s ] && i=${d##*/}; "
        "done; [ -n \"$i\" ] || { echo \"no interface has MAC %s\" >&2; exit 1; }; %s",
        nic->mac, nic->mac, set);
    const char *args[] = { "-c", script, NULL };
    PvAgentExec exec = { "/bin/sh", args, NULL, NULL, deadline };
    g_auto(PvAgentExecResult) result = { 0 };

    if (!pv_vm_console_exec(vm, &exec, &result, error))
        return FALSE;
    if (result.timed_out || result.exit_code != 0) {
        g_autofree char *err = pv_text_from_bytes(result.err);

        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    result.timed_out ?
                    _("vm '%s': network '%s': the guest did not get %s in time") :
                    _("vm '%s': network '%s': the guest did not take %s: %s"),
                    vm->name, nic->net, nic->ip, g_strstrip(err));
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_console_configure_nics:
 * @boot_deadline: until when the shell may take to answer
 * @timeout_us: how long the NICs may take their addresses, once it answered
 *
 * pv_vm_configure_nics() of a VM whose channel is its console.
 */
gboolean
pv_vm_console_configure_nics(PvVm *vm, gint64 boot_deadline, gint64 timeout_us,
                             GError **error)
{
    gint64 deadline;
    guint i;

    if (!pv_vm_console_login(vm, boot_deadline, error))
        return FALSE;
    deadline = MIN(g_get_monotonic_time() + timeout_us, pv_file_deadline(vm->ctx.file));
    for (i = 0; i < vm->nics->len; i++)
        if (!pv_vm_console_configure_nic(vm, vm->nics->pdata[i], deadline, error))
            return FALSE;
    return TRUE;
}
