/*
 * test-config.c: provium.conf, profiles, and where they are found
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-config.h"
#include "pv-error.h"
#include "pv-units.h"

typedef struct {
    char *dir;
} Fixture;

static void
write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *parent = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    fx->dir = g_dir_make_tmp("pv-config-XXXXXX", NULL);
    g_assert_nonnull(fx->dir);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);

    g_assert_cmpint(system(cmd), ==, 0);
    g_free(fx->dir);
}

static PvConfig *
load(Fixture *fx, const char *text, GError **error)
{
    g_autofree char *path = g_build_filename(fx->dir, "provium.conf", NULL);

    write_file(fx->dir, "provium.conf", text);
    return pv_config_load(path, error);
}

static void
test_profile_values(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(PvProfile) profile = NULL;
    g_autofree char *kernel = g_build_filename(fx->dir, "img", "vmlinuz", NULL);

    write_file(fx->dir, "img/vmlinuz", "k");
    write_file(fx->dir, "img/initrd", "i");
    config = load(fx, "# a comment\n"
                  "[profile tiny]\n"
                  "kernel = img/vmlinuz\n"
                  "initrd = img/initrd\n"
                  "cmdline = console=ttyS0 quiet\n"
                  "memory = 512M\n"
                  "cpus = 2\n"
                  "[profile fast]\n"
                  "performance_mode = true\n"
                  "llcs = 2\n"
                  "cores = 3\n"
                  "threads = 2\n", &error);
    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "fast", &error);
    g_assert_no_error(error);
    g_assert_true(profile->performance_mode);
    g_assert_cmpuint(profile->llcs, ==, 2);
    g_assert_cmpuint(profile->cores, ==, 3);
    g_assert_cmpuint(profile->threads, ==, 2);
    g_clear_pointer(&profile, pv_profile_free);

    profile = pv_config_get_profile(config, "tiny", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(profile->name, ==, "tiny");
    g_assert_cmpuint(profile->memory, ==, 512 * PV_MIB);
    g_assert_cmpuint(profile->cpus, ==, 2);
    g_assert_false(profile->performance_mode);
    g_assert_cmpuint(profile->llcs, ==, 1);
    g_assert_cmpstr(profile->cmdline, ==, "console=ttyS0 quiet");
    /* Relative paths resolve against the config file's directory. */
    g_assert_cmpstr(profile->kernel, ==, kernel);
    g_assert_true(g_str_has_suffix(profile->initrd, "/img/initrd"));
    g_assert_null(profile->disk);
    /* The default template ships with provium. */
    g_assert_true(g_str_has_suffix(profile->template_path, "/xml-templates/default.xml"));
}

/* [profile web : default] and inherit = default start from that profile; boot_timeout. */
static void
test_profile_inherit(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(PvProfile) profile = NULL;
    g_autofree char *kernel = g_build_filename(fx->dir, "img", "vmlinuz", NULL);

    write_file(fx->dir, "img/vmlinuz", "k");
    write_file(fx->dir, "img/initrd", "i");
    config = load(fx, "[profile base]\n"
                  "kernel = img/vmlinuz\n"
                  "initrd = img/initrd\n"
                  "cmdline = console=ttyS0\n"
                  "memory = 512M\n"
                  "boot_timeout = 5m\n"
                  "[profile web : base]\n"
                  "cpus = 2\n"
                  "[profile db]\n"
                  "inherit = web\n"
                  "memory = 1G\n"
                  "boot_timeout = 90s\n", &error);
    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "web", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(profile->name, ==, "web");
    g_assert_cmpstr(profile->kernel, ==, kernel);
    g_assert_cmpstr(profile->cmdline, ==, "console=ttyS0");
    g_assert_cmpuint(profile->memory, ==, 512 * PV_MIB);
    g_assert_cmpuint(profile->cpus, ==, 2);
    g_assert_cmpint(profile->boot_timeout_ns, ==, 300 * G_GINT64_CONSTANT(1000000000));
    g_clear_pointer(&profile, pv_profile_free);

    profile = pv_config_get_profile(config, "db", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(profile->kernel, ==, kernel);
    g_assert_cmpuint(profile->cpus, ==, 2);
    g_assert_cmpuint(profile->memory, ==, PV_GIB);
    g_assert_cmpint(profile->boot_timeout_ns, ==, 90 * G_GINT64_CONSTANT(1000000000));
    g_clear_pointer(&profile, pv_profile_free);
    g_clear_pointer(&config, pv_config_free);

    /* The parent must come first; a bad duration is named. */
    config = load(fx, "[profile web : later]\ncpus = 2\n[profile later]\n", &error);
    g_assert_null(config);
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "inherits from profile 'later', which is not "
                                            "defined above it"));
    g_clear_error(&error);
    config = load(fx, "[profile web]\nboot_timeout = soon\n", &error);
    g_assert_null(config);
    g_assert_nonnull(strstr(error->message, "boot_timeout: 'soon' is not a duration"));
}

