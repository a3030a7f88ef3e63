/*
 * test-virt.c: choosing the accelerator (--virt-type auto), the probe's
 * verdict and its cache, the diagnosis of a broken or missing KVM, and provium
 * doctor's checks, their facts and --json
 *
 * The probe itself boots guests; here its verdicts are given, so every kind
 * of host (no /dev/kvm, a root-only one, a nested KVM that hangs guests) is
 * decided the way the code would on that host.  The console transcripts are
 * what the probe guest printed on this project's CI kind of machine.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-doctor.h"
#include "pv-virt.h"

/* Plain emulation: both lines. */
static const char console_tcg[] =
    "provium-probe: protected mode\n"
    "provium-probe: long mode\n";

/* Nested KVM on the CI kind of machine: nothing, for ever. */
static const char console_kvm_hang[] = "";

/* A guest stopped between the two: still not long mode. */
static const char console_protected[] = "provium-probe: protected mode\n";

static void
test_type_strings(void)
{
    PvVirtType type = PV_VIRT_LAST;
    PvProbeVerdict verdict = PV_PROBE_LAST;
    guint i;

    for (i = 0; i < PV_VIRT_LAST; i++) {
        g_assert_true(pv_virt_type_from_string(pv_virt_type_to_string(i), &type));
        g_assert_cmpint(type, ==, i);
    }
    for (i = 0; i < PV_PROBE_LAST; i++) {
        g_assert_true(pv_probe_verdict_from_string(pv_probe_verdict_to_string(i), &verdict));
        g_assert_cmpint(verdict, ==, i);
    }
    g_assert_true(pv_virt_type_from_string("kvm", &type));
    g_assert_cmpint(type, ==, PV_VIRT_KVM);
    g_assert_false(pv_virt_type_from_string("KVM", &type));
    g_assert_false(pv_virt_type_from_string("hvf", &type));
    g_assert_false(pv_virt_type_from_string(NULL, &type));
}

static void
test_console_reached(void)
{
    g_assert_true(pv_virt_console_reached(console_tcg));
    g_assert_false(pv_virt_console_reached(console_kvm_hang));
    g_assert_false(pv_virt_console_reached(console_protected));
    /* SeaBIOS gets through on a nested KVM that hangs kernels: not enough. */
    g_assert_false(pv_virt_console_reached("SeaBIOS (version 1.16.2)\nBooting from ROM...\n"));
    g_assert_false(pv_virt_console_reached("provium-probe: long mo"));
    g_assert_false(pv_virt_console_reached(NULL));
}

static void
probe_set(PvProbeResult *probe, PvProbeVerdict verdict, const char *message)
{
    pv_probe_result_clear(probe);
    probe->verdict = verdict;
    probe->message = g_strdup(message);
}

static void
test_choose(void)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *reason = NULL;

    /* No /dev/kvm: libvirt offers no KVM; nothing is probed. */
    g_assert_cmpint(pv_virt_choose(FALSE, TRUE, NULL, &reason), ==, PV_VIRT_QEMU);
    g_assert_nonnull(strstr(reason, "offers no KVM"));
    g_clear_pointer(&reason, g_free);

    /* A root-only /dev/kvm: the probe domain does not start. */
    probe_set(&probe, PV_PROBE_FAILED, "Could not access KVM kernel module: Permission denied");
    g_assert_cmpint(pv_virt_choose(TRUE, TRUE, &probe, &reason), ==, PV_VIRT_QEMU);
    g_assert_nonnull(strstr(reason, "Permission denied"));
    g_clear_pointer(&reason, g_free);

    /* Nested KVM that hangs guests. */
    probe_set(&probe, PV_PROBE_HANGS, "the console stayed empty");
    g_assert_cmpint(pv_virt_choose(TRUE, TRUE, &probe, &reason), ==, PV_VIRT_QEMU);
    g_assert_nonnull(strstr(reason, "stall"));
    g_clear_pointer(&reason, g_free);

    /* Neither got through: emulation, the safe choice. */
    probe_set(&probe, PV_PROBE_INCONCLUSIVE, "neither");
    g_assert_cmpint(pv_virt_choose(TRUE, TRUE, &probe, &reason), ==, PV_VIRT_QEMU);
    g_clear_pointer(&reason, g_free);

    /* A working KVM. */
    probe_set(&probe, PV_PROBE_OK, NULL);
    g_assert_cmpint(pv_virt_choose(TRUE, TRUE, &probe, &reason), ==, PV_VIRT_KVM);
    g_clear_pointer(&reason, g_free);

    /* A remote host is not probed: libvirt's word is taken. */
    probe_set(&probe, PV_PROBE_NONE, NULL);
    g_assert_cmpint(pv_virt_choose(TRUE, FALSE, &probe, &reason), ==, PV_VIRT_KVM);
    g_assert_nonnull(strstr(reason, "remote"));
}

