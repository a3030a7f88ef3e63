/*
 * cmd-doctor.c: provium doctor: can this host run provium's tests, and how well
 *
 * One line per check, or with --json one document whose checks carry their
 * facts (host/pv-doctor.c): what tests and scripts read instead of wording.
 * The host checked is a PvHost, as a run opens it: its facts are the ones a
 * run reads.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "pv-config.h"
#include "pv-datadir.h"
#include "pv-doctor.h"
#include "pv-fixture-store.h"
#include "pv-host.h"
#include "pv-i18n.h"
#include "pv-network.h"
#include "pv-libvirt.h"
#include "pv-node.h"
#include "pv-results.h"
#include "pv-storage-pool.h"
#include "pv-virt.h"

typedef struct {
    char *uri;
    char *config;
    char *cache_dir;
    char *results_dir;
    gboolean probe;
    gboolean json;
    char **paths;
} PvDoctorArgs;

static void
pv_doctor_args_clear(PvDoctorArgs *args)
{
    g_free(args->uri);
    g_free(args->config);
    g_free(args->cache_dir);
    g_free(args->results_dir);
    g_strfreev(args->paths);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvDoctorArgs, pv_doctor_args_clear)

static void
pv_doctor_add(GPtrArray *checks, PvCheck *check)
{
    g_ptr_array_add(checks, check);
}

static char *
pv_doctor_seconds(gint64 us)
{
    return g_strdup_printf("%.1f s", us / (double)G_USEC_PER_SEC);
}

/* kvm: what libvirt offers, and what a probe guest showed. */
static PvCheck *
pv_doctor_judge_kvm(PvVirt *virt, gboolean local, const PvProbeResult *probe)
{
    g_autofree char *took = NULL;
    g_autofree char *how = NULL;
    const char *message = probe->message ? probe->message : "?";

    if (!pv_virt_libvirt_has_kvm(virt))
        return pv_check_new(PV_CHECK_WARN, "kvm",
                            _("libvirt offers no KVM here (no /dev/kvm?): guests run under plain "
                              "emulation, several times slower"));
    took = pv_doctor_seconds(probe->duration_us);
    if (!local)
        how = g_strdup_printf(_("probed in %s through the host's storage pool, as a run there "
                                "does"), took);
    else
        how = probe->cached ? g_strdup(_("cached; --probe boots it again"))
                            : g_strdup_printf(_("probed in %s"), took);
    switch (probe->verdict) {
    case PV_PROBE_OK:
        return pv_check_new(PV_CHECK_PASS, "kvm",
                            _("a probe guest booted under KVM (%s): --virt-type auto uses KVM"),
                            how);
    case PV_PROBE_FAILED:
        return pv_check_new(PV_CHECK_WARN, "kvm",
                            _("QEMU cannot use KVM: %s (%s): --virt-type auto uses plain "
                              "emulation; where no udev manages /dev/kvm, give it udev's "
                              "ownership: chgrp kvm /dev/kvm && chmod 0660 /dev/kvm "
                              "(tools/setup-debian.sh does)"), message, how);
    case PV_PROBE_HANGS:
        return pv_check_new(PV_CHECK_WARN, "kvm",
                            _("KVM guests stall here: %s (%s; nested virtualization?): "
                              "--virt-type auto uses plain emulation"), message, how);
    default:
        return pv_check_new(PV_CHECK_WARN, "kvm",
                            _("inconclusive: %s: --virt-type auto uses plain emulation"),
                            message);
    }
}

/*
 * Facts: "libvirt_kvm" (libvirt offers type='kvm'), "verdict" (the probe's:
 * none, ok, failed, hangs, inconclusive), "cached", "probed" (a probe ran
 * now), and "auto", what --virt-type auto uses there.  A remote host is
 * probed through its storage pool, every time (the cache's key reads this
 * machine).
 */