/* channel = console with its login, inherited; any other channel is named. */
static void
test_profile_channel(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(PvProfile) profile = NULL;
    g_autoptr(PvProfile) plain = NULL;

    config = load(fx, "[profile base]\n"
                  "channel = console\n"
                  "console_user = root\n"
                  "console_password = pass word\n"
                  "[profile web : base]\n"
                  "[profile agent]\n"
                  "channel = agent\n", &error);
    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "web", &error);
    g_assert_no_error(error);
    g_assert_true(profile->console_channel);
    g_assert_cmpstr(profile->console_user, ==, "root");
    g_assert_cmpstr(profile->console_password, ==, "pass word");
    plain = pv_config_get_profile(config, "agent", &error);
    g_assert_no_error(error);
    g_assert_false(plain->console_channel);
    g_assert_null(plain->console_user);
    g_clear_pointer(&config, pv_config_free);

    config = load(fx, "[profile web]\nchannel = ssh\n", &error);
    g_assert_null(config);
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "[profile web] channel: 'ssh' is not agent or console"));
}

static void
test_default_profile(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = load(fx, "[profile other]\ncpus = 3\n", &error);
    g_autoptr(PvProfile) profile = NULL;
    g_autoptr(PvConfig) builtin = pv_config_new_builtin();

    g_assert_no_error(error);
    /* NULL asks for "default", which exists even when not written. */
    profile = pv_config_get_profile(config, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(profile->name, ==, "default");
    g_assert_cmpuint(profile->memory, ==, PV_PROFILE_DEFAULT_MEMORY);
    g_assert_cmpuint(profile->cpus, ==, 1);
    g_clear_pointer(&profile, pv_profile_free);

    profile = pv_config_get_profile(builtin, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(profile->origin, ==, "built-in defaults");
}

static void
test_errors(Fixture *fx, gconstpointer data)
{
    const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        { "[profile a]\nmemory = 4X\n", "[profile a] memory: invalid size '4X'" },
        { "[profile a]\ncpus = two\n", "[profile a] cpus: 'two' is not a number" },
        { "[profile a]\ncpus = 0\n", "[profile a] cpus: '0' is not a number between 1 and 4096" },
        { "[profile a]\nllcs = 0\n", "[profile a] llcs: '0' is not a number between 1 and 4096" },
        { "[profile a]\nperformance_mode = maybe\n", "[profile a] performance_mode: 'maybe' is not true or false" },
        { "[profile a]\nmemroy = 1G\n", "[profile a]: unknown key 'memroy' (known keys:" },
        { "[profiles]\nx = 1\n", "unknown group [profiles]" },
        { "[profile ]\n", "has no profile name" },
        { "[profile]\n", "[profile] has no profile name" },
        /* A value that is not UTF-8 is not skipped: its key is checked. */
        { "[profile a]\nmemroy = \xff\n", "[profile a]: unknown key 'memroy' (known keys:" },
        { "[profile a]\nmemory = 1\xff\n", "[profile a] memory: the value is not valid UTF-8" },
        { "[profile a]\nkernel = /boot/\xff\n",
          "[profile a] kernel: the value is not valid UTF-8" },
        { "not a key file\n", "provium.conf:" },
        /* GKeyFile would merge them: the second would change the first. */
        { "[profile a]\nmemory = 1G\n\n[profile a]\ncpus = 2\n",
          "provium.conf:4: [profile a] is written twice (first at line 1)" },
        { "[profile a]\n[profile  a] \n", "provium.conf:2: [profile a] is written twice (first at line 1)" },
        { "[run]\njobs = 2\n[profile a]\n[run]\njobs = 3\n",
          "provium.conf:4: [run] is written twice (first at line 1)" },
    };
    g_autoptr(GError) escape_error = NULL;
    g_autoptr(PvConfig) escaped = NULL;
    g_autoptr(PvProfile) profile = NULL;
    gsize i;

    /* What GKeyFile doubts but returns is kept as written, as before. */
    escaped = load(fx, "[profile a]\ncmdline = a\\q\nmemory = 1G\n", &escape_error);
    g_assert_no_error(escape_error);
    profile = pv_config_get_profile(escaped, "a", &escape_error);
    g_assert_no_error(escape_error);
    g_assert_cmpstr(profile->cmdline, ==, "a\\q");

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(PvConfig) config = load(fx, cases[i].text, &error);

        g_assert_null(config);
        g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
        g_test_message("%s -> %s", cases[i].text, error->message);
        g_assert_nonnull(strstr(error->message, cases[i].expect));
        /* Every message names the file. */
        g_assert_nonnull(strstr(error->message, "provium.conf"));
    }
}

