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
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-locks.h"

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

static char *
pv_locks_path(const char *dir, guint group)
{
    g_autofree char *name = g_strdup_printf("llc-%u.lock", group);

    return g_build_filename(dir, name, NULL);
}

static int
pv_locks_open(PvLocks *locks, guint group, GError **error)
{
    g_autofree char *path = pv_locks_path(locks->dir, group);
    int fd;

    if (g_mkdir_with_parents(locks->dir, 0755) < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_IO,
                    _("cannot create the lock directory %s: %s (choose one with --lock-dir)"),
                    locks->dir, g_strerror(saved));
        return -1;
    }
    fd = g_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open %s: %s"), path,
                    g_strerror(saved));
    }
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
 * record of its own, flocked while it holds, for a shared one.
 */
static void
pv_locks_record(PvLocks *locks, PvHeldLock *held, const char *holder)
{
    g_autofree char *name = NULL;
    g_autofree char *tmp = NULL;

    if (held->mode == PV_LOCK_EXCLUSIVE) {
        if (ftruncate(held->fd, 0) < 0 || write(held->fd, holder, strlen(holder)) < 0)
            g_debug("cannot record the holder of LLC group %u", held->group);
        return;
    }
    /* Locked and written before it appears under its name. */
    name = g_strdup_printf("llc-%u.shared-%d-%u", held->group, (int)getpid(), ++locks->seq);
    held->shared_path = g_build_filename(locks->dir, name, NULL);
    tmp = g_strconcat(held->shared_path, ".tmp", NULL);
    held->shared_fd = g_open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (held->shared_fd < 0 || flock(held->shared_fd, LOCK_EX) < 0 ||
        write(held->shared_fd, holder, strlen(holder)) < 0 ||
        g_rename(tmp, held->shared_path) < 0) {
        g_debug("cannot record a shared holder of LLC group %u", held->group);
        g_unlink(tmp);
    }
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

        if (pv_locks_held_locked(locks, owner, groups[i]))
            continue;
        held.fd = pv_locks_open(locks, groups[i], error);
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
            pv_locks_record(locks, &held, holder);
            g_array_append_val(locks->held, held);
            g_array_append_val(taken, groups[i]);
        }
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
 * Probes each group: could it be taken in @mode now?
 * Returns: (transfer full): per group, TRUE when it could not
 */
gboolean *
pv_locks_unusable(PvLocks *locks, guint ngroups, PvLockMode mode)
{
    gboolean *unusable = g_new0(gboolean, MAX(ngroups, 1));
    guint g;

    for (g = 0; g < ngroups; g++) {
        int fd = pv_locks_open(locks, g, NULL);

        if (fd < 0) {
            unusable[g] = TRUE;
            continue;
        }
        /* A probe lock, dropped at once: another descriptor, so it sees ours too. */
        unusable[g] = flock(fd, (mode == PV_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0;
        close(fd);
    }
    return unusable;
}

/* Whether nobody holds @path exclusively: we could share it. */
static gboolean
pv_locks_is_free(const char *path)
{
    int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
    gboolean free;

    if (fd < 0)
        return FALSE;
    free = flock(fd, LOCK_SH | LOCK_NB) == 0;
    close(fd);
    return free;
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
    g_autoptr(GDir) d = NULL;
    g_autoptr(GError) local_error = NULL;
    const char *name;

    d = g_dir_open(dir, 0, &local_error);
    if (!d) {
        if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&holders);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, "%s", local_error->message);
        return NULL;
    }
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *text = NULL;
        guint group;
        int pid;
        guint seq;
        char tail[8];

        if (sscanf(name, "llc-%u.shared-%d-%u%1s", &group, &pid, &seq, tail) == 3) {
            PvLockHolder *holder;

            if (pv_locks_is_free(path)) {
                g_unlink(path);  /* its holder died before removing it */
                continue;
            }
            if (!g_file_get_contents(path, &text, NULL, NULL))
                continue;
            holder = g_new0(PvLockHolder, 1);
            holder->group = group;
            holder->holder = g_steal_pointer(&text);
            g_ptr_array_add(holders, holder);
        } else if (sscanf(name, "llc-%u.lock%1s", &group, tail) == 1) {
            PvLockHolder *holder;

            /* Free, or held shared only: what it says is an old holder's. */
            if (pv_locks_is_free(path) || !g_file_get_contents(path, &text, NULL, NULL))
                continue;
            holder = g_new0(PvLockHolder, 1);
            holder->group = group;
            holder->exclusive = TRUE;
            holder->holder = g_steal_pointer(&text);
            g_ptr_array_add(holders, holder);
        }
    }
    g_ptr_array_sort(holders, pv_locks_compare_holder);
    return g_steal_pointer(&holders);
}
