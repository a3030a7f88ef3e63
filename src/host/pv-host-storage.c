/*
 * pv-host-storage.c: the files a host's domains open, and where they are
 * kept there
 *
 * Every file a domain needs on its host goes through here: the images of
 * this machine a profile names (kernel, initrd, a disk's base), the overlay
 * each domain writes into, a VM's blank disks and UEFI variables, a fixture
 * slot's saved state and disk, and the serial console log.  vm/ hands over paths of this machine and gets back
 * what the domain XML is to name; it never builds a path on the host
 * itself.  Which implementation a host has is its PvHost's choice:
 * pv-host-storage-local.c, for a libvirt that shares this machine's files
 * (the same paths, overlays and logs in the run directory), and
 * pv-host-storage-pool.c, for a host whose files are not this machine's:
 * they go into a libvirt storage pool of provium's there, behind the same
 * functions (doc/architecture.md, "A host's files"; doc/hosts.md).
 *
 * A profile's file may also be on the host already, on either kind:
 * vol:POOL/NAME, a volume of the host, or host:/PATH, a path there.  Those
 * are resolved here, through libvirt, and never checked on this machine.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-config.h"
#include "pv-error.h"
#include "pv-storage-pool.h"

#define PV_HOST_STORAGE_PRIVATE
#include "pv-host-storage-private.h"

void
pv_host_console_clear(PvHostConsole *console)
{
    g_clear_pointer(&console->log, g_free);
    g_clear_pointer(&console->path, g_free);
}

void
pv_host_storage_free(PvHostStorage *storage)
{
    if (storage)
        storage->klass->free(storage);
}

/**
 * pv_host_storage_set_dir:
 * @dir: this run's directory of its VMs' files on this machine (the run
 *   directory's vms/); it must outlive nothing: copied
 *
 * Where what is made for the run's domains and read on this machine goes
 * (console logs; with a host that shares this machine's files, overlays
 * too).  Set before the first boot.
 */
void
pv_host_storage_set_dir(PvHostStorage *storage, const char *dir)
{
    if (storage->klass->set_dir)
        storage->klass->set_dir(storage, dir);
}

/**
 * pv_host_storage_set_conn:
 * @conn: (transfer none): the host's connection, which must outlive the
 *   storage
 *
 * How vol:POOL/NAME is resolved (pv_host_storage_new_pool() has it already).
 */
void
pv_host_storage_set_conn(PvHostStorage *storage, virConnect *conn)
{
    storage->conn = conn;
}

/* vol:POOL/NAME: the volume's path on the host. */
static char *
pv_host_storage_resolve_vol(PvHostStorage *storage, const char *spec, GError **error)
{
    const char *slash = strchr(spec, '/');
    g_autofree char *pool = slash ? g_strndup(spec, slash - spec) : NULL;

    if (!pool || !*pool || !slash[1]) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("'vol:%s' names no volume: write vol:POOL/NAME"), spec);
        return NULL;
    }
    if (!storage->conn) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("'vol:%s' needs a libvirt host"), spec);
        return NULL;
    }
    return pv_storage_vol_lookup_path(storage->conn, pool, slash + 1, NULL, error);
}

/**
 * pv_host_storage_provide:
 * @path: a file of this machine: a profile's kernel, initrd or disk image
 * @vm: the VM whose domain opens it, for messages
 * @role: what it is to the domain ("kernel", "initrd", "disk"), for messages
 *
 * Makes @path available to the host's domains.  A host that shares this
 * machine's files takes it where it is, once QEMU's user there can reach
 * it; a host that does not gets a copy of it, once per content.  A file on
 * the host already (pv_profile_path_is_on_host()) is taken as it is.
 * Returns: (transfer full): the path the domain XML names, or NULL with
 *   @error set (naming the directory in the way, and the fix)
 */
char *
pv_host_storage_provide(PvHostStorage *storage, const char *path, const char *vm,
                        const char *role, GError **error)
{
    g_autofree char *on_host = NULL;

    if (g_str_has_prefix(path, PV_PROFILE_HOST_PREFIX)) {
        on_host = g_strdup(path + strlen(PV_PROFILE_HOST_PREFIX));
    } else if (g_str_has_prefix(path, PV_PROFILE_VOL_PREFIX)) {
        on_host = pv_host_storage_resolve_vol(storage,
                                              path + strlen(PV_PROFILE_VOL_PREFIX),
                                              error);
        if (!on_host) {
            g_prefix_error(error, _("vm '%s': its %s %s: "), vm, role, path);
            return NULL;
        }
    } else {
        return storage->klass->provide(storage, path, vm, role, error);
    }
    if (!storage->klass->check_file(storage, on_host, vm, role, error))
        return NULL;
    return g_steal_pointer(&on_host);
}

/**
 * pv_host_storage_check_file:
 * @path: a file already on the host: pv_host_storage_fixture_path()'s
 *
 * Whether a domain of @vm can open @path there.
 */
gboolean
pv_host_storage_check_file(PvHostStorage *storage, const char *path, const char *vm,
                           const char *role, GError **error)
{
    return storage->klass->check_file(storage, path, vm, role, error);
}

/**
 * pv_host_storage_check_overlays:
 *
 * Whether the host can keep overlays for the domains of @vm (before a boot
 * with a disk waits for the host: it would fail only after).
 */
gboolean
pv_host_storage_check_overlays(PvHostStorage *storage, const char *vm, GError **error)
{
    return storage->klass->check_overlays(storage, vm, error);
}

