/*
 * pv-shard.c: which share of a corpus one CI job runs
 *
 * Pure functions.  A corpus split over N jobs (--shard K/N) must split the
 * same way in every job, on every machine: each file is known by its key
 * (its path relative to the corpus root, never an absolute path), keys are
 * compared byte by byte (no locale), and the digest is SHA-256 (no hash
 * seed).  Three ways to split:
 *
 *   hash   a file's share is a digest of its key modulo N: adding or
 *          removing a file moves no other file
 *   slice  round robin over the keys in sorted order
 *   time   files are packed longest first (by the duration history) into
 *          the share with the least expected work so far, so that every
 *          job ends at about the same time; the shares' expected work
 *          then differs by at most the longest file.  Files the history
 *          does not know go by hash, counting as the median of the known
 *          ones, before the known ones are packed around them; with no
 *          history at all, time is hash.
 *
 * Every file is in exactly one share; a share may be empty.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "pv-error.h"
#include "pv-order.h"
#include "pv-shard.h"

PV_ENUM_IMPL(pv_shard_mode, PvShardMode, PV_SHARD_LAST,
             "time", "hash", "slice");

/* Digits only: no sign, no space, no hexadecimal; 1 to PV_SHARD_MAX. */
static gboolean
pv_shard_parse_number(const char *text, guint64 min, guint64 *value)
{
    const char *p;

    if (!*text)
        return FALSE;
    for (p = text; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
    }
    return g_ascii_string_to_unsigned(text, 10, min, PV_SHARD_MAX, value, NULL);
}

/**
 * pv_shard_parse:
 * @text: --shard's value: K/N, MODE:K/N (MODE time, hash or slice), env or
 *   MODE:env
 *
 * Returns: FALSE with @error set (usage, naming --shard) when @text is none
 *   of those or K is not within 1..N; @shard untouched then
 */
gboolean
pv_shard_parse(const char *text, PvShard *shard, GError **error)
{
    PvShard parsed = { PV_SHARD_TIME, FALSE, FALSE, 0, 0 };
    const char *colon = strchr(text, ':');
    const char *rest = text;
    g_auto(GStrv) numbers = NULL;
    guint64 index = 0;
    guint64 total = 0;

    if (colon) {
        g_autofree char *mode = g_strndup(text, colon - text);

        if (!pv_shard_mode_from_string(mode, &parsed.mode))
            goto invalid;
        parsed.mode_given = TRUE;
        rest = colon + 1;
    }
    if (g_str_equal(rest, "env")) {
        parsed.from_env = TRUE;
        *shard = parsed;
        return TRUE;
    }
    numbers = g_strsplit(rest, "/", -1);
    if (g_strv_length(numbers) != 2 || !pv_shard_parse_number(numbers[0], 0, &index) ||
        !pv_shard_parse_number(numbers[1], 1, &total))
        goto invalid;
    if (index < 1 || index > total) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--shard: '%s': there is no share %u of %u (K/N takes 1 <= K <= N)"),
                    text, (guint)index, (guint)total);
        return FALSE;
    }
    parsed.index = index;
    parsed.total = total;
    *shard = parsed;
    return TRUE;

 invalid:
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("--shard: '%s' is not a share: write K/N (1 <= K <= N <= %u), time:K/N, "
                  "hash:K/N, slice:K/N or env"), text, PV_SHARD_MAX);
    return FALSE;
}

/*
 * One CI's pair of variables (either may be NULL, unset): @base 1 (GitLab)
 * or 0 (Bazel).  Returns: FALSE with @error set when they do not name a
 * share.
 */
