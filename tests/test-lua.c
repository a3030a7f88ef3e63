/*
 * test-lua.c: the Lua API of test files, without a guest
 *
 * Each case writes a test file, discovers and runs it in-process, and looks
 * at what a user would see: statuses, messages (with file and line), events.
 * VMs boot on libvirt's test:///default driver, which creates domains but
 * has no guest agent.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pv-lua.h"
#include "pv-autocleanups.h"
#include "pv-clean.h"
#include "pv-domain-lease.h"
#include "pv-file.h"
#include "pv-libvirt.h"
#include "pv-run.h"
#include "pv-units.h"
#include "pv-vm.h"

typedef struct {
    char *dir;
    PvRunOptions options;
    PvRun *run;
    GPtrArray *events;   /* GVariant */
} Fixture;

static void
on_event(GVariant *event, gpointer user_data)
{
    Fixture *fx = user_data;

    g_ptr_array_add(fx->events, g_variant_ref(event));
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("pv-lua-XXXXXX", NULL);
    pv_run_options_init(&fx->options);
    write_file(fx->dir, "provium.conf",
               "[profile default]\nmemory = 128M\n"
               "[profile big]\nmemory = 2G\ncpus = 4\n");
    fx->options.uri = g_strdup("test:///default");
    fx->options.results_dir = g_build_filename(fx->dir, "runs", NULL);
    fx->options.timeout_ns = 60 * PV_NSEC_PER_SEC;
    fx->options.keep_failed = GPOINTER_TO_INT(data);
    fx->run = pv_run_new(&fx->options);
    g_assert_true(pv_run_connect(fx->run, &error));
    g_assert_no_error(error);
    g_assert_true(pv_run_make_resources(fx->run, &error));
    g_assert_no_error(error);
    g_assert_true(pv_run_prepare_dir(fx->run, &error));
    g_assert_no_error(error);
    fx->events = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    pv_events_add_listener(pv_run_peek_events(fx->run), on_event, fx);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);

    pv_run_free(fx->run);
    pv_run_options_clear(&fx->options);
    g_ptr_array_unref(fx->events);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(fx->dir);
}

/* The connection to the run's host. */
static virConnect *
fixture_conn(Fixture *fx)
{
    return pv_host_peek_conn(pv_run_peek_host(fx->run, 0));
}

/* What the dispatcher does around a file's run. */
static void
execute(Fixture *fx, PvFile *file)
{
    PvResources *resources = pv_host_peek_resources(pv_run_peek_host(fx->run, 0));

    pv_file_set_host(file, pv_run_peek_host(fx->run, 0));
    pv_file_set_budget(file, pv_pool_peek_budget(pv_resources_peek_pool(resources)), FALSE);
    pv_sched_file_started(pv_resources_peek_sched(resources));
    pv_lua_run_file(file);
    pv_resources_release_llcs(resources, file);
    pv_sched_file_ended(pv_resources_peek_sched(resources));
}

/* Writes @code as NAME.test.lua, then discovers and runs it. */
static PvFile *
run_file(Fixture *fx, const char *name, const char *code)
{
    g_autofree char *file_name = g_strconcat(name, ".test.lua", NULL);
    g_autofree char *path = g_build_filename(fx->dir, file_name, NULL);
    PvFile *file;

    write_file(fx->dir, file_name, code);
    file = pv_file_new(fx->run, path);
    if (pv_lua_discover_file(file, NULL))
        execute(fx, file);
    return file;
}

/* A test's result as its event says it: test_passed, test_failed... */
typedef struct {
    const char *name;
    const char *status;
    const char *message;
    gint64 duration_ns;
} Result;

static Result
result_of(Fixture *fx, PvFile *file, guint i)
{
    Result r = { 0 };
    guint seen = 0;
    guint k;

    for (k = 0; k < fx->events->len; k++) {
        GVariant *event = fx->events->pdata[k];
        const char *kind = pv_event_get_kind(event);

        if (!g_str_has_prefix(kind, "test_") || g_str_equal(kind, "test_started") ||
            g_str_equal(kind, "test_log") ||
            g_strcmp0(pv_event_get_str(event, "path"), pv_file_peek_path(file)) != 0)
            continue;
        if (seen++ < i)
            continue;
        r.name = pv_event_get_str(event, "name");
        r.status = kind + strlen("test_");
        r.message = pv_event_get_str(event, "reason");
        r.duration_ns = pv_event_get_int(event, "duration_ns", -1);
        return r;
    }
    g_assert_not_reached();
}

static guint
results_of(Fixture *fx, PvFile *file)
{
    guint counts[PV_TEST_STATUS_LAST];
    guint n = 0;
    guint i;

    pv_file_count_results(file, counts);
    for (i = 0; i < PV_TEST_STATUS_LAST; i++)
        n += counts[i];
    return n;
}

#define result(file, i) result_of(fx, file, i)
#define assert_result(file, i, name, status, part) assert_result_of(fx, file, i, name, status, part)

static void
assert_result_of(Fixture *fx, PvFile *file, guint i, const char *name, PvTestStatus status,
                 const char *message_part)
{
    Result r = result_of(fx, file, i);

    g_test_message("%s: %s: %s", r.name, r.status, r.message ? r.message : "");
    g_assert_cmpstr(r.name, ==, name);
    g_assert_cmpstr(r.status, ==, pv_test_status_to_string(status));
    if (message_part) {
        g_assert_nonnull(r.message);
        g_assert_nonnull(strstr(r.message, message_part));
    }
}

static gboolean
domain_exists(Fixture *fx, const char *name)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(fixture_conn(fx), name);

    virResetLastError();
    return dom != NULL;
}