/**
 * pv_host_storage_make_overlay:
 * @base: a path on the host: pv_host_storage_provide()'s, or a fixture
 *   slot's disk
 * @name: the domain's name
 *
 * A new qcow2 overlay of @base for domain @name: what the domain writes goes
 * there, never into @base.
 * Returns: (transfer full): the overlay's path on the host, for the domain
 *   XML, or NULL with @error set
 */
char *
pv_host_storage_make_overlay(PvHostStorage *storage, const char *base, const char *name,
                             GError **error)
{
    return storage->klass->make_overlay(storage, base, name, error);
}

/**
 * pv_host_storage_make_blank:
 * @name: the disk's name: the domain's, with a suffix of the caller's
 * @size: in bytes
 *
 * A new, empty qcow2 disk of @size for a domain (a VM's `disks`), removed
 * with pv_host_storage_remove() as an overlay is.
 * Returns: (transfer full): its path on the host, for the domain XML, or
 *   NULL with @error set
 */
char *
pv_host_storage_make_blank(PvHostStorage *storage, const char *name, guint64 size,
                           GError **error)
{
    if (!storage->klass->make_blank) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_IO,
                            _("this host's storage cannot make blank disks"));
        return NULL;
    }
    return storage->klass->make_blank(storage, name, size, error);
}

/**
 * pv_host_storage_nvram_path:
 * @name: the domain's name
 *
 * Where the UEFI variables of domain @name are kept on the host: libvirt
 * makes the file from its firmware's template as the domain starts (it is
 * not made here), and pv_host_storage_remove() removes it with the domain.
 * Returns: (transfer full): the path the domain XML's <nvram> names, or
 *   NULL with @error set
 */
char *
pv_host_storage_nvram_path(PvHostStorage *storage, const char *name, GError **error)
{
    if (!storage->klass->nvram_path) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_IO,
                            _("this host's storage cannot keep UEFI variables"));
        return NULL;
    }
    return storage->klass->nvram_path(storage, name, error);
}

/**
 * pv_host_storage_keep_overlay:
 * @overlay: pv_host_storage_make_overlay()'s, its domain saved or stopped
 * @to: pv_host_storage_fixture_path()'s: a fixture slot's disk
 *
 * The overlay is kept as @to instead of being removed: a saved state goes
 * with the disk it was saved with.
 */
gboolean
pv_host_storage_keep_overlay(PvHostStorage *storage, const char *overlay, const char *to,
                             GError **error)
{
    return storage->klass->keep_overlay(storage, overlay, to, error);
}

/**
 * pv_host_storage_put_file:
 * @name: the file's name, unique in the run: the domain's name and a suffix
 * @contents: what provium made for the domain (a cloud-init seed)
 * @vm: the VM whose domain opens it, for messages
 * @role: what it is to the domain ("cloud-init seed"), for messages
 *
 * A file provium made for one domain, put where the domain can open it
 * read-only; removed with pv_host_storage_remove() as the overlay is.
 * Returns: (transfer full): the path the domain XML names, or NULL with
 *   @error set
 */
char *
pv_host_storage_put_file(PvHostStorage *storage, const char *name, GBytes *contents,
                         const char *vm, const char *role, GError **error)
{
    return storage->klass->put_file(storage, name, contents, vm, role, error);
}

/**
 * pv_host_storage_remove:
 *
 * Removes a file made for a domain (an overlay, a put file, a blank disk,
 * its UEFI variables), once its domain is gone.
 */
void
pv_host_storage_remove(PvHostStorage *storage, const char *path)
{
    storage->klass->remove(storage, path);
}

/**
 * pv_host_storage_fixture_path:
 * @slot_dir: a fixture slot's directory (the store, fixture/)
 * @slot_name: the slot's domain name, which names its files where they are
 *   not in @slot_dir (a remote host's pool)
 * @file: the slot's file: its memory state, its disk
 *
 * Returns: (transfer full): where the host keeps that file: libvirt saves
 *   the state there, and restores it from there
 */
char *
pv_host_storage_fixture_path(PvHostStorage *storage, const char *slot_dir,
                             const char *slot_name, const char *file)
{
    return storage->klass->fixture_path(storage, slot_dir, slot_name, file);
}

/**
 * pv_host_storage_open_console:
 * @name: the domain's name
 * @console: (out caller-allocates): clear with pv_host_console_clear()
 *
 * Where domain @name's serial console is logged: what its XML names, and
 * where it is read on this machine.
 */
gboolean
pv_host_storage_open_console(PvHostStorage *storage, const char *name, PvHostConsole *console,
                             GError **error)
{
    return storage->klass->open_console(storage, name, console, error);
}

/**
 * pv_host_storage_follow_console:
 *
 * @domain runs: from now on its console fills @console's path (where the
 * host writes the log itself, there is nothing to do).
 */
void
pv_host_storage_follow_console(PvHostStorage *storage, PvDomain *domain,
                               const PvHostConsole *console)
{
    storage->klass->follow_console(storage, domain, console);
}

/**
 * pv_host_storage_close_console:
 * @name: the domain's name, as pv_host_storage_open_console() had it
 *
 * Domain @name is gone: what its console logged is all read here, and what
 * the host kept of it goes.
 */
void
pv_host_storage_close_console(PvHostStorage *storage, const char *name)
{
    if (storage->klass->close_console)
        storage->klass->close_console(storage, name);
}
