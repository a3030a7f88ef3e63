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

/* The last lines of @text, without trailing blanks, for a message. */
static void
pv_lua_push_tail(lua_State *L, const char *text, size_t len)
{
    size_t start;
    int lines = 0;

    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    /* Back to just after the newline that ends the line before the last N. */
    for (start = len; start > 0; start--) {
        if (text[start - 1] == '\n' && ++lines == PV_LUA_RESULT_STDERR_LINES)
            break;
    }
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
    if (msg) {
        /* Concatenated, not formatted: a NUL in it is not its end. */
        lua_pushvalue(L, 2);
        lua_pushliteral(L, ": ");
        lua_concat(L, 2);
    } else
        lua_pushliteral(L, "");
    lua_getfield(L, 1, "timed_out");
    if (lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        lua_pushfstring(L, "command '%s' timed out", command ? command : "?");
    } else {
        lua_pop(L, 1);
        lua_getfield(L, 1, "signal");
        if (!lua_isnil(L, -1)) {
            lua_pushfstring(L, "command '%s' was killed by signal %I", command ? command : "?",
                            lua_tointeger(L, -1));
            lua_remove(L, -2);
        } else {
            lua_pop(L, 1);
            lua_getfield(L, 1, "exit_code");
            lua_pushfstring(L, "command '%s' failed with exit code %I", command ? command : "?",
                            lua_tointeger(L, -1));
            lua_remove(L, -2);
        }
    }
    pv_lua_push_tail(L, err ? err : "", err_len);
    if (luaL_len(L, -1) > 0) {
        lua_pushliteral(L, "; stderr:\n");
        lua_insert(L, -2);
        lua_concat(L, 5);
    } else {
        lua_pop(L, 1);
        lua_concat(L, 3);
    }
    return lua_error(L);
}

static int
pv_lua_result_tostring(lua_State *L)
{
    const char *command;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_getfield(L, 1, "command");      /* 2 */
    lua_getfield(L, 1, "exit_code");    /* 3 */
    lua_getfield(L, 1, "timed_out");    /* 4 */
    lua_getfield(L, 1, "signal");       /* 5 */
    command = lua_isstring(L, 2) ? lua_tostring(L, 2) : "?";
    if (lua_toboolean(L, 4))
        lua_pushfstring(L, "provium.RunResult('%s': timed out)", command);
    else if (lua_isinteger(L, 5))
        lua_pushfstring(L, "provium.RunResult('%s': killed by signal %I)", command,
                        lua_tointeger(L, 5));
    else
        lua_pushfstring(L, "provium.RunResult('%s': exit code %s)", command,
                        luaL_tolstring(L, 3, NULL));
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
