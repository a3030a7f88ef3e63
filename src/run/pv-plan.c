/*
 * pv-plan.c: the order a run's files start in, from their duration
 * history, how long the run should take, and which share of them this job
 * runs (--shard)
 *
 * The history (pv-history.c) is --history, else history.json under the
 * results directory; it knows each file by its path relative to the
 * corpus root (pv_history_make_key()), which is also what hash and slice
 * shares go by.  --shard splits the selected files (pv_plan_split(), over
 * sched/pv-shard.c) before anything of them runs.  With --order
 * longest-first (the default) the files the history expects to take
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
    char *history_path;
    PvHistory *history;
    gint64 median_ns;       /* of the whole corpus once split; -1: of the files at hand */
    GPtrArray *files;       /* PvFile, borrowed: discovery order; NULL before ordering */
    GPtrArray *queue;       /* the same, in the order they start */
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
 *
 * Reads the history: --history, else history.json under the results
 * directory (a broken one is a note, once, and an empty history; so is a
 * missing one after earlier runs, or a missing --history).  Before the run
 * directory is prepared, or after: this run's is no earlier run.  Needs no
 * connection.
 * Returns: (transfer full)
 */
PvPlan *
pv_plan_new(PvRun *run)
{
    const PvRunOptions *options = pv_run_peek_options(run);
    PvPlan *plan = g_new0(PvPlan, 1);
    const char *base = pv_run_peek_results_base(run);
    g_autofree char *warning = NULL;
    g_autoptr(GPtrArray) runs = NULL;

    plan->run = run;
    plan->history_path = options->history ? g_strdup(options->history) :
        g_build_filename(base, PV_HISTORY_FILENAME, NULL);
    plan->history = pv_history_load(plan->history_path, options->corpus_root, &warning);
    plan->median_ns = -1;
    plan->expected_ns = -1;
    if (warning) {
        pv_run_note(run, "%s", warning);
        return plan;
    }
    if (g_file_test(plan->history_path, G_FILE_TEST_EXISTS))
        return plan;
    if (options->history) {
        pv_run_note(run, _("no duration history in %s yet; files start in discovery order, "
                           "and this run writes it"), plan->history_path);
        return plan;
    }
    runs = pv_results_list_runs(base);
    if (runs->len > 1 || (runs->len == 1 && !g_str_equal(runs->pdata[0], pv_run_peek_id(run))))
        pv_run_note(run, _("no duration history in %s; files start in discovery order, and "
                           "this run writes one"), base);
    return plan;
}

void
pv_plan_free(PvPlan *plan)
{
    if (!plan)
        return;
    g_free(plan->history_path);
    g_clear_pointer(&plan->files, g_ptr_array_unref);
    g_clear_pointer(&plan->queue, g_ptr_array_unref);
    pv_history_free(plan->history);
    g_free(plan);
}

/* The history this run reads and updates. */
const char *
pv_plan_peek_history_path(PvPlan *plan)
{
    return plan->history_path;
}

/**
 * pv_plan_dup_key:
 *
 * Returns: (transfer full): @file's key: its path relative to the corpus
 *   root, by which the history knows it and hash shares place it
 */
char *
pv_plan_dup_key(PvPlan *plan, PvFile *file)
{
    return pv_history_make_key(pv_run_peek_options(plan->run)->corpus_root,
                               pv_file_peek_abs_path(file));
}

/**
 * pv_plan_get_file_expected:
 *
 * Returns: how long @file should take, in nanoseconds; -1 when the history
 *   does not know it
 */
gint64
pv_plan_get_file_expected(PvPlan *plan, PvFile *file)
{
    g_autofree char *key = pv_plan_dup_key(plan, file);

    return pv_history_get(plan->history, key);
}

void
pv_plan_shares_free(PvPlanShares *shares)
{
    if (!shares)
        return;
    g_free(shares->share);
    g_free(shares->counts);
    g_free(shares->work_ns);
    g_free(shares->fingerprint);
    g_free(shares);
}

/**
 * pv_plan_split:
 * @files: (element-type PvFile): the selected files (after --filter,
 *   --tags, --rerun-failed), broken ones too
 * @mode: how (time needs the history: without it, it is hash)
 * @total: into how many shares, at least 1
 *
 * Each file's share, the same in every job and on every machine given
 * the same files and history.  Files the history does not know count as
 * the median of those it does from now on (pv_plan_estimate() too).
 * Returns: (transfer full)
 */
