/*
 * pv-lua-vm.c: the VM class (provium.VM)
 *
 *   local vm = provium:vm("web"):boot()
 *   local r = vm:run("uname -r")
 *
 * The userdata holds a pointer to a PvVm that the file owns and frees after
 * the Lua state is closed, so the pointer is valid for the state's life.
 * Arguments are checked (which may raise) before anything is allocated.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#include "pv-lua.h"
#include "pv-units.h"
#include "pv-vm.h"

#define PV_LUA_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct {
    PvVm *vm;
} PvLuaVm;

/**
 * pv_lua_check_vm:
 *
 * luaL_checkudata() for a provium.VM.
 * Returns: (transfer none): its VM, owned by the file
 */
PvVm *
pv_lua_check_vm(lua_State *L, int arg)
{
    PvLuaVm *ud = luaL_checkudata(L, arg, PV_LUA_VM);

    return ud->vm;
}

/**
 * pv_lua_vm_push:
 * @vm: (transfer none): owned by the file
 */
void
pv_lua_vm_push(lua_State *L, PvVm *vm)
{
    PvLuaVm *ud = lua_newuserdatauv(L, sizeof(PvLuaVm), 0);

    ud->vm = vm;
    luaL_setmetatable(L, PV_LUA_VM);
}

/**
 * pv_lua_check_vm_options:
 * @arg: an options table
 * @boot: also vm:boot()'s own options (timeout, agent)
 * @options: (inout): set from the table
 *
 * The one parser of a VM's options, for provium:vm() and for vm:boot(),
 * vm:start() and provium.boot(): a misspelt option is an error naming it.
 */
void
pv_lua_check_vm_options(lua_State *L, int arg, const char *what, gboolean boot,
                        PvVmBootOptions *options)
{
    static const char *const vm_known[] = {
        "memory", "cpus", "performance_mode", "llcs", "cores", "threads", "console_ignore",
        "nics", "fixture", "cmdline", "boot_timeout", "cloud_init", "disks", "firmware", NULL,
    };
    static const char *const boot_known[] = {
        "memory", "cpus", "performance_mode", "llcs", "cores", "threads", "timeout", "agent",
        "ready", NULL,
    };
    int top = lua_gettop(L);

    pv_lua_check_options(L, arg, what, boot ? boot_known : vm_known);
    if (!lua_istable(L, arg))
        return;
    if (lua_getfield(L, arg, "memory") != LUA_TNIL)
        options->vm.memory = pv_lua_check_size(L, -1, "memory");
    if (lua_getfield(L, arg, "cpus") != LUA_TNIL)
        options->vm.cpus = pv_lua_check_count(L, -1, "cpus");
    if (lua_getfield(L, arg, "performance_mode") != LUA_TNIL)
        options->vm.performance_mode = lua_toboolean(L, -1);
    if (lua_getfield(L, arg, "llcs") != LUA_TNIL)
        options->vm.llcs = pv_lua_check_count(L, -1, "llcs");
    if (lua_getfield(L, arg, "cores") != LUA_TNIL)
        options->vm.cores = pv_lua_check_count(L, -1, "cores");
    if (lua_getfield(L, arg, "threads") != LUA_TNIL)
        options->vm.threads = pv_lua_check_count(L, -1, "threads");
    if (!boot && lua_getfield(L, arg, "console_ignore") != LUA_TNIL)
        options->vm.console_ignore = pv_lua_check_console_checks(L, -1, "console_ignore");
    if (boot) {
        if (lua_getfield(L, arg, "timeout") != LUA_TNIL)
            options->timeout_ns = pv_lua_check_duration(L, -1, "timeout");
        if (lua_getfield(L, arg, "agent") != LUA_TNIL)
            options->no_agent = !lua_toboolean(L, -1);
        if (lua_getfield(L, arg, "ready") != LUA_TNIL &&
            (lua_type(L, -1) != LUA_TSTRING ||
             !pv_vm_ready_from_string(lua_tostring(L, -1), &options->ready)))
            luaL_error(L, "%s: ready must be \"agent\", \"systemd\" or \"cloud-init\"", what);
    }
    lua_settop(L, top);
}

/*
 * A boot's error, raised.  Performance mode the host can never give is a
 * skip, visible and counted (or with --perf-strict a failure): the prelude
 * turns {provium_skip = reason, cause = code} into the test's skip.
 */