static void
pv_doctor_check_kvm(GPtrArray *checks, PvHost *host, gboolean use_cache)
{
    PvVirt *virt = pv_host_peek_virt(host);
    gboolean local = pv_host_is_local(host);
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *reason = NULL;
    PvCheck *check;

    if (local)
        pv_virt_get_probe(virt, use_cache, &probe);
    else if (pv_virt_libvirt_has_kvm(virt))
        pv_host_probe_kvm(host, &probe);
    check = pv_doctor_judge_kvm(virt, local, &probe);
    pv_check_set_bool(check, "libvirt_kvm", pv_virt_libvirt_has_kvm(virt));
    pv_check_set_string(check, "verdict", pv_probe_verdict_to_string(probe.verdict));
    pv_check_set_bool(check, "cached", probe.cached);
    pv_check_set_bool(check, "probed", probe.verdict != PV_PROBE_NONE && !probe.cached);
    /* A remote host's run decides from the same probe (pv-host-facts.c). */
    pv_check_set_string(check, "auto", pv_virt_type_to_string(
        local ? pv_virt_get_auto(virt, &reason)
              : pv_virt_choose(pv_virt_libvirt_has_kvm(virt), FALSE, &probe, &reason)));
    pv_doctor_add(checks, check);
}

/*
 * qemu: plain emulation must work, or nothing boots: a probe guest, on a
 * remote host through its storage pool.  Facts: "probed", "boots",
 * "seconds".
 */
static void
pv_doctor_check_qemu(GPtrArray *checks, PvHost *host)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *took = NULL;
    PvCheck *check;

    if (pv_host_probe_boot(host, PV_VIRT_QEMU, 20 * G_USEC_PER_SEC, &probe)) {
        took = pv_doctor_seconds(probe.duration_us);
        check = pv_check_new(PV_CHECK_PASS, "qemu",
                             _("a probe guest booted under plain emulation (%s)"), took);
        pv_check_set_double(check, "seconds", probe.duration_us / (double)G_USEC_PER_SEC);
    } else {
        const char *uri = pv_host_peek_uri(host);

        check = pv_check_new(PV_CHECK_FAIL, "qemu",
                             _("a probe guest did not boot under plain emulation: %s: is "
                               "qemu-system-x86 installed there, and does 'virsh -c %s "
                               "domcapabilities --virttype qemu' work?"),
                             probe.message ? probe.message : "?", uri ? uri : "URI");
    }
    pv_check_set_bool(check, "probed", TRUE);
    pv_check_set_bool(check, "boots", check->status == PV_CHECK_PASS);
    pv_doctor_add(checks, check);
}

/* The results directory a run would use: --results-dir, [run] results-dir, the default. */
static char *
pv_doctor_results_dir(PvDoctorArgs *args, PvConfig *config, const char *config_path)
{
    GPtrArray *settings = pv_config_peek_run_settings(config);
    guint i;

    if (args->results_dir)
        return pv_results_base(args->results_dir);
    for (i = 0; config_path && i < settings->len; i++) {
        const PvConfigSetting *setting = settings->pdata[i];

        if (g_str_equal(setting->key, "results-dir") && *setting->value) {
            g_autofree char *abs = g_canonicalize_filename(config_path, NULL);
            g_autofree char *dir = g_path_get_dirname(abs);

            return g_canonicalize_filename(setting->value, dir);
        }
    }
    return pv_results_base(NULL);
}

/*
 * A remote host's profiles: their kernel, initrd and disk are this
 * machine's files, uploaded into provium's storage pool there on first use
 * (vol: and host: name what is there already, checked as a run boots).
 * The overlays are volumes of that pool: no results directory or fixture
 * cache of this machine's is QEMU's to reach.
 */
static void
pv_doctor_check_profiles_remote(GPtrArray *checks, PvConfig *config)
{
    g_autoptr(GPtrArray) names = pv_config_list_profiles(config);
    g_autoptr(GError) error = NULL;
    PvCheck *check;
    guint i;

    for (i = 0; i < names->len; i++) {
        g_autoptr(PvProfile) profile = pv_config_lookup_profile(config, names->pdata[i], FALSE,
                                                                &error);
        g_autofree char *name = g_strdup_printf("profile %s", (const char *)names->pdata[i]);

        if (!profile) {
            check = pv_check_new(PV_CHECK_FAIL, "profile", "%s", error->message);
            g_clear_error(&error);
        } else {
            check = pv_doctor_check_profile_upload(profile);
            pv_check_set_string(check, "origin", profile->origin);
        }
        pv_check_set_name(check, name);
        pv_check_set_string(check, "profile", names->pdata[i]);
        pv_doctor_add(checks, check);
    }
    check = pv_check_new(PV_CHECK_SKIP, "results_dir",
                         _("a remote host keeps the disk overlays in provium's storage pool "
                           "there, not in the results directory"));
    pv_check_set_name(check, "results dir");
    pv_check_set_bool(check, "checked", FALSE);
    pv_doctor_add(checks, check);
}

