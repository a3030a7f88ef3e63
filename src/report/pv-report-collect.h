/*
 * pv-report-collect.h: per-file results, gathered from the event stream
 */
#pragma once

#include <glib.h>

typedef struct {
    char *name;
    char *status;          /* "passed", "failed", "skipped", "not_run", "flaky" */
    gint64 duration_ns;
    char *reason;          /* nullable */
    char *console_excerpt; /* nullable */
    GPtrArray *tags;       /* char *: the test's tags */
    GString *log;          /* the test's print() and t:log() lines */
    GPtrArray *failures;   /* flaky: the reasons of its earlier failed attempts */
} PvReportTest;

typedef struct {
    char *path;
    char *status;          /* file_completed's */
    char *error;           /* nullable */
    gint64 started_ns;     /* file_dispatched's ts; 0 if never dispatched */
    gint64 duration_ns;
    GPtrArray *tests;      /* PvReportTest, in order */
    GString *log;          /* every log line, with its test's name */
    GPtrArray *kept;       /* domain names */
    guint attempts;        /* how many times it ran (--retries); 1 at least */
} PvReportFile;

void pv_report_file_free(PvReportFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvReportFile, pv_report_file_free)

typedef struct _PvReportCollector PvReportCollector;

PvReportCollector *pv_report_collector_new(void);
void pv_report_collector_free(PvReportCollector *collector);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvReportCollector, pv_report_collector_free)
PvReportFile *pv_report_collector_feed(PvReportCollector *collector, GVariant *event);