static void
test_diagnose(void)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *failed = NULL;
    g_autofree char *hangs = NULL;

    probe_set(&probe, PV_PROBE_FAILED, "Could not access KVM kernel module: Permission denied");
    failed = pv_virt_diagnose(TRUE, &probe);
    g_assert_nonnull(strstr(failed, "Permission denied"));
    g_assert_nonnull(strstr(failed, "--virt-type qemu"));
    g_assert_null(strchr(failed, '\n'));

    probe_set(&probe, PV_PROBE_HANGS, "a probe guest reached long mode in 5.2 s under KVM");
    hangs = pv_virt_diagnose(TRUE, &probe);
    g_assert_nonnull(strstr(hangs, "stall"));
    g_assert_nonnull(strstr(hangs, "5.2 s under KVM"));
    g_assert_nonnull(strstr(hangs, "--virt-type qemu"));
    g_assert_null(strchr(hangs, '\n'));

    /* Where KVM works (or was not probed), a silent guest is the guest's business. */
    probe_set(&probe, PV_PROBE_OK, NULL);
    g_assert_null(pv_virt_diagnose(TRUE, &probe));
    probe_set(&probe, PV_PROBE_NONE, NULL);
    g_assert_null(pv_virt_diagnose(TRUE, &probe));
    probe_set(&probe, PV_PROBE_INCONCLUSIVE, "neither");
    g_assert_null(pv_virt_diagnose(TRUE, &probe));
}

/*
 * No /dev/kvm (the CI kind of machine): nothing is probed, and libvirt's
 * "Emulator ... does not support virt type 'kvm'" names no way out; the
 * diagnosis names the switch, in one line.
 */
static void
test_diagnose_no_kvm(void)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *none = NULL;

    probe_set(&probe, PV_PROBE_NONE, NULL);
    none = pv_virt_diagnose(FALSE, &probe);
    g_assert_nonnull(none);
    g_assert_nonnull(strstr(none, "--virt-type kvm is not available on this host"));
    g_assert_nonnull(strstr(none, "--virt-type qemu"));
    g_assert_nonnull(strstr(none, "auto"));
    g_assert_null(strchr(none, '\n'));
}

static void
probe_reached(PvProbeResult *probe, PvProbeVerdict verdict, double seconds)
{
    probe_set(probe, verdict, verdict == PV_PROBE_OK ? NULL : "the console stayed empty");
    probe->reach_us = seconds * G_USEC_PER_SEC;
}

/* KVM against plain emulation, as measured on three kinds of host. */
static void
test_judge(void)
{
    g_auto(PvProbeResult) kvm = { 0 };
    g_auto(PvProbeResult) qemu = { 0 };
    g_auto(PvProbeResult) verdict = { 0 };

    /* A working KVM: milliseconds, even on a busy host where emulation takes 0.6 s. */
    probe_reached(&kvm, PV_PROBE_OK, 0.05);
    probe_reached(&qemu, PV_PROBE_OK, 0.6);
    pv_virt_judge(&kvm, &qemu, &verdict);
    g_assert_cmpint(verdict.verdict, ==, PV_PROBE_OK);

    /* No faster than emulation, within noise: still fine. */
    probe_reached(&kvm, PV_PROBE_OK, 0.9);
    probe_reached(&qemu, PV_PROBE_OK, 0.3);
    pv_virt_judge(&kvm, &qemu, &verdict);
    g_assert_cmpint(verdict.verdict, ==, PV_PROBE_OK);

    /* The CI kind of machine: nested KVM crawls to long mode in 5 s. */
    probe_reached(&kvm, PV_PROBE_OK, 5.2);
    probe_reached(&qemu, PV_PROBE_OK, 0.05);
    pv_virt_judge(&kvm, &qemu, &verdict);
    g_assert_cmpint(verdict.verdict, ==, PV_PROBE_HANGS);
    g_assert_nonnull(strstr(verdict.message, "5.2 s under KVM"));

    /* ... or never gets there within the probe's time. */
    probe_reached(&kvm, PV_PROBE_HANGS, 0);
    pv_virt_judge(&kvm, &qemu, &verdict);
    g_assert_cmpint(verdict.verdict, ==, PV_PROBE_HANGS);
    g_assert_nonnull(strstr(verdict.message, "stalled under KVM"));

    /* Emulation failing too: nothing to blame KVM for, and nothing to compare with. */
    probe_reached(&qemu, PV_PROBE_HANGS, 0);
    pv_virt_judge(&kvm, &qemu, &verdict);
    g_assert_cmpint(verdict.verdict, ==, PV_PROBE_INCONCLUSIVE);
    probe_reached(&kvm, PV_PROBE_OK, 0.05);
    pv_virt_judge(&kvm, &qemu, &verdict);
    g_assert_cmpint(verdict.verdict, ==, PV_PROBE_OK);
}

