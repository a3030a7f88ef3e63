/*
 * cmd-list.c: provium list [PATH...]: test files and their tests, booting nothing
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cmd.h"
#include "pv-discover.h"
#include "pv-file.h"
#include "pv-lua.h"
#include "pv-run.h"
#include "pv-tags.h"
#include "pv-units.h"

int
pv_cmd_list(int argc, char **argv, GError **out_error)
{
    g_autofree char *config = NULL;
    g_autofree char *filter = NULL;
    g_autofree char *tags = NULL;
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
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &path_args, NULL,
          N_("[PATH...]") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = NULL;
    g_autoptr(GPtrArray) files = NULL;
    g_autoptr(PvRun) run = NULL;
    PvRunOptions options;
    gboolean broken = FALSE;
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
    paths = pv_discover((const char *const *)path_args, filter, &error);
    if (!paths)
        goto usage;
    options.config_path = config;
    run = pv_run_new(&options);
    files = g_ptr_array_new_with_free_func((GDestroyNotify)pv_file_free);
    for (i = 0; i < paths->len; i++)
        g_ptr_array_add(files, pv_file_new(run, paths->pdata[i]));
    /* Each top level bounded: one that never returns breaks its file. */
    pv_lua_discover_files(files, g_get_num_processors(), FALSE);

    for (i = 0; i < files->len; i++) {
        PvFile *file = files->pdata[i];
        const PvClaimSpec *claim;
        guint t;

        if (pv_file_get_status(file) == PV_FILE_ERROR) {
            g_print(_("%s: error: %s\n"), pv_file_peek_path(file), pv_file_peek_error(file));
            broken = TRUE;
            continue;
        }
        /* As a run, a file none of whose tests --tags selects is left out. */
        if (options.tags && pv_file_get_selected_count(file) == 0)
            continue;
        claim = pv_file_peek_claim(file);
        if (claim->declared) {
            g_autofree char *memory = pv_size_format(claim->memory);

            g_print(_("%s (claim: memory %s, cpus %u)\n"), pv_file_peek_path(file), memory,
                    claim->cpus);
        } else {
            g_print("%s\n", pv_file_peek_path(file));
        }
        for (t = 0; t < pv_file_get_test_count(file); t++) {
            const char *const *test_tags = pv_file_peek_test_tags(file, t);
            g_autofree char *shown = g_strjoinv(", ", (char **)test_tags);

            if (!pv_file_test_is_selected(file, t))
                continue;
            if (*shown)
                g_print("  %s [%s]\n", pv_file_peek_test_name(file, t), shown);
            else
                g_print("  %s\n", pv_file_peek_test_name(file, t));
        }
    }
    return broken ? PV_EXIT_USAGE : PV_EXIT_OK;

 usage:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}
