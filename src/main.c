/*
 * main.c: provium's entry point and table of subcommands
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#include "cmd.h"
#include "pv-error.h"

typedef struct {
    const char *name;
    PvCommandFunc run;
} PvCommand;

static const PvCommand pv_commands[] = {
    { "list", pv_cmd_list },
    { "clean", pv_cmd_clean },
    { "events", pv_cmd_events },
    { "report", pv_cmd_report },
    { "locks", pv_cmd_locks },
    { "doctor", pv_cmd_doctor },
    { "fixture", pv_cmd_fixture },
    { "__complete", pv_cmd_complete },  /* hidden: for the shell completion */
};

/**
 * pv_cmd_print_names:
 *
 * The subcommands' names, one a line, for the shell completion; hidden
 * ones (starting with '_') left out.
 */
void
pv_cmd_print_names(void)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(pv_commands); i++)
        if (pv_commands[i].name[0] != '_')
            g_print("%s\n", pv_commands[i].name);
}

/**
 * pv_cmd_parse:
 *
 * g_option_context_parse() with provium's one-line error.
 */
gboolean
pv_cmd_parse(GOptionContext *context, int *argc, char ***argv, GError **error)
{
    g_autoptr(GError) local_error = NULL;

    if (!g_option_context_parse(context, argc, argv, &local_error)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("%s (see provium --help)"),
                    local_error->message);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_cmd_open_events:
 * @files: the command's remaining arguments
 *
 * The one saved event stream that `provium @command FILE` reads.
 * Returns: (transfer full): its reader, or NULL with @error set (usage)
 */
PvEventReader *
pv_cmd_open_events(char **files, const char *command, GError **error)
{
    if (!files || !files[0] || files[1]) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("%s takes one FILE (see provium %s --help)"), command, command);
        return NULL;
    }
    return pv_event_reader_new(files[0], error);
}

/* Runs @command; its error, if any, is the one line printed, here only. */
static int
pv_main_run(PvCommandFunc command, int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    int status = command(argc, argv, &error);

    if (error) {
        g_printerr("provium: %s\n", error->message);
        if (status == PV_EXIT_OK)
            status = PV_EXIT_USAGE;
    }
    return status;
}

int
main(int argc, char **argv)
{
    const char *localedir;
    gsize i;

    /*
     * A reader that goes away (provium --events-stdout | head) must not kill
     * a run with domains to destroy: writes to it fail with EPIPE instead,
     * which the event sink and the reporters let pass.
     */
    signal(SIGPIPE, SIG_IGN);
    setlocale(LC_ALL, "");
    /* PROVIUM_LOCALEDIR: the catalogs of a build tree, for tests/i18n.sh. */
    localedir = g_getenv("PROVIUM_LOCALEDIR");
    bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : PV_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    if (argc > 1) {
        for (i = 0; i < G_N_ELEMENTS(pv_commands); i++) {
            if (strcmp(argv[1], pv_commands[i].name) == 0) {
                g_autofree char *prgname = g_strconcat("provium ", argv[1], NULL);

                /* --help then reads "Usage: provium list [OPTION...]". */
                g_set_prgname(prgname);
                return pv_main_run(pv_commands[i].run, argc - 1, argv + 1);
            }
        }
    }
    g_set_prgname("provium");
    return pv_main_run(pv_cmd_run, argc, argv);
}