static void
test_assertions(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "asserts",
        "test('passes', function(t)\n"
        "  t:assert(true)\n"
        "  t:assert_eq({1, {a = 'x'}}, {1, {a = 'x'}})\n"
        "  t:assert_neq(1, 2)\n"
        "  t:assert_contains('haystack', 'st')\n"
        "  t:assert_contains({1, 2, 3}, 2)\n"
        "  local err = t:assert_raises(function() error('boom') end)\n"
        "  t:assert_contains(err, 'boom')\n"
        "end)\n"
        "test('eq fails', function(t)\n"
        "  t:assert_eq('a', 'b', 'letters')\n"
        "end)\n"
        "test('assert fails', function(t) t:assert(false) end)\n"
        "test('contains fails', function(t)\n"
        "  t:assert_contains('abc', 'z')\n"
        "end)\n"
        "test('raises fails', function(t)\n"
        "  t:assert_raises(function() end)\n"
        "end)\n"
        "test('fail', function(t) t:fail('by hand') end)\n");

    g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "failed");
    assert_result(file, 0, "passes", PV_TEST_PASSED, NULL);
    assert_result(file, 1, "eq fails", PV_TEST_FAILED,
                  "asserts.test.lua:11: letters: expected \"a\", got \"b\"");
    assert_result(file, 2, "assert fails", PV_TEST_FAILED, "asserts.test.lua:13: assertion failed");
    assert_result(file, 3, "contains fails", PV_TEST_FAILED,
                  "asserts.test.lua:15: \"z\" not found in \"abc\"");
    assert_result(file, 4, "raises fails", PV_TEST_FAILED,
                  ":18: expected an error, but none was raised");
    assert_result(file, 5, "fail", PV_TEST_FAILED, "asserts.test.lua:20: by hand");
}

static void
test_sticky(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "sticky",
        "test('swallowed', function(t)\n"
        "  pcall(function() t:assert_eq(1, 2) end)\n"
        "end)\n"
        "test('next one runs', function(t) end)\n");

    assert_result(file, 0, "swallowed", PV_TEST_FAILED, "sticky.test.lua:2: expected 1, got 2");
    assert_result(file, 1, "next one runs", PV_TEST_PASSED, NULL);
}

static void
test_lua_error(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "errors",
        "local function helper()\n"
        "  local x = nil\n"
        "  return x.field\n"
        "end\n"
        "test('nested', function(t)\n"
        "  helper()\n"
        "end)\n"
        "test('direct', function(t) error('plain') end)\n"
        "test('table error', function(t) error({}) end)\n");

    assert_result(file, 0, "nested", PV_TEST_FAILED,
                  "errors.test.lua:3: attempt to index a nil value (local 'x')\n"
                  "stack traceback:\n");
    g_assert_nonnull(strstr(result(file, 0).message, "errors.test.lua:6: in test"));
    assert_result(file, 1, "direct", PV_TEST_FAILED, "errors.test.lua:8: plain");
    g_assert_null(strstr(result(file, 1).message, "traceback"));
    assert_result(file, 2, "table error", PV_TEST_FAILED, "(error object is a table value)");
    g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "failed");
}

static void
test_skip(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "skips",
        "test('by option', {skip = 'not ready'}, function(t) error('ran') end)\n"
        "test('by option true', {skip = true}, function(t) error('ran') end)\n"
        "test('by call', function(t) t:skip('no hardware'); error('ran') end)\n"
        "test('skip after failure', function(t)\n"
        "  pcall(t.fail, t, 'first')\n"
        "  t:skip('too late')\n"
        "end)\n");

    assert_result(file, 0, "by option", PV_TEST_SKIPPED, "not ready");
    assert_result(file, 1, "by option true", PV_TEST_SKIPPED, "skipped");
    assert_result(file, 2, "by call", PV_TEST_SKIPPED, "no hardware");
    assert_result(file, 3, "skip after failure", PV_TEST_FAILED, "first");
}

static void
test_test_timeout(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "timeouts",
        "test('spins', {timeout = '200ms'}, function(t) while true do end end)\n"
        "test('swallows', {timeout = '200ms'}, function(t)\n"
        "  while true do pcall(function() while true do end end) end\n"
        "end)\n"
        "test('sleeps', {timeout = 0.2}, function(t)\n"
        "  wait_until(function() return false end, {timeout = '10s'})\n"
        "end)\n"
        "test('still runs', function(t) end)\n");

    assert_result(file, 0, "spins", PV_TEST_FAILED, "the test timed out after 200ms");
    assert_result(file, 1, "swallows", PV_TEST_FAILED, "the test timed out after 200ms");
    assert_result(file, 2, "sleeps", PV_TEST_FAILED, "the test timed out after 200ms");
    assert_result(file, 3, "still runs", PV_TEST_PASSED, NULL);
    g_assert_cmpint(result(file, 0).duration_ns, <, 2 * PV_NSEC_PER_SEC);
}

static void
test_file_timeout(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = NULL;

    fx->options.timeout_ns = 300 * PV_NSEC_PER_MSEC;
    file = run_file(fx, "slow",
        "test('first', function(t) end)\n"
        "test('spins', function(t) while true do end end)\n"
        "test('never', function(t) end)\n");

    assert_result(file, 0, "first", PV_TEST_PASSED, NULL);
    assert_result(file, 1, "spins", PV_TEST_FAILED, "the file timed out after 300ms (--timeout)");
    assert_result(file, 2, "never", PV_TEST_NOT_RUN, "timed out");
    g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "failed");
}

static void
test_broken_files(Fixture *fx, gconstpointer data)
{
    const struct {
        const char *name;
        const char *code;
        const char *message;
    } cases[] = {
        { "syntax", "test('x', function(t) end\n", "syntax.test.lua:2: ')' expected" },
        { "toplevel", "local x\nx.y = 1\n", "toplevel.test.lua:2: attempt to index" },
        { "dupe", "test('a', function() end)\ntest('a', function() end)\n",
          "dupe.test.lua:2: test \"a\" is defined twice (first at line 1)" },
        { "badopt", "test('a', {tmeout = '1s'}, function() end)\n",
          "badopt.test.lua:1: test(\"a\"): unknown option 'tmeout'" },
        { "badtimeout", "test('a', {timeout = '5q'}, function() end)\n",
          "badtimeout.test.lua:1: test(\"a\"): timeout: invalid duration '5q'" },
        { "nofn", "test('a')\n", "nofn.test.lua:1: test(\"a\"): the last argument" },
        { "claim2", "provium:claim({memory = '1G'})\nprovium:claim({memory = '1G'})\n",
          "claim2.test.lua:2: claim already taken" },
        { "bootearly", "provium:vm('a'):boot()\n", "runs only inside a test" },
        { "exit", "os.exit(0)\n", "exit.test.lua:1: os.exit() would leave" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(PvFile) file = run_file(fx, cases[i].name, cases[i].code);

        g_test_message("%s: %s", cases[i].name, pv_file_peek_error(file));
        g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "error");
        g_assert_nonnull(pv_file_peek_error(file));
        g_assert_nonnull(strstr(pv_file_peek_error(file), cases[i].message));
    }
}

