/*
 * pv-template.c: libvirt domain XML from a template and a request
 *
 * A template is ordinary libvirt domain XML.  Rendering parses it with
 * libxml2, sets the elements provium owns (name, title, memory, vCPUs, boot,
 * the overlay disk, the cloud-init seed, the NICs on provium's networks, the
 * logged serial console, the agent channel, provium's metadata) and keeps
 * everything else as the user wrote it (each part is set in
 * pv-template-parts.c; the seed in pv-template-seed.c).  Values
 * only ever reach the document through libxml2's tree API, which escapes
 * them.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#define PV_TEMPLATE_PRIVATE
#include "pv-template-private.h"
#include "pv-text.h"

/* Keeps libxml2's first error: later ones are mostly consequences. */
static void
pv_template_first_error(void *user_data, xmlErrorPtr error)
{
    xmlError *first = user_data;

    if (first->code == XML_ERR_OK)
        xmlCopyError(error, first);
}

static char *pv_template_dump(xmlDoc *doc, GError **error);

static xmlDoc *
pv_template_parse(const char *xml, gsize len, const char *template_path, GError **error)
{
    xmlError first = { 0 };
    xmlDoc *doc;
    xmlNode *root;

    /* Per thread: the handler collects instead of printing. */
    xmlSetStructuredErrorFunc(&first, pv_template_first_error);
    doc = xmlReadMemory(xml, len, template_path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc) {
        g_autofree char *msg = g_strdup(first.message ? first.message : "");

        g_strchomp(msg);
        g_set_error(error, PV_ERROR, PV_ERROR_TEMPLATE,
                    _("template %s is not well-formed XML: line %d: %s"),
                    template_path, first.line, msg);
        xmlResetError(&first);
        return NULL;
    }
    xmlResetError(&first);

    root = xmlDocGetRootElement(doc);
    if (!root || !pv_xml_is(root, "domain")) {
        g_set_error(error, PV_ERROR, PV_ERROR_TEMPLATE,
                    _("template %s is not libvirt domain XML: the root element is <%s>, "
                      "not <domain>"), template_path, root ? (const char *)root->name : "");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

PV_ENUM_IMPL(pv_virt_type, PvVirtType, PV_VIRT_LAST,
             "auto", "kvm", "qemu");

/**
 * pv_template_render:
 * @template_xml: the template's text
 * @template_path: where it came from, for messages
 * @request: what to set
 * @rendered_type: (out) (optional): the domain's accelerator as rendered:
 *   PV_VIRT_KVM, PV_VIRT_QEMU, or PV_VIRT_AUTO for another hypervisor's type
 *
 * Returns: (transfer full): the domain XML, or NULL with @error set
 */
char *
pv_template_render(const char *template_xml, gsize len, const char *template_path,
                   const PvDomainRequest *request, PvVirtType *rendered_type, GError **error)
{
    g_autoptr(xmlDoc) doc = pv_template_parse(template_xml, len, template_path, error);
    xmlNode *domain;
    xmlNode *devices;
    char *result;
    PvVirtType type;

    if (!doc)
        return NULL;
    domain = xmlDocGetRootElement(doc);

    /* The accelerator asked for; a template of another hypervisor keeps its own. */
    if (request->virt_type != PV_VIRT_AUTO &&
        (pv_xml_attr_equal(domain, "type", "kvm") || pv_xml_attr_equal(domain, "type", "qemu")))
        xmlSetProp(domain, BAD_CAST "type", BAD_CAST pv_virt_type_to_string(request->virt_type));
    type = pv_xml_attr_equal(domain, "type", "kvm") ? PV_VIRT_KVM :
        pv_xml_attr_equal(domain, "type", "qemu") ? PV_VIRT_QEMU : PV_VIRT_AUTO;
    /* Every domain needs its own identity; a fixed one would clash. */
    pv_xml_remove_children_named(domain, "uuid");
    if (request->name)
        pv_xml_set_child_text(domain, "name", request->name, TRUE);
    if (request->uuid) {
        xmlNode *uuid = xmlNewDocNode(doc, NULL, BAD_CAST "uuid", NULL);
        xmlNode *name = pv_xml_find_child(domain, "name");

        pv_xml_set_text(uuid, request->uuid);
        if (name)
            xmlAddNextSibling(name, uuid);
        else
            xmlAddChild(domain, uuid);
    }
    if (request->title && !pv_xml_find_child(domain, "title")) {
        xmlNode *title = xmlNewDocNode(doc, NULL, BAD_CAST "title", NULL);
        xmlNode *name = pv_xml_find_child(domain, "name");

        if (name)
            xmlAddNextSibling(name, title);
        else
            xmlAddChild(domain, title);
    }
    if (request->title)
        pv_xml_set_child_text(domain, "title", request->title, FALSE);
    if (request->memory)
        pv_template_set_memory(domain, request->memory);
    if (request->vcpus) {
        g_autofree char *n = g_strdup_printf("%u", request->vcpus);
        xmlNode *vcpu = pv_xml_find_child(domain, "vcpu");
        xmlNode *after = pv_xml_find_child(domain, "currentMemory");

        if (!vcpu) {
            vcpu = xmlNewDocNode(doc, NULL, BAD_CAST "vcpu", NULL);
            if (after)
                xmlAddNextSibling(after, vcpu);
            else
                xmlAddChild(domain, vcpu);
        }
        pv_xml_set_text(vcpu, n);
    }
    pv_template_set_boot(domain, request);
    pv_template_set_firmware(domain, request);
    if (request->llcs)
        pv_template_set_topology(domain, request, pv_xml_attr_equal(domain, "type", "kvm"));
    if (request->perf)
        pv_template_set_perf(domain, request, pv_xml_attr_equal(domain, "type", "kvm"));
    else if (request->cpuset)
        pv_template_set_budget(domain, request->cpuset);
    if (request->nosharepages) {
        xmlNode *backing = pv_xml_ensure_child(domain, "memoryBacking", FALSE);

        pv_xml_ensure_child(backing, "nosharepages", FALSE);
    }

    devices = pv_xml_ensure_child(domain, "devices", FALSE);
    if (request->disk && !pv_template_add_disk(domain, devices, request, error)) {
        g_prefix_error(error, "%s: ", template_path);
        return NULL;
    }
    if (!pv_template_add_disks(devices, request, error) ||
        (request->seed && !pv_template_add_seed(domain, devices, request->seed, error))) {
        g_prefix_error(error, "%s: ", template_path);
        return NULL;
    }
    pv_template_add_nics(devices, request);
    if (request->console_log)
        pv_template_set_console(devices, request->console_log);
    pv_template_ensure_agent_channel(devices);
    if (request->run_id)
        pv_template_set_metadata(domain, request);

    result = pv_template_dump(doc, error);
    if (result && rendered_type)
        *rendered_type = type;
    return result;
}

/* The document as libvirt takes it, without the XML declaration. */
static char *
pv_template_dump(xmlDoc *doc, GError **error)
{
    xmlChar *out = NULL;
    int out_len = 0;
    char *result;

    xmlDocDumpFormatMemoryEnc(doc, &out, &out_len, "UTF-8", 1);
    if (!out) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_TEMPLATE, _("out of memory"));
        return NULL;
    }
    /* The XML declaration is noise for libvirt and for readers. */
    if (g_str_has_prefix((const char *)out, "<?xml")) {
        const char *body = strchr((const char *)out, '\n');

        result = g_strdup(body ? body + 1 : (const char *)out);
    } else {
        result = g_strdup((const char *)out);
    }
    xmlFree(out);
    return result;
}

