/*
 * pv-locks.c: LLC groups held across provium runs, with flock(2)
 *
 * One lock file per LLC group in a directory shared by every provium run on
 * the host (/run/provium/locks, --lock-dir).  Performance mode holds a group
 * exclusively, budgeted mode shared.  flock locks belong to the open file:
 * two files of one run conflict like two runs do, and a holder that dies
 * releases with its last descriptor.  An exclusive holder writes who it is
 * into the lock file; a shared one into llc-N.shared-PID-SEQ beside it.
 * Within a run, each group is held by an owner (a file), until it lets go.
 *
 * The directory is shared by every user's runs and its files are written as
 * root: it must be yours or root's and not writable by everyone, and its
 * files are opened relative to it without following links, never a FIFO or
 * anything but a regular file (pv_safe_openat()).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-locks.h"
#include "pv-safe.h"

typedef struct {
    guint group;
    gconstpointer owner;
    int fd;
    PvLockMode mode;
    char *shared_path;    /* the shared holder's record, removed on release */
    int shared_fd;        /* flocked while the record is true */
} PvHeldLock;

struct _PvLocks {
    GMutex lock;
    char *dir;
    GArray *held;         /* PvHeldLock */
    guint seq;            /* names shared records apart */
};

PvLocks *
pv_locks_new(const char *dir)
{
    PvLocks *locks = g_new0(PvLocks, 1);

    g_mutex_init(&locks->lock);
    locks->dir = g_strdup(dir);
    locks->held = g_array_new(FALSE, FALSE, sizeof(PvHeldLock));
    return locks;
}

static void
pv_locks_drop(PvHeldLock *held)
{
    if (held->shared_path) {
        g_unlink(held->shared_path);
        g_free(held->shared_path);
        if (held->shared_fd >= 0)
            close(held->shared_fd);
    }
    close(held->fd);  /* releases the flock */
}

void
pv_locks_free(PvLocks *locks)
{
    guint i;

    if (!locks)
        return;
    for (i = 0; i < locks->held->len; i++)
        pv_locks_drop(&g_array_index(locks->held, PvHeldLock, i));
    g_array_unref(locks->held);
    g_free(locks->dir);
    g_mutex_clear(&locks->lock);
    g_free(locks);
}

/*
 * The lock directory, made if @create, opened and checked.  Its own check's
 * message says what is wrong; this adds what to do.
 */
static int
pv_locks_open_dir(const char *dir, gboolean create, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    int dirfd;

    if (create && g_mkdir_with_parents(dir, 0755) < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("cannot create the lock directory %s: %s (choose one with --lock-dir)"),
                    dir, g_strerror(saved));
        return -1;
    }
    dirfd = pv_safe_dir_open(dir, &local_error);
    if (dirfd < 0)
        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("%s; choose another lock directory with --lock-dir"),
                    local_error->message);
    return dirfd;
}

/* Opens @group's lock file; @dirfd, when asked for, stays open for its records. */
static int
pv_locks_open(PvLocks *locks, guint group, int *dirfd_out, GError **error)
{
    g_autofree char *name = g_strdup_printf("llc-%u.lock", group);
    int dirfd = pv_locks_open_dir(locks->dir, TRUE, error);
    int fd;

    if (dirfd < 0)
        return -1;
    fd = pv_safe_openat(dirfd, locks->dir, name, O_RDWR | O_CREAT, 0644, error);
    if (fd >= 0 && dirfd_out)
        *dirfd_out = dirfd;
    else
        close(dirfd);
    return fd;
}

static gboolean
pv_locks_held_locked(PvLocks *locks, gconstpointer owner, guint group)
{
    guint i;

    for (i = 0; i < locks->held->len; i++) {
        const PvHeldLock *held = &g_array_index(locks->held, PvHeldLock, i);

        if (held->group == group && (!owner || held->owner == owner))
            return TRUE;
    }
    return FALSE;
}

static void
pv_locks_release_locked(PvLocks *locks, gconstpointer owner, guint group)
{
    guint i;

    for (i = 0; i < locks->held->len; i++) {
        PvHeldLock *held = &g_array_index(locks->held, PvHeldLock, i);

        if (held->owner == owner && held->group == group) {
            pv_locks_drop(held);
            g_array_remove_index(locks->held, i);
            return;
        }
    }
}

/*
 * Writes who holds @held: into the lock file for an exclusive holder, into a
 * record of its own, flocked while it holds, for a shared one.  The record is
 * made under a name nobody else has (O_EXCL, in a directory only we write),
 * locked and written before it appears under its name.
 */
