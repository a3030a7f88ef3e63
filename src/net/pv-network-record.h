/*
 * pv-network-record.h: who made each of provium's libvirt networks
 */
#pragma once

#include <glib.h>

#include "pv-owner.h"

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
    char *host;              /* the machine provium ran on: its host name */
    char *machine;           /* ... its /etc/machine-id (nullable: older records) */
    char *boot;              /* ... and its boot, /proc/sys/kernel/random/boot_id (nullable) */
    gint64 pid;
    guint64 pid_start;       /* the creator's start time, clock ticks after boot */
    gint64 lease;            /* seconds the record's lease holds; 0: none (older records) */
    gint64 renewed;          /* not written: the file's mtime, which the run renews */
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
void pv_network_record_get_owner(const PvNetworkRecord *record, PvOwner *owner);
guint pv_network_record_renew(const char *dir, const PvOwner *self);

gboolean pv_network_record_owner_alive(const PvNetworkRecord *record);

/**
 * PvNetworkOwner:
 *
 * What is known of the process that made a recorded network.  Only GONE and
 * REUSED are proof that its run is over: the record was made on this
 * machine since it booted, and no process of that pid and start time runs.
 */
typedef enum {
    PV_NETWORK_OWNER_ALIVE,    /* its pid runs, started when the record says (or unknown) */
    PV_NETWORK_OWNER_UNKNOWN,  /* another machine or boot, or a record without them */
    PV_NETWORK_OWNER_GONE,     /* no process has its pid */
    PV_NETWORK_OWNER_REUSED,   /* its pid is a process started at another time */
} PvNetworkOwner;

PvNetworkOwner pv_network_record_judge(const PvNetworkRecord *record, const char *machine,
                                       const char *boot, PvProcessProbeFunc probe);
PvNetworkOwner pv_network_record_owner(const PvNetworkRecord *record);
gboolean pv_network_record_owner_maybe_alive(const PvNetworkRecord *record);
