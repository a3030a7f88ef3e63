/*
 * pv-digest.c: SHA-256 of bytes and files, and a cache of file digests
 *
 * Fixture keys hash the contents of kernels, initrds and disks (doc/fixtures.md).
 * SHA-256 comes from nettle, already on every libvirt host through GnuTLS,
 * because it uses the CPU's SHA extensions: on the CI machine kind it hashes
 * 400 to 500 MB/s where GLib's GChecksum does 80 to 150 MB/s.
 *
 * A disk of a few GB still costs seconds, so the digest of a file of at least
 * PV_DIGEST_CACHE_MIN_SIZE is kept in a record named after the file's device
 * and inode, valid while its size, mtime and ctime (to the nanosecond) are
 * what they were when it was hashed.  Writing a file changes its mtime and
 * ctime; setting the mtime back (touch -d, cp -p, rsync -t) still changes the
 * ctime, which no user can set.  The records are a cache: one that is
 * missing, unreadable or stale only costs a new hash.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <nettle/sha2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-digest.h"
#include "pv-error.h"

#define PV_DIGEST_BUFFER (1 << 20)
#define PV_DIGEST_RECORD_MAGIC "provium-digest 1"

static char *
pv_digest_finish(struct sha256_ctx *ctx)
{
    guint8 digest[SHA256_DIGEST_SIZE];
    char *hex = g_malloc(PV_DIGEST_HEX_LEN + 1);
    guint i;

    sha256_digest(ctx, sizeof(digest), digest);
    for (i = 0; i < sizeof(digest); i++)
        g_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return hex;
}

/**
 * pv_digest_bytes:
 *
 * Returns: (transfer full): the SHA-256 of @len bytes at @data, 64 lowercase
 *   hex digits
 */
char *
pv_digest_bytes(gconstpointer data, gsize len)
{
    struct sha256_ctx ctx;

    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    return pv_digest_finish(&ctx);
}

/**
 * pv_digest_fd:
 * @fd: open for reading, at its start
 * @path: for messages
 *
 * Reads @fd to its end.
 * Returns: (transfer full): its SHA-256 in hex, or NULL with @error set
 */
char *
pv_digest_fd(int fd, const char *path, GError **error)
{
    g_autofree guint8 *buffer = g_malloc(PV_DIGEST_BUFFER);
    struct sha256_ctx ctx;

    sha256_init(&ctx);
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        ssize_t n = read(fd, buffer, PV_DIGEST_BUFFER);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;

            g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot read %s: %s"), path,
                        g_strerror(saved));
            return NULL;
        }
        if (n == 0)
            break;
        sha256_update(&ctx, n, buffer);
    }
    return pv_digest_finish(&ctx);
}

static int
pv_digest_open(const char *path, struct stat *st, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int saved;

    if (fd < 0) {
        saved = errno;
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open %s: %s"), path,
                    g_strerror(saved));
        return -1;
    }
    if (fstat(fd, st) < 0) {
        saved = errno;
        close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot open %s: %s"), path,
                    g_strerror(saved));
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("%s is not a regular file"), path);
        return -1;
    }
    return fd;
}

/**
 * pv_digest_is_hex:
 *
 * Whether @text is a digest as this module writes them: 64 lowercase hex digits.
 */
gboolean
pv_digest_is_hex(const char *text)
{
    gsize i;

    if (!text || strlen(text) != PV_DIGEST_HEX_LEN)
        return FALSE;
    for (i = 0; i < PV_DIGEST_HEX_LEN; i++)
        if (!g_ascii_isxdigit(text[i]) || g_ascii_isupper(text[i]))
            return FALSE;
    return TRUE;
}

struct _PvDigestCache {
    char *dir;
};

/**
 * pv_digest_cache_new:
 * @dir: where the records live; made on first write.  It must be a
 *   directory only you (or root) can write: the fixture store's.
 */
PvDigestCache *
pv_digest_cache_new(const char *dir)
{
    PvDigestCache *cache = g_new0(PvDigestCache, 1);

    cache->dir = g_strdup(dir);
    return cache;
}

void
pv_digest_cache_free(PvDigestCache *cache)
{
    if (!cache)
        return;
    g_free(cache->dir);
    g_free(cache);
}

static char *
pv_digest_record_name(const struct stat *st)
{
    return g_strdup_printf("%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x",
                           (guint64)st->st_dev, (guint64)st->st_ino);
}

