/*
 * pv-results.h: the results directory: its run directories, pruned
 */
#pragma once

#include <glib.h>

/* In a run directory: the absolute paths of the files that failed, one a line. */
#define PV_RESULTS_FAILED_LIST "failed.list"
/* A run id's first characters, YYYYMMDD-HHMMSS: the second it started. */
#define PV_RESULTS_SECOND_LEN 15
/* Where run directories go without --results-dir. */
#define PV_RESULTS_DIR_DEFAULT ".provium/runs"

char *pv_results_base(const char *results_dir);
gboolean pv_results_is_run_name(const char *name);
gboolean pv_results_check_base(const char *base, GError **error);
char *pv_results_start_run(const char *base, const char *id, int *lock_fd, GError **error);
GPtrArray *pv_results_read_failed(const char *base, char **run_dir, GError **error);
GPtrArray *pv_results_keep_under(GPtrArray *paths, const char *const *corpus);
GPtrArray *pv_results_list_runs(const char *base);
gboolean pv_results_remove(const char *path, GError **error);
guint pv_results_prune(const char *base, guint keep, const char *current, GError **error);
