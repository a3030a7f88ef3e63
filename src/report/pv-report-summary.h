/*
 * pv-report-summary.h: what a run's event stream says, in figures
 */
#pragma once

#include <glib.h>

#include "pv-pool.h"

typedef struct {
    PvBlockReason reason;
    gint64 start_ns;
    gint64 end_ns;
    gboolean queued;       /* before dispatch, at the head of the queue */
    char *waiting_for;
} PvSummarySpan;

typedef struct {
    char *name;
    char *domain;
    gint64 spawned_ns;
    gint64 ready_ns;       /* 0: never ready */
    gint64 stopped_ns;     /* 0: never stopped in the stream */
    char *stop_reason;
    char *fixture;         /* restored from this fixture (vm_restored); NULL: booted */
    guint64 memory;        /* vm_spawned's; 0 for a restored VM (its event has none) */
} PvSummaryVm;

/* A fixture's build, from fixture_build_started to fixture_build_finished. */
typedef struct {
    char *fixture;
    char *key;
    gint64 start_ns;
    gint64 end_ns;         /* 0: not finished in the stream */
    gboolean ok;
} PvSummaryBuild;

typedef struct {
    char *path;
    char *host;            /* nullable: the host its events name, the last one (older
                            * streams name none) */
    char *status;
    gboolean dispatched;
    gboolean completed;
    gint64 dispatched_ns;
    gint64 completed_ns;
    gint64 duration_ns;
    guint tests;
    guint passed;
    guint failed;
    GPtrArray *spans;      /* PvSummarySpan */
    GPtrArray *vms;        /* PvSummaryVm */
    GPtrArray *builds;     /* PvSummaryBuild */
    gboolean claim_open;   /* acquired and not released */
} PvSummaryFile;

typedef struct {
    gint64 ts_ns;
    guint64 memory;
    double cpus;
} PvSummaryPoolSample;

/* One libvirt host of a run, and what its files did there. */
typedef struct {
    char *name;
    char *uri;             /* nullable: when run_started does not list it */
    guint64 pool_memory;   /* its pool's, from run_started; 0 when not listed */
    double pool_cpus;
    guint files;           /* files that ran there */
    guint passed;          /* their tests, the last attempt's */
    guint failed;
    gint64 vm_ns;          /* its VMs' time, spawned (or restore begun) to stopped */
    guint peak_vms;        /* VMs at once */
    guint64 peak_memory;   /* the memory of its booted VMs at once */
} PvSummaryHost;

typedef struct {
    char *run;
    char *uri;
    gint64 start_ns;
    gint64 end_ns;
    gboolean finished;     /* run_finished seen */
    gboolean truncated;    /* the stream ended inside an event */
    guint passed;
    guint failed;
    guint skipped;
    guint flaky;
    guint64 pool_memory;
    double pool_cpus;
    GPtrArray *files;      /* PvSummaryFile, in discovery order */
    GArray *pool;          /* PvSummaryPoolSample */
    guint peak_files;
    double mean_files;
    guint peak_vms;
    double mean_vms;
    gint64 blocked_ns[PV_BLOCK_LAST];
    guint blocked_files[PV_BLOCK_LAST];
    GPtrArray *leaks;      /* char *: what the leak check found; empty when clean */
    guint kept;            /* domains kept on purpose (--keep-failed) */
    guint restored_vms;    /* VMs restored from fixtures */
    guint fixture_builds;  /* fixture builds started */
    /*
     * PvSummaryHost: run_started's hosts, then any other its files' events
     * name, in that order; empty for a stream of a provium before hosts
     */
    GPtrArray *hosts;
} PvSummary;

PvSummary *pv_summary_new(GPtrArray *events, gboolean truncated);
void pv_summary_free(PvSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvSummary, pv_summary_free)
char *pv_summary_format_counts(guint passed, guint failed, guint skipped, guint flaky);
char *pv_summary_format(const PvSummary *summary);
char *pv_summary_format_host(const PvSummaryHost *host);
void pv_summary_format_hosts(const PvSummary *summary, GString *out, const char *indent);
char *pv_summary_svg(const PvSummary *summary);

/* How pv_summary_svg_many() draws. */
typedef struct {
    const char *title;     /* nullable: "provium run ID", of the first */
    const char *subtitle;  /* nullable: the first's figures */
    GHashTable *links;     /* nullable: path -> href: each file's label and bar link there */
    gboolean fragment;     /* an <svg> element for a page, not a document */
} PvSvgOptions;

char *pv_summary_svg_many(const PvSummary *const *summaries, const char *const *labels,
                          guint n, const PvSvgOptions *options);
