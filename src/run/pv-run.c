/*
 * pv-run.c: one invocation of provium: options, identity, connection, and
 * the services its files share
 *
 * The run owns the libvirt connection and its domain registry, the event
 * sink, the resources its files wait for (pv-resources.c), what it learned
 * of the host (the accelerator, its topology, what libvirt refused), and
 * caches of provium.conf files and templates.  Everything else reads them
 * through the accessors below.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pv-qemu-user.h"
#include "pv-error.h"
#include "pv-i18n.h"
#include "pv-libvirt.h"
#include "pv-results.h"
#include "pv-network-host.h"
#include "pv-node.h"
#include "pv-run.h"
#include "pv-safe.h"

struct _PvRun {
    const PvRunOptions *options;
    char *id;
    char *prefix;
    char *host;
    gint64 pid;
    char *base;                 /* where run directories go (absolute) */
    char *dir;                  /* this run's results directory */
    int dir_lock;               /* holds its lock (pv_results_start_run()); -1 */
    virConnect *conn;
    gboolean local;             /* the hypervisor runs on this machine */
    gboolean host_local;        /* ...and is a real one: PSI and KSM are its */
    guint host_cpus;
    PvVirt *virt;               /* what QEMU can really do here */
    PvVirtType virt_auto;       /* what --virt-type auto means here: KVM or QEMU */
    char *virt_reason;          /* why, in one line */
    PvDomainRegistry *domains;
    PvEvents *events;
    PvResources *resources;
    gint host_facts[PV_HOST_FACT_LAST];  /* atomic */
    GThreadPool *writer;        /* writes report files off the emitting threads */
    PvRunNoteFunc note;
    gpointer note_data;

    GMutex lock;                /* guards the caches */
    GHashTable *configs;        /* provium.conf path -> PvConfig */
    GHashTable *config_paths;   /* test file directory -> provium.conf path ("" none) */
    GHashTable *config_refusals;  /* what was said of provium.conf files not used */
    GHashTable *templates;      /* template path -> GBytes, read once per run */
    PvTopology *topology;       /* read once */
    PvQemuUser *qemu_user;      /* read once, when qemu_user_read */
    gboolean qemu_user_read;
    PvConfig *builtin_config;

    GMutex net_lock;            /* guards the network inventory */
    PvNetworkInventory *net_inventory;  /* NULL until a file declares a network */
    char *net_record_dir;
    PvFixtureStore *fixtures;   /* opened on first use */
    char *hypervisor;           /* "QEMU 7.2.0, libvirt 9.0.0", for fixture keys */
};

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
pv_run_options_clear(PvRunOptions *options)
{
    g_clear_pointer(&options->uri, g_free);
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
    guint i;

    run->options = options;
    run->id = pv_run_make_id();
    run->prefix = options->prefix ? g_strdup(options->prefix) : pv_run_default_prefix(run->id);
    run->host = g_strdup(g_get_host_name());
    run->pid = getpid();
    run->base = pv_results_base(options->results_dir);
    run->dir_lock = -1;
    g_mutex_init(&run->lock);
    g_mutex_init(&run->net_lock);
    run->net_record_dir = pv_network_record_dir_default();
    run->configs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)pv_config_free);
    run->config_paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    run->config_refusals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    run->templates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_bytes_unref);
    run->builtin_config = pv_config_new_builtin();
    run->events = pv_events_new(run->id);
    for (i = 0; i < PV_HOST_FACT_LAST; i++)
        run->host_facts[i] = -1;
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
    locale_t previous;

    run->conn = pv_libvirt_open(run->options->uri, error);
    if (!run->conn)
        return FALSE;
    run->local = pv_libvirt_is_local(run->conn);
    cache_dir = run->options->cache_dir ? g_strdup(run->options->cache_dir)
                                        : pv_cache_dir_default();
    run->virt = pv_virt_new(run->conn, run->local, cache_dir);
    /* An explicit --virt-type overrides every profile: auto is never asked. */
    previous = pv_i18n_untranslated_begin();    /* virt_reason is recorded */
    if (run->options->virt_type == PV_VIRT_AUTO) {
        run->virt_auto = pv_virt_get_auto(run->virt, &run->virt_reason);
    } else {
        run->virt_auto = run->options->virt_type;
        run->virt_reason = g_strdup_printf(_("--virt-type %s"),
                                           pv_virt_type_to_string(run->options->virt_type));
    }
    pv_i18n_end(previous);
    /* Kept domains must outlive the connection; the others must not. */
    run->domains = pv_domain_registry_new(run->conn, !run->options->keep_failed, error);
    return run->domains != NULL;
}

