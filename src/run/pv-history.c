/*
 * pv-history.c: how long each test file took in earlier runs
 *
 * One JSON file, history.json under the results directory or --history
 * FILE, keyed by the test file's path relative to the corpus root (the
 * directory of the provium.conf in use, else the common root of the
 * PATHs), so a clone in another directory, or another CI runner, reads the
 * same history:
 *
 *     {"version": 2, "files": {"net/a.test.lua":
 *         {"duration_ns": 4200000000, "runs": 3, "ts": 1796000000000000000}}}
 *
 * ts is when the file last ran (ns since the epoch, as events' ts):
 * `provium history merge` keeps the newest entry of each file.  Version 1,
 * keyed by absolute paths, is still read: the entries under the corpus root
 * are taken (by their path below it), the others left out; the next save
 * writes version 2.
 *
 * A file's expected duration follows its runs: each new one counts half
 * (an exponential average), so a file that got slower is believed within a
 * run or two.  Saving reads the file again and merges this run's durations
 * into what is there now (another run may have saved meanwhile), then
 * replaces it with a rename, so a reader never sees it half written.  A
 * history that is missing or cannot be read is an empty one: the run goes
 * on in discovery order, and says so once; an empty file is an empty
 * history.  An entry that is not a duration, or of more than
 * PV_HISTORY_MAX_NS, is not believed (a file of the history edited by
 * hand, or by another user): that file counts as unknown, and its next run
 * replaces the entry; the other files' entries stay.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pv-error.h"
#include "pv-history.h"
#include "pv-safe.h"

#define PV_HISTORY_VERSION 2
/* Keyed by absolute paths: read, mapped under the corpus root. */
#define PV_HISTORY_VERSION_ABSOLUTE 1
/* No test file runs for a week: a longer duration is not one provium measured. */
#define PV_HISTORY_MAX_NS (G_GINT64_CONSTANT(7) * 24 * 3600 * G_GINT64_CONSTANT(1000000000))

typedef struct {
    gint64 duration_ns;
    gint64 runs;
    gint64 ts;              /* when it last ran, ns since the epoch; 0 unknown */
} PvHistoryEntry;

struct _PvHistory {
    char *path;
    char *root;             /* the corpus root: for version 1's absolute keys */
    GHashTable *known;      /* key -> PvHistoryEntry: as loaded */
    GHashTable *recorded;   /* key -> gint64 *: this run's durations */
};

/**
 * pv_history_make_key:
 * @root: the corpus root, absolute
 * @abs_path: a test file's absolute path
 *
 * Returns: (transfer full): @abs_path relative to @root ("net/a.test.lua"),
 *   or @abs_path itself when it is not under @root
 */
char *
pv_history_make_key(const char *root, const char *abs_path)
{
    gsize len = root ? strlen(root) : 0;

    while (len > 1 && root[len - 1] == '/')
        len--;
    if (len == 1 && root[0] == '/' && abs_path[0] == '/' && abs_path[1])
        return g_strdup(abs_path + 1);
    if (len > 0 && strncmp(abs_path, root, len) == 0 && abs_path[len] == '/' &&
        abs_path[len + 1])
        return g_strdup(abs_path + len + 1);
    return g_strdup(abs_path);
}

/*
 * @object's member @name when it is an integer from @min to @max, else
 * @fallback: a number too large for one (18446744073709551615 reads as -1),
 * a fraction (1e300), null, a string or no member at all.
 */
static gint64
pv_history_get_int(JsonObject *object, const char *name, gint64 min, gint64 max,
                   gint64 fallback)
{
    JsonNode *node = json_object_get_member(object, name);
    gint64 value;

    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return fallback;
    value = json_node_get_int(node);
    return value >= min && value <= max ? value : fallback;
}

/*
 * Reads @path into @entries.  @root: the corpus root, to read version 1's
 * absolute keys; NULL refuses them.  An empty file is an empty history.
 * An entry that is not a file's duration (not an object, a duration_ns
 * that is not a whole number of nanoseconds from 0 to PV_HISTORY_MAX_NS)
 * is left out alone: that file counts as unknown, the others as they are.
 * Returns: FALSE with @why set when it is there but not a history
 */