static void
test_discovery(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "big.test.lua", NULL);
    g_autoptr(PvFile) file = NULL;
    g_autoptr(GError) error = NULL;

    write_file(fx->dir, "big.test.lua",
               "provium:claim({memory = '3G', cpus = 2})\n"
               "local vm = provium:vm('w', 'big')\n"
               "test('one', function(t) end)\n"
               "test('two', function(t) end)\n");
    file = pv_file_new(fx->run, path);
    g_assert_true(pv_lua_discover_file(file, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(pv_file_get_test_count(file), ==, 2);
    g_assert_cmpstr(pv_file_peek_test_name(file, 1), ==, "two");
    g_assert_true(pv_file_peek_claim(file)->declared);
    g_assert_cmpuint(pv_file_peek_claim(file)->memory, ==, 3 * PV_GIB);
    g_assert_cmpuint(pv_file_peek_claim(file)->cpus, ==, 2);
    g_assert_cmpstr(pv_file_peek_stem(file), ==, "big");
    /* Discovery made no domain, and keeps no VM. */
    g_assert_cmpuint(pv_file_get_vm_count(file), ==, 0);
    execute(fx, file);
    g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "passed");
}

static void
test_vm_errors(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "vmerr",
        "test('profile', function(t) provium:vm('a', 'nope') end)\n"
        "test('size', function(t) provium:vm('a', {memory = '4X'}) end)\n"
        "test('tiny', function(t) provium:vm('a', {memory = 512}):boot() end)\n"
        "test('option', function(t) provium:vm('a', {mem = '1G'}) end)\n"
        "test('not booted', function(t) provium:vm('a'):run('true') end)\n"
        "test('claim in test', function(t) provium:claim({cpus = 1}) end)\n"
        "test('cores', function(t) provium:vm('a', {performance_mode = true, cores = 0}) end)\n");

    assert_result(file, 0, "profile", PV_TEST_FAILED,
                  "vmerr.test.lua:1: unknown profile 'nope' in ");
    assert_result(file, 1, "size", PV_TEST_FAILED, "vmerr.test.lua:2: memory: invalid size '4X'");
    assert_result(file, 2, "tiny", PV_TEST_FAILED, "memory 512 is too small for a VM");
    assert_result(file, 3, "option", PV_TEST_FAILED, "unknown option 'mem'");
    assert_result(file, 4, "not booted", PV_TEST_FAILED, "vm 'a' is not booted");
    assert_result(file, 5, "claim in test", PV_TEST_FAILED, "belongs at the file's top level");
    assert_result(file, 6, "cores", PV_TEST_FAILED,
                  "vmerr.test.lua:7: cores: 0 is not a number between 1 and 4096");
}

static void
test_vm_test_driver(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = NULL;
    g_autofree char *name = NULL;
    guint i;

    file = run_file(fx, "driver",
        "local vm = provium:vm('web', 'big')\n"
        "test('boots', function(t)\n"
        "  t:assert_eq(nil, vm:name())\n"
        "  t:assert_eq('defined', vm:state())\n"
        "  t:assert_eq(vm, vm:boot({agent = false}))\n"
        "  t:assert_eq('running', vm:state())\n"
        "  print('domain', vm:name())\n"
        "  t:assert_contains(tostring(vm), 'web')\n"
        "end)\n"
        "test('no agent', function(t)\n"
        "  local err = t:assert_raises(function() vm:run('true') end)\n"
        "  t:assert_contains(err, 'is not connected')\n"
        "  t:assert_raises(function() vm:boot({agent = false}) end)\n"
        "end)\n"
        "test('destroy', function(t)\n"
        "  local other = provium:vm('web'):boot({agent = false})\n"
        "  t:assert_neq(vm:name(), other:name())\n"
        "  other:destroy()\n"
        "  t:assert_eq('stopped', other:state())\n"
        "  other:destroy()\n"
        "end)\n");

    for (i = 0; i < results_of(fx, file); i++)
        assert_result(file, i, result(file, i).name, PV_TEST_PASSED, NULL);
    g_assert_cmpuint(pv_file_get_vm_count(file), ==, 2);
    name = g_strdup(pv_vm_peek_domain_name(pv_file_peek_vm(file, 0)));
    g_assert_true(g_str_has_prefix(name, pv_run_peek_prefix(fx->run)));
    g_assert_true(g_str_has_suffix(name, "driver-web"));
    /* The file ended: its domains are gone. */
    g_assert_false(domain_exists(fx, name));
    g_assert_false(domain_exists(fx, pv_vm_peek_domain_name(pv_file_peek_vm(file, 1))));

    /* print() went to the event stream, with the test's name. */
    for (i = 0; i < fx->events->len; i++) {
        GVariant *event = fx->events->pdata[i];

        if (g_str_equal(pv_event_get_kind(event), "test_log")) {
            g_assert_cmpstr(pv_event_get_str(event, "name"), ==, "boots");
            g_assert_true(g_str_has_prefix(pv_event_get_str(event, "text"), "domain\t"));
            break;
        }
    }
    g_assert_cmpuint(i, <, fx->events->len);

    /* The rendered XML is kept in the run directory, with provium's metadata. */
    {
        g_autofree char *xml_file = g_strconcat(name, ".xml", NULL);
        g_autofree char *xml_path = g_build_filename(pv_run_peek_dir(fx->run), "vms", xml_file,
                                                     NULL);
        g_autofree char *xml = NULL;

        g_assert_true(g_file_get_contents(xml_path, &xml, NULL, NULL));
        g_assert_nonnull(strstr(xml, "<provium:vm>web</provium:vm>"));
        g_assert_nonnull(strstr(xml, "<memory unit=\"KiB\">2097152</memory>"));
        g_assert_nonnull(strstr(xml, "<vcpu placement=\"static\">4</vcpu>"));
    }
}

