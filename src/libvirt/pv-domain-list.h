/*
 * pv-domain-list.h: every domain of a libvirt host, as `provium clean` and
 * a run's prefix check see them
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/**
 * PvDomainEntry:
 *
 * One domain of the host, whoever made it.
 */
typedef struct {
    char *name;
    char *metadata;      /* nullable: provium's <metadata> element (pv-template.c); NULL
                            when it has none, so it is not provium's */
    char *lease;         /* nullable: its lease element (pv-domain-lease.c) */
    /* private */
    virDomain *dom;
} PvDomainEntry;

void pv_domain_entry_free(PvDomainEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvDomainEntry, pv_domain_entry_free)

GPtrArray *pv_domain_list(virConnect *conn, GError **error);
gboolean pv_domain_entry_remove(PvDomainEntry *entry, GError **error);
