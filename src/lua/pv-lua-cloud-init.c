/*
 * pv-lua-cloud-init.c: provium:vm()'s cloud_init option
 *
 *   provium:vm("web", {cloud_init = true})
 *   provium:vm("web", {cloud_init = {user_data = "#cloud-config\n...",
 *                                    meta_data = {["local-hostname"] = "www"},
 *                                    network_config = "version: 2\n..."}})
 *
 * Checked before anything is held (a mistake raises at the caller's line);
 * meta_data, a table, becomes a JSON object, the text the seed's meta-data
 * is merged from (net/pv-seed.c).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pv-lua.h"

/* How deep meta_data's tables may nest. */
#define PV_LUA_CLOUD_INIT_DEPTH 16

/*
 * Whether the table at @idx is a list: keys 1..n and nothing else (an
 * empty table is an object).
 */
static gboolean
pv_lua_cloud_init_is_list(lua_State *L, int idx)
{
    lua_Unsigned n = lua_rawlen(L, idx);
    lua_Unsigned keys = 0;

    if (n == 0)
        return FALSE;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
            (lua_Unsigned)lua_tointeger(L, -1) > n) {
            lua_pop(L, 1);
            return FALSE;
        }
        keys++;
    }
    return keys == n;
}

/* Raises unless the value at @idx can be meta-data (pass one: may raise). */
static void
pv_lua_cloud_init_check_value(lua_State *L, int idx, guint depth)
{
    size_t len = 0;
    const char *text;

    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        text = lua_tolstring(L, idx, &len);
        if (strlen(text) != len || !g_utf8_validate(text, len, NULL))
            luaL_error(L, "provium:vm(): cloud_init: meta_data: the string \"%s\" is not "
                       "valid UTF-8 text", text);
        return;
    case LUA_TNUMBER:
        if (!lua_isinteger(L, idx) && !isfinite(lua_tonumber(L, idx)))
            luaL_error(L, "provium:vm(): cloud_init: meta_data: %f is not a number JSON "
                       "can hold", lua_tonumber(L, idx));
        return;
    case LUA_TBOOLEAN:
        return;
    case LUA_TTABLE:
        break;
    default:
        luaL_error(L, "provium:vm(): cloud_init: meta_data: a %s cannot be meta-data "
                   "(give strings, numbers, booleans and tables of them)",
                   luaL_typename(L, idx));
        return;
    }
    if (depth >= PV_LUA_CLOUD_INIT_DEPTH)
        luaL_error(L, "provium:vm(): cloud_init: meta_data: tables nest more than %d deep",
                   PV_LUA_CLOUD_INIT_DEPTH);
    luaL_checkstack(L, 4, NULL);
    idx = lua_absindex(L, idx);
    if (pv_lua_cloud_init_is_list(L, idx)) {
        lua_Unsigned i;

        for (i = 1; i <= lua_rawlen(L, idx); i++) {
            lua_rawgeti(L, idx, i);
            pv_lua_cloud_init_check_value(L, -1, depth + 1);
            lua_pop(L, 1);
        }
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "provium:vm(): cloud_init: meta_data: a table's keys must be "
                       "strings (or 1..n for a list), not a %s", luaL_typename(L, -2));
        text = lua_tolstring(L, -2, &len);
        if (strlen(text) != len || !g_utf8_validate(text, len, NULL))
            luaL_error(L, "provium:vm(): cloud_init: meta_data: the key \"%s\" is not valid "
                       "UTF-8 text", text);
        pv_lua_cloud_init_check_value(L, -1, depth + 1);
        lua_pop(L, 1);
    }
}

