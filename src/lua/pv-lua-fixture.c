/*
 * pv-lua-fixture.c: fixtures in Lua (doc/fixtures.md)
 *
 *   -- fixtures/web.fixture.lua
 *   return fixture("web", {profile = "tiny", inputs = {"files/app.conf"}}, function(vm)
 *     vm:write_file("/etc/app.conf", provium.read_host_file("files/app.conf"))
 *   end)
 *
 *   -- a test file
 *   local vm = provium:vm("a", {fixture = "web"})
 *
 * fixture() only describes; provium:vm() finds and loads the fixture file
 * (checking it at discovery already), and vm:boot() hands its setup
 * function to pv_vm_boot_fixture(), which calls it when a build needs it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pv-config.h"
#include "pv-error.h"
#include "pv-lua.h"
#include "pv-safe.h"

#define PV_LUA_FIXTURE "provium.Fixture"
#define PV_LUA_FIXTURE_SETUPS "provium.fixture_setups"
/* While a fixture's setup runs: its PvVmFixture (light userdata). */
#define PV_LUA_FIXTURE_BUILDING "provium.fixture_building"
/* While a fixture file's top level runs: its path (a string). */
#define PV_LUA_FIXTURE_LOADING "provium.fixture_loading"
#define PV_LUA_FIXTURE_DIR "fixtures"

/* fixture(name, {profile =, inputs = {...}}, function(vm) ... end) -> a fixture */
static int
pv_lua_fixture_new(lua_State *L)
{
    static const char *const known[] = { "profile", "inputs", NULL };
    const char *name = pv_lua_check_text(L, 1, "fixture(): the fixture's name");
    lua_Integer n;
    lua_Integer i;

    if (!*name)
        return luaL_argerror(L, 1, "the fixture needs a name");
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    pv_lua_check_options(L, 2, "fixture()", known);
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "name");
    if (lua_getfield(L, 2, "profile") != LUA_TNIL && lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "fixture(): profile must be a profile's name");
    if (!lua_isnil(L, -1))
        pv_lua_to_text(L, -1, "fixture(): profile");
    lua_setfield(L, -2, "profile");
    lua_createtable(L, 0, 0);
    if (lua_getfield(L, 2, "inputs") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            return luaL_error(L, "fixture(): inputs must be a list of files");
        n = luaL_len(L, -1);
        for (i = 1; i <= n; i++) {
            if (lua_geti(L, -1, i) != LUA_TSTRING ||
                !*pv_lua_to_text(L, -1, "fixture(): inputs[]"))
                return luaL_error(L, "fixture(): inputs[%d] is not a file name", (int)i);
            lua_seti(L, -3, i);
        }
    }
    lua_pop(L, 1);
    lua_setfield(L, -2, "inputs");
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "setup");
    luaL_setmetatable(L, PV_LUA_FIXTURE);
    return 1;
}

/*
 * fixtures/NAME.fixture.lua in the test file's directory or the nearest one
 * above it that has it; the climb stops at the directory of a provium.conf,
 * and, as provium.conf's own search does, at a directory someone else than
 * you (or root) owns or everyone may write (pv_safe_find_up()).  A fixture
 * file found that someone else could have written or put there sets
 * @refused: it would run as you (as root, often), even in provium list.
 */
static char *
pv_lua_fixture_find(PvFile *file, const char *name, char **refused)
{
    g_autofree char *leaf = g_strconcat(name, PV_LUA_FIXTURE_SUFFIX, NULL);
    g_autofree char *rel = g_build_filename(PV_LUA_FIXTURE_DIR, leaf, NULL);
    g_autofree char *dir = g_path_get_dirname(pv_file_peek_abs_path(file));
    g_autofree char *untrusted = NULL;
    g_autofree char *why = NULL;
    char *path;

    *refused = NULL;
    /* provium fixture build runs the fixture file itself. */
    if (g_str_has_suffix(pv_file_peek_abs_path(file), leaf) &&
        strcmp(strrchr(pv_file_peek_abs_path(file), '/') + 1, leaf) == 0)
        return g_strdup(pv_file_peek_abs_path(file));
    path = pv_safe_find_up(dir, rel, PV_CONFIG_FILENAME, FALSE, &untrusted, &why);
    if (path && untrusted)
        *refused = g_strdup_printf("fixture '%s': not running %s: %s is %s (someone else "
                                   "could have put it there); fix that, or keep the fixture "
                                   "where only you can write", name, path, untrusted, why);
    return path;
}

/*
 * require() looks beside the fixture file @path too, after the test file's
 * directory (pv-lua-stdlib.c), from its top level on.
 */
