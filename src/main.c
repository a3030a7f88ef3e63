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
#include "pv-text.h"

/* The options that apply to every command, also given before its name. */
typedef enum {
    PV_GLOBAL_CONNECT = 1 << 0,   /* -c, --connect URI */
    PV_GLOBAL_CONFIG = 1 << 1,    /* --config FILE */
    PV_GLOBAL_VERBOSE = 1 << 2,   /* -v, --verbose */
    PV_GLOBAL_QUIET = 1 << 3,     /* -q, --quiet */
} PvGlobalOption;

typedef struct {
    const char *name;
    PvCommandFunc run;
    guint globals;    /* PvGlobalOption: which of them the command takes */
} PvCommand;

static const PvCommand pv_commands[] = {
    { "list", pv_cmd_list, PV_GLOBAL_CONFIG },
    { "clean", pv_cmd_clean, PV_GLOBAL_CONNECT },
    { "events", pv_cmd_events, 0 },
    { "report", pv_cmd_report, 0 },
    { "locks", pv_cmd_locks, PV_GLOBAL_CONNECT },
    { "doctor", pv_cmd_doctor, PV_GLOBAL_CONNECT | PV_GLOBAL_CONFIG },
    { "shell", pv_cmd_shell, PV_GLOBAL_CONNECT | PV_GLOBAL_CONFIG },
    { "fixture", pv_cmd_fixture, 0 },
    { "history", pv_cmd_history, 0 },
    { "__complete", pv_cmd_complete, 0 },  /* hidden: for the shell completion */
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
 * pv_cmd_check_streams:
 * @files: the command's remaining arguments
 *
 * Returns: whether `provium @command` was given the one or more event
 *   streams or run directories it reads; FALSE with @error set (usage)
 */
gboolean
pv_cmd_check_streams(char **files, const char *command, GError **error)
{
    if (!files || !files[0]) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("%s takes one or more event streams or run directories "
                      "(see provium %s --help)"), command, command);
        return FALSE;
    }
    return TRUE;
}

/* The global options @globals lets come before a command's name, for people. */
static char *
pv_main_describe_globals(guint globals)
{
    static const struct {
        guint option;
        const char *shown;
    } names[] = {
        { PV_GLOBAL_CONNECT, "-c/--connect" },
        { PV_GLOBAL_CONFIG, "--config" },
        { PV_GLOBAL_VERBOSE, "-v/--verbose" },
        { PV_GLOBAL_QUIET, "-q/--quiet" },
    };
    GString *out = g_string_new(NULL);
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        if (globals & names[i].option)
            g_string_append_printf(out, "%s%s", out->len ? ", " : "", names[i].shown);
    }
    return g_string_free(out, FALSE);
}

static const PvCommand *pv_main_find_command(const char *name);

/**
 * pv_cmd_check_path:
 * @path: a PATH argument of a run
 *
 * "provium -c URI --prefix P shell default": an option before a command's
 * name that is not one of the command's global options makes provium run
 * tests, and the command's name a path ("shell: no such file or
 * directory").  When @path names no file but a command, says instead which
 * options may come before that command's name.
 * Returns: FALSE with @error set (usage) then
 */
gboolean
pv_cmd_check_path(const char *path, GError **error)
{
    const PvCommand *command = pv_main_find_command(path);
    g_autofree char *globals = NULL;

    if (!command || command->name[0] == '_' || g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    if (!command->globals) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("'%s' is a command, but an option before it made it a test path: give "
                      "the options of 'provium %s' after its name (see provium %s --help)"),
                    command->name, command->name, command->name);
        return FALSE;
    }
    globals = pv_main_describe_globals(command->globals);
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("'%s' is a command, but an option before it made it a test path: only "
                  "these options may come before '%s': %s; give the others after it (see "
                  "provium %s --help)"), command->name, command->name, globals, command->name);
    return FALSE;
}

