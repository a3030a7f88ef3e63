/*
 * pv-profile.c: one [profile NAME] of a provium.conf: its keys, their
 * values checked as they are read, and the defaults of a profile that
 * sets none (pv-config.c reads the file and which profile a group starts
 * from).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-config.h"
#include "pv-console-check.h"
#include "pv-error.h"
#include "pv-units.h"

static const char *const pv_profile_keys[] = {
    "template", "kernel", "initrd", "cmdline", "disk", "memory", "cpus",
    "performance_mode", "llcs", "cores", "threads", "virt_type", "virt-type", "console_ignore",
    "boot_timeout", "inherit", "cloud_init", "user_data", "disks", "firmware", "channel",
    "console_user", "console_password", NULL
};

void
pv_profile_free(PvProfile *profile)
{
    if (!profile)
        return;
    g_free(profile->name);
    g_free(profile->origin);
    g_free(profile->inherit);
    g_free(profile->config_dir);
    g_free(profile->template_name);
    g_free(profile->template_path);
    g_free(profile->kernel);
    g_free(profile->initrd);
    g_free(profile->cmdline);
    g_free(profile->disk);
    pv_cloud_init_free(profile->cloud_init);
    if (profile->disks)
        g_ptr_array_unref(profile->disks);
    g_free(profile->console_user);
    g_free(profile->console_password);
    g_free(profile);
}

/**
 * pv_profile_copy:
 * Returns: (transfer full): a deep copy
 */
PvProfile *
pv_profile_copy(const PvProfile *profile)
{
    PvProfile *copy = g_new0(PvProfile, 1);

    copy->name = g_strdup(profile->name);
    copy->origin = g_strdup(profile->origin);
    copy->config_dir = g_strdup(profile->config_dir);
    copy->template_name = g_strdup(profile->template_name);
    copy->template_path = g_strdup(profile->template_path);
    copy->kernel = g_strdup(profile->kernel);
    copy->initrd = g_strdup(profile->initrd);
    copy->cmdline = g_strdup(profile->cmdline);
    copy->disk = g_strdup(profile->disk);
    copy->memory = profile->memory;
    copy->cpus = profile->cpus;
    copy->performance_mode = profile->performance_mode;
    copy->llcs = profile->llcs;
    copy->cores = profile->cores;
    copy->threads = profile->threads;
    copy->virt_type = profile->virt_type;
    copy->console_ignore = profile->console_ignore;
    copy->boot_timeout_ns = profile->boot_timeout_ns;
    copy->inherit = g_strdup(profile->inherit);
    copy->cloud_init = pv_cloud_init_copy(profile->cloud_init);
    copy->disks = pv_disk_specs_copy(profile->disks);
    copy->firmware = profile->firmware;
    copy->console_channel = profile->console_channel;
    copy->console_user = g_strdup(profile->console_user);
    copy->console_password = g_strdup(profile->console_password);
    return copy;
}

/* A profile that sets nothing: the default template, 256M, 1 vCPU. */
PvProfile *
pv_profile_new_default(const char *name, const char *origin)
{
    PvProfile *profile = g_new0(PvProfile, 1);

    profile->name = g_strdup(name);
    profile->origin = g_strdup(origin);
    profile->template_name = g_strdup("default");
    profile->memory = PV_PROFILE_DEFAULT_MEMORY;
    profile->cpus = PV_PROFILE_DEFAULT_CPUS;
    profile->llcs = 1;
    profile->cores = 1;
    profile->threads = 1;
    return profile;
}

/**
 * pv_profile_path_is_on_host:
 * @path: (nullable): a profile's kernel, initrd or disk
 *
 * Whether @path names a file on the libvirt host already (vol:POOL/NAME,
 * host:/PATH), which nothing reads or checks on this machine.
 */
gboolean
pv_profile_path_is_on_host(const char *path)
{
    return path && (g_str_has_prefix(path, PV_PROFILE_VOL_PREFIX) ||
                    g_str_has_prefix(path, PV_PROFILE_HOST_PREFIX));
}

