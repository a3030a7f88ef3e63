/*
 * pv-lua.c: a test file's Lua state
 *
 * Each test file gets its own lua_State, on its own worker thread, with the
 * standard libraries, provium's classes and the prelude (lua/prelude.lua).
 * The state's extra space holds the PvFile.  Scripts run under lua_pcall with
 * a traceback handler; a count hook (pv-lua-hook.c) checks every thousand
 * instructions whether the test must stop (timeout, cancellation, a domain
 * that died), and the guard (pv-lua-guard.c) tells a watchdog when the
 * worker runs the file's code rather than provium's.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <lualib.h>
#include <string.h>

#include "pv-datadir.h"
#include "pv-error.h"
#include "pv-lua.h"
#include "pv-units.h"

#define PV_LUA_RUNNER "provium.runner"

/* print(): into the file's output, not onto the terminal mid-block. */
static int
pv_lua_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    char *text;
    int i;

    luaL_buffinit(L, &b);
    for (i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    text = pv_lua_dup_message(L, -1);
    pv_file_log(pv_lua_get_file(L), text);
    g_free(text);
    return 0;
}

static int
pv_lua_os_exit(lua_State *L)
{
    return luaL_error(L, "os.exit() would leave this file's VMs behind; "
                      "use t:fail() or error() to stop a test");
}

/* pv.parse_duration(value) -> ns, or nil and the message */
static int
pv_lua_helper_parse_duration(lua_State *L)
{
    GError *error = NULL;
    gint64 ns = 0;

    if (lua_type(L, 1) == LUA_TNUMBER) {
        lua_pushinteger(L, pv_lua_check_duration(L, 1, NULL));
        return 1;
    }
    if (lua_type(L, 1) != LUA_TSTRING) {
        lua_pushnil(L);
        lua_pushfstring(L, "expected a duration like \"30s\", got a %s", luaL_typename(L, 1));
        return 2;
    }
    if (strlen(lua_tostring(L, 1)) != lua_rawlen(L, 1)) {
        lua_pushnil(L);
        lua_pushliteral(L, "a duration cannot hold a NUL byte (\\0)");
        return 2;
    }
    if (!pv_duration_parse(lua_tostring(L, 1), &ns, &error)) {
        lua_pushnil(L);
        lua_pushstring(L, error->message);
        g_error_free(error);
        return 2;
    }
    lua_pushinteger(L, ns);
    return 1;
}

static int
pv_lua_helper_format_duration(lua_State *L)
{
    char *text = pv_duration_format(luaL_checkinteger(L, 1));

    lua_pushstring(L, text);
    g_free(text);
    return 1;
}

static int
pv_lua_helper_now(lua_State *L)
{
    lua_pushinteger(L, g_get_monotonic_time() * 1000);
    return 1;
}

static int
pv_lua_helper_log(lua_State *L)
{
    char *text;

    luaL_checkstring(L, 1);
    text = pv_lua_dup_message(L, 1);
    pv_file_log(pv_lua_get_file(L), text);
    g_free(text);
    return 0;
}

static const luaL_Reg pv_lua_helpers[] = {
    { "parse_duration", pv_lua_helper_parse_duration },
    { "format_duration", pv_lua_helper_format_duration },
    { "now", pv_lua_helper_now },
    { "sleep", pv_lua_sleep },
    { "log", pv_lua_helper_log },
    { "debug_begin", pv_lua_debug_begin },
    { "debug_end", pv_lua_debug_end },
    { "shell_begin", pv_lua_shell_begin },
    { "debug_write", pv_lua_debug_write },
    { "readline", pv_lua_debug_readline },
    { NULL, NULL },
};

/*
 * The message handler, as lua.c's msghandler: the error, then the frames of
 * the test file (provium's own frames are noise to the file's author), when
 * there is more than one.
 */
