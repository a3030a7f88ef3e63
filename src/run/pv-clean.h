/*
 * pv-clean.h: finding and removing the domains and networks provium created
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-domain-list.h"
#include "pv-network-record.h"
#include "pv-owner.h"

/**
 * PvMetadata:
 *
 * What provium writes into a domain's <metadata> (see pv-template.c).
 */
typedef struct {
    char *run;
    char *prefix;
    char *file;
    char *vm;
    char *host;
    gint64 pid;
    char *machine;         /* nullable: an older provium's record has none */
    char *boot;
    guint64 pid_start;
    gint64 renewed;        /* its lease (pv-domain-lease.c); 0: none */
    gint64 expires;
} PvMetadata;

void pv_metadata_clear(PvMetadata *metadata);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvMetadata, pv_metadata_clear)
gboolean pv_metadata_parse(const char *xml, PvMetadata *metadata, GError **error);
gboolean pv_metadata_get(const PvDomainEntry *entry, PvMetadata *metadata);
void pv_metadata_get_owner(const PvMetadata *metadata, PvOwner *owner);

typedef enum {
    PV_CLEAN_REMOVE,
    PV_CLEAN_SKIP_NOT_OURS,    /* no provium metadata */
    PV_CLEAN_SKIP_PREFIX,      /* another prefix than the one asked for */
    PV_CLEAN_SKIP_RUNNING,     /* its provium run is still going */
    PV_CLEAN_SKIP_ELSEWHERE,   /* a network made through another libvirt URI */
} PvCleanDecision;

typedef gboolean (*PvPidAliveFunc)(gint64 pid);
typedef gboolean (*PvNetworkAliveFunc)(const PvNetworkRecord *record);

/**
 * PvCleanHere:
 *
 * Who judges whether a run is over: this machine and boot, now
 * (util/pv-owner.c), and for records of an older provium, without a
 * machine id, what decided before: this host name and its processes.
 */
typedef struct {
    PvOwnerHere owner;
    const char *host;
    PvPidAliveFunc alive;              /* an older domain record's pid runs here */
    PvNetworkAliveFunc network_alive;  /* an older network record's maker runs */
} PvCleanHere;

void pv_clean_here_init(PvCleanHere *here);

PvCleanDecision pv_clean_decide(const PvMetadata *metadata, const char *name,
                                const char *prefix, const PvCleanHere *here, gboolean force,
                                PvOwnerState *state);
gboolean pv_clean_pid_is_provium(gint64 pid);

typedef void (*PvCleanReportFunc)(const char *name, const PvMetadata *metadata,
                                  PvCleanDecision decision, PvOwnerState state,
                                  const GError *error, gpointer user_data);

guint pv_clean_domains(virConnect *conn, const char *prefix, gboolean force,
                       const PvCleanHere *here, PvCleanReportFunc report, gpointer user_data,
                       GError **error);

gboolean pv_clean_check_prefix_free(virConnect *conn, const char *prefix, gboolean force,
                                    GError **error);

PvCleanDecision pv_clean_network_decide(const PvNetworkRecord *record, const char *uri,
                                        const char *prefix, PvNetworkAliveFunc alive,
                                        gboolean force);
PvCleanDecision pv_clean_network_judge(const PvNetworkRecord *record, const char *uri,
                                       const char *prefix, const PvCleanHere *here,
                                       gboolean force, PvOwnerState *state);

typedef void (*PvCleanNetworkReportFunc)(const PvNetworkRecord *record,
                                         PvCleanDecision decision, PvOwnerState state,
                                         gboolean existed, const GError *error,
                                         gpointer user_data);

guint pv_clean_networks(virConnect *conn, const char *record_dir, const char *prefix,
                        gboolean force, const PvCleanHere *here,
                        PvCleanNetworkReportFunc report, gpointer user_data, GError **error);

char *pv_clean_volume_domain(const char *volume, const char *prefix);
guint pv_clean_volumes(virConnect *conn, const char *prefix, GError **error);
