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
#include "pv-libvirt-net.h"
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
    g_autoptr(GPtrArray) nets = pv_libvirt_list_networks(conn, error);
    guint i;

    if (!nets)
        return FALSE;
    for (i = 0; i < nets->len; i++) {
        PvLibvirtNetwork *net = nets->pdata[i];

        g_hash_table_add(inventory->networks, g_strdup(net->name));
        if (net->bridge)
            g_hash_table_add(inventory->interfaces, g_strdup(net->bridge));
        pv_xml_collect(net->xml, "/network/mac/@address", inventory->macs);
    }
    return TRUE;
}

static gboolean
pv_network_inventory_add_domains(PvNetworkInventory *inventory, virConnect *conn,
                                 GError **error)
{
    g_autoptr(GPtrArray) xmls = pv_libvirt_list_domain_xml(conn, error);
    guint i;

    if (!xmls)
        return FALSE;
    for (i = 0; i < xmls->len; i++) {
        const char *xml = xmls->pdata[i];

        pv_xml_collect(xml, "/domain/devices/interface/mac/@address", inventory->macs);
        pv_xml_collect(xml, "/domain/devices/interface/target/@dev", inventory->interfaces);
        pv_xml_collect(xml, "/domain/devices/interface/source/@network", inventory->attached);
        pv_xml_collect(xml, "/domain/devices/interface/source/@bridge", inventory->attached);
    }
    return TRUE;
}

/* The host's interfaces as libvirt's interface driver sees them; a host
 * without that driver has nothing to add. */
static void
pv_network_inventory_add_interfaces(PvNetworkInventory *inventory, virConnect *conn)
{
    g_autoptr(GPtrArray) ifaces = pv_libvirt_list_interfaces(conn);
    guint i;

    for (i = 0; i < ifaces->len; i++) {
        PvLibvirtInterface *iface = ifaces->pdata[i];

        g_hash_table_add(inventory->interfaces, g_strdup(iface->name));
        if (iface->mac)
            g_hash_table_add(inventory->macs, g_ascii_strdown(iface->mac, -1));
    }
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
    g_autofree char *uri = pv_libvirt_get_uri(conn, NULL);
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
    g_autoptr(GError) uri_error = NULL;
    g_autofree char *uri = pv_libvirt_get_uri(conn, &uri_error);
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
        .lease = pv_lease_length_default(),
    };

    if (!uri) {
        pv_error_prefix(&uri_error, _("network '%s': cannot tell libvirt's URI"),
                        pv_network_peek_net(net));
        g_propagate_error(error, g_steal_pointer(&uri_error));
        return FALSE;
    }
    if (!pv_network_record_write(record_dir, &record, error)) {
        g_prefix_error(error, _("network '%s': cannot record that provium owns it: "),
                       pv_network_peek_net(net));
        return FALSE;
    }
    if (!pv_libvirt_network_create(conn, xml, error)) {
        pv_error_prefix(error, _("network '%s': libvirt cannot create '%s'"),
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
    if (!pv_libvirt_network_destroy(conn, record->uuid, record->name, existed, error))
        return FALSE;
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
pv_network_update_lease(virConnect *conn, const PvNetwork *net, const PvNic *nic, gboolean add,
                        GError **error)
{
    g_autofree char *xml = pv_network_dhcp_host_xml(nic);

    if (!pv_libvirt_network_update_dhcp_host(conn, pv_network_peek_uuid(net), add, xml,
                                             error)) {
        pv_error_prefix(error, _("network '%s': cannot change the DHCP lease of vm '%s'"),
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
    return pv_network_update_lease(conn, net, nic, TRUE, error);
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
    return pv_network_update_lease(conn, net, nic, FALSE, error);
}
