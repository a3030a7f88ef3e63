/*
 * pv-host.c: readings of the host: memory, pressure (PSI), KSM, size
 *
 * The size of the host comes from libvirt, so a remote host is sized from
 * its own node info.  Memory pressure, PSI and KSM are read from local files
 * and only used when the hypervisor is local.  The parsing and the decisions
 * are pure functions, tested with readings written by the tests.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-host.h"
#include "pv-libvirt.h"

/**
 * pv_psi_parse_avg10:
 * @text: /proc/pressure/<resource>'s contents
 *
 * Reads the "some" line's avg10, a percentage.
 */
gboolean
pv_psi_parse_avg10(const char *text, double *avg10)
{
    const char *line = text;

    while (line && *line) {
        if (g_str_has_prefix(line, "some ")) {
            const char *p = strstr(line, "avg10=");
            char *end = NULL;
            double value;

            if (!p)
                return FALSE;
            value = g_ascii_strtod(p + strlen("avg10="), &end);
            if (end == p + strlen("avg10="))
                return FALSE;
            *avg10 = value;
            return TRUE;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return FALSE;
}

/**
 * pv_psi_parse_threshold:
 * @text: "50" (CPU only) or "cpu=50,memory=10" (either or both)
 * @threshold: (inout): updated on success
 */
gboolean
pv_psi_parse_threshold(const char *text, PvPsiThreshold *threshold, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", -1);
    PvPsiThreshold out = *threshold;
    gsize i;

    if (!parts[0])
        goto invalid;
    for (i = 0; parts[i]; i++) {
        char *part = g_strstrip(parts[i]);
        double *slot = &out.cpu;
        char *end = NULL;
        double value;

        if (g_str_has_prefix(part, "cpu=")) {
            part += strlen("cpu=");
        } else if (g_str_has_prefix(part, "memory=")) {
            part += strlen("memory=");
            slot = &out.memory;
        } else if (parts[1]) {
            goto invalid;
        }
        value = g_ascii_strtod(part, &end);
        if (!*part || *end || value <= 0 || value > 100)
            goto invalid;
        *slot = value;
    }
    *threshold = out;
    return TRUE;

 invalid:
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("--psi-threshold: invalid threshold '%s' (write a percentage such as 50, "
                  "or cpu=50,memory=10)"), text);
    return FALSE;
}

/**
 * pv_psi_throttled:
 *
 * Whether new work should wait: CPU or memory pressure above its threshold.
 */
gboolean
pv_psi_throttled(const PvPsiReading *reading, const PvPsiThreshold *threshold)
{
    return reading->cpu > threshold->cpu || reading->memory > threshold->memory;
}

static gboolean
pv_host_read_psi_file(const char *resource, double *avg10)
{
    g_autofree char *path = g_strdup_printf("/proc/pressure/%s", resource);
    g_autofree char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) && pv_psi_parse_avg10(text, avg10);
}

/**
 * pv_host_read_psi:
 *
 * Returns: FALSE when this host has no PSI
 */
gboolean
pv_host_read_psi(PvPsiReading *reading)
{
    PvPsiReading r = { 0 };

    if (!pv_host_read_psi_file("cpu", &r.cpu) || !pv_host_read_psi_file("memory", &r.memory))
        return FALSE;
    *reading = r;
    return TRUE;
}

/**
 * pv_host_psi_trigger_open:
 * @resource: "cpu" or "memory"
 * @pct: the threshold, as a share of a 10 s window
 *
 * Registers a kernel PSI trigger: the fd polls POLLPRI when "some" stall time
 * passes @pct % of 10 s.
 * Returns: the fd, or -1 where triggers are not permitted
 */
