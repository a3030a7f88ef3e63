/*
 * pv-plan.c: the order a run's files start in, from their duration
 * history, and how long the run should take
 *
 * The history (pv-history.c) lives under the results directory.  With
 * --order longest-first (the default) the files the history expects to take
 * longest start first (pv_order_files()); the dispatcher then takes that
 * queue head first, as always.  The expected run time replays the queue on
 * the pool (pv_order_estimate()).  When the run is over, each file that ran
 * to its end adds its duration to the history.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-history.h"
#include "pv-order.h"
#include "pv-plan.h"
#include "pv-results.h"

struct _PvPlan {
    PvRun *run;
    GPtrArray *files;       /* PvFile, borrowed: discovery order */
    GPtrArray *queue;       /* the same, in the order they start */
    PvHistory *history;
    gint64 expected_ns;     /* -1: unknown */
};

/* What an unclaimed file most likely holds: one VM of its default profile. */
static PvAmount
pv_plan_want(PvFile *file)
{
    const PvClaimSpec *claim = pv_file_peek_claim(file);
    PvConfig *config = pv_file_peek_config(file);

    if (claim->declared)
        return pv_amount(claim->memory, claim->cpus);
    return pv_amount(config ? pv_config_get_default_memory(config) : PV_FILE_OVERHEAD_MEMORY,
                     1);
}

/**
 * pv_plan_new:
 * @files: (element-type PvFile): discovered, in discovery order; borrowed,
 *   must outlive the plan
 *
 * Reads the history (a broken one is a note, once, and an empty history;
 * so is a missing one after earlier runs) and orders @files by --order.
 * Before the run directory is prepared, or after: this run's is no
 * earlier run.
 * Returns: (transfer full)
 */
PvPlan *
pv_plan_new(PvRun *run, GPtrArray *files)
{
    const PvRunOptions *options = pv_run_peek_options(run);
    PvPlan *plan = g_new0(PvPlan, 1);
    g_autofree char *path = g_build_filename(pv_run_peek_results_base(run),
                                             PV_HISTORY_FILENAME, NULL);
    g_autofree char *warning = NULL;
    g_autoptr(GPtrArray) runs = pv_results_list_runs(pv_run_peek_results_base(run));
    g_autofree gint64 *expected = g_new(gint64, MAX(files->len, 1));
    g_autofree PvOrderJob *jobs = g_new0(PvOrderJob, MAX(files->len, 1));
    g_autofree guint *order = NULL;
    gint64 median;
    guint i;

    plan->run = run;
    plan->files = g_ptr_array_ref(files);
    plan->history = pv_history_load(path, &warning);
    plan->expected_ns = -1;
    if (warning)
        pv_run_note(run, "%s", warning);
    else if (!g_file_test(path, G_FILE_TEST_EXISTS) &&
             (runs->len > 1 || (runs->len == 1 && !g_str_equal(runs->pdata[0],
                                                               pv_run_peek_id(run)))))
        pv_run_note(run, _("no duration history in %s; files start in discovery order, and "
                           "this run writes one"), pv_run_peek_results_base(run));
    for (i = 0; i < files->len; i++)
        expected[i] = pv_history_get(plan->history, pv_file_peek_abs_path(files->pdata[i]));
    order = pv_order_files(expected, files->len, options->order);
    plan->queue = g_ptr_array_sized_new(files->len);
    for (i = 0; i < files->len; i++)
        g_ptr_array_add(plan->queue, files->pdata[order[i]]);

    median = pv_order_median(expected, files->len);
    if (median < 0)
        return plan;
    for (i = 0; i < files->len; i++) {
        PvFile *file = files->pdata[order[i]];

        /* A file broken at discovery ends at once. */
        jobs[i].duration_ns = pv_file_get_status(file) == PV_FILE_ERROR ? 0 :
            expected[order[i]] >= 0 ? expected[order[i]] : median;
        jobs[i].want = pv_plan_want(file);
    }
    plan->expected_ns = pv_order_estimate(jobs, files->len,
                                          pv_pool_get_total(pv_resources_peek_pool(
                                              pv_run_peek_resources(run))),
                                          options->jobs);
    return plan;
}

void
pv_plan_free(PvPlan *plan)
{
    if (!plan)
        return;
    g_ptr_array_unref(plan->files);
    g_ptr_array_unref(plan->queue);
    pv_history_free(plan->history);
    g_free(plan);
}

/**
 * pv_plan_peek_queue:
 *
 * Returns: (transfer none) (element-type PvFile): the files in the order
 *   they start
 */
GPtrArray *
pv_plan_peek_queue(PvPlan *plan)
{
    return plan->queue;
}

/**
 * pv_plan_get_expected:
 *
 * Returns: how long the run should take, in nanoseconds; -1 when the
 *   history knows none of its files
 */
gint64
pv_plan_get_expected(PvPlan *plan)
{
    return plan->expected_ns;
}

/**
 * pv_plan_save:
 *
 * The run is over: each file that ran to its end (passed or failed, not
 * cancelled, broken or never started) adds its duration to the history,
 * saved under the results directory.  A failure to save is a note.
 */
void
pv_plan_save(PvPlan *plan)
{
    g_autoptr(GError) error = NULL;
    guint i;

    for (i = 0; i < plan->files->len; i++) {
        PvFile *file = plan->files->pdata[i];
        PvFileStatus status = pv_file_get_status(file);
        gint64 started = 0;
        gint64 finished = 0;

        pv_file_get_times(file, &started, &finished);
        if ((status == PV_FILE_PASSED || status == PV_FILE_FAILED) && started && finished)
            pv_history_record(plan->history, pv_file_peek_abs_path(file), finished - started);
    }
    if (!pv_history_save(plan->history, &error))
        pv_run_note(plan->run, _("the duration history was not saved: %s"), error->message);
}