static void
pv_lua_fixture_add_module_dir(lua_State *L, const char *path)
{
    char *dir = g_path_get_dirname(path);
    lua_Integer n;
    lua_Integer i;
    gboolean known = FALSE;

    if (lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_MODULE_DIRS) != LUA_TTABLE) {
        lua_pop(L, 1);
        g_free(dir);
        return;
    }
    n = lua_rawlen(L, -1);
    for (i = 1; i <= n && !known; i++) {
        lua_rawgeti(L, -1, i);
        known = g_strcmp0(lua_tostring(L, -1), dir) == 0;
        lua_pop(L, 1);
    }
    if (!known) {
        lua_pushstring(L, dir);
        lua_rawseti(L, -2, n + 1);
    }
    lua_pop(L, 1);
    g_free(dir);
}

/* Frees what a load holds, then raises the message. */
static G_NORETURN void
pv_lua_fixture_fail(lua_State *L, char *path, char *text, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    lua_pushvfstring(L, format, args);
    va_end(args);
    g_free(path);
    g_free(text);
    lua_error(L);
    g_assert_not_reached();
}

/*
 * Loads fixture @name: pushes its setup function, and returns the fixture
 * with *@profile (transfer full, nullable) its profile's name.  Raises on a
 * missing or wrong file, holding nothing then.
 */
static PvVmFixture *
pv_lua_fixture_load(lua_State *L, PvFile *file, const char *name, char **profile)
{
    PvVmFixture *fixture;
    GError *error = NULL;
    GPtrArray *inputs;
    char *path;
    char *refused = NULL;
    char *text = NULL;
    gsize len = 0;
    int status;
    gboolean is_fixture = FALSE;
    lua_Integer n;
    lua_Integer i;

    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        luaL_error(L, "fixture '%s': a fixture's name is a file name, without '/'", name);
    path = pv_lua_fixture_find(file, name, &refused);
    if (refused) {
        lua_pushstring(L, refused);
        g_free(refused);
        pv_lua_fixture_fail(L, path, NULL, "%s", lua_tostring(L, -1));
    }
    if (!path)
        luaL_error(L, "fixture '%s': no %s/%s%s beside %s or in a directory above it", name,
                   PV_LUA_FIXTURE_DIR, name, PV_LUA_FIXTURE_SUFFIX, pv_file_peek_path(file));
    if (!g_file_get_contents(path, &text, &len, &error)) {
        lua_pushfstring(L, "fixture '%s': %s", name, error->message);
        g_error_free(error);
        pv_lua_fixture_fail(L, path, text, "%s", lua_tostring(L, -1));
    }
    pv_lua_fixture_add_module_dir(L, path);
    lua_pushfstring(L, "@%s", path);
    status = luaL_loadbuffer(L, text, len, lua_tostring(L, -1));
    lua_remove(L, -2);
    if (status == LUA_OK) {
        PvLuaMark mark;

        /* Its provium.read_host_file() reads beside it; put back after (nested loads). */
        lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_LOADING);
        lua_insert(L, -2);
        lua_pushstring(L, path);
        lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_LOADING);
        mark = pv_lua_user_begin(L);
        status = lua_pcall(L, 0, 1, 0);
        pv_lua_user_end(L, mark);
        lua_insert(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_LOADING);
    }
    if (status != LUA_OK) {
        /* The message whole: a NUL in it is shown, not the end of it. */
        luaL_tolstring(L, -1, NULL);
        g_free(path);
        g_free(text);
        lua_error(L);
    }
    if (lua_istable(L, -1) && lua_getmetatable(L, -1)) {
        luaL_getmetatable(L, PV_LUA_FIXTURE);
        is_fixture = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    if (!is_fixture)
        pv_lua_fixture_fail(L, path, text, "%s: the file must return fixture(\"%s\", {...}, "
                            "function(vm) ... end)", path, name);
    lua_getfield(L, -1, "name");
    if (strcmp(lua_tostring(L, -1), name) != 0)
        pv_lua_fixture_fail(L, path, text, "%s: it defines fixture '%s', not '%s': name the "
                            "file after it", path, lua_tostring(L, -1), name);
    lua_pop(L, 1);

    /* Nothing raises from here on. */
    fixture = g_new0(PvVmFixture, 1);
    fixture->name = g_strdup(name);
    fixture->path = path;
    fixture->text = text;
    fixture->text_len = len;
    lua_getfield(L, -1, "inputs");
    n = lua_rawlen(L, -1);
    inputs = g_ptr_array_new();
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        g_ptr_array_add(inputs, g_strdup(lua_tostring(L, -1)));
        lua_pop(L, 1);
    }
    g_ptr_array_add(inputs, NULL);
    fixture->inputs = (char **)g_ptr_array_free(inputs, FALSE);
    lua_pop(L, 1);
    lua_getfield(L, -1, "profile");
    *profile = g_strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, -1, "setup");
    lua_remove(L, -2);
    return fixture;
}

