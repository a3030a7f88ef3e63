/*
 * pv-local.h: what this machine's own files tell of it, for a libvirt host
 * that is this machine: pressure (PSI), MemAvailable, the tasks that want a
 * CPU
 */
#pragma once

#include <glib.h>

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
gboolean pv_local_read_psi(PvPsiReading *reading);
int pv_local_psi_trigger_open(const char *resource, double pct);

gboolean pv_meminfo_parse(const char *text, const char *key, guint64 *bytes);
gboolean pv_local_read_mem_available(guint64 *bytes);
guint pv_local_read_running(void);
