/*
 * pv-domain.h: one libvirt domain's life, and the run's registry of them
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-enum.h"
#include "pv-wake.h"

typedef enum {
    PV_DOMAIN_STATE_STARTING,  /* being created */
    PV_DOMAIN_STATE_RUNNING,   /* running; the guest agent is not connected */
    PV_DOMAIN_STATE_READY,     /* the guest agent is connected */
    PV_DOMAIN_STATE_STOPPED,

    PV_DOMAIN_STATE_LAST
} PvDomainState;

PV_ENUM_DECL(pv_domain_state, PvDomainState);

typedef struct _PvDomain PvDomain;
typedef struct _PvDomainRegistry PvDomainRegistry;

/**
 * PvDomainStoppedFunc:
 * @reason: what libvirt said, e.g. "the guest crashed"
 *
 * Called on the main thread when a domain stops without provium asking.
 * @user_data must stay valid until the main loop has run after the domain
 * was destroyed: give it something the main thread frees.
 */
typedef void (*PvDomainStoppedFunc)(PvDomain *domain, const char *reason, gpointer user_data);

/**
 * PvDomainReadyFunc:
 *
 * Called on the main thread when the domain's guest agent connects for the
 * first time: its boot is over.
 */
typedef void (*PvDomainReadyFunc)(PvDomain *domain, gpointer user_data);

typedef struct {
    PvDomainStoppedFunc stopped;   /* nullable */
    PvDomainReadyFunc ready;       /* nullable */
    gpointer user_data;            /* see PvDomainStoppedFunc */
} PvDomainCallbacks;

PvDomainRegistry *pv_domain_registry_new(virConnect *conn, gboolean autodestroy,
                                         GError **error);
void pv_domain_registry_free(PvDomainRegistry *registry);
char *pv_domain_registry_claim_name(PvDomainRegistry *registry, const char *base);
guint pv_domain_registry_destroy_all(PvDomainRegistry *registry);
guint pv_domain_registry_count(PvDomainRegistry *registry);
guint pv_domain_registry_close(PvDomainRegistry *registry, gint64 deadline);

PvDomain *pv_domain_start(PvDomainRegistry *registry, const char *name, const char *label,
                          guint64 memory, const char *xml, PvWake *wake,
                          const PvDomainCallbacks *callbacks, GError **error);
PvDomain *pv_domain_restore(PvDomainRegistry *registry, const char *name, const char *label,
                            guint64 memory, const char *state_path, const char *xml,
                            PvWake *wake, const PvDomainCallbacks *callbacks, GError **error);
gboolean pv_domain_registry_destroy_stale(PvDomainRegistry *registry, const char *name);
gboolean pv_domain_registry_is_kept(PvDomainRegistry *registry, const char *name);
char *pv_domain_save_image_xml(PvDomainRegistry *registry, const char *state_path,
                               GError **error);
gboolean pv_domain_save(PvDomain *domain, const char *path, GError **error);
void pv_domain_set_ready(PvDomain *domain);
guint64 pv_domain_registry_unresident(PvDomainRegistry *registry);
PvDomain *pv_domain_ref(PvDomain *domain);
void pv_domain_unref(PvDomain *domain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvDomain, pv_domain_unref)

const char *pv_domain_peek_name(PvDomain *domain);
virDomain *pv_domain_peek_virdomain(PvDomain *domain);
PvDomainState pv_domain_get_state(PvDomain *domain);
PvDomainState pv_domain_peek_state_locked(PvDomain *domain);
char *pv_domain_dup_stop_reason(PvDomain *domain);
PvWaitResult pv_domain_wait_stopped(PvDomain *domain, gint64 deadline, GError **error);
gboolean pv_domain_shutdown(PvDomain *domain, gint64 deadline, GError **error);
gboolean pv_domain_reboot(PvDomain *domain, GError **error);
gboolean pv_domain_destroy(PvDomain *domain, GError **error);
void pv_domain_keep(PvDomain *domain);
gboolean pv_domain_handle_set_link(virDomain *dom, const char *mac, gboolean up,
                                   GError **error);
gboolean pv_domain_claim_stop_report(PvDomain *domain);
gboolean pv_domain_stop_was_expected(PvDomain *domain);
