/*
 * pv-dispatcher.h: the file queue, admission and cancellation
 */
#pragma once

#include <glib.h>

#include "pv-file.h"
#include "pv-run.h"

typedef struct _PvDispatcher PvDispatcher;

/**
 * PvDispatchHostStatus:
 *
 * One host of the run, for the live status line.
 */
typedef struct {
    const char *name;
    guint files;            /* its files running */
    guint vms;              /* the run's domains there now */
} PvDispatchHostStatus;

/**
 * PvDispatchStatus:
 *
 * A snapshot for the live status line.
 */
typedef struct {
    guint done;
    guint running;
    guint queued;
    PvAmount used;
    PvAmount total;
    PvBlockReason head_blocked;  /* why the head of the queue waits */
    guint n_hosts;
    const PvDispatchHostStatus *hosts;  /* borrowed, for the call only */
} PvDispatchStatus;

typedef void (*PvDispatchStatusFunc)(const PvDispatchStatus *status, gpointer user_data);

/**
 * PvFileRunFunc:
 *
 * Runs @file to its end on a worker thread, whatever happens (the Lua
 * layer's pv_lua_run_file()).
 */
typedef void (*PvFileRunFunc)(PvFile *file);

PvDispatcher *pv_dispatcher_new(PvRun *run, GPtrArray *files, PvFileRunFunc run_file);
void pv_dispatcher_set_status_func(PvDispatcher *dispatcher, PvDispatchStatusFunc func,
                                   gpointer user_data);
void pv_dispatcher_run(PvDispatcher *dispatcher);
void pv_dispatcher_interrupt(PvDispatcher *dispatcher);
gboolean pv_dispatcher_was_cancelled(PvDispatcher *dispatcher);
void pv_dispatcher_free(PvDispatcher *dispatcher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvDispatcher, pv_dispatcher_free)
