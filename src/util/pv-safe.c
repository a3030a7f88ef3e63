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
#include <string.h>
#include <glib/gi18n.h>
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

/**
 * pv_safe_untrusted:
 * @st: a file's or a directory's status, symbolic links followed
 *
 * Whether someone else than you (and root) could change what @st describes.
 * Returns: (transfer full) (nullable): NULL when it is safe; else why not,
 *   to follow "is" or a colon: "owned by uid 1000, not by you (root)",
 *   "writable by everyone"
 */
char *
pv_safe_untrusted(const struct stat *st)
{
    if (st->st_uid != geteuid() && st->st_uid != 0 && st->st_uid != pv_safe_sudo_uid())
        return g_strdup_printf(_("owned by uid %u, not by you (%s)"), (guint)st->st_uid,
                               g_get_user_name());
    if (st->st_mode & S_IWOTH)
        return g_strdup(_("writable by everyone"));
    return NULL;
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
 * pv_write_file_atomic:
 *
 * Writes @path through a temporary file and a rename, so a reader never sees
 * it half written.  Without fsync: these are reports, not data that must
 * survive a power cut, and a sync per file made dispatch I/O-bound (two
 * syncs per test file, a third of a 1,000-file run's time).
 */
gboolean
pv_write_file_atomic(const char *path, const char *data, gssize len, GError **error)
{
    g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    gsize left = len < 0 ? strlen(data) : (gsize)len;
    /* On failure, the template names what mkstemp tried, not a file it made. */
    gboolean made = fd >= 0;
    int saved;

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
