/*
 * pv-results.c: the results directory: its run directories, pruned
 *
 * --results-dir (default .provium/runs) holds one directory per run, named
 * by its id ("20261123-091512-3fa9c1", so they sort by time), "latest"
 * pointing at the newest, and the duration history.  Each run directory
 * lists the files that failed in it (PV_RESULTS_FAILED_LIST), which
 * --rerun-failed reads from the latest; a run of a share (--shard) says
 * which (PV_RESULTS_SHARE_FILE), and --rerun-failed --shard K/N reads the
 * newest run of share K/N instead: a CI job reruns its own failures, even
 * where every job has its own results directory.  Old run directories
 * are removed so that the last --keep-runs stay; only directories named as
 * provium names runs are touched, and removal never follows a symbolic
 * link out of them.
 *
 * What the directory holds decides what --rerun-failed runs, so it must be
 * yours or root's and not writable by everyone, as the fixture cache and
 * the lock directory (pv_results_check_base()).  A run holds a lock on its
 * directory (PV_RESULTS_LOCK, flock) while it lives: pruning passes over a
 * locked one.  The lock file holds when the run started, to the
 * microsecond: it orders runs whose names say the same second.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-results.h"
#include "pv-safe.h"

/* In a run directory: locked (flock) by its run while it lives. */
#define PV_RESULTS_LOCK "run.lock"

/**
 * pv_results_base:
 * @results_dir: (nullable): --results-dir
 *
 * Returns: (transfer full): where run directories go, absolute
 */
char *
pv_results_base(const char *results_dir)
{
    return g_canonicalize_filename(results_dir ? results_dir : PV_RESULTS_DIR_DEFAULT, NULL);
}

/*
 * Opens @base, made first if @create, and checks it (pv_safe_dir_open()).
 * Returns: its descriptor, or -1 with @error set
 */
static int
pv_results_open_base(const char *base, gboolean create, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    int fd;

    if (create && g_mkdir_with_parents(base, 0755) < 0) {
        int saved = errno;

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("cannot create the results directory %s: %s (choose one with "
                      "--results-dir)"), base, g_strerror(saved));
        return -1;
    }
    fd = pv_safe_dir_open(base, &local_error);
    if (fd < 0)
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("%s; choose another results directory with --results-dir"),
                    local_error->message);
    return fd;
}

/**
 * pv_results_check_base:
 * @base: the results directory (absolute)
 *
 * Checks that @base, a symbolic link followed, is yours or root's and not
 * writable by everyone (pv_safe_dir_open()), as the fixture cache and the
 * lock directory are: anyone who may write it may plant a run whose list
 * of failed files --rerun-failed runs.  A missing @base passes: it is made
 * and checked when the run starts (pv_results_start_run()).
 * Returns: FALSE with @error (usage) naming it and what to do
 */
