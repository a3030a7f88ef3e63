/*
 * pv-vm-net.c: a VM's NICs on its file's networks
 *
 * provium:vm()'s nics are planned on the file's networks when the VM is
 * made (a MAC, an address: what vm:mac() and vm:ip() answer), added to the
 * domain XML at each boot (pv-template.c, through libxml2), given their
 * addresses through the guest agent once it connects, before the boot
 * returns, and forgotten when the VM's scope ends.  vm:link() pulls or plugs
 * back a NIC's virtual cable.
 */
#include "config.h"

#include <glib/gi18n.h>

#define PV_VM_PRIVATE
#include "pv-error.h"
#include "pv-guest-net.h"
#include "pv-vm-private.h"

/* How long a guest has to take the addresses of its NICs once its agent is up. */
#define PV_VM_NET_TIMEOUT_US (60 * G_USEC_PER_SEC)

/**
 * pv_vm_add_nics:
 * @nics: (array length=n): in the order the guest sees them, after a
 *   template's own
 *
 * Plans the VM's NICs on its file's networks.  On failure none is planned.
 */
gboolean
pv_vm_add_nics(PvVm *vm, const PvVmNicSpec *nics, guint n, GError **error)
{
    guint i;

    for (i = 0; i < n; i++) {
        const PvNic *nic = pv_file_add_nic(vm->ctx.file, vm->name, i, nics[i].net, nics[i].ip,
                                           error);

        if (!nic) {
            pv_vm_release_nics(vm);
            return FALSE;
        }
        g_ptr_array_add(vm->nics, (gpointer)nic);
    }
    return TRUE;
}

/* The VM's first NIC on network @net of the file. */
static const PvNic *
pv_vm_lookup_nic(PvVm *vm, const char *net, GError **error)
{
    g_autoptr(GString) known = g_string_new(NULL);
    guint i;

    if (!pv_vm_check_scope(vm, error))
        return NULL;
    for (i = 0; i < vm->nics->len; i++) {
        const PvNic *nic = vm->nics->pdata[i];

        if (g_str_equal(nic->net, net))
            return nic;
        g_string_append_printf(known, "%s'%s'", i ? ", " : "", nic->net);
    }
    if (known->len)
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' has no NIC on network '%s' (it has %s): add it to the VM's "
                      "nics"), vm->name, net, known->str);
    else
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' has no NIC on network '%s': give it nics = {\"%s\"}"),
                    vm->name, net, net);
    return NULL;
}

/**
 * pv_vm_peek_nic_ip:
 *
 * vm:ip(net): the address provium gave the VM's NIC on @net, known from the
 * moment the VM is made.
 * Returns: (transfer none): "192.168.100.10", or NULL with @error set
 */
const char *
pv_vm_peek_nic_ip(PvVm *vm, const char *net, GError **error)
{
    const PvNic *nic = pv_vm_lookup_nic(vm, net, error);

    return nic ? nic->ip : NULL;
}

/**
 * pv_vm_peek_nic_mac:
 *
 * vm:mac(net): the MAC address of the VM's NIC on @net.
 * Returns: (transfer none): "52:54:00:xx:xx:xx", or NULL with @error set
 */
const char *
pv_vm_peek_nic_mac(PvVm *vm, const char *net, GError **error)
{
    const PvNic *nic = pv_vm_lookup_nic(vm, net, error);

    return nic ? nic->mac : NULL;
}

/**
 * pv_vm_domain_nics:
 *
 * Returns: (transfer full) (array): the VM's NICs for its domain request,
 *   borrowing from the plan; NULL when it has none
 */
PvDomainNic *
pv_vm_domain_nics(PvVm *vm)
{
    PvDomainNic *out;
    guint i;

    if (vm->nics->len == 0)
        return NULL;
    out = g_new0(PvDomainNic, vm->nics->len);
    for (i = 0; i < vm->nics->len; i++) {
        const PvNic *nic = vm->nics->pdata[i];

        out[i].network = nic->network;
        out[i].mac = nic->mac;
    }
    return out;
}

/**
 * pv_vm_configure_nics:
 *
 * The VM's agent is connected: each NIC gets its address, through the agent
 * or DHCP (pv_guest_net_configure()), before the boot returns; with a
 * cloud-init seed, the guest's own network stack gives it, and provium only
 * waits for it (pv_guest_net_wait()); with channel = console, through the
 * console once its shell answers.
 */
gboolean
pv_vm_configure_nics(PvVm *vm, GError **error)
{
    gint64 deadline = MIN(g_get_monotonic_time() + PV_VM_NET_TIMEOUT_US,
                          pv_file_deadline(vm->ctx.file));
    PvAgentContext ctx;
    guint i;

    if (vm->nics->len == 0)
        return TRUE;
    /* During a boot, as it logs in; after one (vm:reboot()), by the profile. */
    if (vm->boot ? vm->boot->console_login : vm->profile->console_channel)
        return pv_vm_console_configure_nics(vm, vm->boot ? vm->boot->started +
                                            vm->boot->timeout_ns / 1000 : deadline,
                                            PV_VM_NET_TIMEOUT_US, error);
    if (vm->boot && vm->boot->no_agent)
        return TRUE;
    pv_vm_agent_context(vm, &ctx);
    for (i = 0; i < vm->nics->len; i++) {
        virDomain *dom = pv_domain_peek_virdomain(vm->domain);

        /* With a seed, the guest's own network stack configures them (pv-vm-seed.c). */
        if (vm->seed ? !pv_guest_net_wait(dom, &ctx, vm->nics->pdata[i], deadline, error) :
            !pv_guest_net_configure(dom, &ctx, vm->nics->pdata[i], deadline, error))
            return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_set_link:
 * @up: FALSE pulls the NIC's virtual cable, TRUE plugs it back
 *
 * vm:link(net, up): the guest sees the carrier of its NIC on @net go or
 * come back (vm_link).
 */
gboolean
pv_vm_set_link(PvVm *vm, const char *net, gboolean up, GError **error)
{
    const PvNic *nic = pv_vm_lookup_nic(vm, net, error);

    vm->touched = TRUE;
    if (!nic)
        return FALSE;
    if (!pv_vm_is_running(vm)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' is not running: boot it before vm:link()"), vm->name);
        return FALSE;
    }
    if (!pv_domain_handle_set_link(pv_domain_peek_virdomain(vm->domain), nic->mac, up,
                                   error)) {
        g_prefix_error(error, _("vm '%s': network '%s': "), vm->name, net);
        return FALSE;
    }
    pv_event_vm_link(vm->ctx.events, vm->ctx.path, vm->name,
                     pv_domain_peek_name(vm->domain), net, up);
    return TRUE;
}
