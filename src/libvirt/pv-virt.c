/*
 * pv-virt.c: which accelerator guests run under (KVM or plain QEMU), decided
 * from what QEMU can really do on the host
 *
 * libvirt offers type='kvm' whenever /dev/kvm exists, but that is not proof
 * that QEMU can use it: the device may be root-only (a container without
 * udev), or KVM may be nested in a way that lets guests start and then stall
 * before their first console line.  So where libvirt offers KVM on a local
 * host, provium boots a probe: a 32 MiB guest whose "kernel" is a 271-byte
 * multiboot image of provium's own (src/libvirt/probe/probe.S) that writes a line to
 * the serial port in protected mode, turns on paging and long mode as every
 * x86-64 kernel does, and writes another; then the same under plain
 * emulation.  Both take milliseconds where KVM works.  On the CI kind of
 * machine, nested KVM runs SeaBIOS slowly, takes 4 to 5 s to bring this image
 * to long mode (emulation: 0.05 s), and a Linux kernel prints nothing in two
 * minutes: such a KVM is no use.
 *
 *   - the KVM domain does not start: KVM is not usable (libvirt's reason);
 *   - it starts but never reaches long mode, or reaches it much later than
 *     plain emulation does: KVM guests stall here;
 *   - plain emulation does not get through: inconclusive when KVM did not
 *     either (plain emulation is used, and nothing is cached).
 *
 * A remote host's probe (provium doctor's) takes its image and console log
 * through the host's storage pool (host/pv-host.c, pv_virt_probe_boot_at()).
 *
 * The verdict is cached per libvirt URI, keyed by the host's boot, libvirt's
 * and QEMU's versions and /dev/kvm's owner and mode, so runs do not pay for
 * the probe again until one of those changes.  The probe domains carry
 * provium's metadata and are started with autodestroy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-console.h"
#include "pv-error.h"
#include "pv-libvirt.h"
#include "pv-safe.h"
#include "pv-template.h"
#include "pv-virt.h"
#include "probe/probe-image.h"

#define PV_VIRT_PROBE_KVM_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define PV_VIRT_PROBE_QEMU_TIMEOUT_US (20 * G_USEC_PER_SEC)
#define PV_VIRT_PROBE_POLL_US (50 * 1000)
#define PV_VIRT_CACHE_FILE "virt-probe"
#define PV_VIRT_KVM_DEVICE "/dev/kvm"

static const char pv_virt_probe_template[] =
    "<domain type='qemu'>\n"
    "  <name>probe</name>\n"
    "  <memory unit='MiB'>32</memory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='pc'>hvm</type>\n"
    "  </os>\n"
    "  <on_poweroff>destroy</on_poweroff>\n"
    "  <on_reboot>destroy</on_reboot>\n"
    "  <on_crash>destroy</on_crash>\n"
    "  <devices>\n"
    "    <memballoon model='none'/>\n"
    "  </devices>\n"
    "</domain>\n";

PV_ENUM_IMPL(pv_probe_verdict, PvProbeVerdict, PV_PROBE_LAST,
             "none", "ok", "failed", "hangs", "inconclusive");

void
pv_probe_result_clear(PvProbeResult *result)
{
    g_clear_pointer(&result->message, g_free);
    result->verdict = PV_PROBE_NONE;
    result->duration_us = 0;
    result->reach_us = 0;
    result->cached = FALSE;
}

static void
pv_probe_result_copy(PvProbeResult *to, const PvProbeResult *from)
{
    pv_probe_result_clear(to);
    to->verdict = from->verdict;
    to->message = g_strdup(from->message);
    to->duration_us = from->duration_us;
    to->reach_us = from->reach_us;
    to->cached = from->cached;
}

/**
 * pv_virt_console_reached:
 * @console_text: the probe's console, sanitized
 *
 * Whether the probe's guest got to long mode and said so.
 */
