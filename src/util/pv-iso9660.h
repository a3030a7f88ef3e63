/*
 * pv-iso9660.h: a small ISO 9660 image of a few files, made in memory
 */
#pragma once

#include <glib.h>

#define PV_ISO9660_SECTOR 2048

/**
 * PvIsoFile:
 *
 * One file of the image's root directory: its name as Rock Ridge gives it
 * ("meta-data"), and its bytes.
 */
typedef struct {
    const char *name;
    GBytes *contents;
} PvIsoFile;

GBytes *pv_iso9660_build(const char *volume_id, const PvIsoFile *files, guint n_files,
                         gint64 mtime);
