/*
 * pv-file-net.c: a test file's networks: planned as the file declares them,
 * created before its first test, destroyed when it ends
 *
 * The file owns its PvNetworkPlan (src/net/pv-network.c); its host owns the
 * inventory of what the libvirt host uses, shared by the files running
 * there under a lock (pv_host_lock_networks()).  At discovery the top level
 * declares the same networks, which are checked (file:line for the file's
 * mistakes) against an inventory of the file's own (of the run's first
 * host: the file has none yet) and never created.  A file whose networks
 * need host addresses another provium network holds waits for them through
 * its host's scheduler (pv_sched_wait(): woken when a file of the run
 * destroys its networks there; a deadlock among the run's files ends with
 * one of them giving up, not with a wait for ever).  doc/networks.md is the
 * design.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "pv-clean.h"
#include "pv-error.h"
#include "pv-libvirt.h"
#define PV_FILE_PRIVATE
#include "pv-file-private.h"
#include "pv-network-host.h"
#include "pv-resources.h"
#include "pv-sched.h"

/* Discovery runs the top level before the file begins: nothing is created then. */
static gboolean
pv_file_net_discovering(PvFile *file)
{
    return file->status == PV_FILE_QUEUED;
}

/*
 * The inventory the file's plan checks against, locked for a run; release
 * it with pv_file_net_unlock().
 */
static PvNetworkInventory *
pv_file_net_lock(PvFile *file, GError **error)
{
    if (!pv_file_net_discovering(file))
        return pv_host_lock_networks(file->host, FALSE, error);
    if (!file->net_discovery) {
        g_autoptr(PvNetworkInventory) inventory = pv_network_inventory_new();
        PvHost *host = pv_run_get_host_count(file->run) ? pv_run_peek_host(file->run, 0) : NULL;

        /* provium list does not connect: the host's routes stay unknown, unchecked. */
        if (host && !pv_network_inventory_add_host(inventory, pv_host_peek_conn(host),
                                                   pv_host_peek_network_record_dir(host),
                                                   error))
            return NULL;
        file->net_discovery = g_steal_pointer(&inventory);
    }
    return file->net_discovery;
}

static void
pv_file_net_unlock(PvFile *file)
{
    if (!pv_file_net_discovering(file))
        pv_host_unlock_networks(file->host);
}

static PvNetworkPlan *
pv_file_net_plan(PvFile *file)
{
    if (!file->networks) {
        PvRun *run = file->run;

        file->networks = pv_network_plan_new(pv_run_peek_id(run), pv_run_peek_prefix(run),
                                             file->abs_path, file->stem);
    }
    return file->networks;
}

/**
 * pv_file_add_network:
 * @net: the network's name in the test file
 *
 * provium:network(): plans a network of the file (pv_network_plan_add()).
 * Returns: (transfer none): the network, owned by the file; NULL with
 *   @error set (PV_ERROR_USAGE: the file's mistake)
 */
PvNetwork *
pv_file_add_network(PvFile *file, const char *net, const PvNetworkOptions *options,
                    GError **error)
{
    PvNetworkInventory *inventory;
    PvNetwork *network;

    if (file->networks_created) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("provium:network() belongs at the file's top level, before its "
                              "tests: move it there"));
        return NULL;
    }
    inventory = pv_file_net_lock(file, error);
    if (!inventory)
        return NULL;
    network = pv_network_plan_add(pv_file_net_plan(file), net, options, inventory, error);
    pv_file_net_unlock(file);
    return network;
}

/* Whether VM @vm already has NICs on the file's networks. */
static gboolean
pv_file_vm_has_nics(PvFile *file, const char *vm)
{
    GPtrArray *networks = pv_network_plan_peek_networks(file->networks);
    guint i;
    guint j;

    for (i = 0; i < networks->len; i++) {
        GPtrArray *nics = pv_network_peek_nics(networks->pdata[i]);

        for (j = 0; j < nics->len; j++) {
            if (g_str_equal(((PvNic *)nics->pdata[j])->vm, vm))
                return TRUE;
        }
    }
    return FALSE;
}

/**
 * pv_file_add_nic:
 * @vm: the VM's name in the test file
 * @index: the NIC's position among the VM's, from 0
 * @ip: (nullable): the address the file gives
 *
 * Plans a NIC of @vm on the file's network @net (pv_network_plan_add_nic()).
 * On a network that already exists and serves DHCP, its fixed lease is
 * added now.
 * Returns: (transfer none): the NIC, owned by the file until
 *   pv_file_release_nics(); NULL with @error set
 */
