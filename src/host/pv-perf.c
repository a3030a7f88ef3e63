/*
 * pv-perf.c: performance mode: host topology, LLC groups, pinning plans
 *
 * The topology comes from libvirt's capabilities XML (and free hugepages
 * from virNodeGetFreePages), so a remote host is read the same way as this
 * one.  The plan is pure: a topology, a request, which groups are taken, in;
 * where every vCPU and the emulator go, out.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-error.h"
#include "pv-perf.h"
#include "pv-units.h"

#define PV_HUGEPAGE (2 * PV_MIB)

static int
pv_perf_compare_uint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a;
    guint y = *(const guint *)b;

    return x < y ? -1 : x > y;
}

/**
 * pv_cpulist_parse:
 * @text: "0-3,8,10-11"
 *
 * Returns: (transfer full) (element-type guint): the CPUs, sorted and
 *   unique, or NULL with @error set
 */
GArray *
pv_cpulist_parse(const char *text, GError **error)
{
    g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(guint));
    g_auto(GStrv) parts = g_strsplit(text ? text : "", ",", -1);
    gsize i;

    for (i = 0; parts[i]; i++) {
        char *part = g_strstrip(parts[i]);
        char *end = NULL;
        guint64 first;
        guint64 last;
        guint64 c;

        if (!*part)
            continue;
        first = g_ascii_strtoull(part, &end, 10);
        if (end == part)
            goto invalid;
        last = first;
        if (*end == '-') {
            const char *second = end + 1;

            last = g_ascii_strtoull(second, &end, 10);
            if (end == second || last < first)
                goto invalid;
        }
        if (*end || last > 65535)
            goto invalid;
        for (c = first; c <= last; c++) {
            guint cpu = c;

            g_array_append_val(cpus, cpu);
        }
    }
    g_array_sort(cpus, pv_perf_compare_uint);
    for (i = 1; i < cpus->len;) {
        if (g_array_index(cpus, guint, i) == g_array_index(cpus, guint, i - 1))
            g_array_remove_index(cpus, i);
        else
            i++;
    }
    return g_steal_pointer(&cpus);

 invalid:
    g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT, _("invalid CPU list '%s'"), text);
    return NULL;
}

/**
 * pv_cpulist_format:
 * @cpus: sorted
 *
 * Returns: (transfer full): "0-3,8"
 */
char *
pv_cpulist_format(const guint *cpus, guint n)
{
    GString *out = g_string_new(NULL);
    guint i = 0;

    while (i < n) {
        guint j = i;

        while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
            j++;
        if (out->len)
            g_string_append_c(out, ',');
        if (j > i)
            g_string_append_printf(out, "%u-%u", cpus[i], cpus[j]);
        else
            g_string_append_printf(out, "%u", cpus[i]);
        i = j + 1;
    }
    return g_string_free(out, FALSE);
}

static void
pv_llc_group_free(PvLlcGroup *group)
{
    g_array_unref(group->cpus);
    g_free(group);
}

void
pv_topology_free(PvTopology *topology)
{
    if (!topology)
        return;
    g_array_unref(topology->cpus);
    g_ptr_array_unref(topology->groups);
    g_array_unref(topology->free_hugepages);
    g_free(topology);
}

static guint
pv_perf_uint_prop(xmlNode *node, const char *name, guint fallback)
{
    g_autoptr(PvXmlString) value = xmlGetProp(node, BAD_CAST name);

    return value ? (guint)g_ascii_strtoull((const char *)value, NULL, 10) : fallback;
}

static const PvHostCpu *
pv_topology_cpu(const PvTopology *topology, guint id)
{
    guint i;

    for (i = 0; i < topology->cpus->len; i++) {
        const PvHostCpu *cpu = &g_array_index(topology->cpus, PvHostCpu, i);

        if (cpu->id == id)
            return cpu;
    }
    return NULL;
}