static void
test_cache_key(void)
{
    g_autofree char *base = pv_virt_cache_key("qemu:///system", "boot-1", 9000000, 7002022,
                                              "mode 20600 uid 0 gid 0 rdev 2792");
    const char *other[][2] = {
        { "uri", "qemu:///session" },
        { "boot", "boot-2" },
        { "device", "mode 20660 uid 0 gid 107 rdev 2792" },
        { "device", "absent" },
    };
    g_autofree char *libvirt = pv_virt_cache_key("qemu:///system", "boot-1", 9001000, 7002022,
                                                 "mode 20600 uid 0 gid 0 rdev 2792");
    g_autofree char *qemu = pv_virt_cache_key("qemu:///system", "boot-1", 9000000, 8000000,
                                              "mode 20600 uid 0 gid 0 rdev 2792");
    g_autofree char *same = pv_virt_cache_key("qemu:///system", "boot-1", 9000000, 7002022,
                                              "mode 20600 uid 0 gid 0 rdev 2792");
    gsize i;

    g_assert_cmpstr(base, ==, same);
    g_assert_cmpstr(base, !=, libvirt);
    g_assert_cmpstr(base, !=, qemu);
    for (i = 0; i < G_N_ELEMENTS(other); i++) {
        g_autofree char *key = pv_virt_cache_key(
            g_str_equal(other[i][0], "uri") ? other[i][1] : "qemu:///system",
            g_str_equal(other[i][0], "boot") ? other[i][1] : "boot-1", 9000000, 7002022,
            g_str_equal(other[i][0], "device") ? other[i][1] : "mode 20600 uid 0 gid 0 rdev 2792");

        g_assert_cmpstr(base, !=, key);
    }
}

static void
test_cache_roundtrip(void)
{
    g_autofree char *dir = g_dir_make_tmp("pv-virt-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "virt-probe", NULL);
    g_auto(PvProbeResult) stored = { 0 };
    g_auto(PvProbeResult) found = { 0 };
    g_autoptr(GError) error = NULL;
    struct stat st;

    g_assert_false(pv_virt_cache_lookup(path, "qemu:///system", "k1", &found));

    probe_set(&stored, PV_PROBE_FAILED, "Permission denied");
    g_assert_true(pv_virt_cache_store(path, "qemu:///system", "k1", &stored, &error));
    g_assert_no_error(error);
    probe_set(&stored, PV_PROBE_OK, NULL);
    g_assert_true(pv_virt_cache_store(path, "qemu:///session", "k2", &stored, &error));

    g_assert_true(pv_virt_cache_lookup(path, "qemu:///system", "k1", &found));
    g_assert_cmpint(found.verdict, ==, PV_PROBE_FAILED);
    g_assert_cmpstr(found.message, ==, "Permission denied");
    g_assert_true(found.cached);
    g_assert_true(pv_virt_cache_lookup(path, "qemu:///session", "k2", &found));
    g_assert_cmpint(found.verdict, ==, PV_PROBE_OK);
    g_assert_null(found.message);

    /* Another key (a reboot, a new QEMU, /dev/kvm's mode changed): probe again. */
    g_assert_false(pv_virt_cache_lookup(path, "qemu:///system", "k3", &found));

    /* An inconclusive verdict is never taken from the cache. */
    probe_set(&stored, PV_PROBE_INCONCLUSIVE, "neither");
    g_assert_true(pv_virt_cache_store(path, "qemu:///system", "k1", &stored, &error));
    g_assert_false(pv_virt_cache_lookup(path, "qemu:///system", "k1", &found));

    /* Readable by all, writable by its owner alone. */
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0644);

    /* Garbage is a miss, not a crash. */
    g_assert_true(g_file_set_contents(path, "[qemu:///system\nkey=k1\n", -1, NULL));
    g_assert_false(pv_virt_cache_lookup(path, "qemu:///system", "k1", &found));

    g_unlink(path);
    g_rmdir(dir);
}

