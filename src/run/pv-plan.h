/*
 * pv-plan.h: the order a run's files start in, from their duration
 * history, how long the run should take, and which share of them this job
 * runs (--shard)
 */
#pragma once

#include <glib.h>

#include "pv-file.h"
#include "pv-run.h"
#include "pv-shard.h"

typedef struct _PvPlan PvPlan;

/**
 * PvPlanShares:
 *
 * A corpus split into shares (pv_plan_split()).
 */
typedef struct {
    PvShardMode mode;       /* as applied: time without any known duration is hash */
    guint total;            /* how many shares */
    guint n;                /* how many files */
    guint *share;           /* each file's share, 0-based, in the files' order */
    guint *counts;          /* per share: how many files */
    gint64 *work_ns;        /* per share: its files' expected durations added up (unknown
                             * ones as the median); all -1 when none is known */
    char *fingerprint;      /* pv_shard_fingerprint(): who runs what */
} PvPlanShares;

void pv_plan_shares_free(PvPlanShares *shares);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvPlanShares, pv_plan_shares_free)

PvPlan *pv_plan_new(PvRun *run);
void pv_plan_free(PvPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvPlan, pv_plan_free)

const char *pv_plan_peek_history_path(PvPlan *plan);
char *pv_plan_dup_key(PvPlan *plan, PvFile *file);
gint64 pv_plan_get_file_expected(PvPlan *plan, PvFile *file);
PvPlanShares *pv_plan_split(PvPlan *plan, GPtrArray *files, PvShardMode mode, guint total);
gint64 pv_plan_estimate(PvPlan *plan, GPtrArray *files);
void pv_plan_order(PvPlan *plan, GPtrArray *files);

GPtrArray *pv_plan_peek_queue(PvPlan *plan);
gint64 pv_plan_get_expected(PvPlan *plan);
void pv_plan_save(PvPlan *plan);
