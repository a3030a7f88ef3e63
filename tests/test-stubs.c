/*
 * test-stubs.c: the editor stubs (lua/stubs/) describe the Lua API provium has
 *
 * One side is read from a real test file's Lua state, made by pv_lua_new()
 * as for every test file: the globals it adds to the standard ones, the
 * methods of every "provium.*" metatable in the registry, the methods and
 * fields of the test context `t` (captured by running a test), of the
 * `provium` object and of a command's result, and the options each function
 * taking an options table accepts (from the error a probe option raises).
 * The other side is parsed from the stubs' LuaLS annotations.  Each must
 * contain the other, so a binding added without its stub (or a stub left
 * after its binding went) fails here, naming it.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <lualib.h>
#include <string.h>

#include "pv-datadir.h"
#include "lua/pv-lua.h"
#include "pv-run.h"

#define PROBE_KEY "__provium_probe"

/*
 * Each provium.*Options class of the stubs, and Lua code that passes the
 * table PROBE where that function takes its options.  Functions check their
 * options before doing anything, so nothing boots.
 */
static const struct {
    const char *options_class;
    const char *code;
} probes[] = {
    { "provium.TestOptions", "test('probe', PROBE, function() end)" },
    { "provium.WaitOptions", "wait_until(function() return true end, PROBE)" },
    { "provium.VmOptions", "provium:vm('probe', PROBE)" },
    { "provium.ClaimOptions", "provium:claim(PROBE)" },
    { "provium.NetworkOptions", "provium:network('probe', PROBE)" },
    { "provium.NicOptions", "provium:vm('probe', {nics = {PROBE}})" },
    { "provium.CloudInitOptions", "provium:vm('probe', {cloud_init = PROBE})" },
    { "provium.DiskOptions", "provium:vm('probe', {disks = {PROBE}})" },
    { "provium.BootOptions", "provium:vm('probe'):boot(PROBE)" },
    { "provium.RunOptions", "provium:vm('probe'):run('true', PROBE)" },
    { "provium.WriteFileOptions", "provium:vm('probe'):write_file('/f', 'x', PROBE)" },
    { "provium.ShutdownOptions", "provium:vm('probe'):shutdown(PROBE)" },
    { "provium.FixtureOptions", "fixture('probe', PROBE, function() end)" },
};

typedef struct {
    /* "global NAME", "method CLASS:NAME", "function CLASS.NAME", "field CLASS.NAME" */
    GHashTable *api;
    /* class -> GPtrArray of sorted option names */
    GHashTable *options;
} PvApi;

typedef struct {
    char *dir;
    PvRunOptions options;
    PvRun *run;
    PvFile *file;
    PvLuaFile lua_file;
    lua_State *L;
    PvApi bound;        /* what the Lua state has */
    PvApi stubs;        /* what the stubs say */
    GHashTable *types;  /* provium.* classes and aliases the stubs declare */
    GString *problems;  /* in the stubs themselves */
} Fixture;

static void
pv_api_init(PvApi *api)
{
    api->api = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    api->options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)g_ptr_array_unref);
}

static void
pv_api_clear(PvApi *api)
{
    g_hash_table_unref(api->api);
    g_hash_table_unref(api->options);
}

static void
add(PvApi *api, const char *where, const char *format, ...) G_GNUC_PRINTF(3, 4);

static void
add(PvApi *api, const char *where, const char *format, ...)
{
    va_list ap;
    char *entry;

    va_start(ap, format);
    entry = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_hash_table_insert(api->api, entry, g_strdup(where));
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *
sorted_join(GPtrArray *names)
{
    g_ptr_array_sort(names, compare_strings);
    g_ptr_array_add(names, NULL);
    g_ptr_array_set_size(names, names->len - 1);
    return g_strjoinv(", ", (char **)names->pdata);
}

/* ---------------------------------------------------------------------- */
/* The API of a real Lua state */

/* The table at @index: its function keys as methods or functions, the rest as fields. */
static void
add_table(PvApi *api, lua_State *L, int index, const char *class, gboolean methods,
          gboolean fields)
{
    index = lua_absindex(L, index);
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

        /* Metamethods and private fields (t._failures) are not API. */
        if (key && key[0] != '_') {
            if (lua_type(L, -1) == LUA_TFUNCTION) {
                if (methods)
                    add(api, "bindings", "method %s:%s", class, key);
                else if (fields)
                    add(api, "bindings", "function %s.%s", class, key);
            } else if (fields) {
                add(api, "bindings", "field %s.%s", class, key);
            }
        }
        lua_pop(L, 1);
    }
}

