/*
 * pv-report-trend.h: each file's duration over its last runs
 */
#pragma once

#include <glib.h>

#include "pv-html.h"
#include "pv-report.h"

/* At most this many points per file, the report's own run the last. */
#define PV_REPORT_TREND_POINTS 10

GHashTable *pv_report_trends(const PvReport *report);
void pv_report_trend_sparkline(PvHtml *html, GArray *points);