/*
 * The provium.conf, then what QEMU's user (from libvirt's capabilities)
 * can reach: each profile's files, the results directory where the disk
 * overlays go, and the fixture cache where saved disks stay.
 */
static void
pv_doctor_check_profiles(GPtrArray *checks, PvDoctorArgs *args, const char *caps,
                         gboolean local)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autofree char *path = NULL;
    g_autofree char *results_dir = NULL;
    g_autofree char *fixture_dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(PvQemuUser) user = NULL;
    gboolean disks = FALSE;
    PvCheck *check;
    guint i;

    if (args->config) {
        path = g_strdup(args->config);
    } else {
        const char *dir = args->paths && args->paths[0] ? args->paths[0] : ".";
        g_autofree char *probe = g_build_filename(dir, "doctor.test.lua", NULL);
        g_autofree char *refused = NULL;

        path = pv_config_find(probe, &refused);
        if (refused)
            pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "config", "%s", refused));
    }
    config = path ? pv_config_load(path, &error) : pv_config_new_builtin();
    if (!config) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_FAIL, "config", "%s", error->message));
        return;
    }
    check = pv_check_new(PV_CHECK_PASS, "config",
                         path ? _("using %s") : _("no provium.conf found: the built-in defaults"),
                         path);
    pv_check_set_string(check, "path", path);
    pv_doctor_add(checks, check);
    if (!local) {
        pv_doctor_check_profiles_remote(checks, config);
        return;
    }
    user = pv_qemu_user_new_from_caps(caps);
    if (!user) {
        check = pv_check_new(PV_CHECK_WARN, "profiles",
                             _("libvirt names no user QEMU runs as (no DAC security model): "
                               "files not checked"));
        pv_check_set_bool(check, "checked", FALSE);
        pv_doctor_add(checks, check);
        return;
    }
    names = pv_config_list_profiles(config);
    for (i = 0; i < names->len; i++) {
        /* A missing file is the profile check's to report, with its facts. */
        g_autoptr(PvProfile) profile = pv_config_lookup_profile(config, names->pdata[i], FALSE,
                                                                &error);

        if (!profile) {
            g_autofree char *name = g_strdup_printf("profile %s",
                                                    (const char *)names->pdata[i]);

            check = pv_check_new(PV_CHECK_FAIL, "profile", "%s", error->message);
            pv_check_set_name(check, name);
            pv_check_set_string(check, "profile", names->pdata[i]);
            pv_doctor_add(checks, check);
            g_clear_error(&error);
            continue;
        }
        disks = disks || profile->disk;
        pv_doctor_check_profile(checks, profile, user);
    }
    results_dir = pv_doctor_results_dir(args, config, path);
    pv_doctor_add(checks, pv_doctor_check_results_dir(results_dir, user, disks));
    fixture_dir = pv_fixture_store_default_dir(args->cache_dir);
    pv_doctor_add(checks, pv_doctor_check_fixture_cache(fixture_dir, user, disks));
}

/* Facts: "buildable". */
static void
pv_doctor_check_image(GPtrArray *checks)
{
    g_autofree char *script = pv_datadir_build_path("tools", "build-test-image.sh", NULL);
    const char *argv[] = { "/bin/sh", script, "--check", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;
    PvCheck *check;

    if (!g_file_test(script, G_FILE_TEST_IS_REGULAR))
        check = pv_check_new(PV_CHECK_WARN, "test_image",
                             _("%s is missing (is provium installed?)"), script);
    else if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                           &status, &error))
        check = pv_check_new(PV_CHECK_WARN, "test_image", "%s", error->message);
    else if (g_spawn_check_wait_status(status, NULL))
        check = pv_check_new(PV_CHECK_PASS, "test_image", "%s", g_strstrip(out));
    else
        check = pv_check_new(PV_CHECK_WARN, "test_image", _("cannot be built here: %s"),
                             g_strstrip(err));
    pv_check_set_name(check, "test image");
    pv_check_set_bool(check, "buildable", check->status == PV_CHECK_PASS);
    pv_doctor_add(checks, check);
}