static G_NORETURN void
pv_lua_vm_raise_boot_error(lua_State *L, GError *error)
{
    PvRun *run = pv_file_peek_run(pv_lua_get_file(L));

    if (!g_error_matches(error, PV_ERROR, PV_ERROR_PERF_UNAVAILABLE))
        pv_lua_raise_error(L, error);
    if (pv_run_peek_options(run)->perf_strict) {
        g_prefix_error(&error, "perf_mode_unavailable: ");
        pv_lua_raise_error(L, error);
    }
    lua_createtable(L, 0, 2);
    lua_pushstring(L, error->message);
    g_error_free(error);
    lua_setfield(L, -2, "provium_skip");
    lua_pushliteral(L, "perf_mode_unavailable");
    lua_setfield(L, -2, "cause");
    lua_error(L);
    g_assert_not_reached();
}

/*
 * vm:boot([{memory =, cpus =, timeout =, agent = false,
 *           performance_mode = true, llcs =, cores =, threads =}]) -> vm
 */
static int
pv_lua_vm_boot(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    PvVmBootOptions options;
    GError *error = NULL;

    pv_vm_boot_options_init(&options);
    pv_lua_check_vm_options(L, 2, "vm:boot()", TRUE, &options);
    if (pv_vm_peek_fixture(vm)) {
        if (options.vm.memory || options.vm.cpus || options.vm.performance_mode != -1 ||
            options.vm.llcs || options.vm.cores || options.vm.threads || options.no_agent)
            return luaL_error(L, "vm:boot(): vm '%s' is restored from fixture '%s': only "
                              "timeout and ready go with it (the fixture's profile sets the rest)",
                              pv_vm_peek_name(vm), pv_vm_peek_fixture(vm)->name);
        if (!pv_vm_boot_fixture(vm, &options, pv_lua_fixture_setup, L, &error))
            pv_lua_raise_error(L, error);
    } else if (!pv_vm_boot(vm, &options, &error)) {
        pv_lua_vm_raise_boot_error(L, error);
    }
    lua_settop(L, 1);
    return 1;
}

/* vm:reset() -> vm, back to its fixture's saved state */
static int
pv_lua_vm_reset(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    GError *error = NULL;

    if (!pv_vm_reset(vm, &error))
        pv_lua_raise_error(L, error);
    lua_settop(L, 1);
    return 1;
}

/* vm:start([options]) -> vm: booting; vm:wait() waits for its agent */
static int
pv_lua_vm_start(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    PvVmBootOptions options;
    GError *error = NULL;

    pv_vm_boot_options_init(&options);
    pv_lua_check_vm_options(L, 2, "vm:start()", TRUE, &options);
    if (pv_vm_peek_fixture(vm))
        return luaL_error(L, "vm:start(): vm '%s' is restored from fixture '%s': use "
                          "vm:boot()", pv_vm_peek_name(vm), pv_vm_peek_fixture(vm)->name);
    if (!pv_vm_start(vm, &options, &error))
        pv_lua_vm_raise_boot_error(L, error);
    lua_settop(L, 1);
    return 1;
}

/* vm:wait() -> vm, once its agent is connected */
static int
pv_lua_vm_wait(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    GError *error = NULL;

    if (!pv_vm_wait(vm, &error))
        pv_lua_raise_error(L, error);
    lua_settop(L, 1);
    return 1;
}

/**
 * pv_lua_vm_boot_all:
 *
 * provium.boot({vm, ...} [, options]) -> the VMs: boots them together and
 * returns when every agent is connected.  provium:boot(...) works too.
 */
int
pv_lua_vm_boot_all(lua_State *L)
{
    PvVmBootOptions options;
    GError *error = NULL;
    g_autofree PvVm **vms = NULL;
    int list = 1;
    lua_Integer n;
    lua_Integer i;

    /* provium:boot{...}: the provium table comes first */
    if (lua_istable(L, 1) && luaL_getmetafield(L, 1, "__name") != LUA_TNIL) {
        gboolean is_provium = g_strcmp0(lua_tostring(L, -1), PV_LUA_PROVIUM) == 0;

        lua_pop(L, 1);
        list = is_provium ? 2 : 1;
    }
    luaL_checktype(L, list, LUA_TTABLE);
    n = luaL_len(L, list);
    if (n < 1)
        return luaL_argerror(L, list, "a list of VMs to boot, e.g. {east, west}");
    if (n > 1024)
        return luaL_argerror(L, list, "more than 1024 VMs");
    pv_vm_boot_options_init(&options);
    pv_lua_check_vm_options(L, list + 1, "provium.boot()", TRUE, &options);
    for (i = 1; i <= n; i++) {
        lua_geti(L, list, i);
        if (!luaL_testudata(L, -1, PV_LUA_VM))
            return luaL_error(L, "provium.boot(): element %d is not a VM (from provium:vm())",
                              (int)i);
        if (pv_vm_peek_fixture(pv_lua_check_vm(L, -1)))
            return luaL_error(L, "provium.boot(): vm '%s' is restored from a fixture: boot it "
                              "with vm:boot()", pv_vm_peek_name(pv_lua_check_vm(L, -1)));
        lua_pop(L, 1);
    }
    /* Nothing below raises until the C side is freed. */
    vms = g_new0(PvVm *, n);
    for (i = 1; i <= n; i++) {
        lua_geti(L, list, i);
        vms[i - 1] = pv_lua_check_vm(L, -1);
        lua_pop(L, 1);
    }
    if (!pv_vm_boot_all(vms, n, &options, &error)) {
        g_clear_pointer(&vms, g_free);
        pv_lua_vm_raise_boot_error(L, error);
    }
    lua_pushvalue(L, list);
    return 1;
}

