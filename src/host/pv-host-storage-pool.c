/*
 * pv-host-storage-pool.c: a host's files where libvirt does not share this
 * machine's: a storage pool of provium's on that host
 *
 * Nothing here assumes a path of this machine exists on the host.  The
 * pool is a `dir` pool named "provium" (PV_STORAGE_POOL_NAME), in
 * /var/lib/libvirt/images/provium there, made on first use
 * (libvirt/pv-storage-pool.c).  In it (doc/hosts.md):
 *
 * - a profile's kernel, initrd and disk, uploaded once per content as
 *   volume "sha256-HEX" (the SHA-256 of the file, from the digest cache,
 *   so a file already hashed is not read again): a second run, or a second
 *   profile naming the same bytes, takes the volume as it is.  A volume is
 *   whole when its file is as long as the client's: one cut short (a run
 *   killed during its upload) is uploaded again;
 * - each domain's overlay, volume "DOMAIN.qcow2" with the base as backing
 *   store, deleted with the domain;
 * - each domain's console log, volume "DOMAIN.console.log", which the
 *   host's virtlogd writes: it is copied into the run directory as it
 *   grows (virStorageVolDownload from where the last copy ended, a few
 *   times a second, on a thread of the storage's), where the console's
 *   readers find it as on a local host.  Not a console stream: libvirt
 *   lets one client at a time hold a console, and that is the one that
 *   types into it; the log also holds what the guest printed before
 *   anyone could connect.
 *
 * - with firmware = efi, each domain's UEFI variables, "DOMAIN.VARS.fd",
 *   which the host's libvirt makes from its firmware's template as the
 *   domain starts: deleted with the domain;
 * - each fixture slot's memory state and disk, "SLOT.fixture-memory-state"
 *   and "SLOT.fixture-disk-qcow2" (pv-host-fixtures.c): libvirt saves into
 *   the first and restores from it; the second is the build's overlay,
 *   copied.  They stay until `provium fixture prune -c URI` removes their
 *   entry.
 *
 * A profile's vol:POOL/NAME or host:/PATH is resolved before this
 * (pv-host-storage.c): it is on the host already.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-digest.h"
#include "pv-error.h"
#include "pv-host-fixtures.h"
#define PV_HOST_STORAGE_PRIVATE
#include "pv-host-storage-private.h"
#include "pv-storage-pool.h"

/* How often a growing console log is copied here. */
#define PV_HOST_STORAGE_POOL_FOLLOW_US (200 * G_TIME_SPAN_MILLISECOND)

/* A console log being copied here. */
typedef struct {
    char *vol;               /* "DOMAIN.console.log" */
    int fd;                  /* the copy in the run directory, O_APPEND */
    guint64 offset;          /* how much of the volume is copied */
} PvPoolConsole;

typedef struct {
    PvHostStorage parent;
    virConnect *conn;            /* borrowed from the host */
    PvDigestCache *digests;

    GMutex lock;                 /* guards what follows */
    GCond cond;                  /* an upload ended */
    char *dir;                   /* the run directory's vms/ */
    PvStoragePool *pool;         /* NULL until first used */
    GHashTable *bases;           /* uploaded: host path -> its format ("raw", "qcow2") */
    GHashTable *uploading;       /* volume names this process is uploading */
    GHashTable *overlays;        /* host path -> volume name */
    char *pool_dir;              /* the pool's directory on the host; NULL until asked */

    GMutex follow_lock;          /* guards what follows; held while copying */
    GCond follow_cond;
    GPtrArray *consoles;         /* PvPoolConsole */
    GThread *follower;
    gboolean stopping;
} PvHostStoragePool;

static void
pv_pool_console_free(PvPoolConsole *console)
{
    if (console->fd >= 0)
        close(console->fd);
    g_free(console->vol);
    g_free(console);
}

static void
pv_host_storage_pool_set_dir(PvHostStorage *storage, const char *dir)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;

    g_mutex_lock(&self->lock);
    g_free(self->dir);
    self->dir = g_strdup(dir);
    g_mutex_unlock(&self->lock);
}

