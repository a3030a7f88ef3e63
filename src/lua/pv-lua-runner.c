/*
 * pv-lua-runner.c: a test file's discovery and run, in Lua
 *
 * Discovery runs the file's top level once in a short-lived state, to learn
 * its tests and its claim without booting anything (provium list, the
 * dispatcher's admission).  The run then happens on the file's own worker
 * thread in a fresh state: top level, then each test in order, each told to
 * the file (pv_file_begin_test() / pv_file_end_test()), which keeps the
 * results, the time and the VMs.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#include "pv-lua.h"

/**
 * pv_lua_discover_file:
 *
 * Runs the top level to learn the file's tests and claim.  Boots nothing.
 * On failure the file is broken (PV_FILE_ERROR) and @error says why, with
 * the file and line.
 */
gboolean
pv_lua_discover_file(PvFile *file, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    g_autoptr(lua_State) L = NULL;
    PvLuaFile lua_file = { file, TRUE };
    GPtrArray *names;
    GPtrArray *tags;
    guint n;
    guint i;

    if (!pv_file_load_config(file, &local_error))
        goto fail;
    L = pv_lua_new(&lua_file, &local_error);
    if (!L || !pv_lua_run_top_level(L, &local_error))
        goto fail;
    n = pv_lua_test_count(L);
    names = g_ptr_array_new_full(n, g_free);
    tags = g_ptr_array_new_full(n, (GDestroyNotify)g_strfreev);
    for (i = 1; i <= n; i++) {
        g_autofree char *skip = NULL;
        gint64 timeout_ns;
        char **test_tags = NULL;

        g_ptr_array_add(names, pv_lua_test_info(L, i, &skip, &timeout_ns, &test_tags));
        g_ptr_array_add(tags, test_tags);
    }
    pv_file_set_discovered(file, names, tags, &lua_file.claim);
    g_clear_pointer(&L, lua_close);
    pv_file_drop_vms(file);
    return TRUE;

 fail:
    g_clear_pointer(&L, lua_close);
    pv_file_drop_vms(file);
    pv_file_set_status(file, PV_FILE_ERROR, local_error->message);
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
}

/* One test: declared skipped, or run to its end, whatever it does. */
static void
pv_lua_run_one(lua_State *L, PvFile *file, guint index)
{
    g_autofree char *name = NULL;
    g_autofree char *skip = NULL;
    g_autofree char *cause = NULL;
    g_autofree char *message = NULL;
    gint64 timeout_ns = 0;
    PvTestStatus status;

    name = pv_lua_test_info(L, index, &skip, &timeout_ns, NULL);
    if (skip) {
        pv_file_skip_test(file, index - 1, skip);
        return;
    }
    pv_file_begin_test(file, index - 1, timeout_ns);
    status = pv_lua_run_test(L, index, &cause, &message);
    pv_file_end_test(file, status, cause, message);
}

/**
 * pv_lua_run_file:
 *
 * The worker thread's body: runs the file to its end, whatever happens,
 * and leaves the outcome in @file (status, error, results, kept domains).
 */
void
pv_lua_run_file(PvFile *file)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(lua_State) L = NULL;
    PvLuaFile lua_file = { file, FALSE };
    g_autofree char *broken = NULL;
    guint n = pv_file_get_test_count(file);
    guint i;

    lua_file.claim = *pv_file_peek_claim(file);
    pv_file_begin(file);
    L = pv_lua_new(&lua_file, &error);
    if (!L || !pv_lua_run_top_level(L, &error)) {
        broken = g_strdup(error->message);
        n = 0;
    } else if (pv_lua_test_count(L) != n) {
        broken = g_strdup_printf(_("%s: the top level declared %u tests when discovered and "
                                   "%u now; it must do the same every time"),
                                 pv_file_peek_path(file), n, pv_lua_test_count(L));
        n = 0;
    } else if (!pv_file_create_networks(file, &error)) {
        /* Before the first test, so before the first boot. */
        broken = g_strdup_printf("%s: %s", pv_file_peek_path(file), error->message);
        n = 0;
    }
    for (i = 1; i <= n; i++) {
        g_autoptr(GError) stop = NULL;

        if (!pv_file_check(file, &stop)) {
            /* Cancelled or out of time: the rest does not run. */
            pv_file_not_run(file, i - 1, stop->message);
            break;
        }
        /* A test --tags did not choose is not run, nor reported. */
        if (pv_file_test_is_selected(file, i - 1))
            pv_lua_run_one(L, file, i);
    }
    /* The VMs end before the state that refers to them closes. */
    pv_file_end(file, broken);
}