static gboolean
pv_shard_env_pair(const char *index_name, const char *index_text, const char *total_name,
                  const char *total_text, guint base, PvShard *shard, GError **error)
{
    guint64 index = 0;
    guint64 total = 0;

    if (!index_text || !total_text) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--shard env: %s is set but not %s; set both, or write --shard K/N"),
                    index_text ? index_name : total_name, index_text ? total_name : index_name);
        return FALSE;
    }
    if (!pv_shard_parse_number(total_text, 1, &total) ||
        !pv_shard_parse_number(index_text, 0, &index) || index < base ||
        index - base >= total) {
        if (base == 1)
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("--shard env: %s=%s and %s=%s do not name a share (the first counts "
                          "from 1 to the second)"), index_name, index_text, total_name,
                        total_text);
        else
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("--shard env: %s=%s and %s=%s do not name a share (the first counts "
                          "from 0 to the second minus 1)"), index_name, index_text, total_name,
                        total_text);
        return FALSE;
    }
    shard->index = index - base + 1;
    shard->total = total;
    return TRUE;
}

/**
 * pv_shard_from_env:
 * @envp: the environment (g_get_environ())
 * @shard: parsed from "env" or "MODE:env"; its index and total are set
 * @status_file: (out) (transfer full) (nullable): Bazel's
 *   TEST_SHARD_STATUS_FILE, which the runner must touch to say it shards
 *
 * The share a CI gives this job: Bazel's TEST_SHARD_INDEX (from 0) and
 * TEST_TOTAL_SHARDS, else GitLab's CI_NODE_INDEX (from 1) and
 * CI_NODE_TOTAL (alone, 1 in a job without parallel:, the whole corpus).
 * Returns: FALSE with @error set (usage) when none is set, or what is set
 *   is not a share; nothing is set then
 */
gboolean
pv_shard_from_env(const char *const *envp, PvShard *shard, char **status_file, GError **error)
{
    const char *bazel_index = g_environ_getenv((char **)envp, "TEST_SHARD_INDEX");
    const char *bazel_total = g_environ_getenv((char **)envp, "TEST_TOTAL_SHARDS");
    const char *bazel_status = g_environ_getenv((char **)envp, "TEST_SHARD_STATUS_FILE");
    const char *gitlab_index = g_environ_getenv((char **)envp, "CI_NODE_INDEX");
    const char *gitlab_total = g_environ_getenv((char **)envp, "CI_NODE_TOTAL");
    PvShard resolved = *shard;

    if (bazel_index || bazel_total) {
        if (!pv_shard_env_pair("TEST_SHARD_INDEX", bazel_index, "TEST_TOTAL_SHARDS",
                               bazel_total, 0, &resolved, error))
            return FALSE;
        *shard = resolved;
        *status_file = bazel_status && *bazel_status ? g_strdup(bazel_status) : NULL;
        return TRUE;
    }
    if (gitlab_index || gitlab_total) {
        if (!gitlab_index && gitlab_total && g_str_equal(gitlab_total, "1"))
            gitlab_index = "1";
        if (!pv_shard_env_pair("CI_NODE_INDEX", gitlab_index, "CI_NODE_TOTAL", gitlab_total,
                               1, &resolved, error))
            return FALSE;
        *shard = resolved;
        *status_file = NULL;
        return TRUE;
    }
    g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                        _("--shard env: no CI gives this job a share: set CI_NODE_INDEX and "
                          "CI_NODE_TOTAL (GitLab's parallel:, from 1) or TEST_SHARD_INDEX and "
                          "TEST_TOTAL_SHARDS (Bazel's shard_count, from 0), or write "
                          "--shard K/N"));
    return FALSE;
}

/**
 * pv_shard_hash:
 *
 * Returns: the first 8 bytes of @key's SHA-256, big-endian: the same on
 *   every machine and in every provium version
 */
guint64
pv_shard_hash(const char *key)
{
    g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 digest[32];
    gsize len = sizeof(digest);
    guint64 value = 0;
    guint i;

    g_checksum_update(checksum, (const guchar *)key, strlen(key));
    g_checksum_get_digest(checksum, digest, &len);
    for (i = 0; i < 8; i++)
        value = value << 8 | digest[i];
    return value;
}

typedef struct {
    const char *key;
    gint64 ns;
    guint index;
} PvShardItem;

/* By key, byte by byte. */
static int
pv_shard_compare_keys(const void *a, const void *b)
{
    const PvShardItem *x = a;
    const PvShardItem *y = b;

    return strcmp(x->key, y->key);
}

