/*
 * pv-lua-common.c: what the Lua classes share: the file a state runs,
 * raising a GError at the user's line, registering a class, and checking
 * arguments (option tables, sizes, durations, counts, strings that cannot
 * hold a NUL byte)
 *
 * The classes (pv-lua-provium.c, pv-lua-vm.c, pv-lua-result.c,
 * pv-lua-console.c) use only this file and the guard (pv-lua-guard.c), and
 * pv-lua.c (the state) registers them: no file of src/lua/ calls back into
 * the one that calls it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-console-check.h"
#include "pv-error.h"
#include "pv-lua.h"
#include "pv-text.h"
#include "pv-units.h"

/* How much of a refused string its error message shows. */
#define PV_LUA_SHOWN_MAX 64

/**
 * pv_lua_peek:
 * Returns: (transfer none): what the state knows of its file
 */
PvLuaFile *
pv_lua_peek(lua_State *L)
{
    return *(PvLuaFile **)lua_getextraspace(L);
}

/**
 * pv_lua_get_file:
 * Returns: (transfer none): the file this state runs
 */
PvFile *
pv_lua_get_file(lua_State *L)
{
    return pv_lua_peek(L)->file;
}

/*
 * Pushes "path:line: " for the innermost frame of the test file, or "" when
 * the file is not on the stack.  Errors then point at the user's line even
 * when raised through the prelude (wait_until, ...).
 */
