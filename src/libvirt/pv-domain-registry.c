/*
 * pv-domain-registry.c: the run's registry of its domains on one connection,
 * and libvirt's events about them
 *
 * libvirt's events arrive on the main thread.  The registry finds the domain
 * by name (it is registered before it is created, so no event is missed) and
 * updates its state under the owning worker's PvWake lock, then wakes the
 * worker.  Names are not reused within a run, but for a fixture slot's (a
 * build's domain, then the one restored from its save): events are matched
 * to the domain by libvirt's id too, so a late event for a saved or
 * destroyed domain cannot touch a new one.  The registry also answers for
 * the run as a whole: names claimed, domains left by others, every domain
 * destroyed at the end, what the running guests do not use yet.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "pv-autocleanups.h"
#define PV_DOMAIN_PRIVATE
#include "pv-domain-private.h"
#include "pv-libvirt.h"
#include "pv-template.h"

static PvDomain *
pv_domain_registry_lookup(PvDomainRegistry *registry, virDomain *dom)
{
    const char *name = virDomainGetName(dom);
    PvDomain *domain;

    g_mutex_lock(&registry->lock);
    domain = name ? g_hash_table_lookup(registry->by_name, name) : NULL;
    if (domain)
        pv_domain_ref(domain);
    g_mutex_unlock(&registry->lock);
    return domain;
}

static char *
pv_domain_describe_stop(int event, int detail)
{
    if (event == VIR_DOMAIN_EVENT_CRASHED)
        return g_strdup(_("the guest crashed"));
    switch (detail) {
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
        return g_strdup(_("the guest shut down"));
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
        return g_strdup(_("the domain was destroyed"));
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
        return g_strdup(_("the guest crashed"));
    case VIR_DOMAIN_EVENT_STOPPED_FAILED:
        return g_strdup(_("the hypervisor process failed or was killed"));
    case VIR_DOMAIN_EVENT_STOPPED_MIGRATED:
        return g_strdup(_("the domain was migrated away"));
    case VIR_DOMAIN_EVENT_STOPPED_SAVED:
        return g_strdup(_("the domain was saved"));
    default:
        return g_strdup_printf(_("the domain stopped (libvirt reason %d)"), detail);
    }
}

/*
 * With the wake's lock held: whether a stop event of libvirt's @dom is
 * about @domain.  A fixture slot's name (and UUID) serves a build's domain
 * and then the domain restored from its save (pv_domain_restore()), and a
 * killed run's domain of that name may still be going away when another
 * run's starts: a late event of the other one must not touch ours.  With
 * an id, the ids tell; without one, whether ours still runs (@ours_active,
 * pv_domain_handle_is_active(), looked up by the UUID only one domain can
 * have at a time).  A domain still being created cannot have been saved;
 * other stops are judged once it exists (pv_domain_on_lifecycle()).
 */
static gboolean
pv_domain_event_is_ours(PvDomain *domain, virDomain *dom, gboolean saved, int ours_active)
{
    if (!domain->dom)
        return !saved;
    if (virDomainGetID(dom) != PV_DOMAIN_NO_ID)
        return virDomainGetID(domain->dom) == virDomainGetID(dom);
    return ours_active != 1;
}

/* A new reference to the domain's libvirt handle, or NULL before it exists. */
static virDomain *
pv_domain_dup_handle(PvDomain *domain)
{
    virDomain *ours = NULL;

    g_mutex_lock(&domain->wake->lock);
    if (domain->dom && virDomainRef(domain->dom) == 0)
        ours = domain->dom;
    g_mutex_unlock(&domain->wake->lock);
    return ours;
}