/* One line per check, then the counts (the skipped ones where there are). */
static void
pv_doctor_print(GPtrArray *checks)
{
    guint counts[PV_CHECK_LAST] = { 0 };
    g_autofree char *passed = NULL;
    g_autofree char *warnings = NULL;
    g_autofree char *failed = NULL;
    g_autofree char *skipped = NULL;
    guint i;

    for (i = 0; i < checks->len; i++) {
        const PvCheck *check = checks->pdata[i];

        counts[check->status]++;
        g_print("%s  %-16s %s\n", pv_check_status_to_string(check->status), check->name,
                check->message);
    }
    passed = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u passed", "%u passed",
                                         counts[PV_CHECK_PASS]), counts[PV_CHECK_PASS]);
    warnings = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u warning", "%u warnings",
                                           counts[PV_CHECK_WARN]), counts[PV_CHECK_WARN]);
    failed = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u failed", "%u failed",
                                         counts[PV_CHECK_FAIL]), counts[PV_CHECK_FAIL]);
    if (counts[PV_CHECK_SKIP] == 0) {
        /* TRANSLATORS: the checks' counts, in the order passed, warnings, failed */
        g_print(_("provium doctor: %s, %s, %s\n"), passed, warnings, failed);
        return;
    }
    skipped = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u skipped", "%u skipped",
                                          counts[PV_CHECK_SKIP]), counts[PV_CHECK_SKIP]);
    /* TRANSLATORS: the checks' counts: passed, warnings, failed, skipped */
    g_print(_("provium doctor: %s, %s, %s, %s\n"), passed, warnings, failed, skipped);
}

/* Facts: "uri", "local", "libvirt_version", "hypervisor", "hypervisor_version". */
static PvCheck *
pv_doctor_check_libvirt(PvHost *host)
{
    const char *uri = pv_host_peek_uri(host);
    gboolean local = pv_host_is_local(host);
    g_autofree char *lib_text = NULL;
    g_autofree char *hv_text = NULL;
    const char *hv_type;
    PvNodeVersions versions;
    PvCheck *check;

    pv_node_get_versions(pv_host_peek_conn(host), &versions);
    hv_type = versions.type;
    lib_text = pv_node_format_version(versions.libvirt);
    hv_text = pv_node_format_version(versions.hypervisor);
    check = pv_check_new(PV_CHECK_PASS, "libvirt", _("connected to %s (libvirt %s, %s %s)"),
                         uri ? uri : "?", lib_text, hv_type ? hv_type : "?", hv_text);
    pv_check_set_bool(check, "connected", TRUE);
    pv_check_set_string(check, "uri", uri);
    pv_check_set_bool(check, "local", local);
    pv_check_set_string(check, "libvirt_version", lib_text);
    pv_check_set_string(check, "hypervisor", hv_type);
    pv_check_set_string(check, "hypervisor_version", hv_text);
    return check;
}

/*
 * A remote host's storage pool, where provium uploads images and keeps
 * overlays and console logs (host/pv-host-storage-pool.c): there, or made
 * now, as a run's first upload would (the probe boots go through it).
 * Facts: "pool", "existed", "usable", "volumes".
 */
static void
pv_doctor_check_pool(GPtrArray *checks, PvHost *host)
{
    virConnect *conn = pv_host_peek_conn(host);
    g_autoptr(PvStoragePool) found = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME, NULL,
                                                          FALSE, NULL);
    g_autoptr(PvStoragePool) pool = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) vols = NULL;
    PvCheck *check;

    pool = pv_storage_pool_open(conn, PV_STORAGE_POOL_NAME, PV_STORAGE_POOL_DIR, TRUE, &error);
    if (pool)
        vols = pv_storage_pool_list_vols(pool, NULL);
    if (!pool)
        check = pv_check_new(PV_CHECK_FAIL, "storage_pool",
                             _("provium's storage pool '%s' cannot be made on the host (%s): "
                               "nothing boots there; let libvirt define a dir pool in %s, or "
                               "define '%s' yourself (virsh pool-define-as)"),
                             PV_STORAGE_POOL_NAME, error ? error->message : "?",
                             PV_STORAGE_POOL_DIR, PV_STORAGE_POOL_NAME);
    else if (found)
        check = pv_check_new(PV_CHECK_PASS, "storage_pool",
                             g_dngettext(GETTEXT_PACKAGE,
                                         "provium's storage pool '%s' is there, running, with %u "
                                         "volume (images are uploaded into it once)",
                                         "provium's storage pool '%s' is there, running, with %u "
                                         "volumes (images are uploaded into it once)",
                                         vols ? g_strv_length(vols) : 0),
                             PV_STORAGE_POOL_NAME, vols ? g_strv_length(vols) : 0);
    else
        check = pv_check_new(PV_CHECK_PASS, "storage_pool",
                             _("provium's storage pool '%s' was not there: made it now, in %s "
                               "(images are uploaded into it once)"),
                             PV_STORAGE_POOL_NAME, PV_STORAGE_POOL_DIR);
    pv_check_set_name(check, "storage pool");
    pv_check_set_string(check, "pool", PV_STORAGE_POOL_NAME);
    pv_check_set_bool(check, "existed", found != NULL);
    pv_check_set_bool(check, "usable", pool != NULL);
    pv_check_set_int(check, "volumes", vols ? g_strv_length(vols) : 0);
    pv_doctor_add(checks, check);
}

