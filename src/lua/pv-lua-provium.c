/*
 * pv-lua-provium.c: the `provium` object a test file starts from
 *
 *   local vm = provium:vm("web", "tiny", {memory = "512M", cpus = 1})
 *   provium:claim({memory = "4G", cpus = 4})
 *   provium.boot({east, west})
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-lua.h"
#include "pv-vm.h"

/* NICs one VM may have: more is surely a mistake in the file. */
#define PV_LUA_MAX_NICS 16

/* A NIC's network at @arg: "lan", or the table provium:network() returned. */
static const char *
pv_lua_provium_check_net(lua_State *L, int arg, guint index)
{
    if (lua_type(L, arg) != LUA_TSTRING)
        luaL_error(L, "nics[%d]: give a network's name, or {net = \"lan\", ip = \"...\"}",
                   (int)index + 1);
    return pv_lua_to_text(L, arg, "nics[]: net");
}

/*
 * nics = {"lan", {net = "wan", ip = "10.9.0.5"}}: into @nics, borrowing
 * strings the function leaves on the stack.
 * Returns: how many
 */
static guint
pv_lua_provium_check_nics(lua_State *L, int arg, PvVmNicSpec *nics)
{
    static const char *const known[] = { "net", "ip", NULL };
    lua_Integer n;
    lua_Integer i;
    int list;

    if (lua_getfield(L, arg, "nics") == LUA_TNIL)
        return 0;
    list = lua_gettop(L);
    luaL_checktype(L, list, LUA_TTABLE);
    n = luaL_len(L, list);
    if (n > PV_LUA_MAX_NICS)
        luaL_error(L, "nics: %d NICs; a VM may have %d at most", (int)n, PV_LUA_MAX_NICS);
    for (i = 1; i <= n; i++) {
        PvVmNicSpec *nic = &nics[i - 1];
        int item;

        luaL_checkstack(L, 6, NULL);
        lua_geti(L, list, i);
        item = lua_gettop(L);
        nic->ip = NULL;
        if (lua_type(L, item) != LUA_TTABLE) {
            nic->net = pv_lua_provium_check_net(L, item, i - 1);
        } else if (lua_getfield(L, item, "network") == LUA_TSTRING &&
                   lua_getfield(L, item, "name") == LUA_TSTRING) {
            /* A network provium:network() returned. */
            nic->net = pv_lua_to_text(L, -1, "nics[]: net");
        } else {
            pv_lua_check_options(L, item, "nics[]", known);
            lua_getfield(L, item, "net");
            if (lua_type(L, -1) == LUA_TTABLE)
                lua_getfield(L, -1, "name");
            nic->net = pv_lua_provium_check_net(L, lua_gettop(L), i - 1);
            if (lua_getfield(L, item, "ip") != LUA_TNIL) {
                if (lua_type(L, -1) != LUA_TSTRING)
                    luaL_error(L, "nics[%d]: ip must be a string such as \"192.168.100.10\"",
                               (int)i);
                nic->ip = pv_lua_to_text(L, -1, "nics[]: ip");
            }
        }
    }
    return n;
}

/*
 * provium:vm(name [, profile] [, {memory =, cpus =, performance_mode =, llcs =, ...,
 *                               nics = {"lan", {net = "wan", ip = "10.9.0.5"}}}])
 * provium:vm(name [, profile], {fixture = NAME}): restored from a fixture; the
 * fixture's profile unless one is given
 */
