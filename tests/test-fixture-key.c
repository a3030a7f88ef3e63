/*
 * test-fixture-key.c: fixture keys, file digests, manifests and the LRU choice
 *
 * A key changes with every input that reaches the saved state and with
 * nothing else; a manifest that is truncated or tampered with is refused;
 * eviction takes the least recently used entries not in use.
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
#include "pv-fixture-manifest.h"
#include "pv-fixture-store.h"
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
    g_assert_false(pv_digest_is_hex("BA7816BF8F01CFEA414140DE5DAE2223"
                                    "B00361A396177A9CB410FF61F20015AD"));
    g_assert_false(pv_digest_is_hex("abc"));
}

static void
test_key_parts_are_delimited(void)
{
    GDestroyNotify free_part = (GDestroyNotify)pv_fixture_key_part_free;
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(free_part);
    g_autoptr(GPtrArray) b = g_ptr_array_new_with_free_func(free_part);
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

/*
 * A state saved on a remote host is restored there only: its key names the
 * host (URI and pool), so a local fixture of the same profile, or another
 * host's, is another entry; this machine's keys have no host part.
 */
static void
test_key_host(KeyFixture *fx, gconstpointer data)
{
    g_autofree char *local = compute(fx);
    g_autofree char *host_b = NULL;
    g_autofree char *host_b_again = NULL;
    g_autofree char *host_c = NULL;
    g_autofree char *other_pool = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureKey) key = NULL;
    gboolean has_host = FALSE;
    guint i;

    fx->in.host = "qemu+tcp://127.0.0.1:16599/system 1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    host_b = compute(fx);
    host_b_again = compute(fx);
    g_assert_cmpstr(host_b, !=, local);
    g_assert_cmpstr(host_b, ==, host_b_again);
    key = pv_fixture_key_compute(&fx->in, NULL, &error);
    g_assert_no_error(error);
    for (i = 0; i < key->parts->len; i++) {
        const PvFixtureKeyPart *part = key->parts->pdata[i];

        if (g_str_equal(part->name, "host")) {
            g_assert_cmpstr(part->value, ==, fx->in.host);
            has_host = TRUE;
        }
    }
    g_assert_true(has_host);
    fx->in.host = "qemu+ssh://lab2/system 1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    host_c = compute(fx);
    g_assert_cmpstr(host_c, !=, host_b);
    g_assert_cmpstr(host_c, !=, local);
    /* The pool made again: its volumes are gone, so are its fixtures. */
    fx->in.host = "qemu+tcp://127.0.0.1:16599/system 6fa459ea-ee8a-3ca4-894e-db77e160355e";
    other_pool = compute(fx);
    g_assert_cmpstr(other_pool, !=, host_b);
    fx->in.host = NULL;
    g_free(key->key);
    key->key = compute(fx);
    g_assert_cmpstr(key->key, ==, local);
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

static PvFixtureManifest *
sample_manifest(void)
{
    g_autoptr(PvFixtureManifest) manifest = pv_fixture_manifest_new("", "web");

    g_ptr_array_add(manifest->inputs, pv_fixture_key_part_new("name", "web"));
    g_ptr_array_add(manifest->inputs, pv_fixture_key_part_new("kernel", "sha256:00"));
    g_free(manifest->key);
    manifest->key = pv_fixture_key_digest(manifest->inputs);
    manifest->created = 1764400000;
    pv_fixture_manifest_add_file(manifest, "slots/0/memory.state", 104857600,
                                 "ba7816bf8f01cfea414140de5dae2223"
                                 "b00361a396177a9cb410ff61f20015ad");
    pv_fixture_manifest_add_file(manifest, "disk.qcow2", 196608,
                                 "e3b0c44298fc1c149afbf4c8996fb924"
                                 "27ae41e4649b934ca495991b7852b855");
    return g_steal_pointer(&manifest);
}