const PvNic *
pv_file_add_nic(PvFile *file, const char *vm, guint index, const char *net, const char *ip,
                GError **error)
{
    PvNetworkPlan *plan = pv_file_net_plan(file);
    PvNetworkInventory *inventory;
    PvNetwork *network;
    const PvNic *nic;

    if (index == 0 && pv_file_vm_has_nics(file, vm)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': another VM of that name with NICs is in use in this file: "
                      "give each VM its own name"), vm);
        return NULL;
    }
    inventory = pv_file_net_lock(file, error);
    if (!inventory)
        return NULL;
    nic = pv_network_plan_add_nic(plan, vm, index, net, ip, inventory, error);
    pv_file_net_unlock(file);
    if (!nic)
        return NULL;
    network = pv_network_plan_lookup(plan, net);
    if (pv_network_is_live(network) && pv_network_has_dhcp_server(network) &&
        !pv_network_add_lease(pv_host_peek_conn(file->host), network, nic, error))
        return NULL;
    return nic;
}

/**
 * pv_file_release_nics:
 *
 * VM @vm of the file ended: its NICs are forgotten, their addresses and
 * MACs free again, their fixed leases removed.  The PvNic pointers
 * pv_file_add_nic() returned for it are gone.
 */
void
pv_file_release_nics(PvFile *file, const char *vm)
{
    g_autoptr(GPtrArray) nics = NULL;
    PvNetworkInventory *inventory;
    guint i;

    if (!file->networks)
        return;
    inventory = pv_file_net_lock(file, NULL);
    if (!inventory)
        return;
    nics = pv_network_plan_take_vm_nics(file->networks, vm, inventory);
    pv_file_net_unlock(file);
    for (i = 0; i < nics->len; i++) {
        const PvNic *nic = nics->pdata[i];
        PvNetwork *network = pv_network_plan_lookup(file->networks, nic->net);

        if (network && pv_network_is_live(network) && pv_network_has_dhcp_server(network))
            pv_network_remove_lease(pv_host_peek_conn(file->host), network, nic, NULL);
    }
}

/*
 * How often a file waiting for a CIDR another process's provium network
 * holds looks again: that process cannot tell this run's scheduler when
 * its network goes, nor can it when it dies without destroying it (then
 * the look removes it, pv_file_net_reclaim()).
 */
#define PV_FILE_NET_RETRY_US (G_USEC_PER_SEC)

/* Creates the file's networks not created yet; the run's inventory is locked. */
static gboolean
pv_file_net_create_all(PvFile *file, GError **error)
{
    PvRun *run = file->run;
    GPtrArray *networks = pv_network_plan_peek_networks(file->networks);
    guint i;

    for (i = 0; i < networks->len; i++) {
        PvNetwork *net = networks->pdata[i];
        g_autofree char *cidr = NULL;

        if (pv_network_is_live(net))
            continue;
        if (!pv_network_create(pv_host_peek_conn(file->host), file->networks, net,
                               pv_host_peek_network_record_dir(file->host), error))
            return FALSE;
        cidr = pv_cidr_to_string(pv_network_peek_cidr(net));
        pv_event_network_created(pv_run_peek_events(run), file->path, pv_network_peek_net(net),
                                 pv_network_peek_name(net), pv_network_peek_bridge(net), cidr,
                                 pv_network_peek_host(net), pv_network_has_dhcp_server(net),
                                 pv_network_forward_to_string(pv_network_get_forward(net)));
    }
    return TRUE;
}

/*
 * Removes the networks of runs that are provably over whose routes are in
 * the way of the file's (pv_network_plan_dead_clashes()), as provium clean
 * would (pv_clean_network_decide()), but only with proof that their run is
 * over: one line and a network_reclaimed event each.  The run's inventory
 * is locked.
 * @removed: (out): whether one was, so the inventory is to be read again
 */
