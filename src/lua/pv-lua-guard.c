/*
 * pv-lua-guard.c: the line between provium's code and a test file's, for
 * the watchdog
 *
 * A file's worker runs two kinds of code.  Provium's (the runner, the
 * bindings, the hook, their waits) touches the file, its VMs and the run.
 * The file's own Lua, and whatever C it calls (string.find, os.execute, a
 * finalizer), touches only its Lua state.  The Lua hook stops the file's
 * code at its timeout or on a signal; what the hook cannot reach (a C
 * function that runs long, a finalizer, a debug hook: Lua runs no hook in
 * those) a watchdog gives up (pv_wake_give_up(), pv_file_give_up()).  It
 * may do so only while none of provium's frames runs on the worker, and the
 * worker never comes back into provium's code afterwards (it parks).  This
 * file keeps that line exact, in the worker's PvWake:
 *
 * - every C function provium puts into a state runs through a trampoline
 *   (pv_lua_push_function()) that counts provium's frames, and holds the
 *   collector meanwhile, so no finalizer (the file's code) runs inside
 *   provium's; in a finalizer (where Lua catches errors itself) it catches
 *   the function's errors first;
 * - provium's code calling the file's (a test, the top level, a fixture's
 *   setup, a pattern) marks that (pv_lua_user_begin()/pv_lua_user_end()),
 *   and so does closing the state, which runs the file's finalizers;
 * - an error leaving a binding skips its trampoline's end: where such
 *   errors stop (pcall, xpcall, coroutine.resume and coroutine.close,
 *   replaced here, and provium's own calls) the marks are put back as they
 *   were when called, and pv_lua_raise_error() unmarks before it raises.
 *
 * What it does not cover, counted as provium's code (so never given up, and
 * safe): the file's Lua that provium's code runs without a call of its own
 * (a __tostring or __index of a value given to a binding), a message handler
 * of xpcall while a binding's error is raised with luaL_error(), and what
 * follows an error a finalizer catches; the hook still interrupts them.
 *
 * Nothing here calls another file of src/lua/: they all call this one.
 */
#include "config.h"

#include "pv-lua.h"
#include "pv-pgroup.h"

static PvLuaFile *
pv_lua_guard_peek(lua_State *L)
{
    return *(PvLuaFile **)lua_getextraspace(L);
}

static PvWake *
pv_lua_guard_wake(PvLuaFile *lua_file)
{
    return pv_file_peek_wake(lua_file->file);
}

/**
 * pv_lua_guard_enter:
 *
 * Provium's code starts on the worker (a binding, the hook): one more of its
 * frames runs, and the collector is held (if it runs), so no finalizer runs
 * inside it.  A worker given up parks here.
 * Returns: what pv_lua_guard_exit() restores
 */
guint
pv_lua_guard_enter(lua_State *L)
{
    PvLuaFile *lua_file = pv_lua_guard_peek(L);
    guint depth = pv_wake_enter(pv_lua_guard_wake(lua_file));

    if (lua_file->gc_depth == 0 && lua_gc(L, LUA_GCISRUNNING) == 1) {
        lua_gc(L, LUA_GCSTOP);
        lua_file->gc_depth = depth + 1;
    }
    return depth;
}

/**
 * pv_lua_guard_exit:
 * @depth: what pv_lua_guard_enter() returned
 *
 * Provium's frame ends normally: the collector runs again if it held it.
 */
void
pv_lua_guard_exit(lua_State *L, guint depth)
{
    PvLuaFile *lua_file = pv_lua_guard_peek(L);

    if (lua_file->gc_depth == depth + 1) {
        lua_file->gc_depth = 0;
        lua_gc(L, LUA_GCRESTART);
    }
    pv_wake_restore(pv_lua_guard_wake(lua_file), depth);
}

/**
 * pv_lua_guard_mark:
 *
 * Returns: where the guard is now, for pv_lua_guard_unwind()
 */
PvLuaMark
pv_lua_guard_mark(lua_State *L)
{
    PvLuaFile *lua_file = pv_lua_guard_peek(L);
    PvLuaMark mark = { pv_wake_get_depth(pv_lua_guard_wake(lua_file)), lua_file->gc_depth };

    return mark;
}

/**
 * pv_lua_guard_unwind:
 *
 * Back to @mark, whatever ran since (an error may have left provium's
 * frames without their end): provium's code (a depth above 0) parks here if
 * the worker was given up meanwhile; the collector runs or is held as it
 * was.
 */
