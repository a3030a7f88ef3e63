/*
 * pv-doctor.c: checks of the host provium runs on, as `provium doctor` prints them
 *
 * In the spirit of libvirt's virt-host-validate: each check is one line,
 * PASS, WARN (provium works, with less: emulation instead of KVM, regular
 * pages instead of hugepages) or FAIL (tests will not run), with what to do;
 * SKIP where the answer cannot be known from here (a remote host's PSI):
 * never this machine's reading passed off as the host's.
 * The checks that only read text or files take them as arguments, so the
 * tests can give them any host.  Each check has a stable id and records
 * what it found as facts, which `provium doctor --json` prints: tests and
 * scripts read those, never the lines' wording.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "pv-doctor.h"
#include "pv-perf.h"

PV_ENUM_IMPL(pv_check_status, PvCheckStatus, PV_CHECK_LAST,
             "PASS", "WARN", "FAIL", "SKIP");

PvCheck *
pv_check_new(PvCheckStatus status, const char *id, const char *format, ...)
{
    PvCheck *check = g_new0(PvCheck, 1);
    va_list ap;

    check->status = status;
    check->id = g_strdup(id);
    check->name = g_strdup(id);
    va_start(ap, format);
    check->message = g_strdup_vprintf(format, ap);
    va_end(ap);
    check->facts = json_object_new();
    return check;
}

void
pv_check_free(PvCheck *check)
{
    if (!check)
        return;
    g_free(check->id);
    g_free(check->name);
    g_free(check->message);
    g_clear_pointer(&check->facts, json_object_unref);
    g_free(check);
}

/**
 * pv_check_set_name:
 *
 * What the line shows instead of the id ("profile default").
 */
void
pv_check_set_name(PvCheck *check, const char *name)
{
    g_free(check->name);
    check->name = g_strdup(name);
}

/**
 * pv_check_set_string:
 * @value: (nullable): NULL for JSON's null
 *
 * Records a fact of the check, a field of its --json object.
 */
void
pv_check_set_string(PvCheck *check, const char *key, const char *value)
{
    if (value)
        json_object_set_string_member(check->facts, key, value);
    else
        json_object_set_null_member(check->facts, key);
}

void
pv_check_set_int(PvCheck *check, const char *key, gint64 value)
{
    json_object_set_int_member(check->facts, key, value);
}

void
pv_check_set_bool(PvCheck *check, const char *key, gboolean value)
{
    json_object_set_boolean_member(check->facts, key, value);
}

void
pv_check_set_double(PvCheck *check, const char *key, double value)
{
    json_object_set_double_member(check->facts, key, value);
}

/**
 * pv_doctor_format_json:
 * @checks: (element-type PvCheck)
 *
 * `provium doctor --json`: one object, "checks" an array with one object
 * per check ("id", "name", "status", "message" and the check's facts), then
 * the counts "passed", "warnings", "failed", "skipped".
 * Returns: (transfer full): the document, ending in a newline
 */
char *
pv_doctor_format_json(GPtrArray *checks)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    guint counts[PV_CHECK_LAST] = { 0 };
    g_autofree char *text = NULL;
    guint i;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "checks");
    json_builder_begin_array(b);
    for (i = 0; i < checks->len; i++) {
        const PvCheck *check = checks->pdata[i];
        g_autoptr(GList) keys = json_object_get_members(check->facts);
        GList *k;

        counts[check->status]++;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, check->id);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, check->name);
        json_builder_set_member_name(b, "status");
        json_builder_add_string_value(b, pv_check_status_to_string(check->status));
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, check->message);
        for (k = keys; k; k = k->next) {
            json_builder_set_member_name(b, k->data);
            json_builder_add_value(b, json_object_dup_member(check->facts, k->data));
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "passed");
    json_builder_add_int_value(b, counts[PV_CHECK_PASS]);
    json_builder_set_member_name(b, "warnings");
    json_builder_add_int_value(b, counts[PV_CHECK_WARN]);
    json_builder_set_member_name(b, "failed");
    json_builder_add_int_value(b, counts[PV_CHECK_FAIL]);
    json_builder_set_member_name(b, "skipped");
    json_builder_add_int_value(b, counts[PV_CHECK_SKIP]);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    text = json_generator_to_data(gen, NULL);
    return g_strconcat(text, "\n", NULL);
}

