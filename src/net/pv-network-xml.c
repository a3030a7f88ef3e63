/*
 * pv-network-xml.c: the libvirt XML of provium's networks
 *
 * Built with libxml2's tree API, which escapes every value: nothing a test
 * file writes reaches libvirt through string concatenation.
 */
#include "config.h"

#include <libxml/tree.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-network.h"

static xmlNode *
pv_xml_add(xmlNode *parent, const char *name, const char *const *props)
{
    xmlNode *node = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
    gsize i;

    for (i = 0; props && props[i]; i += 2)
        xmlNewProp(node, BAD_CAST props[i], BAD_CAST props[i + 1]);
    return node;
}

static void
pv_network_add_dhcp_host(xmlNode *parent, const PvNic *nic)
{
    const char *const host_props[] = { "mac", nic->mac, "ip", nic->ip, NULL };
    const char *const lease_props[] = { "expiry", "0", NULL };  /* never expires */
    xmlNode *host = pv_xml_add(parent, "host", host_props);

    pv_xml_add(host, "lease", lease_props);
}

/* The document's text without the XML declaration (noise for libvirt). */
static char *
pv_xml_doc_to_string(xmlDoc *doc)
{
    xmlChar *out = NULL;
    int len = 0;
    const char *body;
    char *result;

    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    if (!out)
        g_error("out of memory");
    body = (const char *)out;
    if (g_str_has_prefix(body, "<?xml") && strchr(body, '\n'))
        body = strchr(body, '\n') + 1;
    result = g_strdup(body);
    xmlFree(out);
    return result;
}

/**
 * pv_network_xml:
 *
 * The libvirt network XML of @net, with a DHCP fixed lease for every NIC
 * planned on it so far (later ones go through virNetworkUpdate).  No
 * <forward> for an isolated network; no <ip> unless the host has an address
 * there; no DNS service (NAT networks excepted: their guests resolve through
 * the host).
 * Returns: (transfer full)
 */
char *
pv_network_xml(const PvNetwork *net)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *root = xmlNewDocNode(doc, NULL, BAD_CAST "network", NULL);
    const char *host = pv_network_peek_host(net);
    gboolean nat = pv_network_get_forward(net) == PV_NETWORK_FORWARD_NAT;
    const char *const bridge_props[] = {
        "name", pv_network_peek_bridge(net), "stp", "off", "delay", "0", NULL,
    };

    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST pv_network_peek_name(net));
    xmlNewTextChild(root, NULL, BAD_CAST "uuid", BAD_CAST pv_network_peek_uuid(net));
    if (nat) {
        const char *const props[] = { "mode", "nat", NULL };

        pv_xml_add(root, "forward", props);
    }
    pv_xml_add(root, "bridge", bridge_props);
    if (host) {
        g_autofree char *prefix = g_strdup_printf("%u", pv_network_peek_cidr(net)->prefix);
        const char *const ip_props[] = { "address", host, "prefix", prefix, NULL };
        GPtrArray *nics = pv_network_peek_nics(net);
        xmlNode *ip;

        if (!nat) {
            const char *const props[] = { "enable", "no", NULL };

            pv_xml_add(root, "dns", props);
        }
        ip = pv_xml_add(root, "ip", ip_props);
        if (pv_network_has_dhcp_server(net)) {
            xmlNode *dhcp = pv_xml_add(ip, "dhcp", NULL);
            guint32 start, end;
            guint i;

            if (pv_network_get_dhcp_range(net, &start, &end)) {
                g_autofree char *start_text = pv_ipv4_to_string(start);
                g_autofree char *end_text = pv_ipv4_to_string(end);
                const char *const range_props[] = {
                    "start", start_text, "end", end_text, NULL,
                };

                pv_xml_add(dhcp, "range", range_props);
            }
            for (i = 0; i < nics->len; i++)
                pv_network_add_dhcp_host(dhcp, nics->pdata[i]);
        }
    }
    return pv_xml_doc_to_string(doc);
}

/**
 * pv_network_dhcp_host_xml:
 *
 * The fixed lease of @nic, for virNetworkUpdate(..._SECTION_IP_DHCP_HOST).
 * Returns: (transfer full): "<host mac='...' ip='...'>...</host>"
 */
char *
pv_network_dhcp_host_xml(const PvNic *nic)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    g_autoptr(xmlBuffer) buffer = xmlBufferCreate();
    xmlNode *root = xmlNewDocNode(doc, NULL, BAD_CAST "dhcp", NULL);

    xmlDocSetRootElement(doc, root);
    pv_network_add_dhcp_host(root, nic);
    /* The <host> element alone, as libvirt wants it. */
    if (xmlNodeDump(buffer, doc, root->children, 0, 1) < 0)
        g_error("out of memory");
    return g_strdup((const char *)xmlBufferContent(buffer));
}
