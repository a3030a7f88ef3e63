/*
 * pv-datadir.h: where provium's templates and Lua prelude live
 */
#pragma once

#include <glib.h>

const char *pv_datadir_get(void);
char *pv_datadir_build_path(const char *first_element, ...) G_GNUC_NULL_TERMINATED;
