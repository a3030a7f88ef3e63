/*
 * pv-network-host.h: provium's networks on the libvirt host
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-network-record.h"
#include "pv-network.h"

gboolean pv_network_inventory_add_host(PvNetworkInventory *inventory, virConnect *conn,
                                       const char *record_dir, GError **error);
gboolean pv_network_host_routes_via(GPtrArray *bridges);

gboolean pv_network_create(virConnect *conn, PvNetworkPlan *plan, PvNetwork *net,
                           const char *record_dir, GError **error);
gboolean pv_network_destroy(virConnect *conn, PvNetwork *net, const char *record_dir,
                            GError **error);
gboolean pv_network_destroy_recorded(virConnect *conn, const PvNetworkRecord *record,
                                     const char *record_dir, gboolean *existed,
                                     GError **error);
gboolean pv_network_add_lease(virConnect *conn, const PvNetwork *net, const PvNic *nic,
                              GError **error);
gboolean pv_network_remove_lease(virConnect *conn, const PvNetwork *net, const PvNic *nic,
                                 GError **error);