/**
 * pv_template_restore_xml:
 * @saved_xml: the XML a state was saved with (virDomainSaveImageGetXMLDesc())
 * @request: its console_log, metadata fields, disk and seed; nothing else is used
 *
 * The XML to restore a saved state with: the saved domain as it was, with
 * this run's console log, metadata and disk overlay.  libvirt refuses any
 * change to the guest's devices, so nothing else changes.
 * Returns: (transfer full): the domain XML, or NULL with @error set
 */
char *
pv_template_restore_xml(const char *saved_xml, const PvDomainRequest *request, GError **error)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(saved_xml, strlen(saved_xml), "saved.xml", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    xmlNode *domain = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNode *devices;

    if (!domain || !pv_xml_is(domain, "domain")) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_LIBVIRT,
                            _("libvirt gave a saved domain description that is not domain "
                              "XML"));
        return NULL;
    }
    devices = pv_xml_ensure_child(domain, "devices", FALSE);
    if (request->disk) {
        xmlNode *disk;

        for (disk = devices->children; disk; disk = disk->next) {
            xmlNode *source;

            if (!pv_xml_is(disk, "disk") || !pv_xml_attr_equal(disk, "device", "disk") ||
                !(source = pv_xml_find_child(disk, "source")))
                continue;
            xmlSetProp(source, BAD_CAST "file", BAD_CAST request->disk);
            pv_xml_remove_children_named(disk, "backingStore");
            break;
        }
    }
    if (request->seed)
        pv_template_restore_seed(devices, request->seed);
    if (request->console_log)
        pv_template_set_console(devices, request->console_log);
    if (request->run_id)
        pv_template_set_metadata(domain, request);
    return pv_template_dump(doc, error);
}

