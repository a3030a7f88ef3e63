/*
 * pv-libvirt-net.c: libvirt's networks and the host's interfaces
 *
 * What net/ asks of libvirt: what the host uses (networks, their bridges
 * and XML, the domains' XML, the interfaces), and the life of one network
 * (created transient from XML, its DHCP host entries, destroyed by UUID
 * only when it still has the name provium gave it).  Everything goes
 * through libvirt, so it works the same on a remote host.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#include "pv-libvirt-net.h"
#include "pv-libvirt.h"

static void
pv_libvirt_network_free(PvLibvirtNetwork *net)
{
    g_free(net->name);
    g_free(net->bridge);
    g_free(net->xml);
    g_free(net);
}

static void
pv_libvirt_interface_free(PvLibvirtInterface *iface)
{
    g_free(iface->name);
    g_free(iface->mac);
    g_free(iface);
}

/**
 * pv_libvirt_list_networks:
 *
 * Returns: (transfer full) (element-type PvLibvirtNetwork): every network
 *   of the host, active or not, or NULL with @error set
 */
GPtrArray *
pv_libvirt_list_networks(virConnect *conn, GError **error)
{
    virNetworkPtr *nets = NULL;
    int n = virConnectListAllNetworks(conn, &nets, 0);
    GPtrArray *out;
    int i;

    if (n < 0) {
        pv_libvirt_set_error(error, _("cannot list libvirt networks"));
        return NULL;
    }
    out = g_ptr_array_new_with_free_func((GDestroyNotify)pv_libvirt_network_free);
    for (i = 0; i < n; i++) {
        PvLibvirtNetwork *net = g_new0(PvLibvirtNetwork, 1);

        net->name = g_strdup(virNetworkGetName(nets[i]));
        net->bridge = virNetworkGetBridgeName(nets[i]);
        net->xml = virNetworkGetXMLDesc(nets[i], 0);
        g_ptr_array_add(out, net);
        virNetworkFree(nets[i]);
    }
    free(nets);
    virResetLastError();
    return out;
}

/**
 * pv_libvirt_list_domain_xml:
 *
 * Returns: (transfer full) (element-type utf8): the XML of every domain of
 *   the host (none for a domain that went away meanwhile), or NULL with
 *   @error set
 */
GPtrArray *
pv_libvirt_list_domain_xml(virConnect *conn, GError **error)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    GPtrArray *out;
    int i;

    if (n < 0) {
        pv_libvirt_set_error(error, _("cannot list domains"));
        return NULL;
    }
    out = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < n; i++) {
        char *xml = virDomainGetXMLDesc(doms[i], 0);

        if (xml)
            g_ptr_array_add(out, xml);
        virDomainFree(doms[i]);
    }
    free(doms);
    virResetLastError();
    return out;
}

/**
 * pv_libvirt_list_interfaces:
 *
 * Returns: (transfer full) (element-type PvLibvirtInterface): the host's
 *   interfaces as libvirt's interface driver sees them; none on a host
 *   without that driver
 */
GPtrArray *
pv_libvirt_list_interfaces(virConnect *conn)
{
    virInterfacePtr *ifaces = NULL;
    int n = virConnectListAllInterfaces(conn, &ifaces, 0);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)pv_libvirt_interface_free);
    int i;

    for (i = 0; i < n; i++) {
        PvLibvirtInterface *iface = g_new0(PvLibvirtInterface, 1);
        const char *mac = virInterfaceGetMACString(ifaces[i]);

        iface->name = g_strdup(virInterfaceGetName(ifaces[i]));
        iface->mac = mac && *mac ? g_strdup(mac) : NULL;
        g_ptr_array_add(out, iface);
        virInterfaceFree(ifaces[i]);
    }
    free(ifaces);
    virResetLastError();
    return out;
}

/**
 * pv_libvirt_network_create:
 *
 * Creates and starts a transient network from @xml: nothing of it outlives
 * the host's next boot.
 * Returns: FALSE with @error set to libvirt's reason alone (the caller
 *   names the network)
 */
gboolean
pv_libvirt_network_create(virConnect *conn, const char *xml, GError **error)
{
    g_autoptr(virNetwork) created = virNetworkCreateXML(conn, xml);

    if (!created) {
        pv_libvirt_set_last_error(error);
        virResetLastError();
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_libvirt_network_destroy:
 * @uuid: the network's UUID, as provium recorded it
 * @name: its name, as provium recorded it: a network of that UUID with
 *   another name is not provium's, and is left alone
 * @existed: (out) (optional): whether libvirt still had the network
 *
 * Destroys the network, if libvirt still has it; one that is gone, also
 * between the lookup and the destroy, is not an error.
 */
gboolean
pv_libvirt_network_destroy(virConnect *conn, const char *uuid, const char *name,
                           gboolean *existed, GError **error)
{
    g_autoptr(virNetwork) vnet = virNetworkLookupByUUIDString(conn, uuid);

    if (existed)
        *existed = vnet != NULL;
    if (!vnet) {
        if (!pv_libvirt_last_error_is(VIR_ERR_NO_NETWORK)) {
            pv_libvirt_set_error(error, _("cannot look up network '%s'"), name);
            return FALSE;
        }
        virResetLastError();
        return TRUE;
    }
    if (g_strcmp0(virNetworkGetName(vnet), name) != 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT,
                    _("network %s is named '%s', not '%s' as provium recorded: left alone"),
                    uuid, virNetworkGetName(vnet), name);
        return FALSE;
    }
    /*
     * Not running (a defined network), or gone since the lookup: its owner
     * destroyed it meanwhile (a run ending as `provium clean --force`
     * removes its domain).
     */
    if (virNetworkDestroy(vnet) < 0 && !pv_libvirt_last_error_is(VIR_ERR_OPERATION_INVALID) &&
        !pv_libvirt_last_error_is(VIR_ERR_NO_NETWORK)) {
        pv_libvirt_set_error(error, _("cannot destroy network '%s'"), name);
        return FALSE;
    }
    virResetLastError();
    return TRUE;
}

/**
 * pv_libvirt_network_update_dhcp_host:
 * @add: add the <host> entry @xml, or delete it
 *
 * Changes a fixed DHCP lease of the live network @uuid.
 * Returns: FALSE with @error set to libvirt's reason alone
 */
gboolean
pv_libvirt_network_update_dhcp_host(virConnect *conn, const char *uuid, gboolean add,
                                    const char *xml, GError **error)
{
    g_autoptr(virNetwork) vnet = virNetworkLookupByUUIDString(conn, uuid);
    unsigned int command = add ? VIR_NETWORK_UPDATE_COMMAND_ADD_LAST
                               : VIR_NETWORK_UPDATE_COMMAND_DELETE;

    if (!vnet || virNetworkUpdate(vnet, command, VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, xml,
                                  VIR_NETWORK_UPDATE_AFFECT_LIVE) < 0) {
        pv_libvirt_set_last_error(error);
        virResetLastError();
        return FALSE;
    }
    return TRUE;
}
