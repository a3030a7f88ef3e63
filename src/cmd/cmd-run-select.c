/*
 * cmd-run-select.c: which files a run runs beyond its PATHs: --rerun-failed's
 * list and --shard's share, and what the run directory keeps of them for
 * the next --rerun-failed
 *
 * --rerun-failed reads the latest run's failed files; with --shard K/N,
 * the latest run of share K/N's (pv_results_read_failed_of_share()), which
 * are that share's own and run as they are (pv_cmd_run_keep_share()), so a
 * CI job reruns its failures even with a results directory of its own.
 * Otherwise --shard splits the selection (pv_cmd_run_take_share()).  The
 * run directory records the share (share.ini) and, when the run ends, the
 * files that failed (failed.list); an empty share's run ran nothing and
 * changes nothing: --rerun-failed --shard passes over it, and its list keeps
 * the failures of the run that one reads, so that none disappears from
 * latest.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cmd.h"
#define PV_CMD_RUN_PRIVATE
#include "cmd-run-options.h"
#include "cmd-run-select.h"
#include "pv-error.h"
#include "pv-event-kinds.h"
#include "pv-results.h"
#include "pv-safe.h"
#include "pv-units.h"

void
pv_cmd_run_share_clear(PvCmdRunShare *share)
{
    g_clear_pointer(&share->fingerprint, g_free);
    g_clear_pointer(&share->rerun_of, g_free);
    g_clear_pointer(&share->carried, g_ptr_array_unref);
    g_clear_pointer(&share->carried_from, g_free);
}

/**
 * pv_cmd_run_describe_share:
 *
 * Returns: (transfer full): what the startup line says of the share: which,
 *   how, its partition, its files (or the failures it reruns), and the
 *   longest share's expected time
 */
char *
pv_cmd_run_describe_share(PvRun *run, const PvCmdRunShare *share)
{
    const PvShard *shard = &pv_run_peek_options(run)->shard;
    const char *mode = shard->mode == PV_SHARD_TIME && share->mode == PV_SHARD_HASH ?
        _("hash (no duration history)") : pv_shard_mode_to_string(share->mode);
    g_autofree char *longest = NULL;

    if (share->rerun_of)
        return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                           "; share %u/%u by %s (partition %s): the %u file "
                                           "that failed in its run %s, not split again",
                                           "; share %u/%u by %s (partition %s): the %u files "
                                           "that failed in its run %s, not split again",
                                           share->files),
                               shard->index, shard->total, pv_shard_mode_to_string(share->mode),
                               share->fingerprint, share->files, share->rerun_of);
    if (share->longest_ns < 0)
        return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                           "; share %u/%u by %s (partition %s): %u of %u file",
                                           "; share %u/%u by %s (partition %s): %u of %u files",
                                           share->all),
                               shard->index, shard->total, mode, share->fingerprint,
                               share->files, share->all);
    longest = pv_duration_format(share->longest_ns);
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                       "; share %u/%u by %s (partition %s): %u of %u file, the "
                                       "longest share expected to take %s",
                                       "; share %u/%u by %s (partition %s): %u of %u files, the "
                                       "longest share expected to take %s", share->all),
                           shard->index, shard->total, mode, share->fingerprint, share->files,
                           share->all, longest);
}

/**
 * pv_cmd_run_share_fields:
 *
 * Returns: (transfer floating): run_started's shard: the share, how, the
 *   partition and the files of the whole selection
 */
GVariant *
pv_cmd_run_share_fields(PvRun *run, const PvCmdRunShare *share)
{
    const PvShard *shard = &pv_run_peek_options(run)->shard;
    g_auto(GVariantBuilder) builder = PV_EVENT_FIELDS_INIT;

    pv_event_add_uint(&builder, "index", shard->index);
    pv_event_add_uint(&builder, "total", shard->total);
    pv_event_add_str(&builder, "mode", pv_shard_mode_to_string(share->mode));
    pv_event_add_str(&builder, "partition", share->fingerprint);
    pv_event_add_uint(&builder, "files", share->all);
    return g_variant_builder_end(&builder);
}

/*
 * --shard K/N: @files keeps share K's files, in discovery order, and the
 * others are dropped before anything of them is reported or run.  The
 * longest share's run time is estimated as this one's is, on this pool.
 */