int
pv_host_psi_trigger_open(const char *resource, double pct)
{
    g_autofree char *path = g_strdup_printf("/proc/pressure/%s", resource);
    g_autofree char *trigger = g_strdup_printf("some %" G_GINT64_FORMAT " 10000000",
                                               (gint64)(pct * 100000));
    int fd = g_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (write(fd, trigger, strlen(trigger) + 1) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/**
 * pv_meminfo_parse:
 * @key: e.g. "MemAvailable"
 *
 * Reads one /proc/meminfo value, in bytes.
 */
gboolean
pv_meminfo_parse(const char *text, const char *key, guint64 *bytes)
{
    gsize len = strlen(key);
    const char *line = text;

    while (line && *line) {
        if (strncmp(line, key, len) == 0 && line[len] == ':') {
            char *end = NULL;
            guint64 kib = g_ascii_strtoull(line + len + 1, &end, 10);

            if (end == line + len + 1)
                return FALSE;
            *bytes = kib * 1024;
            return TRUE;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return FALSE;
}

/**
 * pv_host_read_mem_available:
 * @local: the hypervisor runs here: read /proc/meminfo
 *
 * MemAvailable, or, from a remote host's libvirt, free + buffers + cached.
 */
gboolean
pv_host_read_mem_available(virConnect *conn, gboolean local, guint64 *bytes)
{
    virNodeMemoryStatsPtr stats = NULL;
    int n = 0;
    guint64 kib = 0;
    int i;

    if (local) {
        g_autofree char *text = NULL;

        return g_file_get_contents("/proc/meminfo", &text, NULL, NULL) &&
            pv_meminfo_parse(text, "MemAvailable", bytes);
    }
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) < 0 || n <= 0) {
        virResetLastError();
        return FALSE;
    }
    stats = g_new0(virNodeMemoryStats, n);
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) < 0) {
        virResetLastError();
        g_free(stats);
        return FALSE;
    }
    for (i = 0; i < n; i++) {
        if (g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_FREE) ||
            g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) ||
            g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_CACHED))
            kib += stats[i].value;
    }
    g_free(stats);
    *bytes = kib * 1024;
    return TRUE;
}

/**
 * pv_host_guard_ok:
 * @unresident: memory promised to running VMs that they do not use yet:
 *   MemAvailable does not show it, but they may take it at any time
 *
 * Whether a VM of @want bytes may boot, leaving @reserve to the host.
 */
gboolean
pv_host_guard_ok(guint64 mem_available, guint64 unresident, guint64 reserve, guint64 want)
{
    return mem_available >= want && mem_available - want >= reserve &&
        mem_available - want - reserve >= unresident;
}

/**
 * pv_host_get_size:
 * @memory: (out): the host's memory, bytes
 * @cpus: (out): its online CPUs
 *
 * From libvirt, so a remote host is sized from its own node info.
 */
gboolean
pv_host_get_size(virConnect *conn, guint64 *memory, guint *cpus, GError **error)
{
    virNodeInfo info;
    virNodeMemoryStatsPtr stats = NULL;
    int n = 0;
    int i;
    guint64 total_kib = 0;

    if (virNodeGetInfo(conn, &info) < 0) {
        pv_libvirt_set_error(error, _("cannot read the host's size"));
        return FALSE;
    }
    /* nodeinfo's memory can be one NUMA cell's; the memory stats are whole. */
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) == 0 && n > 0) {
        stats = g_new0(virNodeMemoryStats, n);
        if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) == 0) {
            for (i = 0; i < n; i++) {
                if (g_str_equal(stats[i].field, VIR_NODE_MEMORY_STATS_TOTAL))
                    total_kib = stats[i].value;
            }
        }
        g_free(stats);
    }
    virResetLastError();
    *memory = (total_kib ? total_kib : info.memory) * 1024;
    *cpus = info.cpus;
    return TRUE;
}

/**
 * pv_host_tune_ksm:
 * @sysfs_dir: /sys/kernel/mm/ksm
 * @tuned: (out): whether every knob was set
 *
 * Best effort: run = 1, pages_to_scan = 1000, sleep_millisecs = 100.
 * Returns: (transfer full): the one line to print about it
 */
char *
pv_host_tune_ksm(const char *sysfs_dir, gboolean *tuned)
{
    const struct {
        const char *knob;
        const char *value;
    } knobs[] = {
        { "run", "1" },
        { "pages_to_scan", "1000" },
        { "sleep_millisecs", "100" },
    };
    gsize i;

    *tuned = FALSE;
    for (i = 0; i < G_N_ELEMENTS(knobs); i++) {
        g_autofree char *path = g_build_filename(sysfs_dir, knobs[i].knob, NULL);
        /* sysfs knobs are written in place, never replaced */
        int fd = g_open(path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
        gboolean ok = fd >= 0 &&
            write(fd, knobs[i].value, strlen(knobs[i].value)) == (gssize)strlen(knobs[i].value);
        int saved = errno;

        if (fd >= 0)
            close(fd);
        if (!ok)
            return g_strdup_printf(_("provium: ksm not tuned (%s: %s)"), path, g_strerror(saved));
    }
    *tuned = TRUE;
    return g_strdup(_("provium: ksm tuned (run = on, pages_to_scan = 1000, "
                      "sleep_millisecs = 100)"));
}
