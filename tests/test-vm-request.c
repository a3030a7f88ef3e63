/*
 * test-vm-request.c: golden files from Lua options to domain XML
 *
 * What a test file writes, provium:vm(name, profile, {...}) then
 * vm:boot({...}), goes through the same steps as a boot: the one parser of VM
 * options, pv_vm_shape_make(), a performance plan where the VM asks for one,
 * pv_vm_request_fill() and the profile's template.  No host, no libvirt.
 *
 * The profiles are in vmrequestdata/provium.conf.  Each NAME.case is a key
 * file:
 *   [case]
 *   profile = perf                  the profile (default: "default")
 *   vm = { memory = "512M" }        provium:vm()'s options, as Lua
 *   boot = { cpus = 2 }             vm:boot()'s options, as Lua
 *   host_virt = kvm                 what --virt-type auto means on the host
 *                                   (default: qemu, no KVM)
 *   nosharepages = true             --no-ksm
 *   host = host-2s2n-smt.xml        a host of perfdata/, for performance mode
 *   hugepages = 0:300,1:300         its free 2 MiB pages per node
 *   budget = 4                      budgeted mode: this many shared CPUs
 *                                   instead of a pinning plan
 * and is compared with NAME.out.xml (the domain XML, with the absolute path
 * of the test data shown as @DATADIR@) or NAME.err (the whole error).
 * Outputs are regenerated only with PV_TEST_REGENERATE_OUTPUT=1, and then
 * reviewed.
 */
#include "config.h"

#include <lauxlib.h>
#include <lua.h>

#include "golden.h"
#include "pv-autocleanups.h"
#include "pv-config.h"
#include "pv-error.h"
#include "pv-lua.h"
#include "pv-perf.h"
#include "pv-template.h"
#include "pv-vm-request.h"

static char *
data_path(const char *subdir, const char *name, const char *suffix)
{
    g_autofree char *file = g_strconcat(name, suffix, NULL);

    return g_build_filename(g_getenv("PV_TEST_SRCDIR"), subdir, file, NULL);
}

/* Runs in lua_pcall: 1 the options, 2 where they go, 3 what, 4 whether vm:boot()'s. */
static int
check_options(lua_State *L)
{
    pv_lua_check_vm_options(L, 1, lua_tostring(L, 3), lua_toboolean(L, 4),
                            lua_touserdata(L, 2));
    return 0;
}

/*
 * The options @key of the case holds (a Lua table constructor), parsed as
 * @what parses them.  Returns: the Lua error, or NULL
 */
static char *
parse_options(GKeyFile *kf, const char *key, const char *what, gboolean boot,
              PvVmBootOptions *options)
{
    g_autofree char *text = g_key_file_get_string(kf, "case", key, NULL);
    g_autofree char *chunk = g_strconcat("return ", text ? text : "nil", NULL);
    g_autoptr(lua_State) L = luaL_newstate();

    g_assert_nonnull(L);
    g_assert_cmpint(luaL_loadstring(L, chunk), ==, LUA_OK);
    g_assert_cmpint(lua_pcall(L, 0, 1, 0), ==, LUA_OK);
    lua_pushcfunction(L, check_options);
    lua_insert(L, 1);
    lua_pushlightuserdata(L, options);
    lua_pushstring(L, what);
    lua_pushboolean(L, boot);
    if (lua_pcall(L, 4, 0, 0) != LUA_OK)
        return g_strdup(lua_tostring(L, -1));
    return NULL;
}

/* budget = N: budgeted mode's shared CPUs on @topology, as placement finds them. */
static char *
budget_cpuset(GKeyFile *kf, const PvTopology *topology)
{
    guint cap = g_key_file_get_integer(kf, "case", "budget", NULL);
    g_autofree gboolean *unusable = g_new0(gboolean, topology->groups->len);
    g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(guint));
    char *cpuset = pv_perf_budget_cpuset(topology, cap, unusable, groups);

    g_assert_nonnull(cpuset);
    return cpuset;
}

/* host = NAME: a host of perfdata/ with the case's free hugepages. */
static PvTopology *
load_host(GKeyFile *kf)
{
    g_autofree char *host = g_key_file_get_string(kf, "case", "host", NULL);
    g_autofree char *path = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *pages = NULL;
    g_autoptr(GError) error = NULL;
    PvTopology *topology;
    gsize i;

    g_assert_nonnull(host);
    path = data_path("perfdata", g_strstrip(host), "");
    g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
    topology = pv_topology_parse(xml, &error);
    g_assert_no_error(error);
    pages = g_key_file_get_string(kf, "case", "hugepages", NULL);
    if (pages) {
        g_auto(GStrv) per_node = g_strsplit(pages, ",", -1);

        for (i = 0; per_node[i]; i++) {
            guint64 node = 0;
            guint64 count = 0;
            g_auto(GStrv) pair = g_strsplit(per_node[i], ":", 2);

            g_assert_nonnull(pair[1]);
            g_assert_true(g_ascii_string_to_unsigned(g_strstrip(pair[0]), 10, 0,
                                                     topology->nodes - 1, &node, NULL));
            g_assert_true(g_ascii_string_to_unsigned(g_strstrip(pair[1]), 10, 0, G_MAXUINT64,
                                                     &count, NULL));
            g_array_index(topology->free_hugepages, guint64, node) = count;
        }
    }
    return topology;
}

/*
 * The case's domain XML, or its error in @error_text.
 */
