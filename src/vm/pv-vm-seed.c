/*
 * pv-vm-seed.c: a VM's cloud-init NoCloud seed, made for each of its boots
 *
 * When the VM's profile (or its own cloud_init option) turns cloud-init
 * on, each domain of the VM, booted or restored, gets a seed of its own
 * (net/pv-seed.c: a new instance-id, the VM's name as hostname, its NICs'
 * network-config, its user-data), put on its host through the host's
 * storage like the VM's other files, attached as a read-only CD-ROM
 * (libvirt/pv-template-seed.c), and removed with the overlay when the
 * domain is gone (kept with it under --keep-failed).  The guest's own
 * network stack then configures the NICs: provium only waits for their
 * addresses (pv-vm-net.c).
 */
#include "config.h"

#include <glib/gi18n.h>

#define PV_VM_PRIVATE
#include "pv-seed.h"
#include "pv-text.h"
#include "pv-vm-private.h"

/**
 * pv_vm_has_cloud_init:
 *
 * Whether the VM's domains get a cloud-init seed.
 */
gboolean
pv_vm_has_cloud_init(PvVm *vm)
{
    return pv_cloud_init_is_enabled(vm->profile->cloud_init);
}

/**
 * pv_vm_make_seed:
 * @name: the domain's name
 *
 * With cloud-init, a new seed for domain @name on the VM's host
 * (vm->seed); without, nothing.
 */
gboolean
pv_vm_make_seed(PvVm *vm, const char *name, GError **error)
{
    const PvCloudInit *cloud_init = vm->profile->cloud_init;
    g_autofree char *user_data = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *instance_id = NULL;
    g_autofree char *hostname = NULL;
    g_autofree char *file = NULL;
    g_autoptr(GBytes) image = NULL;
    PvSeedInputs inputs = { 0 };

    pv_vm_remove_seed(vm);
    if (!pv_vm_has_cloud_init(vm))
        return TRUE;
    user_data = pv_cloud_init_read_user_data(cloud_init, error);
    if (!user_data) {
        g_prefix_error(error, _("vm '%s': profile '%s': "), vm->name, vm->profile->name);
        return FALSE;
    }
    uuid = g_uuid_string_random();
    instance_id = g_strconcat("provium-", uuid, NULL);
    hostname = pv_text_make_valid(vm->name, -1);
    inputs.instance_id = instance_id;
    inputs.hostname = hostname;
    inputs.meta_data = cloud_init->meta_data;
    inputs.user_data = user_data;
    inputs.network_config = cloud_init->network_config;
    inputs.nics = (const PvNic *const *)vm->nics->pdata;
    inputs.n_nics = vm->nics->len;
    image = pv_seed_image(&inputs, g_get_real_time() / G_USEC_PER_SEC, error);
    if (!image) {
        g_prefix_error(error, _("vm '%s': "), vm->name);
        return FALSE;
    }
    file = g_strconcat(name, ".seed.iso", NULL);
    vm->seed = pv_host_storage_put_file(vm->ctx.storage, file, image, vm->name,
                                        "cloud-init seed", error);
    return vm->seed != NULL;
}

/**
 * pv_vm_remove_seed:
 *
 * The seed's domain is gone (or never started): the seed goes too.
 */
void
pv_vm_remove_seed(PvVm *vm)
{
    if (vm->seed) {
        pv_host_storage_remove(vm->ctx.storage, vm->seed);
        g_clear_pointer(&vm->seed, g_free);
    }
}