static void
pv_lua_where(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    lua_Debug ar;
    int level;

    for (level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0 && ar.source[0] == '@' && strcmp(ar.source + 1, pv_file_peek_path(file)) == 0) {
            lua_pushfstring(L, "%s:%d: ", pv_file_peek_path(file), ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

/**
 * pv_lua_raise_error:
 * @error: (transfer full)
 *
 * Raises @error's message as a Lua error, located at the test file's line,
 * freeing @error first: nothing of it is left for the longjmp to leak.  When
 * the file was interrupted (a signal, a timeout, a domain that died), the
 * interrupt is the cause and its reason is raised instead: the error is
 * mostly its consequence ("guest agent disappeared").
 */
G_NORETURN int
pv_lua_raise_error(lua_State *L, GError *error)
{
    GError *interrupt = NULL;

    if (!pv_wake_check(pv_file_peek_wake(pv_lua_get_file(L)), &interrupt)) {
        g_error_free(error);
        error = interrupt;
    }
    pv_lua_where(L);
    lua_pushstring(L, error->message);
    g_error_free(error);
    lua_concat(L, 2);
    /* What handles the error is the file's code. */
    pv_lua_guard_raise(L);
    lua_error(L);
    g_assert_not_reached();
}

/* Raises, at the caller's line, that @what holds a NUL byte. */
static G_NORETURN void
pv_lua_raise_nul(lua_State *L, const char *text, size_t len, const char *what)
{
    char *shown = pv_text_make_valid(text, MIN(len, PV_LUA_SHOWN_MAX));

    lua_pushstring(L, shown);
    g_free(shown);
    luaL_error(L, _("%s \"%s%s\" holds a NUL byte (\\0), which names, paths, a command's "
                    "arguments and its environment cannot hold"),
               what, lua_tostring(L, -1), len > PV_LUA_SHOWN_MAX ? "..." : "");
    g_assert_not_reached();
}

/**
 * pv_lua_check_text:
 * @arg: an argument of the running function
 * @what: what it is, for the message ("vm:write_file(): path")
 *
 * luaL_checkstring() for what cannot hold a NUL byte: a name, a path, a
 * command or one of its arguments, the environment.  C, the guest agent and
 * libvirt would cut it at the NUL without a word ("/tmp/a\0b" written as
 * "/tmp/a"): it is an error at the caller's line instead.
 * Returns: (transfer none): the string, on the stack
 */
const char *
pv_lua_check_text(lua_State *L, int arg, const char *what)
{
    size_t len = 0;
    const char *text = luaL_checklstring(L, arg, &len);

    if (strlen(text) != len)
        pv_lua_raise_nul(L, text, len, what);
    return text;
}

/**
 * pv_lua_to_text:
 * @idx: a string (or a number) on the stack
 *
 * pv_lua_check_text() for a value already known to be a string: a field of
 * an options table, an element of a list.
 * Returns: (transfer none): the string, converted in place from a number
 */
const char *
pv_lua_to_text(lua_State *L, int idx, const char *what)
{
    size_t len = 0;
    const char *text = lua_tolstring(L, idx, &len);

    if (text && strlen(text) != len)
        pv_lua_raise_nul(L, text, len, what);
    return text;
}

/**
 * pv_lua_dup_message:
 * @idx: a string on the stack (a message, a test's output)
 *
 * A copy of a string that may hold NUL bytes for what only takes text (the
 * event stream, a GError): each NUL shown as "\x00", not cutting it short.
 * Returns: (transfer full) (nullable): NULL when @idx is not a string
 */
char *
pv_lua_dup_message(lua_State *L, int idx)
{
    size_t len = 0;
    const char *text = lua_tolstring(L, idx, &len);

    if (!text)
        return NULL;
    if (strlen(text) == len)
        return g_strdup(text);
    return pv_text_make_valid(text, len);
}

/**
 * pv_lua_register_class:
 * @meta: (transfer none): static: metamethods, with an "__index" entry
 *   (NULL) that becomes @methods
 * @methods: (transfer none): static
 *
 * Creates the metatable @name, as liolib.c does for its file handles, its
 * functions guarded (pv_lua_push_function()).
 */
void
pv_lua_register_class(lua_State *L, const char *name, const luaL_Reg *meta,
                      const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);
    pv_lua_set_functions(L, meta);
    lua_newtable(L);
    pv_lua_set_functions(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

/**
 * pv_lua_check_options:
 * @arg: a table, or none/nil
 * @known: NULL-terminated option names
 *
 * Raises an error naming the first key of the table at @arg that is not
 * in @known: a misspelt option must not be ignored.
 */
void
pv_lua_check_options(lua_State *L, int arg, const char *what, const char *const *known)
{
    if (lua_isnoneornil(L, arg))
        return;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, arg) != 0) {
        size_t key_len = 0;
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &key_len) : NULL;
        gboolean ok = FALSE;
        luaL_Buffer b;
        gsize i;

        /* "memory\0x" is not "memory": it would be ignored. */
        for (i = 0; key && strlen(key) == key_len && known[i]; i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (ok) {
            lua_pop(L, 1);
            continue;
        }
        luaL_buffinit(L, &b);
        for (i = 0; known[i]; i++) {
            if (i)
                luaL_addstring(&b, ", ");
            luaL_addstring(&b, known[i]);
        }
        luaL_pushresult(&b);
        if (key && strlen(key) != key_len) {
            lua_pushfstring(L, "%s: option", what);
            pv_lua_to_text(L, -4, lua_tostring(L, -1));
        }
        luaL_error(L, "%s: unknown option '%s' (known: %s)", what,
                   key ? key : luaL_typename(L, -3), lua_tostring(L, -1));
    }
}

/**
 * pv_lua_check_duration:
 *
 * A duration argument: a string ("30s") or a number of seconds.  @what
 * (nullable) prefixes the error message.
 * Returns: nanoseconds
 */
gint64
pv_lua_check_duration(lua_State *L, int arg, const char *what)
{
    GError *error = NULL;
    gint64 ns = 0;
    const char *text;

    if (lua_type(L, arg) == LUA_TNUMBER) {
        lua_Number seconds = lua_tonumber(L, arg);

        if (seconds < 0 || seconds > 1e9)
            luaL_error(L, "%s%sinvalid duration %f", what ? what : "", what ? ": " : "",
                       (double)seconds);
        return (gint64)(seconds * 1e9);
    }
    text = pv_lua_check_text(L, arg, what ? what : "duration");
    if (!pv_duration_parse(text, &ns, &error)) {
        if (what)
            g_prefix_error(&error, "%s: ", what);
        pv_lua_raise_error(L, error);
    }
    return ns;
}

/**
 * pv_lua_check_size:
 *
 * A size argument: a string ("512M") or a number of bytes.
 */
guint64
pv_lua_check_size(lua_State *L, int arg, const char *what)
{
    GError *error = NULL;
    guint64 bytes = 0;
    const char *text;

    if (lua_type(L, arg) == LUA_TNUMBER) {
        lua_Integer n;

        if (!lua_isinteger(L, arg) || (n = lua_tointeger(L, arg)) < 0)
            luaL_error(L, "%s: a size is a whole number of bytes or a string like \"512M\"",
                       what);
        return (guint64)lua_tointeger(L, arg);
    }
    text = pv_lua_check_text(L, arg, what);
    if (!pv_size_parse(text, &bytes, &error)) {
        g_prefix_error(&error, "%s: ", what);
        pv_lua_raise_error(L, error);
    }
    return bytes;
}

/**
 * pv_lua_sleep:
 *
 * Sleeps for the nanoseconds at stack index 1, waking for interrupts.
 */
int
pv_lua_sleep(lua_State *L)
{
    PvFile *file = pv_lua_get_file(L);
    lua_Integer ns = luaL_checkinteger(L, 1);
    GError *error = NULL;
    gint64 until = g_get_monotonic_time() + MAX(ns, 0) / 1000;
    PvWaitResult waited;

    waited = pv_wake_wait(pv_file_peek_wake(file), MIN(until, pv_file_deadline(file)), NULL,
                          NULL, &error);
    if (waited == PV_WAIT_INTERRUPTED || !pv_file_check(file, &error))
        pv_lua_raise_error(L, error);
    return 0;
}

/**
 * pv_lua_check_count:
 *
 * A count argument (llcs, cores, threads): a whole number from 1 to 4096.
 */
guint
pv_lua_check_count(lua_State *L, int arg, const char *what)
{
    lua_Integer n = luaL_checkinteger(L, arg);

    if (n < 1 || n > 4096)
        luaL_error(L, "%s: %d is not a number between 1 and 4096", what, (int)n);
    return n;
}

/* Adds the check @name names to @mask, or raises an error naming the known ones. */
static void
pv_lua_add_console_check(lua_State *L, const char *name, const char *what, guint *mask)
{
    char *known;

    if (pv_console_check_parse(name, mask))
        return;
    known = pv_console_check_known();
    lua_pushstring(L, known);
    g_free(known);
    luaL_error(L, "%s: '%s' is not a console check (known: %s)", what, name,
               lua_tostring(L, -1));
}

/**
 * pv_lua_check_console_checks:
 *
 * Console checks (console_ignore, console:allow()): a name ("oops"), names
 * separated by commas, "all", or a list of names.
 * Returns: their PvConsoleCheck bits
 */
guint
pv_lua_check_console_checks(lua_State *L, int arg, const char *what)
{
    guint mask = 0;
    lua_Integer i;

    arg = lua_absindex(L, arg);
    if (lua_type(L, arg) == LUA_TSTRING) {
        const char *spec = pv_lua_to_text(L, arg, what);

        while (*spec) {
            const char *end = strchr(spec, ',');
            size_t len = end ? (size_t)(end - spec) : strlen(spec);

            while (len > 0 && spec[0] == ' ') {
                spec++;
                len--;
            }
            while (len > 0 && spec[len - 1] == ' ')
                len--;
            lua_pushlstring(L, spec, len);
            pv_lua_add_console_check(L, lua_tostring(L, -1), what, &mask);
            lua_pop(L, 1);
            if (!end)
                break;
            spec = end + 1;
        }
        return mask;
    }
    if (!lua_istable(L, arg))
        luaL_error(L, "%s: expected a console check's name or a list of them, e.g. "
                   "{\"oom\", \"segfault\"}", what);
    for (i = 1; lua_rawgeti(L, arg, i) != LUA_TNIL; i++) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: expected a console check's name, got a %s", what,
                       luaL_typename(L, -1));
        pv_lua_add_console_check(L, pv_lua_to_text(L, -1, what), what, &mask);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return mask;
}
