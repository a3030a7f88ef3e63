/*
 * pv-doctor.c: checks of the host provium runs on, as `provium doctor` prints them
 *
 * In the spirit of libvirt's virt-host-validate: each check is one line,
 * PASS, WARN (provium works, with less: emulation instead of KVM, regular
 * pages instead of hugepages) or FAIL (tests will not run), with what to do.
 * The checks that only read text or files take them as arguments, so the
 * tests can give them any host.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-autocleanups.h"
#include "pv-doctor.h"

static const char *const pv_check_status_names[] = { "PASS", "WARN", "FAIL" };
G_STATIC_ASSERT(G_N_ELEMENTS(pv_check_status_names) == PV_CHECK_LAST);

const char *
pv_check_status_to_string(PvCheckStatus status)
{
    g_return_val_if_fail(status < PV_CHECK_LAST, "????");
    return pv_check_status_names[status];
}

PvCheck *
pv_check_new(PvCheckStatus status, const char *name, const char *format, ...)
{
    PvCheck *check = g_new0(PvCheck, 1);
    va_list ap;

    check->status = status;
    check->name = g_strdup(name);
    va_start(ap, format);
    check->message = g_strdup_vprintf(format, ap);
    va_end(ap);
    return check;
}

void
pv_check_free(PvCheck *check)
{
    if (!check)
        return;
    g_free(check->name);
    g_free(check->message);
    g_free(check);
}

/**
 * pv_doctor_parse_dac_label:
 * @caps_xml: libvirt's host capabilities
 * @virt_type: "kvm" or "qemu"
 *
 * Finds the user and group QEMU runs as, from the DAC security model's base
 * label ("+64055:+64055").
 * Returns: whether the capabilities name them
 */
gboolean
pv_doctor_parse_dac_label(const char *caps_xml, const char *virt_type, uid_t *uid, gid_t *gid)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(caps_xml, strlen(caps_xml), "capabilities.xml", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    g_autoptr(xmlXPathContext) ctx = doc ? xmlXPathNewContext(doc) : NULL;
    g_autoptr(xmlXPathObject) found = NULL;
    g_autofree char *xpath = g_strdup_printf(
        "/capabilities/host/secmodel[model='dac']/baselabel[@type='%s']", virt_type);
    g_autoptr(PvXmlString) label = NULL;
    const char *p;
    char *end = NULL;
    guint64 u;
    guint64 g;

    if (!ctx)
        return FALSE;
    found = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
    if (!found || !found->nodesetval || found->nodesetval->nodeNr < 1)
        return FALSE;
    label = xmlNodeGetContent(found->nodesetval->nodeTab[0]);
    p = (const char *)label;
    if (!p || *p++ != '+')
        return FALSE;
    u = g_ascii_strtoull(p, &end, 10);
    if (end == p || *end != ':' || end[1] != '+')
        return FALSE;
    p = end + 2;
    g = g_ascii_strtoull(p, &end, 10);
    if (end == p || *end)
        return FALSE;
    *uid = u;
    *gid = g;
    return TRUE;
}