PvPlanShares *
pv_plan_split(PvPlan *plan, GPtrArray *files, PvShardMode mode, guint total)
{
    PvPlanShares *shares = g_new0(PvPlanShares, 1);
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    g_autofree gint64 *expected = g_new(gint64, MAX(files->len, 1));
    guint i;

    g_return_val_if_fail(total >= 1, shares);
    for (i = 0; i < files->len; i++) {
        g_ptr_array_add(keys, pv_plan_dup_key(plan, files->pdata[i]));
        expected[i] = pv_history_get(plan->history, keys->pdata[i]);
    }
    g_ptr_array_add(keys, NULL);
    plan->median_ns = pv_order_median(expected, files->len);
    shares->mode = mode == PV_SHARD_TIME && plan->median_ns < 0 ? PV_SHARD_HASH : mode;
    shares->total = total;
    shares->n = files->len;
    shares->share = pv_shard_assign((const char *const *)keys->pdata, expected, files->len,
                                    shares->mode, total);
    shares->counts = g_new0(guint, total);
    shares->work_ns = g_new0(gint64, total);
    for (i = 0; i < files->len; i++) {
        shares->counts[shares->share[i]]++;
        shares->work_ns[shares->share[i]] += expected[i] >= 0 ? expected[i] : plan->median_ns;
    }
    for (i = 0; plan->median_ns < 0 && i < total; i++)
        shares->work_ns[i] = -1;
    shares->fingerprint = pv_shard_fingerprint((const char *const *)keys->pdata, shares->share,
                                               files->len, total);
    return shares;
}

/* @files in the order --order starts them; @expected gets their durations. */
static GPtrArray *
pv_plan_make_queue(PvPlan *plan, GPtrArray *files, gint64 *expected)
{
    g_autofree gint64 *known = g_new(gint64, MAX(files->len, 1));
    g_autofree guint *order = NULL;
    GPtrArray *queue = g_ptr_array_sized_new(files->len);
    gint64 median;
    guint i;

    for (i = 0; i < files->len; i++)
        known[i] = pv_plan_get_file_expected(plan, files->pdata[i]);
    median = plan->median_ns >= 0 ? plan->median_ns : pv_order_median(known, files->len);
    order = pv_order_files(known, files->len, pv_run_peek_options(plan->run)->order);
    for (i = 0; i < files->len; i++) {
        PvFile *file = files->pdata[order[i]];

        g_ptr_array_add(queue, file);
        /* A file broken at discovery ends at once. */
        expected[i] = median < 0 ? -1 : pv_file_get_status(file) == PV_FILE_ERROR ? 0 :
            known[order[i]] >= 0 ? known[order[i]] : median;
    }
    return queue;
}

/* How long @queue should take on the pool; -1 when no duration is known. */
static gint64
pv_plan_replay(PvPlan *plan, GPtrArray *queue, const gint64 *expected)
{
    const PvRunOptions *options = pv_run_peek_options(plan->run);
    g_autofree PvOrderJob *jobs = g_new0(PvOrderJob, MAX(queue->len, 1));
    guint i;

    for (i = 0; i < queue->len; i++) {
        if (expected[i] < 0)
            return -1;
        jobs[i].duration_ns = expected[i];
        jobs[i].want = pv_plan_want(queue->pdata[i]);
    }
    return pv_order_estimate(jobs, queue->len, pv_run_get_pool_total(plan->run),
                             options->jobs);
}

/**
 * pv_plan_estimate:
 * @files: (element-type PvFile): any of the run's files (another share's)
 *
 * Returns: how long a run of @files should take on this run's pool, in
 *   nanoseconds; -1 when the history knows none of them (nor, after
 *   pv_plan_split(), any of the corpus)
 */
gint64
pv_plan_estimate(PvPlan *plan, GPtrArray *files)
{
    g_autofree gint64 *expected = g_new(gint64, MAX(files->len, 1));
    g_autoptr(GPtrArray) queue = pv_plan_make_queue(plan, files, expected);

    if (files->len == 0)
        return plan->median_ns >= 0 ? 0 : -1;
    return pv_plan_replay(plan, queue, expected);
}

/**
 * pv_plan_order:
 * @files: (element-type PvFile): what this run runs, in discovery order;
 *   borrowed, must outlive the plan
 *
 * Orders @files by --order (the dispatcher's queue) and estimates how long
 * they take on the pool.  Needs the run's resources.
 */
void
pv_plan_order(PvPlan *plan, GPtrArray *files)
{
    g_autofree gint64 *expected = g_new(gint64, MAX(files->len, 1));

    g_clear_pointer(&plan->files, g_ptr_array_unref);
    g_clear_pointer(&plan->queue, g_ptr_array_unref);
    plan->files = g_ptr_array_ref(files);
    plan->queue = pv_plan_make_queue(plan, files, expected);
    plan->expected_ns = files->len ? pv_plan_replay(plan, plan->queue, expected) : -1;
}

/**
 * pv_plan_peek_queue:
 *
 * Returns: (transfer none) (element-type PvFile): the files in the order
 *   they start (pv_plan_order())
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
 * cancelled, broken or never started) adds its duration to the history.
 * A failure to save is a note.
 */
void
pv_plan_save(PvPlan *plan)
{
    g_autoptr(GError) error = NULL;
    guint i;

    for (i = 0; plan->files && i < plan->files->len; i++) {
        PvFile *file = plan->files->pdata[i];
        PvFileStatus status = pv_file_get_status(file);
        gint64 started = 0;
        gint64 finished = 0;

        pv_file_get_times(file, &started, &finished);
        if ((status == PV_FILE_PASSED || status == PV_FILE_FAILED) && started && finished) {
            g_autofree char *key = pv_plan_dup_key(plan, file);

            pv_history_record(plan->history, key, finished - started);
        }
    }
    if (!pv_history_save(plan->history, &error))
        pv_run_note(plan->run, _("the duration history was not saved: %s"), error->message);
}