/* node: the host's size as libvirt gives it, which sizes a run's pool there. */
static void
pv_doctor_check_size(GPtrArray *checks, PvHost *host, const char *caps)
{
    g_autoptr(GError) error = NULL;
    guint64 memory = 0;
    guint cpus = 0;

    if (!pv_host_get_size(host, &memory, &cpus, &error)) {
        PvCheck *check = pv_check_new(PV_CHECK_FAIL, "node", "%s", error->message);

        pv_check_set_bool(check, "readable", FALSE);
        pv_doctor_add(checks, check);
        return;
    }
    pv_doctor_add(checks, pv_doctor_check_node(memory, cpus, pv_node_count_cells(caps)));
}

/*
 * networks: what the host uses, from libvirt (a run's networks pick names,
 * bridges and addresses around it).  Facts: "readable", "networks",
 * "routes_known" (only this machine's routes are read; libvirt refuses a
 * clashing network on a remote host itself).
 */
static void
pv_doctor_check_networks(GPtrArray *checks, PvHost *host)
{
    g_autoptr(GError) error = NULL;
    PvNetworkInventory *inventory = pv_host_lock_networks(host, FALSE, &error);
    PvCheck *check;
    guint count;
    gboolean routes;

    if (!inventory) {
        check = pv_check_new(PV_CHECK_WARN, "networks",
                             _("cannot read the host's networks (%s): a test that declares "
                               "networks fails there"), error->message);
        pv_check_set_bool(check, "readable", FALSE);
        pv_doctor_add(checks, check);
        return;
    }
    count = g_hash_table_size(inventory->networks);
    routes = inventory->routes != NULL;
    pv_host_unlock_networks(host);
    if (routes)
        check = pv_check_new(PV_CHECK_PASS, "networks",
                             g_dngettext(GETTEXT_PACKAGE,
                                         "%u libvirt network on the host; a test's networks "
                                         "avoid its names, bridges and routes",
                                         "%u libvirt networks on the host; a test's networks "
                                         "avoid their names, bridges and routes", count),
                             count);
    else
        check = pv_check_new(PV_CHECK_PASS, "networks",
                             g_dngettext(GETTEXT_PACKAGE,
                                         "%u libvirt network on the host; a test's networks "
                                         "avoid its names and bridges (the host's routes are "
                                         "not read from here: libvirt refuses a network that "
                                         "clashes with one)",
                                         "%u libvirt networks on the host; a test's networks "
                                         "avoid their names and bridges (the host's routes are "
                                         "not read from here: libvirt refuses a network that "
                                         "clashes with one)", count),
                             count);
    pv_check_set_bool(check, "readable", TRUE);
    pv_check_set_int(check, "networks", count);
    pv_check_set_bool(check, "routes_known", routes);
    pv_doctor_add(checks, check);
}

