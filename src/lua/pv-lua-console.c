/*
 * pv-lua-console.c: a VM's serial console (provium.Console)
 *
 *   local c = vm:console()
 *   c:expect("login:", "30s") -> matched text
 *   c:text() -> everything so far
 *   c:allow("oops") -> c: the running test expects an Oops on this console
 *   c:send("root\r") -> c: types into the console
 *
 * expect() searches with a Lua pattern from where the previous match of this
 * console object ended, so successive expects follow the output in order.
 * It reads the log incrementally (PvConsoleReader) and searches the latest
 * PV_CONSOLE_WINDOW of text: half of it is kept between reads, so a match
 * up to half a window long is always found.
 */
#include "config.h"

#include "pv-console.h"
#include "pv-lua.h"
#include "pv-units.h"
#include "pv-vm.h"

#define PV_LUA_CONSOLE_TIMEOUT_NS (30 * PV_NSEC_PER_SEC)
#define PV_LUA_CONSOLE_POLL_US (50 * 1000)

typedef struct {
    PvVm *vm;
    PvConsoleReader *reader;  /* of the log last read; NULL before */
    guint64 position;         /* where the next search starts, in that log's text */
} PvLuaConsole;

static PvLuaConsole *
pv_lua_check_console(lua_State *L, int arg)
{
    return luaL_checkudata(L, arg, PV_LUA_CONSOLE);
}

void
pv_lua_console_push(lua_State *L, PvVm *vm)
{
    PvLuaConsole *ud = lua_newuserdatauv(L, sizeof(PvLuaConsole), 0);

    ud->vm = vm;
    ud->reader = NULL;
    ud->position = 0;
    luaL_setmetatable(L, PV_LUA_CONSOLE);
}

static int
pv_lua_console_gc(lua_State *L)
{
    PvLuaConsole *console = pv_lua_check_console(L, 1);

    g_clear_pointer(&console->reader, pv_console_reader_free);
    return 0;
}

/*
 * The reader of the VM's current log: a new boot writes a new log, and the
 * search starts again at its beginning.
 */
static PvConsoleReader *
pv_lua_console_reader(PvLuaConsole *console)
{
    const char *path = pv_vm_peek_console_log(console->vm);

    if (console->reader && g_strcmp0(pv_console_reader_peek_path(console->reader), path) != 0)
        g_clear_pointer(&console->reader, pv_console_reader_free);
    if (!console->reader && path) {
        console->reader = pv_console_reader_new(path);
        console->position = 0;
    }
    return console->reader;
}

/*
 * Searches the window for the pattern at stack index 2, from the console's
 * position.  On a match pushes the first capture (or the match) and
 * returns TRUE.
 */
static gboolean
pv_lua_console_find(lua_State *L, PvLuaConsole *console)
{
    gsize len;
    guint64 start;
    const char *text = pv_console_reader_peek_window(console->reader, &len, &start);
    guint64 from = console->position > start ? console->position - start : 0;
    int top = lua_gettop(L);
    PvLuaMark mark;

    lua_getglobal(L, "string");
    lua_getfield(L, -1, "find");
    lua_pushlstring(L, text, len);
    lua_pushvalue(L, 2);
    lua_pushinteger(L, (lua_Integer)MIN(from, len) + 1);
    /* The file's pattern may take long: the file's code, for the watchdog. */
    mark = pv_lua_user_begin(L);
    lua_call(L, 3, LUA_MULTRET);        /* top + 2: start, top + 3: end, then captures */
    pv_lua_user_end(L, mark);
    if (lua_isnil(L, top + 2)) {
        lua_settop(L, top);
        return FALSE;
    }
    {
        lua_Integer first = lua_tointeger(L, top + 2);
        lua_Integer last = lua_tointeger(L, top + 3);

        console->position = start + last;
        if (lua_gettop(L) >= top + 4)
            lua_pushvalue(L, top + 4);
        else
            lua_pushlstring(L, text + first - 1, last - first + 1);
    }
    return TRUE;
}

static void
pv_lua_console_push_text(lua_State *L, PvVm *vm)
{
    char *text = pv_vm_console_text(vm);

    lua_pushstring(L, text ? text : "");
    g_free(text);
}

static int
pv_lua_console_text(lua_State *L)
{
    PvLuaConsole *console = pv_lua_check_console(L, 1);

    pv_lua_console_push_text(L, console->vm);
    return 1;
}