gboolean
pv_virt_console_reached(const char *console_text)
{
    return console_text && strstr(console_text, "provium-probe: long mode\n") != NULL;
}

/**
 * pv_virt_choose:
 * @probe: (nullable): the probe's verdict, when there was one
 * @reason: (out) (transfer full): why, in one line
 *
 * What --virt-type auto means on this host.
 * Returns: PV_VIRT_KVM or PV_VIRT_QEMU
 */
PvVirtType
pv_virt_choose(gboolean libvirt_has_kvm, gboolean local, const PvProbeResult *probe,
               char **reason)
{
    PvProbeVerdict verdict = probe ? probe->verdict : PV_PROBE_NONE;

    if (!libvirt_has_kvm) {
        *reason = g_strdup(_("libvirt offers no KVM on this host (no /dev/kvm?): guests run "
                             "under plain emulation"));
        return PV_VIRT_QEMU;
    }
    switch (verdict) {
    case PV_PROBE_OK:
        *reason = g_strdup(_("a probe guest booted under KVM"));
        return PV_VIRT_KVM;
    case PV_PROBE_FAILED:
        *reason = g_strdup_printf(_("QEMU cannot use KVM here (%s): guests run under plain "
                                    "emulation"), probe->message ? probe->message : "?");
        return PV_VIRT_QEMU;
    case PV_PROBE_HANGS:
        *reason = g_strdup_printf(_("KVM guests stall here (%s; nested virtualization?): "
                                    "guests run under plain emulation"),
                                  probe->message ? probe->message : "?");
        return PV_VIRT_QEMU;
    case PV_PROBE_INCONCLUSIVE:
        *reason = g_strdup(_("a probe guest got through neither under KVM nor under plain "
                             "emulation: guests run under plain emulation"));
        return PV_VIRT_QEMU;
    case PV_PROBE_NONE:
    default:
        *reason = g_strdup(local ? _("libvirt offers KVM (not probed)")
                                 : _("libvirt offers KVM on the remote host (not probed: "
                                     "the probe reads the console locally)"));
        return PV_VIRT_KVM;
    }
}

/**
 * pv_virt_diagnose:
 * @libvirt_has_kvm: whether libvirt offers type='kvm' domains on the host
 *
 * Why a KVM domain failed to start or stays silent, when libvirt or the
 * probe knows.
 * Returns: (transfer full) (nullable): the cause and the switch, in one
 *   line; NULL when neither blames KVM
 */
char *
pv_virt_diagnose(gboolean libvirt_has_kvm, const PvProbeResult *probe)
{
    if (!libvirt_has_kvm)
        return g_strdup(_("--virt-type kvm is not available on this host: libvirt offers no "
                          "KVM (no /dev/kvm?); use --virt-type qemu, or --virt-type auto to "
                          "choose by itself"));
    switch (probe->verdict) {
    case PV_PROBE_FAILED:
        return g_strdup_printf(_("QEMU cannot use KVM on this host (%s): run with "
                                 "--virt-type qemu, or --virt-type auto to choose by itself"),
                               probe->message ? probe->message : "?");
    case PV_PROBE_HANGS:
        return g_strdup_printf(_("KVM guests stall on this host (%s; nested "
                                 "virtualization?): run with --virt-type qemu, or "
                                 "--virt-type auto to choose by itself"),
                               probe->message ? probe->message : "?");
    default:
        return NULL;
    }
}

/**
 * pv_virt_cache_key:
 * @kvm_device: how /dev/kvm looks ("absent", "mode 20660 uid 0 gid 107")
 *
 * Returns: (transfer full): a digest of everything a probe's verdict
 *   depends on
 */
char *
pv_virt_cache_key(const char *uri, const char *boot_id, unsigned long libvirt_version,
                  unsigned long hypervisor_version, const char *kvm_device)
{
    g_autofree char *text = g_strdup_printf("%s\n%s\n%lu\n%lu\n%s\n%s\n", uri, boot_id,
                                            libvirt_version, hypervisor_version, kvm_device,
                                            PACKAGE_VERSION);

    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
}

