/*
 * pv-host.h: readings of the host: memory, pressure (PSI), KSM, size
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#define PV_HOST_DEFAULT_RESERVE (G_GUINT64_CONSTANT(3) * 512 * 1024 * 1024)  /* 1.5 GiB */
#define PV_PSI_DEFAULT_CPU_PCT 50.0
#define PV_PSI_DEFAULT_MEMORY_PCT 10.0

typedef struct {
    double cpu;      /* "some" avg10, percent */
    double memory;
} PvPsiReading;

typedef struct {
    double cpu;      /* thresholds, percent */
    double memory;
} PvPsiThreshold;

gboolean pv_psi_parse_avg10(const char *text, double *avg10);
gboolean pv_psi_parse_threshold(const char *text, PvPsiThreshold *threshold, GError **error);
gboolean pv_psi_throttled(const PvPsiReading *reading, const PvPsiThreshold *threshold);
gboolean pv_host_read_psi(PvPsiReading *reading);
int pv_host_psi_trigger_open(const char *resource, double pct);

gboolean pv_meminfo_parse(const char *text, const char *key, guint64 *bytes);
gboolean pv_host_read_mem_available(virConnect *conn, gboolean local, guint64 *bytes);
gboolean pv_host_guard_ok(guint64 mem_available, guint64 unresident, guint64 reserve,
                          guint64 want);

gboolean pv_host_get_size(virConnect *conn, guint64 *memory, guint *cpus, GError **error);
char *pv_host_tune_ksm(const char *sysfs_dir, gboolean *tuned);
