/*
 * pv-plan.h: the order a run's files start in, from their duration
 * history, and how long the run should take
 */
#pragma once

#include <glib.h>

#include "pv-file.h"
#include "pv-run.h"

typedef struct _PvPlan PvPlan;

PvPlan *pv_plan_new(PvRun *run, GPtrArray *files);
void pv_plan_free(PvPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvPlan, pv_plan_free)

GPtrArray *pv_plan_peek_queue(PvPlan *plan);
gint64 pv_plan_get_expected(PvPlan *plan);
void pv_plan_save(PvPlan *plan);
