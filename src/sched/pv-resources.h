/*
 * pv-resources.h: what a run shares among its files: the pool, the boot gate,
 * the LLC groups, the host guard and host pressure, and the waiting for them
 */
#pragma once

#include <glib.h>

#include "pv-locks.h"
#include "pv-pool.h"
#include "pv-sched.h"

/**
 * PvMemoryReadFunc:
 * @available: (out): the host's MemAvailable, bytes
 * @unresident: (out): what the run's guests were given but do not use yet
 *
 * Returns: FALSE when the host cannot tell (the guard then lets boots pass)
 */
typedef gboolean (*PvMemoryReadFunc)(gpointer user_data, guint64 *available,
                                     guint64 *unresident);

/**
 * PvResourcesConfig:
 *
 * How the run's resources are sized and guarded.
 */
typedef struct {
    PvAmount pool;             /* the pool's budgets */
    guint64 gate_limit;        /* vCPUs booting at once, or domains with gate_counts_domains */
    gboolean gate_counts_domains;
    const char *lock_dir;      /* the LLC group locks */
    guint64 host_reserve;      /* memory each boot leaves to the host */
    PvMemoryReadFunc read_memory;  /* nullable: no host guard (libvirt's test driver) */
    gpointer read_memory_data;
} PvResourcesConfig;

/* What each boot leaves to the host, by default (--host-reserve). */
#define PV_HOST_DEFAULT_RESERVE (G_GUINT64_CONSTANT(3) * 512 * 1024 * 1024)  /* 1.5 GiB */

gboolean pv_resources_guard_ok(guint64 mem_available, guint64 unresident, guint64 reserve,
                               guint64 want);

typedef struct _PvResources PvResources;

PvResources *pv_resources_new(const PvResourcesConfig *config);
void pv_resources_free(PvResources *resources);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvResources, pv_resources_free)

PvPool *pv_resources_peek_pool(PvResources *resources);
PvSched *pv_resources_peek_sched(PvResources *resources);
PvLocks *pv_resources_peek_locks(PvResources *resources);

void pv_resources_set_changed_func(PvResources *resources, GSourceFunc func, gpointer data);
void pv_resources_changed(PvResources *resources);
void pv_resources_set_throttled(PvResources *resources, gboolean throttled);
gboolean pv_resources_is_throttled(PvResources *resources);

guint pv_resources_gate_weigh(PvResources *resources, guint vcpus, gboolean restore);
PvBlockReason pv_resources_try_boot(PvResources *resources, guint64 memory, guint gate_weight);
void pv_resources_boot_started(PvResources *resources, guint64 memory);
void pv_resources_boot_over(PvResources *resources, guint gate_weight);
void pv_resources_release_llcs(PvResources *resources, gconstpointer owner);