/**
 * pv_virt_cache_lookup:
 * @result: (out caller-allocates): filled when found
 *
 * Returns: whether @path holds a verdict for @uri under @key
 */
gboolean
pv_virt_cache_lookup(const char *path, const char *uri, const char *key, PvProbeResult *result)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *stored_key = NULL;
    g_autofree char *verdict_text = NULL;
    PvProbeVerdict verdict;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return FALSE;
    stored_key = g_key_file_get_string(kf, uri, "key", NULL);
    verdict_text = g_key_file_get_string(kf, uri, "verdict", NULL);
    if (g_strcmp0(stored_key, key) != 0 || !pv_probe_verdict_from_string(verdict_text, &verdict) ||
        verdict == PV_PROBE_NONE || verdict == PV_PROBE_INCONCLUSIVE)
        return FALSE;
    pv_probe_result_clear(result);
    result->verdict = verdict;
    result->message = g_key_file_get_string(kf, uri, "message", NULL);
    result->cached = TRUE;
    return TRUE;
}

/**
 * pv_virt_cache_store:
 *
 * Records @result for @uri under @key in @path, written atomically, next to
 * the other URIs' verdicts.
 */
gboolean
pv_virt_cache_store(const char *path, const char *uri, const char *key,
                    const PvProbeResult *result, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *when = g_date_time_format_iso8601(now);
    g_autofree char *data = NULL;
    gsize len = 0;

    /* A missing or unreadable file starts afresh. */
    g_key_file_load_from_file(kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
    g_key_file_set_string(kf, uri, "key", key);
    g_key_file_set_string(kf, uri, "verdict", pv_probe_verdict_to_string(result->verdict));
    if (result->message)
        g_key_file_set_string(kf, uri, "message", result->message);
    else
        g_key_file_remove_key(kf, uri, "message", NULL);
    g_key_file_set_string(kf, uri, "probed", when);
    data = g_key_file_to_data(kf, &len, NULL);
    return g_file_set_contents_full(path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* The first line of libvirt's last error, the part that names the cause. */
static char *
pv_virt_last_error_line(void)
{
    const char *msg = virGetLastErrorMessage();
    const char *nl = msg ? strchr(msg, '\n') : NULL;
    g_autofree char *line = nl ? g_strndup(msg, nl - msg) : g_strdup(msg ? msg : "?");
    /* "internal error: process exited while connecting to monitor: " says nothing */
    const char *cause = strstr(line, "monitor: ");

    return g_strdup(cause ? cause + strlen("monitor: ") : line);
}

/*
 * Sleeps, keeping libvirt's connection alive: before the run's main loop
 * runs (or in provium doctor, which has none), nobody else answers the
 * daemon's keepalive pings, and a probe longer than the keepalive timeout
 * would lose the connection.  When another thread runs the loop, it answers.
 */
static void
pv_virt_sleep(gint64 us)
{
    gint64 until = g_get_monotonic_time() + us;

    if (!g_main_context_acquire(NULL)) {
        g_usleep(us);
        return;
    }
    while (g_get_monotonic_time() < until) {
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(MIN(10 * 1000, MAX(until - g_get_monotonic_time(), 0)));
    }
    g_main_context_release(NULL);
}

/**
 * pv_virt_probe_image:
 *
 * Returns: (transfer full): the probe guest's "kernel", for a host that
 *   takes it through its storage (pv_virt_probe_boot_at())
 */
GBytes *
pv_virt_probe_image(void)
{
    return g_bytes_new_static(pv_probe_image, sizeof(pv_probe_image));
}

/**
 * pv_virt_probe_name:
 *
 * Returns: (transfer full): a name for a probe domain of @type, unique on
 *   its host
 */
char *
pv_virt_probe_name(PvVirtType type)
{
    return g_strdup_printf("pv-probe-%d-%s-%06x", (int)getpid(), pv_virt_type_to_string(type),
                           g_random_int_range(0, 0x1000000));
}

/**
 * pv_virt_probe_boot_at:
 * @name: the domain's, from pv_virt_probe_name()
 * @files: where the host finds the probe image and logs the console, and
 *   where its console is read here
 * @result: (out caller-allocates): as pv_virt_probe_boot()'s
 *
 * Boots one probe guest of files already in place on the host (a remote
 * one takes them through provium's storage pool there), watches its
 * console until it reaches long mode or @timeout_us passes from the
 * domain's start, then destroys it.  Removes nothing.
 * Returns: whether it reached long mode
 */
gboolean
pv_virt_probe_boot_at(virConnect *conn, PvVirtType type, const char *name,
                      const PvProbeFiles *files, gint64 timeout_us, PvProbeResult *result)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *seen = NULL;
    PvDomainRequest request = { 0 };
    gint64 started = g_get_monotonic_time();
    gint64 deadline;
    virDomain *dom;
    gboolean reached = FALSE;

    pv_probe_result_clear(result);
    request.name = name;
    request.title = "provium: accelerator probe";
    request.virt_type = type;
    request.console_log = files->console_log;
    request.kernel = files->kernel;
    request.run_id = "probe";
    request.prefix = "pv-probe-";
    request.vm = pv_virt_type_to_string(type);
    request.host = g_get_host_name();
    request.pid = getpid();
    xml = pv_template_render(pv_virt_probe_template, sizeof(pv_virt_probe_template) - 1,
                             "[probe]", &request, NULL, &error);
    g_assert_no_error(error);

    dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_AUTODESTROY);
    if (!dom) {
        result->verdict = PV_PROBE_FAILED;
        result->message = pv_virt_last_error_line();
        virResetLastError();
    } else {
        /* libvirt may take long to start a domain on a busy host: not the guest's time */
        deadline = g_get_monotonic_time() + timeout_us;
        for (;;) {
            g_autofree char *raw = NULL;
            gsize len = 0;

            if (g_file_get_contents(files->console_path, &raw, &len, NULL)) {
                g_free(seen);
                seen = pv_console_sanitize(raw, len);
                reached = pv_virt_console_reached(seen);
            }
            if (reached || g_get_monotonic_time() >= deadline)
                break;
            pv_virt_sleep(PV_VIRT_PROBE_POLL_US);
        }
        result->reach_us = g_get_monotonic_time() - (deadline - timeout_us);
        if (virDomainDestroy(dom) < 0)
            virResetLastError();
        virDomainFree(dom);
        result->verdict = reached ? PV_PROBE_OK : PV_PROBE_HANGS;
        if (!reached) {
            g_autofree char *shown = g_strstrip(g_strdup(seen ? seen : ""));

            result->message = *shown ? g_strdup_printf(_("the console stopped at: %.80s"), shown)
                                     : g_strdup(_("the console stayed empty"));
        }
    }
    result->duration_us = g_get_monotonic_time() - started;
    return reached;
}

/**
 * pv_virt_probe_boot:
 * @type: PV_VIRT_KVM or PV_VIRT_QEMU
 * @result: (out caller-allocates): OK (reached, @result->reach_us after the
 *   domain started), FAILED (did not start, with libvirt's reason) or HANGS
 *   (started, never reached: for @type alone)
 *
 * Boots one probe guest on a host that is this machine, its image and
 * console log in a directory of this machine's, and watches its console
 * until it reaches long mode or @timeout_us passes from the domain's
 * start, then destroys it.
 * Returns: whether it reached long mode
 */
gboolean
pv_virt_probe_boot(virConnect *conn, PvVirtType type, gint64 timeout_us, PvProbeResult *result)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("provium-probe-XXXXXX", &error);
    g_autofree char *console = NULL;
    g_autofree char *image = NULL;
    g_autofree char *name = NULL;
    PvProbeFiles files = { 0 };
    gint64 started = g_get_monotonic_time();
    gboolean reached;

    pv_probe_result_clear(result);
    if (!dir) {
        result->verdict = PV_PROBE_INCONCLUSIVE;
        result->message = g_strdup(error->message);
        return FALSE;
    }
    /* QEMU (its own user) reads the image; virtlogd writes the log. */
    g_chmod(dir, 0755);
    console = g_build_filename(dir, "console.log", NULL);
    image = g_build_filename(dir, "probe.img", NULL);
    if (!g_file_set_contents_full(image, (const char *)pv_probe_image, sizeof(pv_probe_image),
                                  G_FILE_SET_CONTENTS_NONE, 0644, &error)) {
        result->verdict = PV_PROBE_INCONCLUSIVE;
        result->message = g_strdup(error->message);
        g_rmdir(dir);
        return FALSE;
    }
    name = pv_virt_probe_name(type);
    files.kernel = image;
    files.console_log = console;
    files.console_path = console;
    reached = pv_virt_probe_boot_at(conn, type, name, &files, timeout_us, result);
    result->duration_us = g_get_monotonic_time() - started;
    g_unlink(console);
    g_unlink(image);
    g_rmdir(dir);
    return reached;
}

