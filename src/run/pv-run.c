/*
 * pv-run.c: one invocation of provium: options, identity, its libvirt
 * hosts, and the services its files share
 *
 * The run owns its hosts (PvHost: one per libvirt connection, each with its
 * domains, resources and facts; today the one -c names; pv-run-hosts.c),
 * the event sink, the results directory, and caches of provium.conf files
 * and templates.  Everything else reads them through the accessors below.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-results.h"
#define PV_RUN_PRIVATE
#include "pv-run-private.h"
#include "pv-safe.h"


#define PV_PREFIX_MAX 32

/**
 * pv_run_options_init:
 *
 * The defaults, as documented in provium(1).
 */
void
pv_run_options_init(PvRunOptions *options)
{
    memset(options, 0, sizeof(*options));
    options->timeout_ns = 5 * 60 * G_GINT64_CONSTANT(1000000000);
    options->cpu_overcommit = 1.0;
    options->keep_runs = PV_RUN_KEEP_RUNS_DEFAULT;
    options->host_reserve = PV_HOST_DEFAULT_RESERVE;
    options->psi_threshold.cpu = PV_PSI_DEFAULT_CPU_PCT;
    options->psi_threshold.memory = PV_PSI_DEFAULT_MEMORY_PCT;
}

void
pv_run_host_free(PvRunHost *host)
{
    if (!host)
        return;
    g_free(host->name);
    g_free(host->uri);
    g_free(host);
}

void
pv_run_options_clear(PvRunOptions *options)
{
    g_clear_pointer(&options->uri, g_free);
    g_clear_pointer(&options->hosts, g_ptr_array_unref);
    g_clear_pointer(&options->config_path, g_free);
    g_clear_pointer(&options->filter, g_free);
    g_clear_pointer(&options->tags, g_strfreev);
    g_clear_pointer(&options->prefix, g_free);
    g_clear_pointer(&options->results_dir, g_free);
    g_clear_pointer(&options->history, g_free);
    g_clear_pointer(&options->corpus_root, g_free);
    g_clear_pointer(&options->cache_dir, g_free);
    g_clear_pointer(&options->lock_dir, g_free);
}

/**
 * pv_run_make_id:
 *
 * A run id sorts by time and is unique enough for one host:
 * "20261123-091512-3fa9c1".
 * Returns: (transfer full)
 */
char *
pv_run_make_id(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");

    return g_strdup_printf("%s-%06x", stamp, g_random_int_range(0, 0x1000000));
}

/**
 * pv_run_default_prefix:
 *
 * "pv-3fa9c1-" for run "20261123-091512-3fa9c1".
 * Returns: (transfer full)
 */
char *
pv_run_default_prefix(const char *run_id)
{
    const char *dash = strrchr(run_id, '-');

    return g_strdup_printf("pv-%s-", dash ? dash + 1 : run_id);
}

/**
 * pv_run_check_prefix:
 *
 * A prefix is part of every domain name: letters, digits, '-', '_' and '.'.
 */
gboolean
pv_run_check_prefix(const char *prefix, GError **error)
{
    const char *p;

    if (!*prefix || strlen(prefix) > PV_PREFIX_MAX)
        goto invalid;
    for (p = prefix; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-_.", *p))
            goto invalid;
    }
    return TRUE;

 invalid:
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("--prefix: invalid prefix '%s' (use up to %d letters, digits, '-', '_' or '.')"),
                prefix, PV_PREFIX_MAX);
    return FALSE;
}

static gboolean
pv_run_make_dir(PvRun *run, GError **error)
{
    const char *abs_base = run->base;
    g_autofree char *vms = NULL;
    g_autofree char *latest = NULL;
    g_autofree char *latest_tmp = NULL;

    /* Locked while the run lives: no other run prunes it. */
    run->dir = pv_results_start_run(abs_base, run->id, &run->dir_lock, error);
    if (!run->dir)
        return FALSE;
    vms = g_build_filename(run->dir, "vms", NULL);
    if (g_mkdir_with_parents(vms, 0755) < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot create the run directory %s: %s"),
                    run->dir, g_strerror(saved));
        return FALSE;
    }
    /* "latest" is replaced with a rename, so it always points somewhere. */
    latest = g_build_filename(abs_base, "latest", NULL);
    latest_tmp = g_strdup_printf("%s.%" G_GINT64_FORMAT ".tmp", latest, run->pid);
    if (symlink(run->id, latest_tmp) == 0 && rename(latest_tmp, latest) < 0)
        g_unlink(latest_tmp);
    return TRUE;
}

