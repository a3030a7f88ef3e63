/*
 * test-fixture-store.c: the fixture store on a real file system
 *
 * Each test gets a store in a temporary directory.  Other provium processes
 * are forked children: they build, wait and hold entries as a concurrent run
 * would, and are told when to act through pipes, so nothing depends on
 * timing except bounded waits.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-fixture-store.h"

#define STATE_SIZE (256 * 1024)

typedef struct {
    char *dir;
    PvFixtureStore *store;
} Fixture;

static void
remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (!dir) {
        g_unlink(path);
        return;
    }
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        remove_tree(child);
    }
    g_rmdir(path);
}

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = g_dir_make_tmp("pv-fixture-store-XXXXXX", &error);

    g_assert_no_error(error);
    fx->dir = g_build_filename(tmp, "cache", "fixtures", NULL);
    g_free(g_steal_pointer(&tmp));
    fx->store = pv_fixture_store_open(fx->dir, &error);
    g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    g_autofree char *cache = g_path_get_dirname(fx->dir);
    g_autofree char *top = g_path_get_dirname(cache);

    pv_fixture_store_free(fx->store);
    remove_tree(top);
    g_free(fx->dir);
}

/* The key of a fixture named @name, with its parts. */
static PvFixtureKey *
make_key(const char *name)
{
    PvFixtureKey *key = g_new0(PvFixtureKey, 1);

    key->parts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_fixture_key_part_free);
    g_ptr_array_add(key->parts, pv_fixture_key_part_new("name", name));
    key->key = pv_fixture_key_digest(key->parts);
    return key;
}

static void
write_bytes(const char *dir, const char *name, gsize size, char fill)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *bytes = g_malloc(size);

    memset(bytes, fill, size);
    g_assert_true(g_file_set_contents(path, bytes, size, NULL));
}

/* What a builder does: a disk for every slot, slot 0's state, commit. */
static PvFixtureEntry *
build(Fixture *fx, PvFixtureBuild *b, const PvFixtureKey *key, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *slot_dir = pv_fixture_build_get_slot_dir(b);
    PvFixtureEntry *entry = NULL;

    write_bytes(pv_fixture_build_get_dir(b), "disk.qcow2", 4096, 'd');
    write_bytes(slot_dir, "memory.state", STATE_SIZE, 'm');
    g_assert_true(pv_fixture_build_commit(b, key, name, &entry, &error));
    g_assert_no_error(error);
    return entry;
}

static PvFixtureEntry *
acquire_and_build(Fixture *fx, const PvFixtureKey *key, const char *name)
{
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    g_assert_no_error(error);
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_null(acq.warning);
    return build(fx, acq.build, key, name);
}

static guint
count_dir(Fixture *fx, const char *sub)
{
    g_autofree char *path = g_build_filename(fx->dir, sub, NULL);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    guint n = 0;

    while (dir && g_dir_read_name(dir))
        n++;
    return n;
}

static char *
entry_path(Fixture *fx, const PvFixtureKey *key, const char *file)
{
    return g_build_filename(fx->dir, "entries", key->key, file, NULL);
}

static void
test_build_then_hit(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(PvFixtureEntry) built = acquire_and_build(fx, key, "web");
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(GError) error = NULL;
    const PvFixtureManifest *manifest;
    const PvFixtureFile *disk;

    g_assert_cmpstr(pv_fixture_entry_get_key(built), ==, key->key);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 0);
    g_clear_pointer(&built, pv_fixture_entry_free);

    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_HIT);
    manifest = pv_fixture_entry_peek_manifest(acq.entry);
    g_assert_cmpstr(manifest->name, ==, "web");
    g_assert_cmpuint(manifest->files->len, ==, 1);
    disk = manifest->files->pdata[0];
    g_assert_cmpstr(disk->path, ==, "disk.qcow2");
    g_assert_cmpuint(disk->size, ==, 4096);
    g_assert_cmpuint(manifest->inputs->len, ==, 1);
    g_assert_true(pv_fixture_entry_verify_contents(acq.entry, &error));
    g_assert_no_error(error);
}

