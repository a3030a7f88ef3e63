/*
 * pv-host.h: one libvirt host of a run: its connection, its facts, and
 * everything a run keeps per host
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-domain.h"
#include "pv-fixture-store.h"
#include "pv-host-storage.h"
#include "pv-ksm.h"
#include "pv-libvirt.h"
#include "pv-local.h"
#include "pv-network.h"
#include "pv-perf.h"
#include "pv-qemu-user.h"
#include "pv-resources.h"
#include "pv-virt.h"

/**
 * PvHostOptions:
 *
 * How a run opens a host and sizes what its files share there.  Zero
 * leaves a size to the host's own (80 % of its memory, its online CPUs).
 */
typedef struct {
    const char *uri;            /* NULL: LIBVIRT_DEFAULT_URI or libvirt's default */
    const char *name;           /* for messages and events; NULL: from the URI */
    const char *cache_dir;      /* the KVM probe's verdict, the fixture cache; NULL: default */
    PvVirtType virt_type;       /* --virt-type: AUTO asks what QEMU can do there */
    gboolean keep_domains;      /* domains may outlive the connection (--keep-failed) */

    /* The pool and the boot gate */
    guint64 mem;                /* pool memory; 0: 80 % of the host's */
    guint cpus;                 /* pool vCPUs; 0: the host's online CPUs */
    double cpu_overcommit;      /* multiplies the vCPU budget */
    guint boot_workers;         /* domains booting at once; 0: by vCPUs */
    guint64 reserve;            /* memory each boot leaves to the host */
    const char *lock_dir;       /* the LLC group locks; NULL: PV_LOCKS_DEFAULT_DIR */
    guint cpu_cap;              /* budgeted mode's CPUs; 0: 30 % of online */
} PvHostOptions;

/**
 * PvHostFact:
 *
 * What libvirt refused on this host, learned by trying: -1 not tried yet,
 * 0 refused, 1 works.
 */
typedef enum {
    PV_HOST_FACT_REALTIME,    /* SCHED_FIFO for a domain's vCPUs */
    PV_HOST_FACT_HUGETLBFS,   /* hugepages through a hugetlbfs mount */

    PV_HOST_FACT_LAST
} PvHostFact;

typedef struct _PvHost PvHost;

/**
 * PvHostLostFunc:
 *
 * The host's connection closed under the run (pv_host_set_lost_func()).
 * Main thread.
 */
typedef void (*PvHostLostFunc)(PvHost *host, gpointer user_data);

PvHost *pv_host_open(const PvHostOptions *options, GError **error);
void pv_host_free(PvHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvHost, pv_host_free)

/* Who it is */
const char *pv_host_peek_name(PvHost *host);
void pv_host_set_name(PvHost *host, const char *name);
const char *pv_host_peek_uri(PvHost *host);
virConnect *pv_host_peek_conn(PvHost *host);
gboolean pv_host_is_local(PvHost *host);
gboolean pv_host_is_this_machine(PvHost *host);
gboolean pv_host_is_test(PvHost *host);
guint pv_host_get_cpu_cap(PvHost *host);

/* Whether it is still there */
gboolean pv_host_is_lost(PvHost *host);
char *pv_host_describe_loss(PvHost *host);
void pv_host_set_lost_func(PvHost *host, PvHostLostFunc func, gpointer user_data);
void pv_host_mark_lost(PvHost *host, PvLibvirtCloseReason reason);

/* Its facts, read once */
gboolean pv_host_get_size(PvHost *host, guint64 *memory, guint *cpus, GError **error);
PvVirt *pv_host_peek_virt(PvHost *host);
PvVirtType pv_host_get_virt_auto(PvHost *host, const char **reason);
PvTopology *pv_host_get_topology(PvHost *host, GError **error);
PvQemuUser *pv_host_peek_qemu_user(PvHost *host);
const char *pv_host_peek_hypervisor(PvHost *host);
const char *pv_host_peek_efi_firmware(PvHost *host);
char *pv_host_dup_capabilities(PvHost *host);
gint pv_host_get_fact(PvHost *host, PvHostFact fact);
gboolean pv_host_probe_boot(PvHost *host, PvVirtType type, gint64 timeout_us,
                            PvProbeResult *result);
void pv_host_probe_kvm(PvHost *host, PvProbeResult *result);
void pv_host_set_fact(PvHost *host, PvHostFact fact, gint value);

/* Its state now */
GArray *pv_host_get_free_hugepages(PvHost *host, guint nodes);
guint64 pv_host_count_free_hugepages(PvHost *host);
gboolean pv_host_read_pressure(PvHost *host, PvPsiReading *reading);
gboolean pv_host_has_pressure(PvHost *host);
int pv_host_open_pressure_trigger(PvHost *host, const char *resource, double pct);
guint pv_host_read_running(PvHost *host);
PvKsm *pv_host_tune_ksm(PvHost *host);

/* What a run keeps there */
PvHostStorage *pv_host_peek_storage(PvHost *host);
gboolean pv_host_make_resources(PvHost *host, GError **error);
PvResources *pv_host_peek_resources(PvHost *host);
PvDomainRegistry *pv_host_peek_domains(PvHost *host);
const char *pv_host_peek_network_record_dir(PvHost *host);
PvNetworkInventory *pv_host_lock_networks(PvHost *host, gboolean refresh, GError **error);
void pv_host_unlock_networks(PvHost *host);
guint pv_host_destroy_networks(PvHost *host, const char *run_id, gint64 pid);
PvFixtureStore *pv_host_get_fixture_store(PvHost *host, GError **error);
const char *pv_host_peek_fixture_host(PvHost *host);
