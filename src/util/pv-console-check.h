/*
 * pv-console-check.h: a guest's console read for signs of a sick kernel
 */
#pragma once

#include <glib.h>

#include "pv-console.h"
#include "pv-enum.h"

/**
 * PvConsoleCheck:
 *
 * What a console line may show that fails the running test.
 */
typedef enum {
    PV_CONSOLE_CHECK_PANIC,       /* "Kernel panic - not syncing" */
    PV_CONSOLE_CHECK_OOPS,        /* "Oops: 0002 [#1]", "Internal error: Oops" */
    PV_CONSOLE_CHECK_BUG,         /* "BUG: ...", "kernel BUG at ..." */
    PV_CONSOLE_CHECK_OOM,         /* "Out of memory: Killed process ..." */
    PV_CONSOLE_CHECK_SEGFAULT,    /* "prog[42]: segfault at 0 ip ..." */
    PV_CONSOLE_CHECK_CALL_TRACE,  /* "Call Trace:" */

    PV_CONSOLE_CHECK_LAST
} PvConsoleCheck;

#define PV_CONSOLE_CHECKS_ALL ((1u << PV_CONSOLE_CHECK_LAST) - 1)

PV_ENUM_DECL(pv_console_check, PvConsoleCheck);
gboolean pv_console_check_parse(const char *name, guint *mask);
char *pv_console_check_known(void);
const char *pv_console_check_describe(PvConsoleCheck check);
PvConsoleCheck pv_console_check_line(const char *line, gsize len);

/**
 * PvConsoleScan:
 *
 * How far a console log has been checked; a new log starts a new scan.
 */
typedef struct {
    PvConsoleReader *reader;
    guint64 checked;           /* text before this offset is checked */
} PvConsoleScan;

void pv_console_scan_init(PvConsoleScan *scan, const char *path);
void pv_console_scan_clear(PvConsoleScan *scan);
char *pv_console_scan(PvConsoleScan *scan, guint skip, PvConsoleCheck *check);
