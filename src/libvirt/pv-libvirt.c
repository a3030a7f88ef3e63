/*
 * pv-libvirt.c: opening libvirt connections and turning its errors into GErrors
 *
 * libvirt keeps its last error per thread; every failing call is turned into
 * a GError right where it happens (libvirt-glib's gvir_error_new pattern), and
 * libvirt itself never prints.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libvirt-glib/libvirt-glib.h>
#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>
#include <string.h>

#include "pv-error.h"
#include "pv-libvirt.h"

static void
pv_libvirt_quiet(void *user_data, virErrorPtr error)
{
}

static void
pv_libvirt_quiet_xml(void *user_data, const char *msg, ...)
{
}

/**
 * pv_libvirt_init:
 *
 * Silences libvirt's own error printing and makes the GLib main loop
 * libvirt's event loop.  Call once, before the first connection.
 */
void
pv_libvirt_init(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        virInitialize();
        virSetErrorFunc(NULL, pv_libvirt_quiet);
        /* Drivers parsing XML in-process (test:///) would print through
         * libxml2's default handler; their errors reach us through libvirt. */
        xmlSetGenericErrorFunc(NULL, pv_libvirt_quiet_xml);
        gvir_event_register();
        g_once_init_leave(&done, 1);
    }
}

/**
 * pv_libvirt_set_error:
 * @format: what provium was doing, e.g. "cannot start domain '%s'"
 *
 * Sets @error to "@format: <libvirt's message>" with code PV_ERROR_LIBVIRT.
 */
void
pv_libvirt_set_error(GError **error, const char *format, ...)
{
    va_list ap;
    g_autofree char *what = NULL;
    const char *msg = virGetLastErrorMessage();

    va_start(ap, format);
    what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, PV_ERROR, PV_ERROR_LIBVIRT, "%s: %s", what,
                msg ? msg : _("unknown libvirt error"));
}

/**
 * pv_libvirt_set_last_error:
 *
 * Sets @error to libvirt's message alone, code PV_ERROR_LIBVIRT: for a
 * caller that says what it was doing with pv_error_prefix().
 */
void
pv_libvirt_set_last_error(GError **error)
{
    const char *msg = virGetLastErrorMessage();

    g_set_error_literal(error, PV_ERROR, PV_ERROR_LIBVIRT, msg ? msg : _("unknown libvirt error"));
}

/**
 * pv_libvirt_set_error_code:
 *
 * pv_libvirt_set_error() with the code the caller's layer means (a guest
 * agent's failure is PV_ERROR_GUEST).
 */
void
pv_libvirt_set_error_code(GError **error, PvErrorCode code, const char *format, ...)
{
    va_list ap;
    g_autofree char *what = NULL;
    const char *msg = virGetLastErrorMessage();

    va_start(ap, format);
    what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, PV_ERROR, code, "%s: %s", what, msg ? msg : _("unknown libvirt error"));
}

/**
 * pv_libvirt_set_start_error:
 *
 * A domain did not start: what libvirt refused, classified where its error
 * is at hand.  libvirt gives no codes for these, only its text (seen with
 * libvirt 9.0): SCHED_FIFO refused where the host gives domains no realtime
 * budget ("...scheduler..."), hugepages without a hugetlbfs mount
 * ("hugetlbfs filesystem is not mounted").
 */
void
pv_libvirt_set_start_error(GError **error, const char *format, ...)
{
    va_list ap;
    g_autofree char *what = NULL;
    const char *msg = virGetLastErrorMessage();
    PvErrorCode code = PV_ERROR_LIBVIRT;

    if (msg && strstr(msg, "scheduler"))
        code = PV_ERROR_NO_REALTIME;
    else if (msg && strstr(msg, "hugetlbfs"))
        code = PV_ERROR_NO_HUGETLBFS;
    va_start(ap, format);
    what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, PV_ERROR, code, "%s: %s", what, msg ? msg : _("unknown libvirt error"));
}

/**
 * pv_libvirt_last_error_is:
 * Returns: whether this thread's last libvirt error has @code (a
 *   virErrorNumber)
 */
gboolean
pv_libvirt_last_error_is(int code)
{
    virErrorPtr err = virGetLastError();

    return err && err->code == code;
}

/**
 * pv_libvirt_open:
 * @uri: (nullable): as for virsh -c; NULL for LIBVIRT_DEFAULT_URI or
 *   libvirt's own default
 *
 * Opens a read-write connection, asking for credentials the way virsh does,
 * with keepalive so a dead daemon is noticed.
 * Returns: (transfer full): the connection, or NULL with @error set
 */
virConnect *
pv_libvirt_open(const char *uri, GError **error)
{
    virConnect *conn;

    pv_libvirt_init();
    conn = virConnectOpenAuth(uri, virConnectAuthPtrDefault, 0);
    if (!conn) {
        const char *shown = uri ? uri : g_getenv("LIBVIRT_DEFAULT_URI");

        if (shown)
            pv_libvirt_set_error(error, _("cannot connect to libvirt at '%s'"), shown);
        else
            pv_libvirt_set_error(error, _("cannot connect to libvirt's default URI"));
        return NULL;
    }
    /*
     * Best effort: not every driver (test:///) supports keepalive.  A probe
     * every PV_LIBVIRT_KEEPALIVE_INTERVAL s of silence, and the connection
     * closes after PV_LIBVIRT_KEEPALIVE_COUNT unanswered ones: a daemon that
     * stopped answering (stopped, a host gone, a link cut) is noticed within
     * about 5 * (3 + 1) = 20 s; one whose socket closed (killed) at once.
     */
    if (virConnectSetKeepAlive(conn, PV_LIBVIRT_KEEPALIVE_INTERVAL,
                               PV_LIBVIRT_KEEPALIVE_COUNT) < 0)
        virResetLastError();
    return conn;
}

