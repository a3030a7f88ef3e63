/*
 * pv-cloud-init.c: what a profile and a VM say of the VM's cloud-init
 * NoCloud seed
 *
 * A profile turns seeds on with cloud_init = yes and names a user-data
 * file with user_data = FILE (relative to its provium.conf, like its other
 * files); a VM's own cloud_init option (provium:vm(): true, false, or a
 * table of user_data, meta_data and network_config) goes over them in the
 * VM's copy of its profile.  What the seed holds is net/pv-seed.c's; the
 * VM's boot makes it (vm/pv-vm-seed.c).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-cloud-init.h"
#include "pv-config.h"
#include "pv-error.h"

/* The user-data of a seed nobody gave any: cloud-config that does nothing. */
#define PV_CLOUD_INIT_EMPTY_USER_DATA "#cloud-config\n{}\n"

void
pv_cloud_init_free(PvCloudInit *cloud_init)
{
    if (!cloud_init)
        return;
    g_free(cloud_init->user_data_file);
    g_free(cloud_init->user_data);
    g_free(cloud_init->meta_data);
    g_free(cloud_init->network_config);
    g_free(cloud_init);
}

/**
 * pv_cloud_init_copy:
 * @cloud_init: (nullable)
 * Returns: (transfer full) (nullable): a deep copy
 */
PvCloudInit *
pv_cloud_init_copy(const PvCloudInit *cloud_init)
{
    PvCloudInit *copy;

    if (!cloud_init)
        return NULL;
    copy = g_new0(PvCloudInit, 1);
    copy->enabled = cloud_init->enabled;
    copy->user_data_file = g_strdup(cloud_init->user_data_file);
    copy->user_data = g_strdup(cloud_init->user_data);
    copy->meta_data = g_strdup(cloud_init->meta_data);
    copy->network_config = g_strdup(cloud_init->network_config);
    return copy;
}

/* Whether @key is a profile key of this file's. */
gboolean
pv_cloud_init_is_key(const char *key)
{
    return g_str_equal(key, "cloud_init") || g_str_equal(key, "user_data");
}

/**
 * pv_cloud_init_set_key:
 * @cloud_init: (inout): a profile's; made when NULL
 * @value: as written, stripped
 *
 * A profile's cloud_init (yes, no, true, false, 1, 0) or user_data (a
 * file, against @config_dir).  A value that is not what the key takes is an
 * error naming the file, group and key.
 */
gboolean
pv_cloud_init_set_key(PvCloudInit **cloud_init, const char *key, const char *value,
                      const char *config_dir, const char *display_path, const char *group,
                      GError **error)
{
    static const char *const yes[] = { "yes", "true", "1", NULL };
    static const char *const no[] = { "no", "false", "0", NULL };
    PvCloudInit *ci;

    if (g_str_equal(key, "cloud_init") && !g_strv_contains(yes, value) &&
        !g_strv_contains(no, value)) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s: [%s] cloud_init: '%s' is not yes or no"),
                    display_path, group, value);
        return FALSE;
    }
    if (g_str_equal(key, "user_data") && !*value) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s: [%s] user_data: give a file of cloud-init user-data"),
                    display_path, group);
        return FALSE;
    }
    if (!*cloud_init)
        *cloud_init = g_new0(PvCloudInit, 1);
    ci = *cloud_init;
    if (g_str_equal(key, "cloud_init")) {
        ci->enabled = g_strv_contains(yes, value);
    } else {
        g_free(ci->user_data_file);
        ci->user_data_file = pv_profile_resolve_path(config_dir, value);
    }
    return TRUE;
}

/**
 * pv_cloud_init_set_vm:
 * @cloud_init: (inout): the VM's copy of its profile's; made when NULL
 * @user_data: (nullable): replaces the profile's file
 * @meta_data: (nullable): a JSON object
 * @network_config: (nullable)
 *
 * A VM's own cloud_init option: what it sets replaces the profile's.
 */
void
pv_cloud_init_set_vm(PvCloudInit **cloud_init, gboolean enabled, const char *user_data,
                     const char *meta_data, const char *network_config)
{
    PvCloudInit *ci;

    if (!*cloud_init)
        *cloud_init = g_new0(PvCloudInit, 1);
    ci = *cloud_init;
    ci->enabled = enabled;
    if (user_data) {
        g_free(ci->user_data);
        ci->user_data = g_strdup(user_data);
    }
    if (meta_data) {
        g_free(ci->meta_data);
        ci->meta_data = g_strdup(meta_data);
    }
    if (network_config) {
        g_free(ci->network_config);
        ci->network_config = g_strdup(network_config);
    }
}

gboolean
pv_cloud_init_is_enabled(const PvCloudInit *cloud_init)
{
    return cloud_init && cloud_init->enabled;
}

/**
 * pv_cloud_init_read_user_data:
 *
 * The seed's user-data: the VM's own, else the profile's file, else
 * cloud-config that does nothing (NoCloud needs the file).
 * Returns: (transfer full): the text, or NULL with @error set
 */
char *
pv_cloud_init_read_user_data(const PvCloudInit *cloud_init, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    char *text = NULL;

    if (cloud_init && cloud_init->user_data)
        return g_strdup(cloud_init->user_data);
    if (!cloud_init || !cloud_init->user_data_file)
        return g_strdup(PV_CLOUD_INIT_EMPTY_USER_DATA);
    if (!g_file_get_contents(cloud_init->user_data_file, &text, NULL, &local_error)) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG, _("cannot read user_data file: %s"),
                    local_error->message);
        return NULL;
    }
    return text;
}

/**
 * pv_cloud_init_describe:
 *
 * What of the seed a fixture's key must hold: whether there is one, and
 * what it is made of (the user-data's text, not its file's name).
 * Returns: (transfer full): the text, or NULL with @error set
 */
char *
pv_cloud_init_describe(const PvCloudInit *cloud_init, GError **error)
{
    g_autofree char *user_data = NULL;

    if (!pv_cloud_init_is_enabled(cloud_init))
        return g_strdup("off");
    user_data = pv_cloud_init_read_user_data(cloud_init, error);
    if (!user_data)
        return NULL;
    return g_strdup_printf("on\nuser-data %zu\n%s\nmeta-data %s\nnetwork-config %zu\n%s",
                           strlen(user_data), user_data,
                           cloud_init->meta_data ? cloud_init->meta_data : "",
                           cloud_init->network_config ? strlen(cloud_init->network_config) : 0,
                           cloud_init->network_config ? cloud_init->network_config : "");
}
