/*
 * pv-seed.h: a VM's cloud-init NoCloud seed: its files and its image
 */
#pragma once

#include <glib.h>

#include "pv-network.h"

#define PV_SEED_VOLUME_ID "cidata"

/**
 * PvSeedInputs:
 *
 * What one boot's seed is made of.  Strings are borrowed.
 */
typedef struct {
    const char *instance_id;     /* new for each boot */
    const char *hostname;        /* the VM's name */
    const char *meta_data;       /* nullable: the VM's own, a JSON object merged over */
    const char *user_data;
    const char *network_config;  /* nullable: the VM's own, replacing provium's */
    const PvNic *const *nics;    /* the VM's NICs on the file's networks */
    guint n_nics;
} PvSeedInputs;

char *pv_seed_meta_data(const char *instance_id, const char *hostname, const char *over,
                        GError **error);
char *pv_seed_network_config(const PvNic *const *nics, guint n_nics);
GBytes *pv_seed_image(const PvSeedInputs *inputs, gint64 mtime, GError **error);
