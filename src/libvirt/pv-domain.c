/*
 * pv-domain.c: one libvirt domain's life, and the run's registry of them
 *
 * Domains are transient (virDomainCreateXML): stopping one removes it from
 * libvirt.  Unless domains are to be kept after the run, they are also
 * started with VIR_DOMAIN_START_AUTODESTROY, so libvirt destroys them if
 * provium dies without cleaning up.
 *
 * libvirt's events arrive on the main thread.  The registry finds the domain
 * by name (it is registered before it is created, so no event is missed) and
 * updates its state under the owning worker's PvWake lock, then wakes the
 * worker.  Names are not reused within a run, but for a fixture slot's (a
 * build's domain, then the one restored from its save): events are matched
 * to the domain by libvirt's id too, so a late event for a saved or
 * destroyed domain cannot touch a new one.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "pv-autocleanups.h"
#include "pv-domain.h"
#include "pv-libvirt.h"
#include "pv-template.h"

struct _PvDomain {
    gint ref;
    PvDomainRegistry *registry;  /* outlives every domain */
    char *name;
    char *label;                 /* the VM's name in the test file */
    guint64 memory;              /* what the guest was given, bytes */
    virDomain *dom;              /* set once created */
    PvWake *wake;                /* the owner's; its lock guards the fields below */
    PvDomainState state;
    gboolean stop_expected;
    gboolean stop_reported;
    gboolean kept;
    char *stop_reason;
    gboolean pending_stop;       /* a stop heard while being created ... */
    unsigned int pending_stop_id;  /* ... its libvirt id (maybe (unsigned)-1: none) */
    char *pending_stop_reason;
    PvDomainCallbacks callbacks;
    gboolean ready_told;
};

struct _PvDomainRegistry {
    GMutex lock;
    GCond created;           /* broadcast when a creation ends */
    guint creating;          /* under lock: virDomainCreateXML() calls in flight */
    gboolean closed;         /* under lock: the run is stopping, no new domain */
    virConnect *conn;
    gint autodestroy;        /* atomic: cleared if the driver lacks it */
    GHashTable *by_name;     /* name -> PvDomain (a reference) */
    GHashTable *used_names;  /* every name this run has used */
    int lifecycle_id;
    int agent_id;
};

static const char *const pv_domain_state_names[] = {
    "starting", "running", "ready", "stopped",
};
G_STATIC_ASSERT(G_N_ELEMENTS(pv_domain_state_names) == PV_DOMAIN_STATE_LAST);

const char *
pv_domain_state_to_string(PvDomainState state)
{
    g_return_val_if_fail(state < PV_DOMAIN_STATE_LAST, "unknown");
    return pv_domain_state_names[state];
}

PvDomain *
pv_domain_ref(PvDomain *domain)
{
    g_atomic_int_inc(&domain->ref);
    return domain;
}

void
pv_domain_unref(PvDomain *domain)
{
    if (!domain || !g_atomic_int_dec_and_test(&domain->ref))
        return;
    if (domain->dom)
        virDomainFree(domain->dom);
    g_free(domain->name);
    g_free(domain->label);
    g_free(domain->stop_reason);
    g_free(domain->pending_stop_reason);
    g_free(domain);
}

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

static void
pv_domain_registry_forget(PvDomainRegistry *registry, PvDomain *domain)
{
    g_mutex_lock(&registry->lock);
    if (g_hash_table_lookup(registry->by_name, domain->name) == domain)
        g_hash_table_remove(registry->by_name, domain->name);
    g_mutex_unlock(&registry->lock);
}

static void pv_domain_mark_stopping(PvDomain *domain);
static void pv_domain_mark_stopped(PvDomain *domain, const char *reason);

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

#define PV_DOMAIN_NO_ID ((unsigned int)-1)

/*
 * Whether our domain @ours still runs, for a stop event that carries no id
 * (libvirt clears a domain's id before it sends the event of a destroy or
 * a save): -1 when unknown.  An RPC: call it without locks held.
 */
