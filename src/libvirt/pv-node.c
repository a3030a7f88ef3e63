/*
 * pv-node.c: a libvirt host as libvirt describes it: its size, memory,
 * capabilities, free hugepages and hypervisor
 *
 * Everything here is asked of libvirt, so a remote host answers for itself
 * (its CPU load and KSM's parameters too).  What this machine's own files
 * tell better when the host is this machine (MemAvailable, pressure, KSM)
 * is read in host/ instead.
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

/**
 * pv_node_get_ksm:
 * @ksm: (out caller-allocates): KSM's settings and state on the host
 *
 * From libvirt's memory parameters (shm_*): libvirt gives KSM's scan rate
 * and how many pages it merged, not whether it runs (its run knob is not
 * among them).
 * Returns: FALSE where libvirt gives none (no KSM there, or a driver
 *   without them)
 */
gboolean
pv_node_get_ksm(virConnect *conn, PvNodeKsm *ksm)
{
    g_autofree virTypedParameterPtr params = NULL;
    int n = 0;
    int i;

    ksm->pages_to_scan = ksm->sleep_millisecs = ksm->pages_sharing = -1;
    if (virNodeGetMemoryParameters(conn, NULL, &n, 0) < 0 || n <= 0) {
        virResetLastError();
        return FALSE;
    }
    params = g_new0(virTypedParameter, n);
    if (virNodeGetMemoryParameters(conn, params, &n, 0) < 0) {
        virResetLastError();
        return FALSE;
    }
    for (i = 0; i < n; i++) {
        gint64 value;

        if (params[i].type == VIR_TYPED_PARAM_UINT)
            value = params[i].value.ui;
        else if (params[i].type == VIR_TYPED_PARAM_ULLONG)
            value = (gint64)MIN(params[i].value.ul, G_MAXINT64);
        else
            continue;
        if (g_str_equal(params[i].field, VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN))
            ksm->pages_to_scan = value;
        else if (g_str_equal(params[i].field, VIR_NODE_MEMORY_SHARED_SLEEP_MILLISECS))
            ksm->sleep_millisecs = value;
        else if (g_str_equal(params[i].field, VIR_NODE_MEMORY_SHARED_PAGES_SHARING))
            ksm->pages_sharing = value;
    }
    virTypedParamsClear(params, n);
    return ksm->pages_to_scan >= 0;
}

/**
 * pv_node_get_cpu_times:
 * @times: (out caller-allocates): the time the host's CPUs spent, over all
 *   of them, since it booted
 *
 * From libvirt's CPU stats (virNodeGetCPUStats), so a remote host tells
 * its own load.
 * Returns: FALSE where libvirt cannot tell
 */
gboolean
pv_node_get_cpu_times(virConnect *conn, PvNodeCpuTimes *times)
{
    g_autofree virNodeCPUStatsPtr stats = NULL;
    int n = 0;
    int i;

    memset(times, 0, sizeof(*times));
    if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &n, 0) < 0 || n <= 0) {
        virResetLastError();
        return FALSE;
    }
    stats = g_new0(virNodeCPUStats, n);
    if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, stats, &n, 0) < 0) {
        virResetLastError();
        return FALSE;
    }
    for (i = 0; i < n; i++) {
        if (g_str_equal(stats[i].field, VIR_NODE_CPU_STATS_IDLE))
            times->idle = stats[i].value;
        else if (g_str_equal(stats[i].field, VIR_NODE_CPU_STATS_IOWAIT))
            times->idle += stats[i].value;
        else if (g_str_equal(stats[i].field, VIR_NODE_CPU_STATS_KERNEL) ||
                 g_str_equal(stats[i].field, VIR_NODE_CPU_STATS_USER))
            times->busy += stats[i].value;
    }
    return times->idle + times->busy > 0;
}

/**
 * pv_node_cpu_pressure:
 * @then: an earlier reading of pv_node_get_cpu_times()
 * @now: a later one
 *
 * A stand-in for PSI's CPU "some" avg10 where PSI cannot be read (a remote
 * host): tasks wait for a CPU only once the CPUs are nearly all busy, so
 * it is 0 up to 90 % busy and rises to 100 at 100 % busy.  A host running
 * its guests at 80 % is not under pressure; one saturated is.
 * Returns: percent; 0 when no time passed between the readings
 */
double
pv_node_cpu_pressure(const PvNodeCpuTimes *then, const PvNodeCpuTimes *now)
{
    guint64 busy = now->busy > then->busy ? now->busy - then->busy : 0;
    guint64 idle = now->idle > then->idle ? now->idle - then->idle : 0;
    double total = (double)busy + (double)idle;

    if (total == 0)
        return 0;
    /* (share - 0.9) * 1000, without the rounding of share's division */
    return CLAMP((10.0 * busy - 9.0 * total) * 100.0 / total, 0.0, 100.0);
}

/**
 * pv_node_count_cells:
 * @caps_xml: libvirt's capabilities
 *
 * Returns: the host's NUMA cells; 0 where the capabilities do not say
 */
guint
pv_node_count_cells(const char *caps_xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) xpath = NULL;
    g_autoptr(xmlXPathObject) count = NULL;

    if (!caps_xml)
        return 0;
    doc = xmlReadMemory(caps_xml, strlen(caps_xml), "capabilities.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !(xpath = xmlXPathNewContext(doc)))
        return 0;
    count = xmlXPathEvalExpression(BAD_CAST "count(/capabilities/host/topology/cells/cell)",
                                   xpath);
    return count && count->type == XPATH_NUMBER ? (guint)count->floatval : 0;
}