static void
pv_locks_record(PvLocks *locks, int dirfd, PvHeldLock *held, const char *holder)
{
    g_autofree char *name = NULL;
    g_autofree char *tmp = NULL;
    int fd;

    if (held->mode == PV_LOCK_EXCLUSIVE) {
        if (ftruncate(held->fd, 0) < 0 || write(held->fd, holder, strlen(holder)) < 0)
            g_debug("cannot record the holder of LLC group %u", held->group);
        return;
    }
    name = g_strdup_printf("llc-%u.shared-%d-%u", held->group, (int)getpid(), ++locks->seq);
    tmp = g_strconcat(name, ".tmp", NULL);
    fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) {
        /* Left by a killed provium that had our pid: ours to remove. */
        unlinkat(dirfd, tmp, 0);
        fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    }
    if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(fd, holder, strlen(holder)) < 0 ||
        renameat(dirfd, tmp, dirfd, name) < 0) {
        g_debug("cannot record a shared holder of LLC group %u", held->group);
        if (fd >= 0) {
            unlinkat(dirfd, tmp, 0);
            close(fd);
        }
        return;
    }
    held->shared_fd = fd;
    held->shared_path = g_build_filename(locks->dir, name, NULL);
}

/**
 * pv_locks_take:
 * @owner: who in this run holds them until pv_locks_release(): the file
 * @holder: who, for provium locks: "pid 123, prefix pv-3fa9c1-, tests/a.test.lua"
 * @busy: (out): set when another holder has one of the groups
 *
 * Takes every group of @groups that @owner does not hold yet, in @mode, or
 * none: holding some while waiting for the others could deadlock two files.
 * Returns: whether all are held; FALSE with @error only for I/O errors
 */
gboolean
pv_locks_take(PvLocks *locks, gconstpointer owner, const guint *groups, guint n,
              PvLockMode mode, const char *holder, gboolean *busy, GError **error)
{
    g_autoptr(GArray) taken = g_array_new(FALSE, FALSE, sizeof(guint));
    gboolean ok = TRUE;
    guint i;

    *busy = FALSE;
    g_mutex_lock(&locks->lock);
    for (i = 0; i < n && ok; i++) {
        PvHeldLock held = { groups[i], owner, -1, mode, NULL, -1 };
        int dirfd = -1;

        if (pv_locks_held_locked(locks, owner, groups[i]))
            continue;
        held.fd = pv_locks_open(locks, groups[i], &dirfd, error);
        if (held.fd < 0) {
            ok = FALSE;
        } else if (flock(held.fd, (mode == PV_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
            int saved = errno;

            close(held.fd);
            *busy = saved == EWOULDBLOCK;
            if (!*busy)
                g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot lock LLC group %u: %s"),
                            groups[i], g_strerror(saved));
            ok = FALSE;
        } else {
            pv_locks_record(locks, dirfd, &held, holder);
            g_array_append_val(locks->held, held);
            g_array_append_val(taken, groups[i]);
        }
        if (dirfd >= 0)
            close(dirfd);
    }
    for (i = 0; !ok && i < taken->len; i++)
        pv_locks_release_locked(locks, owner, g_array_index(taken, guint, i));
    g_mutex_unlock(&locks->lock);
    return ok;
}

/**
 * pv_locks_release:
 *
 * Gives back every group @owner holds.
 */
void
pv_locks_release(PvLocks *locks, gconstpointer owner)
{
    guint i = 0;

    g_mutex_lock(&locks->lock);
    while (i < locks->held->len) {
        PvHeldLock *held = &g_array_index(locks->held, PvHeldLock, i);

        if (held->owner == owner) {
            pv_locks_drop(held);
            g_array_remove_index(locks->held, i);
        } else {
            i++;
        }
    }
    g_mutex_unlock(&locks->lock);
}

/**
 * pv_locks_held:
 * @owner: (nullable): NULL for any owner in this run
 *
 * Whether @owner holds @group.
 */
gboolean
pv_locks_held(PvLocks *locks, gconstpointer owner, guint group)
{
    gboolean held;

    g_mutex_lock(&locks->lock);
    held = pv_locks_held_locked(locks, owner, group);
    g_mutex_unlock(&locks->lock);
    return held;
}

/**
 * pv_locks_unusable:
 *
 * Probes each group: could it be taken in @mode now?  A group whose lock
 * cannot be opened at all is not busy: pv_locks_take() then says why.
 * Returns: (transfer full): per group, TRUE when it could not
 */
gboolean *
pv_locks_unusable(PvLocks *locks, guint ngroups, PvLockMode mode)
{
    gboolean *unusable = g_new0(gboolean, MAX(ngroups, 1));
    guint g;

    for (g = 0; g < ngroups; g++) {
        int fd = pv_locks_open(locks, g, NULL, NULL);

        if (fd < 0)
            continue;
        /* A probe lock, dropped at once: another descriptor, so it sees ours too. */
        unusable[g] = flock(fd, (mode == PV_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0;
        close(fd);
    }
    return unusable;
}

/*
 * Opens one of the directory's entries to read it.  Returns -1 with @error
 * for what is not a regular file, without when it went away meanwhile.
 */
static int
pv_locks_open_entry(int dirfd, const char *dir, const char *name, GError **error)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    return pv_safe_openat(dirfd, dir, name, O_RDONLY, 0, S_ISREG(st.st_mode) ? NULL : error);
}

/* Whether somebody holds @fd exclusively; then @text is what the holder wrote. */
static gboolean
pv_locks_read_holder(int fd, char **text)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    char chunk[512];
    gssize n;

    if (flock(fd, LOCK_SH | LOCK_NB) == 0)
        return FALSE;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0 && buf->len < 4096)
        g_string_append_len(buf, chunk, n);
    *text = g_string_free(g_steal_pointer(&buf), FALSE);
    return TRUE;
}