/**
 * pv_run_new:
 * @options: (transfer none): must outlive the run
 *
 * Names the run; creates nothing and does not connect.
 * Returns: (transfer full): the run
 */
PvRun *
pv_run_new(const PvRunOptions *options)
{
    PvRun *run = g_new0(PvRun, 1);

    run->options = options;
    run->id = pv_run_make_id();
    run->prefix = options->prefix ? g_strdup(options->prefix) : pv_run_default_prefix(run->id);
    run->machine = g_strdup(g_get_host_name());
    run->pid = getpid();
    run->base = pv_results_base(options->results_dir);
    run->dir_lock = -1;
    run->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_host_free);
    g_mutex_init(&run->lock);
    run->configs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)pv_config_free);
    run->config_paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    run->config_refusals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    run->templates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_bytes_unref);
    run->builtin_config = pv_config_new_builtin();
    run->events = pv_events_new(run->id);
    run->lease = pv_lease_new(pv_lease_length_default());
    return run;
}

/**
 * pv_run_set_note_func:
 *
 * Where pv_run_note() lines go; without one, nowhere.
 */
void
pv_run_set_note_func(PvRun *run, PvRunNoteFunc func, gpointer user_data)
{
    run->note = func;
    run->note_data = user_data;
}

/**
 * pv_run_note:
 *
 * A line for people, through the note function.  Any thread.
 */
void
pv_run_note(PvRun *run, const char *format, ...)
{
    g_autofree char *line = NULL;
    va_list ap;

    if (!run->note)
        return;
    va_start(ap, format);
    line = g_strdup_vprintf(format, ap);
    va_end(ap);
    run->note(line, run->note_data);
}

/**
 * pv_run_prepare_dir:
 *
 * Creates the run's results directory, points "latest" at it, gives its
 * vms/ to the hosts' storage (pv_host_storage_set_dir()) and starts
 * writing the event stream there.  After pv_run_connect().
 */
gboolean
pv_run_prepare_dir(PvRun *run, GError **error)
{
    g_autofree char *events_path = NULL;
    g_autofree char *vms = NULL;
    guint i;

    if (!pv_run_make_dir(run, error))
        return FALSE;
    vms = g_build_filename(run->dir, "vms", NULL);
    for (i = 0; i < run->hosts->len; i++)
        pv_host_storage_set_dir(pv_host_peek_storage(run->hosts->pdata[i]), vms);
    events_path = g_build_filename(run->dir, "events.msgpack", NULL);
    return pv_events_add_file(run->events, events_path, error);
}

typedef struct {
    char *path;
    char *data;
} PvWrite;

static void
pv_run_do_write(gpointer data, gpointer user_data)
{
    PvWrite *w = data;
    g_autoptr(GError) error = NULL;

    if (!pv_write_file_atomic(w->path, w->data, -1, &error))
        pv_run_note(user_data, "%s", error->message);
    g_free(w->path);
    g_free(w->data);
    g_free(w);
}

/**
 * pv_run_write_later:
 *
 * Writes @path atomically on a writer thread, in order: for report files
 * written from event listeners, which run with the event sink's lock held
 * and must not make every emitting thread wait for the disk.
 */
void
pv_run_write_later(PvRun *run, const char *path, const char *data)
{
    PvWrite *w = g_new0(PvWrite, 1);

    if (!run->writer)
        run->writer = g_thread_pool_new(pv_run_do_write, run, 1, FALSE, NULL);
    w->path = g_strdup(path);
    w->data = g_strdup(data);
    g_thread_pool_push(run->writer, w, NULL);
}

/**
 * pv_run_flush_writes:
 *
 * Waits for every pv_run_write_later() to be done.
 */
void
pv_run_flush_writes(PvRun *run)
{
    if (run->writer) {
        g_thread_pool_free(run->writer, FALSE, TRUE);
        run->writer = NULL;
    }
}

void
pv_run_free(PvRun *run)
{
    if (!run)
        return;
    pv_run_flush_writes(run);
    pv_run_stop_lease(run);
    g_ptr_array_unref(run->hosts);
    pv_events_free(run->events);
    g_hash_table_unref(run->configs);
    g_hash_table_unref(run->config_paths);
    g_hash_table_unref(run->config_refusals);
    g_hash_table_unref(run->templates);
    pv_config_free(run->builtin_config);
    g_mutex_clear(&run->lock);
    g_free(run->id);
    g_free(run->prefix);
    g_free(run->machine);
    g_free(run->dir);
    if (run->dir_lock >= 0)
        close(run->dir_lock);
    g_free(run->base);
    pv_lease_free(run->lease);
    g_free(run);
}