static gboolean
pv_file_net_reclaim(PvFile *file, PvNetworkInventory *inventory, gboolean *removed,
                    GError **error)
{
    PvRun *run = file->run;
    virConnect *conn = pv_host_peek_conn(file->host);
    g_autoptr(GPtrArray) dead = pv_network_plan_dead_clashes(file->networks, inventory);
    g_autofree char *uri = NULL;
    guint i;

    *removed = FALSE;
    if (dead->len == 0)
        return TRUE;
    uri = pv_libvirt_get_uri(conn, NULL);
    for (i = 0; i < dead->len; i++) {
        const PvNetworkRecord *record = dead->pdata[i];
        PvNetworkOwner owner = pv_network_record_owner(record);
        g_autoptr(GError) local_error = NULL;
        gboolean existed = FALSE;

        if (pv_clean_network_decide(record, uri, NULL, pv_network_record_owner_maybe_alive,
                                    FALSE) != PV_CLEAN_REMOVE)
            continue;
        if (!pv_network_destroy_recorded(conn, record,
                                         pv_host_peek_network_record_dir(file->host),
                                         &existed, &local_error)) {
            g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT,
                        _("network '%s' (bridge %s), left by run %s, which is over, holds "
                          "addresses this file needs, and provium cannot remove it: %s: run "
                          "provium clean"), record->name, record->bridge, record->run,
                        local_error->message);
            return FALSE;
        }
        *removed = TRUE;
        if (!existed)
            continue;  /* gone already: another run removed it */
        if (owner == PV_NETWORK_OWNER_REUSED)
            pv_run_note(run, _("%s: removed network '%s' (bridge %s), left by run %s on "
                               "addresses this file needs: that run is over (its pid %"
                               PRId64 " is another process now, on the machine and "
                               "boot that recorded it)"),
                        file->path, record->name, record->bridge, record->run, record->pid);
        else
            pv_run_note(run, _("%s: removed network '%s' (bridge %s), left by run %s on "
                               "addresses this file needs: that run is over (no process %"
                               PRId64 " runs on the machine and boot that recorded "
                               "it)"),
                        file->path, record->name, record->bridge, record->run, record->pid);
        pv_event_network_reclaimed(pv_run_peek_events(run), file->path, record->name,
                                   record->bridge, record->run, record->pid,
                                   owner == PV_NETWORK_OWNER_REUSED ? "pid_reused" :
                                   "process_gone");
    }
    return TRUE;
}

/* A file waiting for host routes that other provium networks hold. */
typedef struct {
    PvFile *file;
    GPtrArray *bridges;      /* the networks in the way, by bridge */
    gboolean this_run;       /* each of them a network of this run's files */
    gint64 look_again;       /* another process's: when to look at everything again */
} PvFileNetWait;

/*
 * The wait's try takes nothing: it says when to look again, under the
 * host's network lock (which a try, under the scheduler's, may not take)
 * and through libvirt (which a try may not wait for).  Granted once no
 * route of the networks in the way is left on the host (a file of this run
 * destroyed them, and notified), or, for another process's network, once
 * its retry is due: the scheduler tries again after PV_FILE_NET_RETRY_US
 * then, since that process cannot notify.  Blocked on the run's own
 * networks, it is the scheduler's to see a deadlock.
 */
static PvSchedTry
pv_file_net_try(gpointer user_data, PvBlockReason *reason, gboolean *on_files, GError **error)
{
    PvFileNetWait *wait = user_data;

    if ((wait->bridges->len > 0 && !pv_network_host_routes_via(wait->bridges)) ||
        (!wait->this_run && g_get_monotonic_time() >= wait->look_again))
        return PV_SCHED_GRANTED;
    *reason = PV_BLOCK_NETWORK_BUSY;
    *on_files = wait->this_run;
    return PV_SCHED_BLOCKED;
}

static gboolean
pv_file_net_check(gpointer user_data, GError **error)
{
    return pv_file_check(((PvFileNetWait *)user_data)->file, error);
}

/* Waits until the networks in the way may be gone: then look again. */
static gboolean
pv_file_net_wait(PvFile *file, PvFileNetWait *wait, PvNetwork *blocked, GError **error)
{
    g_autofree char *who = blocked ?
        g_strdup_printf(_("network '%s'"), pv_network_peek_net(blocked)) : NULL;
    g_autofree char *need = blocked ? pv_cidr_to_string(pv_network_peek_cidr(blocked)) : NULL;
    PvSchedWait sched_wait = {
        .wake = &file->wake,
        .deadline = G_MAXINT64,
        .try_take = pv_file_net_try,
        .check = pv_file_net_check,
        .user_data = wait,
        .who = who,
        .need = need,
        .retry_us = PV_FILE_NET_RETRY_US,
    };

    wait->look_again = g_get_monotonic_time() + PV_FILE_NET_RETRY_US;
    return pv_sched_wait(pv_resources_peek_sched(pv_host_peek_resources(file->host)),
                         &sched_wait, error);
}

