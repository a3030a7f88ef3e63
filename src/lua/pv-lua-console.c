/*
 * pv-lua-console.c: a VM's serial console (provium.Console)
 *
 *   local c = vm:console()
 *   c:expect("login:", "30s") -> matched text
 *   c:text() -> everything so far
 *
 * expect() searches with a Lua pattern from where the previous match of this
 * console object ended, so successive expects follow the output in order.
 */
#include "config.h"

#include "pv-lua.h"
#include "pv-units.h"
#include "pv-vm.h"

#define PV_LUA_CONSOLE_TIMEOUT_NS (30 * PV_NSEC_PER_SEC)
#define PV_LUA_CONSOLE_POLL_US (50 * 1000)

typedef struct {
    PvVm *vm;
    lua_Integer position;  /* 1-based index where the next search starts */
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
    ud->position = 1;
    luaL_setmetatable(L, PV_LUA_CONSOLE);
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

    console->vm->touched = TRUE;
    for (;;) {
        lua_settop(L, 3);
        pv_lua_console_push_text(L, console->vm);   /* 4: the text so far */
        lua_getglobal(L, "string");                  /* 5 */
        lua_getfield(L, 5, "find");                  /* 6 */
        lua_pushvalue(L, 4);
        lua_pushvalue(L, 2);
        lua_pushinteger(L, console->position);
        lua_call(L, 3, LUA_MULTRET);                 /* 6: start, 7: end, 8...: captures */
        if (!lua_isnil(L, 6)) {
            lua_Integer start = lua_tointeger(L, 6);
            lua_Integer end = lua_tointeger(L, 7);

            console->position = end + 1;
            if (lua_gettop(L) >= 8)
                lua_pushvalue(L, 8);
            else
                lua_pushlstring(L, lua_tostring(L, 4) + start - 1, end - start + 1);
            return 1;
        }

        if (g_get_monotonic_time() >= deadline) {
            char *timeout = pv_duration_format(timeout_ns);
            char *tail = pv_vm_console_tail(console->vm, 5);

            luaL_where(L, 1);
            lua_pushfstring(L, "console of vm '%s': %s not seen within %s; last lines:\n%s",
                            console->vm->name, pattern, timeout, tail ? tail : "");
            g_free(timeout);
            g_free(tail);
            lua_concat(L, 2);
            return lua_error(L);
        }
        if (pv_wake_wait(&file->wake, MIN(g_get_monotonic_time() + PV_LUA_CONSOLE_POLL_US,
                                          MIN(deadline, pv_file_deadline(file))),
                         NULL, NULL, &error) == PV_WAIT_INTERRUPTED ||
            !pv_file_check(file, &error))
            pv_lua_raise_error(L, error);
    }
}

static int
pv_lua_console_tostring(lua_State *L)
{
    PvLuaConsole *console = pv_lua_check_console(L, 1);

    lua_pushfstring(L, "provium.Console (vm '%s')", console->vm->name);
    return 1;
}

static const luaL_Reg pv_lua_console_methods[] = {
    { "expect", pv_lua_console_expect },
    { "text", pv_lua_console_text },
    { NULL, NULL },
};

static const luaL_Reg pv_lua_console_meta[] = {
    { "__tostring", pv_lua_console_tostring },
    { "__index", NULL },
    { NULL, NULL },
};

void
pv_lua_console_register(lua_State *L)
{
    pv_lua_register_class(L, PV_LUA_CONSOLE, pv_lua_console_meta, pv_lua_console_methods);
}
