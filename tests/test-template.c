/*
 * test-template.c: golden files for domain XML rendering
 *
 * Each case in templatedata/ is NAME.in.xml (a template) and NAME.request (a
 * key file of PvDomainRequest fields; nics is a list of "NETWORK MAC" or
 * "NETWORK MAC down"), with either NAME.out.xml (the domain XML expected) or
 * NAME.err (a piece of the expected error).  Outputs are regenerated only
 * with PV_TEST_REGENERATE_OUTPUT=1, and then reviewed.  Last, the XML that
 * pulls or plugs a live NIC's cable.
 */
#include "config.h"

#include <libxml/parser.h>
#include <string.h>

#include "golden.h"
#include "pv-error.h"
#include "pv-template.h"

static char *
data_path(const char *name, const char *suffix)
{
    g_autofree char *file = g_strconcat(name, suffix, NULL);

    return g_build_filename(g_getenv("PV_TEST_SRCDIR"), "templatedata", file, NULL);
}

static char *
request_string(GKeyFile *kf, const char *key)
{
    char *value = g_key_file_get_string(kf, "request", key, NULL);

    return value ? g_strstrip(value) : NULL;
}

/* nics = NETWORK MAC [down];...: the strings stay in @words. */
static GArray *
request_nics(GKeyFile *kf, GPtrArray *words)
{
    g_auto(GStrv) entries = g_key_file_get_string_list(kf, "request", "nics", NULL, NULL);
    GArray *nics = g_array_new(FALSE, TRUE, sizeof(PvDomainNic));
    gsize i;

    for (i = 0; entries && entries[i]; i++) {
        char **fields = g_strsplit(g_strstrip(entries[i]), " ", 3);
        PvDomainNic nic = { 0 };

        g_assert_nonnull(fields[0]);
        g_assert_nonnull(fields[1]);
        g_ptr_array_add(words, fields);
        nic.network = fields[0];
        nic.mac = fields[1];
        nic.link_down = g_strcmp0(fields[2], "down") == 0;
        g_array_append_val(nics, nic);
    }
    return nics;
}

/* disks = PATH [BUS];...: the strings stay in @words. */
static GArray *
request_disks(GKeyFile *kf, GPtrArray *words)
{
    g_auto(GStrv) entries = g_key_file_get_string_list(kf, "request", "disks", NULL, NULL);
    GArray *disks = g_array_new(FALSE, TRUE, sizeof(PvDomainDisk));
    gsize i;

    for (i = 0; entries && entries[i]; i++) {
        char **fields = g_strsplit(g_strstrip(entries[i]), " ", 2);
        PvDomainDisk disk = { 0 };

        g_assert_nonnull(fields[0]);
        g_ptr_array_add(words, fields);
        disk.path = fields[0];
        g_assert_true(!fields[1] || pv_disk_bus_from_string(fields[1], &disk.bus));
        g_array_append_val(disks, disk);
    }
    return disks;
}

static void
test_case(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_path = data_path(name, ".in.xml");
    g_autofree char *request_path = data_path(name, ".request");
    g_autofree char *out_path = data_path(name, ".out.xml");
    g_autofree char *err_path = data_path(name, ".err");
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *s_name = NULL, *s_title = NULL, *s_kernel = NULL, *s_initrd = NULL;
    g_autofree char *s_cmdline = NULL, *s_disk = NULL, *s_log = NULL, *s_run = NULL;
    g_autofree char *s_prefix = NULL, *s_file = NULL, *s_vm = NULL, *s_host = NULL;
    g_autofree char *rendered = NULL;
    g_autofree char *s_virt = NULL;
    g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_autoptr(GArray) nics = NULL;
    g_autoptr(GArray) disks = NULL;
    g_autofree char *s_firmware = NULL, *s_nvram = NULL;
    PvDomainRequest request = { 0 };

    g_assert_true(g_key_file_load_from_file(kf, request_path, G_KEY_FILE_NONE, &error));
    g_assert_no_error(error);
    request.name = s_name = request_string(kf, "name");
    request.title = s_title = request_string(kf, "title");
    request.kernel = s_kernel = request_string(kf, "kernel");
    request.initrd = s_initrd = request_string(kf, "initrd");
    request.cmdline = s_cmdline = request_string(kf, "cmdline");
    request.disk = s_disk = request_string(kf, "disk");
    request.console_log = s_log = request_string(kf, "console_log");
    request.run_id = s_run = request_string(kf, "run_id");
    request.prefix = s_prefix = request_string(kf, "prefix");
    request.file = s_file = request_string(kf, "file");
    request.vm = s_vm = request_string(kf, "vm");
    request.host = s_host = request_string(kf, "host");
    request.memory = g_key_file_get_uint64(kf, "request", "memory", NULL);
    request.vcpus = g_key_file_get_integer(kf, "request", "vcpus", NULL);
    request.pid = g_key_file_get_int64(kf, "request", "pid", NULL);
    s_virt = request_string(kf, "virt_type");
    g_assert_true(!s_virt || pv_virt_type_from_string(s_virt, &request.virt_type));
    request.nosharepages = g_key_file_get_boolean(kf, "request", "nosharepages", NULL);
    nics = request_nics(kf, words);
    request.nics = (const PvDomainNic *)nics->data;
    request.n_nics = nics->len;
    disks = request_disks(kf, words);
    request.disks = (const PvDomainDisk *)disks->data;
    request.n_disks = disks->len;
    s_firmware = request_string(kf, "firmware");
    g_assert_true(!s_firmware || pv_firmware_from_string(s_firmware, &request.firmware));
    request.nvram = s_nvram = request_string(kf, "nvram");

    rendered = pv_template_render_file(in_path, &request, NULL, &error);

    if (g_file_test(err_path, G_FILE_TEST_EXISTS)) {
        g_autofree char *expected = NULL;

        g_assert_true(g_file_get_contents(err_path, &expected, NULL, NULL));
        g_strstrip(expected);
        g_assert_null(rendered);
        g_assert_error(error, PV_ERROR, PV_ERROR_TEMPLATE);
        g_test_message("error: %s", error->message);
        g_assert_nonnull(strstr(error->message, expected));
        return;
    }

    g_assert_no_error(error);
    g_assert_nonnull(rendered);
    pv_test_compare_golden(out_path, rendered);
}