static const char caps_dac[] =
    "<capabilities><host><cpu><arch>x86_64</arch></cpu>"
    "<secmodel><model>none</model><doi>0</doi></secmodel>"
    "<secmodel><model>dac</model><doi>0</doi>"
    "<baselabel type='kvm'>+64055:+64055</baselabel>"
    "<baselabel type='qemu'>+64055:+107</baselabel>"
    "</secmodel></host></capabilities>";

static void
test_dac_label(void)
{
    uid_t uid = 0;
    gid_t gid = 0;

    g_assert_true(pv_qemu_user_parse_caps(caps_dac, "qemu", &uid, &gid));
    g_assert_cmpuint(uid, ==, 64055);
    g_assert_cmpuint(gid, ==, 107);
    g_assert_true(pv_qemu_user_parse_caps(caps_dac, "kvm", &uid, &gid));
    g_assert_cmpuint(gid, ==, 64055);
    g_assert_false(pv_qemu_user_parse_caps(caps_dac, "xen", &uid, &gid));
    g_assert_false(pv_qemu_user_parse_caps("<capabilities/>", "qemu", &uid, &gid));
    g_assert_false(pv_qemu_user_parse_caps("not xml", "qemu", &uid, &gid));
    g_assert_false(pv_qemu_user_parse_caps(
        "<capabilities><host><secmodel><model>dac</model>"
        "<baselabel type='qemu'>64055:107</baselabel></secmodel></host></capabilities>",
        "qemu", &uid, &gid));
}

/* An image under a directory only its owner may enter: the /root classic. */
static void
test_user_can_read(void)
{
    g_autofree char *dir = g_dir_make_tmp("pv-doctor-XXXXXX", NULL);
    g_autofree char *inner = g_build_filename(dir, "private", NULL);
    g_autofree char *image = g_build_filename(inner, "vmlinuz", NULL);
    g_autofree char *later = g_build_filename(dir, "runs", "later", NULL);
    g_autofree char *blocker = NULL;
    g_autofree char *fix = NULL;
    g_autofree char *want_fix = NULL;
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_check_free);
    g_autoptr(PvQemuUser) nobody = pv_qemu_user_new(65534, 65534);
    g_autoptr(PvQemuUser) root = pv_qemu_user_new(0, 0);
    g_autoptr(PvQemuUser) again = NULL;
    PvProfile profile = { 0 };
    const PvCheck *check;

    if (geteuid() != 0) {
        g_test_skip("needs root, to ask as another user");
        g_rmdir(dir);
        return;
    }
    g_assert_true(pv_qemu_user_is_checked(nobody));
    g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(inner, 0700), ==, 0);
    g_assert_true(g_file_set_contents(image, "kernel", -1, NULL));
    g_assert_cmpint(g_chmod(image, 0644), ==, 0);

    /* nobody may not enter the 0700 directory */
    g_assert_false(pv_qemu_user_can_read(nobody, image, &blocker));
    g_assert_cmpstr(blocker, ==, inner);
    g_clear_pointer(&blocker, g_free);
    g_assert_false(pv_qemu_user_can_enter(nobody, inner, &blocker));
    g_assert_cmpstr(blocker, ==, inner);
    g_clear_pointer(&blocker, g_free);
    g_assert_true(pv_qemu_user_can_enter(nobody, dir, NULL));
    /* what does not exist yet is made under the last directory that does */
    g_assert_true(pv_qemu_user_can_enter(nobody, later, NULL));
    g_assert_true(pv_qemu_user_can_read(root, image, NULL));

    fix = pv_qemu_user_format_fix(nobody, inner);
    want_fix = g_strdup_printf("setfacl -m u:%s:x %s", pv_qemu_user_peek_name(nobody), inner);
    g_assert_cmpstr(fix, ==, want_fix);

    profile.name = (char *)"private";
    profile.origin = (char *)"t/provium.conf";
    profile.kernel = image;
    pv_doctor_check_profile(checks, &profile, nobody);
    g_assert_cmpuint(checks->len, ==, 1);
    check = checks->pdata[0];
    g_assert_cmpint(check->status, ==, PV_CHECK_FAIL);
    g_assert_cmpstr(check->id, ==, "profile");
    g_assert_cmpstr(check->name, ==, "profile private");
    g_assert_nonnull(strstr(check->message, inner));
    g_assert_nonnull(strstr(check->message, fix));
    g_assert_cmpstr(json_object_get_string_member(check->facts, "blocker"), ==, inner);
    g_assert_cmpstr(json_object_get_string_member(check->facts, "fix"), ==, fix);
    g_assert_false(json_object_get_boolean_member(check->facts, "reachable"));
    g_assert_cmpint(json_object_get_int_member(check->facts, "qemu_uid"), ==, 65534);

    /* The answers are kept: a new user object asks the kernel again. */
    g_assert_cmpint(g_chmod(inner, 0755), ==, 0);
    g_assert_false(pv_qemu_user_can_read(nobody, image, NULL));
    again = pv_qemu_user_new(65534, 65534);
    g_assert_true(pv_qemu_user_can_read(again, image, NULL));
    g_ptr_array_set_size(checks, 0);
    pv_doctor_check_profile(checks, &profile, again);
    check = checks->pdata[0];
    g_assert_cmpint(check->status, ==, PV_CHECK_PASS);
    g_assert_true(json_object_get_boolean_member(check->facts, "reachable"));

    /* The file itself unreadable: libvirt usually relabels it, so a warning. */
    g_assert_cmpint(g_chmod(image, 0600), ==, 0);
    g_assert_false(pv_qemu_user_can_read(again, image, &blocker));
    g_assert_cmpstr(blocker, ==, image);
    g_ptr_array_set_size(checks, 0);
    pv_doctor_check_profile(checks, &profile, again);
    check = checks->pdata[0];
    g_assert_cmpint(check->status, ==, PV_CHECK_WARN);

    g_unlink(image);
    g_rmdir(inner);
    g_rmdir(dir);
}