/* Longest first; equal ones by key. */
static int
pv_shard_compare_longest(const void *a, const void *b)
{
    const PvShardItem *x = a;
    const PvShardItem *y = b;

    if (x->ns != y->ns)
        return x->ns > y->ns ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Longest first into the share with the least work so far (the first of equals). */
static void
pv_shard_pack(const char *const *keys, const gint64 *expected, guint n, guint total,
              guint *share)
{
    g_autofree gint64 *load = g_new0(gint64, total);
    g_autofree PvShardItem *known = g_new0(PvShardItem, MAX(n, 1));
    gint64 median = pv_order_median(expected, n);
    guint count = 0;
    guint i;
    guint s;

    for (i = 0; i < n; i++) {
        if (expected[i] < 0) {
            share[i] = pv_shard_hash(keys[i]) % total;
            load[share[i]] += MAX(median, 0);
        } else {
            known[count].key = keys[i];
            known[count].ns = expected[i];
            known[count].index = i;
            count++;
        }
    }
    qsort(known, count, sizeof(*known), pv_shard_compare_longest);
    for (i = 0; i < count; i++) {
        guint least = 0;

        for (s = 1; s < total; s++) {
            if (load[s] < load[least])
                least = s;
        }
        share[known[i].index] = least;
        load[least] += known[i].ns;
    }
}

/**
 * pv_shard_assign:
 * @keys: each file's key: its path relative to the corpus root
 * @expected: (nullable): each file's expected duration, negative when the
 *   history does not know it; only PV_SHARD_TIME reads it (NULL: none known)
 * @total: how many shares, at least 1
 *
 * Returns: (transfer full): each file's share, 0-based, in the order of
 *   @keys; the same whatever order @keys come in
 */
guint *
pv_shard_assign(const char *const *keys, const gint64 *expected, guint n, PvShardMode mode,
                guint total)
{
    guint *share = g_new0(guint, MAX(n, 1));
    g_autofree PvShardItem *items = NULL;
    g_autofree gint64 *unknown = NULL;
    guint i;

    g_return_val_if_fail(total >= 1, share);
    switch (mode) {
    case PV_SHARD_HASH:
        for (i = 0; i < n; i++)
            share[i] = pv_shard_hash(keys[i]) % total;
        break;
    case PV_SHARD_SLICE:
        items = g_new0(PvShardItem, MAX(n, 1));
        for (i = 0; i < n; i++) {
            items[i].key = keys[i];
            items[i].index = i;
        }
        qsort(items, n, sizeof(*items), pv_shard_compare_keys);
        for (i = 0; i < n; i++)
            share[items[i].index] = i % total;
        break;
    case PV_SHARD_TIME:
    case PV_SHARD_LAST:
        if (!expected) {
            unknown = g_new(gint64, MAX(n, 1));
            for (i = 0; i < n; i++)
                unknown[i] = -1;
            expected = unknown;
        }
        pv_shard_pack(keys, expected, n, total, share);
        break;
    }
    return share;
}

/**
 * pv_shard_fingerprint:
 * @share: what pv_shard_assign() gave
 *
 * Who runs what, in 8 hexadecimal digits: jobs that print the same one
 * split the corpus the same way (the same files, and for time the same
 * history).
 * Returns: (transfer full)
 */
char *
pv_shard_fingerprint(const char *const *keys, const guint *share, guint n, guint total)
{
    g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree PvShardItem *items = g_new0(PvShardItem, MAX(n, 1));
    g_autofree char *head = g_strdup_printf("%u\n", total);
    guint i;

    for (i = 0; i < n; i++) {
        items[i].key = keys[i];
        items[i].index = i;
    }
    qsort(items, n, sizeof(*items), pv_shard_compare_keys);
    g_checksum_update(checksum, (const guchar *)head, strlen(head));
    for (i = 0; i < n; i++) {
        g_autofree char *line = g_strdup_printf("%s\t%u\n", items[i].key,
                                                share[items[i].index]);

        g_checksum_update(checksum, (const guchar *)line, strlen(line));
    }
    return g_strndup(g_checksum_get_string(checksum), 8);
}
