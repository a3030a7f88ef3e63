/*
 * pv-guest-net.h: a running guest's NICs: their addresses
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-agent.h"
#include "pv-network.h"

gboolean pv_guest_net_configure(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                                gint64 deadline, GError **error);
gboolean pv_guest_net_wait(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                           gint64 deadline, GError **error);
