/*
 * pv-text.h: text from outside (test files, guests, file names) made safe
 */
#pragma once

#include <glib.h>

char *pv_text_make_valid(const char *text, gssize len);
char *pv_text_sanitize(const char *text, gssize len);
char *pv_text_one_line(const char *text);
char *pv_text_from_bytes(GBytes *bytes);
char *pv_text_name(const char *text);
char *pv_sanitize_name(const char *text, gsize max_len);
