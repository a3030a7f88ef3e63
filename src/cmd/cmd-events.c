/*
 * cmd-events.c: provium events FILE: an event stream as JSON lines
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "cmd.h"
#include "pv-event-kinds.h"
#include "pv-events.h"

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
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, N_("FILE") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvEventReader) reader = NULL;
    GVariant *event;

    g_option_context_set_summary(context,
        _("Prints a saved event stream (--save-events, or events.msgpack in a run\n"
          "directory) as one JSON object per line, for jq and friends."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error) ||
        !pv_cmd_events_check_kinds(kinds, out_error))
        return PV_EXIT_USAGE;
    reader = pv_cmd_open_events(files, "events", &error);
    if (!reader)
        goto fail;
    while ((event = pv_event_reader_next(reader, &error))) {
        g_autoptr(GVariant) owned = event;
        g_autoptr(JsonNode) node = NULL;
        g_autofree char *line = NULL;

        if (kinds && !g_strv_contains((const char *const *)kinds, pv_event_get_kind(event)))
            continue;
        node = json_gvariant_serialize(event);
        line = json_to_string(node, FALSE);
        g_print("%s\n", line);
    }
    if (error)
        goto fail;
    if (pv_event_reader_truncated(reader))
        g_printerr(_("provium: %s ends inside an event (the run was killed?); "
                     "every whole event before it was printed\n"), files[0]);
    return PV_EXIT_OK;

 fail:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}