/*
 * A file on the host, as written: host: takes an absolute path there,
 * vol: a pool and a volume of it.
 */
static gboolean
pv_profile_check_on_host(const char *value, const char *display_path, const char *group,
                         const char *key, GError **error)
{
    const char *rest;
    const char *slash;

    if (g_str_has_prefix(value, PV_PROFILE_HOST_PREFIX)) {
        rest = value + strlen(PV_PROFILE_HOST_PREFIX);
        if (g_path_is_absolute(rest))
            return TRUE;
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s: [%s] %s: '%s' is not an absolute path on the host: write "
                      "host:/PATH"), display_path, group, key, value);
        return FALSE;
    }
    rest = value + strlen(PV_PROFILE_VOL_PREFIX);
    slash = strchr(rest, '/');
    if (slash && slash > rest && slash[1] && !strchr(slash + 1, '/'))
        return TRUE;
    g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                _("%s: [%s] %s: '%s' names no volume: write vol:POOL/NAME"),
                display_path, group, key, value);
    return FALSE;
}

/* A path of the file, "~/" for the home directory, against @config_dir. */
char *
pv_profile_resolve_path(const char *config_dir, const char *value)
{
    g_autofree char *expanded = NULL;

    if (g_str_has_prefix(value, "~/"))
        expanded = g_build_filename(g_get_home_dir(), value + 2, NULL);
    else
        expanded = g_strdup(value);
    return g_canonicalize_filename(expanded, config_dir);
}

/**
 * pv_profile_set_key:
 * @config_dir: relative paths are resolved against it
 * @display_path: the file, as messages name it
 *
 * Sets @key of [@group] from @kf on @profile: an unknown key, or a value
 * that is not what the key takes, is an error naming the file, group and
 * key.
 */