/**
 * pv_run_peek_network_record_dir:
 *
 * Where the run records the networks it creates (doc/networks.md).
 */
const char *
pv_run_peek_network_record_dir(PvRun *run)
{
    return run->net_record_dir;
}

/**
 * pv_run_lock_networks:
 * @refresh: read what the libvirt host uses again (before creating networks)
 *
 * The run's network inventory (one per connection: the names, bridges and
 * MACs in use on the host and taken by the run's files), locked until
 * pv_run_unlock_networks().  Read from the host the first time.  Any worker.
 * Returns: (transfer none): the inventory, or NULL with @error set (and
 *   nothing locked)
 */
PvNetworkInventory *
pv_run_lock_networks(PvRun *run, gboolean refresh, GError **error)
{
    g_mutex_lock(&run->net_lock);
    if (!run->net_inventory) {
        g_autoptr(PvNetworkInventory) inventory = pv_network_inventory_new();

        if (!pv_network_inventory_add_host(inventory, run->conn, run->net_record_dir, error)) {
            g_mutex_unlock(&run->net_lock);
            return NULL;
        }
        run->net_inventory = g_steal_pointer(&inventory);
    } else if (refresh && !pv_network_inventory_add_host(run->net_inventory, run->conn,
                                                         run->net_record_dir, error)) {
        g_mutex_unlock(&run->net_lock);
        return NULL;
    }
    return run->net_inventory;
}

void
pv_run_unlock_networks(PvRun *run)
{
    g_mutex_unlock(&run->net_lock);
}

/**
 * pv_run_destroy_networks:
 *
 * Destroys every network this run recorded that is still there, and its
 * record: for a second signal, which exits without letting the files end.
 * The inventory stays locked after, so none of the run's files creates
 * another one before the process exits.  Main thread.
 * Returns: how many could not be destroyed (`provium clean` removes them)
 */
guint
pv_run_destroy_networks(PvRun *run)
{
    g_autoptr(GPtrArray) records = NULL;
    g_autofree char *uri = NULL;
    guint left = 0;
    guint i;

    g_mutex_lock(&run->net_lock);
    if (!run->conn || !(uri = pv_libvirt_get_uri(run->conn, NULL)))
        return 0;
    records = pv_network_record_list(run->net_record_dir, NULL);
    for (i = 0; records && i < records->len; i++) {
        const PvNetworkRecord *record = records->pdata[i];

        if (g_strcmp0(record->run, run->id) != 0 || g_strcmp0(record->uri, uri) != 0 ||
            record->pid != run->pid)
            continue;
        if (!pv_network_destroy_recorded(run->conn, record, run->net_record_dir, NULL, NULL))
            left++;
    }
    return left;
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
    pv_domain_registry_free(run->domains);
    pv_virt_free(run->virt);
    g_free(run->virt_reason);
    pv_libvirt_close(run->conn);
    pv_events_free(run->events);
    pv_resources_free(run->resources);
    pv_topology_free(run->topology);
    pv_qemu_user_free(run->qemu_user);
    g_hash_table_unref(run->configs);
    g_hash_table_unref(run->config_paths);
    g_hash_table_unref(run->config_refusals);
    g_hash_table_unref(run->templates);
    pv_config_free(run->builtin_config);
    pv_fixture_store_free(run->fixtures);
    g_free(run->hypervisor);
    g_mutex_clear(&run->lock);
    pv_network_inventory_free(run->net_inventory);
    g_mutex_clear(&run->net_lock);
    g_free(run->net_record_dir);
    g_free(run->id);
    g_free(run->prefix);
    g_free(run->host);
    g_free(run->dir);
    if (run->dir_lock >= 0)
        close(run->dir_lock);
    g_free(run->base);
    g_free(run);
}

