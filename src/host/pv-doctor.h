/*
 * pv-doctor.h: checks of the host provium runs on, as `provium doctor` prints them
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

#include "pv-config.h"
#include "pv-enum.h"
#include "pv-qemu-user.h"

typedef enum {
    PV_CHECK_PASS,
    PV_CHECK_WARN,
    PV_CHECK_FAIL,
    PV_CHECK_SKIP,    /* cannot be known from here (a remote host): says why */

    PV_CHECK_LAST
} PvCheckStatus;

PV_ENUM_DECL(pv_check_status, PvCheckStatus);

/**
 * PvCheck:
 *
 * One line of `provium doctor`: what was checked, how it went, and what to
 * do when it did not go well; for --json, also what was found, as fields.
 */
typedef struct {
    PvCheckStatus status;
    char *id;         /* stable, for --json: "libvirt", "kvm", "profile", "llc", ... */
    char *name;       /* shown: the id, or "profile default", "test image" */
    char *message;
    JsonObject *facts;
} PvCheck;

void pv_check_free(PvCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvCheck, pv_check_free)
PvCheck *pv_check_new(PvCheckStatus status, const char *id, const char *format, ...)
    G_GNUC_PRINTF(3, 4);
void pv_check_set_name(PvCheck *check, const char *name);
void pv_check_set_string(PvCheck *check, const char *key, const char *value);
void pv_check_set_int(PvCheck *check, const char *key, gint64 value);
void pv_check_set_bool(PvCheck *check, const char *key, gboolean value);
void pv_check_set_double(PvCheck *check, const char *key, double value);
char *pv_doctor_format_json(GPtrArray *checks);

void pv_doctor_check_profile(GPtrArray *checks, const PvProfile *profile, PvQemuUser *user);
PvCheck *pv_doctor_check_results_dir(const char *dir, PvQemuUser *user, gboolean needed);
PvCheck *pv_doctor_check_fixture_cache(const char *dir, PvQemuUser *user, gboolean needed);
PvCheck *pv_doctor_check_llc(const char *caps_xml);
PvCheck *pv_doctor_check_uefi(const char *firmware);
PvCheck *pv_doctor_check_hugepages(const char *mounts, guint64 free_pages);
PvCheck *pv_doctor_check_psi(const char *proc_dir);
PvCheck *pv_doctor_check_ksm(const char *sysfs_dir);

/* A remote host's, from libvirt's view of it */
PvCheck *pv_doctor_check_node(guint64 memory, guint cpus, guint numa_nodes);
PvCheck *pv_doctor_check_hugepages_remote(gboolean known, guint64 free_pages);
PvCheck *pv_doctor_check_psi_remote(gboolean libvirt_stats);
PvCheck *pv_doctor_check_ksm_remote(gboolean known, gint64 pages_to_scan,
                                   gint64 sleep_millisecs, gint64 pages_sharing);
PvCheck *pv_doctor_check_profile_upload(const PvProfile *profile);
