/*
 * pv-tags.c: selecting tests by their tags (--tags)
 *
 * A test declares tags (test("name", {tags = {"slow"}}, fn)); --tags says
 * which tests run: "slow,net" those having any of them, "!slow" those not
 * having it, "net,!slow" both at once.  Pure functions: the Lua prelude
 * checks the names a test declares, the run and provium list select.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#include "pv-tags.h"

/**
 * pv_tags_check_name:
 *
 * Returns: whether @tag can be a tag: letters, digits, '-', '_', '.', ':'
 */
gboolean
pv_tags_check_name(const char *tag)
{
    const char *p;

    if (!tag || !*tag)
        return FALSE;
    for (p = tag; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-_.:", *p))
            return FALSE;
    }
    return TRUE;
}

/**
 * pv_tags_parse:
 * @spec: what --tags says: "slow,net", "!slow", "net,!slow"
 *
 * Returns: (transfer full): its terms, each a tag or '!' and a tag; NULL
 *   with @error set (PV_ERROR_USAGE) when one is not a tag
 */
char **
pv_tags_parse(const char *spec, GError **error)
{
    g_auto(GStrv) terms = g_strsplit(spec, ",", -1);
    guint i;

    for (i = 0; terms[i]; i++) {
        const char *tag;

        g_strstrip(terms[i]);
        tag = terms[i][0] == '!' ? terms[i] + 1 : terms[i];
        if (!pv_tags_check_name(tag)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("--tags: '%s' is not a tag (write e.g. --tags slow,net or "
                          "--tags '!slow'; a tag has letters, digits, '-', '_', '.', ':')"),
                        terms[i]);
            return NULL;
        }
    }
    if (i == 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("--tags: no tag given (write e.g. --tags slow,net)"));
        return NULL;
    }
    return g_steal_pointer(&terms);
}

/**
 * pv_tags_select:
 * @spec: (nullable): pv_tags_parse()'s terms; NULL selects every test
 * @tags: (nullable): a test's tags
 *
 * Returns: whether the test runs: it has none of the excluded tags, and
 *   any of the wanted ones when some are named
 */
gboolean
pv_tags_select(const char *const *spec, const char *const *tags)
{
    gboolean wanted = FALSE;
    gboolean any_wanted = FALSE;
    guint i;

    if (!spec)
        return TRUE;
    for (i = 0; spec[i]; i++) {
        gboolean exclude = spec[i][0] == '!';
        const char *tag = exclude ? spec[i] + 1 : spec[i];
        gboolean has = tags && g_strv_contains(tags, tag);

        if (exclude && has)
            return FALSE;
        if (!exclude) {
            any_wanted = TRUE;
            wanted = wanted || has;
        }
    }
    return wanted || !any_wanted;
}