/*
 * Pushes "NAME=value" for each entry of the env table at @arg, plus a PATH
 * when it has none.  Returns how many strings were pushed.
 */
static int
pv_lua_push_env(lua_State *L, int arg)
{
    int n = 0;
    gboolean has_path = FALSE;

    lua_pushnil(L);
    while (lua_next(L, arg) != 0) {
        const char *name;

        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "env: keys must be variable names");
        name = pv_lua_to_text(L, -2, "vm:run(): env: the name");
        if (!*name || strchr(name, '='))
            luaL_error(L, "env: '%s' is not a variable name", name);
        has_path = has_path || strcmp(name, "PATH") == 0;
        luaL_checkstack(L, 2, "env");
        luaL_tolstring(L, -1, NULL);
        lua_pushfstring(L, "%s=%s", name, pv_lua_to_text(L, -1, "vm:run(): env: a value"));
        lua_remove(L, -2);          /* the tolstring copy */
        lua_insert(L, -3);          /* below key and value */
        lua_pop(L, 1);              /* the value */
        n++;
    }
    if (!has_path) {
        lua_pushstring(L, PV_LUA_DEFAULT_PATH);
        n++;
    }
    return n;
}

/*
 * vm:run("shell command" | {argv...} [, {stdin =, env =, timeout =}]) -> result
 */
static int
pv_lua_vm_run(lua_State *L)
{
    static const char *const known[] = { "stdin", "env", "timeout", NULL };
    PvVm *vm = pv_lua_check_vm(L, 1);
    PvAgentExec exec = { 0 };
    PvAgentExecResult result = { 0 };
    GError *error = NULL;
    const char **args;
    const char **env = NULL;
    const char *command;
    size_t stdin_len = 0;
    const char *stdin_data = NULL;
    gint64 timeout_ns = 0;
    int argc;
    int env_base;
    int env_count = 0;
    int i;
    gboolean ok;

    pv_lua_check_options(L, 3, "vm:run()", known);
    lua_settop(L, 3);

    /* Everything that can raise comes first: the strings stay on the stack. */
    if (lua_type(L, 2) == LUA_TSTRING) {
        command = pv_lua_to_text(L, 2, "vm:run(): the command");
        argc = 0;
    } else if (lua_istable(L, 2)) {
        argc = luaL_len(L, 2);
        if (argc < 1)
            return luaL_argerror(L, 2, "the argv table is empty");
        luaL_checkstack(L, argc + 1, "argv");
        for (i = 1; i <= argc; i++) {
            lua_geti(L, 2, i);
            if (!lua_isstring(L, -1))
                return luaL_error(L, "vm:run(): argv[%d] is not a string", i);
            pv_lua_to_text(L, -1, "vm:run(): an argument");
        }
        lua_pushvalue(L, 4);
        for (i = 5; i <= 3 + argc; i++) {
            lua_pushstring(L, " ");
            lua_pushvalue(L, i);
        }
        lua_concat(L, 2 * argc - 1);
        command = lua_tostring(L, -1);
    } else {
        return luaL_argerror(L, 2, "expected a shell command (string) or an argv table");
    }
    if (lua_istable(L, 3)) {
        if (lua_getfield(L, 3, "stdin") != LUA_TNIL)
            stdin_data = luaL_checklstring(L, -1, &stdin_len);
        if (lua_getfield(L, 3, "timeout") != LUA_TNIL)
            timeout_ns = pv_lua_check_duration(L, -1, "timeout");
        lua_pop(L, 1);
        if (lua_getfield(L, 3, "env") != LUA_TNIL) {
            luaL_checktype(L, -1, LUA_TTABLE);
            env_base = lua_gettop(L);
            env_count = pv_lua_push_env(L, env_base);
        }
    }

    /* Nothing below raises until the C side is freed. */
    args = g_new0(const char *, MAX(argc, 2) + 1);
    if (argc == 0) {
        exec.path = "/bin/sh";
        args[0] = "-c";
        args[1] = command;
    } else {
        exec.path = lua_tostring(L, 4);
        for (i = 1; i < argc; i++)
            args[i - 1] = lua_tostring(L, 4 + i);
    }
    if (env_count) {
        env = g_new0(const char *, env_count + 1);
        for (i = 0; i < env_count; i++)
            env[i] = lua_tostring(L, env_base + 1 + i);
    }
    exec.args = args;
    exec.env = env;
    exec.input = stdin_data ? g_bytes_new_static(stdin_data, stdin_len) : NULL;
    exec.deadline = timeout_ns ? g_get_monotonic_time() + timeout_ns / 1000 : G_MAXINT64;

    ok = pv_vm_run(vm, &exec, &result, &error);
    g_free(args);
    g_free(env);
    g_clear_pointer(&exec.input, g_bytes_unref);
    if (!ok)
        pv_lua_raise_error(L, error);
    pv_lua_result_push(L, command, &result);
    pv_agent_exec_result_clear(&result);
    return 1;
}