static void
test_manifest_roundtrip(void)
{
    g_autoptr(PvFixtureManifest) manifest = sample_manifest();
    g_autofree char *text = pv_fixture_manifest_to_json(manifest);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureManifest) parsed = pv_fixture_manifest_parse(text, -1, manifest->key, -1,
                                                                    &error);
    g_autofree char *again = NULL;

    g_assert_no_error(error);
    g_assert_cmpstr(parsed->name, ==, "web");
    g_assert_cmpstr(parsed->provium_version, ==, PACKAGE_VERSION);
    g_assert_cmpint(parsed->created, ==, 1764400000);
    g_assert_cmpint(parsed->slot, ==, -1);
    g_assert_cmpuint(parsed->files->len, ==, 2);
    g_assert_cmpstr(((PvFixtureFile *)parsed->files->pdata[0])->path, ==, "disk.qcow2");
    g_assert_cmpuint(pv_fixture_manifest_get_size(parsed), ==, 104857600 + 196608);
    again = pv_fixture_manifest_to_json(parsed);
    g_assert_cmpstr(again, ==, text);

    /* A slot's manifest carries its domain's name and UUID. */
    {
        g_autoptr(PvFixtureManifest) slot = pv_fixture_manifest_new(manifest->key, "web");
        g_autofree char *slot_text = NULL;
        g_autoptr(PvFixtureManifest) slot_parsed = NULL;

        slot->slot = 3;
        slot->domain_name = g_strdup("pvfx-0011aabb-0123456789ab-3");
        slot->uuid = g_strdup("01234567-89ab-8def-8123-456789abcdef");
        slot_text = pv_fixture_manifest_to_json(slot);
        slot_parsed = pv_fixture_manifest_parse(slot_text, -1, manifest->key, 3, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(slot_parsed->domain_name, ==, "pvfx-0011aabb-0123456789ab-3");
        g_assert_null(pv_fixture_manifest_parse(slot_text, -1, manifest->key, 2, NULL));
        g_assert_null(pv_fixture_manifest_parse(slot_text, -1, manifest->key, -1, NULL));
    }
}

/* A manifest cut short anywhere is refused. */
static void
test_manifest_truncated(void)
{
    g_autoptr(PvFixtureManifest) manifest = sample_manifest();
    g_autofree char *text = pv_fixture_manifest_to_json(manifest);
    gsize len = strlen(text);
    gsize i;

    for (i = 0; i < len; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(PvFixtureManifest) parsed = pv_fixture_manifest_parse(text, i, manifest->key,
                                                                        -1, &error);

        if (parsed)
            g_error("a manifest cut at %zu of %zu bytes was accepted", i, len);
        g_assert_error(error, PV_ERROR, PV_ERROR_IO);
        g_assert_true(g_str_has_prefix(error->message, "its manifest is invalid: "));
    }
}

static void
assert_refused(const char *text, const char *key, const char *why)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvFixtureManifest) parsed = pv_fixture_manifest_parse(text, -1, key, -1, &error);

    g_assert_null(parsed);
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, why));
}

static void
test_manifest_invalid(void)
{
    g_autoptr(PvFixtureManifest) manifest = sample_manifest();
    g_autofree char *good = pv_fixture_manifest_to_json(manifest);
    g_autofree char *other_key = g_strnfill(64, 'a');
    const char *bad_paths[] = { "../escape", "/abs", "a//b", "manifest.json", "a/./b", "sp ace",
                                "", NULL };
    guint i;

    assert_refused(good, other_key, "another key");
    assert_refused("[]", manifest->key, "not a JSON object");
    assert_refused("{\"format\": 2}", manifest->key, "unknown format");
    for (i = 0; bad_paths[i]; i++) {
        g_autoptr(PvFixtureManifest) bad = sample_manifest();
        g_autofree char *text = NULL;

        pv_fixture_manifest_add_file(bad, bad_paths[i], 1, ((PvFixtureFile *)
                                                            bad->files->pdata[0])->sha256);
        text = pv_fixture_manifest_to_json(bad);
        assert_refused(text, bad->key, "bad file record");
        g_assert_false(pv_fixture_manifest_path_is_safe(bad_paths[i]));
    }
    {
        g_autoptr(PvFixtureManifest) bad = sample_manifest();
        g_autofree char *text = NULL;

        g_free(((PvFixtureFile *)bad->files->pdata[0])->sha256);
        ((PvFixtureFile *)bad->files->pdata[0])->sha256 = g_strdup("not-a-digest");
        text = pv_fixture_manifest_to_json(bad);
        assert_refused(text, bad->key, "bad file record");
    }
    {
        g_autoptr(PvFixtureManifest) bad = sample_manifest();
        g_autofree char *text = NULL;

        /* An input changed by hand no longer gives the key. */
        g_free(((PvFixtureKeyPart *)bad->inputs->pdata[1])->value);
        ((PvFixtureKeyPart *)bad->inputs->pdata[1])->value = g_strdup("sha256:01");
        text = pv_fixture_manifest_to_json(bad);
        assert_refused(text, bad->key, "do not give its key");
    }
    g_assert_true(pv_fixture_manifest_path_is_safe("slots/12/memory.state"));
}

