/*
 * test-seed.c: a VM's cloud-init NoCloud seed: the ISO 9660 image (read
 * back here, and by blkid where the host has it), its meta-data and
 * network-config, and a profile's cloud_init and user_data keys
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pv-cloud-init.h"
#include "pv-config.h"
#include "pv-error.h"
#include "pv-iso9660.h"
#include "pv-seed.h"
#include "pv-template.h"

#define SECTOR PV_ISO9660_SECTOR

static guint32
le32(const guint8 *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (guint32)p[3] << 24;
}

static guint32
be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* A both-endian field: its two halves must agree. */
static guint32
both32(const guint8 *p)
{
    g_assert_cmpuint(le32(p), ==, be32(p + 4));
    return le32(p);
}

/* The Rock Ridge NM name in a record's system use area, or NULL. */
static char *
rr_name(const guint8 *rec)
{
    gsize id_len = rec[32];
    gsize off = 33 + id_len + (id_len % 2 == 0 ? 1 : 0);

    while (off + 4 <= rec[0]) {
        const guint8 *e = rec + off;

        g_assert_cmpuint(e[2], >=, 4);
        if (e[0] == 'N' && e[1] == 'M')
            return g_strndup((const char *)e + 5, e[2] - 5);
        off += e[2];
    }
    return NULL;
}

/* Whether the root's "." record starts its system use area with SUSP's SP. */
static gboolean
has_sp(const guint8 *rec)
{
    const guint8 *e = rec + 34;

    return rec[0] >= 34 + 7 && e[0] == 'S' && e[1] == 'P' && e[4] == 0xbe && e[5] == 0xef;
}

/*
 * Reads an image as a reader of ISO 9660 does: the primary volume
 * descriptor at sector 16, its root directory, each file's extent.
 * Returns: name (Rock Ridge) -> contents; the plain ISO names in @iso_names
 */
static GHashTable *
read_iso(GBytes *image, char **volume_id, GPtrArray *iso_names)
{
    gsize size = 0;
    const guint8 *data = g_bytes_get_data(image, &size);
    const guint8 *pvd = data + 16 * SECTOR;
    const guint8 *root;
    const guint8 *dir;
    GHashTable *files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    guint32 root_sector;
    guint32 root_size;
    gsize off = 0;
    guint n = 0;

    g_assert_cmpuint(size % SECTOR, ==, 0);
    g_assert_cmpuint(size, >=, 18 * SECTOR);
    g_assert_cmpuint(pvd[0], ==, 1);
    g_assert_cmpmem(pvd + 1, 5, "CD001", 5);
    g_assert_cmpuint(pvd[6], ==, 1);
    g_assert_cmpmem(pvd + 17 * SECTOR - 16 * SECTOR + 1, 5, "CD001", 5);
    g_assert_cmpuint(pvd[SECTOR], ==, 255);
    g_assert_cmpuint(both32(pvd + 80), ==, size / SECTOR);
    g_assert_cmpuint(pvd[128] | pvd[129] << 8, ==, SECTOR);
    *volume_id = g_strchomp(g_strndup((const char *)pvd + 40, 32));
    root = pvd + 156;
    g_assert_cmpuint(root[0], ==, 34);
    root_sector = both32(root + 2);
    root_size = both32(root + 10);
    g_assert_cmpuint(root[25] & 2, ==, 2);
    g_assert_cmpuint((gsize)root_sector * SECTOR + root_size, <=, size);
    /* The path table names the same root. */
    g_assert_cmpuint(le32(data + le32(pvd + 140) * SECTOR + 2), ==, root_sector);
    g_assert_cmpuint(be32(data + be32(pvd + 148) * SECTOR + 2), ==, root_sector);

    dir = data + (gsize)root_sector * SECTOR;
    while (off < root_size && dir[off] != 0) {
        const guint8 *rec = dir + off;

        g_assert_cmpuint(rec[0] % 2, ==, 0);
        if (n == 0) {
            g_assert_cmpuint(rec[32], ==, 1);
            g_assert_cmpuint(rec[33], ==, 0);
            g_assert_true(has_sp(rec));
        } else if (n == 1) {
            g_assert_cmpuint(rec[33], ==, 1);
        } else {
            guint32 extent = both32(rec + 2);
            guint32 len = both32(rec + 10);
            char *name = rr_name(rec);

            g_assert_nonnull(name);
            g_assert_cmpuint((gsize)extent * SECTOR + len, <=, size);
            g_assert_cmpuint(rec[25] & 2, ==, 0);
            g_ptr_array_add(iso_names, g_strndup((const char *)rec + 33, rec[32]));
            g_hash_table_insert(files, name, g_strndup((const char *)data +
                                                       (gsize)extent * SECTOR, len));
        }
        off += rec[0];
        n++;
    }
    return files;
}

