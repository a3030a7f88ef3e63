/*
 * cmd-list.c: provium list [PATH...]: test files and their tests, booting
 * nothing; with --shard, one CI job's share of them; with --json, for
 * scripts (the format is in provium(1) and README.md)
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <unistd.h>

#include "cmd.h"
#include "pv-discover.h"
#include "pv-file.h"
#include "pv-lua.h"
#include "pv-pgroup.h"
#include "pv-plan.h"
#include "pv-run.h"
#include "pv-tags.h"
#include "pv-text.h"
#include "pv-units.h"

/* The version of --json's format: a script checks it. */
#define PV_CMD_LIST_JSON_VERSION 1

static void
pv_cmd_list_print(PvFile *file)
{
    const PvClaimSpec *claim = pv_file_peek_claim(file);
    /* Names from outside reach the terminal escaped, each on its line. */
    g_autofree char *path = pv_text_name(pv_file_peek_path(file));
    guint t;

    if (pv_file_get_status(file) == PV_FILE_ERROR) {
        g_autofree char *message = pv_text_sanitize(pv_file_peek_error(file), -1);

        g_print(_("%s: error: %s\n"), path, message);
        return;
    }
    if (claim->declared) {
        g_autofree char *memory = pv_size_format(claim->memory);

        g_print(_("%s (claim: memory %s, cpus %u)\n"), path, memory, claim->cpus);
    } else {
        g_print("%s\n", path);
    }
    for (t = 0; t < pv_file_get_test_count(file); t++) {
        const char *const *test_tags = pv_file_peek_test_tags(file, t);
        g_autofree char *shown = g_strjoinv(", ", (char **)test_tags);
        g_autofree char *name = pv_text_name(pv_file_peek_test_name(file, t));

        if (!pv_file_test_is_selected(file, t))
            continue;
        if (*shown)
            g_print("  %s [%s]\n", name, shown);
        else
            g_print("  %s\n", name);
    }
}

static void
pv_cmd_list_add_ns(JsonBuilder *builder, const char *name, gint64 ns)
{
    json_builder_set_member_name(builder, name);
    if (ns >= 0)
        json_builder_add_int_value(builder, ns);
    else
        json_builder_add_null_value(builder);
}

static void
pv_cmd_list_add_file(JsonBuilder *builder, PvPlan *plan, PvFile *file)
{
    const PvClaimSpec *claim = pv_file_peek_claim(file);
    g_autofree char *key = pv_plan_dup_key(plan, file);
    gboolean broken = pv_file_get_status(file) == PV_FILE_ERROR;
    guint t;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "path");
    json_builder_add_string_value(builder, pv_file_peek_path(file));
    json_builder_set_member_name(builder, "key");
    json_builder_add_string_value(builder, key);
    pv_cmd_list_add_ns(builder, "expected_ns", pv_plan_get_file_expected(plan, file));
    json_builder_set_member_name(builder, "claim");
    if (!broken && claim->declared) {
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "memory");
        json_builder_add_int_value(builder, claim->memory);
        json_builder_set_member_name(builder, "cpus");
        json_builder_add_int_value(builder, claim->cpus);
        json_builder_end_object(builder);
    } else {
        json_builder_add_null_value(builder);
    }
    if (broken) {
        json_builder_set_member_name(builder, "error");
        json_builder_add_string_value(builder, pv_file_peek_error(file));
    }
    json_builder_set_member_name(builder, "tests");
    json_builder_begin_array(builder);
    for (t = 0; !broken && t < pv_file_get_test_count(file); t++) {
        const char *const *tags = pv_file_peek_test_tags(file, t);
        guint i;

        if (!pv_file_test_is_selected(file, t))
            continue;
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "name");
        json_builder_add_string_value(builder, pv_file_peek_test_name(file, t));
        json_builder_set_member_name(builder, "tags");
        json_builder_begin_array(builder);
        for (i = 0; tags[i]; i++)
            json_builder_add_string_value(builder, tags[i]);
        json_builder_end_array(builder);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
}

/* --json: one object on standard output. */
static void
pv_cmd_list_print_json(PvRun *run, PvPlan *plan, GPtrArray *files, const PvShard *shard,
                       const PvPlanShares *shares)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;
    guint i;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "version");
    json_builder_add_int_value(builder, PV_CMD_LIST_JSON_VERSION);
    json_builder_set_member_name(builder, "root");
    json_builder_add_string_value(builder, pv_run_peek_options(run)->corpus_root);
    json_builder_set_member_name(builder, "history");
    json_builder_add_string_value(builder, pv_plan_peek_history_path(plan));
    if (shares) {
        json_builder_set_member_name(builder, "shard");
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "index");
        json_builder_add_int_value(builder, shard->index);
        json_builder_set_member_name(builder, "total");
        json_builder_add_int_value(builder, shard->total);
        json_builder_set_member_name(builder, "mode");
        json_builder_add_string_value(builder, pv_shard_mode_to_string(shares->mode));
        json_builder_set_member_name(builder, "partition");
        json_builder_add_string_value(builder, shares->fingerprint);
        json_builder_set_member_name(builder, "shares");
        json_builder_begin_array(builder);
        for (i = 0; i < shares->total; i++) {
            json_builder_begin_object(builder);
            json_builder_set_member_name(builder, "files");
            json_builder_add_int_value(builder, shares->counts[i]);
            pv_cmd_list_add_ns(builder, "expected_ns", shares->work_ns[i]);
            json_builder_end_object(builder);
        }
        json_builder_end_array(builder);
        json_builder_end_object(builder);
    }
    json_builder_set_member_name(builder, "files");
    json_builder_begin_array(builder);
    for (i = 0; i < files->len; i++)
        pv_cmd_list_add_file(builder, plan, files->pdata[i]);
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    json_generator_set_pretty(generator, TRUE);
    text = json_generator_to_data(generator, NULL);
    g_print("%s\n", text);
}

