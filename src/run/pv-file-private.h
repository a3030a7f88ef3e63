/*
 * pv-file-private.h: what pv-file.c and pv-file-test.c share about a file
 */
#pragma once

#if !defined(PV_FILE_PRIVATE)
# error "only src/run/pv-file*.c include pv-file-private.h"
#endif

#include "pv-file.h"
#include "pv-network.h"

typedef struct {
    gpointer vm;
    const PvFileVmOps *ops;
    gint test;                 /* the test that made it; -1: the top level */
    gboolean ended;            /* its scope is over */
} PvFileVm;

struct _PvFile {
    PvRun *run;
    char *path;                /* as shown to the user */
    char *abs_path;
    char *stem;                /* "boot" for boot.test.lua, safe in domain names */
    GBytes *source;            /* read once, at discovery */
    PvConfig *config;          /* borrowed from the run */

    /* Learned when the file is discovered. */
    GPtrArray *test_names;
    GPtrArray *test_tags;      /* char **, per test */
    GArray *test_selected;     /* gboolean, per test: --tags chose it */
    guint selected;            /* how many */
    PvClaimSpec claim;

    /* Its place: set by the dispatcher when the file starts. */
    PvHost *host;              /* the libvirt host it runs on, whole; borrowed */
    PvBudget *budget;          /* its claim, or the host's pool; borrowed */
    gboolean llc_claim_held;

    PvWake wake;
    GArray *vms;               /* PvFileVm */
    guint counts[PV_TEST_STATUS_LAST];
    gboolean any_failed;
    PvFileStatus status;
    char *error;               /* why the file is broken or stopped */
    char *current_test;        /* NULL between tests */
    gint test_index;           /* of the current test, from 0; -1 between tests */
    guint current_declared;    /* the current test's place among those declared */
    gint tests_begun;
    guint next_test;           /* the first test, as declared, not begun yet */
    gboolean ended;            /* pv_file_end() ran for this attempt */
    gint top_level_line;       /* the top level's line last run; 0 unknown */
    guint attempt;             /* from 0; --retries runs a failed file again */
    gint host_lost;            /* atomic: its host was lost under this attempt */
    GHashTable *failures;      /* test name -> GPtrArray of its earlier attempts' reasons */
    GPtrArray *failed_now;     /* names of the tests that failed in this attempt */
    PvBlockReason blocked;     /* what the worker waits for, if anything */
    gint64 blocked_since;      /* monotonic; the file's clock stops meanwhile */
    gint64 file_deadline;      /* monotonic; G_MAXINT64 for none */
    gint64 test_deadline;
    gint64 test_timeout_ns;
    gint64 test_started;
    gint64 top_level_deadline; /* while the top level runs; G_MAXINT64 otherwise */
    gint64 paused_since;       /* monotonic: --debug-on-failure's prompt; 0 otherwise */
    gint64 started_ns;
    gint64 finished_ns;
    GPtrArray *kept;           /* names of domains kept for --keep-failed */

    /* Console checks (pv-file-console.c): the worker and the main thread. */
    GMutex console_lock;
    GPtrArray *consoles;       /* PvFileConsole */
    gboolean console_test;     /* a test runs: the tick reads the consoles */
    char *console_problem;     /* the first one the running test met */
    gpointer console_problem_vm;
    gboolean console_interrupted;
    /* Its output while held (pv_file_hold_log()): the discovering worker and the main thread. */
    GMutex log_lock;
    GPtrArray *held_log;       /* char *: top-level lines; NULL: not held */
    /* Its networks (pv-file-net.c) */
    PvNetworkPlan *networks;   /* NULL until the top level declares one */
    PvNetworkInventory *net_discovery;  /* what discovery checks against */
    gboolean networks_created; /* the top level is over: no more networks */
};

typedef struct _PvFileConsole PvFileConsole;

void pv_file_free_vms(PvFile *file);
void pv_file_publish_deadline(PvFile *file);
void pv_file_console_free(PvFileConsole *console);
void pv_file_unwatch_console(PvFile *file, gpointer vm);
void pv_file_consoles_begin_test(PvFile *file);
char *pv_file_consoles_end_test(PvFile *file, gpointer *vm);
