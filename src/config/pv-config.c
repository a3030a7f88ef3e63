/*
 * pv-config.c: provium.conf, its profiles, and where it is found
 *
 * A provium.conf is a GKeyFile of [profile NAME] groups, one [run] group
 * of defaults for the run's options, and [host NAME] groups: libvirt hosts
 * a run may use together ([run] hosts = NAME, ...).  It is read whole and checked when
 * loaded (unknown groups and keys, malformed sizes), so a typo is reported
 * once, before anything boots.  Paths are resolved against the
 * file's directory; whether they exist is checked when a test asks for the
 * profile, so a config may name images that only some hosts have.  One
 * profile's keys are pv-profile.c's; which profile a group starts from
 * ([profile web : default], inherit = default) is decided here.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>

#include "pv-config.h"
#include "pv-console-check.h"
#include "pv-datadir.h"
#include "pv-error.h"
#include "pv-safe.h"
#include "pv-units.h"

struct _PvConfig {
    char *path;          /* NULL for the built-in defaults */
    char *display_path;  /* as shown in messages */
    GHashTable *profiles; /* name -> PvProfile */
    GPtrArray *run;       /* PvConfigSetting: the [run] group, in file order */
    GPtrArray *hosts;     /* PvConfigHost: the [host NAME] groups, in file order */
};

/*
 * The [run] group's keys: the run options that have a value or are a
 * switch (cmd-run-options.c maps each to its option).  Written with '-' or
 * '_'.
 */
static const char *const pv_run_keys[] = {
    "connect", "mem", "cpus", "cpu-overcommit", "jobs", "timeout", "host-reserve",
    "boot-workers", "psi-threshold", "retries", "results-dir", "keep-runs", "virt-type",
    "order", "cache-dir", "lock-dir", "cpu-cap", "fail-fast", "no-psi", "no-ksm",
    "keep-failed", "perf-strict", "no-perf-mode", "hosts", NULL
};

/*
 * A [host NAME] group's keys: its URI, and the run options it may size
 * for that host alone.  Written with '-' or '_'.
 */
static const char *const pv_host_keys[] = {
    "uri", "cpus", "mem", "cpu-overcommit", "boot-workers", "jobs", NULL
};

/**
 * pv_config_run_keys:
 *
 * Returns: (transfer none): the keys a [run] group may hold, NULL-ended
 */
const char *const *
pv_config_run_keys(void)
{
    return pv_run_keys;
}

static void
pv_config_setting_free(PvConfigSetting *setting)
{
    g_free(setting->key);
    g_free(setting->value);
    g_free(setting);
}


static void
pv_config_host_free(PvConfigHost *host)
{
    g_free(host->name);
    g_free(host->uri);
    g_ptr_array_unref(host->settings);
    g_free(host);
}

static PvConfig *
pv_config_new(const char *path)
{
    PvConfig *config = g_new0(PvConfig, 1);

    config->path = g_strdup(path);
    config->display_path = g_strdup(path ? path : _("built-in defaults"));
    config->profiles = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify)pv_profile_free);
    config->run = g_ptr_array_new_with_free_func((GDestroyNotify)pv_config_setting_free);
    config->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_config_host_free);
    return config;
}

/**
 * pv_config_new_builtin:
 *
 * The configuration used when no provium.conf is found: one "default"
 * profile with the default template, 256M and 1 vCPU.
 * Returns: (transfer full)
 */
PvConfig *
pv_config_new_builtin(void)
{
    PvConfig *config = pv_config_new(NULL);
    PvProfile *profile = pv_profile_new_default(PV_PROFILE_DEFAULT, config->display_path);

    g_hash_table_insert(config->profiles, profile->name, profile);
    return config;
}

void
pv_config_free(PvConfig *config)
{
    if (!config)
        return;
    g_free(config->path);
    g_free(config->display_path);
    g_hash_table_unref(config->profiles);
    g_ptr_array_unref(config->run);
    g_ptr_array_unref(config->hosts);
    g_free(config);
}


static guint pv_config_key_line(const char *text, const char *group, const char *key);

