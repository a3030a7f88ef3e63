/*
 * pv-qemu-user.c: the user QEMU runs as, and which directories keep it out
 *
 * libvirt's QEMU driver runs QEMU as an unprivileged user (Debian:
 * libvirt-qemu) and its DAC security driver relabels the files a domain
 * opens (kernel, initrd, disks, overlays) for that user, but not the
 * directories above them.  A checkout in a home directory (0700 on Debian
 * 12, as adduser makes it) or under a `mktemp -d` is then out of QEMU's
 * reach, and every boot ends in QEMU's "could not open kernel file ...:
 * Permission denied".  provium asks before a boot (and provium doctor for
 * every profile and the results directory), and names the directory and
 * the fix: an ACL giving that one user search permission, as virt-manager
 * does (doc/architecture.md says why this and not copies).
 *
 * Who that user is comes from libvirt's capabilities (the DAC model's base
 * label, "+64055:+64055"), never from a name.  As root the answer is the
 * kernel's, ACLs included, asked in a forked child that became that user;
 * each directory's answer is kept, so a run forks once per directory.
 * Without root nobody can ask as another user: the answers are then this
 * process's own, and pv_qemu_user_is_checked() says so.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-autocleanups.h"
#include "pv-qemu-user.h"

#define PV_QEMU_USER_MAX_GROUPS 64

struct _PvQemuUser {
    uid_t uid;
    gid_t gid;
    char *name;                 /* "libvirt-qemu", or the uid when it has no name */
    gid_t groups[PV_QEMU_USER_MAX_GROUPS];
    int ngroups;
    GMutex lock;
    GHashTable *searchable;     /* directory -> whether the user may search it */
};

/**
 * pv_qemu_user_parse_caps:
 * @caps_xml: libvirt's host capabilities
 * @virt_type: "kvm" or "qemu"
 *
 * Finds the user and group QEMU runs as, from the DAC security model's base
 * label ("+64055:+64055").
 * Returns: whether the capabilities name them
 */
gboolean
pv_qemu_user_parse_caps(const char *caps_xml, const char *virt_type, uid_t *uid, gid_t *gid)
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

/**
 * pv_qemu_user_new:
 *
 * Returns: (transfer full): the user @uid with group @gid and, when it has
 *   a name, its supplementary groups
 */
PvQemuUser *
pv_qemu_user_new(uid_t uid, gid_t gid)
{
    PvQemuUser *user = g_new0(PvQemuUser, 1);
    struct passwd pw;
    struct passwd *found = NULL;
    char buf[4096];

    user->uid = uid;
    user->gid = gid;
    user->groups[0] = gid;
    user->ngroups = 1;
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found) {
        int n = PV_QEMU_USER_MAX_GROUPS;

        user->name = g_strdup(found->pw_name);
        if (getgrouplist(found->pw_name, gid, user->groups, &n) >= 0)
            user->ngroups = n;
        else
            user->groups[0] = gid;
    } else {
        user->name = g_strdup_printf("%u", (unsigned)uid);
    }
    g_mutex_init(&user->lock);
    user->searchable = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return user;
}

/**
 * pv_qemu_user_new_from_caps:
 *
 * Returns: (transfer full) (nullable): QEMU's user from libvirt's
 *   capabilities (the label of KVM domains, else of plain emulation's), or
 *   NULL when libvirt has no DAC security model (QEMU runs as root)
 */
PvQemuUser *
pv_qemu_user_new_from_caps(const char *caps_xml)
{
    uid_t uid = 0;
    gid_t gid = 0;

    if (!caps_xml || !(pv_qemu_user_parse_caps(caps_xml, "kvm", &uid, &gid) ||
                       pv_qemu_user_parse_caps(caps_xml, "qemu", &uid, &gid)))
        return NULL;
    return pv_qemu_user_new(uid, gid);
}

void
pv_qemu_user_free(PvQemuUser *user)
{
    if (!user)
        return;
    g_hash_table_unref(user->searchable);
    g_mutex_clear(&user->lock);
    g_free(user->name);
    g_free(user);
}

uid_t
pv_qemu_user_get_uid(const PvQemuUser *user)
{
    return user->uid;
}

/**
 * pv_qemu_user_peek_name:
 *
 * Returns: (transfer none): the user's name, or its uid when it has none
 */
const char *
pv_qemu_user_peek_name(const PvQemuUser *user)
{
    return user->name;
}

/**
 * pv_qemu_user_is_checked:
 *
 * Whether the answers are the user's own: only root can ask as another
 * user; otherwise they are this process's.
 */
gboolean
pv_qemu_user_is_checked(const PvQemuUser *user)
{
    return geteuid() == 0 || geteuid() == user->uid;
}

