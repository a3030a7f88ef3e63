/*
 * pv-results.h: the results directory: its run directories, pruned
 */
#pragma once

#include <glib.h>

gboolean pv_results_is_run_name(const char *name);
GPtrArray *pv_results_list_runs(const char *base);
guint pv_results_prune(const char *base, guint keep, const char *current, GError **error);
