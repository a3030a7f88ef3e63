/*
 * pv-vm-fixture.c: VMs restored from a fixture (doc/fixtures.md)
 *
 * provium:vm("a", {fixture = "web"}) gives the VM a fixture; its vm:boot()
 * then restores the fixture's saved state instead of booting:
 *
 *   1. the key: the fixture file, its inputs, the profile, the accelerator
 *      and the hypervisor (pv-fixture-key.c);
 *   2. the store says hit, build (the key's build lock is ours) or wait
 *      (another file of the run, or another run, builds it: file_blocked
 *      fixture_build through the run's scheduler, which sees a deadlock
 *      among the run's files; then look again);
 *   3. a build boots the VM under slot 0's domain name and UUID, runs the
 *      fixture's setup on it, saves it into the build (with a disk, its
 *      overlay goes with the memory state) and commits: a build
 *      that fails caches nothing, and the files waiting for it fail with
 *      its reason;
 *   4. the VM claims a slot (one state serves one domain at a time; a slot
 *      without a state is made the way a build is, for that slot) and is
 *      restored from it, its agent answering and its clock set.
 *
 * The VM holds the entry and its slot while its domain lives; vm:reset()
 * restores the same slot again.
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#define PV_VM_PRIVATE
#include "pv-error.h"
#include "pv-fixture-key.h"
#include "pv-host-fixtures.h"
#include "pv-resources.h"
#include "pv-sched.h"
#include "pv-vm-private.h"

/*
 * How often a file waiting for another run's build looks whether it ended:
 * that run cannot notify this one's scheduler.  A build of this run's own
 * files notifies when it ends (pv_vm_fixture_entry()).
 */
#define PV_VM_FIXTURE_RETRY_US (G_USEC_PER_SEC / 5)
/* Console lines a failed build's error carries. */
#define PV_VM_FIXTURE_EXCERPT_LINES 20
#define PV_VM_FIXTURE_STATE "memory.state"
#define PV_VM_FIXTURE_DISK "disk.qcow2"

void
pv_vm_fixture_free(PvVmFixture *fixture)
{
    if (!fixture)
        return;
    g_free(fixture->name);
    g_free(fixture->path);
    g_free(fixture->text);
    g_strfreev(fixture->inputs);
    g_free(fixture);
}

/**
 * pv_vm_set_fixture:
 * @fixture: (transfer full)
 *
 * The VM boots from @fixture from now on.
 */
void
pv_vm_set_fixture(PvVm *vm, PvVmFixture *fixture)
{
    pv_vm_fixture_free(vm->fixture);
    vm->fixture = fixture;
}

/**
 * pv_vm_peek_fixture:
 * Returns: (transfer none) (nullable): the VM's fixture
 */
const PvVmFixture *
pv_vm_peek_fixture(PvVm *vm)
{
    return vm->fixture;
}

/**
 * pv_vm_fixture_release:
 *
 * The VM's restored domain is gone: its slot and entry go back to the store.
 */
void
pv_vm_fixture_release(PvVm *vm)
{
    g_clear_pointer(&vm->fixture_slot, pv_fixture_slot_free);
    g_clear_pointer(&vm->fixture_entry, pv_fixture_entry_free);
    vm->fixture_domain = NULL;
    g_clear_pointer(&vm->domain_name, g_free);
    g_clear_pointer(&vm->domain_uuid, g_free);
}

/* The fixture's key, as pv-fixture-key.c computes it. */
static PvFixtureKey *
pv_vm_fixture_key(PvVm *vm, PvFixtureStore *store, const char *hypervisor, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(vm->fixture->path);
    const char *reason = NULL;
    PvFixtureKeyInputs inputs = { 0 };
    PvFixtureKey *key;

    inputs.name = vm->fixture->name;
    inputs.definition = vm->fixture->text;
    inputs.definition_len = vm->fixture->text_len;
    inputs.inputs = (const char *const *)vm->fixture->inputs;
    inputs.input_dir = dir;
    inputs.profile = vm->profile;
    inputs.virt_type = pv_vm_virt_request(vm->ctx.virt_type,
                                          vm->profile->virt_type,
                                          pv_host_get_virt_auto(vm->ctx.host, &reason));
    if (inputs.virt_type == PV_VIRT_AUTO)
        inputs.virt_type = pv_host_get_virt_auto(vm->ctx.host, &reason);
    inputs.hypervisor = hypervisor;
    inputs.host = pv_host_peek_fixture_host(vm->ctx.host);
    key = pv_fixture_key_compute(&inputs, pv_fixture_store_peek_digests(store), error);
    if (!key)
        g_prefix_error(error, _("fixture '%s' (%s): "), vm->fixture->name, vm->fixture->path);
    return key;
}

