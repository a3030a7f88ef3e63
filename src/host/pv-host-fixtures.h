/*
 * pv-host-fixtures.h: the fixture cache of a host whose files are not this
 * machine's
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-fixture-store.h"
#include "pv-storage-pool.h"

/* What a slot's file is called in the pool: "DOMAIN.fixture-memory-state" */
#define PV_HOST_FIXTURES_VOLUME_MARK ".fixture-"

char *pv_host_fixtures_identity(virConnect *conn, gboolean create, GError **error);
char *pv_host_fixtures_dir(const char *cache_dir, const char *identity);
char *pv_host_fixtures_volume(const char *domain_name, const char *file);
void pv_host_fixtures_count_volumes(PvFixtureStore *store, virConnect *conn);
gboolean pv_host_fixtures_prune(PvFixtureStore *store, virConnect *conn, guint64 max_size,
                                PvFixturePruneFunc report, gpointer user_data,
                                guint64 *remaining, GError **error);