static PvFixtureInfo *
info(const char *key, guint64 size, gint64 last_used, gboolean in_use, const char *problem)
{
    PvFixtureInfo *i = g_new0(PvFixtureInfo, 1);

    i->key = g_strdup(key);
    i->size = size;
    i->last_used = last_used;
    i->created = 0;
    i->in_use = in_use;
    i->problem = g_strdup(problem);
    return i;
}

static char *
chosen(GPtrArray *infos, guint64 max)
{
    g_autofree gboolean *evict = pv_fixture_lru_choose((PvFixtureInfo *const *)infos->pdata,
                                                       infos->len, max);
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; i < infos->len; i++)
        if (evict[i])
            g_string_append(out, ((PvFixtureInfo *)infos->pdata[i])->key);
    return g_string_free(out, FALSE);
}

static void
test_lru(void)
{
    g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func(
        (GDestroyNotify)pv_fixture_info_free);
    g_autofree char *none = NULL;
    g_autofree char *two = NULL;
    g_autofree char *all = NULL;
    g_autofree char *skip_used = NULL;
    g_autofree char *corrupt = NULL;
    g_autofree char *tie = NULL;

    /* Order in the array says nothing: last use does. */
    g_ptr_array_add(infos, info("c", 100, 300, FALSE, NULL));
    g_ptr_array_add(infos, info("a", 100, 100, FALSE, NULL));
    g_ptr_array_add(infos, info("b", 100, 200, FALSE, NULL));
    none = chosen(infos, 300);
    g_assert_cmpstr(none, ==, "");
    two = chosen(infos, 150);
    g_assert_cmpstr(two, ==, "ab");
    all = chosen(infos, 0);
    g_assert_cmpstr(all, ==, "cab");

    /* The least recently used is in use: the next ones go, and the store may stay over. */
    ((PvFixtureInfo *)infos->pdata[1])->in_use = TRUE;
    skip_used = chosen(infos, 150);
    g_assert_cmpstr(skip_used, ==, "cb");

    /* A corrupt entry goes whatever the cap, unless in use. */
    g_ptr_array_add(infos, info("d", 10, 400, FALSE, "its manifest is invalid"));
    g_ptr_array_add(infos, info("e", 10, 400, TRUE, "its manifest is invalid"));
    corrupt = chosen(infos, 1000);
    g_assert_cmpstr(corrupt, ==, "d");

    /* Ties: by key. */
    g_ptr_array_set_size(infos, 0);
    g_ptr_array_add(infos, info("y", 100, 100, FALSE, NULL));
    g_ptr_array_add(infos, info("x", 100, 100, FALSE, NULL));
    tie = chosen(infos, 100);
    g_assert_cmpstr(tie, ==, "x");
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
    g_test_add("/fixture/key/host", KeyFixture, NULL, key_setup, test_key_host, key_teardown);
    g_test_add("/fixture/key/missing-input", KeyFixture, NULL, key_setup, test_key_missing_input,
               key_teardown);
    g_test_add("/fixture/key/missing-kernel", KeyFixture, NULL, key_setup,
               test_key_missing_kernel, key_teardown);
    g_test_add_func("/fixture/manifest/roundtrip", test_manifest_roundtrip);
    g_test_add_func("/fixture/manifest/truncated", test_manifest_truncated);
    g_test_add_func("/fixture/manifest/invalid", test_manifest_invalid);
    g_test_add_func("/fixture/lru", test_lru);
    return g_test_run();
}
