/*
 * net-helper.c: provium's network library end to end on qemu:///system,
 * without the Lua API (tests/e2e/network-lib.sh), and what a network costs
 *
 *   net-helper scenario PREFIX   TAP: two files' networks on the same
 *                                addresses, guests pinging across, isolation,
 *                                link faults, DHCP with a host address
 *   net-helper hold PREFIX       creates two networks, prints "ready", and
 *                                waits to be killed (for provium clean)
 *   net-helper bench PREFIX N    N creates and destroys of a network, and N
 *                                boots of a guest, as medians
 *
 * It calls what the run will call: pv_network_plan_*() for the plan,
 * pv_network_create()/pv_network_destroy() with ownership records in the
 * default directory, pv_template_render() for the NICs,
 * pv_guest_net_configure() and pv_domain_handle_set_link() on the guests.
 * Needs $PV_TEST_IMAGE and $PROVIUM_DATADIR, as make check sets them.
 */
#include "config.h"

#include <ifaddrs.h>
#include <arpa/inet.h>
#include <libvirt/libvirt-qemu.h>
#include <string.h>
#include <unistd.h>

#include "pv-autocleanups.h"
#include "pv-domain.h"
#include "pv-guest-net.h"
#include "pv-libvirt.h"
#include "pv-network-host.h"
#include "pv-template.h"
#include "pv-units.h"
#include "pv-virt.h"

#define URI "qemu:///system"
#define BOOT_TIMEOUT_US (180 * G_USEC_PER_SEC)
#define CONFIGURE_TIMEOUT_US (60 * G_USEC_PER_SEC)

typedef struct {
    char *name;              /* the domain's */
    PvNetworkPlan *plan;     /* borrowed */
    GPtrArray *nics;         /* const PvNic *, borrowed from the plan */
    virDomain *dom;
} Vm;

typedef struct {
    virConnect *conn;
    char *prefix;
    char *run_id;
    char *record_dir;
    PvVirtType virt;
    PvNetworkInventory *inventory;
    GPtrArray *plans;        /* PvNetworkPlan */
    GPtrArray *vms;          /* Vm */
    PvWake wake;
    PvAgentContext agent;
    guint tap_n;
    gboolean failed;
} Ctx;

static void
vm_free(Vm *vm)
{
    if (vm->dom) {
        virDomainDestroy(vm->dom);
        virDomainFree(vm->dom);
    }
    g_ptr_array_unref(vm->nics);
    g_free(vm->name);
    g_free(vm);
}

static void
ctx_init(Ctx *ctx, const char *prefix)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *reason = NULL;
    g_autofree char *cache_dir = pv_cache_dir_default();
    g_autoptr(PvVirt) virt = NULL;

    memset(ctx, 0, sizeof(*ctx));
    ctx->conn = pv_libvirt_open(URI, &error);
    if (!ctx->conn)
        g_error("%s", error->message);
    ctx->prefix = g_strdup(prefix);
    ctx->run_id = g_strdup_printf("nl%d", (int)getpid());
    ctx->record_dir = pv_network_record_dir_default();
    virt = pv_virt_new(ctx->conn, pv_libvirt_is_local(ctx->conn), cache_dir);
    ctx->virt = pv_virt_get_auto(virt, &reason);
    ctx->inventory = pv_network_inventory_new();
    if (!pv_network_inventory_add_host(ctx->inventory, ctx->conn, ctx->record_dir, &error))
        g_error("%s", error->message);
    ctx->plans = g_ptr_array_new_with_free_func((GDestroyNotify)pv_network_plan_free);
    ctx->vms = g_ptr_array_new_with_free_func((GDestroyNotify)vm_free);
    pv_wake_init(&ctx->wake);
    ctx->agent.wake = &ctx->wake;
}

