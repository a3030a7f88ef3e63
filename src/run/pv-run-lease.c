/*
 * pv-run-lease.c: the run's lease, renewed while it lives
 *
 * Every domain and network the run makes names it as their owner, with a
 * lease (util/pv-owner.c): from another machine, which cannot see this
 * process, a lease that ran out is what says the run is over.  A thread of
 * its own renews it every fifth of its length: the lease element of each
 * running domain of each host (one libvirt call per domain,
 * pv_domain_registry_renew_lease()) and the mtime of each network record
 * the run wrote (pv_network_record_renew()).  Not on the main thread: over
 * a remote connection each call is a round trip, and the main loop is
 * libvirt's event loop.  Where the lease lives and what it costs:
 * doc/architecture.md, "Who owns a domain or a network".
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-domain-lease.h"
#include "pv-network-record.h"
#define PV_RUN_PRIVATE
#include "pv-run-private.h"

struct _PvRunRenewer {
    GThread *thread;
    GMutex lock;
    GCond cond;
    gboolean stop;           /* under lock */
    PvRun *run;
};

static void
pv_run_renew_lease(PvRun *run)
{
    PvOwner owner;
    guint i;

    pv_lease_renew(run->lease, g_get_real_time() / G_USEC_PER_SEC);
    pv_lease_get_owner(run->lease, &owner);
    for (i = 0; i < run->hosts->len; i++) {
        PvHost *host = run->hosts->pdata[i];

        /* A lost host's connection is closed: nothing to renew there. */
        if (!pv_host_is_lost(host))
            pv_domain_registry_renew_lease(pv_host_peek_domains(host), &owner);
        pv_network_record_renew(pv_host_peek_network_record_dir(host), &owner);
    }
}

static gpointer
pv_run_renewer_main(gpointer data)
{
    PvRunRenewer *renewer = data;
    gint64 interval = pv_lease_get_interval(renewer->run->lease) * G_USEC_PER_SEC;

    g_mutex_lock(&renewer->lock);
    while (!renewer->stop) {
        gint64 deadline = g_get_monotonic_time() + interval;

        while (!renewer->stop && g_cond_wait_until(&renewer->cond, &renewer->lock, deadline))
            ;
        if (renewer->stop)
            break;
        g_mutex_unlock(&renewer->lock);
        pv_run_renew_lease(renewer->run);
        g_mutex_lock(&renewer->lock);
    }
    g_mutex_unlock(&renewer->lock);
    return NULL;
}

/**
 * pv_run_peek_lease:
 *
 * Returns: (transfer none): the run's ownership record, with its lease
 */
PvLease *
pv_run_peek_lease(PvRun *run)
{
    return run->lease;
}

/**
 * pv_run_start_lease:
 *
 * Starts renewing the run's lease on its hosts, once they are open; says
 * once when this machine has no machine id.  Main thread.
 */
void
pv_run_start_lease(PvRun *run)
{
    PvRunRenewer *renewer;

    if (run->renewer)
        return;
    if (pv_machine_id_is_fallback(pv_machine_id()))
        pv_run_note(run, _("this machine has no machine id (/etc/machine-id): its "
                           "domains and networks name it by its host name '%s' instead; "
                           "systemd-machine-id-setup gives it one"), g_get_host_name());
    /* The domains made before the first renewal carry the lease from now. */
    pv_lease_renew(run->lease, g_get_real_time() / G_USEC_PER_SEC);
    renewer = g_new0(PvRunRenewer, 1);
    g_mutex_init(&renewer->lock);
    g_cond_init(&renewer->cond);
    renewer->run = run;
    renewer->thread = g_thread_new("pv-lease", pv_run_renewer_main, renewer);
    run->renewer = renewer;
}

/**
 * pv_run_stop_lease:
 *
 * Stops renewing the run's lease: what the run leaves (kept domains) is
 * reclaimable from other machines once it runs out.
 */
void
pv_run_stop_lease(PvRun *run)
{
    PvRunRenewer *renewer = g_steal_pointer(&run->renewer);

    if (!renewer)
        return;
    g_mutex_lock(&renewer->lock);
    renewer->stop = TRUE;
    g_cond_signal(&renewer->cond);
    g_mutex_unlock(&renewer->lock);
    g_thread_join(renewer->thread);
    g_cond_clear(&renewer->cond);
    g_mutex_clear(&renewer->lock);
    g_free(renewer);
}
