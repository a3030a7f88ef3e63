/*
 * pv-enum.h: an enum's names, one table checked against the enum
 *
 * As libvirt's VIR_ENUM_DECL / VIR_ENUM_IMPL (src/util/virenum.h): the
 * header declares, the .c gives the names in the enum's order, and the
 * table is held to the enum's _LAST sentinel at compile time, so a value
 * added without its name (or a name without its value) does not build.
 *
 *     pv-order.h:  PV_ENUM_DECL(pv_order, PvOrder);
 *     pv-order.c:  PV_ENUM_IMPL(pv_order, PvOrder, PV_ORDER_LAST,
 *                               "longest-first", "fifo");
 *
 * give
 *
 *     const char *pv_order_to_string(PvOrder value);
 *     gboolean pv_order_from_string(const char *text, PvOrder *value);
 *
 * and the table itself, pv_order_names[], static in that .c.  The names are
 * what events, JSON, options and users see: exact, case-sensitive.
 */
#pragma once

#include <glib.h>

const char *pv_enum_to_string(const char *const *names, guint n, gint value);
gint pv_enum_from_string(const char *const *names, guint n, const char *text);

/**
 * PV_ENUM_DECL:
 * @name: the functions' prefix (pv_order)
 * @Type: the enum (PvOrder)
 *
 * NAME_to_string(): the value's name (transfer none), or NULL (and a
 * critical) for a value outside the enum.
 * NAME_from_string(): whether @text (nullable) is one of the names; sets
 * *value only when it is.
 */
#define PV_ENUM_DECL(name, Type) \
    const char *name##_to_string(Type value); \
    gboolean name##_from_string(const char *text, Type *value)

/**
 * PV_ENUM_IMPL:
 * @name: the functions' prefix, as given to PV_ENUM_DECL()
 * @Type: the enum
 * @last: its _LAST sentinel: the number of names
 * @...: the names, in the enum's order
 */
#define PV_ENUM_IMPL(name, Type, last, ...) \
    static const char *const name##_names[] = { __VA_ARGS__ }; \
    const char * \
    name##_to_string(Type value) \
    { \
        return pv_enum_to_string(name##_names, G_N_ELEMENTS(name##_names), value); \
    } \
    gboolean \
    name##_from_string(const char *text, Type *value) \
    { \
        gint found = pv_enum_from_string(name##_names, G_N_ELEMENTS(name##_names), text); \
        if (found < 0) \
            return FALSE; \
        *value = (Type)found; \
        return TRUE; \
    } \
    G_STATIC_ASSERT(G_N_ELEMENTS(name##_names) == (last))
