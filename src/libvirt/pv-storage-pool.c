/*
 * pv-storage-pool.c: a libvirt storage pool and its volumes
 *
 * The `dir` pool provium keeps on a host that does not share this
 * machine's files (host/pv-host-storage-pool.c says what goes in it):
 * opened by name, defined, built, started and marked autostart on first
 * use, so that `virsh pool-list` on the host says whose it is.  Its
 * volumes are files under the pool's directory: a domain's XML names them
 * by path, as it names any file.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-libvirt.h"
#include "pv-storage-pool.h"
#include "pv-stream-vol.h"

struct _PvStoragePool {
    virConnect *conn;        /* borrowed: the host's, which outlives the pool */
    virStoragePool *pool;
    char *name;
};

/**
 * pv_storage_pool_xml:
 *
 * A `dir` pool @name in directory @dir, which QEMU's user may traverse.
 * Returns: (transfer full): its XML
 */
char *
pv_storage_pool_xml(const char *name, const char *dir)
{
    return g_markup_printf_escaped("<pool type='dir'>\n"
                                   "  <name>%s</name>\n"
                                   "  <target>\n"
                                   "    <path>%s</path>\n"
                                   "    <permissions><mode>0711</mode></permissions>\n"
                                   "  </target>\n"
                                   "</pool>\n", name, dir);
}

/**
 * pv_storage_vol_xml:
 *
 * A file volume of @spec: empty (an upload fills it), or with a backing
 * store, a qcow2 overlay as big as its backing file.
 * Returns: (transfer full): its XML
 */
char *
pv_storage_vol_xml(const PvStorageVolSpec *spec)
{
    g_autoptr(GString) xml = g_string_new("<volume type='file'>\n");
    g_autofree char *name = g_markup_escape_text(spec->name, -1);

    g_string_append_printf(xml, "  <name>%s</name>\n", name);
    /* 0: as big as the backing file, or empty until uploaded to */
    g_string_append_printf(xml, "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n",
                           spec->capacity);
    g_string_append(xml, "  <target>\n");
    g_string_append_printf(xml, "    <format type='%s'/>\n", spec->format);
    if (spec->mode)
        g_string_append_printf(xml, "    <permissions><mode>%s</mode></permissions>\n",
                               spec->mode);
    g_string_append(xml, "  </target>\n");
    if (spec->backing) {
        g_autofree char *backing = g_markup_escape_text(spec->backing, -1);

        g_string_append(xml, "  <backingStore>\n");
        g_string_append_printf(xml, "    <path>%s</path>\n", backing);
        if (spec->backing_format)
            g_string_append_printf(xml, "    <format type='%s'/>\n", spec->backing_format);
        g_string_append(xml, "  </backingStore>\n");
    }
    g_string_append(xml, "</volume>\n");
    return g_string_free(g_steal_pointer(&xml), FALSE);
}

/* Defines, builds and starts pool @name; someone else may just have. */
static virStoragePool *
pv_storage_pool_define(virConnect *conn, const char *name, const char *dir, GError **error)
{
    g_autofree char *xml = pv_storage_pool_xml(name, dir);
    virStoragePool *pool = virStoragePoolDefineXML(conn, xml, 0);

    if (!pool) {
        g_autoptr(GError) define_error = NULL;

        pv_libvirt_set_error(&define_error, _("cannot define the storage pool '%s' in %s"),
                             name, dir);
        /* Another run defined it at the same time. */
        pool = virStoragePoolLookupByName(conn, name);
        if (!pool)
            g_propagate_error(error, g_steal_pointer(&define_error));
        return pool;
    }
    if (virStoragePoolBuild(pool, 0) < 0) {
        pv_libvirt_set_error(error, _("cannot make the storage pool '%s''s directory %s"),
                             name, dir);
        virStoragePoolUndefine(pool);
        virStoragePoolFree(pool);
        return NULL;
    }
    virStoragePoolSetAutostart(pool, 1);
    return pool;
}

