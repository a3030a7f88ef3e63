/*
 * test-perf.c: topology parsing, performance-mode plans and their domain XML
 *
 * perfdata/host-*.xml are libvirt capabilities: this machine (no cache
 * banks), a 2-socket 2-node SMT server, an EPYC-style host with eight L3s.
 * Each NAME.case asks for a plan on one of them and is compared with
 * NAME.plan (the plan, or why none) and NAME.out.xml (the default template
 * rendered with the plan).  Outputs are regenerated only with
 * PV_TEST_REGENERATE_OUTPUT=1, and then reviewed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "pv-error.h"
#include "pv-perf.h"
#include "pv-template.h"
#include "pv-units.h"

static char *
data_path(const char *name, const char *suffix)
{
    g_autofree char *file = g_strconcat(name, suffix, NULL);

    return g_build_filename(g_getenv("PV_TEST_SRCDIR"), "perfdata", file, NULL);
}

static PvTopology *
load_host(const char *name)
{
    g_autofree char *path = data_path(name, "");
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;
    PvTopology *topology;

    g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
    topology = pv_topology_parse(xml, &error);
    g_assert_no_error(error);
    return topology;
}

static void
test_cpulist(void)
{
    g_autoptr(GArray) cpus = pv_cpulist_parse("8,0-3, 10-11,2", NULL);
    g_autofree char *text = pv_cpulist_format((const guint *)cpus->data, cpus->len);
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) bad = pv_cpulist_parse("3-1", &error);

    g_assert_cmpstr(text, ==, "0-3,8,10-11");
    g_assert_null(bad);
    g_assert_error(error, PV_ERROR, PV_ERROR_LIBVIRT);
}

static void
test_topologies(void)
{
    g_autoptr(PvTopology) here = load_host("host-1s2c.xml");
    g_autoptr(PvTopology) smt = load_host("host-2s2n-smt.xml");
    g_autoptr(PvTopology) epyc = load_host("host-epyc.xml");
    PvLlcGroup *group;
    g_autofree char *cpus = NULL;

    /* No cache banks: the die is the group. */
    g_assert_false(here->from_cache);
    g_assert_cmpuint(here->cpus->len, ==, 2);
    g_assert_cmpuint(here->groups->len, ==, 1);
    g_assert_cmpuint(here->nodes, ==, 1);

    g_assert_true(smt->from_cache);
    g_assert_cmpuint(smt->cpus->len, ==, 16);
    g_assert_cmpuint(smt->groups->len, ==, 2);
    g_assert_cmpuint(smt->nodes, ==, 2);
    group = smt->groups->pdata[1];
    cpus = pv_cpulist_format((const guint *)group->cpus->data, group->cpus->len);
    g_assert_cmpstr(cpus, ==, "4-7,12-15");
    g_clear_pointer(&cpus, g_free);

    /* L3 banks, not the L2 ones: the highest level is the LLC. */
    g_assert_true(epyc->from_cache);
    g_assert_cmpuint(epyc->cpus->len, ==, 64);
    g_assert_cmpuint(epyc->groups->len, ==, 8);
    group = epyc->groups->pdata[3];
    cpus = pv_cpulist_format((const guint *)group->cpus->data, group->cpus->len);
    g_assert_cmpstr(cpus, ==, "12-15,44-47");
}

static gboolean *
group_flags(GKeyFile *kf, const char *key, guint ngroups)
{
    g_autofree char *text = g_key_file_get_string(kf, "case", key, NULL);
    g_autoptr(GArray) list = NULL;
    gboolean *flags;
    guint i;

    if (!text)
        return NULL;
    list = pv_cpulist_parse(text, NULL);
    flags = g_new0(gboolean, ngroups);
    for (i = 0; i < list->len; i++)
        flags[g_array_index(list, guint, i)] = TRUE;
    return flags;
}