/* For CPUs taken from the topology itself, which are always there. */
static const PvHostCpu *
pv_topology_known_cpu(const PvTopology *topology, guint id)
{
    const PvHostCpu *cpu = pv_topology_cpu(topology, id);

    g_assert(cpu);
    return cpu;
}

static int
pv_perf_compare_cpu(gconstpointer a, gconstpointer b)
{
    return pv_perf_compare_uint(&((const PvHostCpu *)a)->id, &((const PvHostCpu *)b)->id);
}

/* One group per cache bank of the highest level, where libvirt has them. */
static gboolean
pv_topology_groups_from_cache(PvTopology *topology, xmlXPathContext *ctx, GError **error)
{
    g_autoptr(xmlXPathObject) banks =
        xmlXPathEvalExpression(BAD_CAST "/capabilities/host/cache/bank", ctx);
    guint level = 0;
    int i;

    if (!banks || !banks->nodesetval || banks->nodesetval->nodeNr == 0)
        return TRUE;
    for (i = 0; i < banks->nodesetval->nodeNr; i++)
        level = MAX(level, pv_perf_uint_prop(banks->nodesetval->nodeTab[i], "level", 0));
    for (i = 0; i < banks->nodesetval->nodeNr; i++) {
        xmlNode *bank = banks->nodesetval->nodeTab[i];
        g_autoptr(PvXmlString) cpus_text = xmlGetProp(bank, BAD_CAST "cpus");
        g_autoptr(GArray) cpus = NULL;
        PvLlcGroup *group;
        guint j;

        if (pv_perf_uint_prop(bank, "level", 0) != level)
            continue;
        cpus = pv_cpulist_parse((const char *)cpus_text, error);
        if (!cpus)
            return FALSE;
        /* Only CPUs the topology lists: the online ones. */
        for (j = 0; j < cpus->len;) {
            if (!pv_topology_cpu(topology, g_array_index(cpus, guint, j)))
                g_array_remove_index(cpus, j);
            else
                j++;
        }
        if (cpus->len == 0)
            continue;
        group = g_new0(PvLlcGroup, 1);
        group->id = topology->groups->len;
        group->cpus = g_steal_pointer(&cpus);
        g_ptr_array_add(topology->groups, group);
    }
    topology->from_cache = topology->groups->len > 0;
    return TRUE;
}

/* Without cache banks: each die is one LLC group. */
static void
pv_topology_groups_from_dies(PvTopology *topology)
{
    guint i;

    for (i = 0; i < topology->cpus->len; i++) {
        const PvHostCpu *cpu = &g_array_index(topology->cpus, PvHostCpu, i);
        PvLlcGroup *group = NULL;
        guint g;

        for (g = 0; g < topology->groups->len && !group; g++) {
            PvLlcGroup *candidate = topology->groups->pdata[g];
            const PvHostCpu *first =
                pv_topology_known_cpu(topology, g_array_index(candidate->cpus, guint, 0));

            if (first->socket == cpu->socket && first->die == cpu->die)
                group = candidate;
        }
        if (!group) {
            group = g_new0(PvLlcGroup, 1);
            group->id = topology->groups->len;
            group->cpus = g_array_new(FALSE, FALSE, sizeof(guint));
            g_ptr_array_add(topology->groups, group);
        }
        g_array_append_val(group->cpus, cpu->id);
    }
}

/**
 * pv_topology_parse:
 * @caps_xml: virConnectGetCapabilities()'s XML
 *
 * Free hugepages start at zero; the caller sets them per node.
 * Returns: (transfer full): the topology, or NULL with @error set
 */
