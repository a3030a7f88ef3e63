/*
 * pv-run.h: one invocation of provium: options, identity, its libvirt
 * hosts, and the services its files share
 */
#pragma once

#include <glib.h>


#include "pv-config.h"
#include "pv-event-kinds.h"
#include "pv-events.h"
#include "pv-host.h"
#include "pv-order.h"
#include "pv-owner.h"
#include "pv-shard.h"

/* How many run directories stay without --keep-runs. */
#define PV_RUN_KEEP_RUNS_DEFAULT 20

/* What a file without a claim holds while it runs. */
#define PV_FILE_OVERHEAD_MEMORY (50 * G_GUINT64_CONSTANT(1024) * 1024)

typedef enum {
    PV_VERBOSITY_QUIET = -1,
    PV_VERBOSITY_NORMAL = 0,
    PV_VERBOSITY_VERBOSE = 1,
} PvVerbosity;

/**
 * PvRunHost:
 *
 * One libvirt host of the run, as a -c or a [host NAME] group names it,
 * and what it sizes for itself.  0 takes the run's option (--mem, --cpus,
 * --cpu-overcommit, --boot-workers), which applies to each host.
 */
typedef struct {
    char *name;             /* [host NAME]; NULL: from the URI */
    char *uri;              /* NULL: LIBVIRT_DEFAULT_URI or libvirt's default */
    guint64 mem;
    guint cpus;
    double cpu_overcommit;
    guint boot_workers;
    guint jobs;             /* files in flight on it at most; 0: its pool decides */
} PvRunHost;

void pv_run_host_free(PvRunHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvRunHost, pv_run_host_free)

/**
 * PvRunOptions:
 *
 * What the command line asked for, already parsed and checked.
 */
typedef struct {
    char *uri;              /* the default host's (hosts[0]); NULL: libvirt's default */
    GPtrArray *hosts;       /* PvRunHost: the run's hosts, the default first; NULL: one,
                             * @uri's */
    char *config_path;      /* --config; NULL: search */
    char *filter;
    char **tags;               /* --tags, pv_tags_parse()'s terms; NULL: every test */
    gint64 timeout_ns;      /* per file; 0: none */
    char *prefix;           /* NULL: derived from the run id */
    gboolean keep_failed;
    gboolean debug_on_failure; /* a Lua prompt when a test fails (a TTY, one file at a time) */
    gboolean shell;         /* provium shell: its file may open the prompt (a TTY, one file) */
    guint retries;          /* a failed file runs again up to this many times */
    guint keep_runs;        /* run directories kept; 0 keeps all */
    PvVerbosity verbosity;
    char *results_dir;      /* NULL: PV_RESULTS_DIR_DEFAULT (pv-results.h) */
    PvOrder order;          /* --order */
    PvShard shard;          /* --shard, resolved; total 0: the whole corpus */
    char *history;          /* --history, absolute; NULL: history.json in the results dir */
    char *corpus_root;      /* absolute: history keys and hash shares are relative to it */
    PvVirtType virt_type;   /* --virt-type; AUTO leaves it to profiles and the host */
    char *cache_dir;        /* --cache-dir; NULL: pv_cache_dir_default() */

    /* The pool and the host */
    guint64 mem;            /* pool memory; 0: 80 % of the host's */
    guint cpus;             /* pool vCPUs; 0: the host's online CPUs */
    double cpu_overcommit;  /* multiplies the vCPU budget */
    guint jobs;             /* files in flight at most; 0: the pool decides */
    gboolean fail_fast;
    guint64 host_reserve;
    guint boot_workers;     /* domains booting at once; 0: by vCPUs */
    gboolean no_psi;
    PvPsiThreshold psi_threshold;
    gboolean no_ksm;
    gboolean force;

    /* Performance mode */
    char *lock_dir;         /* NULL: /run/provium/locks */
    gboolean perf_strict;   /* unavailable is a failure, not a skip */
    gboolean no_perf_mode;  /* budgeted mode instead */
    guint cpu_cap;          /* budgeted mode's CPUs; 0: 30 % of online */
} PvRunOptions;

void pv_run_options_init(PvRunOptions *options);
void pv_run_options_clear(PvRunOptions *options);

/**
 * PvRunNoteFunc:
 *
 * A line for people that is not a test's result (a provium.conf not used, a
 * report file not written): the command decides where it goes.
 */
typedef void (*PvRunNoteFunc)(const char *line, gpointer user_data);

typedef struct _PvRun PvRun;

char *pv_run_make_id(void);
char *pv_run_default_prefix(const char *run_id);
gboolean pv_run_check_prefix(const char *prefix, GError **error);

PvRun *pv_run_new(const PvRunOptions *options);
void pv_run_free(PvRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvRun, pv_run_free)

void pv_run_set_note_func(PvRun *run, PvRunNoteFunc func, gpointer user_data);
void pv_run_note(PvRun *run, const char *format, ...) G_GNUC_PRINTF(2, 3);
gboolean pv_run_prepare_dir(PvRun *run, GError **error);

const PvRunOptions *pv_run_peek_options(PvRun *run);
const char *pv_run_peek_id(PvRun *run);
const char *pv_run_peek_prefix(PvRun *run);
const char *pv_run_peek_machine(PvRun *run);
gint64 pv_run_get_pid(PvRun *run);
PvLease *pv_run_peek_lease(PvRun *run);
const char *pv_run_peek_dir(PvRun *run);
const char *pv_run_peek_results_base(PvRun *run);
PvEvents *pv_run_peek_events(PvRun *run);

/* Its libvirt hosts */
gboolean pv_run_connect(PvRun *run, GError **error);
gboolean pv_run_make_resources(PvRun *run, GError **error);
guint pv_run_get_host_count(PvRun *run);
PvHost *pv_run_peek_host(PvRun *run, guint index);
guint pv_run_get_host_jobs(PvRun *run, guint index);
PvAmount pv_run_get_pool_total(PvRun *run);
PvAmount pv_run_get_pool_used(PvRun *run);
guint pv_run_close_domains(PvRun *run, gint64 deadline);
void pv_run_destroy_domains(PvRun *run);
guint pv_run_destroy_networks(PvRun *run);
gboolean pv_run_check_prefix_free(PvRun *run, GError **error);
PvKsm *pv_run_tune_ksm(PvRun *run);
char *pv_run_restore_ksm(PvRun *run, PvKsm *ksm);

PvConfig *pv_run_get_config(PvRun *run, const char *test_file, GError **error);
GBytes *pv_run_get_template(PvRun *run, const char *path, GError **error);

void pv_run_write_later(PvRun *run, const char *path, const char *data);
void pv_run_flush_writes(PvRun *run);
