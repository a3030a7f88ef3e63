/*
 * pv-results.h: the results directory: its run directories, pruned
 */
#pragma once

#include <glib.h>

/* In a run directory: the absolute paths of the files that failed, one a line. */
#define PV_RESULTS_FAILED_LIST "failed.list"
/* In the run directory of a run of a share (--shard): which (PvResultsShare), a key file. */
#define PV_RESULTS_SHARE_FILE "share.ini"
/* A run id's first characters, YYYYMMDD-HHMMSS: the second it started. */
#define PV_RESULTS_SECOND_LEN 15
/* Where run directories go without --results-dir. */
#define PV_RESULTS_DIR_DEFAULT ".provium/runs"

/**
 * PvResultsShare:
 *
 * The share of the selected files a run ran (--shard), as its run
 * directory records it.
 */
typedef struct {
    guint index;            /* from 1 */
    guint total;
    char *mode;             /* as applied: time, hash, slice */
    char *partition;        /* pv_shard_fingerprint(): who runs what */
    guint files;            /* the whole selection's, every share's */
    gboolean empty;         /* the share had no file: the run ran nothing */
} PvResultsShare;

void pv_results_share_free(PvResultsShare *share);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvResultsShare, pv_results_share_free)
char *pv_results_share_to_data(const PvResultsShare *share);
PvResultsShare *pv_results_read_share(const char *run_dir);

char *pv_results_base(const char *results_dir);
gboolean pv_results_is_run_name(const char *name);
gboolean pv_results_check_base(const char *base, GError **error);
char *pv_results_start_run(const char *base, const char *id, int *lock_fd, GError **error);
GPtrArray *pv_results_read_failed(const char *base, char **run_dir, GError **error);
GPtrArray *pv_results_read_failed_of_share(const char *base, guint index, guint total,
                                           const char *exclude, char **run_dir,
                                           PvResultsShare **share, GError **error);
GPtrArray *pv_results_keep_under(GPtrArray *paths, const char *const *corpus);
GPtrArray *pv_results_list_runs(const char *base);
gboolean pv_results_remove(const char *path, GError **error);
guint pv_results_prune(const char *base, guint keep, const char *current, GError **error);