/* Lock held.  The pool, opened (and made) on first use. */
static PvStoragePool *
pv_host_storage_pool_get(PvHostStoragePool *self, GError **error)
{
    if (!self->pool)
        self->pool = pv_storage_pool_open(self->conn, PV_STORAGE_POOL_NAME,
                                          PV_STORAGE_POOL_DIR, TRUE, error);
    return self->pool;
}

/*
 * Lock held.  The path of volume @vol, which libvirt itself writes (a saved
 * state, UEFI variables): in the pool's directory, a volume once the pool
 * is refreshed.
 */
static char *
pv_host_storage_pool_path(PvHostStoragePool *self, const char *vol, GError **error)
{
    if (!pv_host_storage_pool_get(self, error))
        return NULL;
    if (!self->pool_dir && !(self->pool_dir = pv_storage_pool_get_dir(self->pool, error)))
        return NULL;
    return g_build_filename(self->pool_dir, vol, NULL);
}

/* qcow2 images start with "QFI\xfb"; anything else is taken as raw. */
static const char *
pv_host_storage_pool_format(int fd)
{
    guchar magic[4] = { 0 };

    return pread(fd, magic, sizeof(magic), 0) == 4 && memcmp(magic, "QFI\xfb", 4) == 0 ?
        "qcow2" : "raw";
}

/*
 * Lock held.  Waits until no upload of this process fills volume @name,
 * then whether the host has it whole (@size bytes); a volume cut short is
 * deleted.
 */
static char *
pv_host_storage_pool_find_whole(PvHostStoragePool *self, const char *name, guint64 size)
{
    guint64 physical = 0;
    char *path;

    while (g_hash_table_contains(self->uploading, name))
        g_cond_wait(&self->cond, &self->lock);
    path = pv_storage_pool_find_vol(self->pool, name, &physical);
    if (path && physical == size)
        return path;
    if (path)
        pv_storage_pool_delete_vol(self->pool, name, NULL);
    g_free(path);
    return NULL;
}

/* Lock held, released during the upload.  Volume @name made of @fd. */
static char *
pv_host_storage_pool_upload(PvHostStoragePool *self, const char *name, int fd, guint64 size,
                            GError **error)
{
    PvStorageVolSpec spec = { name, "raw", "0644", NULL, NULL };
    g_autofree char *path = pv_storage_pool_create_vol(self->pool, &spec, error);
    guint64 physical = 0;
    gboolean ok;

    if (!path)
        return NULL;
    g_hash_table_add(self->uploading, g_strdup(name));
    g_mutex_unlock(&self->lock);
    ok = lseek(fd, 0, SEEK_SET) == 0 &&
        pv_storage_pool_upload(self->pool, name, fd, size, error);
    g_mutex_lock(&self->lock);
    g_hash_table_remove(self->uploading, name);
    g_cond_broadcast(&self->cond);
    if (ok) {
        g_free(pv_storage_pool_find_vol(self->pool, name, &physical));
        if (physical != size) {
            g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT,
                        _("the volume '%s' has %llu bytes after its upload, not %llu"),
                        name, (unsigned long long)physical, (unsigned long long)size);
            ok = FALSE;
        }
    }
    if (!ok) {
        pv_storage_pool_delete_vol(self->pool, name, NULL);
        return NULL;
    }
    return g_steal_pointer(&path);
}

/* A file of this machine, in the pool once per content. */
static char *
pv_host_storage_pool_provide_file(PvHostStoragePool *self, const char *path, GError **error)
{
    g_autofree char *hex = NULL;
    g_autofree char *name = NULL;
    g_autofree char *host_path = NULL;
    struct stat st;
    const char *format;
    int fd;

    hex = pv_digest_cache_file(self->digests, path, NULL, error);
    if (!hex)
        return NULL;
    fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0 || fstat(fd, &st) < 0) {
        int saved = errno;

        if (fd >= 0)
            close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot read %s: %s"), path,
                    g_strerror(saved));
        return NULL;
    }
    name = g_strconcat("sha256-", hex, NULL);
    format = pv_host_storage_pool_format(fd);
    g_mutex_lock(&self->lock);
    if (pv_host_storage_pool_get(self, error)) {
        host_path = pv_host_storage_pool_find_whole(self, name, (guint64)st.st_size);
        if (!host_path)
            host_path = pv_host_storage_pool_upload(self, name, fd, (guint64)st.st_size,
                                                    error);
        if (host_path)
            g_hash_table_replace(self->bases, g_strdup(host_path), g_strdup(format));
    }
    g_mutex_unlock(&self->lock);
    close(fd);
    return g_steal_pointer(&host_path);
}