static int
pv_lua_traceback(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    const char *msg = lua_tostring(L, 1);
    int msg_index = 1;
    luaL_Buffer b;
    lua_Debug ar;
    int level;
    int frames = 0;

    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        msg_index = lua_gettop(L);
    }
    luaL_buffinit(L, &b);
    for (level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sln", &ar);
        if (ar.currentline <= 0 || ar.source[0] != '@' || strcmp(ar.source + 1, pv_file_peek_path(file)) != 0)
            continue;
        lua_pushfstring(L, "\n\t%s:%d: in %s", pv_file_peek_path(file), ar.currentline,
                        *ar.what == 'm' ? "main chunk" : ar.name ? ar.name : "function");
        luaL_addvalue(&b);
        frames++;
    }
    luaL_pushresult(&b);
    if (frames <= 1) {
        lua_pushvalue(L, msg_index);
        return 1;
    }
    /* Concatenated, not formatted: a NUL in the message is not its end. */
    lua_pushvalue(L, msg_index);
    lua_pushliteral(L, "\nstack traceback:");
    lua_rotate(L, -3, 2);
    lua_concat(L, 3);
    return 1;
}

/* Calls the file's code (the function under @nargs arguments) with the traceback handler. */
static int
pv_lua_docall(lua_State *L, int nargs, int nresults)
{
    static const luaL_Reg traceback = { "traceback", pv_lua_traceback };
    int base = lua_gettop(L) - nargs;
    PvLuaMark mark;
    int status;

    pv_lua_push_function(L, &traceback);
    lua_insert(L, base);
    mark = pv_lua_user_begin(L);
    status = lua_pcall(L, nargs, nresults, base);
    pv_lua_user_end(L, mark);
    lua_remove(L, base);
    return status;
}

static int
pv_lua_dump_writer(lua_State *L, const void *data, size_t len, void *user_data)
{
    g_byte_array_append(user_data, data, len);
    return 0;
}

/*
 * The prelude, compiled once per process: every file's state gets two Lua
 * states (discovery and run), and parsing the prelude's source each time was
 * a tenth of the dispatch cost.
 */
static GBytes *
pv_lua_prelude_bytecode(GError **error)
{
    static GMutex lock;
    static GBytes *bytecode;
    g_autofree char *path = NULL;
    g_autofree char *code = NULL;
    g_autoptr(GByteArray) dump = NULL;
    lua_State *L;
    gsize len = 0;

    g_mutex_lock(&lock);
    if (bytecode) {
        g_mutex_unlock(&lock);
        return g_bytes_ref(bytecode);
    }
    path = pv_datadir_build_path("lua", "prelude.lua", NULL);
    if (!g_file_get_contents(path, &code, &len, NULL)) {
        g_mutex_unlock(&lock);
        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("cannot read provium's Lua prelude %s (is provium installed?)"), path);
        return NULL;
    }
    L = luaL_newstate();
    if (!L || luaL_loadbuffer(L, code, len, "=[provium prelude]") != LUA_OK) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, "%s",
                    L ? lua_tostring(L, -1) : _("cannot create a Lua state"));
        if (L)
            lua_close(L);
        g_mutex_unlock(&lock);
        return NULL;
    }
    dump = g_byte_array_new();
    lua_dump(L, pv_lua_dump_writer, dump, FALSE);
    lua_close(L);
    bytecode = g_byte_array_free_to_bytes(g_steal_pointer(&dump));
    g_mutex_unlock(&lock);
    return g_bytes_ref(bytecode);
}

static gboolean
pv_lua_load_prelude(lua_State *L, PvLuaFile *lua_file, GError **error)
{
    PvFile *file = lua_file->file;
    g_autofree char *chunkname = g_strconcat("@", pv_file_peek_path(file), NULL);
    g_autoptr(GBytes) bytecode = pv_lua_prelude_bytecode(error);
    gsize len = 0;
    const char *data;

    if (!bytecode)
        return FALSE;
    data = g_bytes_get_data(bytecode, &len);
    if (luaL_loadbufferx(L, data, len, "=[provium prelude]", "b") != LUA_OK) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return FALSE;
    }
    lua_createtable(L, 0, G_N_ELEMENTS(pv_lua_helpers) - 1);
    pv_lua_set_functions(L, pv_lua_helpers);
    lua_pushstring(L, chunkname);
    lua_setfield(L, -2, "chunkname");
    lua_pushstring(L, pv_file_peek_path(file));
    lua_setfield(L, -2, "path");
    lua_pushboolean(L, !lua_file->discovering &&
                    pv_run_peek_options(pv_file_peek_run(file))->debug_on_failure);
    lua_setfield(L, -2, "debug_on_failure");
    lua_pushboolean(L, pv_run_peek_options(pv_file_peek_run(file))->shell);
    lua_setfield(L, -2, "shell");
    if (pv_lua_docall(L, 1, 1) != LUA_OK) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("provium's Lua prelude failed: %s"),
                    lua_tostring(L, -1));
        lua_pop(L, 1);
        return FALSE;
    }
    lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_RUNNER);
    return TRUE;
}

