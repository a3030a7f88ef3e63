/*
 * pv-run.h: one invocation of provium: options, identity, connection, sinks
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-config.h"
#include "pv-domain.h"
#include "pv-events.h"
#include "pv-host.h"
#include "pv-locks.h"
#include "pv-perf.h"
#include "pv-pool.h"
#include "pv-virt.h"

/* What a file without a claim holds while it runs. */
#define PV_FILE_OVERHEAD_MEMORY (50 * G_GUINT64_CONSTANT(1024) * 1024)

typedef enum {
    PV_VERBOSITY_QUIET = -1,
    PV_VERBOSITY_NORMAL = 0,
    PV_VERBOSITY_VERBOSE = 1,
} PvVerbosity;

/**
 * PvRunOptions:
 *
 * What the command line asked for, already parsed and checked.
 */
typedef struct {
    char *uri;              /* NULL: LIBVIRT_DEFAULT_URI or libvirt's default */
    char *config_path;      /* --config; NULL: search */
    char *filter;
    gint64 timeout_ns;      /* per file; 0: none */
    char *prefix;           /* NULL: derived from the run id */
    gboolean keep_failed;
    PvVerbosity verbosity;
    char *results_dir;      /* NULL: .provium/runs */
    PvVirtType virt_type;   /* --virt-type; AUTO leaves it to profiles and the host */
    char *cache_dir;        /* --cache-dir; NULL: pv_cache_dir_default() */

    /* The pool and the host (issue: parallel dispatch) */
    guint64 mem;            /* pool memory; 0: 80 % of the host's */
    guint cpus;             /* pool vCPUs; 0: the host's online CPUs */
    double cpu_overcommit;  /* multiplies the vCPU budget */
    guint jobs;             /* files in flight at most; 0: the pool decides */
    gboolean fail_fast;
    guint64 host_reserve;
    guint boot_workers;     /* domains booting at once; 0: by vCPUs */
    gboolean no_psi;
    PvPsiThreshold psi_threshold;
    gboolean no_ksm;
    gboolean force;

    /* Performance mode */
    char *lock_dir;         /* NULL: /run/provium/locks */
    gboolean perf_strict;   /* unavailable is a failure, not a skip */
    gboolean no_perf_mode;  /* budgeted mode instead */
    guint cpu_cap;          /* budgeted mode's CPUs; 0: 30 % of online */
} PvRunOptions;

void pv_run_options_init(PvRunOptions *options);
void pv_run_options_clear(PvRunOptions *options);

typedef struct _PvRun PvRun;

struct _PvRun {
    const PvRunOptions *options;
    char *id;
    char *prefix;
    char *host;
    gint64 pid;
    char *dir;                  /* this run's results directory */
    virConnect *conn;
    gboolean local;             /* the hypervisor runs on this machine */
    PvVirt *virt;               /* what QEMU can really do here */
    PvVirtType virt_auto;       /* what --virt-type auto means here: KVM or QEMU */
    char *virt_reason;          /* why, in one line */
    PvDomainRegistry *domains;
    PvEvents *events;

    PvPool *pool;
    PvGate *gate;
    guint host_cpus;
    gboolean host_guard;        /* a real hypervisor: its memory is worth guarding */
    gboolean host_local;        /* ...on this machine: PSI and KSM are its */
    gint psi_throttled;         /* atomic; set by the main loop */
    GThreadPool *writer;        /* writes report files off the emitting threads */
    GMutex guard_lock;          /* the host guard: one boot passes at a time */
    PvLocks *locks;             /* LLC groups, shared with other runs */
    PvTopology *topology;       /* read once, under lock */
    gint realtime;              /* atomic: -1 not tried, 0 refused, 1 works */
    gint no_hugetlbfs;          /* atomic: libvirt refused hugepages for want of a mount */
    gint blocked_files;         /* atomic: files waiting for another's pool or LLC groups */
    guint64 guard_pending;      /* memory of boots past the guard, not yet domains */

    GMutex lock;                /* guards configs */
    GHashTable *configs;        /* provium.conf path -> PvConfig */
    GHashTable *config_paths;   /* test file directory -> provium.conf path ("" none) */
    GHashTable *config_refusals; /* why a provium.conf found was not used: said once */
    GHashTable *templates;      /* template path -> GBytes, read once per run */
    PvConfig *builtin_config;
};

char *pv_run_make_id(void);
char *pv_run_default_prefix(const char *run_id);
gboolean pv_run_check_prefix(const char *prefix, GError **error);

PvRun *pv_run_new(const PvRunOptions *options, GError **error);
gboolean pv_run_connect(PvRun *run, GError **error);
gboolean pv_run_prepare_dir(PvRun *run, GError **error);
gboolean pv_run_make_pool(PvRun *run, GError **error);
gboolean pv_run_guard_enter(PvRun *run, guint64 memory);
void pv_run_guard_leave(PvRun *run, guint64 memory);
void pv_run_free(PvRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvRun, pv_run_free)

PvConfig *pv_run_get_config(PvRun *run, const char *test_file, GError **error);
char *pv_run_vm_path(PvRun *run, const char *domain, const char *suffix);
GBytes *pv_run_get_template(PvRun *run, const char *path, GError **error);
PvTopology *pv_run_get_topology(PvRun *run, GError **error);
GArray *pv_run_get_free_hugepages(PvRun *run, guint nodes);

char *pv_sanitize_name(const char *text, gsize max_len);
gboolean pv_write_file_atomic(const char *path, const char *data, gssize len, GError **error);
void pv_run_write_later(PvRun *run, const char *path, const char *data);
void pv_run_flush_writes(PvRun *run);
