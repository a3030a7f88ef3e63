/*
 * pv-vm.h: a VM as a test file sees it: a profile, and a domain while booted
 */
#pragma once

#include <glib.h>

#include "pv-agent.h"
#include "pv-config.h"
#include "pv-enum.h"
#include "pv-file.h"

typedef struct _PvVm PvVm;

#define PV_VM_BOOT_TIMEOUT_NS (300 * G_GINT64_CONSTANT(1000000000))
#define PV_VM_SHUTDOWN_TIMEOUT_NS (60 * G_GINT64_CONSTANT(1000000000))

/**
 * PvVmOptions:
 *
 * What provium:vm() and vm:boot() may say beyond the profile.  Zero (and -1
 * for performance_mode) leaves the profile's.
 */
typedef struct {
    guint64 memory;
    guint cpus;
    int performance_mode;
    guint llcs;
    guint cores;
    guint threads;
    guint console_ignore;  /* console checks turned off: PvConsoleCheck bits */
} PvVmOptions;

void pv_vm_options_init(PvVmOptions *options);
void pv_vm_options_apply(PvVmOptions *options, const PvVmOptions *over);

/* When a boot returns (vm:boot{ready = ...}): the guest's own word after its agent's. */
typedef enum {
    PV_VM_READY_AGENT,       /* the agent answers (and the NICs have their addresses) */
    PV_VM_READY_SYSTEMD,     /* then systemctl is-system-running --wait says running */
    PV_VM_READY_CLOUD_INIT,  /* then cloud-init status --wait says done */

    PV_VM_READY_LAST
} PvVmReady;

PV_ENUM_DECL(pv_vm_ready, PvVmReady);

typedef struct {
    PvVmOptions vm;        /* over provium:vm()'s, for this boot */
    gint64 timeout_ns;     /* until the agent connects; 0: the default */
    gboolean no_agent;     /* ready as soon as the domain runs */
    PvVmReady ready;
} PvVmBootOptions;

void pv_vm_boot_options_init(PvVmBootOptions *options);

/**
 * PvVmFixture:
 * @name: fixture("web", ...)'s name
 * @path: the file that defines it, fixtures/NAME.fixture.lua
 * @text: its contents (the key hashes them)
 * @inputs: (nullable): the declared inputs, relative to @path's directory
 *
 * The fixture a VM is restored from, as its definition file says.
 */
typedef struct {
    char *name;
    char *path;
    char *text;
    gsize text_len;
    char **inputs;
} PvVmFixture;

void pv_vm_fixture_free(PvVmFixture *fixture);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvVmFixture, pv_vm_fixture_free)

/**
 * PvVmFixtureSetupFunc:
 *
 * Runs a fixture's setup on @vm, booted and its agent connected.
 */
typedef gboolean (*PvVmFixtureSetupFunc)(PvVm *vm, gpointer user_data, GError **error);

PvVm *pv_vm_new(PvFile *file, const char *name, PvProfile *profile,
                const PvVmOptions *options);

const char *pv_vm_peek_name(PvVm *vm);
const char *pv_vm_peek_domain_name(PvVm *vm);
const char *pv_vm_peek_console_log(PvVm *vm);
const char *pv_vm_state(PvVm *vm, char **reason);
gboolean pv_vm_check_scope(PvVm *vm, GError **error);

gboolean pv_vm_boot(PvVm *vm, const PvVmBootOptions *options, GError **error);
gboolean pv_vm_boot_all(PvVm *const *vms, guint n, const PvVmBootOptions *options,
                        GError **error);
gboolean pv_vm_start(PvVm *vm, const PvVmBootOptions *options, GError **error);
gboolean pv_vm_wait(PvVm *vm, GError **error);

/**
 * PvVmNicSpec:
 *
 * One NIC as provium:vm()'s nics asks for it.
 */
typedef struct {
    const char *net;         /* the network's name in the test file */
    const char *ip;          /* nullable: provium picks the address */
} PvVmNicSpec;

gboolean pv_vm_add_nics(PvVm *vm, const PvVmNicSpec *nics, guint n, GError **error);
const char *pv_vm_peek_nic_ip(PvVm *vm, const char *net, GError **error);
const char *pv_vm_peek_nic_mac(PvVm *vm, const char *net, GError **error);
gboolean pv_vm_set_link(PvVm *vm, const char *net, gboolean up, GError **error);
void pv_vm_set_fixture(PvVm *vm, PvVmFixture *fixture);
const PvVmFixture *pv_vm_peek_fixture(PvVm *vm);
gboolean pv_vm_boot_fixture(PvVm *vm, const PvVmBootOptions *options,
                            PvVmFixtureSetupFunc setup, gpointer user_data, GError **error);
gboolean pv_vm_reset(PvVm *vm, GError **error);

gboolean pv_vm_exec(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result,
                    GError **error);
gboolean pv_vm_run(PvVm *vm, const PvAgentExec *exec, PvAgentExecResult *result,
                   GError **error);
gboolean pv_vm_write_file(PvVm *vm, const char *path, GBytes *data, const char *mode,
                          GError **error);
GBytes *pv_vm_read_file(PvVm *vm, const char *path, GError **error);
gboolean pv_vm_shutdown(PvVm *vm, gint64 timeout_ns, GError **error);
gboolean pv_vm_reboot(PvVm *vm, gint64 timeout_ns, GError **error);
gboolean pv_vm_destroy(PvVm *vm, GError **error);
void pv_vm_touch(PvVm *vm);
char *pv_vm_console_tail(PvVm *vm, guint lines);
char *pv_vm_console_text(PvVm *vm);
gboolean pv_vm_console_send(PvVm *vm, const char *data, gsize len, GError **error);
