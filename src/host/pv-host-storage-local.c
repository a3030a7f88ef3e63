/*
 * pv-host-storage-local.c: a host's files where libvirt shares this
 * machine's: the same paths
 *
 * A profile's images are named where they are; overlays and blank disks
 * are qcow2 files made with qemu-img beside the run's other VM files (the
 * run directory's vms/, where libvirt also keeps a UEFI domain's variables), and removed or moved with plain file calls; a fixture slot's files
 * are in the slot's directory; libvirt writes each console log straight
 * into the run directory, where provium reads it.
 *
 * What libvirt does not do for the domain is let QEMU's user (libvirt-qemu)
 * into the directories above its files (pv-qemu-user.c): every file is
 * checked as that user before a boot, and refused with the directory in
 * the way and the fix (doc/architecture.md, "Files QEMU opens").
 */
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pv-error.h"
#define PV_HOST_STORAGE_PRIVATE
#include "pv-host-storage-private.h"
#include "pv-qemu-user.h"
#include "pv-safe.h"

typedef struct {
    PvHostStorage parent;
    PvQemuUser *user;         /* borrowed from the host; NULL: not checked */
    GMutex lock;
    char *dir;                /* the run directory's vms/ */
} PvHostStorageLocal;

static char *
pv_host_storage_local_path(PvHostStorage *storage, const char *name, const char *suffix)
{
    PvHostStorageLocal *local = (PvHostStorageLocal *)storage;
    g_autofree char *file = g_strconcat(name, suffix, NULL);
    char *path;

    g_mutex_lock(&local->lock);
    path = g_build_filename(local->dir ? local->dir : ".", file, NULL);
    g_mutex_unlock(&local->lock);
    return path;
}

static void
pv_host_storage_local_set_dir(PvHostStorage *storage, const char *dir)
{
    PvHostStorageLocal *local = (PvHostStorageLocal *)storage;

    g_mutex_lock(&local->lock);
    g_free(local->dir);
    local->dir = g_strdup(dir);
    g_mutex_unlock(&local->lock);
}

/*
 * Whether QEMU, as the user libvirt runs it as, can reach @path.  libvirt
 * relabels the file for that user but not the directories above it, so a
 * checkout in a 0700 home directory would end in QEMU's "could not open
 * kernel file ...: Permission denied": the boot fails here instead, naming
 * the directory and the fix.  A file itself unreadable is left to libvirt's
 * relabelling.
 */
static gboolean
pv_host_storage_local_check_file(PvHostStorage *storage, const char *path, const char *vm,
                                 const char *role, GError **error)
{
    PvQemuUser *user = ((PvHostStorageLocal *)storage)->user;
    g_autofree char *blocker = NULL;
    g_autofree char *fix = NULL;

    if (!user || pv_qemu_user_can_read(user, path, &blocker) || g_str_equal(blocker, path))
        return TRUE;
    fix = pv_qemu_user_format_fix(user, blocker);
    g_set_error(error, PV_ERROR, PV_ERROR_IO,
                _("vm '%s': QEMU runs as %s (uid %u), which may not enter %s on the way to "
                  "its %s %s: let it in with %s (as virt-manager does), or move the file"),
                vm, pv_qemu_user_peek_name(user), (unsigned)pv_qemu_user_get_uid(user),
                blocker, role, path, fix);
    return FALSE;
}

static char *
pv_host_storage_local_provide(PvHostStorage *storage, const char *path, const char *vm,
                              const char *role, GError **error)
{
    if (!pv_host_storage_local_check_file(storage, path, vm, role, error))
        return NULL;
    return g_strdup(path);
}

/* QEMU's user must enter the run directory, where the overlays go. */
static gboolean
pv_host_storage_local_check_overlays(PvHostStorage *storage, const char *vm, GError **error)
{
    PvQemuUser *user = ((PvHostStorageLocal *)storage)->user;
    g_autofree char *overlay = NULL;
    g_autofree char *run_dir = NULL;
    g_autofree char *blocker = NULL;
    g_autofree char *fix = NULL;

    if (!user)
        return TRUE;
    overlay = pv_host_storage_local_path(storage, "overlay", ".qcow2");
    run_dir = g_path_get_dirname(overlay);
    if (pv_qemu_user_can_enter(user, run_dir, &blocker))
        return TRUE;
    fix = pv_qemu_user_format_fix(user, blocker);
    g_set_error(error, PV_ERROR, PV_ERROR_IO,
                _("vm '%s': QEMU runs as %s (uid %u), which may not enter %s on the way to the "
                  "run directory %s, where its disk overlay goes: let it in with %s (as "
                  "virt-manager does), or give --results-dir elsewhere"),
                vm, pv_qemu_user_peek_name(user), (unsigned)pv_qemu_user_get_uid(user),
                blocker, run_dir, fix);
    return FALSE;
}

/* qcow2 images start with "QFI\xfb"; anything else is taken as raw. */
static const char *
pv_host_storage_local_image_format(const char *path)
{
    guchar magic[4] = { 0 };
    int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
    gssize got = fd >= 0 ? read(fd, magic, sizeof(magic)) : -1;

    if (fd >= 0)
        close(fd);
    return got == 4 && memcmp(magic, "QFI\xfb", 4) == 0 ? "qcow2" : "raw";
}

