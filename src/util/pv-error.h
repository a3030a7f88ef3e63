/*
 * pv-error.h: provium's error domain
 */
#pragma once

#include <glib.h>

#define PV_ERROR (pv_error_quark())

/**
 * PvErrorCode:
 *
 * What went wrong, in terms a caller can act on.  The exit status of a run
 * and the way a failure is reported follow from the code.
 */
typedef enum {
    PV_ERROR_USAGE,      /* bad option, bad path, bad value written by the user */
    PV_ERROR_CONFIG,     /* provium.conf or a profile */
    PV_ERROR_TEMPLATE,   /* a domain template */
    PV_ERROR_LIBVIRT,    /* libvirt refused or failed */
    PV_ERROR_GUEST,      /* the guest or its agent */
    PV_ERROR_TIMEOUT,    /* something did not happen in time */
    PV_ERROR_CANCELLED,  /* the run was interrupted */
    PV_ERROR_RESOURCES,  /* the pool or the host cannot provide what was asked */
    PV_ERROR_IO,         /* a local file */
    PV_ERROR_DOMAIN_STOPPED, /* a domain stopped while it was in use */
    PV_ERROR_PERF_UNAVAILABLE, /* the host can never give performance mode */
    PV_ERROR_NO_REALTIME,    /* libvirt refuses SCHED_FIFO for domains here */
    PV_ERROR_NO_HUGETLBFS,   /* libvirt has no hugetlbfs mount for hugepages */
    PV_ERROR_HOST_LOST,      /* the libvirt host's connection closed under the run */

    PV_ERROR_LAST
} PvErrorCode;

GQuark pv_error_quark(void);
void pv_error_prefix(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