PvTopology *
pv_topology_parse(const char *caps_xml, GError **error)
{
    g_autoptr(PvTopology) topology = g_new0(PvTopology, 1);
    g_autoptr(xmlDoc) doc = xmlReadMemory(caps_xml, strlen(caps_xml), "capabilities.xml", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) cells = NULL;
    guint64 zero = 0;
    int i;

    topology->cpus = g_array_new(FALSE, FALSE, sizeof(PvHostCpu));
    topology->groups = g_ptr_array_new_with_free_func((GDestroyNotify)pv_llc_group_free);
    topology->free_hugepages = g_array_new(FALSE, TRUE, sizeof(guint64));
    if (!doc || !(ctx = xmlXPathNewContext(doc))) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_LIBVIRT,
                            _("libvirt's capabilities are not XML"));
        return NULL;
    }
    cells = xmlXPathEvalExpression(BAD_CAST "/capabilities/host/topology/cells/cell", ctx);
    if (!cells || !cells->nodesetval || cells->nodesetval->nodeNr == 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_LIBVIRT,
                            _("libvirt reports no host topology (no NUMA cells)"));
        return NULL;
    }
    for (i = 0; i < cells->nodesetval->nodeNr; i++) {
        xmlNode *cell = cells->nodesetval->nodeTab[i];
        guint node = pv_perf_uint_prop(cell, "id", i);
        xmlNode *child;

        topology->nodes = MAX(topology->nodes, node + 1);
        for (child = cell->children; child; child = child->next) {
            xmlNode *c;

            if (child->type != XML_ELEMENT_NODE || !xmlStrEqual(child->name, BAD_CAST "cpus"))
                continue;
            for (c = child->children; c; c = c->next) {
                PvHostCpu cpu;

                if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "cpu"))
                    continue;
                cpu.id = pv_perf_uint_prop(c, "id", 0);
                cpu.node = node;
                cpu.socket = pv_perf_uint_prop(c, "socket_id", 0);
                cpu.die = pv_perf_uint_prop(c, "die_id", 0);
                cpu.core = pv_perf_uint_prop(c, "core_id", cpu.id);
                g_array_append_val(topology->cpus, cpu);
            }
        }
    }
    g_array_sort(topology->cpus, pv_perf_compare_cpu);
    for (i = 0; (guint)i < topology->nodes; i++)
        g_array_append_val(topology->free_hugepages, zero);
    if (!pv_topology_groups_from_cache(topology, ctx, error))
        return NULL;
    if (topology->groups->len == 0)
        pv_topology_groups_from_dies(topology);
    return g_steal_pointer(&topology);
}

void
pv_perf_plan_free(PvPerfPlan *plan)
{
    if (!plan)
        return;
    g_free(plan->vcpu_cpus);
    g_array_unref(plan->groups);
    g_free(plan->nodeset);
    g_ptr_array_unref(plan->warnings);
    g_ptr_array_unref(plan->notes);
    g_free(plan);
}

/*
 * The cores of @group, each as the sorted list of its CPUs in the group
 * (SMT siblings), in the order of their first CPU.
 */
static GPtrArray *
pv_perf_group_cores(const PvTopology *topology, const PvLlcGroup *group)
{
    GPtrArray *cores = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    guint i;

    for (i = 0; i < group->cpus->len; i++) {
        guint id = g_array_index(group->cpus, guint, i);
        const PvHostCpu *cpu = pv_topology_known_cpu(topology, id);
        GArray *core = NULL;
        guint c;

        for (c = 0; c < cores->len && !core; c++) {
            GArray *candidate = cores->pdata[c];
            const PvHostCpu *first =
                pv_topology_known_cpu(topology, g_array_index(candidate, guint, 0));

            if (first->socket == cpu->socket && first->die == cpu->die &&
                first->core == cpu->core)
                core = candidate;
        }
        if (!core) {
            core = g_array_new(FALSE, FALSE, sizeof(guint));
            g_ptr_array_add(cores, core);
        }
        g_array_append_val(core, id);
    }
    return cores;
}

