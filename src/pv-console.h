/*
 * pv-console.h: a VM's serial console output, made readable
 */
#pragma once

#include <glib.h>

/* Characters of one console line an excerpt shows, at most (its end). */
#define PV_CONSOLE_LINE_MAX 200

char *pv_console_sanitize(const char *raw, gsize len);
char *pv_console_tail(const char *text, guint lines);
