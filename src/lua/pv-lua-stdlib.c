/*
 * pv-lua-stdlib.c: what provium changes of Lua's standard library in a
 * test file's state
 *
 * require(): Lua's default package.path starts with ./?.lua, and provium
 * keeps the caller's current directory, so another user's mylib.lua in a
 * /tmp where root starts provium would run as root.  A test file's
 * require() looks beside the test file first, then beside the fixture
 * files it loaded (PV_LUA_MODULE_DIRS; a module found there runs only if
 * neither it nor a directory on its way is someone else's to write,
 * pv_safe_path_trusted()), then in package.path and package.cpath, which
 * keep the system's directories but no relative one (./?.lua, ./?.so, or
 * LUA_PATH's).  dofile(), loadfile() and io.open() still take paths
 * relative to the current directory, as the file asks.
 *
 * os.execute() and io.popen(): each command runs in a process group of its
 * own (util/pv-pgroup.c), remembered under the file, so what it leaves
 * running ends with the file (pv_lua_close(), pv_file_give_up()); waiting
 * for it wakes for the file's interrupts (its test's timeout, a signal),
 * which end the command's group.  Their results are Lua 5.4's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-lua.h"
#include "pv-pgroup.h"
#include "pv-safe.h"

/* How often a command's end is looked for, at most (it starts at 0.5 ms). */
#define PV_LUA_COMMAND_POLL_US 50000

/*
 * @text's templates (';'-separated) that name an absolute path, the others
 * dropped: a relative one is relative to the current directory.
 */
static char *
pv_lua_absolute_templates(const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, ";", -1);
    g_autoptr(GString) kept = g_string_new(NULL);
    guint i;

    for (i = 0; parts[i]; i++) {
        if (parts[i][0] != '/')
            continue;
        if (kept->len)
            g_string_append_c(kept, ';');
        g_string_append(kept, parts[i]);
    }
    return g_string_free(g_steal_pointer(&kept), FALSE);
}

/*
 * package[@field] without relative templates, with @dir's (@suffixes, each
 * after "DIR/") first: unless @dir has a ';' or '?', which a template
 * cannot hold (the searcher below finds it anyway).
 */
static void
pv_lua_set_search_path(lua_State *L, const char *field, const char *dir,
                       const char *const *suffixes)
{
    g_autoptr(GString) path = g_string_new(NULL);
    g_autofree char *system = NULL;

    lua_getfield(L, -1, field);
    system = pv_lua_absolute_templates(luaL_optstring(L, -1, ""));
    lua_pop(L, 1);
    for (; !strpbrk(dir, ";?") && *suffixes; suffixes++)
        g_string_append_printf(path, "%s/%s;", dir, *suffixes);
    g_string_append(path, system);
    lua_pushstring(L, path->str);
    lua_setfield(L, -2, field);
}

/* The nearest Lua function's "file:line: ", where require() was called. */
static void
pv_lua_push_caller_where(lua_State *L)
{
    lua_Debug ar;
    int level;

    for (level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

/*
 * A module @name beside a file the test file runs (@dir): DIR/a/b.lua,
 * DIR/a/b/init.lua or DIR/a/b.so for "a.b".  Pushes its loader and path
 * and returns 2; returns 0 when there is none; raises when the one there
 * is someone else's to write.
 */
static int
pv_lua_search_dir(lua_State *L, const char *name, const char *dir)
{
    static const char *const forms[] = { ".lua", "/init.lua", ".so" };
    char *rel_name = g_strdelimit(g_strdup(name), ".", '/');
    char *untrusted = NULL;
    char *why = NULL;
    char *rel = NULL;
    char *path = NULL;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(forms); i++) {
        rel = g_strconcat(rel_name, forms[i], NULL);
        path = g_build_filename(dir, rel, NULL);
        if (access(path, R_OK) == 0)
            break;
        g_clear_pointer(&rel, g_free);
        g_clear_pointer(&path, g_free);
    }
    g_free(rel_name);
    if (!path)
        return 0;
    if (!pv_safe_path_trusted(dir, rel, &untrusted, &why)) {
        pv_lua_push_caller_where(L);
        lua_pushfstring(L, "module '%s': not loading %s: %s is %s (someone else could have "
                        "put it there); fix that, or keep the module where only you can "
                        "write", name, path, untrusted, why);
        lua_concat(L, 2);
        g_free(untrusted);
        g_free(why);
        g_free(rel);
        g_free(path);
        lua_error(L);
    }
    g_free(rel);
    lua_pushstring(L, path);
    g_free(path);
    path = (char *)lua_tostring(L, -1);
    if (g_str_has_suffix(path, ".so")) {
        /* As Lua's C searcher: luaopen_a_b for "a.b" (for "a-b", luaopen_a). */
        const char *mark = strchr(name, '-');

        lua_getglobal(L, "package");
        lua_getfield(L, -1, "loadlib");
        lua_remove(L, -2);
        lua_pushvalue(L, -2);
        lua_pushfstring(L, "luaopen_%s", name);
        if (mark)
            lua_pushlstring(L, lua_tostring(L, -1), strlen("luaopen_") + (mark - name));
        else
            lua_pushvalue(L, -1);
        luaL_gsub(L, lua_tostring(L, -1), ".", "_");
        lua_replace(L, -3);
        lua_pop(L, 1);
        lua_call(L, 2, 2);
        if (lua_isnil(L, -2))
            return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name,
                              path, lua_tostring(L, -1));
        lua_pop(L, 1);
    } else if (luaL_loadfilex(L, path, NULL) != LUA_OK) {
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, path,
                          lua_tostring(L, -1));
    }
    lua_insert(L, -2);
    return 2;
}

