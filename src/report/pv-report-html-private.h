/*
 * pv-report-html-private.h: what the report page's parts share
 * (pv-report-html.c, pv-report-html-problems.c)
 */
#pragma once

#if !defined(PV_REPORT_HTML_PRIVATE)
# error "only pv-report-html*.c include pv-report-html-private.h"
#endif

#include <glib.h>

#include "pv-html.h"
#include "pv-report.h"

/* Each file's and test's id in the page, and links to them; @file, @test from 0. */
char *pv_page_file_id(guint file);
char *pv_page_test_id(guint file, guint test);
char *pv_page_file_href(guint file);
char *pv_page_test_href(guint file, guint test);

const char *pv_page_status_label(const char *status);
void pv_page_chip(PvHtml *html, const char *status);
void pv_page_duration(PvHtml *html, gint64 ns);

/* The failures and broken files (@which "failed"), or the flaky tests ("flaky"). */
void pv_page_problems(PvHtml *html, const PvReport *report, const char *which);
