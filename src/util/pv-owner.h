/*
 * pv-owner.h: who owns what provium leaves on a libvirt host, and whether
 * that owner is still there
 */
#pragma once

#include <glib.h>

#include "pv-enum.h"

/* How long a run's lease holds unless renewed; it is renewed every fifth of it. */
#define PV_LEASE_SECONDS 300
/* For the tests only: another lease length, in seconds. */
#define PV_LEASE_ENV "PROVIUM_TEST_LEASE_TIME"
/* What a machine without a machine id is called in records: its host name after it. */
#define PV_MACHINE_FALLBACK_PREFIX "host:"

const char *pv_machine_id(void);
gboolean pv_machine_id_is_fallback(const char *machine);
const char *pv_boot_id(void);
guint64 pv_process_start_time(gint64 pid);

/* Whether @pid runs; @start: its start time, 0 when it cannot be read. */
typedef gboolean (*PvProcessProbeFunc)(gint64 pid, guint64 *start);

gboolean pv_process_probe(gint64 pid, guint64 *start);

/**
 * PvOwner:
 *
 * The ownership record of a domain or a network (borrowed strings): the
 * machine and the boot of the process that made it, that process, and the
 * lease its run keeps fresh so that another machine, which cannot see the
 * process, can tell a live run from a dead one.
 */
typedef struct {
    const char *machine;   /* nullable: a record of an older provium, without one */
    const char *boot;      /* nullable */
    const char *host;      /* nullable: the machine's host name, for people */
    gint64 pid;
    guint64 pid_start;     /* 0: unknown */
    gint64 renewed;        /* the lease, in seconds since the epoch: last renewed, 0: none */
    gint64 expires;        /* ... and until when it holds */
} PvOwner;

/**
 * PvOwnerHere:
 *
 * Who judges a record: this machine and boot, now.
 */
typedef struct {
    const char *machine;   /* pv_machine_id() */
    const char *boot;      /* nullable: pv_boot_id() */
    gint64 now;            /* seconds since the epoch */
    PvProcessProbeFunc probe;
} PvOwnerHere;

void pv_owner_here_init(PvOwnerHere *here);

/**
 * PvOwnerState:
 *
 * What a record's owner is, seen from here.  Only EXITED, REBOOTED and
 * EXPIRED say its run is over.
 */
typedef enum {
    PV_OWNER_OLD,          /* no machine id: an older provium's record */
    PV_OWNER_RUNNING,      /* this machine and boot; its process runs */
    PV_OWNER_EXITED,       /* this machine and boot; no such process (or another one) */
    PV_OWNER_REBOOTED,     /* this machine, an earlier boot */
    PV_OWNER_LEASED,       /* another machine (or boot, unprovably); its lease holds */
    PV_OWNER_EXPIRED,      /* another machine; its lease has run out */
    PV_OWNER_UNLEASED,     /* another machine, and no lease to tell by */

    PV_OWNER_LAST
} PvOwnerState;

PV_ENUM_DECL(pv_owner_state, PvOwnerState);

PvOwnerState pv_owner_judge(const PvOwner *owner, const PvOwnerHere *here);
gboolean pv_owner_state_is_over(PvOwnerState state);

/**
 * PvLease:
 *
 * This run's ownership record, with its lease: what every domain and
 * network it makes names as its owner.  Thread-safe.
 */
typedef struct _PvLease PvLease;

gint64 pv_lease_length_default(void);
PvLease *pv_lease_new(gint64 length);
void pv_lease_free(PvLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvLease, pv_lease_free)
gint64 pv_lease_get_length(PvLease *lease);
gint64 pv_lease_get_interval(PvLease *lease);
void pv_lease_renew(PvLease *lease, gint64 now);
void pv_lease_get_owner(PvLease *lease, PvOwner *owner);
