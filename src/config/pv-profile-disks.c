/*
 * pv-profile-disks.c: the disks a VM has beside its root disk, as a
 * profile's `disks` key writes them (a VM's `disks` option is read in
 * lua/pv-lua-disks.c into the same PvDiskSpec)
 *
 *     disks = 1G, file:data.qcow2, 2G:scsi
 *
 * Each item, separated by commas: SIZE[:BUS] for a blank qcow2 disk of that
 * size, or file:PATH[:BUS] for an overlay of an image of this machine
 * (relative to the provium.conf, never written); BUS is virtio (the
 * default) or scsi.  doc/guests.md, "Disks and their names", says how the
 * guest names them.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-config.h"
#include "pv-error.h"
#include "pv-units.h"

/**
 * pv_disk_spec_new:
 * @file: (nullable): copied
 *
 * Returns: (transfer full)
 */
PvDiskSpec *
pv_disk_spec_new(guint64 size, const char *file, PvDiskBus bus)
{
    PvDiskSpec *spec = g_new0(PvDiskSpec, 1);

    spec->size = size;
    spec->file = g_strdup(file);
    spec->bus = bus;
    return spec;
}

void
pv_disk_spec_free(PvDiskSpec *spec)
{
    if (!spec)
        return;
    g_free(spec->file);
    g_free(spec);
}

/**
 * pv_disk_specs_copy:
 * @specs: (nullable): of PvDiskSpec
 *
 * Returns: (transfer full) (nullable): a deep copy, NULL for NULL
 */
GPtrArray *
pv_disk_specs_copy(GPtrArray *specs)
{
    GPtrArray *copy;
    guint i;

    if (!specs)
        return NULL;
    copy = g_ptr_array_new_with_free_func((GDestroyNotify)pv_disk_spec_free);
    for (i = 0; i < specs->len; i++) {
        const PvDiskSpec *spec = specs->pdata[i];

        g_ptr_array_add(copy, pv_disk_spec_new(spec->size, spec->file, spec->bus));
    }
    return copy;
}

/* One item: SIZE[:BUS] or file:PATH[:BUS]. */
static PvDiskSpec *
pv_disk_spec_parse(const char *item, const char *config_dir, GError **error)
{
    g_autofree char *text = g_strstrip(g_strdup(item));
    const char *colon = strrchr(text, ':');
    PvDiskBus bus = PV_DISK_BUS_VIRTIO;
    g_autoptr(GError) local_error = NULL;
    guint64 size = 0;

    /* A last ":virtio" or ":scsi" is the bus; a size takes no other colon. */
    if (colon) {
        PvDiskBus parsed;

        if (pv_disk_bus_from_string(colon + 1, &parsed)) {
            bus = parsed;
            text[colon - text] = '\0';
            g_strstrip(text);
        } else if (!g_str_has_prefix(text, "file:")) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("'%s': '%s' is not a bus: give virtio or scsi"), item, colon + 1);
            return NULL;
        }
    }
    if (g_str_has_prefix(text, "file:")) {
        const char *path = text + strlen("file:");
        g_autofree char *resolved = NULL;

        if (!*path) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("'%s': give the image's path after file:"), item);
            return NULL;
        }
        resolved = pv_profile_resolve_path(config_dir, path);
        return pv_disk_spec_new(0, resolved, bus);
    }
    if (!pv_size_parse(text, &size, &local_error) || size == 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("'%s' is not a disk: give SIZE[:BUS] for a blank disk or file:PATH[:BUS] "
                      "for an image (as in 1G, file:data.qcow2, 2G:scsi)"), item);
        return NULL;
    }
    return pv_disk_spec_new(size, NULL, bus);
}

/**
 * pv_disk_specs_parse:
 * @value: a profile's `disks`: items separated by commas
 * @config_dir: relative paths are resolved against it
 *
 * Returns: (transfer full): of PvDiskSpec, in order (empty for an empty
 *   value), or NULL with @error set (the caller names the file and key)
 */
GPtrArray *
pv_disk_specs_parse(const char *value, const char *config_dir, GError **error)
{
    g_autoptr(GPtrArray) specs =
        g_ptr_array_new_with_free_func((GDestroyNotify)pv_disk_spec_free);
    g_auto(GStrv) items = g_strsplit(value, ",", -1);
    guint i;

    for (i = 0; items[i]; i++) {
        PvDiskSpec *spec;

        /* Nothing at all, or after a trailing comma: no disk. */
        if (!*g_strstrip(items[i]) && !items[i + 1])
            break;
        spec = pv_disk_spec_parse(items[i], config_dir, error);
        if (!spec)
            return NULL;
        g_ptr_array_add(specs, spec);
    }
    return g_steal_pointer(&specs);
}