/**
 * pv_storage_pool_open:
 * @name: the pool's name on the host
 * @dir: its directory there, if it is to be made
 * @create: whether to define it when the host has none of that name (and
 *   start it when it is not running)
 *
 * Returns: (transfer full): the pool, running; NULL with @error set, or
 *   without one when there is none and !@create
 */
PvStoragePool *
pv_storage_pool_open(virConnect *conn, const char *name, const char *dir, gboolean create,
                     GError **error)
{
    g_autoptr(PvStoragePool) pool = g_new0(PvStoragePool, 1);
    int active;

    pool->conn = conn;
    pool->name = g_strdup(name);
    pool->pool = virStoragePoolLookupByName(conn, name);
    if (!pool->pool) {
        virResetLastError();
        if (!create)
            return NULL;
        pool->pool = pv_storage_pool_define(conn, name, dir, error);
        if (!pool->pool)
            return NULL;
    }
    active = virStoragePoolIsActive(pool->pool);
    if (active == 0 && !create)
        return NULL;
    if (active == 0 && virStoragePoolCreate(pool->pool, 0) < 0 &&
        virStoragePoolIsActive(pool->pool) != 1) {
        pv_libvirt_set_error(error, _("cannot start the storage pool '%s'"), name);
        return NULL;
    }
    if (active < 0) {
        pv_libvirt_set_error(error, _("cannot read the storage pool '%s'"), name);
        return NULL;
    }
    return g_steal_pointer(&pool);
}

void
pv_storage_pool_free(PvStoragePool *pool)
{
    if (!pool)
        return;
    if (pool->pool)
        virStoragePoolFree(pool->pool);
    g_free(pool->name);
    g_free(pool);
}

const char *
pv_storage_pool_peek_name(PvStoragePool *pool)
{
    return pool->name;
}

/**
 * pv_storage_pool_find_vol:
 * @physical: (out) (optional): the size of its file on the host
 *
 * Returns: (transfer full) (nullable): the path of volume @name on the
 *   host, or NULL when there is none
 */
char *
pv_storage_pool_find_vol(PvStoragePool *pool, const char *name, guint64 *physical)
{
    virStorageVol *vol = virStorageVolLookupByName(pool->pool, name);
    virStorageVolInfo info;
    char *path;

    if (!vol) {
        virResetLastError();
        return NULL;
    }
    path = virStorageVolGetPath(vol);
    if (physical) {
        /* PHYSICAL: the file's size in .allocation, not the disk's */
        if (virStorageVolGetInfoFlags(vol, &info, VIR_STORAGE_VOL_GET_PHYSICAL) == 0) {
            *physical = info.allocation;
        } else {
            *physical = 0;
            virResetLastError();
        }
    }
    virStorageVolFree(vol);
    if (!path)
        virResetLastError();
    return path;
}

/**
 * pv_storage_pool_create_vol:
 *
 * Returns: (transfer full): the new volume's path on the host, or NULL with
 *   @error set (one of that name exists already, among others)
 */
char *
pv_storage_pool_create_vol(PvStoragePool *pool, const PvStorageVolSpec *spec, GError **error)
{
    g_autofree char *xml = pv_storage_vol_xml(spec);
    virStorageVol *vol = virStorageVolCreateXML(pool->pool, xml, 0);
    char *path;

    if (!vol) {
        pv_libvirt_set_error(error, _("cannot create the volume '%s' in the storage pool '%s'"),
                             spec->name, pool->name);
        return NULL;
    }
    path = virStorageVolGetPath(vol);
    if (!path)
        pv_libvirt_set_error(error, _("cannot read the volume '%s' in the storage pool '%s'"),
                             spec->name, pool->name);
    virStorageVolFree(vol);
    return path;
}

/**
 * pv_storage_pool_delete_vol:
 *
 * Deletes volume @name; one that is not there is no error.
 */
