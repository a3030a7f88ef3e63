/*
 * pv-tags.h: selecting tests by their tags (--tags)
 */
#pragma once

#include <glib.h>

gboolean pv_tags_check_name(const char *tag);
char **pv_tags_parse(const char *spec, GError **error);
gboolean pv_tags_select(const char *const *spec, const char *const *tags);
