/*
 * pv-lua-hook.c: the interrupt hook, and the file's own debug hooks behind it
 *
 * A count hook checks every PV_LUA_HOOK_COUNT instructions whether the file
 * must stop (its timeout, a signal, a domain that died) and raises the
 * interrupt as a Lua error.  A file may set debug hooks of its own
 * (debug.sethook(), as luacov and profilers do), and Lua keeps one hook per
 * thread: debug.sethook() here records the file's hook and installs
 * provium's with both masks.  Provium's check comes first, at every event
 * (the file's hook runs Lua code, which uses up the instruction count: a
 * count event may never come), then the file's hook is called for the
 * events it asked for, as Lua would; debug.gethook() returns the file's.
 * While the top level runs, the hook also notes its line: the watchdog names
 * it should the top level never return.
 */
#include "config.h"

#include <string.h>

#include "pv-lua.h"

#define PV_LUA_HOOK_COUNT 1000
/* A test that swallowed an interrupt gets it again after this long... */
#define PV_LUA_RERAISE_US (100 * 1000)
/* ...and after this many times on every instruction, so it cannot go on. */
#define PV_LUA_RERAISE_MAX 3
/* The registry's table of the file's hooks, by thread (weak keys). */
#define PV_LUA_USER_HOOKS "provium.user_hooks"

/* The file's hook of a thread; its function is the userdata's user value. */
typedef struct {
    int mask;           /* LUA_MASKCALL, LUA_MASKRET, LUA_MASKLINE, LUA_MASKCOUNT */
    int count;          /* for LUA_MASKCOUNT */
    int count_left;     /* instructions before its next count event */
} PvLuaUserHook;

static void pv_lua_hook(lua_State *L, lua_Debug *ar);

static int
pv_lua_hook_count(PvLuaFile *lua_file)
{
    return lua_file->raises >= PV_LUA_RERAISE_MAX ? 1 : PV_LUA_HOOK_COUNT;
}

static int
pv_lua_hook_gcd(int a, int b)
{
    while (b) {
        int r = a % b;

        a = b;
        b = r;
    }
    return a;
}

/* Pushes the file's hook of thread @T onto @L and returns it; NULL (nothing pushed) if none. */
static PvLuaUserHook *
pv_lua_hook_push_user(lua_State *L, lua_State *T)
{
    if (!pv_lua_peek(L)->user_hooks)
        return NULL;
    if (lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_USER_HOOKS) != LUA_TTABLE) {
        lua_pop(L, 1);
        return NULL;
    }
    lua_pushthread(T);
    lua_xmove(T, L, 1);
    if (lua_rawget(L, -2) != LUA_TUSERDATA) {
        lua_pop(L, 2);
        return NULL;
    }
    lua_remove(L, -2);
    return lua_touserdata(L, -1);
}

/* Provium's hook on thread @T, with the file's @user (nullable) behind it. */
static void
pv_lua_hook_install(lua_State *T, PvLuaUserHook *user)
{
    PvLuaFile *lua_file = pv_lua_peek(T);
    int check = pv_lua_hook_count(lua_file);
    int mask = LUA_MASKCOUNT | (lua_file->track_lines ? LUA_MASKLINE : 0);
    int count = check;

    if (user) {
        mask |= user->mask & ~LUA_MASKCOUNT;
        if (user->mask & LUA_MASKCOUNT)
            count = pv_lua_hook_gcd(check, user->count);
        user->count_left = user->count;
    }
    lua_sethook(T, pv_lua_hook, mask, count);
}

/**
 * pv_lua_reset_hook:
 *
 * The interrupt hook back to its usual pace, with no raise counted (and the
 * file's own hook behind it, if it set one).
 */
void
pv_lua_reset_hook(lua_State *L)
{
    PvLuaFile *lua_file = pv_lua_peek(L);
    PvLuaUserHook *user;

    lua_file->raises = 0;
    lua_file->last_raise = 0;
    user = pv_lua_hook_push_user(L, L);
    pv_lua_hook_install(L, user);
    if (user)
        lua_pop(L, 1);
}

/* The top level runs this line of the file. */
static void
pv_lua_hook_note_line(lua_State *L, lua_Debug *ar)
{
    PvFile *file = pv_lua_get_file(L);

    if (lua_getinfo(L, "S", ar) && ar->source[0] == '@' &&
        strcmp(ar->source + 1, pv_file_peek_path(file)) == 0)
        pv_file_set_top_level_line(file, ar->currentline);
}

/* Calls the file's hook (the userdata at @index) as Lua's debug library would. */
static void
pv_lua_hook_call_user(lua_State *L, lua_Debug *ar, int index)
{
    static const char *const names[] = { "call", "return", "line", "count", "tail call" };

    lua_getiuservalue(L, index, 1);
    lua_pushstring(L, names[ar->event]);
    if (ar->currentline >= 0)
        lua_pushinteger(L, ar->currentline);
    else
        lua_pushnil(L);
    lua_call(L, 2, 0);
}

static int
pv_lua_hook_event_mask(int event)
{
    switch (event) {
    case LUA_HOOKCALL:
    case LUA_HOOKTAILCALL:
        return LUA_MASKCALL;
    case LUA_HOOKRET:
        return LUA_MASKRET;
    case LUA_HOOKLINE:
        return LUA_MASKLINE;
    default:
        return LUA_MASKCOUNT;
    }
}

/*
 * Whether the file must stop and its interrupt is raised now (not just
 * raised and caught): @error says why.
 */
