/*
 * test-history.c: the duration history (merged, atomic, broken is empty),
 * the order files start in from it (longest first), and the expected run
 * time
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pv-history.h"
#include "pv-order.h"

#define S(x) ((gint64)(x) * G_GINT64_CONSTANT(1000000000))
#define MIB(x) ((guint64)(x) * 1024 * 1024)

static char *
make_dir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("pv-history-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

static void
remove_dir(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);

    g_unlink(path);
    g_rmdir(dir);
}

static void
test_history_missing(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    g_autofree char *warning = NULL;
    g_autoptr(PvHistory) history = pv_history_load(path, &warning);

    g_assert_null(warning);
    g_assert_cmpuint(pv_history_count(history), ==, 0);
    g_assert_cmpint(pv_history_get(history, "/t/a.test.lua"), ==, -1);
    remove_dir(dir);
}

static void
test_history_corrupt(void)
{
    const char *const broken[] = {
        "{\"version\": 1, \"files\": {\"/t/a.test.lua\": {\"duration_ns\": 5",  /* cut short */
        "[1, 2, 3]",
        "{\"version\": 2, \"files\": {}}",
        "{\"version\": 1, \"files\": {\"/t/a.test.lua\": 7}}",
        "{\"version\": 1, \"files\": {\"/t/a.test.lua\": {\"duration_ns\": -3}}}",
        "\xff\xfe not json",
    };
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(broken); i++) {
        g_autofree char *warning = NULL;
        g_autoptr(PvHistory) history = NULL;
        g_autoptr(PvHistory) again = NULL;
        g_autoptr(GError) error = NULL;

        g_assert_true(g_file_set_contents(path, broken[i], -1, NULL));
        history = pv_history_load(path, &warning);
        g_assert_nonnull(warning);
        g_assert_nonnull(strstr(warning, path));
        g_assert_cmpuint(pv_history_count(history), ==, 0);
        /* The run writes a new one over it. */
        pv_history_record(history, "/t/b.test.lua", S(2));
        g_assert_true(pv_history_save(history, &error));
        g_assert_no_error(error);
        g_clear_pointer(&warning, g_free);
        again = pv_history_load(path, &warning);
        g_assert_null(warning);
        g_assert_cmpint(pv_history_get(again, "/t/b.test.lua"), ==, S(2));
        g_assert_cmpint(pv_history_get(again, "/t/a.test.lua"), ==, -1);
    }
    remove_dir(dir);
}

/* Two runs that loaded the same history both keep their files' durations. */
static void
test_history_merge(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    g_autofree char *warning = NULL;
    g_autoptr(PvHistory) first = pv_history_load(path, &warning);
    g_autoptr(PvHistory) second = pv_history_load(path, &warning);
    g_autoptr(PvHistory) third = NULL;
    g_autoptr(PvHistory) seen = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    pv_history_record(first, "/t/a.test.lua", S(10));
    pv_history_record(first, "/t/b.test.lua", S(4));
    pv_history_record(second, "/t/c.test.lua", S(1));
    g_assert_true(pv_history_save(first, &error));
    g_assert_true(pv_history_save(second, &error));
    g_assert_no_error(error);

    third = pv_history_load(path, &warning);
    g_assert_null(warning);
    g_assert_cmpint(pv_history_get(third, "/t/a.test.lua"), ==, S(10));
    g_assert_cmpint(pv_history_get(third, "/t/b.test.lua"), ==, S(4));
    g_assert_cmpint(pv_history_get(third, "/t/c.test.lua"), ==, S(1));
    /* A new duration counts half; the others stay. */
    pv_history_record(third, "/t/a.test.lua", S(20));
    g_assert_true(pv_history_save(third, &error));
    seen = pv_history_load(path, &warning);
    g_assert_cmpint(pv_history_get(seen, "/t/a.test.lua"), ==, S(15));
    g_assert_cmpint(pv_history_get(seen, "/t/b.test.lua"), ==, S(4));
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "\"runs\" : 2"));
    /* Written through a rename: no temporary file is left beside it. */
    {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        guint n = 0;

        while (g_dir_read_name(d))
            n++;
        g_assert_cmpuint(n, ==, 1);
    }
    remove_dir(dir);
}

/*
 * A duration no run measured (INT64_MAX: "expected run time 2562047h") is
 * not believed: that file counts as unknown, the others stay, and its next
 * run replaces it.  Zero, and up to a week, are believed.
 */
static void
test_history_absurd(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    g_autofree char *warning = NULL;
    g_autoptr(PvHistory) history = NULL;
    g_autoptr(PvHistory) again = NULL;
    g_autoptr(GError) error = NULL;
    const gint64 week = S(7 * 24 * 3600);
    g_autofree char *text = g_strdup_printf(
        "{\"version\": 1, \"files\": {"
        "\"/t/max.test.lua\": {\"duration_ns\": 9223372036854775807, \"runs\": 1},"
        "\"/t/eight-days.test.lua\": {\"duration_ns\": %" G_GINT64_FORMAT ", \"runs\": 1},"
        "\"/t/week.test.lua\": {\"duration_ns\": %" G_GINT64_FORMAT ", \"runs\": 1},"
        "\"/t/zero.test.lua\": {\"duration_ns\": 0, \"runs\": 1},"
        "\"/t/a.test.lua\": {\"duration_ns\": 5000000000, \"runs\": 2}}}",
        week + S(24 * 3600), week);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    history = pv_history_load(path, &warning);
    g_assert_null(warning);
    g_assert_cmpint(pv_history_get(history, "/t/max.test.lua"), ==, -1);
    g_assert_cmpint(pv_history_get(history, "/t/eight-days.test.lua"), ==, -1);
    g_assert_cmpint(pv_history_get(history, "/t/week.test.lua"), ==, week);
    g_assert_cmpint(pv_history_get(history, "/t/zero.test.lua"), ==, 0);
    g_assert_cmpint(pv_history_get(history, "/t/a.test.lua"), ==, S(5));
    g_assert_cmpuint(pv_history_count(history), ==, 3);
    /* The next run of the file replaces the entry, not averages with it. */
    pv_history_record(history, "/t/max.test.lua", S(3));
    g_assert_true(pv_history_save(history, &error));
    g_assert_no_error(error);
    again = pv_history_load(path, &warning);
    g_assert_cmpint(pv_history_get(again, "/t/max.test.lua"), ==, S(3));
    g_assert_cmpint(pv_history_get(again, "/t/a.test.lua"), ==, S(5));
    remove_dir(dir);
}