gboolean
pv_storage_pool_delete_vol(PvStoragePool *pool, const char *name, GError **error)
{
    virStorageVol *vol = virStorageVolLookupByName(pool->pool, name);
    gboolean ok = TRUE;

    if (!vol) {
        virResetLastError();
        return TRUE;
    }
    if (virStorageVolDelete(vol, 0) < 0) {
        pv_libvirt_set_error(error, _("cannot delete the volume '%s' of the storage pool '%s'"),
                             name, pool->name);
        ok = FALSE;
    }
    virStorageVolFree(vol);
    return ok;
}

/**
 * pv_storage_pool_refresh:
 *
 * Makes libvirt look at the pool's directory again: a file something else
 * made there (virtlogd's rolled-over log) becomes a volume.
 */
void
pv_storage_pool_refresh(PvStoragePool *pool)
{
    if (virStoragePoolRefresh(pool->pool, 0) < 0)
        virResetLastError();
}

/**
 * pv_storage_pool_list_vols:
 *
 * The pool's volumes as they are now: its directory is looked at again
 * first (pv_storage_pool_refresh()).
 * Returns: (transfer full): the names of the pool's volumes, or NULL with
 *   @error set
 */
char **
pv_storage_pool_list_vols(PvStoragePool *pool, GError **error)
{
    virStorageVol **vols = NULL;
    GPtrArray *names;
    int n;
    int i;

    pv_storage_pool_refresh(pool);
    n = virStoragePoolListAllVolumes(pool->pool, &vols, 0);
    if (n < 0) {
        pv_libvirt_set_error(error, _("cannot list the volumes of the storage pool '%s'"),
                             pool->name);
        return NULL;
    }
    names = g_ptr_array_new();
    for (i = 0; i < n; i++) {
        g_ptr_array_add(names, g_strdup(virStorageVolGetName(vols[i])));
        virStorageVolFree(vols[i]);
    }
    free(vols);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

/* Volume @name, or NULL with @error set. */
static virStorageVol *
pv_storage_pool_lookup(PvStoragePool *pool, const char *name, GError **error)
{
    virStorageVol *vol = virStorageVolLookupByName(pool->pool, name);

    if (!vol)
        pv_libvirt_set_error(error, _("there is no volume '%s' in the storage pool '%s'"),
                             name, pool->name);
    return vol;
}

/**
 * pv_storage_pool_upload:
 * @fd: the file of this machine to send, from its current offset
 * @size: its size
 *
 * Fills volume @name with @size bytes of @fd.
 */
gboolean
pv_storage_pool_upload(PvStoragePool *pool, const char *name, int fd, guint64 size,
                       GError **error)
{
    virStorageVol *vol = pv_storage_pool_lookup(pool, name, error);
    gboolean ok;

    if (!vol)
        return FALSE;
    ok = pv_stream_vol_upload(pool->conn, vol, fd, size, error);
    virStorageVolFree(vol);
    if (!ok)
        g_prefix_error(error, _("cannot upload to the volume '%s' of the storage pool '%s': "),
                       name, pool->name);
    return ok;
}

/**
 * pv_storage_pool_download:
 * @offset: where to start in the volume
 * @fd: where its bytes go
 * @got: (out): how many came
 *
 * Copies what volume @name holds from @offset on into @fd.
 */
gboolean
pv_storage_pool_download(PvStoragePool *pool, const char *name, guint64 offset, int fd,
                         guint64 *got, GError **error)
{
    virStorageVol *vol = pv_storage_pool_lookup(pool, name, error);
    gboolean ok;

    *got = 0;
    if (!vol)
        return FALSE;
    ok = pv_stream_vol_download(pool->conn, vol, offset, fd, got, error);
    virStorageVolFree(vol);
    return ok;
}

/**
 * pv_storage_pool_get_uuid:
 *
 * Returns: (transfer full): the pool's UUID, which a pool made again does not
 *   have: what names the pool's contents for as long as they can be there,
 *   or NULL with @error set
 */
char *
pv_storage_pool_get_uuid(PvStoragePool *pool, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];

    if (virStoragePoolGetUUIDString(pool->pool, uuid) < 0) {
        pv_libvirt_set_error(error, _("cannot read the storage pool '%s'"), pool->name);
        return NULL;
    }
    return g_strdup(uuid);
}

