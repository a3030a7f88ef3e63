/*
 * pv-network-host.c: provium's networks on the libvirt host
 *
 * The edge of pv-network.c: what the libvirt host already uses (for the
 * plan's unique names, bridges and MACs, and its route checks), and each
 * network's life: an ownership record first, then virNetworkCreateXML()
 * (transient: nothing outlives the host's next boot); virNetworkDestroy(),
 * then the record goes.  Everything is asked of libvirt, so it works on a
 * remote host, except the route table: libvirt does not give it, so it is
 * read from /proc/net/route only when the host is this machine.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>
#include <unistd.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#include "pv-libvirt.h"
#include "pv-network-host.h"

/* Adds the value of every node @xpath selects in @xml to @set, lowercased. */
static void
pv_xml_collect(const char *xml, const char *xpath, GHashTable *set)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) result = NULL;
    int i;

    if (!xml)
        return;
    doc = xmlReadMemory(xml, strlen(xml), "libvirt.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !(ctx = xmlXPathNewContext(doc)) ||
        !(result = xmlXPathEvalExpression(BAD_CAST xpath, ctx)) || !result->nodesetval)
        return;
    for (i = 0; i < result->nodesetval->nodeNr; i++) {
        g_autoptr(PvXmlString) value = xmlNodeGetContent(result->nodesetval->nodeTab[i]);

        if (value && *value)
            g_hash_table_add(set, g_ascii_strdown((const char *)value, -1));
    }
}

static gboolean
pv_network_inventory_add_networks(PvNetworkInventory *inventory, virConnect *conn,
                                  GError **error)
{
    virNetworkPtr *nets = NULL;
    int n = virConnectListAllNetworks(conn, &nets, 0);
    int i;

    if (n < 0) {
        pv_libvirt_set_error(error, _("cannot list libvirt networks"));
        return FALSE;
    }
    for (i = 0; i < n; i++) {
        g_autofree char *bridge = virNetworkGetBridgeName(nets[i]);
        g_autofree char *xml = virNetworkGetXMLDesc(nets[i], 0);

        g_hash_table_add(inventory->networks, g_strdup(virNetworkGetName(nets[i])));
        if (bridge)
            g_hash_table_add(inventory->interfaces, g_steal_pointer(&bridge));
        pv_xml_collect(xml, "/network/mac/@address", inventory->macs);
        virNetworkFree(nets[i]);
    }
    free(nets);
    virResetLastError();
    return TRUE;
}

static gboolean
pv_network_inventory_add_domains(PvNetworkInventory *inventory, virConnect *conn,
                                 GError **error)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    int i;

    if (n < 0) {
        pv_libvirt_set_error(error, _("cannot list domains"));
        return FALSE;
    }
    for (i = 0; i < n; i++) {
        g_autofree char *xml = virDomainGetXMLDesc(doms[i], 0);

        /* A domain that went away meanwhile has no MACs to take. */
        pv_xml_collect(xml, "/domain/devices/interface/mac/@address", inventory->macs);
        pv_xml_collect(xml, "/domain/devices/interface/target/@dev", inventory->interfaces);
        pv_xml_collect(xml, "/domain/devices/interface/source/@network", inventory->attached);
        pv_xml_collect(xml, "/domain/devices/interface/source/@bridge", inventory->attached);
        virDomainFree(doms[i]);
    }
    free(doms);
    virResetLastError();
    return TRUE;
}

/* The host's interfaces as libvirt's interface driver sees them; a host
 * without that driver has nothing to add. */
static void
pv_network_inventory_add_interfaces(PvNetworkInventory *inventory, virConnect *conn)
{
    virInterfacePtr *ifaces = NULL;
    int n = virConnectListAllInterfaces(conn, &ifaces, 0);
    int i;

    for (i = 0; i < n; i++) {
        const char *mac = virInterfaceGetMACString(ifaces[i]);

        g_hash_table_add(inventory->interfaces, g_strdup(virInterfaceGetName(ifaces[i])));
        if (mac && *mac)
            g_hash_table_add(inventory->macs, g_ascii_strdown(mac, -1));
        virInterfaceFree(ifaces[i]);
    }
    free(ifaces);
    virResetLastError();
}

/* This machine's own view: every interface in /sys/class/net, the routes. */
static gboolean
pv_network_inventory_add_local(PvNetworkInventory *inventory, GError **error)
{
    g_autoptr(GDir) dir = g_dir_open("/sys/class/net", 0, NULL);
    g_autofree char *routes = NULL;
    GArray *parsed;
    const char *name;

    while (dir && (name = g_dir_read_name(dir)))
        g_hash_table_add(inventory->interfaces, g_strdup(name));
    if (!g_file_get_contents("/proc/net/route", &routes, NULL, error)) {
        g_prefix_error(error, _("cannot read the host's routes: "));
        return FALSE;
    }
    parsed = pv_routes_parse_proc(routes, error);
    if (!parsed) {
        g_prefix_error(error, "/proc/net/route: ");
        return FALSE;
    }
    if (inventory->routes)
        g_array_unref(inventory->routes);
    inventory->routes = parsed;
    return TRUE;
}

