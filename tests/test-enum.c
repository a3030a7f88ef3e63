/*
 * test-enum.c: PV_ENUM_IMPL() (src/util/pv-enum.h), and every enum's names
 *
 * The names reach events, JSON, options and users: each table is held here
 * to its words, in order, both ways.  A table that does not match its
 * enum's _LAST must not build: a small file with one name missing is
 * compiled, and must fail, while the same file whole compiles.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pv-console-check.h"
#include "pv-doctor.h"
#include "pv-domain.h"
#include "pv-enum.h"
#include "pv-file.h"
#include "pv-fixture-store.h"
#include "pv-host.h"
#include "pv-network.h"
#include "pv-order.h"
#include "pv-pool.h"
#include "pv-shard.h"
#include "pv-template.h"
#include "pv-virt.h"
#include "pv-vm.h"

typedef enum {
    PV_FRUIT_APPLE,
    PV_FRUIT_PEAR,
    PV_FRUIT_PLUM_TREE,

    PV_FRUIT_LAST
} PvFruit;

PV_ENUM_DECL(pv_fruit, PvFruit);
PV_ENUM_IMPL(pv_fruit, PvFruit, PV_FRUIT_LAST,
             "apple", "pear", "plum_tree");

static void
test_round_trip(void)
{
    PvFruit fruit = PV_FRUIT_LAST;
    guint i;

    g_assert_cmpstr(pv_fruit_to_string(PV_FRUIT_APPLE), ==, "apple");
    g_assert_cmpstr(pv_fruit_to_string(PV_FRUIT_PLUM_TREE), ==, "plum_tree");
    for (i = 0; i < PV_FRUIT_LAST; i++) {
        g_assert_true(pv_fruit_from_string(pv_fruit_to_string(i), &fruit));
        g_assert_cmpint(fruit, ==, i);
    }
}

/* Only the exact name: no case folding, prefixes, spaces; NULL is no name. */
static void
test_from_string_exact(void)
{
    const char *bad[] = { "Apple", "APPLE", "appl", "apples", " apple", "apple ", "", "plum",
                          "plum-tree" };
    PvFruit fruit = PV_FRUIT_PEAR;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(pv_fruit_from_string(bad[i], &fruit));
        g_assert_cmpint(fruit, ==, PV_FRUIT_PEAR);  /* untouched on failure */
    }
    g_assert_false(pv_fruit_from_string(NULL, &fruit));
    g_assert_cmpint(fruit, ==, PV_FRUIT_PEAR);
    g_assert_true(pv_fruit_from_string("apple", &fruit));
    g_assert_cmpint(fruit, ==, PV_FRUIT_APPLE);
}

/* A value outside the enum is a caller's bug: said, and no name. */
static void
test_to_string_outside(void)
{
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
    g_assert_null(pv_fruit_to_string(PV_FRUIT_LAST));
    g_test_assert_expected_messages();
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
    g_assert_null(pv_fruit_to_string((PvFruit)-1));
    g_test_assert_expected_messages();
}

/* Compiles @source with the build's compiler; whether it built, and what it said. */
static gboolean
test_compile(const char *source, char **said)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("pv-enum-XXXXXX", &error);
    g_autofree char *path = NULL;
    g_autofree char *command = NULL;
    g_auto(GStrv) argv = NULL;
    const char *cc = g_getenv("PV_CC");
    int status = -1;

    g_assert_no_error(error);
    path = g_build_filename(dir, "enum.c", NULL);
    g_assert_true(g_file_set_contents(path, source, -1, &error));
    command = g_strdup_printf("%s -std=gnu11 -fsyntax-only %s -I%s/src/util %s",
                              cc && *cc ? cc : "cc", PV_TEST_GLIB_CFLAGS, PV_ABS_TOP_SRCDIR,
                              path);
    g_assert_true(g_shell_parse_argv(command, NULL, &argv, &error));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, said, &status, &error));
    g_assert_no_error(error);
    g_unlink(path);
    g_rmdir(dir);
    return g_spawn_check_wait_status(status, NULL);
}