/* --shard: the share's line, on stderr: standard output lists its files. */
static void
pv_cmd_list_print_share(const PvShard *shard, const PvPlanShares *shares)
{
    g_autofree char *expected = NULL;
    g_autofree char *longest = NULL;
    const char *mode = shard->mode == PV_SHARD_TIME && shares->mode == PV_SHARD_HASH ?
        _("hash (no duration history)") : pv_shard_mode_to_string(shares->mode);
    gint64 most = -1;
    guint i;

    for (i = 0; i < shares->total; i++)
        most = MAX(most, shares->work_ns[i]);
    if (most < 0) {
        g_printerr(g_dngettext(GETTEXT_PACKAGE,
                               "share %u/%u by %s (partition %s): %u of %u file\n",
                               "share %u/%u by %s (partition %s): %u of %u files\n", shares->n),
                   shard->index, shard->total, mode, shares->fingerprint,
                   shares->counts[shard->index - 1], shares->n);
        return;
    }
    expected = pv_duration_format(shares->work_ns[shard->index - 1]);
    longest = pv_duration_format(most);
    g_printerr(g_dngettext(GETTEXT_PACKAGE,
                           "share %u/%u by %s (partition %s): %u of %u file, expected %s one "
                           "file after another (the longest share %s)\n",
                           "share %u/%u by %s (partition %s): %u of %u files, expected %s one "
                           "file after another (the longest share %s)\n", shares->n),
               shard->index, shard->total, mode, shares->fingerprint,
               shares->counts[shard->index - 1], shares->n, expected, longest);
}

typedef struct {
    GPtrArray *files;
    gboolean untranslated;
    GMainLoop *loop;
} PvCmdDiscovery;

