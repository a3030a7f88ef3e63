/*
 * pv-discover.h: finding *.test.lua files under the paths given
 */
#pragma once

#include <glib.h>

#define PV_TEST_SUFFIX ".test.lua"

#define PV_FIXTURE_SUFFIX ".fixture.lua"

GPtrArray *pv_discover_suffix(const char *const *paths, const char *filter, const char *suffix,
                              GError **error);
GPtrArray *pv_discover(const char *const *paths, const char *filter, GError **error);
char *pv_discover_root(const char *config, const char *const *paths, GPtrArray *files);
