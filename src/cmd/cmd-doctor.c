/*
 * cmd-doctor.c: provium doctor: can this host run provium's tests, and how well
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "pv-config.h"
#include "pv-datadir.h"
#include "pv-doctor.h"
#include "pv-libvirt.h"
#include "pv-perf.h"
#include "pv-virt.h"

typedef struct {
    char *uri;
    char *config;
    char *cache_dir;
    gboolean probe;
    char **paths;
} PvDoctorArgs;

static void
pv_doctor_args_clear(PvDoctorArgs *args)
{
    g_free(args->uri);
    g_free(args->config);
    g_free(args->cache_dir);
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
static void
pv_doctor_check_kvm(GPtrArray *checks, PvVirt *virt, gboolean local, gboolean use_cache)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *took = NULL;
    g_autofree char *how = NULL;

    if (!pv_virt_libvirt_has_kvm(virt)) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "kvm",
                                           _("libvirt offers no KVM here (no /dev/kvm?): "
                                             "guests run under plain emulation, several times "
                                             "slower")));
        return;
    }
    if (!local) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "kvm",
                                           _("libvirt offers KVM on the remote host; not "
                                             "probed (the probe reads the console locally)")));
        return;
    }
    pv_virt_get_probe(virt, use_cache, &probe);
    took = pv_doctor_seconds(probe.duration_us);
    how = probe.cached ? g_strdup(_("cached; --probe boots it again"))
                       : g_strdup_printf(_("probed in %s"), took);
    switch (probe.verdict) {
    case PV_PROBE_OK:
        pv_doctor_add(checks, pv_check_new(PV_CHECK_PASS, "kvm",
                                           _("a probe guest booted under KVM (%s): "
                                             "--virt-type auto uses KVM"), how));
        break;
    case PV_PROBE_FAILED:
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "kvm",
                                           _("QEMU cannot use KVM: %s (%s): --virt-type auto "
                                             "uses plain emulation; where no udev manages "
                                             "/dev/kvm, give it udev's ownership: chgrp kvm "
                                             "/dev/kvm && chmod 0660 /dev/kvm "
                                             "(tools/setup-debian.sh does)"),
                                           probe.message ? probe.message : "?", how));
        break;
    case PV_PROBE_HANGS:
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "kvm",
                                           _("KVM guests stall here: %s (%s; nested "
                                             "virtualization?): --virt-type auto uses plain "
                                             "emulation"), probe.message ? probe.message : "?",
                                           how));
        break;
    default:
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "kvm",
                                           _("inconclusive: %s: --virt-type auto uses plain "
                                             "emulation"), probe.message ? probe.message : "?"));
        break;
    }
}

/* qemu: plain emulation must work, or nothing boots. */
static void
pv_doctor_check_qemu(GPtrArray *checks, virConnect *conn, gboolean local)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *took = NULL;

    if (!local) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "qemu",
                                           _("remote host: not probed")));
        return;
    }
    if (pv_virt_probe_boot(conn, PV_VIRT_QEMU, 20 * G_USEC_PER_SEC, &probe)) {
        took = pv_doctor_seconds(probe.duration_us);
        pv_doctor_add(checks, pv_check_new(PV_CHECK_PASS, "qemu",
                                           _("a probe guest booted under plain emulation "
                                             "(%s)"), took));
        return;
    }
    pv_doctor_add(checks, pv_check_new(PV_CHECK_FAIL, "qemu",
                                       _("a probe guest did not boot under plain emulation: "
                                         "%s: is qemu-system-x86 installed, and does "
                                         "'virsh -c qemu:///system domcapabilities "
                                         "--virttype qemu' work?"),
                                       probe.message ? probe.message : "?"));
}

static void
pv_doctor_check_cache(GPtrArray *checks, const char *caps)
{
    g_autoptr(GError) error = NULL;
    PvTopology *topology = caps ? pv_topology_parse(caps, &error) : NULL;

    if (!topology) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "llc",
                                           _("cannot read the host's topology from libvirt (%s): "
                                             "performance mode is unavailable"),
                                           error ? error->message : "?"));
        return;
    }
    if (topology->from_cache)
        pv_doctor_add(checks, pv_check_new(PV_CHECK_PASS, "llc",
                                           _("%u CPUs in %u LLC groups, from libvirt's cache "
                                             "banks"), topology->cpus->len,
                                           topology->groups->len));
    else
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "llc",
                                           _("libvirt reports no cache banks: performance mode "
                                             "counts each die as one LLC group (%u CPUs, %u "
                                             "groups)"), topology->cpus->len,
                                           topology->groups->len));
    pv_topology_free(topology);
}

static guint64
pv_doctor_free_hugepages(virConnect *conn)
{
    unsigned int size = 2048;
    unsigned long long count = 0;
    guint64 total = 0;
    int node;

    for (node = 0; node < 1024; node++) {
        if (virNodeGetFreePages(conn, 1, &size, node, 1, &count, 0) < 0) {
            virResetLastError();
            break;
        }
        total += count;
    }
    return total;
}