static int
pv_domain_on_lifecycle(virConnect *conn, virDomain *dom, int event, int detail, void *opaque)
{
    PvDomainRegistry *registry = opaque;
    g_autoptr(PvDomain) domain = NULL;
    g_autofree char *reason = NULL;
    gboolean unexpected = FALSE;
    int ours_active = -1;

    if (event != VIR_DOMAIN_EVENT_STOPPED && event != VIR_DOMAIN_EVENT_CRASHED)
        return 0;
    domain = pv_domain_registry_lookup(registry, dom);
    if (!domain)
        return 0;

    reason = pv_domain_describe_stop(event, detail);
    if (virDomainGetID(dom) == PV_DOMAIN_NO_ID) {
        g_autoptr(virDomain) ours = pv_domain_dup_handle(domain);

        ours_active = pv_domain_handle_is_active(ours);
    }
    g_mutex_lock(&domain->wake->lock);
    if (!pv_domain_event_is_ours(domain, dom, event == VIR_DOMAIN_EVENT_STOPPED &&
                                 detail == VIR_DOMAIN_EVENT_STOPPED_SAVED, ours_active)) {
        g_mutex_unlock(&domain->wake->lock);
        return 0;
    }
    /* Still being created: whose stop it is is known once ours exists. */
    if (!domain->dom) {
        domain->pending_stop = TRUE;
        domain->pending_stop_id = virDomainGetID(dom);
        g_free(domain->pending_stop_reason);
        domain->pending_stop_reason = g_steal_pointer(&reason);
        g_mutex_unlock(&domain->wake->lock);
        return 0;
    }
    if (domain->state != PV_DOMAIN_STATE_STOPPED) {
        domain->state = PV_DOMAIN_STATE_STOPPED;
        g_free(domain->stop_reason);
        domain->stop_reason = g_strdup(reason);
        unexpected = !domain->stop_expected;
    }
    g_cond_broadcast(&domain->wake->cond);
    g_mutex_unlock(&domain->wake->lock);

    if (unexpected && domain->callbacks.stopped)
        domain->callbacks.stopped(domain, reason, domain->callbacks.user_data);
    return 0;
}

static void
pv_domain_on_agent(virConnect *conn, virDomain *dom, int state, int reason, void *opaque)
{
    PvDomainRegistry *registry = opaque;
    g_autoptr(PvDomain) domain = pv_domain_registry_lookup(registry, dom);
    gboolean first_ready = FALSE;

    if (!domain)
        return;
    g_mutex_lock(&domain->wake->lock);
    /* A running domain's event: it has its id. */
    if (!pv_domain_event_is_ours(domain, dom, FALSE, -1)) {
        g_mutex_unlock(&domain->wake->lock);
        return;
    }
    if (state == VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED &&
        domain->state != PV_DOMAIN_STATE_STOPPED) {
        domain->state = PV_DOMAIN_STATE_READY;
        first_ready = !domain->ready_told;
        domain->ready_told = TRUE;
    } else if (state == VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED &&
               domain->state == PV_DOMAIN_STATE_READY) {
        domain->state = PV_DOMAIN_STATE_RUNNING;
    }
    g_cond_broadcast(&domain->wake->cond);
    g_mutex_unlock(&domain->wake->lock);
    if (first_ready && domain->callbacks.ready)
        domain->callbacks.ready(domain, domain->callbacks.user_data);
}

/**
 * pv_domain_registry_new:
 * @autodestroy: start domains so that libvirt destroys them when this
 *   connection closes
 *
 * Subscribes to @conn's lifecycle and agent events.  Call on the main thread,
 * after pv_libvirt_init().
 * Returns: (transfer full): the registry, or NULL with @error set
 */
PvDomainRegistry *
pv_domain_registry_new(virConnect *conn, gboolean autodestroy, GError **error)
{
    PvDomainRegistry *registry = g_new0(PvDomainRegistry, 1);

    g_mutex_init(&registry->lock);
    g_cond_init(&registry->created);
    virConnectRef(conn);
    registry->conn = conn;
    registry->autodestroy = autodestroy;
    registry->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify)pv_domain_unref);
    registry->used_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    registry->lifecycle_id =
        virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                         VIR_DOMAIN_EVENT_CALLBACK(pv_domain_on_lifecycle),
                                         registry, NULL);
    if (registry->lifecycle_id < 0) {
        pv_libvirt_set_error(error, _("cannot subscribe to libvirt's domain events"));
        pv_domain_registry_free(registry);
        return NULL;
    }
    registry->agent_id =
        virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                         VIR_DOMAIN_EVENT_CALLBACK(pv_domain_on_agent),
                                         registry, NULL);
    /* Drivers without a guest agent (test:///) have no such event. */
    if (registry->agent_id < 0)
        virResetLastError();
    return registry;
}