/*
 * Boots the VM under @name and @uuid, runs the setup and saves the guest
 * into @dir.  On failure the domain is destroyed, and @console (when not
 * NULL) gets the console's last lines: the test's own failure shows the
 * VM's console, the files waiting for the build need them in its message.
 */
static gboolean
pv_vm_fixture_make_state(PvVm *vm, const PvVmBootOptions *options, const char *name,
                         const char *uuid, const char *dir, PvVmFixtureSetupFunc setup,
                         gpointer user_data, char **console, GError **error)
{
    PvHostStorage *storage = vm->ctx.storage;
    g_autofree char *state = pv_host_storage_fixture_path(storage, dir, name,
                                                          PV_VM_FIXTURE_STATE);
    g_autofree char *tail = NULL;
    g_autoptr(GError) local_error = NULL;
    /* ready = "systemd" is asked of each restore, not of the build's boot. */
    PvVmBootOptions build_options = *options;
    gboolean ok;

    build_options.ready = PV_VM_READY_AGENT;
    g_free(vm->domain_name);
    vm->domain_name = g_strdup(name);
    g_free(vm->domain_uuid);
    vm->domain_uuid = g_strdup(uuid);
    ok = pv_vm_boot(vm, &build_options, &local_error) && setup(vm, user_data, &local_error);
    if (ok) {
        ok = pv_domain_save(vm->domain, state, &local_error);
        /* The memory state goes with the disk it was saved with: the overlay
         * (over the profile's disk) becomes the slot's, before stopping
         * removes it. */
        if (ok && vm->overlay) {
            g_autofree char *disk = pv_host_storage_fixture_path(storage, dir, name,
                                                                 PV_VM_FIXTURE_DISK);

            ok = pv_host_storage_keep_overlay(storage, vm->overlay, disk, &local_error);
            if (ok)
                g_clear_pointer(&vm->overlay, g_free);
        }
        if (ok) {
            pv_vm_emit_stopped(vm, "saved");
            pv_vm_settle_stopped(vm);
        }
    }
    g_clear_pointer(&vm->domain_uuid, g_free);
    g_clear_pointer(&vm->domain_name, g_free);
    if (ok)
        return TRUE;
    tail = pv_vm_console_tail(vm, PV_VM_FIXTURE_EXCERPT_LINES);
    if (pv_vm_is_running(vm))
        pv_vm_destroy(vm, NULL);
    if (console)
        *console = g_strdup(tail);
    g_set_error(error, local_error->domain, local_error->code,
                _("fixture '%s' (%s) did not build: %s"), vm->fixture->name,
                vm->fixture->path, local_error->message);
    return FALSE;
}

/* A VM waiting for another's build of its fixture. */
typedef struct {
    PvVm *vm;
    PvFixtureStore *store;
    PvFixtureWait *wait;
    const char *waiting_for;
} PvVmFixtureWait;

/*
 * Granted once the builder is gone (finished, failed or killed).  A build
 * of this run's files notifies when it ends; another run's is looked at
 * again every PV_VM_FIXTURE_RETRY_US, since it cannot.
 */
static PvSchedTry
pv_vm_fixture_try(gpointer user_data, PvBlockReason *reason, gboolean *on_files, GError **error)
{
    PvVmFixtureWait *wait = user_data;

    if (pv_fixture_wait_is_done(wait->wait))
        return PV_SCHED_GRANTED;
    *reason = PV_BLOCK_FIXTURE_BUILD;
    *on_files = pv_fixture_store_is_building(wait->store, wait->vm->fixture_key);
    return PV_SCHED_BLOCKED;
}

