/*
 * fuzz-common.c: what the fuzz targets share
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

static char *pv_fuzz_dir;

static void
pv_fuzz_remove_dir(void)
{
    g_autoptr(GDir) dir = g_dir_open(pv_fuzz_dir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(pv_fuzz_dir, name, NULL);

        g_unlink(path);
    }
    g_rmdir(pv_fuzz_dir);
}

static GLogWriterOutput
pv_fuzz_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                   gpointer user_data)
{
    /* Messages of a run are noise at a million inputs; what is fatal shows. */
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL))
        return g_log_writer_standard_streams(level, fields, n_fields, user_data);
    return G_LOG_WRITER_HANDLED;
}

/**
 * pv_fuzz_init:
 *
 * Once per process: criticals abort (as G_DEBUG=fatal-criticals does in make
 * check), other messages are dropped, and a private directory is made for
 * pv_fuzz_write_file() (on /dev/shm when there is one: files are written for
 * every input).
 */
void
pv_fuzz_init(void)
{
    static gboolean done;
    g_autofree char *template = NULL;

    if (done)
        return;
    done = TRUE;
    template = g_build_filename(g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ?
                                "/dev/shm" : g_get_tmp_dir(), "pv-fuzz-XXXXXX", NULL);
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    g_log_set_writer_func(pv_fuzz_log_writer, NULL, NULL);
    pv_fuzz_dir = g_mkdtemp(template) ? g_steal_pointer(&template) : NULL;
    if (!pv_fuzz_dir)
        g_error("fuzz: cannot make a directory: %s", g_strerror(errno));
    atexit(pv_fuzz_remove_dir);
}

/**
 * pv_fuzz_write_file:
 * @name: a file name, no directory
 *
 * Replaces the file @name in the private directory with @data.
 * Returns: (transfer none): its path, valid until the process exits
 */
const char *
pv_fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    static GHashTable *paths;
    const char *path;
    int fd;

    if (!paths)
        paths = g_hash_table_new(g_str_hash, g_str_equal);
    path = g_hash_table_lookup(paths, name);
    if (!path) {
        path = g_build_filename(pv_fuzz_dir, name, NULL);
        g_hash_table_insert(paths, g_strdup(name), (gpointer)path);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        g_error("fuzz: cannot write %s: %s", path, g_strerror(errno));
    close(fd);
    return path;
}