static void
test_iso_layout(void)
{
    g_autoptr(GBytes) a = g_bytes_new_static("hello\n", 6);
    g_autoptr(GBytes) big = NULL;
    g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
    g_autoptr(GBytes) image = NULL;
    g_autoptr(GHashTable) files = NULL;
    g_autoptr(GPtrArray) iso_names = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *volume_id = NULL;
    GString *text = g_string_new(NULL);
    guint i;

    /* A file over a sector: its extent runs on. */
    for (i = 0; i < 700; i++)
        g_string_append(text, "0123456789");
    big = g_string_free_to_bytes(text);
    {
        PvIsoFile given[] = {
            { "user-data", big }, { "meta-data", a }, { "network-config", empty },
        };

        image = pv_iso9660_build("cidata", given, G_N_ELEMENTS(given), 0);
    }
    files = read_iso(image, &volume_id, iso_names);
    g_assert_cmpstr(volume_id, ==, "cidata");
    g_assert_cmpuint(g_hash_table_size(files), ==, 3);
    g_assert_cmpstr(g_hash_table_lookup(files, "meta-data"), ==, "hello\n");
    g_assert_cmpstr(g_hash_table_lookup(files, "network-config"), ==, "");
    g_assert_cmpuint(strlen(g_hash_table_lookup(files, "user-data")), ==, 7000);
    g_assert_true(g_str_has_prefix(g_hash_table_lookup(files, "user-data"), "0123456789"));
    /* Sorted by ISO name, which Linux's default mapping turns back into the name. */
    g_assert_cmpuint(iso_names->len, ==, 3);
    g_assert_cmpstr(iso_names->pdata[0], ==, "META-DATA.;1");
    g_assert_cmpstr(iso_names->pdata[1], ==, "NETWORK-CONFIG.;1");
    g_assert_cmpstr(iso_names->pdata[2], ==, "USER-DATA.;1");
}

/* blkid, as cloud-init finds its seed (LABEL=cidata, TYPE=iso9660). */
static void
test_iso_blkid(void)
{
    g_autofree char *blkid = g_find_program_in_path("blkid");
    g_autoptr(GBytes) a = g_bytes_new_static("instance-id: x\n", 15);
    PvIsoFile given[] = { { "meta-data", a } };
    g_autoptr(GBytes) image = pv_iso9660_build("cidata", given, 1, 1700000000);
    g_autofree char *path = g_build_filename(g_get_tmp_dir(), "i20-seed-test-XXXXXX", NULL);
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    const char *argv[] = { NULL, "-p", "-o", "export", NULL, NULL };
    int status = 0;
    int fd;

    if (!blkid)
        blkid = g_strdup(g_file_test("/usr/sbin/blkid", G_FILE_TEST_IS_EXECUTABLE) ?
                         "/usr/sbin/blkid" : "/sbin/blkid");
    if (!g_file_test(blkid, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("no blkid here");
        return;
    }
    fd = g_mkstemp(path);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, g_bytes_get_data(image, NULL),
                                      g_bytes_get_size(image), &error));
    argv[0] = blkid;
    argv[4] = path;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, &out, NULL, &status, &error));
    g_unlink(path);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(out, "\nTYPE=iso9660\n"));
    g_assert_nonnull(strstr(out, "\nLABEL=cidata\n"));
}

static JsonObject *
parse_object(JsonParser *parser, const char *text)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
    g_assert_no_error(error);
    return json_node_get_object(json_parser_get_root(parser));
}

static void
test_meta_data(void)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *plain = pv_seed_meta_data("provium-1", "web", NULL, &error);
    g_autofree char *merged = NULL;
    g_autofree char *bad = NULL;
    JsonObject *object;

    g_assert_no_error(error);
    object = parse_object(parser, plain);
    g_assert_cmpuint(json_object_get_size(object), ==, 2);
    g_assert_cmpstr(json_object_get_string_member(object, "instance-id"), ==, "provium-1");
    g_assert_cmpstr(json_object_get_string_member(object, "local-hostname"), ==, "web");

    /* The VM's keys replace provium's, and join them. */
    merged = pv_seed_meta_data("provium-2", "web",
                               "{\"local-hostname\": \"www\", \"tags\": [1, {\"a\": true}]}",
                               &error);
    g_assert_no_error(error);
    object = parse_object(parser, merged);
    g_assert_cmpuint(json_object_get_size(object), ==, 3);
    g_assert_cmpstr(json_object_get_string_member(object, "instance-id"), ==, "provium-2");
    g_assert_cmpstr(json_object_get_string_member(object, "local-hostname"), ==, "www");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(object, "tags")), ==,
                     2);

    bad = pv_seed_meta_data("provium-3", "web", "[1]", &error);
    g_assert_null(bad);
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
}