/* Runs qemu-img with @argv; its complaint, when it fails, becomes @error. */
static gboolean
pv_host_storage_local_qemu_img(const char *const *argv, GError **error)
{
    g_autofree char *err_text = NULL;
    int status = 0;
    g_autoptr(GError) local_error = NULL;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                      NULL, &err_text, &status, &local_error)) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot run %s: %s"),
                    PV_QEMU_IMG, local_error->message);
        return FALSE;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_IO, g_strstrip(err_text));
        return FALSE;
    }
    return TRUE;
}

/* A qcow2 overlay of @base, made with qemu-img in the run directory. */
static char *
pv_host_storage_local_make_overlay(PvHostStorage *storage, const char *base, const char *name,
                                   GError **error)
{
    g_autofree char *overlay = pv_host_storage_local_path(storage, name, ".qcow2");
    const char *argv[] = {
        PV_QEMU_IMG, "create", "-q", "-f", "qcow2",
        "-F", pv_host_storage_local_image_format(base), "-b", base, overlay, NULL,
    };

    if (!pv_host_storage_local_qemu_img(argv, error)) {
        g_prefix_error(error, _("cannot make a disk overlay of %s: "), base);
        return NULL;
    }
    return g_steal_pointer(&overlay);
}

/* A blank qcow2 disk, made with qemu-img in the run directory. */
static char *
pv_host_storage_local_make_blank(PvHostStorage *storage, const char *name, guint64 size,
                                 GError **error)
{
    g_autofree char *path = pv_host_storage_local_path(storage, name, ".qcow2");
    g_autofree char *bytes = g_strdup_printf("%" G_GUINT64_FORMAT, size);
    const char *argv[] = {
        PV_QEMU_IMG, "create", "-q", "-f", "qcow2", path, bytes, NULL,
    };

    if (!pv_host_storage_local_qemu_img(argv, error)) {
        g_prefix_error(error, _("cannot make a blank disk %s: "), path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

/* Beside the overlays: libvirt makes it there, as QEMU's user. */
static char *
pv_host_storage_local_nvram_path(PvHostStorage *storage, const char *name, GError **error)
{
    return pv_host_storage_local_path(storage, name, PV_HOST_STORAGE_NVRAM_SUFFIX);
}

static gboolean
pv_host_storage_local_keep_overlay(PvHostStorage *storage, const char *overlay,
                                   const char *to, GError **error)
{
    g_autoptr(GFile) from = g_file_new_for_path(overlay);
    g_autoptr(GFile) dest = g_file_new_for_path(to);

    return g_file_move(from, dest, G_FILE_COPY_NONE, NULL, NULL, NULL, error);
}

/*
 * Written beside the overlays, readable by all (it holds nothing secret
 * that the guest would not show), then checked as QEMU's user.
 */
static char *
pv_host_storage_local_put_file(PvHostStorage *storage, const char *name, GBytes *contents,
                               const char *vm, const char *role, GError **error)
{
    g_autofree char *path = pv_host_storage_local_path(storage, name, "");
    gsize len = 0;
    const char *data = g_bytes_get_data(contents, &len);

    if (!pv_write_file_atomic(path, data, len, error))
        return NULL;
    if (!pv_host_storage_local_check_file(storage, path, vm, role, error)) {
        g_unlink(path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

static void
pv_host_storage_local_remove(PvHostStorage *storage, const char *path)
{
    g_unlink(path);
}

static char *
pv_host_storage_local_fixture_path(PvHostStorage *storage, const char *slot_dir,
                                   const char *slot_name, const char *file)
{
    return g_build_filename(slot_dir, file, NULL);
}

/* libvirt logs the console straight into the run directory. */
static gboolean
pv_host_storage_local_open_console(PvHostStorage *storage, const char *name,
                                   PvHostConsole *console, GError **error)
{
    console->path = pv_host_storage_local_path(storage, name, ".console.log");
    console->log = g_strdup(console->path);
    return TRUE;
}

static void
pv_host_storage_local_follow_console(PvHostStorage *storage, PvDomain *domain,
                                     const PvHostConsole *console)
{
}

static void
pv_host_storage_local_free(PvHostStorage *storage)
{
    PvHostStorageLocal *local = (PvHostStorageLocal *)storage;

    g_mutex_clear(&local->lock);
    g_free(local->dir);
    g_free(local);
}

static const PvHostStorageClass pv_host_storage_local_class = {
    .set_dir = pv_host_storage_local_set_dir,
    .provide = pv_host_storage_local_provide,
    .check_file = pv_host_storage_local_check_file,
    .check_overlays = pv_host_storage_local_check_overlays,
    .make_overlay = pv_host_storage_local_make_overlay,
    .keep_overlay = pv_host_storage_local_keep_overlay,
    .put_file = pv_host_storage_local_put_file,
    .remove = pv_host_storage_local_remove,
    .fixture_path = pv_host_storage_local_fixture_path,
    .open_console = pv_host_storage_local_open_console,
    .follow_console = pv_host_storage_local_follow_console,
    .free = pv_host_storage_local_free,
    .make_blank = pv_host_storage_local_make_blank,
    .nvram_path = pv_host_storage_local_nvram_path,
};

/**
 * pv_host_storage_new_local:
 * @user: (nullable) (transfer none): the user QEMU runs as on the host, to
 *   check what it can reach; NULL checks nothing.  Must outlive the storage
 *
 * The storage of a host whose libvirt shares this machine's files.
 * Returns: (transfer full)
 */
PvHostStorage *
pv_host_storage_new_local(PvQemuUser *user)
{
    PvHostStorageLocal *local = g_new0(PvHostStorageLocal, 1);

    local->parent.klass = &pv_host_storage_local_class;
    local->user = user;
    g_mutex_init(&local->lock);
    return &local->parent;
}
