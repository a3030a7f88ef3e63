/*
 * pv-file.h: one test file: its discovery, and its run on a worker thread
 */
#pragma once

#include <glib.h>
#include <lua.h>

#include "pv-run.h"
#include "pv-wake.h"

typedef enum {
    PV_TEST_PASSED,
    PV_TEST_FAILED,
    PV_TEST_SKIPPED,
    PV_TEST_NOT_RUN,

    PV_TEST_STATUS_LAST
} PvTestStatus;

const char *pv_test_status_to_string(PvTestStatus status);

typedef enum {
    PV_FILE_QUEUED,
    PV_FILE_RUNNING,
    PV_FILE_PASSED,     /* every test passed or was skipped */
    PV_FILE_FAILED,     /* a test failed */
    PV_FILE_ERROR,      /* the file itself is broken: syntax, top-level error */
    PV_FILE_CANCELLED,  /* interrupted, or never started because of a signal */
    PV_FILE_NOT_RUN,    /* never started: --fail-fast */

    PV_FILE_STATUS_LAST
} PvFileStatus;

const char *pv_file_status_to_string(PvFileStatus status);

typedef struct {
    char *name;
    PvTestStatus status;
    gint64 duration_ns;
    char *message;
    char *console_excerpt;
} PvTestResult;

/*
 * A file's top level only declares its tests: it gets this long, or
 * --timeout if shorter, each time it runs (discovery, then the run).
 */
#define PV_FILE_TOP_LEVEL_TIMEOUT_NS (10 * G_GINT64_CONSTANT(1000000000))

typedef struct _PvFile PvFile;
typedef struct _PvVm PvVm;

struct _PvFile {
    PvRun *run;
    char *path;            /* as shown to the user */
    char *abs_path;
    char *stem;            /* "boot" for boot.test.lua, safe in domain names */
    GBytes *source;        /* read once, at discovery */
    PvConfig *config;      /* borrowed from the run */

    /* Learned when the file is discovered. */
    GPtrArray *test_names;
    gboolean has_claim;
    guint64 claim_memory;
    guint claim_cpus;
    guint claim_llcs;          /* LLC groups for the whole file */
    gboolean llc_claim_held;   /* the dispatcher took them: its VMs use only those */
    gboolean claim_seen;       /* the run's top level called provium:claim() */

    /* The pool: taken at dispatch, given back by the dispatcher at the end. */
    PvAmount reservation;
    PvAmount claim_left;       /* what the claim still has for VMs */
    PvBlockReason blocked;     /* what the worker waits for, if anything */
    gint64 blocked_since;      /* monotonic; the file's clock stops meanwhile */

    /* The run, on the worker thread. */
    PvWake wake;
    lua_State *L;
    gboolean discovering;
    GPtrArray *vms;            /* PvVm, owned */
    GPtrArray *results;        /* PvTestResult, owned */
    PvFileStatus status;
    char *error;               /* why the file is broken or stopped */
    char *current_test;        /* NULL between tests */
    gint64 file_deadline;      /* monotonic; G_MAXINT64 for none */
    gint64 test_deadline;
    gint64 test_timeout_ns;
    gint64 top_level_deadline; /* while the top level runs; G_MAXINT64 otherwise */
    gint64 last_raise;         /* when the Lua hook last raised an interrupt */
    guint raises;
    gint64 started_ns;
    gint64 finished_ns;
    GPtrArray *kept;           /* names of domains kept for --keep-failed */
};

PvFile *pv_file_new(PvRun *run, const char *path);
void pv_file_free(PvFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvFile, pv_file_free)

gboolean pv_file_discover(PvFile *file, GError **error);
void pv_file_execute(PvFile *file);
void pv_file_cancel(PvFile *file, const char *reason);

gboolean pv_file_check(PvFile *file, GError **error);
gint64 pv_file_deadline(PvFile *file);
gint64 pv_file_top_level_timeout(PvFile *file);
void pv_file_log(PvFile *file, const char *text);
void pv_file_add_vm(PvFile *file, PvVm *vm);
void pv_file_on_domain_stopped(PvDomain *domain, const char *reason, gpointer user_data);
void pv_file_block(PvFile *file, PvBlockReason reason, const char *waiting_for);
void pv_file_unblock(PvFile *file);