static void
pv_lua_cloud_init_append_string(GString *out, const char *text)
{
    const char *c;

    g_string_append_c(out, '"');
    for (c = text; *c; c++) {
        if (*c == '"' || *c == '\\')
            g_string_append_printf(out, "\\%c", *c);
        else if ((guchar)*c < 0x20)
            g_string_append_printf(out, "\\u%04x", (guchar)*c);
        else
            g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
}

/* The value at @idx as JSON (pass two: checked, raises nothing). */
static void
pv_lua_cloud_init_append_value(lua_State *L, int idx, GString *out)
{
    gboolean first = TRUE;

    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        pv_lua_cloud_init_append_string(out, lua_tostring(L, idx));
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            g_string_append_printf(out, "%lld", (long long)lua_tointeger(L, idx));
        } else {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            g_string_append(out, g_ascii_dtostr(buf, sizeof(buf), lua_tonumber(L, idx)));
        }
        return;
    case LUA_TBOOLEAN:
        g_string_append(out, lua_toboolean(L, idx) ? "true" : "false");
        return;
    default:
        break;
    }
    idx = lua_absindex(L, idx);
    if (pv_lua_cloud_init_is_list(L, idx)) {
        lua_Unsigned i;

        g_string_append_c(out, '[');
        for (i = 1; i <= lua_rawlen(L, idx); i++) {
            if (i > 1)
                g_string_append(out, ", ");
            lua_rawgeti(L, idx, i);
            pv_lua_cloud_init_append_value(L, -1, out);
            lua_pop(L, 1);
        }
        g_string_append_c(out, ']');
        return;
    }
    g_string_append_c(out, '{');
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (!first)
            g_string_append(out, ", ");
        first = FALSE;
        pv_lua_cloud_init_append_string(out, lua_tostring(L, -2));
        g_string_append(out, ": ");
        pv_lua_cloud_init_append_value(L, -1, out);
        lua_pop(L, 1);
    }
    g_string_append_c(out, '}');
}

/* A string field @key of the cloud_init table at @idx, left on the stack. */
static const char *
pv_lua_cloud_init_string(lua_State *L, int idx, const char *key)
{
    int type = lua_getfield(L, idx, key);

    if (type == LUA_TNIL)
        return NULL;
    if (type != LUA_TSTRING)
        luaL_error(L, "provium:vm(): cloud_init: %s must be a string, not a %s", key,
                   luaL_typename(L, -1));
    return pv_lua_to_text(L, -1, key);
}

/**
 * pv_lua_check_cloud_init:
 * @opts: provium:vm()'s options table
 * @out: (out caller-allocates): its strings left on the stack
 *
 * provium:vm()'s cloud_init option: true, false, or a table of user_data
 * (a string), meta_data (a table) and network_config (a string).  Raises
 * at the caller's line on a mistake; holds nothing.
 */
void
pv_lua_check_cloud_init(lua_State *L, int opts, PvLuaCloudInit *out)
{
    static const char *const known[] = { "user_data", "meta_data", "network_config", NULL };
    int type;
    int table;
    GString *json;

    luaL_checkstack(L, 8, NULL);
    type = lua_getfield(L, opts, "cloud_init");
    table = lua_gettop(L);
    memset(out, 0, sizeof(*out));
    if (type == LUA_TNIL)
        return;
    out->given = TRUE;
    if (type == LUA_TBOOLEAN) {
        out->enabled = lua_toboolean(L, table);
        return;
    }
    if (type != LUA_TTABLE)
        luaL_error(L, "provium:vm(): cloud_init must be true, false or a table {user_data "
                   "= ..., meta_data = {...}, network_config = ...}, not a %s",
                   luaL_typename(L, table));
    out->enabled = TRUE;
    pv_lua_check_options(L, table, "provium:vm(): cloud_init", known);
    out->user_data = pv_lua_cloud_init_string(L, table, "user_data");
    out->network_config = pv_lua_cloud_init_string(L, table, "network_config");
    type = lua_getfield(L, table, "meta_data");
    if (type == LUA_TNIL)
        return;
    if (type != LUA_TTABLE || pv_lua_cloud_init_is_list(L, lua_gettop(L)))
        luaL_error(L, "provium:vm(): cloud_init: meta_data must be a table of keys "
                   "({[\"local-hostname\"] = \"www\"}), not a %s",
                   type == LUA_TTABLE ? "list" : luaL_typename(L, -1));
    pv_lua_cloud_init_check_value(L, -1, 0);
    json = g_string_new(NULL);
    pv_lua_cloud_init_append_value(L, -1, json);
    lua_pushlstring(L, json->str, json->len);
    g_string_free(json, TRUE);
    out->meta_data = lua_tostring(L, -1);
}
