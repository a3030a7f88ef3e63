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
 * its fixture cache.  Facts come from libvirt (libvirt/pv-node.c), so a
 * remote host answers for itself; what only this machine's files tell
 * (pressure, MemAvailable, KSM, the tasks that want a CPU: pv-local.c,
 * pv-ksm.c) is read only when the host is this machine, and goes without
 * otherwise.  Everything here is safe from any thread.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#include "pv-host.h"
#include "pv-i18n.h"
#include "pv-libvirt.h"
#include "pv-network-host.h"
#include "pv-node.h"

struct _PvHost {
    PvHostOptions options;      /* its strings are the host's own */
    char *name;
    char *uri;                  /* as libvirt names it; NULL unknown */
    virConnect *conn;
    gboolean local;             /* libvirt runs on this machine: its files are ours */
    gboolean this_machine;      /* ...and a real hypervisor: /proc and /sys are its */
    gboolean test;              /* libvirt's test driver: no guests */
    PvVirt *virt;               /* what QEMU can really do there */
    GMutex virt_lock;           /* guards the decision (a probe boot may take long): */
    gboolean virt_decided;
    PvVirtType virt_auto;       /* what --virt-type auto means there: KVM or QEMU */
    char *virt_reason;          /* why, in one line (a record: English) */
    PvDomainRegistry *domains;
    PvResources *resources;
    guint64 memory;             /* its size, from libvirt */
    guint cpus;
    gint facts[PV_HOST_FACT_LAST];  /* atomic */

    PvQemuUser *qemu_user;      /* NULL: not this machine, or not checkable */
    PvHostStorage *storage;     /* where its domains' files are */

    GMutex lock;                /* guards what is read on first use */
    PvTopology *topology;
    PvFixtureStore *fixtures;
    char *hypervisor;           /* "QEMU 7.2.0, libvirt 9.0.0", for fixture keys */

    GMutex net_lock;            /* guards the network inventory */
    PvNetworkInventory *net_inventory;  /* NULL until a file declares a network */
    char *net_record_dir;
};

/* The host part of @uri ("lab2" of qemu+ssh://root@lab2/system), or NULL. */
static char *
pv_host_name_from_uri(const char *uri)
{
    g_autoptr(GUri) parsed = uri ? g_uri_parse(uri, G_URI_FLAGS_NON_DNS, NULL) : NULL;
    const char *host = parsed ? g_uri_get_host(parsed) : NULL;

    return host && *host ? g_strdup(host) : NULL;
}

