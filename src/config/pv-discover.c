/*
 * pv-discover.c: finding *.test.lua files under the paths given
 *
 * A directory is searched recursively for *.test.lua (hidden directories,
 * such as .provium and .git, are skipped); a file named on the command line
 * is taken as it is, if it is Lua.  The result is sorted and free of
 * duplicates, with paths as the user wrote them ("tests/boot.test.lua").
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>

#include "pv-discover.h"
#include "pv-error.h"

/* "./x" reads better as "x". */
static char *
pv_discover_display(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    if (g_str_has_prefix(path, "./"))
        return g_strdup(path + 2);
    return g_steal_pointer(&path);
}

static gboolean
pv_discover_dir(const char *dir, const char *suffix, GHashTable *visited, GPtrArray *found,
                GError **error)
{
    g_autoptr(GDir) d = NULL;
    g_autoptr(GError) local_error = NULL;
    const char *name;
    GStatBuf st;
    g_autofree char *key = NULL;

    if (g_stat(dir, &st) < 0)
        return TRUE;
    /* Symlinked directories are followed, but each directory only once. */
    key = g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    if (!g_hash_table_add(visited, g_steal_pointer(&key)))
        return TRUE;

    d = g_dir_open(dir, 0, &local_error);
    if (!d) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, "%s", local_error->message);
        return FALSE;
    }
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = pv_discover_display(dir, name);

        if (name[0] == '.')
            continue;
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            if (!pv_discover_dir(path, suffix, visited, found, error))
                return FALSE;
        } else if (g_str_has_suffix(name, suffix) &&
                   g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            g_ptr_array_add(found, g_steal_pointer(&path));
        }
    }
    return TRUE;
}

static int
pv_discover_compare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/**
 * pv_discover:
 * @paths: (nullable): files and directories; NULL or empty for "."
 * @filter: (nullable): keep only paths containing this
 *
 * Returns: (transfer full) (element-type utf8): the test files, sorted, or
 *   NULL with @error set (a path that does not exist, a file that is not Lua)
 */
GPtrArray *
pv_discover(const char *const *paths, const char *filter, GError **error)
{
    return pv_discover_suffix(paths, filter, PV_TEST_SUFFIX, error);
}

/**
 * pv_discover_suffix:
 * @suffix: what the files of a directory end in: PV_TEST_SUFFIX, or
 *   PV_FIXTURE_SUFFIX for `provium fixture build`
 *
 * pv_discover() for other files than test files.
 */
GPtrArray *
pv_discover_suffix(const char *const *paths, const char *filter, const char *suffix,
                   GError **error)
{
    static const char *const here[] = { ".", NULL };
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) visited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *result = g_ptr_array_new_with_free_func(g_free);
    gsize i;

    if (!paths || !paths[0])
        paths = here;
    for (i = 0; paths[i]; i++) {
        const char *path = paths[i];

        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("%s: no such file or directory"), path);
            g_ptr_array_unref(result);
            return NULL;
        }
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            g_autofree char *dir = g_strdup(path);
            gsize len = strlen(dir);

            while (len > 1 && dir[len - 1] == '/')
                dir[--len] = '\0';
            if (!pv_discover_dir(dir, suffix, visited, found, error)) {
                g_ptr_array_unref(result);
                return NULL;
            }
        } else if (g_str_has_suffix(path, strcmp(suffix, PV_TEST_SUFFIX) == 0 ? ".lua" :
                                      suffix)) {
            g_ptr_array_add(found, g_strdup(path));
        } else if (strcmp(suffix, PV_TEST_SUFFIX) == 0) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("%s: not a test file (test files end in %s)"), path, PV_TEST_SUFFIX);
            g_ptr_array_unref(result);
            return NULL;
        } else {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("%s: not a fixture file (fixture files end in %s)"), path, suffix);
            g_ptr_array_unref(result);
            return NULL;
        }
    }

    g_ptr_array_sort(found, pv_discover_compare);
    for (i = 0; i < found->len; i++) {
        const char *path = found->pdata[i];

        if (filter && !strstr(path, filter))
            continue;
        if (!g_hash_table_add(seen, (gpointer)path))
            continue;
        g_ptr_array_add(result, g_strdup(path));
    }
    return result;
}

/* Whether @path is @dir or below it (both canonical). */
static gboolean
pv_discover_is_under(const char *path, const char *dir)
{
    gsize len = strlen(dir);

    if (g_str_equal(dir, "/"))
        return path[0] == '/';
    return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* The deepest directory both @a and @b are in or are (canonical, absolute). */
static char *
pv_discover_common(const char *a, const char *b)
{
    gsize end = 0;
    gsize i;

    for (i = 0; a[i] && a[i] == b[i]; i++) {
        if (a[i] == '/')
            end = i;
    }
    if ((!a[i] || a[i] == '/') && (!b[i] || b[i] == '/'))
        end = i;
    return end == 0 ? g_strdup("/") : g_strndup(a, end);
}

/**
 * pv_discover_root:
 * @config: (nullable): the provium.conf in use
 * @paths: (nullable): the PATHs as given; NULL or empty for "."
 * @files: (element-type filename): what pv_discover() found under them
 *
 * The corpus root, which test files are known by a path relative to (the
 * duration history, hash shares), so that a clone of the corpus in another
 * directory, or on another machine, knows them by the same names: the
 * directory of @config when every file is below it, else the deepest
 * directory that holds every PATH (a PATH that is a file counts as its
 * directory).
 * Returns: (transfer full): an absolute path, without a trailing slash
 */
char *
pv_discover_root(const char *config, const char *const *paths, GPtrArray *files)
{
    static const char *const here[] = { ".", NULL };
    g_autofree char *root = NULL;
    guint i;

    if (config) {
        g_autofree char *abs_config = g_canonicalize_filename(config, NULL);
        gboolean all = TRUE;

        root = g_path_get_dirname(abs_config);
        for (i = 0; all && i < files->len; i++) {
            g_autofree char *abs_path = g_canonicalize_filename(files->pdata[i], NULL);

            all = pv_discover_is_under(abs_path, root);
        }
        if (all)
            return g_steal_pointer(&root);
        g_clear_pointer(&root, g_free);
    }
    if (!paths || !paths[0])
        paths = here;
    for (i = 0; paths[i]; i++) {
        g_autofree char *abs_path = g_canonicalize_filename(paths[i], NULL);
        g_autofree char *dir = g_file_test(abs_path, G_FILE_TEST_IS_DIR) ?
            g_steal_pointer(&abs_path) : g_path_get_dirname(abs_path);

        if (!root) {
            root = g_steal_pointer(&dir);
        } else {
            char *common = pv_discover_common(root, dir);

            g_free(root);
            root = common;
        }
    }
    return g_steal_pointer(&root);
}