static void
test_keep_failed(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "keep",
        "test('fails with a vm', function(t)\n"
        "  provium:vm('kept'):boot({agent = false})\n"
        "  t:fail('on purpose')\n"
        "end)\n");
    g_autoptr(PvFile) passing = run_file(fx, "nokeep",
        "test('passes', function(t) provium:vm('gone'):boot({agent = false}) end)\n");
    const char *kept;
    g_autoptr(GPtrArray) domains = NULL;
    const PvDomainEntry *entry = NULL;
    g_auto(PvMetadata) metadata = { 0 };
    guint i;

    g_assert_cmpuint(pv_file_peek_kept(file)->len, ==, 1);
    kept = pv_file_peek_kept(file)->pdata[0];
    g_assert_true(domain_exists(fx, kept));
    /* A passing file keeps nothing, even with --keep-failed. */
    g_assert_cmpuint(pv_file_peek_kept(passing)->len, ==, 0);
    g_assert_false(domain_exists(fx, pv_vm_peek_domain_name(pv_file_peek_vm(passing, 0))));

    domains = pv_domain_list(fixture_conn(fx), NULL);
    g_assert_nonnull(domains);
    for (i = 0; i < domains->len; i++) {
        if (g_str_equal(((PvDomainEntry *)domains->pdata[i])->name, kept))
            entry = domains->pdata[i];
    }
    g_assert_nonnull(entry);
    g_assert_true(pv_metadata_get(entry, &metadata));
    g_assert_cmpstr(metadata.vm, ==, "kept");
    g_assert_cmpstr(metadata.run, ==, pv_run_peek_id(fx->run));
    g_assert_cmpstr(metadata.prefix, ==, pv_run_peek_prefix(fx->run));
    g_assert_true(g_str_has_suffix(metadata.file, "/keep.test.lua"));
    g_assert_cmpint(metadata.pid, ==, pv_run_get_pid(fx->run));
    /* Its ownership record: this machine, this boot, this process, the run's lease. */
    g_assert_cmpstr(metadata.machine, ==, pv_machine_id());
    g_assert_cmpstr(metadata.boot, ==, pv_boot_id());
    g_assert_cmpuint(metadata.pid_start, ==, pv_process_start_time(getpid()));
    g_assert_cmpint(metadata.expires - metadata.renewed, ==,
                    pv_lease_get_length(pv_run_peek_lease(fx->run)));

    /* The run renews the lease in its domains' metadata. */
    {
        PvOwner owner;
        g_autoptr(GPtrArray) again = NULL;
        g_auto(PvMetadata) renewed = { 0 };

        pv_lease_renew(pv_run_peek_lease(fx->run), metadata.renewed + 1000);
        pv_lease_get_owner(pv_run_peek_lease(fx->run), &owner);
        g_assert_cmpuint(pv_domain_registry_renew_lease(
                             pv_host_peek_domains(pv_run_peek_host(fx->run, 0)), &owner),
                         ==, 1);
        again = pv_domain_list(fixture_conn(fx), NULL);
        for (i = 0; i < again->len; i++) {
            if (g_str_equal(((PvDomainEntry *)again->pdata[i])->name, kept))
                g_assert_true(pv_metadata_get(again->pdata[i], &renewed));
        }
        g_assert_cmpint(renewed.renewed, ==, metadata.renewed + 1000);
        metadata.expires = renewed.expires;
    }

    /* This process is alive: clean leaves it unless forced. */
    g_assert_cmpuint(pv_clean_domains(fixture_conn(fx), pv_run_peek_prefix(fx->run), FALSE,
                                      NULL, NULL, NULL, NULL),
                     ==, 0);
    g_assert_true(domain_exists(fx, kept));
    /* From another machine, its lease tells: left while it holds, removed once it ran out. */
    {
        PvCleanHere other;

        pv_clean_here_init(&other);
        other.owner.machine = "another-machine";
        other.owner.now = metadata.expires;
        g_assert_cmpuint(pv_clean_domains(fixture_conn(fx), pv_run_peek_prefix(fx->run), FALSE,
                                          &other, NULL, NULL, NULL),
                         ==, 0);
        g_assert_true(domain_exists(fx, kept));
        other.owner.now = metadata.expires + 1;
        g_assert_cmpuint(pv_clean_domains(fixture_conn(fx), pv_run_peek_prefix(fx->run), FALSE,
                                          &other, NULL, NULL, NULL),
                         ==, 1);
    }
    g_assert_false(domain_exists(fx, kept));
}

static void
test_wait_until(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "wait",
        "test('eventually', function(t)\n"
        "  local n = 0\n"
        "  local v = wait_until(function() n = n + 1; return n >= 3 and 'done' end,\n"
        "                       {interval = '10ms'})\n"
        "  t:assert_eq('done', v)\n"
        "end)\n"
        "test('never', function(t)\n"
        "  wait_until(function() error('not yet') end, {timeout = '100ms', interval = '10ms'})\n"
        "end)\n");

    assert_result(file, 0, "eventually", PV_TEST_PASSED, NULL);
    assert_result(file, 1, "never", PV_TEST_FAILED,
                  "wait.test.lua:8: wait_until: condition not met within 100ms (last error: ");
    g_assert_nonnull(strstr(result(file, 1).message, "not yet"));
}

static gpointer
cancel_later(gpointer data)
{
    PvFile *file = data;

    g_usleep(200 * 1000);
    pv_file_cancel(file, "cancelled by a signal");
    return NULL;
}

