/*
 * golden.h: golden files for the GTest programs
 */
#pragma once

void pv_test_compare_golden(const char *path, const char *actual);
