/*
 * pv-host-fixtures.c: the fixture cache of a host whose files are not this
 * machine's (doc/fixtures.md, "Remote libvirt hosts")
 *
 * libvirt saves and restores a state by a path on its own host, so a slot's
 * files (its memory state, its disk) are files of provium's storage pool
 * there (host/pv-host-storage-pool.c names them
 * "DOMAIN.fixture-memory-state", "DOMAIN.fixture-disk-qcow2", DOMAIN the
 * slot's domain name "pvfx-STOREID-KEY12-N").  The store itself (manifests,
 * locks, slots, use times: fixture/) stays on this machine, in a store of
 * its own per host: CACHE/fixtures-hosts/HEX, HEX the digest of the host's
 * identity, its URI and its pool's UUID.  Its locks are flock()s, which no
 * volume offers, and the clients that share a host do not share the
 * states: each store has its own id, so its own domain and volume names.
 * A pool made again (its volumes gone) is another identity: the old store
 * is never taken for the new pool's.
 *
 * An entry's size counts its volumes there (so the cap holds for them too).
 * Pruning a host's store removes the volumes of the entries it removed,
 * and of the entries no store holds any more (a build killed before its
 * commit, an entry removed by hand), never those of an entry or a build
 * in progress.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pv-digest.h"
#include "pv-error.h"
#include "pv-host-fixtures.h"
#include "pv-libvirt.h"

/* Digits of the identity's digest that name a host's store. */
#define PV_HOST_FIXTURES_DIR_DIGITS 16

/**
 * pv_host_fixtures_identity:
 * @create: make provium's pool on the host when it has none
 *
 * What names a remote host's fixtures for as long as they can be there:
 * "URI POOLUUID" (pv_fixture_key_compute()'s @host, and its store's name).
 * Returns: (transfer full): the identity, or NULL: with @error set, or,
 *   without @create, unset when the host has no pool (and so no fixture)
 */
char *
pv_host_fixtures_identity(virConnect *conn, gboolean create, GError **error)
{
    g_autoptr(PvStoragePool) pool = NULL;
    g_autofree char *uri = pv_libvirt_get_uri(conn, error);
    g_autofree char *uuid = NULL;
    GError *local_error = NULL;

    if (!uri)
        return NULL;
    pool = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME, PV_STORAGE_POOL_DIR, create,
                                &local_error);
    if (!pool) {
        if (local_error)
            g_propagate_error(error, local_error);
        return NULL;
    }
    uuid = pv_storage_pool_get_uuid(pool, error);
    if (!uuid)
        return NULL;
    return g_strdup_printf("%s %s", uri, uuid);
}

/**
 * pv_host_fixtures_dir:
 * @cache_dir: (nullable): --cache-dir, else provium's cache
 * @identity: pv_host_fixtures_identity()'s
 *
 * Returns: (transfer full): the store of a remote host's fixtures on this
 *   machine, CACHE/fixtures-hosts/HEX
 */
char *
pv_host_fixtures_dir(const char *cache_dir, const char *identity)
{
    g_autofree char *local = pv_fixture_store_default_dir(cache_dir);
    g_autofree char *root = g_path_get_dirname(local);
    g_autofree char *hex = pv_digest_bytes(identity, strlen(identity));

    hex[PV_HOST_FIXTURES_DIR_DIGITS] = '\0';
    return g_build_filename(root, "fixtures-hosts", hex, NULL);
}

/**
 * pv_host_fixtures_volume:
 * @domain_name: a slot's domain name
 * @file: the slot's file ("memory.state", "disk.qcow2")
 *
 * Pure: the volume that holds it, "DOMAIN.fixture-memory-state".  No dot
 * in what follows the mark, so `provium clean` never takes it for a
 * domain's overlay or console (run/pv-clean-volumes.c).
 * Returns: (transfer full)
 */
char *
pv_host_fixtures_volume(const char *domain_name, const char *file)
{
    g_autofree char *flat = g_strdup(file);

    g_strdelimit(flat, ".", '-');
    return g_strconcat(domain_name, PV_HOST_FIXTURES_VOLUME_MARK, flat, NULL);
}

/* Whether directory @dir of the store has a name starting with @key12. */
static gboolean
pv_host_fixtures_dir_has(const char *store_dir, const char *dir, const char *key12)
{
    g_autofree char *path = g_build_filename(store_dir, dir, NULL);
    g_autoptr(GDir) handle = g_dir_open(path, 0, NULL);
    const char *name;

    while (handle && (name = g_dir_read_name(handle)))
        if (g_str_has_prefix(name, key12))
            return TRUE;
    return FALSE;
}

/*
 * The volumes of @store's slots that no entry and no build holds.  A build
 * makes its directory in tmp/ before its volumes and renames it into
 * entries/ at its commit: tmp/ is looked at first, so a commit between the
 * two looks is seen in entries/.
 */