static void
test_cancel(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "cancel.test.lua", NULL);
    g_autoptr(PvFile) file = NULL;
    GThread *thread;

    write_file(fx->dir, "cancel.test.lua",
               "test('waits', function(t)\n"
               "  pcall(wait_until, function() return false end, {timeout = '30s'})\n"
               "  provium:vm('x'):boot({agent = false})\n"
               "end)\n"
               "test('never', function(t) end)\n");
    file = pv_file_new(fx->run, path);
    g_assert_true(pv_lua_discover_file(file, NULL));
    thread = g_thread_new("cancel", cancel_later, file);
    execute(fx, file);
    g_thread_join(thread);
    assert_result(file, 0, "waits", PV_TEST_FAILED, "cancelled by a signal");
    assert_result(file, 1, "never", PV_TEST_NOT_RUN, "cancelled");
    g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "cancelled");
    /* The boot after the swallowed interrupt did not happen. */
    g_assert_null(pv_vm_peek_domain_name(pv_file_peek_vm(file, 0)));
}

/* Runs @code in a state where the global r is a RunResult of @result. */
static char *
eval_result(Fixture *fx, const PvAgentExecResult *result, const char *code)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(fx->dir, "result.test.lua", NULL);
    g_autoptr(PvFile) file = pv_file_new(fx->run, path);
    PvLuaFile lua_file = { file, FALSE };
    lua_State *L = pv_lua_new(&lua_file, &error);
    char *out;

    g_assert_no_error(error);
    pv_lua_result_push(L, "the command", result);
    lua_setglobal(L, "r");
    g_assert_cmpint(luaL_dostring(L, code), ==, LUA_OK);
    out = g_strdup(lua_tostring(L, -1));
    lua_close(L);
    return out;
}

static void
test_run_result(Fixture *fx, gconstpointer data)
{
    const char *assert_ok = "local ok, err = pcall(function() r:assert_ok() end) return err";
    g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
    g_autoptr(GBytes) newline = g_bytes_new_static("\n", 1);
    g_autoptr(GBytes) blank = g_bytes_new_static(" \n \n", 4);
    g_autoptr(GBytes) lines = g_bytes_new_static("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
                                                 "13\n14\n15\n16\n17\n18\n19\n20\n21\n22\n",
                                                 56);
    PvAgentExecResult failed = { FALSE, FALSE, 3, 0, empty, newline, FALSE };
    PvAgentExecResult killed = { FALSE, TRUE, 0, 9, empty, empty, FALSE };
    g_autofree char *text = NULL;

    /* stderr holding only a newline: no negative length, no empty tail. */
    text = eval_result(fx, &failed, assert_ok);
    g_assert_true(g_str_has_suffix(text, "]:1: command 'the command' failed with exit code 3"));
    g_clear_pointer(&text, g_free);
    failed.err = blank;
    text = eval_result(fx, &failed, assert_ok);
    g_assert_true(g_str_has_suffix(text, "failed with exit code 3"));
    g_clear_pointer(&text, g_free);
    /* The last 20 lines of stderr. */
    failed.err = lines;
    text = eval_result(fx, &failed, assert_ok);
    g_assert_true(g_str_has_suffix(text, "failed with exit code 3; stderr:\n3\n4\n5\n6\n7\n8\n9\n"
                                   "10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n21\n22"));
    g_clear_pointer(&text, g_free);

    /* A Windows guest's exit code, whole. */
    failed.exit_code = G_GINT64_CONSTANT(3221225477);
    failed.err = empty;
    text = eval_result(fx, &failed, assert_ok);
    g_assert_true(g_str_has_suffix(text, "failed with exit code 3221225477"));
    g_clear_pointer(&text, g_free);
    failed.exit_code = 3;

    /* tostring() names the command, then its status. */
    failed.err = empty;
    text = eval_result(fx, &failed, "return tostring(r)");
    g_assert_cmpstr(text, ==, "provium.RunResult('the command': exit code 3)");
    g_clear_pointer(&text, g_free);
    text = eval_result(fx, &killed, "return tostring(r)");
    g_assert_cmpstr(text, ==, "provium.RunResult('the command': killed by signal 9)");
}

/* A name with a NUL byte: "a\0one" and "a\0two" were one test "a", the second FLAKY. */
static void
test_nul_test_name(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "nulname",
        "test('a\\0one', function(t) t:fail('x') end)\n"
        "test('a\\0two', function(t) end)\n");

    g_test_message("%s", pv_file_peek_error(file));
    g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "error");
    g_assert_nonnull(strstr(pv_file_peek_error(file),
                            "nulname.test.lua:1: test(\"a\\0one\"): the test's name holds a NUL "
                            "byte (\\0)"));
    g_assert_cmpuint(results_of(fx, file), ==, 0);
}

