/*
 * pv-host.c: one libvirt host of a run: its connection, its facts, and
 * everything a run keeps per host
 *
 * A run has one PvHost per libvirt connection (today one: -c), and a file
 * runs whole on one of them.  The host owns the connection and the
 * registry of the domains started through it; its facts, read once (its
 * size, topology and LLC groups, what --virt-type auto means there, who
 * QEMU runs as, the hypervisor's versions) and what libvirt refused there,
 * learned by trying; where it keeps the files its domains open (its
 * storage, pv-host-storage.c); the pool and boot gate its files share
 * (PvResources), with the memory guard's reading; its networks' inventory;
 * its fixture cache.  Its facts and its state now are read in
 * pv-host-facts.c.  Everything here is safe from any thread.
 *
 * A host can go away under a run (its daemon killed or stopped, the machine
 * gone, the link cut): libvirt closes the connection (at once when the
 * socket closes, after keepalive's probes go unanswered otherwise,
 * pv-libvirt.c) and tells us; the host is then lost for the rest of the
 * run (pv_host_is_lost()), and whoever placed files on it hears it on the
 * main loop (pv_host_set_lost_func(): the dispatcher, which stops the files
 * running there).  Its connection stays open (a closed one fails every
 * call at once) until the host is freed.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pv-error.h"
#define PV_HOST_PRIVATE
#include "pv-host-private.h"
#include "pv-host-fixtures.h"
#include "pv-i18n.h"
#include "pv-libvirt.h"
#include "pv-network-host.h"
#include "pv-node.h"


/* The host part of @uri ("lab2" of qemu+ssh://root@lab2/system), or NULL. */
static char *
pv_host_name_from_uri(const char *uri)
{
    g_autoptr(GUri) parsed = uri ? g_uri_parse(uri, G_URI_FLAGS_NON_DNS, NULL) : NULL;
    const char *host = parsed ? g_uri_get_host(parsed) : NULL;

    return host && *host ? g_strdup(host) : NULL;
}

static gboolean
pv_host_lost_idle(gpointer user_data)
{
    PvHost *host = user_data;
    PvHostLostFunc func;
    gpointer data;

    g_mutex_lock(&host->lost_lock);
    host->lost_idle = 0;
    func = host->lost_func;
    data = host->lost_data;
    g_mutex_unlock(&host->lost_lock);
    if (func)
        func(host, data);
    return G_SOURCE_REMOVE;
}

/* Under host->lost_lock: lost_func hears it on the main loop, once. */
static void
pv_host_schedule_lost_locked(PvHost *host)
{
    if (host->lost_func && !host->lost_idle)
        host->lost_idle = g_idle_add_full(G_PRIORITY_HIGH, pv_host_lost_idle, host, NULL);
}

/**
 * pv_host_mark_lost:
 *
 * The host's connection closed under the run (libvirt told, or a test
 * says so): the host is lost for good, and its lost func hears it on the
 * main loop.  A second call changes nothing.  Any thread.
 */
void
pv_host_mark_lost(PvHost *host, PvLibvirtCloseReason reason)
{
    if (!g_atomic_int_compare_and_exchange(&host->lost, FALSE, TRUE))
        return;
    g_mutex_lock(&host->lost_lock);
    host->lost_reason = reason;
    pv_host_schedule_lost_locked(host);
    g_mutex_unlock(&host->lost_lock);
}

/* libvirt's close callback: any thread. */
static void
pv_host_on_closed(PvLibvirtCloseReason reason, gpointer user_data)
{
    pv_host_mark_lost(user_data, reason);
}

/**
 * pv_host_open:
 * @options: (transfer none): copied
 *
 * Opens the libvirt connection and subscribes to its domain events.  Call
 * on the main thread.
 * Returns: (transfer full): the host, or NULL with @error set
 */
