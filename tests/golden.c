/*
 * golden.c: golden files for the GTest programs
 *
 * An expected output lives in a file beside the test's data.  It is
 * regenerated only when PV_TEST_REGENERATE_OUTPUT is set, and then reviewed
 * like any other change.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "golden.h"

/* diff -u of the golden file against what the test produced, on stderr. */
static void
pv_test_show_diff(const char *expected_path, const char *actual)
{
    g_autofree char *tmp = NULL;
    int fd = g_file_open_tmp("pv-golden-XXXXXX", &tmp, NULL);
    const char *argv[] = { "diff", "-u", expected_path, tmp, NULL };
    g_autofree char *out = NULL;

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(tmp, actual, -1, NULL));
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                 NULL, NULL);
    g_printerr("%s", out ? out : "");
    g_unlink(tmp);
}

/**
 * pv_test_compare_golden:
 * @path: the golden file
 * @actual: what the test produced
 *
 * Asserts that @actual is the content of @path, showing the difference when
 * it is not; with PV_TEST_REGENERATE_OUTPUT set, writes @actual to @path.
 */
void
pv_test_compare_golden(const char *path, const char *actual)
{
    g_autofree char *expected = NULL;
    g_autoptr(GError) error = NULL;

    if (g_getenv("PV_TEST_REGENERATE_OUTPUT")) {
        g_assert_true(g_file_set_contents(path, actual, -1, NULL));
        return;
    }
    if (!g_file_get_contents(path, &expected, NULL, &error))
        g_error("%s (run with PV_TEST_REGENERATE_OUTPUT=1 to create it, then review it)",
                error->message);
    if (!g_str_equal(expected, actual))
        pv_test_show_diff(path, actual);
    g_assert_cmpstr(actual, ==, expected);
}

static gint
pv_test_compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/**
 * pv_test_list_cases:
 * @subdir: the data directory under $PV_TEST_SRCDIR: "perfdata"
 * @suffix: what names a case: ".case"
 *
 * The cases of a golden-file test: each file in @subdir ending in @suffix,
 * without it, sorted.
 * Returns: (transfer full) (element-type utf8): keep it until g_test_run()
 *   returns, the tests borrow its names
 */
GPtrArray *
pv_test_list_cases(const char *subdir, const char *suffix)
{
    g_autofree char *dir = g_build_filename(g_getenv("PV_TEST_SRCDIR"), subdir, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;

    g_assert_nonnull(d);
    while ((entry = g_dir_read_name(d))) {
        if (g_str_has_suffix(entry, suffix))
            g_ptr_array_add(names, g_strndup(entry, strlen(entry) - strlen(suffix)));
    }
    g_ptr_array_sort(names, pv_test_compare_names);
    return names;
}