/* What the user QEMU runs as is called in the lines below. */
static void
pv_doctor_set_user(PvCheck *check, const PvQemuUser *user)
{
    pv_check_set_string(check, "qemu_user", pv_qemu_user_peek_name(user));
    pv_check_set_int(check, "qemu_uid", pv_qemu_user_get_uid(user));
}

/**
 * pv_doctor_check_profile:
 * @user: the user QEMU runs as
 *
 * One line per profile: whether QEMU can reach its kernel, initrd and
 * disk.  (libvirt relabels the files themselves for QEMU, but not the
 * directories above them: a checkout in a 0700 home directory is the
 * classic.)
 */
void
pv_doctor_check_profile(GPtrArray *checks, const PvProfile *profile, PvQemuUser *user)
{
    const struct {
        const char *key;
        const char *path;
    } files[] = {
        { "kernel", profile->kernel },
        { "initrd", profile->initrd },
        { "disk", profile->disk },
    };
    g_autofree char *name = g_strdup_printf("profile %s", profile->name);
    g_autoptr(GString) checked = g_string_new(NULL);
    const char *who = pv_qemu_user_peek_name(user);
    unsigned uid = pv_qemu_user_get_uid(user);
    PvCheck *check;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *blocker = NULL;
        g_autofree char *fix = NULL;

        /* vol: and host: are on the libvirt host, not here */
        if (!files[i].path || pv_profile_path_is_on_host(files[i].path))
            continue;
        if (!g_file_test(files[i].path, G_FILE_TEST_IS_REGULAR)) {
            check = pv_check_new(PV_CHECK_FAIL, "profile",
                                 _("%s: %s %s does not exist: fix the path"),
                                 profile->origin, files[i].key, files[i].path);
            pv_check_set_bool(check, "exists", FALSE);
            pv_check_set_bool(check, "reachable", FALSE);
        } else if (pv_qemu_user_can_read(user, files[i].path, &blocker)) {
            g_string_append_printf(checked, "%s%s", checked->len ? ", " : "", files[i].key);
            continue;
        } else if (g_str_equal(blocker, files[i].path)) {
            check = pv_check_new(PV_CHECK_WARN, "profile",
                                 _("%s: QEMU (%s, uid %u) cannot read %s %s itself; libvirt "
                                   "usually relabels it at boot, but a read-only or NFS file "
                                   "stays unreadable: chmod o+r it to be sure"),
                                 profile->origin, who, uid, files[i].key, files[i].path);
            pv_check_set_bool(check, "reachable", TRUE);
        } else {
            fix = pv_qemu_user_format_fix(user, blocker);
            check = pv_check_new(PV_CHECK_FAIL, "profile",
                                 _("%s: QEMU (%s, uid %u) cannot reach %s %s: it may not "
                                   "enter %s; let it in with %s (as virt-manager does), or "
                                   "move the file"),
                                 profile->origin, who, uid, files[i].key, files[i].path,
                                 blocker, fix);
            pv_check_set_bool(check, "reachable", FALSE);
            pv_check_set_string(check, "fix", fix);
        }
        pv_check_set_name(check, name);
        pv_check_set_string(check, "profile", profile->name);
        pv_check_set_string(check, "origin", profile->origin);
        pv_check_set_string(check, "file", files[i].key);
        pv_check_set_string(check, "path", files[i].path);
        pv_check_set_string(check, "blocker", blocker);
        pv_doctor_set_user(check, user);
        g_ptr_array_add(checks, check);
        return;
    }
    if (checked->len == 0)
        check = pv_check_new(PV_CHECK_PASS, "profile",
                             _("%s: names no kernel or disk (the template boots what it says)"),
                             profile->origin);
    else
        check = pv_check_new(PV_CHECK_PASS, "profile", _("%s: QEMU (%s, uid %u) can read its %s"),
                             profile->origin, who, uid, checked->str);
    pv_check_set_name(check, name);
    pv_check_set_string(check, "profile", profile->name);
    pv_check_set_string(check, "origin", profile->origin);
    pv_check_set_bool(check, "reachable", TRUE);
    pv_check_set_string(check, "blocker", NULL);
    pv_doctor_set_user(check, user);
    g_ptr_array_add(checks, check);
}

