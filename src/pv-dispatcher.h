/*
 * pv-dispatcher.h: the file queue, admission and cancellation
 */
#pragma once

#include <glib.h>

#include "pv-file.h"
#include "pv-run.h"

typedef struct _PvDispatcher PvDispatcher;

PvDispatcher *pv_dispatcher_new(PvRun *run, GPtrArray *files);
void pv_dispatcher_run(PvDispatcher *dispatcher);
gboolean pv_dispatcher_was_cancelled(PvDispatcher *dispatcher);
void pv_dispatcher_free(PvDispatcher *dispatcher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvDispatcher, pv_dispatcher_free)
