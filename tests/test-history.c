/*
 * test-history.c: the duration history (merged, atomic, broken is empty),
 * the order files start in from it (longest first), and the expected run
 * time
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pv-error.h"
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
    g_autoptr(PvHistory) history = pv_history_load(path, "/t", &warning);

    g_assert_null(warning);
    g_assert_cmpuint(pv_history_count(history), ==, 0);
    g_assert_cmpint(pv_history_get(history, "a.test.lua"), ==, -1);
    remove_dir(dir);
}

static void
test_history_corrupt(void)
{
    const char *const broken[] = {
        "{\"version\": 1, \"files\": {\"/t/a.test.lua\": {\"duration_ns\": 5",  /* cut short */
        "[1, 2, 3]",
        "{\"version\": 3, \"files\": {}}",
        "{\"version\": 2, \"files\": []}",
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
        history = pv_history_load(path, "/t", &warning);
        g_assert_nonnull(warning);
        g_assert_nonnull(strstr(warning, path));
        g_assert_cmpuint(pv_history_count(history), ==, 0);
        /* The run writes a new one over it. */
        pv_history_record(history, "b.test.lua", S(2));
        g_assert_true(pv_history_save(history, &error));
        g_assert_no_error(error);
        g_clear_pointer(&warning, g_free);
        again = pv_history_load(path, "/t", &warning);
        g_assert_null(warning);
        g_assert_cmpint(pv_history_get(again, "b.test.lua"), ==, S(2));
        g_assert_cmpint(pv_history_get(again, "a.test.lua"), ==, -1);
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
    g_autoptr(PvHistory) first = pv_history_load(path, "/t", &warning);
    g_autoptr(PvHistory) second = pv_history_load(path, "/t", &warning);
    g_autoptr(PvHistory) third = NULL;
    g_autoptr(PvHistory) seen = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    pv_history_record(first, "a.test.lua", S(10));
    pv_history_record(first, "b.test.lua", S(4));
    pv_history_record(second, "c.test.lua", S(1));
    g_assert_true(pv_history_save(first, &error));
    g_assert_true(pv_history_save(second, &error));
    g_assert_no_error(error);

    third = pv_history_load(path, "/t", &warning);
    g_assert_null(warning);
    g_assert_cmpint(pv_history_get(third, "a.test.lua"), ==, S(10));
    g_assert_cmpint(pv_history_get(third, "b.test.lua"), ==, S(4));
    g_assert_cmpint(pv_history_get(third, "c.test.lua"), ==, S(1));
    /* A new duration counts half; the others stay. */
    pv_history_record(third, "a.test.lua", S(20));
    g_assert_true(pv_history_save(third, &error));
    seen = pv_history_load(path, "/t", &warning);
    g_assert_cmpint(pv_history_get(seen, "a.test.lua"), ==, S(15));
    g_assert_cmpint(pv_history_get(seen, "b.test.lua"), ==, S(4));
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
        "{\"version\": 2, \"files\": {"
        "\"max.test.lua\": {\"duration_ns\": 9223372036854775807, \"runs\": 1},"
        "\"eight-days.test.lua\": {\"duration_ns\": %" G_GINT64_FORMAT ", \"runs\": 1},"
        "\"week.test.lua\": {\"duration_ns\": %" G_GINT64_FORMAT ", \"runs\": 1},"
        "\"zero.test.lua\": {\"duration_ns\": 0, \"runs\": 1},"
        "\"a.test.lua\": {\"duration_ns\": 5000000000, \"runs\": 2}}}",
        week + S(24 * 3600), week);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    history = pv_history_load(path, "/t", &warning);
    g_assert_null(warning);
    g_assert_cmpint(pv_history_get(history, "max.test.lua"), ==, -1);
    g_assert_cmpint(pv_history_get(history, "eight-days.test.lua"), ==, -1);
    g_assert_cmpint(pv_history_get(history, "week.test.lua"), ==, week);
    g_assert_cmpint(pv_history_get(history, "zero.test.lua"), ==, 0);
    g_assert_cmpint(pv_history_get(history, "a.test.lua"), ==, S(5));
    g_assert_cmpuint(pv_history_count(history), ==, 3);
    /* The next run of the file replaces the entry, not averages with it. */
    pv_history_record(history, "max.test.lua", S(3));
    g_assert_true(pv_history_save(history, &error));
    g_assert_no_error(error);
    again = pv_history_load(path, "/t", &warning);
    g_assert_cmpint(pv_history_get(again, "max.test.lua"), ==, S(3));
    g_assert_cmpint(pv_history_get(again, "a.test.lua"), ==, S(5));
    remove_dir(dir);
}

