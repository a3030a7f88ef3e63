/*
 * pv-html.c: HTML written with everything from outside escaped
 *
 * The report page (pv-report-html.c) shows test names, paths, reasons,
 * output and guests' consoles: bytes nobody vetted.  Every one of them
 * reaches the page through here, as text or an attribute value: made
 * valid and free of control characters (pv_text_sanitize()), then with
 * & < > " ' as character references, and with Unicode's noncharacters,
 * which HTML does not allow, as U+FFFD.  So nothing from an event can open
 * an element, end an attribute or a <script>, or make the page invalid.
 * Element and attribute names are always literals of provium's code; the
 * writer keeps the open elements and closes them in order, so the page is
 * well-formed as XML too (void elements are written "<meta ... />").
 * Markup that is not from events (the style sheet, the script, the
 * timeline that libxml2 wrote) goes in raw.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "pv-html.h"
#include "pv-text.h"

struct _PvHtml {
    GString *out;
    GPtrArray *open;       /* const char *: the open elements' tags, literals */
};

PvHtml *
pv_html_new(void)
{
    PvHtml *html = g_new0(PvHtml, 1);

    html->out = g_string_new("<!DOCTYPE html>\n");
    html->open = g_ptr_array_new();
    return html;
}

void
pv_html_free(PvHtml *html)
{
    if (!html)
        return;
    g_string_free(html->out, TRUE);
    g_ptr_array_unref(html->open);
    g_free(html);
}

/* Noncharacters: U+FDD0..U+FDEF and the last two code points of each plane. */
static gboolean
pv_html_is_noncharacter(gunichar c)
{
    return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

static void
pv_html_append_escaped(GString *out, const char *text)
{
    g_autofree char *safe = pv_text_sanitize(text, -1);
    const char *p;

    for (p = safe; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        switch (c) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        case '\'':
            g_string_append(out, "&#39;");
            break;
        default:
            if (pv_html_is_noncharacter(c))
                g_string_append_unichar(out, 0xfffd);
            else
                g_string_append_len(out, p, g_utf8_next_char(p) - p);
        }
    }
}

/**
 * pv_html_escape:
 *
 * Returns: (transfer full): @text made fit for an HTML text or an attribute
 *   value in quotes (see above)
 */
char *
pv_html_escape(const char *text)
{
    GString *out = g_string_new(NULL);

    pv_html_append_escaped(out, text ? text : "");
    return g_string_free(out, FALSE);
}

/* "<tag a="v" ...", the attributes from @ap (name, value; a NULL value is left out). */
static void
pv_html_start_tag(PvHtml *html, const char *tag, va_list ap)
{
    const char *name;

    g_string_append_printf(html->out, "<%s", tag);
    while ((name = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);

        if (!value)
            continue;
        g_string_append_printf(html->out, " %s=\"", name);
        pv_html_append_escaped(html->out, value);
        g_string_append_c(html->out, '"');
    }
}

/**
 * pv_html_open:
 * @tag: a literal
 * @...: attribute names (literals) and values, each value escaped; a NULL
 *   value leaves its attribute out; NULL after the last
 *
 * Opens an element; pv_html_close() closes it.
 */
void
pv_html_open(PvHtml *html, const char *tag, ...)
{
    va_list ap;

    va_start(ap, tag);
    pv_html_start_tag(html, tag, ap);
    va_end(ap);
    g_string_append_c(html->out, '>');
    g_ptr_array_add(html->open, (gpointer)tag);
}

/**
 * pv_html_void:
 *
 * A void element (meta, input, br): as pv_html_open(), closed at once.
 */
void
pv_html_void(PvHtml *html, const char *tag, ...)
{
    va_list ap;

    va_start(ap, tag);
    pv_html_start_tag(html, tag, ap);
    va_end(ap);
    g_string_append(html->out, " />");
}

static gboolean
pv_html_is_block(const char *tag)
{
    static const char *const blocks[] = {
        "html", "head", "body", "header", "main", "footer", "section", "article", "div",
        "p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "dl", "dd", "table", "thead", "tbody",
        "tr", "pre", "details", "form", "style", "script", "title", "nav",
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(blocks); i++) {
        if (g_str_equal(tag, blocks[i]))
            return TRUE;
    }
    return FALSE;
}

/**
 * pv_html_close:
 * @tag: the innermost open element's
 */
void
pv_html_close(PvHtml *html, const char *tag)
{
    const char *open;

    g_return_if_fail(html->open->len > 0);
    open = html->open->pdata[html->open->len - 1];
    g_return_if_fail(g_str_equal(open, tag));
    g_string_append_printf(html->out, "</%s>", open);
    g_ptr_array_set_size(html->open, html->open->len - 1);
    /* A line per block: the source stays readable. */
    if (pv_html_is_block(tag))
        g_string_append_c(html->out, '\n');
}

void
pv_html_text(PvHtml *html, const char *text)
{
    pv_html_append_escaped(html->out, text ? text : "");
}

/* @format's result escaped whole: its arguments may come from anywhere. */
void
pv_html_printf(PvHtml *html, const char *format, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, format);
    text = g_strdup_vprintf(format, ap);
    va_end(ap);
    pv_html_append_escaped(html->out, text);
}

/**
 * pv_html_element:
 * @text: (nullable): its content, escaped
 * @...: its attributes, as pv_html_open()'s
 *
 * An element with text in it.
 */
void
pv_html_element(PvHtml *html, const char *tag, const char *text, ...)
{
    va_list ap;

    va_start(ap, text);
    pv_html_start_tag(html, tag, ap);
    va_end(ap);
    g_string_append_c(html->out, '>');
    g_ptr_array_add(html->open, (gpointer)tag);
    pv_html_text(html, text);
    pv_html_close(html, tag);
}

/* @markup as it is: only what provium wrote, never text from an event. */
void
pv_html_raw(PvHtml *html, const char *markup)
{
    g_string_append(html->out, markup);
}

/**
 * pv_html_end:
 *
 * Closes what is still open.
 * Returns: (transfer full): the page
 */
char *
pv_html_end(PvHtml *html)
{
    while (html->open->len > 0)
        pv_html_close(html, html->open->pdata[html->open->len - 1]);
    return g_strdup(html->out->str);
}