/* Domains first, then the networks they were plugged into. */
static void
ctx_clear(Ctx *ctx)
{
    guint i, j;

    g_ptr_array_set_size(ctx->vms, 0);
    for (i = 0; i < ctx->plans->len; i++) {
        GPtrArray *nets = pv_network_plan_peek_networks(ctx->plans->pdata[i]);

        for (j = 0; j < nets->len; j++) {
            g_autoptr(GError) error = NULL;

            if (pv_network_is_live(nets->pdata[j]) &&
                !pv_network_destroy(ctx->conn, nets->pdata[j], ctx->record_dir, &error))
                g_printerr("net-helper: %s\n", error->message);
        }
    }
    g_ptr_array_unref(ctx->vms);
    g_ptr_array_unref(ctx->plans);
    pv_network_inventory_free(ctx->inventory);
    pv_wake_clear(&ctx->wake);
    virConnectClose(ctx->conn);
    g_free(ctx->prefix);
    g_free(ctx->run_id);
    g_free(ctx->record_dir);
}

static void
tap(Ctx *ctx, gboolean ok, const char *desc)
{
    ctx->tap_n++;
    if (!ok)
        ctx->failed = TRUE;
    g_print("%sok %u - %s\n", ok ? "" : "not ", ctx->tap_n, desc);
}

static PvNetworkPlan *
plan_new(Ctx *ctx, const char *stem)
{
    g_autofree char *file = g_strdup_printf("/t/%s.test.lua", stem);
    PvNetworkPlan *plan = pv_network_plan_new(ctx->run_id, ctx->prefix, file, stem);

    g_ptr_array_add(ctx->plans, plan);
    return plan;
}

static PvNetwork *
net_new(Ctx *ctx, PvNetworkPlan *plan, const char *net, const char *cidr, const char *host,
        gboolean dhcp)
{
    g_autoptr(GError) error = NULL;
    PvNetworkOptions options = { cidr, host, dhcp, NULL };
    PvNetwork *network = pv_network_plan_add(plan, net, &options, ctx->inventory, &error);

    if (!network)
        g_error("%s", error->message);
    return network;
}

static void
net_create(Ctx *ctx, PvNetworkPlan *plan, PvNetwork *net)
{
    g_autoptr(GError) error = NULL;

    if (!pv_network_create(ctx->conn, plan, net, ctx->record_dir, &error))
        g_error("%s", error->message);
}

static Vm *
vm_new(Ctx *ctx, PvNetworkPlan *plan, const char *stem, const char *name)
{
    Vm *vm = g_new0(Vm, 1);

    vm->name = g_strdup_printf("%s%s-%s", ctx->prefix, stem, name);
    vm->plan = plan;
    vm->nics = g_ptr_array_new();
    g_ptr_array_add(ctx->vms, vm);
    return vm;
}

static const PvNic *
vm_add_nic(Ctx *ctx, Vm *vm, const char *net, const char *ip)
{
    g_autoptr(GError) error = NULL;
    const PvNic *nic = pv_network_plan_add_nic(vm->plan, vm->name, vm->nics->len, net, ip,
                                               ctx->inventory, &error);

    if (!nic)
        g_error("%s", error->message);
    g_ptr_array_add(vm->nics, (gpointer)nic);
    return nic;
}

static void
vm_start(Ctx *ctx, Vm *vm)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *template = g_build_filename(g_getenv("PROVIUM_DATADIR"), "xml-templates",
                                                 "default.xml", NULL);
    g_autofree char *kernel = g_build_filename(g_getenv("PV_TEST_IMAGE"), "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(g_getenv("PV_TEST_IMAGE"), "initrd.img", NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GArray) nics = g_array_new(FALSE, TRUE, sizeof(PvDomainNic));
    PvDomainRequest request = {
        .name = vm->name,
        .memory = 256 * PV_MIB,
        .vcpus = 1,
        .virt_type = ctx->virt,
        .kernel = kernel,
        .initrd = initrd,
        .cmdline = "console=ttyS0 quiet",
    };
    guint i;

    for (i = 0; i < vm->nics->len; i++) {
        const PvNic *nic = vm->nics->pdata[i];
        PvDomainNic dnic = { nic->network, nic->mac, FALSE };

        g_array_append_val(nics, dnic);
    }
    request.nics = (const PvDomainNic *)nics->data;
    request.n_nics = nics->len;
    xml = pv_template_render_file(template, &request, NULL, &error);
    if (!xml)
        g_error("%s", error->message);
    vm->dom = virDomainCreateXML(ctx->conn, xml, VIR_DOMAIN_START_AUTODESTROY);
    if (!vm->dom) {
        pv_libvirt_set_error(&error, "cannot start %s", vm->name);
        g_error("%s", error->message);
    }
}