static gboolean
pv_config_load_profile(PvConfig *config, GKeyFile *kf, const char *text, const char *group,
                       const char *config_dir, GError **error)
{
    /* "[profile]" alone has no space after the word. */
    const char *rest = g_str_equal(group, "profile") ? "" : group + strlen("profile ");
    g_autofree char *name = NULL;
    g_autofree char *parent = NULL;
    g_autoptr(PvProfile) profile = NULL;
    g_auto(GStrv) keys = NULL;
    const char *colon = strchr(rest, ':');
    gsize i;

    /* [profile web : default] starts from default; so does inherit = default. */
    name = colon ? g_strndup(rest, colon - rest) : g_strdup(rest);
    g_strstrip(name);
    if (colon)
        parent = g_strstrip(g_strdup(colon + 1));
    else
        parent = g_key_file_get_string(kf, group, "inherit", NULL);
    if (parent)
        g_strstrip(parent);
    if (!*name) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s: [%s] has no profile name (write [profile NAME])"),
                    config->display_path, group);
        return FALSE;
    }
    if (g_hash_table_contains(config->profiles, name)) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s: profile '%s' is defined twice"), config->display_path, name);
        return FALSE;
    }

    if (parent) {
        const PvProfile *base = g_hash_table_lookup(config->profiles, parent);

        if (!base || g_str_equal(parent, name)) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: [%s] inherits from profile '%s', which is not defined above it"),
                        config->display_path, group, parent);
            return FALSE;
        }
        profile = pv_profile_copy(base);
        g_free(profile->name);
        profile->name = g_strdup(name);
        g_free(profile->origin);
        profile->origin = g_strdup(config->display_path);
        g_free(profile->config_dir);
        profile->config_dir = NULL;
        g_free(profile->inherit);
        profile->inherit = g_strdup(parent);
    } else {
        profile = pv_profile_new_default(name, config->display_path);
    }
    keys = g_key_file_get_keys(kf, group, NULL, NULL);
    for (i = 0; keys && keys[i]; i++) {
        /* A mistake names the key's line: "provium.conf:12: [profile web] disks: ...". */
        guint line = pv_config_key_line(text, group, keys[i]);
        g_autofree char *where = line ? g_strdup_printf("%s:%u", config->display_path, line)
                                      : g_strdup(config->display_path);

        if (!pv_profile_set_key(profile, kf, group, keys[i], config_dir, where, error))
            return FALSE;
    }
    g_free(profile->config_dir);
    profile->config_dir = g_strdup(config_dir);
    g_hash_table_insert(config->profiles, profile->name, profile);
    g_steal_pointer(&profile);
    return TRUE;
}

/*
 * The line of @key in [@group] of @text, from 1; 0 when not found.  GKeyFile
 * does not say: a mistake in a [run] key must name its line.
 */
static guint
pv_config_key_line(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean in_group = FALSE;
    guint found = 0;
    guint i;

    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        char *eq;

        if (*line == '[') {
            char *end = strchr(line, ']');

            in_group = end && (gsize)(end - line - 1) == strlen(group) &&
                strncmp(line + 1, group, strlen(group)) == 0;
            continue;
        }
        if (!in_group || *line == '#' || !(eq = strchr(line, '=')))
            continue;
        *eq = '\0';
        /* The last one counts, as for GKeyFile. */
        if (g_str_equal(g_strstrip(line), key))
            found = i + 1;
    }
    return found;
}

/*
 * GKeyFile merges a group written twice into one, silently: the second
 * [profile tiny] would change the first.  Refuses the second, naming both
 * lines.  Profiles' names compare as pv_config_load_profile() reads them.
 */