/* The results directory: where the overlays QEMU opens go. */
static void
test_results_dir(void)
{
    g_autofree char *dir = g_dir_make_tmp("pv-doctor-XXXXXX", NULL);
    g_autofree char *runs = g_build_filename(dir, ".provium", "runs", NULL);
    g_autoptr(PvQemuUser) nobody = NULL;
    g_autoptr(PvQemuUser) again = NULL;
    g_autoptr(PvCheck) blocked = NULL;
    g_autoptr(PvCheck) warned = NULL;
    g_autoptr(PvCheck) open = NULL;

    if (geteuid() != 0) {
        g_test_skip("needs root, to ask as another user");
        g_rmdir(dir);
        return;
    }
    /* g_dir_make_tmp() makes it 0700, as mktemp -d does */
    nobody = pv_qemu_user_new(65534, 65534);
    blocked = pv_doctor_check_results_dir(runs, nobody, TRUE);
    g_assert_cmpint(blocked->status, ==, PV_CHECK_FAIL);
    g_assert_cmpstr(blocked->id, ==, "results_dir");
    g_assert_cmpstr(json_object_get_string_member(blocked->facts, "blocker"), ==, dir);
    g_assert_cmpstr(json_object_get_string_member(blocked->facts, "dir"), ==, runs);
    g_assert_nonnull(strstr(blocked->message, "setfacl -m u:"));
    g_assert_nonnull(strstr(blocked->message, "--results-dir"));
    warned = pv_doctor_check_results_dir(runs, nobody, FALSE);
    g_assert_cmpint(warned->status, ==, PV_CHECK_WARN);

    g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
    again = pv_qemu_user_new(65534, 65534);
    open = pv_doctor_check_results_dir(runs, again, TRUE);
    g_assert_cmpint(open->status, ==, PV_CHECK_PASS);
    g_assert_true(json_object_get_boolean_member(open->facts, "reachable"));
    g_rmdir(dir);
}

/*
 * The LLC groups, from libvirt's capabilities: a host without cache banks
 * (the CI kind) and one with them; the counts are facts, their words plural
 * forms ("1 LLC group").
 */
