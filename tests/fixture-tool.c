/*
 * fixture-tool.c: makes and holds fixture cache entries for tests/fixture.sh,
 * the way a run's fixture build and restore will (no VM: the files are
 * stand-ins of the given sizes)
 *
 *   fixture-tool DIR make NAME SIZE [AGE_S]   builds an entry, last used AGE_S
 *                                            seconds ago; prints its key
 *   fixture-tool DIR hold NAME                holds NAME's entry in use until
 *                                            stdin closes; prints "held"
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-fixture-store.h"

static PvFixtureKey *
key_of(const char *name)
{
    PvFixtureKey *key = g_new0(PvFixtureKey, 1);

    key->parts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_fixture_key_part_free);
    g_ptr_array_add(key->parts, pv_fixture_key_part_new("name", name));
    key->key = pv_fixture_key_digest(key->parts);
    return key;
}

static int
make(PvFixtureStore *store, const char *name, guint64 size, gint64 age)
{
    g_autoptr(PvFixtureKey) key = key_of(name);
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureEntry) entry = NULL;
    g_autofree char *slot = NULL;
    g_autofree char *state = NULL;
    g_autofree char *lock = NULL;
    g_autofree char *bytes = g_malloc(size);
    struct timespec times[2];

    if (!pv_fixture_store_acquire(store, key->key, "fixture-tool", &acq, &error) ||
        acq.outcome != PV_FIXTURE_BUILD) {
        g_printerr("fixture-tool: cannot build %s: %s\n", name,
                   error ? error->message : pv_fixture_outcome_to_string(acq.outcome));
        return 1;
    }
    slot = pv_fixture_build_get_slot_dir(acq.build);
    state = g_build_filename(slot, "memory.state", NULL);
    /* Not zeros: a file system could leave those unallocated. */
    memset(bytes, 'm', size);
    if (!g_file_set_contents(state, bytes, size, &error) ||
        !pv_fixture_build_commit(acq.build, key, name, &entry, &error)) {
        g_printerr("fixture-tool: %s\n", error->message);
        return 1;
    }
    lock = g_build_filename(pv_fixture_entry_get_dir(entry), "lock", NULL);
    times[0].tv_sec = times[1].tv_sec = time(NULL) - age;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    utimensat(AT_FDCWD, lock, times, 0);
    g_print("%s\n", key->key);
    return 0;
}

static int
hold(PvFixtureStore *store, const char *name)
{
    g_autoptr(PvFixtureKey) key = key_of(name);
    g_auto(PvFixtureAcquisition) acq = { 0 };
    g_autoptr(GError) error = NULL;
    char buffer[64];

    if (!pv_fixture_store_acquire(store, key->key, "fixture-tool", &acq, &error) ||
        acq.outcome != PV_FIXTURE_HIT) {
        g_printerr("fixture-tool: cannot hold %s\n", name);
        return 1;
    }
    g_print("held\n");
    fflush(stdout);
    while (read(0, buffer, sizeof(buffer)) > 0)
        continue;
    return 0;
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureStore) store = NULL;

    if (argc < 4) {
        g_printerr("usage: fixture-tool DIR make NAME SIZE [AGE_S] | DIR hold NAME\n");
        return 2;
    }
    store = pv_fixture_store_open(argv[1], &error);
    if (!store) {
        g_printerr("fixture-tool: %s\n", error->message);
        return 1;
    }
    if (strcmp(argv[2], "make") == 0 && argc >= 5)
        return make(store, argv[3], g_ascii_strtoull(argv[4], NULL, 10),
                    argc > 5 ? g_ascii_strtoll(argv[5], NULL, 10) : 0);
    if (strcmp(argv[2], "hold") == 0)
        return hold(store, argv[3]);
    return 2;
}