/**
 * pv_virt_probe_with:
 * @boot: boots one probe guest, as pv_virt_probe_boot() does
 * @result: (out caller-allocates): the verdict on KVM
 *
 * KVM, then plain emulation to compare with (pv_virt_judge()): a KVM that
 * gets there much later than emulation is one whose guests crawl or stall.
 */
void
pv_virt_probe_with(PvProbeBootFunc boot, gpointer data, PvProbeResult *result)
{
    g_auto(PvProbeResult) kvm = { 0 };
    g_auto(PvProbeResult) qemu = { 0 };
    gint64 started = g_get_monotonic_time();

    boot(PV_VIRT_KVM, PV_VIRT_PROBE_KVM_TIMEOUT_US, &kvm, data);
    if (kvm.verdict == PV_PROBE_FAILED) {
        pv_probe_result_copy(result, &kvm);
        return;
    }
    boot(PV_VIRT_QEMU, PV_VIRT_PROBE_QEMU_TIMEOUT_US, &qemu, data);
    pv_virt_judge(&kvm, &qemu, result);
    result->duration_us = g_get_monotonic_time() - started;
}

struct _PvVirt {
    GMutex lock;
    virConnect *conn;
    gboolean local;
    char *cache_dir;        /* nullable: no caching */
    gint has_kvm;           /* -1: not asked yet */
    gboolean probed;
    PvProbeResult probe;
};

