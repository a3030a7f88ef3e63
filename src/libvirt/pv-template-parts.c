/*
 * pv-template-parts.c: the elements provium owns in a domain's XML
 *
 * Each function sets one part of a parsed domain (pv-template.c parses and
 * writes the document): its memory and boot, the overlay disk, the NICs on
 * provium's networks, the logged serial console, the agent channel,
 * provium's metadata, the guest's LLC topology, the pinning of performance
 * mode and the CPU set of budgeted mode.  Values only ever reach the
 * document through libxml2's tree API, which escapes them.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-domain-lease.h"
#include "pv-error.h"
#define PV_TEMPLATE_PRIVATE
#include "pv-template-private.h"
#include "pv-text.h"

gboolean
pv_xml_is(xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
        xmlStrEqual(node->name, BAD_CAST name);
}

xmlNode *
pv_xml_find_child(xmlNode *parent, const char *name)
{
    xmlNode *child;

    for (child = parent->children; child; child = child->next) {
        if (pv_xml_is(child, name))
            return child;
    }
    return NULL;
}

void
pv_xml_remove_children_named(xmlNode *parent, const char *name)
{
    xmlNode *child = parent->children;

    while (child) {
        xmlNode *next = child->next;

        if (pv_xml_is(child, name)) {
            xmlUnlinkNode(child);
            xmlFreeNode(child);
        }
        child = next;
    }
}

/* Replaces the text of @node with @text, taken literally (no entities). */
void
pv_xml_set_text(xmlNode *node, const char *text)
{
    xmlNode *child = node->children;

    while (child) {
        xmlNode *next = child->next;

        xmlUnlinkNode(child);
        xmlFreeNode(child);
        child = next;
    }
    xmlAddChild(node, xmlNewDocText(node->doc, BAD_CAST text));
}

xmlNode *
pv_xml_new_child(xmlNode *parent, const char *name, const char *text)
{
    xmlNode *node = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);

    if (text)
        xmlAddChild(node, xmlNewDocText(parent->doc, BAD_CAST text));
    return xmlAddChild(parent, node);
}

/* The first child named @name, created (first or last) when missing. */
xmlNode *
pv_xml_ensure_child(xmlNode *parent, const char *name, gboolean first)
{
    xmlNode *node = pv_xml_find_child(parent, name);

    if (node)
        return node;
    node = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);
    if (first && parent->children)
        return xmlAddPrevSibling(parent->children, node);
    return xmlAddChild(parent, node);
}

xmlNode *
pv_xml_set_child_text(xmlNode *parent, const char *name, const char *text, gboolean first)
{
    xmlNode *node = pv_xml_ensure_child(parent, name, first);

    pv_xml_set_text(node, text);
    return node;
}

gboolean
pv_xml_attr_equal(xmlNode *node, const char *attr, const char *value)
{
    g_autoptr(PvXmlString) got = xmlGetProp(node, BAD_CAST attr);

    return got && xmlStrEqual(got, BAD_CAST value);
}

void
pv_template_set_memory(xmlNode *domain, guint64 bytes)
{
    g_autofree char *kib = g_strdup_printf("%" G_GUINT64_FORMAT, bytes / 1024);
    xmlNode *memory = pv_xml_set_child_text(domain, "memory", kib, FALSE);
    xmlNode *current;

    xmlSetProp(memory, BAD_CAST "unit", BAD_CAST "KiB");
    current = pv_xml_find_child(domain, "currentMemory");
    if (!current) {
        current = xmlNewDocNode(domain->doc, NULL, BAD_CAST "currentMemory", NULL);
        xmlAddNextSibling(memory, current);
    }
    pv_xml_set_text(current, kib);
    xmlSetProp(current, BAD_CAST "unit", BAD_CAST "KiB");
}

void
pv_template_set_boot(xmlNode *domain, const PvDomainRequest *request)
{
    xmlNode *os = pv_xml_ensure_child(domain, "os", FALSE);
    const struct {
        const char *element;
        const char *value;
    } boot[] = {
        { "kernel", request->kernel },
        { "initrd", request->initrd },
        { "cmdline", request->cmdline },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(boot); i++) {
        if (!boot[i].value)
            continue;
        pv_xml_remove_children_named(os, boot[i].element);
        pv_xml_new_child(os, boot[i].element, boot[i].value);
    }
}

