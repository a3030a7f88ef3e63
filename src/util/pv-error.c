/*
 * pv-error.c: provium's error domain
 */
#include "config.h"

#include "pv-error.h"

G_DEFINE_QUARK(provium-error-quark, pv_error)

/**
 * pv_error_prefix:
 * @format: what the caller was doing, a whole phrase
 *
 * Puts "@format: " before the message of @error, an error of a lower layer
 * (libvirt's own message, say), as g_prefix_error() does.  Nothing when
 * @error is NULL or not set.
 */
void
pv_error_prefix(GError **error, const char *format, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    if (!error || !*error)
        return;
    va_start(ap, format);
    what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_prefix_error(error, "%s: ", what);
}