/* The value at @index: fields of its own, methods from its metatable's __index. */
static void
add_object(PvApi *api, lua_State *L, int index)
{
    g_autofree char *class = NULL;

    index = lua_absindex(L, index);
    g_assert_true(lua_getmetatable(L, index));
    g_assert_cmpint(lua_getfield(L, -1, "__name"), ==, LUA_TSTRING);
    class = g_strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "__index") == LUA_TTABLE)
        add_table(api, L, -1, class, TRUE, FALSE);
    lua_pop(L, 2);
    if (lua_type(L, index) == LUA_TTABLE)
        add_table(api, L, index, class, FALSE, TRUE);
}

static void
read_globals(Fixture *fx)
{
    lua_State *plain = luaL_newstate();

    luaL_openlibs(plain);
    lua_pushglobaltable(fx->L);
    lua_pushnil(fx->L);
    while (lua_next(fx->L, -2) != 0) {
        const char *name = lua_tostring(fx->L, -2);

        if (lua_getglobal(plain, name) == LUA_TNIL)
            add(&fx->bound, "bindings", "global %s", name);
        lua_pop(plain, 1);
        lua_pop(fx->L, 1);
    }
    lua_pop(fx->L, 1);
    lua_close(plain);
}

/* Every class registered with luaL_newmetatable("provium.*"). */
static void
read_registry(Fixture *fx)
{
    lua_State *L = fx->L;

    lua_pushnil(L);
    while (lua_next(L, LUA_REGISTRYINDEX) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING && g_str_has_prefix(lua_tostring(L, -2), "provium.") &&
            lua_type(L, -1) == LUA_TTABLE) {
            g_autofree char *class = g_strdup(lua_tostring(L, -2));

            if (lua_getfield(L, -1, "__index") == LUA_TTABLE)
                add_table(&fx->bound, L, -1, class, TRUE, FALSE);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

/* The test context exists only inside a test: run one that keeps it. */
static void
read_test_context(Fixture *fx)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *cause = NULL;

    /* probe.test.lua: test('probe', function(t) PV_PROBE_T = t end) */
    g_assert_true(pv_lua_run_top_level(fx->L, &error));
    g_assert_no_error(error);
    g_assert_cmpint(pv_lua_run_test(fx->L, 1, &cause, &message), ==, PV_TEST_PASSED);
    g_assert_cmpint(lua_getglobal(fx->L, "PV_PROBE_T"), ==, LUA_TTABLE);
    add_object(&fx->bound, fx->L, -1);
    lua_pop(fx->L, 1);
    lua_pushnil(fx->L);
    lua_setglobal(fx->L, "PV_PROBE_T");
}

/* A command's result is a table: its fields, of a normal and of a killed command. */
static void
read_run_result(Fixture *fx)
{
    PvAgentExecResult exited = { .exit_code = 0 };
    PvAgentExecResult killed = { .signaled = TRUE, .signal = 9 };

    pv_lua_result_push(fx->L, "true", &exited);
    add_object(&fx->bound, fx->L, -1);
    pv_lua_result_push(fx->L, "true", &killed);
    add_object(&fx->bound, fx->L, -1);
    lua_pop(fx->L, 2);
}

/* The options a function accepts, from its "unknown option" error. */
static void
read_options(Fixture *fx)
{
    lua_State *L = fx->L;
    gsize i;

    lua_createtable(L, 0, 1);
    lua_pushboolean(L, TRUE);
    lua_setfield(L, -2, PROBE_KEY);
    lua_setglobal(L, "PROBE");
    for (i = 0; i < G_N_ELEMENTS(probes); i++) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) known = NULL;
        const char *message;
        const char *start;
        const char *end;
        guint k;

        g_assert_cmpint(luaL_loadstring(L, probes[i].code), ==, LUA_OK);
        if (lua_pcall(L, 0, 0, 0) == LUA_OK)
            lua_pushliteral(L, "no error");
        message = lua_tostring(L, -1);
        start = strstr(message, "unknown option '" PROBE_KEY "' (known: ");
        if (!start) {
            g_test_message("%s did not reject the option " PROBE_KEY ": %s", probes[i].code,
                           message);
            g_test_fail();
            lua_pop(L, 1);
            continue;
        }
        start = strstr(start, "(known: ") + strlen("(known: ");
        end = strchr(start, ')');
        g_assert_nonnull(end);
        {
            g_autofree char *list = g_strndup(start, end - start);

            known = g_strsplit(list, ", ", -1);
        }
        for (k = 0; known[k]; k++)
            g_ptr_array_add(names, g_strdup(known[k]));
        g_hash_table_insert(fx->bound.options, g_strdup(probes[i].options_class),
                            g_steal_pointer(&names));
        lua_pop(L, 1);
    }
}

