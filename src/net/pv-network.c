/*
 * pv-network.c: one test file's networks, planned without a host
 *
 * A plan checks what a file asks for (addresses, overlaps, clashes with the
 * host's routes) and picks what must be unique on the libvirt host (network
 * names, bridge names) against an inventory the caller gathered.
 * pv-network-nic.c plans the NICs (addresses, MACs), pv-network-xml.c
 * writes the network XML.  Nothing here talks to libvirt or reads the host:
 * the edge is pv-network-host.c.  doc/networks.md is the design.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#define PV_NETWORK_PRIVATE
#include "pv-network-private.h"

PV_ENUM_IMPL(pv_network_forward, PvNetworkForward, PV_NETWORK_FORWARD_LAST,
             "none", "nat");

static void
pv_network_free(PvNetwork *net)
{
    if (!net)
        return;
    g_free(net->net);
    g_free(net->name);
    g_free(net->bridge);
    g_free(net->uuid);
    g_free(net->host_text);
    g_ptr_array_unref(net->nics);
    if (net->leased)
        g_hash_table_unref(net->leased);
    g_free(net);
}

const char *
pv_network_peek_net(const PvNetwork *net)
{
    return net->net;
}

const char *
pv_network_peek_name(const PvNetwork *net)
{
    return net->name;
}

const char *
pv_network_peek_bridge(const PvNetwork *net)
{
    return net->bridge;
}

const char *
pv_network_peek_uuid(const PvNetwork *net)
{
    return net->uuid;
}

const PvCidr *
pv_network_peek_cidr(const PvNetwork *net)
{
    return &net->cidr;
}

/* Returns: (nullable): the host's address on @net, when it has one */
const char *
pv_network_peek_host(const PvNetwork *net)
{
    return net->host_text;
}

PvNetworkForward
pv_network_get_forward(const PvNetwork *net)
{
    return net->forward;
}

/**
 * pv_network_has_dhcp_server:
 *
 * Whether libvirt's dnsmasq serves DHCP on @net: the file asked for DHCP
 * and the host has an address there, which dnsmasq needs to answer from.
 */
gboolean
pv_network_has_dhcp_server(const PvNetwork *net)
{
    return net->dhcp && net->has_host;
}

/**
 * pv_network_get_dhcp_range:
 *
 * What the DHCP server hands to guests provium did not plan, when there is
 * one (and the network is larger than a /30).
 * Returns: whether there is such a range; @start and @end are set if so
 */
gboolean
pv_network_get_dhcp_range(const PvNetwork *net, guint32 *start, guint32 *end)
{
    if (!pv_network_has_dhcp_server(net) || net->range_start > net->range_end)
        return FALSE;
    *start = net->range_start;
    *end = net->range_end;
    return TRUE;
}

/* Returns: (element-type PvNic) (transfer none): the NICs planned on @net */
GPtrArray *
pv_network_peek_nics(const PvNetwork *net)
{
    return net->nics;
}

/* Whether the edge created @net and has not destroyed it yet. */
gboolean
pv_network_is_live(const PvNetwork *net)
{
    return net->live;
}

/* For the edge (pv-network-host.c) only. */
void
pv_network_set_live(PvNetwork *net, gboolean live)
{
    net->live = live;
}

static GHashTable *
pv_string_set_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

PvNetworkInventory *
pv_network_inventory_new(void)
{
    PvNetworkInventory *inventory = g_new0(PvNetworkInventory, 1);

    inventory->networks = pv_string_set_new();
    inventory->interfaces = pv_string_set_new();
    inventory->macs = pv_string_set_new();
    inventory->provium_bridges = pv_string_set_new();
    inventory->bridge_runs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    inventory->recorded_bridges = pv_string_set_new();
    inventory->attached = pv_string_set_new();
    inventory->dead_bridges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                    (GDestroyNotify)pv_network_record_free);
    return inventory;
}

