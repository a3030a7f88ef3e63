/*
 * test-shard.c: --shard: its spellings, the CI variables, and the shares:
 * every file in exactly one, the same whatever order the files come in,
 * hash shares stable when files come and go, slice round robin, time
 * shares within the longest file of each other
 */
#include "config.h"

#include <string.h>

#include "pv-error.h"
#include "pv-shard.h"

#define S(x) ((gint64)(x) * G_GINT64_CONSTANT(1000000000))

static void
test_parse_good(void)
{
    const struct {
        const char *text;
        PvShardMode mode;
        gboolean mode_given;
        gboolean from_env;
        guint index;
        guint total;
    } cases[] = {
        { "2/3", PV_SHARD_TIME, FALSE, FALSE, 2, 3 },
        { "1/1", PV_SHARD_TIME, FALSE, FALSE, 1, 1 },
        { "time:3/3", PV_SHARD_TIME, TRUE, FALSE, 3, 3 },
        { "hash:1/2", PV_SHARD_HASH, TRUE, FALSE, 1, 2 },
        { "slice:10/10000", PV_SHARD_SLICE, TRUE, FALSE, 10, 10000 },
        { "env", PV_SHARD_TIME, FALSE, TRUE, 0, 0 },
        { "hash:env", PV_SHARD_HASH, TRUE, TRUE, 0, 0 },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        PvShard shard = { PV_SHARD_LAST, 7, 7, 7, 7 };
        g_autoptr(GError) error = NULL;

        g_assert_true(pv_shard_parse(cases[i].text, &shard, &error));
        g_assert_no_error(error);
        g_assert_cmpint(shard.mode, ==, cases[i].mode);
        g_assert_cmpint(shard.mode_given, ==, cases[i].mode_given);
        g_assert_cmpint(shard.from_env, ==, cases[i].from_env);
        g_assert_cmpuint(shard.index, ==, cases[i].index);
        g_assert_cmpuint(shard.total, ==, cases[i].total);
    }
}