/* ---------------------------------------------------------------------- */
/* The API the stubs describe */

static void
problem(Fixture *fx, const char *where, const char *format, ...) G_GNUC_PRINTF(3, 4);

static void
problem(Fixture *fx, const char *where, const char *format, ...)
{
    va_list ap;

    g_string_append_printf(fx->problems, "%s: ", where);
    va_start(ap, format);
    g_string_append_vprintf(fx->problems, format, ap);
    va_end(ap);
    g_string_append_c(fx->problems, '\n');
}

/* Type expressions may only name provium.* types the stubs declare. */
static void
check_types(Fixture *fx, const char *where, const char *type, GPtrArray *uses)
{
    g_autoptr(GRegex) re = g_regex_new("provium\\.[A-Za-z_][A-Za-z0-9_]*", 0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;

    g_regex_match(re, type, 0, &match);
    while (g_match_info_matches(match)) {
        g_autofree char *name = g_match_info_fetch(match, 0);

        g_ptr_array_add(uses, g_strdup_printf("%s\t%s", where, name));
        g_match_info_next(match, NULL);
    }
}

/* g_regex_match() into @m, freeing what @m held before. */
static gboolean
match(GRegex *re, const char *line, GMatchInfo **m)
{
    g_clear_pointer(m, g_match_info_free);
    return g_regex_match(re, line, 0, m);
}

/* The names of a function's parameters, as "a, b" */
static char *
join_params(GPtrArray *params)
{
    g_ptr_array_add(params, NULL);
    g_ptr_array_set_size(params, params->len - 1);
    return g_strjoinv(", ", (char **)params->pdata);
}

static void
read_stub_file(Fixture *fx, const char *path, GPtrArray *type_uses)
{
    g_autofree char *text = NULL;
    g_autofree char *base = g_path_get_basename(path);
    g_auto(GStrv) lines = NULL;
    g_autoptr(GHashTable) locals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *class = NULL;   /* the ---@class of the block being read */
    g_autoptr(GRegex) re_class = g_regex_new("^---@class\\s+([A-Za-z0-9_.]+)", 0, 0, NULL);
    g_autoptr(GRegex) re_alias = g_regex_new("^---@alias\\s+([A-Za-z0-9_.]+)\\s+(.*)$", 0, 0,
                                             NULL);
    g_autoptr(GRegex) re_field = g_regex_new("^---@field\\s+([A-Za-z_][A-Za-z0-9_]*)\\??\\s+(.*)$",
                                             0, 0, NULL);
    g_autoptr(GRegex) re_param = g_regex_new("^---@param\\s+([A-Za-z_][A-Za-z0-9_]*|\\.\\.\\.)"
                                             "\\??\\s+(.*)$", 0, 0, NULL);
    g_autoptr(GRegex) re_typed = g_regex_new("^---@(return|overload|type)\\s+(.*)$", 0, 0, NULL);
    g_autoptr(GRegex) re_table = g_regex_new("^(local\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*\\{\\}",
                                             0, 0, NULL);
    g_autoptr(GRegex) re_function = g_regex_new("^function\\s+(([A-Za-z_][A-Za-z0-9_]*)([:.]))?"
                                                "([A-Za-z_][A-Za-z0-9_]*)\\s*\\(([^)]*)\\)",
                                                0, 0, NULL);
    lua_State *L = luaL_newstate();
    guint i;

    /* LuaLS reads them as Lua: they must at least parse (luac -p). */
    if (luaL_loadfile(L, path) != LUA_OK)
        problem(fx, base, "does not parse: %s", lua_tostring(L, -1));
    lua_close(L);

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    if (!g_str_has_prefix(lines[0], "---@meta"))
        problem(fx, base, "the first line must be ---@meta");
    for (i = 0; lines[i]; i++) {
        g_autofree char *where = g_strdup_printf("%s:%u", base, i + 1);
        g_autoptr(GMatchInfo) m = NULL;

        if (match(re_class, lines[i], &m)) {
            g_free(class);
            class = g_match_info_fetch(m, 1);
            g_hash_table_add(fx->types, g_strdup(class));
            if (g_str_has_suffix(class, "Options"))
                g_hash_table_insert(fx->stubs.options, g_strdup(class),
                                    g_ptr_array_new_with_free_func(g_free));
        } else if (match(re_alias, lines[i], &m)) {
            g_autofree char *type = g_match_info_fetch(m, 2);

            g_hash_table_add(fx->types, g_match_info_fetch(m, 1));
            check_types(fx, where, type, type_uses);
        } else if (match(re_field, lines[i], &m)) {
            g_autofree char *name = g_match_info_fetch(m, 1);
            g_autofree char *type = g_match_info_fetch(m, 2);

            if (!class) {
                problem(fx, where, "---@field outside a ---@class block");
                continue;
            }
            check_types(fx, where, type, type_uses);
            if (g_str_has_suffix(class, "Options"))
                g_ptr_array_add(g_hash_table_lookup(fx->stubs.options, class),
                                g_steal_pointer(&name));
            else
                add(&fx->stubs, where, "field %s.%s", class, name);
        } else if (match(re_param, lines[i], &m)) {
            g_autofree char *type = g_match_info_fetch(m, 2);

            g_ptr_array_add(params, g_match_info_fetch(m, 1));
            check_types(fx, where, type, type_uses);
        } else if (match(re_typed, lines[i], &m)) {
            g_autofree char *type = g_match_info_fetch(m, 2);

            check_types(fx, where, type, type_uses);
        } else if (g_str_has_prefix(lines[i], "--")) {
            /* documentation */
        } else if (match(re_table, lines[i], &m)) {
            g_autofree char *local = g_match_info_fetch(m, 1);
            g_autofree char *var = g_match_info_fetch(m, 2);

            if (!class) {
                problem(fx, where, "%s = {} needs a ---@class above it", var);
                continue;
            }
            g_hash_table_insert(locals, g_strdup(var), g_strdup(class));
            if (!*local)
                add(&fx->stubs, where, "global %s", var);
            g_clear_pointer(&class, g_free);
            g_ptr_array_set_size(params, 0);
        } else if (match(re_function, lines[i], &m)) {
            g_autofree char *var = g_match_info_fetch(m, 2);
            g_autofree char *sep = g_match_info_fetch(m, 3);
            g_autofree char *name = g_match_info_fetch(m, 4);
            g_autofree char *args = g_match_info_fetch(m, 5);
            g_autofree char *documented = join_params(params);
            g_auto(GStrv) arg_list = g_regex_split_simple("\\s*,\\s*", g_strstrip(args), 0, 0);
            g_autofree char *declared = g_strjoinv(", ", arg_list);

            if (!*var) {
                add(&fx->stubs, where, "global %s", name);
            } else if (!g_hash_table_contains(locals, var)) {
                problem(fx, where, "%s is not a table declared with a ---@class", var);
            } else {
                add(&fx->stubs, where, "%s %s%s%s", *sep == ':' ? "method" : "function",
                    (const char *)g_hash_table_lookup(locals, var), sep, name);
            }
            if (!g_str_equal(documented, declared))
                problem(fx, where, "%s(%s) has ---@param lines for (%s)", name, declared,
                        documented);
            g_ptr_array_set_size(params, 0);
            g_clear_pointer(&class, g_free);
        } else {
            g_clear_pointer(&class, g_free);
            g_ptr_array_set_size(params, 0);
        }
    }
}

static void
read_stubs(Fixture *fx)
{
    g_autofree char *dir = pv_datadir_build_path("lua", "stubs", NULL);
    g_autoptr(GDir) d = NULL;
    g_autoptr(GPtrArray) type_uses = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    const char *name;
    guint files = 0;
    guint i;

    d = g_dir_open(dir, 0, &error);
    g_assert_no_error(error);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (!g_str_has_suffix(name, ".lua"))
            continue;
        read_stub_file(fx, path, type_uses);
        files++;
    }
    g_assert_cmpuint(files, >, 0);
    for (i = 0; i < type_uses->len; i++) {
        g_auto(GStrv) use = g_strsplit(type_uses->pdata[i], "\t", 2);

        if (!g_hash_table_contains(fx->types, use[1]))
            problem(fx, use[0], "type %s is neither a ---@class nor an ---@alias", use[1]);
    }
}