/* vm:write_file(path, data [, {mode = "0644"}]) */
static int
pv_lua_vm_write_file(lua_State *L)
{
    static const char *const known[] = { "mode", NULL };
    PvVm *vm = pv_lua_check_vm(L, 1);
    const char *path = pv_lua_check_text(L, 2, "vm:write_file(): path");
    size_t len = 0;
    const char *data = luaL_checklstring(L, 3, &len);
    const char *mode = NULL;
    GError *error = NULL;
    GBytes *bytes;
    gboolean ok;

    pv_lua_check_options(L, 4, "vm:write_file()", known);
    if (lua_istable(L, 4)) {
        lua_getfield(L, 4, "mode");
        if (!lua_isnil(L, -1)) {
            mode = pv_lua_check_text(L, -1, "vm:write_file(): mode");
            if (strlen(mode) < 3 || strlen(mode) > 4 || strspn(mode, "01234567") != strlen(mode))
                return luaL_error(L, "mode: '%s' is not an octal mode like \"0644\"", mode);
        }
    }
    bytes = g_bytes_new_static(data, len);
    ok = pv_vm_write_file(vm, path, bytes, mode, &error);
    g_bytes_unref(bytes);
    if (!ok)
        pv_lua_raise_error(L, error);
    return 0;
}

/* vm:read_file(path) -> string */
static int
pv_lua_vm_read_file(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    const char *path = pv_lua_check_text(L, 2, "vm:read_file(): path");
    GError *error = NULL;
    GBytes *data = pv_vm_read_file(vm, path, &error);
    gsize len;
    const char *bytes;

    if (!data)
        pv_lua_raise_error(L, error);
    bytes = g_bytes_get_data(data, &len);
    lua_pushlstring(L, bytes ? bytes : "", len);
    g_bytes_unref(data);
    return 1;
}

/* vm:shutdown([{timeout = "60s"}]) */
static int
pv_lua_vm_shutdown(lua_State *L)
{
    static const char *const known[] = { "timeout", NULL };
    PvVm *vm = pv_lua_check_vm(L, 1);
    gint64 timeout_ns = 0;
    GError *error = NULL;

    pv_lua_check_options(L, 2, "vm:shutdown()", known);
    if (lua_istable(L, 2) && lua_getfield(L, 2, "timeout") != LUA_TNIL)
        timeout_ns = pv_lua_check_duration(L, -1, "timeout");
    if (!pv_vm_shutdown(vm, timeout_ns, &error))
        pv_lua_raise_error(L, error);
    return 0;
}

/* vm:reboot([{timeout = "2m"}]) */
static int
pv_lua_vm_reboot(lua_State *L)
{
    static const char *const known[] = { "timeout", NULL };
    PvVm *vm = pv_lua_check_vm(L, 1);
    gint64 timeout_ns = 0;
    GError *error = NULL;

    pv_lua_check_options(L, 2, "vm:reboot()", known);
    if (lua_istable(L, 2) && lua_getfield(L, 2, "timeout") != LUA_TNIL)
        timeout_ns = pv_lua_check_duration(L, -1, "timeout");
    if (!pv_vm_reboot(vm, timeout_ns, &error))
        pv_lua_raise_error(L, error);
    lua_settop(L, 1);
    return 1;
}

