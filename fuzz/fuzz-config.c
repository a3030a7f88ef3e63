/*
 * fuzz-config.c: loading provium.conf (src/config/pv-config.c)
 *
 * The input is a whole provium.conf.  Every profile it names is then looked
 * up, as a test asking for it would (paths resolve under a private
 * directory, so lookups fail quietly), and the [run] group read.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "pv-config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path;
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(GStrv) groups = NULL;
    gsize i;

    pv_fuzz_init();
    path = pv_fuzz_write_file("provium.conf", data, size);
    config = pv_config_load(path, NULL);
    if (!config)
        return 0;

    pv_config_get_default_memory(config);
    if (g_key_file_load_from_data(kf, (const char *)data, size, G_KEY_FILE_NONE, NULL))
        groups = g_key_file_get_groups(kf, NULL);
    for (i = 0; groups && groups[i]; i++) {
        const char *name = groups[i] + strlen("profile");
        g_autoptr(PvProfile) profile = NULL;
        g_autoptr(PvProfile) copy = NULL;

        /* [run] holds no profile. */
        if (!g_str_has_prefix(groups[i], "profile"))
            continue;
        name += strspn(name, " ");
        profile = pv_config_get_profile(config, name, NULL);
        if (profile)
            copy = pv_profile_copy(profile);
    }
    for (i = 0; i < pv_config_peek_run_settings(config)->len; i++) {
        const PvConfigSetting *setting = pv_config_peek_run_settings(config)->pdata[i];

        /* Only known keys are kept, as options' names. */
        PV_FUZZ_ASSERT(g_strv_contains(pv_config_run_keys(), setting->key));
    }
    pv_profile_free(pv_config_get_profile(config, NULL, NULL));
    /* No group name holds a ']' */
    PV_FUZZ_ASSERT(!pv_config_get_profile(config, "no]such", NULL));
    return 0;
}
