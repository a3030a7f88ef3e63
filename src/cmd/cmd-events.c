/*
 * cmd-events.c: provium events FILE...: event streams as JSON lines
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "cmd.h"
#include "pv-event-kinds.h"
#include "pv-events.h"
#include "pv-report.h"
#include "pv-text.h"

/*
 * Prints the events of @reader (of @origin) that @kinds selects (NULL: all),
 * each with the field "origin" when @tag (several streams).
 */
static gboolean
pv_cmd_events_print(PvEventReader *reader, const char *origin, char **kinds, gboolean tag,
                    GError **error)
{
    g_autofree char *shown = pv_text_make_valid(origin, -1);
    g_autoptr(GError) local = NULL;
    GVariant *event;

    while ((event = pv_event_reader_next(reader, &local))) {
        g_autoptr(GVariant) owned = event;
        g_autoptr(JsonNode) node = NULL;
        g_autofree char *line = NULL;

        if (kinds && !g_strv_contains((const char *const *)kinds, pv_event_get_kind(event)))
            continue;
        node = json_gvariant_serialize(event);
        if (tag && JSON_NODE_HOLDS_OBJECT(node))
            json_object_set_string_member(json_node_get_object(node), "origin", shown);
        line = json_to_string(node, FALSE);
        g_print("%s\n", line);
    }
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (pv_event_reader_truncated(reader))
        g_printerr(_("provium: %s ends inside an event (the run was killed?); "
                     "every whole event before it was printed\n"), origin);
    return TRUE;
}

/*
 * A --kind that names no kind would print nothing and exit 0, as if the
 * stream had none: a typo ("file_block") must be a usage error.
 */
static gboolean
pv_cmd_events_check_kinds(char **kinds, GError **error)
{
    g_autoptr(GString) known = NULL;
    const PvEventSchema *schemas;
    guint n;
    guint i;
    guint k;

    for (i = 0; kinds && kinds[i]; i++) {
        if (pv_event_schema_lookup(kinds[i]))
            continue;
        schemas = pv_event_schemas(&n);
        known = g_string_new(NULL);
        for (k = 0; k < n; k++)
            g_string_append_printf(known, "%s%s", k ? ", " : "", schemas[k].kind);
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--kind: '%s' is not an event kind (kinds: %s)"), kinds[i], known->str);
        return FALSE;
    }
    return TRUE;
}

int
pv_cmd_events(int argc, char **argv, GError **out_error)
{
    g_auto(GStrv) kinds = NULL;
    g_auto(GStrv) files = NULL;
    const GOptionEntry entries[] = {
        { "kind", 0, 0, G_OPTION_ARG_STRING_ARRAY, &kinds,
          N_("Only events of this kind (repeatable)"), N_("KIND") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
          N_("FILE...") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func(
        (GDestroyNotify)pv_event_reader_free);
    guint i;

    g_option_context_set_summary(context,
        _("Prints saved event streams (--save-events, a run directory and its\n"
          "events.msgpack, or a results directory's latest run) as one JSON object per\n"
          "line, for jq and friends.  With several, one after the other, each line with\n"
          "the field \"origin\": the stream or run directory it came from, as given."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error) ||
        !pv_cmd_events_check_kinds(kinds, out_error))
        return PV_EXIT_USAGE;
    if (!pv_cmd_check_streams(files, "events", &error))
        goto fail;
    /* Every one readable before anything is printed. */
    for (i = 0; files[i]; i++) {
        g_autofree char *note = NULL;
        PvEventReader *reader = pv_report_open_stream(files[i], &note, &error);

        if (!reader)
            goto fail;
        if (note) {
            g_autofree char *shown = pv_text_sanitize(note, -1);

            g_printerr("provium: %s\n", shown);
        }
        g_ptr_array_add(readers, reader);
    }
    for (i = 0; files[i]; i++) {
        if (!pv_cmd_events_print(readers->pdata[i], files[i], kinds, files[1] != NULL, &error))
            goto fail;
    }
    return PV_EXIT_OK;

 fail:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}
