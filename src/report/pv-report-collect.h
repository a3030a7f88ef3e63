/*
 * pv-report-collect.h: per-file results, gathered from the event stream
 */
#pragma once

#include <glib.h>

typedef struct _PvReportTest PvReportTest;

struct _PvReportTest {
    char *name;
    char *status;          /* "passed", "failed", "skipped", "not_run", "flaky" */
    gint64 duration_ns;
    char *reason;          /* nullable */
    char *console_excerpt; /* nullable */
    char *host;            /* nullable: the libvirt host it ran on, as its events name it */
    GPtrArray *tags;       /* char *: the test's tags */
    GString *log;          /* the test's print() and t:log() lines */
    GPtrArray *failures;   /* flaky: the reasons of its earlier failed attempts */
    guint attempt;         /* the file's attempt this result is of (--retries), from 1 */
    /*
     * PvReportTest: its results in the file's earlier attempts, oldest
     * first, each once (none has attempts of its own); when a report reads
     * several streams and the test is in more than one, every result of
     * it, each with its origin (pv-report.c)
     */
    GPtrArray *attempts;
    char *origin;          /* nullable: the stream it came from, when a report reads streams */
    guint stream;          /* that stream's place among the report's, from 1; 0 in a run */
};

typedef struct {
    char *path;
    char *key;             /* nullable: file_discovered's, its path relative to the corpus
                            * root, when a report reads streams that have it */
    char *status;          /* file_completed's */
    char *error;           /* nullable */
    gint64 started_ns;     /* file_dispatched's ts; 0 if never dispatched */
    gint64 duration_ns;
    GPtrArray *tests;      /* PvReportTest, in order */
    GString *log;          /* every log line, with its test's name */
    GPtrArray *kept;       /* domain names */
    guint attempts;        /* how many times it ran (--retries); 1 at least */
    GPtrArray *earlier;    /* PvReportTest: earlier attempts' results not yet claimed */
    char *origin;          /* nullable: the stream it came from, when a report reads several */
    char *host;            /* nullable: its run's host, when a report reads streams */
    char *vm_host;         /* nullable: the libvirt host it ran on, as its events name it
                            * (the last; older streams name none) */
} PvReportFile;

void pv_report_test_free(PvReportTest *test);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvReportTest, pv_report_test_free)
void pv_report_file_free(PvReportFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvReportFile, pv_report_file_free)

typedef struct _PvReportCollector PvReportCollector;

PvReportCollector *pv_report_collector_new(void);
void pv_report_collector_free(PvReportCollector *collector);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvReportCollector, pv_report_collector_free)
PvReportFile *pv_report_collector_feed(PvReportCollector *collector, GVariant *event);
