/*
 * pv-libvirt-net.h: libvirt's networks and the host's interfaces
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/**
 * PvLibvirtNetwork:
 *
 * A network libvirt has on the host, as an inventory needs it.
 */
typedef struct {
    char *name;
    char *bridge;        /* nullable */
    char *xml;           /* nullable: gone meanwhile */
} PvLibvirtNetwork;

/**
 * PvLibvirtInterface:
 *
 * A host interface as libvirt's interface driver sees it.
 */
typedef struct {
    char *name;
    char *mac;           /* nullable */
} PvLibvirtInterface;

GPtrArray *pv_libvirt_list_networks(virConnect *conn, GError **error);
GPtrArray *pv_libvirt_list_domain_xml(virConnect *conn, GError **error);
GPtrArray *pv_libvirt_list_interfaces(virConnect *conn);
gboolean pv_libvirt_network_create(virConnect *conn, const char *xml, GError **error);
gboolean pv_libvirt_network_destroy(virConnect *conn, const char *uuid, const char *name,
                                    gboolean *existed, GError **error);
gboolean pv_libvirt_network_update_dhcp_host(virConnect *conn, const char *uuid, gboolean add,
                                             const char *xml, GError **error);
