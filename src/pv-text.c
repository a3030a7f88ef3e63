/*
 * pv-text.c: text from outside (test files, guests, file names) made safe
 *
 * Test names, paths, test output and a guest's output are bytes.
 * pv_text_make_valid() makes them fit anything that needs UTF-8: the event
 * stream (GVariant strings, msgpack str, JSON) and libvirt's XML.
 */
#include "config.h"

#include <string.h>

#include "pv-text.h"

/**
 * pv_text_append_valid:
 * @len: bytes of @text, or -1 up to its NUL
 *
 * Appends @text to @out as valid UTF-8: each byte that is not part of a
 * valid UTF-8 character becomes the four characters "\xNN", so distinct
 * names stay distinct (a Latin-1 "café" and "cafè" do not both become
 * "caf?").  A NUL inside @len also counts as invalid.
 */
static void
pv_text_append_valid(GString *out, const char *text, gssize len)
{
    const char *p = text;
    const char *end;
    gsize left = len < 0 ? strlen(text) : (gsize)len;

    while (left > 0) {
        if (g_utf8_validate_len(p, left, &end)) {
            g_string_append_len(out, p, left);
            return;
        }
        g_string_append_len(out, p, end - p);
        left -= end - p;
        g_string_append_printf(out, "\\x%02x", (guchar)*end);
        p = end + 1;
        left--;
    }
}

/**
 * pv_text_make_valid:
 * @len: bytes of @text, or -1 up to its NUL
 *
 * Returns: (transfer full): @text as valid UTF-8 (see
 *   pv_text_append_valid()); a copy when it already was
 */
char *
pv_text_make_valid(const char *text, gssize len)
{
    GString *out;

    if (len < 0 && g_utf8_validate(text, -1, NULL))
        return g_strdup(text);
    out = g_string_sized_new(len < 0 ? strlen(text) : (gsize)len);
    pv_text_append_valid(out, text, len);
    return g_string_free(out, FALSE);
}