/* A build given up, or whose process died, caches nothing. */
static void
test_abandoned_build(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(GError) error = NULL;
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_auto(PvFixtureAcquisition) again = { 0 };

    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_BUILD);
    write_bytes(pv_fixture_build_get_dir(acq.build), "disk.qcow2", 4096, 'd');
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 1);
    pv_fixture_acquisition_clear(&acq);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 0);
    g_assert_cmpuint(count_dir(fx, "entries"), ==, 0);

    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &again, &error));
    g_assert_cmpint(again.outcome, ==, PV_FIXTURE_BUILD);
}

static void
test_killed_builder(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(GError) error = NULL;
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(PvFixtureEntry) entry = NULL;
    int status;
    pid_t pid;

    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        PvFixtureAcquisition child = { 0 };

        if (!pv_fixture_store_acquire(fx->store, key->key, "child", &child, NULL) ||
            child.outcome != PV_FIXTURE_BUILD)
            _exit(1);
        write_bytes(pv_fixture_build_get_dir(child.build), "disk.qcow2", 1 << 20, 'd');
        raise(SIGKILL);
        _exit(2);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    g_assert_cmpuint(count_dir(fx, "entries"), ==, 0);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 1);

    /* The lock died with it: the next one builds, and clears the leftover. */
    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 1);
    entry = build(fx, acq.build, key, "web");
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 0);
}

enum { BUILT = 10, WAITED = 11, HIT = 12 };

/* A run's process: acquire, build or wait then acquire again. */
static int
child_use(Fixture *fx, const PvFixtureKey *key, int go)
{
    g_autoptr(PvFixtureStore) store = pv_fixture_store_open(fx->dir, NULL);
    PvFixtureAcquisition acq = { 0 };
    char c;

    if (!store || read(go, &c, 1) != 0)
        return 1;
    if (!pv_fixture_store_acquire(store, key->key, "child", &acq, NULL))
        return 2;
    if (acq.outcome == PV_FIXTURE_HIT)
        return HIT;
    if (acq.outcome == PV_FIXTURE_BUILD) {
        g_autofree char *slot_dir = pv_fixture_build_get_slot_dir(acq.build);

        g_usleep(G_USEC_PER_SEC);
        write_bytes(slot_dir, "memory.state", STATE_SIZE, 'm');
        return pv_fixture_build_commit(acq.build, key, "web", NULL, NULL) ? BUILT : 3;
    }
    if (!pv_fixture_wait_block(acq.wait, g_get_monotonic_time() + 30 * G_USEC_PER_SEC, NULL,
                               NULL))
        return 4;
    pv_fixture_acquisition_clear(&acq);
    if (!pv_fixture_store_acquire(store, key->key, "child", &acq, NULL) ||
        acq.outcome != PV_FIXTURE_HIT)
        return 5;
    return WAITED;
}

static void
test_concurrent_builders(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    guint counts[HIT + 1] = { 0 };
    pid_t pids[5];
    int go[2];
    guint i;

    g_assert_cmpint(pipe(go), ==, 0);
    for (i = 0; i < G_N_ELEMENTS(pids); i++) {
        pids[i] = fork();
        g_assert_cmpint(pids[i], >=, 0);
        if (pids[i] == 0) {
            close(go[1]);
            _exit(child_use(fx, key, go[0]));
        }
    }
    close(go[0]);
    close(go[1]);  /* all start at once */
    for (i = 0; i < G_N_ELEMENTS(pids); i++) {
        int status;

        g_assert_cmpint(waitpid(pids[i], &status, 0), ==, pids[i]);
        g_assert_true(WIFEXITED(status));
        g_test_message("child %u: %d", i, WEXITSTATUS(status));
        g_assert_cmpint(WEXITSTATUS(status), >=, BUILT);
        g_assert_cmpint(WEXITSTATUS(status), <=, HIT);
        counts[WEXITSTATUS(status)]++;
    }
    g_assert_cmpuint(counts[BUILT], ==, 1);
    g_assert_cmpuint(counts[WAITED], >=, 1);
    g_assert_cmpuint(count_dir(fx, "entries"), ==, 1);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 0);
}