PvHost *
pv_host_open(const PvHostOptions *options, GError **error)
{
    g_autoptr(PvHost) host = g_new0(PvHost, 1);
    g_autofree char *cache_dir = NULL;
    guint i;

    host->options = *options;
    host->options.uri = g_strdup(options->uri);
    host->options.name = g_strdup(options->name);
    host->options.cache_dir = g_strdup(options->cache_dir);
    host->options.lock_dir = g_strdup(options->lock_dir);
    g_mutex_init(&host->lock);
    g_mutex_init(&host->virt_lock);
    g_mutex_init(&host->net_lock);
    g_mutex_init(&host->load_lock);
    g_mutex_init(&host->lost_lock);
    host->net_record_dir = pv_network_record_dir_default();
    for (i = 0; i < PV_HOST_FACT_LAST; i++)
        host->facts[i] = -1;

    host->conn = pv_libvirt_open(options->uri, error);
    if (!host->conn)
        return NULL;
    host->uri = pv_libvirt_get_uri(host->conn, NULL);
    host->local = pv_libvirt_is_local(host->conn);
    host->test = pv_libvirt_is_test(host->conn);
    /* PSI, KSM and the rest of /proc and /sys are this machine's: only for a
     * hypervisor running here; libvirt's test driver runs no guests. */
    host->this_machine = host->local && !host->test;
    if (options->name)
        host->name = g_strdup(options->name);
    else if (!host->local)
        host->name = pv_host_name_from_uri(host->uri);
    if (!host->name)
        host->name = g_strdup(g_get_host_name());
    cache_dir = options->cache_dir ? g_strdup(options->cache_dir) : pv_cache_dir_default();
    host->virt = pv_virt_new(host->conn, host->local, cache_dir);
    if (host->this_machine) {
        g_autofree char *caps = pv_node_get_capabilities(host->conn, NULL);

        host->qemu_user = pv_qemu_user_new_from_caps(caps);
        if (host->qemu_user && !pv_qemu_user_is_checked(host->qemu_user))
            g_clear_pointer(&host->qemu_user, pv_qemu_user_free);
    }
    /* A libvirt on this machine shares its files (the test driver's, too);
     * any other host gets them through provium's storage pool there. */
    if (host->local || host->test) {
        host->storage = pv_host_storage_new_local(host->qemu_user);
        pv_host_storage_set_conn(host->storage, host->conn);
    } else {
        g_autofree char *digests = g_build_filename(cache_dir, "digests", NULL);

        host->storage = pv_host_storage_new_pool(host->conn, digests);
    }
    host->close_watch = pv_libvirt_watch_close(host->conn, pv_host_on_closed, host);
    /* Kept domains must outlive the connection; the others must not. */
    host->domains = pv_domain_registry_new(host->conn, !options->keep_domains, error);
    if (!host->domains)
        return NULL;
    return g_steal_pointer(&host);
}

void
pv_host_free(PvHost *host)
{
    if (!host)
        return;
    /* Nothing hears of the connection after this. */
    pv_libvirt_unwatch_close(host->conn, g_steal_pointer(&host->close_watch));
    if (host->lost_idle)
        g_source_remove(host->lost_idle);
    pv_domain_registry_free(host->domains);
    pv_resources_free(host->resources);
    pv_virt_free(host->virt);
    g_free(host->virt_reason);
    /* Before the connection: it copies the last of the consoles through it. */
    pv_host_storage_free(host->storage);
    pv_libvirt_close(host->conn);
    pv_topology_free(host->topology);
    pv_qemu_user_free(host->qemu_user);
    pv_fixture_store_free(host->fixtures);
    g_free(host->fixture_host);
    g_free(host->hypervisor);
    g_free(host->efi_firmware);
    pv_network_inventory_free(host->net_inventory);
    g_free(host->net_record_dir);
    g_mutex_clear(&host->lock);
    g_mutex_clear(&host->virt_lock);
    g_mutex_clear(&host->net_lock);
    g_mutex_clear(&host->load_lock);
    g_mutex_clear(&host->lost_lock);
    g_free((char *)host->options.uri);
    g_free((char *)host->options.name);
    g_free((char *)host->options.cache_dir);
    g_free((char *)host->options.lock_dir);
    g_free(host->name);
    g_free(host->uri);
    g_free(host);
}

/**
 * pv_host_peek_name:
 *
 * Returns: (transfer none): what messages and events call the host: the
 *   name it was given, else the host part of a remote URI, else this
 *   machine's name
 */
const char *
pv_host_peek_name(PvHost *host)
{
    return host->name;
}

/**
 * pv_host_set_name:
 *
 * Names the host for messages and events from now on: a run whose hosts
 * would read the same names them apart.  Before the host is in use.
 */
void
pv_host_set_name(PvHost *host, const char *name)
{
    g_free(host->name);
    host->name = g_strdup(name);
}

/**
 * pv_host_peek_uri:
 *
 * Returns: (transfer none) (nullable): the URI as libvirt names it
 *   ("qemu:///system"); NULL when libvirt does not say
 */
const char *
pv_host_peek_uri(PvHost *host)
{
    return host->uri;
}

/**
 * pv_host_peek_conn:
 *
 * Returns: (transfer none): the connection, for libvirt/'s functions
 */
virConnect *
pv_host_peek_conn(PvHost *host)
{
    return host->conn;
}