struct _PvLibvirtCloseWatch {
    PvLibvirtClosedFunc func;
    gpointer user_data;
};

static void
pv_libvirt_on_close(virConnectPtr conn, int reason, void *opaque)
{
    PvLibvirtCloseWatch *watch = opaque;
    PvLibvirtCloseReason why;

    switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_EOF:
        why = PV_LIBVIRT_CLOSED_EOF;
        break;
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
        why = PV_LIBVIRT_CLOSED_KEEPALIVE;
        break;
    case VIR_CONNECT_CLOSE_REASON_CLIENT:
        /* Ours: not a loss. */
        return;
    default:
        why = PV_LIBVIRT_CLOSED_ERROR;
        break;
    }
    watch->func(why, watch->user_data);
}

/**
 * pv_libvirt_watch_close:
 * @func: called when the connection closes other than by our own close
 *   (the daemon went away, keepalive gave up), on whichever thread libvirt
 *   noticed it: the main loop's, or a worker's in a call
 *
 * Returns: (transfer full) (nullable): the watch, for
 *   pv_libvirt_unwatch_close(); NULL when libvirt refused it
 */
PvLibvirtCloseWatch *
pv_libvirt_watch_close(virConnect *conn, PvLibvirtClosedFunc func, gpointer user_data)
{
    PvLibvirtCloseWatch *watch = g_new0(PvLibvirtCloseWatch, 1);

    watch->func = func;
    watch->user_data = user_data;
    /*
     * Ours to free (pv_libvirt_unwatch_close()), not libvirt's: a driver
     * without close callbacks (test:///) says yes and keeps nothing.
     */
    if (virConnectRegisterCloseCallback(conn, pv_libvirt_on_close, watch, NULL) < 0) {
        virResetLastError();
        g_free(watch);
        return NULL;
    }
    return watch;
}

/**
 * pv_libvirt_unwatch_close:
 * @watch: (transfer full) (nullable): from pv_libvirt_watch_close()
 *
 * Undoes pv_libvirt_watch_close(): its func is not called after this
 * returns.  Call before the connection's last close.
 */
void
pv_libvirt_unwatch_close(virConnect *conn, PvLibvirtCloseWatch *watch)
{
    if (!watch)
        return;
    if (virConnectUnregisterCloseCallback(conn, pv_libvirt_on_close) < 0)
        virResetLastError();
    g_free(watch);
}

/**
 * pv_libvirt_close_reason_describe:
 *
 * Returns: why a connection closed, for people (translated: call it under
 *   the C locale for a record)
 */
const char *
pv_libvirt_close_reason_describe(PvLibvirtCloseReason reason)
{
    switch (reason) {
    case PV_LIBVIRT_CLOSED_EOF:
        return _("the daemon closed the connection");
    case PV_LIBVIRT_CLOSED_KEEPALIVE:
        return _("the daemon stopped answering");
    case PV_LIBVIRT_CLOSED_ERROR:
    default:
        return _("the connection failed");
    }
}

/**
 * pv_libvirt_close:
 *
 * Drops a reference to @conn (the last closes it).  Accepts NULL.
 */
void
pv_libvirt_close(virConnect *conn)
{
    if (conn)
        virConnectClose(conn);
}

/**
 * pv_libvirt_get_uri:
 *
 * Returns: (transfer full): the URI @conn is connected to, as libvirt
 *   names it ("qemu:///system"), or NULL with @error set to libvirt's reason
 */
char *
pv_libvirt_get_uri(virConnect *conn, GError **error)
{
    char *uri = virConnectGetURI(conn);

    if (!uri) {
        pv_libvirt_set_last_error(error);
        virResetLastError();
    }
    return uri;
}

/**
 * pv_libvirt_is_test:
 *
 * Whether @conn is libvirt's test driver (test:///default): it runs no
 * guests, and its networks are on no host.
 */
gboolean
pv_libvirt_is_test(virConnect *conn)
{
    const char *type = virConnectGetType(conn);

    return type && g_ascii_strcasecmp(type, "test") == 0;
}

/**
 * pv_libvirt_is_local:
 *
 * Whether the hypervisor runs on this machine, so that host files (PSI, KSM,
 * console logs) are the host's.
 */
gboolean
pv_libvirt_is_local(virConnect *conn)
{
    g_autofree char *uri = virConnectGetURI(conn);
    g_autofree char *scheme = NULL;
    const char *sep;

    if (!uri)
        return FALSE;
    sep = strstr(uri, "://");
    if (!sep)
        return TRUE;
    scheme = g_strndup(uri, sep - uri);
    /* driver+transport://host/...: remote unless the transport is local */
    if (strchr(scheme, '+') && !g_str_has_suffix(scheme, "+unix"))
        return FALSE;
    /* driver://host/...: a host part means remote */
    return sep[3] == '/' || sep[3] == '\0';
}

/**
 * pv_libvirt_has_kvm:
 *
 * Whether the host can run type='kvm' domains.
 */
gboolean
pv_libvirt_has_kvm(virConnect *conn)
{
    g_autofree char *caps = virConnectGetDomainCapabilities(conn, NULL, NULL, NULL, "kvm", 0);

    if (!caps)
        virResetLastError();
    return caps != NULL;
}
