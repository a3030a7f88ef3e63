/*
 * pv-run.c: one invocation of provium: options, identity, connection, sinks
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-libvirt.h"
#include "pv-run.h"

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
    options->host_reserve = PV_HOST_DEFAULT_RESERVE;
    options->psi_threshold.cpu = PV_PSI_DEFAULT_CPU_PCT;
    options->psi_threshold.memory = PV_PSI_DEFAULT_MEMORY_PCT;
}

void
pv_run_options_clear(PvRunOptions *options)
{
    g_clear_pointer(&options->uri, g_free);
    g_clear_pointer(&options->config_path, g_free);
    g_clear_pointer(&options->filter, g_free);
    g_clear_pointer(&options->prefix, g_free);
    g_clear_pointer(&options->results_dir, g_free);
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

/**
 * pv_sanitize_name:
 *
 * @text made safe for a domain name or a file name: runs of anything but
 * letters, digits, '_' and '.' become one '-', and the result is cut to
 * @max_len bytes.
 * Returns: (transfer full)
 */
char *
pv_sanitize_name(const char *text, gsize max_len)
{
    GString *out = g_string_new(NULL);
    const char *p;

    for (p = text; *p && out->len < max_len; p++) {
        if (g_ascii_isalnum(*p) || *p == '_' || *p == '.')
            g_string_append_c(out, *p);
        else if (out->len > 0 && out->str[out->len - 1] != '-')
            g_string_append_c(out, '-');
    }
    while (out->len > 0 && out->str[out->len - 1] == '-')
        g_string_truncate(out, out->len - 1);
    if (out->len == 0)
        g_string_append(out, "x");
    return g_string_free(out, FALSE);
}

/**
 * pv_write_file_atomic:
 *
 * Writes @path through a temporary file and a rename, so a reader never sees
 * it half written.  Without fsync: these are reports, not data that must
 * survive a power cut, and a sync per file made dispatch I/O-bound (two
 * syncs per test file, a third of a 1,000-file run's time).
 */
gboolean
pv_write_file_atomic(const char *path, const char *data, gssize len, GError **error)
{
    g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    gsize left = len < 0 ? strlen(data) : (gsize)len;
    /* On failure, the template names what mkstemp tried, not a file it made. */
    gboolean made = fd >= 0;
    int saved;

    if (fd < 0)
        goto fail;
    while (left > 0) {
        gssize n = write(fd, data, left);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        data += n;
        left -= n;
    }
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) == 0)
        return TRUE;

 fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    if (made)
        g_unlink(tmp);
    g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot write %s: %s"), path, g_strerror(saved));
    return FALSE;
}

static gboolean
pv_run_make_dir(PvRun *run, GError **error)
{
    const char *base = run->options->results_dir ? run->options->results_dir : ".provium/runs";
    g_autofree char *abs_base = g_canonicalize_filename(base, NULL);
    g_autofree char *vms = NULL;
    g_autofree char *latest = NULL;
    g_autofree char *latest_tmp = NULL;

    run->dir = g_build_filename(abs_base, run->id, NULL);
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
 * Returns: (transfer full): the run, or NULL with @error set
 */
PvRun *
pv_run_new(const PvRunOptions *options, GError **error)
{
    g_autoptr(PvRun) run = g_new0(PvRun, 1);

    run->options = options;
    run->id = pv_run_make_id();
    run->prefix = options->prefix ? g_strdup(options->prefix) : pv_run_default_prefix(run->id);
    run->host = g_strdup(g_get_host_name());
    run->pid = getpid();
    g_mutex_init(&run->lock);
    g_mutex_init(&run->guard_lock);
    run->configs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)pv_config_free);
    run->config_paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    run->config_refusals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    run->templates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_bytes_unref);
    run->builtin_config = pv_config_new_builtin();
    run->events = pv_events_new(run->id);
    run->locks = pv_locks_new(options->lock_dir ? options->lock_dir : PV_LOCKS_DEFAULT_DIR);
    run->realtime = -1;
    return g_steal_pointer(&run);
}

