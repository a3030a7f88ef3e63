/*
 * test-results.c: the results directory (pv-results.c): run directories
 * locked while their run lives, pruned in the order they started, the
 * directory itself checked, --rerun-failed's files kept to the corpus, and
 * the run whose failures --rerun-failed --shard K/N reruns
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-results.h"

static char *
make_dir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("pv-results-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

static void
remove_dir(const char *dir)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(pv_results_remove(dir, &error));
    g_assert_no_error(error);
}

/* Starts run @id in @base; returns its lock, or closes it (a run that ended) when !@live. */
static int
start(const char *base, const char *id, gboolean live)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    int lock = -1;

    dir = pv_results_start_run(base, id, &lock, &error);
    g_assert_no_error(error);
    g_assert_nonnull(dir);
    g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
    g_assert_cmpint(lock, >=, 0);
    if (live)
        return lock;
    close(lock);
    return -1;
}

static char *
joined(GPtrArray *names)
{
    g_autoptr(GString) text = g_string_new(NULL);
    guint i;

    for (i = 0; i < names->len; i++)
        g_string_append_printf(text, "%s%s", i ? " " : "", (const char *)names->pdata[i]);
    return g_string_free(g_steal_pointer(&text), FALSE);
}

/*
 * Three runs in one second: their random suffixes sort against the order
 * they started in, and the newest (this run) sorts first by name.  The
 * oldest goes, and --keep-runs 2 leaves two.
 */
static void
test_prune_start_order(void)
{
    g_autofree char *base = make_dir();
    g_autoptr(GPtrArray) runs = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *list = NULL;
    int current;

    start(base, "20260101-120000-ffffff", FALSE);
    start(base, "20260101-120000-888888", FALSE);
    current = start(base, "20260101-120000-000001", TRUE);
    /* An older second still goes first, whatever started it. */
    start(base, "20260101-115959-aaaaaa", FALSE);
    runs = pv_results_list_runs(base);
    list = joined(runs);
    g_assert_cmpstr(list, ==, "20260101-115959-aaaaaa 20260101-120000-ffffff "
                    "20260101-120000-888888 20260101-120000-000001");
    g_assert_cmpuint(pv_results_prune(base, 2, "20260101-120000-000001", &error), ==, 2);
    g_assert_no_error(error);
    g_clear_pointer(&runs, g_ptr_array_unref);
    g_free(list);
    runs = pv_results_list_runs(base);
    list = joined(runs);
    g_assert_cmpstr(list, ==, "20260101-120000-888888 20260101-120000-000001");
    close(current);
    remove_dir(base);
}

/* A run still going holds its directory: it is not pruned, whatever its age. */
static void
test_prune_live(void)
{
    g_autofree char *base = make_dir();
    g_autoptr(GPtrArray) runs = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *list = NULL;
    int live;
    int current;

    live = start(base, "20260101-120000-aaaaaa", TRUE);
    start(base, "20260101-120001-bbbbbb", FALSE);
    current = start(base, "20260101-120002-cccccc", TRUE);
    g_assert_cmpuint(pv_results_prune(base, 1, "20260101-120002-cccccc", &error), ==, 1);
    g_assert_no_error(error);
    runs = pv_results_list_runs(base);
    list = joined(runs);
    g_assert_cmpstr(list, ==, "20260101-120000-aaaaaa 20260101-120002-cccccc");

    /* Once it ended, it goes. */
    close(live);
    g_assert_cmpuint(pv_results_prune(base, 1, "20260101-120002-cccccc", &error), ==, 1);
    g_clear_pointer(&runs, g_ptr_array_unref);
    g_free(list);
    runs = pv_results_list_runs(base);
    list = joined(runs);
    g_assert_cmpstr(list, ==, "20260101-120002-cccccc");
    close(current);
    remove_dir(base);
}

