/*
 * pv-ipv4.h: IPv4 addresses, networks (CIDR) and the host's routes
 */
#pragma once

#include <glib.h>

/**
 * PvCidr:
 *
 * An IPv4 network: @addr is the network address (host bits zero), in host
 * byte order, so that arithmetic on addresses is arithmetic on integers.
 */
typedef struct {
    guint32 addr;
    guint prefix;
} PvCidr;

/**
 * PvRoute:
 *
 * One IPv4 route of a host: where it goes and through which interface.
 */
typedef struct {
    char *iface;
    PvCidr dest;
} PvRoute;

gboolean pv_ipv4_parse(const char *text, guint32 *addr);
char *pv_ipv4_to_string(guint32 addr);

gboolean pv_cidr_parse(const char *text, PvCidr *cidr, GError **error);
char *pv_cidr_to_string(const PvCidr *cidr);
guint32 pv_cidr_netmask(guint prefix);
guint32 pv_cidr_broadcast(const PvCidr *cidr);
gboolean pv_cidr_contains(const PvCidr *cidr, guint32 addr);
gboolean pv_cidr_overlaps(const PvCidr *a, const PvCidr *b);

void pv_route_clear(PvRoute *route);
GArray *pv_routes_parse_proc(const char *text, GError **error);
