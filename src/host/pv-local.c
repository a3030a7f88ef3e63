/*
 * pv-local.c: what this machine's own files tell of it, for a libvirt host
 * that is this machine: pressure (PSI), MemAvailable, the tasks that want a
 * CPU
 *
 * libvirt tells none of these (or less well), so PvHost reads them here
 * when its host is this machine, and goes without them otherwise.  The
 * parsing and the decisions are pure functions, tested with readings
 * written by the tests.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-local.h"

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
pv_local_read_psi_file(const char *resource, double *avg10)
{
    g_autofree char *path = g_strdup_printf("/proc/pressure/%s", resource);
    g_autofree char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) && pv_psi_parse_avg10(text, avg10);
}

/**
 * pv_local_read_psi:
 *
 * Returns: FALSE when this host has no PSI
 */
gboolean
pv_local_read_psi(PvPsiReading *reading)
{
    PvPsiReading r = { 0 };

    if (!pv_local_read_psi_file("cpu", &r.cpu) || !pv_local_read_psi_file("memory", &r.memory))
        return FALSE;
    *reading = r;
    return TRUE;
}

/**
 * pv_local_psi_trigger_open:
 * @resource: "cpu" or "memory"
 * @pct: the threshold, as a share of a 10 s window
 *
 * Registers a kernel PSI trigger: the fd polls POLLPRI when "some" stall time
 * passes @pct % of 10 s.
 * Returns: the fd, or -1 where triggers are not permitted
 */
int
pv_local_psi_trigger_open(const char *resource, double pct)
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
 * pv_local_read_mem_available:
 *
 * This machine's MemAvailable (/proc/meminfo), bytes.
 */
gboolean
pv_local_read_mem_available(guint64 *bytes)
{
    g_autofree char *text = NULL;

    return g_file_get_contents("/proc/meminfo", &text, NULL, NULL) &&
        pv_meminfo_parse(text, "MemAvailable", bytes);
}

/**
 * pv_local_read_running:
 *
 * "procs_running" of /proc/stat, less the thread reading it: how many other
 * tasks want a CPU.  The least of a few samples 10 ms apart, so that a
 * passing burst (this run's own threads, libvirtd answering) is not load.
 * Returns: 0 where it cannot tell
 */
guint
pv_local_read_running(void)
{
    guint least = G_MAXUINT;
    guint i;

    for (i = 0; i < 5 && least > 0; i++) {
        g_autofree char *stat = NULL;
        const char *line;
        guint64 n;

        if (i)
            g_usleep(10 * 1000);
        if (!g_file_get_contents("/proc/stat", &stat, NULL, NULL) ||
            !(line = strstr(stat, "procs_running ")))
            return 0;
        n = g_ascii_strtoull(line + strlen("procs_running "), NULL, 10);
        least = MIN(least, n > 0 ? n - 1 : 0);
    }
    return least;
}