void
pv_domain_registry_free(PvDomainRegistry *registry)
{
    if (!registry)
        return;
    if (registry->lifecycle_id >= 0)
        virConnectDomainEventDeregisterAny(registry->conn, registry->lifecycle_id);
    if (registry->agent_id >= 0)
        virConnectDomainEventDeregisterAny(registry->conn, registry->agent_id);
    g_hash_table_unref(registry->by_name);
    g_hash_table_unref(registry->used_names);
    virConnectClose(registry->conn);
    g_cond_clear(&registry->created);
    g_mutex_clear(&registry->lock);
    g_free(registry);
}

/**
 * pv_domain_registry_claim_name:
 * @base: the wanted name, e.g. "pv-3fa9c1-boot-web"
 *
 * Picks @base, or @base-2, @base-3...: a name this run has not used and no
 * domain on the host has.
 * Returns: (transfer full): the name
 */
char *
pv_domain_registry_claim_name(PvDomainRegistry *registry, const char *base)
{
    guint n;

    g_mutex_lock(&registry->lock);
    for (n = 1;; n++) {
        g_autofree char *name = n == 1 ? g_strdup(base) : g_strdup_printf("%s-%u", base, n);
        g_autoptr(virDomain) existing = NULL;

        if (g_hash_table_contains(registry->used_names, name))
            continue;
        existing = virDomainLookupByName(registry->conn, name);
        if (existing)
            continue;
        virResetLastError();
        g_hash_table_add(registry->used_names, g_strdup(name));
        g_mutex_unlock(&registry->lock);
        return g_steal_pointer(&name);
    }
}

/**
 * pv_domain_registry_destroy_stale:
 * @name: a name only one holder may use at a time (a fixture slot's, whose
 *   lock the caller holds)
 *
 * A domain of provium's (it has provium's metadata) still running under
 * @name belongs to no one any more: a run that was killed, or kept it with
 * --keep-failed, and ended.  It is destroyed; anything else is left alone.
 * Returns: whether one was destroyed
 */
gboolean
pv_domain_registry_destroy_stale(PvDomainRegistry *registry, const char *name)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(registry->conn, name);
    g_autofree char *metadata = NULL;
    gboolean destroyed = FALSE;

    if (dom)
        metadata = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, PV_METADATA_URI, 0);
    if (metadata)
        destroyed = virDomainDestroy(dom) == 0;
    virResetLastError();
    return destroyed;
}

/**
 * pv_domain_save_image_xml:
 *
 * Returns: (transfer full): the domain XML a state file was saved with, or
 *   NULL with @error set
 */
char *
pv_domain_save_image_xml(PvDomainRegistry *registry, const char *state_path, GError **error)
{
    char *xml = virDomainSaveImageGetXMLDesc(registry->conn, state_path,
                                             VIR_DOMAIN_SAVE_IMAGE_XML_SECURE);

    if (!xml)
        pv_libvirt_set_error(error, _("cannot read the domain of the saved state %s"),
                             state_path);
    return xml;
}

/**
 * pv_domain_registry_is_kept:
 *
 * Returns: whether a domain of provium's named @name runs, kept after a
 *   failed test by a run that ended (pv_domain_keep()): a fixture slot's
 *   name then stays its own until provium clean removes it
 */
gboolean
pv_domain_registry_is_kept(PvDomainRegistry *registry, const char *name)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(registry->conn, name);
    g_autofree char *metadata = NULL;
    g_autofree char *description = NULL;

    if (dom && virDomainIsActive(dom) == 1) {
        metadata = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, PV_METADATA_URI, 0);
        description = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_DESCRIPTION, NULL, 0);
    }
    virResetLastError();
    return metadata && g_strcmp0(description, PV_DOMAIN_KEPT_DESCRIPTION) == 0;
}

