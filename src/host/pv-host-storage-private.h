/*
 * pv-host-storage-private.h: what an implementation of a host's storage
 * provides (pv-host-storage-local.c; a host's storage pool next)
 */
#pragma once

#if !defined(PV_HOST_STORAGE_PRIVATE)
# error "only src/host/pv-host-storage*.c include pv-host-storage-private.h"
#endif

#include "pv-host-storage.h"

/*
 * One function per operation of pv-host-storage.h, with the same contract;
 * set_dir and close_console may be NULL.  provide() gets files of this
 * machine only: pv-host-storage.c resolves vol: and host: itself.
 */
typedef struct {
    void (*set_dir)(PvHostStorage *storage, const char *dir);
    char *(*provide)(PvHostStorage *storage, const char *path, const char *vm, const char *role,
                     GError **error);
    gboolean (*check_file)(PvHostStorage *storage, const char *path, const char *vm,
                           const char *role, GError **error);
    gboolean (*check_overlays)(PvHostStorage *storage, const char *vm, GError **error);
    char *(*make_overlay)(PvHostStorage *storage, const char *base, const char *name,
                          GError **error);
    gboolean (*keep_overlay)(PvHostStorage *storage, const char *overlay, const char *to,
                             GError **error);
    char *(*put_file)(PvHostStorage *storage, const char *name, GBytes *contents,
                      const char *vm, const char *role, GError **error);
    void (*remove)(PvHostStorage *storage, const char *path);
    char *(*fixture_path)(PvHostStorage *storage, const char *slot_dir, const char *slot_name,
                          const char *file);
    gboolean (*open_console)(PvHostStorage *storage, const char *name, PvHostConsole *console,
                             GError **error);
    void (*follow_console)(PvHostStorage *storage, PvDomain *domain,
                           const PvHostConsole *console);
    void (*free)(PvHostStorage *storage);
    void (*close_console)(PvHostStorage *storage, const char *name);
    /* A VM's more disks and UEFI variables (may be NULL: not on this host) */
    char *(*make_blank)(PvHostStorage *storage, const char *name, guint64 size,
                        GError **error);
    char *(*nvram_path)(PvHostStorage *storage, const char *name, GError **error);
} PvHostStorageClass;

struct _PvHostStorage {
    const PvHostStorageClass *klass;
    virConnect *conn;         /* borrowed from the host: resolves vol:; NULL: none */
};