/*
 * Whether QEMU, as @user, can reach directory @dir, @where (a clause: "where
 * runs keep their disk overlays"); @option moves it.  A failure when
 * @needed, else a warning.  Facts: "dir", "reachable", "blocker", "fix".
 */
static PvCheck *
pv_doctor_check_dir_reach(const char *id, const char *name, const char *dir, const char *where,
                          const char *option, PvQemuUser *user, gboolean needed)
{
    g_autofree char *abs = g_canonicalize_filename(dir, NULL);
    g_autofree char *blocker = NULL;
    g_autofree char *fix = NULL;
    PvCheck *check;

    if (pv_qemu_user_can_enter(user, abs, &blocker)) {
        check = pv_check_new(PV_CHECK_PASS, id, _("QEMU (%s, uid %u) can reach %s, %s"),
                             pv_qemu_user_peek_name(user), (unsigned)pv_qemu_user_get_uid(user),
                             abs, where);
    } else {
        fix = pv_qemu_user_format_fix(user, blocker);
        check = pv_check_new(needed ? PV_CHECK_FAIL : PV_CHECK_WARN, id,
                             _("QEMU (%s, uid %u) cannot reach %s, %s: it may not enter %s; let "
                               "it in with %s (as virt-manager does), or give %s elsewhere"),
                             pv_qemu_user_peek_name(user), (unsigned)pv_qemu_user_get_uid(user),
                             abs, where, blocker, fix, option);
        pv_check_set_string(check, "fix", fix);
    }
    pv_check_set_name(check, name);
    pv_check_set_string(check, "dir", abs);
    pv_check_set_bool(check, "reachable", blocker == NULL);
    pv_check_set_string(check, "blocker", blocker);
    pv_doctor_set_user(check, user);
    return check;
}

/**
 * pv_doctor_check_results_dir:
 * @dir: the results directory (--results-dir), which need not exist yet
 * @user: the user QEMU runs as
 * @needed: whether a profile boots a disk (overlays go into the run
 *   directory): a failure then, else a warning
 *
 * Whether QEMU can reach the run directories, where provium puts the disk
 * overlays it boots.
 */
PvCheck *
pv_doctor_check_results_dir(const char *dir, PvQemuUser *user, gboolean needed)
{
    return pv_doctor_check_dir_reach("results_dir", "results dir", dir,
                                     _("where runs keep their disk overlays"), "--results-dir",
                                     user, needed);
}

/**
 * pv_doctor_check_fixture_cache:
 * @dir: the fixture cache (CACHE/fixtures), which need not exist yet
 * @user: the user QEMU runs as
 * @needed: whether a profile boots a disk (a fixture's saved disk goes
 *   into the cache, and QEMU opens it there): a failure then, else a warning
 *
 * Whether QEMU can reach the fixture cache, where restores boot saved disks.
 */
PvCheck *
pv_doctor_check_fixture_cache(const char *dir, PvQemuUser *user, gboolean needed)
{
    return pv_doctor_check_dir_reach("fixture_cache", "fixture cache", dir,
                                     _("where fixtures keep their saved disks"), "--cache-dir",
                                     user, needed);
}