/* ---------------------------------------------------------------------- */

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *path = NULL;

    fx->dir = g_dir_make_tmp("pv-stubs-XXXXXX", NULL);
    conf = g_build_filename(fx->dir, "provium.conf", NULL);
    g_assert_true(g_file_set_contents(conf, "[profile default]\nmemory = 128M\n", -1, NULL));
    path = g_build_filename(fx->dir, "probe.test.lua", NULL);
    g_assert_true(g_file_set_contents(path, "test('probe', function(t) PV_PROBE_T = t end)\n",
                                      -1, NULL));
    pv_run_options_init(&fx->options);
    fx->options.config_path = g_strdup(conf);
    fx->run = pv_run_new(&fx->options);
    fx->file = pv_file_new(fx->run, path);
    g_assert_true(pv_file_load_config(fx->file, &error));
    g_assert_no_error(error);
    fx->lua_file.file = fx->file;
    fx->L = pv_lua_new(&fx->lua_file, &error);
    g_assert_no_error(error);

    pv_api_init(&fx->bound);
    pv_api_init(&fx->stubs);
    fx->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    fx->problems = g_string_new(NULL);

    read_globals(fx);
    read_registry(fx);
    lua_getglobal(fx->L, "provium");
    add_object(&fx->bound, fx->L, -1);
    lua_pop(fx->L, 1);
    read_run_result(fx);
    read_test_context(fx);
    read_options(fx);
    read_stubs(fx);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    g_autofree char *conf = g_build_filename(fx->dir, "provium.conf", NULL);
    g_autofree char *probe = g_build_filename(fx->dir, "probe.test.lua", NULL);

    lua_close(fx->L);
    pv_file_free(fx->file);
    pv_run_free(fx->run);
    pv_run_options_clear(&fx->options);
    pv_api_clear(&fx->bound);
    pv_api_clear(&fx->stubs);
    g_hash_table_unref(fx->types);
    g_string_free(fx->problems, TRUE);
    g_assert_cmpint(g_remove(conf), ==, 0);
    g_remove(probe);
    g_assert_cmpint(g_rmdir(fx->dir), ==, 0);
    g_free(fx->dir);
}