static void
test_unknown_profile(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = load(fx, "[profile b]\n[profile a]\n", &error);
    g_autoptr(PvProfile) profile = NULL;

    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "nope", &error);
    g_assert_null(profile);
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "unknown profile 'nope'"));
    g_assert_nonnull(strstr(error->message, "(profiles: a, b, default)"));
}

static void
test_missing_files(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = load(fx, "[profile a]\nkernel = no/such/vmlinuz\n"
                                      "[profile b]\ntemplate = gone\n"
                                      "[profile c]\ntemplate = t/mine.xml\n", &error);
    g_autoptr(PvProfile) profile = NULL;

    /* Loading does not require the files: only using the profile does. */
    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "a", &error);
    g_assert_null(profile);
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "kernel file"));
    g_assert_nonnull(strstr(error->message, "no/such/vmlinuz' does not exist"));
    g_clear_error(&error);

    profile = pv_config_get_profile(config, "b", &error);
    g_assert_null(profile);
    g_assert_nonnull(strstr(error->message, "no template 'gone'"));
    g_clear_error(&error);

    profile = pv_config_get_profile(config, "c", &error);
    g_assert_null(profile);
    g_assert_nonnull(strstr(error->message, "t/mine.xml' does not exist"));
    g_clear_error(&error);

    write_file(fx->dir, "t/mine.xml", "<domain/>");
    profile = pv_config_get_profile(config, "c", &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_suffix(profile->template_path, "/t/mine.xml"));
}

/* vol:POOL/NAME and host:/PATH are on the host: kept as written, not checked here. */
static void
test_on_host_files(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = load(fx, "[profile a]\n"
                                      "kernel = host:/var/lib/libvirt/boot/vmlinuz\n"
                                      "disk = vol:images/debian 12.qcow2\n", &error);
    g_autoptr(PvProfile) profile = NULL;
    const char *bad[] = {
        "disk = vol:images\n", "names no volume: write vol:POOL/NAME",
        "disk = vol:/x.img\n", "names no volume: write vol:POOL/NAME",
        "disk = vol:a/b/c\n", "names no volume: write vol:POOL/NAME",
        "initrd = host:boot/initrd.img\n", "initrd: 'host:boot/initrd.img' is not an "
        "absolute path on the host: write host:/PATH",
    };
    gsize i;

    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "a", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(profile->kernel, ==, "host:/var/lib/libvirt/boot/vmlinuz");
    g_assert_cmpstr(profile->disk, ==, "vol:images/debian 12.qcow2");
    g_assert_true(pv_profile_path_is_on_host(profile->disk));
    g_assert_false(pv_profile_path_is_on_host("/var/lib/x.img"));

    for (i = 0; i < G_N_ELEMENTS(bad); i += 2) {
        g_autofree char *text = g_strconcat("[profile a]\n", bad[i], NULL);
        g_autoptr(PvConfig) refused = load(fx, text, &error);

        g_assert_null(refused);
        g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
        g_assert_nonnull(strstr(error->message, "provium.conf:2: [profile a] "));
        g_assert_nonnull(strstr(error->message, bad[i + 1]));
        g_clear_error(&error);
    }
}