static void
test_network_config(void)
{
    PvNic dhcp = { .vm = "v", .net = "lan", .mac = "52:54:00:00:00:01", .ip = "10.0.1.5",
                   .prefix = 24, .addressing = PV_NIC_ADDRESS_DHCP };
    PvNic nat = { .vm = "v", .net = "wan", .mac = "52:54:00:00:00:02", .ip = "10.0.2.7",
                  .prefix = 24, .gateway = "10.0.2.1", .fixed = TRUE,
                  .addressing = PV_NIC_ADDRESS_AGENT };
    PvNic isolated = { .vm = "v", .net = "back", .mac = "52:54:00:00:00:03",
                       .ip = "172.16.0.9", .prefix = 16, .addressing = PV_NIC_ADDRESS_AGENT };
    const PvNic *nics[] = { &dhcp, &nat, &isolated };
    g_autofree char *text = pv_seed_network_config(nics, G_N_ELEMENTS(nics));

    g_assert_cmpstr(text, ==,
                    "# provium: the VM's NICs on its test file's networks\n"
                    "version: 2\n"
                    "ethernets:\n"
                    "  provium0:\n"
                    "    match:\n"
                    "      macaddress: \"52:54:00:00:00:01\"\n"
                    "    dhcp4: true\n"
                    "  provium1:\n"
                    "    match:\n"
                    "      macaddress: \"52:54:00:00:00:02\"\n"
                    "    dhcp4: false\n"
                    "    addresses: [\"10.0.2.7/24\"]\n"
                    "    routes:\n"
                    "      - to: 0.0.0.0/0\n"
                    "        via: 10.0.2.1\n"
                    "    nameservers:\n"
                    "      addresses: [10.0.2.1]\n"
                    "  provium2:\n"
                    "    match:\n"
                    "      macaddress: \"52:54:00:00:00:03\"\n"
                    "    dhcp4: false\n"
                    "    addresses: [\"172.16.0.9/16\"]\n");
}

/* What goes into the image: network-config only with NICs or the VM's own. */
static void
test_image(void)
{
    PvNic dhcp = { .vm = "v", .net = "lan", .mac = "52:54:00:00:00:01", .ip = "10.0.1.5",
                   .prefix = 24, .addressing = PV_NIC_ADDRESS_DHCP };
    const PvNic *nics[] = { &dhcp };
    PvSeedInputs inputs = { "provium-9", "web", NULL, "#cloud-config\n{}\n", NULL, NULL, 0 };
    g_autoptr(GError) error = NULL;
    guint round;

    for (round = 0; round < 3; round++) {
        g_autoptr(GBytes) image = NULL;
        g_autoptr(GHashTable) files = NULL;
        g_autoptr(GPtrArray) iso_names = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *volume_id = NULL;
        const char *net;

        if (round == 1) {
            inputs.nics = nics;
            inputs.n_nics = 1;
        } else if (round == 2) {
            inputs.network_config = "version: 2\nethernets: {}\n";
        }
        image = pv_seed_image(&inputs, 0, &error);
        g_assert_no_error(error);
        files = read_iso(image, &volume_id, iso_names);
        g_assert_cmpstr(volume_id, ==, PV_SEED_VOLUME_ID);
        g_assert_cmpstr(g_hash_table_lookup(files, "user-data"), ==, "#cloud-config\n{}\n");
        g_assert_nonnull(strstr(g_hash_table_lookup(files, "meta-data"),
                                "\"instance-id\" : \"provium-9\""));
        net = g_hash_table_lookup(files, "network-config");
        if (round == 0)
            g_assert_null(net);
        else if (round == 1)
            g_assert_nonnull(strstr(net, "macaddress: \"52:54:00:00:00:01\""));
        else
            g_assert_cmpstr(net, ==, "version: 2\nethernets: {}\n");
    }
}

