/*
 * pv-vm-request.h: a VM's domain request from its profile and options: pure
 */
#pragma once

#include <glib.h>

#include "pv-config.h"
#include "pv-perf.h"
#include "pv-template.h"
#include "pv-vm.h"

/**
 * PvVmShape:
 *
 * What a boot of the VM asks for: the profile, with provium:vm()'s and
 * vm:boot()'s options over it.
 */
typedef struct {
    guint64 memory;
    guint cpus;
    gboolean perf;              /* performance (or budgeted) mode */
    PvPerfRequest perf_request; /* with perf */
} PvVmShape;

gboolean pv_vm_shape_make(const PvProfile *profile, const PvVmOptions *options,
                          const char *vm_name, PvVmShape *shape, GError **error);
PvVirtType pv_vm_virt_request(PvVirtType option, PvVirtType profile, PvVirtType host_auto);

/**
 * PvVmRequestInputs:
 *
 * Everything a domain request is made of, beyond the shape: who, where its
 * files are on its host (pv-host-storage.c), and what performance mode
 * placed.  Strings are borrowed.
 */
typedef struct {
    const char *domain;         /* its libvirt name */
    const char *file;           /* the test file, absolute */
    const char *file_shown;     /* the test file, as the user sees it */
    const char *vm;
    const char *run_id;
    const char *prefix;
    const char *host;
    gint64 pid;
    PvOwner owner;              /* its machine, boot and lease as the domain is made */
    const char *kernel;         /* nullable: the profile's, as its host names it; NULL: as */
    const char *initrd;         /*   the profile names it */
    const char *console_log;    /* as the host names it */
    const char *overlay;        /* nullable: the disk overlay of a disk profile */
    const char *seed;           /* nullable: its cloud-init seed, as the host names it */
    PvVirtType virt_type;       /* from pv_vm_virt_request() */
    gboolean nosharepages;      /* --no-ksm */
    const PvPerfPlan *plan;     /* nullable: performance mode's pinning */
    const char *cpuset;         /* nullable: budgeted mode's shared CPUs */
    gboolean realtime;
    const PvDomainNic *nics;    /* nullable: NICs on the file's networks */
    guint n_nics;
    const PvDomainDisk *disks;  /* nullable: the VM's more disks, on the host */
    guint n_disks;
    const char *nvram;          /* nullable: with EFI, its UEFI variables on the host */
} PvVmRequestInputs;

void pv_vm_request_fill(PvDomainRequest *request, const PvProfile *profile,
                        const PvVmShape *shape, const PvVmRequestInputs *inputs,
                        char **title);
