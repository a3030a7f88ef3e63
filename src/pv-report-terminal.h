/*
 * pv-report-terminal.h: per-file result blocks and the summary line
 */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "pv-run.h"

typedef struct _PvTerminal PvTerminal;

PvTerminal *pv_terminal_new(FILE *out, PvVerbosity verbosity);
void pv_terminal_free(PvTerminal *terminal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvTerminal, pv_terminal_free)

void pv_terminal_on_event(GVariant *event, gpointer user_data);
void pv_terminal_set_status(PvTerminal *terminal, const char *status);
void pv_terminal_end_status(PvTerminal *terminal);
void pv_terminal_get_counts(PvTerminal *terminal, guint *passed, guint *failed,
                            guint *skipped);
