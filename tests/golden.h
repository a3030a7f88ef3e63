/*
 * golden.h: golden files for the GTest programs
 */
#pragma once

#include <glib.h>

void pv_test_compare_golden(const char *path, const char *actual);
GPtrArray *pv_test_list_cases(const char *subdir, const char *suffix);