static char *
pv_host_storage_pool_provide(PvHostStorage *storage, const char *path, const char *vm,
                             const char *role, GError **error)
{
    char *host_path = pv_host_storage_pool_provide_file((PvHostStoragePool *)storage, path,
                                                        error);

    if (!host_path)
        g_prefix_error(error, _("vm '%s': its %s %s: "), vm, role, path);
    return host_path;
}

/* Files already on the host: libvirt says at boot what it cannot open. */
static gboolean
pv_host_storage_pool_check_file(PvHostStorage *storage, const char *path, const char *vm,
                                const char *role, GError **error)
{
    return TRUE;
}

/* The overlays go into the pool: it must be there. */
static gboolean
pv_host_storage_pool_check_overlays(PvHostStorage *storage, const char *vm, GError **error)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    gboolean ok;

    g_mutex_lock(&self->lock);
    ok = pv_host_storage_pool_get(self, error) != NULL;
    g_mutex_unlock(&self->lock);
    if (!ok)
        g_prefix_error(error, _("vm '%s': "), vm);
    return ok;
}

/* Volume "@name.qcow2", backed by @base. */
static char *
pv_host_storage_pool_make_overlay(PvHostStorage *storage, const char *base, const char *name,
                                  GError **error)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *vol = g_strconcat(name, ".qcow2", NULL);
    PvStorageVolSpec spec = { vol, "qcow2", NULL, base, NULL };
    char *path = NULL;

    g_mutex_lock(&self->lock);
    spec.backing_format = g_hash_table_lookup(self->bases, base);
    if (pv_host_storage_pool_get(self, error))
        path = pv_storage_pool_create_vol(self->pool, &spec, error);
    if (path)
        g_hash_table_replace(self->overlays, g_strdup(path), g_strdup(vol));
    g_mutex_unlock(&self->lock);
    return path;
}

/*
 * libvirt renames no volume: the overlay's bytes (qcow2, its backing store
 * an uploaded image of the pool, by path) are copied into the slot's
 * volume through this machine, and the overlay deleted.  An overlay holds
 * what the fixture's setup wrote: megabytes.
 */
static gboolean
pv_host_storage_pool_keep_overlay(PvHostStorage *storage, const char *overlay, const char *to,
                                  GError **error)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *target = g_path_get_basename(to);
    g_autofree char *tmp = NULL;
    g_autofree char *kept = NULL;
    const char *vol;
    guint64 got = 0;
    int fd = g_file_open_tmp("provium-keep-XXXXXX", &tmp, error);

    if (fd < 0)
        return FALSE;
    g_unlink(tmp);
    g_mutex_lock(&self->lock);
    vol = g_hash_table_lookup(self->overlays, overlay);
    if (!vol) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("%s is no overlay provium made on this host"), overlay);
    } else if (pv_storage_pool_download(self->pool, vol, 0, fd, &got, error)) {
        /* A killed build's volume of that name, made by libvirt or not */
        pv_storage_pool_refresh(self->pool);
        pv_storage_pool_delete_vol(self->pool, target, NULL);
        kept = pv_host_storage_pool_upload(self, target, fd, got, error);
    }
    if (kept) {
        pv_storage_pool_delete_vol(self->pool, vol, NULL);
        g_hash_table_remove(self->overlays, overlay);
        g_hash_table_replace(self->bases, g_strdup(kept), g_strdup("qcow2"));
    }
    g_mutex_unlock(&self->lock);
    close(fd);
    if (!kept)
        g_prefix_error(error, _("cannot keep the disk of the fixture's state: "));
    return kept != NULL;
}

/*
 * A file provium made for one domain (its cloud-init seed): volume @name,
 * uploaded from memory; deleted with the domain like an overlay.  Not
 * content-addressed: each is one domain's.
 */