static char *
pv_digest_record_stamp(const struct stat *st)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld %" G_GINT64_FORMAT
                           ".%09ld", (guint64)st->st_size, (gint64)st->st_mtim.tv_sec,
                           st->st_mtim.tv_nsec, (gint64)st->st_ctim.tv_sec,
                           st->st_ctim.tv_nsec);
}

static gboolean
pv_digest_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
        a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
        a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The record's lines: magic, stamp, digest, path (for pruning). */
static char *
pv_digest_cache_lookup(PvDigestCache *cache, const struct stat *st)
{
    g_autofree char *name = pv_digest_record_name(st);
    g_autofree char *path = g_build_filename(cache->dir, name, NULL);
    g_autofree char *stamp = pv_digest_record_stamp(st);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    lines = g_strsplit(text, "\n", 5);
    if (g_strv_length(lines) < 4 || strcmp(lines[0], PV_DIGEST_RECORD_MAGIC) != 0 ||
        strcmp(lines[1], stamp) != 0 || !pv_digest_is_hex(lines[2]))
        return NULL;
    return g_strdup(lines[2]);
}

static void
pv_digest_cache_store(PvDigestCache *cache, const struct stat *st, const char *file,
                      const char *hex)
{
    g_autofree char *name = pv_digest_record_name(st);
    g_autofree char *path = g_build_filename(cache->dir, name, NULL);
    g_autofree char *stamp = pv_digest_record_stamp(st);
    g_autofree char *abs = g_canonicalize_filename(file, NULL);
    g_autofree char *text = g_strdup_printf("%s\n%s\n%s\n%s\n", PV_DIGEST_RECORD_MAGIC, stamp,
                                            hex, abs);
    g_autoptr(GError) error = NULL;

    if (g_mkdir_with_parents(cache->dir, 0755) < 0 ||
        !g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, &error))
        g_debug("cannot record the digest of %s in %s: %s", file, cache->dir,
                error ? error->message : g_strerror(errno));
}

/**
 * pv_digest_cache_file:
 * @cache: (nullable): NULL hashes every time
 * @cached: (out) (optional): whether the digest came from a record
 *
 * The SHA-256 of a file's contents, from a record when one matches the file
 * as it is now (device, inode, size, mtime and ctime), else by reading it;
 * a file of PV_DIGEST_CACHE_MIN_SIZE or more is then recorded, unless it
 * changed while it was read.
 * Returns: (transfer full): the digest in hex, or NULL with @error set
 */
char *
pv_digest_cache_file(PvDigestCache *cache, const char *path, gboolean *cached,
                     GError **error)
{
    struct stat before;
    struct stat after;
    gboolean use_cache;
    char *hex = NULL;
    int fd = pv_digest_open(path, &before, error);

    if (cached)
        *cached = FALSE;
    if (fd < 0)
        return NULL;
    use_cache = cache && (guint64)before.st_size >= PV_DIGEST_CACHE_MIN_SIZE;
    if (use_cache && (hex = pv_digest_cache_lookup(cache, &before))) {
        close(fd);
        if (cached)
            *cached = TRUE;
        return hex;
    }
    hex = pv_digest_fd(fd, path, error);
    if (hex && use_cache && fstat(fd, &after) == 0 && pv_digest_same_file(&before, &after))
        pv_digest_cache_store(cache, &after, path, hex);
    close(fd);
    return hex;
}

/**
 * pv_digest_cache_prune:
 * @dir: a cache's directory
 *
 * Removes the records of files that no longer exist as they were hashed
 * (removed, replaced or changed since).
 * Returns: how many were removed
 */
guint
pv_digest_cache_prune(const char *dir)
{
    g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
    const char *name;
    guint removed = 0;

    if (!handle)
        return 0;
    while ((name = g_dir_read_name(handle))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *text = NULL;
        g_autofree char *current_name = NULL;
        g_autofree char *stamp = NULL;
        g_auto(GStrv) lines = NULL;
        struct stat st;
        gboolean keep = FALSE;

        if (g_file_get_contents(path, &text, NULL, NULL)) {
            lines = g_strsplit(text, "\n", 5);
            if (g_strv_length(lines) >= 4 && strcmp(lines[0], PV_DIGEST_RECORD_MAGIC) == 0 &&
                stat(lines[3], &st) == 0) {
                current_name = pv_digest_record_name(&st);
                stamp = pv_digest_record_stamp(&st);
                keep = strcmp(current_name, name) == 0 && strcmp(stamp, lines[1]) == 0;
            }
        }
        if (!keep && g_unlink(path) == 0)
            removed++;
    }
    return removed;
}