/* The host guard's reading: MemAvailable, and what guests do not use yet. */
static gboolean
pv_run_read_memory(gpointer user_data, guint64 *available, guint64 *unresident)
{
    PvRun *run = user_data;

    if (!pv_host_read_mem_available(run->conn, run->local, available))
        return FALSE;
    *unresident = pv_domain_registry_unresident(run->domains);
    return TRUE;
}

/**
 * pv_run_make_resources:
 *
 * Sizes the pool from the host libvirt runs on (80 % of its memory, its
 * online CPUs) unless the options say, and the boot gate from its CPUs.
 */
gboolean
pv_run_make_resources(PvRun *run, GError **error)
{
    const PvRunOptions *options = run->options;
    PvResourcesConfig config = { { 0 } };
    guint64 host_memory = 0;
    gboolean guard;

    if (!pv_node_get_size(run->conn, &host_memory, &run->host_cpus, error))
        return FALSE;
    config.pool.memory = options->mem ? options->mem : host_memory / 10 * 8;
    config.pool.mcpus = (guint64)((options->cpus ? options->cpus : run->host_cpus) *
                                  options->cpu_overcommit * PV_MCPU);
    config.gate_limit = options->boot_workers ? options->boot_workers : run->host_cpus;
    config.gate_counts_domains = options->boot_workers > 0;
    config.lock_dir = options->lock_dir;
    config.host_reserve = options->host_reserve;
    /*
     * libvirt's test driver runs no guests: nothing to guard.  PSI and KSM
     * are files of this machine: only for a hypervisor running here.
     */
    guard = !pv_libvirt_is_test(run->conn);
    run->host_local = guard && run->local;
    if (guard) {
        config.read_memory = pv_run_read_memory;
        config.read_memory_data = run;
    }
    run->resources = pv_resources_new(&config);
    return TRUE;
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

const char *
pv_run_peek_host(PvRun *run)
{
    return run->host;
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

virConnect *
pv_run_peek_conn(PvRun *run)
{
    return run->conn;
}

/**
 * pv_run_is_local:
 *
 * Whether the hypervisor runs on this machine (console logs are readable).
 */
gboolean
pv_run_is_local(PvRun *run)
{
    return run->local;
}

/**
 * pv_run_host_is_local:
 *
 * Whether a real hypervisor runs on this machine: its PSI and KSM are ours
 * to read and tune.
 */
gboolean
pv_run_host_is_local(PvRun *run)
{
    return run->host_local;
}

guint
pv_run_get_host_cpus(PvRun *run)
{
    return run->host_cpus;
}

PvEvents *
pv_run_peek_events(PvRun *run)
{
    return run->events;
}

PvDomainRegistry *
pv_run_peek_domains(PvRun *run)
{
    return run->domains;
}

PvResources *
pv_run_peek_resources(PvRun *run)
{
    return run->resources;
}

PvVirt *
pv_run_peek_virt(PvRun *run)
{
    return run->virt;
}

/**
 * pv_run_get_virt_auto:
 * @reason: (out) (optional) (transfer none): why, in one line
 *
 * Returns: what --virt-type auto means on this host (KVM or QEMU), or the
 *   option's value when one was given
 */
PvVirtType
pv_run_get_virt_auto(PvRun *run, const char **reason)
{
    if (reason)
        *reason = run->virt_reason;
    return run->virt_auto;
}

gint
pv_run_get_host_fact(PvRun *run, PvHostFact fact)
{
    return g_atomic_int_get(&run->host_facts[fact]);
}

void
pv_run_set_host_fact(PvRun *run, PvHostFact fact, gint value)
{
    g_atomic_int_set(&run->host_facts[fact], value);
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

/*
 * The user libvirt runs QEMU as (the DAC base label of its capabilities), or
 * -1 when it does not say.  The lock is held.
 */
static gint64
pv_run_get_qemu_uid(PvRun *run)
{
    g_autofree char *caps = pv_node_get_capabilities(run->conn, NULL);
    uid_t uid;
    gid_t gid;

    if (!caps)
        return -1;
    if (!pv_qemu_user_parse_caps(caps, pv_virt_type_to_string(run->virt_auto), &uid, &gid))
        return -1;
    return uid;
}

/**
 * pv_run_get_fixture_store:
 * @hypervisor: (out) (transfer none): what restores the states, for keys
 *
 * The host's fixture cache (doc/fixtures.md), opened on first use.  A state
 * must be a file libvirtd reads: on a remote libvirt host fixtures are
 * refused for now.
 * Returns: (transfer none): the store, or NULL with @error set
 */
PvFixtureStore *
pv_run_get_fixture_store(PvRun *run, const char **hypervisor, GError **error)
{
    PvFixtureStore *store;

    if (!run->local) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("fixtures need the libvirt host to be this machine (their saved states "
                      "are local files); %s is not: boot without fixture ="),
                    run->options->uri ? run->options->uri : "?");
        return NULL;
    }
    g_mutex_lock(&run->lock);
    if (!run->fixtures) {
        g_autofree char *dir = pv_fixture_store_default_dir(run->options->cache_dir);

        run->fixtures = pv_fixture_store_open(dir, error);
        if (run->fixtures)
            pv_fixture_store_set_qemu_uid(run->fixtures, pv_run_get_qemu_uid(run));
    }
    if (run->fixtures && !run->hypervisor) {
        PvNodeVersions versions;
        g_autofree char *qemu = NULL;
        g_autofree char *lib = NULL;

        pv_node_get_versions(run->conn, &versions);
        qemu = pv_node_format_version(versions.hypervisor);
        lib = pv_node_format_version(versions.libvirt);
        run->hypervisor = g_strdup_printf("%s %s, libvirt %s", versions.type, qemu, lib);
    }
    store = run->fixtures;
    g_mutex_unlock(&run->lock);
    *hypervisor = run->hypervisor;
    return store;
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
        g_autofree char *caps = pv_node_get_capabilities(run->conn, error);

        if (caps)
            run->topology = pv_topology_parse(caps, error);
    }
    topology = run->topology;
    g_mutex_unlock(&run->lock);
    return topology;
}

