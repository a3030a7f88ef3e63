/*
 * pv-safe.c: files and directories that nobody else can swap under provium
 *
 * provium often runs as root on hosts that other users share.  What it
 * reads must be what only root or the user running it could have written,
 * and what it writes must not follow a name another user planted.  The rule
 * for a file or directory is git's (safe.directory): it is trusted when its
 * owner is you, root, or, for root under sudo, the user who ran sudo, and
 * when not everyone may write it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <glib/gi18n.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-safe.h"

/* The user who ran sudo, when root runs under sudo; else -1. */
static gint64
pv_safe_sudo_uid(void)
{
    const char *text = g_getenv("SUDO_UID");
    char *end = NULL;
    guint64 uid;

    if (geteuid() != 0 || !text || !*text)
        return -1;
    uid = g_ascii_strtoull(text, &end, 10);
    return *end || uid > G_MAXUINT32 ? -1 : (gint64)uid;
}

/* Whether @uid is someone whose writing the rule trusts anyway: @owner, root, you. */
static gboolean
pv_safe_uid_is_trusted(uid_t uid, uid_t owner)
{
    return uid == owner || uid == 0 || uid == geteuid() || (gint64)uid == pv_safe_sudo_uid();
}

/*
 * getgrgid_r() into @grp with a buffer large enough for any group.
 * Returns: @grp, or NULL when there is no such group; *@buf (transfer full)
 *   holds its strings either way
 */
static struct group *
pv_safe_get_group(gid_t gid, struct group *grp, char **buf)
{
    struct group *found = NULL;
    gsize size = 4096;
    int err;

    for (;;) {
        *buf = g_malloc(size);
        err = getgrgid_r(gid, grp, *buf, size, &found);
        if (err != ERANGE || size >= 64 * 1024 * 1024)
            break;
        g_free(*buf);
        size *= 4;
    }
    return err == 0 ? found : NULL;
}

/*
 * A member of group @gid who is not trusted with @owner's files
 * (pv_safe_uid_is_trusted()): a supplementary member, or a user whose
 * primary group it is.  Returns: (transfer full) (nullable): the member's
 * name; NULL when the group has none (a user private group: the group named
 * as its user, who alone is in it).  Asked once per group and owner: the
 * answer is kept for the process, under a lock (getpwent() is not
 * reentrant).
 */
static char *
pv_safe_group_stranger(gid_t gid, uid_t owner)
{
    static GHashTable *known;   /* "gid:owner" -> the member's name, or "" */
    G_LOCK_DEFINE_STATIC(known);
    g_autofree char *key = g_strdup_printf("%u:%u", (guint)gid, (guint)owner);
    const char *found;
    char *stranger = NULL;
    char *buf = NULL;
    struct group grp;
    struct group *gr;
    struct passwd *pw;

    G_LOCK(known);
    if (!known)
        known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    found = g_hash_table_lookup(known, key);
    if (found) {
        stranger = *found ? g_strdup(found) : NULL;
        G_UNLOCK(known);
        return stranger;
    }
    gr = pv_safe_get_group(gid, &grp, &buf);
    if (gr) {
        char **member;

        for (member = gr->gr_mem; !stranger && member && *member; member++) {
            g_autofree char *user_buf = g_malloc(65536);
            struct passwd pwd;
            struct passwd *user = NULL;

            /* A member without an account (or too long a one) is nobody's to trust. */
            if (getpwnam_r(*member, &pwd, user_buf, 65536, &user) != 0 || !user ||
                !pv_safe_uid_is_trusted(user->pw_uid, owner))
                stranger = g_strdup(*member);
        }
    }
    g_free(buf);
    setpwent();
    while (!stranger && (pw = getpwent())) {
        if (pw->pw_gid == gid && !pv_safe_uid_is_trusted(pw->pw_uid, owner))
            stranger = g_strdup(pw->pw_name);
    }
    endpwent();
    g_hash_table_insert(known, g_steal_pointer(&key), g_strdup(stranger ? stranger : ""));
    G_UNLOCK(known);
    return stranger;
}

