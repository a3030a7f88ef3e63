/*
 * pv-template-seed.c: a domain's cloud-init seed, a read-only CD-ROM
 *
 * The seed (net/pv-seed.c) is a CD-ROM, so that it takes none of the
 * virtio disk names (vda: the overlay, then a template's or a VM's other
 * disks): on IDE where the machine has it (pc: Debian's cloud kernel has
 * ata_piix and sr_mod), on SATA on q35 (the guest then needs AHCI).  Its
 * user alias names it in a saved state, where a restore points it at the
 * restored domain's own seed.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#define PV_TEMPLATE_PRIVATE
#include "pv-template-private.h"

#define PV_TEMPLATE_SEED_ALIAS "ua-provium-seed"

/* Whether the template's machine is a q35 (no IDE). */
static gboolean
pv_template_is_q35(xmlNode *domain)
{
    xmlNode *os = pv_xml_find_child(domain, "os");
    xmlNode *type = os ? pv_xml_find_child(os, "type") : NULL;
    g_autoptr(PvXmlString) machine = type ? xmlGetProp(type, BAD_CAST "machine") : NULL;

    return machine && strstr((const char *)machine, "q35");
}

/* hdc, hdd, hda, hdb (or sda...sdz): the first name no disk of the template has. */
static char *
pv_template_free_cdrom_target(xmlNode *devices, gboolean sata)
{
    static const char *const ide[] = { "hdc", "hdd", "hda", "hdb", NULL };
    guint i;

    for (i = 0; sata ? i < 26 : ide[i] != NULL; i++) {
        g_autofree char *name = sata ? g_strdup_printf("sd%c", 'a' + i) : g_strdup(ide[i]);
        gboolean used = FALSE;
        xmlNode *disk;

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

/**
 * pv_template_add_seed:
 * @seed: the seed's path on the host
 *
 * Adds the domain's cloud-init seed as a read-only CD-ROM.
 */
gboolean
pv_template_add_seed(xmlNode *domain, xmlNode *devices, const char *seed, GError **error)
{
    gboolean sata = pv_template_is_q35(domain);
    g_autofree char *target_dev = pv_template_free_cdrom_target(devices, sata);
    xmlNode *disk;
    xmlNode *node;

    if (!target_dev) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_TEMPLATE,
                            sata ? _("the template uses every SATA disk name (sda to sdz): "
                                     "no room for the cloud-init seed") :
                            _("the template uses every IDE disk name (hda to hdd): no room for "
                              "the cloud-init seed"));
        return FALSE;
    }
    disk = pv_template_new_file_disk(devices, "cdrom", "raw", seed, target_dev,
                                     sata ? "sata" : "ide");
    pv_xml_new_child(disk, "readonly", NULL);
    node = pv_xml_new_child(disk, "alias", NULL);
    xmlSetProp(node, BAD_CAST "name", BAD_CAST PV_TEMPLATE_SEED_ALIAS);
    return TRUE;
}

/**
 * pv_template_restore_seed:
 * @seed: the restored domain's own seed, on the host
 *
 * A saved domain's seed CD-ROM (the build's, gone with its run) is
 * pointed at @seed.  Returns: whether the saved domain had one
 */
gboolean
pv_template_restore_seed(xmlNode *devices, const char *seed)
{
    xmlNode *disk;

    for (disk = devices->children; disk; disk = disk->next) {
        xmlNode *alias;
        xmlNode *source;

        if (!pv_xml_is(disk, "disk") || !(alias = pv_xml_find_child(disk, "alias")) ||
            !pv_xml_attr_equal(alias, "name", PV_TEMPLATE_SEED_ALIAS))
            continue;
        source = pv_xml_find_child(disk, "source");
        if (!source)
            source = pv_xml_new_child(disk, "source", NULL);
        xmlSetProp(source, BAD_CAST "file", BAD_CAST seed);
        return TRUE;
    }
    return FALSE;
}
