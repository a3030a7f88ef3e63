/*
 * pv-libvirt.h: opening libvirt connections and turning its errors into GErrors
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pv-error.h"

/* Keepalive: a probe after this many seconds of silence... */
#define PV_LIBVIRT_KEEPALIVE_INTERVAL 5
/* ...and the connection closes after this many go unanswered. */
#define PV_LIBVIRT_KEEPALIVE_COUNT 3

/**
 * PvLibvirtCloseReason:
 *
 * Why a connection closed without provium closing it.
 */
typedef enum {
    PV_LIBVIRT_CLOSED_EOF,        /* the daemon's end closed: it died, or was stopped */
    PV_LIBVIRT_CLOSED_KEEPALIVE,  /* it stopped answering keepalive probes */
    PV_LIBVIRT_CLOSED_ERROR,      /* the socket failed */
} PvLibvirtCloseReason;

typedef void (*PvLibvirtClosedFunc)(PvLibvirtCloseReason reason, gpointer user_data);
typedef struct _PvLibvirtCloseWatch PvLibvirtCloseWatch;

void pv_libvirt_init(void);
void pv_libvirt_set_error(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
void pv_libvirt_set_last_error(GError **error);
void pv_libvirt_set_error_code(GError **error, PvErrorCode code, const char *format, ...)
    G_GNUC_PRINTF(3, 4);
void pv_libvirt_set_start_error(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
gboolean pv_libvirt_last_error_is(int code);
virConnect *pv_libvirt_open(const char *uri, GError **error);
void pv_libvirt_close(virConnect *conn);
PvLibvirtCloseWatch *pv_libvirt_watch_close(virConnect *conn, PvLibvirtClosedFunc func,
                                            gpointer user_data);
void pv_libvirt_unwatch_close(virConnect *conn, PvLibvirtCloseWatch *watch);
const char *pv_libvirt_close_reason_describe(PvLibvirtCloseReason reason);
char *pv_libvirt_get_uri(virConnect *conn, GError **error);
gboolean pv_libvirt_is_local(virConnect *conn);
gboolean pv_libvirt_is_test(virConnect *conn);
gboolean pv_libvirt_has_kvm(virConnect *conn);