/*
 * One entry that is not a duration (negative, null, a fraction, past
 * INT64_MAX, a string, not an object) is left out alone: the other files'
 * entries are read, and kept when the run saves.
 */
static void
test_history_bad_entries(void)
{
    const char *const bad[] = {
        "{\"duration_ns\": -5}",
        "{\"duration_ns\": null}",
        "{\"duration_ns\": 1e300}",
        "{\"duration_ns\": 18446744073709551615}",
        "{\"duration_ns\": \"5\"}",
        "{\"runs\": 3}",
        "7",
        "null",
    };
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *text = g_strdup_printf(
            "{\"version\": 2, \"files\": {\"bad.test.lua\": %s, "
            "\"good.test.lua\": {\"duration_ns\": 5000000000, \"runs\": 2, "
            "\"ts\": 1796000000000000000}}}", bad[i]);
        g_autofree char *warning = NULL;
        g_autoptr(PvHistory) history = NULL;
        g_autoptr(PvHistory) again = NULL;
        g_autoptr(GError) error = NULL;

        g_test_message("bad.test.lua: %s", bad[i]);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        history = pv_history_load(path, "/t", &warning);
        g_assert_null(warning);
        g_assert_cmpint(pv_history_get(history, "bad.test.lua"), ==, -1);
        g_assert_cmpint(pv_history_get(history, "good.test.lua"), ==, S(5));
        g_assert_cmpuint(pv_history_count(history), ==, 1);
        /* Another file's run saves: good.test.lua's entry is not lost. */
        pv_history_record(history, "other.test.lua", S(2));
        g_assert_true(pv_history_save(history, &error));
        g_assert_no_error(error);
        again = pv_history_load(path, "/t", &warning);
        g_assert_null(warning);
        g_assert_cmpint(pv_history_get(again, "good.test.lua"), ==, S(5));
        g_assert_cmpint(pv_history_get(again, "other.test.lua"), ==, S(2));
    }
    /* A version 1 history: the same, under the corpus root. */
    g_assert_true(g_file_set_contents(path, "{\"version\": 1, \"files\": {"
                                      "\"/t/a.test.lua\": {\"duration_ns\": -3}, "
                                      "\"/t/b.test.lua\": 7, "
                                      "\"/t/c.test.lua\": {\"duration_ns\": 4000000000}}}",
                                      -1, NULL));
    {
        g_autofree char *warning = NULL;
        g_autoptr(PvHistory) history = pv_history_load(path, "/t", &warning);

        g_assert_null(warning);
        g_assert_cmpint(pv_history_get(history, "a.test.lua"), ==, -1);
        g_assert_cmpint(pv_history_get(history, "b.test.lua"), ==, -1);
        g_assert_cmpint(pv_history_get(history, "c.test.lua"), ==, S(4));
    }
    remove_dir(dir);
}

