/*
 * test-host-object.c: a PvHost on libvirt's test driver, and the storage of
 * a host that shares this machine's files
 *
 * What the rest of provium relies on: a host is what its URI says (the
 * test driver is this machine's, runs no guests, and so reads none of this
 * machine's pressure or KSM), its facts come from libvirt, and its storage
 * names a file of this machine by its own path, makes overlays and console
 * logs in the run's directory, and keeps or removes them.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pv-error.h"
#include "pv-host.h"

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
    state = pv_host_storage_fixture_path(storage, slot, "memory.state");
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
        kept = pv_host_storage_fixture_path(storage, slot, "disk.qcow2");
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

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/test-driver", test_host_test_driver);
    g_test_add_func("/host/options", test_host_options);
    g_test_add_func("/host/unreachable", test_host_unreachable);
    g_test_add_func("/host/storage/local", test_storage_local);
    return g_test_run();
}
