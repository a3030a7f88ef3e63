/*
 * pv-cloud-init.h: what a profile and a VM say of the VM's cloud-init
 * NoCloud seed (what goes in it: net/pv-seed.c)
 */
#pragma once

#include <glib.h>

/**
 * PvCloudInit:
 *
 * A profile's cloud_init and user_data keys, with what its VM's own
 * cloud_init option sets over them (provium:vm(), in its copy of the
 * profile).  NULL strings: not set.
 */
typedef struct {
    gboolean enabled;       /* a seed is made for each boot */
    char *user_data_file;   /* the profile's user_data, absolute */
    char *user_data;        /* the VM's own: replaces the file's */
    char *meta_data;        /* the VM's own, a JSON object: merged over provium's */
    char *network_config;   /* the VM's own: replaces provium's */
} PvCloudInit;

PvCloudInit *pv_cloud_init_copy(const PvCloudInit *cloud_init);
void pv_cloud_init_free(PvCloudInit *cloud_init);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvCloudInit, pv_cloud_init_free)

gboolean pv_cloud_init_is_key(const char *key);
gboolean pv_cloud_init_set_key(PvCloudInit **cloud_init, const char *key, const char *value,
                               const char *config_dir, const char *display_path,
                               const char *group, GError **error);
void pv_cloud_init_set_vm(PvCloudInit **cloud_init, gboolean enabled, const char *user_data,
                          const char *meta_data, const char *network_config);
gboolean pv_cloud_init_is_enabled(const PvCloudInit *cloud_init);
char *pv_cloud_init_read_user_data(const PvCloudInit *cloud_init, GError **error);
char *pv_cloud_init_describe(const PvCloudInit *cloud_init, GError **error);
