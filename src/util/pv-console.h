/*
 * pv-console.h: a VM's serial console output, made readable, read as it grows
 */
#pragma once

#include <glib.h>

/* Characters of one console line an excerpt shows, at most (its end). */
#define PV_CONSOLE_LINE_MAX 200

/*
 * The latest console text console():expect() searches: a match that starts
 * in the last half of it and ends in what comes next is always found.
 */
#define PV_CONSOLE_WINDOW (1024 * 1024)

gsize pv_console_sanitize_append(GString *out, const char *raw, gsize len, gboolean final);
char *pv_console_sanitize(const char *raw, gsize len);
char *pv_console_tail(const char *text, guint lines);
char *pv_console_read_tail(const char *path, guint lines);

typedef struct _PvConsoleReader PvConsoleReader;

PvConsoleReader *pv_console_reader_new(const char *path);
void pv_console_reader_free(PvConsoleReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvConsoleReader, pv_console_reader_free)
const char *pv_console_reader_peek_path(PvConsoleReader *reader);
gsize pv_console_reader_read(PvConsoleReader *reader, gsize max);
const char *pv_console_reader_peek_window(PvConsoleReader *reader, gsize *len, guint64 *start);
void pv_console_reader_trim(PvConsoleReader *reader, gsize keep);
