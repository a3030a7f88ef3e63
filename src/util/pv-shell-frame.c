/*
 * pv-shell-frame.c: the text of the console channel (pv-shell-session.c):
 * a command line quoted for the shell, data as base64 lines, and a
 * command's frame read back from what the console printed.  Pure.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#include "pv-shell-session.h"

/**
 * pv_shell_quote_argv:
 * @env: (nullable): "NAME=value"s: then the command runs under `env -i`
 *   with exactly those
 *
 * Returns: (transfer full): @path and @args as one shell command line
 */
char *
pv_shell_quote_argv(const char *path, const char *const *args, const char *const *env)
{
    GString *line = g_string_new(NULL);
    gsize i;

    if (env) {
        g_string_append(line, "env -i --");
        for (i = 0; env[i]; i++) {
            g_autofree char *q = g_shell_quote(env[i]);

            g_string_append_printf(line, " %s", q);
        }
        g_string_append_c(line, ' ');
    }
    {
        g_autofree char *q = g_shell_quote(path);

        g_string_append(line, q);
    }
    for (i = 0; args && args[i]; i++) {
        g_autofree char *q = g_shell_quote(args[i]);

        g_string_append_printf(line, " %s", q);
    }
    return g_string_free(line, FALSE);
}

/**
 * pv_shell_base64_lines:
 * Returns: (transfer full): @data in base64, @line_len characters a line
 *   (a multiple of 4, so each line decodes alone); an empty vector for no data
 */
char **
pv_shell_base64_lines(GBytes *data, gsize line_len)
{
    gsize len;
    const guchar *p = g_bytes_get_data(data, &len);
    gsize per_line = line_len / 4 * 3;
    GPtrArray *lines = g_ptr_array_new();
    gsize off;

    for (off = 0; off < len; off += per_line)
        g_ptr_array_add(lines, g_base64_encode(p + off, MIN(per_line, len - off)));
    g_ptr_array_add(lines, NULL);
    return (char **)g_ptr_array_free(lines, FALSE);
}

/**
 * pv_shell_is_plain:
 *
 * Whether @text is typed as it is: printable ASCII (and tabs) on one line of
 * at most half PV_SHELL_LINE_MAX; else it travels as a file.
 */
gboolean
pv_shell_is_plain(const char *text)
{
    const char *p;

    if (strlen(text) > PV_SHELL_LINE_MAX / 2)
        return FALSE;
    for (p = text; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p > 0x7e)
            return FALSE;
    return TRUE;
}

/* Appends the base64 of each line tagged @tag ("M_o ") between @from and @to to @out. */
static void
pv_shell_collect(const char *text, gsize from, gsize to, const char *tag, GString *out)
{
    gsize tag_len = strlen(tag);
    gsize pos = from;

    while (pos < to) {
        const char *nl = memchr(text + pos, '\n', to - pos);
        gsize end = nl ? (gsize)(nl - text) : to;

        if (end - pos > tag_len && memcmp(text + pos, tag, tag_len) == 0) {
            gsize i;

            for (i = pos + tag_len; i < end; i++)
                if (g_ascii_isalnum(text[i]) || text[i] == '+' || text[i] == '/' ||
                    text[i] == '=')
                    g_string_append_c(out, text[i]);
        }
        pos = end + 1;
    }
}

static GBytes *
pv_shell_decode(GString *b64)
{
    gsize len = 0;
    guchar *bytes;

    if (b64->len == 0)
        return g_bytes_new(NULL, 0);
    bytes = g_base64_decode(b64->str, &len);
    return g_bytes_new_take(bytes, len);
}

/**
 * pv_shell_parse_framed:
 * @text: what the console printed since the command was typed
 * @end: (out): where the frame ends in @text (after "M_E STATUS\n")
 *
 * Reads one command's frame: its output and error (lines "M_o BASE64",
 * "M_e BASE64" after "M_B") and its status ("M_E STATUS").
 *
 * Returns: TRUE with @result filled when the frame is whole; FALSE when
 *   it is not yet (@error unset) or its status is not a number (@error set)
 */
gboolean
pv_shell_parse_framed(const char *text, gsize len, const char *marker, gsize *end,
                      PvShellResult *result, GError **error)
{
    g_autofree char *begin_tag = g_strdup_printf("%s_B\n", marker);
    g_autofree char *begin_cr = g_strdup_printf("%s_B\r", marker);
    g_autofree char *end_tag = g_strdup_printf("\n%s_E ", marker);
    g_autofree char *out_tag = g_strdup_printf("%s_o ", marker);
    g_autofree char *err_tag = g_strdup_printf("%s_e ", marker);
    const char *b = g_strstr_len(text, len, begin_tag);
    const char *b_cr = g_strstr_len(text, len, begin_cr);
    const char *e;
    const char *nl;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) err = g_string_new(NULL);
    g_autofree char *status = NULL;
    char *stop;
    gint64 value;

    if (!b || (b_cr && b_cr < b))
        b = b_cr;
    if (!b)
        return FALSE;
    b = memchr(b, '\n', len - (b - text));
    if (!b)
        return FALSE;
    e = g_strstr_len(b, len - (b - text), end_tag);
    if (!e)
        return FALSE;
    nl = memchr(e + 1, '\n', len - (e + 1 - text));
    if (!nl)
        return FALSE;
    status = g_strndup(e + strlen(end_tag), nl - (e + strlen(end_tag)));
    g_strstrip(g_strdelimit(status, "\r", ' '));
    value = g_ascii_strtoll(status, &stop, 10);
    if (!*status || *stop || value < 0 || value > 255) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("the shell on the console gave no exit status ('%s')"), status);
        return FALSE;
    }
    pv_shell_collect(text, b - text + 1, e - text + 1, out_tag, out);
    pv_shell_collect(text, b - text + 1, e - text + 1, err_tag, err);
    result->timed_out = FALSE;
    result->status = (int)value;
    result->out = pv_shell_decode(out);
    result->err = pv_shell_decode(err);
    *end = nl - text + 1;
    return TRUE;
}