/* How many cores of @group have at least @threads CPUs. */
static guint
pv_perf_group_fits(const PvTopology *topology, const PvLlcGroup *group, guint threads)
{
    g_autoptr(GPtrArray) cores = pv_perf_group_cores(topology, group);
    guint n = 0;
    guint i;

    for (i = 0; i < cores->len; i++)
        n += ((GArray *)cores->pdata[i])->len >= threads;
    return n;
}

static char *
pv_perf_nodeset(const PvTopology *topology, const guint *cpus, guint n)
{
    g_autoptr(GArray) nodes = g_array_new(FALSE, FALSE, sizeof(guint));
    guint i;
    guint j;

    for (i = 0; i < n; i++) {
        guint node = pv_topology_known_cpu(topology, cpus[i])->node;
        gboolean seen = FALSE;

        for (j = 0; j < nodes->len; j++)
            seen = seen || g_array_index(nodes, guint, j) == node;
        if (!seen)
            g_array_append_val(nodes, node);
    }
    g_array_sort(nodes, pv_perf_compare_uint);
    return pv_cpulist_format((const guint *)nodes->data, nodes->len);
}

/**
 * pv_perf_plan:
 * @unusable: (nullable): per group: held by someone else, so not ours to use
 * @ours: (nullable): per group: already held by this file (its claim); when
 *   given, only these groups are used
 * @plan: (out) (transfer full): on PV_PERF_OK
 * @reason: (out) (transfer full): on PV_PERF_UNAVAILABLE or PV_PERF_BUSY
 *
 * Places @request: llcs x cores x threads vCPUs onto dedicated CPUs, one LLC
 * group per virtual LLC (SMT siblings for threads > 1), plus one more CPU
 * for the emulator threads, preferably in a group already taken.
 */
