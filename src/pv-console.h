/*
 * pv-console.h: a VM's serial console output, made readable
 */
#pragma once

#include <glib.h>

char *pv_console_sanitize(const char *raw, gsize len);
char *pv_console_tail(const char *text, guint lines);
