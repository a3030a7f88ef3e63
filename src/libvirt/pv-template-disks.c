/*
 * pv-template-disks.c: a domain's disks beyond its root disk, and its
 * firmware
 *
 * A VM's `disks` (doc/guests.md, "Disks and their names") come after the
 * root disk (pv-template-parts.c), in the order given: a virtio disk takes
 * the first vdX name the domain does not use, a SCSI disk the first sdX, on
 * one virtio-scsi controller added for them (or the template's own).  Each
 * carries the serial "provium-diskN" (N its place in `disks`, from 1), so
 * the guest can find it by id too.  libvirt enumerates the virtio disks in
 * the order of their names, and the guest's kernel sees them in that order:
 * the names in the XML are the names in the guest.
 *
 * `firmware = efi` asks libvirt to pick UEFI firmware itself (<os
 * firmware='efi'>, from the firmware descriptors QEMU's packages install:
 * Debian's ovmf); the template's own <loader> (the default template's qboot)
 * and <nvram> go, and the domain's UEFI variables are kept where provium
 * says (its files on the host), not in libvirt's own directory, where a
 * transient domain's would stay behind.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#define PV_TEMPLATE_PRIVATE
#include "pv-template-private.h"

PV_ENUM_IMPL(pv_disk_bus, PvDiskBus, PV_DISK_BUS_LAST,
             "virtio", "scsi");

PV_ENUM_IMPL(pv_firmware, PvFirmware, PV_FIRMWARE_LAST,
             "bios", "efi");

/**
 * pv_template_set_firmware:
 *
 * With EFI: libvirt's firmware auto-selection, the template's loader and
 * NVRAM replaced by the request's NVRAM file.  BIOS leaves the template as
 * written.
 */
void
pv_template_set_firmware(xmlNode *domain, const PvDomainRequest *request)
{
    xmlNode *os;

    if (request->firmware != PV_FIRMWARE_EFI)
        return;
    os = pv_xml_ensure_child(domain, "os", FALSE);
    xmlSetProp(os, BAD_CAST "firmware", BAD_CAST "efi");
    pv_xml_remove_children_named(os, "loader");
    pv_xml_remove_children_named(os, "nvram");
    if (request->nvram)
        pv_xml_new_child(os, "nvram", request->nvram);
}

/* Whether a <disk> of @devices has target dev @name. */
static gboolean
pv_template_target_used(xmlNode *devices, const char *name)
{
    xmlNode *disk;

    for (disk = devices->children; disk; disk = disk->next) {
        xmlNode *target;

        if (pv_xml_is(disk, "disk") && (target = pv_xml_find_child(disk, "target")) &&
            pv_xml_attr_equal(target, "dev", name))
            return TRUE;
    }
    return FALSE;
}

/* The first name @prefix + a letter the domain does not use, and its letter's index. */
static char *
pv_template_free_target(xmlNode *devices, const char *prefix, guint *index)
{
    char letter;

    for (letter = 'a'; letter <= 'z'; letter++) {
        g_autofree char *name = g_strdup_printf("%s%c", prefix, letter);

        if (!pv_template_target_used(devices, name)) {
            *index = letter - 'a';
            return g_steal_pointer(&name);
        }
    }
    return NULL;
}

/* The virtio-scsi controller SCSI disks go on: the template's, or a new one. */
static char *
pv_template_scsi_controller(xmlNode *devices)
{
    xmlNode *child;
    xmlNode *last = NULL;
    guint64 next = 0;
    g_autofree char *index = NULL;

    for (child = devices->children; child; child = child->next) {
        g_autoptr(PvXmlString) value = NULL;
        guint64 n;

        if (!pv_xml_is(child, "controller") || !pv_xml_attr_equal(child, "type", "scsi"))
            continue;
        value = xmlGetProp(child, BAD_CAST "index");
        n = value ? g_ascii_strtoull((const char *)value, NULL, 10) : 0;
        if (pv_xml_attr_equal(child, "model", "virtio-scsi"))
            return g_strdup_printf("%" G_GUINT64_FORMAT, n);
        next = MAX(next, n + 1);
        last = child;
    }
    index = g_strdup_printf("%" G_GUINT64_FORMAT, next);
    child = xmlNewDocNode(devices->doc, NULL, BAD_CAST "controller", NULL);
    if (last)
        xmlAddNextSibling(last, child);
    else
        xmlAddChild(devices, child);
    xmlSetProp(child, BAD_CAST "type", BAD_CAST "scsi");
    xmlSetProp(child, BAD_CAST "index", BAD_CAST index);
    xmlSetProp(child, BAD_CAST "model", BAD_CAST "virtio-scsi");
    return g_steal_pointer(&index);
}

/**
 * pv_template_add_disks:
 *
 * The request's disks after the root disk, each a qcow2 file: virtio ones
 * named vdX, SCSI ones sdX on one virtio-scsi controller.
 */
gboolean
pv_template_add_disks(xmlNode *devices, const PvDomainRequest *request, GError **error)
{
    g_autofree char *controller = NULL;
    guint i;

    for (i = 0; i < request->n_disks; i++) {
        const PvDomainDisk *spec = &request->disks[i];
        gboolean scsi = spec->bus == PV_DISK_BUS_SCSI;
        guint unit = 0;
        g_autofree char *target = pv_template_free_target(devices, scsi ? "sd" : "vd", &unit);
        g_autofree char *serial = g_strdup_printf("provium-disk%u", i + 1);
        xmlNode *disk;
        xmlNode *node;

        if (!target) {
            g_set_error(error, PV_ERROR, PV_ERROR_TEMPLATE,
                        _("disks: disk %u finds every %s disk name taken (%sa to %sz)"), i + 1,
                        pv_disk_bus_to_string(spec->bus), scsi ? "sd" : "vd",
                        scsi ? "sd" : "vd");
            return FALSE;
        }
        if (scsi && !controller)
            controller = pv_template_scsi_controller(devices);
        disk = pv_template_new_file_disk(devices, "disk", "qcow2", spec->path, target,
                                         scsi ? "scsi" : "virtio");
        pv_xml_new_child(disk, "serial", serial);
        if (scsi) {
            g_autofree char *unit_text = g_strdup_printf("%u", unit);

            node = pv_xml_new_child(disk, "address", NULL);
            xmlSetProp(node, BAD_CAST "type", BAD_CAST "drive");
            xmlSetProp(node, BAD_CAST "controller", BAD_CAST controller);
            xmlSetProp(node, BAD_CAST "bus", BAD_CAST "0");
            xmlSetProp(node, BAD_CAST "target", BAD_CAST "0");
            xmlSetProp(node, BAD_CAST "unit", BAD_CAST unit_text);
        }
    }
    return TRUE;
}