/* Waiting: readable fd, timeout, cancellation, and the builder's failure. */
static void
test_wait(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(GError) error = NULL;
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(PvFixtureStore) other = pv_fixture_store_open(fx->dir, &error);
    g_auto(PvFixtureAcquisition) builder = { 0 };
    g_auto(PvFixtureAcquisition) waiter = { 0 };
    g_autofree char *failure = NULL;
    GPollFD pfd = { 0, G_IO_IN, 0 };

    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "pid 1, run r1, web.test.lua",
                                           &builder, &error));
    g_assert_cmpint(builder.outcome, ==, PV_FIXTURE_BUILD);
    /* Locks belong to open files: a second store in this process contends too. */
    g_assert_true(pv_fixture_store_acquire(other, key->key, "pid 2", &waiter, &error));
    g_assert_cmpint(waiter.outcome, ==, PV_FIXTURE_WAIT);
    g_assert_cmpstr(pv_fixture_wait_peek_holder(waiter.wait), ==, "pid 1, run r1, web.test.lua");
    g_assert_false(pv_fixture_wait_is_done(waiter.wait));

    g_assert_false(pv_fixture_wait_block(waiter.wait, g_get_monotonic_time() + 50 * 1000, NULL,
                                         &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_TIMEOUT);
    g_clear_error(&error);
    g_cancellable_cancel(cancellable);
    g_assert_false(pv_fixture_wait_block(waiter.wait, -1, cancellable, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_CANCELLED);
    g_clear_error(&error);

    pfd.fd = pv_fixture_wait_get_fd(waiter.wait);
    pv_fixture_build_fail(builder.build, "the setup failed at web.fixture.lua:3");
    g_assert_cmpint(g_poll(&pfd, 1, 5000), ==, 1);
    g_assert_true(pv_fixture_wait_is_done(waiter.wait));
    failure = pv_fixture_wait_get_failure(waiter.wait);
    g_assert_cmpstr(failure, ==, "the setup failed at web.fixture.lua:3");
    g_assert_cmpuint(count_dir(fx, "entries"), ==, 0);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 0);

    /* A later wait does not report that old failure: its builder was killed. */
    pv_fixture_acquisition_clear(&builder);
    pv_fixture_acquisition_clear(&waiter);
    g_usleep(20 * 1000);  /* file times are coarse: be after the old failure's */
    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "pid 1", &builder, &error));
    g_assert_cmpint(builder.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_true(pv_fixture_store_acquire(other, key->key, "pid 2", &waiter, &error));
    g_assert_cmpint(waiter.outcome, ==, PV_FIXTURE_WAIT);
    g_clear_pointer(&builder.build, pv_fixture_build_free);
    g_assert_true(pv_fixture_wait_block(waiter.wait, g_get_monotonic_time() + 5 * G_USEC_PER_SEC,
                                        NULL, &error));
    g_assert_null(pv_fixture_wait_get_failure(waiter.wait));
}

/*
 * The store knows the keys its own process builds: a wait for one of them
 * is a wait for another file of the same run (which notifies when its
 * build ends), not for another run.  Committed, failed or abandoned, the
 * build is over.
 */