void
pv_network_inventory_free(PvNetworkInventory *inventory)
{
    if (!inventory)
        return;
    g_hash_table_unref(inventory->networks);
    g_hash_table_unref(inventory->interfaces);
    g_hash_table_unref(inventory->macs);
    g_hash_table_unref(inventory->provium_bridges);
    g_hash_table_unref(inventory->bridge_runs);
    g_hash_table_unref(inventory->recorded_bridges);
    g_hash_table_unref(inventory->attached);
    g_hash_table_unref(inventory->dead_bridges);
    if (inventory->routes)
        g_array_unref(inventory->routes);
    g_free(inventory);
}

/**
 * pv_network_plan_new:
 * @run_id: the run's id: part of every MAC's hash
 * @prefix: the run's prefix, e.g. "pv-3fa9c1-": the start of network names
 * @file: the test file, as the run names it: part of every MAC's hash
 * @file_stem: "boot" for boot.test.lua, already safe in a name
 *
 * Returns: (transfer full): an empty plan for one test file
 */
PvNetworkPlan *
pv_network_plan_new(const char *run_id, const char *prefix, const char *file,
                    const char *file_stem)
{
    PvNetworkPlan *plan = g_new0(PvNetworkPlan, 1);

    plan->run_id = g_strdup(run_id);
    plan->prefix = g_strdup(prefix);
    plan->file = g_strdup(file);
    plan->stem = g_strdup(file_stem);
    plan->networks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_network_free);
    return plan;
}

void
pv_network_plan_free(PvNetworkPlan *plan)
{
    if (!plan)
        return;
    g_free(plan->run_id);
    g_free(plan->prefix);
    g_free(plan->file);
    g_free(plan->stem);
    g_ptr_array_unref(plan->networks);
    g_free(plan);
}

const char *
pv_network_plan_peek_run_id(PvNetworkPlan *plan)
{
    return plan->run_id;
}

const char *
pv_network_plan_peek_prefix(PvNetworkPlan *plan)
{
    return plan->prefix;
}

const char *
pv_network_plan_peek_file(PvNetworkPlan *plan)
{
    return plan->file;
}

/**
 * pv_network_check_name:
 *
 * A network's name in a test file becomes part of a libvirt name and is how
 * NICs refer to it: 1 to 24 letters, digits, '-', '_' or '.'.
 */
gboolean
pv_network_check_name(const char *net, GError **error)
{
    const char *p;

    for (p = net; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            break;
    }
    if (!*net || *p || strlen(net) > PV_NETWORK_NAME_MAX) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network name '%s' is not valid: use 1 to %d letters, digits, '-', '_' "
                      "or '.'"), net, PV_NETWORK_NAME_MAX);
        return FALSE;
    }
    return TRUE;
}

/* The first @len hex digits of SHA-256 over @parts (each ends with a NUL). */
char *
pv_network_hash(const char *const *parts, gsize len)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    gsize i;

    for (i = 0; parts[i]; i++)
        g_checksum_update(sum, (const guchar *)parts[i], strlen(parts[i]) + 1);
    return g_strndup(g_checksum_get_string(sum), len);
}

/**
 * pv_network_bridge_name:
 * @attempt: 0 first; the next when the name is taken
 *
 * "pv-" and 10 hex digits of a hash of the libvirt network's name: 13
 * characters, within Linux's 15, and recognizable in `ip link`.
 * Returns: (transfer full)
 */
char *
pv_network_bridge_name(const char *network_name, guint attempt)
{
    g_autofree char *n = g_strdup_printf("%u", attempt);
    const char *parts[] = { network_name, n, NULL };
    g_autofree char *hash = pv_network_hash(parts, PV_BRIDGE_NAME_MAX - 2 -
                                            strlen(PV_BRIDGE_PREFIX));

    return g_strconcat(PV_BRIDGE_PREFIX, hash, NULL);
}

/* Address blocks no network may use, with what they are. */
static const struct {
    guint32 addr;
    guint prefix;
    const char *what;
} pv_network_reserved[] = {
    { 0x00000000, 8, N_("'this network' block (0.0.0.0/8)") },
    { 0x7f000000, 8, N_("loopback block (127.0.0.0/8)") },
    /* A host route over it would take the cloud metadata address (169.254.169.254). */
    { 0xa9fe0000, 16, N_("link-local block (169.254.0.0/16)") },
    { 0xe0000000, 4, N_("multicast block (224.0.0.0/4)") },
    { 0xf0000000, 4, N_("reserved block (240.0.0.0/4)") },
};

