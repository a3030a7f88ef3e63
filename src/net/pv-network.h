/*
 * pv-network.h: one test file's networks and NICs, planned without a host
 *
 * doc/networks.md describes the design and what the run calls when.
 */
#pragma once

#include <glib.h>

#include "pv-enum.h"
#include "pv-ipv4.h"
#include "pv-network-record.h"

#define PV_NETWORK_NAME_MAX 24   /* a network's name in a test file */
#define PV_BRIDGE_NAME_MAX 15    /* Linux: IFNAMSIZ - 1 */
#define PV_BRIDGE_PREFIX "pv-"

typedef enum {
    PV_NETWORK_FORWARD_NONE,   /* isolated: no route out of the network */
    PV_NETWORK_FORWARD_NAT,    /* libvirt's NAT through the host */

    PV_NETWORK_FORWARD_LAST
} PvNetworkForward;

PV_ENUM_DECL(pv_network_forward, PvNetworkForward);

/**
 * PvNetworkOptions:
 *
 * A network as the test file asks for it: provium:network(name, {...}).
 */
typedef struct {
    const char *cidr;        /* "192.168.100.0/24"; required */
    const char *host;        /* nullable: the host's address on the network */
    gboolean dhcp;
    const char *forward;     /* nullable: isolated; "nat" */
} PvNetworkOptions;

/**
 * PvNicAddressing:
 *
 * How a guest gets the address provium chose for its NIC.
 */
typedef enum {
    PV_NIC_ADDRESS_AGENT,    /* provium sets it through the guest agent */
    PV_NIC_ADDRESS_DHCP,     /* the guest's DHCP client gets it: a fixed lease of libvirt's
                                dnsmasq */

    PV_NIC_ADDRESS_LAST
} PvNicAddressing;

PV_ENUM_DECL(pv_nic_addressing, PvNicAddressing);

/**
 * PvNic:
 *
 * One NIC of one VM, as planned.  Owned by the plan; read only.
 */
typedef struct {
    char *vm;                /* the VM's name as the caller gave it */
    guint index;             /* the NIC's position among the VM's */
    char *net;               /* the network's name in the test file */
    char *network;           /* the libvirt network's name */
    char *mac;               /* "52:54:00:xx:xx:xx" */
    char *ip;                /* "192.168.100.10" */
    guint prefix;            /* the network's prefix length */
    char *gateway;           /* nullable: the host's address, on a NAT network */
    gboolean fixed;          /* the test file gave the address */
    PvNicAddressing addressing;
} PvNic;

typedef struct _PvNetwork PvNetwork;

const char *pv_network_peek_net(const PvNetwork *net);
const char *pv_network_peek_name(const PvNetwork *net);
const char *pv_network_peek_bridge(const PvNetwork *net);
const char *pv_network_peek_uuid(const PvNetwork *net);
const PvCidr *pv_network_peek_cidr(const PvNetwork *net);
const char *pv_network_peek_host(const PvNetwork *net);
PvNetworkForward pv_network_get_forward(const PvNetwork *net);
gboolean pv_network_has_dhcp_server(const PvNetwork *net);
gboolean pv_network_get_dhcp_range(const PvNetwork *net, guint32 *start, guint32 *end);
GPtrArray *pv_network_peek_nics(const PvNetwork *net);
gboolean pv_network_is_live(const PvNetwork *net);
void pv_network_set_live(PvNetwork *net, gboolean live);

/**
 * PvNetworkInventory:
 *
 * What is in use on the libvirt host and in this run, so that names, bridges
 * and MACs provium picks are unique.  Each field is a set of strings
 * (g_hash_table_add).  Filled by pv_network_inventory_add_host() and by the
 * plans themselves; not locked: callers sharing one serialize their calls.
 */
typedef struct {
    GHashTable *networks;          /* libvirt network names */
    GHashTable *interfaces;        /* interface names: bridges, taps, NICs */
    GHashTable *macs;              /* MAC addresses, lowercase */
    GHashTable *provium_bridges;   /* bridges of provium's networks (ownership records) */
    GHashTable *bridge_runs;       /* bridge -> run id (owned): each provium_bridges' run */
    GHashTable *recorded_bridges;  /* bridges of every recorded provium network */
    GHashTable *attached;          /* networks and bridges a domain's interface is on */
    /* bridge -> PvNetworkRecord (owned): provium networks of runs that are
     * provably over, no domain on them; a run that needs their CIDR on the
     * host removes them */
    GHashTable *dead_bridges;
    GArray *routes;                /* PvRoute: the host's IPv4 routes; NULL: unknown */
} PvNetworkInventory;

PvNetworkInventory *pv_network_inventory_new(void);
void pv_network_inventory_free(PvNetworkInventory *inventory);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvNetworkInventory, pv_network_inventory_free)

typedef struct _PvNetworkPlan PvNetworkPlan;

PvNetworkPlan *pv_network_plan_new(const char *run_id, const char *prefix, const char *file,
                                   const char *file_stem);
void pv_network_plan_free(PvNetworkPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvNetworkPlan, pv_network_plan_free)

PvNetwork *pv_network_plan_add(PvNetworkPlan *plan, const char *net,
                               const PvNetworkOptions *options,
                               PvNetworkInventory *inventory, GError **error);
const char *pv_network_plan_peek_run_id(PvNetworkPlan *plan);
const char *pv_network_plan_peek_prefix(PvNetworkPlan *plan);
const char *pv_network_plan_peek_file(PvNetworkPlan *plan);
gboolean pv_network_plan_check_routes(PvNetworkPlan *plan, PvNetworkInventory *inventory,
                                      GError **error);
GPtrArray *pv_network_plan_dead_clashes(PvNetworkPlan *plan, PvNetworkInventory *inventory);
GPtrArray *pv_network_plan_busy_bridges(PvNetworkPlan *plan, PvNetworkInventory *inventory,
                                        PvNetwork **blocked, gboolean *this_run);
PvNetwork *pv_network_plan_lookup(PvNetworkPlan *plan, const char *net);
GPtrArray *pv_network_plan_peek_networks(PvNetworkPlan *plan);
const PvNic *pv_network_plan_add_nic(PvNetworkPlan *plan, const char *vm, guint index,
                                     const char *net, const char *ip,
                                     PvNetworkInventory *inventory, GError **error);
GPtrArray *pv_network_plan_take_vm_nics(PvNetworkPlan *plan, const char *vm,
                                        PvNetworkInventory *inventory);

/* Pure pieces, exposed for the tests and the edge. */
gboolean pv_network_check_name(const char *net, GError **error);
char *pv_network_bridge_name(const char *network_name, guint attempt);
char *pv_network_mac(const char *run_id, const char *file, const char *vm, guint index,
                     guint attempt);
void pv_nic_free(PvNic *nic);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvNic, pv_nic_free)

char *pv_network_xml(const PvNetwork *net);
char *pv_network_dhcp_host_xml(const PvNic *nic);