static void
test_building_here(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(PvFixtureKey) other_key = make_key("db");
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureStore) other = pv_fixture_store_open(fx->dir, &error);
    g_autoptr(PvFixtureEntry) entry = NULL;
    g_auto(PvFixtureAcquisition) builder = { 0 };
    g_auto(PvFixtureAcquisition) waiter = { 0 };

    g_assert_false(pv_fixture_store_is_building(fx->store, key->key));
    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "pid 1", &builder, &error));
    g_assert_cmpint(builder.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_true(pv_fixture_store_is_building(fx->store, key->key));
    g_assert_false(pv_fixture_store_is_building(fx->store, other_key->key));
    /* Another run's store sees the lock, not a build of its own. */
    g_assert_false(pv_fixture_store_is_building(other, key->key));
    /* Another file of the run waits, for a build of its own run's. */
    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "pid 1", &waiter, &error));
    g_assert_cmpint(waiter.outcome, ==, PV_FIXTURE_WAIT);
    g_assert_true(pv_fixture_store_is_building(fx->store, key->key));
    entry = build(fx, builder.build, key, "web");
    g_assert_false(pv_fixture_store_is_building(fx->store, key->key));
    g_assert_true(pv_fixture_wait_is_done(waiter.wait));
    pv_fixture_acquisition_clear(&builder);
    pv_fixture_acquisition_clear(&waiter);

    /* Failed, and abandoned. */
    g_assert_true(pv_fixture_store_acquire(fx->store, other_key->key, "pid 1", &builder,
                                           &error));
    g_assert_cmpint(builder.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_true(pv_fixture_store_is_building(fx->store, other_key->key));
    pv_fixture_build_fail(builder.build, "broken");
    g_assert_false(pv_fixture_store_is_building(fx->store, other_key->key));
    pv_fixture_acquisition_clear(&builder);
    g_assert_true(pv_fixture_store_acquire(fx->store, other_key->key, "pid 1", &builder,
                                           &error));
    g_assert_cmpint(builder.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_true(pv_fixture_store_is_building(fx->store, other_key->key));
    pv_fixture_acquisition_clear(&builder);
    g_assert_false(pv_fixture_store_is_building(fx->store, other_key->key));
}

static void
truncate_file(const char *path, goffset size)
{
    g_assert_cmpint(truncate(path, size), ==, 0);
}

static void
assert_rebuilds(Fixture *fx, const PvFixtureKey *key, const char *why)
{
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    g_assert_no_error(error);
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_nonnull(acq.warning);
    g_test_message("%s", acq.warning);
    g_assert_nonnull(strstr(acq.warning, "is corrupt"));
    g_assert_nonnull(strstr(acq.warning, why));
    g_assert_cmpuint(count_dir(fx, "entries"), ==, 0);
}

static void
test_truncated(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autofree char *disk = entry_path(fx, key, "disk.qcow2");
    g_autofree char *manifest = entry_path(fx, key, "manifest.json");

    pv_fixture_entry_free(acquire_and_build(fx, key, "web"));
    truncate_file(disk, 100);
    assert_rebuilds(fx, key, "disk.qcow2 has 100 bytes, the manifest says 4096");

    pv_fixture_entry_free(acquire_and_build(fx, key, "web"));
    truncate_file(manifest, 50);
    assert_rebuilds(fx, key, "its manifest is invalid");
}

/* Same size, other contents: only a full check sees it; then it is rebuilt. */
static void
test_changed_contents(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autofree char *state = entry_path(fx, key, "slots/0/memory.state");
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(GError) error = NULL;
    int fd;

    pv_fixture_entry_free(acquire_and_build(fx, key, "web"));
    fd = open(state, O_WRONLY);
    g_assert_cmpint(pwrite(fd, "X", 1, 1000), ==, 1);
    close(fd);
    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_HIT);
    g_assert_false(pv_fixture_entry_verify_contents(acq.entry, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "slot 0: memory.state has changed"));
    pv_fixture_acquisition_clear(&acq);
    assert_rebuilds(fx, key, "slot 0: memory.state has changed");
}

