/*
 * pv-lua-provium.c: the `provium` object a test file starts from
 *
 *   local vm = provium:vm("web", "tiny", {memory = "512M", cpus = 1})
 *   provium:claim({memory = "4G", cpus = 4})
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-lua.h"
#include "pv-vm.h"

/*
 * provium:vm(name [, profile] [, {memory =, cpus =,
 *            performance_mode =, llcs =, cores =, threads =}])
 */
static int
pv_lua_provium_vm(lua_State *L)
{
    static const char *const known[] = {
        "memory", "cpus", "performance_mode", "llcs", "cores", "threads", NULL,
    };
    PvFile *file = pv_lua_get_file(L);
    const char *name = luaL_checkstring(L, 2);
    const char *profile_name = NULL;
    int opts = 0;
    guint64 memory = 0;
    lua_Integer cpus = 0;
    int performance_mode = -1;
    guint llcs = 0, cores = 0, threads = 0;
    GError *error = NULL;
    PvProfile *profile;
    PvVm *vm;

    if (!*name)
        return luaL_error(L, "provium:vm(): the VM needs a name");
    if (lua_type(L, 3) == LUA_TSTRING) {
        profile_name = lua_tostring(L, 3);
        if (!lua_isnoneornil(L, 4))
            opts = 4;
    } else if (lua_istable(L, 3)) {
        opts = 3;
    } else if (!lua_isnoneornil(L, 3)) {
        return luaL_argerror(L, 3, "expected a profile name or an options table");
    }
    if (opts) {
        luaL_checktype(L, opts, LUA_TTABLE);
        pv_lua_check_options(L, opts, "provium:vm()", known);
        if (lua_getfield(L, opts, "memory") != LUA_TNIL)
            memory = pv_lua_check_size(L, -1, "memory");
        lua_pop(L, 1);
        if (lua_getfield(L, opts, "cpus") != LUA_TNIL) {
            cpus = luaL_checkinteger(L, -1);
            if (cpus < 1 || cpus > 4096)
                return luaL_error(L, "cpus: %d is not a number of vCPUs between 1 and 4096",
                                  (int)cpus);
        }
        if (lua_getfield(L, opts, "performance_mode") != LUA_TNIL)
            performance_mode = lua_toboolean(L, -1);
        if (lua_getfield(L, opts, "llcs") != LUA_TNIL)
            llcs = pv_lua_check_count(L, -1, "llcs");
        if (lua_getfield(L, opts, "cores") != LUA_TNIL)
            cores = pv_lua_check_count(L, -1, "cores");
        if (lua_getfield(L, opts, "threads") != LUA_TNIL)
            threads = pv_lua_check_count(L, -1, "threads");
        lua_settop(L, opts);
    }

    profile = pv_config_get_profile(file->config, profile_name, &error);
    if (!profile)
        pv_lua_raise_error(L, error);
    if (memory)
        profile->memory = memory;
    if (cpus)
        profile->cpus = cpus;
    if (performance_mode >= 0)
        profile->performance_mode = performance_mode;
    if (llcs)
        profile->llcs = llcs;
    if (cores)
        profile->cores = cores;
    if (threads)
        profile->threads = threads;
    vm = pv_vm_new(file, name, profile);
    pv_file_add_vm(file, vm);
    pv_lua_vm_push(L, vm);
    return 1;
}

/* provium:claim({memory = "4G", cpus = 4, llcs = 2}) */
static int
pv_lua_provium_claim(lua_State *L)
{
    static const char *const known[] = { "memory", "cpus", "llcs", NULL };
    PvFile *file = pv_lua_get_file(L);
    guint64 memory = 0;
    lua_Integer cpus = 0;
    lua_Integer llcs = 0;

    luaL_checktype(L, 2, LUA_TTABLE);
    pv_lua_check_options(L, 2, "provium:claim()", known);
    if (file->current_test)
        return luaL_error(L, "provium:claim() belongs at the file's top level, not in a test");
    if (file->has_claim && file->discovering)
        return luaL_error(L, "claim already taken");
    if (lua_getfield(L, 2, "memory") != LUA_TNIL)
        memory = pv_lua_check_size(L, -1, "memory");
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "cpus") != LUA_TNIL) {
        cpus = luaL_checkinteger(L, -1);
        if (cpus < 0 || cpus > 4096)
            return luaL_error(L, "cpus: %d is not a number of vCPUs between 0 and 4096",
                              (int)cpus);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "llcs") != LUA_TNIL) {
        llcs = luaL_checkinteger(L, -1);
        if (llcs < 0 || llcs > 4096)
            return luaL_error(L, "llcs: %d is not a number of LLC groups between 0 and 4096",
                              (int)llcs);
    }
    lua_pop(L, 1);

    if (!file->discovering) {
        /* The claim was taken at dispatch from what discovery saw. */
        if (file->claim_seen)
            return luaL_error(L, "claim already taken");
        file->claim_seen = TRUE;
        if (!file->has_claim || file->claim_memory != memory || file->claim_cpus != cpus ||
            file->claim_llcs != llcs)
            return luaL_error(L, "provium:claim() asked for something else when the file "
                              "was discovered; the top level must do the same every time");
        return 0;
    }
    file->has_claim = TRUE;
    file->claim_memory = memory;
    file->claim_cpus = cpus;
    file->claim_llcs = llcs;
    return 0;
}

/* provium:sleep(duration): interruptible, unlike os.execute("sleep") */
static int
pv_lua_provium_sleep(lua_State *L)
{
    gint64 ns = pv_lua_check_duration(L, 2, "provium:sleep()");

    lua_settop(L, 0);
    lua_pushinteger(L, ns);
    return pv_lua_sleep(L);
}

static int
pv_lua_provium_tostring(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);

    lua_pushfstring(L, "provium (%s, run %s)", file->path, file->run->id);
    return 1;
}

static const luaL_Reg pv_lua_provium_methods[] = {
    { "vm", pv_lua_provium_vm },
    { "claim", pv_lua_provium_claim },
    { "sleep", pv_lua_provium_sleep },
    { NULL, NULL },
};

static const luaL_Reg pv_lua_provium_meta[] = {
    { "__tostring", pv_lua_provium_tostring },
    { "__index", NULL },
    { NULL, NULL },
};

/**
 * pv_lua_provium_register:
 *
 * Sets the global `provium`.
 */
void
pv_lua_provium_register(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);

    pv_lua_register_class(L, PV_LUA_PROVIUM, pv_lua_provium_meta, pv_lua_provium_methods);
    lua_newtable(L);
    luaL_setmetatable(L, PV_LUA_PROVIUM);
    lua_pushstring(L, file->run->id);
    lua_setfield(L, -2, "run_id");
    lua_pushstring(L, file->run->prefix);
    lua_setfield(L, -2, "prefix");
    lua_pushstring(L, file->path);
    lua_setfield(L, -2, "file");
    lua_setglobal(L, "provium");
}
