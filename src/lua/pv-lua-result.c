/*
 * pv-lua-result.c: a command's result (provium.RunResult)
 *
 *   r.exit_code, r.stdout, r.stderr, r.timed_out, r.signal, r.truncated
 *   r:ok(), r:assert_ok([msg])
 *
 * A plain table with a metatable, so fields read and print like any table.
 */
#include "config.h"

#include "pv-lua.h"

/* Lines of stderr an assert_ok() message carries. */
#define PV_LUA_RESULT_STDERR_LINES 20

static gboolean
pv_lua_result_is_ok(lua_State *L, int arg)
{
    gboolean ok;

    luaL_checktype(L, arg, LUA_TTABLE);
    lua_getfield(L, arg, "exit_code");
    lua_getfield(L, arg, "timed_out");
    ok = lua_isinteger(L, -2) && lua_tointeger(L, -2) == 0 && !lua_toboolean(L, -1);
    lua_pop(L, 2);
    return ok;
}

static int
pv_lua_result_ok(lua_State *L)
{
    lua_pushboolean(L, pv_lua_result_is_ok(L, 1));
    return 1;
}

/* The last lines of @text, indented, for a message. */
static void
pv_lua_push_tail(lua_State *L, const char *text, size_t len)
{
    size_t start = len;
    int lines = 0;

    while (start > 0 && (text[start - 1] == '\n' || text[start - 1] == ' '))
        len = --start;
    while (start > 0 && lines < PV_LUA_RESULT_STDERR_LINES) {
        start--;
        if (text[start] == '\n')
            lines++;
    }
    if (start > 0 || text[start] == '\n')
        start++;
    lua_pushlstring(L, text + start, len - start);
}

/* r:assert_ok([msg]) -> r: raises with the command, status and stderr */
static int
pv_lua_result_assert_ok(lua_State *L)
{
    const char *msg = luaL_optstring(L, 2, NULL);
    const char *command;
    const char *err;
    size_t err_len = 0;

    if (pv_lua_result_is_ok(L, 1)) {
        lua_settop(L, 1);
        return 1;
    }
    lua_getfield(L, 1, "command");
    command = lua_tostring(L, -1);
    lua_getfield(L, 1, "stderr");
    err = lua_tolstring(L, -1, &err_len);
    luaL_where(L, 1);
    if (msg)
        lua_pushfstring(L, "%s: ", msg);
    else
        lua_pushliteral(L, "");
    lua_getfield(L, 1, "timed_out");
    if (lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        lua_pushfstring(L, "command '%s' timed out", command ? command : "?");
    } else {
        lua_pop(L, 1);
        lua_getfield(L, 1, "signal");
        if (!lua_isnil(L, -1)) {
            lua_pushfstring(L, "command '%s' was killed by signal %d", command ? command : "?",
                            (int)lua_tointeger(L, -1));
            lua_remove(L, -2);
        } else {
            lua_pop(L, 1);
            lua_getfield(L, 1, "exit_code");
            lua_pushfstring(L, "command '%s' failed with exit code %d", command ? command : "?",
                            (int)lua_tointeger(L, -1));
            lua_remove(L, -2);
        }
    }
    if (err && err_len > 0) {
        lua_pushliteral(L, "; stderr:\n");
        pv_lua_push_tail(L, err, err_len);
        lua_concat(L, 5);
    } else {
        lua_concat(L, 3);
    }
    return lua_error(L);
}

static int
pv_lua_result_tostring(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "command");
    lua_getfield(L, 1, "exit_code");
    lua_getfield(L, 1, "timed_out");
    if (lua_toboolean(L, -1))
        lua_pushfstring(L, "provium.RunResult('%s': timed out)", lua_tostring(L, -3));
    else
        lua_pushfstring(L, "provium.RunResult('%s': exit code %s)", lua_tostring(L, -3),
                        luaL_tolstring(L, -2, NULL));
    return 1;
}

static const luaL_Reg pv_lua_result_methods[] = {
    { "ok", pv_lua_result_ok },
    { "assert_ok", pv_lua_result_assert_ok },
    { NULL, NULL },
};

static const luaL_Reg pv_lua_result_meta[] = {
    { "__tostring", pv_lua_result_tostring },
    { "__index", NULL },
    { NULL, NULL },
};

void
pv_lua_result_register(lua_State *L)
{
    pv_lua_register_class(L, PV_LUA_RESULT, pv_lua_result_meta, pv_lua_result_methods);
}

static void
pv_lua_set_bytes(lua_State *L, const char *field, GBytes *bytes)
{
    gsize len = 0;
    const char *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;

    lua_pushlstring(L, data ? data : "", len);
    lua_setfield(L, -2, field);
}

/**
 * pv_lua_result_push:
 * @command: as the user wrote it, for messages
 *
 * Pushes a provium.RunResult table.  exit_code is nil when the command timed
 * out or was killed by a signal.
 */
void
pv_lua_result_push(lua_State *L, const char *command, const PvAgentExecResult *result)
{
    lua_createtable(L, 0, 8);
    lua_pushstring(L, command);
    lua_setfield(L, -2, "command");
    if (!result->timed_out && !result->signaled) {
        lua_pushinteger(L, result->exit_code);
        lua_setfield(L, -2, "exit_code");
    }
    if (result->signaled) {
        lua_pushinteger(L, result->signal);
        lua_setfield(L, -2, "signal");
    }
    lua_pushboolean(L, result->timed_out);
    lua_setfield(L, -2, "timed_out");
    lua_pushboolean(L, result->truncated);
    lua_setfield(L, -2, "truncated");
    pv_lua_set_bytes(L, "stdout", result->out);
    pv_lua_set_bytes(L, "stderr", result->err);
    luaL_setmetatable(L, PV_LUA_RESULT);
}