static gboolean
pv_network_parse_cidr(const char *net, const char *text, PvCidr *cidr, GError **error)
{
    gsize i;

    if (!text) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': cidr is missing: give its addresses, e.g. "
                      "cidr = \"192.168.100.0/24\""), net);
        return FALSE;
    }
    if (!pv_cidr_parse(text, cidr, error)) {
        g_prefix_error(error, _("network '%s': "), net);
        return FALSE;
    }
    if (cidr->prefix < 8 || cidr->prefix > 30) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': cidr '%s' has a prefix of /%u: use /8 to /30 "
                      "(a /30 holds 2 addresses, a /24 254)"), net, text, cidr->prefix);
        return FALSE;
    }
    for (i = 0; i < G_N_ELEMENTS(pv_network_reserved); i++) {
        PvCidr reserved = { pv_network_reserved[i].addr, pv_network_reserved[i].prefix };

        if (pv_cidr_overlaps(cidr, &reserved)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("network '%s': cidr '%s' overlaps the %s: use a private block "
                          "such as 192.168.100.0/24 or 10.9.0.0/24"), net, text,
                        _(pv_network_reserved[i].what));
            return FALSE;
        }
    }
    return TRUE;
}

/* An address a guest or the host can have on @cidr: not the network's own
 * address, not its broadcast address.  @what is "host" or "ip". */
gboolean
pv_network_parse_member(const char *net, const PvCidr *cidr, const char *what,
                        const char *text, guint32 *addr, GError **error)
{
    g_autofree char *shown = pv_cidr_to_string(cidr);

    if (!pv_ipv4_parse(text, addr)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': %s '%s' is not an IPv4 address: write e.g. "
                      "\"192.168.100.10\""), net, what, text);
        return FALSE;
    }
    if (!pv_cidr_contains(cidr, *addr)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': %s %s is outside the network %s: choose an address "
                      "in it"), net, what, text, shown);
        return FALSE;
    }
    if (*addr == cidr->addr || *addr == pv_cidr_broadcast(cidr)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': %s %s is the %s address of %s, which no machine can "
                      "have: choose another"), net, what, text,
                    *addr == cidr->addr ? _("network") : _("broadcast"), shown);
        return FALSE;
    }
    return TRUE;
}

/* Whose a route of the host is, by the interface it goes through. */
typedef enum {
    PV_ROUTE_HOST,       /* the host's own: a network with a host address may not take it */
    PV_ROUTE_PROVIUM,    /* a provium network's that may still be in use: it ends by itself */
    PV_ROUTE_DEAD,       /* a provium network's whose run is provably over: removable */
} PvRouteOwner;

static PvRouteOwner
pv_network_route_owner(PvNetworkInventory *inventory, const PvRoute *route)
{
    if (g_hash_table_contains(inventory->dead_bridges, route->iface))
        return PV_ROUTE_DEAD;
    if (g_hash_table_contains(inventory->provium_bridges, route->iface))
        return PV_ROUTE_PROVIUM;
    return PV_ROUTE_HOST;
}

/* The route of the host of @owner that @cidr clashes with, if any.  The
 * default route covers everything and clashes with nothing. */
static const PvRoute *
pv_network_route_clash(const PvCidr *cidr, PvNetworkInventory *inventory, PvRouteOwner owner)
{
    guint i;

    for (i = 0; inventory->routes && i < inventory->routes->len; i++) {
        const PvRoute *route = &g_array_index(inventory->routes, PvRoute, i);

        if (route->dest.prefix > 0 && pv_cidr_overlaps(cidr, &route->dest) &&
            pv_network_route_owner(inventory, route) == owner)
            return route;
    }
    return NULL;
}

/*
 * @busy: also the routes of other provium networks, which end by themselves.
 * Routes of networks whose run is over are no clash: the caller removes
 * those networks first (pv_network_plan_dead_clashes()).
 */