/* Polls guest-ping until the agent answers. */
static void
vm_wait_agent(Vm *vm)
{
    gint64 deadline = g_get_monotonic_time() + BOOT_TIMEOUT_US;

    for (;;) {
        g_autofree char *reply = virDomainQemuAgentCommand(vm->dom,
                                                           "{\"execute\":\"guest-ping\"}",
                                                           2, 0);

        if (reply)
            return;
        virResetLastError();
        if (g_get_monotonic_time() > deadline)
            g_error("%s: the guest agent did not connect", vm->name);
        g_usleep(50 * 1000);
    }
}

static gboolean
vm_configure(Ctx *ctx, Vm *vm)
{
    guint i;

    for (i = 0; i < vm->nics->len; i++) {
        g_autoptr(GError) error = NULL;

        if (!pv_guest_net_configure(vm->dom, &ctx->agent, vm->nics->pdata[i],
                                    g_get_monotonic_time() + CONFIGURE_TIMEOUT_US, &error)) {
            g_print("# %s\n", error->message);
            return FALSE;
        }
    }
    return TRUE;
}

/* Whether libvirt's dnsmasq leased @nic's address to @nic's MAC. */
static gboolean
net_has_lease(Ctx *ctx, const PvNetwork *net, const PvNic *nic)
{
    g_autoptr(virNetwork) vnet = virNetworkLookupByUUIDString(ctx->conn,
                                                              pv_network_peek_uuid(net));
    virNetworkDHCPLeasePtr *leases = NULL;
    gboolean found = FALSE;
    int n = vnet ? virNetworkGetDHCPLeases(vnet, nic->mac, &leases, 0) : -1;
    int i;

    for (i = 0; i < n; i++) {
        found = found || g_strcmp0(leases[i]->ipaddr, nic->ip) == 0;
        virNetworkDHCPLeaseFree(leases[i]);
    }
    free(leases);
    return found;
}