/**
 * pv_network_host_routes_via:
 * @bridges: (element-type utf8): interface names
 *
 * Whether this machine has a route through one of @bridges now: what a file
 * waiting for the routes of other networks (pv_network_plan_busy_bridges())
 * looks at cheaply, before looking again at everything.  Only this
 * machine's routes are ever in a network's way (see
 * pv_network_inventory_add_host()).
 * Returns: FALSE also when the routes cannot be read: nothing is known to
 *   be in the way, and the full look says what is wrong
 */
gboolean
pv_network_host_routes_via(GPtrArray *bridges)
{
    g_autofree char *text = NULL;
    g_autoptr(GArray) routes = NULL;
    guint i;

    if (!g_file_get_contents("/proc/net/route", &text, NULL, NULL))
        return FALSE;
    routes = pv_routes_parse_proc(text, NULL);
    for (i = 0; routes && i < routes->len; i++) {
        const PvRoute *route = &g_array_index(routes, PvRoute, i);

        if (g_ptr_array_find_with_equal_func(bridges, route->iface, g_str_equal, NULL))
            return TRUE;
    }
    return FALSE;
}

/**
 * pv_network_inventory_add_host:
 * @record_dir: where ownership records are (their bridges are provium's)
 *
 * Adds what the libvirt host of @conn uses now: network names, interface
 * and bridge names, the MACs of domains and networks, and, when the host is
 * this machine, its routes (replacing those known before).  On a remote
 * host the routes stay unknown: libvirt refuses a network whose address
 * clashes with a route there itself.  The bridges of provium's networks
 * are sorted, from their records, into those that may be in use
 * (provium_bridges) and those of runs that are provably over with no
 * domain on them (dead_bridges), as things are now.
 */
gboolean
pv_network_inventory_add_host(PvNetworkInventory *inventory, virConnect *conn,
                              const char *record_dir, GError **error)
{
    g_autoptr(GPtrArray) records = NULL;
    g_autofree char *uri = virConnectGetURI(conn);
    guint i;

    g_hash_table_remove_all(inventory->attached);
    if (!pv_network_inventory_add_networks(inventory, conn, error) ||
        !pv_network_inventory_add_domains(inventory, conn, error))
        return FALSE;
    pv_network_inventory_add_interfaces(inventory, conn);
    /* The test driver's networks are on no host: this machine's routes are not theirs. */
    if (pv_libvirt_is_local(conn) && !pv_libvirt_is_test(conn) &&
        !pv_network_inventory_add_local(inventory, error))
        return FALSE;

    records = pv_network_record_list(record_dir, error);
    if (!records)
        return FALSE;
    /* Whose each bridge is follows from the records as they are now. */
    g_hash_table_remove_all(inventory->recorded_bridges);
    g_hash_table_remove_all(inventory->provium_bridges);
    g_hash_table_remove_all(inventory->bridge_runs);
    g_hash_table_remove_all(inventory->dead_bridges);
    for (i = 0; i < records->len; i++) {
        PvNetworkRecord *record = records->pdata[i];

        if (!record->bridge || g_strcmp0(record->uri, uri) != 0)
            continue;
        g_hash_table_add(inventory->recorded_bridges, g_strdup(record->bridge));
        if (!pv_network_record_owner_maybe_alive(record) &&
            !g_hash_table_contains(inventory->attached, record->name) &&
            !g_hash_table_contains(inventory->attached, record->bridge)) {
            /* Its run is over and nothing is on it: the next run that needs it removes it. */
            g_hash_table_insert(inventory->dead_bridges, g_strdup(record->bridge),
                                g_steal_pointer(&records->pdata[i]));
        } else if (pv_network_record_owner_alive(record)) {
            g_hash_table_add(inventory->provium_bridges, g_strdup(record->bridge));
            if (record->run)
                g_hash_table_insert(inventory->bridge_runs, g_strdup(record->bridge),
                                    g_strdup(record->run));
        }
        /* Else its maker died, unprovably or with a kept domain on it: it stays
         * until provium clean, and its route is the host's to a new network. */
    }
    return TRUE;
}

/**
 * pv_network_create:
 * @plan: the file @net belongs to: its run, prefix and file go in the record
 * @record_dir: see pv_network_record_dir_default()
 *
 * Records that provium owns @net, then creates it as a transient libvirt
 * network.  When libvirt refuses, the record goes again.
 * Returns: whether @net now exists; @error carries libvirt's reason
 */