/* The <interface> of @devices whose MAC is @mac, compared without case. */
static xmlNode *
pv_xml_find_interface(xmlNode *devices, const char *mac)
{
    xmlNode *iface;

    for (iface = devices ? devices->children : NULL; iface; iface = iface->next) {
        xmlNode *mac_node;
        g_autoptr(PvXmlString) address = NULL;

        if (!pv_xml_is(iface, "interface") || !(mac_node = pv_xml_find_child(iface, "mac")))
            continue;
        address = xmlGetProp(mac_node, BAD_CAST "address");
        if (address && g_ascii_strcasecmp((const char *)address, mac) == 0)
            return iface;
    }
    return NULL;
}

/**
 * pv_template_nic_link_xml:
 * @domain_xml: the running domain's XML (virDomainGetXMLDesc)
 *
 * The domain's own <interface> with MAC @mac, its link state set: what
 * virDomainUpdateDeviceFlags() takes to pull or plug the cable.  Starting
 * from the live definition keeps everything libvirt compares (model,
 * source, alias) as it is, so it works on a template's own NICs too.
 * Returns: (transfer full): the element, or NULL with @error set
 */
char *
pv_template_nic_link_xml(const char *domain_xml, const char *mac, gboolean up,
                         GError **error)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(domain_xml, strlen(domain_xml), "domain.xml", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    g_autoptr(xmlBuffer) buffer = NULL;
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNode *iface;
    xmlNode *link;

    if (!root || !pv_xml_is(root, "domain")) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_LIBVIRT,
                            _("libvirt gave a domain description that is not domain XML"));
        return NULL;
    }
    iface = pv_xml_find_interface(pv_xml_find_child(root, "devices"), mac);
    if (!iface) {
        g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT,
                    _("the domain has no network interface with MAC %s"), mac);
        return NULL;
    }
    link = pv_xml_find_child(iface, "link");
    if (!link)
        link = pv_xml_new_child(iface, "link", NULL);
    xmlSetProp(link, BAD_CAST "state", BAD_CAST(up ? "up" : "down"));
    buffer = xmlBufferCreate();
    if (xmlNodeDump(buffer, doc, iface, 0, 1) < 0)
        g_error("out of memory");
    return g_strdup((const char *)xmlBufferContent(buffer));
}

/**
 * pv_template_render_file:
 *
 * pv_template_render() on the contents of @template_path.
 * Returns: (transfer full): the domain XML, or NULL with @error set
 */
char *
pv_template_render_file(const char *template_path, const PvDomainRequest *request,
                        PvVirtType *rendered_type, GError **error)
{
    g_autofree char *xml = NULL;
    gsize len = 0;

    if (!g_file_get_contents(template_path, &xml, &len, error)) {
        g_prefix_error(error, _("cannot read template: "));
        return NULL;
    }
    return pv_template_render(xml, len, template_path, request, rendered_type, error);
}
