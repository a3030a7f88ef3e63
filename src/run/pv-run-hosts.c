/*
 * pv-run-hosts.c: the run's libvirt hosts: opened from the options, sized,
 * their prefix checked, their KSM tuned and put back, and what the run
 * left on them destroyed on a second signal
 *
 * Each host is a PvHost (host/pv-host.c): one per -c, or per name of
 * [run] hosts (a [host NAME] group of provium.conf), or the one libvirt's
 * default names; host 0 is the default.  Each has its own pool and boot
 * gate, sized by its own options.  A file runs whole on one host: the
 * dispatcher gives it one as it starts (pv-dispatcher.c).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-clean.h"
#include "pv-i18n.h"
#define PV_RUN_PRIVATE
#include "pv-run-private.h"

/* What the options say of @spec: its own sizes, else the run's. */
static void
pv_run_host_options(const PvRunOptions *options, const PvRunHost *spec, PvHostOptions *host)
{
    memset(host, 0, sizeof(*host));
    host->uri = spec ? spec->uri : options->uri;
    host->name = spec ? spec->name : NULL;
    host->cache_dir = options->cache_dir;
    host->virt_type = options->virt_type;
    host->keep_domains = options->keep_failed;
    host->mem = spec && spec->mem ? spec->mem : options->mem;
    host->cpus = spec && spec->cpus ? spec->cpus : options->cpus;
    host->cpu_overcommit = spec && spec->cpu_overcommit ? spec->cpu_overcommit :
        options->cpu_overcommit;
    host->boot_workers = spec && spec->boot_workers ? spec->boot_workers :
        options->boot_workers;
    host->reserve = options->host_reserve;
    host->lock_dir = options->lock_dir;
    host->cpu_cap = options->cpu_cap;
}

/*
 * Two hosts that would read the same (two -c whose URIs name no host, so
 * both are this machine's name) are named by their URIs instead: the
 * events, the report and the status line tell each host by its name.
 */
static void
pv_run_name_hosts_apart(PvRun *run)
{
    g_autofree gboolean *clash = g_new0(gboolean, MAX(run->hosts->len, 1));
    guint i;
    guint j;

    for (i = 0; i < run->hosts->len; i++) {
        for (j = 0; j < run->hosts->len; j++) {
            if (j != i && g_str_equal(pv_host_peek_name(run->hosts->pdata[i]),
                                      pv_host_peek_name(run->hosts->pdata[j])))
                clash[i] = TRUE;
        }
    }
    for (i = 0; i < run->hosts->len; i++) {
        const char *uri = pv_host_peek_uri(run->hosts->pdata[i]);

        if (clash[i] && uri)
            pv_host_set_name(run->hosts->pdata[i], uri);
    }
}

/**
 * pv_run_connect:
 *
 * Opens each of the run's libvirt hosts (pv_host_open(): the connection,
 * its domain events) and decides what --virt-type auto means there (a
 * probe boot the first time, see pv-virt.c).  A host that cannot be opened
 * fails the run before anything starts; the ones opened are closed with
 * the run.  Main thread.
 */
gboolean
pv_run_connect(PvRun *run, GError **error)
{
    const GPtrArray *specs = run->options->hosts;
    guint count = specs && specs->len ? specs->len : 1;
    guint i;

    for (i = 0; i < count; i++) {
        const PvRunHost *spec = specs && specs->len ? specs->pdata[i] : NULL;
        PvHostOptions options;
        PvHost *host;

        pv_run_host_options(run->options, spec, &options);
        host = pv_host_open(&options, error);
        if (!host) {
            if (count > 1 && spec && spec->name)
                g_prefix_error(error, _("host '%s': "), spec->name);
            return FALSE;
        }
        g_ptr_array_add(run->hosts, host);
        pv_host_get_virt_auto(host, NULL);
    }
    pv_run_name_hosts_apart(run);
    pv_run_start_lease(run);
    return TRUE;
}

/**
 * pv_run_get_host_jobs:
 * @index: from 0
 *
 * Returns: how many files may run at once on host @index ([host NAME]
 *   jobs); 0 when only its pool decides
 */
guint
pv_run_get_host_jobs(PvRun *run, guint index)
{
    const GPtrArray *specs = run->options->hosts;

    if (!specs || index >= specs->len)
        return 0;
    return ((const PvRunHost *)specs->pdata[index])->jobs;
}

/**
 * pv_run_make_resources:
 *
 * Sizes each host's pool and boot gate (pv_host_make_resources()).
 */
gboolean
pv_run_make_resources(PvRun *run, GError **error)
{
    guint i;

    for (i = 0; i < run->hosts->len; i++) {
        if (!pv_host_make_resources(run->hosts->pdata[i], error))
            return FALSE;
    }
    return TRUE;
}

/**
 * pv_run_get_host_count:
 *
 * Returns: how many libvirt hosts the run has: 0 before pv_run_connect(),
 *   and for a command that boots nothing (provium list)
 */
guint
pv_run_get_host_count(PvRun *run)
{
    return run->hosts->len;
}

/**
 * pv_run_peek_host:
 * @index: from 0; host 0 is the default one
 *
 * Returns: (transfer none): the run's host @index
 */
PvHost *
pv_run_peek_host(PvRun *run, guint index)
{
    g_return_val_if_fail(index < run->hosts->len, NULL);
    return run->hosts->pdata[index];
}

/**
 * pv_run_get_pool_total:
 *
 * Returns: what the pools of the run's hosts hold together
 */
PvAmount
pv_run_get_pool_total(PvRun *run)
{
    PvAmount total = { 0, 0 };
    guint i;

    for (i = 0; i < run->hosts->len; i++) {
        PvResources *resources = pv_host_peek_resources(run->hosts->pdata[i]);

        total = pv_amount_add(total, pv_pool_get_total(pv_resources_peek_pool(resources)));
    }
    return total;
}

