/*
 * pv-lua-disks.c: what provium:vm() says of a VM's disks and firmware
 *
 *   provium:vm("db", "default", {
 *       disks = {{size = "1G"}, {file = "data.qcow2"}, {size = "2G", bus = "scsi"}},
 *       firmware = "efi",
 *   })
 *
 * Read in two steps, as Lua errors require: pv_lua_check_vm_disks() checks
 * everything and may raise, holding nothing; pv_lua_apply_vm_disks() then
 * puts it into the VM's copy of its profile without raising.  A VM's disks
 * replace its profile's; its firmware, the profile's.  A file is relative
 * to the test file.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#include "pv-lua.h"

/* The test file's directory, against which a disk's file is resolved. */
static char *
pv_lua_disks_resolve(lua_State *L, const char *file)
{
    g_autofree char *dir = g_path_get_dirname(pv_file_peek_abs_path(pv_lua_get_file(L)));

    return pv_profile_resolve_path(dir, file);
}

/* disks[@index] at @item, into @out's entry @index - 1. */
static void
pv_lua_check_disk(lua_State *L, int item, lua_Integer index, gboolean check_files,
                  PvLuaVmDisks *out)
{
    static const char *const known[] = { "size", "file", "bus", NULL };
    char what[64];
    gboolean has_size;
    gboolean has_file;
    gboolean missing = FALSE;

    g_snprintf(what, sizeof(what), "provium:vm(): disks[%d]", (int)index);
    if (lua_type(L, item) != LUA_TTABLE)
        luaL_error(L, "%s: a disk is a table: {size = \"1G\"}, {file = \"data.qcow2\"}, "
                   "{size = \"2G\", bus = \"scsi\"}", what);
    pv_lua_check_options(L, item, what, known);
    has_size = lua_getfield(L, item, "size") != LUA_TNIL;
    has_file = lua_getfield(L, item, "file") != LUA_TNIL;
    if (has_size == has_file)
        luaL_error(L, "%s: give a disk either size (a blank disk) or file (an image), "
                   "not %s", what, has_size ? "both" : "neither");
    out->disks[index - 1].size = 0;
    out->disks[index - 1].file = NULL;
    out->disks[index - 1].bus = PV_DISK_BUS_VIRTIO;
    if (has_size) {
        char size_what[80];

        g_snprintf(size_what, sizeof(size_what), "%s: size", what);
        out->disks[index - 1].size = pv_lua_check_size(L, -2, size_what);
        if (out->disks[index - 1].size == 0)
            luaL_error(L, "%s: size must be more than 0", what);
    } else {
        const char *file = pv_lua_check_text(L, -1, what);

        if (!*file)
            luaL_error(L, "%s: file is empty: give an image's path", what);
        if (check_files) {
            char *path = pv_lua_disks_resolve(L, file);

            missing = !g_file_test(path, G_FILE_TEST_IS_REGULAR);
            g_free(path);
        }
        if (missing)
            luaL_error(L, "%s: file '%s' does not exist", what, file);
        out->disks[index - 1].file = file;
    }
    if (lua_getfield(L, item, "bus") != LUA_TNIL &&
        (lua_type(L, -1) != LUA_TSTRING ||
         !pv_disk_bus_from_string(lua_tostring(L, -1), &out->disks[index - 1].bus)))
        luaL_error(L, "%s: bus must be \"virtio\" or \"scsi\"", what);
}

/**
 * pv_lua_check_vm_disks:
 * @opts: provium:vm()'s options table
 * @check_files: whether a disk's file must exist (not when nothing boots)
 * @out: (out caller-allocates): what the table says; its strings are the
 *   table's, which the caller keeps on the stack
 *
 * Raises on any mistake, naming the option; allocates nothing.
 */
void
pv_lua_check_vm_disks(lua_State *L, int opts, gboolean check_files, PvLuaVmDisks *out)
{
    int top = lua_gettop(L);
    lua_Integer n;
    lua_Integer i;

    memset(out, 0, sizeof(*out));
    if (lua_getfield(L, opts, "firmware") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING ||
            !pv_firmware_from_string(lua_tostring(L, -1), &out->firmware))
            luaL_error(L, "provium:vm(): firmware must be \"bios\" or \"efi\"");
        out->firmware_set = TRUE;
    }
    lua_settop(L, top);
    if (lua_getfield(L, opts, "disks") == LUA_TNIL) {
        lua_settop(L, top);
        return;
    }
    if (lua_type(L, -1) != LUA_TTABLE)
        luaL_error(L, "provium:vm(): disks is a list of disks: {{size = \"1G\"}, "
                   "{file = \"data.qcow2\"}}");
    n = luaL_len(L, -1);
    if (n > PV_LUA_MAX_DISKS)
        luaL_error(L, "provium:vm(): disks: %d disks; a VM may have %d at most", (int)n,
                   PV_LUA_MAX_DISKS);
    out->disks_set = TRUE;
    for (i = 1; i <= n; i++) {
        int list = top + 1;

        luaL_checkstack(L, 6, NULL);
        lua_settop(L, list);
        lua_geti(L, list, i);
        pv_lua_check_disk(L, list + 1, i, check_files, out);
    }
    out->n = n;
    lua_settop(L, top);
}

/**
 * pv_lua_apply_vm_disks:
 * @disks: pv_lua_check_vm_disks()'s, its table still alive
 * @fixture: whether the VM is restored from a fixture
 * @profile: (inout): the VM's own copy of its profile
 *
 * Sets the VM's disks and firmware over its profile's.  Does not raise.
 * Returns: FALSE with @error set where the VM cannot have them (a fixture's
 *   VM: its saved state holds no more disks and no UEFI variables)
 */
gboolean
pv_lua_apply_vm_disks(lua_State *L, const PvLuaVmDisks *disks, gboolean fixture,
                      PvProfile *profile, GError **error)
{
    guint i;

    if (disks->firmware_set)
        profile->firmware = disks->firmware;
    if (disks->disks_set) {
        g_clear_pointer(&profile->disks, g_ptr_array_unref);
        if (disks->n)
            profile->disks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_disk_spec_free);
        for (i = 0; i < disks->n; i++) {
            g_autofree char *path = disks->disks[i].file ?
                pv_lua_disks_resolve(L, disks->disks[i].file) : NULL;

            g_ptr_array_add(profile->disks,
                            pv_disk_spec_new(disks->disks[i].size, path, disks->disks[i].bus));
        }
    }
    if (fixture && (profile->disks || profile->firmware == PV_FIRMWARE_EFI)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("provium:vm(): a VM restored from a fixture cannot have disks or "
                      "firmware = efi yet (profile '%s'); boot it without the fixture"),
                    profile->name);
        return FALSE;
    }
    return TRUE;
}