/**
 * pv_safe_group_untrusted:
 * @st: a file's or a directory's status
 *
 * Whether @st's group gives someone else than its owner, you and root the
 * right to write it: when it is writable by the group, unless the group is
 * root's (gid 0) or has no member but those (Debian's user private groups:
 * the group named as its user, who alone is in it).
 * Returns: (transfer full) (nullable): NULL when not; else why, as
 *   pv_safe_untrusted()'s: "writable by group staff, whose members include
 *   alice"
 */
char *
pv_safe_group_untrusted(const struct stat *st)
{
    g_autofree char *stranger = NULL;
    g_autofree char *buf = NULL;
    struct group grp;
    struct group *gr;

    if (!(st->st_mode & S_IWGRP) || st->st_gid == 0)
        return NULL;
    stranger = pv_safe_group_stranger(st->st_gid, st->st_uid);
    if (!stranger)
        return NULL;
    gr = pv_safe_get_group(st->st_gid, &grp, &buf);
    if (!gr)
        return g_strdup_printf(_("writable by group %u, whose members include %s"),
                               (guint)st->st_gid, stranger);
    return g_strdup_printf(_("writable by group %s, whose members include %s"), gr->gr_name,
                           stranger);
}

/**
 * pv_safe_untrusted:
 * @st: a file's or a directory's status, symbolic links followed
 *
 * Whether someone else than you (and root) could change what @st describes:
 * another owner, everyone's write permission, or the group's
 * (pv_safe_group_untrusted()).
 * Returns: (transfer full) (nullable): NULL when it is safe; else why not,
 *   to follow "is" or a colon: "owned by uid 1000, not by you (root)",
 *   "writable by everyone", "writable by group staff, whose members include
 *   alice"
 */
char *
pv_safe_untrusted(const struct stat *st)
{
    if (st->st_uid != geteuid() && st->st_uid != 0 && st->st_uid != pv_safe_sudo_uid())
        return g_strdup_printf(_("owned by uid %u, not by you (%s)"), (guint)st->st_uid,
                               g_get_user_name());
    if (st->st_mode & S_IWOTH)
        return g_strdup(_("writable by everyone"));
    return pv_safe_group_untrusted(st);
}

/*
 * Whether @dir (its status @dir_st, NULL when it could not be read) and each
 * component of @name below it are trusted (pv_safe_untrusted(), links
 * followed).  When not: the first that is not goes to @untrusted, why to @why.
 */
static gboolean
pv_safe_chain_trusted(const char *dir, const struct stat *dir_st, const char *name,
                      char **untrusted, char **why)
{
    g_auto(GStrv) parts = g_strsplit(name, "/", -1);
    g_autofree char *path = g_strdup(dir);
    struct stat st;
    gsize i;

    *why = dir_st ? pv_safe_untrusted(dir_st) : g_strdup(g_strerror(ENOENT));
    for (i = 0; !*why && parts[i]; i++) {
        char *next = g_build_filename(path, parts[i], NULL);

        g_free(path);
        path = next;
        if (!*parts[i])
            continue;
        *why = stat(path, &st) < 0 ? g_strdup(g_strerror(errno)) : pv_safe_untrusted(&st);
    }
    if (!*why)
        return TRUE;
    *untrusted = g_steal_pointer(&path);
    return FALSE;
}

/**
 * pv_safe_path_trusted:
 * @dir: a directory, absolute
 * @name: a relative path under it ("mylib.lua", "a/b/init.lua")
 * @untrusted: (out) (transfer full): when not: the first that is not,
 *   @dir or a component of @name
 * @why: (out) (transfer full): why not, to follow "is"
 *
 * Whether @dir and each component of @name on the way are trusted
 * (pv_safe_untrusted(), links followed).
 */
