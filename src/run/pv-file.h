/*
 * pv-file.h: one test file: what it declared, its tests' results, its time,
 * and the VMs it owns
 */
#pragma once

#include <glib.h>

#include "pv-config.h"
#include "pv-enum.h"
#include "pv-network.h"
#include "pv-pool.h"
#include "pv-run.h"
#include "pv-wake.h"

typedef enum {
    PV_TEST_PASSED,
    PV_TEST_FAILED,
    PV_TEST_SKIPPED,
    PV_TEST_NOT_RUN,
    PV_TEST_FLAKY,      /* failed in an earlier attempt (--retries), passed now */

    PV_TEST_STATUS_LAST
} PvTestStatus;

PV_ENUM_DECL(pv_test_status, PvTestStatus);

typedef enum {
    PV_FILE_QUEUED,
    PV_FILE_RUNNING,
    PV_FILE_PASSED,     /* every test passed or was skipped */
    PV_FILE_FAILED,     /* a test failed */
    PV_FILE_ERROR,      /* the file itself is broken: syntax, top-level error */
    PV_FILE_CANCELLED,  /* interrupted, or never started because of a signal */
    PV_FILE_NOT_RUN,    /* never started: --fail-fast */

    PV_FILE_STATUS_LAST
} PvFileStatus;

PV_ENUM_DECL(pv_file_status, PvFileStatus);

/*
 * A file's top level only declares its tests: it gets this long, or
 * --timeout if shorter, each time it runs (discovery, then the run).
 */
#define PV_FILE_TOP_LEVEL_TIMEOUT_NS (10 * G_GINT64_CONSTANT(1000000000))

/*
 * A worker the Lua hook cannot stop (a C function that runs long, a
 * finalizer, a debug hook) is given up this long after its timeout or
 * interrupt (pv_file_give_up()).
 */
#define PV_FILE_GIVE_UP_GRACE_US (2 * G_USEC_PER_SEC)

/**
 * PvClaimSpec:
 *
 * What a file's provium:claim() asks for, learned at discovery.
 */
typedef struct {
    gboolean declared;
    guint64 memory;
    guint cpus;
    guint llcs;
} PvClaimSpec;

/**
 * PvVmEnd:
 *
 * Why a VM's domain ends without the test asking: what vm_stopped says.
 */
typedef enum {
    PV_VM_END_TEST,     /* the test that made it ended: "test_ended" */
    PV_VM_END_FILE,     /* its file ended: "file_ended" */
    PV_VM_END_CANCELLED, /* the run is stopping (a signal): "destroyed", as the run's */

    PV_VM_END_LAST
} PvVmEnd;

PV_ENUM_DECL(pv_vm_end, PvVmEnd);

/**
 * PvFileVmOps:
 *
 * What a file asks of the VMs it owns, without knowing what a VM is (the VM
 * layer sits above files).
 */
typedef struct {
    /* The scope is over: destroy, or keep (--keep-failed); say which. */
    void (*end)(gpointer vm, PvVmEnd why, gboolean keep);
    /* Whether its domain still runs. */
    gboolean (*running)(gpointer vm);
    /* A domain that stopped by itself gives back what it took. */
    void (*settle)(gpointer vm);
    /* Its last console lines, if the running test used it; NULL otherwise. */
    char *(*excerpt)(gpointer vm);
    /* A test starts: forget which VMs the last one used. */
    void (*untouch)(gpointer vm);
    /* The running test's failure concerns it: show its console. */
    void (*touch)(gpointer vm);
    const char *(*domain_name)(gpointer vm);
    GDestroyNotify free;
} PvFileVmOps;

typedef struct _PvFile PvFile;

PvFile *pv_file_new(PvRun *run, const char *path);
void pv_file_free(PvFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvFile, pv_file_free)

PvRun *pv_file_peek_run(PvFile *file);
const char *pv_file_peek_path(PvFile *file);
const char *pv_file_peek_abs_path(PvFile *file);
const char *pv_file_peek_stem(PvFile *file);
PvWake *pv_file_peek_wake(PvFile *file);

/* What discovery learned */
gboolean pv_file_load_config(PvFile *file, GError **error);
PvConfig *pv_file_peek_config(PvFile *file);
GBytes *pv_file_read_source(PvFile *file, GError **error);
void pv_file_drop_source(PvFile *file);
void pv_file_set_discovered(PvFile *file, GPtrArray *test_names, GPtrArray *test_tags,
                            const PvClaimSpec *claim);