int
pv_cmd_doctor(int argc, char **argv, GError **out_error)
{
    g_auto(PvDoctorArgs) args = { 0 };
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &args.uri,
          N_("libvirt URI, as for virsh (default: $LIBVIRT_DEFAULT_URI, else libvirt's)"),
          N_("URI") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &args.config,
          N_("Check the profiles of this provium.conf instead of the one found"), N_("FILE") },
        { "results-dir", 0, 0, G_OPTION_ARG_FILENAME, &args.results_dir,
          N_("Check this results directory instead of the one a run would use"), N_("DIR") },
        { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &args.cache_dir,
          N_("Where the probe's verdict is cached (default /var/cache/provium as root, else "
             "$XDG_CACHE_HOME/provium)"), N_("DIR") },
        { "probe", 0, 0, G_OPTION_ARG_NONE, &args.probe,
          N_("Boot the KVM probe again, whatever the cache says"), NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
          N_("Print one JSON document: each check with its id, status and what it found"),
          NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.paths, NULL,
          N_("[PATH]") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_check_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvHost) host = NULL;
    PvHostOptions host_options = { 0 };
    g_autofree char *caps = NULL;
    g_autofree char *mounts = NULL;
    gboolean local = TRUE;
    gboolean failed = FALSE;
    locale_t previous = (locale_t)0;
    guint i;

    g_option_context_set_summary(context,
        _("Checks that this host can run provium's tests, one line per check:\n"
          "PASS, WARN (works, with less) or FAIL (tests will not run), and what to do.\n"
          "PATH is where test files live, to find their provium.conf (default: .)."));
    g_option_context_set_description(context,
        _("Exit status: 0 when nothing failed, 1 when a check failed, 2 for usage."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (args.paths && args.paths[0] && args.paths[1]) {
        g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                    _("one PATH at most (see provium doctor --help)"));
        return PV_EXIT_USAGE;
    }
    if (args.config && !g_file_test(args.config, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                    _("--config: %s: no such file"), args.config);
        return PV_EXIT_USAGE;
    }
    if (args.results_dir && !*args.results_dir) {
        g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                    _("--results-dir: an empty path: give a directory"));
        return PV_EXIT_USAGE;
    }
    /* --json is a record: its words stay English, whatever the locale. */
    if (args.json)
        previous = pv_i18n_untranslated_begin();

    host_options.uri = args.uri;
    host_options.cache_dir = args.cache_dir;
    host = pv_host_open(&host_options, &error);
    if (!host) {
        PvCheck *check = pv_check_new(PV_CHECK_FAIL, "libvirt",
                                      _("%s: start libvirtd (tools/setup-debian.sh does), or "
                                        "give the URI with -c"), error->message);

        pv_check_set_bool(check, "connected", FALSE);
        pv_doctor_add(checks, check);
    } else {
        local = pv_host_is_local(host);
        pv_doctor_add(checks, pv_doctor_check_libvirt(host));
        caps = pv_host_dup_capabilities(host);
        if (!local)
            pv_doctor_check_pool(checks, host);
        pv_doctor_check_kvm(checks, host, !args.probe);
        pv_doctor_check_qemu(checks, host);
        pv_doctor_add(checks, pv_doctor_check_uefi(pv_host_peek_efi_firmware(host)));
    }
    pv_doctor_check_profiles(checks, &args, caps, local);
    if (host)
        pv_doctor_check_size(checks, host, caps);
    if (host && !local) {
        guint64 pages = 0;
        guint64 free_memory = 0;
        PvNodeKsm ksm;
        gboolean known;

        pv_doctor_add(checks, pv_doctor_check_hugepages_remote(
            pv_node_get_free_pages(pv_host_peek_conn(host), 0, &pages),
            pv_host_count_free_hugepages(host)));
        pv_doctor_add(checks, pv_doctor_check_psi_remote(
            pv_host_has_pressure(host) &&
            pv_node_get_memory_free(pv_host_peek_conn(host), &free_memory)));
        known = pv_node_get_ksm(pv_host_peek_conn(host), &ksm);
        pv_doctor_add(checks, pv_doctor_check_ksm_remote(known, ksm.pages_to_scan,
                                                         ksm.sleep_millisecs,
                                                         ksm.pages_sharing));
    } else {
        if (!g_file_get_contents("/proc/mounts", &mounts, NULL, NULL))
            mounts = NULL;
        pv_doctor_add(checks, pv_doctor_check_hugepages(mounts,
                                                        host ? pv_host_count_free_hugepages(host)
                                                             : 0));
        pv_doctor_add(checks, pv_doctor_check_psi("/proc"));
        pv_doctor_add(checks, pv_doctor_check_ksm("/sys/kernel/mm/ksm"));
    }
    if (host) {
        pv_doctor_add(checks, pv_doctor_check_llc(caps));
        pv_doctor_check_networks(checks, host);
    }
    pv_doctor_check_image(checks);

    if (args.json) {
        g_autofree char *text = pv_doctor_format_json(checks);

        pv_i18n_end(previous);
        g_print("%s", text);
    } else {
        pv_doctor_print(checks);
    }
    for (i = 0; i < checks->len; i++)
        failed = failed || ((PvCheck *)checks->pdata[i])->status == PV_CHECK_FAIL;
    g_clear_pointer(&host, pv_host_free);
    return failed ? PV_EXIT_FAILED : PV_EXIT_OK;
}