gboolean
pv_safe_path_trusted(const char *dir, const char *name, char **untrusted, char **why)
{
    struct stat st;

    *untrusted = *why = NULL;
    if (stat(dir, &st) < 0) {
        *why = g_strdup(g_strerror(errno));
        *untrusted = g_strdup(dir);
        return FALSE;
    }
    return pv_safe_chain_trusted(dir, &st, name, untrusted, why);
}

/**
 * pv_safe_find_up:
 * @start: an absolute directory
 * @name: a file's name, or a relative path to one ("fixtures/web.fixture.lua")
 * @stop: (nullable): a file's name: a directory that holds one ends the climb
 * @pass_over: climb on past a @name found that is not trusted
 * @untrusted: (out) (transfer full) (nullable): when a @name found was not
 *   trusted (the first one, with @pass_over): the first directory or file on
 *   its way that is not, "/tmp" or "/tmp/fixtures/web.fixture.lua"
 * @why: (out) (transfer full) (nullable): why @untrusted is not, to follow
 *   "is": "writable by everyone"
 *
 * Looks for @name in @start and in each directory above it.  As git does
 * with repositories, the climb ends at a directory that someone else than
 * you (or root) owns or that everyone may write, such as /tmp, once @name
 * was looked for there; at a directory that holds @stop; and at /.  A @name
 * found is trusted when the directory it was found in and each component of
 * @name are (pv_safe_untrusted(), links followed): as root, a file any user
 * could have written or put there would decide what root runs.
 * Returns: (transfer full) (nullable): the first @name found that is
 *   trusted; without @pass_over, the first found, trusted or not (then
 *   @untrusted is set); NULL when there is none
 */
char *
pv_safe_find_up(const char *start, const char *name, const char *stop, gboolean pass_over,
                char **untrusted, char **why)
{
    g_autofree char *dir = g_strdup(start);

    *untrusted = *why = NULL;
    for (;;) {
        g_autofree char *candidate = g_build_filename(dir, name, NULL);
        g_autofree char *stop_path = stop ? g_build_filename(dir, stop, NULL) : NULL;
        g_autofree char *parent = NULL;
        g_autofree char *dir_why = NULL;
        g_autofree char *bad = NULL;
        g_autofree char *bad_why = NULL;
        struct stat dir_st;
        gboolean dir_known = stat(dir, &dir_st) == 0;

        if (g_file_test(candidate, G_FILE_TEST_IS_REGULAR)) {
            if (pv_safe_chain_trusted(dir, dir_known ? &dir_st : NULL, name, &bad, &bad_why))
                return g_steal_pointer(&candidate);
            if (!*untrusted) {
                *untrusted = g_steal_pointer(&bad);
                *why = g_steal_pointer(&bad_why);
            }
            if (!pass_over)
                return g_steal_pointer(&candidate);
        }
        if (dir_known)
            dir_why = pv_safe_untrusted(&dir_st);
        parent = g_path_get_dirname(dir);
        if (dir_why || (stop_path && g_file_test(stop_path, G_FILE_TEST_EXISTS)) ||
            g_str_equal(parent, dir))
            return NULL;
        g_free(dir);
        dir = g_steal_pointer(&parent);
    }
}

/**
 * pv_safe_dir_open:
 *
 * Opens @dir, following symbolic links, and checks that it is a directory
 * nobody else may write (pv_safe_untrusted()).  Names opened relative to the
 * descriptor stay in that very directory, whatever is renamed meanwhile.
 * Returns: the descriptor, or -1 with @error set
 */
int
pv_safe_dir_open(const char *dir, GError **error)
{
    g_autofree char *why = NULL;
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open the directory %s: %s"), dir,
                    g_strerror(saved));
        return -1;
    }
    if (fstat(fd, &st) < 0)
        why = g_strdup(g_strerror(errno));
    else
        why = pv_safe_untrusted(&st);
    if (why) {
        close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("%s is %s"), dir, why);
        return -1;
    }
    return fd;
}

