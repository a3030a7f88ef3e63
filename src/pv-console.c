/*
 * pv-console.c: a VM's serial console output, made readable
 *
 * What a guest prints on its serial console is logged to a file in the run
 * directory.  Read back, it is cleaned of terminal escape sequences and
 * control characters for console():expect() and for the excerpts a failed
 * test shows.
 */
#include "config.h"

#include <string.h>

#include "pv-console.h"

/**
 * pv_console_sanitize:
 *
 * Console output made printable: escape sequences and control characters
 * (but newlines and tabs) removed, invalid UTF-8 replaced.
 * Returns: (transfer full)
 */
char *
pv_console_sanitize(const char *raw, gsize len)
{
    GString *out = g_string_sized_new(len);
    gsize i = 0;

    while (i < len) {
        guchar c = raw[i];

        if (c == 0x1b) {
            i++;
            if (i < len && raw[i] == '[') {
                /* CSI: parameters, then one final byte in 0x40..0x7e */
                i++;
                while (i < len && !((guchar)raw[i] >= 0x40 && (guchar)raw[i] <= 0x7e))
                    i++;
                i++;
            } else if (i < len) {
                i++;
            }
            continue;
        }
        if (c < 0x20 && c != '\n' && c != '\t') {
            i++;
            continue;
        }
        g_string_append_c(out, c);
        i++;
    }
    {
        g_autofree char *text = g_string_free(out, FALSE);

        return g_utf8_make_valid(text, -1);
    }
}

/**
 * pv_console_tail:
 * @text: sanitized console text
 *
 * Returns: (transfer full): the last @lines non-empty lines of @text,
 *   stripped, each cut to its last PV_CONSOLE_LINE_MAX characters; "" when
 *   there are none (a guest that never printed)
 */
char *
pv_console_tail(const char *text, guint lines)
{
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
    const char *end = text + strlen(text);

    /* From the end, line by line: only what is kept is copied. */
    while (end > text && kept->len < lines) {
        const char *start = end;
        char *line;

        while (start > text && start[-1] != '\n')
            start--;
        line = g_strstrip(g_strndup(start, end - start));
        if (g_utf8_strlen(line, -1) > PV_CONSOLE_LINE_MAX) {
            const char *cut = g_utf8_offset_to_pointer(line + strlen(line),
                                                       -(PV_CONSOLE_LINE_MAX - 1));
            char *shorter = g_strconcat("\u2026", cut, NULL);

            g_free(line);
            line = shorter;
        }
        if (*line)
            g_ptr_array_insert(kept, 0, line);
        else
            g_free(line);
        end = start > text ? start - 1 : text;
    }
    g_ptr_array_add(kept, NULL);
    return g_strjoinv("\n", (char **)kept->pdata);
}