/* Every domain of the registry now, each with a reference: used outside the lock. */
GPtrArray *
pv_domain_registry_snapshot(PvDomainRegistry *registry)
{
    GPtrArray *domains = g_ptr_array_new_with_free_func((GDestroyNotify)pv_domain_unref);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&registry->lock);
    g_hash_table_iter_init(&iter, registry->by_name);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(domains, pv_domain_ref(value));
    g_mutex_unlock(&registry->lock);
    return domains;
}

/**
 * pv_domain_registry_count:
 *
 * Returns: how many domains of the run the registry holds now (for the
 *   status line).  Any thread.
 */
guint
pv_domain_registry_count(PvDomainRegistry *registry)
{
    guint count;

    g_mutex_lock(&registry->lock);
    count = g_hash_table_size(registry->by_name);
    g_mutex_unlock(&registry->lock);
    return count;
}

/**
 * pv_domain_registry_destroy_all:
 *
 * Destroys every running domain of the run that is not kept: on
 * cancellation and as the last safety net before exit.  Safe from any
 * thread, also while workers use the domains.
 * Returns: how many were destroyed
 */
guint
pv_domain_registry_destroy_all(PvDomainRegistry *registry)
{
    g_autoptr(GPtrArray) domains = pv_domain_registry_snapshot(registry);
    guint destroyed = 0;
    guint i;

    for (i = 0; i < domains->len; i++) {
        PvDomain *domain = domains->pdata[i];
        gboolean skip;

        g_mutex_lock(&domain->wake->lock);
        skip = domain->kept || !domain->dom;
        g_mutex_unlock(&domain->wake->lock);
        if (skip)
            continue;
        if (pv_domain_destroy(domain, NULL))
            destroyed++;
    }
    return destroyed;
}

/**
 * pv_domain_registry_close:
 * @deadline: monotonic time until which to wait for domains being created
 *
 * The run is stopping: no domain starts from now on, and each one whose
 * virDomainCreateXML() is in flight is destroyed by its worker as soon as
 * it exists.  Waits until @deadline for those, so that a caller about to
 * exit leaves none behind.  Any thread.
 * Returns: how many creations were still in flight at @deadline
 */
guint
pv_domain_registry_close(PvDomainRegistry *registry, gint64 deadline)
{
    guint creating;

    g_mutex_lock(&registry->lock);
    registry->closed = TRUE;
    while (registry->creating > 0 &&
           g_cond_wait_until(&registry->created, &registry->lock, deadline))
        ;
    creating = registry->creating;
    g_mutex_unlock(&registry->lock);
    return creating;
}

/**
 * pv_domain_registry_unresident:
 *
 * Memory the run's running guests were given but do not use yet: the host's
 * MemAvailable does not show it, and they may take it at any time.  A guest
 * whose resident size libvirt cannot tell counts whole.
 */
guint64
pv_domain_registry_unresident(PvDomainRegistry *registry)
{
    g_autoptr(GPtrArray) domains = pv_domain_registry_snapshot(registry);
    guint64 total = 0;
    guint i;

    for (i = 0; i < domains->len; i++) {
        PvDomain *domain = domains->pdata[i];
        virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
        guint64 rss = 0;
        virDomain *dom;
        int n = 0;
        int j;

        g_mutex_lock(&domain->wake->lock);
        dom = domain->state == PV_DOMAIN_STATE_STOPPED || domain->kept ? NULL : domain->dom;
        if (dom)
            virDomainRef(dom);
        g_mutex_unlock(&domain->wake->lock);
        if (!dom && pv_domain_get_state(domain) == PV_DOMAIN_STATE_STOPPED)
            continue;
        if (dom) {
            n = virDomainMemoryStats(dom, stats, VIR_DOMAIN_MEMORY_STAT_NR, 0);
            virDomainFree(dom);
            virResetLastError();
        }
        for (j = 0; j < n; j++) {
            if (stats[j].tag == VIR_DOMAIN_MEMORY_STAT_RSS)
                rss = stats[j].val * 1024;
        }
        if (rss < domain->memory)
            total += domain->memory - rss;
    }
    return total;
}