static int
pv_locks_compare_holder(gconstpointer a, gconstpointer b)
{
    const PvLockHolder *x = *(PvLockHolder *const *)a;
    const PvLockHolder *y = *(PvLockHolder *const *)b;

    return x->group != y->group ? (x->group < y->group ? -1 : 1) : strcmp(x->holder, y->holder);
}

static void
pv_lock_holder_free(PvLockHolder *holder)
{
    g_free(holder->holder);
    g_free(holder);
}

/**
 * pv_locks_host_dir:
 * @dir: where this machine's host keeps its locks (--lock-dir)
 * @uri: (nullable): a remote host's URI; NULL for this machine's host
 *
 * The LLC groups of each host are its own: group 3 of a remote host is not
 * this machine's group 3.  A remote host's locks live in a directory of
 * @dir named after its URI (hosts/qemu+ssh___lab2_system), so that runs
 * started here keep apart on each host, and a host never waits for
 * another's groups.
 * Returns: (transfer full): the directory
 */
char *
pv_locks_host_dir(const char *dir, const char *uri)
{
    g_autofree char *name = NULL;
    char *c;

    if (!uri)
        return g_strdup(dir);
    name = g_strdup(uri);
    for (c = name; *c; c++) {
        if (!g_ascii_isalnum(*c) && !strchr("+-.", *c))
            *c = '_';
    }
    return g_build_filename(dir, "hosts", name, NULL);
}

/**
 * pv_locks_list:
 *
 * Who holds which group now (provium locks).  Records of holders that died
 * are not listed: their locks went with them.
 * Returns: (transfer full) (element-type PvLockHolder): sorted by group
 */
GPtrArray *
pv_locks_list(const char *dir, GError **error)
{
    g_autoptr(GPtrArray) holders =
        g_ptr_array_new_with_free_func((GDestroyNotify)pv_lock_holder_free);
    g_autoptr(GError) local_error = NULL;
    DIR *d;
    struct dirent *entry;
    int dirfd;

    if (!g_file_test(dir, G_FILE_TEST_EXISTS))
        return g_steal_pointer(&holders);
    dirfd = pv_locks_open_dir(dir, FALSE, error);
    if (dirfd < 0)
        return NULL;
    d = pv_safe_fdopendir(dirfd, dir, error);
    if (!d)
        return NULL;
    while ((entry = readdir(d))) {
        const char *name = entry->d_name;
        PvLockHolder *holder;
        char *text = NULL;
        gboolean held;
        guint group;
        int pid;
        guint seq;
        char tail[8];
        gboolean shared = sscanf(name, "llc-%u.shared-%d-%u%1s", &group, &pid, &seq, tail) == 3;
        int fd;

        if (!shared && sscanf(name, "llc-%u.lock%1s", &group, tail) != 1)
            continue;
        fd = pv_locks_open_entry(dirfd, dir, name, &local_error);
        if (local_error) {
            closedir(d);
            g_propagate_error(error, g_steal_pointer(&local_error));
            return NULL;
        }
        if (fd < 0)
            continue;
        /* A lock free, or held shared only: what it says is an old holder's. */
        held = pv_locks_read_holder(fd, &text);
        close(fd);
        if (!held) {
            if (shared)
                unlinkat(dirfd, name, 0);  /* its holder died before removing it */
            continue;
        }
        holder = g_new0(PvLockHolder, 1);
        holder->group = group;
        holder->exclusive = !shared;
        holder->holder = text;
        g_ptr_array_add(holders, holder);
    }
    closedir(d);
    g_ptr_array_sort(holders, pv_locks_compare_holder);
    return g_steal_pointer(&holders);
}