static void
pv_vm_fixture_blocked(gpointer user_data, PvBlockReason reason)
{
    PvVmFixtureWait *wait = user_data;

    if (reason == PV_BLOCK_NONE)
        pv_file_unblock(wait->vm->ctx.file);
    else
        pv_file_block(wait->vm->ctx.file, reason, wait->waiting_for);
}

static gboolean
pv_vm_fixture_check(gpointer user_data, GError **error)
{
    return pv_file_check(((PvVmFixtureWait *)user_data)->vm->ctx.file, error);
}

/* Another file or run builds the key: wait for it, interruptibly, saying so. */
static gboolean
pv_vm_fixture_wait(PvVm *vm, PvFixtureStore *store, PvFixtureWait *wait, GError **error)
{
    const char *holder = pv_fixture_wait_peek_holder(wait);
    g_autofree char *waiting_for = g_strdup_printf(_("fixture '%s' built by %s"),
                                                   vm->fixture->name, holder ? holder : "?");
    g_autofree char *who = g_strdup_printf(_("vm '%s'"), vm->name);
    g_autofree char *need = g_strdup_printf(_("fixture '%s'"), vm->fixture->name);
    g_autofree char *failure = NULL;
    PvVmFixtureWait fixture_wait = { vm, store, wait, waiting_for };
    PvSchedWait sched_wait = {
        .wake = vm->ctx.wake,
        .deadline = G_MAXINT64,
        .try_take = pv_vm_fixture_try,
        .blocked = pv_vm_fixture_blocked,
        .check = pv_vm_fixture_check,
        .user_data = &fixture_wait,
        .who = who,
        .need = need,
        .retry_us = PV_VM_FIXTURE_RETRY_US,
    };
    gboolean ok;

    pv_event_fixture_build_waiting(vm->ctx.events, vm->ctx.path,
                                   vm->name, vm->fixture->name, vm->fixture_key, holder);
    ok = pv_sched_wait(pv_resources_peek_sched(vm->ctx.resources), &sched_wait, error);
    if (ok && (failure = pv_fixture_wait_get_failure(wait))) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("fixture '%s' (%s) did not build in %s: %s"), vm->fixture->name,
                    vm->fixture->path, holder ? holder : "another process", failure);
        ok = FALSE;
    }
    return ok;
}

/* After a build the cache goes back under its cap (least recently used first). */
static void
pv_vm_fixture_prune(PvVm *vm, PvFixtureStore *store)
{
    g_autoptr(GError) error = NULL;

    PvHost *host = vm->ctx.host;

    if (!pv_host_fixtures_prune(store, pv_host_is_local(host) ? NULL : pv_host_peek_conn(host),
                                PV_FIXTURE_STORE_DEFAULT_MAX_SIZE, NULL, NULL, NULL, &error))
    {
        g_autofree char *cap = pv_size_format(PV_FIXTURE_STORE_DEFAULT_MAX_SIZE);

        pv_run_note(vm->ctx.run, _("%s: cannot keep the fixture cache under %s: %s"),
                    vm->ctx.path, cap, error->message);
    }
}

