/*
 * pv-guest-net.h: a running guest's NICs: addresses and link state
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-agent.h"
#include "pv-network.h"

char *pv_guest_net_find_interface(virDomain *dom, const char *mac, GStrv *addresses,
                                  GError **error);
gboolean pv_guest_net_configure(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                                gint64 deadline, GError **error);
gboolean pv_guest_net_set_link(virDomain *dom, const char *mac, gboolean up, GError **error);