/**
 * pv_lua_new:
 * @lua_file: (transfer none): outlives the state
 *
 * A state with the standard libraries, provium's classes and the prelude.
 * Returns: (transfer full): the state, or NULL with @error set
 */
lua_State *
pv_lua_new(PvLuaFile *lua_file, GError **error)
{
    static const luaL_Reg print = { "print", pv_lua_print };
    static const luaL_Reg os_exit = { "exit", pv_lua_os_exit };
    lua_State *L = luaL_newstate();

    if (!L) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_IO, _("cannot create a Lua state"));
        return NULL;
    }
    *(PvLuaFile **)lua_getextraspace(L) = lua_file;
    luaL_openlibs(L);
    pv_lua_guard_register(L);
    pv_lua_hook_register(L);
    pv_lua_stdlib_register(L);
    pv_lua_push_function(L, &print);
    lua_setglobal(L, "print");
    lua_getglobal(L, "os");
    pv_lua_push_function(L, &os_exit);
    lua_setfield(L, -2, "exit");
    lua_pop(L, 1);

    pv_lua_result_register(L);
    pv_lua_console_register(L);
    pv_lua_vm_register(L);
    pv_lua_provium_register(L);
    pv_lua_fixture_register(L);
    if (!pv_lua_load_prelude(L, lua_file, error)) {
        lua_close(L);
        return NULL;
    }
    pv_lua_reset_hook(L);
    return L;
}

/**
 * pv_lua_run_top_level:
 *
 * Loads the test file and runs its top level, which declares its tests,
 * within pv_file_top_level_timeout().  Errors name the file and line.
 */
gboolean
pv_lua_run_top_level(lua_State *L, GError **error)
{
    PvFile *file = pv_lua_get_file(L);
    g_autofree char *chunkname = g_strconcat("@", pv_file_peek_path(file), NULL);
    g_autoptr(GBytes) source = pv_file_read_source(file, error);
    const char *code;
    gsize len = 0;
    int status;

    if (!source)
        return FALSE;
    code = g_bytes_get_data(source, &len);
    /* provium fixture build: a fixture file is a file of one test booting its VM. */
    if (g_str_has_suffix(pv_file_peek_path(file), PV_LUA_FIXTURE_SUFFIX)) {
        g_autofree char *base = g_path_get_basename(pv_file_peek_path(file));

        base[strlen(base) - strlen(PV_LUA_FIXTURE_SUFFIX)] = '\0';
        g_bytes_unref(source);
        if (strspn(base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
            strlen(base))
            source = g_bytes_new_static("error(\"a fixture's file name is letters, digits, "
                                        "'_', '.' and '-'\")\n", 0);
        else
            source = g_bytes_new_take(g_strdup_printf(
                "local vm = provium:vm(\"build\", {fixture = \"%s\"})\n"
                "test(\"build fixture %s\", function() vm:boot() end)\n", base, base), 0);
        code = g_bytes_get_data(source, NULL);
        len = strlen(code);
    }
    if (luaL_loadbufferx(L, code, len, chunkname, "t") != LUA_OK) {
        g_autofree char *message = pv_lua_dup_message(L, -1);

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, "%s", message);
        lua_pop(L, 1);
        return FALSE;
    }
    pv_file_begin_top_level(file);
    /* The hook notes its lines: where it is stuck, should it never return. */
    pv_lua_peek(L)->track_lines = TRUE;
    pv_lua_reset_hook(L);
    status = pv_lua_docall(L, 0, 0);
    pv_lua_peek(L)->track_lines = FALSE;
    pv_lua_reset_hook(L);
    pv_file_end_top_level(file);
    if (status != LUA_OK) {
        g_autofree char *message = pv_lua_dup_message(L, -1);

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, "%s", message);
        lua_pop(L, 1);
        return FALSE;
    }
    return TRUE;
}