/**
 * pv_run_prepare_dir:
 *
 * Creates the run's results directory, points "latest" at it and starts
 * writing the event stream there.
 */
gboolean
pv_run_prepare_dir(PvRun *run, GError **error)
{
    g_autofree char *events_path = NULL;

    if (!pv_run_make_dir(run, error))
        return FALSE;
    events_path = g_build_filename(run->dir, "events.msgpack", NULL);
    return pv_events_add_file(run->events, events_path, error);
}

/**
 * pv_run_connect:
 *
 * Opens the libvirt connection, subscribes to its domain events and decides
 * what --virt-type auto means on the host (a probe boot the first time, see
 * pv-virt.c).
 */
gboolean
pv_run_connect(PvRun *run, GError **error)
{
    g_autofree char *cache_dir = NULL;

    run->conn = pv_libvirt_open(run->options->uri, error);
    if (!run->conn)
        return FALSE;
    run->local = pv_libvirt_is_local(run->conn);
    cache_dir = run->options->cache_dir ? g_strdup(run->options->cache_dir)
                                        : pv_cache_dir_default();
    run->virt = pv_virt_new(run->conn, run->local, cache_dir);
    /* An explicit --virt-type overrides every profile: auto is never asked. */
    if (run->options->virt_type == PV_VIRT_AUTO) {
        run->virt_auto = pv_virt_get_auto(run->virt, &run->virt_reason);
    } else {
        run->virt_auto = run->options->virt_type;
        run->virt_reason = g_strdup_printf(_("--virt-type %s"),
                                           pv_virt_type_to_string(run->options->virt_type));
    }
    /* Kept domains must outlive the connection; the others must not. */
    run->domains = pv_domain_registry_new(run->conn, !run->options->keep_failed, error);
    return run->domains != NULL;
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
        g_printerr("provium: %s\n", error->message);
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
        run->writer = g_thread_pool_new(pv_run_do_write, NULL, 1, FALSE, NULL);
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
    pv_domain_registry_free(run->domains);
    pv_virt_free(run->virt);
    g_free(run->virt_reason);
    if (run->conn)
        virConnectClose(run->conn);
    pv_events_free(run->events);
    pv_pool_free(run->pool);
    pv_locks_free(run->locks);
    pv_topology_free(run->topology);
    pv_gate_free(run->gate);
    g_mutex_clear(&run->guard_lock);
    g_hash_table_unref(run->configs);
    g_hash_table_unref(run->config_paths);
    g_hash_table_unref(run->config_refusals);
    g_hash_table_unref(run->templates);
    pv_config_free(run->builtin_config);
    g_mutex_clear(&run->lock);
    g_free(run->id);
    g_free(run->prefix);
    g_free(run->host);
    g_free(run->dir);
    g_free(run);
}

/**
 * pv_run_make_pool:
 *
 * Sizes the pool from the host libvirt runs on (80 % of its memory, its
 * online CPUs) unless the options say, and the boot gate from its CPUs.
 */
gboolean
pv_run_make_pool(PvRun *run, GError **error)
{
    const PvRunOptions *options = run->options;
    g_autofree char *type = NULL;
    guint64 host_memory = 0;
    guint64 memory;
    guint64 mcpus;

    if (!pv_host_get_size(run->conn, &host_memory, &run->host_cpus, error))
        return FALSE;
    memory = options->mem ? options->mem : host_memory / 10 * 8;
    mcpus = (guint64)((options->cpus ? options->cpus : run->host_cpus) *
                      options->cpu_overcommit * PV_MCPU);
    run->pool = pv_pool_new((PvAmount){ memory, mcpus });
    run->gate = options->boot_workers ? pv_gate_new(options->boot_workers, TRUE)
                                      : pv_gate_new(run->host_cpus, FALSE);
    /*
     * libvirt's test driver runs no guests: nothing to guard.  PSI and KSM
     * are files of this machine: only for a hypervisor running here.
     */
    type = g_strdup(virConnectGetType(run->conn));
    run->host_guard = g_ascii_strcasecmp(type ? type : "", "test") != 0;
    run->host_local = run->host_guard && run->local;
    return TRUE;
}