/* vda, vdb, ...: the first virtio disk name the template does not use. */
static char *
pv_template_free_disk_target(xmlNode *devices)
{
    xmlNode *disk;
    char letter;

    for (letter = 'a'; letter <= 'z'; letter++) {
        g_autofree char *name = g_strdup_printf("vd%c", letter);
        gboolean used = FALSE;

        for (disk = devices->children; disk && !used; disk = disk->next) {
            xmlNode *target;

            if (!pv_xml_is(disk, "disk"))
                continue;
            target = pv_xml_find_child(disk, "target");
            used = target && pv_xml_attr_equal(target, "dev", name);
        }
        if (!used)
            return g_steal_pointer(&name);
    }
    return NULL;
}

/*
 * qboot (the default template's firmware) starts a kernel given directly and
 * nothing else: a disk's own bootloader would never run, and the boot would
 * only time out.
 */
static gboolean
pv_template_firmware_boots_disks(xmlNode *os, GError **error)
{
    xmlNode *loader = pv_xml_find_child(os, "loader");
    g_autoptr(PvXmlString) firmware = loader ? xmlNodeGetContent(loader) : NULL;

    if (firmware && g_str_has_suffix(g_strstrip((char *)firmware), "/qboot.rom")) {
        g_set_error(error, PV_ERROR, PV_ERROR_TEMPLATE,
                    _("the template's firmware %s starts only a kernel given directly, not a "
                      "disk's own bootloader: give the profile a kernel, or use template = full"),
                    (const char *)firmware);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_template_new_file_disk:
 * @device: "disk" or "cdrom"
 * @format: the driver's type: "qcow2", "raw"
 * @path: the file on the host
 * @target_dev: "vdb", "sda", "hdc"
 * @bus: "virtio", "scsi", "sata", "ide"
 *
 * Adds a file-backed <disk> with its driver, source and target: what every
 * disk provium adds has.  Returns: (transfer none): the new <disk>
 */
xmlNode *
pv_template_new_file_disk(xmlNode *devices, const char *device, const char *format,
                          const char *path, const char *target_dev, const char *bus)
{
    xmlNode *disk = pv_xml_new_child(devices, "disk", NULL);
    xmlNode *node;

    xmlSetProp(disk, BAD_CAST "type", BAD_CAST "file");
    xmlSetProp(disk, BAD_CAST "device", BAD_CAST device);
    node = pv_xml_new_child(disk, "driver", NULL);
    xmlSetProp(node, BAD_CAST "name", BAD_CAST "qemu");
    xmlSetProp(node, BAD_CAST "type", BAD_CAST format);
    node = pv_xml_new_child(disk, "source", NULL);
    xmlSetProp(node, BAD_CAST "file", BAD_CAST path);
    node = pv_xml_new_child(disk, "target", NULL);
    xmlSetProp(node, BAD_CAST "dev", BAD_CAST target_dev);
    xmlSetProp(node, BAD_CAST "bus", BAD_CAST bus);
    return disk;
}

gboolean
pv_template_add_disk(xmlNode *domain, xmlNode *devices, const PvDomainRequest *request,
                     GError **error)
{
    g_autofree char *target_dev = pv_template_free_disk_target(devices);
    xmlNode *node;
    xmlNode *os;

    if (!target_dev) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_TEMPLATE,
                            _("the template uses every virtio disk name (vda to vdz)"));
        return FALSE;
    }
    pv_template_new_file_disk(devices, "disk", "qcow2", request->disk, target_dev, "virtio");

    /* Without a kernel the disk is what boots, unless the template says. */
    os = pv_xml_ensure_child(domain, "os", FALSE);
    if (!request->kernel && !pv_xml_find_child(os, "kernel") &&
        !pv_template_firmware_boots_disks(os, error))
        return FALSE;
    if (!request->kernel && !pv_xml_find_child(os, "kernel") && !pv_xml_find_child(os, "boot")) {
        node = pv_xml_new_child(os, "boot", NULL);
        xmlSetProp(node, BAD_CAST "dev", BAD_CAST "hd");
    }
    return TRUE;
}

