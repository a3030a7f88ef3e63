/*
 * pv-event-kinds.h: one typed constructor per event kind, and the schema
 * doc/events.md documents
 *
 * The schema and its check are pv-event-kinds.c's; the constructors are
 * grouped by subject in pv-event-kinds-run.c, -file.c and -vm.c.
 *
 * Nothing outside src/events/ emits an event any other way: each kind has
 * exactly the fields its schema entry names (tests/test-events checks the
 * schema against doc/events.md, tests/events-used.sh that every kind is
 * emitted somewhere), and an event that does not match its schema is a
 * critical, fatal under make check.
 */
#pragma once

#include <glib.h>

#include "pv-events.h"
#include "pv-pool.h"

/**
 * PvEventSchema:
 *
 * A kind, the constructor that emits it, and its fields beyond kind, ts and
 * run: space-separated names, always present or optional.
 */
typedef struct {
    const char *kind;
    const char *constructor;
    const char *fields;
    const char *optional;
} PvEventSchema;

const PvEventSchema *pv_event_schemas(guint *n);
const PvEventSchema *pv_event_schema_lookup(const char *kind);
gboolean pv_event_check_schema(GVariant *event, char **problem);

/**
 * PvEventHost:
 *
 * One libvirt host of a run, as run_started lists it.
 */
typedef struct {
    const char *name;      /* what the other events' host names it */
    const char *uri;
    PvAmount pool;         /* its pool's totals */
    guint cpus;            /* its CPUs */
} PvEventHost;

/**
 * PvEventPoolHost:
 *
 * One host's pool in pool_state.
 */
typedef struct {
    const char *name;      /* as the other events' host */
    PvAmount used;
    PvAmount available;
} PvEventPoolHost;

/* A run */
void pv_event_run_started(PvEvents *events, const char *const *argv, const char *uri,
                          const char *host, const char *prefix, const char *dir, gint64 pid,
                          PvAmount pool, guint host_cpus, const char *virt_type,
                          const char *virt_auto, const char *virt_reason,
                          const PvEventHost *hosts, guint n_hosts, GVariant *shard);
void pv_event_run_interrupted(PvEvents *events, guint signals, const char *message);
/* run_finished's counts: passed, failed, skipped, flaky, cancelled, errors, not_run */
#define PV_RUN_COUNTS 7
void pv_event_run_finished(PvEvents *events, const guint counts[PV_RUN_COUNTS],
                           gint64 duration_ns, PvAmount pool_used);
void pv_event_ksm_tuned(PvEvents *events, gboolean tuned, GVariant *knobs, GVariant *previous,
                        const char *message);
void pv_event_ksm_restored(PvEvents *events, gboolean restored, GVariant *previous,
                           const char *message);
void pv_event_psi_state(PvEvents *events, const char *host, gboolean throttled, double cpu,
                        double memory);
void pv_event_pool_state(PvEvents *events, PvAmount used, PvAmount available,
                         const PvEventPoolHost *hosts, guint n_hosts);

/* Files */
void pv_event_file_discovered(PvEvents *events, const char *path, const char *key,
                              GPtrArray *tests, guint64 claim_memory, guint claim_cpus,
                              gboolean declared);
void pv_event_file_blocked(PvEvents *events, const char *path, PvBlockReason reason,
                           const char *waiting_for);
void pv_event_file_unblocked(PvEvents *events, const char *path, PvBlockReason reason,
                             gint64 blocked_ns);
void pv_event_file_dispatched(PvEvents *events, const char *path, PvAmount reservation);
void pv_event_claim_acquired(PvEvents *events, const char *path, PvAmount claim);
void pv_event_claim_released(PvEvents *events, const char *path, PvAmount claim,
                             PvAmount pool_used, guint in_flight);
void pv_event_file_completed(PvEvents *events, const char *path, const char *status,
                             gint64 duration_ns, const char *error, GPtrArray *kept,
                             const char *cause);
void pv_event_file_retried(PvEvents *events, const char *path, guint attempt, guint attempts,
                           GPtrArray *failed);

/* Networks */
void pv_event_network_created(PvEvents *events, const char *path, const char *net,
                              const char *network, const char *bridge, const char *cidr,
                              const char *address, gboolean dhcp, const char *forward);
void pv_event_network_destroyed(PvEvents *events, const char *path, const char *net,
                                const char *network);
void pv_event_network_reclaimed(PvEvents *events, const char *path, const char *network,
                                const char *bridge, const char *owner_run, gint64 owner_pid,
                                const char *reason);

/* Tests */
void pv_event_test_started(PvEvents *events, const char *path, const char *name,
                           const char *const *tags);
void pv_event_test_log(PvEvents *events, const char *path, const char *name, const char *text);
void pv_event_test_ended(PvEvents *events, const char *path, const char *name,
                         const char *const *tags, const char *status, gint64 duration_ns,
                         const char *cause, const char *reason, const char *console_excerpt);
void pv_event_test_flaky(PvEvents *events, const char *path, const char *name,
                         gint64 duration_ns, GPtrArray *failures);

/* VMs */
void pv_event_vm_spawned(PvEvents *events, const char *path, const char *vm, const char *domain,
                         guint64 memory, guint cpus);
void pv_event_vm_ready(PvEvents *events, const char *path, const char *vm, const char *domain,
                       gint64 boot_ns);
void pv_event_fixture_build_started(PvEvents *events, const char *path, const char *vm,
                                    const char *fixture, const char *key);
void pv_event_fixture_build_waiting(PvEvents *events, const char *path, const char *vm,
                                    const char *fixture, const char *key, const char *holder);
void pv_event_fixture_build_finished(PvEvents *events, const char *path, const char *vm,
                                     const char *fixture, const char *key, gint64 duration_ns,
                                     const char *error);
void pv_event_vm_restored(PvEvents *events, const char *path, const char *vm,
                          const char *domain, const char *fixture, const char *key, guint slot,
                          gint64 restore_ns, const char *clock_not_set);
void pv_event_vm_stopped(PvEvents *events, const char *path, const char *vm,
                         const char *domain, const char *reason);
void pv_event_vm_link(PvEvents *events, const char *path, const char *vm, const char *domain,
                      const char *net, gboolean up);
void pv_event_perf_plan(PvEvents *events, const char *path, const char *vm, const char *plan,
                        const char *cpuset, GPtrArray *warnings, GPtrArray *notes);
