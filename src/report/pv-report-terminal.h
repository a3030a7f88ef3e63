/*
 * pv-report-terminal.h: per-file result blocks and the summary line
 */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "pv-report-collect.h"
#include "pv-run.h"

typedef struct _PvTerminal PvTerminal;

/* Called with each file's block instead of printing it. */
typedef void (*PvTerminalBlockFunc)(const PvReportFile *file, const char *block,
                                    gpointer user_data);

PvTerminal *pv_terminal_new(FILE *out, PvVerbosity verbosity);
PvTerminal *pv_terminal_new_for_blocks(PvTerminalBlockFunc func, gpointer user_data);
void pv_terminal_free(PvTerminal *terminal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvTerminal, pv_terminal_free)

void pv_terminal_on_event(GVariant *event, gpointer user_data);
void pv_terminal_set_status(PvTerminal *terminal, const char *status);
void pv_terminal_end_status(PvTerminal *terminal);
char *pv_terminal_format_block(const PvReportFile *file, PvVerbosity verbosity, gboolean color);
