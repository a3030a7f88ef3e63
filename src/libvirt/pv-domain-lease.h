/*
 * pv-domain-lease.h: the lease a run keeps fresh in its domains' metadata
 */
#pragma once

#include <glib.h>

#include "pv-domain.h"
#include "pv-owner.h"

/* An element of its own beside provium's <instance>, renewed without touching it. */
#define PV_LEASE_URI "http://provium.org/xmlns/lease/1.0"
#define PV_LEASE_PREFIX "provium-lease"

char *pv_domain_lease_xml(const PvOwner *owner);
gboolean pv_domain_lease_parse(const char *xml, gint64 *renewed, gint64 *expires);
guint pv_domain_registry_renew_lease(PvDomainRegistry *registry, const PvOwner *owner);