/* cloud_init = yes|no, user_data = FILE (against the file's directory). */
static void
test_profile_keys(void)
{
    g_autofree char *dir = g_dir_make_tmp("i20-seed-test-XXXXXX", NULL);
    g_autofree char *conf = g_build_filename(dir, "provium.conf", NULL);
    g_autofree char *user = g_build_filename(dir, "user.yaml", NULL);
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(PvProfile) profile = NULL;
    g_autoptr(PvProfile) off = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    g_assert_true(g_file_set_contents(user, "#cloud-config\nhostname: x\n", -1, NULL));
    g_assert_true(g_file_set_contents(conf,
                                      "[profile default]\ncloud_init = yes\n"
                                      "user_data = user.yaml\n"
                                      "[profile off : default]\ncloud_init = no\n"
                                      "[profile gone]\ncloud_init = true\n"
                                      "user_data = missing.yaml\n", -1, NULL));
    config = pv_config_load(conf, &error);
    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "default", &error);
    g_assert_no_error(error);
    g_assert_true(pv_cloud_init_is_enabled(profile->cloud_init));
    g_assert_cmpstr(profile->cloud_init->user_data_file, ==, user);
    text = pv_cloud_init_read_user_data(profile->cloud_init, &error);
    g_assert_cmpstr(text, ==, "#cloud-config\nhostname: x\n");
    g_clear_pointer(&text, g_free);

    /* The VM's own user_data replaces the file's. */
    pv_cloud_init_set_vm(&profile->cloud_init, TRUE, "#cloud-config\n{}\n", NULL, NULL);
    text = pv_cloud_init_read_user_data(profile->cloud_init, &error);
    g_assert_cmpstr(text, ==, "#cloud-config\n{}\n");

    off = pv_config_get_profile(config, "off", &error);
    g_assert_no_error(error);
    g_assert_false(pv_cloud_init_is_enabled(off->cloud_init));

    /* A user_data file that is not there: refused like a missing kernel. */
    g_assert_null(pv_config_get_profile(config, "gone", &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "user_data file"));
    g_assert_nonnull(strstr(error->message, "missing.yaml"));
    g_clear_error(&error);

    /* cloud_init takes yes or no. */
    g_assert_true(g_file_set_contents(conf, "[profile default]\ncloud_init = maybe\n", -1,
                                      NULL));
    g_clear_pointer(&config, pv_config_free);
    config = pv_config_load(conf, &error);
    g_assert_null(config);
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "cloud_init: 'maybe' is not yes or no"));

    g_unlink(user);
    g_unlink(conf);
    g_rmdir(dir);
}

/*
 * The seed in the domain XML: a read-only CD-ROM; a restore points the saved
 * domain's seed (the build's, gone) at the restored domain's own.
 */
static void
test_domain_xml(void)
{
    static const char template_xml[] =
        "<domain type='qemu'><name>x</name><memory>1</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
        "<devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
        "</devices></domain>";
    static const char q35_xml[] =
        "<domain type='qemu'><name>x</name><memory>1</memory>"
        "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices/></domain>";
    static const char saved_xml[] =
        "<domain type='qemu'><name>x</name><devices>"
        "<disk type='file' device='cdrom'><source file='/old/build.seed.iso'/>"
        "<target dev='hdc' bus='ide'/><readonly/><alias name='ua-provium-seed'/></disk>"
        "<disk type='file' device='cdrom'><source file='/theirs.iso'/>"
        "<target dev='hdd' bus='ide'/></disk>"
        "</devices></domain>";
    PvDomainRequest request = { .name = "d", .seed = "/run/vms/d.seed.iso" };
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = pv_template_render(template_xml, strlen(template_xml), "t.xml",
                                              &request, NULL, &error);
    g_autofree char *q35 = NULL;
    g_autofree char *restored = NULL;
    g_autofree char *none = NULL;

    g_assert_no_error(error);
    /* The template's own CD-ROM keeps hdc: the seed takes the next name. */
    g_assert_nonnull(strstr(xml, "<source file=\"/run/vms/d.seed.iso\"/>\n"
                                 "      <target dev=\"hdd\" bus=\"ide\"/>\n"
                                 "      <readonly/>\n"
                                 "      <alias name=\"ua-provium-seed\"/>"));
    q35 = pv_template_render(q35_xml, strlen(q35_xml), "t.xml", &request, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(q35, "<target dev=\"sda\" bus=\"sata\"/>"));

    restored = pv_template_restore_xml(saved_xml, &request, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(restored, "/run/vms/d.seed.iso"));
    g_assert_null(strstr(restored, "/old/build.seed.iso"));
    g_assert_nonnull(strstr(restored, "/theirs.iso"));

    /* Without a seed, none. */
    request.seed = NULL;
    none = pv_template_render(template_xml, strlen(template_xml), "t.xml", &request, NULL,
                              &error);
    g_assert_no_error(error);
    g_assert_null(strstr(none, "ua-provium-seed"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/seed/iso/layout", test_iso_layout);
    g_test_add_func("/seed/iso/blkid", test_iso_blkid);
    g_test_add_func("/seed/meta-data", test_meta_data);
    g_test_add_func("/seed/network-config", test_network_config);
    g_test_add_func("/seed/image", test_image);
    g_test_add_func("/seed/profile-keys", test_profile_keys);
    g_test_add_func("/seed/domain-xml", test_domain_xml);
    return g_test_run();
}
