/*
 * pv-agent-private.h: what pv-agent.c and pv-agent-reply.c share
 */
#pragma once

#if !defined(PV_AGENT_PRIVATE)
# error "only src/libvirt/pv-agent*.c include pv-agent-private.h"
#endif

#include "pv-agent.h"

gboolean pv_agent_parse_file_read_capped(const char *reply, GByteArray *content, gsize cap,
                                         gboolean *eof, gboolean *larger, GError **error);
void pv_agent_set_read_file_too_large(GError **error);
