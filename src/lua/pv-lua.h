/*
 * pv-lua.h: a test file's Lua state
 */
#pragma once

#include <glib.h>
#include <lua.h>
#include <lauxlib.h>

#include "pv-agent.h"
#include "pv-file.h"
#include "pv-vm.h"

#define PV_LUA_VM "provium.VM"
#define PV_LUA_RESULT "provium.RunResult"
#define PV_LUA_CONSOLE "provium.Console"
#define PV_LUA_PROVIUM "provium.Provium"
#define PV_LUA_FIXTURE_SUFFIX ".fixture.lua"
/* Registry: the directories require() looks in first, the test file's then its fixtures'. */
#define PV_LUA_MODULE_DIRS "provium.module_dirs"

/**
 * PvLuaFile:
 *
 * What a file's Lua state knows beyond the file: whether it only discovers
 * (the top level runs to declare, nothing boots), the claim the top level
 * declared, the interrupt hook's bookkeeping, and the guard's
 * (pv-lua-guard.c).  The state's extra space (and every thread's of it)
 * points at it.
 */
typedef struct {
    PvFile *file;
    gboolean discovering;
    PvClaimSpec claim;         /* provium:claim(), as declared */
    gboolean claim_seen;
    guint raises;              /* times the hook raised the pending interrupt */
    gint64 last_raise;
    gboolean track_lines;      /* the top level runs: the hook notes its line */
    gboolean user_hooks;       /* the file set a debug hook of its own */
    guint gc_depth;            /* provium's frame that holds the collector (its depth); 0 none */
    gboolean closing;          /* the state closes: a command's pipe ends its command */
} PvLuaFile;

/**
 * PvLuaMark:
 *
 * Where the guard was (pv_lua_guard_mark()): provium's frames running, and
 * which of them holds the collector.
 */
typedef struct {
    guint depth;
    guint gc_depth;
} PvLuaMark;

/* A state of a test file, closed with pv_lua_close(). */
typedef lua_State PvLuaState;

/* pv-lua-runner.c: what the run calls */
gboolean pv_lua_discover_file(PvFile *file, GError **error);
void pv_lua_discover_files(GPtrArray *files, guint threads, gboolean untranslated);
void pv_lua_run_file(PvFile *file);

/* pv-lua.c: the state, its prelude, and running what the file declared */
lua_State *pv_lua_new(PvLuaFile *lua_file, GError **error);
gboolean pv_lua_run_top_level(lua_State *L, GError **error);
guint pv_lua_test_count(lua_State *L);
char *pv_lua_test_info(lua_State *L, guint index, char **skip, gint64 *timeout_ns,
                       char ***tags);
PvTestStatus pv_lua_run_test(lua_State *L, guint index, char **cause, char **message);

/* pv-lua-hook.c: the interrupt hook, and the file's debug hooks behind it */
void pv_lua_reset_hook(lua_State *L);
void pv_lua_hook_register(lua_State *L);

/* pv-lua-guard.c: provium's code or the file's, for the watchdog */
void pv_lua_guard_register(lua_State *L);
void pv_lua_push_function(lua_State *L, const luaL_Reg *reg);
void pv_lua_set_functions(lua_State *L, const luaL_Reg *regs);
guint pv_lua_guard_enter(lua_State *L);
void pv_lua_guard_exit(lua_State *L, guint depth);
PvLuaMark pv_lua_guard_mark(lua_State *L);
void pv_lua_guard_unwind(lua_State *L, PvLuaMark mark);
void pv_lua_guard_raise(lua_State *L);
PvLuaMark pv_lua_user_begin(lua_State *L);
void pv_lua_user_end(lua_State *L, PvLuaMark mark);
void pv_lua_close(PvLuaState *L);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvLuaState, pv_lua_close)

/* pv-lua-stdlib.c: require() beside the file, os.execute() and io.popen() in process groups */
void pv_lua_stdlib_register(lua_State *L);

