/*
 * pv-vm.h: a VM as a test file sees it: a profile, and a domain while booted
 */
#pragma once

#include <glib.h>

#include "pv-agent.h"
#include "pv-config.h"
#include "pv-console.h"
#include "pv-domain.h"
#include "pv-pool.h"

typedef struct _PvFile PvFile;
typedef struct _PvVm PvVm;

#define PV_VM_BOOT_TIMEOUT_NS (120 * G_GINT64_CONSTANT(1000000000))
#define PV_VM_SHUTDOWN_TIMEOUT_NS (60 * G_GINT64_CONSTANT(1000000000))

typedef struct {
    guint64 memory;       /* 0: the VM's */
    guint cpus;           /* 0: the VM's */
    gint64 timeout_ns;    /* until the agent connects; 0: the default */
    gboolean no_agent;    /* ready as soon as the domain runs */
    int performance_mode; /* -1: the profile's */
    guint llcs;           /* 0: the profile's */
    guint cores;
    guint threads;
} PvVmBootOptions;

struct _PvVm {
    PvFile *file;
    char *name;
    PvProfile *profile;
    guint64 memory;
    guint cpus;
    PvDomain *domain;          /* the current or last domain */
    char *console_log;
    char *overlay;
    gboolean touched;          /* used in the running test: show its console */
    PvAmount charge;           /* taken for the running domain */
    gboolean charged_pool;     /* from the pool (no claim), else from the claim */
    gboolean charged;
    GArray *llc_groups;        /* guint: LLC groups locked for the running domain */
    PvVirtType virt_type;      /* the accelerator of the current or last domain */
};

PvVm *pv_vm_new(PvFile *file, const char *name, PvProfile *profile);
void pv_vm_free(PvVm *vm);

gboolean pv_vm_boot(PvVm *vm, const PvVmBootOptions *options, GError **error);
gboolean pv_vm_exec(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result,
                    GError **error);
gboolean pv_vm_write_file(PvVm *vm, const char *path, GBytes *data, const char *mode,
                          GError **error);
GBytes *pv_vm_read_file(PvVm *vm, const char *path, GError **error);
gboolean pv_vm_shutdown(PvVm *vm, gint64 timeout_ns, GError **error);
gboolean pv_vm_destroy(PvVm *vm, GError **error);
const char *pv_vm_state(PvVm *vm, char **reason);
const char *pv_vm_domain_name(PvVm *vm);
char *pv_vm_console_tail(PvVm *vm, guint lines);
char *pv_vm_console_text(PvVm *vm);
void pv_vm_end(PvVm *vm, gboolean keep);
void pv_vm_settle(PvVm *vm);
void pv_vm_emit_stopped_event(PvFile *file, const char *vm, const char *domain,
                              const char *reason);
