/*
 * test-network.c: IPv4 parsing, network plans (names, bridges, MACs,
 * addresses, the mistakes a file can make), network XML golden files
 * (networkdata/)
 */
#include "config.h"

#include <string.h>

#include "golden.h"
#include "pv-error.h"
#include "pv-network.h"

/* A route table as /proc/net/route prints it on a little-endian host:
 * default via 192.0.2.1, 192.0.2.0/24 on eth0, 10.0.0.0/8 on wg0 (down:
 * flags 0), 172.16.5.0/24 on pv-0123456789 (another provium network). */
static const char *const proc_route =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    "wg0\t0000000A\t00000000\t0000\t0\t0\t0\t000000FF\t0\t0\t0\n"
    "pv-0123456789\t000510AC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

static void
test_ipv4_parse(void)
{
    guint32 addr = 7;
    g_autofree char *text = NULL;
    const char *bad[] = {
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4",
        "a.b.c.d", "1.2.3.-4", "1234.1.1.1", "::1",
    };
    gsize i;

    g_assert_true(pv_ipv4_parse("192.168.100.10", &addr));
    g_assert_cmphex(addr, ==, 0xc0a8640a);
    text = pv_ipv4_to_string(addr);
    g_assert_cmpstr(text, ==, "192.168.100.10");
    g_assert_true(pv_ipv4_parse("0.0.0.0", &addr));
    g_assert_cmphex(addr, ==, 0);
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        addr = 7;
        g_assert_false(pv_ipv4_parse(bad[i], &addr));
        g_assert_cmphex(addr, ==, 7);
    }
}