static int
pv_lua_vm_destroy(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    GError *error = NULL;

    if (!pv_vm_destroy(vm, &error))
        pv_lua_raise_error(L, error);
    return 0;
}

static int
pv_lua_vm_console(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);

    if (!pv_vm_peek_console_log(vm))
        return luaL_error(L, "vm '%s' has no console yet: boot it first", pv_vm_peek_name(vm));
    pv_lua_console_push(L, vm);
    return 1;
}

/* vm:name() -> the libvirt domain name, nil before the first boot */
static int
pv_lua_vm_name(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    const char *name = pv_vm_peek_domain_name(vm);

    if (name)
        lua_pushstring(L, name);
    else
        lua_pushnil(L);
    return 1;
}

/* vm:ip(net) -> the address provium gave the VM on its file's network @net */
static int
pv_lua_vm_ip(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    const char *net = pv_lua_check_text(L, 2, "vm:ip(): the network's name");
    GError *error = NULL;
    const char *ip = pv_vm_peek_nic_ip(vm, net, &error);

    if (!ip)
        pv_lua_raise_error(L, error);
    lua_pushstring(L, ip);
    return 1;
}

/* vm:mac(net) -> the MAC address of the VM's NIC on @net */
static int
pv_lua_vm_mac(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    const char *net = pv_lua_check_text(L, 2, "vm:mac(): the network's name");
    GError *error = NULL;
    const char *mac = pv_vm_peek_nic_mac(vm, net, &error);

    if (!mac)
        pv_lua_raise_error(L, error);
    lua_pushstring(L, mac);
    return 1;
}

/* vm:link(net, up) -> vm: false pulls the NIC's virtual cable, true plugs it back */
static int
pv_lua_vm_link(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    const char *net = pv_lua_check_text(L, 2, "vm:link(): the network's name");
    gboolean up;
    GError *error = NULL;

    luaL_checktype(L, 3, LUA_TBOOLEAN);
    up = lua_toboolean(L, 3);
    if (!pv_vm_set_link(vm, net, up, &error))
        pv_lua_raise_error(L, error);
    lua_settop(L, 1);
    return 1;
}

/* vm:state() -> "defined" | "starting" | "running" | "ready" | "stopped", reason */
static int
pv_lua_vm_state(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    char *reason = NULL;
    const char *state = pv_vm_state(vm, &reason);

    lua_pushstring(L, state);
    if (reason)
        lua_pushstring(L, reason);
    else
        lua_pushnil(L);
    g_free(reason);
    return 2;
}

static int
pv_lua_vm_tostring(lua_State *L)
{
    PvVm *vm = pv_lua_check_vm(L, 1);
    const char *domain = pv_vm_peek_domain_name(vm);

    lua_pushfstring(L, "provium.VM '%s' (%s%s%s)", pv_vm_peek_name(vm), pv_vm_state(vm, NULL),
                    domain ? ", domain " : "", domain ? domain : "");
    return 1;
}

static const luaL_Reg pv_lua_vm_methods[] = {
    { "boot", pv_lua_vm_boot },
    { "start", pv_lua_vm_start },
    { "wait", pv_lua_vm_wait },
    { "run", pv_lua_vm_run },
    { "write_file", pv_lua_vm_write_file },
    { "read_file", pv_lua_vm_read_file },
    { "console", pv_lua_vm_console },
    { "shutdown", pv_lua_vm_shutdown },
    { "reboot", pv_lua_vm_reboot },
    { "destroy", pv_lua_vm_destroy },
    { "reset", pv_lua_vm_reset },
    { "name", pv_lua_vm_name },
    { "state", pv_lua_vm_state },
    { "ip", pv_lua_vm_ip },
    { "mac", pv_lua_vm_mac },
    { "link", pv_lua_vm_link },
    { NULL, NULL },
};

static const luaL_Reg pv_lua_vm_meta[] = {
    { "__tostring", pv_lua_vm_tostring },
    { "__close", pv_lua_vm_destroy },
    { "__index", NULL },
    { NULL, NULL },
};

void
pv_lua_vm_register(lua_State *L)
{
    pv_lua_register_class(L, PV_LUA_VM, pv_lua_vm_meta, pv_lua_vm_methods);
}
