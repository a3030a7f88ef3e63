/*
 * pv-discover.h: finding *.test.lua files under the paths given
 */
#pragma once

#include <glib.h>

#define PV_TEST_SUFFIX ".test.lua"

GPtrArray *pv_discover(const char *const *paths, const char *filter, GError **error);
