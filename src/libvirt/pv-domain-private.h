/*
 * pv-domain-private.h: what pv-domain.c and pv-domain-registry.c share
 */
#pragma once

#if !defined(PV_DOMAIN_PRIVATE)
# error "only src/libvirt/pv-domain*.c include pv-domain-private.h"
#endif

#include "pv-domain.h"

struct _PvDomain {
    gint ref;
    PvDomainRegistry *registry;  /* outlives every domain */
    char *name;
    char *label;                 /* the VM's name in the test file */
    guint64 memory;              /* what the guest was given, bytes */
    virDomain *dom;              /* set once created */
    PvWake *wake;                /* the owner's; its lock guards the fields below */
    PvDomainState state;
    gboolean stop_expected;
    gboolean stop_reported;
    gboolean kept;
    char *stop_reason;
    gboolean pending_stop;       /* a stop heard while being created ... */
    unsigned int pending_stop_id;  /* ... its libvirt id (maybe (unsigned)-1: none) */
    char *pending_stop_reason;
    PvDomainCallbacks callbacks;
    gboolean ready_told;
};

struct _PvDomainRegistry {
    GMutex lock;
    GCond created;           /* broadcast when a creation ends */
    guint creating;          /* under lock: virDomainCreateXML() calls in flight */
    gboolean closed;         /* under lock: the run is stopping, no new domain */
    virConnect *conn;
    gint autodestroy;        /* atomic: cleared if the driver lacks it */
    GHashTable *by_name;     /* name -> PvDomain (a reference) */
    GHashTable *used_names;  /* every name this run has used */
    int lifecycle_id;
    int agent_id;
};

#define PV_DOMAIN_NO_ID ((unsigned int)-1)

/* A kept domain's description (virsh desc), which later runs look for. */
#define PV_DOMAIN_KEPT_DESCRIPTION \
    "provium: kept after a failed test (--keep-failed); provium clean removes it"

int pv_domain_handle_is_active(virDomain *ours);
GPtrArray *pv_domain_registry_snapshot(PvDomainRegistry *registry);