static char *
pv_host_storage_pool_put_file(PvHostStorage *storage, const char *name, GBytes *contents,
                              const char *vm, const char *role, GError **error)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    gsize len = 0;
    const char *data = g_bytes_get_data(contents, &len);
    g_autofree char *tmp = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("provium-put-XXXXXX", &tmp, error);

    if (fd < 0)
        return NULL;
    g_unlink(tmp);
    if (write(fd, data, len) != (gssize)len) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("vm '%s': cannot hold its %s: %s"), vm,
                    role, g_strerror(errno));
        close(fd);
        return NULL;
    }
    g_mutex_lock(&self->lock);
    if (pv_host_storage_pool_get(self, error))
        path = pv_host_storage_pool_upload(self, name, fd, len, error);
    if (path)
        g_hash_table_replace(self->overlays, g_strdup(path), g_strdup(name));
    g_mutex_unlock(&self->lock);
    close(fd);
    if (!path)
        g_prefix_error(error, _("vm '%s': its %s: "), vm, role);
    return path;
}

/* Volume "@name.qcow2", empty, of @size bytes: a blank disk of a VM's `disks`. */
static char *
pv_host_storage_pool_make_blank(PvHostStorage *storage, const char *name, guint64 size,
                                GError **error)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *vol = g_strconcat(name, ".qcow2", NULL);
    PvStorageVolSpec spec = { vol, "qcow2", NULL, NULL, NULL, size };
    char *path = NULL;

    g_mutex_lock(&self->lock);
    if (pv_host_storage_pool_get(self, error))
        path = pv_storage_pool_create_vol(self->pool, &spec, error);
    if (path)
        g_hash_table_replace(self->overlays, g_strdup(path), g_strdup(vol));
    g_mutex_unlock(&self->lock);
    return path;
}

/* An overlay made here: its volume is deleted. */
static void
pv_host_storage_pool_remove(PvHostStorage *storage, const char *path)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *key = NULL;
    g_autofree char *vol = NULL;
    g_autoptr(GError) error = NULL;

    g_mutex_lock(&self->lock);
    g_hash_table_steal_extended(self->overlays, path, (gpointer *)&key, (gpointer *)&vol);
    /* libvirt made the UEFI variables: a volume once the pool looks again */
    if (vol && self->pool && g_str_has_suffix(vol, PV_HOST_STORAGE_NVRAM_SUFFIX))
        pv_storage_pool_refresh(self->pool);
    if (vol && self->pool && !pv_storage_pool_delete_vol(self->pool, vol, &error))
        g_debug("%s", error->message);
    g_mutex_unlock(&self->lock);
}

/*
 * Volume "SLOT.fixture-FILE" of the pool (pv-host-fixtures.c), which
 * libvirt saves the state into or provium copies the disk into: the slot's
 * directory on this machine holds only its manifest.
 */
static char *
pv_host_storage_pool_fixture_path(PvHostStorage *storage, const char *slot_dir,
                                  const char *slot_name, const char *file)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *vol = pv_host_fixtures_volume(slot_name, file);
    g_autoptr(GError) error = NULL;
    char *path;

    g_mutex_lock(&self->lock);
    path = pv_host_storage_pool_path(self, vol, &error);
    if (!path) {
        /* libvirt says so at the save or the restore */
        g_debug("%s", error->message);
        path = g_build_filename(PV_STORAGE_POOL_DIR, vol, NULL);
    }
    if (g_str_has_suffix(file, ".qcow2"))
        g_hash_table_replace(self->bases, g_strdup(path), g_strdup("qcow2"));
    g_mutex_unlock(&self->lock);
    return path;
}

/*
 * "@name.VARS.fd" in the pool's directory: libvirt makes it from its
 * firmware's template as the domain starts, and it is deleted with the
 * domain (or by `provium clean`, as the overlay).
 */
static char *
pv_host_storage_pool_nvram_path(PvHostStorage *storage, const char *name, GError **error)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *vol = g_strconcat(name, PV_HOST_STORAGE_NVRAM_SUFFIX, NULL);
    char *path;

    g_mutex_lock(&self->lock);
    path = pv_host_storage_pool_path(self, vol, error);
    if (path)
        g_hash_table_replace(self->overlays, g_strdup(path), g_steal_pointer(&vol));
    g_mutex_unlock(&self->lock);
    return path;
}