void
pv_lua_guard_unwind(lua_State *L, PvLuaMark mark)
{
    PvLuaFile *lua_file = pv_lua_guard_peek(L);

    pv_wake_restore(pv_lua_guard_wake(lua_file), mark.depth);
    if (lua_file->gc_depth == mark.gc_depth)
        return;
    if (mark.gc_depth == 0)
        lua_gc(L, LUA_GCRESTART);
    else if (lua_file->gc_depth == 0 && lua_gc(L, LUA_GCISRUNNING) == 1)
        lua_gc(L, LUA_GCSTOP);
    lua_file->gc_depth = mark.gc_depth;
}

/**
 * pv_lua_guard_raise:
 *
 * A binding is about to raise an error: its frame ends here, as its
 * trampoline's end would have (the message handler, and whatever catches
 * the error, are the file's code).  Call it right before lua_error(), with
 * the error value pushed.
 */
void
pv_lua_guard_raise(lua_State *L)
{
    PvLuaFile *lua_file = pv_lua_guard_peek(L);
    guint depth = pv_wake_get_depth(pv_lua_guard_wake(lua_file));

    if (depth > 0)
        pv_lua_guard_exit(L, depth - 1);
}

/**
 * pv_lua_user_begin:
 *
 * Provium's code calls the file's (protected, with lua_pcall(), or about
 * to be unwound by its error): none of provium's frames runs until
 * pv_lua_user_end(), and the collector runs meanwhile.
 * Returns: what pv_lua_user_end() restores
 */
PvLuaMark
pv_lua_user_begin(lua_State *L)
{
    PvLuaFile *lua_file = pv_lua_guard_peek(L);
    PvLuaMark mark = { pv_wake_leave(pv_lua_guard_wake(lua_file)), lua_file->gc_depth };

    if (lua_file->gc_depth) {
        lua_file->gc_depth = 0;
        lua_gc(L, LUA_GCRESTART);
    }
    return mark;
}

/**
 * pv_lua_user_end:
 *
 * The file's code returned to provium's: a worker given up meanwhile parks
 * here.
 */
void
pv_lua_user_end(lua_State *L, PvLuaMark mark)
{
    pv_lua_guard_unwind(L, mark);
}

/**
 * pv_lua_close:
 *
 * Closes a state of pv_lua_new(): its finalizers, the file's code, run
 * unmarked.  A worker given up meanwhile parks after.
 */
void
pv_lua_close(PvLuaState *L)
{
    PvLuaFile *lua_file;
    PvWake *wake;
    guint depth;

    if (!L)
        return;
    lua_file = pv_lua_guard_peek(L);
    wake = pv_lua_guard_wake(lua_file);
    depth = pv_wake_leave(wake);
    lua_file->closing = TRUE;
    lua_close(L);
    /* What the file's commands left running (pv-lua-stdlib.c) ends with it. */
    pv_pgroup_kill(lua_file->file);
    pv_wake_restore(wake, depth);
}

/* In a finalizer, where Lua catches errors itself (a warning): catch them first, to unmark. */
static int
pv_lua_trampoline_in_finalizer(lua_State *L, const luaL_Reg *reg)
{
    PvWake *wake = pv_lua_guard_wake(pv_lua_guard_peek(L));
    guint depth = pv_wake_enter(wake);
    int status;

    lua_pushcfunction(L, reg->func);
    lua_insert(L, 1);
    status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    pv_wake_restore(wake, depth);
    if (status != LUA_OK)
        return lua_error(L);
    return lua_gettop(L);
}

/* Every C function provium gives a state: the real one is the upvalue's. */
static int
pv_lua_trampoline(lua_State *L)
{
    const luaL_Reg *reg = lua_touserdata(L, lua_upvalueindex(1));
    guint depth;
    int n;

    /* The collector stopped itself: a finalizer runs. */
    if (lua_gc(L, LUA_GCISRUNNING) < 0)
        return pv_lua_trampoline_in_finalizer(L, reg);
    depth = pv_lua_guard_enter(L);
    n = reg->func(L);
    pv_lua_guard_exit(L, depth);
    return n;
}

/**
 * pv_lua_push_function:
 * @reg: (transfer none): static: the function is called through it
 *
 * Pushes @reg's function as the file's code sees it, guarded (called in
 * the same frame: errors name it as before).
 */