static void
pv_doctor_check_profiles(GPtrArray *checks, PvDoctorArgs *args, const char *caps,
                         gboolean local)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvConfig) config = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GPtrArray) names = NULL;
    uid_t uid = 0;
    gid_t gid = 0;
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
    pv_doctor_add(checks, pv_check_new(PV_CHECK_PASS, "config",
                                       path ? _("using %s") : _("no provium.conf found: the "
                                                               "built-in defaults"),
                                       path));
    if (!local) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "profiles",
                                           _("remote host: its files are not checked from "
                                             "here")));
        return;
    }
    if (!caps || !pv_doctor_parse_dac_label(caps, "qemu", &uid, &gid)) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "profiles",
                                           _("libvirt names no user QEMU runs as (no DAC "
                                             "security model): files not checked")));
        return;
    }
    names = pv_config_list_profiles(config);
    for (i = 0; i < names->len; i++) {
        g_autoptr(PvProfile) profile = pv_config_get_profile(config, names->pdata[i], &error);

        if (!profile) {
            pv_doctor_add(checks, pv_check_new(PV_CHECK_FAIL, "profile", "%s", error->message));
            g_clear_error(&error);
            continue;
        }
        pv_doctor_check_profile(checks, profile, uid, gid);
    }
}

static void
pv_doctor_check_image(GPtrArray *checks)
{
    g_autofree char *script = pv_datadir_build_path("tools", "build-test-image.sh", NULL);
    const char *argv[] = { "/bin/sh", script, "--check", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;

    if (!g_file_test(script, G_FILE_TEST_IS_REGULAR)) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "test image",
                                           _("%s is missing (is provium installed?)"), script));
        return;
    }
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                      &status, &error)) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "test image", "%s", error->message));
        return;
    }
    if (g_spawn_check_wait_status(status, NULL))
        pv_doctor_add(checks, pv_check_new(PV_CHECK_PASS, "test image", "%s",
                                           g_strstrip(out)));
    else
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "test image",
                                           _("cannot be built here: %s"), g_strstrip(err)));
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
        { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &args.cache_dir,
          N_("Where the probe's verdict is cached (default /var/cache/provium as root, else "
             "$XDG_CACHE_HOME/provium)"), N_("DIR") },
        { "probe", 0, 0, G_OPTION_ARG_NONE, &args.probe,
          N_("Boot the KVM probe again, whatever the cache says"), NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.paths, NULL,
          N_("[PATH]") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func((GDestroyNotify)pv_check_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(PvVirt) virt = NULL;
    g_autofree char *caps = NULL;
    g_autofree char *cache_dir = NULL;
    g_autofree char *mounts = NULL;
    virConnect *conn;
    gboolean local = TRUE;
    guint counts[PV_CHECK_LAST] = { 0 };
    g_autofree char *passed = NULL;
    g_autofree char *warnings = NULL;
    g_autofree char *failed = NULL;
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

    conn = pv_libvirt_open(args.uri, &error);
    if (!conn) {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_FAIL, "libvirt",
                                           _("%s: start libvirtd (tools/setup-debian.sh does), "
                                             "or give the URI with -c"), error->message));
    } else {
        g_autofree char *uri = virConnectGetURI(conn);
        unsigned long lib = 0;
        unsigned long hv = 0;

        local = pv_libvirt_is_local(conn);
        if (virConnectGetLibVersion(conn, &lib) < 0 || virConnectGetVersion(conn, &hv) < 0)
            virResetLastError();
        pv_doctor_add(checks, pv_check_new(PV_CHECK_PASS, "libvirt",
                                           _("connected to %s (libvirt %lu.%lu.%lu, %s "
                                             "%lu.%lu.%lu)"), uri ? uri : "?",
                                           lib / 1000000, lib / 1000 % 1000, lib % 1000,
                                           virConnectGetType(conn), hv / 1000000,
                                           hv / 1000 % 1000, hv % 1000));
        cache_dir = args.cache_dir ? g_strdup(args.cache_dir) : pv_cache_dir_default();
        virt = pv_virt_new(conn, local, cache_dir);
        caps = virConnectGetCapabilities(conn);
        if (!caps)
            virResetLastError();
        pv_doctor_check_kvm(checks, virt, local, !args.probe);
        pv_doctor_check_qemu(checks, conn, local);
    }
    pv_doctor_check_profiles(checks, &args, caps, local);
    if (local) {
        if (!g_file_get_contents("/proc/mounts", &mounts, NULL, NULL))
            mounts = NULL;
        pv_doctor_add(checks, pv_doctor_check_hugepages(mounts,
                                                        conn ? pv_doctor_free_hugepages(conn)
                                                             : 0));
        pv_doctor_add(checks, pv_doctor_check_psi("/proc"));
        pv_doctor_add(checks, pv_doctor_check_ksm("/sys/kernel/mm/ksm"));
    } else {
        pv_doctor_add(checks, pv_check_new(PV_CHECK_WARN, "host",
                                           _("remote host: hugepages, PSI and KSM are not "
                                             "checked from here (provium skips them too)")));
    }
    if (conn)
        pv_doctor_check_cache(checks, caps);
    pv_doctor_check_image(checks);

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
    /* TRANSLATORS: the checks' counts, in the order passed, warnings, failed */
    g_print(_("provium doctor: %s, %s, %s\n"), passed, warnings, failed);
    g_clear_pointer(&virt, pv_virt_free);
    if (conn)
        virConnectClose(conn);
    return counts[PV_CHECK_FAIL] > 0 ? PV_EXIT_FAILED : PV_EXIT_OK;
}
