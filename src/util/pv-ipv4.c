/*
 * pv-ipv4.c: IPv4 addresses, networks (CIDR) and the host's routes
 *
 * Pure parsing and arithmetic: the route table is text given by the caller
 * (the contents of /proc/net/route), so everything here is tested without a
 * host.  provium's networks are IPv4 only (doc/networks.md says why).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#include "pv-ipv4.h"

/**
 * pv_ipv4_parse:
 * @addr: (out): the address in host byte order
 *
 * Parses dotted decimal, strictly: four numbers 0 to 255, no leading zeros
 * (which some parsers read as octal), nothing around them.
 * Returns: whether @text is an IPv4 address; @addr is untouched otherwise
 */
gboolean
pv_ipv4_parse(const char *text, guint32 *addr)
{
    const char *p = text;
    guint32 value = 0;
    int i;

    for (i = 0; i < 4; i++) {
        guint octet = 0;
        const char *start;

        if (i > 0 && *p++ != '.')
            return FALSE;
        start = p;
        while (g_ascii_isdigit(*p) && p - start < 3)
            octet = octet * 10 + (*p++ - '0');
        if (p == start || octet > 255 || (p - start > 1 && *start == '0'))
            return FALSE;
        value = (value << 8) | octet;
    }
    if (*p)
        return FALSE;
    *addr = value;
    return TRUE;
}

/**
 * pv_ipv4_to_string:
 * Returns: (transfer full): @addr (host byte order) in dotted decimal
 */
char *
pv_ipv4_to_string(guint32 addr)
{
    return g_strdup_printf("%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
                           addr & 0xff);
}

/**
 * pv_cidr_netmask:
 * Returns: the netmask of @prefix (0 to 32), in host byte order
 */
guint32
pv_cidr_netmask(guint prefix)
{
    return prefix == 0 ? 0 : G_MAXUINT32 << (32 - MIN(prefix, 32));
}

guint32
pv_cidr_broadcast(const PvCidr *cidr)
{
    return cidr->addr | ~pv_cidr_netmask(cidr->prefix);
}

gboolean
pv_cidr_contains(const PvCidr *cidr, guint32 addr)
{
    return (addr & pv_cidr_netmask(cidr->prefix)) == cidr->addr;
}

/* Two networks overlap when one holds the other's network address. */
gboolean
pv_cidr_overlaps(const PvCidr *a, const PvCidr *b)
{
    return pv_cidr_contains(a, b->addr) || pv_cidr_contains(b, a->addr);
}

/**
 * pv_cidr_parse:
 * @text: "192.168.100.0/24"
 *
 * Parses an IPv4 network in CIDR notation.  The address must be the
 * network's own (no host bits set): "192.168.100.5/24" is a mistake the
 * message corrects.
 * Returns: whether @text is one; @error says what is wrong otherwise
 */
gboolean
pv_cidr_parse(const char *text, PvCidr *cidr, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(text, "/", 2);
    guint32 addr;
    guint64 prefix = 0;
    char *end = NULL;

    if (strchr(text, ':')) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("cidr '%s' is an IPv6 network: provium's networks are IPv4 only; "
                      "write e.g. \"192.168.100.0/24\""), text);
        return FALSE;
    }
    if (!parts[0] || !parts[1] || !pv_ipv4_parse(parts[0], &addr) || !*parts[1] ||
        !g_ascii_isdigit(parts[1][0]) ||
        (prefix = g_ascii_strtoull(parts[1], &end, 10), *end) || prefix > 32) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("cidr '%s' is not an IPv4 network: write the network's address and "
                      "prefix length, e.g. \"192.168.100.0/24\""), text);
        return FALSE;
    }
    if (addr & ~pv_cidr_netmask(prefix)) {
        g_autofree char *network = pv_ipv4_to_string(addr & pv_cidr_netmask(prefix));

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("cidr '%s' has host bits set: write the network's address, "
                      "\"%s/%u\""), text, network, (guint)prefix);
        return FALSE;
    }
    cidr->addr = addr;
    cidr->prefix = prefix;
    return TRUE;
}

/**
 * pv_cidr_to_string:
 * Returns: (transfer full): "192.168.100.0/24"
 */
char *
pv_cidr_to_string(const PvCidr *cidr)
{
    g_autofree char *addr = pv_ipv4_to_string(cidr->addr);

    return g_strdup_printf("%s/%u", addr, cidr->prefix);
}

void
pv_route_clear(PvRoute *route)
{
    g_clear_pointer(&route->iface, g_free);
}

/* A netmask's prefix length, or -1 when its bits are not contiguous. */
static int
pv_netmask_prefix(guint32 mask)
{
    int prefix = 0;

    while (prefix < 32 && (mask & (1u << (31 - prefix))))
        prefix++;
    return pv_cidr_netmask(prefix) == mask ? prefix : -1;
}

/**
 * pv_routes_parse_proc:
 * @text: the contents of /proc/net/route
 *
 * Reads the IPv4 routes that are up.  The kernel prints each address as the
 * hexadecimal value of its network-order bytes read as a host integer.
 * Returns: (transfer full) (element-type PvRoute): the routes, or NULL with
 *   @error set when @text is not that table
 */
GArray *
pv_routes_parse_proc(const char *text, GError **error)
{
    g_autoptr(GArray) routes = g_array_new(FALSE, TRUE, sizeof(PvRoute));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint i;

    g_array_set_clear_func(routes, (GDestroyNotify)pv_route_clear);
    if (!lines[0] || !g_str_has_prefix(lines[0], "Iface")) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_IO,
                            _("the route table does not start with /proc/net/route's header"));
        return NULL;
    }
    for (i = 1; lines[i]; i++) {
        g_auto(GStrv) fields = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
        g_autoptr(GPtrArray) cols = g_ptr_array_new();
        guint64 dest, flags, mask;
        char *end_dest = NULL, *end_flags = NULL, *end_mask = NULL;
        PvRoute route = { 0 };
        int prefix;
        guint j;

        for (j = 0; fields[j]; j++) {
            if (*fields[j])
                g_ptr_array_add(cols, fields[j]);
        }
        if (cols->len == 0)
            continue;
        if (cols->len < 8) {
            g_set_error(error, PV_ERROR, PV_ERROR_IO,
                        _("line %u of the route table has %u fields, not 11"), i + 1,
                        cols->len);
            return NULL;
        }
        dest = g_ascii_strtoull(cols->pdata[1], &end_dest, 16);
        flags = g_ascii_strtoull(cols->pdata[3], &end_flags, 16);
        mask = g_ascii_strtoull(cols->pdata[7], &end_mask, 16);
        prefix = pv_netmask_prefix(g_ntohl((guint32)mask));
        if (*end_dest || *end_flags || *end_mask || dest > G_MAXUINT32 ||
            mask > G_MAXUINT32 || prefix < 0) {
            g_set_error(error, PV_ERROR, PV_ERROR_IO,
                        _("line %u of the route table is not a route: %s"), i + 1, lines[i]);
            return NULL;
        }
        if (!(flags & 0x1))  /* RTF_UP */
            continue;
        route.iface = g_strdup(cols->pdata[0]);
        route.dest.prefix = prefix;
        route.dest.addr = g_ntohl((guint32)dest) & pv_cidr_netmask(prefix);
        g_array_append_val(routes, route);
    }
    return g_steal_pointer(&routes);
}