/**
 * pv_safe_fdopendir:
 * @dirfd: (transfer full): closed on failure too
 * @dir: @dirfd's path, for messages
 *
 * Returns: a stream to read @dirfd's entries, or NULL with @error set
 */
DIR *
pv_safe_fdopendir(int dirfd, const char *dir, GError **error)
{
    DIR *d = fdopendir(dirfd);

    if (!d) {
        int saved = errno;

        close(dirfd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot read the directory %s: %s"), dir,
                    g_strerror(saved));
    }
    return d;
}

/**
 * pv_safe_openat:
 * @dirfd: a directory, or AT_FDCWD
 * @dir: (nullable): @dirfd's path, for messages; NULL when @name is a whole path
 * @flags: open(2)'s; O_TRUNC truncates only once the file is known to be regular
 *
 * open(2) that never follows a symbolic link in the last component, never
 * blocks on a FIFO, and refuses anything but a regular file with one link.
 * A file opened for writing is made not writable by others: what provium
 * writes nobody else may change.
 * Returns: the descriptor, or -1 with @error set
 */
int
pv_safe_openat(int dirfd, const char *dir, const char *name, int flags, mode_t mode,
               GError **error)
{
    g_autofree char *path = dir ? g_build_filename(dir, name, NULL) : g_strdup(name);
    gboolean writing = (flags & O_ACCMODE) != O_RDONLY;
    struct stat st;
    int saved;
    int fd;

    fd = openat(dirfd, name, (flags & ~O_TRUNC) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
                O_CLOEXEC, mode);
    if (fd < 0) {
        saved = errno;
        if (saved == ELOOP)
            g_set_error(error, PV_ERROR, PV_ERROR_IO,
                        _("%s is a symbolic link, which provium does not follow "
                          "(remove it or use another path)"), path);
        else if (saved == ENXIO)  /* a FIFO nobody reads, a socket */
            g_set_error(error, PV_ERROR, PV_ERROR_IO,
                        _("%s is not a regular file (remove it or use another path)"), path);
        else
            g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open %s: %s"), path,
                        g_strerror(saved));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        saved = errno;
        close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open %s: %s"), path,
                    g_strerror(saved));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("%s is not a regular file (remove it or use another path)"), path);
        return -1;
    }
    if (writing && st.st_nlink > 1) {
        close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("%s has other hard links (remove it or use another path)"), path);
        return -1;
    }
    if ((writing && (st.st_mode & 0022) && fchmod(fd, st.st_mode & 0755) < 0) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
        ((flags & O_TRUNC) && ftruncate(fd, 0) < 0)) {
        saved = errno;
        close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open %s: %s"), path,
                    g_strerror(saved));
        return -1;
    }
    return fd;
}

/**
 * pv_safe_is_discard:
 * @path: an output path
 *
 * Whether @path is the null device: the path /dev/null itself (whatever it
 * now is: a host whose /dev/null was replaced by a file keeps its meaning),
 * or a character device that is the null device (major 1, minor 3), not
 * through a symbolic link.  Output to it is discarded: provium writes
 * nothing, and never replaces it.
 */
gboolean
pv_safe_is_discard(const char *path)
{
    struct stat st;

    if (g_str_equal(path, "/dev/null"))
        return TRUE;
    return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
        minor(st.st_rdev) == 3;
}

/*
 * The rule for what an output path may already be, for pv_safe_check_output()
 * before the run and pv_write_file_atomic() right before its rename: nothing,
 * or a regular file (with one link unless @replace: a rename makes a new
 * file and leaves the other links alone).  A directory, a device, a FIFO, a
 * socket or a symbolic link (which a rename would replace, /dev/stdout among
 * them) is refused: as root, replacing one breaks the host for everyone.
 */
