/*
 * pv-report-junit.h: JUnit XML for CI (--junit FILE)
 */
#pragma once

#include <glib.h>

typedef struct _PvJunit PvJunit;

PvJunit *pv_junit_new(const char *path, const char *host);
void pv_junit_free(PvJunit *junit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvJunit, pv_junit_free)
void pv_junit_on_event(GVariant *event, gpointer user_data);
gboolean pv_junit_write(PvJunit *junit, GError **error);
gboolean pv_junit_write_files(const char *path, const char *host, GPtrArray *files,
                              gint64 started_ns, gint64 duration_ns, GError **error);