/* package.searchers[2]: beside the test file, then beside its fixture files. */
static int
pv_lua_search_beside(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_Integer n;
    lua_Integer i;

    if (lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_MODULE_DIRS) != LUA_TTABLE)
        return 0;
    n = luaL_len(L, -1);
    for (i = 1; i <= n; i++) {
        int found;

        lua_rawgeti(L, -1, i);
        found = pv_lua_search_dir(L, name, lua_tostring(L, -1));
        if (found)
            return found;
        lua_pop(L, 1);
    }
    lua_pushfstring(L, "no module '%s' beside the test file or its fixture files", name);
    return 1;
}

/*
 * Waits for @pid, a command of @file's, and returns its wait status.  An
 * interrupt of the file (its test's or its own timeout, a signal) ends the
 * command's group first, and sets @error when given.
 */
static int
pv_lua_wait_command(PvFile *file, pid_t pid, GError **error)
{
    gint64 pause_us = 500;
    int status = 0;

    for (;;) {
        g_autoptr(GError) stop = NULL;
        pid_t got = waitpid(pid, &status, WNOHANG);
        PvWaitResult waited;

        if (got == pid)
            break;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        waited = pv_wake_wait(pv_file_peek_wake(file),
                              MIN(g_get_monotonic_time() + pause_us, pv_file_deadline(file)),
                              NULL, NULL, &stop);
        if (waited == PV_WAIT_INTERRUPTED || !pv_file_check(file, &stop)) {
            status = pv_pgroup_end_one(file, pid);
            g_propagate_error(error, g_steal_pointer(&stop));
            return status;
        }
        pause_us = MIN(pause_us * 2, PV_LUA_COMMAND_POLL_US);
    }
    pv_pgroup_reaped(file, pid);
    return status;
}

/* os.execute([command]), as Lua 5.4's, the command in a group of its own. */
static int
pv_lua_os_execute(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    const char *command;
    GError *error = NULL;
    pid_t pid;
    int status;
    int err;

    if (lua_isnoneornil(L, 1)) {
        lua_pushboolean(L, access("/bin/sh", X_OK) == 0);
        return 1;
    }
    command = pv_lua_check_text(L, 1, "os.execute(): the command");
    err = pv_pgroup_spawn_shell(file, command, -1, -1, &pid);
    if (err) {
        errno = err;
        return luaL_execresult(L, -1);
    }
    status = pv_lua_wait_command(file, pid, &error);
    if (error)
        pv_lua_raise_error(L, error);
    errno = status == -1 ? ECHILD : 0;
    return luaL_execresult(L, status);
}

/* A file handle of io.popen(): Lua's, with the command's pid after it. */
typedef struct {
    luaL_Stream stream;
    pid_t pid;
} PvLuaPipe;

/*
 * Its closef (file:close(), or the collector): Lua's pclose(), waiting as
 * os.execute() does; when the state closes (the file ended with the pipe
 * open), the command's group ends at once.
 */