void
pv_template_set_console(xmlNode *devices, const char *log_path)
{
    xmlNode *serial = pv_xml_find_child(devices, "serial");
    xmlNode *node;

    if (!serial) {
        serial = pv_xml_new_child(devices, "serial", NULL);
        xmlSetProp(serial, BAD_CAST "type", BAD_CAST "pty");
        node = pv_xml_new_child(serial, "target", NULL);
        xmlSetProp(node, BAD_CAST "port", BAD_CAST "0");
        if (!pv_xml_find_child(devices, "console")) {
            xmlNode *console = pv_xml_new_child(devices, "console", NULL);

            xmlSetProp(console, BAD_CAST "type", BAD_CAST "pty");
            node = pv_xml_new_child(console, "target", NULL);
            xmlSetProp(node, BAD_CAST "type", BAD_CAST "serial");
            xmlSetProp(node, BAD_CAST "port", BAD_CAST "0");
        }
    }
    pv_xml_remove_children_named(serial, "log");
    node = xmlNewDocNode(serial->doc, NULL, BAD_CAST "log", NULL);
    xmlSetProp(node, BAD_CAST "file", BAD_CAST log_path);
    xmlSetProp(node, BAD_CAST "append", BAD_CAST "off");
    if (serial->children)
        xmlAddPrevSibling(serial->children, node);
    else
        xmlAddChild(serial, node);
}

void
pv_template_ensure_agent_channel(xmlNode *devices)
{
    xmlNode *channel;
    xmlNode *target;

    for (channel = devices->children; channel; channel = channel->next) {
        if (!pv_xml_is(channel, "channel"))
            continue;
        target = pv_xml_find_child(channel, "target");
        if (target && pv_xml_attr_equal(target, "name", PV_AGENT_CHANNEL))
            return;
    }
    channel = pv_xml_new_child(devices, "channel", NULL);
    xmlSetProp(channel, BAD_CAST "type", BAD_CAST "unix");
    target = pv_xml_new_child(channel, "target", NULL);
    xmlSetProp(target, BAD_CAST "type", BAD_CAST "virtio");
    xmlSetProp(target, BAD_CAST "name", BAD_CAST PV_AGENT_CHANNEL);
}

/* The lease the run renews (pv-domain-lease.c), as it stands when the domain is made. */
static void
pv_template_set_lease(xmlNode *metadata, const PvOwner *owner)
{
    g_autofree char *renewed = NULL;
    g_autofree char *expires = NULL;
    xmlNode *lease;

    if (!owner || owner->expires <= 0)
        return;
    renewed = g_strdup_printf("%" G_GINT64_FORMAT, owner->renewed);
    expires = g_strdup_printf("%" G_GINT64_FORMAT, owner->expires);
    lease = xmlNewDocNode(metadata->doc, NULL, BAD_CAST "lease", NULL);
    xmlSetNs(lease, xmlNewNs(lease, BAD_CAST PV_LEASE_URI, BAD_CAST PV_LEASE_PREFIX));
    xmlSetProp(lease, BAD_CAST "renewed", BAD_CAST renewed);
    xmlSetProp(lease, BAD_CAST "expires", BAD_CAST expires);
    xmlAddChild(metadata, lease);
}