gboolean
pv_results_check_base(const char *base, GError **error)
{
    int fd;

    if (!g_file_test(base, G_FILE_TEST_EXISTS))
        return TRUE;
    fd = pv_results_open_base(base, FALSE, error);
    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

/**
 * pv_results_start_run:
 * @base: the results directory
 * @id: the run's id
 * @lock_fd: (out): holds the run directory's lock: close it when the run ends
 *
 * Makes @base (checked as pv_results_check_base() does) and the run's
 * directory in it, locked for as long as @lock_fd is open, so that no other
 * run prunes it.  It appears under its name already locked: it is made
 * under a temporary name, locked, then renamed.
 * Returns: (transfer full): the run directory's path, or NULL with @error set
 */
char *
pv_results_start_run(const char *base, const char *id, int *lock_fd, GError **error)
{
    g_autofree char *tmp = g_strdup_printf(".%s.tmp", id);
    g_autofree char *tmp_path = g_build_filename(base, tmp, NULL);
    g_autofree char *dir = g_build_filename(base, id, NULL);
    g_autofree char *started = NULL;
    int basefd;
    int tmpfd = -1;
    int fd = -1;
    int saved;

    basefd = pv_results_open_base(base, TRUE, error);
    if (basefd < 0)
        return NULL;
    if (mkdirat(basefd, tmp, 0755) < 0 ||
        (tmpfd = openat(basefd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        goto fail;
    fd = pv_safe_openat(tmpfd, tmp_path, PV_RESULTS_LOCK, O_RDWR | O_CREAT | O_EXCL, 0644,
                        error);
    if (fd < 0) {
        close(tmpfd);
        unlinkat(basefd, tmp, AT_REMOVEDIR);
        close(basefd);
        return NULL;
    }
    started = g_strdup_printf("%" G_GINT64_FORMAT "\n", g_get_real_time());
    if (flock(fd, LOCK_EX | LOCK_NB) < 0 ||
        write(fd, started, strlen(started)) != (gssize)strlen(started) ||
        renameat(basefd, tmp, basefd, id) < 0)
        goto fail;
    close(tmpfd);
    close(basefd);
    *lock_fd = fd;
    return g_steal_pointer(&dir);

 fail:
    saved = errno;
    if (fd >= 0) {
        close(fd);
        unlinkat(tmpfd, PV_RESULTS_LOCK, 0);
    }
    if (tmpfd >= 0)
        close(tmpfd);
    unlinkat(basefd, tmp, AT_REMOVEDIR);
    close(basefd);
    g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot create the run directory %s: %s"), dir,
                g_strerror(saved));
    return NULL;
}

void
pv_results_share_free(PvResultsShare *share)
{
    if (!share)
        return;
    g_free(share->mode);
    g_free(share->partition);
    g_free(share);
}

#define PV_RESULTS_SHARE_GROUP "share"

/**
 * pv_results_share_to_data:
 *
 * Returns: (transfer full): @share as its run directory keeps it
 *   (PV_RESULTS_SHARE_FILE)
 */
char *
pv_results_share_to_data(const PvResultsShare *share)
{
    g_autoptr(GKeyFile) file = g_key_file_new();

    g_key_file_set_integer(file, PV_RESULTS_SHARE_GROUP, "index", share->index);
    g_key_file_set_integer(file, PV_RESULTS_SHARE_GROUP, "total", share->total);
    g_key_file_set_string(file, PV_RESULTS_SHARE_GROUP, "mode", share->mode);
    g_key_file_set_string(file, PV_RESULTS_SHARE_GROUP, "partition", share->partition);
    g_key_file_set_integer(file, PV_RESULTS_SHARE_GROUP, "files", share->files);
    g_key_file_set_boolean(file, PV_RESULTS_SHARE_GROUP, "empty", share->empty);
    return g_key_file_to_data(file, NULL, NULL);
}

/**
 * pv_results_read_share:
 * @run_dir: a run directory
 *
 * Returns: (transfer full) (nullable): the share its run ran; NULL when it
 *   says none (it ran the whole selection, an older provium made it, or it
 *   had not got that far)
 */
PvResultsShare *
pv_results_read_share(const char *run_dir)
{
    g_autofree char *path = g_build_filename(run_dir, PV_RESULTS_SHARE_FILE, NULL);
    g_autoptr(GKeyFile) file = g_key_file_new();
    g_autoptr(PvResultsShare) share = g_new0(PvResultsShare, 1);
    gint index;
    gint total;

    if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, NULL))
        return NULL;
    index = g_key_file_get_integer(file, PV_RESULTS_SHARE_GROUP, "index", NULL);
    total = g_key_file_get_integer(file, PV_RESULTS_SHARE_GROUP, "total", NULL);
    if (index < 1 || index > total)
        return NULL;
    share->index = index;
    share->total = total;
    share->mode = g_key_file_get_string(file, PV_RESULTS_SHARE_GROUP, "mode", NULL);
    share->partition = g_key_file_get_string(file, PV_RESULTS_SHARE_GROUP, "partition", NULL);
    share->files = MAX(g_key_file_get_integer(file, PV_RESULTS_SHARE_GROUP, "files", NULL), 0);
    share->empty = g_key_file_get_boolean(file, PV_RESULTS_SHARE_GROUP, "empty", NULL);
    if (!share->mode)
        share->mode = g_strdup("?");
    if (!share->partition)
        share->partition = g_strdup("?");
    return g_steal_pointer(&share);
}

/*
 * The files @dir's run lists as failed, or NULL when it lists none (it did
 * not finish, or an older provium made it).
 */
static GPtrArray *
pv_results_read_list(const char *dir)
{
    g_autofree char *list = g_build_filename(dir, PV_RESULTS_FAILED_LIST, NULL);
    g_autofree char *text = NULL;
    GPtrArray *paths;
    g_auto(GStrv) lines = NULL;
    gsize i;

    if (!g_file_get_contents(list, &text, NULL, NULL))
        return NULL;
    paths = g_ptr_array_new_with_free_func(g_free);
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (*lines[i])
            g_ptr_array_add(paths, g_strdup(lines[i]));
    }
    return paths;
}