/* Where a NUL cannot travel (names, paths, argv, env), an error at the line. */
static void
test_nul_arguments(Fixture *fx, gconstpointer data)
{
    static const struct {
        const char *code;
        const char *message;
    } cases[] = {
        { "provium:vm('a\\0b')", "provium:vm(): the VM's name \"a\\x00b\" holds a NUL byte" },
        { "provium:vm('a', 'default\\0x')", "provium:vm(): the profile \"default\\x00x\" holds" },
        { "provium:vm('a', {memory = '1G\\0x'})", "memory \"1G\\x00x\" holds a NUL byte" },
        { "provium:vm('a', {['memory\\0x'] = '1G'})", "option \"memory\\x00x\" holds a NUL byte" },
        { "provium:vm('a', {console_ignore = 'oops\\0x'})", "\"oops\\x00x\" holds a NUL byte" },
        { "provium:vm('a', {nics = {'lan\\0x'}})", "nics[]: net \"lan\\x00x\" holds a NUL byte" },
        { "provium:vm('a'):write_file('/tmp/a\\0b', 'x')", "path \"/tmp/a\\x00b\" holds a NUL" },
        { "provium:vm('a'):write_file('/tmp/a', 'x', {mode = '0644\\0'})", "mode \"0644\\x00\"" },
        { "provium:vm('a'):read_file('/tmp/a\\0b')", "path \"/tmp/a\\x00b\" holds a NUL byte" },
        { "provium:vm('a'):run('echo a\\0b')", "the command \"echo a\\x00b\" holds a NUL byte" },
        { "provium:vm('a'):run({'/bin/echo', 'a\\0b'})", "an argument \"a\\x00b\" holds a NUL" },
        { "provium:vm('a'):run({'/bin/ec\\0ho'})", "an argument \"/bin/ec\\x00ho\" holds" },
        { "provium:vm('a'):run('env', {env = {['A\\0B'] = '1'}})", "the name \"A\\x00B\" holds" },
        { "provium:vm('a'):run('env', {env = {A = '1\\0B'}})", "env: a value \"1\\x00B\" holds" },
        { "provium:vm('a'):ip('lan\\0x')", "\"lan\\x00x\" holds a NUL byte" },
        { "provium:sleep('1s\\0junk')", "\"1s\\x00junk\" holds a NUL byte" },
        { "provium.read_host_file('x\\0y')", "path \"x\\x00y\" holds a NUL byte" },
        { "provium:vm('a', {fixture = 'f\\0x'})", "fixture \"f\\x00x\" holds a NUL byte" },
        { "fixture('f\\0x', {}, function() end)", "the fixture's name \"f\\x00x\" holds a NUL" },
        { "wait_until(function() return true end, {timeout = '1s\\0x'})",
          "wait_until: timeout: a duration cannot hold a NUL byte" },
    };
    g_autoptr(GString) code = g_string_new(NULL);
    g_autoptr(PvFile) file = NULL;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++)
        g_string_append_printf(code, "test('case %u', function(t)\n  %s\nend)\n", (guint)i,
                               cases[i].code);
    file = run_file(fx, "nulargs", code->str);
    g_assert_cmpuint(results_of(fx, file), ==, G_N_ELEMENTS(cases));
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name = g_strdup_printf("case %u", (guint)i);
        g_autofree char *line = g_strdup_printf("%s:%u: ", pv_file_peek_path(file),
                                                (guint)i * 3 + 2);

        assert_result(file, i, name, PV_TEST_FAILED, cases[i].message);
        /* One error, at the caller's line. */
        g_assert_true(g_str_has_prefix(result(file, i).message, line));
    }
    /* The unbooted VMs were never touched: the argument was refused first. */
    for (i = 0; i < fx->events->len; i++)
        g_assert_cmpstr(pv_event_get_kind(fx->events->pdata[i]), !=, "vm_spawned");
}

/* A network's name at the top level, where networks are declared. */
static void
test_nul_network(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "nulnet",
        "provium:network('lan\\0x', {cidr = '192.168.100.0/24'})\n"
        "test('a', function(t) end)\n");

    g_assert_cmpstr(pv_file_status_to_string(pv_file_get_status(file)), ==, "error");
    g_assert_nonnull(strstr(pv_file_peek_error(file),
                            "nulnet.test.lua:1: provium:network(): the network's name "
                            "\"lan\\x00x\" holds a NUL byte"));
}

/* Where a NUL can travel escaped (messages, output), it is shown, not the end. */
static void
test_nul_messages(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "nulmsg",
        "test('fail', function(t) t:fail('boom\\0tail') end)\n"
        "test('error', function(t) error('e\\0rr') end)\n"
        "test('nested', function(t)\n"
        "  local function f() error('n\\0ested') end\n"
        "  f()\n"
        "end)\n"
        "test('output', function(t) print('x\\0y', 'z') t:log('l\\0m') end)\n"
        "test('skipped', {skip = 'not\\0yet'}, function(t) end)\n");
    g_autoptr(PvFile) top = run_file(fx, "nultop", "error('top\\0level')\n");
    guint logs = 0;
    guint i;

    assert_result(file, 0, "fail", PV_TEST_FAILED, "nulmsg.test.lua:1: boom\\x00tail");
    assert_result(file, 1, "error", PV_TEST_FAILED, "nulmsg.test.lua:2: e\\x00rr");
    assert_result(file, 2, "nested", PV_TEST_FAILED,
                  "nulmsg.test.lua:4: n\\x00ested\nstack traceback:");
    assert_result(file, 3, "output", PV_TEST_PASSED, NULL);
    assert_result(file, 4, "skipped", PV_TEST_SKIPPED, "not\\x00yet");
    for (i = 0; i < fx->events->len; i++) {
        GVariant *event = fx->events->pdata[i];

        if (!g_str_equal(pv_event_get_kind(event), "test_log"))
            continue;
        g_assert_cmpstr(pv_event_get_str(event, "text"), ==, logs == 0 ? "x\\x00y\tz" : "l\\x00m");
        logs++;
    }
    g_assert_cmpuint(logs, ==, 2);
    g_assert_nonnull(strstr(pv_file_peek_error(top), "nultop.test.lua:1: top\\x00level"));
}

/*
 * A coroutine that outlives its test and calls its t:fail() fails no other
 * test silently: the call is an error of its own, saying the test ended.
 */
static void
test_coroutine_after_end(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "late",
        "local co, co2, co3\n"
        "test('first', function(t)\n"
        "  co = coroutine.wrap(function() coroutine.yield() t:fail('late') end)\n"
        "  co()\n"
        "  co2 = coroutine.create(function() coroutine.yield() t:fail('later') end)\n"
        "  coroutine.resume(co2)\n"
        "  co3 = coroutine.wrap(function() coroutine.yield() t:skip('gone') end)\n"
        "  co3()\n"
        "end)\n"
        "test('second', function(t) co() end)\n"
        "test('third', function(t)\n"
        "  local ok, err = coroutine.resume(co2)\n"
        "  t:assert_eq(false, ok)\n"
        "  t:assert_contains(err, 'test \"first\" has ended')\n"
        "end)\n"
        "test('fourth', function(t) co3() end)\n");

    assert_result(file, 0, "first", PV_TEST_PASSED, NULL);
    assert_result(file, 1, "second", PV_TEST_FAILED,
                  "late.test.lua:3: t:fail(\"late\"): test \"first\" has ended; a test's t "
                  "works only while it runs");
    assert_result(file, 2, "third", PV_TEST_PASSED, NULL);
    assert_result(file, 3, "fourth", PV_TEST_FAILED,
                  "late.test.lua:7: t:skip(\"gone\"): test \"first\" has ended");
}

