/*
 * cmd-complete.c: provium __complete WHAT: words for the shell completion
 *
 * Hidden: the bash completion (completion/provium) asks provium itself for
 * what only provium knows, so the script never repeats provium's logic:
 *
 *   provium __complete commands                   the subcommands, one a line
 *   provium __complete profiles [--config FILE]   the profiles of the
 *       provium.conf a run from the current directory would use
 *
 * Options and their arguments come from `provium CMD --help`, not from here.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cmd.h"
#include "pv-config.h"

static int
pv_cmd_complete_profiles(int argc, char **argv, GError **out_error)
{
    g_autofree char *config_path = NULL;
    const GOptionEntry entries[] = {
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, NULL, NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(GPtrArray) names = NULL;
    gsize i;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (!config_path) {
        g_autofree char *cwd = g_get_current_dir();
        /* A test file here would be configured by what pv_config_find() finds for it. */
        g_autofree char *here = g_build_filename(cwd, "completion.test.lua", NULL);

        config_path = pv_config_find(here, NULL);
    }
    config = config_path ? pv_config_load(config_path, &error) : pv_config_new_builtin();
    if (!config) {
        g_propagate_error(out_error, g_steal_pointer(&error));
        return PV_EXIT_USAGE;
    }
    names = pv_config_list_profiles(config);
    for (i = 0; i < names->len; i++)
        g_print("%s\n", (const char *)names->pdata[i]);
    return PV_EXIT_OK;
}

int
pv_cmd_complete(int argc, char **argv, GError **out_error)
{
    if (argc >= 2 && g_str_equal(argv[1], "commands")) {
        pv_cmd_print_names();
        return PV_EXIT_OK;
    }
    if (argc >= 2 && g_str_equal(argv[1], "profiles"))
        return pv_cmd_complete_profiles(argc - 1, argv + 1, out_error);
    g_set_error_literal(out_error, PV_ERROR, PV_ERROR_USAGE,
                        _("__complete takes 'commands' or 'profiles' (it serves the shell "
                          "completion)"));
    return PV_EXIT_USAGE;
}
