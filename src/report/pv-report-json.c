/*
 * pv-report-json.c: one JSON object per file (--json)
 *
 * Printed as each file completes, one line each:
 *   {"path": ..., "status": ..., "duration_ns": ..., "duration": 4.2,
 *    "error": ..., "tests": [{"name", "status", "tags", "duration_ns", "message"}]}
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "pv-report-json.h"

struct _PvJson {
    FILE *out;
    PvReportCollector *collector;
};

PvJson *
pv_json_new(FILE *out)
{
    PvJson *json = g_new0(PvJson, 1);

    json->out = out;
    json->collector = pv_report_collector_new();
    return json;
}

void
pv_json_free(PvJson *json)
{
    if (!json)
        return;
    pv_report_collector_free(json->collector);
    g_free(json);
}

/**
 * pv_json_format_file:
 * Returns: (transfer full): the file as one line of JSON
 */
char *
pv_json_format_file(const PvReportFile *file)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    guint i;
    guint t;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "path");
    json_builder_add_string_value(b, file->path);
    json_builder_set_member_name(b, "status");
    json_builder_add_string_value(b, file->status);
    json_builder_set_member_name(b, "duration_ns");
    json_builder_add_int_value(b, file->duration_ns);
    json_builder_set_member_name(b, "duration");
    json_builder_add_double_value(b, file->duration_ns / 1e9);
    json_builder_set_member_name(b, "attempts");
    json_builder_add_int_value(b, file->attempts);
    if (file->vm_host) {
        json_builder_set_member_name(b, "host");
        json_builder_add_string_value(b, file->vm_host);
    }
    if (file->error) {
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, file->error);
    }
    json_builder_set_member_name(b, "tests");
    json_builder_begin_array(b);
    for (i = 0; i < file->tests->len; i++) {
        const PvReportTest *test = file->tests->pdata[i];

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, test->name);
        json_builder_set_member_name(b, "status");
        json_builder_add_string_value(b, test->status);
        json_builder_set_member_name(b, "tags");
        json_builder_begin_array(b);
        for (t = 0; t < test->tags->len; t++)
            json_builder_add_string_value(b, test->tags->pdata[t]);
        json_builder_end_array(b);
        json_builder_set_member_name(b, "duration_ns");
        json_builder_add_int_value(b, test->duration_ns);
        json_builder_set_member_name(b, "message");
        if (test->reason)
            json_builder_add_string_value(b, test->reason);
        else
            json_builder_add_null_value(b);
        if (test->failures && test->failures->len) {
            guint f;

            json_builder_set_member_name(b, "failures");
            json_builder_begin_array(b);
            for (f = 0; f < test->failures->len; f++)
                json_builder_add_string_value(b, test->failures->pdata[f]);
            json_builder_end_array(b);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    return json_to_string(root, FALSE);
}

/**
 * pv_json_on_event:
 * @user_data: the PvJson
 */
void
pv_json_on_event(GVariant *event, gpointer user_data)
{
    PvJson *json = user_data;
    g_autoptr(PvReportFile) file = pv_report_collector_feed(json->collector, event);
    g_autofree char *line = NULL;

    if (!file)
        return;
    line = pv_json_format_file(file);
    fprintf(json->out, "%s\n", line);
    fflush(json->out);
}