/* Runs @command; its error, if any, is the one line printed, here only. */
static int
pv_main_run(PvCommandFunc command, int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    int status = command(argc, argv, &error);

    if (error) {
        /* It may quote a file's name or a guest's words: no escape sequence gets through. */
        g_autofree char *message = pv_text_sanitize(error->message, -1);

        g_printerr("provium: %s\n", message);
        if (status == PV_EXIT_OK)
            status = PV_EXIT_USAGE;
    }
    return status;
}

/*
 * Which global option @arg is, and whether it takes the next argument as its
 * value ("-c URI", "--config FILE"; not "-cURI" or "--config=FILE").
 * Returns: 0 when @arg is not one
 */
static guint
pv_main_global_option(const char *arg, gboolean *takes_next)
{
    *takes_next = FALSE;
    if (g_str_equal(arg, "-c") || g_str_equal(arg, "--connect")) {
        *takes_next = TRUE;
        return PV_GLOBAL_CONNECT;
    }
    if ((g_str_has_prefix(arg, "-c") && arg[2]) || g_str_has_prefix(arg, "--connect="))
        return PV_GLOBAL_CONNECT;
    if (g_str_equal(arg, "--config")) {
        *takes_next = TRUE;
        return PV_GLOBAL_CONFIG;
    }
    if (g_str_has_prefix(arg, "--config="))
        return PV_GLOBAL_CONFIG;
    if (g_str_equal(arg, "-v") || g_str_equal(arg, "--verbose"))
        return PV_GLOBAL_VERBOSE;
    if (g_str_equal(arg, "-q") || g_str_equal(arg, "--quiet"))
        return PV_GLOBAL_QUIET;
    return 0;
}

static const PvCommand *
pv_main_find_command(const char *name)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(pv_commands); i++) {
        if (strcmp(name, pv_commands[i].name) == 0)
            return &pv_commands[i];
    }
    return NULL;
}

/*
 * "provium -c URI clean --force" runs "clean -c URI --force", as virsh
 * does: the global options before a command's name move after it.
 * Returns: (transfer container): the command's argv (argv[0] its name), or
 *   NULL when no command follows the global options (then provium runs
 *   tests, with argv as given); NULL with @error set when the command does
 *   not take one of them
 */
static char **
pv_main_command_argv(int argc, char **argv, const PvCommand **command, GError **error)
{
    g_autoptr(GPtrArray) globals = g_ptr_array_new();
    g_autofree char **out = NULL;
    int i = 1;
    int j;
    int n = 0;

    *command = NULL;
    while (i < argc) {
        gboolean takes_next;
        guint option = pv_main_global_option(argv[i], &takes_next);

        if (!option)
            break;
        g_ptr_array_add(globals, GUINT_TO_POINTER(option));
        i += takes_next && i + 1 < argc ? 2 : 1;
    }
    if (i >= argc || !(*command = pv_main_find_command(argv[i])))
        return NULL;
    out = g_new0(char *, argc + 1);
    out[n++] = argv[i];
    for (j = 1; j < i; j++) {
        gboolean takes_next;
        guint option = pv_main_global_option(argv[j], &takes_next);

        if (!((*command)->globals & option)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("%s does not apply to 'provium %s' (see provium %s --help)"),
                        argv[j], argv[i], argv[i]);
            return NULL;
        }
        out[n++] = argv[j];
        if (takes_next && j + 1 < i)
            out[n++] = argv[++j];
    }
    for (j = i + 1; j < argc; j++)
        out[n++] = argv[j];
    return g_steal_pointer(&out);
}

int
main(int argc, char **argv)
{
    const char *localedir;
    g_autoptr(GError) error = NULL;
    g_autofree char **command_argv = NULL;
    const PvCommand *command = NULL;

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

    command_argv = pv_main_command_argv(argc, argv, &command, &error);
    if (error) {
        g_printerr("provium: %s\n", error->message);
        return PV_EXIT_USAGE;
    }
    if (command_argv) {
        g_autofree char *prgname = g_strconcat("provium ", command->name, NULL);

        /* --help then reads "Usage: provium list [OPTION...]". */
        g_set_prgname(prgname);
        return pv_main_run(command->run, g_strv_length(command_argv), command_argv);
    }
    g_set_prgname("provium");
    return pv_main_run(pv_cmd_run, argc, argv);
}