static void
test_slots(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(PvFixtureEntry) entry = acquire_and_build(fx, key, "web");
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureSlot) s0 = NULL;
    g_autoptr(PvFixtureSlot) s1 = NULL;
    g_autoptr(PvFixtureSlot) again = NULL;
    g_autofree char *name0 = pv_fixture_store_slot_domain_name(fx->store, key->key, 0);
    g_autofree char *uuid0 = pv_fixture_store_slot_uuid(fx->store, key->key, 0);
    g_autofree char *state1 = NULL;
    int status;
    pid_t pid;

    s0 = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(pv_fixture_slot_get_index(s0), ==, 0);
    g_assert_true(pv_fixture_slot_is_ready(s0));
    g_assert_cmpstr(pv_fixture_slot_get_domain_name(s0), ==, name0);
    g_assert_cmpstr(pv_fixture_slot_get_uuid(s0), ==, uuid0);
    g_assert_true(g_regex_match_simple("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                       "[0-9a-f]{12}$", uuid0, 0, 0));
    g_assert_true(g_str_has_prefix(name0, "pvfx-"));

    /* Slot 0 is claimed (here, or by another process): the next has no state yet. */
    pid = fork();
    if (pid == 0) {
        g_autoptr(PvFixtureStore) store = pv_fixture_store_open(fx->dir, NULL);
        PvFixtureAcquisition acq = { 0 };
        PvFixtureSlot *slot;

        if (!pv_fixture_store_acquire(store, key->key, "child", &acq, NULL) ||
            acq.outcome != PV_FIXTURE_HIT || !(slot = pv_fixture_entry_claim_slot(acq.entry, NULL)))
            _exit(1);
        _exit(pv_fixture_slot_get_index(slot) == 1 && !pv_fixture_slot_is_ready(slot) ? 0 : 2);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    s1 = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_cmpuint(pv_fixture_slot_get_index(s1), ==, 1);
    g_assert_false(pv_fixture_slot_is_ready(s1));
    g_assert_cmpstr(pv_fixture_slot_get_domain_name(s1), !=, name0);
    g_assert_cmpstr(pv_fixture_slot_get_uuid(s1), !=, uuid0);
    g_assert_true(g_str_has_prefix(pv_fixture_slot_get_dir(s1), fx->dir));
    write_bytes(pv_fixture_slot_get_dir(s1), "memory.state", STATE_SIZE, 'n');
    g_assert_true(pv_fixture_slot_commit(s1, &error));
    g_assert_no_error(error);
    g_assert_true(pv_fixture_slot_is_ready(s1));
    state1 = entry_path(fx, key, "slots/1/memory.state");
    g_assert_true(g_str_has_prefix(pv_fixture_slot_get_dir(s1), fx->dir));
    g_assert_true(g_file_test(state1, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 0);

    /* Freed slots are claimed again, with their state. */
    g_clear_pointer(&s0, pv_fixture_slot_free);
    again = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_cmpuint(pv_fixture_slot_get_index(again), ==, 0);
    g_assert_true(pv_fixture_slot_is_ready(again));
    g_clear_pointer(&again, pv_fixture_slot_free);

    /* A slot whose state was cut short is made again, with a warning. */
    g_clear_pointer(&s1, pv_fixture_slot_free);
    s0 = pv_fixture_entry_claim_slot(entry, &error);
    truncate_file(state1, 10);
    s1 = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(pv_fixture_slot_get_index(s1), ==, 1);
    g_assert_false(pv_fixture_slot_is_ready(s1));
    g_assert_nonnull(strstr(pv_fixture_slot_peek_warning(s1), "slot 1 of the cached fixture"));
    g_assert_false(g_file_test(state1, G_FILE_TEST_EXISTS));
}

static void
set_last_used(Fixture *fx, const PvFixtureKey *key, time_t when)
{
    g_autofree char *lock = entry_path(fx, key, "lock");
    struct timespec times[2] = { { when, 0 }, { when, 0 } };

    g_assert_cmpint(utimensat(AT_FDCWD, lock, times, 0), ==, 0);
}

static void
count_removed(const PvFixtureInfo *info, gboolean removed, gpointer user_data)
{
    GString *out = user_data;

    g_string_append_printf(out, "%s%s ", removed ? "-" : "=", info->name);
}

static void
test_evict(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) a = make_key("a");
    g_autoptr(PvFixtureKey) b = make_key("b");
    g_autoptr(PvFixtureKey) c = make_key("c");
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GPtrArray) infos = NULL;
    g_autoptr(PvFixtureEntry) held = NULL;
    g_auto(PvFixtureAcquisition) acq = { 0 };
    guint64 remaining = 0;
    guint64 each;
    time_t now = time(NULL);

    pv_fixture_entry_free(acquire_and_build(fx, a, "a"));
    pv_fixture_entry_free(acquire_and_build(fx, b, "b"));
    pv_fixture_entry_free(acquire_and_build(fx, c, "c"));
    set_last_used(fx, a, now - 300);
    set_last_used(fx, b, now - 200);
    set_last_used(fx, c, now - 100);

    infos = pv_fixture_store_list(fx->store, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(infos->len, ==, 3);
    g_assert_cmpstr(((PvFixtureInfo *)infos->pdata[0])->name, ==, "c");
    each = ((PvFixtureInfo *)infos->pdata[0])->size;
    g_assert_cmpuint(each, >=, STATE_SIZE);
    g_assert_cmpuint(((PvFixtureInfo *)infos->pdata[0])->slots, ==, 1);
    g_assert_false(((PvFixtureInfo *)infos->pdata[0])->in_use);

    /* Over a cap of two entries: the least recently used goes. */
    g_assert_true(pv_fixture_store_prune(fx->store, 2 * each, count_removed, out, &remaining,
                                         &error));
    g_assert_cmpstr(out->str, ==, "-a ");
    g_assert_cmpuint(remaining, ==, 2 * each);
    g_assert_cmpuint(count_dir(fx, "entries"), ==, 2);
    g_assert_cmpuint(count_dir(fx, "trash"), ==, 0);

    /* b is older than c, but in use: with no room at all, only c goes. */
    g_assert_true(pv_fixture_store_acquire(fx->store, b->key, "test", &acq, &error));
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_HIT);
    held = g_steal_pointer(&acq.entry);
    g_string_truncate(out, 0);
    g_assert_true(pv_fixture_store_prune(fx->store, 0, count_removed, out, &remaining, &error));
    g_assert_cmpstr(out->str, ==, "-c ");
    g_assert_cmpuint(remaining, ==, each);
    g_clear_pointer(&infos, g_ptr_array_unref);
    infos = pv_fixture_store_list(fx->store, &error);
    g_assert_cmpuint(infos->len, ==, 1);
    g_assert_true(((PvFixtureInfo *)infos->pdata[0])->in_use);

    /* Let go, it can go. */
    g_clear_pointer(&held, pv_fixture_entry_free);
    g_string_truncate(out, 0);
    g_assert_true(pv_fixture_store_prune(fx->store, 0, count_removed, out, &remaining, &error));
    g_assert_cmpstr(out->str, ==, "-b ");
    g_assert_cmpuint(remaining, ==, 0);
}

/* Pruning clears what killed processes left, never what a live build uses. */
static void
test_prune_leftovers(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) a = make_key("a");
    g_autoptr(PvFixtureKey) b = make_key("b");
    g_autoptr(GError) error = NULL;
    g_auto(PvFixtureAcquisition) live = { 0 };
    g_autofree char *dead = g_build_filename(fx->dir, "tmp", NULL);
    g_autofree char *dead_build = g_strdup_printf("%s/%s.build.AbCdEf", dead, a->key);
    g_autofree char *trash = g_build_filename(fx->dir, "trash", "x.1.2", NULL);

    g_assert_true(pv_fixture_store_acquire(fx->store, b->key, "live", &live, &error));
    g_assert_cmpint(live.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_cmpint(g_mkdir(dead_build, 0755), ==, 0);
    write_bytes(dead_build, "disk.qcow2", 10, 'x');
    g_assert_cmpint(g_mkdir(trash, 0755), ==, 0);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 2);

    g_assert_true(pv_fixture_store_prune(fx->store, 0, NULL, NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(count_dir(fx, "tmp"), ==, 1);
    g_assert_true(g_file_test(pv_fixture_build_get_dir(live.build), G_FILE_TEST_IS_DIR));
    g_assert_cmpuint(count_dir(fx, "trash"), ==, 0);
    /* b's build lock is held: kept; a's is not there. */
    g_assert_cmpuint(count_dir(fx, "locks"), ==, 1);
}

/* The uid of nobody, another user than root: the tests give files to it. */
#define OTHER_UID 65534

/* Whether @error refuses @path (under the store) for @why, naming it. */
static void
assert_refused(const GError *error, const char *path, const char *why)
{
    g_autofree char *expected = g_strdup_printf("%s is %s: ", path, why);

    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_true(g_str_has_prefix(error->message, expected));
    g_assert_nonnull(strstr(error->message, "--cache-dir"));
    g_assert_null(strchr(error->message, '\n'));
}

static char *
owned_by_other(void)
{
    return g_strdup_printf("owned by uid %d, not by you (%s)", OTHER_UID, g_get_user_name());
}

/*
 * A slot's saved state that someone else owns, or everyone (or a group with
 * someone else in it) may write, is
 * refused before anything restores it, naming it; it is not judged
 * corrupt and removed either.
 */
static void
test_untrusted_slot(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(PvFixtureEntry) entry = acquire_and_build(fx, key, "web");
    g_autofree char *state = entry_path(fx, key, "slots/0/memory.state");
    g_autofree char *slot_dir = entry_path(fx, key, "slots/0");
    g_autofree char *other = owned_by_other();
    g_autoptr(GError) error = NULL;
    PvFixtureSlot *slot;

    if (geteuid() != 0) {
        g_test_skip("needs root to give files to another user");
        return;
    }
    g_assert_cmpint(chmod(state, 0666), ==, 0);
    slot = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_null(slot);
    assert_refused(error, state, "writable by everyone");
    g_clear_error(&error);

    /* 0660 of a group another user is in (nogroup: nobody's). */
    g_assert_cmpint(chmod(state, 0660), ==, 0);
    g_assert_cmpint(chown(state, 0, OTHER_UID), ==, 0);
    slot = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_null(slot);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, " is writable by group "));
    g_assert_nonnull(strstr(error->message, ", whose members include "));
    g_clear_error(&error);

    g_assert_cmpint(chmod(state, 0644), ==, 0);
    g_assert_cmpint(chown(state, OTHER_UID, OTHER_UID), ==, 0);
    slot = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_null(slot);
    assert_refused(error, state, other);
    g_assert_true(g_file_test(state, G_FILE_TEST_IS_REGULAR));
    g_clear_error(&error);

    /* The slot's directory, whatever it holds. */
    g_assert_cmpint(chown(state, 0, 0), ==, 0);
    g_assert_cmpint(chown(slot_dir, OTHER_UID, OTHER_UID), ==, 0);
    slot = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_null(slot);
    assert_refused(error, slot_dir, other);
    g_clear_error(&error);

    /* Root's group may write it. */
    g_assert_cmpint(chown(slot_dir, 0, 0), ==, 0);
    g_assert_cmpint(chmod(state, 0660), ==, 0);
    slot = pv_fixture_entry_claim_slot(entry, &error);
    g_assert_no_error(error);
    g_assert_true(pv_fixture_slot_is_ready(slot));
    pv_fixture_slot_free(slot);
}

