/*
 * test-virt.c: choosing the accelerator (--virt-type auto), the probe's
 * verdict and its cache, the diagnosis of a broken KVM, and provium doctor's
 * checks
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
    failed = pv_virt_diagnose(&probe);
    g_assert_nonnull(strstr(failed, "Permission denied"));
    g_assert_nonnull(strstr(failed, "--virt-type qemu"));
    g_assert_null(strchr(failed, '\n'));

    probe_set(&probe, PV_PROBE_HANGS, "a probe guest reached long mode in 5.2 s under KVM");
    hangs = pv_virt_diagnose(&probe);
    g_assert_nonnull(strstr(hangs, "stall"));
    g_assert_nonnull(strstr(hangs, "5.2 s under KVM"));
    g_assert_nonnull(strstr(hangs, "--virt-type qemu"));
    g_assert_null(strchr(hangs, '\n'));

    /* Where KVM works (or was not probed), a silent guest is the guest's business. */
    probe_set(&probe, PV_PROBE_OK, NULL);
    g_assert_null(pv_virt_diagnose(&probe));
    probe_set(&probe, PV_PROBE_NONE, NULL);
    g_assert_null(pv_virt_diagnose(&probe));
    probe_set(&probe, PV_PROBE_INCONCLUSIVE, "neither");
    g_assert_null(pv_virt_diagnose(&probe));
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

    g_assert_true(pv_doctor_parse_dac_label(caps_dac, "qemu", &uid, &gid));
    g_assert_cmpuint(uid, ==, 64055);
    g_assert_cmpuint(gid, ==, 107);
    g_assert_true(pv_doctor_parse_dac_label(caps_dac, "kvm", &uid, &gid));
    g_assert_cmpuint(gid, ==, 64055);
    g_assert_false(pv_doctor_parse_dac_label(caps_dac, "xen", &uid, &gid));
    g_assert_false(pv_doctor_parse_dac_label("<capabilities/>", "qemu", &uid, &gid));
    g_assert_false(pv_doctor_parse_dac_label("not xml", "qemu", &uid, &gid));
    g_assert_false(pv_doctor_parse_dac_label(
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
    g_autofree char *blocker = NULL;
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_check_free);
    PvProfile profile = { 0 };
    const PvCheck *check;

    if (geteuid() != 0) {
        g_test_skip("needs root, to ask as another user");
        g_rmdir(dir);
        return;
    }
    g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(inner, 0700), ==, 0);
    g_assert_true(g_file_set_contents(image, "kernel", -1, NULL));
    g_assert_cmpint(g_chmod(image, 0644), ==, 0);

    /* nobody may not enter the 0700 directory */
    g_assert_false(pv_doctor_user_can_read(image, 65534, 65534, &blocker));
    g_assert_cmpstr(blocker, ==, inner);
    g_clear_pointer(&blocker, g_free);
    g_assert_true(pv_doctor_user_can_read(image, 0, 0, NULL));

    profile.name = (char *)"private";
    profile.origin = (char *)"t/provium.conf";
    profile.kernel = image;
    pv_doctor_check_profile(checks, &profile, 65534, 65534);
    g_assert_cmpuint(checks->len, ==, 1);
    check = checks->pdata[0];
    g_assert_cmpint(check->status, ==, PV_CHECK_FAIL);
    g_assert_nonnull(strstr(check->message, inner));

    g_assert_cmpint(g_chmod(inner, 0755), ==, 0);
    g_assert_true(pv_doctor_user_can_read(image, 65534, 65534, NULL));
    g_ptr_array_set_size(checks, 0);
    pv_doctor_check_profile(checks, &profile, 65534, 65534);
    check = checks->pdata[0];
    g_assert_cmpint(check->status, ==, PV_CHECK_PASS);

    /* The file itself unreadable: libvirt usually relabels it, so a warning. */
    g_assert_cmpint(g_chmod(image, 0600), ==, 0);
    g_assert_false(pv_doctor_user_can_read(image, 65534, 65534, &blocker));
    g_assert_cmpstr(blocker, ==, image);
    g_ptr_array_set_size(checks, 0);
    pv_doctor_check_profile(checks, &profile, 65534, 65534);
    check = checks->pdata[0];
    g_assert_cmpint(check->status, ==, PV_CHECK_WARN);

    g_unlink(image);
    g_rmdir(inner);
    g_rmdir(dir);
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

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virt/type/strings", test_type_strings);
    g_test_add_func("/virt/probe/console-reached", test_console_reached);
    g_test_add_func("/virt/choose", test_choose);
    g_test_add_func("/virt/diagnose", test_diagnose);
    g_test_add_func("/virt/judge", test_judge);
    g_test_add_func("/virt/cache/key", test_cache_key);
    g_test_add_func("/virt/cache/roundtrip", test_cache_roundtrip);
    g_test_add_func("/doctor/dac-label", test_dac_label);
    g_test_add_func("/doctor/user-can-read", test_user_can_read);
    g_test_add_func("/doctor/hugepages", test_hugepages);
    g_test_add_func("/doctor/psi-ksm", test_psi_ksm);
    return g_test_run();
}