const PvClaimSpec *pv_file_peek_claim(PvFile *file);
guint pv_file_get_test_count(PvFile *file);
const char *pv_file_peek_test_name(PvFile *file, guint index);
const char *const *pv_file_peek_test_tags(PvFile *file, guint index);
gboolean pv_file_test_is_selected(PvFile *file, guint index);
guint pv_file_get_selected_count(PvFile *file);

/* Its place: a host, and its share of the host's pool, set by the dispatcher */
void pv_file_set_host(PvFile *file, PvHost *host);
PvHost *pv_file_peek_host(PvFile *file);
void pv_file_set_budget(PvFile *file, PvBudget *budget, gboolean llc_claim_held);
PvBudget *pv_file_peek_budget(PvFile *file);
gboolean pv_file_holds_llc_claim(PvFile *file);

/* Its state and outcome */
PvFileStatus pv_file_get_status(PvFile *file);
void pv_file_set_status(PvFile *file, PvFileStatus status, const char *error);
const char *pv_file_peek_error(PvFile *file);
GPtrArray *pv_file_peek_kept(PvFile *file);
void pv_file_count_results(PvFile *file, guint counts[PV_TEST_STATUS_LAST]);
void pv_file_set_times(PvFile *file, gint64 started_ns, gint64 finished_ns);
void pv_file_get_times(PvFile *file, gint64 *started_ns, gint64 *finished_ns);

/* The run of its tests, on its worker thread */
void pv_file_begin(PvFile *file);
void pv_file_begin_top_level(PvFile *file);
void pv_file_end_top_level(PvFile *file);
gboolean pv_file_in_top_level(PvFile *file);
void pv_file_set_top_level_line(PvFile *file, gint line);
char *pv_file_top_level_message(PvFile *file, gboolean stuck);
void pv_file_begin_test(PvFile *file, guint index, gint64 timeout_ns);
void pv_file_end_test(PvFile *file, PvTestStatus status, const char *cause,
                      const char *message);
void pv_file_skip_test(PvFile *file, guint index, const char *reason);
void pv_file_not_run(PvFile *file, guint from, const char *reason);
const char *pv_file_peek_current_test(PvFile *file);
void pv_file_end(PvFile *file, const char *error);
gboolean pv_file_retry(PvFile *file);
void pv_file_give_up(PvFile *file);
void pv_file_lose_host(PvFile *file, const char *message);
gboolean pv_file_lost_host(PvFile *file);
const char *pv_file_peek_cause(PvFile *file);
gboolean pv_file_retry_elsewhere(PvFile *file);

/* Time, interrupts and waits */
gboolean pv_file_check(PvFile *file, GError **error);
gint64 pv_file_deadline(PvFile *file);
gint64 pv_file_top_level_timeout(PvFile *file);
void pv_file_cancel(PvFile *file, const char *reason);
void pv_file_block(PvFile *file, PvBlockReason reason, const char *waiting_for);
void pv_file_unblock(PvFile *file);
void pv_file_log(PvFile *file, const char *text);
void pv_file_hold_log(PvFile *file);
void pv_file_release_log(PvFile *file);
void pv_file_interrupt_test(PvFile *file, PvErrorCode code, const char *message);
void pv_file_pause(PvFile *file);
void pv_file_resume(PvFile *file);

/* The consoles of its VMs, checked while tests run (pv-file-console.c) */
void pv_file_watch_console(PvFile *file, gpointer vm, const char *who, const char *path,
                           guint ignore);
void pv_file_allow_console(PvFile *file, gpointer vm, guint checks);
void pv_file_scan_consoles(PvFile *file);

/* The VMs it owns */
void pv_file_add_vm(PvFile *file, gpointer vm, const PvFileVmOps *ops);
void pv_file_drop_vms(PvFile *file);
guint pv_file_get_vm_count(PvFile *file);
gpointer pv_file_peek_vm(PvFile *file, guint index);
gboolean pv_file_vm_in_scope(PvFile *file, gpointer vm);
GPtrArray *pv_file_dup_running_domains(PvFile *file);

/* Its networks (pv-file-net.c) */
PvNetwork *pv_file_add_network(PvFile *file, const char *net, const PvNetworkOptions *options,
                               GError **error);
const PvNic *pv_file_add_nic(PvFile *file, const char *vm, guint index, const char *net,
                             const char *ip, GError **error);
void pv_file_release_nics(PvFile *file, const char *vm);
gboolean pv_file_create_networks(PvFile *file, GError **error);
void pv_file_destroy_networks(PvFile *file);
void pv_file_drop_networks(PvFile *file);
