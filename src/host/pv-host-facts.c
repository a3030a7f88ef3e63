/*
 * pv-host-facts.c: what a host is (its size, topology, accelerator, who
 * QEMU runs as, its hypervisor, what libvirt refused there) and how it is
 * now (free hugepages, pressure, load, KSM)
 *
 * Facts come from libvirt (libvirt/pv-node.c), so a remote host answers for
 * itself; what only this machine's own files tell (PSI, the tasks that want
 * a CPU, KSM: pv-local.c, pv-ksm.c) is read only when the host is this
 * machine.  A remote host's pressure is a stand-in from libvirt's CPU
 * stats; the rest goes without there.  What does not change is read once,
 * under the host's lock; safe from any thread.
 */
#include "config.h"

#include <glib/gi18n.h>

#define PV_HOST_PRIVATE
#include "pv-host-private.h"
#include "pv-i18n.h"
#include "pv-node.h"

/* What --virt-type auto means there, and why (a record: English).  virt_lock is held. */
static void
pv_host_decide_virt(PvHost *host)
{
    locale_t previous = pv_i18n_untranslated_begin();

    host->virt_decided = TRUE;
    /* An explicit --virt-type overrides every profile: auto is never asked. */
    if (host->options.virt_type == PV_VIRT_AUTO && !host->local && !host->test &&
        pv_virt_libvirt_has_kvm(host->virt)) {
        /* A remote host is probed through its storage pool, each run: not cached. */
        g_auto(PvProbeResult) probe = { 0 };

        pv_host_probe_kvm(host, &probe);
        host->virt_auto = pv_virt_choose(TRUE, FALSE, &probe, &host->virt_reason);
    } else if (host->options.virt_type == PV_VIRT_AUTO) {
        host->virt_auto = pv_virt_get_auto(host->virt, &host->virt_reason);
    } else {
        host->virt_auto = host->options.virt_type;
        host->virt_reason = g_strdup_printf(_("--virt-type %s"),
                                            pv_virt_type_to_string(host->options.virt_type));
    }
    pv_i18n_end(previous);
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

/**
 * pv_host_peek_efi_firmware:
 *
 * The UEFI firmware libvirt picks from for `firmware = efi` on the host
 * (pv_node_get_efi_firmware()), read once.
 * Returns: (transfer none) (nullable): its first image, or NULL where the
 *   host has none (Debian: the ovmf package is not installed)
 */
const char *
pv_host_peek_efi_firmware(PvHost *host)
{
    const char *firmware;

    g_mutex_lock(&host->lock);
    if (!host->efi_read) {
        host->efi_firmware = pv_node_get_efi_firmware(host->conn);
        host->efi_read = TRUE;
    }
    firmware = host->efi_firmware;
    g_mutex_unlock(&host->lock);
    return firmware;
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

/* How long a remote host's load window grows before it starts anew, as PSI's avg10. */
#define PV_HOST_LOAD_WINDOW_US (10 * G_USEC_PER_SEC)

/*
 * A remote host's pressure from libvirt's CPU stats: the CPU reading of
 * pv_node_cpu_pressure() over the window since its start (1 to 10 s); the
 * memory reading is 0, the memory guard's part (libvirt's free memory).
 */
static gboolean
pv_host_read_load(PvHost *host, PvPsiReading *reading)
{
    PvNodeCpuTimes now;
    gint64 now_us = g_get_monotonic_time();
    gboolean known = FALSE;

    if (!pv_node_get_cpu_times(host->conn, &now))
        return FALSE;
    g_mutex_lock(&host->load_lock);
    if (host->load_read) {
        reading->cpu = pv_node_cpu_pressure(&host->load_then, &now);
        reading->memory = 0;
        known = TRUE;
    }
    if (!host->load_read || now_us - host->load_then_us >= PV_HOST_LOAD_WINDOW_US) {
        host->load_then = now;
        host->load_then_us = now_us;
        host->load_read = TRUE;
    }
    g_mutex_unlock(&host->load_lock);
    return known;
}

/**
 * pv_host_read_pressure:
 *
 * The host's pressure now: PSI on this machine; on a remote host, a
 * stand-in from libvirt's CPU stats (pv_node_cpu_pressure(); the first
 * call only starts its window).
 * Returns: FALSE where it cannot be read: libvirt's test driver, a kernel
 *   without PSI, a remote libvirt without CPU stats, or the first remote
 *   reading
 */
gboolean
pv_host_read_pressure(PvHost *host, PvPsiReading *reading)
{
    if (host->this_machine)
        return pv_local_read_psi(reading);
    if (host->local || host->test)
        return FALSE;
    return pv_host_read_load(host, reading);
}

/**
 * pv_host_has_pressure:
 *
 * Whether pv_host_read_pressure() can read the host's pressure: PSI here,
 * libvirt's CPU stats of a remote host.
 */
gboolean
pv_host_has_pressure(PvHost *host)
{
    PvNodeCpuTimes times;
    PvPsiReading reading;

    if (host->this_machine)
        return pv_local_read_psi(&reading);
    if (host->local || host->test)
        return FALSE;
    return pv_node_get_cpu_times(host->conn, &times);
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