/* An empty file (or only blanks) is an empty history: no warning, no critical. */
static void
test_history_empty(void)
{
    const char *const empty[] = { "", "\n  \n" };
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    g_autofree char *in = g_build_filename(dir, "in.json", NULL);
    g_autofree char *out = g_build_filename(dir, "out.json", NULL);
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(empty); i++) {
        g_autofree char *warning = NULL;
        g_autoptr(PvHistory) history = NULL;
        g_autoptr(PvHistory) again = NULL;
        g_autoptr(GError) error = NULL;
        const char *inputs[] = { in, NULL };
        guint count = 99;

        g_assert_true(g_file_set_contents(path, empty[i], -1, NULL));
        history = pv_history_load(path, "/t", &warning);
        g_assert_null(warning);
        g_assert_cmpuint(pv_history_count(history), ==, 0);
        pv_history_record(history, "a.test.lua", S(2));
        g_assert_true(pv_history_save(history, &error));
        g_assert_no_error(error);
        again = pv_history_load(path, "/t", &warning);
        g_assert_cmpint(pv_history_get(again, "a.test.lua"), ==, S(2));
        /* provium history merge takes it as a history of no file. */
        g_assert_true(g_file_set_contents(in, empty[i], -1, NULL));
        g_assert_true(pv_history_merge_files(out, inputs, &count, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(count, ==, 0);
    }
    g_unlink(in);
    g_unlink(out);
    remove_dir(dir);
}

static void
test_history_nothing_recorded(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    g_autofree char *warning = NULL;
    g_autoptr(PvHistory) history = pv_history_load(path, "/t", &warning);
    g_autoptr(GError) error = NULL;

    g_assert_true(pv_history_save(history, &error));
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    remove_dir(dir);
}

static void
test_history_key(void)
{
    const struct {
        const char *root;
        const char *abs_path;
        const char *key;
    } cases[] = {
        { "/builds/p/tests", "/builds/p/tests/net/a.test.lua", "net/a.test.lua" },
        { "/builds/p/tests/", "/builds/p/tests/a.test.lua", "a.test.lua" },
        { "/", "/a.test.lua", "a.test.lua" },
        /* Not under the root: the path itself, which no relative key equals. */
        { "/builds/p/tests", "/builds/p/tests2/a.test.lua", "/builds/p/tests2/a.test.lua" },
        { "/builds/p/tests", "/builds/p/tests", "/builds/p/tests" },
        { NULL, "/x/a.test.lua", "/x/a.test.lua" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *key = pv_history_make_key(cases[i].root, cases[i].abs_path);

        g_assert_cmpstr(key, ==, cases[i].key);
    }
}

/*
 * A clone in another directory reads the history a run in the first wrote,
 * and a history of an older provium, keyed by absolute paths, is read for
 * the files under the corpus root.
 */
static void
test_history_moved(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, PV_HISTORY_FILENAME, NULL);
    g_autofree char *warning = NULL;
    g_autofree char *text = NULL;
    g_autoptr(PvHistory) first = pv_history_load(path, "/home/me/corpus", &warning);
    g_autoptr(PvHistory) clone = NULL;
    g_autoptr(PvHistory) old = NULL;
    g_autoptr(PvHistory) again = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *a = pv_history_make_key("/home/me/corpus", "/home/me/corpus/net/a.test.lua");
    g_autofree char *b = pv_history_make_key("/builds/ci/corpus", "/builds/ci/corpus/net/a.test.lua");

    pv_history_record(first, a, S(3));
    g_assert_true(pv_history_save(first, &error));
    clone = pv_history_load(path, "/builds/ci/corpus", &warning);
    g_assert_null(warning);
    g_assert_cmpint(pv_history_get(clone, b), ==, S(3));

    g_assert_true(g_file_set_contents(path,
        "{\"version\": 1, \"files\": {"
        "\"/home/me/corpus/net/a.test.lua\": {\"duration_ns\": 5000000000, \"runs\": 2},"
        "\"/home/me/corpus/b.test.lua\": {\"duration_ns\": 1000000000, \"runs\": 1},"
        "\"/elsewhere/c.test.lua\": {\"duration_ns\": 9000000000, \"runs\": 1}}}", -1, NULL));
    old = pv_history_load(path, "/home/me/corpus", &warning);
    g_assert_null(warning);
    g_assert_cmpuint(pv_history_count(old), ==, 2);
    g_assert_cmpint(pv_history_get(old, "net/a.test.lua"), ==, S(5));
    g_assert_cmpint(pv_history_get(old, "b.test.lua"), ==, S(1));
    g_assert_cmpint(pv_history_get(old, "c.test.lua"), ==, -1);
    g_assert_cmpint(pv_history_get(old, "/elsewhere/c.test.lua"), ==, -1);
    /* Saving writes the new format, keyed by relative paths. */
    pv_history_record(old, "b.test.lua", S(3));
    g_assert_true(pv_history_save(old, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "\"version\" : 2"));
    g_assert_null(strstr(text, "/home/me"));
    g_assert_null(strstr(text, "elsewhere"));
    again = pv_history_load(path, "/somewhere/else", &warning);
    g_assert_cmpint(pv_history_get(again, "net/a.test.lua"), ==, S(5));
    g_assert_cmpint(pv_history_get(again, "b.test.lua"), ==, S(2));
    remove_dir(dir);
}

static char *
write_history(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

#define ENTRY(key, s, ts) \
    "\"" key "\": {\"duration_ns\": " #s "000000000, \"runs\": 1, \"ts\": " #ts "}"

/* The histories of three shards: of each file, its latest run's entry. */
static void
test_history_merge_files(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *one = write_history(dir, "1.json", "{\"version\": 2, \"files\": {"
                                         ENTRY("a", 1, 100) "," ENTRY("b", 2, 100) ","
                                         ENTRY("c", 3, 100) "}}");
    g_autofree char *two = write_history(dir, "2.json", "{\"version\": 2, \"files\": {"
                                         ENTRY("a", 10, 200) "," ENTRY("b", 20, 50) ","
                                         ENTRY("c", 30, 100) "}}");
    g_autofree char *three = write_history(dir, "3.json", "{\"version\": 2, \"files\": {"
                                           ENTRY("d", 4, 1) "}}");
    g_autofree char *old = write_history(dir, "old.json", "{\"version\": 1, \"files\": {"
                                         "\"/x/a\": {\"duration_ns\": 1}}}");
    g_autofree char *broken = write_history(dir, "broken.json", "{\"version\": 2");
    g_autofree char *missing = g_build_filename(dir, "missing.json", NULL);
    g_autofree char *out = g_build_filename(dir, "out.json", NULL);
    const char *inputs[] = { one, two, three, NULL };
    const char *with_old[] = { one, old, NULL };
    const char *with_broken[] = { one, broken, NULL };
    const char *with_missing[] = { one, missing, NULL };
    g_autofree char *warning = NULL;
    g_autoptr(PvHistory) merged = NULL;
    g_autoptr(GError) error = NULL;
    guint count = 0;

    g_assert_true(pv_history_merge_files(out, inputs, &count, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(count, ==, 4);
    merged = pv_history_load(out, "/r", &warning);
    g_assert_null(warning);
    g_assert_cmpint(pv_history_get(merged, "a"), ==, S(10));  /* newer in 2 */
    g_assert_cmpint(pv_history_get(merged, "b"), ==, S(2));   /* newer in 1 */
    g_assert_cmpint(pv_history_get(merged, "c"), ==, S(30));  /* as new: the later input */
    g_assert_cmpint(pv_history_get(merged, "d"), ==, S(4));

    /* OUT may be an input. */
    inputs[0] = out;
    inputs[2] = NULL;
    g_assert_true(pv_history_merge_files(out, inputs, &count, &error));
    g_assert_cmpuint(count, ==, 4);

    /* A mistake writes nothing, and says which file. */
    g_unlink(out);
    g_assert_false(pv_history_merge_files(out, with_old, &count, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, old));
    g_assert_nonnull(strstr(error->message, "absolute paths"));
    g_clear_error(&error);
    g_assert_false(pv_history_merge_files(out, with_broken, &count, &error));
    g_assert_nonnull(strstr(error->message, broken));
    g_clear_error(&error);
    g_assert_false(pv_history_merge_files(out, with_missing, &count, &error));
    g_assert_nonnull(strstr(error->message, missing));
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    g_unlink(one);
    g_unlink(two);
    g_unlink(three);
    g_unlink(old);
    g_unlink(broken);
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
    g_test_add_func("/history/bad-entries", test_history_bad_entries);
    g_test_add_func("/history/empty", test_history_empty);
    g_test_add_func("/history/nothing-recorded", test_history_nothing_recorded);
    g_test_add_func("/history/key", test_history_key);
    g_test_add_func("/history/moved", test_history_moved);
    g_test_add_func("/history/merge-files", test_history_merge_files);
    g_test_add_func("/order/longest-first", test_order_longest_first);
    g_test_add_func("/order/unknown-is-median", test_order_unknown_is_median);
    g_test_add_func("/order/no-history", test_order_no_history);
    g_test_add_func("/order/names", test_order_names);
    g_test_add_func("/order/estimate", test_estimate);
    return g_test_run();
}