static gboolean
pv_network_check_host_routes(const PvNetwork *net, PvNetworkInventory *inventory,
                             gboolean busy, GError **error)
{
    const PvRoute *route = pv_network_route_clash(&net->cidr, inventory, PV_ROUTE_HOST);
    g_autofree char *dest = NULL;
    g_autofree char *cidr_text = NULL;

    if (!route && busy)
        route = pv_network_route_clash(&net->cidr, inventory, PV_ROUTE_PROVIUM);
    if (!route)
        return TRUE;
    dest = pv_cidr_to_string(&route->dest);
    cidr_text = pv_cidr_to_string(&net->cidr);
    if (pv_network_route_owner(inventory, route) == PV_ROUTE_PROVIUM)
        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    _("network '%s': cidr %s is in use on the host by another provium "
                      "network (route %s on %s), and a network with a host address takes "
                      "its cidr on the host: wait for it to end, or choose other addresses"),
                    net->net, cidr_text, dest, route->iface);
    else if (g_hash_table_contains(inventory->recorded_bridges, route->iface))
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': cidr %s clashes with the host's route to %s (dev %s), "
                      "which a provium network holds whose run provium cannot prove is over "
                      "(made on another machine or boot, or a domain is still on it): run "
                      "provium clean once that run is over, or choose other addresses"),
                    net->net, cidr_text, dest, route->iface);
    else
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': cidr %s clashes with the host's route to %s (dev %s), "
                      "and a network with a host address would take it over: choose "
                      "addresses the host does not use"),
                    net->net, cidr_text, dest, route->iface);
    return FALSE;
}

/* DHCP hands strangers (addresses provium did not plan) the upper half of
 * the network, within one /16 (libvirt's limit), never the host's address.
 * NICs provium plans get fixed leases from the lower half. */
static void
pv_network_set_range(PvNetwork *net)
{
    guint32 first = net->cidr.addr + 1;
    guint32 last = pv_cidr_broadcast(&net->cidr) - 1;
    guint32 start = first + (last - first + 1) / 2;
    guint32 end = MIN(last, start | 0xffff);

    if (net->has_host && net->host >= start && net->host <= end) {
        if (net->host - start >= end - net->host)
            end = net->host - 1;
        else
            start = net->host + 1;
    }
    net->range_start = start;
    net->range_end = end;
}

static char *
pv_network_plan_pick_name(PvNetworkPlan *plan, const char *net, PvNetworkInventory *inventory)
{
    g_autofree char *base = g_strdup_printf("%s%s-%s", plan->prefix, plan->stem, net);
    guint n;

    for (n = 1;; n++) {
        g_autofree char *name = n == 1 ? g_strdup(base) : g_strdup_printf("%s-%u", base, n);

        if (!g_hash_table_contains(inventory->networks, name)) {
            g_hash_table_add(inventory->networks, g_strdup(name));
            return g_steal_pointer(&name);
        }
    }
}

static char *
pv_network_pick_bridge(const char *name, PvNetworkInventory *inventory, GError **error)
{
    guint attempt;

    for (attempt = 0; attempt < PV_NETWORK_ATTEMPTS; attempt++) {
        g_autofree char *bridge = pv_network_bridge_name(name, attempt);

        if (!g_hash_table_contains(inventory->interfaces, bridge)) {
            g_hash_table_add(inventory->interfaces, g_strdup(bridge));
            return g_steal_pointer(&bridge);
        }
    }
    g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                _("no free bridge name for network '%s' after %d tries"), name,
                PV_NETWORK_ATTEMPTS);
    return NULL;
}

/**
 * pv_network_plan_add:
 * @net: the network's name in the test file
 * @inventory: what the host and the run use; what the network takes is
 *   added to it
 *
 * Checks a network the file declares and plans it: its libvirt name
 * ("<prefix><file-stem>-<net>", "-2"... when taken), its bridge, its UUID,
 * its host address and DHCP range.  Refused: a bad name, a malformed CIDR, a
 * host address outside the network, a CIDR overlapping another network of
 * the file, and, for a network that gives the host an address (host, or
 * NAT), a CIDR that clashes with a route of the host's own.  A route of
 * another provium network is no mistake: it ends by itself, and
 * pv_network_plan_check_routes() says so right before creation; nor is one
 * of a network whose run is provably over, removed before creation
 * (pv_network_plan_dead_clashes()).
 * Returns: (transfer none): the network, owned by @plan; NULL with @error
 *   set (PV_ERROR_USAGE: the file's mistake)
 */
