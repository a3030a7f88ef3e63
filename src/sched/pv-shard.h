/*
 * pv-shard.h: which share of a corpus one CI job runs
 */
#pragma once

#include <glib.h>

#include "pv-enum.h"

/* More shares than this is not a CI's job matrix but a mistake. */
#define PV_SHARD_MAX 10000

typedef enum {
    PV_SHARD_TIME,    /* longest first into the share expected to end first; unknown by hash */
    PV_SHARD_HASH,    /* by a digest of the file's key: stable when files come and go */
    PV_SHARD_SLICE,   /* round robin over the keys in sorted order */

    PV_SHARD_LAST
} PvShardMode;

/**
 * PvShard:
 *
 * --shard as given.  @total 0: no sharding, the whole corpus.
 */
typedef struct {
    PvShardMode mode;
    gboolean mode_given;    /* FALSE: "K/N" or "env", time (by hash without a history) */
    gboolean from_env;      /* "env": @index and @total come from pv_shard_from_env() */
    guint index;            /* 1-based */
    guint total;
} PvShard;

PV_ENUM_DECL(pv_shard_mode, PvShardMode);

gboolean pv_shard_parse(const char *text, PvShard *shard, GError **error);
gboolean pv_shard_from_env(const char *const *envp, PvShard *shard, char **status_file,
                           GError **error);

guint64 pv_shard_hash(const char *key);
guint *pv_shard_assign(const char *const *keys, const gint64 *expected, guint n,
                       PvShardMode mode, guint total);
char *pv_shard_fingerprint(const char *const *keys, const guint *share, guint n, guint total);