/**
 * pv_file_create_networks:
 *
 * Creates the networks the top level declared, before the first test:
 * checked again against the host's routes now, each recorded as provium's,
 * then made a transient libvirt network (network_created).  While a network
 * with a host address of another file or run holds one of the file's CIDRs
 * on the host, the file waits (file_blocked network_busy), its clock
 * stopped; a signal ends the wait, and so does a deadlock: every running
 * file of the run waiting for another, this one for another's network.  A
 * network of a run that is provably over in the way is removed first
 * (pv_file_net_reclaim()).  The check and the creation are one step for
 * the run's files.  Those created stay for pv_file_end() even when a later
 * one fails.
 */
gboolean
pv_file_create_networks(PvFile *file, GError **error)
{
    gboolean ok = FALSE;

    file->networks_created = TRUE;
    if (!file->networks || pv_network_plan_peek_networks(file->networks)->len == 0)
        return TRUE;
    for (;;) {
        g_autoptr(GError) busy = NULL;
        g_autoptr(GPtrArray) bridges = NULL;
        PvNetworkInventory *inventory = pv_host_lock_networks(file->host, TRUE, error);
        PvFileNetWait wait = { file };
        PvNetwork *blocked = NULL;
        gboolean reclaimed = FALSE;

        if (!inventory)
            break;
        if (!pv_file_net_reclaim(file, inventory, &reclaimed, error)) {
            pv_host_unlock_networks(file->host);
            break;
        }
        if (reclaimed) {
            /* Read the host again: the routes of what was removed are gone. */
            pv_host_unlock_networks(file->host);
            continue;
        }
        if (pv_network_plan_check_routes(file->networks, inventory, &busy)) {
            ok = pv_file_net_create_all(file, error);
            pv_host_unlock_networks(file->host);
            break;
        }
        if (g_error_matches(busy, PV_ERROR, PV_ERROR_RESOURCES))
            bridges = pv_network_plan_busy_bridges(file->networks, inventory, &blocked,
                                                   &wait.this_run);
        pv_host_unlock_networks(file->host);
        if (!bridges) {
            g_propagate_error(error, g_steal_pointer(&busy));
            break;
        }
        pv_file_block(file, PV_BLOCK_NETWORK_BUSY, busy->message);
        wait.bridges = bridges;
        if (!pv_file_net_wait(file, &wait, blocked, error))
            break;
    }
    pv_file_unblock(file);
    return ok;
}

/**
 * pv_file_destroy_networks:
 *
 * The file ended, and its domains with it: its networks go
 * (network_destroyed).  When --keep-failed kept a domain of the file, they
 * stay with it; `provium clean` removes them after the run.
 */
void
pv_file_destroy_networks(PvFile *file)
{
    PvRun *run = file->run;
    gboolean destroyed = FALSE;
    GPtrArray *networks;
    guint i;

    if (!file->networks)
        return;
    networks = pv_network_plan_peek_networks(file->networks);
    for (i = 0; i < networks->len; i++) {
        PvNetwork *net = networks->pdata[i];
        g_autoptr(GError) error = NULL;

        if (!pv_network_is_live(net))
            continue;
        if (file->kept->len > 0) {
            pv_run_note(run, _("%s: network '%s' (%s) is kept with the file's kept domains: "
                               "provium clean removes it after the run"), file->path,
                        pv_network_peek_net(net), pv_network_peek_name(net));
            continue;
        }
        if (!pv_network_destroy(pv_host_peek_conn(file->host), net,
                                pv_host_peek_network_record_dir(file->host), &error)) {
            pv_run_note(run, _("%s: %s: provium clean removes it after the run"), file->path,
                        error->message);
            continue;
        }
        pv_event_network_destroyed(pv_run_peek_events(run), file->path,
                                   pv_network_peek_net(net), pv_network_peek_name(net));
        destroyed = TRUE;
    }
    /* Its host addresses are free: the run's files waiting for them there look again. */
    if (destroyed)
        pv_sched_notify(pv_resources_peek_sched(pv_host_peek_resources(file->host)));
}