/**
 * pv_results_read_failed:
 * @base: the results directory
 * @run_dir: (out) (transfer full): the latest run's directory, for messages
 *
 * The files that failed in the latest run, from its directory.
 * Returns: (transfer full) (element-type filename): their absolute paths,
 *   maybe none; NULL with @error set (usage) when there is no latest run or
 *   it did not list them
 */
GPtrArray *
pv_results_read_failed(const char *base, char **run_dir, GError **error)
{
    g_autofree char *latest = g_build_filename(base, "latest", NULL);
    g_autofree char *target = g_file_read_link(latest, NULL);
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) paths = NULL;

    if (!target || !pv_results_is_run_name(target)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--rerun-failed: no earlier run in %s (see --results-dir)"), base);
        return NULL;
    }
    dir = g_build_filename(base, target, NULL);
    paths = pv_results_read_list(dir);
    if (!paths) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--rerun-failed: the latest run (%s) did not finish, or an older provium "
                      "made it: it has no %s; run the tests again"), dir, PV_RESULTS_FAILED_LIST);
        return NULL;
    }
    *run_dir = g_steal_pointer(&dir);
    return g_steal_pointer(&paths);
}

/* Whether the run of directory @dir is still going (it holds its lock). */
static gboolean
pv_results_dir_is_live(const char *dir)
{
    g_autofree char *lock = g_build_filename(dir, PV_RESULTS_LOCK, NULL);
    int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    gboolean live;

    if (fd < 0)
        return FALSE;
    live = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return live;
}

/**
 * pv_results_read_failed_of_share:
 * @base: the results directory
 * @index: (not nullable): the share, from 1, of @total
 * @exclude: (nullable): a run id to pass over (the run asking)
 * @run_dir: (out) (transfer full): the run's directory, for messages
 * @share: (out) (transfer full) (nullable): the share that run ran; NULL
 *   when it ran the whole selection
 *
 * What --rerun-failed --shard K/N reruns: the files that failed in the
 * newest run that stands for share K/N, which is the newest run of that
 * share (its failures are the share's own: they are not split again), or,
 * when a run of the whole selection is newer, that run (its failures are
 * split into shares as any selection is).  Runs of other shares are passed
 * over: with one results directory for all the jobs of a pipeline, each
 * reruns its own; and so are those that say no share and did not finish,
 * and those whose share was empty: a run that ran nothing changes nothing.
 * Returns: (transfer full) (element-type filename): the failed files'
 *   absolute paths, maybe none; NULL with @error set (usage) when no run
 *   stands for the share, or the newest of the share did not finish
 */