/**
 * pv_run_peek_qemu_user:
 *
 * The user QEMU runs as on this machine's libvirt (from its capabilities),
 * to ask what it can reach before a boot: NULL for a remote host or the
 * test driver (the paths are not this machine's), where libvirt has no DAC
 * model (QEMU runs as root), or where provium cannot ask as that user (not
 * root).  Read once; safe from any thread.
 * Returns: (transfer none) (nullable)
 */
PvQemuUser *
pv_run_peek_qemu_user(PvRun *run)
{
    PvQemuUser *user;

    g_mutex_lock(&run->lock);
    if (!run->qemu_user_read && run->host_local) {
        g_autofree char *caps = pv_node_get_capabilities(run->conn, NULL);

        run->qemu_user = pv_qemu_user_new_from_caps(caps);
        if (run->qemu_user && !pv_qemu_user_is_checked(run->qemu_user))
            g_clear_pointer(&run->qemu_user, pv_qemu_user_free);
    }
    run->qemu_user_read = TRUE;
    user = run->qemu_user;
    g_mutex_unlock(&run->lock);
    return user;
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
        guint64 count = 0;

        if (!pv_node_get_free_pages(run->conn, node, &count))
            count = 0;
        g_array_append_vals(free_pages, &count, 1);
    }
    return free_pages;
}