/*
 * Entries of @a not in @b, sorted, one per line: "ENTRY: <a's place> WHY".
 * @bound_side: @a is what provium has (else: what the stubs describe).
 */
static char *
missing(GHashTable *a, GHashTable *b, gboolean bound_side)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GString) out = g_string_new(NULL);
    GHashTableIter iter;
    gpointer key, where;
    guint i;

    g_hash_table_iter_init(&iter, a);
    while (g_hash_table_iter_next(&iter, &key, &where))
        if (!g_hash_table_contains(b, key))
            g_ptr_array_add(names, key);
    g_ptr_array_sort(names, compare_strings);
    for (i = 0; i < names->len; i++) {
        const char *name = names->pdata[i];

        if (bound_side)
            g_string_append_printf(out, "%s: provium has it, lua/stubs/ does not describe it\n",
                                   name);
        else
            g_string_append_printf(out, "%s: described at %s, but provium has no such thing\n",
                                   name, (const char *)g_hash_table_lookup(a, name));
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* The state has what the tests use, so the walk itself is not empty. */
static void
test_bindings_seen(Fixture *fx, gconstpointer data)
{
    static const char *const expected[] = {
        "global test", "global wait_until", "global provium",
        "method provium.Provium:vm", "method provium.VM:run", "method provium.Console:expect",
        "method provium.RunResult:assert_ok", "field provium.RunResult.stdout",
        "method provium.Test:assert_eq", "field provium.Test.name",
        "field provium.Provium.run_id",
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(expected); i++)
        g_assert_true(g_hash_table_contains(fx->bound.api, expected[i]));
    g_assert_nonnull(g_hash_table_lookup(fx->bound.options, "provium.BootOptions"));
}

static void
test_stubs_well_formed(Fixture *fx, gconstpointer data)
{
    g_assert_cmpstr(fx->problems->str, ==, "");
}

static void
test_every_binding_has_a_stub(Fixture *fx, gconstpointer data)
{
    g_autofree char *text = missing(fx->bound.api, fx->stubs.api, TRUE);

    g_assert_cmpstr(text, ==, "");
}

static void
test_every_stub_has_a_binding(Fixture *fx, gconstpointer data)
{
    g_autofree char *text = missing(fx->stubs.api, fx->bound.api, FALSE);

    g_assert_cmpstr(text, ==, "");
}

static void
test_options(Fixture *fx, gconstpointer data)
{
    g_autoptr(GString) out = g_string_new(NULL);
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, fx->stubs.options);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        GPtrArray *bound = g_hash_table_lookup(fx->bound.options, key);
        g_autofree char *documented = sorted_join(value);
        g_autofree char *accepted = NULL;

        if (!bound) {
            g_string_append_printf(out, "%s: no probe in tests/test-stubs.c calls the function "
                                   "that takes it\n", (const char *)key);
            continue;
        }
        accepted = sorted_join(bound);
        if (!g_str_equal(documented, accepted))
            g_string_append_printf(out, "%s: the stubs list {%s}, provium accepts {%s}\n",
                                   (const char *)key, documented, accepted);
    }
    g_hash_table_iter_init(&iter, fx->bound.options);
    while (g_hash_table_iter_next(&iter, &key, &value))
        if (!g_hash_table_contains(fx->stubs.options, key))
            g_string_append_printf(out, "%s: probed, but not a ---@class of the stubs\n",
                                   (const char *)key);
    g_assert_cmpstr(out->str, ==, "");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/stubs/bindings-seen", Fixture, NULL, fixture_setup, test_bindings_seen,
               fixture_teardown);
    g_test_add("/stubs/well-formed", Fixture, NULL, fixture_setup, test_stubs_well_formed,
               fixture_teardown);
    g_test_add("/stubs/every-binding-has-a-stub", Fixture, NULL, fixture_setup,
               test_every_binding_has_a_stub, fixture_teardown);
    g_test_add("/stubs/every-stub-has-a-binding", Fixture, NULL, fixture_setup,
               test_every_stub_has_a_binding, fixture_teardown);
    g_test_add("/stubs/options", Fixture, NULL, fixture_setup, test_options, fixture_teardown);
    return g_test_run();
}
