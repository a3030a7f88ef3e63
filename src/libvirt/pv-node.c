/*
 * pv-node.c: a libvirt host as libvirt describes it: its size, memory,
 * capabilities, free hugepages and hypervisor
 *
 * Everything here is asked of libvirt, so a remote host answers for itself.
 * What this machine's own files tell better when the host is this machine
 * (MemAvailable, pressure, KSM) is read in host/ instead.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-libvirt.h"
#include "pv-node.h"

/* libvirt's memory stats of the whole host (every NUMA cell); NULL where it has none. */
static virNodeMemoryStatsPtr
pv_node_get_memory_stats(virConnect *conn, int *n)
{
    virNodeMemoryStatsPtr stats;

    *n = 0;
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, n, 0) < 0 || *n <= 0) {
        virResetLastError();
        return NULL;
    }
    stats = g_new0(virNodeMemoryStats, *n);
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, n, 0) < 0) {
        virResetLastError();
        g_free(stats);
        return NULL;
    }
    return stats;
}

/**
 * pv_node_get_size:
 * @memory: (out): the host's memory, bytes
 * @cpus: (out): its online CPUs
 *
 * From libvirt, so a remote host is sized from its own node info.
 */
gboolean
pv_node_get_size(virConnect *conn, guint64 *memory, guint *cpus, GError **error)
{
    virNodeInfo info;
    g_autofree virNodeMemoryStatsPtr stats = NULL;
    int n = 0;
    int i;
    guint64 total_kib = 0;

    if (virNodeGetInfo(conn, &info) < 0) {
        pv_libvirt_set_error(error, _("cannot read the host's size"));
        return FALSE;
    }
    /* nodeinfo's memory can be one NUMA cell's; the memory stats are whole. */
    stats = pv_node_get_memory_stats(conn, &n);
    for (i = 0; stats && i < n; i++) {
        if (g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_TOTAL))
            total_kib = stats[i].value;
    }
    *memory = (total_kib ? total_kib : info.memory) * 1024;
    *cpus = info.cpus;
    return TRUE;
}

/**
 * pv_node_get_memory_free:
 * @bytes: (out): free + buffers + cached
 *
 * What a remote host can give guests, as libvirt tells it (a host that is
 * this machine reads MemAvailable, which knows better what is reclaimable).
 * Returns: FALSE where libvirt cannot tell
 */
gboolean
pv_node_get_memory_free(virConnect *conn, guint64 *bytes)
{
    g_autofree virNodeMemoryStatsPtr stats = NULL;
    guint64 kib = 0;
    int n = 0;
    int i;

    stats = pv_node_get_memory_stats(conn, &n);
    if (!stats)
        return FALSE;
    for (i = 0; i < n; i++) {
        if (g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_FREE) ||
            g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) ||
            g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_CACHED))
            kib += stats[i].value;
    }
    *bytes = kib * 1024;
    return TRUE;
}

/**
 * pv_node_get_capabilities:
 *
 * Returns: (transfer full): libvirt's capabilities XML of the host (its
 *   CPUs, cache banks, NUMA cells, guests, security models), or NULL with
 *   @error set
 */
char *
pv_node_get_capabilities(virConnect *conn, GError **error)
{
    char *caps = virConnectGetCapabilities(conn);

    if (!caps) {
        pv_libvirt_set_error(error, _("cannot read the host's capabilities"));
        virResetLastError();
    }
    return caps;
}

/**
 * pv_node_get_free_pages:
 * @count: (out): the free 2 MiB hugepages of NUMA node @node
 *
 * Returns: FALSE where libvirt cannot tell (no such node, no hugepages)
 */
gboolean
pv_node_get_free_pages(virConnect *conn, guint node, guint64 *count)
{
    unsigned int size = 2048;
    unsigned long long free_pages = 0;

    if (virNodeGetFreePages(conn, 1, &size, node, 1, &free_pages, 0) < 0) {
        virResetLastError();
        return FALSE;
    }
    *count = free_pages;
    return TRUE;
}

/**
 * pv_node_get_versions:
 * @versions: (out caller-allocates)
 */
void
pv_node_get_versions(virConnect *conn, PvNodeVersions *versions)
{
    versions->type = virConnectGetType(conn);
    if (virConnectGetVersion(conn, &versions->hypervisor) < 0)
        versions->hypervisor = 0;
    if (virConnectGetLibVersion(conn, &versions->libvirt) < 0)
        versions->libvirt = 0;
    virResetLastError();
}

/**
 * pv_node_format_version:
 *
 * Returns: (transfer full): "9.0.0" for 9000000
 */
char *
pv_node_format_version(unsigned long version)
{
    return g_strdup_printf("%lu.%lu.%lu", version / 1000000, version / 1000 % 1000,
                           version % 1000);
}

/**
 * pv_node_get_efi_firmware:
 *
 * Whether libvirt can pick UEFI firmware for an x86_64 domain on the host
 * (`<os firmware='efi'>`): its domain capabilities list efi among the
 * firmware it auto-selects from, which it reads from the firmware
 * descriptors QEMU's firmware packages install (Debian's ovmf).
 * Returns: (transfer full) (nullable): the first firmware image libvirt
 *   lists (its loader), "efi" when it lists none, or NULL where it offers
 *   no UEFI firmware or cannot say
 */
char *
pv_node_get_efi_firmware(virConnect *conn)
{
    g_autofree char *caps = virConnectGetDomainCapabilities(conn, NULL, "x86_64", NULL,
                                                            "qemu", 0);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) xpath = NULL;
    g_autoptr(xmlXPathObject) efi = NULL;
    g_autoptr(xmlXPathObject) loader = NULL;

    if (!caps) {
        virResetLastError();
        return NULL;
    }
    doc = xmlReadMemory(caps, strlen(caps), "domcapabilities.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !(xpath = xmlXPathNewContext(doc)))
        return NULL;
    efi = xmlXPathEvalExpression(BAD_CAST "/domainCapabilities/os[@supported='yes']"
                                 "/enum[@name='firmware']/value[text()='efi']", xpath);
    if (!efi || xmlXPathNodeSetIsEmpty(efi->nodesetval))
        return NULL;
    loader = xmlXPathEvalExpression(BAD_CAST "string(/domainCapabilities/os/loader/value[1])",
                                    xpath);
    if (loader && loader->stringval && *loader->stringval)
        return g_strdup((const char *)loader->stringval);
    return g_strdup("efi");
}