gboolean
pv_network_create(virConnect *conn, PvNetworkPlan *plan, PvNetwork *net,
                  const char *record_dir, GError **error)
{
    g_autofree char *xml = pv_network_xml(net);
    g_autofree char *uri = virConnectGetURI(conn);
    g_autoptr(virNetwork) created = NULL;
    PvNetworkRecord record = {
        .name = (char *)pv_network_peek_name(net),
        .uuid = (char *)pv_network_peek_uuid(net),
        .bridge = (char *)pv_network_peek_bridge(net),
        .uri = uri,
        .run = (char *)pv_network_plan_peek_run_id(plan),
        .prefix = (char *)pv_network_plan_peek_prefix(plan),
        .file = (char *)pv_network_plan_peek_file(plan),
        .net = (char *)pv_network_peek_net(net),
        .host = (char *)g_get_host_name(),
        .machine = (char *)pv_machine_id(),
        .boot = (char *)pv_boot_id(),
        .pid = getpid(),
        .pid_start = pv_process_start_time(getpid()),
    };

    if (!uri) {
        pv_libvirt_set_error(error, _("network '%s': cannot tell libvirt's URI"),
                             pv_network_peek_net(net));
        return FALSE;
    }
    if (!pv_network_record_write(record_dir, &record, error)) {
        g_prefix_error(error, _("network '%s': cannot record that provium owns it: "),
                       pv_network_peek_net(net));
        return FALSE;
    }
    created = virNetworkCreateXML(conn, xml);
    if (!created) {
        pv_libvirt_set_error(error, _("network '%s': libvirt cannot create '%s'"),
                             pv_network_peek_net(net), pv_network_peek_name(net));
        pv_network_record_remove(record_dir, record.uuid, NULL);
        return FALSE;
    }
    pv_network_set_live(net, TRUE);
    return TRUE;
}

/**
 * pv_network_destroy_recorded:
 * @existed: (out) (optional): whether the network was still there
 *
 * Destroys the network @record describes, if libvirt still has it under
 * that UUID and name, then removes the record.  A network that is gone
 * (destroyed by hand, the host rebooted) just loses its record.
 */
gboolean
pv_network_destroy_recorded(virConnect *conn, const PvNetworkRecord *record,
                            const char *record_dir, gboolean *existed, GError **error)
{
    g_autoptr(virNetwork) vnet = virNetworkLookupByUUIDString(conn, record->uuid);

    if (existed)
        *existed = vnet != NULL;
    if (!vnet) {
        if (!pv_libvirt_last_error_is(VIR_ERR_NO_NETWORK)) {
            pv_libvirt_set_error(error, _("cannot look up network '%s'"), record->name);
            return FALSE;
        }
        virResetLastError();
        return pv_network_record_remove(record_dir, record->uuid, error);
    }
    if (g_strcmp0(virNetworkGetName(vnet), record->name) != 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT,
                    _("network %s is named '%s', not '%s' as provium recorded: left alone"),
                    record->uuid, virNetworkGetName(vnet), record->name);
        return FALSE;
    }
    if (virNetworkDestroy(vnet) < 0 && !pv_libvirt_last_error_is(VIR_ERR_OPERATION_INVALID)) {
        pv_libvirt_set_error(error, _("cannot destroy network '%s'"), record->name);
        return FALSE;
    }
    virResetLastError();
    return pv_network_record_remove(record_dir, record->uuid, error);
}

/**
 * pv_network_destroy:
 *
 * Destroys @net, which pv_network_create() made, and removes its record.
 */
gboolean
pv_network_destroy(virConnect *conn, PvNetwork *net, const char *record_dir, GError **error)
{
    PvNetworkRecord record = {
        .name = (char *)pv_network_peek_name(net),
        .uuid = (char *)pv_network_peek_uuid(net),
    };

    if (!pv_network_destroy_recorded(conn, &record, record_dir, NULL, error))
        return FALSE;
    pv_network_set_live(net, FALSE);
    return TRUE;
}

static gboolean
pv_network_update_lease(virConnect *conn, const PvNetwork *net, const PvNic *nic,
                        unsigned int command, GError **error)
{
    g_autoptr(virNetwork) vnet = virNetworkLookupByUUIDString(conn, pv_network_peek_uuid(net));
    g_autofree char *xml = pv_network_dhcp_host_xml(nic);

    if (!vnet || virNetworkUpdate(vnet, command, VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, xml,
                                  VIR_NETWORK_UPDATE_AFFECT_LIVE) < 0) {
        pv_libvirt_set_error(error, _("network '%s': cannot change the DHCP lease of vm '%s'"),
                             pv_network_peek_net(net), nic->vm);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_network_add_lease:
 *
 * Gives @nic its fixed DHCP lease on the live network @net: for NICs
 * planned after the network was created.
 */
gboolean
pv_network_add_lease(virConnect *conn, const PvNetwork *net, const PvNic *nic, GError **error)
{
    return pv_network_update_lease(conn, net, nic, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, error);
}

/**
 * pv_network_remove_lease:
 *
 * Removes @nic's fixed lease (pv_network_plan_take_vm_nics()), so its
 * address and MAC can be given again.
 */
gboolean
pv_network_remove_lease(virConnect *conn, const PvNetwork *net, const PvNic *nic,
                        GError **error)
{
    return pv_network_update_lease(conn, net, nic, VIR_NETWORK_UPDATE_COMMAND_DELETE, error);
}