/**
 * pv_doctor_check_uefi:
 * @firmware: (nullable): pv_host_peek_efi_firmware()'s
 *
 * Whether libvirt can give a domain UEFI firmware (a profile's
 * `firmware = efi`).  Without it only such profiles fail: a warning.
 * Facts: "available", "firmware".
 */
PvCheck *
pv_doctor_check_uefi(const char *firmware)
{
    PvCheck *check;

    if (firmware)
        check = pv_check_new(PV_CHECK_PASS, "uefi",
                             _("libvirt picks UEFI firmware for firmware = efi (%s)"), firmware);
    else
        check = pv_check_new(PV_CHECK_WARN, "uefi",
                             _("libvirt offers no UEFI firmware: a profile with firmware = efi "
                               "cannot boot here; install it (Debian: apt install ovmf)"));
    pv_check_set_bool(check, "available", firmware != NULL);
    pv_check_set_string(check, "firmware", firmware);
    return check;
}

/**
 * pv_doctor_check_llc:
 * @caps_xml: (nullable): libvirt's host capabilities
 *
 * The LLC groups performance mode uses: libvirt's cache banks, else one per
 * die.  Facts: "cpus", "llc_groups", "from_cache_banks".
 */
PvCheck *
pv_doctor_check_llc(const char *caps_xml)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvTopology) topology = caps_xml ? pv_topology_parse(caps_xml, &error) : NULL;
    g_autofree char *cpus = NULL;
    g_autofree char *groups = NULL;
    PvCheck *check;
    guint ncpus;
    guint ngroups;

    if (!topology) {
        check = pv_check_new(PV_CHECK_WARN, "llc",
                             _("cannot read the host's topology from libvirt (%s): performance "
                               "mode is unavailable"), error ? error->message : "?");
        pv_check_set_bool(check, "readable", FALSE);
        return check;
    }
    ncpus = topology->cpus->len;
    ngroups = topology->groups->len;
    cpus = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u CPU", "%u CPUs", ncpus), ncpus);
    groups = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u LLC group", "%u LLC groups",
                                         ngroups), ngroups);
    if (topology->from_cache)
        check = pv_check_new(PV_CHECK_PASS, "llc",
                             /* TRANSLATORS: "2 CPUs in 1 LLC group, from ..." */
                             _("%s in %s, from libvirt's cache banks"), cpus, groups);
    else
        check = pv_check_new(PV_CHECK_WARN, "llc",
                             /* TRANSLATORS: "... (2 CPUs, 1 LLC group)" */
                             _("libvirt reports no cache banks: performance mode counts each "
                               "die as one LLC group (%s, %s)"), cpus, groups);
    pv_check_set_bool(check, "readable", TRUE);
    pv_check_set_int(check, "cpus", ncpus);
    pv_check_set_int(check, "llc_groups", ngroups);
    pv_check_set_bool(check, "from_cache_banks", topology->from_cache);
    return check;
}

/**
 * pv_doctor_check_hugepages:
 * @mounts: /proc/mounts
 * @free_pages: free 2 MiB pages over every NUMA node, from libvirt
 */
PvCheck *
pv_doctor_check_hugepages(const char *mounts, guint64 free_pages)
{
    g_auto(GStrv) lines = g_strsplit(mounts ? mounts : "", "\n", -1);
    g_autofree char *dir = NULL;
    g_autofree char *pages = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                         "%" PRIu64 " free 2 MiB page",
                                                         "%" PRIu64 " free 2 MiB pages",
                                                         MIN(free_pages, G_MAXULONG)),
                                             free_pages);
    PvCheck *check;
    gsize i;

    for (i = 0; lines[i] && !dir; i++) {
        g_auto(GStrv) fields = g_strsplit(lines[i], " ", 4);

        if (g_strv_length(fields) >= 3 && g_str_equal(fields[2], "hugetlbfs"))
            dir = g_strdup(fields[1]);
    }
    if (dir && free_pages > 0)
        /* TRANSLATORS: "hugetlbfs at /dev/hugepages, 512 free 2 MiB pages" */
        check = pv_check_new(PV_CHECK_PASS, "hugepages", _("hugetlbfs at %s, %s"), dir, pages);
    else if (dir)
        check = pv_check_new(PV_CHECK_WARN, "hugepages",
                             _("hugetlbfs at %s, but no free 2 MiB pages: performance mode "
                               "uses regular pages (reserve some: sysctl vm.nr_hugepages=N)"),
                             dir);
    else
        check = pv_check_new(PV_CHECK_WARN, "hugepages",
                             /* TRANSLATORS: "no hugetlbfs mounted (0 free 2 MiB pages): ..." */
                             _("no hugetlbfs mounted (%s): performance mode uses regular pages "
                               "(mount -t hugetlbfs none /dev/hugepages, and restart "
                               "libvirtd)"), pages);
    pv_check_set_string(check, "hugetlbfs", dir);
    pv_check_set_int(check, "free_2m_pages", MIN(free_pages, G_MAXINT64));
    return check;
}