/*
 * provium.read_host_file()'s relative path: from the test file's directory,
 * whoever calls it (a helper module in sub/, pcall); in a fixture file, from
 * the fixture file's.
 */
static void
test_read_host_file_base(Fixture *fx, gconstpointer data)
{
    g_autofree char *sub = g_build_filename(fx->dir, "sub", NULL);
    g_autofree char *fixtures = g_build_filename(fx->dir, "fixtures", NULL);
    g_autofree char *code = NULL;
    g_autoptr(PvFile) file = NULL;

    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(fixtures, 0755), ==, 0);
    write_file(fx->dir, "x.txt", "top");
    write_file(sub, "x.txt", "sub");
    write_file(fixtures, "x.txt", "fixture");
    write_file(sub, "helper.lua",
               "return {\n"
               "  direct = function() return provium.read_host_file('x.txt') end,\n"
               "  pcalled = function() return select(2, pcall(provium.read_host_file, 'x.txt')) end,\n"
               "}\n");
    write_file(fixtures, "f.fixture.lua",
               "seen_by_fixture = provium.read_host_file('x.txt')\n"
               "return fixture('f', {inputs = {'x.txt'}}, function(vm) end)\n");
    code = g_strdup_printf(
        "local helper = dofile('%s/sub/helper.lua')\n"
        "test('helper', function(t)\n"
        "  t:assert_eq('top', provium.read_host_file('x.txt'))\n"
        "  t:assert_eq('top', select(2, pcall(provium.read_host_file, 'x.txt')))\n"
        "  t:assert_eq('top', helper.direct())\n"
        "  t:assert_eq('top', helper.pcalled())\n"
        "  t:assert_eq('sub', provium.read_host_file('sub/x.txt'))\n"
        "end)\n"
        "test('fixture', function(t)\n"
        "  provium:vm('a', {fixture = 'f'})\n"
        "  t:assert_eq('fixture', seen_by_fixture)\n"
        "  t:assert_eq('top', provium.read_host_file('x.txt'))\n"
        "end)\n", fx->dir);
    file = run_file(fx, "hostfile", code);
    assert_result(file, 0, "helper", PV_TEST_PASSED, NULL);
    assert_result(file, 1, "fixture", PV_TEST_PASSED, NULL);
}

/* busted's nesting: test() inside a test is an error at its line, not a silent pass. */
static void
test_nested_test(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvFile) file = run_file(fx, "nested",
        "test('outer', function(t)\n"
        "  test('inner', function(t) t:fail('never runs') end)\n"
        "end)\n"
        "test('after', function(t) end)\n");

    assert_result(file, 0, "outer", PV_TEST_FAILED,
                  "nested.test.lua:2: test() inside a test: declare tests at a file's top level");
    assert_result(file, 1, "after", PV_TEST_PASSED, NULL);
    g_assert_cmpuint(results_of(fx, file), ==, 2);
}

/*
 * require() finds modules beside the test file and beside its fixture
 * files, then in the system's paths, never in the current directory
 * (another user's mylib.lua in /tmp would run as root); a module beside the
 * file that someone else could have put there is refused.
 */
static void
test_require(Fixture *fx, gconstpointer data)
{
    g_autofree char *cwd = g_dir_make_tmp("pv-lua-cwd-XXXXXX", NULL);
    g_autofree char *marker = g_build_filename(cwd, "ran", NULL);
    g_autofree char *planted = g_strdup_printf("io.open('%s', 'w'):close()\nreturn 'cwd'\n",
                                               marker);
    g_autofree char *fixtures = g_build_filename(fx->dir, "fixtures", NULL);
    g_autofree char *shared = g_build_filename(fx->dir, "shared", NULL);
    g_autofree char *before = g_get_current_dir();
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", cwd);
    g_autofree char *code = NULL;
    g_autoptr(PvFile) file = NULL;

    write_file(cwd, "mylib.lua", planted);
    write_file(fx->dir, "beside.lua", "return 'beside'\n");
    g_assert_cmpint(g_mkdir(fixtures, 0755), ==, 0);
    write_file(fixtures, "fixlib.lua", "return 'beside the fixture'\n");
    write_file(fixtures, "f.fixture.lua",
               "seen_by_fixture = require('fixlib')\n"
               "return fixture('f', {}, function(vm) end)\n");
    g_assert_cmpint(g_mkdir(shared, 0755), ==, 0);
    g_assert_cmpint(g_chmod(shared, 0777), ==, 0);
    write_file(shared, "open.lua", "return 'planted'\n");
    code = g_strdup_printf(
        "test('not the current directory', function(t)\n"
        "  local ok, err = pcall(require, 'mylib')\n"
        "  t:assert_eq(false, ok)\n"
        "  t:assert_contains(err, \"module 'mylib' not found\")\n"
        "  t:assert_eq(nil, package.path:find('./', 1, true))\n"
        "  t:assert_eq(nil, package.cpath:find('./', 1, true))\n"
        "end)\n"
        "test('beside the file', function(t)\n"
        "  t:assert_eq('beside', require('beside'))\n"
        "  t:assert_eq(1, package.path:find('%s/?.lua;', 1, true))\n"
        "end)\n"
        "test('beside its fixture file', function(t)\n"
        "  provium:vm('a', {fixture = 'f'})\n"
        "  t:assert_eq('beside the fixture', seen_by_fixture)\n"
        "end)\n"
        "test('someone else could have put it there', function(t)\n"
        "  require('shared.open')\n"
        "end)\n", fx->dir);
    g_assert_cmpint(g_chdir(cwd), ==, 0);
    file = run_file(fx, "req", code);
    g_assert_cmpint(g_chdir(before), ==, 0);
    assert_result(file, 0, "not the current directory", PV_TEST_PASSED, NULL);
    assert_result(file, 1, "beside the file", PV_TEST_PASSED, NULL);
    assert_result(file, 2, "beside its fixture file", PV_TEST_PASSED, NULL);
    {
        g_autofree char *expected = g_strdup_printf(
            "req.test.lua:17: module 'shared.open': not loading %s/open.lua: %s is writable by "
            "everyone", shared, shared);

        assert_result(file, 3, "someone else could have put it there", PV_TEST_FAILED,
                      expected);
    }
    g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
    g_assert_cmpint(system(cmd), ==, 0);
}

