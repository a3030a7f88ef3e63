/*
 * pv-units.c: sizes ("512M") and durations ("500ms") as users write them
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "pv-error.h"
#include "pv-units.h"

/*
 * Reads a non-negative decimal number ("12", "1.5") at *p and advances past
 * it.  Returns FALSE when *p does not start with a digit.
 */
static gboolean
pv_units_read_number(const char **p, double *value)
{
    const char *s = *p;
    double v = 0;

    if (!g_ascii_isdigit(*s))
        return FALSE;
    while (g_ascii_isdigit(*s))
        v = v * 10 + (*s++ - '0');
    if (*s == '.' && g_ascii_isdigit(s[1])) {
        double scale = 0.1;
        s++;
        while (g_ascii_isdigit(*s)) {
            v += (*s++ - '0') * scale;
            scale /= 10;
        }
    }
    *p = s;
    *value = v;
    return TRUE;
}

/**
 * pv_size_parse:
 * @str: "512M", "2G", "1536K", "1.5G" or plain bytes
 * @bytes: (out): the size in bytes, set only on success
 *
 * Units are binary (K = 1024); "MiB" and "MB" read as "M".
 */
gboolean
pv_size_parse(const char *str, guint64 *bytes, GError **error)
{
    const char *p = str;
    double value;
    double scale = 1;

    if (!str || !pv_units_read_number(&p, &value))
        goto invalid;

    switch (g_ascii_toupper(*p)) {
    case '\0':
        break;
    case 'K':
        scale = PV_KIB;
        p++;
        break;
    case 'M':
        scale = PV_MIB;
        p++;
        break;
    case 'G':
        scale = PV_GIB;
        p++;
        break;
    case 'T':
        scale = (double)PV_GIB * 1024;
        p++;
        break;
    case 'B':
        break;
    default:
        goto invalid;
    }
    if (scale > 1 && (g_ascii_strcasecmp(p, "iB") == 0 || g_ascii_strcasecmp(p, "B") == 0))
        p += strlen(p);
    else if (scale == 1 && g_ascii_strcasecmp(p, "B") == 0)
        p++;
    if (*p != '\0')
        goto invalid;

    value *= scale;
    if (value >= 18446744073709551615.0)
        goto invalid;
    *bytes = (guint64)llround(value);
    return TRUE;

 invalid:
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("invalid size '%s' (write a number with an optional K, M, G or T suffix, "
                  "e.g. 512M)"), str ? str : "");
    return FALSE;
}

/**
 * pv_size_format:
 *
 * The shortest exact-enough form: "512M", "1.5G", "300K", "17".
 * Returns: (transfer full): the text
 */
char *
pv_size_format(guint64 bytes)
{
    static const char suffixes[] = "KMGT";
    double v = bytes;
    int i = -1;

    while (v >= 1024 && i < 3) {
        v /= 1024;
        i++;
    }
    if (i < 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
    if (v == floor(v))
        return g_strdup_printf("%.0f%c", v, suffixes[i]);
    return g_strdup_printf("%.1f%c", v, suffixes[i]);
}

/**
 * pv_duration_parse:
 * @str: "500ms", "30s", "5m", "1h", "1m30s", "1.5s", or a plain number of
 *   seconds ("0")
 * @nsec: (out): the duration in nanoseconds, set only on success
 */
gboolean
pv_duration_parse(const char *str, gint64 *nsec, GError **error)
{
    const char *p = str;
    double total = 0;
    int parts = 0;

    if (!str || !*str)
        goto invalid;

    while (*p) {
        double value;
        double unit;

        if (!pv_units_read_number(&p, &value))
            goto invalid;
        if (g_str_has_prefix(p, "ms")) {
            unit = 1e6;
            p += 2;
        } else if (g_str_has_prefix(p, "us")) {
            unit = 1e3;
            p += 2;
        } else if (g_str_has_prefix(p, "ns")) {
            unit = 1;
            p += 2;
        } else if (*p == 's') {
            unit = 1e9;
            p++;
        } else if (*p == 'm') {
            unit = 60e9;
            p++;
        } else if (*p == 'h') {
            unit = 3600e9;
            p++;
        } else if (*p == '\0' && parts == 0) {
            unit = 1e9;  /* a plain number is seconds */
        } else {
            goto invalid;
        }
        total += value * unit;
        parts++;
    }
    if (total >= 9.2e18)
        goto invalid;
    *nsec = (gint64)llround(total);
    return TRUE;

 invalid:
    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                _("invalid duration '%s' (write e.g. 500ms, 30s, 5m or 1h)"), str ? str : "");
    return FALSE;
}

/**
 * pv_duration_format:
 *
 * A short human form: "850ms", "4.2s", "3m05s", "1h02m".
 * Returns: (transfer full): the text
 */
char *
pv_duration_format(gint64 nsec)
{
    gint64 ms = MAX(nsec, 0) / PV_NSEC_PER_MSEC;
    gint64 s;

    if (ms < 1000)
        return g_strdup_printf("%" G_GINT64_FORMAT "ms", ms);
    if (ms < 60 * 1000)
        return g_strdup_printf("%.1fs", ms / 1000.0);
    s = ms / 1000;
    if (s < 3600)
        return g_strdup_printf("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", s / 60, s % 60);
    return g_strdup_printf("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m",
                           s / 3600, (s / 60) % 60);
}
