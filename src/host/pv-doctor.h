/*
 * pv-doctor.h: checks of the host provium runs on, as `provium doctor` prints them
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "pv-config.h"

typedef enum {
    PV_CHECK_PASS,
    PV_CHECK_WARN,
    PV_CHECK_FAIL,

    PV_CHECK_LAST
} PvCheckStatus;

const char *pv_check_status_to_string(PvCheckStatus status);

/**
 * PvCheck:
 *
 * One line of `provium doctor`: what was checked, how it went, and what to
 * do when it did not go well.
 */
typedef struct {
    PvCheckStatus status;
    char *name;       /* "libvirt", "kvm", "profile default", ... */
    char *message;
} PvCheck;

void pv_check_free(PvCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvCheck, pv_check_free)
PvCheck *pv_check_new(PvCheckStatus status, const char *name, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

gboolean pv_doctor_parse_dac_label(const char *caps_xml, const char *virt_type, uid_t *uid,
                                   gid_t *gid);
gboolean pv_doctor_user_can_read(const char *path, uid_t uid, gid_t gid, char **blocker);
void pv_doctor_check_profile(GPtrArray *checks, const PvProfile *profile, uid_t uid, gid_t gid);
PvCheck *pv_doctor_check_hugepages(const char *mounts, guint64 free_pages);
PvCheck *pv_doctor_check_psi(const char *proc_dir);
PvCheck *pv_doctor_check_ksm(const char *sysfs_dir);