/* Builds the key (its build lock is ours) and commits the entry. */
static PvFixtureEntry *
pv_vm_fixture_build(PvVm *vm, PvFixtureStore *store, const PvFixtureKey *key,
                    PvFixtureBuild *build, const PvVmBootOptions *options,
                    PvVmFixtureSetupFunc setup, gpointer user_data, GError **error)
{
    PvEvents *events = vm->ctx.events;
    const char *path = vm->ctx.path;
    g_autofree char *name = pv_fixture_store_slot_domain_name(store, key->key, 0);
    g_autofree char *uuid = pv_fixture_store_slot_uuid(store, key->key, 0);
    g_autofree char *dir = pv_fixture_build_get_slot_dir(build);
    g_autoptr(GError) local_error = NULL;
    g_autofree char *console = NULL;
    PvFixtureEntry *entry = NULL;
    gint64 started = g_get_monotonic_time();
    gboolean ok;

    pv_event_fixture_build_started(events, path, vm->name, vm->fixture->name, key->key);
    ok = g_mkdir_with_parents(dir, 0700) == 0 ||
        (g_set_error(&local_error, PV_ERROR, PV_ERROR_IO, _("cannot make %s: %s"), dir,
                     g_strerror(errno)), FALSE);
    ok = ok && pv_vm_fixture_make_state(vm, options, name, uuid, dir, setup, user_data,
                                        &console, &local_error);
    ok = ok && pv_fixture_build_commit(build, key, vm->fixture->name, &entry, &local_error);
    pv_event_fixture_build_finished(events, path, vm->name, vm->fixture->name, key->key,
                                    (g_get_monotonic_time() - started) * 1000,
                                    ok ? NULL : local_error->message);
    if (!ok) {
        g_autofree char *failure = console && *console ?
            g_strdup_printf(_("%s\n--- console of the fixture's build ---\n%s"),
                            local_error->message, console) : g_strdup(local_error->message);

        /*
         * Nothing is cached.  A build this run cut short (a signal, the
         * file's or the test's timeout: the file cannot go on; the setup's
         * error then says so only in its text) did not fail: it is abandoned
         * when the acquisition is freed, as if killed, and a file waiting for
         * it builds it instead.  Otherwise (the build's own boot timing out
         * included) the files waiting for it fail with this.
         */
        if (!g_error_matches(local_error, PV_ERROR, PV_ERROR_CANCELLED) &&
            pv_file_check(vm->ctx.file, NULL))
            pv_fixture_build_fail(build, failure);
        g_propagate_error(error, g_steal_pointer(&local_error));
        return NULL;
    }
    pv_vm_fixture_prune(vm, store);
    return entry;
}

/* The store's entry for the VM's fixture: found, built here, or built by another. */
static PvFixtureEntry *
pv_vm_fixture_entry(PvVm *vm, PvFixtureStore *store, const PvFixtureKey *key,
                    const PvVmBootOptions *options, PvVmFixtureSetupFunc setup,
                    gpointer user_data, GError **error)
{
    /* A record (the build lock, fixture_build_waiting): not translated. */
    g_autofree char *holder = g_strdup_printf("pid %" G_GINT64_FORMAT ", run %s, %s",
                                              vm->ctx.pid, vm->ctx.run_id,
                                              vm->ctx.path);

    for (;;) {
        g_auto(PvFixtureAcquisition) acquisition = { 0 };

        if (!pv_fixture_store_acquire(store, key->key, holder, &acquisition, error))
            return NULL;
        if (acquisition.warning)
            pv_run_note(vm->ctx.run, "%s: %s", vm->ctx.path, acquisition.warning);
        switch (acquisition.outcome) {
        case PV_FIXTURE_HIT:
            return g_steal_pointer(&acquisition.entry);
        case PV_FIXTURE_BUILD: {
            PvFixtureEntry *built = pv_vm_fixture_build(vm, store, key, acquisition.build,
                                                        options, setup, user_data, error);

            /* The build is over, committed, failed or abandoned: its lock goes
             * now, and this run's files waiting for it look again. */
            pv_fixture_acquisition_clear(&acquisition);
            pv_sched_notify(pv_resources_peek_sched(vm->ctx.resources));
            return built;
        }
        case PV_FIXTURE_WAIT:
            if (!pv_vm_fixture_wait(vm, store, acquisition.wait, error))
                return NULL;
            break;
        default:
            g_assert_not_reached();
        }
    }
}