static void
test_llc(void)
{
    g_autofree char *none_path = g_build_filename(g_getenv("PV_TEST_SRCDIR"), "perfdata",
                                                  "host-1s2c.xml", NULL);
    g_autofree char *banks_path = g_build_filename(g_getenv("PV_TEST_SRCDIR"), "perfdata",
                                                   "host-2s2n-smt.xml", NULL);
    g_autofree char *none_caps = NULL;
    g_autofree char *banks_caps = NULL;
    g_autoptr(PvCheck) none = NULL;
    g_autoptr(PvCheck) banks = NULL;
    g_autoptr(PvCheck) broken = NULL;

    g_assert_true(g_file_get_contents(none_path, &none_caps, NULL, NULL));
    g_assert_true(g_file_get_contents(banks_path, &banks_caps, NULL, NULL));
    none = pv_doctor_check_llc(none_caps);
    g_assert_cmpint(none->status, ==, PV_CHECK_WARN);
    g_assert_cmpstr(none->id, ==, "llc");
    g_assert_false(json_object_get_boolean_member(none->facts, "from_cache_banks"));
    g_assert_cmpint(json_object_get_int_member(none->facts, "cpus"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(none->facts, "llc_groups"), ==, 1);
    g_assert_nonnull(strstr(none->message, "(2 CPUs, 1 LLC group)"));

    banks = pv_doctor_check_llc(banks_caps);
    g_assert_cmpint(banks->status, ==, PV_CHECK_PASS);
    g_assert_true(json_object_get_boolean_member(banks->facts, "from_cache_banks"));
    g_assert_cmpint(json_object_get_int_member(banks->facts, "llc_groups"), ==, 2);
    g_assert_nonnull(strstr(banks->message, "CPUs in 2 LLC groups, from libvirt's cache banks"));

    broken = pv_doctor_check_llc("<capabilities/>");
    g_assert_cmpint(broken->status, ==, PV_CHECK_WARN);
    g_assert_false(json_object_get_boolean_member(broken->facts, "readable"));
}

/* --json: one document, each check an object with its id, status and facts. */
static void
test_json(void)
{
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_check_free);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *text = NULL;
    PvCheck *check;
    JsonObject *root;
    JsonArray *array;
    JsonObject *first;
    JsonObject *second;

    check = pv_check_new(PV_CHECK_PASS, "llc", "%u CPUs", 4u);
    pv_check_set_int(check, "cpus", 4);
    pv_check_set_bool(check, "from_cache_banks", TRUE);
    g_ptr_array_add(checks, check);
    check = pv_check_new(PV_CHECK_FAIL, "profile", "cannot reach \"it\"\n");
    pv_check_set_name(check, "profile default");
    pv_check_set_string(check, "blocker", "/home/ann");
    pv_check_set_string(check, "fix", NULL);
    pv_check_set_double(check, "seconds", 1.5);
    g_ptr_array_add(checks, check);

    text = pv_doctor_format_json(checks);
    g_assert_true(g_str_has_suffix(text, "}\n"));
    g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
    root = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpint(json_object_get_int_member(root, "passed"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(root, "warnings"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(root, "failed"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(root, "skipped"), ==, 0);
    array = json_object_get_array_member(root, "checks");
    g_assert_cmpuint(json_array_get_length(array), ==, 2);
    first = json_array_get_object_element(array, 0);
    g_assert_cmpstr(json_object_get_string_member(first, "id"), ==, "llc");
    g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "llc");
    g_assert_cmpstr(json_object_get_string_member(first, "status"), ==, "PASS");
    g_assert_cmpstr(json_object_get_string_member(first, "message"), ==, "4 CPUs");
    g_assert_cmpint(json_object_get_int_member(first, "cpus"), ==, 4);
    g_assert_true(json_object_get_boolean_member(first, "from_cache_banks"));
    second = json_array_get_object_element(array, 1);
    g_assert_cmpstr(json_object_get_string_member(second, "id"), ==, "profile");
    g_assert_cmpstr(json_object_get_string_member(second, "name"), ==, "profile default");
    g_assert_cmpstr(json_object_get_string_member(second, "status"), ==, "FAIL");
    g_assert_cmpstr(json_object_get_string_member(second, "message"), ==, "cannot reach \"it\"\n");
    g_assert_cmpstr(json_object_get_string_member(second, "blocker"), ==, "/home/ann");
    g_assert_true(json_object_get_null_member(second, "fix"));
    g_assert_cmpfloat(json_object_get_double_member(second, "seconds"), ==, 1.5);
}

static void
test_hugepages(void)
{
    g_autoptr(PvCheck) none = pv_doctor_check_hugepages("proc /proc proc rw 0 0\n", 10);
    g_autoptr(PvCheck) empty = pv_doctor_check_hugepages(
        "proc /proc proc rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n", 0);
    g_autoptr(PvCheck) ok = pv_doctor_check_hugepages(
        "hugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n", 512);

    g_assert_cmpint(none->status, ==, PV_CHECK_WARN);
    g_assert_nonnull(strstr(none->message, "no hugetlbfs"));
    g_assert_cmpint(empty->status, ==, PV_CHECK_WARN);
    g_assert_nonnull(strstr(empty->message, "/dev/hugepages"));
    g_assert_cmpint(ok->status, ==, PV_CHECK_PASS);
    g_assert_nonnull(strstr(ok->message, "512"));
}

static void
test_psi_ksm(void)
{
    g_autofree char *dir = g_dir_make_tmp("pv-doctor-XXXXXX", NULL);
    g_autofree char *pressure = g_build_filename(dir, "pressure", NULL);
    g_autofree char *cpu = g_build_filename(pressure, "cpu", NULL);
    g_autofree char *memory = g_build_filename(pressure, "memory", NULL);
    g_autofree char *run = g_build_filename(dir, "run", NULL);
    g_autoptr(PvCheck) missing = NULL;
    g_autoptr(PvCheck) present = NULL;
    g_autoptr(PvCheck) ksm_absent = NULL;
    g_autoptr(PvCheck) ksm = NULL;

    g_assert_cmpint(g_mkdir(pressure, 0755), ==, 0);
    g_assert_true(g_file_set_contents(cpu, "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                                      -1, NULL));
    missing = pv_doctor_check_psi(dir);
    g_assert_cmpint(missing->status, ==, PV_CHECK_WARN);
    g_assert_nonnull(strstr(missing->message, memory));
    g_assert_true(g_file_set_contents(memory, "some avg10=0.00\n", -1, NULL));
    present = pv_doctor_check_psi(dir);
    g_assert_cmpint(present->status, ==, PV_CHECK_PASS);

    ksm_absent = pv_doctor_check_ksm(dir);
    g_assert_cmpint(ksm_absent->status, ==, PV_CHECK_WARN);
    g_assert_true(g_file_set_contents(run, "0\n", -1, NULL));
    ksm = pv_doctor_check_ksm(dir);
    g_assert_cmpint(ksm->status, ==, PV_CHECK_PASS);

    g_unlink(cpu);
    g_unlink(memory);
    g_unlink(run);
    g_rmdir(pressure);
    g_rmdir(dir);
}

/* A remote host's checks say what libvirt tells of it, and SKIP what cannot be known. */
static void
test_remote(void)
{
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_check_free);
    g_autoptr(PvCheck) unknown = pv_doctor_check_hugepages_remote(FALSE, 0);
    g_autoptr(PvCheck) none = pv_doctor_check_hugepages_remote(TRUE, 0);
    g_autoptr(PvCheck) some = pv_doctor_check_hugepages_remote(TRUE, 64);
    g_autoptr(PvCheck) ksm_none = pv_doctor_check_ksm_remote(FALSE, -1, -1, -1);
    g_autoptr(PvCheck) ksm = pv_doctor_check_ksm_remote(TRUE, 100, 20, 0);
    g_autoptr(PvCheck) node = pv_doctor_check_node(G_GUINT64_CONSTANT(4) << 30, 3, 1);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *text = NULL;
    JsonObject *root;
    PvCheck *psi;

    g_assert_cmpint(unknown->status, ==, PV_CHECK_WARN);
    g_assert_false(json_object_get_boolean_member(unknown->facts, "from_libvirt"));
    g_assert_cmpint(none->status, ==, PV_CHECK_WARN);
    g_assert_true(json_object_get_null_member(none->facts, "hugetlbfs"));
    g_assert_cmpint(some->status, ==, PV_CHECK_PASS);
    g_assert_cmpint(json_object_get_int_member(some->facts, "free_2m_pages"), ==, 64);
    g_assert_nonnull(strstr(some->message, "64"));

    g_assert_cmpint(ksm_none->status, ==, PV_CHECK_WARN);
    g_assert_false(json_object_get_boolean_member(ksm_none->facts, "from_libvirt"));
    g_assert_false(json_object_get_boolean_member(ksm->facts, "writable"));
    g_assert_cmpint(json_object_get_int_member(ksm->facts, "pages_to_scan"), ==, 100);

    g_assert_cmpint(node->status, ==, PV_CHECK_PASS);
    g_assert_cmpint(json_object_get_int_member(node->facts, "cpus"), ==, 3);
    g_assert_cmpint(json_object_get_int_member(node->facts, "memory"), ==,
                    G_GINT64_CONSTANT(4) << 30);

    /* PSI is this machine's: SKIP, never this machine's reading */
    psi = pv_doctor_check_psi_remote(TRUE);
    g_assert_cmpint(psi->status, ==, PV_CHECK_SKIP);
    g_assert_cmpstr(pv_check_status_to_string(psi->status), ==, "SKIP");
    g_assert_false(json_object_get_boolean_member(psi->facts, "readable"));
    g_assert_true(json_object_get_boolean_member(psi->facts, "libvirt_stats"));
    g_ptr_array_add(checks, psi);
    text = pv_doctor_format_json(checks);
    g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
    root = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpint(json_object_get_int_member(root, "skipped"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(root, "passed"), ==, 0);
}

/* A remote host's profile: this machine's files, which must be readable to upload. */
static void
test_profile_upload(void)
{
    g_autofree char *dir = g_dir_make_tmp("pv-doctor-XXXXXX", NULL);
    g_autofree char *kernel = g_build_filename(dir, "vmlinuz", NULL);
    g_autofree char *missing = g_build_filename(dir, "initrd.img", NULL);
    PvProfile profile = { 0 };
    g_autoptr(PvCheck) ok = NULL;
    g_autoptr(PvCheck) bad = NULL;
    g_autoptr(PvCheck) on_host = NULL;

    g_assert_true(g_file_set_contents(kernel, "k", -1, NULL));
    profile.name = (char *)"default";
    profile.origin = (char *)"provium.conf:3";
    profile.kernel = kernel;
    ok = pv_doctor_check_profile_upload(&profile);
    g_assert_cmpint(ok->status, ==, PV_CHECK_PASS);
    g_assert_cmpstr(json_object_get_string_member(ok->facts, "uploaded"), ==, "kernel");
    profile.initrd = missing;
    bad = pv_doctor_check_profile_upload(&profile);
    g_assert_cmpint(bad->status, ==, PV_CHECK_FAIL);
    g_assert_cmpstr(json_object_get_string_member(bad->facts, "file"), ==, "initrd");
    g_assert_nonnull(strstr(bad->message, "provium.conf:3"));
    profile.initrd = NULL;
    profile.disk = (char *)"vol:default/base.qcow2";
    on_host = pv_doctor_check_profile_upload(&profile);
    g_assert_cmpint(on_host->status, ==, PV_CHECK_PASS);
    g_assert_cmpstr(json_object_get_string_member(on_host->facts, "uploaded"), ==, "kernel");
    g_unlink(kernel);
    g_rmdir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virt/type/strings", test_type_strings);
    g_test_add_func("/virt/probe/console-reached", test_console_reached);
    g_test_add_func("/virt/choose", test_choose);
    g_test_add_func("/virt/diagnose", test_diagnose);
    g_test_add_func("/virt/diagnose/no-kvm", test_diagnose_no_kvm);
    g_test_add_func("/virt/judge", test_judge);
    g_test_add_func("/virt/cache/key", test_cache_key);
    g_test_add_func("/virt/cache/roundtrip", test_cache_roundtrip);
    g_test_add_func("/doctor/dac-label", test_dac_label);
    g_test_add_func("/doctor/user-can-read", test_user_can_read);
    g_test_add_func("/doctor/results-dir", test_results_dir);
    g_test_add_func("/doctor/llc", test_llc);
    g_test_add_func("/doctor/json", test_json);
    g_test_add_func("/doctor/hugepages", test_hugepages);
    g_test_add_func("/doctor/psi-ksm", test_psi_ksm);
    g_test_add_func("/doctor/remote", test_remote);
    g_test_add_func("/doctor/profile-upload", test_profile_upload);
    return g_test_run();
}