static void
test_local_template(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autoptr(PvProfile) profile = NULL;
    g_autofree char *expected = g_build_filename(fx->dir, "xml-templates", "default.xml", NULL);

    /* xml-templates/ beside the config wins over provium's own. */
    write_file(fx->dir, "xml-templates/default.xml", "<domain/>");
    config = load(fx, "[profile a]\n", &error);
    g_assert_no_error(error);
    profile = pv_config_get_profile(config, "a", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(profile->template_path, ==, expected);
}

static void
test_find(Fixture *fx, gconstpointer data)
{
    g_autofree char *test_file = g_build_filename(fx->dir, "a", "b", "x.test.lua", NULL);
    g_autofree char *top = g_build_filename(fx->dir, "provium.conf", NULL);
    g_autofree char *mid = g_build_filename(fx->dir, "a", "provium.conf", NULL);
    g_autofree char *found = NULL;
    g_autofree char *xdg = g_build_filename(fx->dir, "xdg", NULL);

    write_file(fx->dir, "a/b/x.test.lua", "");
    write_file(fx->dir, "provium.conf", "");
    found = pv_config_find(test_file, NULL);
    g_assert_cmpstr(found, ==, top);
    g_free(found);

    /* The nearest directory wins. */
    write_file(fx->dir, "a/provium.conf", "");
    found = pv_config_find(test_file, NULL);
    g_assert_cmpstr(found, ==, mid);
}

/*
 * Finds the config for fx->dir/a/b/x.test.lua, where a/provium.conf and
 * provium.conf above it exist, and checks that a/provium.conf is refused
 * for @reason.  The one above is used when only the file is refused, as if
 * it were not there, but not when the directory a/ is: the climb stops.
 */
static void
assert_refused(Fixture *fx, const char *reason, gboolean dir_refused)
{
    g_autofree char *test_file = g_build_filename(fx->dir, "a", "b", "x.test.lua", NULL);
    g_autofree char *top = g_build_filename(fx->dir, "provium.conf", NULL);
    g_autofree char *mid = g_build_filename(fx->dir, "a", "provium.conf", NULL);
    g_autofree char *found = NULL;
    g_autofree char *refused = NULL;
    g_autofree char *expected = NULL;

    found = pv_config_find(test_file, &refused);
    g_test_message("%s", refused ? refused : "(none)");
    if (dir_refused)
        g_assert_cmpstr(found, !=, top);
    else
        g_assert_cmpstr(found, ==, top);
    expected = g_strdup_printf("not using %s: %s; pass --config to use it", mid, reason);
    g_assert_cmpstr(refused, ==, expected);
}

static void
setup_planted(Fixture *fx)
{
    write_file(fx->dir, "a/b/x.test.lua", "");
    write_file(fx->dir, "a/provium.conf", "");
    write_file(fx->dir, "provium.conf", "");
}

static void
test_find_writable(Fixture *fx, gconstpointer data)
{
    g_autofree char *a = g_build_filename(fx->dir, "a", NULL);
    g_autofree char *mid = g_build_filename(a, "provium.conf", NULL);

    setup_planted(fx);
    /* Anyone could have written it, or put it there: as /tmp/provium.conf. */
    g_assert_cmpint(chmod(mid, 0666), ==, 0);
    assert_refused(fx, "writable by everyone", FALSE);
    g_assert_cmpint(chmod(mid, 0644), ==, 0);
    g_assert_cmpint(chmod(a, 01777), ==, 0);
    assert_refused(fx, "its directory is writable by everyone", TRUE);
}

static void
test_find_owner(Fixture *fx, gconstpointer data)
{
    g_autofree char *test_file = g_build_filename(fx->dir, "a", "b", "x.test.lua", NULL);
    g_autofree char *a = g_build_filename(fx->dir, "a", NULL);
    g_autofree char *mid = g_build_filename(a, "provium.conf", NULL);
    g_autofree char *top = g_build_filename(fx->dir, "provium.conf", NULL);
    g_autofree char *found = NULL;
    g_autofree char *refused = NULL;
    g_autofree char *reason = NULL;

    if (geteuid() != 0) {
        g_test_skip("needs root to give files to another user");
        return;
    }
    setup_planted(fx);
    reason = g_strdup_printf("owned by uid 65534, not by you (%s)", g_get_user_name());
    g_assert_cmpint(chown(mid, 65534, 65534), ==, 0);
    assert_refused(fx, reason, FALSE);
    g_free(reason);

    /* Another user's directory: what it holds, and what is above, is not used. */
    g_assert_cmpint(chown(mid, 0, 0), ==, 0);
    g_assert_cmpint(chown(a, 65534, 65534), ==, 0);
    reason = g_strdup_printf("its directory is owned by uid 65534, not by you (%s)",
                             g_get_user_name());
    assert_refused(fx, reason, TRUE);
    g_assert_cmpint(g_unlink(mid), ==, 0);
    found = pv_config_find(test_file, &refused);
    g_assert_cmpstr(found, !=, top);
    g_assert_null(refused);
}

static void
test_find_sudo(void)
{
    if (geteuid() != 0) {
        g_test_skip("needs root to give files to another user");
        return;
    }
    if (g_test_subprocess()) {
        g_autofree char *dir = g_dir_make_tmp("pv-sudo-XXXXXX", NULL);
        g_autofree char *conf = g_build_filename(dir, "provium.conf", NULL);
        g_autofree char *test_file = g_build_filename(dir, "x.test.lua", NULL);
        g_autofree char *found = NULL;
        g_autofree char *refused = NULL;

        /* Root under sudo trusts the files of the user who ran sudo, as git does. */
        g_assert_true(g_file_set_contents(conf, "", -1, NULL));
        g_assert_cmpint(chown(conf, 65534, 65534), ==, 0);
        g_assert_cmpint(chown(dir, 65534, 65534), ==, 0);
        g_setenv("SUDO_UID", "65534", TRUE);
        found = pv_config_find(test_file, &refused);
        g_unlink(conf);
        g_rmdir(dir);
        g_assert_cmpstr(found, ==, conf);
        g_assert_null(refused);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

static void
test_find_xdg(void)
{
    if (g_test_subprocess()) {
        g_autofree char *dir = g_dir_make_tmp("pv-xdg-XXXXXX", NULL);
        g_autofree char *conf_dir = g_build_filename(dir, "provium", NULL);
        g_autofree char *conf = g_build_filename(conf_dir, "provium.conf", NULL);
        g_autofree char *found = NULL;

        g_assert_cmpint(g_mkdir_with_parents(conf_dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(conf, "", -1, NULL));
        g_setenv("XDG_CONFIG_HOME", dir, TRUE);
        found = pv_config_find("/nonexistent-dir/x.test.lua", NULL);
        g_unlink(conf);
        g_rmdir(conf_dir);
        g_rmdir(dir);
        g_assert_cmpstr(found, ==, conf);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* [run]: each key with its value and line, '_' written as '-'. */
static void
test_run_group(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = load(fx, "[profile default]\n"
                                      "memory = 128M\n"
                                      "\n"
                                      "[run]\n"
                                      "# defaults for this project\n"
                                      "mem = 8G\n"
                                      "psi_threshold = cpu=80,memory=20\n"
                                      "  retries =  2  \n"
                                      "no-ksm = true\n", &error);
    GPtrArray *run;
    const PvConfigSetting *s;

    g_assert_no_error(error);
    run = pv_config_peek_run_settings(config);
    g_assert_cmpuint(run->len, ==, 4);
    s = run->pdata[0];
    g_assert_cmpstr(s->key, ==, "mem");
    g_assert_cmpstr(s->value, ==, "8G");
    g_assert_cmpuint(s->line, ==, 6);
    s = run->pdata[1];
    g_assert_cmpstr(s->key, ==, "psi-threshold");
    g_assert_cmpstr(s->value, ==, "cpu=80,memory=20");
    g_assert_cmpuint(s->line, ==, 7);
    s = run->pdata[2];
    g_assert_cmpstr(s->key, ==, "retries");
    g_assert_cmpstr(s->value, ==, "2");
    g_assert_cmpuint(s->line, ==, 8);
    s = run->pdata[3];
    g_assert_cmpstr(s->key, ==, "no-ksm");
    g_assert_cmpuint(s->line, ==, 9);
    /* The profiles are read as before. */
    g_assert_cmpuint(pv_config_get_default_memory(config), ==, 128 * PV_MIB);
}

static void
test_run_group_errors(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = load(fx, "[run]\n"
                                      "jobs = 2\n"
                                      "\n"
                                      "memory = 8G\n", &error);
    g_autoptr(PvConfig) none = NULL;
    g_autofree char *where = g_strdup_printf("%s/provium.conf:4: [run]: unknown key 'memory' "
                                             "(known keys: connect, mem,", fx->dir);
    const char *const *keys = pv_config_run_keys();

    g_assert_null(config);
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_true(g_str_has_prefix(error->message, where));
    g_clear_error(&error);
    /* Without a [run] group: nothing. */
    none = load(fx, "[profile default]\n", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(pv_config_peek_run_settings(none)->len, ==, 0);
    g_assert_true(g_strv_contains(keys, "retries"));
    g_assert_true(g_strv_contains(keys, "results-dir"));
    g_assert_false(g_strv_contains(keys, "config"));
}

/* [host NAME] groups: read in file order, each with its uri and its line. */
static void
test_host_groups(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = load(fx, "[run]\n"
                                      "hosts = lab2, local\n"
                                      "\n"
                                      "[host local]\n"
                                      "uri = qemu:///system\n"
                                      "\n"
                                      "[host  lab2]\n"
                                      "uri = qemu+ssh://lab2/system\n"
                                      "cpu_overcommit = 2\n"
                                      "boot-workers = 3\n", &error);
    const PvConfigHost *host;
    const PvConfigSetting *setting;

    g_assert_no_error(error);
    g_assert_cmpuint(pv_config_peek_hosts(config)->len, ==, 2);
    host = pv_config_lookup_host(config, "lab2");
    g_assert_nonnull(host);
    g_assert_cmpstr(host->uri, ==, "qemu+ssh://lab2/system");
    g_assert_cmpuint(host->line, ==, 7);
    g_assert_cmpuint(host->settings->len, ==, 3);
    setting = host->settings->pdata[1];
    g_assert_cmpstr(setting->key, ==, "cpu-overcommit");
    g_assert_cmpstr(setting->value, ==, "2");
    g_assert_cmpuint(setting->line, ==, 9);
    host = pv_config_lookup_host(config, "local");
    g_assert_cmpstr(host->uri, ==, "qemu:///system");
    g_assert_null(pv_config_lookup_host(config, "lab3"));
    setting = pv_config_peek_run_settings(config)->pdata[0];
    g_assert_cmpstr(setting->key, ==, "hosts");
    g_assert_cmpstr(setting->value, ==, "lab2, local");
}

static void
test_host_group_errors(Fixture *fx, gconstpointer data)
{
    const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        { "[profile a]\n\n[host lab2]\ncpus = 2\n",
          "provium.conf:3: [host lab2] has no uri: write uri = " },
        { "[host lab2]\nuri = \n", "provium.conf:1: [host lab2] has no uri" },
        { "[host lab2]\nuri = qemu:///system\nmemory = 8G\n",
          "provium.conf:3: [host lab2]: unknown key 'memory' (known keys: uri, cpus, mem," },
        { "[host]\nuri = qemu:///system\n", "provium.conf:1: [host]: a host's name is one word" },
        { "[host a,b]\nuri = qemu:///system\n", "[host a,b]: a host's name is one word" },
        { "[host a]\nuri = x:///\n[host  a]\nuri = y:///\n",
          "provium.conf:3: [host a] is written twice (first at line 1)" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(PvConfig) config = load(fx, cases[i].text, &error);

        g_assert_null(config);
        g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
        g_test_message("%s -> %s", cases[i].text, error->message);
        g_assert_nonnull(strstr(error->message, cases[i].expect));
    }
}

/* A profile's disks: SIZE[:BUS] and file:PATH[:BUS], in order. */
static void
test_disks(void)
{
    static const char *const bad[] = { "1X", "1G:ide", "file:", "0", "1G,,2G", "scsi" };
    g_autoptr(GPtrArray) specs = NULL;
    const PvDiskSpec *spec;
    gsize i;

    specs = pv_disk_specs_parse(" 1G, file:data.qcow2 , 2G:scsi, file:a:b:virtio,", "/etc/x",
                                NULL);
    g_assert_nonnull(specs);
    g_assert_cmpuint(specs->len, ==, 4);
    spec = specs->pdata[0];
    g_assert_cmpuint(spec->size, ==, G_GUINT64_CONSTANT(1) << 30);
    g_assert_null(spec->file);
    g_assert_cmpint(spec->bus, ==, PV_DISK_BUS_VIRTIO);
    spec = specs->pdata[1];
    g_assert_cmpuint(spec->size, ==, 0);
    g_assert_cmpstr(spec->file, ==, "/etc/x/data.qcow2");
    spec = specs->pdata[2];
    g_assert_cmpuint(spec->size, ==, G_GUINT64_CONSTANT(2) << 30);
    g_assert_cmpint(spec->bus, ==, PV_DISK_BUS_SCSI);
    spec = specs->pdata[3];
    g_assert_cmpstr(spec->file, ==, "/etc/x/a:b");
    g_assert_cmpint(spec->bus, ==, PV_DISK_BUS_VIRTIO);
    g_clear_pointer(&specs, g_ptr_array_unref);

    specs = pv_disk_specs_parse("  ", "/etc/x", NULL);
    g_assert_nonnull(specs);
    g_assert_cmpuint(specs->len, ==, 0);
    g_clear_pointer(&specs, g_ptr_array_unref);

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) none = pv_disk_specs_parse(bad[i], "/etc/x", &error);

        g_assert_null(none);
        g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
        g_test_message("%s: %s", bad[i], error->message);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/config/profile/values", test_profile_values);
    ADD("/config/profile/default", test_default_profile);
    ADD("/config/profile/inherit", test_profile_inherit);
    ADD("/config/profile/channel", test_profile_channel);
    ADD("/config/profile/unknown", test_unknown_profile);
    ADD("/config/profile/missing-files", test_missing_files);
    ADD("/config/profile/local-template", test_local_template);
    ADD("/config/profile/on-host", test_on_host_files);
    ADD("/config/load/errors", test_errors);
    ADD("/config/run/values", test_run_group);
    ADD("/config/run/errors", test_run_group_errors);
    ADD("/config/host/groups", test_host_groups);
    ADD("/config/host/errors", test_host_group_errors);
    ADD("/config/find/walk-up", test_find);
    ADD("/config/find/writable", test_find_writable);
    ADD("/config/find/owner", test_find_owner);
#undef ADD
    g_test_add_func("/config/find/xdg", test_find_xdg);
    g_test_add_func("/config/find/sudo", test_find_sudo);
    g_test_add_func("/config/disks", test_disks);
    return g_test_run();
}