static void
assert_cidr_error(const char *text, const char *expected)
{
    g_autoptr(GError) error = NULL;
    PvCidr cidr = { 0 };

    g_assert_false(pv_cidr_parse(text, &cidr, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_test_message("%s: %s", text, error->message);
    g_assert_nonnull(strstr(error->message, expected));
}

static void
test_cidr(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    PvCidr a, b, c;

    g_assert_true(pv_cidr_parse("192.168.100.0/24", &a, &error));
    g_assert_no_error(error);
    g_assert_cmphex(a.addr, ==, 0xc0a86400);
    g_assert_cmpuint(a.prefix, ==, 24);
    g_assert_cmphex(pv_cidr_broadcast(&a), ==, 0xc0a864ff);
    text = pv_cidr_to_string(&a);
    g_assert_cmpstr(text, ==, "192.168.100.0/24");
    g_assert_true(pv_cidr_contains(&a, 0xc0a86401));
    g_assert_false(pv_cidr_contains(&a, 0xc0a86501));

    g_assert_true(pv_cidr_parse("192.168.0.0/16", &b, NULL));
    g_assert_true(pv_cidr_parse("192.169.0.0/24", &c, NULL));
    g_assert_true(pv_cidr_overlaps(&a, &b));
    g_assert_true(pv_cidr_overlaps(&b, &a));
    g_assert_false(pv_cidr_overlaps(&a, &c));
    g_assert_cmphex(pv_cidr_netmask(0), ==, 0);
    g_assert_cmphex(pv_cidr_netmask(32), ==, 0xffffffff);

    assert_cidr_error("192.168.100.5/24", "has host bits set: write the network's address, "
                      "\"192.168.100.0/24\"");
    assert_cidr_error("192.168.100.0", "is not an IPv4 network");
    assert_cidr_error("192.168.100.0/", "is not an IPv4 network");
    assert_cidr_error("192.168.100.0/33", "is not an IPv4 network");
    assert_cidr_error("192.168.100.0/+8", "is not an IPv4 network");
    assert_cidr_error("192.168.300.0/24", "is not an IPv4 network");
    assert_cidr_error("fd00::/64", "is an IPv6 network");
}

static void
test_routes(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) routes = pv_routes_parse_proc(proc_route, &error);
    PvRoute *route;

    g_assert_no_error(error);
    /* wg0's route is not up */
    g_assert_cmpuint(routes->len, ==, 3);
    route = &g_array_index(routes, PvRoute, 0);
    g_assert_cmpstr(route->iface, ==, "eth0");
    g_assert_cmpuint(route->dest.prefix, ==, 0);
    route = &g_array_index(routes, PvRoute, 1);
    g_assert_cmphex(route->dest.addr, ==, 0xc0000200);
    g_assert_cmpuint(route->dest.prefix, ==, 24);
    route = &g_array_index(routes, PvRoute, 2);
    g_assert_cmpstr(route->iface, ==, "pv-0123456789");
    g_assert_cmphex(route->dest.addr, ==, 0xac100500);

    g_assert_null(pv_routes_parse_proc("not a route table\n", &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_clear_error(&error);
    g_assert_null(pv_routes_parse_proc("Iface\tDestination\n"
                                       "eth0\t00000000\t0\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n",
                                       &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
}

/* An inventory of this host: eth0, a libvirt network "default" on virbr0,
 * another provium network, one domain's MAC, and the routes above. */
static PvNetworkInventory *
make_inventory(void)
{
    PvNetworkInventory *inventory = pv_network_inventory_new();

    g_hash_table_add(inventory->networks, g_strdup("default"));
    g_hash_table_add(inventory->interfaces, g_strdup("eth0"));
    g_hash_table_add(inventory->interfaces, g_strdup("virbr0"));
    g_hash_table_add(inventory->interfaces, g_strdup("pv-0123456789"));
    g_hash_table_add(inventory->provium_bridges, g_strdup("pv-0123456789"));
    inventory->routes = pv_routes_parse_proc(proc_route, NULL);
    return inventory;
}

static PvNetwork *
add_network(PvNetworkPlan *plan, PvNetworkInventory *inventory, const char *net,
            const char *cidr, const char *host, gboolean dhcp, const char *forward)
{
    g_autoptr(GError) error = NULL;
    PvNetworkOptions options = { cidr, host, dhcp, forward };
    PvNetwork *network = pv_network_plan_add(plan, net, &options, inventory, &error);

    g_assert_no_error(error);
    g_assert_nonnull(network);
    return network;
}

static void
assert_add_error(PvNetworkPlan *plan, PvNetworkInventory *inventory, const char *net,
                 const char *cidr, const char *host, const char *forward, PvErrorCode code,
                 const char *expected)
{
    g_autoptr(GError) error = NULL;
    PvNetworkOptions options = { cidr, host, FALSE, forward };
    guint before = pv_network_plan_peek_networks(plan)->len;
    guint names = g_hash_table_size(inventory->networks);

    g_assert_null(pv_network_plan_add(plan, net, &options, inventory, &error));
    g_assert_error(error, PV_ERROR, (gint)code);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, expected));
    /* A refused network takes nothing. */
    g_assert_cmpuint(pv_network_plan_peek_networks(plan)->len, ==, before);
    g_assert_cmpuint(g_hash_table_size(inventory->networks), ==, names);
}

static void
test_plan_networks(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvNetworkInventory) inventory = make_inventory();
    g_autoptr(PvNetworkPlan) plan = pv_network_plan_new("run1", "pv-r1-", "/t/lan.test.lua",
                                                        "lan");
    g_autoptr(PvNetworkPlan) twin = pv_network_plan_new("run1", "pv-r1-", "/u/lan.test.lua",
                                                        "lan");
    PvNetwork *lan = add_network(plan, inventory, "lan", "192.168.100.0/24", NULL, TRUE, NULL);
    PvNetwork *wan = add_network(plan, inventory, "wan", "10.9.0.0/24", "10.9.0.1", FALSE,
                                 NULL);
    PvNetwork *out = add_network(plan, inventory, "out", "10.10.0.0/24", NULL, FALSE, "nat");
    PvNetwork *other;

    g_assert_cmpstr(pv_network_peek_name(lan), ==, "pv-r1-lan-lan");
    g_assert_cmpstr(pv_network_peek_net(lan), ==, "lan");
    g_assert_true(pv_network_plan_lookup(plan, "wan") == wan);
    g_assert_null(pv_network_plan_lookup(plan, "dmz"));
    g_assert_true(g_uuid_string_is_valid(pv_network_peek_uuid(lan)));
    g_assert_cmpstr(pv_network_peek_uuid(lan), !=, pv_network_peek_uuid(wan));
    /* Isolated: no host address, so no DHCP server even when asked. */
    g_assert_null(pv_network_peek_host(lan));
    g_assert_false(pv_network_has_dhcp_server(lan));
    g_assert_cmpstr(pv_network_peek_host(wan), ==, "10.9.0.1");
    /* NAT needs the host as the guests' gateway: the first address. */
    g_assert_cmpint(pv_network_get_forward(out), ==, PV_NETWORK_FORWARD_NAT);
    g_assert_cmpstr(pv_network_peek_host(out), ==, "10.10.0.1");

    /* Bridges: within 15 characters, unique, not the ones in use. */
    g_assert_cmpuint(strlen(pv_network_peek_bridge(lan)), <=, PV_BRIDGE_NAME_MAX);
    g_assert_true(g_str_has_prefix(pv_network_peek_bridge(lan), PV_BRIDGE_PREFIX));
    g_assert_cmpstr(pv_network_peek_bridge(lan), !=, pv_network_peek_bridge(wan));
    g_assert_true(g_hash_table_contains(inventory->interfaces, pv_network_peek_bridge(lan)));
    g_assert_true(g_hash_table_contains(inventory->networks, "pv-r1-lan-lan"));

    /* A second file with the same stem and the same addresses: its own name
     * and bridge; isolated networks do not clash with each other. */
    other = add_network(twin, inventory, "lan", "192.168.100.0/24", NULL, TRUE, NULL);
    g_assert_cmpstr(pv_network_peek_name(other), ==, "pv-r1-lan-lan-2");
    g_assert_cmpstr(pv_network_peek_bridge(other), !=, pv_network_peek_bridge(lan));

    assert_add_error(plan, inventory, "lan", "192.168.7.0/24", NULL, NULL, PV_ERROR_USAGE,
                     "network 'lan' is already declared in this file");
    assert_add_error(plan, inventory, "l a n", "192.168.7.0/24", NULL, NULL, PV_ERROR_USAGE,
                     "network name 'l a n' is not valid");
    assert_add_error(plan, inventory, "dmz", NULL, NULL, NULL, PV_ERROR_USAGE,
                     "network 'dmz': cidr is missing");
    assert_add_error(plan, inventory, "dmz", "192.168.7.0/33", NULL, NULL, PV_ERROR_USAGE,
                     "network 'dmz': cidr '192.168.7.0/33' is not an IPv4 network");
    assert_add_error(plan, inventory, "dmz", "192.168.7.0/31", NULL, NULL, PV_ERROR_USAGE,
                     "has a prefix of /31: use /8 to /30");
    assert_add_error(plan, inventory, "dmz", "127.0.0.0/8", NULL, NULL, PV_ERROR_USAGE,
                     "overlaps the loopback block");
    assert_add_error(plan, inventory, "dmz", "169.254.0.0/16", "169.254.0.1", NULL,
                     PV_ERROR_USAGE, "cidr '169.254.0.0/16' overlaps the link-local block");
    assert_add_error(plan, inventory, "dmz", "169.254.169.0/24", NULL, NULL, PV_ERROR_USAGE,
                     "overlaps the link-local block (169.254.0.0/16)");
    assert_add_error(plan, inventory, "dmz", "192.168.7.0/24", "192.168.8.1", NULL,
                     PV_ERROR_USAGE,
                     "network 'dmz': host 192.168.8.1 is outside the network 192.168.7.0/24");
    assert_add_error(plan, inventory, "dmz", "192.168.7.0/24", "192.168.7.255", NULL,
                     PV_ERROR_USAGE, "is the broadcast address of 192.168.7.0/24");
    assert_add_error(plan, inventory, "dmz", "192.168.7.0/24", "192.168.7", NULL,
                     PV_ERROR_USAGE, "host '192.168.7' is not an IPv4 address");
    assert_add_error(plan, inventory, "dmz", "192.168.7.0/24", NULL, "route", PV_ERROR_USAGE,
                     "forward 'route' is not known");
    assert_add_error(plan, inventory, "dmz", "192.168.0.0/16", NULL, NULL, PV_ERROR_USAGE,
                     "cidr 192.168.0.0/16 overlaps network 'lan' (192.168.100.0/24) of this "
                     "file");
    /* The host's own route: the file's mistake. */
    assert_add_error(plan, inventory, "dmz", "192.0.2.0/25", "192.0.2.1", NULL, PV_ERROR_USAGE,
                     "cidr 192.0.2.0/25 clashes with the host's route to 192.0.2.0/24 "
                     "(dev eth0)");
    /* Another provium network's route: busy, not wrong; said before creation. */
    add_network(twin, inventory, "dmz", "172.16.5.0/24", NULL, FALSE, "nat");
    g_assert_false(pv_network_plan_check_routes(twin, inventory, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_RESOURCES);
    g_assert_nonnull(strstr(error->message, "network 'dmz': cidr 172.16.5.0/24 is in use on "
                                            "the host by another provium network"));
    g_clear_error(&error);
    /* An isolated network gives the host no address: no route to clash with;
     * nor does a route that is down. */
    add_network(plan, inventory, "iso", "192.0.2.0/24", NULL, FALSE, NULL);
    add_network(plan, inventory, "wg", "10.1.0.0/24", "10.1.0.1", FALSE, NULL);

    /* Before creating them: another provium network took wan's cidr since. */
    g_assert_true(pv_network_plan_check_routes(plan, inventory, &error));
    g_assert_no_error(error);
    g_array_append_val(inventory->routes, ((PvRoute) { g_strdup("pv-9876543210"),
                                                       { 0x0a090000, 24 } }));
    g_hash_table_add(inventory->provium_bridges, g_strdup("pv-9876543210"));
    g_assert_false(pv_network_plan_check_routes(plan, inventory, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_RESOURCES);
    g_assert_nonnull(strstr(error->message, "network 'wan': cidr 10.9.0.0/24 is in use"));
    g_clear_error(&error);
    /* wan exists already: its own route is no clash. */
    pv_network_set_live(wan, TRUE);
    g_assert_true(pv_network_plan_check_routes(plan, inventory, &error));
}

/*
 * What a busy file waits for: the bridges of the provium networks in the
 * way, each once, and whether all of them are its own run's (only then can
 * a deadlock among the run's files be what keeps it waiting).
 */
static void
test_plan_busy_bridges(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvNetworkInventory) inventory = make_inventory();
    g_autoptr(PvNetworkPlan) plan = pv_network_plan_new("run2", "pv-r2-", "/t/wan.test.lua",
                                                        "wan");
    g_autoptr(GPtrArray) bridges = NULL;
    PvNetwork *blocked = NULL;
    PvNetwork *wan;
    gboolean this_run = TRUE;

    add_network(plan, inventory, "iso", "10.30.0.0/24", NULL, FALSE, NULL);
    wan = add_network(plan, inventory, "wan", "10.9.0.0/16", "10.9.0.1", FALSE, NULL);
    add_network(plan, inventory, "lab", "10.20.0.0/24", "10.20.0.1", FALSE, NULL);
    bridges = pv_network_plan_busy_bridges(plan, inventory, &blocked, &this_run);
    g_assert_cmpuint(bridges->len, ==, 0);
    g_assert_null(blocked);
    g_assert_false(this_run);
    g_clear_pointer(&bridges, g_ptr_array_unref);

    /* Two routes of one network of run1's, another of run2's: wan's way. */
    g_array_append_val(inventory->routes, ((PvRoute) { g_strdup("pv-1111111111"),
                                                       { 0x0a090000, 24 } }));
    g_array_append_val(inventory->routes, ((PvRoute) { g_strdup("pv-1111111111"),
                                                       { 0x0a090100, 24 } }));
    g_array_append_val(inventory->routes, ((PvRoute) { g_strdup("pv-2222222222"),
                                                       { 0x0a090200, 24 } }));
    g_hash_table_add(inventory->provium_bridges, g_strdup("pv-1111111111"));
    g_hash_table_add(inventory->provium_bridges, g_strdup("pv-2222222222"));
    g_hash_table_insert(inventory->bridge_runs, g_strdup("pv-1111111111"), g_strdup("run1"));
    g_hash_table_insert(inventory->bridge_runs, g_strdup("pv-2222222222"), g_strdup("run2"));
    g_assert_false(pv_network_plan_check_routes(plan, inventory, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_RESOURCES);
    bridges = pv_network_plan_busy_bridges(plan, inventory, &blocked, &this_run);
    g_assert_cmpuint(bridges->len, ==, 2);
    g_assert_cmpstr(bridges->pdata[0], ==, "pv-1111111111");
    g_assert_cmpstr(bridges->pdata[1], ==, "pv-2222222222");
    g_assert_true(blocked == wan);
    g_assert_false(this_run);
    g_clear_pointer(&bridges, g_ptr_array_unref);

    /* run1's network gone: only this run's own is in the way. */
    g_array_remove_range(inventory->routes, inventory->routes->len - 3, 2);
    g_hash_table_remove(inventory->provium_bridges, "pv-1111111111");
    bridges = pv_network_plan_busy_bridges(plan, inventory, NULL, &this_run);
    g_assert_cmpuint(bridges->len, ==, 1);
    g_assert_cmpstr(bridges->pdata[0], ==, "pv-2222222222");
    g_assert_true(this_run);
    g_clear_pointer(&bridges, g_ptr_array_unref);

    /* Once wan exists, nothing is in its way. */
    pv_network_set_live(wan, TRUE);
    bridges = pv_network_plan_busy_bridges(plan, inventory, &blocked, &this_run);
    g_assert_cmpuint(bridges->len, ==, 0);
    g_assert_false(this_run);
}

/*
 * A network left by a run that is provably over (the inventory's
 * dead_bridges): its route is no mistake of the file, and no reason to
 * wait; it is named for removal before creation.  One whose run is not
 * provably over is the host's route, said with provium clean.
 */
static void
test_plan_dead_network(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvNetworkInventory) inventory = make_inventory();
    g_autoptr(PvNetworkPlan) plan = pv_network_plan_new("run2", "pv-r2-", "/t/wan.test.lua",
                                                        "wan");
    g_autoptr(GPtrArray) dead = NULL;
    PvNetworkRecord *record = g_new0(PvNetworkRecord, 1);
    PvNetwork *wan;

    record->name = g_strdup("pv-r1-wan-wan");
    record->bridge = g_strdup("pv-5555555555");
    record->run = g_strdup("run1");
    g_array_append_val(inventory->routes, ((PvRoute) { g_strdup("pv-5555555555"),
                                                       { 0x0a090000, 24 } }));
    g_array_append_val(inventory->routes, ((PvRoute) { g_strdup("pv-6666666666"),
                                                       { 0x0a0b0000, 24 } }));
    g_hash_table_add(inventory->recorded_bridges, g_strdup("pv-5555555555"));
    g_hash_table_add(inventory->recorded_bridges, g_strdup("pv-6666666666"));
    g_hash_table_insert(inventory->dead_bridges, g_strdup("pv-5555555555"), record);

    /* At discovery and before creation: no clash, one network to remove. */
    wan = add_network(plan, inventory, "wan", "10.9.0.0/16", "10.9.0.1", FALSE, NULL);
    add_network(plan, inventory, "iso", "10.12.0.0/24", NULL, FALSE, NULL);
    g_assert_true(pv_network_plan_check_routes(plan, inventory, &error));
    g_assert_no_error(error);
    dead = pv_network_plan_dead_clashes(plan, inventory);
    g_assert_cmpuint(dead->len, ==, 1);
    g_assert_true(dead->pdata[0] == record);
    g_clear_pointer(&dead, g_ptr_array_unref);
    /* Once the network exists, nothing of the dead one is in its way. */
    pv_network_set_live(wan, TRUE);
    dead = pv_network_plan_dead_clashes(plan, inventory);
    g_assert_cmpuint(dead->len, ==, 0);

    /* An isolated network gives the host no address: a dead route is not in its way. */
    g_clear_pointer(&dead, g_ptr_array_unref);
    g_clear_pointer(&plan, pv_network_plan_free);
    plan = pv_network_plan_new("run2", "pv-r2-", "/t/wan.test.lua", "wan");
    add_network(plan, inventory, "wan", "10.9.0.0/24", NULL, FALSE, NULL);
    dead = pv_network_plan_dead_clashes(plan, inventory);
    g_assert_cmpuint(dead->len, ==, 0);

    /* Recorded, but not provably over: the host's route, with what to do. */
    assert_add_error(plan, inventory, "lab", "10.11.0.0/24", "10.11.0.1", NULL,
                     PV_ERROR_USAGE, "clashes with the host's route to 10.11.0.0/24 (dev "
                     "pv-6666666666), which a provium network holds whose run provium cannot "
                     "prove is over (made on another machine or boot, or a domain is still "
                     "on it): run provium clean once that run is over");
}

static void
test_bridge_and_mac(void)
{
    g_autofree char *bridge = pv_network_bridge_name("pv-r1-lan-lan", 0);
    g_autofree char *bridge_again = pv_network_bridge_name("pv-r1-lan-lan", 0);
    g_autofree char *bridge_next = pv_network_bridge_name("pv-r1-lan-lan", 1);
    g_autofree char *mac = pv_network_mac("run1", "/t/a.test.lua", "east", 0, 0);
    g_autofree char *mac_again = pv_network_mac("run1", "/t/a.test.lua", "east", 0, 0);
    g_autofree char *mac_nic1 = pv_network_mac("run1", "/t/a.test.lua", "east", 1, 0);
    g_autofree char *mac_run2 = pv_network_mac("run2", "/t/a.test.lua", "east", 0, 0);
    g_autoptr(GRegex) mac_re = g_regex_new("^52:54:00(:[0-9a-f]{2}){3}$", 0, 0, NULL);
    g_autoptr(GRegex) bridge_re = g_regex_new("^pv-[0-9a-f]{10}$", 0, 0, NULL);

    g_assert_true(g_regex_match(bridge_re, bridge, 0, NULL));
    g_assert_cmpstr(bridge, ==, bridge_again);
    g_assert_cmpstr(bridge, !=, bridge_next);
    g_assert_true(g_regex_match(mac_re, mac, 0, NULL));
    g_assert_cmpstr(mac, ==, mac_again);
    g_assert_cmpstr(mac, !=, mac_nic1);
    g_assert_cmpstr(mac, !=, mac_run2);
}

static const PvNic *
add_nic(PvNetworkPlan *plan, PvNetworkInventory *inventory, const char *vm, guint index,
        const char *net, const char *ip)
{
    g_autoptr(GError) error = NULL;
    const PvNic *nic = pv_network_plan_add_nic(plan, vm, index, net, ip, inventory, &error);

    g_assert_no_error(error);
    g_assert_nonnull(nic);
    return nic;
}

static void
assert_nic_error(PvNetworkPlan *plan, PvNetworkInventory *inventory, const char *vm,
                 const char *net, const char *ip, const char *expected)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(pv_network_plan_add_nic(plan, vm, 0, net, ip, inventory, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, expected));
}

static void
test_plan_nics(void)
{
    g_autoptr(PvNetworkInventory) inventory = make_inventory();
    g_autoptr(PvNetworkPlan) plan = pv_network_plan_new("run1", "pv-r1-", "/t/a.test.lua",
                                                        "a");
    g_autoptr(GPtrArray) taken = NULL;
    g_autofree char *first_mac = NULL;
    g_autofree char *blocked = pv_network_mac("run1", "/t/a.test.lua", "west", 0, 0);
    const PvNic *nic;

    add_network(plan, inventory, "lan", "192.168.100.0/24", NULL, TRUE, NULL);
    add_network(plan, inventory, "wan", "10.9.0.0/24", "10.9.0.1", TRUE, NULL);
    add_network(plan, inventory, "tiny", "10.20.0.0/30", NULL, FALSE, NULL);
    add_network(plan, inventory, "out", "10.30.0.0/24", NULL, FALSE, "nat");

    nic = add_nic(plan, inventory, "east", 0, "lan", "192.168.100.10");
    g_assert_cmpstr(nic->ip, ==, "192.168.100.10");
    g_assert_cmpuint(nic->prefix, ==, 24);
    g_assert_true(nic->fixed);
    g_assert_cmpstr(nic->network, ==, "pv-r1-a-lan");
    g_assert_null(nic->gateway);
    /* No host address on lan: the agent sets the address. */
    g_assert_cmpint(nic->addressing, ==, PV_NIC_ADDRESS_AGENT);
    first_mac = g_strdup(nic->mac);
    g_assert_true(g_hash_table_contains(inventory->macs, nic->mac));

    /* Without an ip: the highest free address (no DHCP server on lan). */
    nic = add_nic(plan, inventory, "east", 1, "wan", NULL);
    g_assert_false(nic->fixed);
    /* A DHCP server on wan: a fixed lease below its range (.128 up). */
    g_assert_cmpint(nic->addressing, ==, PV_NIC_ADDRESS_DHCP);
    g_assert_cmpstr(nic->ip, ==, "10.9.0.127");
    g_assert_cmpstr(nic->mac, !=, first_mac);

    /* A MAC in use on the host is passed over. */
    g_hash_table_add(inventory->macs, g_strdup(blocked));
    nic = add_nic(plan, inventory, "west", 0, "lan", NULL);
    g_assert_cmpstr(nic->ip, ==, "192.168.100.254");
    g_assert_cmpstr(nic->mac, !=, blocked);
    nic = add_nic(plan, inventory, "north", 0, "lan", NULL);
    g_assert_cmpstr(nic->ip, ==, "192.168.100.253");

    nic = add_nic(plan, inventory, "east", 2, "out", NULL);
    g_assert_cmpstr(nic->gateway, ==, "10.30.0.1");
    g_assert_cmpstr(nic->ip, ==, "10.30.0.254");

    nic = add_nic(plan, inventory, "a", 0, "tiny", NULL);
    g_assert_cmpstr(nic->ip, ==, "10.20.0.2");
    nic = add_nic(plan, inventory, "b", 0, "tiny", NULL);
    g_assert_cmpstr(nic->ip, ==, "10.20.0.1");
    assert_nic_error(plan, inventory, "c", "tiny", NULL,
                     "vm 'c': network 'tiny' (10.20.0.0/30) has no address left to give");

    assert_nic_error(plan, inventory, "south", "dmz", NULL,
                     "vm 'south': nics: no network 'dmz' in this file (it has 'lan', 'wan', "
                     "'tiny', 'out')");
    assert_nic_error(plan, inventory, "south", "lan", "192.168.101.3",
                     "vm 'south': network 'lan': ip 192.168.101.3 is outside the network "
                     "192.168.100.0/24");
    assert_nic_error(plan, inventory, "south", "lan", "192.168.100.0",
                     "is the network address of 192.168.100.0/24");
    assert_nic_error(plan, inventory, "south", "lan", "banana",
                     "ip 'banana' is not an IPv4 address");
    assert_nic_error(plan, inventory, "south", "lan", "192.168.100.10",
                     "vm 'south': ip 192.168.100.10 on network 'lan' is already vm 'east''s");
    assert_nic_error(plan, inventory, "south", "lan", "192.168.100.254",
                     "was already given to vm 'west', which has no ip of its own");
    assert_nic_error(plan, inventory, "south", "wan", "10.9.0.1",
                     "vm 'south': ip 10.9.0.1 is the host's address on network 'wan'");
    assert_nic_error(plan, inventory, "east", "lan", NULL, "vm 'east' already has NIC 0");

    /* east's domain is gone: its addresses and MACs are free again. */
    taken = pv_network_plan_take_vm_nics(plan, "east", inventory);
    g_assert_cmpuint(taken->len, ==, 3);
    g_assert_false(g_hash_table_contains(inventory->macs, first_mac));
    nic = add_nic(plan, inventory, "east", 0, "lan", "192.168.100.10");
    g_assert_cmpstr(nic->mac, ==, first_mac);
    g_assert_cmpuint(pv_network_peek_nics(pv_network_plan_lookup(plan, "lan"))->len, ==, 3);
    /*
     * But a DHCP address east had (wan's .127) goes to another VM only when
     * none other is left: dnsmasq still holds its lease for east's MAC.
     */
    nic = add_nic(plan, inventory, "later", 0, "wan", NULL);
    g_assert_cmpstr(nic->ip, ==, "10.9.0.126");
}

/* The UUID is random: the golden files hold a fixed one. */
static char *
fixed_uuid(const char *xml, const PvNetwork *net)
{
    g_auto(GStrv) parts = g_strsplit(xml, pv_network_peek_uuid(net), 2);

    g_assert_nonnull(parts[1]);
    return g_strjoinv("00000000-0000-4000-8000-000000000000", parts);
}

static void
compare_network(const char *name, const PvNetwork *net)
{
    g_autofree char *file = g_strconcat(name, ".xml", NULL);
    g_autofree char *path = g_build_filename(g_getenv("PV_TEST_SRCDIR"), "networkdata", file,
                                             NULL);
    g_autofree char *xml = pv_network_xml(net);
    g_autofree char *golden = fixed_uuid(xml, net);

    pv_test_compare_golden(path, golden);
}

static void
test_xml(void)
{
    g_autoptr(PvNetworkInventory) inventory = pv_network_inventory_new();
    g_autoptr(PvNetworkPlan) plan = pv_network_plan_new("run1", "pv-r1-", "/t/x.test.lua",
                                                        "x");
    PvNetwork *isolated = add_network(plan, inventory, "lan", "192.168.100.0/24", NULL, TRUE,
                                      NULL);
    PvNetwork *host = add_network(plan, inventory, "wan", "10.9.0.0/24", "10.9.0.1", FALSE,
                                  NULL);
    PvNetwork *dhcp = add_network(plan, inventory, "dhcp", "10.8.0.0/24", "10.8.0.254", TRUE,
                                  NULL);
    PvNetwork *nat = add_network(plan, inventory, "out", "10.7.0.0/16", NULL, TRUE, "nat");
    PvNetwork *small = add_network(plan, inventory, "small", "10.6.0.0/30", "10.6.0.1", TRUE,
                                   NULL);
    g_autofree char *lease = NULL;
    g_autofree char *expected = NULL;
    const PvNic *east;

    add_nic(plan, inventory, "east", 0, "dhcp", "10.8.0.10");
    add_nic(plan, inventory, "west", 0, "dhcp", NULL);
    add_nic(plan, inventory, "east", 1, "out", NULL);
    compare_network("isolated", isolated);
    compare_network("host", host);
    compare_network("dhcp", dhcp);
    compare_network("nat", nat);
    compare_network("small", small);

    east = pv_network_peek_nics(dhcp)->pdata[0];
    lease = pv_network_dhcp_host_xml(east);
    expected = g_strdup_printf("<host mac=\"%s\" ip=\"10.8.0.10\">\n"
                               "  <lease expiry=\"0\"/>\n"
                               "</host>", east->mac);
    g_assert_cmpstr(lease, ==, expected);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/network/ipv4/parse", test_ipv4_parse);
    g_test_add_func("/network/ipv4/cidr", test_cidr);
    g_test_add_func("/network/ipv4/routes", test_routes);
    g_test_add_func("/network/plan/networks", test_plan_networks);
    g_test_add_func("/network/plan/dead-network", test_plan_dead_network);
    g_test_add_func("/network/plan/busy-bridges", test_plan_busy_bridges);
    g_test_add_func("/network/plan/bridge-and-mac", test_bridge_and_mac);
    g_test_add_func("/network/plan/nics", test_plan_nics);
    g_test_add_func("/network/xml", test_xml);
    return g_test_run();
}