/* Whether libvirt has @net and provium's record of it exists. */
static gboolean
net_recorded(Ctx *ctx, const PvNetwork *net)
{
    g_autoptr(virNetwork) vnet = virNetworkLookupByName(ctx->conn, pv_network_peek_name(net));
    g_autofree char *file = g_strconcat(pv_network_peek_uuid(net), ".network", NULL);
    g_autofree char *path = g_build_filename(ctx->record_dir, file, NULL);

    virResetLastError();
    return vnet && g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

/* Runs @argv in the guest. Returns: its exit status; @out its output */
static int
vm_run(Ctx *ctx, Vm *vm, const char *const *argv, char **out)
{
    g_autoptr(GError) error = NULL;
    g_auto(PvAgentExecResult) result = { 0 };
    PvAgentExec exec = {
        .path = argv[0], .args = argv + 1,
        .deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC,
    };

    if (!pv_agent_exec(vm->dom, &ctx->agent, &exec, &result, &error))
        g_error("%s: %s", vm->name, error->message);
    if (out)
        *out = g_strndup(g_bytes_get_data(result.out, NULL), g_bytes_get_size(result.out));
    return result.timed_out || result.signaled ? -1 : result.exit_code;
}

/* One ping; with @tries > 1, until one gets through (links take a moment). */
static gboolean
vm_ping(Ctx *ctx, Vm *vm, const char *ip, guint tries)
{
    const char *const argv[] = { "ping", "-c1", "-W2", ip, NULL };
    guint i;

    for (i = 0; i < tries; i++) {
        if (vm_run(ctx, vm, argv, NULL) == 0)
            return TRUE;
    }
    return FALSE;
}

/* The MAC @vm's neighbour table has for @ip, lowercase, or "". */
static char *
vm_neighbour(Ctx *ctx, Vm *vm, const char *ip)
{
    const char *const argv[] = { "ip", "neigh", "show", ip, NULL };
    g_autofree char *out = NULL;
    g_auto(GStrv) words = NULL;
    guint i;

    vm_run(ctx, vm, argv, &out);
    words = g_strsplit_set(out ? out : "", " \n", -1);
    for (i = 0; words[i] && words[i + 1]; i++) {
        if (g_str_equal(words[i], "lladdr"))
            return g_ascii_strdown(words[i + 1], -1);
    }
    return g_strdup("");
}

static void
start_all(Ctx *ctx)
{
    guint i;

    for (i = 0; i < ctx->vms->len; i++)
        vm_start(ctx, ctx->vms->pdata[i]);
    for (i = 0; i < ctx->vms->len; i++)
        vm_wait_agent(ctx->vms->pdata[i]);
}

static gboolean
bridge_exists(const PvNetwork *net)
{
    g_autofree char *path = g_build_filename("/sys/class/net", pv_network_peek_bridge(net),
                                             NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* This host's IPv4 address on its default route's interface, and its prefix. */
static gboolean
host_address(char **addr, guint *prefix)
{
    g_autofree char *routes = NULL;
    g_autoptr(GArray) parsed = NULL;
    struct ifaddrs *ifas = NULL;
    struct ifaddrs *ifa;
    const char *iface = NULL;
    guint i;

    if (!g_file_get_contents("/proc/net/route", &routes, NULL, NULL) ||
        !(parsed = pv_routes_parse_proc(routes, NULL)))
        return FALSE;
    for (i = 0; i < parsed->len && !iface; i++) {
        if (g_array_index(parsed, PvRoute, i).dest.prefix == 0)
            iface = g_array_index(parsed, PvRoute, i).iface;
    }
    if (!iface || getifaddrs(&ifas) < 0)
        return FALSE;
    for (ifa = ifas; ifa; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET &&
            g_str_equal(ifa->ifa_name, iface)) {
            guint32 a = g_ntohl(((struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr);
            guint32 m = g_ntohl(((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr.s_addr);

            *addr = pv_ipv4_to_string(a);
            for (*prefix = 0; *prefix < 32 && (m & (1u << (31 - *prefix))); (*prefix)++)
                ;
            freeifaddrs(ifas);
            return TRUE;
        }
    }
    freeifaddrs(ifas);
    return FALSE;
}

/*
 * File a: networks lan (192.168.77.0/24) and dmz (192.168.78.0/24), VMs a1
 * (lan .10), a2 (lan .11), a3 (dmz .11).  File b: network lan on the same
 * addresses, VM b1 (lan .11, a2's address).  File c: network wan
 * (10.77.0.0/24) with a host address and DHCP, VM c1 planned after the
 * network exists (its fixed lease goes in through virNetworkUpdate).
 */
static int
scenario(const char *prefix)
{
    Ctx ctx;
    PvNetworkPlan *a, *b, *c;
    PvNetwork *a_lan, *a_dmz, *b_lan, *c_wan;
    Vm *a1, *a2, *a3, *b1, *c1;
    const PvNic *a2_nic, *c1_nic;
    g_autofree char *neighbour = NULL;
    g_autofree char *host_ip = NULL;
    g_autoptr(GError) error = NULL;
    guint host_prefix = 0;
    guint i;

    ctx_init(&ctx, prefix);
    a = plan_new(&ctx, "a");
    b = plan_new(&ctx, "b");
    c = plan_new(&ctx, "c");
    a_lan = net_new(&ctx, a, "lan", "192.168.77.0/24", NULL, TRUE);
    a_dmz = net_new(&ctx, a, "dmz", "192.168.78.0/24", NULL, FALSE);
    b_lan = net_new(&ctx, b, "lan", "192.168.77.0/24", NULL, TRUE);
    c_wan = net_new(&ctx, c, "wan", "10.77.0.0/24", "10.77.0.1", TRUE);
    a1 = vm_new(&ctx, a, "a", "a1");
    a2 = vm_new(&ctx, a, "a", "a2");
    a3 = vm_new(&ctx, a, "a", "a3");
    b1 = vm_new(&ctx, b, "b", "b1");
    vm_add_nic(&ctx, a1, "lan", "192.168.77.10");
    a2_nic = vm_add_nic(&ctx, a2, "lan", "192.168.77.11");
    vm_add_nic(&ctx, a3, "dmz", "192.168.78.11");
    vm_add_nic(&ctx, b1, "lan", "192.168.77.11");
    net_create(&ctx, a, a_lan);
    net_create(&ctx, a, a_dmz);
    net_create(&ctx, b, b_lan);
    net_create(&ctx, c, c_wan);
    tap(&ctx, bridge_exists(a_lan) && bridge_exists(b_lan) && bridge_exists(c_wan),
        "each network has its own bridge on the host");
    c1 = vm_new(&ctx, c, "c", "c1");
    c1_nic = vm_add_nic(&ctx, c1, "wan", "10.77.0.10");
    tap(&ctx, pv_network_add_lease(ctx.conn, c_wan, c1_nic, &error),
        "a fixed lease goes into a live network");
    if (error)
        g_print("# %s\n", error->message);

    tap(&ctx, net_recorded(&ctx, a_lan) && net_recorded(&ctx, c_wan),
        "the networks exist, each with its ownership record");

    start_all(&ctx);
    for (i = 0; i < ctx.vms->len; i++) {
        Vm *vm = ctx.vms->pdata[i];
        g_autofree char *desc = g_strdup_printf("%s gets its address", vm->name);

        tap(&ctx, vm_configure(&ctx, vm), desc);
    }
    tap(&ctx, net_has_lease(&ctx, c_wan, c1_nic),
        "c1's address is its fixed lease from libvirt's DHCP server");

    tap(&ctx, vm_ping(&ctx, a1, "192.168.77.11", 3), "a1 reaches a2 on file a's lan");
    neighbour = vm_neighbour(&ctx, a1, "192.168.77.11");
    tap(&ctx, g_str_equal(neighbour, a2_nic->mac),
        "the machine that answered is a2, not b1 (same address, file b's lan)");
    if (!g_str_equal(neighbour, a2_nic->mac))
        g_print("# a1 sees 192.168.77.11 at '%s', a2 is %s\n", neighbour, a2_nic->mac);
    tap(&ctx, !vm_ping(&ctx, b1, "192.168.77.10", 1),
        "b1 does not reach a1 (same cidr, file b's own network)");
    {
        const char *const add[] = { "ip", "addr", "add", "192.168.77.99/24", "dev", "eth0",
                                    NULL };

        tap(&ctx, vm_run(&ctx, a3, add, NULL) == 0 && !vm_ping(&ctx, a3, "192.168.77.10", 1),
            "a3 on file a's dmz does not reach lan, even with a lan address");
    }

    tap(&ctx, pv_domain_handle_set_link(a2->dom, a2_nic->mac, FALSE, &error),
        "link down through virDomainUpdateDeviceFlags");
    if (error)
        g_print("# %s\n", error->message);
    g_clear_error(&error);
    tap(&ctx, !vm_ping(&ctx, a1, "192.168.77.11", 1), "with a2's link down, a1's ping fails");
    tap(&ctx, pv_domain_handle_set_link(a2->dom, a2_nic->mac, TRUE, &error), "link up again");
    g_clear_error(&error);
    tap(&ctx, vm_ping(&ctx, a1, "192.168.77.11", 5), "with a2's link up, a1's ping passes");

    tap(&ctx, vm_ping(&ctx, c1, "10.77.0.1", 3), "c1 reaches the host's address on wan");
    if (host_address(&host_ip, &host_prefix)) {
        guint32 addr = 0;
        PvCidr cidr;
        g_autofree char *forged = NULL;
        g_autofree char *forged_cidr = NULL;

        pv_ipv4_parse(host_ip, &addr);
        cidr.prefix = host_prefix;
        cidr.addr = addr & pv_cidr_netmask(host_prefix);
        forged = pv_ipv4_to_string(pv_cidr_broadcast(&cidr) - 1 == addr ?
                                   pv_cidr_broadcast(&cidr) - 2 :
                                   pv_cidr_broadcast(&cidr) - 1);
        forged_cidr = g_strdup_printf("%s/%u", forged, host_prefix);
        {
            const char *const add[] = { "ip", "addr", "add", forged_cidr, "dev", "eth0",
                                        NULL };

            tap(&ctx, vm_run(&ctx, a1, add, NULL) == 0 && !vm_ping(&ctx, a1, host_ip, 1),
                "an isolated network does not reach the host, even from the host's subnet");
        }
    } else {
        ctx.tap_n++;
        g_print("ok %u - # SKIP this host has no IPv4 default route\n", ctx.tap_n);
    }

    ctx_clear(&ctx);
    g_print("1..%u\n", ctx.tap_n);
    return ctx.failed ? 1 : 0;
}

static G_GNUC_NORETURN void
hold(const char *prefix)
{
    Ctx ctx;
    PvNetworkPlan *plan;
    PvNetwork *lan, *wan;

    ctx_init(&ctx, prefix);
    plan = plan_new(&ctx, "held");
    lan = net_new(&ctx, plan, "lan", "192.168.79.0/24", NULL, FALSE);
    wan = net_new(&ctx, plan, "wan", "10.79.0.0/24", "10.79.0.1", TRUE);
    net_create(&ctx, plan, lan);
    net_create(&ctx, plan, wan);
    g_print("ready %s %s\n", pv_network_peek_name(lan), pv_network_peek_name(wan));
    fflush(stdout);
    for (;;)
        pause();
}

static int
compare_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double
median(GArray *values)
{
    g_array_sort(values, compare_double);
    return g_array_index(values, double, values->len / 2);
}

/* Creates and destroys a network @n times. Returns: the median, in seconds */
static double
bench_network(Ctx *ctx, const char *cidr, const char *host, gboolean dhcp, guint n)
{
    g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(double));
    guint i;

    for (i = 0; i < n; i++) {
        g_autofree char *stem = g_strdup_printf("bench%u%s", i, host ? "h" : "");
        PvNetworkPlan *plan = plan_new(ctx, stem);
        PvNetwork *net = net_new(ctx, plan, "lan", cidr, host, dhcp);
        g_autoptr(GError) error = NULL;
        gint64 start = g_get_monotonic_time();
        double s;

        net_create(ctx, plan, net);
        if (!pv_network_destroy(ctx->conn, net, ctx->record_dir, &error))
            g_error("%s", error->message);
        s = (g_get_monotonic_time() - start) / 1e6;
        g_array_append_val(times, s);
    }
    return median(times);
}

/* Boots a guest without NICs to a connected agent and destroys it, @n times. */
static double
bench_boot(Ctx *ctx, guint n)
{
    g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(double));
    PvNetworkPlan *plan = plan_new(ctx, "boot");
    guint i;

    for (i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("v%u", i);
        Vm *vm = vm_new(ctx, plan, "boot", name);
        gint64 start = g_get_monotonic_time();
        double s;

        vm_start(ctx, vm);
        vm_wait_agent(vm);
        g_ptr_array_remove(ctx->vms, vm);  /* destroys it */
        s = (g_get_monotonic_time() - start) / 1e6;
        g_array_append_val(times, s);
    }
    return median(times);
}

static int
bench(const char *prefix, guint n)
{
    Ctx ctx;
    double isolated, dhcp, boot;

    ctx_init(&ctx, prefix);
    isolated = bench_network(&ctx, "192.168.80.0/24", NULL, FALSE, n);
    dhcp = bench_network(&ctx, "10.80.0.0/24", "10.80.0.1", TRUE, n);
    boot = bench_boot(&ctx, n);
    g_print("network create + destroy, isolated:          %7.3f s  (%.3f of a boot)\n",
            isolated, isolated / boot);
    g_print("network create + destroy, host address, DHCP: %7.3f s  (%.3f of a boot)\n",
            dhcp, dhcp / boot);
    g_print("one boot to a connected agent (%s):        %7.3f s\n",
            pv_virt_type_to_string(ctx.virt), boot);
    g_print("bench: network_isolated_s=%.3f network_dhcp_s=%.3f boot_s=%.3f "
            "ratio_isolated=%.3f ratio_dhcp=%.3f n=%u\n", isolated, dhcp, boot,
            isolated / boot, dhcp / boot, n);
    ctx_clear(&ctx);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc >= 3 && g_str_equal(argv[1], "scenario"))
        return scenario(argv[2]);
    if (argc >= 3 && g_str_equal(argv[1], "hold"))
        hold(argv[2]);
    if (argc >= 4 && g_str_equal(argv[1], "bench"))
        return bench(argv[2], (guint)g_ascii_strtoull(argv[3], NULL, 10));
    g_printerr("usage: net-helper scenario PREFIX | hold PREFIX | bench PREFIX N\n");
    return 2;
}
