/*
 * pv-report.h: one report from one or more runs' event streams
 */
#pragma once

#include <glib.h>

#include "pv-events.h"
#include "pv-report-collect.h"
#include "pv-report-summary.h"

/* A run directory's event stream. */
#define PV_REPORT_EVENTS_FILENAME "events.msgpack"

/* The share of a corpus a stream's run ran (run_started's shard). */
typedef struct {
    guint index;           /* from 1; 0: it ran no share, the whole selection */
    guint total;
    char *mode;            /* as applied: time, hash, slice */
    char *partition;       /* who runs what: the same in every job of one split */
    guint files;           /* the whole selection's, every share's */
} PvReportShare;

typedef struct {
    char *origin;          /* as given: an event stream or a run directory */
    char *run;             /* run_started's; nullable */
    char *host;            /* nullable */
    char *dir;             /* the run directory; nullable */
    PvReportShare share;
    PvSummary *summary;
} PvReportStream;

/* A test that is in more than one stream, reported once. */
typedef struct {
    const PvReportFile *file;
    const PvReportTest *test;  /* its attempts hold every result, each with its origin */
} PvReportShared;

typedef struct {
    GPtrArray *streams;    /* PvReportStream, in the order given */
    GPtrArray *files;      /* PvReportFile: each file once (by key, else path), each test
                            * once, in that order */
    GArray *shared;        /* PvReportShared */
    guint shared_files;    /* files that ran in more than one stream */
    guint passed;          /* tests, counted once each */
    guint failed;
    guint skipped;
    guint flaky;
    guint not_run;
    guint errors;          /* broken files */
    gint64 start_ns;       /* the first run's start */
    gint64 end_ns;         /* the last run's end */
    /*
     * char *, one line each, for people: streams of shares that split the
     * selection differently, a share no stream ran, a share more than one
     * ran (pv_report_finish())
     */
    GPtrArray *share_problems;
    gboolean shares_incomplete;  /* partitions differ or a share is missing: tests did not run */
    GPtrArray *notes;      /* char *: for people, what reading the streams met (a run given
                            * twice, a results directory read through its latest run) */
} PvReport;

PvEventReader *pv_report_open_stream(const char *origin, char **note, GError **error);
char *pv_report_format_share(const PvReportStream *stream);
PvReport *pv_report_new(void);
void pv_report_free(PvReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvReport, pv_report_free)
gboolean pv_report_add_stream(PvReport *report, const char *origin, GPtrArray *events,
                              gboolean truncated);
void pv_report_finish(PvReport *report);
PvReport *pv_report_load(const char *const *origins, GError **error);
guint pv_report_count_leaks(const PvReport *report);
char *pv_report_format(const PvReport *report);
char *pv_report_svg(const PvReport *report, GHashTable *links, gboolean fragment);
gboolean pv_report_write_junit(const PvReport *report, const char *path, GError **error);
