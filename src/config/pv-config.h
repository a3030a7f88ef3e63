/*
 * pv-config.h: provium.conf, its profiles, and where it is found
 */
#pragma once

#include <glib.h>

#include "pv-cloud-init.h"
#include "pv-template.h"

#define PV_CONFIG_FILENAME "provium.conf"
#define PV_PROFILE_DEFAULT "default"
#define PV_PROFILE_DEFAULT_MEMORY (256 * G_GUINT64_CONSTANT(1024) * 1024)
#define PV_PROFILE_DEFAULT_CPUS 1

/* A profile's kernel, initrd or disk on the libvirt host already, not here */
#define PV_PROFILE_VOL_PREFIX "vol:"     /* vol:POOL/NAME: a volume of the host */
#define PV_PROFILE_HOST_PREFIX "host:"   /* host:/PATH: a path on the host */

/**
 * PvDiskSpec:
 *
 * One disk a VM has beside its root disk (a profile's `disks`, a VM's
 * option): a blank qcow2 of @size bytes, or an overlay of @file, never
 * written; on @bus.
 */
typedef struct {
    guint64 size;        /* a blank disk; 0 with a file */
    char *file;          /* nullable: an image of this machine, absolute */
    PvDiskBus bus;
} PvDiskSpec;

PvDiskSpec *pv_disk_spec_new(guint64 size, const char *file, PvDiskBus bus);
void pv_disk_spec_free(PvDiskSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvDiskSpec, pv_disk_spec_free)
GPtrArray *pv_disk_specs_copy(GPtrArray *specs);
GPtrArray *pv_disk_specs_parse(const char *value, const char *config_dir, GError **error);

/**
 * PvProfile:
 *
 * One [profile NAME] group with every path made absolute.  Unset paths are
 * NULL.  Sizes are already parsed, so a profile is always usable.
 */
typedef struct {
    char *name;
    char *origin;        /* "tests/provium.conf" or "built-in defaults" */
    char *config_dir;    /* relative template names are looked up here first */
    char *template_name; /* as written: "default" or "my.xml" */
    char *template_path; /* resolved, NULL until pv_config_get_profile() finds it */
    char *kernel;
    char *initrd;
    char *cmdline;
    char *disk;
    guint64 memory;
    guint cpus;
    gboolean performance_mode;
    guint llcs;
    guint cores;
    guint threads;
    PvVirtType virt_type;   /* virt_type = kvm|qemu|auto; AUTO unless set */
    guint console_ignore;   /* console checks turned off: PvConsoleCheck bits */
    gint64 boot_timeout_ns; /* until the agent connects; 0: provium's default */
    GPtrArray *disks;       /* PvDiskSpec: disks beside the root disk; NULL: none */
    PvFirmware firmware;    /* firmware = bios|efi */
    char *inherit;          /* the profile it started from, or NULL */
    PvCloudInit *cloud_init; /* nullable: cloud_init and user_data (pv-cloud-init.c) */
    gboolean console_channel;  /* channel = console: commands through the serial console */
    char *console_user;        /* nullable: what its login: prompt is answered */
    char *console_password;    /* nullable: what its Password: prompt is answered */
} PvProfile;

PvProfile *pv_profile_new_default(const char *name, const char *origin);
char *pv_profile_resolve_path(const char *config_dir, const char *value);
gboolean pv_profile_path_is_on_host(const char *path);
PvProfile *pv_profile_copy(const PvProfile *profile);
gboolean pv_profile_set_key(PvProfile *profile, GKeyFile *kf, const char *group, const char *key,
                            const char *config_dir, const char *display_path, GError **error);
void pv_profile_free(PvProfile *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvProfile, pv_profile_free)

/**
 * PvConfigSetting:
 *
 * One key of the [run] group: a default for the run option of the same
 * name, as written (the command checks the value).
 */
typedef struct {
    char *key;           /* the option's name: "mem", "psi-threshold" */
    char *value;
    guint line;          /* in the file, from 1 */
} PvConfigSetting;

/**
 * PvConfigHost:
 *
 * A [host NAME] group: a libvirt host a run may use ([run] hosts), and
 * what it sizes for that host alone (cpus, mem, cpu-overcommit,
 * boot-workers, jobs: keys of the run options of the same name).
 */
typedef struct {
    char *name;
    char *uri;
    guint line;          /* of [host NAME], from 1 */
    GPtrArray *settings; /* PvConfigSetting, in file order; uri among them */
} PvConfigHost;

typedef struct _PvConfig PvConfig;

PvConfig *pv_config_new_builtin(void);
PvConfig *pv_config_load(const char *path, GError **error);
void pv_config_free(PvConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvConfig, pv_config_free)

PvProfile *pv_config_get_profile(PvConfig *config, const char *name, GError **error);
PvProfile *pv_config_lookup_profile(PvConfig *config, const char *name, gboolean check_files,
                                     GError **error);
guint64 pv_config_get_default_memory(PvConfig *config);
guint pv_config_get_default_cpus(PvConfig *config);
GPtrArray *pv_config_list_profiles(PvConfig *config);
const char *const *pv_config_run_keys(void);
GPtrArray *pv_config_peek_run_settings(PvConfig *config);
GPtrArray *pv_config_peek_hosts(PvConfig *config);
const PvConfigHost *pv_config_lookup_host(PvConfig *config, const char *name);
const char *pv_config_peek_path(PvConfig *config);

char *pv_config_find(const char *test_file, char **refused);