static void
test_parse_bad(void)
{
    const char *const bad[] = {
        "", "1", "1/", "/3", "0/3", "4/3", "1/0", "a/3", "+1/3", "-1/3", " 1/3", "1/3 ",
        "1/3/4", "1//3", "0x1/3", "foo:1/3", "hash:", "hash:x", ":1/3", "HASH:1/3",
        "hash:env:1", "time:hash:1/3", "envs", "1/10001", "1/99999999999999999999",
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        PvShard shard = { PV_SHARD_SLICE, TRUE, TRUE, 5, 9 };
        g_autoptr(GError) error = NULL;

        g_assert_false(pv_shard_parse(bad[i], &shard, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        /* One line, naming the option and what was written. */
        g_assert_true(g_str_has_prefix(error->message, "--shard: '"));
        g_assert_nonnull(strstr(error->message, bad[i]));
        g_assert_null(strchr(error->message, '\n'));
        /* Untouched. */
        g_assert_cmpint(shard.mode, ==, PV_SHARD_SLICE);
        g_assert_cmpuint(shard.index, ==, 5);
        g_assert_cmpuint(shard.total, ==, 9);
    }
}

static void
test_mode_names(void)
{
    PvShardMode mode = PV_SHARD_LAST;
    guint i;

    for (i = 0; i < PV_SHARD_LAST; i++) {
        g_assert_true(pv_shard_mode_from_string(pv_shard_mode_to_string(i), &mode));
        g_assert_cmpint(mode, ==, i);
    }
    g_assert_false(pv_shard_mode_from_string("count", &mode));
}

/* pv_shard_from_env() on @vars ("NAME=VALUE", ...), after parsing @text. */
static gboolean
from_env(const char *text, const char *const *vars, PvShard *shard, char **status,
         GError **error)
{
    g_assert_true(pv_shard_parse(text, shard, NULL));
    g_assert_true(shard->from_env);
    *status = NULL;
    return pv_shard_from_env(vars, shard, status, error);
}

static void
test_env(void)
{
    const char *const gitlab[] = { "HOME=/root", "CI_NODE_INDEX=2", "CI_NODE_TOTAL=3", NULL };
    const char *const gitlab_alone[] = { "CI_NODE_TOTAL=1", NULL };
    const char *const bazel[] = {
        "TEST_SHARD_INDEX=0", "TEST_TOTAL_SHARDS=3",
        "TEST_SHARD_STATUS_FILE=/tmp/out/shard", NULL,
    };
    /* Bazel runs the test: its variables are the test's share. */
    const char *const both[] = {
        "CI_NODE_INDEX=1", "CI_NODE_TOTAL=2", "TEST_SHARD_INDEX=4", "TEST_TOTAL_SHARDS=5", NULL,
    };
    PvShard shard;
    g_autofree char *status = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(from_env("env", gitlab, &shard, &status, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(shard.index, ==, 2);
    g_assert_cmpuint(shard.total, ==, 3);
    g_assert_cmpint(shard.mode, ==, PV_SHARD_TIME);
    g_assert_null(status);

    g_assert_true(from_env("slice:env", gitlab_alone, &shard, &status, &error));
    g_assert_cmpuint(shard.index, ==, 1);
    g_assert_cmpuint(shard.total, ==, 1);
    g_assert_cmpint(shard.mode, ==, PV_SHARD_SLICE);

    g_assert_true(from_env("env", bazel, &shard, &status, &error));
    g_assert_cmpuint(shard.index, ==, 1);
    g_assert_cmpuint(shard.total, ==, 3);
    g_assert_cmpstr(status, ==, "/tmp/out/shard");
    g_clear_pointer(&status, g_free);

    g_assert_true(from_env("env", both, &shard, &status, &error));
    g_assert_cmpuint(shard.index, ==, 5);
    g_assert_cmpuint(shard.total, ==, 5);
    g_assert_null(status);
}

static void
test_env_bad(void)
{
    const struct {
        const char *vars[3];
        const char *names[4];     /* the variables the message names */
    } cases[] = {
        { { "HOME=/root", NULL },
          { "CI_NODE_INDEX", "CI_NODE_TOTAL", "TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS" } },
        { { "CI_NODE_INDEX=0", "CI_NODE_TOTAL=3", NULL }, { "CI_NODE_INDEX=0", "CI_NODE_TOTAL=3" } },
        { { "CI_NODE_INDEX=4", "CI_NODE_TOTAL=3", NULL }, { "CI_NODE_INDEX=4" } },
        { { "CI_NODE_INDEX=1", "CI_NODE_TOTAL=x", NULL }, { "CI_NODE_TOTAL=x" } },
        { { "CI_NODE_INDEX=1", NULL }, { "CI_NODE_INDEX", "CI_NODE_TOTAL" } },
        { { "CI_NODE_TOTAL=3", NULL }, { "CI_NODE_INDEX", "CI_NODE_TOTAL" } },
        { { "TEST_SHARD_INDEX=3", "TEST_TOTAL_SHARDS=3", NULL }, { "TEST_SHARD_INDEX=3" } },
        { { "TEST_SHARD_INDEX=-1", "TEST_TOTAL_SHARDS=3", NULL }, { "TEST_SHARD_INDEX=-1" } },
        { { "TEST_SHARD_INDEX=0", "TEST_TOTAL_SHARDS=0", NULL }, { "TEST_TOTAL_SHARDS=0" } },
        { { "TEST_TOTAL_SHARDS=2", NULL }, { "TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS" } },
    };
    gsize i;
    gsize j;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        PvShard shard;
        g_autofree char *status = NULL;
        g_autoptr(GError) error = NULL;

        g_assert_false(from_env("env", cases[i].vars, &shard, &status, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        g_assert_true(g_str_has_prefix(error->message, "--shard env: "));
        g_assert_null(strchr(error->message, '\n'));
        for (j = 0; j < G_N_ELEMENTS(cases[i].names) && cases[i].names[j]; j++)
            g_assert_nonnull(strstr(error->message, cases[i].names[j]));
        g_assert_null(status);
    }
}

/* n keys "dir<i % 4>/f<i>.test.lua", owned by the returned array. */
static GPtrArray *
make_keys(guint n)
{
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; i < n; i++)
        g_ptr_array_add(keys, g_strdup_printf("dir%u/f%03u.test.lua", i % 4, i));
    g_ptr_array_add(keys, NULL);
    return keys;
}

/* Durations from 0.1 s to 60 s, some unknown when @unknown. */
static gint64 *
make_durations(guint n, gboolean unknown)
{
    gint64 *expected = g_new(gint64, MAX(n, 1));
    guint i;

    for (i = 0; i < n; i++)
        expected[i] = unknown && g_test_rand_int_range(0, 5) == 0 ? -1 :
            g_test_rand_int_range(100, 60000) * G_GINT64_CONSTANT(1000000);
    return expected;
}

/*
 * Every file in exactly one share, within 0..total-1, and the same share
 * whatever order the files are given in (reversed here).
 */
static void
test_cover(void)
{
    const guint sizes[] = { 0, 1, 2, 5, 30, 101 };
    const guint totals[] = { 1, 2, 3, 7, 40 };
    gsize a;
    gsize b;
    guint mode;

    for (mode = 0; mode < PV_SHARD_LAST; mode++) {
        for (a = 0; a < G_N_ELEMENTS(sizes); a++) {
            for (b = 0; b < G_N_ELEMENTS(totals); b++) {
                guint n = sizes[a];
                g_autoptr(GPtrArray) keys = make_keys(n);
                g_autoptr(GPtrArray) reversed = g_ptr_array_new();
                g_autofree gint64 *expected = make_durations(n, TRUE);
                g_autofree gint64 *expected_reversed = g_new(gint64, MAX(n, 1));
                g_autofree guint *share = NULL;
                g_autofree guint *share_reversed = NULL;
                g_autofree guint *counts = g_new0(guint, totals[b]);
                guint i;
                guint sum = 0;

                for (i = 0; i < n; i++) {
                    g_ptr_array_add(reversed, keys->pdata[n - 1 - i]);
                    expected_reversed[i] = expected[n - 1 - i];
                }
                g_ptr_array_add(reversed, NULL);
                share = pv_shard_assign((const char *const *)keys->pdata, expected, n, mode,
                                        totals[b]);
                share_reversed = pv_shard_assign((const char *const *)reversed->pdata,
                                                 expected_reversed, n, mode, totals[b]);
                for (i = 0; i < n; i++) {
                    g_assert_cmpuint(share[i], <, totals[b]);
                    counts[share[i]]++;
                    g_assert_cmpuint(share_reversed[n - 1 - i], ==, share[i]);
                }
                for (i = 0; i < totals[b]; i++)
                    sum += counts[i];
                g_assert_cmpuint(sum, ==, n);
            }
        }
    }
}

/* The digest is part of the format: the same on every machine and version. */
static void
test_hash_vector(void)
{
    const char *const keys[] = { "a.test.lua", "net/b.test.lua", NULL };
    g_autofree guint *share = pv_shard_assign(keys, NULL, 2, PV_SHARD_HASH, 3);

    g_assert_cmpuint(pv_shard_hash("a.test.lua"), ==, G_GUINT64_CONSTANT(5710163169969164900));
    g_assert_cmpuint(pv_shard_hash("net/b.test.lua"), ==,
                     G_GUINT64_CONSTANT(18432870509343115187));
    g_assert_cmpuint(share[0], ==, G_GUINT64_CONSTANT(5710163169969164900) % 3);
    g_assert_cmpuint(share[1], ==, G_GUINT64_CONSTANT(18432870509343115187) % 3);
}

/* Adding files moves none of the others, and hash spreads them. */
static void
test_hash_stable(void)
{
    g_autoptr(GPtrArray) keys = make_keys(200);
    g_autofree guint *before = pv_shard_assign((const char *const *)keys->pdata, NULL, 150,
                                               PV_SHARD_HASH, 4);
    g_autofree guint *after = pv_shard_assign((const char *const *)keys->pdata, NULL, 200,
                                              PV_SHARD_HASH, 4);
    guint counts[4] = { 0 };
    guint i;

    for (i = 0; i < 150; i++)
        g_assert_cmpuint(after[i], ==, before[i]);
    for (i = 0; i < 200; i++)
        counts[after[i]]++;
    for (i = 0; i < 4; i++)
        g_assert_cmpuint(counts[i], >, 20);
}

/* Round robin over the keys in sorted (byte) order, whatever order they come in. */
static void
test_slice(void)
{
    const char *const keys[] = { "b.test.lua", "a.test.lua", "B.test.lua", "c/a.test.lua",
                                 "c.test.lua", NULL };
    /* Sorted: B.test.lua a.test.lua b.test.lua c.test.lua c/a.test.lua */
    const guint want[] = { 0, 1, 0, 0, 1 };
    g_autofree guint *share = pv_shard_assign(keys, NULL, 5, PV_SHARD_SLICE, 2);
    guint i;

    for (i = 0; i < 5; i++)
        g_assert_cmpuint(share[i], ==, want[i]);
}

/* With every duration known, the shares' work differs by at most the longest file. */
static void
test_time_balance(void)
{
    guint round;

    for (round = 0; round < 200; round++) {
        guint n = g_test_rand_int_range(1, 120);
        guint total = g_test_rand_int_range(1, 9);
        g_autoptr(GPtrArray) keys = make_keys(n);
        g_autofree gint64 *expected = make_durations(n, FALSE);
        g_autofree guint *share = pv_shard_assign((const char *const *)keys->pdata, expected, n,
                                                  PV_SHARD_TIME, total);
        g_autofree gint64 *work = g_new0(gint64, total);
        gint64 longest = 0;
        gint64 most = 0;
        gint64 least = G_MAXINT64;
        guint i;

        for (i = 0; i < n; i++) {
            work[share[i]] += expected[i];
            longest = MAX(longest, expected[i]);
        }
        for (i = 0; i < total; i++) {
            most = MAX(most, work[i]);
            least = MIN(least, work[i]);
        }
        g_assert_cmpint(most - least, <=, longest);
    }
}

/* Longest first, each into the share with the least so far. */
static void
test_time_example(void)
{
    const char *const keys[] = { "a", "b", "c", "d", "e", "f", NULL };
    const gint64 expected[] = { S(1), S(7), S(3), S(5), S(4), S(2) };
    /* b 7 -> 0; d 5 -> 1; e 4 -> 2; c 3 -> 2 (7); f 2 -> 1 (7); a 1 -> 0 (8) */
    const guint want[] = { 0, 0, 2, 1, 2, 1 };
    g_autofree guint *share = pv_shard_assign(keys, expected, 6, PV_SHARD_TIME, 3);
    guint i;

    for (i = 0; i < 6; i++)
        g_assert_cmpuint(share[i], ==, want[i]);
}

/* Files the history does not know go by hash; with no history, time is hash. */
static void
test_time_unknown(void)
{
    g_autoptr(GPtrArray) keys = make_keys(40);
    g_autofree gint64 *expected = make_durations(40, TRUE);
    g_autofree guint *by_hash = pv_shard_assign((const char *const *)keys->pdata, NULL, 40,
                                                PV_SHARD_HASH, 3);
    g_autofree guint *by_time = pv_shard_assign((const char *const *)keys->pdata, expected, 40,
                                                PV_SHARD_TIME, 3);
    g_autofree guint *no_history = pv_shard_assign((const char *const *)keys->pdata, NULL, 40,
                                                   PV_SHARD_TIME, 3);
    guint i;

    for (i = 0; i < 40; i++) {
        if (expected[i] < 0)
            g_assert_cmpuint(by_time[i], ==, by_hash[i]);
        g_assert_cmpuint(no_history[i], ==, by_hash[i]);
    }
}

static void
test_fingerprint(void)
{
    const char *const keys[] = { "a", "b", "c", NULL };
    const char *const reversed[] = { "c", "b", "a", NULL };
    const guint share[] = { 0, 1, 1 };
    const guint share_reversed[] = { 1, 1, 0 };
    const guint moved[] = { 0, 1, 0 };
    g_autofree char *one = pv_shard_fingerprint(keys, share, 3, 2);
    g_autofree char *again = pv_shard_fingerprint(reversed, share_reversed, 3, 2);
    g_autofree char *other = pv_shard_fingerprint(keys, moved, 3, 2);
    g_autofree char *more = pv_shard_fingerprint(keys, share, 3, 3);

    g_assert_cmpuint(strlen(one), ==, 8);
    g_assert_cmpstr(one, ==, again);
    g_assert_cmpstr(one, !=, other);
    g_assert_cmpstr(one, !=, more);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/shard/parse/good", test_parse_good);
    g_test_add_func("/shard/parse/bad", test_parse_bad);
    g_test_add_func("/shard/parse/modes", test_mode_names);
    g_test_add_func("/shard/env/good", test_env);
    g_test_add_func("/shard/env/bad", test_env_bad);
    g_test_add_func("/shard/assign/cover", test_cover);
    g_test_add_func("/shard/hash/vector", test_hash_vector);
    g_test_add_func("/shard/hash/stable", test_hash_stable);
    g_test_add_func("/shard/slice", test_slice);
    g_test_add_func("/shard/time/balance", test_time_balance);
    g_test_add_func("/shard/time/example", test_time_example);
    g_test_add_func("/shard/time/unknown", test_time_unknown);
    g_test_add_func("/shard/fingerprint", test_fingerprint);
    return g_test_run();
}
