/*
 * cmd-history.c: provium history merge OUT IN...: the duration histories
 * of a corpus's shards, combined into one
 *
 * Each CI job of a sharded corpus (--shard K/N --history FILE) updates its
 * copy of the history with the files it ran; merged, the next pipeline's
 * jobs read every file's latest duration.  The merging is pv-history.c's.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cmd.h"
#include "pv-history.h"
#include "pv-safe.h"

int
pv_cmd_history(int argc, char **argv, GError **out_error)
{
    g_auto(GStrv) words = NULL;
    const GOptionEntry entries[] = {
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &words, NULL,
          N_("merge OUT IN...") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *dir = NULL;
    guint count = 0;

    g_option_context_set_summary(context,
        _("The duration history, which --order longest-first and --shard time: read.\n"
          "\n"
          "  merge OUT IN...   combine the histories the jobs of a sharded run wrote\n"
          "                    (--shard K/N --history IN) into OUT: of a file several\n"
          "                    know, the entry of its latest run is kept; OUT may be\n"
          "                    one of the INs"));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (!words || !words[0]) {
        g_set_error_literal(out_error, PV_ERROR, PV_ERROR_USAGE,
                            _("history takes a command: merge OUT IN... (see provium history "
                              "--help)"));
        return PV_EXIT_USAGE;
    }
    if (strcmp(words[0], "merge") != 0) {
        g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                    _("unknown history command '%s': merge OUT IN... (see provium history "
                      "--help)"), words[0]);
        return PV_EXIT_USAGE;
    }
    if (!words[1] || !words[2]) {
        g_set_error_literal(out_error, PV_ERROR, PV_ERROR_USAGE,
                            _("history merge takes OUT and at least one IN (see provium "
                              "history --help)"));
        return PV_EXIT_USAGE;
    }
    out = g_canonicalize_filename(words[1], NULL);
    dir = g_path_get_dirname(out);
    if (g_file_test(out, G_FILE_TEST_IS_DIR) || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                    g_file_test(out, G_FILE_TEST_IS_DIR) ?
                    _("history merge: OUT %s is a directory; name the history file in it") :
                    _("history merge: OUT %s: its directory does not exist"), words[1]);
        return PV_EXIT_USAGE;
    }
    if (!pv_safe_check_output(out, TRUE, &error)) {
        g_propagate_prefixed_error(out_error, g_steal_pointer(&error), "history merge: OUT: ");
        return PV_EXIT_USAGE;
    }
    if (!pv_history_merge_files(out, (const char *const *)words + 2, &count, &error)) {
        g_propagate_prefixed_error(out_error, g_steal_pointer(&error), "history merge: ");
        return PV_EXIT_USAGE;
    }
    g_print(g_dngettext(GETTEXT_PACKAGE, "%s knows %u file\n", "%s knows %u files\n", count),
            words[1], count);
    return PV_EXIT_OK;
}
