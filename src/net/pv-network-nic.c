/*
 * pv-network-nic.c: the NICs of a file's VMs on its networks
 *
 * Each NIC gets a MAC unique on the host (a hash of the run, the file, the
 * VM and the NIC's index) and an address decided before the guest boots:
 * the one the file gives, checked, or the highest free one below the DHCP
 * range.  Pure, like pv-network.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#define PV_NETWORK_PRIVATE
#include "pv-network-private.h"

/* The first three bytes of every MAC provium makes: QEMU's own OUI. */
#define PV_MAC_OUI "52:54:00"

PV_ENUM_IMPL(pv_nic_addressing, PvNicAddressing, PV_NIC_ADDRESS_LAST,
             "agent", "dhcp");

void
pv_nic_free(PvNic *nic)
{
    if (!nic)
        return;
    g_free(nic->vm);
    g_free(nic->net);
    g_free(nic->network);
    g_free(nic->mac);
    g_free(nic->ip);
    g_free(nic->gateway);
    g_free(nic);
}

/**
 * pv_network_mac:
 * @attempt: 0 first; the next when the address is taken
 *
 * QEMU's 52:54:00 and three bytes of a hash of the run, the file, the VM and
 * the NIC's index: the same NIC gets the same MAC within a run.
 * Returns: (transfer full): "52:54:00:xx:xx:xx"
 */
char *
pv_network_mac(const char *run_id, const char *file, const char *vm, guint index,
               guint attempt)
{
    g_autofree char *i = g_strdup_printf("%u", index);
    g_autofree char *n = g_strdup_printf("%u", attempt);
    const char *parts[] = { run_id, file, vm, i, n, NULL };
    g_autofree char *hash = pv_network_hash(parts, 6);

    return g_strdup_printf(PV_MAC_OUI ":%.2s:%.2s:%.2s", hash, hash + 2, hash + 4);
}

static const PvNic *
pv_network_nic_at(const PvNetwork *net, guint32 addr)
{
    guint i;

    for (i = 0; i < net->nics->len; i++) {
        const PvNic *nic = net->nics->pdata[i];
        guint32 nic_addr;

        if (pv_ipv4_parse(nic->ip, &nic_addr) && nic_addr == addr)
            return nic;
    }
    return NULL;
}

/*
 * The highest free address below the DHCP range (or in the whole network
 * without a DHCP server): users tend to give low addresses to their VMs.
 * With a DHCP server, an address a VM gone had is given again only when no
 * other is left: dnsmasq keeps its lease for the old MAC for an hour and
 * would give the new VM another address than its fixed lease says.
 */
static gboolean
pv_network_allocate(const PvNetwork *net, guint32 *addr)
{
    guint32 first = net->cidr.addr + 1;
    guint32 top = pv_network_has_dhcp_server(net) ? net->range_start - 1 :
        pv_cidr_broadcast(&net->cidr) - 1;
    gboolean reuse;
    guint32 a;

    for (reuse = FALSE; reuse <= TRUE; reuse++) {
        for (a = top; a >= first && a <= top; a--) {
            if ((net->has_host && a == net->host) || pv_network_nic_at(net, a) ||
                (!reuse && g_hash_table_contains(net->leased, GUINT_TO_POINTER(a))))
                continue;
            *addr = a;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
pv_network_take_ip(const PvNetwork *net, const char *vm, const char *ip, guint32 *addr,
                   GError **error)
{
    const PvNic *other;

    if (!ip) {
        g_autofree char *shown = NULL;

        if (pv_network_allocate(net, addr))
            return TRUE;
        shown = pv_cidr_to_string(&net->cidr);
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': network '%s' (%s) has no address left to give: use a larger "
                      "cidr"), vm, net->net, shown);
        return FALSE;
    }
    if (!pv_network_parse_member(net->net, &net->cidr, "ip", ip, addr, error)) {
        g_prefix_error(error, _("vm '%s': "), vm);
        return FALSE;
    }
    if (net->has_host && *addr == net->host) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': ip %s is the host's address on network '%s': choose "
                      "another"), vm, ip, net->net);
        return FALSE;
    }
    other = pv_network_nic_at(net, *addr);
    if (other) {
        if (other->fixed)
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("vm '%s': ip %s on network '%s' is already vm '%s''s: give each "
                          "VM its own"), vm, ip, net->net, other->vm);
        else
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("vm '%s': ip %s on network '%s' was already given to vm '%s', "
                          "which has no ip of its own: give it one, or choose another"),
                        vm, ip, net->net, other->vm);
        return FALSE;
    }
    return TRUE;
}