/**
 * pv_doctor_check_psi:
 * @proc_dir: /proc
 */
PvCheck *
pv_doctor_check_psi(const char *proc_dir)
{
    static const char *const resources[] = { "cpu", "memory" };
    PvCheck *check;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(resources); i++) {
        g_autofree char *path = g_build_filename(proc_dir, "pressure", resources[i], NULL);
        g_autofree char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL)) {
            check = pv_check_new(PV_CHECK_WARN, "psi",
                                 _("%s is not readable (a kernel without PSI, or psi=0): "
                                   "provium cannot pause new work when the host is under "
                                   "pressure"), path);
            pv_check_set_bool(check, "readable", FALSE);
            return check;
        }
    }
    check = pv_check_new(PV_CHECK_PASS, "psi", _("%s/pressure/cpu and memory are readable"),
                         proc_dir);
    pv_check_set_bool(check, "readable", TRUE);
    return check;
}

/**
 * pv_doctor_check_ksm:
 * @sysfs_dir: /sys/kernel/mm/ksm
 */
PvCheck *
pv_doctor_check_ksm(const char *sysfs_dir)
{
    g_autofree char *run = g_build_filename(sysfs_dir, "run", NULL);
    gboolean writable = access(run, W_OK) == 0;
    PvCheck *check;

    if (writable)
        check = pv_check_new(PV_CHECK_PASS, "ksm", _("%s is writable: provium tunes KSM "
                                                     "(--no-ksm leaves it alone)"), sysfs_dir);
    else
        check = pv_check_new(PV_CHECK_WARN, "ksm",
                             _("%s is not writable (not root, or a container): provium leaves "
                               "KSM as it is, so guests share fewer pages"), run);
    pv_check_set_bool(check, "writable", writable);
    return check;
}

/**
 * pv_doctor_check_node:
 * @memory: the host's memory, bytes (libvirt's node info and memory stats)
 * @cpus: its online CPUs
 * @numa_nodes: its NUMA cells (capabilities); 0 unknown
 *
 * The host's size as libvirt gives it, which sizes a run's pool there.
 * Facts: "cpus", "memory" (bytes), "numa_nodes".
 */
PvCheck *
pv_doctor_check_node(guint64 memory, guint cpus, guint numa_nodes)
{
    g_autofree char *size = g_format_size_full(memory, G_FORMAT_SIZE_IEC_UNITS);
    g_autofree char *shown = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u CPU", "%u CPUs",
                                                         cpus), cpus);
    PvCheck *check;

    /* TRANSLATORS: "2 CPUs, 3.8 GiB memory (libvirt's node info)" */
    check = pv_check_new(PV_CHECK_PASS, "node", _("%s, %s memory (libvirt's node info): a run's "
                                                  "pool there takes 80 %% of it"), shown, size);
    pv_check_set_int(check, "cpus", cpus);
    pv_check_set_int(check, "memory", MIN(memory, G_MAXINT64));
    pv_check_set_int(check, "numa_nodes", numa_nodes);
    return check;
}

