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