/* Whether process @pid is gone, waiting up to 10 s for its parent to reap it. */
static gboolean
process_gone(const char *pid_file)
{
    g_autofree char *text = NULL;
    gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    pid_t pid;

    g_assert_true(g_file_get_contents(pid_file, &text, NULL, NULL));
    pid = atoi(text);
    g_assert_cmpint(pid, >, 1);
    while (kill(pid, 0) == 0 && g_get_monotonic_time() < until)
        g_usleep(50000);
    if (kill(pid, 0) == 0) {
        kill(pid, SIGKILL);
        return FALSE;
    }
    return TRUE;
}

/*
 * os.execute() and io.popen() keep Lua 5.4's results; what their commands
 * leave running ends with the file, and a command past its test's timeout
 * is stopped then, not waited for.
 */
static void
test_commands(Fixture *fx, gconstpointer data)
{
    g_autofree char *bg = g_build_filename(fx->dir, "bg.pid", NULL);
    g_autofree char *popen_pid = g_build_filename(fx->dir, "popen.pid", NULL);
    g_autofree char *loop = g_build_filename(fx->dir, "loop.pid", NULL);
    g_autofree char *written = g_build_filename(fx->dir, "written", NULL);
    g_autofree char *code = g_strdup_printf(
        "local function three(...) return {n = select('#', ...), ...} end\n"
        "test('results', function(t)\n"
        "  t:assert_eq({n = 3, nil, 'exit', 3}, three(os.execute('exit 3')))\n"
        "  t:assert_eq({n = 3, true, 'exit', 0}, three(os.execute('true')))\n"
        "  t:assert_eq({n = 3, nil, 'signal', 15}, three(os.execute('kill -TERM $$')))\n"
        "  t:assert_eq(true, os.execute())\n"
        "  local f = io.popen('echo out; exit 4')\n"
        "  t:assert_eq('out\\n', f:read('a'))\n"
        "  t:assert_eq({n = 3, nil, 'exit', 4}, three(f:close()))\n"
        "  local w = io.popen('cat > %s', 'w')\n"
        "  w:write('in')\n"
        "  t:assert_eq({n = 3, true, 'exit', 0}, three(w:close()))\n"
        "  t:assert_eq('in', io.open('%s'):read('a'))\n"
        "  t:assert_eq(io.type(w), 'closed file')\n"
        "  local r = io.popen('cat')\n"
        "  t:assert_eq('', r:read('a'))\n"
        "  r:close()\n"
        "end)\n"
        "test('leaves commands running', function(t)\n"
        "  os.execute('sleep 600 & echo $! > %s')\n"
        "  kept = io.popen('echo $$; exec sleep 600')\n"
        "  local out = io.open('%s', 'w')\n"
        "  out:write(kept:read('l'))\n"
        "  out:close()\n"
        "end)\n"
        "test('past its timeout', {timeout = '300ms'}, function(t)\n"
        "  os.execute('echo $$ > %s; exec sleep 30')\n"
        "end)\n"
        "test('after it', function(t) end)\n", written, written, bg, popen_pid, loop);
    gint64 started = g_get_monotonic_time();
    g_autoptr(PvFile) file = run_file(fx, "commands", code);
    gint64 took = g_get_monotonic_time() - started;

    assert_result(file, 0, "results", PV_TEST_PASSED, NULL);
    assert_result(file, 1, "leaves commands running", PV_TEST_PASSED, NULL);
    assert_result(file, 2, "past its timeout", PV_TEST_FAILED, "the test timed out after 300ms");
    assert_result(file, 3, "after it", PV_TEST_PASSED, NULL);
    g_assert_cmpint(result(file, 2).duration_ns, <, 10 * PV_NSEC_PER_SEC);
    /* An unclosed pipe's command is ended with the file, not waited for. */
    g_assert_cmpint(took, <, 20 * G_USEC_PER_SEC);
    g_assert_true(process_gone(bg));
    g_assert_true(process_gone(popen_pid));
    g_assert_true(process_gone(loop));
}

static void
drop_debug(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* libvirt-glib's event loop logs every timer at debug level. */
    g_log_set_handler("Libvirt.GLib", G_LOG_LEVEL_DEBUG, drop_debug, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/lua/assert/messages", test_assertions);
    ADD("/lua/assert/sticky", test_sticky);
    ADD("/lua/error/traceback", test_lua_error);
    ADD("/lua/skip", test_skip);
    ADD("/lua/timeout/test", test_test_timeout);
    ADD("/lua/timeout/file", test_file_timeout);
    ADD("/lua/file/broken", test_broken_files);
    ADD("/lua/file/discovery", test_discovery);
    ADD("/lua/vm/errors", test_vm_errors);
    ADD("/lua/vm/test-driver", test_vm_test_driver);
    ADD("/lua/wait-until", test_wait_until);
    ADD("/lua/cancel", test_cancel);
    ADD("/lua/run-result", test_run_result);
    ADD("/lua/nul/test-name", test_nul_test_name);
    ADD("/lua/nul/arguments", test_nul_arguments);
    ADD("/lua/nul/network", test_nul_network);
    ADD("/lua/nul/messages", test_nul_messages);
    ADD("/lua/coroutine-after-end", test_coroutine_after_end);
    ADD("/lua/read-host-file/base", test_read_host_file_base);
    ADD("/lua/test/nested", test_nested_test);
    ADD("/lua/require", test_require);
    ADD("/lua/commands", test_commands);
#undef ADD
    g_test_add("/lua/vm/keep-failed", Fixture, GINT_TO_POINTER(TRUE), fixture_setup,
               test_keep_failed, fixture_teardown);
    return g_test_run();
}
