/*
 * pv-history.h: how long each test file took in earlier runs
 */
#pragma once

#include <glib.h>

#define PV_HISTORY_FILENAME "history.json"

typedef struct _PvHistory PvHistory;

char *pv_history_make_key(const char *root, const char *abs_path);

PvHistory *pv_history_load(const char *path, const char *root, char **warning);
void pv_history_free(PvHistory *history);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvHistory, pv_history_free)

gint64 pv_history_get(PvHistory *history, const char *file);
guint pv_history_count(PvHistory *history);
void pv_history_record(PvHistory *history, const char *file, gint64 duration_ns);
gboolean pv_history_save(PvHistory *history, GError **error);

gboolean pv_history_merge_files(const char *out, const char *const *inputs, guint *count,
                                GError **error);