/* An entry someone else owns, or its manifest or files, is refused, not used or removed. */
static void
test_untrusted_entry(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(PvFixtureEntry) built = acquire_and_build(fx, key, "web");
    g_autofree char *dir = entry_path(fx, key, NULL);
    g_autofree char *manifest = entry_path(fx, key, "manifest.json");
    g_autofree char *disk = entry_path(fx, key, "disk.qcow2");
    g_autofree char *other = owned_by_other();
    const char *const paths[] = { dir, manifest, disk };
    guint i;

    if (geteuid() != 0) {
        g_test_skip("needs root to give files to another user");
        return;
    }
    g_clear_pointer(&built, pv_fixture_entry_free);
    for (i = 0; i < G_N_ELEMENTS(paths); i++) {
        g_auto(PvFixtureAcquisition) acq = { 0 };
        g_autoptr(GError) error = NULL;

        g_test_message("owned by another: %s", paths[i]);
        g_assert_cmpint(chown(paths[i], OTHER_UID, OTHER_UID), ==, 0);
        g_assert_false(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
        assert_refused(error, paths[i], other);
        g_assert_true(g_file_test(paths[i], G_FILE_TEST_EXISTS));
        g_assert_cmpint(chown(paths[i], 0, 0), ==, 0);
    }
    {
        g_auto(PvFixtureAcquisition) acq = { 0 };
        g_autoptr(GError) error = NULL;

        g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
        g_assert_no_error(error);
        g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_HIT);
    }
}