static void
test_link_xml(void)
{
    const char *domain =
        "<domain type='qemu'><name>d</name><devices>"
        "<interface type='network'><mac address='52:54:00:aa:bb:01'/>"
        "<source network='n1'/><model type='virtio'/><alias name='net0'/></interface>"
        "<interface type='network'><mac address='52:54:00:AA:BB:02'/>"
        "<source network='n2'/><model type='virtio'/><link state='up'/></interface>"
        "</devices></domain>";
    g_autoptr(GError) error = NULL;
    g_autofree char *down = pv_template_nic_link_xml(domain, "52:54:00:aa:bb:01", FALSE,
                                                          &error);
    g_autofree char *up = NULL;
    g_autofree char *none = NULL;

    g_assert_no_error(error);
    g_assert_cmpstr(down, ==,
                    "<interface type=\"network\">\n"
                    "  <mac address=\"52:54:00:aa:bb:01\"/>\n"
                    "  <source network=\"n1\"/>\n"
                    "  <model type=\"virtio\"/>\n"
                    "  <alias name=\"net0\"/>\n"
                    "  <link state=\"down\"/>\n"
                    "</interface>");
    /* MACs compare without case; an existing <link> is changed, not doubled. */
    up = pv_template_nic_link_xml(domain, "52:54:00:aa:bb:02", TRUE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(up, "<link state=\"up\"/>"));
    g_assert_null(strstr(strstr(up, "<link") + 1, "<link"));
    g_assert_nonnull(strstr(up, "network=\"n2\""));

    none = pv_template_nic_link_xml(domain, "52:54:00:aa:bb:03", TRUE, &error);
    g_assert_null(none);
    g_assert_error(error, PV_ERROR, PV_ERROR_LIBVIRT);
    g_clear_error(&error);
    g_assert_null(pv_template_nic_link_xml("<network/>", "52:54:00:aa:bb:01", TRUE,
                                                &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_LIBVIRT);
}

/* A saved domain restored: its console log, metadata and disk change, nothing else. */
static void
test_restore_xml(void)
{
    const char *saved =
        "<domain type='qemu'><name>pvfx-1-2-0</name><uuid>8c1f0000-0000-8000-8000-000000000001</uuid>"
        "<metadata><provium:instance xmlns:provium='" PV_METADATA_URI "'>"
        "<provium:run>old-run</provium:run></provium:instance></metadata>"
        "<devices><disk type='file' device='disk'><source file='/old/overlay.qcow2'/>"
        "<backingStore type='file'><source file='/base.img'/></backingStore>"
        "<target dev='vda' bus='virtio'/></disk>"
        "<serial type='pty'><log file='/old/console.log' append='off'/>"
        "<target port='0'/></serial></devices></domain>";
    PvDomainRequest request = { 0 };
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;

    request.console_log = "/runs/r/vms/pvfx-1-2-0.console.log";
    request.disk = "/runs/r/vms/pvfx-1-2-0.qcow2";
    request.run_id = "new-run";
    request.prefix = "pv-";
    request.file = "a.test.lua";
    request.vm = "a";
    request.host = "h";
    request.pid = 42;
    xml = pv_template_restore_xml(saved, &request, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(xml, "<name>pvfx-1-2-0</name>"));
    g_assert_nonnull(strstr(xml, "<uuid>8c1f0000-0000-8000-8000-000000000001</uuid>"));
    g_assert_nonnull(strstr(xml, "file=\"/runs/r/vms/pvfx-1-2-0.console.log\""));
    g_assert_null(strstr(xml, "/old/console.log"));
    g_assert_nonnull(strstr(xml, "<provium:run>new-run</provium:run>"));
    g_assert_null(strstr(xml, "old-run"));
    g_assert_nonnull(strstr(xml, "<source file=\"/runs/r/vms/pvfx-1-2-0.qcow2\"/>"));
    g_assert_null(strstr(xml, "backingStore"));

    g_assert_null(pv_template_restore_xml("<network/>", &request, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_LIBVIRT);
}

/*
 * Control characters in a VM's or a file's name reach the domain XML as
 * XML 1.0 allows (libvirt refused "&#1;": "PCDATA invalid Char value 1"),
 * in a new domain as in a restored one.
 */
static void
test_control_chars(void)
{
    g_autofree char *in_path = data_path("default", ".in.xml");
    PvDomainRequest request = { 0 };
    const char *saved = "<domain type='qemu'><name>pvfx-1</name><devices/></domain>";
    g_autoptr(GError) error = NULL;
    g_autofree char *rendered = NULL;
    g_autofree char *restored = NULL;
    const char *xmls[2];
    guint i;

    request.name = "pv-x-e-31mred-a-b";
    request.title = "provium: e\xe2\x90\x9b[31mred.test.lua: a\xe2\x90\x81" "b";
    request.memory = 256 * 1024 * 1024;
    request.vcpus = 1;
    request.kernel = "/images/vmlinuz";
    request.run_id = "r";
    request.prefix = "pv-x-";
    request.file = "/t/e\033[31mred\n.test.lua";
    request.vm = "a\001b\x7f\xc2\x9b";
    request.host = "h";
    request.pid = 1;
    rendered = pv_template_render_file(in_path, &request, NULL, &error);
    g_assert_no_error(error);
    restored = pv_template_restore_xml(saved, &request, &error);
    g_assert_no_error(error);
    xmls[0] = rendered;
    xmls[1] = restored;
    for (i = 0; i < G_N_ELEMENTS(xmls); i++) {
        xmlDoc *doc;

        g_test_message("%s", xmls[i]);
        g_assert_null(strstr(xmls[i], "&#"));
        /* What libvirt does with it: parsed as XML 1.0, with no error at all. */
        doc = xmlReadMemory(xmls[i], strlen(xmls[i]), "domain.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        g_assert_nonnull(doc);
        xmlFreeDoc(doc);
        g_assert_nonnull(strstr(xmls[i], "<provium:vm>a\xe2\x90\x81" "b\xe2\x90\xa1"
                                "\xef\xbf\xbd</provium:vm>"));
        g_assert_nonnull(strstr(xmls[i], "<provium:file>/t/e\xe2\x90\x9b[31mred\n.test.lua"
                                "</provium:file>"));
    }
}

/* The golden inputs of the shipped templates are copies of them. */
static void
test_shipped(void)
{
    static const char *const names[] = { "default", "full" };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *file = g_strconcat(names[i], ".xml", NULL);
        g_autofree char *shipped_path = g_build_filename(g_getenv("PV_TEST_SRCDIR"), "..",
                                                         "xml-templates", file, NULL);
        g_autofree char *copy_path = data_path(names[i], ".in.xml");
        g_autofree char *shipped = NULL;
        g_autofree char *copy = NULL;

        g_assert_true(g_file_get_contents(shipped_path, &shipped, NULL, NULL));
        g_assert_true(g_file_get_contents(copy_path, &copy, NULL, NULL));
        if (strcmp(shipped, copy) != 0)
            g_error("templatedata/%s.in.xml is not xml-templates/%s.xml: copy it, then "
                    "regenerate the outputs", names[i], names[i]);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) names = NULL;
    guint i;

    g_test_init(&argc, &argv, NULL);
    names = pv_test_list_cases("templatedata", ".request");
    g_assert_cmpuint(names->len, >=, 7);
    g_test_add_func("/template/shipped", test_shipped);
    for (i = 0; i < names->len; i++) {
        g_autofree char *path = g_strdup_printf("/template/%s", (char *)names->pdata[i]);

        g_test_add_data_func(path, names->pdata[i], test_case);
    }
    g_test_add_func("/template/nic-link-xml", test_link_xml);
    g_test_add_func("/template/restore-xml", test_restore_xml);
    g_test_add_func("/template/control-chars", test_control_chars);
    return g_test_run();
}