/**
 * pv_host_is_local:
 *
 * Whether libvirt runs on this machine, so that the files it reads and
 * writes (images, overlays, console logs, saved states) are this machine's.
 */
gboolean
pv_host_is_local(PvHost *host)
{
    return host->local;
}

/**
 * pv_host_is_this_machine:
 *
 * Whether a real hypervisor on this machine runs the host's guests: what
 * this machine's /proc and /sys say (pressure, MemAvailable, KSM, load,
 * the user QEMU runs as) is about the host.  FALSE for a remote host and
 * for libvirt's test driver.
 */
gboolean
pv_host_is_this_machine(PvHost *host)
{
    return host->this_machine;
}

/**
 * pv_host_is_test:
 *
 * Whether the host is libvirt's test driver (test:///default): it runs no
 * guests, and its networks are on no host.
 */
gboolean
pv_host_is_test(PvHost *host)
{
    return host->test;
}

/**
 * pv_host_get_cpu_cap:
 *
 * Returns: budgeted mode's CPUs there (--cpu-cap); 0: 30 % of its online
 *   CPUs
 */
guint
pv_host_get_cpu_cap(PvHost *host)
{
    return host->options.cpu_cap;
}

/**
 * pv_host_is_lost:
 *
 * Whether the host's connection closed under the run: nothing more runs
 * there, and what ran there failed (doc/hosts.md).  Any thread.
 */
gboolean
pv_host_is_lost(PvHost *host)
{
    return g_atomic_int_get(&host->lost);
}

/**
 * pv_host_describe_loss:
 *
 * Returns: (transfer full): one line naming the lost host and why it is
 *   lost, in the caller's language (a record's: under the C locale)
 */
char *
pv_host_describe_loss(PvHost *host)
{
    PvLibvirtCloseReason reason;

    g_mutex_lock(&host->lost_lock);
    reason = host->lost_reason;
    g_mutex_unlock(&host->lost_lock);
    return g_strdup_printf(_("host '%s' (%s) was lost: %s"), host->name,
                           host->uri ? host->uri : host->options.uri ? host->options.uri : "?",
                           pv_libvirt_close_reason_describe(reason));
}

/**
 * pv_host_set_lost_func:
 * @func: (nullable): called on the main loop once the host is lost (at
 *   once, on the loop's next turn, when it is already); NULL: no longer
 *
 * Who hears that the host is lost: one listener.  Main thread.
 */
void
pv_host_set_lost_func(PvHost *host, PvHostLostFunc func, gpointer user_data)
{
    g_mutex_lock(&host->lost_lock);
    host->lost_func = func;
    host->lost_data = user_data;
    if (!func && host->lost_idle) {
        g_source_remove(host->lost_idle);
        host->lost_idle = 0;
    }
    if (pv_host_is_lost(host))
        pv_host_schedule_lost_locked(host);
    g_mutex_unlock(&host->lost_lock);
}

/**
 * pv_host_peek_storage:
 *
 * Returns: (transfer none): where the host keeps the files its domains
 *   open (pv-host-storage.c)
 */
PvHostStorage *
pv_host_peek_storage(PvHost *host)
{
    return host->storage;
}

/* The host guard's reading: MemAvailable, and what guests do not use yet. */
static gboolean
pv_host_read_memory(gpointer user_data, guint64 *available, guint64 *unresident)
{
    PvHost *host = user_data;
    gboolean known = host->local ? pv_local_read_mem_available(available)
                                 : pv_node_get_memory_free(host->conn, available);

    if (!known)
        return FALSE;
    *unresident = pv_domain_registry_unresident(host->domains);
    return TRUE;
}

/**
 * pv_host_make_resources:
 *
 * Sizes the pool from the host (80 % of its memory, its online CPUs) unless
 * the options say, and the boot gate from its CPUs.
 */
gboolean
pv_host_make_resources(PvHost *host, GError **error)
{
    const PvHostOptions *options = &host->options;
    PvResourcesConfig config = { { 0 } };
    g_autofree char *lock_dir = NULL;
    guint64 memory = 0;
    guint cpus = 0;

    if (!pv_host_get_size(host, &memory, &cpus, error))
        return FALSE;
    config.pool.memory = options->mem ? options->mem : memory / 10 * 8;
    config.pool.mcpus = (guint64)((options->cpus ? options->cpus : cpus) *
                                  options->cpu_overcommit * PV_MCPU);
    config.gate_limit = options->boot_workers ? options->boot_workers : cpus;
    config.gate_counts_domains = options->boot_workers > 0;
    /* A remote host's LLC groups are not this machine's: their locks apart. */
    lock_dir = pv_locks_host_dir(options->lock_dir ? options->lock_dir : PV_LOCKS_DEFAULT_DIR,
                                 host->local ? NULL : host->uri);
    config.lock_dir = lock_dir;
    config.host_reserve = options->reserve;
    /* libvirt's test driver runs no guests: nothing to guard. */
    if (!host->test) {
        config.read_memory = pv_host_read_memory;
        config.read_memory_data = host;
    }
    host->resources = pv_resources_new(&config);
    return TRUE;
}

