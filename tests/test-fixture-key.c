/*
 * test-fixture-key.c: fixture keys and file digests
 *
 * A key changes with every input that reaches the saved state and with
 * nothing else.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-digest.h"
#include "pv-error.h"
#include "pv-fixture-key.h"
#include "pv-units.h"

typedef struct {
    char *dir;
    PvProfile profile;
    const char *inputs[3];
    PvFixtureKeyInputs in;
} KeyFixture;

static char *
write_file(const char *dir, const char *name, const char *text)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, &error));
    g_assert_no_error(error);
    return path;
}

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
key_setup(KeyFixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("pv-fixture-key-XXXXXX", &error);
    g_assert_no_error(error);
    g_free(write_file(fx->dir, "app.conf", "listen 80\n"));
    fx->profile.name = g_strdup("tiny");
    fx->profile.origin = g_strdup("tests/provium.conf");
    fx->profile.template_path = write_file(fx->dir, "default.xml", "<domain type='kvm'/>\n");
    fx->profile.kernel = write_file(fx->dir, "vmlinuz", "kernel bytes");
    fx->profile.initrd = write_file(fx->dir, "initrd.img", "initrd bytes");
    fx->profile.cmdline = g_strdup("console=ttyS0 quiet");
    fx->profile.memory = 256 * PV_MIB;
    fx->profile.cpus = 1;
    fx->inputs[0] = "app.conf";
    fx->in.name = "web";
    fx->in.definition = "return fixture('web', {inputs = {'app.conf'}}, function(vm) end)\n";
    fx->in.definition_len = -1;
    fx->in.inputs = fx->inputs;
    fx->in.input_dir = fx->dir;
    fx->in.profile = &fx->profile;
    fx->in.virt_type = PV_VIRT_QEMU;
    fx->in.hypervisor = "QEMU 7.2.22, libvirt 9.0.0";
}

static void
key_teardown(KeyFixture *fx, gconstpointer data)
{
    g_free(fx->profile.name);
    g_free(fx->profile.origin);
    g_free(fx->profile.template_path);
    g_free(fx->profile.kernel);
    g_free(fx->profile.initrd);
    g_free(fx->profile.disk);
    g_free(fx->profile.cmdline);
    remove_tree(fx->dir);
    g_free(fx->dir);
}

static char *
compute(KeyFixture *fx)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureKey) key = pv_fixture_key_compute(&fx->in, NULL, &error);

    g_assert_no_error(error);
    g_assert_true(pv_fixture_key_is_valid(key->key));
    return g_strdup(key->key);
}

static void
test_digest_bytes(void)
{
    g_autofree char *abc = pv_digest_bytes("abc", 3);

    g_assert_cmpstr(abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    g_assert_true(pv_digest_is_hex(abc));
    g_assert_false(pv_digest_is_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    g_assert_false(pv_digest_is_hex("abc"));
}

static void
test_key_parts_are_delimited(void)
{
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func((GDestroyNotify)pv_fixture_key_part_free);
    g_autoptr(GPtrArray) b = g_ptr_array_new_with_free_func((GDestroyNotify)pv_fixture_key_part_free);
    g_autofree char *ka = NULL;
    g_autofree char *kb = NULL;

    g_ptr_array_add(a, pv_fixture_key_part_new("x", "a=b"));
    g_ptr_array_add(b, pv_fixture_key_part_new("x=a", "b"));
    ka = pv_fixture_key_digest(a);
    kb = pv_fixture_key_digest(b);
    g_assert_cmpstr(ka, !=, kb);
}

/* Every input that reaches the saved state changes the key. */
static void
test_key_changes(KeyFixture *fx, gconstpointer data)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *base = compute(fx);
    g_autofree char *disk = NULL;
    char *key;

#define CHANGED(what) \
    G_STMT_START { \
        key = compute(fx); \
        g_test_message("%s: %s", what, key); \
        g_assert_cmpstr(key, !=, base); \
        g_assert_true(g_hash_table_add(seen, key)); \
    } G_STMT_END

    fx->in.definition = "return fixture('web', {inputs = {'app.conf'}}, function(vm) x() end)\n";
    CHANGED("definition");
    g_free(write_file(fx->dir, "app.conf", "listen 8080\n"));
    CHANGED("input contents");
    g_free(write_file(fx->dir, "default.xml", "<domain type='qemu'/>\n"));
    CHANGED("template bytes");
    g_free(write_file(fx->dir, "vmlinuz", "kernel bytez"));
    CHANGED("kernel contents");
    g_free(write_file(fx->dir, "initrd.img", "initrd bytez"));
    CHANGED("initrd contents");
    disk = write_file(fx->dir, "disk.img", "a disk");
    fx->profile.disk = g_strdup(disk);
    CHANGED("a disk");
    g_free(write_file(fx->dir, "disk.img", "a disc"));
    CHANGED("disk contents");
    g_free(fx->profile.cmdline);
    fx->profile.cmdline = g_strdup("console=ttyS0");
    CHANGED("command line");
    fx->profile.memory = 512 * PV_MIB;
    CHANGED("memory");
    fx->profile.cpus = 2;
    CHANGED("vCPUs");
    fx->profile.performance_mode = TRUE;
    CHANGED("performance mode");
    fx->profile.llcs = 1;
    CHANGED("topology");
    fx->in.virt_type = PV_VIRT_KVM;
    CHANGED("accelerator");
    fx->in.hypervisor = "QEMU 8.0.0, libvirt 9.0.0";
    CHANGED("hypervisor");
    fx->in.provium_version = "9.9.9";
    CHANGED("provium's version");
    fx->in.name = "web2";
    CHANGED("fixture name");
    fx->inputs[1] = "default.xml";
    CHANGED("another input");