/* In a forked child: the kernel's own answer for the user, ACLs included. */
static gboolean
pv_doctor_access_as(const char *path, int mode, uid_t uid, gid_t gid, const gid_t *groups,
                    int ngroups)
{
    pid_t pid;
    int status = 0;

    if (geteuid() != 0 || uid == geteuid())
        return access(path, mode) == 0;
    pid = fork();
    if (pid < 0)
        return access(path, mode) == 0;
    if (pid == 0) {
        /* async-signal-safe calls only: the parent has threads */
        if (setgroups(ngroups, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
            _exit(2);
        _exit(access(path, mode) == 0 ? 0 : 1);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/**
 * pv_doctor_user_can_read:
 * @blocker: (out) (optional) (transfer full): the first directory the user
 *   cannot search, or @path itself when it is the file that cannot be read
 *
 * Whether @uid (with @gid and the user's supplementary groups) can read
 * @path.  As root the answer is the kernel's, asked in a child that became
 * that user; otherwise it is this process's own access.
 */
gboolean
pv_doctor_user_can_read(const char *path, uid_t uid, gid_t gid, char **blocker)
{
    g_autofree char *abs = g_canonicalize_filename(path, NULL);
    g_auto(GStrv) parts = g_strsplit(abs, "/", -1);
    g_autoptr(GString) dir = g_string_new("");
    gid_t groups[64];
    int ngroups = G_N_ELEMENTS(groups);
    struct passwd *pw = getpwuid(uid);
    gsize i;

    groups[0] = gid;
    if (!pw || getgrouplist(pw->pw_name, gid, groups, &ngroups) < 0)
        ngroups = 1;
    /* Every directory on the way, then the file. */
    for (i = 0; parts[i] && parts[i + 1]; i++) {
        if (i > 0)
            g_string_append_c(dir, '/');
        g_string_append(dir, parts[i]);
        if (!pv_doctor_access_as(dir->len ? dir->str : "/", X_OK, uid, gid, groups, ngroups)) {
            if (blocker)
                *blocker = g_strdup(dir->len ? dir->str : "/");
            return FALSE;
        }
    }
    if (!pv_doctor_access_as(abs, R_OK, uid, gid, groups, ngroups)) {
        if (blocker)
            *blocker = g_strdup(abs);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_doctor_check_profile:
 *
 * One line per profile: whether QEMU, running as @uid:@gid, can reach its
 * kernel, initrd and disk.  (libvirt relabels the files themselves for
 * QEMU, but not the directories above them: an image under /root is the
 * classic.)
 */
void
pv_doctor_check_profile(GPtrArray *checks, const PvProfile *profile, uid_t uid, gid_t gid)
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
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *blocker = NULL;

        if (!files[i].path)
            continue;
        if (!g_file_test(files[i].path, G_FILE_TEST_IS_REGULAR)) {
            g_ptr_array_add(checks, pv_check_new(PV_CHECK_FAIL, name,
                                                 _("%s: %s %s does not exist: fix the path"),
                                                 profile->origin, files[i].key,
                                                 files[i].path));
            return;
        }
        if (!pv_doctor_user_can_read(files[i].path, uid, gid, &blocker)) {
            if (g_str_equal(blocker, files[i].path))
                g_ptr_array_add(checks, pv_check_new(
                    PV_CHECK_WARN, name,
                    _("%s: QEMU (uid %u) cannot read %s %s itself; libvirt usually relabels "
                      "it at boot, but a read-only or NFS file stays unreadable: "
                      "chmod o+r it to be sure"),
                    profile->origin, (unsigned)uid, files[i].key, files[i].path));
            else
                g_ptr_array_add(checks, pv_check_new(
                    PV_CHECK_FAIL, name,
                    _("%s: QEMU (uid %u) cannot reach %s %s: it may not enter %s; move the "
                      "file elsewhere or let it in (chmod o+x %s)"),
                    profile->origin, (unsigned)uid, files[i].key, files[i].path, blocker,
                    blocker));
            return;
        }
        g_string_append_printf(checked, "%s%s", checked->len ? ", " : "", files[i].key);
    }
    if (checked->len == 0)
        g_ptr_array_add(checks, pv_check_new(PV_CHECK_PASS, name,
                                             _("%s: names no kernel or disk (the template "
                                               "boots what it says)"), profile->origin));
    else
        g_ptr_array_add(checks, pv_check_new(PV_CHECK_PASS, name,
                                             _("%s: QEMU (uid %u) can read its %s"),
                                             profile->origin, (unsigned)uid, checked->str));
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
    const char *where = NULL;
    gsize i;

    for (i = 0; lines[i] && !where; i++) {
        g_auto(GStrv) fields = g_strsplit(lines[i], " ", 4);

        if (g_strv_length(fields) >= 3 && g_str_equal(fields[2], "hugetlbfs"))
            where = lines[i] + strlen(fields[0]) + 1;
    }
    if (where) {
        g_autofree char *dir = g_strndup(where, strcspn(where, " "));

        if (free_pages > 0)
            return pv_check_new(PV_CHECK_PASS, "hugepages",
                                _("hugetlbfs at %s, %" PRIu64 " free 2 MiB pages"),
                                dir, free_pages);
        return pv_check_new(PV_CHECK_WARN, "hugepages",
                            _("hugetlbfs at %s, but no free 2 MiB pages: performance mode uses "
                              "regular pages (reserve some: sysctl vm.nr_hugepages=N)"), dir);
    }
    return pv_check_new(PV_CHECK_WARN, "hugepages",
                        _("no hugetlbfs mounted (%" PRIu64 " free 2 MiB pages): "
                          "performance mode uses regular pages (mount -t hugetlbfs none "
                          "/dev/hugepages, and restart libvirtd)"), free_pages);
}

/**
 * pv_doctor_check_psi:
 * @proc_dir: /proc
 */
PvCheck *
pv_doctor_check_psi(const char *proc_dir)
{
    static const char *const resources[] = { "cpu", "memory" };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(resources); i++) {
        g_autofree char *path = g_build_filename(proc_dir, "pressure", resources[i], NULL);
        g_autofree char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
            return pv_check_new(PV_CHECK_WARN, "psi",
                                _("%s is not readable (a kernel without PSI, or psi=0): provium "
                                  "cannot pause new work when the host is under pressure"),
                                path);
    }
    return pv_check_new(PV_CHECK_PASS, "psi", _("%s/pressure/cpu and memory are readable"),
                        proc_dir);
}

/**
 * pv_doctor_check_ksm:
 * @sysfs_dir: /sys/kernel/mm/ksm
 */
PvCheck *
pv_doctor_check_ksm(const char *sysfs_dir)
{
    g_autofree char *run = g_build_filename(sysfs_dir, "run", NULL);

    if (access(run, W_OK) == 0)
        return pv_check_new(PV_CHECK_PASS, "ksm", _("%s is writable: provium tunes KSM "
                                                    "(--no-ksm leaves it alone)"), sysfs_dir);
    return pv_check_new(PV_CHECK_WARN, "ksm",
                        _("%s is not writable (not root, or a container): provium leaves KSM "
                          "as it is, so guests share fewer pages"), run);
}
