/*
 * pv-digest.h: SHA-256 of bytes and files, and a cache of file digests
 */
#pragma once

#include <glib.h>

#define PV_DIGEST_HEX_LEN 64

/* Files smaller than this are hashed every time: reading them costs less
 * than the cache's own record. */
#define PV_DIGEST_CACHE_MIN_SIZE (G_GUINT64_CONSTANT(1) << 20)

char *pv_digest_bytes(gconstpointer data, gsize len);
char *pv_digest_fd(int fd, const char *path, GError **error);
gboolean pv_digest_is_hex(const char *text);

typedef struct _PvDigestCache PvDigestCache;

PvDigestCache *pv_digest_cache_new(const char *dir);
void pv_digest_cache_free(PvDigestCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvDigestCache, pv_digest_cache_free)

char *pv_digest_cache_file(PvDigestCache *cache, const char *path, gboolean *cached,
                           GError **error);
guint pv_digest_cache_prune(const char *dir);