/* A directory someone else may write is refused, naming it; a missing one passes. */
static void
test_check_base(void)
{
    g_autofree char *base = make_dir();
    g_autofree char *runs = g_build_filename(base, "runs", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *expected = g_strdup_printf("%s is writable by everyone; choose another "
                                                "results directory with --results-dir", runs);
    int lock = -1;

    g_assert_true(pv_results_check_base(runs, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_mkdir(runs, 0777), ==, 0);
    g_assert_cmpint(g_chmod(runs, 0777), ==, 0);
    g_assert_false(pv_results_check_base(runs, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_assert_cmpstr(error->message, ==, expected);
    g_clear_error(&error);
    g_assert_null(pv_results_start_run(runs, "20260101-120000-aaaaaa", &lock, &error));
    g_assert_cmpstr(error->message, ==, expected);
    g_assert_cmpint(lock, ==, -1);
    g_clear_error(&error);
    g_assert_cmpint(g_chmod(runs, 0755), ==, 0);
    g_assert_true(pv_results_check_base(runs, &error));
    remove_dir(base);
}

/* --rerun-failed's files: only those under the corpus, made canonical. */
static void
test_keep_under(void)
{
    const char *const corpus[] = { "/srv/t/a", "/srv/t/one.test.lua", NULL };
    const char *const paths[] = {
        "/srv/t/a/x.test.lua", "/srv/t/ab/y.test.lua", "/srv/t/a/../../evil/z.test.lua",
        "/srv/t/one.test.lua", "/tmp/w.test.lua",
    };
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) outside = NULL;
    g_autofree char *list = NULL;
    g_autofree char *left = NULL;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(paths); i++)
        g_ptr_array_add(kept, g_strdup(paths[i]));
    outside = pv_results_keep_under(kept, corpus);
    list = joined(kept);
    left = joined(outside);
    g_assert_cmpstr(list, ==, "/srv/t/a/x.test.lua /srv/t/one.test.lua");
    g_assert_cmpstr(left, ==, "/srv/t/ab/y.test.lua /srv/evil/z.test.lua /tmp/w.test.lua");
}

/*
 * Run @id in @base, ended: share @index/@total (0/0: the whole selection),
 * its failed files @failed (NULL: it did not finish).
 */
static void
run_of(const char *base, const char *id, guint index, guint total, const char *failed)
{
    g_autofree char *dir = g_build_filename(base, id, NULL);
    g_autoptr(GError) error = NULL;

    start(base, id, FALSE);
    if (total) {
        PvResultsShare share = { index, total, (char *)"time", (char *)"abcd1234", 6 };
        g_autofree char *data = pv_results_share_to_data(&share);
        g_autofree char *path = g_build_filename(dir, PV_RESULTS_SHARE_FILE, NULL);

        g_assert_true(g_file_set_contents(path, data, -1, &error));
    }
    if (failed) {
        g_autofree char *path = g_build_filename(dir, PV_RESULTS_FAILED_LIST, NULL);

        g_assert_true(g_file_set_contents(path, failed, -1, &error));
    }
    g_assert_no_error(error);
}

/*
 * --rerun-failed --shard K/N: the newest run of share K/N (its failures
 * as they are), or a newer run of the whole selection (to be split);
 * other shares, and runs of no share that did not finish, passed over.
 */
static void
test_failed_of_share(void)
{
    g_autofree char *base = make_dir();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = NULL;
    g_autoptr(PvResultsShare) share = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *list = NULL;

    run_of(base, "20260101-100000-000001", 0, 0, "/t/old.test.lua\n");
    run_of(base, "20260101-110000-000002", 2, 3, "/t/b.test.lua\n/t/e.test.lua\n");
    run_of(base, "20260101-120000-000003", 1, 3, "/t/a.test.lua\n");
    run_of(base, "20260101-120000-000004", 3, 3, "");
    run_of(base, "20260101-130000-000005", 2, 4, "/t/x.test.lua\n");
    /* Of no share, not finished: no list, passed over. */
    run_of(base, "20260101-140000-000006", 0, 0, NULL);
    /* Its share empty, it ran nothing: passed over, whatever it lists. */
    run_of(base, "20260101-140000-000007", 2, 3, "/t/carried.test.lua\n");
    {
        g_autofree char *ini = g_build_filename(base, "20260101-140000-000007",
                                                PV_RESULTS_SHARE_FILE, NULL);
        PvResultsShare empty = { 2, 3, (char *)"time", (char *)"abcd1234", 6, TRUE };
        g_autofree char *data = pv_results_share_to_data(&empty);

        g_assert_true(g_file_set_contents(ini, data, -1, &error));
        g_assert_no_error(error);
    }

    paths = pv_results_read_failed_of_share(base, 2, 3, NULL, &dir, &share, &error);
    g_assert_no_error(error);
    list = joined(paths);
    g_assert_cmpstr(list, ==, "/t/b.test.lua /t/e.test.lua");
    g_assert_true(g_str_has_suffix(dir, "20260101-110000-000002"));
    g_assert_nonnull(share);
    g_assert_cmpuint(share->index, ==, 2);
    g_assert_cmpuint(share->total, ==, 3);
    g_assert_cmpstr(share->mode, ==, "time");
    g_assert_cmpstr(share->partition, ==, "abcd1234");
    g_assert_cmpuint(share->files, ==, 6);
    g_clear_pointer(&paths, g_ptr_array_unref);
    g_clear_pointer(&share, pv_results_share_free);
    g_clear_pointer(&dir, g_free);

    /* Passing over the run asking: the one before it. */
    paths = pv_results_read_failed_of_share(base, 1, 3, "20260101-120000-000003", &dir, &share,
                                            &error);
    g_assert_no_error(error);
    g_clear_pointer(&list, g_free);
    list = joined(paths);
    g_assert_cmpstr(list, ==, "/t/old.test.lua");
    g_assert_null(share);
    g_clear_pointer(&paths, g_ptr_array_unref);
    g_clear_pointer(&dir, g_free);

    /* A newer run of the whole selection stands for every share. */
    run_of(base, "20260101-150000-000008", 0, 0, "/t/c.test.lua\n");
    paths = pv_results_read_failed_of_share(base, 2, 3, NULL, &dir, &share, &error);
    g_assert_no_error(error);
    g_clear_pointer(&list, g_free);
    list = joined(paths);
    g_assert_cmpstr(list, ==, "/t/c.test.lua");
    g_assert_null(share);
    g_clear_pointer(&paths, g_ptr_array_unref);
    g_clear_pointer(&dir, g_free);

    /* The newest of the share did not finish: said, not passed over. */
    run_of(base, "20260101-160000-000009", 2, 3, NULL);
    g_assert_null(pv_results_read_failed_of_share(base, 2, 3, NULL, &dir, &share, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "the latest run of share 2/3"));
    g_clear_error(&error);

    /* No run of 1/5, none of the whole selection: said. */
    remove_dir(base);
    g_free(base);
    base = make_dir();
    run_of(base, "20260101-100000-000001", 2, 3, "");
    g_assert_null(pv_results_read_failed_of_share(base, 1, 5, NULL, &dir, &share, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "no earlier run of share 1/5"));
    remove_dir(base);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/results/prune/start-order", test_prune_start_order);
    g_test_add_func("/results/prune/live", test_prune_live);
    g_test_add_func("/results/check-base", test_check_base);
    g_test_add_func("/results/keep-under", test_keep_under);
    g_test_add_func("/results/failed-of-share", test_failed_of_share);
    return g_test_run();
}