static gboolean
pv_config_check_groups(PvConfig *config, const char *text, GError **error)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint i;

    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        char *end = strchr(line, ']');
        g_autofree char *group = NULL;
        gpointer first;

        if (*line != '[' || !end || end[1 + strspn(end + 1, " \t")])
            continue;
        group = g_strndup(line + 1, end - line - 1);
        if (g_str_has_prefix(group, "profile ") || g_str_has_prefix(group, "host ")) {
            const char *kind = g_str_has_prefix(group, "host ") ? "host " : "profile ";
            const char *name = group + strlen(kind);
            char *normal = g_strconcat(kind, name + strspn(name, " "), NULL);

            g_free(group);
            group = normal;
        }
        if (g_hash_table_lookup_extended(seen, group, NULL, &first)) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s:%u: [%s] is written twice (first at line %u): write each group "
                          "once"), config->display_path, i + 1, group, GPOINTER_TO_UINT(first));
            return FALSE;
        }
        g_hash_table_insert(seen, g_steal_pointer(&group), GUINT_TO_POINTER(i + 1));
    }
    return TRUE;
}

/*
 * The keys of [@group] into @settings, in file order, each checked against
 * @known; @shown is the group as messages name it ("run", "host lab2").
 */
static gboolean
pv_config_load_settings(PvConfig *config, GKeyFile *kf, const char *text, const char *group,
                        const char *shown, const char *const *known, GPtrArray *settings,
                        GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
    gsize i;

    for (i = 0; keys && keys[i]; i++) {
        g_autofree char *name = g_strdelimit(g_strdup(keys[i]), "_", '-');
        g_autoptr(GError) local_error = NULL;
        g_autofree char *value = NULL;
        PvConfigSetting *setting;
        guint line = pv_config_key_line(text, group, keys[i]);

        if (!g_strv_contains(known, name)) {
            g_autofree char *list = g_strjoinv(", ", (char **)known);

            if (known == pv_run_keys)
                g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                            _("%s:%u: [run]: unknown key '%s' (known keys: %s)"),
                            config->display_path, line, keys[i], list);
            else
                g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                            _("%s:%u: [%s]: unknown key '%s' (known keys: %s)"),
                            config->display_path, line, shown, keys[i], list);
            return FALSE;
        }
        value = g_key_file_get_string(kf, group, keys[i], &local_error);
        if (!value) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG, "%s:%u: [%s] %s: %s",
                        config->display_path, line, shown, keys[i], local_error->message);
            return FALSE;
        }
        setting = g_new0(PvConfigSetting, 1);
        setting->key = g_steal_pointer(&name);
        setting->value = g_strdup(g_strstrip(value));
        setting->line = line;
        g_ptr_array_add(settings, setting);
    }
    return TRUE;
}

/* The line of [@group] in @text, from 1; 0 when not found. */
static guint
pv_config_group_line(const char *text, const char *group)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        char *end = strchr(line, ']');

        if (*line == '[' && end && (gsize)(end - line - 1) == strlen(group) &&
            strncmp(line + 1, group, strlen(group)) == 0)
            return i + 1;
    }
    return 0;
}

/* [host NAME]: a libvirt host a run may use; its uri is required. */
static gboolean
pv_config_load_host(PvConfig *config, GKeyFile *kf, const char *text, const char *group,
                    GError **error)
{
    const char *rest = group + strlen("host");
    PvConfigHost *host = g_new0(PvConfigHost, 1);
    guint i;

    host->name = g_strdup(rest + strspn(rest, " "));
    host->line = pv_config_group_line(text, group);
    host->settings = g_ptr_array_new_with_free_func((GDestroyNotify)pv_config_setting_free);
    g_ptr_array_add(config->hosts, host);
    if (!*host->name || strpbrk(host->name, ", \t")) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s:%u: [%s]: a host's name is one word without commas (write "
                      "[host NAME])"), config->display_path, host->line, group);
        return FALSE;
    }
    if (!pv_config_load_settings(config, kf, text, group, group, pv_host_keys, host->settings,
                                 error))
        return FALSE;
    for (i = 0; i < host->settings->len; i++) {
        PvConfigSetting *setting = host->settings->pdata[i];

        /* GKeyFile gives a key written twice twice, with the last value. */
        if (g_str_equal(setting->key, "uri")) {
            g_free(host->uri);
            host->uri = g_strdup(setting->value);
        }
    }
    if (!host->uri || !*host->uri) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s:%u: [%s] has no uri: write uri = the host's libvirt URI, e.g. "
                      "qemu+ssh://%s/system"), config->display_path, host->line, group,
                    host->name);
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_config_load:
 * @path: a provium.conf
 *
 * Reads and checks the whole file.
 * Returns: (transfer full): the configuration, or NULL with @error set
 */
