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
#include "pv-error.h"
#include "pv-vm-private.h"

/**
 * pv_vm_console_close:
 *
 * Lets go of the VM's console stream, if any: its domain stopped, or the
 * VM ends.
 */
void
pv_vm_console_close(PvVm *vm)
{
    g_clear_pointer(&vm->console_stream, pv_console_stream_close);
    g_clear_pointer(&vm->console_domain, pv_domain_unref);
}

/* The VM is in scope and its domain runs; else why not. */
static gboolean
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
