/*
 * cmd-run-options.h: the run command's options, from the command line and
 * provium.conf's [run] group
 */
#pragma once

#if !defined(PV_CMD_RUN_PRIVATE)
# error "only cmd-run*.c include cmd-run-options.h"
#endif

#include <glib.h>

#include "pv-run.h"

/* An int option not given (on the command line or in [run]). */
#define PV_ARG_UNSET G_MININT

/**
 * PvRunArgs:
 *
 * The options as given, before they are checked into PvRunOptions.
 */
typedef struct {
    char *uri;              /* [run] connect */
    char **uris;            /* -c, each time given */
    char *hosts;            /* [run] hosts, as written */
    GPtrArray *config_hosts; /* PvRunHost: [run] hosts resolved; NULL: none */
    char *config;
    char *filter;
    char *tags;
    char *timeout;
    char *prefix;
    char *results_dir;
    gboolean keep_failed;
    gboolean debug_on_failure;
    gboolean shell;
    gboolean rerun_failed;
    gboolean verbose;
    gboolean quiet;
    gboolean version;
    char *mem;
    int cpus;
    char *cpu_overcommit;
    int jobs;
    int retries;
    gboolean fail_fast;
    char *host_reserve;
    int boot_workers;
    char *psi_threshold;
    gboolean no_psi;
    gboolean no_ksm;
    gboolean force;
    char *save_events;
    gboolean events_stdout;
    char *junit;
    char *html;
    gboolean json;
    char *lock_dir;
    gboolean perf_strict;
    gboolean no_perf_mode;
    int cpu_cap;
    int keep_runs;
    char *virt_type;
    char *cache_dir;
    char *order;
    char *shard;
    char *history;
    char **paths;
    char *config_used;      /* the provium.conf whose [run] applied; NULL: none */
} PvRunArgs;

void pv_run_args_clear(PvRunArgs *args);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvRunArgs, pv_run_args_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvRunOptions, pv_run_options_clear)

gboolean pv_cmd_run_parse_args(int *argc, char ***argv, gboolean fixtures, PvRunArgs *args,
                               GError **error);
gboolean pv_cmd_run_apply_config(PvRunArgs *args, GError **error);
gboolean pv_cmd_run_check(PvRunArgs *args, PvRunOptions *options, gboolean quiet,
                          GError **error);