void
pv_template_set_metadata(xmlNode *domain, const PvDomainRequest *request)
{
    xmlNode *metadata = pv_xml_ensure_child(domain, "metadata", FALSE);
    xmlNode *instance;
    xmlNode *child;
    xmlNs *ns;
    g_autofree char *pid = g_strdup_printf("%" G_GINT64_FORMAT, request->pid);
    const PvOwner *owner = request->owner;
    g_autofree char *pid_start = owner && owner->pid_start ?
        g_strdup_printf("%" G_GUINT64_FORMAT, owner->pid_start) : NULL;
    const struct {
        const char *element;
        const char *value;
    } fields[] = {
        { "run", request->run_id },
        { "prefix", request->prefix },
        { "file", request->file },
        { "vm", request->vm },
        { "host", request->host },
        { "pid", pid },
        { "machine", owner ? owner->machine : NULL },
        { "boot", owner ? owner->boot : NULL },
        { "pid_start", pid_start },
    };
    gsize i;

    /* A template copied from a provium domain may carry an old instance and lease. */
    child = metadata->children;
    while (child) {
        xmlNode *next = child->next;

        if (child->ns && (xmlStrEqual(child->ns->href, BAD_CAST PV_METADATA_URI) ||
                          xmlStrEqual(child->ns->href, BAD_CAST PV_LEASE_URI))) {
            xmlUnlinkNode(child);
            xmlFreeNode(child);
        }
        child = next;
    }

    instance = xmlNewDocNode(domain->doc, NULL, BAD_CAST "instance", NULL);
    ns = xmlNewNs(instance, BAD_CAST PV_METADATA_URI, BAD_CAST PV_METADATA_PREFIX);
    xmlSetNs(instance, ns);
    xmlAddChild(metadata, instance);
    for (i = 0; i < G_N_ELEMENTS(fields); i++) {
        g_autofree char *text = NULL;

        if (!fields[i].value)
            continue;
        /*
         * A VM's or a file's name may hold control characters, which XML 1.0
         * cannot carry even as references: libvirt would refuse the domain.
         */
        text = pv_text_sanitize(fields[i].value, -1);
        child = xmlNewDocNode(domain->doc, ns, BAD_CAST fields[i].element, NULL);
        xmlAddChild(child, xmlNewDocText(domain->doc, BAD_CAST text));
        xmlAddChild(instance, child);
    }
    pv_template_set_lease(metadata, owner);
}

/* The first child named @name, placed right after @after when created. */
static xmlNode *
pv_xml_ensure_child_after(xmlNode *parent, const char *name, const char *after)
{
    xmlNode *node = pv_xml_find_child(parent, name);
    xmlNode *anchor;

    if (node)
        return node;
    node = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);
    anchor = pv_xml_find_child(parent, after);
    if (anchor)
        return xmlAddNextSibling(anchor, node);
    return xmlAddChild(parent, node);
}

static void
pv_xml_set_props(xmlNode *node, const char *const *props)
{
    gsize i;

    for (i = 0; props[i]; i += 2)
        xmlSetProp(node, BAD_CAST props[i], BAD_CAST props[i + 1]);
}

static xmlNode *
pv_xml_new_child_props(xmlNode *parent, const char *name, const char *const *props)
{
    xmlNode *node = pv_xml_new_child(parent, name, NULL);

    pv_xml_set_props(node, props);
    return node;
}

/*
 * One <interface> per NIC asked for, after the template's own (kept as
 * written, so a template's NIC stays the guest's first), each with its link
 * state set so a later update can pull the cable.
 */
void
pv_template_add_nics(xmlNode *devices, const PvDomainRequest *request)
{
    xmlNode *last = NULL;
    xmlNode *child;
    guint i;

    for (child = devices->children; child; child = child->next) {
        if (pv_xml_is(child, "interface"))
            last = child;
    }
    for (i = 0; i < request->n_nics; i++) {
        const PvDomainNic *nic = &request->nics[i];
        xmlNode *iface = xmlNewDocNode(devices->doc, NULL, BAD_CAST "interface", NULL);
        const char *const mac[] = { "address", nic->mac, NULL };
        const char *const source[] = { "network", nic->network, NULL };
        const char *const model[] = { "type", "virtio", NULL };
        const char *const link[] = { "state", nic->link_down ? "down" : "up", NULL };

        xmlSetProp(iface, BAD_CAST "type", BAD_CAST "network");
        if (last)
            last = xmlAddNextSibling(last, iface);
        else
            last = xmlAddChild(devices, iface);
        pv_xml_new_child_props(iface, "mac", mac);
        pv_xml_new_child_props(iface, "source", source);
        pv_xml_new_child_props(iface, "model", model);
        pv_xml_new_child_props(iface, "link", link);
    }
}

