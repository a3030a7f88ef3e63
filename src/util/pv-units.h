/*
 * pv-units.h: sizes ("512M") and durations ("500ms") as users write them
 */
#pragma once

#include <glib.h>

#define PV_KIB (G_GUINT64_CONSTANT(1024))
#define PV_MIB (PV_KIB * 1024)
#define PV_GIB (PV_MIB * 1024)

#define PV_NSEC_PER_MSEC (G_GINT64_CONSTANT(1000000))
#define PV_NSEC_PER_SEC (G_GINT64_CONSTANT(1000000000))

gboolean pv_size_parse(const char *str, guint64 *bytes, GError **error);
char *pv_size_format(guint64 bytes);

gboolean pv_duration_parse(const char *str, gint64 *nsec, GError **error);
char *pv_duration_format(gint64 nsec);