static gboolean
pv_cmd_discover_done(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

static gpointer
pv_cmd_discover_thread(gpointer data)
{
    PvCmdDiscovery *discovery = data;

    pv_lua_discover_files(discovery->files, g_get_num_processors(), discovery->untranslated);
    g_idle_add_full(G_PRIORITY_HIGH, pv_cmd_discover_done, g_main_loop_ref(discovery->loop),
                    (GDestroyNotify)g_main_loop_unref);
    return NULL;
}

/**
 * pv_cmd_discover:
 *
 * pv_lua_discover_files() on another thread, the main loop running
 * meanwhile: a signal source of the command (a run's, provium list's) is
 * heard while top levels run, and may cancel their files
 * (pv_file_cancel()).
 */
void
pv_cmd_discover(GPtrArray *files, gboolean untranslated)
{
    PvCmdDiscovery discovery = { files, untranslated, g_main_loop_new(NULL, FALSE) };
    GThread *thread = g_thread_new("pv-discover", pv_cmd_discover_thread, &discovery);

    g_main_loop_run(discovery.loop);
    g_thread_join(thread);
    g_main_loop_unref(discovery.loop);
}

/*
 * SIGINT, SIGTERM or SIGHUP while top levels run: nothing is printed yet
 * and nothing booted; what their commands started ends, and provium exits.
 */
static gboolean
pv_cmd_list_on_signal(gpointer user_data)
{
    GPtrArray *files = user_data;
    guint i;

    for (i = 0; i < files->len; i++)
        pv_file_cancel(files->pdata[i], _("cancelled by a signal"));
    pv_pgroup_kill_all();
    _exit(PV_EXIT_CANCELLED);
}

int
pv_cmd_list(int argc, char **argv, GError **out_error)
{
    g_autofree char *config = NULL;
    g_autofree char *filter = NULL;
    g_autofree char *tags = NULL;
    g_autofree char *shard_text = NULL;
    g_autofree char *history = NULL;
    g_autofree char *results_dir = NULL;
    gboolean json = FALSE;
    g_auto(GStrv) tag_terms = NULL;
    g_auto(GStrv) path_args = NULL;
    const GOptionEntry entries[] = {
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
          N_("Use this provium.conf instead of searching for one"), N_("FILE") },
        { "filter", 0, 0, G_OPTION_ARG_STRING, &filter,
          N_("List only test files whose path contains SUBSTR"), N_("SUBSTR") },
        { "tags", 0, 0, G_OPTION_ARG_STRING, &tags,
          N_("List only tests having any of these tags; !TAG excludes, e.g. 'net,!slow'"),
          N_("TAG,...") },
        { "shard", 0, 0, G_OPTION_ARG_STRING, &shard_text,
          N_("List only share K of N, as a run with --shard would run it"),
          N_("[MODE:]K/N|env") },
        { "history", 0, 0, G_OPTION_ARG_FILENAME, &history,
          N_("The duration history (default: history.json in the results directory)"),
          N_("FILE") },
        { "results-dir", 0, 0, G_OPTION_ARG_FILENAME, &results_dir,
          N_("The results directory whose history to read (default: as a run's)"),
          N_("DIR") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          N_("Print one JSON object: files, tests, tags, expected durations"), NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &path_args, NULL,
          N_("[PATH...]") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = NULL;
    g_autofree char *refused = NULL;
    g_autofree char *config_used = NULL;
    g_autofree char *status_file = NULL;
    g_autofree char *history_path = NULL;
    g_autofree char *corpus_root = NULL;
    g_auto(GStrv) envp = NULL;
    /* In this order: each borrows what is above it. */
    g_autoptr(PvRun) run = NULL;
    g_autoptr(GPtrArray) files = NULL;
    g_autoptr(PvPlan) plan = NULL;
    g_autoptr(PvPlanShares) shares = NULL;
    PvRunOptions options;
    PvShard shard = { 0 };
    gboolean broken = FALSE;
    const int handled[] = { SIGINT, SIGTERM, SIGHUP };
    guint signal_ids[G_N_ELEMENTS(handled)];
    guint i;

    g_option_context_set_summary(context,
        _("Lists the test files under the PATHs and the tests each declares, without\n"
          "connecting to libvirt or booting anything."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;

    pv_run_options_init(&options);
    if (tags && !(tag_terms = pv_tags_parse(tags, &error)))
        goto usage;
    options.tags = tag_terms;
    if (shard_text && !pv_shard_parse(shard_text, &shard, &error))
        goto usage;
    envp = g_get_environ();
    if (shard.from_env &&
        !pv_shard_from_env((const char *const *)envp, &shard, &status_file, &error))
        goto usage;
    if (history && !pv_cmd_check_history(history, &history_path, &error))
        goto usage;
    paths = pv_discover((const char *const *)path_args, filter, &error);
    if (!paths)
        goto usage;
    /* The history and the shares a run would read and make. */
    if ((shard_text || json) &&
        !pv_cmd_config_results_dir(config, path_args, &results_dir, &error))
        goto usage;
    config_used = pv_cmd_find_config(config, path_args, &refused);
    if (config_used && !g_file_test(config_used, G_FILE_TEST_IS_REGULAR))
        g_clear_pointer(&config_used, g_free);
    corpus_root = pv_discover_root(config_used, (const char *const *)path_args, paths);
    options.corpus_root = corpus_root;
    options.history = history_path;
    options.config_path = config;
    options.results_dir = results_dir;
    run = pv_run_new(&options);
    files = g_ptr_array_new_with_free_func((GDestroyNotify)pv_file_free);
    for (i = 0; i < paths->len; i++)
        g_ptr_array_add(files, pv_file_new(run, paths->pdata[i]));
    /* Each top level bounded: one that never returns breaks its file. */
    for (i = 0; i < G_N_ELEMENTS(handled); i++)
        signal_ids[i] = g_unix_signal_add(handled[i], pv_cmd_list_on_signal, files);
    pv_cmd_discover(files, FALSE);
    for (i = 0; i < G_N_ELEMENTS(handled); i++)
        g_source_remove(signal_ids[i]);

    for (i = files->len; i-- > 0; ) {
        PvFile *file = files->pdata[i];

        /* As a run, a file none of whose tests --tags selects is left out. */
        if (pv_file_get_status(file) != PV_FILE_ERROR && options.tags &&
            pv_file_get_selected_count(file) == 0)
            g_ptr_array_remove_index(files, i);
    }
    if (shard_text || json)
        plan = pv_plan_new(run);
    if (shard_text) {
        shares = pv_plan_split(plan, files, shard.mode, shard.total);
        for (i = files->len; i-- > 0; ) {
            if (shares->share[i] != shard.index - 1)
                g_ptr_array_remove_index(files, i);
        }
    }
    for (i = 0; i < files->len; i++)
        broken |= pv_file_get_status(files->pdata[i]) == PV_FILE_ERROR;
    if (json) {
        pv_cmd_list_print_json(run, plan, files, &shard, shares);
    } else {
        if (shares)
            pv_cmd_list_print_share(&shard, shares);
        for (i = 0; i < files->len; i++)
            pv_cmd_list_print(files->pdata[i]);
    }
    return broken ? PV_EXIT_USAGE : PV_EXIT_OK;

 usage:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}