PvConfig *
pv_config_load(const char *path, GError **error)
{
    g_autoptr(PvConfig) config = pv_config_new(path);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local_error = NULL;
    g_autofree char *abs_path = g_canonicalize_filename(path, NULL);
    g_autofree char *config_dir = g_path_get_dirname(abs_path);
    g_autofree char *text = NULL;
    gsize len = 0;
    g_auto(GStrv) groups = NULL;
    gsize i;

    if (!g_file_get_contents(path, &text, &len, &local_error) ||
        !g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local_error)) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG, "%s: %s", path, local_error->message);
        return NULL;
    }

    if (!pv_config_check_groups(config, text, error))
        return NULL;
    groups = g_key_file_get_groups(kf, NULL);
    for (i = 0; groups[i]; i++) {
        if (g_str_equal(groups[i], "run")) {
            if (!pv_config_load_settings(config, kf, text, "run", "run", pv_run_keys,
                                         config->run, error))
                return NULL;
            continue;
        }
        if (g_str_has_prefix(groups[i], "host ") || g_str_equal(groups[i], "host")) {
            if (!pv_config_load_host(config, kf, text, groups[i], error))
                return NULL;
            continue;
        }
        if (!g_str_has_prefix(groups[i], "profile ") && !g_str_equal(groups[i], "profile")) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s: unknown group [%s] (write [profile NAME], [host NAME] or "
                          "[run])"), path, groups[i]);
            return NULL;
        }
        if (!pv_config_load_profile(config, kf, text, groups[i], config_dir, error))
            return NULL;
    }
    if (!g_hash_table_contains(config->profiles, PV_PROFILE_DEFAULT)) {
        PvProfile *profile = pv_profile_new_default(PV_PROFILE_DEFAULT, config->display_path);

        profile->config_dir = g_strdup(config_dir);
        g_hash_table_insert(config->profiles, profile->name, profile);
    }
    return g_steal_pointer(&config);
}

/*
 * A template is named ("default": xml-templates/default.xml beside the config
 * file, then provium's own) or given as a path ("my.xml", "t/vm.xml") relative
 * to the config file.
 */
