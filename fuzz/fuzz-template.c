/*
 * fuzz-template.c: rendering a domain template (src/libvirt/pv-template.c)
 *
 * The input is a template's XML.  It is rendered for three fixed requests
 * that between them set everything provium sets: an ordinary VM with a disk
 * and two NICs under plain emulation, a performance-mode VM under KVM, and
 * a budgeted one of the template's own type.  What comes out must be
 * well-formed XML with provium's values in it.  The input is also read as a
 * running domain's XML whose NIC's cable is pulled
 * (pv_template_nic_link_xml()).
 */
#include "config.h"

#include <libxml/parser.h>
#include <string.h>

#include "fuzz.h"
#include "pv-autocleanups.h"
#include "pv-template.h"

static void
pv_fuzz_render(const uint8_t *data, size_t size, const PvDomainRequest *request)
{
    PvVirtType type = PV_VIRT_LAST;
    g_autofree char *xml = pv_template_render((const char *)data, size, "fuzz.xml", request,
                                              &type, NULL);
    g_autoptr(xmlDoc) doc = NULL;

    if (!xml)
        return;
    PV_FUZZ_ASSERT(type < PV_VIRT_LAST);
    /* A template of another hypervisor (type='xen', none) keeps its own. */
    if (request->virt_type != PV_VIRT_AUTO && type != PV_VIRT_AUTO)
        PV_FUZZ_ASSERT(type == request->virt_type);
    doc = xmlReadMemory(xml, strlen(xml), "rendered.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    PV_FUZZ_ASSERT(doc);
    PV_FUZZ_ASSERT(strstr(xml, request->name));
    PV_FUZZ_ASSERT(strstr(xml, PV_AGENT_CHANNEL));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint vcpu_cpus[] = { 2, 3, 4, 5 };
    PvPerfPlan plan = {
        .nvcpus = G_N_ELEMENTS(vcpu_cpus),
        .vcpu_cpus = vcpu_cpus,
        .emulator_cpu = 1,
        .nodeset = (char *)"0",
        .hugepages = TRUE,
    };
    const PvDomainNic nics[] = {
        { .network = "pv-fuzz-net", .mac = "52:54:00:12:34:56" },
        { .network = "pv-fuzz-net2", .mac = "52:54:00:12:34:57", .link_down = TRUE },
    };
    const PvDomainRequest plain = {
        .name = "pv-fuzz-web",
        .title = "web.test.lua: web <&>",
        .memory = 512 * 1024 * 1024,
        .vcpus = 2,
        .virt_type = PV_VIRT_QEMU,
        .nics = nics,
        .n_nics = G_N_ELEMENTS(nics),
        .kernel = "/var/tmp/vmlinuz",
        .initrd = "/var/tmp/initrd.img",
        .cmdline = "console=ttyS0 quiet",
        .disk = "/var/tmp/disk.qcow2",
        .console_log = "/var/tmp/console.log",
        .nosharepages = TRUE,
        .run_id = "20260101-000000-abcd",
        .prefix = "pv-fuzz-",
        .file = "tests/web.test.lua",
        .vm = "web",
        .host = "localhost",
        .pid = 4242,
    };
    const PvDomainRequest perf = {
        .name = "pv-fuzz-perf",
        .virt_type = PV_VIRT_KVM,
        .memory = 1024 * 1024 * 1024,
        .vcpus = 4,
        .llcs = 2,
        .cores = 2,
        .threads = 1,
        .perf = &plan,
        .realtime = TRUE,
        .console_log = "/var/tmp/perf.log",
        .run_id = "20260101-000000-abcd",
    };
    const PvDomainRequest budget = {
        .name = "pv-fuzz-budget",
        .llcs = 1,
        .cores = 1,
        .threads = 2,
        .cpuset = "0-1",
    };

    pv_fuzz_init();
    pv_fuzz_render(data, size, &plain);
    pv_fuzz_render(data, size, &perf);
    pv_fuzz_render(data, size, &budget);
    {
        g_autofree char *text = g_strndup((const char *)data, size);
        g_autofree char *link = pv_template_nic_link_xml(text, "52:54:00:12:34:56", FALSE, NULL);

        if (link)
            PV_FUZZ_ASSERT(strstr(link, "down"));
    }
    return 0;
}
