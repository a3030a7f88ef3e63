/*
 * pv-lua-runner.c: a test file's discovery and run, in Lua
 *
 * Discovery runs the file's top level once in a short-lived state, to learn
 * its tests and its claim without booting anything (provium list, the
 * dispatcher's admission).  The run then happens on the file's own worker
 * thread in a fresh state: top level, then each test in order, each told to
 * the file (pv_file_begin_test() / pv_file_end_test()), which keeps the
 * results, the time and the VMs.
 *
 * Discovery of many files (a run's, provium list's) is bounded: a top level
 * the hook cannot stop (a C function that runs long, a finalizer, a debug
 * hook) is given up after its time, the file broken, and the others go on.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#include "pv-i18n.h"
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
    g_autoptr(PvLuaState) L = NULL;
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
    g_clear_pointer(&L, pv_lua_close);
    pv_file_drop_vms(file);
    return TRUE;

 fail:
    g_clear_pointer(&L, pv_lua_close);
    pv_file_drop_vms(file);
    pv_file_set_status(file, PV_FILE_ERROR, local_error->message);
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
}

typedef struct {
    GMutex lock;
    GCond cond;
    guint left;                /* files not discovered yet */
    gboolean untranslated;
} PvLuaDiscovery;

typedef struct {
    PvLuaDiscovery *discovery;
    PvFile *file;
    gint64 started;            /* under lock: monotonic; 0 until it starts */
    gboolean done;             /* under lock */
    PvWakeWatch watch;         /* the watchdog's */
} PvLuaDiscoveryJob;

static void
pv_lua_discover_one(gpointer data, gpointer user_data)
{
    PvLuaDiscoveryJob *job = data;
    PvLuaDiscovery *discovery = user_data;
    /* Why a file broke goes into the records of a run (see pv-i18n.c). */
    locale_t previous = discovery->untranslated ? pv_i18n_untranslated_begin() : NULL;

    g_mutex_lock(&discovery->lock);
    job->started = g_get_monotonic_time();
    g_mutex_unlock(&discovery->lock);
    /* A worker given up does not come back from here. */
    pv_lua_discover_file(job->file, NULL);
    if (previous)
        pv_i18n_end(previous);
    g_mutex_lock(&discovery->lock);
    job->done = TRUE;
    discovery->left--;
    g_cond_broadcast(&discovery->cond);
    g_mutex_unlock(&discovery->lock);
}

/* With the discovery's lock held: gives up the files stuck past their time. */
static guint
pv_lua_discover_watch(PvLuaDiscovery *discovery, PvLuaDiscoveryJob *jobs, guint n)
{
    gint64 now = g_get_monotonic_time();
    guint given_up = 0;
    guint i;

    for (i = 0; i < n; i++) {
        PvLuaDiscoveryJob *job = &jobs[i];
        gint64 due;

        if (job->done || !job->started)
            continue;
        due = job->started + pv_file_top_level_timeout(job->file) / 1000;
        if (!pv_wake_give_up(pv_file_peek_wake(job->file), &job->watch, due,
                             PV_FILE_GIVE_UP_GRACE_US, now))
            continue;
        if (discovery->untranslated) {
            locale_t previous = pv_i18n_untranslated_begin();

            pv_file_give_up(job->file);
            pv_i18n_end(previous);
        } else {
            pv_file_give_up(job->file);
        }
        job->done = TRUE;
        discovery->left--;
        given_up++;
    }
    return given_up;
}

/**
 * pv_lua_discover_files:
 * @files: (element-type PvFile)
 * @threads: how many files at once
 * @untranslated: whether what is said of the files goes into records (a
 *   run's events: see pv-i18n.c) rather than to people
 *
 * Discovers @files (pv_lua_discover_file()), @threads at a time.  A file
 * whose discovery the hook cannot stop (a C function that runs long, a
 * finalizer, a debug hook) is given up after its top level's time
 * (pv_file_top_level_timeout()) and a grace: broken, with the line its top
 * level was at; its thread is left to itself, and another takes its place.
 */
void
pv_lua_discover_files(GPtrArray *files, guint threads, gboolean untranslated)
{
    PvLuaDiscovery discovery = { .left = files->len, .untranslated = untranslated };
    g_autofree PvLuaDiscoveryJob *jobs = g_new0(PvLuaDiscoveryJob, files->len);
    GThreadPool *pool;
    guint given_up = 0;
    guint i;

    g_mutex_init(&discovery.lock);
    g_cond_init(&discovery.cond);
    pool = g_thread_pool_new(pv_lua_discover_one, &discovery, MAX(threads, 1), FALSE, NULL);
    for (i = 0; i < files->len; i++) {
        jobs[i].discovery = &discovery;
        jobs[i].file = files->pdata[i];
        g_thread_pool_push(pool, &jobs[i], NULL);
    }
    g_mutex_lock(&discovery.lock);
    while (discovery.left > 0) {
        guint now_given_up;

        g_cond_wait_until(&discovery.cond, &discovery.lock,
                          g_get_monotonic_time() + G_USEC_PER_SEC / 2);
        now_given_up = pv_lua_discover_watch(&discovery, jobs, files->len);
        /* A thread given up stays busy: another takes its place. */
        if (now_given_up) {
            given_up += now_given_up;
            g_thread_pool_set_max_threads(pool, MAX(threads, 1) + given_up, NULL);
        }
    }
    g_mutex_unlock(&discovery.lock);
    /* Not waiting for the threads given up: they never end (nor touch the discovery). */
    g_thread_pool_free(pool, FALSE, given_up == 0);
    g_mutex_clear(&discovery.lock);
    g_cond_clear(&discovery.cond);
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
    g_autoptr(PvLuaState) L = NULL;
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