PvPerfOutcome
pv_perf_plan(const PvTopology *topology, const PvPerfRequest *request,
             const gboolean *unusable, const gboolean *ours, PvPerfPlan **plan, char **reason)
{
    guint per_llc = request->cores * request->threads;
    guint nvcpus = request->llcs * per_llc;
    guint online = topology->cpus->len;
    g_autoptr(PvPerfPlan) p = NULL;
    g_autoptr(GArray) used = g_array_new(FALSE, FALSE, sizeof(guint));
    guint eligible = 0;
    guint available = 0;
    guint g;
    guint i;
    gboolean emulator_found = FALSE;
    guint64 pages_needed;
    guint64 pages_free = 0;
    g_autoptr(GArray) nodes = NULL;

    if (request->llcs == 0 || request->cores == 0 || request->threads == 0) {
        *reason = g_strdup(_("llcs, cores and threads must be at least 1"));
        return PV_PERF_UNAVAILABLE;
    }
    if (nvcpus + 1 > online) {
        *reason = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                              "needs %u online CPU (llcs %u x cores %u x "
                                              "threads %u, +1 for the emulator); the host has "
                                              "%u",
                                              "needs %u online CPUs (llcs %u x cores %u x "
                                              "threads %u, +1 for the emulator); the host has "
                                              "%u", nvcpus + 1),
                                  nvcpus + 1, request->llcs, request->cores, request->threads,
                                  online);
        return PV_PERF_UNAVAILABLE;
    }
    for (g = 0; g < topology->groups->len; g++) {
        gboolean fits = pv_perf_group_fits(topology, topology->groups->pdata[g],
                                           request->threads) >= request->cores;

        eligible += fits;
        available += fits && (ours ? ours[g] : !(unusable && unusable[g]));
    }
    if (eligible < request->llcs) {
        g_autofree char *cores = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u core",
                                                             "%u cores", request->cores),
                                                 request->cores);
        g_autofree char *threads = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u thread",
                                                               "%u threads", request->threads),
                                                   request->threads);
        g_autofree char *total = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u LLC group",
                                                             "%u LLC groups",
                                                             topology->groups->len),
                                                 topology->groups->len);

        /* TRANSLATORS: "needs 2 LLC groups that each fit 4 cores x 2 threads; the host has
         * 1 such (of 3 LLC groups)"; the second, third and last %s are "N cores",
         * "N threads" and "N LLC groups" */
        *reason = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                              "needs %u LLC group that fits %s x %s; the host "
                                              "has %u such (of %s)",
                                              "needs %u LLC groups that each fit %s x %s; the "
                                              "host has %u such (of %s)", request->llcs),
                                  request->llcs, cores, threads, eligible, total);
        return PV_PERF_UNAVAILABLE;
    }
    if (available < request->llcs) {
        if (ours)
            *reason = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                  "needs %u LLC group; the file's claim holds "
                                                  "%u that fit",
                                                  "needs %u LLC groups; the file's claim holds "
                                                  "%u that fit", request->llcs),
                                      request->llcs, available);
        else
            *reason = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                  "needs %u LLC group; %u free now",
                                                  "needs %u LLC groups; %u free now",
                                                  request->llcs),
                                      request->llcs, available);
        return ours ? PV_PERF_UNAVAILABLE : PV_PERF_BUSY;
    }

    p = g_new0(PvPerfPlan, 1);
    p->nvcpus = nvcpus;
    p->vcpu_cpus = g_new0(guint, nvcpus);
    p->groups = g_array_new(FALSE, FALSE, sizeof(guint));
    p->warnings = g_ptr_array_new_with_free_func(g_free);
    p->notes = g_ptr_array_new_with_free_func(g_free);
    if (!topology->from_cache)
        g_ptr_array_add(p->notes, g_strdup(_("the host reports no cache banks: each die is "
                                             "taken as one LLC group")));

    for (g = 0; g < topology->groups->len && p->groups->len < request->llcs; g++) {
        const PvLlcGroup *group = topology->groups->pdata[g];
        g_autoptr(GPtrArray) cores = NULL;
        guint taken = 0;

        if (ours ? !ours[g] : (unusable && unusable[g]))
            continue;
        if (pv_perf_group_fits(topology, group, request->threads) < request->cores)
            continue;
        cores = pv_perf_group_cores(topology, group);
        for (i = 0; i < cores->len && taken < request->cores; i++) {
            GArray *core = cores->pdata[i];
            guint t;

            if (core->len < request->threads)
                continue;
            for (t = 0; t < request->threads; t++) {
                guint vcpu = p->groups->len * per_llc + taken * request->threads + t;

                p->vcpu_cpus[vcpu] = g_array_index(core, guint, t);
                g_array_append_val(used, p->vcpu_cpus[vcpu]);
            }
            taken++;
        }
        g_array_append_val(p->groups, group->id);
    }

    /* The emulator's CPU: one the plan does not pin, in a group it took. */
    for (i = 0; i < p->groups->len && !emulator_found; i++) {
        const PvLlcGroup *group = topology->groups->pdata[g_array_index(p->groups, guint, i)];
        guint c;

        for (c = 0; c < group->cpus->len && !emulator_found; c++) {
            guint cpu = g_array_index(group->cpus, guint, c);
            guint u;

            emulator_found = TRUE;
            for (u = 0; u < used->len; u++)
                emulator_found = emulator_found && g_array_index(used, guint, u) != cpu;
            if (emulator_found)
                p->emulator_cpu = cpu;
        }
    }
    /* Else a CPU of another group nobody holds, which is then taken too. */
    for (g = 0; g < topology->groups->len && !emulator_found; g++) {
        const PvLlcGroup *group = topology->groups->pdata[g];
        gboolean taken = FALSE;

        for (i = 0; i < p->groups->len; i++)
            taken = taken || g_array_index(p->groups, guint, i) == g;
        if (taken || (ours ? !ours[g] : (unusable && unusable[g])))
            continue;
        p->emulator_cpu = g_array_index(group->cpus, guint, 0);
        g_array_append_val(p->groups, group->id);
        emulator_found = TRUE;
    }
    if (!emulator_found) {
        *reason = g_strdup(ours ? _("no CPU left in the file's claimed LLC groups for the "
                                    "emulator threads") :
                           _("no CPU left for the emulator threads: every other LLC group "
                             "is held"));
        return ours ? PV_PERF_UNAVAILABLE : PV_PERF_BUSY;
    }

    p->nodeset = pv_perf_nodeset(topology, p->vcpu_cpus, nvcpus);

    /* Hugepages when the pinned CPUs' nodes have enough free 2 MiB pages. */
    pages_needed = (request->memory + PV_HUGEPAGE - 1) / PV_HUGEPAGE;
    nodes = pv_cpulist_parse(p->nodeset, NULL);
    for (i = 0; nodes && i < nodes->len; i++) {
        guint node = g_array_index(nodes, guint, i);

        if (node < topology->free_hugepages->len)
            pages_free += g_array_index(topology->free_hugepages, guint64, node);
    }
    p->hugepages = pages_needed > 0 && pages_free >= pages_needed;
    if (!p->hugepages)
        g_ptr_array_add(p->warnings,
                        g_strdup_printf(_("%" PRIu64 " free 2 MiB hugepages on node(s) "
                                          "%s, %" PRIu64 " needed: the guest's memory "
                                          "uses regular pages"),
                                        pages_free, p->nodeset, pages_needed));
    *plan = g_steal_pointer(&p);
    return PV_PERF_OK;
}

