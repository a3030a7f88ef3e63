/*
 * pv-network-private.h: what pv-network.c and pv-network-nic.c share
 */
#pragma once

#if !defined(PV_NETWORK_PRIVATE)
# error "only pv-network.c and pv-network-nic.c include pv-network-private.h"
#endif

#include "pv-network.h"

/* Tries before giving up on a unique name, bridge or MAC (never reached in
 * practice: each try is a fresh hash). */
#define PV_NETWORK_ATTEMPTS 1000

struct _PvNetwork {
    char *net;               /* the test file's name */
    char *name;              /* libvirt's */
    char *bridge;
    char *uuid;
    PvCidr cidr;
    gboolean has_host;
    guint32 host;
    char *host_text;
    gboolean dhcp;           /* asked for */
    PvNetworkForward forward;
    guint32 range_start;     /* with a DHCP server: what dnsmasq hands to strangers */
    guint32 range_end;
    GPtrArray *nics;         /* PvNic, owned */
    GHashTable *leased;      /* with a DHCP server: addresses (GUINT_TO_POINTER) of NICs
                              * gone, whose lease dnsmasq may still hold for their MAC
                              * (it then gives a new MAC another address) */
    gboolean live;           /* created on the host, not yet destroyed */
};

struct _PvNetworkPlan {
    char *run_id;
    char *prefix;
    char *file;
    char *stem;
    GPtrArray *networks;     /* PvNetwork, owned, in the order declared */
};

char *pv_network_hash(const char *const *parts, gsize len);
gboolean pv_network_parse_member(const char *net, const PvCidr *cidr, const char *what,
                                 const char *text, guint32 *addr, GError **error);
