/*
 * pv-vm-disks.c: a VM's disks beyond its root disk, and its UEFI firmware
 *
 * A VM's `disks` (its profile's, or its own from provium:vm()) are files of
 * its host's storage (pv-host-storage.c), as the root disk's overlay is: a
 * blank disk is a new qcow2 of its size, a file disk an overlay of the
 * file, which is never written.  They are made as the domain starts, named
 * after it ("<domain>-disk1", ...), and removed when it is gone, or kept
 * with it by --keep-failed; with `firmware = efi`, so are its UEFI
 * variables.  Before the host takes the boot, the files are provided and
 * the host is asked whether it has UEFI firmware, so a boot that cannot
 * work fails at once.
 */
#include "config.h"

#include <glib/gi18n.h>

#define PV_VM_PRIVATE
#include "pv-error.h"
#include "pv-vm-private.h"

/*
 * A fixture's saved state holds neither more disks nor UEFI variables
 * (provium:vm() refuses them), and a restore goes through here too.
 */
static gboolean
pv_vm_disks_refuse_restore(PvVm *vm, GError **error)
{
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("vm '%s': a VM restored from a fixture cannot have disks or firmware = efi "
                  "yet (profile '%s')"), vm->name, vm->profile->name);
    return FALSE;
}

/**
 * pv_vm_provide_disks:
 * @restore: the domain is restored from a fixture, not booted
 *
 * Before the host takes the boot: with firmware = efi, the host must have
 * UEFI firmware; each file disk is made available on the host
 * (pv_host_storage_provide()), its path there kept for the overlay.
 */
gboolean
pv_vm_provide_disks(PvVm *vm, gboolean restore, GError **error)
{
    GPtrArray *disks = vm->profile->disks;
    PvVmBoot *boot = vm->boot;
    guint i;

    if (!disks && vm->profile->firmware != PV_FIRMWARE_EFI)
        return TRUE;
    if (restore)
        return pv_vm_disks_refuse_restore(vm, error);
    if (vm->profile->firmware == PV_FIRMWARE_EFI && vm->ctx.host &&
        !pv_host_peek_efi_firmware(vm->ctx.host)) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("vm '%s': profile '%s' asks for firmware = efi, but libvirt on host '%s' "
                      "offers no UEFI firmware: install it (Debian: apt install ovmf)"),
                    vm->name, vm->profile->name, pv_host_peek_name(vm->ctx.host));
        return FALSE;
    }
    if (!disks)
        return pv_host_storage_check_overlays(vm->ctx.storage, vm->name, error);
    if (boot->disk_bases)
        g_ptr_array_unref(boot->disk_bases);
    boot->disk_bases = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < disks->len; i++) {
        const PvDiskSpec *spec = disks->pdata[i];
        char *base = NULL;

        if (spec->file &&
            !(base = pv_host_storage_provide(vm->ctx.storage, spec->file, vm->name, "disks",
                                             error)))
            return FALSE;
        g_ptr_array_add(boot->disk_bases, base);
    }
    return pv_host_storage_check_overlays(vm->ctx.storage, vm->name, error);
}

/**
 * pv_vm_make_disks:
 * @name: the domain's name
 *
 * As domain @name starts: its disks, each a blank qcow2 or an overlay of
 * its file, and with EFI where its UEFI variables go.  Made once per
 * domain: a start tried again (pv-vm-start.c's fallbacks) uses them again.
 */
gboolean
pv_vm_make_disks(PvVm *vm, const char *name, GError **error)
{
    GPtrArray *disks = vm->profile->disks;
    PvHostStorage *storage = vm->ctx.storage;
    guint i;

    if (vm->profile->firmware == PV_FIRMWARE_EFI && !vm->nvram &&
        !(vm->nvram = pv_host_storage_nvram_path(storage, name, error)))
        return FALSE;
    if (!disks || vm->disk_files)
        return TRUE;
    vm->disk_files = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < disks->len; i++) {
        const PvDiskSpec *spec = disks->pdata[i];
        const char *base = vm->boot->disk_bases->pdata[i];
        g_autofree char *disk_name = g_strdup_printf("%s-disk%u", name, i + 1);
        char *path = base ? pv_host_storage_make_overlay(storage, base, disk_name, error) :
            pv_host_storage_make_blank(storage, disk_name, spec->size, error);

        if (!path) {
            g_prefix_error(error, _("vm '%s': disks[%u]: "), vm->name, i + 1);
            return FALSE;
        }
        g_ptr_array_add(vm->disk_files, path);
    }
    return TRUE;
}

/**
 * pv_vm_domain_disks:
 * @n: (out): how many
 *
 * Returns: (transfer full) (nullable): the disks of the VM's domain request,
 *   borrowing the VM's paths; NULL with none
 */
PvDomainDisk *
pv_vm_domain_disks(PvVm *vm, guint *n)
{
    PvDomainDisk *disks;
    guint i;

    *n = 0;
    if (!vm->disk_files || !vm->disk_files->len)
        return NULL;
    disks = g_new0(PvDomainDisk, vm->disk_files->len);
    for (i = 0; i < vm->disk_files->len; i++) {
        const PvDiskSpec *spec = vm->profile->disks->pdata[i];

        disks[i].path = vm->disk_files->pdata[i];
        disks[i].bus = spec->bus;
    }
    *n = vm->disk_files->len;
    return disks;
}

/**
 * pv_vm_remove_disks:
 *
 * The domain is gone: its disks and UEFI variables go with it.
 */
void
pv_vm_remove_disks(PvVm *vm)
{
    guint i;

    for (i = 0; vm->disk_files && i < vm->disk_files->len; i++)
        pv_host_storage_remove(vm->ctx.storage, vm->disk_files->pdata[i]);
    g_clear_pointer(&vm->disk_files, g_ptr_array_unref);
    if (vm->nvram) {
        pv_host_storage_remove(vm->ctx.storage, vm->nvram);
        g_clear_pointer(&vm->nvram, g_free);
    }
}