/**
 * pv_storage_pool_get_dir:
 *
 * Returns: (transfer full): the pool's directory on the host (its XML's
 *   target path), where a file libvirt writes itself (a saved state, UEFI
 *   variables) becomes a volume, or NULL with @error set
 */
char *
pv_storage_pool_get_dir(PvStoragePool *pool, GError **error)
{
    g_autofree char *xml = virStoragePoolGetXMLDesc(pool->pool, 0);
    g_autoptr(xmlDoc) doc = xml ? xmlReadMemory(xml, strlen(xml), "pool.xml", NULL,
                                                XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                XML_PARSE_NOWARNING) : NULL;
    g_autoptr(xmlXPathContext) ctx = doc ? xmlXPathNewContext(doc) : NULL;
    g_autoptr(xmlXPathObject) found = ctx ?
        xmlXPathEvalExpression(BAD_CAST "string(/pool/target/path)", ctx) : NULL;

    if (!xml) {
        pv_libvirt_set_error(error, _("cannot read the storage pool '%s'"), pool->name);
        return NULL;
    }
    if (!found || found->type != XPATH_STRING || !found->stringval ||
        !g_path_is_absolute((const char *)found->stringval)) {
        g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT,
                    _("the storage pool '%s' names no directory"), pool->name);
        return NULL;
    }
    return g_strdup((const char *)found->stringval);
}

/* The format a volume's XML names ("raw", "qcow2"), or NULL. */
static char *
pv_storage_vol_xml_format(const char *xml)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(xml, strlen(xml), "vol.xml", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    g_autoptr(xmlXPathContext) ctx = doc ? xmlXPathNewContext(doc) : NULL;
    g_autoptr(xmlXPathObject) found = ctx ?
        xmlXPathEvalExpression(BAD_CAST "string(/volume/target/format/@type)", ctx) : NULL;

    if (!found || found->type != XPATH_STRING || !found->stringval || !*found->stringval)
        return NULL;
    return g_strdup((const char *)found->stringval);
}

/**
 * pv_storage_vol_lookup_path:
 * @pool: a storage pool of the host, by name
 * @name: a volume of it
 * @format: (out) (optional): its format as libvirt knows it, or NULL
 *
 * Returns: (transfer full): the volume's path on the host, or NULL with
 *   @error set
 */
char *
pv_storage_vol_lookup_path(virConnect *conn, const char *pool, const char *name,
                           char **format, GError **error)
{
    virStoragePool *handle = virStoragePoolLookupByName(conn, pool);
    virStorageVol *vol = NULL;
    char *path = NULL;

    if (!handle) {
        pv_libvirt_set_error(error, _("the host has no storage pool '%s'"), pool);
        return NULL;
    }
    vol = virStorageVolLookupByName(handle, name);
    if (!vol) {
        pv_libvirt_set_error(error, _("the storage pool '%s' has no volume '%s'"), pool, name);
    } else if (!(path = virStorageVolGetPath(vol))) {
        pv_libvirt_set_error(error, _("cannot read the volume '%s' of the storage pool '%s'"),
                             name, pool);
    } else if (format) {
        g_autofree char *xml = virStorageVolGetXMLDesc(vol, 0);

        *format = xml ? pv_storage_vol_xml_format(xml) : NULL;
        if (!xml)
            virResetLastError();
    }
    if (vol)
        virStorageVolFree(vol);
    virStoragePoolFree(handle);
    return path;
}