GPtrArray *
pv_results_read_failed_of_share(const char *base, guint index, guint total,
                                const char *exclude, char **run_dir, PvResultsShare **share,
                                GError **error)
{
    g_autoptr(GPtrArray) runs = pv_results_list_runs(base);
    guint i;

    for (i = runs->len; i-- > 0; ) {
        const char *name = runs->pdata[i];
        g_autofree char *dir = NULL;
        g_autoptr(PvResultsShare) ran = NULL;
        g_autoptr(GPtrArray) paths = NULL;

        if (exclude && g_str_equal(name, exclude))
            continue;
        dir = g_build_filename(base, name, NULL);
        ran = pv_results_read_share(dir);
        if (ran && (ran->empty || ran->index != index || ran->total != total))
            continue;
        paths = pv_results_read_list(dir);
        if (!paths && (!ran || pv_results_dir_is_live(dir)))
            continue;
        if (!paths) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("--rerun-failed: the latest run of share %u/%u (%s) did not finish: "
                          "it has no %s; run the share again"), index, total, dir,
                        PV_RESULTS_FAILED_LIST);
            return NULL;
        }
        *run_dir = g_steal_pointer(&dir);
        *share = g_steal_pointer(&ran);
        return g_steal_pointer(&paths);
    }
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("--rerun-failed: no earlier run of share %u/%u, nor of the whole selection, in "
                  "%s (see --results-dir)"), index, total, base);
    return NULL;
}

/* Whether @path is @dir or under it; both canonical. */
static gboolean
pv_results_is_under(const char *path, const char *dir)
{
    gsize len = strlen(dir);

    if (g_str_equal(dir, "/"))
        return TRUE;
    return strncmp(path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/**
 * pv_results_keep_under:
 * @paths: (element-type filename): absolute paths (the latest run's failed
 *   files); made canonical, and those not under @corpus removed
 * @corpus: (nullable): PATHs as given, files or directories, relative to
 *   the current directory; NULL for the current directory
 *
 * --rerun-failed runs only what a run of @corpus would: a list of failed
 * files names what root would run, and a file elsewhere is not the user's
 * to run by this command.
 * Returns: (transfer full) (element-type filename): the paths removed
 */
GPtrArray *
pv_results_keep_under(GPtrArray *paths, const char *const *corpus)
{
    const char *const here[] = { ".", NULL };
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *outside = g_ptr_array_new_with_free_func(g_free);
    guint i;
    guint j;

    for (j = 0; (corpus ? corpus : here)[j]; j++)
        g_ptr_array_add(dirs, g_canonicalize_filename((corpus ? corpus : here)[j], NULL));
    for (i = 0; i < paths->len; ) {
        char *path = g_canonicalize_filename(paths->pdata[i], NULL);
        gboolean under = FALSE;

        g_free(paths->pdata[i]);
        paths->pdata[i] = path;
        for (j = 0; j < dirs->len && !under; j++)
            under = pv_results_is_under(path, dirs->pdata[j]);
        if (under)
            i++;
        else
            g_ptr_array_add(outside, g_ptr_array_steal_index(paths, i));
    }
    return outside;
}

/**
 * pv_results_is_run_name:
 *
 * Returns: whether @name is a run id as pv_run_make_id() makes them:
 *   YYYYMMDD-HHMMSS-xxxxxx, x in lowercase hexadecimal
 */
gboolean
pv_results_is_run_name(const char *name)
{
    gsize i;

    if (strlen(name) != 22 || name[8] != '-' || name[15] != '-')
        return FALSE;
    for (i = 0; i < 22; i++) {
        if (i == 8 || i == 15)
            continue;
        if (i < 15 ? !g_ascii_isdigit(name[i]) :
            !(g_ascii_isdigit(name[i]) || (name[i] >= 'a' && name[i] <= 'f')))
            return FALSE;
    }
    return TRUE;
}

/* A run directory, and when its run started (µs since the epoch; 0 unknown). */
typedef struct {
    char *name;
    gint64 started;
} PvResultsRun;

/* When the run of directory @path started, from its lock file; 0 when it does not say. */
static gint64
pv_results_read_start(const char *path)
{
    g_autofree char *lock = g_build_filename(path, PV_RESULTS_LOCK, NULL);
    char text[32];
    gint64 started = 0;
    ssize_t n;
    int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return 0;
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    g_strchomp(text);
    if (!g_ascii_string_to_signed(text, 10, 0, G_MAXINT64, &started, NULL))
        return 0;
    return started;
}

/* Oldest first: by the second the name gives, then by start, then by name. */
static gint
pv_results_compare_runs(gconstpointer a, gconstpointer b)
{
    const PvResultsRun *x = a;
    const PvResultsRun *y = b;
    int by_second = strncmp(x->name, y->name, PV_RESULTS_SECOND_LEN);

    if (by_second)
        return by_second;
    if (x->started != y->started)
        return x->started < y->started ? -1 : 1;
    return strcmp(x->name, y->name);
}

/**
 * pv_results_list_runs:
 * @base: the results directory
 *
 * Returns: (transfer full) (element-type utf8): the run directories under
 *   @base (real directories, not links), oldest first: by the second their
 *   names give, then, within a second, in the order they started; empty
 *   when @base cannot be read
 */
GPtrArray *
pv_results_list_runs(const char *base)
{
    GPtrArray *runs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(PvResultsRun));
    g_autoptr(GDir) dir = g_dir_open(base, 0, NULL);
    const char *name;
    guint i;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        PvResultsRun run = { NULL, 0 };
        struct stat st;

        if (!pv_results_is_run_name(name))
            continue;
        path = g_build_filename(base, name, NULL);
        if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        run.started = pv_results_read_start(path);
        run.name = g_strdup(name);
        g_array_append_val(found, run);
    }
    g_array_sort(found, pv_results_compare_runs);
    for (i = 0; i < found->len; i++)
        g_ptr_array_add(runs, g_array_index(found, PvResultsRun, i).name);
    return runs;
}

