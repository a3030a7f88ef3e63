/*
 * pv-html.h: HTML written with everything from outside escaped
 */
#pragma once

#include <glib.h>

typedef struct _PvHtml PvHtml;

PvHtml *pv_html_new(void);
void pv_html_free(PvHtml *html);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvHtml, pv_html_free)

char *pv_html_escape(const char *text);
void pv_html_open(PvHtml *html, const char *tag, ...) G_GNUC_NULL_TERMINATED;
void pv_html_void(PvHtml *html, const char *tag, ...) G_GNUC_NULL_TERMINATED;
void pv_html_close(PvHtml *html, const char *tag);
void pv_html_text(PvHtml *html, const char *text);
void pv_html_printf(PvHtml *html, const char *format, ...) G_GNUC_PRINTF(2, 3);
void pv_html_element(PvHtml *html, const char *tag, const char *text, ...)
    G_GNUC_NULL_TERMINATED;
void pv_html_raw(PvHtml *html, const char *markup);
char *pv_html_end(PvHtml *html);