void
pv_lua_push_function(lua_State *L, const luaL_Reg *reg)
{
    lua_pushlightuserdata(L, (void *)reg);
    lua_pushcclosure(L, pv_lua_trampoline, 1);
}

/**
 * pv_lua_set_functions:
 * @regs: (transfer none): static, ends with a NULL name
 *
 * luaL_setfuncs(L, @regs, 0), each function guarded: sets them in the
 * table on the top of the stack (a NULL function as false, a placeholder).
 */
void
pv_lua_set_functions(lua_State *L, const luaL_Reg *regs)
{
    for (; regs->name; regs++) {
        if (regs->func)
            pv_lua_push_function(L, regs);
        else
            lua_pushboolean(L, 0);
        lua_setfield(L, -2, regs->name);
    }
}

/* The mark at a pcall rides in its continuation's context, with its extra slots. */
static lua_KContext
pv_lua_guard_pack(PvLuaMark mark, int extra)
{
    return (lua_KContext)extra | (lua_KContext)(mark.depth & 0xffff) << 2 |
        (lua_KContext)(mark.gc_depth & 0xffff) << 18;
}

static PvLuaMark
pv_lua_guard_unpack(lua_KContext ctx)
{
    PvLuaMark mark = { (guint)(ctx >> 2) & 0xffff, (guint)(ctx >> 18) & 0xffff };

    return mark;
}

/* lbaselib.c's finishpcall, putting the guard back first. */
static int
pv_lua_pcall_finish(lua_State *L, int status, lua_KContext ctx)
{
    pv_lua_guard_unwind(L, pv_lua_guard_unpack(ctx));
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)(ctx & 3);
}

/* pcall(f, ...), as lbaselib.c's */
static int
pv_lua_pcall(lua_State *L)
{
    lua_KContext ctx = pv_lua_guard_pack(pv_lua_guard_mark(L), 0);
    int status;

    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, ctx, pv_lua_pcall_finish);
    return pv_lua_pcall_finish(L, status, ctx);
}

/* xpcall(f, msgh, ...), as lbaselib.c's */
static int
pv_lua_xpcall(lua_State *L)
{
    lua_KContext ctx = pv_lua_guard_pack(pv_lua_guard_mark(L), 2);
    int n = lua_gettop(L);
    int status;

    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);
    status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, ctx, pv_lua_pcall_finish);
    return pv_lua_pcall_finish(L, status, ctx);
}

/* coroutine.resume(co, ...), as lcorolib.c's */
static int
pv_lua_coroutine_resume(lua_State *L)
{
    PvLuaMark mark = pv_lua_guard_mark(L);
    lua_State *co = lua_tothread(L, 1);
    int narg;
    int nres = 0;
    int status;

    luaL_argexpected(L, co, 1, "coroutine");
    narg = lua_gettop(L) - 1;
    if (!lua_checkstack(co, narg)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many arguments to resume");
        return 2;
    }
    lua_xmove(L, co, narg);
    status = lua_resume(co, L, narg, &nres);
    pv_lua_guard_unwind(L, mark);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_xmove(co, L, 1);
        return 2;
    }
    if (!lua_checkstack(L, nres + 1)) {
        lua_pop(co, nres);
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many results to resume");
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_xmove(co, L, nres);
    return nres + 1;
}

/* coroutine.close(co): Lua's (the upvalue), which catches errors of __close */
static int
pv_lua_coroutine_close(lua_State *L)
{
    PvLuaMark mark = pv_lua_guard_mark(L);

    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    pv_lua_guard_unwind(L, mark);
    return lua_gettop(L);
}

/**
 * pv_lua_guard_register:
 *
 * Replaces the standard functions where errors stop (pcall, xpcall,
 * coroutine.resume, coroutine.close) with ones that put the guard back.
 * After luaL_openlibs().
 */
void
pv_lua_guard_register(lua_State *L)
{
    lua_pushcfunction(L, pv_lua_pcall);
    lua_setglobal(L, "pcall");
    lua_pushcfunction(L, pv_lua_xpcall);
    lua_setglobal(L, "xpcall");
    lua_getglobal(L, "coroutine");
    lua_pushcfunction(L, pv_lua_coroutine_resume);
    lua_setfield(L, -2, "resume");
    lua_getfield(L, -1, "close");
    lua_pushcclosure(L, pv_lua_coroutine_close, 1);
    lua_setfield(L, -2, "close");
    lua_pop(L, 1);
}
