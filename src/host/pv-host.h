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

#define PV_KSM_SYSFS_DIR "/sys/kernel/mm/ksm"
#define PV_KSM_STATE_DIR "/run/provium"

typedef enum {
    PV_KSM_RUN,
    PV_KSM_PAGES_TO_SCAN,
    PV_KSM_SLEEP_MILLISECS,

    PV_KSM_LAST
} PvKsmKnob;

const char *pv_ksm_knob_to_string(PvKsmKnob knob);

typedef struct {
    gint64 values[PV_KSM_LAST];
} PvKsmSettings;

/**
 * PvKsm:
 *
 * A run's hold on the host's KSM settings, from pv_host_tune_ksm() until
 * pv_host_restore_ksm().
 */
typedef struct {
    gboolean tuned;          /* every knob was written */
    gboolean have_previous;  /* @previous is known */
    PvKsmSettings previous;  /* the host's own: the last run to end puts them back */
    PvKsmSettings written;   /* what the knobs hold after tuning */
    char *message;           /* the line to print */
    gboolean restored;       /* pv_host_restore_ksm() put @previous back */
    /* private */
    char *sysfs_dir;
    int state_fd;            /* ksm.state: what to put back; flocked to read or change it */
    int users_fd;            /* ksm.users: flocked shared while this run keeps KSM tuned */
} PvKsm;

PvKsm *pv_host_tune_ksm(const char *sysfs_dir, const char *state_dir);
char *pv_host_restore_ksm(PvKsm *ksm);
void pv_ksm_free(PvKsm *ksm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvKsm, pv_ksm_free)
guint pv_host_read_running(void);
