/*
 * pv-history.c: how long each test file took in earlier runs
 *
 * One JSON file under the results directory (history.json), keyed by the
 * test file's absolute path:
 *
 *     {"version": 1, "files": {"/abs/a.test.lua": {"duration_ns": 4200000000, "runs": 3}}}
 *
 * A file's expected duration follows its runs: each new one counts half
 * (an exponential average), so a file that got slower is believed within a
 * run or two.  Saving reads the file again and merges this run's durations
 * into what is there now (another run may have saved meanwhile), then
 * replaces it with a rename, so a reader never sees it half written.  A
 * history that is missing or cannot be read is an empty one: the run goes
 * on in discovery order, and says so once.  An entry of more than
 * PV_HISTORY_MAX_NS is not believed (a file of the history edited by hand,
 * or by another user): that file counts as unknown, and its next run
 * replaces the entry.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "pv-error.h"
#include "pv-history.h"
#include "pv-safe.h"

#define PV_HISTORY_VERSION 1
/* No test file runs for a week: a longer duration is not one provium measured. */
#define PV_HISTORY_MAX_NS (G_GINT64_CONSTANT(7) * 24 * 3600 * G_GINT64_CONSTANT(1000000000))

typedef struct {
    gint64 duration_ns;
    gint64 runs;
} PvHistoryEntry;

struct _PvHistory {
    char *path;
    GHashTable *known;      /* abs path -> PvHistoryEntry: as loaded */
    GHashTable *recorded;   /* abs path -> gint64 *: this run's durations */
};

/*
 * Reads @path into @entries.  Returns: FALSE with @why set when it is
 * there but not a history
 */
static gboolean
pv_history_read(const char *path, GHashTable *entries, char **why)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GList) members = NULL;
    JsonObject *root;
    JsonObject *files;
    GList *l;

    if (!json_parser_load_from_file(parser, path, &error)) {
        *why = g_strdup(error->message);
        return FALSE;
    }
    if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        goto invalid;
    root = json_node_get_object(json_parser_get_root(parser));
    if (json_object_get_int_member_with_default(root, "version", 0) != PV_HISTORY_VERSION ||
        !json_object_has_member(root, "files") ||
        !JSON_NODE_HOLDS_OBJECT(json_object_get_member(root, "files")))
        goto invalid;
    files = json_object_get_object_member(root, "files");
    members = json_object_get_members(files);
    for (l = members; l; l = l->next) {
        JsonNode *node = json_object_get_member(files, l->data);
        JsonObject *file;
        PvHistoryEntry *entry;

        if (!JSON_NODE_HOLDS_OBJECT(node))
            goto invalid;
        file = json_node_get_object(node);
        entry = g_new0(PvHistoryEntry, 1);
        entry->duration_ns = json_object_get_int_member_with_default(file, "duration_ns", -1);
        entry->runs = json_object_get_int_member_with_default(file, "runs", 1);
        if (entry->duration_ns < 0) {
            g_free(entry);
            goto invalid;
        }
        if (entry->duration_ns > PV_HISTORY_MAX_NS) {
            /* "expected run time 2562047h": the file counts as unknown. */
            g_free(entry);
            continue;
        }
        g_hash_table_insert(entries, g_strdup(l->data), entry);
    }
    return TRUE;

 invalid:
    g_hash_table_remove_all(entries);
    *why = g_strdup(_("not a provium history"));
    return FALSE;
}

