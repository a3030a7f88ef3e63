/*
 * pv-clean-volumes.c: what `provium clean` removes from provium's storage
 * pool on a remote host
 *
 * A VM's overlay and console log on a remote host are volumes of the pool
 * "provium" there (host/pv-host-storage-pool.c), deleted with the VM.  A
 * run that died, or kept its domains (--keep-failed), leaves them: once
 * `provium clean` has removed the domains it may, a volume DOMAIN.qcow2,
 * DOMAIN.console.log, DOMAIN.console.log.0, DOMAIN.seed.iso (its
 * cloud-init seed), DOMAIN.VARS.fd (its UEFI variables) or DOMAIN-diskN.qcow2 (a disk of its `disks`) whose
 * domain is no longer on
 * the host goes too.  The uploaded images (sha256-HEX) are a cache, and
 * stay.  (A run between creating a VM's overlay and starting its domain
 * is the one moment an overlay has no domain: milliseconds.)
 */
#include "config.h"

#include <string.h>

#include "pv-clean.h"
#include "pv-storage-pool.h"

static const char *const pv_clean_volume_suffixes[] = {
    ".qcow2", ".console.log", ".console.log.0", ".seed.iso", ".VARS.fd",
};

/**
 * pv_clean_volume_domain:
 * @volume: a volume of provium's pool
 * @prefix: (nullable): only volumes of this run prefix
 *
 * Pure: the domain a volume of provium's pool was made for, or NULL for a
 * volume that is not a VM's (an uploaded image) or of another prefix.
 * Returns: (transfer full) (nullable)
 */
char *
pv_clean_volume_domain(const char *volume, const char *prefix)
{
    gsize i;

    if (g_str_has_prefix(volume, "sha256-") || (prefix && !g_str_has_prefix(volume, prefix)))
        return NULL;
    for (i = 0; i < G_N_ELEMENTS(pv_clean_volume_suffixes); i++) {
        const char *suffix = pv_clean_volume_suffixes[i];
        gsize len = strlen(volume);

        if (len > strlen(suffix) && g_str_has_suffix(volume, suffix))
            return g_strndup(volume, len - strlen(suffix));
    }
    return NULL;
}

/*
 * Whether @volume is a live domain's: DOMAIN.SUFFIX, or DOMAIN-diskN.qcow2
 * (a VM's more disks).  A domain whose own name ends in -diskN (a VM named
 * so) is matched both ways: a volume is kept whenever either could be
 * a live domain's.
 */
static gboolean
pv_clean_volume_is_live(const char *domain, GHashTable *names)
{
    const char *dash = strrchr(domain, '-');
    g_autofree char *owner = NULL;

    if (g_hash_table_contains(names, domain))
        return TRUE;
    if (!dash || !g_str_has_prefix(dash, "-disk") || !dash[5] ||
        strspn(dash + 5, "0123456789") != strlen(dash + 5))
        return FALSE;
    owner = g_strndup(domain, dash - domain);
    return g_hash_table_contains(names, owner);
}

/**
 * pv_clean_volumes:
 * @prefix: (nullable): only volumes of this run prefix
 *
 * Deletes the volumes of provium's pool on @conn's host whose domain is
 * gone: call after pv_clean_domains().  A host without the pool has none.
 * Returns: how many were deleted; @error is set only when they could not
 *   be listed
 */
guint
pv_clean_volumes(virConnect *conn, const char *prefix, GError **error)
{
    g_autoptr(PvStoragePool) pool = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME,
                                                         PV_STORAGE_POOL_DIR, FALSE, error);
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GHashTable) names = NULL;
    g_auto(GStrv) volumes = NULL;
    guint removed = 0;
    guint i;

    if (!pool)
        return 0;
    /* UEFI variables and saved states are files libvirt made: listing looks at them again. */
    volumes = pv_storage_pool_list_vols(pool, error);
    if (!volumes)
        return 0;
    domains = pv_domain_list(conn, error);
    if (!domains)
        return 0;
    names = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < domains->len; i++)
        g_hash_table_add(names, ((PvDomainEntry *)domains->pdata[i])->name);
    for (i = 0; volumes[i]; i++) {
        g_autofree char *domain = pv_clean_volume_domain(volumes[i], prefix);
        g_autoptr(GError) local_error = NULL;

        if (!domain || pv_clean_volume_is_live(domain, names))
            continue;
        if (pv_storage_pool_delete_vol(pool, volumes[i], &local_error))
            removed++;
        else
            g_debug("%s", local_error->message);
    }
    return removed;
}