PvNetwork *
pv_network_plan_add(PvNetworkPlan *plan, const char *net, const PvNetworkOptions *options,
                    PvNetworkInventory *inventory, GError **error)
{
    g_autoptr(GPtrArray) holder = g_ptr_array_new_with_free_func((GDestroyNotify)pv_network_free);
    PvNetwork *network;
    guint i;

    if (!pv_network_check_name(net, error))
        return NULL;
    if (pv_network_plan_lookup(plan, net)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s' is already declared in this file: give each network "
                      "its own name"), net);
        return NULL;
    }
    network = g_new0(PvNetwork, 1);
    g_ptr_array_add(holder, network);
    network->net = g_strdup(net);
    network->nics = g_ptr_array_new_with_free_func((GDestroyNotify)pv_nic_free);
    network->leased = g_hash_table_new(g_direct_hash, g_direct_equal);
    network->dhcp = options->dhcp;
    if (!pv_network_parse_cidr(net, options->cidr, &network->cidr, error))
        return NULL;
    if (options->forward &&
        (!pv_network_forward_from_string(options->forward, &network->forward) ||
         network->forward == PV_NETWORK_FORWARD_NONE)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("network '%s': forward '%s' is not known: write forward = \"nat\", or "
                      "leave it out for an isolated network"), net, options->forward);
        return NULL;
    }
    if (options->host) {
        if (!pv_network_parse_member(net, &network->cidr, "host", options->host,
                                     &network->host, error))
            return NULL;
        network->has_host = TRUE;
    } else if (network->forward == PV_NETWORK_FORWARD_NAT) {
        /* NAT routes through the host: it needs an address, the guests' gateway. */
        network->host = network->cidr.addr + 1;
        network->has_host = TRUE;
    }
    if (network->has_host)
        network->host_text = pv_ipv4_to_string(network->host);

    for (i = 0; i < plan->networks->len; i++) {
        PvNetwork *other = plan->networks->pdata[i];

        if (pv_cidr_overlaps(&network->cidr, &other->cidr)) {
            g_autofree char *other_cidr = pv_cidr_to_string(&other->cidr);

            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("network '%s': cidr %s overlaps network '%s' (%s) of this file: "
                          "give each network its own addresses"), net, options->cidr,
                        other->net, other_cidr);
            return NULL;
        }
    }
    if (network->has_host && !pv_network_check_host_routes(network, inventory, FALSE, error))
        return NULL;
    if (pv_network_has_dhcp_server(network))
        pv_network_set_range(network);

    network->name = pv_network_plan_pick_name(plan, net, inventory);
    network->bridge = pv_network_pick_bridge(network->name, inventory, error);
    if (!network->bridge) {
        g_hash_table_remove(inventory->networks, network->name);
        return NULL;
    }
    network->uuid = g_uuid_string_random();
    g_ptr_array_add(plan->networks, g_ptr_array_steal_index(holder, 0));
    return network;
}

/**
 * pv_network_plan_check_routes:
 * @inventory: refreshed (pv_network_inventory_add_host()) just before
 *
 * Checks again, against the host's routes now, the networks of @plan that
 * give the host an address and do not exist yet: another file's network may
 * have taken their CIDR on the host since they were declared.  Call it right
 * before creating them.
 * Returns: FALSE with @error set as pv_network_plan_add() does
 *   (PV_ERROR_RESOURCES: another provium network holds the CIDR, wait)
 */
gboolean
pv_network_plan_check_routes(PvNetworkPlan *plan, PvNetworkInventory *inventory,
                             GError **error)
{
    guint i;

    for (i = 0; i < plan->networks->len; i++) {
        const PvNetwork *net = plan->networks->pdata[i];

        if (net->has_host && !net->live &&
            !pv_network_check_host_routes(net, inventory, TRUE, error))
            return FALSE;
    }
    return TRUE;
}

