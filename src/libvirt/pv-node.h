/*
 * pv-node.h: a libvirt host as libvirt describes it: its size, memory,
 * capabilities, free hugepages and hypervisor
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

gboolean pv_node_get_size(virConnect *conn, guint64 *memory, guint *cpus, GError **error);
gboolean pv_node_get_memory_free(virConnect *conn, guint64 *bytes);
char *pv_node_get_capabilities(virConnect *conn, GError **error);
char *pv_node_get_efi_firmware(virConnect *conn);
gboolean pv_node_get_free_pages(virConnect *conn, guint node, guint64 *count);

/* KSM as libvirt gives it; -1 where it does not say. */
typedef struct {
    gint64 pages_to_scan;
    gint64 sleep_millisecs;
    gint64 pages_sharing;     /* pages merged now: KSM runs when above 0 */
} PvNodeKsm;

gboolean pv_node_get_ksm(virConnect *conn, PvNodeKsm *ksm);
guint pv_node_count_cells(const char *caps_xml);

/* The time a host's CPUs spent, nanoseconds over all of them. */
typedef struct {
    guint64 busy;    /* kernel + user */
    guint64 idle;    /* idle + iowait */
} PvNodeCpuTimes;

gboolean pv_node_get_cpu_times(virConnect *conn, PvNodeCpuTimes *times);
double pv_node_cpu_pressure(const PvNodeCpuTimes *then, const PvNodeCpuTimes *now);

/**
 * PvNodeVersions:
 *
 * What runs guests on the host.  Versions are major * 1000000 + minor *
 * 1000 + release, as libvirt gives them; 0 where it does not say.
 */
typedef struct {
    const char *type;          /* the driver's name ("QEMU", "TEST"); NULL unknown */
    unsigned long hypervisor;
    unsigned long libvirt;
} PvNodeVersions;

void pv_node_get_versions(virConnect *conn, PvNodeVersions *versions);
char *pv_node_format_version(unsigned long version);
