/*
 * pv-host-private.h: what pv-host.c and pv-host-facts.c share about a host
 */
#pragma once

#if !defined(PV_HOST_PRIVATE)
# error "only src/host/pv-host*.c include pv-host-private.h"
#endif

#include "pv-host.h"
#include "pv-node.h"
#include "pv-libvirt.h"

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
    char *fixture_host;         /* remote: its identity, in fixture keys (pv-host-fixtures.c) */
    char *hypervisor;           /* "QEMU 7.2.0, libvirt 9.0.0", for fixture keys */
    gboolean efi_read;
    char *efi_firmware;         /* the UEFI firmware libvirt picks from; NULL: none */

    GMutex load_lock;           /* guards the remote load reading: */
    gboolean load_read;
    PvNodeCpuTimes load_then;   /* the CPU times the window starts at */
    gint64 load_then_us;
    gint lost;                  /* atomic: its connection closed under the run */
    PvLibvirtCloseWatch *close_watch;  /* libvirt tells us when it does; NULL: not */
    /*
     * Guards what follows; a lock of its own, since libvirt may say the
     * connection closed from inside a call made under host->lock.
     */
    GMutex lost_lock;
    PvLibvirtCloseReason lost_reason;  /* once lost */
    PvHostLostFunc lost_func;
    gpointer lost_data;
    guint lost_idle;            /* lost_func's call on the main loop, pending */

    GMutex net_lock;            /* guards the network inventory */
    PvNetworkInventory *net_inventory;  /* NULL until a file declares a network */
    char *net_record_dir;
};