void
pv_cmd_run_take_share(PvRun *run, PvPlan *plan, GPtrArray *files, PvCmdRunShare *out)
{
    const PvShard *shard = &pv_run_peek_options(run)->shard;
    g_autoptr(PvPlanShares) shares = pv_plan_split(plan, files, shard->mode, shard->total);
    /* Each share's files, borrowed. */
    g_autoptr(GPtrArray) each = g_ptr_array_new_full(shard->total,
                                                     (GDestroyNotify)g_ptr_array_unref);
    guint s;
    guint i;

    out->all = files->len;
    out->mode = shares->mode;
    out->fingerprint = g_strdup(shares->fingerprint);
    out->longest_ns = -1;
    for (s = 0; s < shard->total; s++)
        g_ptr_array_add(each, g_ptr_array_new());
    for (i = 0; i < files->len; i++)
        g_ptr_array_add(each->pdata[shares->share[i]], files->pdata[i]);
    for (s = 0; s < shard->total; s++) {
        GPtrArray *share = each->pdata[s];

        if (share->len)
            out->longest_ns = MAX(out->longest_ns, pv_plan_estimate(plan, share));
    }
    for (i = files->len; i-- > 0; ) {
        if (shares->share[i] != shard->index - 1)
            g_ptr_array_remove_index(files, i);
    }
    out->files = files->len;
}

/*
 * --rerun-failed --shard K/N, the failed files of run @dir of share K/N
 * (@ran): they are that share's, and all run, not split again; the run
 * stands for the same share of the same partition.
 */
void
pv_cmd_run_keep_share(PvRun *run, GPtrArray *files, const PvResultsShare *ran,
                      const char *dir, PvCmdRunShare *out)
{
    const PvShard *shard = &pv_run_peek_options(run)->shard;

    if (!pv_shard_mode_from_string(ran->mode, &out->mode))
        out->mode = shard->mode;
    out->all = ran->files;
    out->files = files->len;
    out->fingerprint = g_strdup(ran->partition);
    out->longest_ns = -1;
    out->rerun_of = g_path_get_basename(dir);
}

/*
 * The run directory says which share the run runs, for --rerun-failed
 * --shard, and whether it was empty.  A run that runs nothing changes
 * nothing for --rerun-failed: --shard K/N passes over it, and its failed
 * list keeps what the run --shard K/N reads listed (the share's run
 * before it, or a run of the whole selection), so that latest's still
 * names those failures.
 */
void
pv_cmd_run_record_share(PvRun *run, GPtrArray *files, PvCmdRunShare *share)
{
    const PvShard *shard = &pv_run_peek_options(run)->shard;
    PvResultsShare record = { shard->index, shard->total,
                              (char *)pv_shard_mode_to_string(share->mode), share->fingerprint,
                              share->all, files->len == 0 };
    g_autofree char *data = pv_results_share_to_data(&record);
    g_autofree char *path = g_build_filename(pv_run_peek_dir(run), PV_RESULTS_SHARE_FILE, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvResultsShare) before = NULL;
    g_autoptr(GPtrArray) carried = NULL;
    g_autofree char *before_dir = NULL;

    if (!pv_write_file_atomic(path, data, -1, &error))
        pv_run_note(run, _("the run directory does not say which share this run ran "
                           "(--rerun-failed --shard will not find it): %s"), error->message);
    if (files->len > 0)
        return;
    carried = pv_results_read_failed_of_share(pv_run_peek_results_base(run), shard->index,
                                              shard->total, pv_run_peek_id(run), &before_dir,
                                              &before, NULL);
    if (!carried || carried->len == 0)
        return;
    share->carried = g_steal_pointer(&carried);
    share->carried_from = g_path_get_basename(before_dir);
}

/*
 * The run directory lists the files that failed, for --rerun-failed.
 * @previous is the list this run read (--rerun-failed's, or an empty
 * share's carried one): what it names that this run did not settle (a file
 * outside the PATHs, one cancelled or not run) stays on the list, so that
 * rerunning until nothing failed, from any directory, and a run that ran
 * nothing, leave no failure behind.
 */
