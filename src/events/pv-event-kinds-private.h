/*
 * pv-event-kinds-private.h: what the constructors of pv-event-kinds*.c share
 */
#pragma once

#if !defined(PV_EVENT_KINDS_PRIVATE)
# error "only src/events/pv-event-kinds*.c include pv-event-kinds-private.h"
#endif

#include "pv-event-kinds.h"

void pv_event_emit_checked(PvEvents *events, const char *kind, GVariantBuilder *fields);
void pv_event_add_amount_value(GVariantBuilder *fields, const char *key, PvAmount amount);
void pv_event_add_double(GVariantBuilder *fields, const char *key, double value);
void pv_event_add_bool(GVariantBuilder *fields, const char *key, gboolean value);
void pv_event_add_strv(GVariantBuilder *fields, const char *key, GPtrArray *strings);
void pv_event_add_file_host(PvEvents *events, GVariantBuilder *fields, const char *path);
void pv_event_add_strings(GVariantBuilder *fields, const char *key, const char *const *strings);
