/*
 * pv-domain-list.c: every domain of a libvirt host, as `provium clean` and
 * a run's prefix check see them
 *
 * Unlike the registry's (pv-domain-registry.c), these are domains of any
 * run, or of no provium at all: listed with their name and provium's
 * metadata and its lease (pv-domain-lease.c), if they carry it, and
 * removed whole (destroyed, then undefined if someone defined them) when
 * the caller decided they are provium's to remove.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "pv-domain-lease.h"
#include "pv-domain-list.h"
#include "pv-libvirt.h"
#include "pv-template.h"

void
pv_domain_entry_free(PvDomainEntry *entry)
{
    if (!entry)
        return;
    g_free(entry->name);
    g_free(entry->metadata);
    g_free(entry->lease);
    if (entry->dom)
        virDomainFree(entry->dom);
    g_free(entry);
}

/**
 * pv_domain_list:
 *
 * Returns: (transfer full) (element-type PvDomainEntry): every domain of
 *   the host, running or defined, or NULL with @error set
 */
GPtrArray *
pv_domain_list(virConnect *conn, GError **error)
{
    virDomainPtr *domains = NULL;
    GPtrArray *out;
    int n = virConnectListAllDomains(conn, &domains, 0);
    int i;

    if (n < 0) {
        pv_libvirt_set_error(error, _("cannot list domains"));
        return NULL;
    }
    out = g_ptr_array_new_with_free_func((GDestroyNotify)pv_domain_entry_free);
    for (i = 0; i < n; i++) {
        PvDomainEntry *entry = g_new0(PvDomainEntry, 1);

        entry->dom = domains[i];
        entry->name = g_strdup(virDomainGetName(domains[i]));
        entry->metadata = virDomainGetMetadata(domains[i], VIR_DOMAIN_METADATA_ELEMENT,
                                               PV_METADATA_URI, 0);
        if (entry->metadata)
            entry->lease = virDomainGetMetadata(domains[i], VIR_DOMAIN_METADATA_ELEMENT,
                                                PV_LEASE_URI, 0);
        g_ptr_array_add(out, entry);
    }
    free(domains);
    virResetLastError();
    return out;
}

/**
 * pv_domain_entry_remove:
 *
 * Destroys the domain if it runs, and undefines it if it is defined.
 */
gboolean
pv_domain_entry_remove(PvDomainEntry *entry, GError **error)
{
    virDomain *dom = entry->dom;
    const char *name = entry->name;
    int persistent = virDomainIsPersistent(dom);

    if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
        pv_libvirt_set_error(error, _("cannot destroy domain '%s'"), name);
        return FALSE;
    }
    if (persistent == 1 &&
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                               VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                               VIR_DOMAIN_UNDEFINE_NVRAM) < 0 &&
        /* Not every driver knows every flag. */
        (!pv_libvirt_last_error_is(VIR_ERR_INVALID_ARG) || virDomainUndefine(dom) < 0)) {
        pv_libvirt_set_error(error, _("cannot undefine domain '%s'"), name);
        return FALSE;
    }
    virResetLastError();
    return TRUE;
}
