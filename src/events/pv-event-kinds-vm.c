/*
 * pv-event-kinds-vm.c: the constructors of VMs', fixtures' and networks'
 * events
 *
 * vm_spawned, vm_ready, vm_stopped, vm_restored, vm_link, perf_plan;
 * fixture_build_started, fixture_build_waiting, fixture_build_finished;
 * network_created, network_destroyed, network_reclaimed.  Each names its
 * kind's fields from typed values and ends in pv_event_emit_checked(),
 * which holds the event to its schema entry (pv-event-kinds.c) before it
 * goes.
 */
#include "config.h"

#include "pv-event-kinds.h"
#define PV_EVENT_KINDS_PRIVATE
#include "pv-event-kinds-private.h"

void
pv_event_vm_spawned(PvEvents *events, const char *path, const char *vm, const char *domain,
                    guint64 memory, guint cpus)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_uint(&fields, "memory", memory);
    pv_event_add_uint(&fields, "cpus", cpus);
    pv_event_emit_checked(events, "vm_spawned", &fields);
}

void
pv_event_vm_ready(PvEvents *events, const char *path, const char *vm, const char *domain,
                  gint64 boot_ns)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_int(&fields, "boot_ns", boot_ns);
    pv_event_emit_checked(events, "vm_ready", &fields);
}

void
pv_event_vm_stopped(PvEvents *events, const char *path, const char *vm, const char *domain,
                    const char *reason)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_str(&fields, "reason", reason);
    pv_event_emit_checked(events, "vm_stopped", &fields);
}

void
pv_event_fixture_build_started(PvEvents *events, const char *path, const char *vm,
                               const char *fixture, const char *key)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_emit_checked(events, "fixture_build_started", &fields);
}

/**
 * pv_event_fixture_build_waiting:
 * @holder: who builds it, as the builder wrote it
 */
void
pv_event_fixture_build_waiting(PvEvents *events, const char *path, const char *vm,
                               const char *fixture, const char *key, const char *holder)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_add_str(&fields, "holder", holder ? holder : "");
    pv_event_emit_checked(events, "fixture_build_waiting", &fields);
}

/**
 * pv_event_fixture_build_finished:
 * @error: (nullable): why it failed
 */
void
pv_event_fixture_build_finished(PvEvents *events, const char *path, const char *vm,
                                const char *fixture, const char *key, gint64 duration_ns,
                                const char *error)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_add_int(&fields, "duration_ns", duration_ns);
    pv_event_add_bool(&fields, "ok", error == NULL);
    if (error)
        pv_event_add_str(&fields, "error", error);
    pv_event_emit_checked(events, "fixture_build_finished", &fields);
}

void
pv_event_vm_restored(PvEvents *events, const char *path, const char *vm, const char *domain,
                     const char *fixture, const char *key, guint slot, gint64 restore_ns,
                     const char *clock_not_set)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_add_int(&fields, "slot", slot);
    pv_event_add_int(&fields, "restore_ns", restore_ns);
    if (clock_not_set)
        pv_event_add_str(&fields, "clock_not_set", clock_not_set);
    pv_event_emit_checked(events, "vm_restored", &fields);
}

/**
 * pv_event_vm_link:
 * @up: the NIC's virtual cable is plugged in
 */
void
pv_event_vm_link(PvEvents *events, const char *path, const char *vm, const char *domain,
                 const char *net, gboolean up)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_str(&fields, "net", net);
    pv_event_add_bool(&fields, "up", up);
    pv_event_emit_checked(events, "vm_link", &fields);
}

/**
 * pv_event_network_created:
 * @net: the network's name in the test file
 * @network: the libvirt network's name
 * @address: (nullable): the host's address on it
 * @forward: "none" (isolated) or "nat"
 */
void
pv_event_network_created(PvEvents *events, const char *path, const char *net,
                         const char *network, const char *bridge, const char *cidr,
                         const char *address, gboolean dhcp, const char *forward)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "net", net);
    pv_event_add_str(&fields, "network", network);
    pv_event_add_str(&fields, "bridge", bridge);
    pv_event_add_str(&fields, "cidr", cidr);
    if (address)
        pv_event_add_str(&fields, "address", address);
    pv_event_add_bool(&fields, "dhcp", dhcp);
    pv_event_add_str(&fields, "forward", forward);
    pv_event_emit_checked(events, "network_created", &fields);
}

void
pv_event_network_destroyed(PvEvents *events, const char *path, const char *net,
                           const char *network)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "net", net);
    pv_event_add_str(&fields, "network", network);
    pv_event_emit_checked(events, "network_destroyed", &fields);
}

/**
 * pv_event_network_reclaimed:
 * @path: the file whose network needed the addresses
 * @network: the libvirt network removed
 * @owner_run: the run that made it, which is over
 * @owner_pid: that run's pid
 * @reason: why the run is known to be over: "process_gone" or "pid_reused"
 */
void
pv_event_network_reclaimed(PvEvents *events, const char *path, const char *network,
                           const char *bridge, const char *owner_run, gint64 owner_pid,
                           const char *reason)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "network", network);
    pv_event_add_str(&fields, "bridge", bridge);
    pv_event_add_str(&fields, "owner_run", owner_run);
    pv_event_add_int(&fields, "owner_pid", owner_pid);
    pv_event_add_str(&fields, "reason", reason);
    pv_event_emit_checked(events, "network_reclaimed", &fields);
}

/**
 * pv_event_perf_plan:
 * @plan: (nullable): performance mode's plan, described
 * @cpuset: (nullable): budgeted mode's shared CPU set
 */
void
pv_event_perf_plan(PvEvents *events, const char *path, const char *vm, const char *plan,
                   const char *cpuset, GPtrArray *warnings, GPtrArray *notes)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "mode", plan ? "performance" : "budgeted");
    if (plan)
        pv_event_add_str(&fields, "plan", plan);
    if (cpuset)
        pv_event_add_str(&fields, "cpuset", cpuset);
    pv_event_add_strv(&fields, "warnings", warnings);
    pv_event_add_strv(&fields, "notes", notes);
    pv_event_emit_checked(events, "perf_plan", &fields);
}