/**
 * pv_run_get_pool_used:
 *
 * Returns: what the run's files and VMs hold now of its hosts' pools
 */
PvAmount
pv_run_get_pool_used(PvRun *run)
{
    PvAmount used = { 0, 0 };
    guint i;

    for (i = 0; i < run->hosts->len; i++) {
        PvResources *resources = pv_host_peek_resources(run->hosts->pdata[i]);

        used = pv_amount_add(used, pv_pool_get_used(pv_resources_peek_pool(resources)));
    }
    return used;
}

/**
 * pv_run_close_domains:
 * @deadline: monotonic time until which to wait for domains being created
 *
 * No domain of the run starts from now on, on any host
 * (pv_domain_registry_close()).  Any thread.
 * Returns: how many creations were still in flight at @deadline
 */
guint
pv_run_close_domains(PvRun *run, gint64 deadline)
{
    guint left = 0;
    guint i;

    for (i = 0; i < run->hosts->len; i++)
        left += pv_domain_registry_close(pv_host_peek_domains(run->hosts->pdata[i]), deadline);
    return left;
}

/**
 * pv_run_destroy_domains:
 *
 * Destroys every running domain of the run that is not kept, on every host
 * (pv_domain_registry_destroy_all()).  Any thread.
 */
void
pv_run_destroy_domains(PvRun *run)
{
    guint i;

    for (i = 0; i < run->hosts->len; i++)
        pv_domain_registry_destroy_all(pv_host_peek_domains(run->hosts->pdata[i]));
}

/**
 * pv_run_destroy_networks:
 *
 * Destroys every network this run recorded that is still there, on every
 * host, and its record (pv_host_destroy_networks()): for a second signal.
 * Main thread.
 * Returns: how many could not be destroyed (`provium clean` removes them)
 */
guint
pv_run_destroy_networks(PvRun *run)
{
    guint left = 0;
    guint i;

    for (i = 0; i < run->hosts->len; i++)
        left += pv_host_destroy_networks(run->hosts->pdata[i], run->id, run->pid);
    return left;
}

/**
 * pv_run_check_prefix_free:
 *
 * The run's prefix is free on each of its hosts
 * (pv_clean_check_prefix_free(); --force removes provium's domains of it
 * first).
 */
gboolean
pv_run_check_prefix_free(PvRun *run, GError **error)
{
    guint i;

    for (i = 0; i < run->hosts->len; i++) {
        if (!pv_clean_check_prefix_free(pv_host_peek_conn(run->hosts->pdata[i]), run->prefix,
                                        run->options->force, error))
            return FALSE;
    }
    return TRUE;
}

static GVariant *
pv_run_ksm_settings(const PvKsmSettings *settings)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_int(&fields, "run", settings->values[PV_KSM_RUN]);
    pv_event_add_int(&fields, "pages_to_scan", settings->values[PV_KSM_PAGES_TO_SCAN]);
    pv_event_add_int(&fields, "sleep_millisecs", settings->values[PV_KSM_SLEEP_MILLISECS]);
    return g_variant_builder_end(&fields);
}

/**
 * pv_run_tune_ksm:
 *
 * Tunes KSM on the run's host that is this machine (pv_host_tune_ksm())
 * unless --no-ksm says not to, and says so (ksm_tuned).
 * Returns: (transfer full) (nullable): the hold, whose message is the line
 *   to print; NULL with --no-ksm, or when no host is this machine
 */
PvKsm *
pv_run_tune_ksm(PvRun *run)
{
    g_auto(GVariantBuilder) knobs = PV_EVENT_FIELDS_INIT;
    PvKsm *ksm = NULL;
    guint i;

    if (run->options->no_ksm)
        return NULL;
    for (i = 0; i < run->hosts->len && !ksm; i++)
        ksm = pv_host_tune_ksm(run->hosts->pdata[i]);
    if (!ksm)
        return NULL;
    if (!ksm->have_previous) {
        pv_event_ksm_tuned(run->events, ksm->tuned, NULL, NULL, ksm->message);
        return ksm;
    }
    g_variant_builder_add(&knobs, "{sv}", "ksm_run",
                          g_variant_new_boolean(ksm->written.values[PV_KSM_RUN] == 1));
    pv_event_add_int(&knobs, "pages_to_scan", ksm->written.values[PV_KSM_PAGES_TO_SCAN]);
    pv_event_add_int(&knobs, "sleep_millisecs", ksm->written.values[PV_KSM_SLEEP_MILLISECS]);
    pv_event_ksm_tuned(run->events, ksm->tuned, g_variant_builder_end(&knobs),
                       pv_run_ksm_settings(&ksm->previous), ksm->message);
    return ksm;
}

/**
 * pv_run_restore_ksm:
 * @ksm: (nullable): pv_run_tune_ksm()'s hold
 *
 * The last provium run on the host to end puts the host's KSM settings back
 * (pv_ksm_restore()), and says so (ksm_restored).
 * Returns: (transfer full) (nullable): the line to print; NULL when other
 *   runs still keep KSM tuned, or this one did not tune it
 */
char *
pv_run_restore_ksm(PvRun *run, PvKsm *ksm)
{
    locale_t previous;
    char *line;

    if (!ksm)
        return NULL;
    /* Its message is recorded too (see pv-i18n.c). */
    previous = pv_i18n_untranslated_begin();
    line = pv_ksm_restore(ksm);
    pv_i18n_end(previous);
    if (line)
        pv_event_ksm_restored(run->events, ksm->restored, pv_run_ksm_settings(&ksm->previous),
                              line);
    return line;
}