/* pv-lua-debug.c: --debug-on-failure's and provium shell's prompt, helpers of the prelude */
int pv_lua_debug_begin(lua_State *L);
int pv_lua_debug_end(lua_State *L);
int pv_lua_shell_begin(lua_State *L);
int pv_lua_debug_write(lua_State *L);
int pv_lua_debug_readline(lua_State *L);

/* pv-lua-common.c: what the classes share (they call nothing else of src/lua/) */
PvLuaFile *pv_lua_peek(lua_State *L);
PvFile *pv_lua_get_file(lua_State *L);
G_NORETURN int pv_lua_raise_error(lua_State *L, GError *error);
void pv_lua_register_class(lua_State *L, const char *name, const luaL_Reg *meta,
                           const luaL_Reg *methods);
void pv_lua_check_options(lua_State *L, int arg, const char *what, const char *const *known);
const char *pv_lua_check_text(lua_State *L, int arg, const char *what);
const char *pv_lua_to_text(lua_State *L, int idx, const char *what);
char *pv_lua_dup_message(lua_State *L, int idx);
gint64 pv_lua_check_duration(lua_State *L, int arg, const char *what);
int pv_lua_sleep(lua_State *L);
guint64 pv_lua_check_size(lua_State *L, int arg, const char *what);
guint pv_lua_check_count(lua_State *L, int arg, const char *what);
guint pv_lua_check_console_checks(lua_State *L, int arg, const char *what);

/* One per class, in src/lua/pv-lua-<class>.c. */
void pv_lua_vm_register(lua_State *L);
void pv_lua_vm_push(lua_State *L, PvVm *vm);
PvVm *pv_lua_check_vm(lua_State *L, int arg);
void pv_lua_check_vm_options(lua_State *L, int arg, const char *what, gboolean boot,
                             PvVmBootOptions *options);

/* pv-lua-cloud-init.c: provium:vm()'s cloud_init, its strings left on the stack */
typedef struct {
    gboolean given;              /* the option is there */
    gboolean enabled;
    const char *user_data;       /* nullable */
    const char *meta_data;       /* nullable: a JSON object */
    const char *network_config;  /* nullable */
} PvLuaCloudInit;

void pv_lua_check_cloud_init(lua_State *L, int opts, PvLuaCloudInit *out);
int pv_lua_vm_boot_all(lua_State *L);

/* pv-lua-disks.c: a VM's disks and firmware (provium:vm()'s disks =, firmware =) */
#define PV_LUA_MAX_DISKS 24
typedef struct {
    guint n;                /* disks given (0 with disks = {}) */
    gboolean disks_set;     /* disks = given: they replace the profile's */
    struct {
        guint64 size;
        const char *file;   /* borrowed from the options table */
        PvDiskBus bus;
    } disks[PV_LUA_MAX_DISKS];
    gboolean firmware_set;
    PvFirmware firmware;
} PvLuaVmDisks;
void pv_lua_check_vm_disks(lua_State *L, int opts, gboolean check_files, PvLuaVmDisks *out);
gboolean pv_lua_apply_vm_disks(lua_State *L, const PvLuaVmDisks *disks, gboolean fixture,
                               PvProfile *profile, GError **error);
void pv_lua_result_register(lua_State *L);
void pv_lua_result_push(lua_State *L, const char *command, const PvAgentExecResult *result);
void pv_lua_console_register(lua_State *L);
void pv_lua_console_push(lua_State *L, PvVm *vm);
void pv_lua_provium_register(lua_State *L);
void pv_lua_fixture_register(lua_State *L);
PvVmFixture *pv_lua_fixture_vm(lua_State *L, int opts, char **fixture_profile);
void pv_lua_fixture_attach(lua_State *L, PvVm *vm, PvVmFixture *fixture);
gboolean pv_lua_fixture_setup(PvVm *vm, gpointer user_data, GError **error);
