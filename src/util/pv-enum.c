/*
 * pv-enum.c: the lookups behind PV_ENUM_IMPL() (pv-enum.h)
 */
#include "config.h"

#include "pv-enum.h"

/**
 * pv_enum_to_string:
 * @names: an enum's names, in its order
 * @n: how many
 *
 * Returns: (transfer none) (nullable): @value's name, or NULL (with a
 *   critical: a caller's bug) when @value is outside the enum
 */
const char *
pv_enum_to_string(const char *const *names, guint n, gint value)
{
    g_return_val_if_fail(value >= 0 && (guint)value < n, NULL);
    return names[value];
}

/**
 * pv_enum_from_string:
 * @text: (nullable): a name, exactly as the table has it
 *
 * Returns: its index, or -1 when @text is none of @names
 */
gint
pv_enum_from_string(const char *const *names, guint n, const char *text)
{
    guint i;

    if (!text)
        return -1;
    for (i = 0; i < n; i++) {
        if (g_str_equal(names[i], text))
            return (gint)i;
    }
    return -1;
}
