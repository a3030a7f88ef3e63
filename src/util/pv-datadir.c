/*
 * pv-datadir.c: where provium's templates and Lua prelude live
 *
 * Installed, they are under $(pkgdatadir).  Run from the build tree (make
 * check, a developer trying a change), they are in the source tree: the binary
 * knows it runs uninstalled when /proc/self/exe is the one in the build tree.
 * PROVIUM_DATADIR overrides both.
 */
#include "config.h"

#include <stdarg.h>

#include "pv-datadir.h"

static char *
pv_datadir_detect(void)
{
    const char *env = g_getenv("PROVIUM_DATADIR");
    g_autofree char *exe = NULL;
    g_autofree char *exe_dir = NULL;
    g_autofree char *build_src = NULL;
    g_autofree char *exe_real = NULL;

    if (env && *env)
        return g_strdup(env);

    exe = g_file_read_link("/proc/self/exe", NULL);
    if (exe) {
        exe_dir = g_path_get_dirname(exe);
        build_src = g_build_filename(PV_ABS_TOP_BUILDDIR, "src", NULL);
        exe_real = g_canonicalize_filename(exe_dir, NULL);
        if (g_str_equal(exe_real, build_src))
            return g_strdup(PV_ABS_TOP_SRCDIR);
    }
    return g_strdup(PV_PKGDATADIR);
}

/**
 * pv_datadir_get:
 *
 * Returns: (transfer none): the directory holding xml-templates/ and lua/
 */
const char *
pv_datadir_get(void)
{
    static gsize datadir;

    if (g_once_init_enter(&datadir))
        g_once_init_leave(&datadir, (gsize)pv_datadir_detect());
    return (const char *)datadir;
}

/**
 * pv_datadir_build_path:
 *
 * Returns: (transfer full): a path under pv_datadir_get()
 */
char *
pv_datadir_build_path(const char *first_element, ...)
{
    va_list ap;
    g_autoptr(GPtrArray) parts = g_ptr_array_new();
    const char *part;

    g_ptr_array_add(parts, (gpointer)pv_datadir_get());
    va_start(ap, first_element);
    for (part = first_element; part; part = va_arg(ap, const char *))
        g_ptr_array_add(parts, (gpointer)part);
    va_end(ap);
    g_ptr_array_add(parts, NULL);
    return g_build_filenamev((char **)parts->pdata);
}