/* A store's directory someone else owns is refused when the store is opened. */
static void
test_untrusted_store_dir(Fixture *fx, gconstpointer data)
{
    g_autofree char *entries = g_build_filename(fx->dir, "entries", NULL);
    g_autofree char *other = owned_by_other();
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureStore) store = NULL;

    if (geteuid() != 0) {
        g_test_skip("needs root to give files to another user");
        return;
    }
    g_assert_cmpint(chown(entries, OTHER_UID, OTHER_UID), ==, 0);
    store = pv_fixture_store_open(fx->dir, &error);
    g_assert_null(store);
    assert_refused(error, entries, other);
}

/*
 * libvirt gives the disks a domain opens to the user QEMU runs as, and
 * leaves a backing file so: files of that user pass, directories and
 * manifests do not, nor a state only root's libvirt reads.
 */
static void
test_qemu_owned(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFixtureKey) key = make_key("web");
    g_autoptr(PvFixtureEntry) built = acquire_and_build(fx, key, "web");
    g_autofree char *disk = entry_path(fx, key, "disk.qcow2");
    g_autofree char *state = entry_path(fx, key, "slots/0/memory.state");
    g_autofree char *manifest = entry_path(fx, key, "manifest.json");
    g_autofree char *other = owned_by_other();
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureSlot) slot = NULL;

    if (geteuid() != 0) {
        g_test_skip("needs root to give files to another user");
        return;
    }
    g_clear_pointer(&built, pv_fixture_entry_free);
    pv_fixture_store_set_qemu_uid(fx->store, OTHER_UID);
    g_assert_cmpint(chown(disk, OTHER_UID, OTHER_UID), ==, 0);
    g_assert_cmpint(chown(state, OTHER_UID, OTHER_UID), ==, 0);
    g_assert_true(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    g_assert_no_error(error);
    g_assert_cmpint(acq.outcome, ==, PV_FIXTURE_HIT);
    slot = pv_fixture_entry_claim_slot(acq.entry, &error);
    g_assert_no_error(error);
    g_assert_false(pv_fixture_slot_check_private(slot, "memory.state", &error));
    assert_refused(error, state, other);
    g_clear_error(&error);
    g_assert_cmpint(chown(state, 0, 0), ==, 0);
    g_assert_true(pv_fixture_slot_check_private(slot, "memory.state", &error));
    g_assert_no_error(error);
    g_clear_pointer(&slot, pv_fixture_slot_free);
    pv_fixture_acquisition_clear(&acq);

    /* Writable by everyone, it is refused whoever owns it. */
    g_assert_cmpint(chmod(disk, 0666), ==, 0);
    g_assert_false(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    assert_refused(error, disk, "writable by everyone");
    g_clear_error(&error);
    g_assert_cmpint(chmod(disk, 0644), ==, 0);

    g_assert_cmpint(chown(manifest, OTHER_UID, OTHER_UID), ==, 0);
    g_assert_false(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    assert_refused(error, manifest, other);
    g_clear_error(&error);
    g_assert_cmpint(chown(manifest, 0, 0), ==, 0);

    /* Without a QEMU user, the disk is someone else's. */
    pv_fixture_store_set_qemu_uid(fx->store, -1);
    g_assert_false(pv_fixture_store_acquire(fx->store, key->key, "test", &acq, &error));
    assert_refused(error, disk, other);
}

static void
test_unsafe_dir(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("pv-fixture-unsafe-XXXXXX", &error);
    g_autoptr(PvFixtureStore) store = NULL;

    g_assert_cmpint(g_chmod(dir, 0777), ==, 0);
    store = pv_fixture_store_open(dir, &error);
    g_assert_null(store);
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "writable by everyone"));
    g_assert_nonnull(strstr(error->message, "--cache-dir"));
    g_rmdir(dir);
}