/* Restores the VM from its claimed slot. */
static gboolean
pv_vm_fixture_restore(PvVm *vm, const PvVmBootOptions *options, GError **error)
{
    PvFixtureSlot *slot = vm->fixture_slot;
    PvHostStorage *storage = vm->ctx.storage;
    const char *dir = pv_fixture_slot_get_dir(slot);
    const char *name = pv_fixture_slot_get_domain_name(slot);
    g_autofree char *state = pv_host_storage_fixture_path(storage, dir, name,
                                                          PV_VM_FIXTURE_STATE);
    g_autofree char *disk = vm->profile->disk ?
        pv_host_storage_fixture_path(storage, dir, name, PV_VM_FIXTURE_DISK) : NULL;
    gboolean ok;

    /*
     * The slot's disk may be QEMU's user's; its state, which root's libvirt
     * reads, not.  On a remote host both are volumes of provium's pool there,
     * which only that host's libvirt writes.
     */
    if (pv_host_is_local(vm->ctx.host) &&
        !pv_fixture_slot_check_private(slot, PV_VM_FIXTURE_STATE, error))
        return FALSE;
    if (!pv_vm_boot_prepare(vm, options, error))
        return FALSE;
    if (!pv_vm_acquire(&vm, 1, error)) {
        pv_vm_boot_finish(vm);
        return FALSE;
    }
    g_free(vm->domain_name);
    vm->domain_name = g_strdup(pv_fixture_slot_get_domain_name(slot));
    ok = pv_vm_restore_one(vm, state, disk, error) && pv_vm_wait_guest_ready(vm, error);
    if (vm->domain && g_strcmp0(pv_domain_peek_name(vm->domain), vm->domain_name) == 0)
        vm->fixture_domain = vm->domain;
    if (ok)
        pv_event_vm_restored(vm->ctx.events, vm->ctx.path, vm->name,
                             pv_domain_peek_name(vm->domain), vm->fixture->name,
                             vm->fixture_key, pv_fixture_slot_get_index(slot),
                             (g_get_monotonic_time() - vm->boot->started) * 1000,
                             vm->boot->clock_not_set);
    if (!ok && !(vm->domain && pv_vm_is_running(vm)))
        pv_vm_boot_abandon(vm);
    else
        pv_vm_boot_finish(vm);
    return ok;
}

/*
 * Claims a slot of @entry whose name no kept domain holds: a VM kept after
 * a failed test (--keep-failed) by a run that ended still runs under its
 * slot's name, and is the user's to look at until provium clean removes it.
 * The slots passed over are held until a free one is found, so the claim
 * does not find them again.
 */
static PvFixtureSlot *
pv_vm_fixture_claim_slot(PvVm *vm, PvFixtureEntry *entry, GError **error)
{
    g_autoptr(GPtrArray) passed = g_ptr_array_new_with_free_func(
        (GDestroyNotify)pv_fixture_slot_free);

    for (;;) {
        PvFixtureSlot *slot = pv_fixture_entry_claim_slot(entry, error);

        if (!slot || !pv_domain_registry_is_kept(vm->ctx.domains,
                                                 pv_fixture_slot_get_domain_name(slot)))
            return slot;
        g_ptr_array_add(passed, slot);
    }
}

/*
 * A fixture of a profile with a disk keeps the saved disk in the cache, and
 * QEMU, as the user libvirt runs it as, opens it there at each restore: a
 * cache it may not enter (a --cache-dir of mode 0700) is refused before a
 * build, naming the directory and the fix, rather than failing every
 * restore after a good build.
 */
static gboolean
pv_vm_fixture_check_reach(PvVm *vm, PvFixtureStore *store, GError **error)
{
    PvQemuUser *user = pv_host_peek_qemu_user(vm->ctx.host);
    const char *dir = pv_fixture_store_get_dir(store);
    g_autofree char *blocker = NULL;
    g_autofree char *fix = NULL;

    if (!user || !vm->profile->disk || pv_qemu_user_can_enter(user, dir, &blocker))
        return TRUE;
    fix = pv_qemu_user_format_fix(user, blocker);
    g_set_error(error, PV_ERROR, PV_ERROR_IO,
                _("vm '%s': QEMU runs as %s (uid %u), which may not enter %s on the way to the "
                  "fixture cache %s, where fixture '%s' keeps its saved disk: let it in with %s "
                  "(as virt-manager does), or give --cache-dir elsewhere"),
                vm->name, pv_qemu_user_peek_name(user), (unsigned)pv_qemu_user_get_uid(user),
                blocker, dir, vm->fixture->name, fix);
    return FALSE;
}

/**
 * pv_vm_boot_fixture:
 * @setup: runs the fixture's setup on a build's VM
 *
 * vm:boot() of a VM with a fixture: restores the fixture's saved state,
 * building it first when the host has none (with @setup), waiting when
 * another process builds it.  Returns with the guest agent answering and
 * the guest's clock set.
 */