/**
 * pv_run_guard_enter:
 * @memory: the VM's
 *
 * The host guard: whether MemAvailable leaves room for a VM of @memory, the
 * host reserve, and what the run's guests were given but do not use yet.  On
 * success the VM counts as unresident until pv_run_guard_leave(), so a burst
 * of boots cannot all pass on one reading.
 */
gboolean
pv_run_guard_enter(PvRun *run, guint64 memory)
{
    guint64 available = 0;
    gboolean ok;

    if (!run->host_guard)
        return TRUE;
    g_mutex_lock(&run->guard_lock);
    ok = !pv_host_read_mem_available(run->conn, run->local, &available) ||
        pv_host_guard_ok(available,
                         pv_domain_registry_unresident(run->domains) + run->guard_pending,
                         run->options->host_reserve, memory);
    if (ok)
        run->guard_pending += memory;
    g_mutex_unlock(&run->guard_lock);
    return ok;
}

/**
 * pv_run_guard_leave:
 *
 * The VM passed the guard is now a domain (or failed to start): its memory
 * is counted from the domain from now on.
 */
void
pv_run_guard_leave(PvRun *run, guint64 memory)
{
    if (!run->host_guard)
        return;
    g_mutex_lock(&run->guard_lock);
    g_assert(run->guard_pending >= memory);
    run->guard_pending -= memory;
    g_mutex_unlock(&run->guard_lock);
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
                g_printerr("provium: %s\n", refused);
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
 * pv_run_vm_path:
 *
 * Returns: (transfer full): "<run dir>/vms/<domain><suffix>"
 */
char *
pv_run_vm_path(PvRun *run, const char *domain, const char *suffix)
{
    g_autofree char *file = g_strconcat(domain, suffix, NULL);

    return g_build_filename(run->dir, "vms", file, NULL);
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

/**
 * pv_run_get_topology:
 *
 * The host's CPUs and LLC groups, from libvirt's capabilities, read once and
 * not changed after; its free_hugepages stay zero (see
 * pv_run_get_free_hugepages()).
 * Returns: (transfer none): the topology, or NULL with @error set
 */
PvTopology *
pv_run_get_topology(PvRun *run, GError **error)
{
    PvTopology *topology;

    g_mutex_lock(&run->lock);
    if (!run->topology) {
        g_autofree char *caps = virConnectGetCapabilities(run->conn);

        if (!caps)
            pv_libvirt_set_error(error, _("cannot read the host's capabilities"));
        else
            run->topology = pv_topology_parse(caps, error);
    }
    topology = run->topology;
    g_mutex_unlock(&run->lock);
    return topology;
}

/**
 * pv_run_get_free_hugepages:
 *
 * The free 2 MiB hugepages of each of the host's @nodes NUMA nodes, read
 * from libvirt now; 0 where it cannot tell.
 * Returns: (transfer full) (element-type guint64)
 */
GArray *
pv_run_get_free_hugepages(PvRun *run, guint nodes)
{
    GArray *free_pages = g_array_sized_new(FALSE, TRUE, sizeof(guint64), nodes);
    guint node;

    for (node = 0; node < nodes; node++) {
        unsigned int size = 2048;
        unsigned long long count = 0;

        if (virNodeGetFreePages(run->conn, 1, &size, node, 1, &count, 0) < 0) {
            virResetLastError();
            count = 0;
        }
        g_array_append_vals(free_pages, &(guint64){ count }, 1);
    }
    return free_pages;
}