static void
test_case(gconstpointer data)
{
    const char *name = data;
    g_autofree char *case_path = data_path(name, ".case");
    g_autofree char *plan_path = data_path(name, ".plan");
    g_autofree char *xml_path = data_path(name, ".out.xml");
    g_autofree char *template = g_build_filename(g_getenv("PV_TEST_SRCDIR"), "..",
                                                 "xml-templates", "default.xml", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(PvTopology) topology = NULL;
    g_autoptr(PvPerfPlan) plan = NULL;
    g_autofree char *host = NULL;
    g_autofree char *pages = NULL;
    g_autofree gboolean *busy = NULL;
    g_autofree gboolean *ours = NULL;
    g_autofree char *reason = NULL;
    g_autofree char *text = NULL;
    PvPerfRequest request = { 0 };
    PvPerfOutcome outcome;

    g_assert_true(g_key_file_load_from_file(kf, case_path, G_KEY_FILE_NONE, NULL));
    host = g_key_file_get_string(kf, "case", "host", NULL);
    topology = load_host(host);
    pages = g_key_file_get_string(kf, "case", "hugepages", NULL);
    if (pages) {
        g_auto(GStrv) per_node = g_strsplit(pages, ",", -1);
        gsize i;

        for (i = 0; per_node[i]; i++) {
            guint node = 0;
            guint64 count = 0;

            g_assert_cmpint(sscanf(per_node[i], "%u:%" G_GUINT64_FORMAT, &node, &count), ==, 2);
            g_array_index(topology->free_hugepages, guint64, node) = count;
        }
    }
    busy = group_flags(kf, "busy", topology->groups->len);
    ours = group_flags(kf, "ours", topology->groups->len);
    request.llcs = g_key_file_get_integer(kf, "case", "llcs", NULL);
    request.cores = g_key_file_get_integer(kf, "case", "cores", NULL);
    request.threads = g_key_file_get_integer(kf, "case", "threads", NULL);
    request.memory = g_key_file_get_uint64(kf, "case", "memory", NULL);

    outcome = pv_perf_plan(topology, &request, busy, ours, &plan, &reason);
    if (outcome == PV_PERF_OK) {
        g_autofree char *described = pv_perf_plan_describe(plan);
        PvDomainRequest dom = { 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = NULL;

        text = g_strconcat("outcome: ok\n", described, NULL);
        dom.name = name;
        dom.memory = request.memory;
        dom.vcpus = plan->nvcpus;
        dom.llcs = request.llcs;
        dom.cores = request.cores;
        dom.threads = request.threads;
        dom.perf = plan;
        {
            g_autofree char *virt = g_key_file_get_string(kf, "case", "virt_type", NULL);

            g_assert_true(!virt || pv_virt_type_from_string(g_strstrip(virt), &dom.virt_type));
        }
        dom.realtime = g_key_file_get_boolean(kf, "case", "realtime", NULL);
        xml = pv_template_render_file(template, &dom, NULL, &error);
        g_assert_no_error(error);
        pv_test_compare_golden(xml_path, xml);
    } else {
        text = g_strdup_printf("outcome: %s\nreason: %s\n",
                               outcome == PV_PERF_BUSY ? "busy" : "unavailable", reason);
    }
    g_test_message("%s", text);
    pv_test_compare_golden(plan_path, text);
}

static void
test_budget(void)
{
    g_autoptr(PvTopology) epyc = load_host("host-epyc.xml");
    g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(guint));
    gboolean unusable[8] = { TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE };
    g_autofree char *cpuset = NULL;
    g_autofree char *none = NULL;

    /* 30 % of 64 CPUs: 20, over groups 1-3 (group 0 is held exclusively). */
    cpuset = pv_perf_budget_cpuset(epyc, 20, unusable, groups);
    g_assert_cmpstr(cpuset, ==, "4-15,36-43");
    g_assert_cmpuint(groups->len, ==, 3);
    g_assert_cmpuint(g_array_index(groups, guint, 0), ==, 1);
    none = pv_perf_budget_cpuset(epyc, 64, unusable, groups);
    g_assert_null(none);
    g_assert_cmpuint(groups->len, ==, 0);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) names = NULL;
    guint i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/perf/cpulist", test_cpulist);
    g_test_add_func("/perf/topology", test_topologies);
    g_test_add_func("/perf/budget", test_budget);
    names = pv_test_list_cases("perfdata", ".case");
    for (i = 0; i < names->len; i++) {
        g_autofree char *path = g_strdup_printf("/perf/plan/%s", (char *)names->pdata[i]);

        g_test_add_data_func(path, names->pdata[i], test_case);
    }
    return g_test_run();
}