static char *
pv_network_pick_mac(PvNetworkPlan *plan, const char *vm, guint index,
                    PvNetworkInventory *inventory, GError **error)
{
    guint attempt;

    for (attempt = 0; attempt < PV_NETWORK_ATTEMPTS; attempt++) {
        g_autofree char *mac = pv_network_mac(plan->run_id, plan->file, vm, index, attempt);

        if (!g_hash_table_contains(inventory->macs, mac)) {
            g_hash_table_add(inventory->macs, g_strdup(mac));
            return g_steal_pointer(&mac);
        }
    }
    g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                _("vm '%s': no free MAC address after %d tries"), vm, PV_NETWORK_ATTEMPTS);
    return NULL;
}

/**
 * pv_network_plan_add_nic:
 * @vm: the VM's name, unique in the run for as long as it lives (the domain
 *   name will do): part of the MAC's hash
 * @index: the NIC's position among the VM's NICs, from 0
 * @net: the network's name in the test file
 * @ip: (nullable): the address the file gives; NULL: provium picks one
 * @inventory: the MAC taken is added to it
 *
 * Plans one NIC: its MAC (unique in @inventory), its address (@ip, checked
 * to be in the network and nobody else's; else the highest free one below
 * the DHCP range), and how the guest will get it.
 * Returns: (transfer none): the NIC, owned by @plan; NULL with @error set
 *   (an unknown network, a bad or taken address)
 */
const PvNic *
pv_network_plan_add_nic(PvNetworkPlan *plan, const char *vm, guint index, const char *net,
                        const char *ip, PvNetworkInventory *inventory, GError **error)
{
    PvNetwork *network = pv_network_plan_lookup(plan, net);
    g_autoptr(PvNic) nic = NULL;
    guint32 addr = 0;
    guint i;

    if (!network) {
        g_autoptr(GString) known = g_string_new(NULL);

        for (i = 0; i < plan->networks->len; i++)
            g_string_append_printf(known, "%s'%s'", i ? ", " : "",
                                   ((PvNetwork *)plan->networks->pdata[i])->net);
        if (known->len)
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("vm '%s': nics: no network '%s' in this file (it has %s): declare "
                          "it with provium:network() first"), vm, net, known->str);
        else
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("vm '%s': nics: no network '%s' in this file: declare it with "
                          "provium:network() first"), vm, net);
        return NULL;
    }
    for (i = 0; i < network->nics->len; i++) {
        const PvNic *other = network->nics->pdata[i];

        if (g_str_equal(other->vm, vm) && other->index == index) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("vm '%s' already has NIC %u"), vm, index);
            return NULL;
        }
    }
    if (!pv_network_take_ip(network, vm, ip, &addr, error))
        return NULL;

    nic = g_new0(PvNic, 1);
    nic->mac = pv_network_pick_mac(plan, vm, index, inventory, error);
    if (!nic->mac)
        return NULL;
    nic->vm = g_strdup(vm);
    nic->index = index;
    nic->net = g_strdup(network->net);
    nic->network = g_strdup(network->name);
    nic->ip = pv_ipv4_to_string(addr);
    nic->prefix = network->cidr.prefix;
    nic->fixed = ip != NULL;
    if (network->forward == PV_NETWORK_FORWARD_NAT)
        nic->gateway = g_strdup(network->host_text);
    nic->addressing = pv_network_has_dhcp_server(network) ? PV_NIC_ADDRESS_DHCP :
        PV_NIC_ADDRESS_AGENT;
    g_ptr_array_add(network->nics, nic);
    return g_steal_pointer(&nic);
}

/**
 * pv_network_plan_take_vm_nics:
 *
 * Forgets the NICs of @vm (its domain is gone): their addresses can be given
 * again and their MACs leave @inventory.  With a DHCP server, the caller
 * removes their fixed leases from the live network.
 * Returns: (transfer full) (element-type PvNic): the NICs, maybe none
 */
GPtrArray *
pv_network_plan_take_vm_nics(PvNetworkPlan *plan, const char *vm,
                             PvNetworkInventory *inventory)
{
    GPtrArray *taken = g_ptr_array_new_with_free_func((GDestroyNotify)pv_nic_free);
    guint i;

    for (i = 0; i < plan->networks->len; i++) {
        PvNetwork *network = plan->networks->pdata[i];
        guint32 addr;
        guint j = 0;

        while (j < network->nics->len) {
            PvNic *nic = network->nics->pdata[j];

            if (!g_str_equal(nic->vm, vm)) {
                j++;
                continue;
            }
            g_hash_table_remove(inventory->macs, nic->mac);
            if (nic->addressing == PV_NIC_ADDRESS_DHCP && pv_ipv4_parse(nic->ip, &addr))
                g_hash_table_add(network->leased, GUINT_TO_POINTER(addr));
            g_ptr_array_add(taken, g_ptr_array_steal_index(network->nics, j));
        }
    }
    return taken;
}
