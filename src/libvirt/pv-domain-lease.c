/*
 * pv-domain-lease.c: the lease a run keeps fresh in its domains' metadata
 *
 * A domain's ownership record is provium's <instance> element (written
 * once, pv-template-parts.c); its lease is a second element of its own
 * namespace, <lease renewed="T" expires="T+L"/> in seconds since the
 * epoch, so that renewing it is one virDomainSetMetadata() call per domain
 * that neither reads nor rewrites the record.  A provium that does not know
 * the element passes it over.
 */
#include "config.h"

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <string.h>

#include "pv-autocleanups.h"
#define PV_DOMAIN_PRIVATE
#include "pv-domain-private.h"
#include "pv-domain-lease.h"

/**
 * pv_domain_lease_xml:
 *
 * Returns: (transfer full): @owner's lease as the element
 *   virDomainSetMetadata() takes
 */
char *
pv_domain_lease_xml(const PvOwner *owner)
{
    return g_strdup_printf("<lease renewed=\"%" G_GINT64_FORMAT "\" expires=\"%"
                           G_GINT64_FORMAT "\"/>", owner->renewed, owner->expires);
}

static gint64
pv_domain_lease_attr(xmlNode *node, const char *name)
{
    g_autoptr(PvXmlString) value = xmlGetProp(node, BAD_CAST name);

    return value ? g_ascii_strtoll((const char *)value, NULL, 10) : 0;
}

/**
 * pv_domain_lease_parse:
 * @xml: the element, as virDomainGetMetadata() returns it
 * @renewed: (out): seconds since the epoch
 * @expires: (out): seconds since the epoch
 *
 * Returns: whether @xml is a lease; the outputs are set only then
 */
gboolean
pv_domain_lease_parse(const char *xml, gint64 *renewed, gint64 *expires)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;
    gint64 r;
    gint64 e;

    if (!xml)
        return FALSE;
    doc = xmlReadMemory(xml, strlen(xml), "lease.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || !xmlStrEqual(root->name, BAD_CAST "lease") ||
        (root->ns && !xmlStrEqual(root->ns->href, BAD_CAST PV_LEASE_URI)))
        return FALSE;
    r = pv_domain_lease_attr(root, "renewed");
    e = pv_domain_lease_attr(root, "expires");
    if (r <= 0 || e <= 0)
        return FALSE;
    *renewed = r;
    *expires = e;
    return TRUE;
}

/**
 * pv_domain_registry_renew_lease:
 * @owner: the run's record, its lease as renewed now
 *
 * Writes @owner's lease into each running domain of the registry (kept
 * ones too: the run still owns them while it lives).  A domain that went
 * away meanwhile is passed over.  Any thread but the main one, since each
 * domain is a call to libvirt.
 * Returns: how many were renewed
 */
guint
pv_domain_registry_renew_lease(PvDomainRegistry *registry, const PvOwner *owner)
{
    g_autoptr(GPtrArray) domains = pv_domain_registry_snapshot(registry);
    g_autofree char *xml = pv_domain_lease_xml(owner);
    guint renewed = 0;
    guint i;

    for (i = 0; i < domains->len; i++) {
        PvDomain *domain = domains->pdata[i];
        virDomain *dom;

        g_mutex_lock(&domain->wake->lock);
        dom = domain->state == PV_DOMAIN_STATE_STOPPED ? NULL : domain->dom;
        if (dom)
            virDomainRef(dom);
        g_mutex_unlock(&domain->wake->lock);
        if (!dom)
            continue;
        if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, PV_LEASE_PREFIX,
                                 PV_LEASE_URI, VIR_DOMAIN_AFFECT_LIVE) == 0)
            renewed++;
        virResetLastError();
        virDomainFree(dom);
    }
    return renewed;
}
