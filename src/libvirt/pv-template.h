/*
 * pv-template.h: libvirt domain XML from a template and a request
 */
#pragma once

#include <glib.h>

#include "pv-enum.h"
#include "pv-owner.h"
#include "pv-perf.h"

#define PV_METADATA_URI "http://provium.org/xmlns/domain/1.0"
#define PV_METADATA_PREFIX "provium"
#define PV_AGENT_CHANNEL "org.qemu.guest_agent.0"

/**
 * PvVirtType:
 *
 * The domain type provium asks libvirt for.  AUTO picks KVM where a probe
 * boot shows QEMU can use it, else plain emulation.
 */
typedef enum {
    PV_VIRT_AUTO,
    PV_VIRT_KVM,
    PV_VIRT_QEMU,

    PV_VIRT_LAST
} PvVirtType;

PV_ENUM_DECL(pv_virt_type, PvVirtType);

/**
 * PvDiskBus:
 *
 * The bus of a disk provium adds beside the root disk: virtio-blk (vdX in
 * the guest), or SCSI on one virtio-scsi controller (sdX).
 */
typedef enum {
    PV_DISK_BUS_VIRTIO,
    PV_DISK_BUS_SCSI,

    PV_DISK_BUS_LAST
} PvDiskBus;

PV_ENUM_DECL(pv_disk_bus, PvDiskBus);

/**
 * PvFirmware:
 *
 * What the domain boots with: the template's own firmware (bios), or UEFI
 * through libvirt's firmware auto-selection (efi).
 */
typedef enum {
    PV_FIRMWARE_BIOS,
    PV_FIRMWARE_EFI,

    PV_FIRMWARE_LAST
} PvFirmware;

PV_ENUM_DECL(pv_firmware, PvFirmware);

/**
 * PvDomainDisk:
 *
 * A disk provium adds after the root disk: a qcow2 file on the host made
 * for this domain (a blank disk, or an overlay of a file).
 */
typedef struct {
    const char *path;
    PvDiskBus bus;
} PvDomainDisk;

/**
 * PvDomainNic:
 *
 * A NIC provium adds to a domain: a virtio NIC on a libvirt network.
 */
typedef struct {
    const char *network;     /* the libvirt network's name */
    const char *mac;         /* "52:54:00:xx:xx:xx" */
    gboolean link_down;      /* start with the cable pulled */
} PvDomainNic;

/**
 * PvDomainRequest:
 *
 * Everything provium sets in a template.  NULL strings and zero numbers
 * leave the template's own value alone.  The renderer copies what it needs.
 */
typedef struct {
    const char *name;
    const char *uuid;        /* NULL: libvirt makes one */
    const char *title;
    guint64 memory;          /* bytes */
    guint vcpus;
    PvVirtType virt_type;    /* AUTO: the template's type; KVM, QEMU: replaces type='kvm'
                                and type='qemu' */
    const char *kernel;
    const char *initrd;
    const char *cmdline;
    const char *disk;        /* a qcow2 overlay made for this domain */
    const char *seed;        /* nullable: its cloud-init seed, a read-only CD-ROM */
    const PvDomainDisk *disks; /* more disks, after the root disk, in order */
    guint n_disks;
    PvFirmware firmware;     /* EFI: <os firmware='efi'>, the template's <loader> gone */
    const char *nvram;       /* with EFI: where the domain's UEFI variables are kept */
    const char *console_log;
    gboolean nosharepages;
    const PvDomainNic *nics; /* added after the template's own NICs, which are kept */
    guint n_nics;

    /* Performance mode: the guest's LLC topology, the pinning plan */
    guint llcs;              /* 0: leave <cpu> alone */
    guint cores;
    guint threads;
    const PvPerfPlan *perf;
    gboolean realtime;       /* SCHED_FIFO vCPUs and emulator */
    /* Budgeted mode: vCPUs and emulator confined to a shared CPU set */
    const char *cpuset;

    /* <metadata>: who made this domain */
    const char *run_id;
    const char *prefix;
    const char *file;
    const char *vm;
    const char *host;
    gint64 pid;
    const PvOwner *owner;    /* nullable: its machine, boot, pid's start and lease */
} PvDomainRequest;

char *pv_template_render(const char *template_xml, gsize len, const char *template_path,
                         const PvDomainRequest *request, PvVirtType *rendered_type,
                         GError **error);
char *pv_template_render_file(const char *template_path, const PvDomainRequest *request,
                              PvVirtType *rendered_type, GError **error);
char *pv_template_restore_xml(const char *saved_xml, const PvDomainRequest *request,
                              GError **error);
char *pv_template_nic_link_xml(const char *domain_xml, const char *mac, gboolean up,
                               GError **error);