/**
 * pv_lua_fixture_vm:
 * @opts: the options table of provium:vm()
 * @fixture_profile: (out) (transfer full) (nullable): the fixture's profile
 *
 * provium:vm()'s fixture = NAME, when the table has one: loads the fixture
 * file.  Call pv_lua_fixture_attach() with the VM afterwards.
 * Returns: (transfer full) (nullable): the fixture, its setup function
 *   pushed; NULL and nothing pushed without fixture =
 */
PvVmFixture *
pv_lua_fixture_vm(lua_State *L, int opts, char **fixture_profile)
{
    PvVmFixture *fixture;
    const char *name;
    static const char *const shape[] = {
        "memory", "cpus", "performance_mode", "llcs", "cores", "threads", NULL,
    };
    guint i;

    if (!opts || lua_getfield(L, opts, "fixture") == LUA_TNIL) {
        if (opts)
            lua_pop(L, 1);
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "provium:vm(): fixture must be a fixture's name");
    name = pv_lua_to_text(L, -1, "provium:vm(): fixture");
    if (!*name)
        luaL_error(L, "provium:vm(): fixture must be a fixture's name");
    for (i = 0; shape[i]; i++) {
        if (lua_getfield(L, opts, shape[i]) != LUA_TNIL)
            luaL_error(L, "provium:vm(): %s and fixture do not go together: the fixture's "
                       "profile sets what its VMs are", shape[i]);
        lua_pop(L, 1);
    }
    fixture = pv_lua_fixture_load(L, pv_lua_get_file(L), name, fixture_profile);
    lua_remove(L, -2);
    return fixture;
}

/**
 * pv_lua_fixture_attach:
 *
 * Gives @vm the fixture and the setup function on the stack's top (popped).
 */
void
pv_lua_fixture_attach(lua_State *L, PvVm *vm, PvVmFixture *fixture)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_SETUPS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_SETUPS);
    }
    lua_pushlightuserdata(L, vm);
    lua_pushvalue(L, -3);
    lua_settable(L, -3);
    lua_pop(L, 2);
    pv_vm_set_fixture(vm, fixture);
}

/* The message of a Lua error value, whatever it is. */
static char *
pv_lua_fixture_error_text(lua_State *L)
{
    char *text;

    if (lua_istable(L, -1) && lua_getfield(L, -1, "provium_skip") == LUA_TSTRING) {
        text = g_strdup_printf(_("the setup skipped: %s"), lua_tostring(L, -1));
        lua_pop(L, 1);
        return text;
    }
    if (lua_istable(L, -1))
        lua_pop(L, 1);
    luaL_tolstring(L, -1, NULL);
    text = pv_lua_dup_message(L, -1);
    lua_pop(L, 1);
    return text;
}

/**
 * pv_lua_fixture_setup:
 * @user_data: the lua_State
 *
 * A PvVmFixtureSetupFunc: calls the fixture's setup function with @vm.
 */
gboolean
pv_lua_fixture_setup(PvVm *vm, gpointer user_data, GError **error)
{
    lua_State *L = user_data;
    int top = lua_gettop(L);
    g_autofree char *text = NULL;
    PvLuaMark mark;
    int status;

    /* Called from C with things to free: nothing here may raise. */
    if (!lua_checkstack(L, 5)) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_GUEST, _("out of Lua stack"));
        return FALSE;
    }
    /* The fixture being built, over any whose setup boots this one (put back after). */
    lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_BUILDING);
    lua_pushlightuserdata(L, (gpointer)pv_vm_peek_fixture(vm));
    lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_BUILDING);
    lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_SETUPS);
    lua_pushlightuserdata(L, vm);
    lua_gettable(L, -2);
    pv_lua_vm_push(L, vm);
    mark = pv_lua_user_begin(L);
    status = lua_pcall(L, 1, 0, 0);
    pv_lua_user_end(L, mark);
    if (status == LUA_OK) {
        lua_settop(L, top + 1);
        lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_BUILDING);
        return TRUE;
    }
    text = pv_lua_fixture_error_text(L);
    lua_settop(L, top + 1);
    lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_BUILDING);
    g_set_error(error, PV_ERROR, PV_ERROR_GUEST, _("its setup failed: %s"), text);
    return FALSE;
}