static void
pv_lua_push_runner_fn(lua_State *L, const char *name)
{
    lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_RUNNER);
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
}

/*
 * Calls a runner bookkeeping function with the hook off, so an interrupt
 * cannot raise outside a protected call.
 */
static gboolean
pv_lua_call_runner(lua_State *L, int nargs, int nresults)
{
    PvLuaMark mark;
    int status;

    lua_sethook(L, NULL, 0, 0);
    mark = pv_lua_user_begin(L);
    status = lua_pcall(L, nargs, nresults, 0);
    pv_lua_user_end(L, mark);
    pv_lua_reset_hook(L);
    if (status != LUA_OK) {
        lua_pop(L, 1);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_lua_test_count:
 * Returns: how many tests the file declared
 */
guint
pv_lua_test_count(lua_State *L)
{
    lua_Integer n;

    pv_lua_push_runner_fn(L, "count");
    if (!pv_lua_call_runner(L, 0, 1))
        return 0;
    n = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return n;
}

/**
 * pv_lua_test_info:
 * @index: 1-based
 * @skip: (out) (transfer full): the skip reason, NULL when it runs
 * @timeout_ns: (out): the test's own timeout, 0 for none
 * @tags: (out) (optional) (transfer full): its tags, NULL-terminated
 *
 * Returns: (transfer full): the test's name
 */
char *
pv_lua_test_info(lua_State *L, guint index, char **skip, gint64 *timeout_ns, char ***tags)
{
    char *name;

    pv_lua_push_runner_fn(L, "info");
    lua_pushinteger(L, index);
    if (!pv_lua_call_runner(L, 1, 4)) {
        *skip = NULL;
        *timeout_ns = 0;
        if (tags)
            *tags = g_new0(char *, 1);
        return g_strdup_printf("#%u", index);
    }
    name = g_strdup(lua_tostring(L, -4));
    *skip = pv_lua_dup_message(L, -3);
    *timeout_ns = lua_tointeger(L, -2);
    if (tags) {
        /* The prelude made it: a list of strings. */
        lua_Unsigned n = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
        lua_Unsigned i;

        *tags = g_new0(char *, n + 1);
        for (i = 0; i < n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            (*tags)[i] = g_strdup(lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 4);
    return name;
}

static PvTestStatus
pv_lua_status_from_string(const char *status)
{
    if (g_strcmp0(status, "passed") == 0)
        return PV_TEST_PASSED;
    if (g_strcmp0(status, "skipped") == 0)
        return PV_TEST_SKIPPED;
    return PV_TEST_FAILED;
}

/**
 * pv_lua_run_test:
 * @cause: (out) (transfer full) (nullable): for a skip the host imposed, its
 *   code ("perf_mode_unavailable")
 * @message: (out) (transfer full) (nullable): why it failed or was skipped
 *
 * Runs test @index.  Whatever the test does, this returns.
 */
PvTestStatus
pv_lua_run_test(lua_State *L, guint index, char **cause, char **message)
{
    PvTestStatus status;

    *cause = NULL;
    pv_lua_reset_hook(L);
    pv_lua_push_runner_fn(L, "run");
    lua_pushinteger(L, index);
    if (pv_lua_docall(L, 1, 3) != LUA_OK) {
        /* Only an interrupt raised outside the test's own xpcall gets here. */
        *message = pv_lua_dup_message(L, -1);
        lua_pop(L, 1);
        pv_lua_reset_hook(L);
        return PV_TEST_FAILED;
    }
    status = pv_lua_status_from_string(lua_tostring(L, -3));
    *message = pv_lua_dup_message(L, -2);
    *cause = g_strdup(lua_tostring(L, -1));
    lua_pop(L, 3);
    pv_lua_reset_hook(L);
    return status;
}
