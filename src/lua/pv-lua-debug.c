/*
 * pv-lua-debug.c: --debug-on-failure's prompt, the terminal side
 *
 * When a test fails on a terminal, the prelude (lua/prelude.lua) opens a Lua
 * prompt in the failed test's environment: its locals, its upvalues (the
 * file's top-level VMs), then the globals.  This file gives it what Lua
 * cannot do: read a line from the terminal while watching for the run's
 * cancellation, say which domains are kept, and stop the file's clock while
 * the prompt is open.  The run dispatches one file at a time meanwhile
 * (cmd-run.c), so the prompt has the terminal to itself.  provium shell
 * (cmd-shell.c) opens the same prompt in the one test of a file it writes,
 * its VM booted.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "pv-lua.h"
#include "pv-text.h"

/* How often a prompt waiting for a line looks whether the run was cancelled. */
#define PV_LUA_DEBUG_POLL_MS 200

/*
 * The prompt opens: the file's clock stops.
 * Returns: (transfer full): the domains of the file running now, for
 *   virsh console
 */
static GPtrArray *
pv_lua_debug_open(lua_State *L, PvFile *file)
{
    pv_file_pause(file);
    pv_lua_reset_hook(L);
    return pv_file_dup_running_domains(file);
}

/* pv.debug_begin(test, message): the prompt opens */
int
pv_lua_debug_begin(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    const char *test = luaL_checkstring(L, 1);
    size_t message_len = 0;
    const char *message = luaL_checklstring(L, 2, &message_len);
    const char *uri = pv_host_peek_uri(pv_file_peek_host(file));
    g_autoptr(GPtrArray) domains = pv_lua_debug_open(L, file);
    /* Names and the message from the file reach the terminal escaped, whole. */
    g_autofree char *path_shown = pv_text_name(pv_file_peek_path(file));
    g_autofree char *test_shown = pv_text_name(test);
    g_autofree char *message_shown = pv_text_sanitize(message, message_len);
    guint i;

    fputc('\n', stderr);
    fprintf(stderr, _("provium: %s: test '%s' failed:\n%s\n"), path_shown, test_shown,
            message_shown);
    for (i = 0; i < domains->len; i++)
        fprintf(stderr, _("provium: kept running: virsh%s%s console %s\n"), uri ? " -c " : "",
                uri ? uri : "", (const char *)domains->pdata[i]);
    fputs(_("provium: a Lua prompt in the test's environment (its locals, its VMs: "
            "vm:run(\"...\") works); Ctrl-D or 'cont' continues the run\n"), stderr);
    fflush(stderr);
    return 0;
}

/* pv.shell_begin(profile): provium shell's prompt opens, its VM up */
int
pv_lua_shell_begin(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    const char *profile = luaL_checkstring(L, 1);
    const char *uri = pv_host_peek_uri(pv_file_peek_host(file));
    g_autoptr(GPtrArray) domains = pv_lua_debug_open(L, file);
    guint i;

    for (i = 0; i < domains->len; i++)
        fprintf(stderr, _("provium: profile '%s' is up: virsh%s%s console %s\n"), profile,
                uri ? " -c " : "", uri ? uri : "", (const char *)domains->pdata[i]);
    fputs(_("provium: a Lua prompt with the VM as 'vm' (vm:run(\"uname -a\") works); "
            "Ctrl-D or 'cont' destroys it and exits\n"), stderr);
    fflush(stderr);
    return 0;
}

/* pv.debug_end(): the prompt closed; the file's clock goes on */
int
pv_lua_debug_end(lua_State *L)
{
    pv_file_resume(pv_lua_get_file(L));
    pv_lua_reset_hook(L);
    return 0;
}

/* pv.debug_write(text): to the terminal, a line, escaped (a NUL shown, not its end) */
int
pv_lua_debug_write(lua_State *L)
{
    size_t len = 0;
    const char *text = luaL_checklstring(L, 1, &len);
    char *shown = pv_text_sanitize(text, len);

    fprintf(stderr, "%s\n", shown);
    fflush(stderr);
    g_free(shown);
    return 0;
}

/*
 * pv.readline(prompt) -> the line without its newline; nil at the end of
 * input, or when the run is cancelled
 */
int
pv_lua_debug_readline(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    const char *prompt = luaL_checkstring(L, 1);
    luaL_Buffer b;
    gboolean any = FALSE;

    fputs(prompt, stderr);
    fflush(stderr);
    luaL_buffinit(L, &b);
    for (;;) {
        struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
        char c;
        ssize_t got;
        int ready = poll(&pfd, 1, PV_LUA_DEBUG_POLL_MS);

        if (pv_wake_is_cancelled(pv_file_peek_wake(file))) {
            fputc('\n', stderr);
            lua_pushnil(L);
            return 1;
        }
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            continue;
        got = read(STDIN_FILENO, &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (!any) {
                fputc('\n', stderr);
                lua_pushnil(L);
                return 1;
            }
            break;
        }
        if (c == '\n')
            break;
        luaL_addchar(&b, c);
        any = TRUE;
    }
    luaL_pushresult(&b);
    return 1;
}