/* @path with its symbolic links resolved, as the kernel opens it; else as written. */
static char *
pv_lua_fixture_real_path(const char *path)
{
    char *real = realpath(path, NULL);
    char *copy;

    if (!real)
        return g_strdup(path);
    copy = g_strdup(real);
    free(real);
    return copy;
}

/*
 * Whether @full may be read while @fixture's setup runs: one of its
 * declared inputs (relative to its file), which the key hashes.  Another
 * file could change without the fixture being built again.  Compared as
 * opened, so "link/../x" and the file it names are one.
 */
static gboolean
pv_lua_fixture_declares(const PvVmFixture *fixture, const char *full)
{
    g_autofree char *dir = g_path_get_dirname(fixture->path);
    g_autofree char *wanted = pv_lua_fixture_real_path(full);
    guint i;

    for (i = 0; fixture->inputs && fixture->inputs[i]; i++) {
        g_autofree char *declared = g_path_is_absolute(fixture->inputs[i]) ?
            g_strdup(fixture->inputs[i]) : g_build_filename(dir, fixture->inputs[i], NULL);
        g_autofree char *real = pv_lua_fixture_real_path(declared);

        if (g_str_equal(real, wanted))
            return TRUE;
    }
    return FALSE;
}

/*
 * The bytes of @path, relative to @dir, for provium.read_host_file(); in
 * @building's setup, only one of its inputs.  NULL with @error set.
 */
static char *
pv_lua_fixture_read(const char *path, const char *dir, const PvVmFixture *building,
                    gsize *len, GError **error)
{
    g_autofree char *full = g_canonicalize_filename(path, dir);
    char *contents = NULL;

    if (building && !pv_lua_fixture_declares(building, full)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    "%s is not among the inputs of fixture '%s': add it to its inputs, or a "
                    "change to it would not build the fixture again", path, building->name);
        return NULL;
    }
    if (!g_file_get_contents(full, &contents, len, error))
        return NULL;
    return contents;
}

/*
 * The directory a relative path of provium.read_host_file() starts from:
 * the fixture file's while its top level or its setup runs (where its
 * inputs are declared), else the test file's.  Never the call stack's: a
 * pcall(), a helper module in another directory or a coroutine reads the
 * same file as a direct call.
 */
static char *
pv_lua_fixture_base_dir(lua_State *L, const PvVmFixture *building)
{
    char *dir;

    if (building)
        dir = g_path_get_dirname(building->path);
    else if (lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_LOADING) == LUA_TSTRING)
        dir = g_path_get_dirname(lua_tostring(L, -1));
    else
        dir = g_path_get_dirname(pv_file_peek_abs_path(pv_lua_get_file(L)));
    if (!building)
        lua_pop(L, 1);
    if (!g_path_is_absolute(dir)) {
        char *relative = dir;

        dir = g_canonicalize_filename(relative, NULL);
        g_free(relative);
    }
    return dir;
}

/*
 * provium.read_host_file(path) -> the file's bytes, a relative path from
 * the test file's directory (a fixture file's, in a fixture file).  In a
 * fixture's setup, only its declared inputs.
 */
static int
pv_lua_read_host_file(lua_State *L)
{
    const char *path = pv_lua_check_text(L, 1, "provium.read_host_file(): path");
    const PvVmFixture *building = NULL;
    char *dir = NULL;
    char *contents;
    GError *error = NULL;
    gsize len = 0;

    if (lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_FIXTURE_BUILDING) == LUA_TLIGHTUSERDATA)
        building = lua_touserdata(L, -1);
    lua_pop(L, 1);
    dir = pv_lua_fixture_base_dir(L, building);
    contents = pv_lua_fixture_read(path, dir, building, &len, &error);
    g_free(dir);
    /* Nothing of C's may be live when lua_error() jumps out. */
    if (!contents) {
        lua_pushfstring(L, "provium.read_host_file(): %s", error->message);
        g_error_free(error);
        return lua_error(L);
    }
    lua_pushlstring(L, contents, len);
    g_free(contents);
    return 1;
}

/**
 * pv_lua_fixture_register:
 *
 * The global fixture() and provium.read_host_file(); after
 * pv_lua_provium_register().
 */
void
pv_lua_fixture_register(lua_State *L)
{
    static const luaL_Reg fixture = { "fixture", pv_lua_fixture_new };
    static const luaL_Reg read_host_file = { "read_host_file", pv_lua_read_host_file };

    luaL_newmetatable(L, PV_LUA_FIXTURE);
    lua_pop(L, 1);
    pv_lua_push_function(L, &fixture);
    lua_setglobal(L, "fixture");
    lua_getglobal(L, "provium");
    pv_lua_push_function(L, &read_host_file);
    lua_setfield(L, -2, "read_host_file");
    lua_pop(L, 1);
}
