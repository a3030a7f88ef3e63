/*
 * pv-network-record.h: who made each of provium's libvirt networks
 */
#pragma once

#include <glib.h>

#define PV_NETWORK_RECORD_DIR "/run/provium/networks"

/**
 * PvNetworkRecord:
 *
 * libvirt 9.0 networks carry no <metadata>, so provium records each network
 * it creates in a file of its own on the machine provium runs on, written
 * before the network exists and removed once it is gone (doc/networks.md).
 */
typedef struct {
    char *name;              /* the libvirt network's */
    char *uuid;              /* the libvirt network's: chosen by provium, in the XML */
    char *bridge;
    char *uri;               /* the libvirt URI, as virConnectGetURI() gives it */
    char *run;
    char *prefix;
    char *file;
    char *net;               /* the network's name in the test file */
    char *host;              /* the machine provium ran on */
    gint64 pid;
    guint64 pid_start;       /* the creator's start time, clock ticks after boot */
} PvNetworkRecord;

void pv_network_record_clear(PvNetworkRecord *record);
void pv_network_record_free(PvNetworkRecord *record);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvNetworkRecord, pv_network_record_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvNetworkRecord, pv_network_record_free)

char *pv_network_record_to_data(const PvNetworkRecord *record);
gboolean pv_network_record_parse(const char *data, PvNetworkRecord *record, GError **error);

char *pv_network_record_dir_default(void);
gboolean pv_network_record_write(const char *dir, const PvNetworkRecord *record,
                                 GError **error);
gboolean pv_network_record_remove(const char *dir, const char *uuid, GError **error);
GPtrArray *pv_network_record_list(const char *dir, GError **error);

guint64 pv_process_start_time(gint64 pid);
gboolean pv_network_record_owner_alive(const PvNetworkRecord *record);