/**
 * pv_network_plan_dead_clashes:
 *
 * The networks left by runs that are provably over (@inventory's
 * dead_bridges) whose routes are in the way of a network of @plan that
 * gives the host an address and does not exist yet: remove them, then
 * refresh @inventory, before pv_network_plan_check_routes().
 * Returns: (transfer container) (element-type PvNetworkRecord): each once,
 *   owned by @inventory; empty when none is in the way
 */
GPtrArray *
pv_network_plan_dead_clashes(PvNetworkPlan *plan, PvNetworkInventory *inventory)
{
    GPtrArray *records = g_ptr_array_new();
    guint i;
    guint j;

    for (i = 0; i < plan->networks->len; i++) {
        const PvNetwork *net = plan->networks->pdata[i];

        if (!net->has_host || net->live)
            continue;
        for (j = 0; inventory->routes && j < inventory->routes->len; j++) {
            const PvRoute *route = &g_array_index(inventory->routes, PvRoute, j);
            PvNetworkRecord *record = g_hash_table_lookup(inventory->dead_bridges,
                                                          route->iface);

            if (record && route->dest.prefix > 0 && pv_cidr_overlaps(&net->cidr, &route->dest) &&
                !g_ptr_array_find(records, record, NULL))
                g_ptr_array_add(records, record);
        }
    }
    return records;
}

/**
 * pv_network_plan_busy_bridges:
 * @blocked: (out) (optional) (transfer none): the first of @plan's networks
 *   in their way
 * @this_run: (out) (optional): whether each of them is recorded as a
 *   network of @plan's own run: then only another file of this run frees
 *   the addresses, by ending
 *
 * What a file waits for when pv_network_plan_check_routes() says busy: the
 * bridges of the other provium networks whose routes are in the way of
 * @plan's networks that give the host an address and do not exist yet.
 * Returns: (transfer full) (element-type utf8): each once; empty when none
 *   is in the way
 */
GPtrArray *
pv_network_plan_busy_bridges(PvNetworkPlan *plan, PvNetworkInventory *inventory,
                             PvNetwork **blocked, gboolean *this_run)
{
    GPtrArray *bridges = g_ptr_array_new_with_free_func(g_free);
    gboolean ours = TRUE;
    guint i;
    guint j;

    if (blocked)
        *blocked = NULL;
    for (i = 0; i < plan->networks->len; i++) {
        PvNetwork *net = plan->networks->pdata[i];

        if (!net->has_host || net->live)
            continue;
        for (j = 0; inventory->routes && j < inventory->routes->len; j++) {
            const PvRoute *route = &g_array_index(inventory->routes, PvRoute, j);

            if (route->dest.prefix == 0 || !pv_cidr_overlaps(&net->cidr, &route->dest) ||
                pv_network_route_owner(inventory, route) != PV_ROUTE_PROVIUM)
                continue;
            if (blocked && !*blocked)
                *blocked = net;
            if (g_strcmp0(g_hash_table_lookup(inventory->bridge_runs, route->iface),
                          plan->run_id) != 0)
                ours = FALSE;
            if (!g_ptr_array_find_with_equal_func(bridges, route->iface, g_str_equal, NULL))
                g_ptr_array_add(bridges, g_strdup(route->iface));
        }
    }
    if (this_run)
        *this_run = ours && bridges->len > 0;
    return bridges;
}

/* Returns: (transfer none) (nullable): the network @net of the file */
PvNetwork *
pv_network_plan_lookup(PvNetworkPlan *plan, const char *net)
{
    guint i;

    for (i = 0; i < plan->networks->len; i++) {
        PvNetwork *network = plan->networks->pdata[i];

        if (g_str_equal(network->net, net))
            return network;
    }
    return NULL;
}

/* Returns: (element-type PvNetwork) (transfer none): in the order declared */
GPtrArray *
pv_network_plan_peek_networks(PvNetworkPlan *plan)
{
    return plan->networks;
}