/* <cpu><topology>: the guest sees llcs sockets, each its own LLC. */
void
pv_template_set_topology(xmlNode *domain, const PvDomainRequest *request, gboolean kvm)
{
    xmlNode *cpu = pv_xml_ensure_child(domain, "cpu", FALSE);
    g_autofree char *sockets = g_strdup_printf("%u", request->llcs);
    g_autofree char *cores = g_strdup_printf("%u", request->cores);
    g_autofree char *threads = g_strdup_printf("%u", request->threads);
    const char *const props[] = {
        "sockets", sockets, "dies", "1", "cores", cores, "threads", threads, NULL,
    };

    if (request->perf && kvm) {
        xmlUnsetProp(cpu, BAD_CAST "match");
        xmlSetProp(cpu, BAD_CAST "mode", BAD_CAST "host-passthrough");
        pv_xml_remove_children_named(cpu, "model");
    }
    pv_xml_remove_children_named(cpu, "topology");
    pv_xml_new_child_props(cpu, "topology", props);
}

void
pv_template_set_perf(xmlNode *domain, const PvDomainRequest *request, gboolean kvm)
{
    const PvPerfPlan *plan = request->perf;
    xmlNode *cputune;
    xmlNode *numatune;
    xmlNode *node;
    g_autofree char *emulator = g_strdup_printf("%u", plan->emulator_cpu);
    g_autofree char *last = g_strdup_printf("%u", plan->nvcpus - 1);
    g_autofree char *vcpus = plan->nvcpus > 1 ? g_strdup_printf("0-%s", last) : g_strdup("0");
    guint i;

    pv_xml_remove_children_named(domain, "cputune");
    cputune = pv_xml_ensure_child_after(domain, "cputune", "vcpu");
    for (i = 0; i < plan->nvcpus; i++) {
        g_autofree char *vcpu = g_strdup_printf("%u", i);
        g_autofree char *cpuset = g_strdup_printf("%u", plan->vcpu_cpus[i]);
        const char *const props[] = { "vcpu", vcpu, "cpuset", cpuset, NULL };

        pv_xml_new_child_props(cputune, "vcpupin", props);
    }
    {
        const char *const props[] = { "cpuset", emulator, NULL };

        pv_xml_new_child_props(cputune, "emulatorpin", props);
    }
    if (request->realtime) {
        const char *const vcpu_props[] = {
            "vcpus", vcpus, "scheduler", "fifo", "priority", "1", NULL,
        };
        const char *const emulator_props[] = { "scheduler", "fifo", "priority", "2", NULL };

        pv_xml_new_child_props(cputune, "vcpusched", vcpu_props);
        pv_xml_new_child_props(cputune, "emulatorsched", emulator_props);
    }

    pv_xml_remove_children_named(domain, "numatune");
    numatune = pv_xml_ensure_child_after(domain, "numatune", "cputune");
    {
        const char *const props[] = { "mode", "strict", "nodeset", plan->nodeset, NULL };

        pv_xml_new_child_props(numatune, "memory", props);
    }

    if (plan->hugepages) {
        xmlNode *backing = pv_xml_ensure_child(domain, "memoryBacking", FALSE);
        const char *const props[] = { "size", "2048", "unit", "KiB", NULL };

        pv_xml_remove_children_named(backing, "hugepages");
        node = pv_xml_new_child(backing, "hugepages", NULL);
        pv_xml_new_child_props(node, "page", props);
    }

    if (kvm) {
        /* KVM_HINTS_REALTIME, and let the guest turn off host halt polling. */
        xmlNode *features = pv_xml_ensure_child(domain, "features", FALSE);
        xmlNode *hints = pv_xml_ensure_child(features, "kvm", FALSE);
        const char *const on[] = { "state", "on", NULL };

        pv_xml_remove_children_named(hints, "hint-dedicated");
        pv_xml_remove_children_named(hints, "poll-control");
        pv_xml_new_child_props(hints, "hint-dedicated", on);
        pv_xml_new_child_props(hints, "poll-control", on);
    }
}

void
pv_template_set_budget(xmlNode *domain, const char *cpuset)
{
    xmlNode *vcpu = pv_xml_ensure_child(domain, "vcpu", FALSE);
    xmlNode *cputune = pv_xml_ensure_child_after(domain, "cputune", "vcpu");
    const char *const props[] = { "cpuset", cpuset, NULL };

    xmlSetProp(vcpu, BAD_CAST "cpuset", BAD_CAST cpuset);
    pv_xml_remove_children_named(cputune, "emulatorpin");
    pv_xml_new_child_props(cputune, "emulatorpin", props);
}
