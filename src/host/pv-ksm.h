/*
 * pv-ksm.h: KSM, tuned while provium runs and put back after
 */
#pragma once

#include <glib.h>

#include "pv-enum.h"

#define PV_KSM_SYSFS_DIR "/sys/kernel/mm/ksm"
#define PV_KSM_STATE_DIR "/run/provium"

typedef enum {
    PV_KSM_RUN,
    PV_KSM_PAGES_TO_SCAN,
    PV_KSM_SLEEP_MILLISECS,

    PV_KSM_LAST
} PvKsmKnob;

PV_ENUM_DECL(pv_ksm_knob, PvKsmKnob);

typedef struct {
    gint64 values[PV_KSM_LAST];
} PvKsmSettings;

/**
 * PvKsm:
 *
 * A run's hold on the host's KSM settings, from pv_ksm_tune() until
 * pv_ksm_restore().
 */
typedef struct {
    gboolean tuned;          /* every knob was written */
    gboolean have_previous;  /* @previous is known */
    PvKsmSettings previous;  /* the host's own: the last run to end puts them back */
    PvKsmSettings written;   /* what the knobs hold after tuning */
    char *message;           /* the line to print */
    gboolean restored;       /* pv_ksm_restore() put @previous back */
    /* private */
    char *sysfs_dir;
    int state_fd;            /* ksm.state: what to put back; flocked to read or change it */
    int users_fd;            /* ksm.users: flocked shared while this run keeps KSM tuned */
} PvKsm;

PvKsm *pv_ksm_tune(const char *sysfs_dir, const char *state_dir);
char *pv_ksm_restore(PvKsm *ksm);
void pv_ksm_free(PvKsm *ksm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvKsm, pv_ksm_free)