static gboolean
pv_safe_check_existing(const char *path, gboolean replace, PvErrorCode code, GError **error)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return TRUE;
    if (S_ISDIR(st.st_mode)) {
        g_set_error(error, PV_ERROR, code, _("%s is a directory: give a file's path"), path);
        return FALSE;
    }
    if (S_ISLNK(st.st_mode)) {
        g_set_error(error, PV_ERROR, code,
                    _("%s is a symbolic link, which provium does not follow "
                      "(remove it or use another path)"), path);
        return FALSE;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, PV_ERROR, code,
                    _("%s is not a regular file (remove it or use another path)"), path);
        return FALSE;
    }
    if (!replace && st.st_nlink > 1) {
        g_set_error(error, PV_ERROR, code,
                    _("%s has other hard links (remove it or use another path)"), path);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_safe_check_output:
 * @path: a file provium will write when the run ends, or all along
 * @replace: it is written through a rename (pv_write_file_atomic()); else
 *   opened (pv_safe_openat())
 *
 * Checks, before anything runs, that @path can be written then: it is the
 * null device (pv_safe_is_discard(): accepted, nothing will be written), or
 * nothing or a regular file (a directory, a device, a FIFO, a socket or a
 * symbolic link is refused; a file with other hard links too, unless
 * @replace), in a directory that exists and may be written; and its name
 * is not a test or fixture file's (`--junit tests/\*.test.lua`, a glob the
 * shell expanded, would make the first test file the report).  Makes
 * nothing.
 * Returns: FALSE with @error (usage) saying why
 */
gboolean
pv_safe_check_output(const char *path, gboolean replace, GError **error)
{
    g_autofree char *dir = NULL;
    struct stat st;

    if (!*path) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("an empty path: give a file's path"));
        return FALSE;
    }
    if (g_str_has_suffix(path, ".test.lua") || g_str_has_suffix(path, ".fixture.lua")) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("%s is a test or fixture file's name: writing it would overwrite one "
                      "(the shell may have expanded a glob after the option); give the "
                      "output another name"), path);
        return FALSE;
    }
    if (pv_safe_is_discard(path))
        return TRUE;
    if (!pv_safe_check_existing(path, replace, PV_ERROR_USAGE, error))
        return FALSE;
    dir = g_path_get_dirname(path);
    if (stat(dir, &st) < 0 || access(dir, W_OK | X_OK) < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("cannot write %s: %s"), path,
                    g_strerror(saved));
        return FALSE;
    }
    if (!S_ISDIR(st.st_mode)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("cannot write %s: %s"), path,
                    g_strerror(ENOTDIR));
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_write_file_atomic:
 *
 * Writes @path through a temporary file and a rename, so a reader never sees
 * it half written.  Without fsync: these are reports, not data that must
 * survive a power cut, and a sync per file made dispatch I/O-bound (two
 * syncs per test file, a third of a 1,000-file run's time).  The null
 * device (pv_safe_is_discard()) takes the data: nothing is written.  What
 * pv_safe_check_output() refuses is refused here too, right before the
 * rename: what @path names may have changed since the run started.
 */
gboolean
pv_write_file_atomic(const char *path, const char *data, gssize len, GError **error)
{
    g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
    int fd;
    gsize left = len < 0 ? strlen(data) : (gsize)len;
    gboolean made;
    int saved;

    if (pv_safe_is_discard(path))
        return TRUE;
    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    /* On failure, the template names what mkstemp tried, not a file it made. */
    made = fd >= 0;
    if (fd < 0)
        goto fail;
    while (left > 0) {
        gssize n = write(fd, data, left);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        data += n;
        left -= n;
    }
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (!pv_safe_check_existing(path, TRUE, PV_ERROR_IO, error)) {
        g_unlink(tmp);
        return FALSE;
    }
    if (rename(tmp, path) == 0)
        return TRUE;

 fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    if (made)
        g_unlink(tmp);
    g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot write %s: %s"), path, g_strerror(saved));
    return FALSE;
}