/**
 * pv_host_peek_resources:
 *
 * Returns: (transfer none): the pool, boot gate, LLC groups and pressure
 *   its files share, once pv_host_make_resources() made them
 */
PvResources *
pv_host_peek_resources(PvHost *host)
{
    return host->resources;
}

/**
 * pv_host_peek_domains:
 *
 * Returns: (transfer none): the registry of the domains the run started
 *   there
 */
PvDomainRegistry *
pv_host_peek_domains(PvHost *host)
{
    return host->domains;
}

/**
 * pv_host_peek_network_record_dir:
 *
 * Where the run records the networks it creates there (doc/networks.md).
 */
const char *
pv_host_peek_network_record_dir(PvHost *host)
{
    return host->net_record_dir;
}

/**
 * pv_host_lock_networks:
 * @refresh: read what the host uses again (before creating networks)
 *
 * The host's network inventory (the names, bridges and MACs in use there
 * and taken by the run's files), locked until pv_host_unlock_networks().
 * Read from the host the first time.  Any worker.
 * Returns: (transfer none): the inventory, or NULL with @error set (and
 *   nothing locked)
 */
PvNetworkInventory *
pv_host_lock_networks(PvHost *host, gboolean refresh, GError **error)
{
    g_mutex_lock(&host->net_lock);
    if (!host->net_inventory) {
        g_autoptr(PvNetworkInventory) inventory = pv_network_inventory_new();

        if (!pv_network_inventory_add_host(inventory, host->conn, host->net_record_dir,
                                           error)) {
            g_mutex_unlock(&host->net_lock);
            return NULL;
        }
        host->net_inventory = g_steal_pointer(&inventory);
    } else if (refresh && !pv_network_inventory_add_host(host->net_inventory, host->conn,
                                                         host->net_record_dir, error)) {
        g_mutex_unlock(&host->net_lock);
        return NULL;
    }
    return host->net_inventory;
}

void
pv_host_unlock_networks(PvHost *host)
{
    g_mutex_unlock(&host->net_lock);
}

/**
 * pv_host_destroy_networks:
 * @run_id: the run whose networks go, and @pid its process
 *
 * Destroys every network the run recorded on the host that is still
 * there, and its record: for a second signal, which exits without letting
 * the files end.  The inventory stays locked after, so none of the run's
 * files creates another one before the process exits.  Main thread.
 * Returns: how many could not be destroyed (`provium clean` removes them)
 */
guint
pv_host_destroy_networks(PvHost *host, const char *run_id, gint64 pid)
{
    g_autoptr(GPtrArray) records = NULL;
    guint left = 0;
    guint i;

    g_mutex_lock(&host->net_lock);
    if (!host->uri)
        return 0;
    records = pv_network_record_list(host->net_record_dir, NULL);
    for (i = 0; records && i < records->len; i++) {
        const PvNetworkRecord *record = records->pdata[i];

        if (g_strcmp0(record->run, run_id) != 0 || g_strcmp0(record->uri, host->uri) != 0 ||
            record->pid != pid)
            continue;
        if (!pv_network_destroy_recorded(host->conn, record, host->net_record_dir, NULL, NULL))
            left++;
    }
    return left;
}

/*
 * The user libvirt runs QEMU as for @virt_type domains (the DAC base label
 * of its capabilities), or -1 when it does not say.
 */
static gint64
pv_host_get_qemu_uid(PvHost *host, PvVirtType virt_type)
{
    g_autofree char *caps = pv_node_get_capabilities(host->conn, NULL);
    uid_t uid;
    gid_t gid;

    if (!caps)
        return -1;
    if (!pv_qemu_user_parse_caps(caps, pv_virt_type_to_string(virt_type), &uid, &gid))
        return -1;
    return uid;
}

/**
 * pv_host_get_fixture_store:
 *
 * The host's fixture cache (doc/fixtures.md), opened on first use.  On a
 * remote host, its own store on this machine, whose states are volumes of
 * provium's pool there (pv-host-fixtures.c): the pool is made if need be.
 * Returns: (transfer none): the store, or NULL with @error set
 */