static void
test_history_nothing_recorded(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    g_autofree char *warning = NULL;
    g_autoptr(PvHistory) history = pv_history_load(path, &warning);
    g_autoptr(GError) error = NULL;

    g_assert_true(pv_history_save(history, &error));
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    remove_dir(dir);
}

static void
assert_order(const gint64 *expected, guint n, PvOrder order, const guint *want)
{
    g_autofree guint *got = pv_order_files(expected, n, order);
    guint i;

    for (i = 0; i < n; i++)
        g_assert_cmpuint(got[i], ==, want[i]);
}

static void
test_order_longest_first(void)
{
    /* The long one found last starts first. */
    const gint64 expected[] = { S(1), S(2), S(1), S(30) };
    const guint lpt[] = { 3, 1, 0, 2 };
    const guint fifo[] = { 0, 1, 2, 3 };

    assert_order(expected, 4, PV_ORDER_LONGEST_FIRST, lpt);
    assert_order(expected, 4, PV_ORDER_FIFO, fifo);
}

static void
test_order_unknown_is_median(void)
{
    /* Known: 1, 5, 9 (median 5); the unknown ones count 5 and keep their order. */
    const gint64 expected[] = { S(1), -1, S(9), S(5), -1 };
    const guint want[] = { 2, 1, 3, 4, 0 };

    g_assert_cmpint(pv_order_median(expected, 5), ==, S(5));
    assert_order(expected, 5, PV_ORDER_LONGEST_FIRST, want);
}

static void
test_order_no_history(void)
{
    const gint64 expected[] = { -1, -1, -1 };
    const guint want[] = { 0, 1, 2 };

    g_assert_cmpint(pv_order_median(expected, 3), ==, -1);
    assert_order(expected, 3, PV_ORDER_LONGEST_FIRST, want);
    g_free(pv_order_files(expected, 0, PV_ORDER_LONGEST_FIRST));
}

static void
test_order_names(void)
{
    PvOrder order = PV_ORDER_LAST;

    g_assert_true(pv_order_from_string("fifo", &order));
    g_assert_cmpint(order, ==, PV_ORDER_FIFO);
    g_assert_true(pv_order_from_string("longest-first", &order));
    g_assert_cmpint(order, ==, PV_ORDER_LONGEST_FIRST);
    g_assert_false(pv_order_from_string("lpt", &order));
    g_assert_cmpstr(pv_order_to_string(PV_ORDER_FIFO), ==, "fifo");
}

/* Two slots, short files and a long one found last. */
static void
test_estimate(void)
{
    PvOrderJob jobs[5];
    PvAmount total = pv_amount(MIB(512), 2);
    gint64 durations[] = { S(2), S(2), S(2), S(2), S(8) };
    g_autofree guint *lpt = pv_order_files(durations, 5, PV_ORDER_LONGEST_FIRST);
    guint i;

    for (i = 0; i < 5; i++) {
        jobs[i].duration_ns = durations[i];
        jobs[i].want = pv_amount(MIB(256), 1);
    }
    /* Discovery order: 2+2 on each slot, then the 8 s one alone. */
    g_assert_cmpint(pv_order_estimate(jobs, 5, total, 0), ==, S(12));
    /* The jobs cap: one at a time. */
    g_assert_cmpint(pv_order_estimate(jobs, 5, total, 1), ==, S(16));
    for (i = 0; i < 5; i++)
        jobs[i].duration_ns = durations[lpt[i]];
    /* Longest first: 8 on one slot, 4 x 2 on the other. */
    g_assert_cmpint(pv_order_estimate(jobs, 5, total, 0), ==, S(8));
    /* A file wanting more than the pool runs alone rather than never. */
    jobs[0].want = pv_amount(MIB(1024), 1);
    g_assert_cmpint(pv_order_estimate(jobs, 5, total, 0), ==, S(8) + S(4));
    g_assert_cmpint(pv_order_estimate(jobs, 0, total, 0), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/history/missing", test_history_missing);
    g_test_add_func("/history/corrupt", test_history_corrupt);
    g_test_add_func("/history/merge", test_history_merge);
    g_test_add_func("/history/absurd", test_history_absurd);
    g_test_add_func("/history/nothing-recorded", test_history_nothing_recorded);
    g_test_add_func("/order/longest-first", test_order_longest_first);
    g_test_add_func("/order/unknown-is-median", test_order_unknown_is_median);
    g_test_add_func("/order/no-history", test_order_no_history);
    g_test_add_func("/order/names", test_order_names);
    g_test_add_func("/order/estimate", test_estimate);
    return g_test_run();
}
