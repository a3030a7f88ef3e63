/*
 * cmd-run-select.h: --rerun-failed's list and --shard's share (cmd-run-select.c)
 */
#pragma once

#if !defined(PV_CMD_RUN_PRIVATE)
# error "only cmd-run*.c include cmd-run-select.h"
#endif

#include <glib.h>

#include "pv-file.h"
#include "pv-plan.h"
#include "pv-results.h"
#include "pv-run.h"

/* The share a run runs (--shard), for its startup line, run_started and its directory. */
typedef struct {
    guint files;            /* in this share */
    guint all;              /* in every share */
    PvShardMode mode;       /* as applied */
    gint64 longest_ns;      /* the longest share's expected run time; -1 unknown */
    char *fingerprint;
    /*
     * --rerun-failed --shard K/N: the run of share K/N whose failed files run
     * again, as they are (not split); they stand for that run's share
     */
    char *rerun_of;
    /* An empty share: what the run --rerun-failed --shard K/N reads left failed, kept listed. */
    GPtrArray *carried;
    char *carried_from;
} PvCmdRunShare;

void pv_cmd_run_share_clear(PvCmdRunShare *share);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvCmdRunShare, pv_cmd_run_share_clear)

char *pv_cmd_run_describe_share(PvRun *run, const PvCmdRunShare *share);
GVariant *pv_cmd_run_share_fields(PvRun *run, const PvCmdRunShare *share);
void pv_cmd_run_take_share(PvRun *run, PvPlan *plan, GPtrArray *files, PvCmdRunShare *out);
void pv_cmd_run_keep_share(PvRun *run, GPtrArray *files, const PvResultsShare *ran,
                           const char *dir, PvCmdRunShare *out);
void pv_cmd_run_record_share(PvRun *run, GPtrArray *files, PvCmdRunShare *share);
void pv_cmd_run_keep_listed(GPtrArray *previous, GPtrArray *files);
void pv_cmd_run_write_failed(PvRun *run, GPtrArray *files, GPtrArray *previous);
gboolean pv_cmd_run_read_failed(PvRunArgs *args, PvRunOptions *options, GPtrArray **failed,
                                GPtrArray **previous, PvResultsShare **ran, char **ran_dir,
                                GError **error);