void
pv_cmd_run_write_failed(PvRun *run, GPtrArray *files, GPtrArray *previous)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *path = g_build_filename(pv_run_peek_dir(run), PV_RESULTS_FAILED_LIST, NULL);
    /* abs path -> whether it failed now, for the files this run settled */
    g_autoptr(GHashTable) settled = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < files->len; i++) {
        PvFileStatus status = pv_file_get_status(files->pdata[i]);

        if (status == PV_FILE_PASSED || status == PV_FILE_FAILED || status == PV_FILE_ERROR)
            g_hash_table_insert(settled, (gpointer)pv_file_peek_abs_path(files->pdata[i]),
                                GINT_TO_POINTER(status != PV_FILE_PASSED));
    }
    for (i = 0; previous && i < previous->len; i++) {
        if (!g_hash_table_contains(settled, previous->pdata[i]))
            g_string_append_printf(text, "%s\n", (const char *)previous->pdata[i]);
    }
    for (i = 0; i < files->len; i++) {
        PvFileStatus status = pv_file_get_status(files->pdata[i]);

        if (status == PV_FILE_FAILED || status == PV_FILE_ERROR)
            g_string_append_printf(text, "%s\n", pv_file_peek_abs_path(files->pdata[i]));
    }
    pv_run_write_later(run, path, text->str);
}

/*
 * --rerun-failed --shard K/N of a run of the whole selection, its failures
 * split: of @previous, only this share's @files stay listed; the others are
 * the other shares' to keep.
 */
void
pv_cmd_run_keep_listed(GPtrArray *previous, GPtrArray *files)
{
    g_autoptr(GHashTable) mine = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < files->len; i++)
        g_hash_table_add(mine, (gpointer)pv_file_peek_abs_path(files->pdata[i]));
    for (i = 0; i < previous->len; ) {
        if (g_hash_table_contains(mine, previous->pdata[i]))
            i++;
        else
            g_ptr_array_remove_index(previous, i);
    }
}

/*
 * --rerun-failed: the files that failed in the latest run, under the PATHs
 * (the current directory without one), NULL-terminated in *@failed; none
 * (said so) when none failed.  A file elsewhere is not run, and said so:
 * what the list names is not the user's to run by this command.  With
 * --shard K/N, the latest run of share K/N's, which are not split again
 * (*@ran and *@ran_dir say which run; *@ran NULL: a run of the whole
 * selection, whose failures are split as any selection is).  *@previous
 * is the whole list read, for this run's (pv_cmd_run_write_failed()).
 */
gboolean
pv_cmd_run_read_failed(PvRunArgs *args, PvRunOptions *options, GPtrArray **failed,
                       GPtrArray **previous, PvResultsShare **ran, char **ran_dir,
                       GError **error)
{
    g_autofree char *base = pv_results_base(options->results_dir);
    g_autofree char *latest = NULL;
    g_autoptr(PvResultsShare) share = NULL;
    g_autoptr(GPtrArray) paths = options->shard.total ?
        pv_results_read_failed_of_share(base, options->shard.index, options->shard.total, NULL,
                                        &latest, &share, error) :
        pv_results_read_failed(base, &latest, error);
    g_autoptr(GPtrArray) outside = NULL;
    g_autofree char *here = g_get_current_dir();

    guint i;

    if (!paths)
        return FALSE;
    *previous = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < paths->len; i++)
        g_ptr_array_add(*previous, g_strdup(paths->pdata[i]));
    if (paths->len == 0) {
        if (share)
            g_printerr(_("provium: no file failed in the latest run of share %u/%u (%s): "
                         "nothing to run\n"), share->index, share->total, latest);
        else
            g_printerr(_("provium: no file failed in the latest run (%s): nothing to run\n"),
                       latest);
        *failed = g_steal_pointer(&paths);
        return TRUE;
    }
    outside = pv_results_keep_under(paths, (const char *const *)args->paths);
    if (paths->len == 0 && args->paths) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--rerun-failed: no file that failed in the latest run (%s) is under the "
                      "PATHs given; %s is not (give its directory as PATH)"), latest,
                    (const char *)outside->pdata[0]);
        return FALSE;
    }
    if (paths->len == 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--rerun-failed: no file that failed in the latest run (%s) is under the "
                      "current directory %s; %s is not (give its directory as PATH)"), latest,
                    here, (const char *)outside->pdata[0]);
        return FALSE;
    }
    if (outside->len > 0)
        g_printerr(g_dngettext(GETTEXT_PACKAGE,
                               "provium: --rerun-failed: %u file that failed in the latest run "
                               "is not under the PATHs (or the current directory) and is not "
                               "run: %s\n",
                               "provium: --rerun-failed: %u files that failed in the latest run "
                               "are not under the PATHs (or the current directory) and are not "
                               "run, such as %s\n", outside->len),
                   outside->len, (const char *)outside->pdata[0]);
    g_ptr_array_add(paths, NULL);
    *failed = g_steal_pointer(&paths);
    *ran = g_steal_pointer(&share);
    *ran_dir = g_steal_pointer(&latest);
    return TRUE;
}
