/*
 * pv-results.c: the results directory: its run directories, pruned
 *
 * --results-dir (default .provium/runs) holds one directory per run, named
 * by its id ("20261123-091512-3fa9c1", so they sort by time), "latest"
 * pointing at the newest, and the duration history.  Each run directory
 * lists the files that failed in it (PV_RESULTS_FAILED_LIST), which
 * --rerun-failed reads from the latest.  Old run directories
 * are removed so that the last --keep-runs stay; only directories named as
 * provium names runs are touched, and removal never follows a symbolic
 * link out of them.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-results.h"

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
    g_autofree char *list = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = NULL;
    gsize i;

    if (!target || !pv_results_is_run_name(target)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--rerun-failed: no earlier run in %s (see --results-dir)"), base);
        return NULL;
    }
    dir = g_build_filename(base, target, NULL);
    list = g_build_filename(dir, PV_RESULTS_FAILED_LIST, NULL);
    if (!g_file_get_contents(list, &text, NULL, NULL)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--rerun-failed: the latest run (%s) did not finish, or an older provium "
                      "made it: it has no %s; run the tests again"), dir, PV_RESULTS_FAILED_LIST);
        return NULL;
    }
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (*lines[i])
            g_ptr_array_add(paths, g_strdup(lines[i]));
    }
    *run_dir = g_steal_pointer(&dir);
    return g_steal_pointer(&paths);
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

static gint
pv_results_compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/**
 * pv_results_list_runs:
 * @base: the results directory
 *
 * Returns: (transfer full) (element-type utf8): the run directories under
 *   @base (real directories, not links), oldest first; empty when @base
 *   cannot be read
 */
GPtrArray *
pv_results_list_runs(const char *base)
{
    GPtrArray *runs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = g_dir_open(base, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        struct stat st;

        if (!pv_results_is_run_name(name))
            continue;
        path = g_build_filename(base, name, NULL);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            g_ptr_array_add(runs, g_strdup(name));
    }
    g_ptr_array_sort(runs, pv_results_compare_names);
    return runs;
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
 * Removes the oldest run directories under @base so that @keep stay.
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

        if (current && g_str_equal(name, current))
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
