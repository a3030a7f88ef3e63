/*
 * pv-text.c: text from outside (test files, guests, file names) made safe
 *
 * Test names, paths, test output and a guest's output are bytes.  Two steps
 * make them safe: pv_text_make_valid() for anything that needs UTF-8 (the
 * event stream: GVariant strings, msgpack str, JSON; libvirt's XML), and
 * pv_text_sanitize() for what people and XML readers see (the terminal,
 * JUnit, the run directory's logs, the SVG timeline), where control
 * characters would move the cursor, change colors or titles, or make the
 * XML unreadable, and bidirectional controls would show text in another
 * order than it is (a U+202E in a file name).  pv_text_name() keeps a name
 * (a file's path, a test's name) on its one line.
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

/*
 * What XML 1.0 and a terminal take as they are: not C0 controls other than
 * tab and newline, DEL, C1 controls (a terminal may read U+009B as CSI), nor
 * U+FFFE and U+FFFF, which XML forbids.
 */
static gboolean
pv_text_is_safe(gunichar c)
{
    if (c == '\n' || c == '\t')
        return TRUE;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        return FALSE;
    return c != 0xfffe && c != 0xffff;
}

/*
 * Unicode's bidirectional controls (marks, embeddings, overrides, isolates):
 * invisible, they make a terminal or a browser show the text around them in
 * another order than it is written ("Trojan Source").
 */
static gboolean
pv_text_is_bidi_control(gunichar c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069);
}

static char *
pv_text_sanitize_full(const char *text, gssize len, gboolean one_line)
{
    g_autofree char *valid = pv_text_make_valid(text, len);
    GString *out = g_string_sized_new(strlen(valid));
    const char *p;

    for (p = valid; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (pv_text_is_safe(c) && !(one_line && (c == '\n' || c == '\t')) &&
            !pv_text_is_bidi_control(c))
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
        else if (c == '\r' && !one_line && (p[1] == '\n' || p[1] == '\0'))
            continue;   /* a line's end, as CRLF writes it */
        else if (c < 0x20)
            g_string_append_unichar(out, 0x2400 + c);
        else if (c == 0x7f)
            g_string_append_unichar(out, 0x2421);
        else if (pv_text_is_bidi_control(c))
            /* As Lua writes it in a string: the file's author can find it. */
            g_string_append_printf(out, "\\u{%04X}", c);
        else
            g_string_append_unichar(out, 0xfffd);
    }
    return g_string_free(out, FALSE);
}

/**
 * pv_text_sanitize:
 * @len: bytes of @text, or -1 up to its NUL
 *
 * The one place text from outside is made fit for people and XML: valid
 * UTF-8 (invalid bytes as "\xNN"), control characters shown as their
 * Unicode control pictures (ESC as U+241B "␛", DEL as U+2421 "␡", a
 * carriage return as U+240D "␍", so that "FAIL\rPASS" cannot show as
 * "PASS"), bidirectional controls as "\u{202E}", and C1 controls, U+FFFE
 * and U+FFFF as U+FFFD.  Newlines and tabs stay, and so does a line's end
 * written CRLF: a carriage return before a newline, or ending @text, is
 * dropped.
 * Returns: (transfer full)
 */
char *
pv_text_sanitize(const char *text, gssize len)
{
    return pv_text_sanitize_full(text, len, FALSE);
}

/**
 * pv_text_name:
 *
 * A name from outside (a file's path, a test's or a VM's name) as people
 * see it, on the one line it belongs to: pv_text_sanitize() with newlines,
 * tabs and carriage returns shown as control pictures too ("␊"), so no name
 * can start a line of its own ("  PASS  ...") or hide part of itself.
 * Returns: (transfer full)
 */
char *
pv_text_name(const char *text)
{
    return pv_text_sanitize_full(text, -1, TRUE);
}

/**
 * pv_text_from_bytes:
 * @bytes: (nullable): a command's output
 *
 * Every byte of @bytes, NUL-terminated: "" for NULL or none (an empty
 * GBytes has no data, and g_strndup() of that is NULL; g_strndup() also
 * stops at a NUL, as strncpy() does).
 * Returns: (transfer full)
 */
char *
pv_text_from_bytes(GBytes *bytes)
{
    gsize len = 0;
    const char *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;
    char *text = g_malloc(len + 1);

    if (len)
        memcpy(text, data, len);
    text[len] = '\0';
    return text;
}

/**
 * pv_text_one_line:
 *
 * pv_text_sanitize() with newlines and tabs as spaces: for a domain's
 * <title>, which libvirt refuses on more than one line.
 * Returns: (transfer full)
 */
char *
pv_text_one_line(const char *text)
{
    char *line = pv_text_sanitize(text, -1);

    g_strdelimit(line, "\n\t", ' ');
    return line;
}

/**
 * pv_sanitize_name:
 *
 * @text made safe for a domain name or a file name: runs of anything but
 * letters, digits, '_' and '.' become one '-', and the result is cut to
 * @max_len bytes.
 * Returns: (transfer full)
 */
char *
pv_sanitize_name(const char *text, gsize max_len)
{
    GString *out = g_string_new(NULL);
    const char *p;

    for (p = text; *p && out->len < max_len; p++) {
        if (g_ascii_isalnum(*p) || *p == '_' || *p == '.')
            g_string_append_c(out, *p);
        else if (out->len > 0 && out->str[out->len - 1] != '-')
            g_string_append_c(out, '-');
    }
    while (out->len > 0 && out->str[out->len - 1] == '-')
        g_string_truncate(out, out->len - 1);
    if (out->len == 0)
        g_string_append(out, "x");
    return g_string_free(out, FALSE);
}
