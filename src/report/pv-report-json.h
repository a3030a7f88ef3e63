/*
 * pv-report-json.h: one JSON object per file (--json)
 */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "pv-report-collect.h"

typedef struct _PvJson PvJson;

PvJson *pv_json_new(FILE *out);
void pv_json_free(PvJson *json);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvJson, pv_json_free)
void pv_json_on_event(GVariant *event, gpointer user_data);
char *pv_json_format_file(const PvReportFile *file);