static char *
pv_config_find_template(const char *config_dir, const char *name, GError **error)
{
    g_autofree char *local = NULL;
    g_autofree char *shipped = NULL;
    g_autofree char *file = NULL;

    if (strchr(name, '/') || g_str_has_suffix(name, ".xml")) {
        g_autofree char *path = pv_profile_resolve_path(config_dir ? config_dir : ".", name);

        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("template file '%s' does not exist"), path);
            return NULL;
        }
        return g_steal_pointer(&path);
    }

    file = g_strconcat(name, ".xml", NULL);
    if (config_dir) {
        local = g_build_filename(config_dir, "xml-templates", file, NULL);
        if (g_file_test(local, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer(&local);
    }
    shipped = pv_datadir_build_path("xml-templates", file, NULL);
    if (g_file_test(shipped, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer(&shipped);

    if (local)
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("no template '%s' (looked for %s and %s)"), name, local, shipped);
    else
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("no template '%s' (looked for %s)"), name, shipped);
    return NULL;
}

static gboolean
pv_config_check_file(const PvProfile *profile, const char *key, const char *path,
                     GError **error)
{
    /* vol: and host: are on the host: libvirt says at boot what it lacks */
    if (!path || pv_profile_path_is_on_host(path) || g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                _("profile '%s' (%s): %s file '%s' does not exist"),
                profile->name, profile->origin, key, path);
    return FALSE;
}

/**
 * pv_config_get_profile:
 * @name: (nullable): the profile; NULL for "default"
 *
 * Looks the profile up and checks that the files it names exist.
 * Returns: (transfer full): a copy with template_path resolved, or NULL with
 *   @error set
 */
PvProfile *
pv_config_get_profile(PvConfig *config, const char *name, GError **error)
{
    return pv_config_lookup_profile(config, name, TRUE, error);
}

/**
 * pv_config_lookup_profile:
 * @name: (nullable): the profile; NULL for "default"
 * @check_files: whether its kernel, initrd and disk must exist (not for
 *   provium list, which boots nothing: the files may be on another machine)
 *
 * Returns: (transfer full): a copy with template_path resolved, or NULL with
 *   @error set
 */
PvProfile *
pv_config_lookup_profile(PvConfig *config, const char *name, gboolean check_files,
                         GError **error)
{
    const PvProfile *found;
    g_autoptr(PvProfile) profile = NULL;
    g_autoptr(GError) local_error = NULL;
    char *template_path;
    guint i;

    if (!name)
        name = PV_PROFILE_DEFAULT;
    found = g_hash_table_lookup(config->profiles, name);
    if (!found) {
        g_autoptr(GList) names = g_hash_table_get_keys(config->profiles);
        g_autoptr(GString) known = g_string_new(NULL);
        GList *l;

        names = g_list_sort(names, (GCompareFunc)g_strcmp0);
        for (l = names; l; l = l->next)
            g_string_append_printf(known, "%s%s", known->len ? ", " : "", (char *)l->data);
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("unknown profile '%s' in %s (profiles: %s)"),
                    name, config->display_path, known->str);
        return NULL;
    }

    profile = pv_profile_copy(found);
    template_path = pv_config_find_template(found->config_dir, found->template_name,
                                            &local_error);
    if (!template_path) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG, _("profile '%s' (%s): %s"),
                    name, profile->origin, local_error->message);
        return NULL;
    }
    profile->template_path = template_path;

    if (!check_files)
        return g_steal_pointer(&profile);
    if (!pv_config_check_file(profile, "kernel", profile->kernel, error) ||
        !pv_config_check_file(profile, "initrd", profile->initrd, error) ||
        !pv_config_check_file(profile, "disk", profile->disk, error) ||
        !pv_config_check_file(profile, "user_data",
                              profile->cloud_init ? profile->cloud_init->user_data_file : NULL,
                              error))
        return NULL;
    for (i = 0; profile->disks && i < profile->disks->len; i++) {
        const PvDiskSpec *spec = profile->disks->pdata[i];

        if (!pv_config_check_file(profile, "disks", spec->file, error))
            return NULL;
    }
    return g_steal_pointer(&profile);
}

/*
 * Whether @path, a provium.conf of the fallbacks, may decide what VMs are
 * made of: not when someone else than you (or root) could have written it.
 * The first refusal goes to @refused.  Returns: whether to use it
 */
static gboolean
pv_config_trusted(const char *path, char **refused)
{
    g_autofree char *why = NULL;
    struct stat st;

    if (stat(path, &st) < 0)
        why = g_strdup(g_strerror(errno));
    else
        why = pv_safe_untrusted(&st);
    if (why && refused && !*refused)
        *refused = g_strdup_printf(_("not using %s: %s; pass --config to use it"), path, why);
    return !why;
}

/**
 * pv_config_find:
 * @test_file: a test file
 * @refused: (out) (optional) (transfer full) (nullable): why a provium.conf
 *   that was found is not used, for people
 *
 * Looks for provium.conf beside @test_file and in each directory above it,
 * then in $XDG_CONFIG_HOME/provium/ and the system configuration directory.
 * As git does with repositories, the climb stops at a directory that
 * someone else than you (or root) owns or that everyone may write, such as
 * /tmp (pv_safe_find_up()); a provium.conf in such a directory, or one such
 * a user could have written, is passed over as if it were not there: as
 * root, a file planted by any user would decide kernel, disk and template.
 * @refused then says which file and why.
 * Returns: (transfer full) (nullable): the path of the first found, or NULL
 */