static void
test_default_dir(void)
{
    g_autofree char *given = pv_fixture_store_default_dir("/srv/cache");
    g_autofree char *dflt = pv_fixture_store_default_dir(NULL);

    g_assert_cmpstr(given, ==, "/srv/cache/fixtures");
    g_assert_true(g_str_has_suffix(dflt, "/provium/fixtures"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/fixture/store/build-then-hit", test_build_then_hit);
    ADD("/fixture/store/abandoned-build", test_abandoned_build);
    ADD("/fixture/store/killed-builder", test_killed_builder);
    ADD("/fixture/store/concurrent-builders", test_concurrent_builders);
    ADD("/fixture/store/wait", test_wait);
    ADD("/fixture/store/building-here", test_building_here);
    ADD("/fixture/store/truncated", test_truncated);
    ADD("/fixture/store/changed-contents", test_changed_contents);
    ADD("/fixture/store/slots", test_slots);
    ADD("/fixture/store/evict", test_evict);
    ADD("/fixture/store/prune-leftovers", test_prune_leftovers);
    ADD("/fixture/store/untrusted-slot", test_untrusted_slot);
    ADD("/fixture/store/untrusted-entry", test_untrusted_entry);
    ADD("/fixture/store/untrusted-store-dir", test_untrusted_store_dir);
    ADD("/fixture/store/qemu-owned", test_qemu_owned);
#undef ADD
    g_test_add_func("/fixture/store/unsafe-dir", test_unsafe_dir);
    g_test_add_func("/fixture/store/default-dir", test_default_dir);
    return g_test_run();
}