static int
pv_domain_handle_is_active(virDomain *ours)
{
    int active = ours ? virDomainIsActive(ours) : -1;

    virResetLastError();
    return active;
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

/*
 * Creates the domain @name: from @xml, or, with @state_path, by restoring
 * the state saved there (@xml then replaces what libvirt may change: the
 * console log, the metadata, the disk).
 */
static PvDomain *
pv_domain_launch(PvDomainRegistry *registry, const char *name, const char *label,
                 guint64 memory, const char *xml, const char *state_path, PvWake *wake,
                 const PvDomainCallbacks *callbacks, GError **error)
{
    g_autoptr(PvDomain) domain = g_new0(PvDomain, 1);
    virDomain *dom = NULL;
    gboolean closed;
    gboolean pending;
    unsigned int pending_id;
    g_autofree char *pending_reason = NULL;

    domain->ref = 1;
    domain->registry = registry;
    domain->name = g_strdup(name);
    domain->label = g_strdup(label);
    domain->memory = memory;
    domain->wake = wake;
    domain->state = PV_DOMAIN_STATE_STARTING;
    if (callbacks)
        domain->callbacks = *callbacks;

    /*
     * A new domain is registered before it exists, so no event of it is
     * missed.  A restored one only once it exists (with its libvirt id):
     * until then, events under its name are its saved predecessor's.
     */
    g_mutex_lock(&registry->lock);
    closed = registry->closed;
    if (!closed) {
        if (!state_path)
            g_hash_table_replace(registry->by_name, domain->name, pv_domain_ref(domain));
        registry->creating++;
    }
    g_mutex_unlock(&registry->lock);
    if (closed) {
        g_set_error(error, PV_ERROR, PV_ERROR_CANCELLED,
                    _("domain '%s' was not started: the run is stopping"), name);
        return NULL;
    }

    if (state_path) {
        /* libvirt has no AUTODESTROY for a restore: the registry destroys it at exit. */
        if (virDomainRestoreFlags(registry->conn, state_path, xml, VIR_DOMAIN_SAVE_RUNNING) < 0)
            pv_libvirt_set_start_error(error, _("cannot restore domain '%s' from %s"), name,
                                       state_path);
        else if (!(dom = virDomainLookupByName(registry->conn, name)))
            pv_libvirt_set_error(error, _("domain '%s' was restored, but is gone"), name);
    } else {
        dom = virDomainCreateXML(registry->conn, xml,
                                 g_atomic_int_get(&registry->autodestroy) ?
                                 VIR_DOMAIN_START_AUTODESTROY : 0);
        if (!dom && g_atomic_int_get(&registry->autodestroy) &&
            pv_libvirt_last_error_is(VIR_ERR_INVALID_ARG)) {
            /* Drivers without it (test:///) reject the flag: go on without. */
            g_atomic_int_set(&registry->autodestroy, FALSE);
            dom = virDomainCreateXML(registry->conn, xml, 0);
        }
        if (!dom)
            pv_libvirt_set_start_error(error, _("cannot start domain '%s'"), name);
    }

    /*
     * Stopped while this one was being created: it must not outlive the run
     * (with --keep-failed libvirt would not destroy it).  Destroyed before
     * the creation counts as ended, so pv_domain_registry_close() can wait
     * for it.
     */
    g_mutex_lock(&registry->lock);
    closed = registry->closed;
    g_mutex_unlock(&registry->lock);
    if (dom && closed) {
        virDomainDestroy(dom);
        virDomainFree(dom);
        virResetLastError();
        dom = NULL;
        g_set_error(error, PV_ERROR, PV_ERROR_CANCELLED,
                    _("domain '%s' was destroyed as it started: the run is stopping"), name);
    }
    g_mutex_lock(&registry->lock);
    registry->creating--;
    g_cond_broadcast(&registry->created);
    g_mutex_unlock(&registry->lock);
    if (!dom) {
        pv_domain_registry_forget(registry, domain);
        return NULL;
    }

    g_mutex_lock(&wake->lock);
    domain->dom = dom;
    if (domain->state == PV_DOMAIN_STATE_STARTING)
        domain->state = PV_DOMAIN_STATE_RUNNING;
    pending = domain->pending_stop;
    pending_id = domain->pending_stop_id;
    pending_reason = g_steal_pointer(&domain->pending_stop_reason);
    domain->pending_stop = FALSE;
    g_mutex_unlock(&wake->lock);
    /*
     * A stop heard meanwhile was ours only if it has our id or, without an
     * id, if ours no longer runs.  Events from now on find the handle.  The
     * caller, waiting for the boot or the restore, finds the domain stopped
     * (the stopped callback is not called: the caller may free what it was
     * given before the main thread would run it).
     */
    if (pending && (pending_id != PV_DOMAIN_NO_ID ? virDomainGetID(dom) == pending_id
                                                   : pv_domain_handle_is_active(dom) != 1)) {
        g_mutex_lock(&wake->lock);
        if (domain->state != PV_DOMAIN_STATE_STOPPED) {
            domain->state = PV_DOMAIN_STATE_STOPPED;
            g_free(domain->stop_reason);
            domain->stop_reason = g_strdup(pending_reason);
        }
        g_cond_broadcast(&wake->cond);
        g_mutex_unlock(&wake->lock);
    }
    if (state_path) {
        g_mutex_lock(&registry->lock);
        g_hash_table_replace(registry->by_name, domain->name, pv_domain_ref(domain));
        g_mutex_unlock(&registry->lock);
        /* Stopped before it was registered: its event went unheard. */
        if (virDomainIsActive(dom) == 0) {
            g_mutex_lock(&wake->lock);
            domain->state = PV_DOMAIN_STATE_STOPPED;
            domain->stop_reason = g_strdup(_("the domain stopped as it was restored"));
            g_mutex_unlock(&wake->lock);
        }
        virResetLastError();
    }
    return g_steal_pointer(&domain);
}

/**
 * pv_domain_start:
 * @name: from pv_domain_registry_claim_name()
 * @label: what the test file calls it
 * @memory: the guest's memory, for the host guard
 * @wake: (transfer none): the owner's; must outlive the domain
 * @callbacks: (nullable): told when the domain stops unexpectedly, and when
 *   its guest agent first connects
 *
 * Creates and starts a transient domain from @xml.  Once the registry is
 * closed (the run is stopping) no domain starts, and one whose creation was
 * in flight is destroyed as soon as it exists.
 * Returns: (transfer full): the domain, or NULL with @error set
 */
PvDomain *
pv_domain_start(PvDomainRegistry *registry, const char *name, const char *label, guint64 memory,
                const char *xml, PvWake *wake, const PvDomainCallbacks *callbacks,
                GError **error)
{
    return pv_domain_launch(registry, name, label, memory, xml, NULL, wake, callbacks, error);
}

/**
 * pv_domain_restore:
 * @name: the name the state was saved under (libvirt restores under no other)
 * @state_path: what pv_domain_save() wrote
 * @xml: the saved domain's XML (virDomainSaveImageGetXMLDesc()) with what
 *   may change: console log, metadata, disk
 *
 * pv_domain_start(), from a saved state: the guest runs on from where it
 * was saved.  Its guest agent is not known to be connected: see
 * pv_domain_set_ready().
 * Returns: (transfer full): the domain, or NULL with @error set
 */
PvDomain *
pv_domain_restore(PvDomainRegistry *registry, const char *name, const char *label,
                  guint64 memory, const char *state_path, const char *xml, PvWake *wake,
                  const PvDomainCallbacks *callbacks, GError **error)
{
    return pv_domain_launch(registry, name, label, memory, xml, state_path, wake, callbacks,
                            error);
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
 * pv_domain_save:
 *
 * Saves the running guest's memory and device state into @path; the domain
 * stops (an expected stop).
 */
gboolean
pv_domain_save(PvDomain *domain, const char *path, GError **error)
{
    pv_domain_mark_stopping(domain);
    if (virDomainSave(domain->dom, path) < 0) {
        pv_libvirt_set_error(error, _("cannot save domain '%s' into %s"), domain->name, path);
        return FALSE;
    }
    pv_domain_mark_stopped(domain, _("saved by provium"));
    return TRUE;
}

/**
 * pv_domain_set_ready:
 *
 * The guest agent answers (a restored guest's agent connection comes back
 * without libvirt's agent event): the domain is ready, as after that event.
 */
void
pv_domain_set_ready(PvDomain *domain)
{
    g_mutex_lock(&domain->wake->lock);
    if (domain->state == PV_DOMAIN_STATE_RUNNING) {
        domain->state = PV_DOMAIN_STATE_READY;
        domain->ready_told = TRUE;
    }
    g_cond_broadcast(&domain->wake->cond);
    g_mutex_unlock(&domain->wake->lock);
}

/**
 * pv_domain_peek_name:
 * Returns: (transfer none): the libvirt domain name
 */
const char *
pv_domain_peek_name(PvDomain *domain)
{
    return domain->name;
}

/**
 * pv_domain_peek_virdomain:
 * Returns: (transfer none): the libvirt handle
 */
virDomain *
pv_domain_peek_virdomain(PvDomain *domain)
{
    return domain->dom;
}

/**
 * pv_domain_peek_label:
 * Returns: (transfer none): the VM's name in the test file
 */
const char *
pv_domain_peek_label(PvDomain *domain)
{
    return domain->label;
}

PvDomainState
pv_domain_get_state(PvDomain *domain)
{
    PvDomainState state;

    g_mutex_lock(&domain->wake->lock);
    state = domain->state;
    g_mutex_unlock(&domain->wake->lock);
    return state;
}

/**
 * pv_domain_peek_state_locked:
 *
 * pv_domain_get_state() with the owner's wake lock already held (in a
 * pv_wake_wait() ready function).
 */
PvDomainState
pv_domain_peek_state_locked(PvDomain *domain)
{
    return domain->state;
}

/**
 * pv_domain_dup_stop_reason:
 * Returns: (transfer full) (nullable): why the domain stopped, if it did
 */
char *
pv_domain_dup_stop_reason(PvDomain *domain)
{
    char *reason;

    g_mutex_lock(&domain->wake->lock);
    reason = g_strdup(domain->stop_reason);
    g_mutex_unlock(&domain->wake->lock);
    return reason;
}

static gboolean
pv_domain_agent_or_stopped(gpointer data)
{
    PvDomain *domain = data;

    return domain->state == PV_DOMAIN_STATE_READY || domain->state == PV_DOMAIN_STATE_STOPPED;
}

static gboolean
pv_domain_is_stopped(gpointer data)
{
    PvDomain *domain = data;

    return domain->state == PV_DOMAIN_STATE_STOPPED;
}

/**
 * pv_domain_wait_agent:
 * @deadline: monotonic time
 *
 * Waits for libvirt's agent-connected event.  PV_WAIT_READY also ends the
 * wait when the domain stopped: check pv_domain_get_state().
 */
PvWaitResult
pv_domain_wait_agent(PvDomain *domain, gint64 deadline, GError **error)
{
    return pv_wake_wait(domain->wake, deadline, pv_domain_agent_or_stopped, domain, error);
}

/**
 * pv_domain_wait_stopped:
 * @deadline: monotonic time
 */
PvWaitResult
pv_domain_wait_stopped(PvDomain *domain, gint64 deadline, GError **error)
{
    return pv_wake_wait(domain->wake, deadline, pv_domain_is_stopped, domain, error);
}

static void
pv_domain_mark_stopping(PvDomain *domain)
{
    g_mutex_lock(&domain->wake->lock);
    domain->stop_expected = TRUE;
    g_mutex_unlock(&domain->wake->lock);
}

static void
pv_domain_mark_stopped(PvDomain *domain, const char *reason)
{
    g_mutex_lock(&domain->wake->lock);
    if (domain->state != PV_DOMAIN_STATE_STOPPED) {
        domain->state = PV_DOMAIN_STATE_STOPPED;
        g_free(domain->stop_reason);
        domain->stop_reason = g_strdup(reason);
    }
    g_mutex_unlock(&domain->wake->lock);
    pv_domain_registry_forget(domain->registry, domain);
}

/**
 * pv_domain_destroy:
 *
 * Stops the domain at once (libvirt's destroy: qemu is terminated).  A
 * domain that is already gone is not an error.
 */
gboolean
pv_domain_destroy(PvDomain *domain, GError **error)
{
    pv_domain_mark_stopping(domain);
    if (domain->dom && pv_domain_get_state(domain) != PV_DOMAIN_STATE_STOPPED &&
        virDomainDestroy(domain->dom) < 0 &&
        !pv_libvirt_last_error_is(VIR_ERR_NO_DOMAIN) &&
        !pv_libvirt_last_error_is(VIR_ERR_OPERATION_INVALID)) {
        pv_libvirt_set_error(error, _("cannot destroy domain '%s'"), domain->name);
        return FALSE;
    }
    virResetLastError();
    pv_domain_mark_stopped(domain, _("destroyed by provium"));
    return TRUE;
}

/**
 * pv_domain_shutdown:
 * @deadline: monotonic time by which the guest must have powered off
 *
 * Asks the guest to power off (through its agent when connected, else with
 * the ACPI power button) and waits; a guest still running at @deadline, or
 * an interrupted wait, is destroyed.
 */
gboolean
pv_domain_shutdown(PvDomain *domain, gint64 deadline, GError **error)
{
    unsigned int flags;
    g_autoptr(GError) wait_error = NULL;

    pv_domain_mark_stopping(domain);
    if (pv_domain_get_state(domain) == PV_DOMAIN_STATE_STOPPED) {
        pv_domain_registry_forget(domain->registry, domain);
        return TRUE;
    }
    flags = pv_domain_get_state(domain) == PV_DOMAIN_STATE_READY ?
        VIR_DOMAIN_SHUTDOWN_GUEST_AGENT : VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN;
    if (virDomainShutdownFlags(domain->dom, flags) < 0) {
        virResetLastError();
        return pv_domain_destroy(domain, error);
    }
    if (pv_domain_wait_stopped(domain, deadline, &wait_error) != PV_WAIT_READY)
        return pv_domain_destroy(domain, error);
    pv_domain_mark_stopped(domain, _("shut down by provium"));
    return TRUE;
}

/**
 * pv_domain_reboot:
 *
 * Asks the guest to reboot, through its agent when connected, else with
 * the ACPI power button; the domain stays (its template's on_reboot is
 * restart).  Returns at once: the caller waits for the guest to come back.
 */
gboolean
pv_domain_reboot(PvDomain *domain, GError **error)
{
    unsigned int flags = pv_domain_get_state(domain) == PV_DOMAIN_STATE_READY ?
        VIR_DOMAIN_REBOOT_GUEST_AGENT : VIR_DOMAIN_REBOOT_ACPI_POWER_BTN;

    if (virDomainReboot(domain->dom, flags) < 0) {
        pv_libvirt_set_error(error, _("cannot reboot domain '%s'"), domain->name);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_domain_claim_stop_report:
 *
 * A stop is reported (vm_stopped) by whoever sees it first: the worker that
 * stopped the domain or found it stopped, or the main thread when it
 * stopped by itself.
 * Returns: TRUE for the first caller, FALSE for every later one
 */
gboolean
pv_domain_claim_stop_report(PvDomain *domain)
{
    gboolean first;

    g_mutex_lock(&domain->wake->lock);
    first = !domain->stop_reported;
    domain->stop_reported = TRUE;
    g_mutex_unlock(&domain->wake->lock);
    return first;
}

/**
 * pv_domain_stop_was_expected:
 *
 * Returns: whether provium stopped (or was stopping) the domain, rather than
 *   the domain stopping by itself
 */
gboolean
pv_domain_stop_was_expected(PvDomain *domain)
{
    gboolean expected;

    g_mutex_lock(&domain->wake->lock);
    expected = domain->stop_expected;
    g_mutex_unlock(&domain->wake->lock);
    return expected;
}

/* A kept domain's description (virsh desc), which later runs look for. */
#define PV_DOMAIN_KEPT_DESCRIPTION \
    "provium: kept after a failed test (--keep-failed); provium clean removes it"

/**
 * pv_domain_keep:
 *
 * Leaves the domain running after the run (--keep-failed):
 * pv_domain_registry_destroy_all() skips it, and its description says so,
 * for later runs (pv_domain_registry_is_kept()).
 */
void
pv_domain_keep(PvDomain *domain)
{
    g_mutex_lock(&domain->wake->lock);
    domain->kept = TRUE;
    g_mutex_unlock(&domain->wake->lock);
    if (domain->dom &&
        virDomainSetMetadata(domain->dom, VIR_DOMAIN_METADATA_DESCRIPTION,
                             PV_DOMAIN_KEPT_DESCRIPTION, NULL, NULL,
                             VIR_DOMAIN_AFFECT_LIVE) < 0)
        g_debug("cannot mark domain '%s' kept", domain->name);
    virResetLastError();
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
    g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func((GDestroyNotify)pv_domain_unref);
    GHashTableIter iter;
    gpointer value;
    guint destroyed = 0;
    guint i;

    g_mutex_lock(&registry->lock);
    g_hash_table_iter_init(&iter, registry->by_name);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(domains, pv_domain_ref(value));
    g_mutex_unlock(&registry->lock);

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
    g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func((GDestroyNotify)pv_domain_unref);
    GHashTableIter iter;
    gpointer value;
    guint64 total = 0;
    guint i;

    g_mutex_lock(&registry->lock);
    g_hash_table_iter_init(&iter, registry->by_name);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(domains, pv_domain_ref(value));
    g_mutex_unlock(&registry->lock);

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
