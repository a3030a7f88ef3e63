/*
 * pv-storage-pool.h: a libvirt storage pool and its volumes
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/* The pool provium keeps on a host whose files are not this machine's. */
#define PV_STORAGE_POOL_NAME "provium"
#define PV_STORAGE_POOL_DIR "/var/lib/libvirt/images/provium"

/**
 * PvStorageVolSpec:
 *
 * A volume to create: what pv_storage_vol_xml() describes.
 */
typedef struct {
    const char *name;
    const char *format;          /* "raw", "qcow2" */
    const char *mode;            /* octal, e.g. "0644"; NULL: libvirt's */
    const char *backing;         /* nullable: a path on the host */
    const char *backing_format;  /* nullable: libvirt probes the backing file */
    guint64 capacity;            /* bytes, for a blank disk; 0: the backing file's, or
                                  * empty until uploaded to */
} PvStorageVolSpec;

typedef struct _PvStoragePool PvStoragePool;

char *pv_storage_pool_xml(const char *name, const char *dir);
char *pv_storage_vol_xml(const PvStorageVolSpec *spec);

PvStoragePool *pv_storage_pool_open(virConnect *conn, const char *name, const char *dir,
                                    gboolean create, GError **error);
void pv_storage_pool_free(PvStoragePool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvStoragePool, pv_storage_pool_free)

const char *pv_storage_pool_peek_name(PvStoragePool *pool);
char *pv_storage_pool_get_uuid(PvStoragePool *pool, GError **error);
char *pv_storage_pool_get_dir(PvStoragePool *pool, GError **error);
char *pv_storage_pool_find_vol(PvStoragePool *pool, const char *name, guint64 *physical);
char *pv_storage_pool_create_vol(PvStoragePool *pool, const PvStorageVolSpec *spec,
                                 GError **error);
gboolean pv_storage_pool_delete_vol(PvStoragePool *pool, const char *name, GError **error);
void pv_storage_pool_refresh(PvStoragePool *pool);
char **pv_storage_pool_list_vols(PvStoragePool *pool, GError **error);
gboolean pv_storage_pool_upload(PvStoragePool *pool, const char *name, int fd, guint64 size,
                                GError **error);
gboolean pv_storage_pool_download(PvStoragePool *pool, const char *name, guint64 offset,
                                  int fd, guint64 *got, GError **error);

char *pv_storage_vol_lookup_path(virConnect *conn, const char *pool, const char *name,
                                 char **format, GError **error);