/* In a forked child: the kernel's own answer for the user, ACLs included. */
static gboolean
pv_qemu_user_access(const PvQemuUser *user, const char *path, int mode)
{
    pid_t pid;
    int status = 0;

    if (geteuid() != 0 || user->uid == geteuid())
        return access(path, mode) == 0;
    pid = fork();
    if (pid < 0)
        return access(path, mode) == 0;
    if (pid == 0) {
        /* async-signal-safe calls only: the parent has threads */
        if (setgroups(user->ngroups, user->groups) < 0 || setgid(user->gid) < 0 ||
            setuid(user->uid) < 0)
            _exit(2);
        _exit(access(path, mode) == 0 ? 0 : 1);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Whether the user may search @dir, asked once per directory. */
static gboolean
pv_qemu_user_may_search(PvQemuUser *user, const char *dir)
{
    gpointer known = NULL;
    gboolean may;

    g_mutex_lock(&user->lock);
    if (g_hash_table_lookup_extended(user->searchable, dir, NULL, &known)) {
        g_mutex_unlock(&user->lock);
        return GPOINTER_TO_INT(known);
    }
    g_mutex_unlock(&user->lock);
    may = pv_qemu_user_access(user, dir, X_OK);
    g_mutex_lock(&user->lock);
    g_hash_table_replace(user->searchable, g_strdup(dir), GINT_TO_POINTER(may));
    g_mutex_unlock(&user->lock);
    return may;
}

/*
 * Every directory from / down to @abs (absolute, canonical) that exists:
 * what does not exist yet provium makes, under the last that does.
 */
static gboolean
pv_qemu_user_walk(PvQemuUser *user, const char *abs, char **blocker)
{
    g_auto(GStrv) parts = g_strsplit(abs, "/", -1);
    g_autoptr(GString) dir = g_string_new("/");
    gsize i;

    for (i = 0; parts[i]; i++) {
        struct stat st;

        if (i > 0 && !*parts[i])
            continue;
        if (i > 0) {
            if (dir->len > 1)
                g_string_append_c(dir, '/');
            g_string_append(dir, parts[i]);
            if (stat(dir->str, &st) < 0 || !S_ISDIR(st.st_mode))
                return TRUE;
        }
        if (!pv_qemu_user_may_search(user, dir->str)) {
            if (blocker)
                *blocker = g_strdup(dir->str);
            return FALSE;
        }
    }
    return TRUE;
}

/**
 * pv_qemu_user_can_enter:
 * @dir: a directory, which need not exist yet
 * @blocker: (out) (optional) (transfer full): the first directory the user
 *   may not search
 *
 * Whether the user may search every directory on the way to @dir and @dir
 * itself: the real directories (symbolic links resolved) first, so that
 * @blocker is the one to let the user into, then the path as given.
 */
gboolean
pv_qemu_user_can_enter(PvQemuUser *user, const char *dir, char **blocker)
{
    g_autofree char *abs = g_canonicalize_filename(dir, NULL);
    g_autofree char *real = realpath(abs, NULL);

    if (real && !pv_qemu_user_walk(user, real, blocker))
        return FALSE;
    return pv_qemu_user_walk(user, abs, blocker);
}

/**
 * pv_qemu_user_can_read:
 * @blocker: (out) (optional) (transfer full): the first directory the user
 *   may not search, or @path itself when it is the file that cannot be read
 *
 * Whether the user can read @path.
 */
gboolean
pv_qemu_user_can_read(PvQemuUser *user, const char *path, char **blocker)
{
    g_autofree char *abs = g_canonicalize_filename(path, NULL);
    g_autofree char *real = realpath(abs, NULL);
    g_autofree char *dir = g_path_get_dirname(real ? real : abs);

    if (!pv_qemu_user_can_enter(user, dir, blocker))
        return FALSE;
    if (real && !g_str_equal(real, abs)) {
        g_autofree char *given_dir = g_path_get_dirname(abs);

        if (!pv_qemu_user_can_enter(user, given_dir, blocker))
            return FALSE;
    }
    if (!pv_qemu_user_access(user, abs, R_OK)) {
        if (blocker)
            *blocker = g_strdup(abs);
        return FALSE;
    }
    return TRUE;
}

/* A path as a shell word: quoted only when it needs to be. */
static char *
pv_qemu_user_shell_word(const char *path)
{
    const char *p;

    for (p = path; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("/._-+,:@%=", *p))
            return g_shell_quote(path);
    }
    return g_strdup(path);
}

/**
 * pv_qemu_user_format_fix:
 *
 * Returns: (transfer full): the command that lets the user search @dir and
 *   nothing more ("setfacl -m u:libvirt-qemu:x /home/ann")
 */
char *
pv_qemu_user_format_fix(const PvQemuUser *user, const char *dir)
{
    g_autofree char *word = pv_qemu_user_shell_word(dir);

    return g_strdup_printf("setfacl -m u:%s:x %s", user->name, word);
}