/* The console log: volume "@name.console.log", copied into the run directory. */
static gboolean
pv_host_storage_pool_open_console(PvHostStorage *storage, const char *name,
                                  PvHostConsole *console, GError **error)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *vol = g_strconcat(name, ".console.log", NULL);
    g_autofree char *local = g_strconcat(name, ".console.log", NULL);
    PvStorageVolSpec spec = { vol, "raw", NULL, NULL, NULL };
    char *log = NULL;

    g_mutex_lock(&self->lock);
    if (pv_host_storage_pool_get(self, error)) {
        log = pv_storage_pool_find_vol(self->pool, vol, NULL);
        if (!log)
            log = pv_storage_pool_create_vol(self->pool, &spec, error);
    }
    if (log) {
        console->log = log;
        console->path = g_build_filename(self->dir ? self->dir : ".", local, NULL);
    }
    g_mutex_unlock(&self->lock);
    return log != NULL;
}

/* Follow lock held.  Copies what @console's volume grew by since. */
static void
pv_host_storage_pool_copy_console(PvHostStoragePool *self, PvPoolConsole *console)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *rolled = NULL;
    guint64 got = 0;
    guint64 physical = 0;

    /* self->pool is set before any console is followed, and stays */
    if (!pv_storage_pool_download(self->pool, console->vol, console->offset, console->fd, &got,
                                  &error))
        g_debug("%s", error->message);
    console->offset += got;
    if (got > 0)
        return;
    g_free(pv_storage_pool_find_vol(self->pool, console->vol, &physical));
    if (physical >= console->offset)
        return;
    /*
     * Shorter than what was copied: virtlogd rolled the log over (at 2 MiB)
     * to NAME.0 and began anew.  The end of the old one, then the new one.
     */
    rolled = g_strconcat(console->vol, ".0", NULL);
    pv_storage_pool_refresh(self->pool);
    if (!pv_storage_pool_download(self->pool, rolled, console->offset, console->fd, &got, NULL))
        g_debug("cannot read the end of %s", rolled);
    console->offset = 0;
    if (pv_storage_pool_download(self->pool, console->vol, 0, console->fd, &got, NULL))
        console->offset = got;
}

static gpointer
pv_host_storage_pool_follow(gpointer data)
{
    PvHostStoragePool *self = data;
    guint i;

    g_mutex_lock(&self->follow_lock);
    while (!self->stopping) {
        gint64 until = g_get_monotonic_time() + PV_HOST_STORAGE_POOL_FOLLOW_US;

        for (i = 0; i < self->consoles->len; i++)
            pv_host_storage_pool_copy_console(self, self->consoles->pdata[i]);
        while (!self->stopping && g_cond_wait_until(&self->follow_cond, &self->follow_lock, until))
            ;
    }
    /* What the last domains printed last */
    for (i = 0; i < self->consoles->len; i++)
        pv_host_storage_pool_copy_console(self, self->consoles->pdata[i]);
    g_ptr_array_set_size(self->consoles, 0);
    g_mutex_unlock(&self->follow_lock);
    return NULL;
}

/* Follow lock held.  The index of the console of volume @vol, or -1. */
static gint
pv_host_storage_pool_find_console(PvHostStoragePool *self, const char *vol)
{
    guint i;

    for (i = 0; i < self->consoles->len; i++) {
        PvPoolConsole *console = self->consoles->pdata[i];

        if (g_str_equal(console->vol, vol))
            return (gint)i;
    }
    return -1;
}

/* The domain runs: its log is copied from its start, after what is here. */
static void
pv_host_storage_pool_follow_console(PvHostStorage *storage, PvDomain *domain,
                                    const PvHostConsole *console)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *vol = g_path_get_basename(console->log);
    PvPoolConsole *entry;
    gint index;
    int fd = g_open(console->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

    if (fd < 0) {
        g_debug("cannot write %s: %s", console->path, g_strerror(errno));
        return;
    }
    g_mutex_lock(&self->follow_lock);
    index = pv_host_storage_pool_find_console(self, vol);
    if (index >= 0)
        g_ptr_array_remove_index_fast(self->consoles, index);
    entry = g_new0(PvPoolConsole, 1);
    entry->vol = g_steal_pointer(&vol);
    entry->fd = fd;
    g_ptr_array_add(self->consoles, entry);
    if (!self->follower)
        self->follower = g_thread_new("pv-console-copy", pv_host_storage_pool_follow, self);
    g_mutex_unlock(&self->follow_lock);
}

