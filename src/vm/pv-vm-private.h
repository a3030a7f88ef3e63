/*
 * pv-vm-private.h: what the files of src/vm/ share about a VM
 */
#pragma once

#if !defined(PV_VM_PRIVATE)
# error "only src/vm/ includes pv-vm-private.h"
#endif

#include "pv-console-stream.h"
#include "pv-domain.h"
#include "pv-file.h"
#include "pv-fixture-store.h"
#include "pv-perf.h"
#include "pv-pool.h"
#include "pv-run.h"
#include "pv-vm-request.h"
#include "pv-vm.h"

/*
 * PvVmContext: what the VMs of one file need of the run and the file,
 * read once as each VM is made (pv-vm-context.c).  Strings are borrowed
 * from the run and the file, which outlive their VMs.  What the file does
 * as its VMs' owner (its time and interrupts, waits, budget, scope,
 * networks, consoles) stays its own: vm/ calls the file for that.
 */
typedef struct {
    /* Where its domains run */
    PvHost *host;                  /* NULL at discovery: on no host yet */
    PvDomainRegistry *domains;     /* the host's */
    PvResources *resources;        /* the host's: pool, boot gate, scheduler, LLC locks */
    PvHostStorage *storage;        /* the host's: the files its domains open */

    /* The run */
    PvEvents *events;
    PvRun *run;                    /* its notes (pv_run_note()) and template cache */
    const char *run_id;
    const char *prefix;            /* of every domain name */
    const char *machine;           /* this machine's name, for the domains' metadata */
    gint64 pid;
    PvLease *lease;                /* the run's ownership record, for the domains' metadata */
    const char *run_dir;           /* nullable: the results directory (records) */
    PvVirtType virt_type;          /* --virt-type */
    gboolean no_ksm;               /* --no-ksm: domains do not share pages */
    gboolean no_perf_mode;         /* --no-perf-mode: LLC groups shared */
    gboolean keep_failed;          /* --keep-failed: a boot's failed VMs stay */

    /* The file, the VMs' owner */
    PvFile *file;
    const char *path;              /* as the user sees it */
    const char *abs_path;
    const char *stem;              /* safe in domain names */
    PvWake *wake;                  /* its interrupts and its domains' events */
} PvVmContext;

void pv_vm_context_init(PvVmContext *ctx, PvFile *file);
char *pv_vm_context_record_path(const PvVmContext *ctx, const char *name, const char *suffix);

/*
 * What performance mode (or budgeted mode) adds to a boot: either a pinning
 * plan or a shared CPU set, with the LLC groups they hold.
 */
typedef struct {
    PvPerfPlan *plan;       /* performance mode */
    char *cpuset;           /* budgeted mode */
    GPtrArray *warnings;    /* what the host could not give */
} PvVmPlacement;

void pv_vm_placement_clear(PvVmPlacement *placement);

/* A boot from vm:start() to the end of vm:wait(). */
typedef struct {
    PvVmShape shape;
    PvVmPlacement placement;
    gint64 timeout_ns;
    gboolean no_agent;
    gboolean console_login;  /* channel = console: ready when a shell answers there */
    char *kernel;            /* the files its domain opens, as its host names them */
    char *initrd;            /*   (pv-host-storage.c); NULL: none */
    char *disk;              /*   the overlay's base */
    GPtrArray *disk_bases;   /* char *, per `disks` entry: a file's base on the host, or
                                NULL for a blank disk (pv-vm-disks.c); NULL: no disks */
    PvVmReady ready_when;    /* what the boot waits for after the agent */
    gint64 started;          /* monotonic: when the domain started */
    gboolean ready;          /* its agent connected (or it needs none) */
    char *clock_not_set;     /* a restore: why the guest's clock could not be set */
    GError *error;           /* why it did not boot */
} PvVmBoot;

/* The console channel of a VM's domain (pv-vm-console.c). */
typedef struct _PvVmShell PvVmShell;