static gboolean
pv_history_read(const char *path, const char *root, GHashTable *entries, char **why)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GList) members = NULL;
    JsonObject *root_object;
    JsonObject *files;
    gint64 version;
    GList *l;

    if (!json_parser_load_from_file(parser, path, &error)) {
        *why = g_strdup(error->message);
        return FALSE;
    }
    /* Nothing in it (a file made empty, /dev/null): nothing known yet. */
    if (!json_parser_get_root(parser))
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        goto invalid;
    root_object = json_node_get_object(json_parser_get_root(parser));
    version = json_object_get_int_member_with_default(root_object, "version", 0);
    if ((version != PV_HISTORY_VERSION && version != PV_HISTORY_VERSION_ABSOLUTE) ||
        !json_object_has_member(root_object, "files") ||
        !JSON_NODE_HOLDS_OBJECT(json_object_get_member(root_object, "files")))
        goto invalid;
    if (version == PV_HISTORY_VERSION_ABSOLUTE && !root) {
        *why = g_strdup(_("a history of an older provium, keyed by absolute paths; a run "
                          "with --history reading it writes it anew"));
        return FALSE;
    }
    files = json_object_get_object_member(root_object, "files");
    members = json_object_get_members(files);
    for (l = members; l; l = l->next) {
        JsonNode *node = json_object_get_member(files, l->data);
        g_autofree char *key = NULL;
        JsonObject *file;
        PvHistoryEntry *entry;

        if (!JSON_NODE_HOLDS_OBJECT(node))
            continue;
        file = json_node_get_object(node);
        entry = g_new0(PvHistoryEntry, 1);
        /* Past the bound: "expected run time 2562047h"; the file counts as unknown. */
        entry->duration_ns = pv_history_get_int(file, "duration_ns", 0, PV_HISTORY_MAX_NS, -1);
        entry->runs = pv_history_get_int(file, "runs", 1, G_MAXINT32, 1);
        entry->ts = pv_history_get_int(file, "ts", 0, G_MAXINT64, 0);
        if (entry->duration_ns < 0) {
            g_free(entry);
            continue;
        }
        /* Version 1: what lies under the corpus root, by its path below it. */
        key = version == PV_HISTORY_VERSION ? g_strdup(l->data) :
            pv_history_make_key(root, l->data);
        if (key[0] == '/') {
            g_free(entry);
            continue;
        }
        g_hash_table_insert(entries, g_steal_pointer(&key), entry);
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
 * @path: the history file (PV_HISTORY_FILENAME under the results directory,
 *   or --history)
 * @root: the corpus root, absolute: a version 1 history's absolute keys
 *   under it are read
 * @warning: (out) (transfer full) (nullable): set when @path exists but
 *   cannot be read: what to tell people, once
 *
 * Returns: (transfer full): the history; empty when @path is missing or
 *   cannot be read
 */
PvHistory *
pv_history_load(const char *path, const char *root, char **warning)
{
    PvHistory *history = g_new0(PvHistory, 1);
    g_autofree char *why = NULL;

    *warning = NULL;
    history->path = g_strdup(path);
    history->root = g_strdup(root ? root : "/");
    history->known = pv_history_new_entries();
    history->recorded = pv_history_new_entries();
    if (g_file_test(path, G_FILE_TEST_EXISTS) &&
        !pv_history_read(path, history->root, history->known, &why))
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
    g_free(history->root);
    g_hash_table_unref(history->known);
    g_hash_table_unref(history->recorded);
    g_free(history);
}

/**
 * pv_history_get:
 * @file: a test file's key (pv_history_make_key())
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
 * @file (its key, pv_history_make_key()) ran to its end in @duration_ns
 * this run: saved by pv_history_save().  Main thread.
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
pv_history_merge(GHashTable *entries, const char *file, gint64 duration_ns, gint64 ts)
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
    entry->ts = ts;
}

/* @entries as a history file at @path, replaced atomically. */
static gboolean
pv_history_write(const char *path, GHashTable *entries, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GList) files = NULL;
    g_autofree char *text = NULL;
    GList *l;

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
        json_builder_set_member_name(builder, "ts");
        json_builder_add_int_value(builder, entry->ts);
        json_builder_end_object(builder);
    }
    json_builder_end_object(builder);
    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    json_generator_set_pretty(generator, TRUE);
    text = json_generator_to_data(generator, NULL);
    return pv_write_file_atomic(path, text, -1, error);
}

/**
 * pv_history_save:
 *
 * Merges this run's durations into the history as it is on disk now and
 * replaces it atomically; each file recorded gets this moment as its ts.
 * Nothing recorded: nothing written.
 */
gboolean
pv_history_save(PvHistory *history, GError **error)
{
    g_autoptr(GHashTable) entries = pv_history_new_entries();
    g_autofree char *why = NULL;
    gint64 now = g_get_real_time() * 1000;
    GHashTableIter iter;
    gpointer key;
    gpointer value;

    if (g_hash_table_size(history->recorded) == 0)
        return TRUE;
    /* What another run saved meanwhile is kept; a broken file is replaced. */
    if (g_file_test(history->path, G_FILE_TEST_EXISTS))
        pv_history_read(history->path, history->root, entries, &why);
    g_hash_table_iter_init(&iter, history->recorded);
    while (g_hash_table_iter_next(&iter, &key, &value))
        pv_history_merge(entries, key, *(gint64 *)value, now);
    return pv_history_write(history->path, entries, error);
}

/**
 * pv_history_merge_files:
 * @out: the history to write (may be one of @inputs)
 * @inputs: histories, each as a run wrote it (version 2)
 * @count: (out): how many files @out knows
 *
 * `provium history merge`: the histories of N shards into one; of a file
 * several know, the entry of the latest run (ts) is kept, of equal ones the
 * later input's.
 * Returns: FALSE with @error set (usage) when an input is missing or not a
 *   history this provium writes; @out is not touched then
 */
gboolean
pv_history_merge_files(const char *out, const char *const *inputs, guint *count,
                       GError **error)
{
    g_autoptr(GHashTable) merged = pv_history_new_entries();
    guint i;

    for (i = 0; inputs[i]; i++) {
        g_autoptr(GHashTable) entries = pv_history_new_entries();
        g_autofree char *why = NULL;
        GHashTableIter iter;
        gpointer key;
        gpointer value;

        if (!g_file_test(inputs[i], G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("%s: no such file"), inputs[i]);
            return FALSE;
        }
        if (!pv_history_read(inputs[i], NULL, entries, &why)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE, "%s: %s", inputs[i], why);
            return FALSE;
        }
        g_hash_table_iter_init(&iter, entries);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            PvHistoryEntry *entry = value;
            PvHistoryEntry *known = g_hash_table_lookup(merged, key);

            if (known && known->ts > entry->ts)
                continue;
            g_hash_table_iter_steal(&iter);
            g_hash_table_replace(merged, key, entry);
        }
    }
    if (!pv_history_write(out, merged, error))
        return FALSE;
    *count = g_hash_table_size(merged);
    return TRUE;
}