/**
 * pv_cache_dir_default:
 *
 * Returns: (transfer full): /var/cache/provium as root, else
 *   $XDG_CACHE_HOME/provium
 */
char *
pv_cache_dir_default(void)
{
    if (geteuid() == 0)
        return g_strdup("/var/cache/provium");
    return g_build_filename(g_get_user_cache_dir(), "provium", NULL);
}

/**
 * pv_virt_new:
 * @conn: (transfer none): must outlive the object
 * @cache_dir: (nullable): where verdicts are cached; NULL for none
 */
PvVirt *
pv_virt_new(virConnect *conn, gboolean local, const char *cache_dir)
{
    PvVirt *virt = g_new0(PvVirt, 1);

    g_mutex_init(&virt->lock);
    virt->conn = conn;
    virt->local = local;
    virt->cache_dir = g_strdup(cache_dir);
    virt->has_kvm = -1;
    return virt;
}

void
pv_virt_free(PvVirt *virt)
{
    if (!virt)
        return;
    pv_probe_result_clear(&virt->probe);
    g_free(virt->cache_dir);
    g_mutex_clear(&virt->lock);
    g_free(virt);
}

/**
 * pv_virt_libvirt_has_kvm:
 *
 * Whether libvirt offers type='kvm' domains (which is not proof that QEMU
 * can use KVM).
 */
