/*
 * pv-perf.h: performance mode: host topology, LLC groups, pinning plans
 */
#pragma once

#include <glib.h>

GArray *pv_cpulist_parse(const char *text, GError **error);
char *pv_cpulist_format(const guint *cpus, guint n);

typedef struct {
    guint id;
    guint node;
    guint socket;
    guint die;
    guint core;
} PvHostCpu;

/**
 * PvLlcGroup:
 *
 * CPUs sharing a last-level cache: a cache bank where libvirt reports them,
 * else a die.  Performance mode pins a virtual LLC onto one such group.
 */
typedef struct {
    guint id;
    GArray *cpus;          /* guint, sorted */
} PvLlcGroup;

typedef struct {
    GArray *cpus;          /* PvHostCpu, by id */
    GPtrArray *groups;     /* PvLlcGroup, by id */
    gboolean from_cache;   /* groups are cache banks (else dies) */
    guint nodes;           /* NUMA cells */
    GArray *free_hugepages;  /* guint64 free 2 MiB pages, per node */
} PvTopology;

PvTopology *pv_topology_parse(const char *caps_xml, GError **error);
void pv_topology_free(PvTopology *topology);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvTopology, pv_topology_free)

typedef struct {
    guint llcs;
    guint cores;
    guint threads;
    guint64 memory;
} PvPerfRequest;

typedef enum {
    PV_PERF_OK,
    PV_PERF_UNAVAILABLE,   /* the host can never do it */
    PV_PERF_BUSY,          /* groups it needs are held by others now */
} PvPerfOutcome;

/**
 * PvPerfPlan:
 *
 * Where each vCPU runs, where the emulator threads run, which memory nodes,
 * and whether hugepages back the memory.
 */
typedef struct {
    guint nvcpus;
    guint *vcpu_cpus;      /* host CPU of each vCPU */
    guint emulator_cpu;
    GArray *groups;        /* guint: the LLC groups it takes */
    char *nodeset;         /* "0" or "0-1" */
    gboolean hugepages;
    GPtrArray *warnings;   /* char * */
    GPtrArray *notes;      /* char *: for -v */
} PvPerfPlan;

void pv_perf_plan_free(PvPerfPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvPerfPlan, pv_perf_plan_free)

PvPerfOutcome pv_perf_plan(const PvTopology *topology, const PvPerfRequest *request,
                           const gboolean *unusable, const gboolean *ours,
                           PvPerfPlan **plan, char **reason);
char *pv_perf_plan_describe(const PvPerfPlan *plan);

char *pv_perf_budget_cpuset(const PvTopology *topology, guint cap, const gboolean *unusable,
                            GArray *groups);
