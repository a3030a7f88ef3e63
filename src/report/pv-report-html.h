/*
 * pv-report-html.h: the report page (--html OUT.html)
 */
#pragma once

#include <glib.h>

#include "pv-report.h"

char *pv_report_html(const PvReport *report, GHashTable *trends);
gboolean pv_report_write_html(const PvReport *report, const char *path, GError **error);

/* pv-report-html-style.c: the page's style sheet and script, the same on every page */
extern const char pv_report_html_style[];
extern const char pv_report_html_script[];