gboolean
pv_virt_libvirt_has_kvm(PvVirt *virt)
{
    gboolean has;

    g_mutex_lock(&virt->lock);
    if (virt->has_kvm < 0)
        virt->has_kvm = pv_libvirt_has_kvm(virt->conn);
    has = virt->has_kvm;
    g_mutex_unlock(&virt->lock);
    return has;
}

static char *
pv_virt_describe_kvm_device(void)
{
    struct stat st;

    if (stat(PV_VIRT_KVM_DEVICE, &st) < 0)
        return g_strdup("absent");
    return g_strdup_printf("mode %o uid %u gid %u rdev %lu", (unsigned)st.st_mode,
                           (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned long)st.st_rdev);
}

static char *
pv_virt_current_key(PvVirt *virt)
{
    g_autofree char *uri = virConnectGetURI(virt->conn);
    g_autofree char *boot_id = NULL;
    g_autofree char *device = pv_virt_describe_kvm_device();
    unsigned long libvirt_version = 0;
    unsigned long hypervisor_version = 0;

    if (!g_file_get_contents("/proc/sys/kernel/random/boot_id", &boot_id, NULL, NULL))
        boot_id = g_strdup("?");
    g_strstrip(boot_id);
    if (virConnectGetLibVersion(virt->conn, &libvirt_version) < 0 ||
        virConnectGetVersion(virt->conn, &hypervisor_version) < 0)
        virResetLastError();
    return pv_virt_cache_key(uri ? uri : "", boot_id, libvirt_version, hypervisor_version,
                             device);
}

/**
 * pv_virt_judge:
 * @kvm: the KVM probe's outcome (OK or HANGS)
 * @qemu: the plain-emulation probe's
 * @result: (out caller-allocates): the verdict on KVM
 *
 * KVM is usable when its probe reached long mode no later than about when
 * plain emulation's did: twice its time and a second more, which a working
 * KVM (milliseconds) never comes near, on any load.
 */
void
pv_virt_judge(const PvProbeResult *kvm, const PvProbeResult *qemu, PvProbeResult *result)
{
    pv_probe_result_clear(result);
    if (qemu->verdict != PV_PROBE_OK) {
        /* Nothing to compare with: a KVM that got there is taken at its word. */
        result->verdict = kvm->verdict == PV_PROBE_OK ? PV_PROBE_OK : PV_PROBE_INCONCLUSIVE;
        if (result->verdict == PV_PROBE_INCONCLUSIVE)
            result->message = g_strdup_printf(_("neither KVM nor plain emulation got the probe "
                                                "guest to long mode (plain emulation: %s)"),
                                              qemu->message ? qemu->message : "?");
        return;
    }
    if (kvm->verdict != PV_PROBE_OK) {
        result->verdict = PV_PROBE_HANGS;
        result->message = g_strdup_printf(_("a probe guest stalled under KVM (%s) and reached "
                                            "long mode in %.2f s under plain emulation"),
                                          kvm->message ? kvm->message : "?",
                                          qemu->reach_us / (double)G_USEC_PER_SEC);
        return;
    }
    if (kvm->reach_us > 2 * qemu->reach_us + G_USEC_PER_SEC) {
        result->verdict = PV_PROBE_HANGS;
        result->message = g_strdup_printf(_("a probe guest reached long mode in %.1f s under "
                                            "KVM against %.2f s under plain emulation"),
                                          kvm->reach_us / (double)G_USEC_PER_SEC,
                                          qemu->reach_us / (double)G_USEC_PER_SEC);
        return;
    }
    result->verdict = PV_PROBE_OK;
    result->reach_us = kvm->reach_us;
}

