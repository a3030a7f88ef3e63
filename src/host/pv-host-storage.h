/*
 * pv-host-storage.h: the files a host's domains open, and where they are
 * kept there
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-domain.h"
#include "pv-qemu-user.h"

typedef struct _PvHostStorage PvHostStorage;

/* A domain's UEFI variables: "DOMAIN.VARS.fd" (pv_host_storage_nvram_path()) */
#define PV_HOST_STORAGE_NVRAM_SUFFIX ".VARS.fd"


/**
 * PvHostConsole:
 *
 * A domain's serial console log: what its XML names on the host, and where
 * provium reads it on this machine (console tails, checks, expect).
 */
typedef struct {
    char *log;        /* the domain XML's <log file=>, a path on the host; NULL: none */
    char *path;       /* the same bytes, readable here */
} PvHostConsole;

void pv_host_console_clear(PvHostConsole *console);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvHostConsole, pv_host_console_clear)

PvHostStorage *pv_host_storage_new_local(PvQemuUser *user);
PvHostStorage *pv_host_storage_new_pool(virConnect *conn, const char *digest_dir);
void pv_host_storage_free(PvHostStorage *storage);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvHostStorage, pv_host_storage_free)

void pv_host_storage_set_dir(PvHostStorage *storage, const char *dir);
void pv_host_storage_set_conn(PvHostStorage *storage, virConnect *conn);

char *pv_host_storage_provide(PvHostStorage *storage, const char *path, const char *vm,
                              const char *role, GError **error);
gboolean pv_host_storage_check_file(PvHostStorage *storage, const char *path, const char *vm,
                                    const char *role, GError **error);
gboolean pv_host_storage_check_overlays(PvHostStorage *storage, const char *vm,
                                        GError **error);
char *pv_host_storage_make_overlay(PvHostStorage *storage, const char *base, const char *name,
                                   GError **error);
gboolean pv_host_storage_keep_overlay(PvHostStorage *storage, const char *overlay,
                                      const char *to, GError **error);
char *pv_host_storage_put_file(PvHostStorage *storage, const char *name, GBytes *contents,
                               const char *vm, const char *role, GError **error);
char *pv_host_storage_make_blank(PvHostStorage *storage, const char *name, guint64 size,
                                 GError **error);
char *pv_host_storage_nvram_path(PvHostStorage *storage, const char *name, GError **error);
void pv_host_storage_remove(PvHostStorage *storage, const char *path);
char *pv_host_storage_fixture_path(PvHostStorage *storage, const char *slot_dir,
                                   const char *slot_name, const char *file);
gboolean pv_host_storage_open_console(PvHostStorage *storage, const char *name,
                                      PvHostConsole *console, GError **error);
void pv_host_storage_follow_console(PvHostStorage *storage, PvDomain *domain,
                                    const PvHostConsole *console);
void pv_host_storage_close_console(PvHostStorage *storage, const char *name);