static void
test_checked_at_compile_time(void)
{
    static const char *const whole =
        "#include \"pv-enum.h\"\n"
        "typedef enum { A, B, C, LAST } T;\n"
        "PV_ENUM_DECL(t, T);\n"
        "PV_ENUM_IMPL(t, T, LAST, \"a\", \"b\", \"c\");\n";
    g_autofree char *short_one = NULL;
    g_autofree char *long_one = NULL;
    g_autofree char *said = NULL;

    g_assert_true(test_compile(whole, &said));
    g_clear_pointer(&said, g_free);

    short_one = g_strdup(whole);
    g_assert_nonnull(strstr(short_one, ", \"c\""));
    memcpy(strstr(short_one, ", \"c\""), "     ", 5);  /* one name missing */
    g_assert_false(test_compile(short_one, &said));
    g_assert_nonnull(strstr(said, "static assert"));
    g_clear_pointer(&said, g_free);

    long_one = g_strconcat("#include \"pv-enum.h\"\n"
                           "typedef enum { A, B, C, LAST } T;\n"
                           "PV_ENUM_DECL(t, T);\n"
                           "PV_ENUM_IMPL(t, T, LAST, \"a\", \"b\", \"c\", \"d\");\n", NULL);
    g_assert_false(test_compile(long_one, &said));
    g_assert_nonnull(strstr(said, "static assert"));
}

/* Each enum's names, in order, both ways: what events, JSON and users see. */
#define CHECK_NAMES(name, Type, last, words) \
    G_STMT_START { \
        g_auto(GStrv) want = g_strsplit(words, " ", -1); \
        guint i; \
        g_assert_cmpuint(g_strv_length(want), ==, last); \
        for (i = 0; i < (last); i++) { \
            Type back = (last); \
            g_assert_cmpstr(name##_to_string((Type)i), ==, want[i]); \
            g_assert_true(name##_from_string(want[i], &back)); \
            g_assert_cmpint(back, ==, i); \
        } \
    } G_STMT_END

static void
test_names(void)
{
    CHECK_NAMES(pv_block_reason, PvBlockReason, PV_BLOCK_LAST,
                "none pool_full psi_pressure host_memory jobs_cap boot_gate llc_busy "
                "network_busy fixture_build");
    CHECK_NAMES(pv_check_status, PvCheckStatus, PV_CHECK_LAST, "PASS WARN FAIL SKIP");
    CHECK_NAMES(pv_console_check, PvConsoleCheck, PV_CONSOLE_CHECK_LAST,
                "panic oops bug oom segfault call_trace");
    CHECK_NAMES(pv_domain_state, PvDomainState, PV_DOMAIN_STATE_LAST,
                "starting running ready stopped");
    CHECK_NAMES(pv_file_status, PvFileStatus, PV_FILE_STATUS_LAST,
                "queued running passed failed error cancelled not_run");
    CHECK_NAMES(pv_fixture_outcome, PvFixtureOutcome, PV_FIXTURE_OUTCOME_LAST,
                "hit build wait");
    CHECK_NAMES(pv_ksm_knob, PvKsmKnob, PV_KSM_LAST, "run pages_to_scan sleep_millisecs");
    CHECK_NAMES(pv_network_forward, PvNetworkForward, PV_NETWORK_FORWARD_LAST, "none nat");
    CHECK_NAMES(pv_nic_addressing, PvNicAddressing, PV_NIC_ADDRESS_LAST, "agent dhcp");
    CHECK_NAMES(pv_order, PvOrder, PV_ORDER_LAST, "longest-first fifo");
    CHECK_NAMES(pv_probe_verdict, PvProbeVerdict, PV_PROBE_LAST,
                "none ok failed hangs inconclusive");
    CHECK_NAMES(pv_shard_mode, PvShardMode, PV_SHARD_LAST, "time hash slice");
    CHECK_NAMES(pv_test_status, PvTestStatus, PV_TEST_STATUS_LAST,
                "passed failed skipped not_run flaky");
    CHECK_NAMES(pv_virt_type, PvVirtType, PV_VIRT_LAST, "auto kvm qemu");
    CHECK_NAMES(pv_vm_end, PvVmEnd, PV_VM_END_LAST, "test_ended file_ended destroyed");
    CHECK_NAMES(pv_vm_ready, PvVmReady, PV_VM_READY_LAST, "agent systemd cloud-init");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/enum/round-trip", test_round_trip);
    g_test_add_func("/enum/from-string/exact", test_from_string_exact);
    g_test_add_func("/enum/to-string/outside", test_to_string_outside);
    g_test_add_func("/enum/checked-at-compile-time", test_checked_at_compile_time);
    g_test_add_func("/enum/names", test_names);
    return g_test_run();
}