static char *
render_case(const char *name, GKeyFile *kf, char **error_text)
{
    g_autofree char *conf_path = data_path("vmrequestdata", "provium", ".conf");
    g_autofree char *profile_name = g_key_file_get_string(kf, "case", "profile", NULL);
    g_autofree char *host_virt = g_key_file_get_string(kf, "case", "host_virt", NULL);
    g_autofree char *domain = g_strconcat("pv-3fa9c1-", name, "-web", NULL);
    g_autofree char *console_log = NULL;
    g_autofree char *overlay = NULL;
    g_autofree char *title = NULL;
    g_autofree char *cpuset = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(PvProfile) profile = NULL;
    g_autoptr(PvTopology) topology = NULL;
    g_autoptr(PvPerfPlan) plan = NULL;
    g_autoptr(GError) error = NULL;
    PvVmBootOptions vm_options;
    PvVmBootOptions boot_options;
    PvVmRequestInputs inputs = { 0 };
    PvVirtType host_auto = PV_VIRT_QEMU;
    PvDomainRequest request;
    PvVmShape shape;
    char *xml;

    config = pv_config_load(conf_path, &error);
    g_assert_no_error(error);
    profile = pv_config_get_profile(config, profile_name ? g_strstrip(profile_name) : NULL,
                                    &error);
    g_assert_no_error(error);

    /* provium:vm()'s options, then vm:boot()'s over them. */
    pv_vm_boot_options_init(&vm_options);
    pv_vm_boot_options_init(&boot_options);
    if ((*error_text = parse_options(kf, "vm", "provium:vm()", FALSE, &vm_options)) ||
        (*error_text = parse_options(kf, "boot", "vm:boot()", TRUE, &boot_options)))
        return NULL;
    pv_vm_options_apply(&vm_options.vm, &boot_options.vm);
    if (!pv_vm_shape_make(profile, &vm_options.vm, "web", &shape, &error)) {
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        *error_text = g_strdup(error->message);
        return NULL;
    }

    if (shape.perf) {
        topology = load_host(kf);
        if (g_key_file_has_key(kf, "case", "budget", NULL)) {
            cpuset = budget_cpuset(kf, topology);
        } else {
            g_autofree gboolean *busy = g_new0(gboolean, topology->groups->len);
            g_autofree char *reason = NULL;

            g_assert_cmpint(pv_perf_plan(topology, &shape.perf_request, busy, NULL, &plan,
                                         &reason), ==, PV_PERF_OK);
        }
    }
    if (host_virt)
        g_assert_true(pv_virt_type_from_string(g_strstrip(host_virt), &host_auto));

    console_log = g_strconcat("/runs/20261123-091512-3fa9c1/vms/", domain, ".console.log",
                              NULL);
    if (profile->disk)
        overlay = g_strconcat("/runs/20261123-091512-3fa9c1/vms/", domain, ".qcow2", NULL);
    inputs.domain = domain;
    inputs.file = "/srv/tests/boot.test.lua";
    inputs.file_shown = "tests/boot.test.lua";
    inputs.vm = "web";
    inputs.run_id = "20261123-091512-3fa9c1";
    inputs.prefix = "pv-3fa9c1-";
    inputs.host = "ci-host";
    inputs.pid = 4242;
    inputs.console_log = console_log;
    inputs.overlay = overlay;
    inputs.virt_type = pv_vm_virt_request(PV_VIRT_AUTO, profile->virt_type, host_auto);
    inputs.nosharepages = g_key_file_get_boolean(kf, "case", "nosharepages", NULL);
    inputs.plan = plan;
    inputs.cpuset = cpuset;
    pv_vm_request_fill(&request, profile, &shape, &inputs, &title);

    xml = pv_template_render_file(profile->template_path, &request, NULL, &error);
    g_assert_no_error(error);
    return xml;
}

static void
test_case(gconstpointer data)
{
    const char *name = data;
    g_autofree char *case_path = data_path("vmrequestdata", name, ".case");
    g_autofree char *out_path = data_path("vmrequestdata", name, ".out.xml");
    g_autofree char *err_path = data_path("vmrequestdata", name, ".err");
    g_autofree char *dir = g_build_filename(g_getenv("PV_TEST_SRCDIR"), "vmrequestdata", NULL);
    /* As provium.conf's paths are resolved: absolute, even from a relative srcdir. */
    g_autofree char *datadir = g_canonicalize_filename(dir, NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *error_text = NULL;
    g_autofree char *xml = NULL;
    g_auto(GStrv) pieces = NULL;
    g_autofree char *shown = NULL;

    g_assert_true(g_key_file_load_from_file(kf, case_path, G_KEY_FILE_NONE, &error));
    g_assert_no_error(error);
    xml = render_case(name, kf, &error_text);

    if (error_text) {
        g_autofree char *with_newline = g_strconcat(error_text, "\n", NULL);

        g_test_message("error: %s", error_text);
        g_assert_null(xml);
        g_assert_false(g_file_test(out_path, G_FILE_TEST_EXISTS));
        pv_test_compare_golden(err_path, with_newline);
        return;
    }
    g_assert_nonnull(xml);
    g_assert_false(g_file_test(err_path, G_FILE_TEST_EXISTS));
    /* The profile's files are where this tree is: shown as @DATADIR@. */
    pieces = g_strsplit(xml, datadir, -1);
    shown = g_strjoinv("@DATADIR@", pieces);
    pv_test_compare_golden(out_path, shown);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) names = NULL;
    guint i;

    g_test_init(&argc, &argv, NULL);
    names = pv_test_list_cases("vmrequestdata", ".case");
    g_assert_cmpuint(names->len, >, 0);
    for (i = 0; i < names->len; i++) {
        g_autofree char *path = g_strconcat("/vm-request/", (char *)names->pdata[i], NULL);

        g_test_add_data_func(path, names->pdata[i], test_case);
    }
    return g_test_run();
}