static gboolean
pv_host_fixtures_sweep(PvFixtureStore *store, PvStoragePool *pool, GError **error)
{
    g_autofree char *prefix = g_strdup_printf(PV_FIXTURE_DOMAIN_PREFIX "%s-",
                                              pv_fixture_store_get_id(store));
    const char *dir = pv_fixture_store_get_dir(store);
    g_auto(GStrv) names = NULL;
    gboolean ok = TRUE;
    guint i;

    names = pv_storage_pool_list_vols(pool, error);
    if (!names)
        return FALSE;
    for (i = 0; names[i]; i++) {
        const char *name = names[i];
        g_autofree char *key12 = NULL;
        g_autoptr(GError) local_error = NULL;

        if (!g_str_has_prefix(name, prefix) || !strstr(name, PV_HOST_FIXTURES_VOLUME_MARK) ||
            strlen(name) < strlen(prefix) + PV_FIXTURE_KEY_SHORT_LEN)
            continue;
        key12 = g_strndup(name + strlen(prefix), PV_FIXTURE_KEY_SHORT_LEN);
        if (pv_host_fixtures_dir_has(dir, "tmp", key12) ||
            pv_host_fixtures_dir_has(dir, "entries", key12))
            continue;
        if (!pv_storage_pool_delete_vol(pool, name, &local_error)) {
            if (ok)
                g_propagate_error(error, g_steal_pointer(&local_error));
            ok = FALSE;
        }
    }
    return ok;
}

typedef struct {
    virConnect *conn;        /* borrowed: the store's host, open while it is listed */
    char *prefix;            /* "pvfx-STOREID-" */
} PvHostFixturesSizes;

static void
pv_host_fixtures_sizes_free(gpointer data)
{
    PvHostFixturesSizes *sizes = data;

    g_free(sizes->prefix);
    g_free(sizes);
}

/* The bytes of entry @key's volumes on the host. */
static guint64
pv_host_fixtures_size(const char *key, gpointer data)
{
    PvHostFixturesSizes *sizes = data;
    g_autoptr(PvStoragePool) pool = pv_storage_pool_open(sizes->conn, PV_STORAGE_POOL_NAME,
                                                         PV_STORAGE_POOL_DIR, FALSE, NULL);
    g_autofree char *prefix = g_strdup_printf("%s%.*s-", sizes->prefix,
                                              PV_FIXTURE_KEY_SHORT_LEN, key);
    g_auto(GStrv) names = NULL;
    guint64 total = 0;
    guint i;

    if (!pool)
        return 0;
    names = pv_storage_pool_list_vols(pool, NULL);
    for (i = 0; names && names[i]; i++) {
        guint64 physical = 0;

        if (!g_str_has_prefix(names[i], prefix) ||
            !strstr(names[i], PV_HOST_FIXTURES_VOLUME_MARK))
            continue;
        g_free(pv_storage_pool_find_vol(pool, names[i], &physical));
        total += physical;
    }
    return total;
}

/**
 * pv_host_fixtures_count_volumes:
 * @conn: (transfer none): the remote host of @store; must stay open while
 *   the store is listed or pruned
 *
 * An entry of @store counts its volumes on the host in its size: in
 * `fixture list`, and against the cap a prune keeps it under.
 */
void
pv_host_fixtures_count_volumes(PvFixtureStore *store, virConnect *conn)
{
    PvHostFixturesSizes *sizes = g_new0(PvHostFixturesSizes, 1);

    sizes->conn = conn;
    sizes->prefix = g_strdup_printf(PV_FIXTURE_DOMAIN_PREFIX "%s-",
                                    pv_fixture_store_get_id(store));
    pv_fixture_store_set_size_elsewhere(store, pv_host_fixtures_size, sizes,
                                        pv_host_fixtures_sizes_free);
}

/**
 * pv_host_fixtures_prune:
 * @conn: (nullable): the remote host whose store @store is; NULL: this
 *   machine's store
 *
 * pv_fixture_store_prune(), then on a remote host the volumes of the
 * entries it removed, and of any entry no longer in @store, are deleted.
 */
gboolean
pv_host_fixtures_prune(PvFixtureStore *store, virConnect *conn, guint64 max_size,
                       PvFixturePruneFunc report, gpointer user_data, guint64 *remaining,
                       GError **error)
{
    g_autoptr(PvStoragePool) pool = NULL;
    GError *local_error = NULL;

    if (!pv_fixture_store_prune(store, max_size, report, user_data, remaining, error))
        return FALSE;
    if (!conn)
        return TRUE;
    pool = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME, PV_STORAGE_POOL_DIR, FALSE,
                                &local_error);
    if (!pool) {
        if (local_error)
            g_propagate_error(error, local_error);
        return local_error == NULL;
    }
    return pv_host_fixtures_sweep(store, pool, error);
}