/*
 * Domain @name is gone, or never started: the rest of its log is copied,
 * when it was followed, and the volume deleted.
 */
static void
pv_host_storage_pool_close_console(PvHostStorage *storage, const char *name)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;
    g_autofree char *vol = g_strconcat(name, ".console.log", NULL);
    gint index;

    g_mutex_lock(&self->follow_lock);
    index = pv_host_storage_pool_find_console(self, vol);
    if (index >= 0) {
        PvPoolConsole *entry = g_ptr_array_steal_index_fast(self->consoles, index);

        pv_host_storage_pool_copy_console(self, entry);
        pv_pool_console_free(entry);
    }
    g_mutex_unlock(&self->follow_lock);
    g_mutex_lock(&self->lock);
    if (self->pool) {
        g_autofree char *rolled = g_strconcat(vol, ".0", NULL);

        pv_storage_pool_delete_vol(self->pool, vol, NULL);
        pv_storage_pool_delete_vol(self->pool, rolled, NULL);
    }
    g_mutex_unlock(&self->lock);
}

static void
pv_host_storage_pool_free(PvHostStorage *storage)
{
    PvHostStoragePool *self = (PvHostStoragePool *)storage;

    g_mutex_lock(&self->follow_lock);
    self->stopping = TRUE;
    g_cond_broadcast(&self->follow_cond);
    g_mutex_unlock(&self->follow_lock);
    if (self->follower)
        g_thread_join(self->follower);
    g_ptr_array_unref(self->consoles);
    g_hash_table_unref(self->bases);
    g_hash_table_unref(self->uploading);
    g_hash_table_unref(self->overlays);
    pv_storage_pool_free(self->pool);
    pv_digest_cache_free(self->digests);
    g_free(self->dir);
    g_free(self->pool_dir);
    g_mutex_clear(&self->lock);
    g_cond_clear(&self->cond);
    g_mutex_clear(&self->follow_lock);
    g_cond_clear(&self->follow_cond);
    g_free(self);
}

static const PvHostStorageClass pv_host_storage_pool_class = {
    .set_dir = pv_host_storage_pool_set_dir,
    .provide = pv_host_storage_pool_provide,
    .check_file = pv_host_storage_pool_check_file,
    .check_overlays = pv_host_storage_pool_check_overlays,
    .make_overlay = pv_host_storage_pool_make_overlay,
    .keep_overlay = pv_host_storage_pool_keep_overlay,
    .put_file = pv_host_storage_pool_put_file,
    .remove = pv_host_storage_pool_remove,
    .fixture_path = pv_host_storage_pool_fixture_path,
    .open_console = pv_host_storage_pool_open_console,
    .follow_console = pv_host_storage_pool_follow_console,
    .free = pv_host_storage_pool_free,
    .close_console = pv_host_storage_pool_close_console,
    .make_blank = pv_host_storage_pool_make_blank,
    .nvram_path = pv_host_storage_pool_nvram_path,
};

/**
 * pv_host_storage_new_pool:
 * @conn: (transfer none): the host's connection; must outlive the storage
 * @digest_dir: where the digests of this machine's files are recorded
 *   (pv-digest.c), so a file is hashed once while it does not change
 *
 * The storage of a host whose libvirt does not share this machine's files:
 * provium's storage pool there, made on first use.
 * Returns: (transfer full)
 */
PvHostStorage *
pv_host_storage_new_pool(virConnect *conn, const char *digest_dir)
{
    PvHostStoragePool *self = g_new0(PvHostStoragePool, 1);

    self->parent.klass = &pv_host_storage_pool_class;
    self->parent.conn = conn;
    self->conn = conn;
    self->digests = pv_digest_cache_new(digest_dir);
    g_mutex_init(&self->lock);
    g_cond_init(&self->cond);
    g_mutex_init(&self->follow_lock);
    g_cond_init(&self->follow_cond);
    self->bases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    self->uploading = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->overlays = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    self->consoles = g_ptr_array_new_with_free_func((GDestroyNotify)pv_pool_console_free);
    return &self->parent;
}