char *
pv_config_find(const char *test_file, char **refused)
{
    g_autofree char *abs = g_canonicalize_filename(test_file, NULL);
    g_autofree char *dir = g_path_get_dirname(abs);
    g_autofree char *untrusted = NULL;
    g_autofree char *why = NULL;
    const char *const fallbacks[] = {
        g_get_user_config_dir(), PV_SYSCONFDIR, "/etc",
    };
    char *found;
    gsize i;

    if (refused)
        *refused = NULL;
    found = pv_safe_find_up(dir, PV_CONFIG_FILENAME, NULL, TRUE, &untrusted, &why);
    if (untrusted && refused) {
        gboolean is_file = g_str_has_suffix(untrusted, "/" PV_CONFIG_FILENAME);
        g_autofree char *file = is_file ? g_strdup(untrusted) :
            g_build_filename(untrusted, PV_CONFIG_FILENAME, NULL);
        g_autofree char *reason = is_file ? g_strdup(why) :
            g_strdup_printf(_("its directory is %s"), why);

        *refused = g_strdup_printf(_("not using %s: %s; pass --config to use it"), file,
                                   reason);
    }
    if (found)
        return found;

    for (i = 0; i < G_N_ELEMENTS(fallbacks); i++) {
        g_autofree char *candidate = g_build_filename(fallbacks[i], "provium",
                                                      PV_CONFIG_FILENAME, NULL);

        if (g_file_test(candidate, G_FILE_TEST_IS_REGULAR) &&
            pv_config_trusted(candidate, refused))
            return g_steal_pointer(&candidate);
    }
    return NULL;
}

/**
 * pv_config_get_default_memory:
 *
 * The memory of a VM of the default profile: what a file without a claim
 * most likely boots.
 */
guint64
pv_config_get_default_memory(PvConfig *config)
{
    const PvProfile *found = g_hash_table_lookup(config->profiles, PV_PROFILE_DEFAULT);

    return found ? found->memory : PV_PROFILE_DEFAULT_MEMORY;
}

/**
 * pv_config_get_default_cpus:
 *
 * The vCPUs of a VM of the default profile (see
 * pv_config_get_default_memory()).
 */
guint
pv_config_get_default_cpus(PvConfig *config)
{
    const PvProfile *found = g_hash_table_lookup(config->profiles, PV_PROFILE_DEFAULT);

    return found ? found->cpus : PV_PROFILE_DEFAULT_CPUS;
}

static gint
pv_config_compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/**
 * pv_config_list_profiles:
 *
 * Returns: (transfer full) (element-type utf8): the profiles' names, sorted
 */
GPtrArray *
pv_config_list_profiles(PvConfig *config)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter iter;
    gpointer name;

    g_hash_table_iter_init(&iter, config->profiles);
    while (g_hash_table_iter_next(&iter, &name, NULL))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, pv_config_compare_names);
    return names;
}

/**
 * pv_config_peek_run_settings:
 *
 * Returns: (transfer none) (element-type PvConfigSetting): the [run] group,
 *   in file order; empty without one
 */
GPtrArray *
pv_config_peek_run_settings(PvConfig *config)
{
    return config->run;
}

/**
 * pv_config_peek_hosts:
 *
 * Returns: (transfer none) (element-type PvConfigHost): the [host NAME]
 *   groups, in file order; empty without one
 */
GPtrArray *
pv_config_peek_hosts(PvConfig *config)
{
    return config->hosts;
}

/**
 * pv_config_lookup_host:
 *
 * Returns: (transfer none) (nullable): the [host @name] group; NULL when
 *   the file has none of that name
 */
const PvConfigHost *
pv_config_lookup_host(PvConfig *config, const char *name)
{
    guint i;

    for (i = 0; i < config->hosts->len; i++) {
        const PvConfigHost *host = config->hosts->pdata[i];

        if (g_str_equal(host->name, name))
            return host;
    }
    return NULL;
}

/**
 * pv_config_peek_path:
 *
 * Returns: (transfer none): the file as shown in messages
 */
const char *
pv_config_peek_path(PvConfig *config)
{
    return config->display_path;
}