static gboolean
pv_lua_hook_check(lua_State *L, PvLuaUserHook *user, GError **error)
{
    PvLuaFile *lua_file = pv_lua_peek(L);
    gint64 now;

    if (pv_file_check(lua_file->file, error))
        return FALSE;
    now = g_get_monotonic_time();
    if (lua_file->raises > 0 && lua_file->raises < PV_LUA_RERAISE_MAX &&
        now - lua_file->last_raise < PV_LUA_RERAISE_US) {
        g_clear_error(error);
        return FALSE;
    }
    lua_file->raises++;
    lua_file->last_raise = now;
    if (lua_file->raises >= PV_LUA_RERAISE_MAX)
        pv_lua_hook_install(L, user);
    return TRUE;
}

/*
 * Provium's part runs marked as provium's code (pv-lua-guard.c) and
 * allocates nothing, so no finalizer runs inside it; the file's hook and
 * the raise come after, as the code the hook interrupted.
 */
static void
pv_lua_hook(lua_State *L, lua_Debug *ar)
{
    PvLuaFile *lua_file = pv_lua_peek(L);
    PvWake *wake = pv_file_peek_wake(lua_file->file);
    /* First: a worker given up parks here. */
    guint depth = pv_wake_enter(wake);
    GError *error = NULL;
    PvLuaUserHook *user;
    gboolean call_user;

    pv_wake_beat(wake);
    user = pv_lua_hook_push_user(L, L);
    if (ar->event == LUA_HOOKLINE && lua_file->track_lines)
        pv_lua_hook_note_line(L, ar);
    call_user = user && (user->mask & pv_lua_hook_event_mask(ar->event));
    if (call_user && ar->event == LUA_HOOKCOUNT) {
        user->count_left -= lua_gethookcount(L);
        call_user = user->count_left <= 0;
        if (call_user)
            user->count_left = user->count;
    }
    if (pv_lua_hook_check(L, user, &error)) {
        pv_wake_restore(wake, depth);
        lua_pushstring(L, error->message);
        g_error_free(error);
        lua_error(L);
    }
    pv_wake_restore(wake, depth);
    if (call_user)
        pv_lua_hook_call_user(L, ar, lua_gettop(L));
    if (user)
        lua_pop(L, 1);
}

static lua_State *
pv_lua_hook_thread(lua_State *L, int *arg)
{
    if (lua_isthread(L, 1)) {
        *arg = 1;
        return lua_tothread(L, 1);
    }
    *arg = 0;
    return L;
}

/* debug.sethook([thread,] hook, mask [, count]), as ldblib.c's */
static int
pv_lua_debug_sethook(lua_State *L)
{
    PvLuaUserHook *user = NULL;
    lua_State *T;
    int mask = 0;
    int count = 0;
    int arg;

    T = pv_lua_hook_thread(L, &arg);
    if (!lua_isnoneornil(L, arg + 1)) {
        const char *smask = luaL_checkstring(L, arg + 2);

        luaL_checktype(L, arg + 1, LUA_TFUNCTION);
        count = (int)luaL_optinteger(L, arg + 3, 0);
        mask = (strchr(smask, 'c') ? LUA_MASKCALL : 0) | (strchr(smask, 'r') ? LUA_MASKRET : 0) |
            (strchr(smask, 'l') ? LUA_MASKLINE : 0) | (count > 0 ? LUA_MASKCOUNT : 0);
    }
    if (lua_getfield(L, LUA_REGISTRYINDEX, PV_LUA_USER_HOOKS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_pushvalue(L, -1);
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, PV_LUA_USER_HOOKS);
    }
    lua_pushthread(T);
    lua_xmove(T, L, 1);
    if (mask) {
        user = lua_newuserdatauv(L, sizeof(*user), 1);
        user->mask = mask;
        user->count = count;
        lua_pushvalue(L, arg + 1);
        lua_setiuservalue(L, -2, 1);
        pv_lua_peek(L)->user_hooks = TRUE;
    } else {
        lua_pushnil(L);
    }
    lua_rawset(L, -3);
    pv_lua_hook_install(T, user);
    return 0;
}

/* debug.gethook([thread]): the file's hook, as ldblib.c's; fail if none */
static int
pv_lua_debug_gethook(lua_State *L)
{
    PvLuaUserHook *user;
    char smask[4];
    int i = 0;
    int arg;

    user = pv_lua_hook_push_user(L, pv_lua_hook_thread(L, &arg));
    if (!user) {
        luaL_pushfail(L);
        return 1;
    }
    if (user->mask & LUA_MASKCALL)
        smask[i++] = 'c';
    if (user->mask & LUA_MASKRET)
        smask[i++] = 'r';
    if (user->mask & LUA_MASKLINE)
        smask[i++] = 'l';
    smask[i] = '\0';
    lua_getiuservalue(L, -1, 1);
    lua_pushstring(L, smask);
    lua_pushinteger(L, user->count);
    return 3;
}

/**
 * pv_lua_hook_register:
 *
 * debug.sethook() and debug.gethook() that keep provium's hook, with the
 * file's behind it.  After luaL_openlibs().
 */
void
pv_lua_hook_register(lua_State *L)
{
    static const luaL_Reg functions[] = {
        { "sethook", pv_lua_debug_sethook },
        { "gethook", pv_lua_debug_gethook },
        { NULL, NULL },
    };

    lua_getglobal(L, "debug");
    pv_lua_set_functions(L, functions);
    lua_pop(L, 1);
}
