/*
 * pv-history.h: how long each test file took in earlier runs
 */
#pragma once

#include <glib.h>

#define PV_HISTORY_FILENAME "history.json"

typedef struct _PvHistory PvHistory;

PvHistory *pv_history_load(const char *path, char **warning);
void pv_history_free(PvHistory *history);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvHistory, pv_history_free)

gint64 pv_history_get(PvHistory *history, const char *file);
guint pv_history_count(PvHistory *history);
void pv_history_record(PvHistory *history, const char *file, gint64 duration_ns);
gboolean pv_history_save(PvHistory *history, GError **error);