gboolean
pv_profile_set_key(PvProfile *profile, GKeyFile *kf, const char *group, const char *key,
                   const char *config_dir, const char *display_path, GError **error)
{
    g_autofree char *value = NULL;
    g_autoptr(GError) local_error = NULL;

    if (!g_strv_contains(pv_profile_keys, key)) {
        g_autofree char *known = g_strjoinv(", ", (char **)pv_profile_keys);
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s: [%s]: unknown key '%s' (known keys: %s)"),
                    display_path, group, key, known);
        return FALSE;
    }
    /* A value GKeyFile refuses (not UTF-8, a bad escape) is an error, never skipped. */
    value = g_key_file_get_string(kf, group, key, &local_error);
    if (!value) {
        if (g_error_matches(local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_UNKNOWN_ENCODING))
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: [%s] %s: the value is not valid UTF-8"),
                        display_path, group, key);
        else
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG, "%s: [%s] %s: %s",
                        display_path, group, key, local_error->message);
        return FALSE;
    }
    g_clear_error(&local_error);  /* a doubtful escape is kept as written */
    g_strstrip(value);
    if (pv_cloud_init_is_key(key))
        return pv_cloud_init_set_key(&profile->cloud_init, key, value, config_dir, display_path,
                                     group, error);
    if (g_str_equal(key, "memory")) {
        if (!pv_size_parse(value, &profile->memory, &local_error)) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG, "%s: [%s] memory: %s",
                        display_path, group, local_error->message);
            return FALSE;
        }
    } else if (g_str_equal(key, "cpus") || g_str_equal(key, "llcs") ||
               g_str_equal(key, "cores") || g_str_equal(key, "threads")) {
        char *end = NULL;
        guint64 n = g_ascii_strtoull(value, &end, 10);

        if (!*value || *end || n < 1 || n > 4096) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: [%s] %s: '%s' is not a number between 1 and 4096"),
                        display_path, group, key, value);
            return FALSE;
        }
        if (g_str_equal(key, "cpus"))
            profile->cpus = n;
        else if (g_str_equal(key, "llcs"))
            profile->llcs = n;
        else if (g_str_equal(key, "cores"))
            profile->cores = n;
        else
            profile->threads = n;
    } else if (g_str_equal(key, "performance_mode")) {
        if (!g_key_file_get_boolean(kf, group, key, &local_error)) {
            if (local_error) {
                g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                            _("%s: [%s] performance_mode: '%s' is not true or false"),
                            display_path, group, value);
                return FALSE;
            }
        } else {
            profile->performance_mode = TRUE;
        }
    } else if (g_str_equal(key, "virt_type") || g_str_equal(key, "virt-type")) {
        if (!pv_virt_type_from_string(value, &profile->virt_type)) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: [%s] %s: '%s' is not kvm, qemu or auto"),
                        display_path, group, key, value);
            return FALSE;
        }
    } else if (g_str_equal(key, "console_ignore")) {
        g_auto(GStrv) names = g_strsplit(value, ",", -1);
        guint n;

        for (n = 0; names[n]; n++) {
            g_strstrip(names[n]);
            if (!pv_console_check_parse(names[n], &profile->console_ignore)) {
                g_autofree char *known = pv_console_check_known();

                g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                            _("%s: [%s] console_ignore: '%s' is not a console check "
                              "(known: %s)"), display_path, group, names[n],
                            known);
                return FALSE;
            }
        }
    } else if (g_str_equal(key, "boot_timeout")) {
        if (!pv_duration_parse(value, &profile->boot_timeout_ns, &local_error) ||
            profile->boot_timeout_ns <= 0) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: [%s] boot_timeout: '%s' is not a duration (\"5m\", \"90s\")"),
                        display_path, group, value);
            return FALSE;
        }
    } else if (g_str_equal(key, "disks")) {
        GPtrArray *disks = pv_disk_specs_parse(value, config_dir, &local_error);

        if (!disks) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG, "%s: [%s] disks: %s",
                        display_path, group, local_error->message);
            return FALSE;
        }
        /* An empty value (a profile that inherits disks) means none. */
        g_clear_pointer(&profile->disks, g_ptr_array_unref);
        if (disks->len)
            profile->disks = disks;
        else
            g_ptr_array_unref(disks);
    } else if (g_str_equal(key, "firmware")) {
        if (!pv_firmware_from_string(value, &profile->firmware)) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: [%s] firmware: '%s' is not bios or efi"),
                        display_path, group, value);
            return FALSE;
        }
    } else if (g_str_equal(key, "channel")) {
        if (!g_str_equal(value, "agent") && !g_str_equal(value, "console")) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: [%s] channel: '%s' is not agent or console"),
                        display_path, group, value);
            return FALSE;
        }
        profile->console_channel = g_str_equal(value, "console");
    } else if (g_str_equal(key, "console_user")) {
        g_free(profile->console_user);
        profile->console_user = g_steal_pointer(&value);
    } else if (g_str_equal(key, "console_password")) {
        g_free(profile->console_password);
        profile->console_password = g_steal_pointer(&value);
    } else if (g_str_equal(key, "inherit")) {
        /* pv-config.c reads it first: the profile starts from that one. */
    } else if (g_str_equal(key, "template")) {
        g_free(profile->template_name);
        profile->template_name = g_steal_pointer(&value);
    } else if (g_str_equal(key, "cmdline")) {
        g_free(profile->cmdline);
        profile->cmdline = g_steal_pointer(&value);
    } else {
        char **path = g_str_equal(key, "kernel") ? &profile->kernel :
            g_str_equal(key, "initrd") ? &profile->initrd : &profile->disk;

        if (pv_profile_path_is_on_host(value) &&
            !pv_profile_check_on_host(value, display_path, group, key, error))
            return FALSE;
        /* A key written twice (or in a group written twice) is listed twice. */
        g_free(*path);
        *path = pv_profile_path_is_on_host(value) ? g_steal_pointer(&value) :
            pv_profile_resolve_path(config_dir, value);
    }
    return TRUE;
}