static int
pv_lua_provium_vm(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    const char *name = pv_lua_check_text(L, 2, "provium:vm(): the VM's name");
    const char *profile_name = NULL;
    PvVmNicSpec nics[PV_LUA_MAX_NICS];
    guint n_nics = 0;
    PvVmBootOptions options;
    GError *error = NULL;
    PvProfile *profile;
    PvVmFixture *fixture;
    char *fixture_profile = NULL;
    const char *cmdline = NULL;
    gint64 boot_timeout_ns = 0;
    PvLuaCloudInit cloud_init = { 0 };
    PvLuaVmDisks disks = { 0 };
    gboolean check_files = pv_run_get_host_count(pv_file_peek_run(file)) > 0;
    PvVm *vm;
    int opts = 0;

    if (!*name)
        return luaL_error(L, "provium:vm(): the VM needs a name");
    if (lua_type(L, 3) == LUA_TSTRING) {
        profile_name = pv_lua_to_text(L, 3, "provium:vm(): the profile");
        if (!lua_isnoneornil(L, 4))
            opts = 4;
    } else if (lua_istable(L, 3)) {
        opts = 3;
    } else if (!lua_isnoneornil(L, 3)) {
        return luaL_argerror(L, 3, "expected a profile name or an options table");
    }
    pv_vm_boot_options_init(&options);
    if (opts) {
        luaL_checktype(L, opts, LUA_TTABLE);
        pv_lua_check_vm_options(L, opts, "provium:vm()", FALSE, &options);
        n_nics = pv_lua_provium_check_nics(L, opts, nics);
        /* What a VM sets of its profile: on the stack until the profile is copied. */
        if (lua_getfield(L, opts, "cmdline") != LUA_TNIL)
            cmdline = pv_lua_check_text(L, -1, "provium:vm(): cmdline");
        if (lua_getfield(L, opts, "boot_timeout") != LUA_TNIL)
            boot_timeout_ns = pv_lua_check_duration(L, -1, "provium:vm(): boot_timeout");
        pv_lua_check_cloud_init(L, opts, &cloud_init);
        pv_lua_check_vm_disks(L, opts, check_files, &disks);
    }
    /* Raises before it holds anything; pushes the fixture's setup function. */
    fixture = pv_lua_fixture_vm(L, opts, &fixture_profile);
    /* provium list connects to nothing and boots nothing: no files to check. */
    profile = pv_config_lookup_profile(pv_file_peek_config(file),
                                       profile_name ? profile_name : fixture_profile,
                                       check_files, &error);
    g_free(fixture_profile);
    if (!profile) {
        pv_vm_fixture_free(fixture);
        pv_lua_raise_error(L, error);
    }
    /* The VM's own copy: its cmdline goes after the profile's. */
    if (cmdline && *cmdline) {
        char *joined = profile->cmdline && *profile->cmdline ?
            g_strconcat(profile->cmdline, " ", cmdline, NULL) : g_strdup(cmdline);

        g_free(profile->cmdline);
        profile->cmdline = joined;
    }
    if (boot_timeout_ns > 0)
        profile->boot_timeout_ns = boot_timeout_ns;
    if (cloud_init.given)
        pv_cloud_init_set_vm(&profile->cloud_init, cloud_init.enabled, cloud_init.user_data,
                             cloud_init.meta_data, cloud_init.network_config);
    if (!pv_lua_apply_vm_disks(L, &disks, fixture != NULL, profile, &error)) {
        pv_profile_free(profile);
        pv_vm_fixture_free(fixture);
        pv_lua_raise_error(L, error);
    }
    vm = pv_vm_new(file, name, profile, &options.vm);
    if (fixture)
        pv_lua_fixture_attach(L, vm, fixture);
    if (!pv_vm_add_nics(vm, nics, n_nics, &error))
        pv_lua_raise_error(L, error);
    pv_lua_vm_push(L, vm);
    return 1;
}

/* The string at field @key of the table at @arg, left on the stack; NULL when absent. */
static const char *
pv_lua_provium_opt_string(lua_State *L, int arg, const char *key)
{
    int type = lua_getfield(L, arg, key);

    if (type == LUA_TNIL)
        return NULL;
    if (type != LUA_TSTRING)
        luaL_error(L, "provium:network(): %s must be a string", key);
    return pv_lua_to_text(L, -1, key);
}

/*
 * provium:network(name, {cidr = "192.168.100.0/24", dhcp = true, host = "...",
 *                        forward = "nat"}) -> {name =, cidr =, network =, bridge =, ...}
 */