struct _PvVm {
    PvVmContext ctx;          /* its file's: the owner outlives the VM's use */
    char *name;
    PvProfile *profile;
    PvVmOptions options;      /* provium:vm()'s */
    PvDomain *domain;         /* the current or last domain */
    char *console_log;        /* its console log, read on this machine */
    PvConsoleStream *console_stream;  /* typing into the console (pv-vm-console.c) */
    PvDomain *console_domain;         /* whose console the stream is: a ref */
    PvVmShell *shell;                 /* the console channel's session (pv-vm-console.c) */
    char *overlay;            /* its overlay on the host (pv-host-storage.c) */
    char *seed;               /* its domain's cloud-init seed on the host (pv-vm-seed.c) */
    GPtrArray *disk_files;    /* char *: its more disks on the host, in `disks` order */
    char *nvram;              /* with firmware = efi: its UEFI variables on the host */
    gboolean touched;         /* used in the running test: show its console */
    PvAmount charge;          /* taken from the file's budget for the domain */
    gboolean charged;
    GArray *llc_groups;       /* guint: LLC groups locked for the running domain */
    PvVirtType virt_type;     /* the accelerator of the current or last domain */
    PvVmBoot *boot;           /* a boot under way: from vm:start() to vm:wait()'s end */
    gint in_gate;             /* atomic: booting inside the gate (domain callbacks read it) */
    guint gate_weight;        /* what it weighs in the gate (pv_resources_gate_weigh()) */
    GPtrArray *nics;          /* const PvNic *, borrowed from the file's plan, in order */

    /* A VM of a fixture (pv-vm-fixture.c) */
    PvVmFixture *fixture;
    char *fixture_key;
    PvFixtureEntry *fixture_entry;  /* held while its domain lives */
    PvFixtureSlot *fixture_slot;    /* the slot its domain is restored under */
    PvDomain *fixture_domain;       /* identity only: the domain restored from the slot */
    char *domain_name;        /* the next domain's name and UUID, when they are the */
    char *domain_uuid;        /* fixture slot's; NULL: a new name, libvirt's UUID */
};

void pv_vm_fixture_release(PvVm *vm);

gboolean pv_vm_is_running(PvVm *vm);
void pv_vm_release_charge(PvVm *vm);
void pv_vm_leave_gate(PvVm *vm);
void pv_vm_settle_stopped(PvVm *vm);
void pv_vm_boot_free(PvVmBoot *boot);
void pv_vm_emit_stopped(PvVm *vm, const char *reason);
void pv_vm_agent_context(PvVm *vm, PvAgentContext *ctx);
gboolean pv_vm_require_running(PvVm *vm, GError **error);
gboolean pv_vm_require_agent(PvVm *vm, GError **error);
gboolean pv_vm_sched_wait(PvVm *vm, const char *who, const char *need, const char *waiting_for,
                          PvSchedTryFunc try_take, gpointer data, GError **error);

/* pv-vm-boot.c */
gboolean pv_vm_boot_prepare(PvVm *vm, const PvVmBootOptions *options, GError **error);
gboolean pv_vm_acquire(PvVm *const *vms, guint n, GError **error);
void pv_vm_boot_finish(PvVm *vm);
void pv_vm_boot_abandon(PvVm *vm);

/* pv-vm-place.c */
PvSchedTry pv_vm_try_place(PvVm *vm, PvVmBoot *boot, const PvTopology *host,
                           PvBlockReason *reason, gboolean *on_files, GError **error);
GPtrArray *pv_vm_perf_warnings(PvVm *vm, const PvVmBoot *boot);

void pv_vm_release_nics(PvVm *vm);

/* pv-vm-console.c */
void pv_vm_console_close(PvVm *vm);
gboolean pv_vm_console_login(PvVm *vm, gint64 deadline, GError **error);
void pv_vm_console_forget_shell(PvVm *vm);
gboolean pv_vm_console_configure_nics(PvVm *vm, gint64 boot_deadline, gint64 timeout_us,
                                      GError **error);
gboolean pv_vm_console_exec(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result,
                            GError **error);
GBytes *pv_vm_console_read_file(PvVm *vm, const char *path, GError **error);
gboolean pv_vm_console_write_file(PvVm *vm, const char *path, GBytes *data, const char *mode,
                                  GError **error);

/* pv-vm-net.c */
PvDomainNic *pv_vm_domain_nics(PvVm *vm);
gboolean pv_vm_configure_nics(PvVm *vm, GError **error);
gboolean pv_vm_wait_guest_ready(PvVm *vm, GError **error);

/* pv-vm-seed.c */
gboolean pv_vm_has_cloud_init(PvVm *vm);
gboolean pv_vm_make_seed(PvVm *vm, const char *name, GError **error);
void pv_vm_remove_seed(PvVm *vm);

/* pv-vm-start.c */
gboolean pv_vm_start_one(PvVm *vm, GError **error);
gboolean pv_vm_restore_one(PvVm *vm, const char *state_path, const char *disk,
                           GError **error);
gboolean pv_vm_explain_kvm(PvVm *vm, GError **error);

/* pv-vm-disks.c */
gboolean pv_vm_provide_disks(PvVm *vm, gboolean restore, GError **error);
gboolean pv_vm_make_disks(PvVm *vm, const char *name, GError **error);
PvDomainDisk *pv_vm_domain_disks(PvVm *vm, guint *n);
void pv_vm_remove_disks(PvVm *vm);
