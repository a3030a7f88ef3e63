/*
 * test-host-object.c: a PvHost on libvirt's test driver, the storage of a
 * host that shares this machine's files, and the storage pool of one that
 * does not
 *
 * What the rest of provium relies on: a host is what its URI says (the
 * test driver is this machine's, runs no guests, and so reads none of this
 * machine's pressure or KSM), its facts come from libvirt, and its storage
 * names a file of this machine by its own path, makes overlays and console
 * logs in the run's directory, and keeps or removes them.  A host whose
 * files are not this machine's gets provium's storage pool, made on first
 * use, with overlays as volumes backed by their base; a file of a profile
 * on the host already (vol:, host:) is named where it is.  (Uploads need a
 * real libvirtd: tests/e2e/remote-host.sh.)  A host lost under the run
 * (its connection closed: libvirt says so from any thread) stays lost and
 * tells its listener once, on the main loop, and never after it is freed
 * (a real daemon going away: tests/e2e/host-lost.sh).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pv-clean.h"
#include "pv-digest.h"
#include "pv-error.h"
#include "pv-host.h"
#include "pv-host-fixtures.h"
#include "pv-libvirt.h"
#include "pv-storage-pool.h"

static PvHost *
open_test_host(void)
{
    g_autoptr(GError) error = NULL;
    PvHostOptions options = { 0 };
    PvHost *host;

    options.uri = "test:///default";
    options.cpu_overcommit = 1.0;
    host = pv_host_open(&options, &error);
    g_assert_no_error(error);
    g_assert_nonnull(host);
    return host;
}

static void
test_host_test_driver(void)
{
    g_autoptr(PvHost) host = open_test_host();
    g_autoptr(GError) error = NULL;
    PvPsiReading reading;
    guint64 memory = 0;
    guint cpus = 0;

    g_assert_true(pv_host_is_local(host));
    g_assert_true(pv_host_is_test(host));
    /* No guests: none of this machine's readings are the host's. */
    g_assert_false(pv_host_is_this_machine(host));
    g_assert_false(pv_host_read_pressure(host, &reading));
    g_assert_cmpint(pv_host_open_pressure_trigger(host, "cpu", 50), ==, -1);
    g_assert_cmpuint(pv_host_read_running(host), ==, 0);
    g_assert_null(pv_host_tune_ksm(host));
    g_assert_null(pv_host_peek_qemu_user(host));
    g_assert_cmpstr(pv_host_peek_uri(host), ==, "test:///default");
    /* A local URI: the host is this machine, by name. */
    g_assert_cmpstr(pv_host_peek_name(host), ==, g_get_host_name());

    /* The test driver's node: 16 CPUs, 16 GiB (libvirt's testdriver). */
    g_assert_true(pv_host_get_size(host, &memory, &cpus, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(cpus, ==, 16);
    g_assert_cmpuint(memory, >, 0);
    g_assert_nonnull(pv_host_get_topology(host, &error));
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(pv_host_peek_hypervisor(host), "TEST "));

    g_assert_true(pv_host_make_resources(host, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(pv_pool_get_total(pv_resources_peek_pool(pv_host_peek_resources(host)))
                     .mcpus, ==, 16 * PV_MCPU);
    g_assert_nonnull(pv_host_peek_domains(host));
    g_assert_nonnull(pv_host_peek_storage(host));

    /* Learned by trying: unknown until a boot says. */
    g_assert_cmpint(pv_host_get_fact(host, PV_HOST_FACT_REALTIME), ==, -1);
    pv_host_set_fact(host, PV_HOST_FACT_REALTIME, 0);
    g_assert_cmpint(pv_host_get_fact(host, PV_HOST_FACT_REALTIME), ==, 0);
}

static void
test_host_options(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvHost) host = NULL;
    PvHostOptions options = { 0 };
    guint64 memory = 0;
    PvAmount total;

    options.uri = "test:///default";
    options.name = "lab2";
    options.mem = 2 * PV_GIB;
    options.cpus = 4;
    options.cpu_overcommit = 1.5;
    options.cpu_cap = 3;
    host = pv_host_open(&options, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(pv_host_peek_name(host), ==, "lab2");
    g_assert_cmpuint(pv_host_get_cpu_cap(host), ==, 3);
    g_assert_true(pv_host_make_resources(host, &error));
    total = pv_pool_get_total(pv_resources_peek_pool(pv_host_peek_resources(host)));
    g_assert_cmpuint(total.memory, ==, 2 * PV_GIB);
    g_assert_cmpuint(total.mcpus, ==, 6 * PV_MCPU);
    /* The host's own size is still the host's. */
    g_assert_true(pv_host_get_size(host, &memory, NULL, NULL));
    g_assert_cmpuint(memory, >, 2 * PV_GIB);
}

static void
test_host_unreachable(void)
{
    g_autoptr(GError) error = NULL;
    PvHostOptions options = { 0 };

    options.uri = "test:///no/such/node.xml";
    g_assert_null(pv_host_open(&options, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_LIBVIRT);
}

static void
test_storage_local(void)
{
    g_autoptr(PvHost) host = open_test_host();
    PvHostStorage *storage = pv_host_peek_storage(host);
    g_autofree char *dir = g_dir_make_tmp("pv-storage-XXXXXX", NULL);
    g_autofree char *vms = g_build_filename(dir, "vms", NULL);
    g_autofree char *slot = g_build_filename(dir, "slot", NULL);
    g_autofree char *image = g_build_filename(dir, "base.img", NULL);
    g_autofree char *provided = NULL;
    g_autofree char *overlay = NULL;
    g_autofree char *kept = NULL;
    g_autofree char *state = NULL;
    g_autofree char *expected = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(PvHostConsole) console = { 0 };
    g_autofree char *cmd = NULL;

    g_assert_cmpint(g_mkdir(vms, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(slot, 0755), ==, 0);
    g_assert_true(g_file_set_contents(image, "raw disk", -1, NULL));
    pv_host_storage_set_dir(storage, vms);

    /* A file of this machine is named where it is. */
    provided = pv_host_storage_provide(storage, image, "web", "disk", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(provided, ==, image);
    g_assert_true(pv_host_storage_check_file(storage, image, "web", "disk", &error));
    g_assert_true(pv_host_storage_check_overlays(storage, "web", &error));

    /* The console: logged and read in the run's directory. */
    g_assert_true(pv_host_storage_open_console(storage, "pv-1-t-web", &console, &error));
    expected = g_build_filename(vms, "pv-1-t-web.console.log", NULL);
    g_assert_cmpstr(console.path, ==, expected);
    g_assert_cmpstr(console.log, ==, expected);

    /* A fixture slot's files are in its directory. */
    state = pv_host_storage_fixture_path(storage, slot, "pvfx-0-0", "memory.state");
    g_clear_pointer(&expected, g_free);
    expected = g_build_filename(slot, "memory.state", NULL);
    g_assert_cmpstr(state, ==, expected);

    if (!g_file_test(PV_QEMU_IMG, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip(PV_QEMU_IMG " is not installed: no overlay made");
    } else {
        overlay = pv_host_storage_make_overlay(storage, provided, "pv-1-t-web", &error);
        g_assert_no_error(error);
        g_clear_pointer(&expected, g_free);
        expected = g_build_filename(vms, "pv-1-t-web.qcow2", NULL);
        g_assert_cmpstr(overlay, ==, expected);
        g_assert_true(g_file_test(overlay, G_FILE_TEST_IS_REGULAR));
        /* Kept as a slot's disk, it is there and no longer in the run's directory. */
        kept = pv_host_storage_fixture_path(storage, slot, "pvfx-0-0", "disk.qcow2");
        g_assert_true(pv_host_storage_keep_overlay(storage, overlay, kept, &error));
        g_assert_no_error(error);
        g_assert_false(g_file_test(overlay, G_FILE_TEST_EXISTS));
        g_assert_true(g_file_test(kept, G_FILE_TEST_IS_REGULAR));
        pv_host_storage_remove(storage, kept);
        g_assert_false(g_file_test(kept, G_FILE_TEST_EXISTS));
        /* A base that is no image is qemu-img's error, with the base named. */
        g_clear_pointer(&overlay, g_free);
        overlay = pv_host_storage_make_overlay(storage, "/no/such/base.img", "x", &error);
        g_assert_null(overlay);
        g_assert_error(error, PV_ERROR, PV_ERROR_IO);
        g_assert_nonnull(strstr(error->message, "/no/such/base.img"));
    }

    cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}

/* The volumes' XML: an empty upload target, and an overlay on its base. */
static void
test_storage_vol_xml(void)
{
    PvStorageVolSpec base = { "sha256-ab", "raw", "0644", NULL, NULL };
    PvStorageVolSpec overlay = { "pv-1-t-<web>.qcow2", "qcow2", NULL,
                                 "/var/lib/libvirt/images/provium/sha256-ab", "raw" };
    PvStorageVolSpec probed = { "o.qcow2", "qcow2", NULL, "/srv/a&b.img", NULL };
    g_autofree char *base_xml = pv_storage_vol_xml(&base);
    g_autofree char *overlay_xml = pv_storage_vol_xml(&overlay);
    g_autofree char *probed_xml = pv_storage_vol_xml(&probed);
    g_autofree char *pool_xml = pv_storage_pool_xml("provium", "/var/lib/libvirt/images/provium");

    g_assert_cmpstr(base_xml, ==,
                    "<volume type='file'>\n"
                    "  <name>sha256-ab</name>\n"
                    "  <capacity unit='bytes'>0</capacity>\n"
                    "  <target>\n"
                    "    <format type='raw'/>\n"
                    "    <permissions><mode>0644</mode></permissions>\n"
                    "  </target>\n"
                    "</volume>\n");
    g_assert_cmpstr(overlay_xml, ==,
                    "<volume type='file'>\n"
                    "  <name>pv-1-t-&lt;web&gt;.qcow2</name>\n"
                    "  <capacity unit='bytes'>0</capacity>\n"
                    "  <target>\n"
                    "    <format type='qcow2'/>\n"
                    "  </target>\n"
                    "  <backingStore>\n"
                    "    <path>/var/lib/libvirt/images/provium/sha256-ab</path>\n"
                    "    <format type='raw'/>\n"
                    "  </backingStore>\n"
                    "</volume>\n");
    /* Without a known format, libvirt probes the backing file. */
    g_assert_nonnull(strstr(probed_xml, "<path>/srv/a&amp;b.img</path>\n  </backingStore>"));
    g_assert_cmpstr(pool_xml, ==,
                    "<pool type='dir'>\n"
                    "  <name>provium</name>\n"
                    "  <target>\n"
                    "    <path>/var/lib/libvirt/images/provium</path>\n"
                    "    <permissions><mode>0711</mode></permissions>\n"
                    "  </target>\n"
                    "</pool>\n");
}

/* The backing store's path of @conn's volume @name of pool provium, or NULL. */
static char *
vol_backing(virConnect *conn, const char *name)
{
    virStoragePool *pool = virStoragePoolLookupByName(conn, PV_STORAGE_POOL_NAME);
    virStorageVol *vol = pool ? virStorageVolLookupByName(pool, name) : NULL;
    g_autofree char *xml = vol ? virStorageVolGetXMLDesc(vol, 0) : NULL;
    const char *start = xml ? strstr(xml, "<backingStore>") : NULL;
    const char *path = start ? strstr(start, "<path>") : NULL;
    const char *end = path ? strstr(path, "</path>") : NULL;

    if (vol)
        virStorageVolFree(vol);
    if (pool)
        virStoragePoolFree(pool);
    virResetLastError();
    return end ? g_strndup(path + 6, end - path - 6) : NULL;
}

/*
 * A host whose files are not this machine's (the test driver stands in: it
 * keeps pools and volumes, but takes no upload).
 */
static void
test_storage_pool(void)
{
    g_autoptr(GError) error = NULL;
    virConnect *conn = pv_libvirt_open("test:///default", &error);
    g_autofree char *dir = g_dir_make_tmp("pv-storage-XXXXXX", NULL);
    g_autofree char *vms = g_build_filename(dir, "vms", NULL);
    g_autofree char *digests = g_build_filename(dir, "digests", NULL);
    g_autofree char *image = g_build_filename(dir, "big.img", NULL);
    g_autofree char *contents = g_malloc0(PV_DIGEST_CACHE_MIN_SIZE);
    g_autofree char *hex = pv_digest_bytes(contents, PV_DIGEST_CACHE_MIN_SIZE);
    g_autofree char *uploaded = g_strconcat("sha256-", hex, NULL);
    g_autofree char *base = NULL;
    g_autofree char *overlay = NULL;
    g_autofree char *path = NULL;
    g_autofree char *backing = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *cmd = NULL;
    g_auto(PvHostConsole) console = { 0 };
    g_autoptr(PvStoragePool) pool = NULL;
    PvStorageVolSpec spec = { "base.img", "raw", NULL, NULL, NULL };
    PvHostStorage *storage;

    g_assert_no_error(error);
    g_assert_cmpint(g_mkdir(vms, 0755), ==, 0);
    storage = pv_host_storage_new_pool(conn, digests);
    pv_host_storage_set_dir(storage, vms);

    /* No pool before it is needed; the first VM with a disk makes it, running. */
    g_assert_null(pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME, PV_STORAGE_POOL_DIR, FALSE,
                                       &error));
    g_assert_no_error(error);
    g_assert_true(pv_host_storage_check_overlays(storage, "web", &error));
    g_assert_no_error(error);
    pool = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME, PV_STORAGE_POOL_DIR, FALSE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(pool);

    /* A file on the host already is named where it is, never read here. */
    base = pv_storage_pool_create_vol(pool, &spec, &error);
    g_assert_no_error(error);
    path = pv_host_storage_provide(storage, "vol:provium/base.img", "web", "disk", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(path, ==, base);
    g_clear_pointer(&path, g_free);
    path = pv_host_storage_provide(storage, "host:/srv/images/a.qcow2", "web", "disk", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(path, ==, "/srv/images/a.qcow2");
    g_clear_pointer(&path, g_free);
    path = pv_host_storage_provide(storage, "vol:provium/none.img", "web", "disk", &error);
    g_assert_null(path);
    g_assert_error(error, PV_ERROR, PV_ERROR_LIBVIRT);
    g_assert_nonnull(strstr(error->message, "vol:provium/none.img"));
    g_clear_error(&error);

    /* An overlay is a volume of the pool, backed by its base, gone with its VM. */
    overlay = pv_host_storage_make_overlay(storage, base, "pv-1-t-web", &error);
    g_assert_no_error(error);
    expected = g_build_filename(PV_STORAGE_POOL_DIR, "pv-1-t-web.qcow2", NULL);
    g_assert_cmpstr(overlay, ==, expected);
    backing = vol_backing(conn, "pv-1-t-web.qcow2");
    g_assert_cmpstr(backing, ==, base);
    pv_host_storage_remove(storage, overlay);
    g_clear_pointer(&path, g_free);
    path = pv_storage_pool_find_vol(pool, "pv-1-t-web.qcow2", NULL);
    g_assert_null(path);

    /* The console: logged into a volume there, read in the run's directory. */
    g_assert_true(pv_host_storage_open_console(storage, "pv-1-t-web", &console, &error));
    g_assert_no_error(error);
    g_clear_pointer(&expected, g_free);
    expected = g_build_filename(PV_STORAGE_POOL_DIR, "pv-1-t-web.console.log", NULL);
    g_assert_cmpstr(console.log, ==, expected);
    g_clear_pointer(&expected, g_free);
    expected = g_build_filename(vms, "pv-1-t-web.console.log", NULL);
    g_assert_cmpstr(console.path, ==, expected);
    pv_host_storage_follow_console(storage, NULL, &console);
    pv_host_storage_close_console(storage, "pv-1-t-web");
    g_clear_pointer(&path, g_free);
    path = pv_storage_pool_find_vol(pool, "pv-1-t-web.console.log", NULL);
    g_assert_null(path);

    /* A domain that never started: its console volume goes all the same. */
    pv_host_console_clear(&console);
    g_assert_true(pv_host_storage_open_console(storage, "pv-1-t-gone", &console, &error));
    g_assert_no_error(error);
    path = pv_storage_pool_find_vol(pool, "pv-1-t-gone.console.log", NULL);
    g_assert_nonnull(path);
    g_clear_pointer(&path, g_free);
    pv_host_storage_close_console(storage, "pv-1-t-gone");
    path = pv_storage_pool_find_vol(pool, "pv-1-t-gone.console.log", NULL);
    g_assert_null(path);

    /*
     * A file of this machine goes up by its digest, recorded so the next run
     * does not read it again; an upload the host refuses leaves no volume.
     */
    g_assert_true(g_file_set_contents(image, contents, PV_DIGEST_CACHE_MIN_SIZE, NULL));
    path = pv_host_storage_provide(storage, image, "web", "disk", &error);
    g_assert_null(path);
    g_assert_error(error, PV_ERROR, PV_ERROR_LIBVIRT);
    g_assert_nonnull(strstr(error->message, image));
    g_assert_nonnull(strstr(error->message, uploaded));
    g_clear_error(&error);
    path = pv_storage_pool_find_vol(pool, uploaded, NULL);
    g_assert_null(path);
    {
        g_autoptr(PvDigestCache) cache = pv_digest_cache_new(digests);
        gboolean cached = FALSE;
        g_autofree char *again = pv_digest_cache_file(cache, image, &cached, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(again, ==, hex);
        g_assert_true(cached);
    }

    /* A blank disk of a VM's `disks`: an empty qcow2 volume, gone with its VM. */
    g_clear_pointer(&path, g_free);
    path = pv_host_storage_make_blank(storage, "pv-1-t-web-disk1", 64 * 1024 * 1024, &error);
    g_assert_no_error(error);
    g_clear_pointer(&expected, g_free);
    expected = g_build_filename(PV_STORAGE_POOL_DIR, "pv-1-t-web-disk1.qcow2", NULL);
    g_assert_cmpstr(path, ==, expected);
    pv_host_storage_remove(storage, path);
    g_clear_pointer(&path, g_free);
    path = pv_storage_pool_find_vol(pool, "pv-1-t-web-disk1.qcow2", NULL);
    g_assert_null(path);

    /*
     * provium clean: a VM's volumes go once its domain is gone, its more
     * disks (DOMAIN-diskN) too; a live domain's stay (the test driver's
     * "test"), and the uploaded images.
     */
    {
        const char *const live[] = {
            "test.qcow2", "test-disk1.qcow2", "test-disk12.qcow2", "test.seed.iso",
            "sha256-00", NULL,
        };
        const char *const gone[] = {
            "gone.qcow2", "gone-disk1.qcow2", "gone.seed.iso", "gone.console.log",
            "test-diskx.qcow2", NULL,
        };
        guint i;

        for (i = 0; live[i]; i++) {
            PvStorageVolSpec vol = { live[i], "raw", NULL, NULL, NULL };

            g_free(pv_storage_pool_create_vol(pool, &vol, &error));
            g_assert_no_error(error);
        }
        for (i = 0; gone[i]; i++) {
            PvStorageVolSpec vol = { gone[i], "raw", NULL, NULL, NULL };

            g_free(pv_storage_pool_create_vol(pool, &vol, &error));
            g_assert_no_error(error);
        }
        g_assert_cmpuint(pv_clean_volumes(conn, NULL, &error), ==, g_strv_length((char **)gone));
        g_assert_no_error(error);
        for (i = 0; live[i]; i++) {
            g_clear_pointer(&path, g_free);
            path = pv_storage_pool_find_vol(pool, live[i], NULL);
            g_assert_nonnull(path);
        }
        for (i = 0; gone[i]; i++) {
            g_clear_pointer(&path, g_free);
            path = pv_storage_pool_find_vol(pool, gone[i], NULL);
            g_assert_null(path);
        }
    }

    pv_host_storage_free(storage);
    g_clear_pointer(&pool, pv_storage_pool_free);
    pv_libvirt_close(conn);
    cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}

/* Whether provium's pool on @conn has volume @name. */
static gboolean
pool_has(virConnect *conn, const char *name)
{
    g_autoptr(PvStoragePool) pool = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME,
                                                         PV_STORAGE_POOL_DIR, FALSE, NULL);
    g_autofree char *path = pool ? pv_storage_pool_find_vol(pool, name, NULL) : NULL;

    return path != NULL;
}

/*
 * A remote host's fixtures: a store of their own on this machine, named
 * after the host's URI and pool; their states, and UEFI variables, are
 * volumes of provium's pool there, and pruning the store deletes the
 * volumes no entry or build holds, never another store's.
 */
static void
test_storage_pool_fixtures(void)
{
    static const char key_a[] = "3fa9c1e2b4d5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static const char key_b[] = "0123456789abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    g_autoptr(GError) error = NULL;
    virConnect *conn = pv_libvirt_open("test:///default", &error);
    g_autofree char *dir = g_dir_make_tmp("pv-storage-fixtures-XXXXXX", NULL);
    g_autofree char *digests = g_build_filename(dir, "digests", NULL);
    g_autofree char *identity = NULL;
    g_autofree char *again = NULL;
    g_autofree char *store_dir = NULL;
    g_autofree char *prefix = g_build_filename(dir, "fixtures-hosts", NULL);
    g_autofree char *slot_a = NULL;
    g_autofree char *slot_b = NULL;
    g_autofree char *state = NULL;
    g_autofree char *nvram = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *vol_a = NULL;
    g_autofree char *vol_b = NULL;
    g_autofree char *cmd = NULL;
    const char *vol_other = "pvfx-ffffffff-3fa9c1e2b4d5-0.fixture-memory-state";
    g_autoptr(PvFixtureStore) store = NULL;
    g_autoptr(PvStoragePool) pool = NULL;
    g_auto(PvFixtureAcquisition) building = { 0 };
    PvHostStorage *storage;
    const char *vols[3];
    guint i;

    g_assert_no_error(error);
    storage = pv_host_storage_new_pool(conn, digests);
    identity = pv_host_fixtures_identity(conn, TRUE, &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(identity, "test:///default "));
    again = pv_host_fixtures_identity(conn, FALSE, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(again, ==, identity);
    store_dir = pv_host_fixtures_dir(dir, identity);
    g_assert_true(g_str_has_prefix(store_dir, prefix));
    store = pv_fixture_store_open(store_dir, &error);
    g_assert_no_error(error);

    /* A slot's state is a volume of the pool, named after the slot. */
    slot_a = pv_fixture_store_slot_domain_name(store, key_a, 0);
    slot_b = pv_fixture_store_slot_domain_name(store, key_b, 0);
    state = pv_host_storage_fixture_path(storage, "/no/such/slot", slot_a, "memory.state");
    vol_a = pv_host_fixtures_volume(slot_a, "memory.state");
    vol_b = pv_host_fixtures_volume(slot_b, "disk.qcow2");
    expected = g_build_filename(PV_STORAGE_POOL_DIR, vol_a, NULL);
    g_assert_cmpstr(state, ==, expected);
    g_assert_true(g_str_has_suffix(vol_b, ".fixture-disk-qcow2"));
    g_assert_null(pv_clean_volume_domain(vol_a, NULL));

    /* UEFI variables: in the pool, where libvirt makes them. */
    nvram = pv_host_storage_nvram_path(storage, "pv-1-t-efi", &error);
    g_assert_no_error(error);
    g_clear_pointer(&expected, g_free);
    expected = g_build_filename(PV_STORAGE_POOL_DIR, "pv-1-t-efi.VARS.fd", NULL);
    g_assert_cmpstr(nvram, ==, expected);

    /* Key A's volume is a killed build's; key B is being built; the third is another store's. */
    pool = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME, PV_STORAGE_POOL_DIR, FALSE, &error);
    g_assert_no_error(error);
    vols[0] = vol_a;
    vols[1] = vol_b;
    vols[2] = vol_other;
    for (i = 0; i < G_N_ELEMENTS(vols); i++) {
        PvStorageVolSpec spec = { vols[i], "raw", NULL, NULL, NULL, 1024 };
        g_autofree char *made = pv_storage_pool_create_vol(pool, &spec, &error);

        g_assert_no_error(error);
        g_assert_nonnull(made);
    }
    g_assert_true(pv_fixture_store_acquire(store, key_b, "test", &building, &error));
    g_assert_no_error(error);
    g_assert_cmpint(building.outcome, ==, PV_FIXTURE_BUILD);
    g_assert_true(pv_host_fixtures_prune(store, conn, PV_FIXTURE_STORE_DEFAULT_MAX_SIZE, NULL,
                                         NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(pool_has(conn, vol_a));
    g_assert_true(pool_has(conn, vol_b));
    g_assert_true(pool_has(conn, vol_other));
    /* The build gone without a commit: its volume goes at the next prune. */
    pv_fixture_acquisition_clear(&building);
    g_assert_true(pv_host_fixtures_prune(store, conn, PV_FIXTURE_STORE_DEFAULT_MAX_SIZE, NULL,
                                         NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(pool_has(conn, vol_b));
    g_assert_true(pool_has(conn, vol_other));
    g_assert_true(pv_storage_pool_delete_vol(pool, vol_other, &error));

    pv_host_storage_free(storage);
    g_clear_pointer(&store, pv_fixture_store_free);
    g_clear_pointer(&pool, pv_storage_pool_free);
    pv_libvirt_close(conn);
    cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}

static void
count_lost(PvHost *host, gpointer user_data)
{
    guint *calls = user_data;

    g_assert_true(pv_host_is_lost(host));
    (*calls)++;
}

static gpointer
mark_lost_thread(gpointer user_data)
{
    pv_host_mark_lost(user_data, PV_LIBVIRT_CLOSED_KEEPALIVE);
    return NULL;
}

static void
test_host_lost(void)
{
    g_autoptr(PvHost) host = open_test_host();
    g_autoptr(PvHost) other = open_test_host();
    g_autofree char *line = NULL;
    guint calls = 0;

    g_assert_false(pv_host_is_lost(host));
    pv_host_set_lost_func(host, count_lost, &calls);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_assert_cmpuint(calls, ==, 0);

    /* From libvirt's thread: heard on the main loop, once. */
    g_thread_join(g_thread_new("lost", mark_lost_thread, host));
    g_assert_true(pv_host_is_lost(host));
    g_assert_cmpuint(calls, ==, 0);
    pv_host_mark_lost(host, PV_LIBVIRT_CLOSED_EOF);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_assert_cmpuint(calls, ==, 1);
    pv_host_mark_lost(host, PV_LIBVIRT_CLOSED_EOF);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_assert_cmpuint(calls, ==, 1);
    /* One line, naming the host, its URI and the first reason. */
    line = pv_host_describe_loss(host);
    g_assert_nonnull(strstr(line, pv_host_peek_name(host)));
    g_assert_nonnull(strstr(line, "test:///default"));
    g_assert_nonnull(strstr(line, pv_libvirt_close_reason_describe(PV_LIBVIRT_CLOSED_KEEPALIVE)));
    g_assert_null(strchr(line, '\n'));

    /* A listener set after the loss hears it too; one unset hears nothing. */
    pv_host_set_lost_func(host, count_lost, &calls);
    pv_host_set_lost_func(host, NULL, NULL);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_assert_cmpuint(calls, ==, 1);
    pv_host_set_lost_func(host, count_lost, &calls);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_assert_cmpuint(calls, ==, 2);

    /* Freed with the call pending: it never comes. */
    pv_host_set_lost_func(other, count_lost, &calls);
    pv_host_mark_lost(other, PV_LIBVIRT_CLOSED_EOF);
    g_clear_pointer(&other, pv_host_free);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_assert_cmpuint(calls, ==, 2);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/test-driver", test_host_test_driver);
    g_test_add_func("/host/options", test_host_options);
    g_test_add_func("/host/unreachable", test_host_unreachable);
    g_test_add_func("/host/storage/local", test_storage_local);
    g_test_add_func("/host/storage/vol-xml", test_storage_vol_xml);
    g_test_add_func("/host/storage/pool", test_storage_pool);
    g_test_add_func("/host/storage/pool-fixtures", test_storage_pool_fixtures);

    g_test_add_func("/host/lost", test_host_lost);
    return g_test_run();
}
