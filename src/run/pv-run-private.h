/*
 * pv-run-private.h: what pv-run.c and pv-run-hosts.c share about a run
 */
#pragma once

#if !defined(PV_RUN_PRIVATE)
# error "only src/run/pv-run*.c include pv-run-private.h"
#endif

#include "pv-owner.h"
#include "pv-run.h"

typedef struct _PvRunRenewer PvRunRenewer;

struct _PvRun {
    const PvRunOptions *options;
    char *id;
    char *prefix;
    char *machine;              /* this machine's name */
    gint64 pid;
    char *base;                 /* where run directories go (absolute) */
    char *dir;                  /* this run's results directory */
    int dir_lock;               /* holds its lock (pv_results_start_run()); -1 */
    GPtrArray *hosts;           /* PvHost: the libvirt hosts, once connected */
    PvEvents *events;
    GThreadPool *writer;        /* writes report files off the emitting threads */
    PvRunNoteFunc note;
    gpointer note_data;

    GMutex lock;                /* guards the caches */
    GHashTable *configs;        /* provium.conf path -> PvConfig */
    GHashTable *config_paths;   /* test file directory -> provium.conf path ("" none) */
    GHashTable *config_refusals;  /* what was said of provium.conf files not used */
    GHashTable *templates;      /* template path -> GBytes, read once per run */
    PvConfig *builtin_config;

    PvLease *lease;             /* its ownership record and lease (pv-run-lease.c) */
    PvRunRenewer *renewer;      /* renews it while the run lives */
};

void pv_run_start_lease(PvRun *run);
void pv_run_stop_lease(PvRun *run);
