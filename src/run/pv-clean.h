/*
 * pv-clean.h: finding and removing the domains and networks provium created
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-domain-list.h"
#include "pv-network-record.h"

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
} PvMetadata;

void pv_metadata_clear(PvMetadata *metadata);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvMetadata, pv_metadata_clear)
gboolean pv_metadata_parse(const char *xml, PvMetadata *metadata, GError **error);
gboolean pv_metadata_get(const PvDomainEntry *entry, PvMetadata *metadata);

typedef enum {
    PV_CLEAN_REMOVE,
    PV_CLEAN_SKIP_NOT_OURS,    /* no provium metadata */
    PV_CLEAN_SKIP_PREFIX,      /* another prefix than the one asked for */
    PV_CLEAN_SKIP_RUNNING,     /* its provium run is still going */
    PV_CLEAN_SKIP_ELSEWHERE,   /* a network made through another libvirt URI */
} PvCleanDecision;

typedef gboolean (*PvPidAliveFunc)(gint64 pid);

PvCleanDecision pv_clean_decide(const PvMetadata *metadata, const char *name,
                                const char *prefix, const char *this_host,
                                PvPidAliveFunc alive, gboolean force);
gboolean pv_clean_pid_is_provium(gint64 pid);

typedef void (*PvCleanReportFunc)(const char *name, const PvMetadata *metadata,
                                  PvCleanDecision decision, const GError *error,
                                  gpointer user_data);

guint pv_clean_domains(virConnect *conn, const char *prefix, gboolean force,
                       PvPidAliveFunc alive, PvCleanReportFunc report, gpointer user_data,
                       GError **error);

gboolean pv_clean_check_prefix_free(virConnect *conn, const char *prefix, gboolean force,
                                    GError **error);

typedef gboolean (*PvNetworkAliveFunc)(const PvNetworkRecord *record);

PvCleanDecision pv_clean_network_decide(const PvNetworkRecord *record, const char *uri,
                                        const char *prefix, PvNetworkAliveFunc alive,
                                        gboolean force);

typedef void (*PvCleanNetworkReportFunc)(const PvNetworkRecord *record,
                                         PvCleanDecision decision, gboolean existed,
                                         const GError *error, gpointer user_data);

guint pv_clean_networks(virConnect *conn, const char *record_dir, const char *prefix,
                        gboolean force, PvNetworkAliveFunc alive,
                        PvCleanNetworkReportFunc report, gpointer user_data, GError **error);

char *pv_clean_volume_domain(const char *volume, const char *prefix);
guint pv_clean_volumes(virConnect *conn, const char *prefix, GError **error);