/* What --virt-type auto means there, and why (a record: English).  virt_lock is held. */
static void
pv_host_decide_virt(PvHost *host)
{
    locale_t previous = pv_i18n_untranslated_begin();

    host->virt_decided = TRUE;
    /* An explicit --virt-type overrides every profile: auto is never asked. */
    if (host->options.virt_type == PV_VIRT_AUTO) {
        host->virt_auto = pv_virt_get_auto(host->virt, &host->virt_reason);
    } else {
        host->virt_auto = host->options.virt_type;
        host->virt_reason = g_strdup_printf(_("--virt-type %s"),
                                            pv_virt_type_to_string(host->options.virt_type));
    }
    pv_i18n_end(previous);
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
    /* Its libvirt shares this machine's files; a storage pool's for others is next. */
    host->storage = pv_host_storage_new_local(host->qemu_user);
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
    pv_domain_registry_free(host->domains);
    pv_resources_free(host->resources);
    pv_virt_free(host->virt);
    g_free(host->virt_reason);
    pv_libvirt_close(host->conn);
    pv_topology_free(host->topology);
    pv_host_storage_free(host->storage);
    pv_qemu_user_free(host->qemu_user);
    pv_fixture_store_free(host->fixtures);
    g_free(host->hypervisor);
    pv_network_inventory_free(host->net_inventory);
    g_free(host->net_record_dir);
    g_mutex_clear(&host->lock);
    g_mutex_clear(&host->virt_lock);
    g_mutex_clear(&host->net_lock);
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
 * pv_host_get_size:
 * @memory: (out) (optional): the host's memory, bytes
 * @cpus: (out) (optional): its online CPUs
 *
 * From libvirt's node info, read once.
 */
gboolean
pv_host_get_size(PvHost *host, guint64 *memory, guint *cpus, GError **error)
{
    gboolean ok = TRUE;

    g_mutex_lock(&host->lock);
    if (!host->cpus)
        ok = pv_node_get_size(host->conn, &host->memory, &host->cpus, error);
    g_mutex_unlock(&host->lock);
    if (!ok)
        return FALSE;
    if (memory)
        *memory = host->memory;
    if (cpus)
        *cpus = host->cpus;
    return TRUE;
}

PvVirt *
pv_host_peek_virt(PvHost *host)
{
    return host->virt;
}

/**
 * pv_host_get_virt_auto:
 * @reason: (out) (optional) (transfer none): why, in one line
 *
 * Decided on the first call: a probe boot where the cache has no verdict
 * (pv-virt.c).
 * Returns: what --virt-type auto means on this host (KVM or QEMU), or the
 *   option's value when one was given
 */
PvVirtType
pv_host_get_virt_auto(PvHost *host, const char **reason)
{
    PvVirtType type;

    g_mutex_lock(&host->virt_lock);
    if (!host->virt_decided)
        pv_host_decide_virt(host);
    type = host->virt_auto;
    if (reason)
        *reason = host->virt_reason;
    g_mutex_unlock(&host->virt_lock);
    return type;
}

/**
 * pv_host_dup_capabilities:
 *
 * Returns: (transfer full) (nullable): libvirt's capabilities XML of the
 *   host, NULL where it does not give them
 */
char *
pv_host_dup_capabilities(PvHost *host)
{
    return pv_node_get_capabilities(host->conn, NULL);
}

/**
 * pv_host_get_topology:
 *
 * The host's CPUs and LLC groups, from libvirt's capabilities, read once and
 * not changed after; its free_hugepages stay zero (see
 * pv_host_get_free_hugepages()).
 * Returns: (transfer none): the topology, or NULL with @error set
 */
PvTopology *
pv_host_get_topology(PvHost *host, GError **error)
{
    PvTopology *topology;

    g_mutex_lock(&host->lock);
    if (!host->topology) {
        g_autofree char *caps = pv_node_get_capabilities(host->conn, error);

        if (caps)
            host->topology = pv_topology_parse(caps, error);
    }
    topology = host->topology;
    g_mutex_unlock(&host->lock);
    return topology;
}

/**
 * pv_host_peek_qemu_user:
 *
 * The user QEMU runs as on the host (from libvirt's capabilities), which
 * its storage asks what it can reach before a boot: NULL for a host that
 * is not this machine (the paths are not this machine's), where libvirt has
 * no DAC model (QEMU runs as root), or where provium cannot ask as that
 * user (not root).  Read as the host opens.
 * Returns: (transfer none) (nullable)
 */
PvQemuUser *
pv_host_peek_qemu_user(PvHost *host)
{
    return host->qemu_user;
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

/**
 * pv_host_peek_hypervisor:
 *
 * Returns: (transfer none): what runs guests there, with its version and
 *   libvirt's: "QEMU 7.2.0, libvirt 9.0.0" (a fixture's key holds it)
 */
const char *
pv_host_peek_hypervisor(PvHost *host)
{
    const char *hypervisor;

    g_mutex_lock(&host->lock);
    if (!host->hypervisor) {
        PvNodeVersions versions;
        g_autofree char *qemu = NULL;
        g_autofree char *lib = NULL;

        pv_node_get_versions(host->conn, &versions);
        qemu = pv_node_format_version(versions.hypervisor);
        lib = pv_node_format_version(versions.libvirt);
        host->hypervisor = g_strdup_printf("%s %s, libvirt %s", versions.type, qemu, lib);
    }
    hypervisor = host->hypervisor;
    g_mutex_unlock(&host->lock);
    return hypervisor;
}

gint
pv_host_get_fact(PvHost *host, PvHostFact fact)
{
    return g_atomic_int_get(&host->facts[fact]);
}

void
pv_host_set_fact(PvHost *host, PvHostFact fact, gint value)
{
    g_atomic_int_set(&host->facts[fact], value);
}

/**
 * pv_host_get_free_hugepages:
 *
 * The free 2 MiB hugepages of each of the host's @nodes NUMA nodes, read
 * from libvirt now; 0 where it cannot tell.
 * Returns: (transfer full) (element-type guint64)
 */
GArray *
pv_host_get_free_hugepages(PvHost *host, guint nodes)
{
    GArray *free_pages = g_array_sized_new(FALSE, TRUE, sizeof(guint64), nodes);
    guint node;

    for (node = 0; node < nodes; node++) {
        guint64 count = 0;

        if (!pv_node_get_free_pages(host->conn, node, &count))
            count = 0;
        g_array_append_vals(free_pages, &count, 1);
    }
    return free_pages;
}

/**
 * pv_host_count_free_hugepages:
 *
 * Returns: the free 2 MiB hugepages of every NUMA node the host has
 */
guint64
pv_host_count_free_hugepages(PvHost *host)
{
    guint64 count = 0;
    guint64 total = 0;
    guint node;

    for (node = 0; node < 1024 && pv_node_get_free_pages(host->conn, node, &count); node++)
        total += count;
    return total;
}

/**
 * pv_host_read_pressure:
 *
 * The host's pressure (PSI) now.
 * Returns: FALSE for a host that is not this machine, or a kernel without
 *   PSI
 */
gboolean
pv_host_read_pressure(PvHost *host, PvPsiReading *reading)
{
    return host->this_machine && pv_local_read_psi(reading);
}

/**
 * pv_host_open_pressure_trigger:
 * @resource: "cpu" or "memory"
 * @pct: the threshold, as a share of a 10 s window
 *
 * A kernel PSI trigger on the host: the fd polls POLLPRI when "some" stall
 * time passes @pct % of 10 s.
 * Returns: the fd, or -1 for a host that is not this machine, or where
 *   triggers are not permitted
 */
int
pv_host_open_pressure_trigger(PvHost *host, const char *resource, double pct)
{
    return host->this_machine ? pv_local_psi_trigger_open(resource, pct) : -1;
}

/**
 * pv_host_read_running:
 *
 * Returns: how many other tasks want a CPU of the host now; 0 where it
 *   cannot tell (a host that is not this machine)
 */
guint
pv_host_read_running(PvHost *host)
{
    return host->this_machine ? pv_local_read_running() : 0;
}

/**
 * pv_host_tune_ksm:
 *
 * Tunes the host's KSM for the run (pv_ksm_tune()): a hold that puts the
 * host's settings back when the last provium run on it lets go.  Its
 * message is a record (English).
 * Returns: (transfer full) (nullable): the hold; NULL for a host that is
 *   not this machine (its knobs are not this machine's files)
 */
PvKsm *
pv_host_tune_ksm(PvHost *host)
{
    locale_t previous;
    PvKsm *ksm;

    if (!host->this_machine)
        return NULL;
    previous = pv_i18n_untranslated_begin();
    ksm = pv_ksm_tune(PV_KSM_SYSFS_DIR, PV_KSM_STATE_DIR);
    pv_i18n_end(previous);
    return ksm;
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
    guint64 memory = 0;
    guint cpus = 0;

    if (!pv_host_get_size(host, &memory, &cpus, error))
        return FALSE;
    config.pool.memory = options->mem ? options->mem : memory / 10 * 8;
    config.pool.mcpus = (guint64)((options->cpus ? options->cpus : cpus) *
                                  options->cpu_overcommit * PV_MCPU);
    config.gate_limit = options->boot_workers ? options->boot_workers : cpus;
    config.gate_counts_domains = options->boot_workers > 0;
    config.lock_dir = options->lock_dir;
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
 * The host's fixture cache (doc/fixtures.md), opened on first use.  A state
 * must be a file libvirtd reads: on a remote libvirt host fixtures are
 * refused for now.
 * Returns: (transfer none): the store, or NULL with @error set
 */
PvFixtureStore *
pv_host_get_fixture_store(PvHost *host, GError **error)
{
    PvVirtType virt_type;
    PvFixtureStore *store;

    if (!host->local) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("fixtures need the libvirt host to be this machine (their saved states "
                      "are local files); %s is not: boot without fixture ="),
                    host->options.uri ? host->options.uri : "?");
        return NULL;
    }
    virt_type = pv_host_get_virt_auto(host, NULL);
    g_mutex_lock(&host->lock);
    if (!host->fixtures) {
        g_autofree char *dir = pv_fixture_store_default_dir(host->options.cache_dir);

        host->fixtures = pv_fixture_store_open(dir, error);
        if (host->fixtures)
            pv_fixture_store_set_qemu_uid(host->fixtures, pv_host_get_qemu_uid(host, virt_type));
    }
    store = host->fixtures;
    g_mutex_unlock(&host->lock);
    return store;
}