/**
 * pv_doctor_check_hugepages_remote:
 * @known: whether libvirt answered for the host's 2 MiB pages
 * @free_pages: free 2 MiB pages over every NUMA node, from libvirt
 *
 * A remote host's hugepages: libvirt gives the free pages, not whether a
 * hugetlbfs is mounted there (performance mode learns that by trying).
 * Facts as pv_doctor_check_hugepages()'s: "hugetlbfs" null (not known from
 * here), "free_2m_pages"; and "from_libvirt".
 */
PvCheck *
pv_doctor_check_hugepages_remote(gboolean known, guint64 free_pages)
{
    PvCheck *check;

    if (!known)
        check = pv_check_new(PV_CHECK_WARN, "hugepages",
                             _("libvirt does not say how many 2 MiB pages the host has free: "
                               "performance mode uses regular pages"));
    else if (free_pages > 0)
        check = pv_check_new(PV_CHECK_PASS, "hugepages",
                             g_dngettext(GETTEXT_PACKAGE,
                                         "%" PRIu64 " free 2 MiB page, from libvirt (whether "
                                         "a hugetlbfs is mounted there, performance mode "
                                         "learns by trying)",
                                         "%" PRIu64 " free 2 MiB pages, from libvirt (whether "
                                         "a hugetlbfs is mounted there, performance mode "
                                         "learns by trying)", MIN(free_pages, G_MAXULONG)),
                             free_pages);
    else
        check = pv_check_new(PV_CHECK_WARN, "hugepages",
                             _("libvirt says the host has no free 2 MiB pages: performance "
                               "mode uses regular pages (reserve some there: sysctl "
                               "vm.nr_hugepages=N)"));
    pv_check_set_string(check, "hugetlbfs", NULL);
    pv_check_set_int(check, "free_2m_pages", MIN(free_pages, G_MAXINT64));
    pv_check_set_bool(check, "from_libvirt", known);
    return check;
}

/**
 * pv_doctor_check_psi_remote:
 * @libvirt_stats: whether libvirt gives the host's CPU and memory stats
 *
 * PSI is read from this machine's /proc: a remote host's cannot be known.
 * Facts: "readable" (FALSE), "libvirt_stats".
 */
PvCheck *
pv_doctor_check_psi_remote(gboolean libvirt_stats)
{
    PvCheck *check;

    if (libvirt_stats)
        check = pv_check_new(PV_CHECK_SKIP, "psi",
                             _("a remote host's pressure (PSI) cannot be read from here: "
                               "provium throttles on its CPU load from libvirt instead, and "
                               "the memory guard reads its free memory from libvirt"));
    else
        check = pv_check_new(PV_CHECK_SKIP, "psi",
                             _("a remote host's pressure (PSI) cannot be read from here, and "
                               "libvirt gives no CPU or memory stats of it: provium does not "
                               "throttle new work there"));
    pv_check_set_bool(check, "readable", FALSE);
    pv_check_set_bool(check, "libvirt_stats", libvirt_stats);
    return check;
}

/**
 * pv_doctor_check_ksm_remote:
 * @known: whether libvirt gave the host's KSM parameters
 * @pages_to_scan: their shm_pages_to_scan, @sleep_millisecs and
 *   @pages_sharing (pages merged now)
 *
 * A remote host's KSM, seen through libvirt.  provium does not tune it
 * there: libvirt gives the scan rate but not the run knob, and runs from
 * several machines could not agree on which of them puts the host's own
 * settings back (pv-ksm.c's lock files are this machine's).  A warning
 * either way, saying what libvirt tells.  Facts: "writable" (FALSE: whether
 * provium tunes it), "from_libvirt", "pages_to_scan", "sleep_millisecs",
 * "pages_sharing".
 */