gboolean
pv_vm_boot_fixture(PvVm *vm, const PvVmBootOptions *options, PvVmFixtureSetupFunc setup,
                   gpointer user_data, GError **error)
{
    PvFixtureStore *store;
    g_autoptr(PvFixtureKey) key = NULL;
    g_autoptr(PvFixtureEntry) entry = NULL;
    g_autoptr(PvFixtureSlot) slot = NULL;

    g_return_val_if_fail(vm->fixture, FALSE);
    vm->touched = TRUE;
    if (vm->profile->console_channel) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': a fixture needs the guest agent (its restore asks it): "
                      "profile '%s' says channel = console; boot it without the fixture"),
                    vm->name, vm->profile->name);
        return FALSE;
    }
    /* What a boot checks, before the store is touched. */
    if (!pv_vm_boot_prepare(vm, options, error))
        return FALSE;
    pv_vm_boot_finish(vm);
    store = pv_host_get_fixture_store(vm->ctx.host, error);
    if (!store || !pv_vm_fixture_check_reach(vm, store, error))
        return FALSE;
    key = pv_vm_fixture_key(vm, store, pv_host_peek_hypervisor(vm->ctx.host), error);
    if (!key)
        return FALSE;
    g_free(vm->fixture_key);
    vm->fixture_key = g_strdup(key->key);
    entry = pv_vm_fixture_entry(vm, store, key, options, setup, user_data, error);
    if (!entry)
        return FALSE;
    slot = pv_vm_fixture_claim_slot(vm, entry, error);
    if (!slot)
        return FALSE;
    if (pv_fixture_slot_peek_warning(slot))
        pv_run_note(vm->ctx.run, "%s: %s", vm->ctx.path,
                    pv_fixture_slot_peek_warning(slot));
    if (!pv_fixture_slot_is_ready(slot)) {
        /* Every state is in use: this slot's is made as a build, under its name. */
        if (!pv_vm_fixture_make_state(vm, options, pv_fixture_slot_get_domain_name(slot),
                                      pv_fixture_slot_get_uuid(slot),
                                      pv_fixture_slot_get_dir(slot), setup, user_data, NULL,
                                      error) ||
            !pv_fixture_slot_commit(slot, error))
            return FALSE;
    }
    pv_vm_fixture_release(vm);
    vm->fixture_entry = g_steal_pointer(&entry);
    vm->fixture_slot = g_steal_pointer(&slot);
    if (!pv_vm_fixture_restore(vm, options, error)) {
        if (!pv_vm_is_running(vm))
            pv_vm_fixture_release(vm);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_vm_reset:
 *
 * Puts a VM restored from a fixture back to the fixture's state: its domain
 * is destroyed (vm_stopped reason "reset") and restored again from its slot.
 */
gboolean
pv_vm_reset(PvVm *vm, GError **error)
{
    PvVmBootOptions options;

    vm->touched = TRUE;
    if (!pv_vm_check_scope(vm, error))
        return FALSE;
    if (!vm->fixture) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' has no fixture to go back to: vm:reset() is for VMs made with "
                      "{fixture = NAME}"), vm->name);
        return FALSE;
    }
    if (!vm->fixture_slot) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s' is not booted: call vm:boot() first"), vm->name);
        return FALSE;
    }
    if (pv_vm_is_running(vm)) {
        /* The slot stays ours: pv_vm_stopped() must not give it back. */
        PvFixtureSlot *slot = g_steal_pointer(&vm->fixture_slot);
        PvFixtureEntry *entry = g_steal_pointer(&vm->fixture_entry);
        gboolean ok = pv_domain_destroy(vm->domain, error);

        if (ok) {
            pv_vm_emit_stopped(vm, "reset");
            pv_vm_settle_stopped(vm);
        }
        vm->fixture_slot = slot;
        vm->fixture_entry = entry;
        if (!ok)
            return FALSE;
    }
    pv_vm_boot_options_init(&options);
    if (!pv_vm_fixture_restore(vm, &options, error)) {
        if (!pv_vm_is_running(vm))
            pv_vm_fixture_release(vm);
        return FALSE;
    }
    return TRUE;
}
