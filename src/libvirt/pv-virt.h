/*
 * pv-virt.h: which accelerator guests run under (KVM or plain QEMU), decided
 * from what QEMU can really do on the host
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-enum.h"
#include "pv-template.h"

/**
 * PvProbeVerdict:
 *
 * What a probe boot of a tiny KVM guest (src/libvirt/probe/probe.S: protected mode,
 * then paging and long mode, a line on the serial console after each) showed.
 */
typedef enum {
    PV_PROBE_NONE,          /* not probed: libvirt offers no KVM, or a remote host */
    PV_PROBE_OK,            /* the guest reached long mode and said so */
    PV_PROBE_FAILED,        /* the domain did not start: libvirt's reason */
    PV_PROBE_HANGS,         /* started, then stalled or crawled, while plain emulation got
                               through at once */
    PV_PROBE_INCONCLUSIVE,  /* plain emulation did not get through either */

    PV_PROBE_LAST
} PvProbeVerdict;

PV_ENUM_DECL(pv_probe_verdict, PvProbeVerdict);

typedef struct {
    PvProbeVerdict verdict;
    char *message;          /* nullable: libvirt's error, or what the console showed */
    gint64 duration_us;     /* how long the probe took when it ran (0 from the cache) */
    gint64 reach_us;        /* from the domain's start to long mode (OK) */
    gboolean cached;
} PvProbeResult;

void pv_probe_result_clear(PvProbeResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvProbeResult, pv_probe_result_clear)

/* Pure decisions, for the tests. */
gboolean pv_virt_console_reached(const char *console_text);
PvVirtType pv_virt_choose(gboolean libvirt_has_kvm, gboolean local, const PvProbeResult *probe,
                          char **reason);
char *pv_virt_diagnose(gboolean libvirt_has_kvm, const PvProbeResult *probe);
void pv_virt_judge(const PvProbeResult *kvm, const PvProbeResult *qemu, PvProbeResult *result);
char *pv_virt_cache_key(const char *uri, const char *boot_id, unsigned long libvirt_version,
                        unsigned long hypervisor_version, const char *kvm_device);
gboolean pv_virt_cache_lookup(const char *path, const char *uri, const char *key,
                              PvProbeResult *result);
gboolean pv_virt_cache_store(const char *path, const char *uri, const char *key,
                             const PvProbeResult *result, GError **error);

typedef struct _PvVirt PvVirt;

PvVirt *pv_virt_new(virConnect *conn, gboolean local, const char *cache_dir);
void pv_virt_free(PvVirt *virt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvVirt, pv_virt_free)

gboolean pv_virt_libvirt_has_kvm(PvVirt *virt);
void pv_virt_get_probe(PvVirt *virt, gboolean use_cache, PvProbeResult *result);
PvVirtType pv_virt_get_auto(PvVirt *virt, char **reason);
gboolean pv_virt_probe_boot(virConnect *conn, PvVirtType type, gint64 timeout_us,
                            PvProbeResult *result);

/**
 * PvProbeFiles:
 *
 * A probe guest's files on its host, for pv_virt_probe_boot_at().
 */
typedef struct {
    const char *kernel;        /* the probe image, a path on the host */
    const char *console_log;   /* where the host logs the console */
    const char *console_path;  /* where that log is read here */
} PvProbeFiles;

typedef gboolean (*PvProbeBootFunc)(PvVirtType type, gint64 timeout_us, PvProbeResult *result,
                                    gpointer data);

GBytes *pv_virt_probe_image(void);
char *pv_virt_probe_name(PvVirtType type);
gboolean pv_virt_probe_boot_at(virConnect *conn, PvVirtType type, const char *name,
                               const PvProbeFiles *files, gint64 timeout_us,
                               PvProbeResult *result);
void pv_virt_probe_with(PvProbeBootFunc boot, gpointer data, PvProbeResult *result);

char *pv_cache_dir_default(void);
