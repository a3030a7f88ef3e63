/*
 * pv-domain.c: one libvirt domain's life: created or restored, its state as
 * libvirt's events leave it, waited for, saved, shut down, destroyed, kept
 *
 * Domains are transient (virDomainCreateXML): stopping one removes it from
 * libvirt.  Unless domains are to be kept after the run, they are also
 * started with VIR_DOMAIN_START_AUTODESTROY, so libvirt destroys them if
 * provium dies without cleaning up.  The state changes under the owning
 * worker's PvWake lock, from the worker itself or from the registry's event
 * handlers on the main thread (pv-domain-registry.c).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "pv-autocleanups.h"
#define PV_DOMAIN_PRIVATE
#include "pv-domain-private.h"
#include "pv-libvirt.h"
#include "pv-template.h"

PV_ENUM_IMPL(pv_domain_state, PvDomainState, PV_DOMAIN_STATE_LAST,
             "starting", "running", "ready", "stopped");

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

/* The domain stopped: the registry no longer answers for it. */
static void
pv_domain_registry_forget(PvDomainRegistry *registry, PvDomain *domain)
{
    g_mutex_lock(&registry->lock);
    if (g_hash_table_lookup(registry->by_name, domain->name) == domain)
        g_hash_table_remove(registry->by_name, domain->name);
    g_mutex_unlock(&registry->lock);
}

/*
 * Whether our domain @ours still runs, for a stop event that carries no id
 * (libvirt clears a domain's id before it sends the event of a destroy or
 * a save): -1 when unknown.  An RPC: call it without locks held.
 */
int
pv_domain_handle_is_active(virDomain *ours)
{
    int active = ours ? virDomainIsActive(ours) : -1;

    virResetLastError();
    return active;
}

static void pv_domain_mark_stopping(PvDomain *domain);
static void pv_domain_mark_stopped(PvDomain *domain, const char *reason);

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
        /* Read once: another file's creation may clear it while this one's runs. */
        gboolean autodestroy = g_atomic_int_get(&registry->autodestroy);

        dom = virDomainCreateXML(registry->conn, xml,
                                 autodestroy ? VIR_DOMAIN_START_AUTODESTROY : 0);
        if (!dom && autodestroy && pv_libvirt_last_error_is(VIR_ERR_INVALID_ARG)) {
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
pv_domain_is_stopped(gpointer data)
{
    PvDomain *domain = data;

    return domain->state == PV_DOMAIN_STATE_STOPPED;
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
 * pv_domain_handle_set_link:
 *
 * Pulls (@up FALSE) or plugs back the virtual cable of the NIC with MAC
 * @mac of the running domain @dom: its <link state> in the live domain, changed with
 * virDomainUpdateDeviceFlags(); the guest sees its carrier go, as when a
 * cable is pulled.
 */
gboolean
pv_domain_handle_set_link(virDomain *dom, const char *mac, gboolean up, GError **error)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autofree char *iface = NULL;

    if (!xml) {
        pv_libvirt_set_error(error, _("cannot read the definition of domain '%s'"),
                             virDomainGetName(dom));
        return FALSE;
    }
    iface = pv_template_nic_link_xml(xml, mac, up, error);
    if (!iface)
        return FALSE;
    if (virDomainUpdateDeviceFlags(dom, iface, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        pv_libvirt_set_error(error, up ? _("cannot set the link of %s up in domain '%s'") :
                             _("cannot set the link of %s down in domain '%s'"), mac,
                             virDomainGetName(dom));
        return FALSE;
    }
    return TRUE;
}