const PvRunOptions *
pv_run_peek_options(PvRun *run)
{
    return run->options;
}

const char *
pv_run_peek_id(PvRun *run)
{
    return run->id;
}

const char *
pv_run_peek_prefix(PvRun *run)
{
    return run->prefix;
}

/**
 * pv_run_peek_machine:
 *
 * Returns: (transfer none): this machine's name, which runs provium: what
 *   its records (domain metadata, network records, run_started) call host
 */
const char *
pv_run_peek_machine(PvRun *run)
{
    return run->machine;
}

gint64
pv_run_get_pid(PvRun *run)
{
    return run->pid;
}

/**
 * pv_run_peek_dir:
 * Returns: (transfer none) (nullable): the run directory, once prepared
 */
const char *
pv_run_peek_dir(PvRun *run)
{
    return run->dir;
}

/**
 * pv_run_peek_results_base:
 *
 * Returns: (transfer none): where run directories go (--results-dir),
 *   absolute
 */
const char *
pv_run_peek_results_base(PvRun *run)
{
    return run->base;
}

PvEvents *
pv_run_peek_events(PvRun *run)
{
    return run->events;
}

/**
 * pv_run_get_config:
 *
 * The configuration for @test_file: --config, else the provium.conf found
 * for it, else the built-in defaults.  Loaded once per file path.
 * Returns: (transfer none): the configuration, or NULL with @error set
 */
PvConfig *
pv_run_get_config(PvRun *run, const char *test_file, GError **error)
{
    g_autofree char *path = NULL;
    g_autofree char *abs = NULL;
    g_autofree char *dir = NULL;
    PvConfig *config;

    g_mutex_lock(&run->lock);
    if (run->options->config_path) {
        path = g_canonicalize_filename(run->options->config_path, NULL);
    } else {
        /* Files of one directory share the search: look once per directory. */
        const char *found;

        abs = g_canonicalize_filename(test_file, NULL);
        dir = g_path_get_dirname(abs);
        found = g_hash_table_lookup(run->config_paths, dir);
        if (!found) {
            char *refused = NULL;
            char *searched = pv_config_find(abs, &refused);

            /* Once per run, however many directories lead to the file. */
            if (refused && g_hash_table_add(run->config_refusals, refused))
                pv_run_note(run, "%s", refused);
            found = searched ? searched : g_strdup("");
            g_hash_table_insert(run->config_paths, g_strdup(dir), (char *)found);
        }
        path = *found ? g_strdup(found) : NULL;
    }
    if (!path) {
        g_mutex_unlock(&run->lock);
        return run->builtin_config;
    }

    config = g_hash_table_lookup(run->configs, path);
    if (!config) {
        g_autofree char *shown = NULL;
        g_autofree char *cwd = g_get_current_dir();

        /* Messages name the file as the user would type it. */
        if (g_str_has_prefix(path, cwd) && path[strlen(cwd)] == '/')
            shown = g_strdup(path + strlen(cwd) + 1);
        else
            shown = g_strdup(path);
        config = pv_config_load(shown, error);
        if (config)
            g_hash_table_insert(run->configs, g_steal_pointer(&path), config);
    }
    g_mutex_unlock(&run->lock);
    return config;
}

/**
 * pv_run_get_template:
 *
 * A template's text, read once per run.
 * Returns: (transfer full): the bytes, or NULL with @error set
 */
GBytes *
pv_run_get_template(PvRun *run, const char *path, GError **error)
{
    GBytes *bytes;

    g_mutex_lock(&run->lock);
    bytes = g_hash_table_lookup(run->templates, path);
    if (!bytes) {
        char *text = NULL;
        gsize len = 0;

        if (!g_file_get_contents(path, &text, &len, error)) {
            g_mutex_unlock(&run->lock);
            g_prefix_error(error, _("cannot read template: "));
            return NULL;
        }
        bytes = g_bytes_new_take(text, len);
        g_hash_table_insert(run->templates, g_strdup(path), bytes);
    }
    g_bytes_ref(bytes);
    g_mutex_unlock(&run->lock);
    return bytes;
}