static int
pv_lua_provium_network(lua_State *L)
{
    static const char *const known[] = { "cidr", "dhcp", "host", "forward", NULL };
    PvFile *file = pv_lua_get_file(L);
    const char *name = pv_lua_check_text(L, 2, "provium:network(): the network's name");
    PvNetworkOptions options = { 0 };
    GError *error = NULL;
    const PvCidr *cidr;
    PvNetwork *net;

    luaL_checktype(L, 3, LUA_TTABLE);
    pv_lua_check_options(L, 3, "provium:network()", known);
    if (pv_file_peek_current_test(file))
        return luaL_error(L, "provium:network() belongs at the file's top level, not in a "
                          "test");
    lua_settop(L, 3);
    options.cidr = pv_lua_provium_opt_string(L, 3, "cidr");
    options.host = pv_lua_provium_opt_string(L, 3, "host");
    options.forward = pv_lua_provium_opt_string(L, 3, "forward");
    if (lua_getfield(L, 3, "dhcp") != LUA_TNIL) {
        luaL_checktype(L, -1, LUA_TBOOLEAN);
        options.dhcp = lua_toboolean(L, -1);
    }
    net = pv_file_add_network(file, name, &options, &error);
    if (!net)
        pv_lua_raise_error(L, error);

    lua_createtable(L, 0, 7);
    lua_pushstring(L, pv_network_peek_net(net));
    lua_setfield(L, -2, "name");
    cidr = pv_network_peek_cidr(net);
    lua_pushfstring(L, "%d.%d.%d.%d/%d", (int)(cidr->addr >> 24), (int)(cidr->addr >> 16) & 0xff,
                    (int)(cidr->addr >> 8) & 0xff, (int)cidr->addr & 0xff, (int)cidr->prefix);
    lua_setfield(L, -2, "cidr");
    lua_pushstring(L, pv_network_peek_host(net));
    lua_setfield(L, -2, "host");
    lua_pushboolean(L, options.dhcp);
    lua_setfield(L, -2, "dhcp");
    lua_pushstring(L, pv_network_forward_to_string(pv_network_get_forward(net)));
    lua_setfield(L, -2, "forward");
    lua_pushstring(L, pv_network_peek_name(net));
    lua_setfield(L, -2, "network");
    lua_pushstring(L, pv_network_peek_bridge(net));
    lua_setfield(L, -2, "bridge");
    return 1;
}

/* provium:claim({memory = "4G", cpus = 4, llcs = 2}) */
static int
pv_lua_provium_claim(lua_State *L)
{
    static const char *const known[] = { "memory", "cpus", "llcs", NULL };
    PvLuaFile *lua_file = pv_lua_peek(L);
    PvClaimSpec claim = { TRUE, 0, 0, 0 };
    lua_Integer n;

    luaL_checktype(L, 2, LUA_TTABLE);
    pv_lua_check_options(L, 2, "provium:claim()", known);
    if (pv_file_peek_current_test(lua_file->file))
        return luaL_error(L, "provium:claim() belongs at the file's top level, not in a test");
    if (lua_getfield(L, 2, "memory") != LUA_TNIL)
        claim.memory = pv_lua_check_size(L, -1, "memory");
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "cpus") != LUA_TNIL) {
        n = luaL_checkinteger(L, -1);
        if (n < 0 || n > 4096)
            return luaL_error(L, "cpus: %d is not a number of vCPUs between 0 and 4096", (int)n);
        claim.cpus = n;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "llcs") != LUA_TNIL) {
        n = luaL_checkinteger(L, -1);
        if (n < 0 || n > 4096)
            return luaL_error(L, "llcs: %d is not a number of LLC groups between 0 and 4096",
                              (int)n);
        claim.llcs = n;
    }
    lua_pop(L, 1);

    if (lua_file->claim_seen)
        return luaL_error(L, "claim already taken");
    lua_file->claim_seen = TRUE;
    if (!lua_file->discovering) {
        /* The claim was taken at dispatch from what discovery saw. */
        const PvClaimSpec *seen = &lua_file->claim;

        if (!seen->declared || seen->memory != claim.memory || seen->cpus != claim.cpus ||
            seen->llcs != claim.llcs)
            return luaL_error(L, "provium:claim() asked for something else when the file "
                              "was discovered; the top level must do the same every time");
        return 0;
    }
    lua_file->claim = claim;
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

    lua_pushfstring(L, "provium (%s, run %s)", pv_file_peek_path(file),
                    pv_run_peek_id(pv_file_peek_run(file)));
    return 1;
}

static const luaL_Reg pv_lua_provium_methods[] = {
    { "vm", pv_lua_provium_vm },
    { "network", pv_lua_provium_network },
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
 * Sets the global `provium`: its methods, its fields, and provium.boot().
 */
void
pv_lua_provium_register(lua_State *L)
{
    static const luaL_Reg boot = { "boot", pv_lua_vm_boot_all };
    PvFile *file = pv_lua_get_file(L);
    PvRun *run = pv_file_peek_run(file);

    pv_lua_register_class(L, PV_LUA_PROVIUM, pv_lua_provium_meta, pv_lua_provium_methods);
    lua_newtable(L);
    luaL_setmetatable(L, PV_LUA_PROVIUM);
    lua_pushstring(L, pv_run_peek_id(run));
    lua_setfield(L, -2, "run_id");
    lua_pushstring(L, pv_run_peek_prefix(run));
    lua_setfield(L, -2, "prefix");
    lua_pushstring(L, pv_file_peek_path(file));
    lua_setfield(L, -2, "file");
    pv_lua_push_function(L, &boot);
    lua_setfield(L, -2, "boot");
    lua_setglobal(L, "provium");
}