#undef CHANGED
}

/* What does not reach the saved state does not change the key. */
static void
test_key_same(KeyFixture *fx, gconstpointer data)
{
    g_autofree char *base = compute(fx);
    g_autofree char *moved = g_build_filename(fx->dir, "moved", NULL);
    g_autofree char *kernel_moved = NULL;
    g_autofree char *again = NULL;
    g_autofree char *after_touch = NULL;
    g_autofree char *after_rename = NULL;
    g_autofree char *after_move = NULL;
    struct timespec times[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };

    again = compute(fx);
    g_assert_cmpstr(again, ==, base);

    g_assert_cmpint(utimensat(AT_FDCWD, fx->profile.kernel, times, 0), ==, 0);
    after_touch = compute(fx);
    g_assert_cmpstr(after_touch, ==, base);

    g_free(fx->profile.name);
    fx->profile.name = g_strdup("renamed");
    g_free(fx->profile.origin);
    fx->profile.origin = g_strdup("elsewhere/provium.conf");
    after_rename = compute(fx);
    g_assert_cmpstr(after_rename, ==, base);

    /* A checkout moved elsewhere: same contents under other paths. */
    g_assert_cmpint(g_mkdir(moved, 0755), ==, 0);
    kernel_moved = write_file(moved, "vmlinuz", "kernel bytes");
    g_free(write_file(moved, "app.conf", "listen 80\n"));
    g_free(fx->profile.kernel);
    fx->profile.kernel = g_strdup(kernel_moved);
    fx->in.input_dir = moved;
    after_move = compute(fx);
    g_assert_cmpstr(after_move, ==, base);
    fx->in.input_dir = fx->dir;
}

static void
test_key_missing_input(KeyFixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureKey) key = NULL;

    fx->inputs[1] = "files/missing.conf";
    key = pv_fixture_key_compute(&fx->in, NULL, &error);
    g_assert_null(key);
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "'files/missing.conf'"));
}

static void
test_key_missing_kernel(KeyFixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureKey) key = NULL;

    g_unlink(fx->profile.kernel);
    key = pv_fixture_key_compute(&fx->in, NULL, &error);
    g_assert_null(key);
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_true(g_str_has_prefix(error->message, "profile 'tiny': "));
    g_assert_nonnull(strstr(error->message, "vmlinuz"));
}

/* Big files' digests are cached by device, inode, size, mtime and ctime. */
static void
test_digest_cache(KeyFixture *fx, gconstpointer data)
{
    g_autofree char *records = g_build_filename(fx->dir, "digests", NULL);
    g_autofree char *path = g_build_filename(fx->dir, "big.img", NULL);
    g_autofree char *contents = g_malloc0(PV_DIGEST_CACHE_MIN_SIZE);
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;
    g_autofree char *changed = NULL;
    g_autofree char *expected = NULL;
    g_autoptr(PvDigestCache) cache = pv_digest_cache_new(records);
    g_autoptr(GError) error = NULL;
    struct timespec times[2];
    struct stat st;
    gboolean cached = TRUE;

    g_assert_true(g_file_set_contents(path, contents, PV_DIGEST_CACHE_MIN_SIZE, NULL));
    first = pv_digest_cache_file(cache, path, &cached, &error);
    g_assert_no_error(error);
    g_assert_false(cached);
    second = pv_digest_cache_file(cache, path, &cached, &error);
    g_assert_true(cached);
    g_assert_cmpstr(first, ==, second);

    /* Same size, mtime set back by hand: the ctime still tells. */
    g_assert_cmpint(stat(path, &st), ==, 0);
    contents[100] = 'x';
    {
        int fd = open(path, O_WRONLY);

        g_assert_cmpint(pwrite(fd, contents, PV_DIGEST_CACHE_MIN_SIZE, 0), ==,
                        PV_DIGEST_CACHE_MIN_SIZE);
        close(fd);
    }
    times[0] = st.st_atim;
    times[1] = st.st_mtim;
    g_assert_cmpint(utimensat(AT_FDCWD, path, times, 0), ==, 0);
    changed = pv_digest_cache_file(cache, path, &cached, &error);
    g_assert_false(cached);
    expected = pv_digest_bytes(contents, PV_DIGEST_CACHE_MIN_SIZE);
    g_assert_cmpstr(changed, ==, expected);
    g_assert_cmpstr(changed, !=, first);

    /* A small file is not recorded; a removed one's record is pruned. */
    g_assert_cmpuint(pv_digest_cache_prune(records), ==, 0);
    g_unlink(path);
    g_assert_cmpuint(pv_digest_cache_prune(records), ==, 1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/digest/bytes", test_digest_bytes);
    g_test_add("/digest/cache", KeyFixture, NULL, key_setup, test_digest_cache, key_teardown);
    g_test_add_func("/fixture/key/delimited", test_key_parts_are_delimited);
    g_test_add("/fixture/key/changes", KeyFixture, NULL, key_setup, test_key_changes,
               key_teardown);
    g_test_add("/fixture/key/same", KeyFixture, NULL, key_setup, test_key_same, key_teardown);
    g_test_add("/fixture/key/missing-input", KeyFixture, NULL, key_setup, test_key_missing_input,
               key_teardown);
    g_test_add("/fixture/key/missing-kernel", KeyFixture, NULL, key_setup,
               test_key_missing_kernel, key_teardown);
    return g_test_run();
}