/* Whether run directory @name under @basefd belongs to a run still going (it holds its lock). */
static gboolean
pv_results_run_is_live(int basefd, const char *name)
{
    g_autofree char *lock = g_build_filename(name, PV_RESULTS_LOCK, NULL);
    int fd = openat(basefd, lock, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    gboolean live;

    if (fd < 0)
        return FALSE;
    live = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return live;
}

/* Removes @name under @parent and all it holds, never following a link. */
static gboolean
pv_results_remove_at(int parent, const char *name, GError **error)
{
    struct stat st;
    DIR *dir;
    struct dirent *entry;
    int fd;
    gboolean ok = TRUE;

    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT;
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
            return TRUE;
        goto fail;
    }
    fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !(dir = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        goto fail;
    }
    while (ok && (entry = readdir(dir))) {
        if (g_str_equal(entry->d_name, ".") || g_str_equal(entry->d_name, ".."))
            continue;
        ok = pv_results_remove_at(dirfd(dir), entry->d_name, error);
    }
    closedir(dir);
    if (!ok)
        return FALSE;
    if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return TRUE;

 fail:
    g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot remove %s: %s"), name,
                g_strerror(errno));
    return FALSE;
}

/**
 * pv_results_remove:
 * @path: a directory (or a file)
 *
 * Removes @path and all it holds, never following a link.
 */
gboolean
pv_results_remove(const char *path, GError **error)
{
    return pv_results_remove_at(AT_FDCWD, path, error);
}

/**
 * pv_results_prune:
 * @keep: how many run directories stay, @current among them; 0 keeps all
 * @current: (nullable): this run's id, never removed
 *
 * Removes the oldest run directories under @base so that @keep stay, never
 * one whose run is still going (it holds its directory's lock): more than
 * @keep stay then.
 * Returns: how many were removed; on a failure, those before it, with
 *   @error set
 */
guint
pv_results_prune(const char *base, guint keep, const char *current, GError **error)
{
    g_autoptr(GPtrArray) runs = NULL;
    int basefd;
    guint removed = 0;
    guint i;

    if (keep == 0)
        return 0;
    runs = pv_results_list_runs(base);
    if (runs->len <= keep)
        return 0;
    basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (basefd < 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open %s: %s"), base,
                    g_strerror(errno));
        return 0;
    }
    for (i = 0; i < runs->len - keep; i++) {
        const char *name = runs->pdata[i];

        if ((current && g_str_equal(name, current)) || pv_results_run_is_live(basefd, name))
            continue;
        if (!pv_results_remove_at(basefd, name, error)) {
            g_prefix_error(error, "%s: ", base);
            break;
        }
        removed++;
    }
    close(basefd);
    return removed;
}