/**
 * pv_perf_plan_describe:
 *
 * One line per fact, for golden tests and -v.
 * Returns: (transfer full)
 */
char *
pv_perf_plan_describe(const PvPerfPlan *plan)
{
    GString *out = g_string_new(NULL);
    g_autofree char *groups = pv_cpulist_format((const guint *)plan->groups->data,
                                                plan->groups->len);
    guint i;

    g_string_append(out, "vcpus:");
    for (i = 0; i < plan->nvcpus; i++)
        g_string_append_printf(out, " %u->%u", i, plan->vcpu_cpus[i]);
    g_string_append_printf(out, "\nemulator: %u\nllc groups: %s\nnodeset: %s\nhugepages: %s\n",
                           plan->emulator_cpu, groups, plan->nodeset,
                           plan->hugepages ? "yes" : "no");
    for (i = 0; i < plan->warnings->len; i++)
        g_string_append_printf(out, "warning: %s\n", (const char *)plan->warnings->pdata[i]);
    for (i = 0; i < plan->notes->len; i++)
        g_string_append_printf(out, "note: %s\n", (const char *)plan->notes->pdata[i]);
    return g_string_free(out, FALSE);
}

/**
 * pv_perf_budget_cpuset:
 * @cap: how many CPUs
 * @groups: (out caller-allocates) (element-type guint): the groups it spans
 *
 * Budgeted mode (--no-perf-mode): a shared CPU set of @cap CPUs, taken
 * group by group from those not held exclusively.
 * Returns: (transfer full) (nullable): the cpuset, NULL when too few CPUs
 *   are free now
 */
char *
pv_perf_budget_cpuset(const PvTopology *topology, guint cap, const gboolean *unusable,
                      GArray *groups)
{
    g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(guint));
    guint g;

    for (g = 0; g < topology->groups->len && cpus->len < cap; g++) {
        const PvLlcGroup *group = topology->groups->pdata[g];
        guint c;

        if (unusable && unusable[g])
            continue;
        for (c = 0; c < group->cpus->len && cpus->len < cap; c++)
            g_array_append_val(cpus, g_array_index(group->cpus, guint, c));
        g_array_append_val(groups, group->id);
    }
    if (cpus->len < cap) {
        g_array_set_size(groups, 0);
        return NULL;
    }
    g_array_sort(cpus, pv_perf_compare_uint);
    return pv_cpulist_format((const guint *)cpus->data, cpus->len);
}