static GHashTable *
pv_history_new_entries(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * pv_history_load:
 * @path: the history file (PV_HISTORY_FILENAME under the results directory)
 * @warning: (out) (transfer full) (nullable): set when @path exists but
 *   cannot be read: what to tell people, once
 *
 * Returns: (transfer full): the history; empty when @path is missing or
 *   cannot be read
 */
PvHistory *
pv_history_load(const char *path, char **warning)
{
    PvHistory *history = g_new0(PvHistory, 1);
    g_autofree char *why = NULL;

    *warning = NULL;
    history->path = g_strdup(path);
    history->known = pv_history_new_entries();
    history->recorded = pv_history_new_entries();
    if (g_file_test(path, G_FILE_TEST_EXISTS) && !pv_history_read(path, history->known, &why))
        *warning = g_strdup_printf(_("ignoring the duration history %s (%s); files start in "
                                     "discovery order, and this run writes a new one"),
                                   path, why);
    return history;
}

void
pv_history_free(PvHistory *history)
{
    if (!history)
        return;
    g_free(history->path);
    g_hash_table_unref(history->known);
    g_hash_table_unref(history->recorded);
    g_free(history);
}

/**
 * pv_history_get:
 * @file: a test file's absolute path
 *
 * Returns: how long @file is expected to take, in nanoseconds; -1 when the
 *   history does not know it
 */
gint64
pv_history_get(PvHistory *history, const char *file)
{
    PvHistoryEntry *entry = g_hash_table_lookup(history->known, file);

    return entry ? entry->duration_ns : -1;
}

/* How many files the history knows. */
guint
pv_history_count(PvHistory *history)
{
    return g_hash_table_size(history->known);
}

/**
 * pv_history_record:
 *
 * @file ran to its end in @duration_ns this run: saved by
 * pv_history_save().  Main thread.
 */
void
pv_history_record(PvHistory *history, const char *file, gint64 duration_ns)
{
    gint64 *value;

    /* JSON keys are UTF-8: a file whose path is not has no history. */
    if (!g_utf8_validate(file, -1, NULL) || duration_ns > PV_HISTORY_MAX_NS)
        return;
    value = g_new(gint64, 1);
    *value = MAX(duration_ns, 0);
    g_hash_table_insert(history->recorded, g_strdup(file), value);
}

static void
pv_history_merge(GHashTable *entries, const char *file, gint64 duration_ns)
{
    PvHistoryEntry *entry = g_hash_table_lookup(entries, file);

    if (!entry) {
        entry = g_new0(PvHistoryEntry, 1);
        entry->duration_ns = duration_ns;
        g_hash_table_insert(entries, g_strdup(file), entry);
    } else {
        entry->duration_ns = entry->duration_ns / 2 + duration_ns / 2;
    }
    entry->runs++;
}

/**
 * pv_history_save:
 *
 * Merges this run's durations into the history as it is on disk now and
 * replaces it atomically.  Nothing recorded: nothing written.
 */
gboolean
pv_history_save(PvHistory *history, GError **error)
{
    g_autoptr(GHashTable) entries = pv_history_new_entries();
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GList) files = NULL;
    g_autofree char *why = NULL;
    g_autofree char *text = NULL;
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    GList *l;

    if (g_hash_table_size(history->recorded) == 0)
        return TRUE;
    /* What another run saved meanwhile is kept; a broken file is replaced. */
    if (g_file_test(history->path, G_FILE_TEST_EXISTS))
        pv_history_read(history->path, entries, &why);
    g_hash_table_iter_init(&iter, history->recorded);
    while (g_hash_table_iter_next(&iter, &key, &value))
        pv_history_merge(entries, key, *(gint64 *)value);

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "version");
    json_builder_add_int_value(builder, PV_HISTORY_VERSION);
    json_builder_set_member_name(builder, "files");
    json_builder_begin_object(builder);
    files = g_list_sort(g_hash_table_get_keys(entries), (GCompareFunc)g_strcmp0);
    for (l = files; l; l = l->next) {
        PvHistoryEntry *entry = g_hash_table_lookup(entries, l->data);

        json_builder_set_member_name(builder, l->data);
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "duration_ns");
        json_builder_add_int_value(builder, entry->duration_ns);
        json_builder_set_member_name(builder, "runs");
        json_builder_add_int_value(builder, entry->runs);
        json_builder_end_object(builder);
    }
    json_builder_end_object(builder);
    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    json_generator_set_pretty(generator, TRUE);
    text = json_generator_to_data(generator, NULL);
    return pv_write_file_atomic(history->path, text, -1, error);
}