static int
pv_lua_pipe_close(lua_State *L)
{
    PvLuaPipe *pipe = luaL_checkudata(L, 1, LUA_FILEHANDLE);
    PvFile *file = pv_lua_get_file(L);
    int status;

    fclose(pipe->stream.f);
    /* No error raised here (it may be the collector's call): the hook raises the interrupt. */
    if (pv_lua_peek(L)->closing)
        status = pv_pgroup_end_one(file, pipe->pid);
    else
        status = pv_lua_wait_command(file, pipe->pid, NULL);
    errno = 0;
    return luaL_execresult(L, status);
}

/* io.popen(command [, mode]), as Lua 5.4's, the command in a group of its own. */
static int
pv_lua_io_popen(lua_State *L)
{
    const char *command = pv_lua_check_text(L, 1, "io.popen(): the command");
    const char *mode = luaL_optstring(L, 2, "r");
    gboolean reading = mode[0] == 'r';
    PvLuaPipe *pipe;
    int fds[2];
    pid_t pid;
    int err;

    luaL_argcheck(L, (mode[0] == 'r' || mode[0] == 'w') && mode[1] == '\0', 2,
                  "invalid mode");
    /* Closed until it holds a stream: the collector may see it before. */
    pipe = lua_newuserdatauv(L, sizeof(PvLuaPipe), 0);
    pipe->stream.f = NULL;
    pipe->stream.closef = NULL;
    luaL_setmetatable(L, LUA_FILEHANDLE);
    if (!g_unix_open_pipe(fds, FD_CLOEXEC, NULL))
        return luaL_fileresult(L, 0, command);
    err = pv_pgroup_spawn_shell(pv_lua_get_file(L), command, reading ? -1 : fds[0],
                                reading ? fds[1] : -1, &pid);
    close(reading ? fds[1] : fds[0]);
    if (err) {
        close(reading ? fds[0] : fds[1]);
        errno = err;
        return luaL_fileresult(L, 0, command);
    }
    pipe->stream.f = fdopen(reading ? fds[0] : fds[1], mode);
    if (!pipe->stream.f) {
        err = errno;
        /* Its end of the pipe closed, the command ends too. */
        close(reading ? fds[0] : fds[1]);
        pv_lua_wait_command(pv_lua_get_file(L), pid, NULL);
        errno = err;
        return luaL_fileresult(L, 0, command);
    }
    pipe->pid = pid;
    pipe->stream.closef = pv_lua_pipe_close;
    return 1;
}

/**
 * pv_lua_stdlib_register:
 *
 * After luaL_openlibs() and the guard: require() as the top of this file
 * says, for the file of the state's PvLuaFile; os.execute() and io.popen()
 * in process groups.
 */
void
pv_lua_stdlib_register(lua_State *L)
{
    static const luaL_Reg search = { "search_beside", pv_lua_search_beside };
    static const luaL_Reg execute = { "execute", pv_lua_os_execute };
    static const luaL_Reg popen = { "popen", pv_lua_io_popen };
    static const char *const lua_forms[] = { "?.lua", "?/init.lua", NULL };
    static const char *const c_forms[] = { "?.so", NULL };
    g_autofree char *dir = g_path_get_dirname(pv_file_peek_abs_path(pv_lua_get_file(L)));
    lua_Integer n;

    lua_createtable(L, 1, 0);
    lua_pushstring(L, dir);
    lua_rawseti(L, -2, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_MODULE_DIRS);

    lua_getglobal(L, "package");
    pv_lua_set_search_path(L, "path", dir, lua_forms);
    pv_lua_set_search_path(L, "cpath", dir, c_forms);
    /* Second, after package.preload's: shift the others up. */
    lua_getfield(L, -1, "searchers");
    for (n = luaL_len(L, -1); n >= 2; n--) {
        lua_rawgeti(L, -1, n);
        lua_rawseti(L, -2, n + 1);
    }
    pv_lua_push_function(L, &search);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);

    lua_getglobal(L, "os");
    pv_lua_push_function(L, &execute);
    lua_setfield(L, -2, "execute");
    lua_pop(L, 1);
    lua_getglobal(L, "io");
    pv_lua_push_function(L, &popen);
    lua_setfield(L, -2, "popen");
    lua_pop(L, 1);
}
