/*
 * cmd-shell.c: provium shell [PROFILE]: one VM and a Lua prompt
 *
 * The prompt is --debug-on-failure's (lua/prelude.lua, pv-lua-debug.c), and
 * the VM is booted the way a run boots one: this command writes a test file
 * of one test, which boots a VM of PROFILE and opens the prompt with it as
 * `vm`, and runs that file as `provium` would, one file, on the terminal.
 * When the prompt ends (Ctrl-D, 'cont') the test ends and the run destroys
 * the VM as it destroys any; SIGINT cancels the run the same way.
 *
 * The file and the run directory live in a private temporary directory,
 * removed at the end: a shell is not a test run, and leaves no record in
 * the user's tree.  The directory is 0711, not 0700: QEMU, as its own user,
 * must reach a disk overlay in the run directory.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "cmd.h"
#include "pv-config.h"
#include "pv-results.h"

/* The name the generated file has; the VM's domain name is derived from it. */
#define PV_SHELL_FILE "shell.test.lua"

/* @text as a Lua string literal: each byte that is not a letter or a digit as \ddd. */
static char *
pv_cmd_shell_lua_string(const char *text)
{
    GString *out = g_string_new("\"");
    const char *p;

    for (p = text; *p; p++) {
        if (g_ascii_isalnum(*p))
            g_string_append_c(out, *p);
        else
            g_string_append_printf(out, "\\%03u", (guint)(guchar)*p);
    }
    g_string_append_c(out, '"');
    return g_string_free(out, FALSE);
}

/*
 * Loads @given, else the provium.conf a run of a test file here would use,
 * and looks for @profile in it (and for its template).  @config_path: its
 * absolute path, NULL for the built-in profiles.
 * Returns: FALSE with @error set for a broken file or an unknown profile
 */
static gboolean
pv_cmd_shell_check_profile(const char *given, const char *profile, char **config_path,
                           GError **error)
{
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(PvProfile) found = NULL;
    g_autofree char *path = NULL;

    if (given) {
        if (!g_file_test(given, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("--config: %s: no such file"),
                        given);
            return FALSE;
        }
        path = g_strdup(given);
    } else {
        g_autofree char *cwd = g_get_current_dir();
        /* As for a test file here (and as the completion lists profiles). */
        g_autofree char *here = g_build_filename(cwd, PV_SHELL_FILE, NULL);

        path = pv_config_find(here, NULL);
    }
    config = path ? pv_config_load(path, error) : pv_config_new_builtin();
    if (!config || !(found = pv_config_get_profile(config, profile, error)))
        return FALSE;
    *config_path = path ? g_canonicalize_filename(path, NULL) : NULL;
    return TRUE;
}

static gboolean
pv_cmd_shell_write_file(const char *path, const char *profile, GError **error)
{
    g_autofree char *literal = pv_cmd_shell_lua_string(profile);
    g_autofree char *text = g_strdup_printf(
        "-- provium shell: one VM and a Lua prompt (written by provium, removed after)\n"
        "local profile = %s\n"
        "local vm = provium:vm(\"shell\", profile)\n"
        "test(\"shell\", function(t)\n"
        "    vm:boot()\n"
        "    provium_shell_prompt(vm, t, profile)\n"
        "end)\n", literal);

    return g_file_set_contents(path, text, -1, error);
}

int
pv_cmd_shell(int argc, char **argv, GError **out_error)
{
    g_autofree char *uri = NULL;
    g_autofree char *config = NULL;
    g_autofree char *prefix = NULL;
    g_auto(GStrv) rest = NULL;
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("libvirt URI, as for virsh (default: $LIBVIRT_DEFAULT_URI, else libvirt's)"),
          N_("URI") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
          N_("Use this provium.conf instead of searching for one"), N_("FILE") },
        { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix,
          N_("Prefix of the VM's domain name (default: pv-<run>-)"), N_("P") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL,
          N_("[PROFILE]") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) run_argv = g_ptr_array_new();
    g_autofree char *config_path = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *file = NULL;
    g_autofree char *runs = NULL;
    const char *profile;
    int status = PV_EXIT_USAGE;

    g_option_context_set_summary(context,
        _("Boots one VM of PROFILE (default: 'default') from the provium.conf a run here\n"
          "would use, and opens a Lua prompt with it as 'vm': vm:run(\"uname -a\").\n"
          "Ctrl-D or 'cont' (or an interrupt) destroys the VM and exits."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (rest && rest[0] && rest[1]) {
        g_set_error_literal(out_error, PV_ERROR, PV_ERROR_USAGE,
                            _("shell takes one PROFILE (see provium shell --help)"));
        return PV_EXIT_USAGE;
    }
    profile = rest && rest[0] ? rest[0] : PV_PROFILE_DEFAULT;
    if (!pv_cmd_shell_check_profile(config, profile, &config_path, out_error))
        return PV_EXIT_USAGE;
    if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
        g_set_error_literal(out_error, PV_ERROR, PV_ERROR_USAGE,
                            _("shell opens a Lua prompt: it needs a terminal on standard "
                              "input and standard error"));
        return PV_EXIT_USAGE;
    }

    if (!(dir = g_dir_make_tmp("provium-shell-XXXXXX", &error)))
        goto usage;
    file = g_build_filename(dir, PV_SHELL_FILE, NULL);
    runs = g_build_filename(dir, "runs", NULL);
    if (g_chmod(dir, 0711) < 0) {
        g_set_error(&error, PV_ERROR, PV_ERROR_IO, _("cannot make %s reachable to QEMU: %s"),
                    dir, g_strerror(errno));
        goto cleanup;
    }
    if (!pv_cmd_shell_write_file(file, profile, &error))
        goto cleanup;

    g_ptr_array_add(run_argv, "provium");
    if (uri) {
        g_ptr_array_add(run_argv, "--connect");
        g_ptr_array_add(run_argv, uri);
    }
    if (config_path) {
        /* The file is not where the user is: say which provium.conf. */
        g_ptr_array_add(run_argv, "--config");
        g_ptr_array_add(run_argv, config_path);
    }
    if (prefix) {
        g_ptr_array_add(run_argv, "--prefix");
        g_ptr_array_add(run_argv, prefix);
    }
    /* No clock, no second try: the prompt is the user's for as long as they like. */
    g_ptr_array_add(run_argv, "--timeout");
    g_ptr_array_add(run_argv, "0");
    g_ptr_array_add(run_argv, "--retries");
    g_ptr_array_add(run_argv, "0");
    /* One VM: the host's KSM settings stay as they are. */
    g_ptr_array_add(run_argv, "--no-ksm");
    g_ptr_array_add(run_argv, "--results-dir");
    g_ptr_array_add(run_argv, runs);
    g_ptr_array_add(run_argv, "--quiet");
    g_ptr_array_add(run_argv, "--shell-prompt");
    g_ptr_array_add(run_argv, file);
    g_ptr_array_add(run_argv, NULL);
    status = pv_cmd_run(run_argv->len - 1, (char **)run_argv->pdata, &error);

 cleanup:
    {
        g_autoptr(GError) remove_error = NULL;

        if (!pv_results_remove(dir, &remove_error))
            g_printerr(_("provium: %s\n"), remove_error->message);
    }
    if (error) {
        g_propagate_error(out_error, g_steal_pointer(&error));
        return PV_EXIT_USAGE;
    }
    return status;

 usage:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}