PvCheck *
pv_doctor_check_ksm_remote(gboolean known, gint64 pages_to_scan, gint64 sleep_millisecs,
                           gint64 pages_sharing)
{
    PvCheck *check;

    if (!known)
        check = pv_check_new(PV_CHECK_WARN, "ksm",
                             _("libvirt gives no KSM parameters of the remote host: provium "
                               "leaves KSM there as it is"));
    else if (pages_sharing > 0)
        check = pv_check_new(PV_CHECK_WARN, "ksm",
                             _("KSM merges pages on the remote host (%lld pages shared, %lld "
                               "scanned each %lld ms, from libvirt); provium leaves it as it is "
                               "there"),
                             (long long)pages_sharing, (long long)pages_to_scan,
                             (long long)sleep_millisecs);
    else
        check = pv_check_new(PV_CHECK_WARN, "ksm",
                             _("KSM shares no pages on the remote host (from libvirt): provium "
                               "leaves it as it is there, and libvirt cannot turn it on; to "
                               "have guests share pages, echo 1 > /sys/kernel/mm/ksm/run "
                               "there"));
    pv_check_set_bool(check, "writable", FALSE);
    pv_check_set_bool(check, "from_libvirt", known);
    pv_check_set_int(check, "pages_to_scan", pages_to_scan);
    pv_check_set_int(check, "sleep_millisecs", sleep_millisecs);
    pv_check_set_int(check, "pages_sharing", pages_sharing);
    return check;
}

/**
 * pv_doctor_check_profile_upload:
 *
 * A profile for a remote host: its kernel, initrd and disk are this
 * machine's files, which a run uploads into provium's storage pool there,
 * so they must be readable here (vol: and host: are on the host already).
 * Facts: "reachable" (readable here), "uploaded" (what goes through the
 * pool), "file" and "path" (the first that is not readable).
 */
PvCheck *
pv_doctor_check_profile_upload(const PvProfile *profile)
{
    const struct {
        const char *key;
        const char *path;
    } files[] = {
        { "kernel", profile->kernel },
        { "initrd", profile->initrd },
        { "disk", profile->disk },
    };
    g_autoptr(GString) uploaded = g_string_new(NULL);
    g_autoptr(GString) on_host = g_string_new(NULL);
    PvCheck *check;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(files); i++) {
        if (!files[i].path)
            continue;
        if (pv_profile_path_is_on_host(files[i].path)) {
            g_string_append_printf(on_host, "%s%s", on_host->len ? ", " : "", files[i].key);
            continue;
        }
        if (g_file_test(files[i].path, G_FILE_TEST_IS_REGULAR) &&
            access(files[i].path, R_OK) == 0) {
            g_string_append_printf(uploaded, "%s%s", uploaded->len ? ", " : "", files[i].key);
            continue;
        }
        check = pv_check_new(PV_CHECK_FAIL, "profile",
                             _("%s: %s %s is not a file provium can read here, to upload it to "
                               "the host: fix the path"),
                             profile->origin, files[i].key, files[i].path);
        pv_check_set_bool(check, "reachable", FALSE);
        pv_check_set_string(check, "file", files[i].key);
        pv_check_set_string(check, "path", files[i].path);
        return check;
    }
    if (uploaded->len == 0 && on_host->len == 0)
        check = pv_check_new(PV_CHECK_PASS, "profile",
                             _("%s: names no kernel or disk (the template boots what it says)"),
                             profile->origin);
    else if (on_host->len == 0)
        check = pv_check_new(PV_CHECK_PASS, "profile",
                             _("%s: its %s are uploaded into provium's storage pool on the host "
                               "on first use"), profile->origin, uploaded->str);
    else
        check = pv_check_new(PV_CHECK_PASS, "profile",
                             _("%s: its %s are uploaded into provium's storage pool on the host "
                               "on first use; its %s are on the host (checked as a run boots)"),
                             profile->origin, uploaded->len ? uploaded->str : "-",
                             on_host->str);
    pv_check_set_bool(check, "reachable", TRUE);
    pv_check_set_string(check, "uploaded", uploaded->str);
    return check;
}