static gboolean
pv_virt_probe_boot_here(PvVirtType type, gint64 timeout_us, PvProbeResult *result,
                        gpointer data)
{
    PvVirt *virt = data;

    return pv_virt_probe_boot(virt->conn, type, timeout_us, result);
}

static void
pv_virt_run_probe(PvVirt *virt, PvProbeResult *result)
{
    pv_virt_probe_with(pv_virt_probe_boot_here, virt, result);
}

/*
 * Probes, or reads the verdict from the cache; the cache's lock file keeps
 * two runs starting together from probing twice.
 */
static void
pv_virt_probe_cached(PvVirt *virt, gboolean use_cache, PvProbeResult *result)
{
    g_autofree char *uri = virConnectGetURI(virt->conn);
    g_autofree char *key = pv_virt_current_key(virt);
    g_autofree char *path = NULL;
    g_autofree char *lock_path = NULL;
    g_autoptr(GError) error = NULL;
    int lock_fd = -1;
    int dir_fd;

    /* A cache directory someone else controls is no cache (pv-safe.c). */
    if (virt->cache_dir && g_mkdir_with_parents(virt->cache_dir, 0755) == 0 &&
        (dir_fd = pv_safe_dir_open(virt->cache_dir, &error)) >= 0) {
        close(dir_fd);
        path = g_build_filename(virt->cache_dir, PV_VIRT_CACHE_FILE, NULL);
        lock_path = g_strconcat(path, ".lock", NULL);
        lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (lock_fd >= 0 && flock(lock_fd, LOCK_EX) < 0) {
            close(lock_fd);
            lock_fd = -1;
        }
    }
    if (error)
        g_debug("not caching the probe's verdict: %s", error->message);
    g_clear_error(&error);
    if (!uri)
        uri = g_strdup("");
    if (!(use_cache && path && pv_virt_cache_lookup(path, uri, key, result))) {
        pv_virt_run_probe(virt, result);
        if (path && result->verdict != PV_PROBE_INCONCLUSIVE &&
            !pv_virt_cache_store(path, uri, key, result, &error))
            g_debug("cannot cache the probe's verdict: %s", error->message);
    }
    if (lock_fd >= 0)
        close(lock_fd);
}

/**
 * pv_virt_get_probe:
 * @use_cache: FALSE to probe again whatever the cache says
 * @result: (out caller-allocates)
 *
 * The verdict on KVM for this host: PV_PROBE_NONE where libvirt offers no
 * KVM or the host is remote.  Probed (or read from the cache) once per
 * object; safe from any thread.
 */
void
pv_virt_get_probe(PvVirt *virt, gboolean use_cache, PvProbeResult *result)
{
    gboolean has_kvm = pv_virt_libvirt_has_kvm(virt);

    g_mutex_lock(&virt->lock);
    if (!virt->probed || !use_cache) {
        pv_probe_result_clear(&virt->probe);
        if (has_kvm && virt->local)
            pv_virt_probe_cached(virt, use_cache, &virt->probe);
        virt->probed = TRUE;
    }
    pv_probe_result_copy(result, &virt->probe);
    g_mutex_unlock(&virt->lock);
}

/**
 * pv_virt_get_auto:
 * @reason: (out) (optional) (transfer full): why, in one line
 *
 * What --virt-type auto means on this host.
 * Returns: PV_VIRT_KVM or PV_VIRT_QEMU
 */
PvVirtType
pv_virt_get_auto(PvVirt *virt, char **reason)
{
    g_auto(PvProbeResult) probe = { 0 };
    g_autofree char *why = NULL;
    PvVirtType type;

    pv_virt_get_probe(virt, TRUE, &probe);
    type = pv_virt_choose(pv_virt_libvirt_has_kvm(virt), virt->local, &probe, &why);
    if (reason)
        *reason = g_steal_pointer(&why);
    return type;
}