/* console:expect(pattern [, timeout]) -> the first capture, or the match */
static int
pv_lua_console_expect(lua_State *L)
{
    PvLuaConsole *console = pv_lua_check_console(L, 1);
    const char *pattern = luaL_checkstring(L, 2);
    gint64 timeout_ns = lua_isnoneornil(L, 3) ?
        PV_LUA_CONSOLE_TIMEOUT_NS : pv_lua_check_duration(L, 3, "timeout");
    PvFile *file = pv_lua_get_file(L);
    gint64 deadline = g_get_monotonic_time() + timeout_ns / 1000;
    GError *error = NULL;
    gboolean first = TRUE;

    pv_vm_touch(console->vm);
    lua_settop(L, 3);
    for (;;) {
        PvConsoleReader *reader = pv_lua_console_reader(console);
        /* Half a window at a time: each byte is searched about twice. */
        gsize got = reader ? pv_console_reader_read(reader, PV_CONSOLE_WINDOW / 2) : 0;

        if (reader && (got > 0 || first)) {
            if (pv_lua_console_find(L, console))
                return 1;
            pv_console_reader_trim(reader, PV_CONSOLE_WINDOW / 2);
        }
        first = FALSE;
        if (got == PV_CONSOLE_WINDOW / 2) {
            /* More is waiting: read on, but stop when told to. */
            if (!pv_file_check(file, &error))
                pv_lua_raise_error(L, error);
            continue;
        }

        if (g_get_monotonic_time() >= deadline) {
            char *timeout = pv_duration_format(timeout_ns);
            char *tail = pv_vm_console_tail(console->vm, 5);

            luaL_where(L, 1);
            lua_pushfstring(L, "console of vm '%s': %s not seen within %s; last lines:\n%s",
                            pv_vm_peek_name(console->vm), pattern, timeout, tail ? tail : "");
            g_free(timeout);
            g_free(tail);
            lua_concat(L, 2);
            return lua_error(L);
        }
        if (pv_wake_wait(pv_file_peek_wake(file), MIN(g_get_monotonic_time() + PV_LUA_CONSOLE_POLL_US,
                                          MIN(deadline, pv_file_deadline(file))),
                         NULL, NULL, &error) == PV_WAIT_INTERRUPTED ||
            !pv_file_check(file, &error))
            pv_lua_raise_error(L, error);
    }
}

/* console:send(text) -> console: types @text into the console, as it is */
static int
pv_lua_console_send(lua_State *L)
{
    PvLuaConsole *console = pv_lua_check_console(L, 1);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    GError *error = NULL;

    lua_settop(L, 2);
    if (!pv_vm_console_send(console->vm, text, len, &error))
        pv_lua_raise_error(L, error);
    lua_settop(L, 1);
    return 1;
}

/*
 * console:allow(check, ...): the running test expects these on the console
 * ("panic", "oops", "bug", "oom", "segfault", "call_trace", "all"): they do
 * not fail it.  Until the test ends.
 */
static int
pv_lua_console_allow(lua_State *L)
{
    PvLuaConsole *console = pv_lua_check_console(L, 1);
    PvFile *file = pv_lua_get_file(L);
    guint mask = 0;
    int n = lua_gettop(L);
    int i;

    if (n < 2)
        return luaL_error(L, "console:allow(): name the checks the test expects, e.g. "
                          "console:allow(\"oops\")");
    for (i = 2; i <= n; i++)
        mask |= pv_lua_check_console_checks(L, i, "console:allow()");
    if (!pv_file_peek_current_test(file))
        return luaL_error(L, "console:allow() is for inside a test: at the top level, turn "
                          "checks off with provium:vm()'s console_ignore");
    pv_file_allow_console(file, console->vm, mask);
    lua_settop(L, 1);
    return 1;
}

static int
pv_lua_console_tostring(lua_State *L)
{
    PvLuaConsole *console = pv_lua_check_console(L, 1);

    lua_pushfstring(L, "provium.Console (vm '%s')", pv_vm_peek_name(console->vm));
    return 1;
}

static const luaL_Reg pv_lua_console_methods[] = {
    { "allow", pv_lua_console_allow },
    { "expect", pv_lua_console_expect },
    { "send", pv_lua_console_send },
    { "text", pv_lua_console_text },
    { NULL, NULL },
};

static const luaL_Reg pv_lua_console_meta[] = {
    { "__gc", pv_lua_console_gc },
    { "__tostring", pv_lua_console_tostring },
    { "__index", NULL },
    { NULL, NULL },
};

void
pv_lua_console_register(lua_State *L)
{
    pv_lua_register_class(L, PV_LUA_CONSOLE, pv_lua_console_meta, pv_lua_console_methods);
}