PvFixtureStore *
pv_host_get_fixture_store(PvHost *host, GError **error)
{
    PvVirtType virt_type;
    PvFixtureStore *store;

    virt_type = host->local ? pv_host_get_virt_auto(host, NULL) : PV_VIRT_AUTO;
    g_mutex_lock(&host->lock);
    if (!host->fixtures && host->local) {
        g_autofree char *dir = pv_fixture_store_default_dir(host->options.cache_dir);

        host->fixtures = pv_fixture_store_open(dir, error);
        if (host->fixtures)
            pv_fixture_store_set_qemu_uid(host->fixtures, pv_host_get_qemu_uid(host, virt_type));
    } else if (!host->fixtures) {
        g_autofree char *identity = pv_host_fixtures_identity(host->conn, TRUE, error);
        g_autofree char *dir = identity ?
            pv_host_fixtures_dir(host->options.cache_dir, identity) : NULL;

        host->fixtures = dir ? pv_fixture_store_open(dir, error) : NULL;
        if (host->fixtures) {
            pv_host_fixtures_count_volumes(host->fixtures, host->conn);
            host->fixture_host = g_steal_pointer(&identity);
        }
        else
            g_prefix_error(error, _("the fixture cache of host '%s': "), host->name);
    }
    store = host->fixtures;
    g_mutex_unlock(&host->lock);
    return store;
}

/**
 * pv_host_probe_boot:
 * @result: (out caller-allocates): as pv_virt_probe_boot()'s
 *
 * Boots one probe guest of @type on the host (pv-virt.c) and watches its
 * console: on a remote host, its image is uploaded into provium's storage
 * pool there and its console log copied here through it, as a run's
 * domains' are.  Sets the storage's directory: not while a run uses the
 * host (provium doctor's).
 * Returns: whether it reached long mode
 */
gboolean
pv_host_probe_boot(PvHost *host, PvVirtType type, gint64 timeout_us, PvProbeResult *result)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) image = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *name = NULL;
    g_autofree char *vol = NULL;
    g_autofree char *kernel = NULL;
    g_auto(PvHostConsole) console = { 0 };
    gint64 started = g_get_monotonic_time();
    gboolean reached = FALSE;

    if (host->local)
        return pv_virt_probe_boot(host->conn, type, timeout_us, result);
    pv_probe_result_clear(result);
    dir = g_dir_make_tmp("provium-probe-XXXXXX", &error);
    if (dir) {
        image = pv_virt_probe_image();
        name = pv_virt_probe_name(type);
        vol = g_strconcat(name, ".img", NULL);
        pv_host_storage_set_dir(host->storage, dir);
        kernel = pv_host_storage_put_file(host->storage, vol, image, name, "kernel", &error);
    }
    if (kernel && pv_host_storage_open_console(host->storage, name, &console, &error)) {
        PvProbeFiles files = { kernel, console.log, console.path };

        pv_host_storage_follow_console(host->storage, NULL, &console);
        reached = pv_virt_probe_boot_at(host->conn, type, name, &files, timeout_us, result);
        pv_host_storage_close_console(host->storage, name);
    } else {
        result->verdict = PV_PROBE_INCONCLUSIVE;
        result->message = g_strdup(error->message);
    }
    if (kernel)
        pv_host_storage_remove(host->storage, kernel);
    if (console.path)
        g_unlink(console.path);
    if (dir)
        g_rmdir(dir);
    result->duration_us = g_get_monotonic_time() - started;
    return reached;
}

static gboolean
pv_host_probe_boot_func(PvVirtType type, gint64 timeout_us, PvProbeResult *result,
                        gpointer data)
{
    return pv_host_probe_boot(data, type, timeout_us, result);
}

/**
 * pv_host_probe_kvm:
 * @result: (out caller-allocates)
 *
 * Probes whether QEMU can use KVM on the host (pv_virt_probe_with()),
 * now, whatever a cache says: what provium doctor tells of a remote host,
 * whose probe verdict is not cached (its cache key reads this machine).
 */
void
pv_host_probe_kvm(PvHost *host, PvProbeResult *result)
{
    pv_virt_probe_with(pv_host_probe_boot_func, host, result);
}

/**
 * pv_host_peek_fixture_host:
 *
 * Returns: (transfer none) (nullable): what a fixture key names a remote
 *   host by (its URI and its pool), once its store is open; NULL on this
 *   machine's host
 */
const char *
pv_host_peek_fixture_host(PvHost *host)
{
    const char *identity;

    g_mutex_lock(&host->lock);
    identity = host->fixture_host;
    g_mutex_unlock(&host->lock);
    return identity;
}
