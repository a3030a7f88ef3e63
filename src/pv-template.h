/*
 * pv-template.h: libvirt domain XML from a template and a request
 */
#pragma once

#include <glib.h>

#define PV_METADATA_URI "http://provium.org/xmlns/domain/1.0"
#define PV_METADATA_PREFIX "provium"
#define PV_AGENT_CHANNEL "org.qemu.guest_agent.0"

/**
 * PvDomainRequest:
 *
 * Everything provium sets in a template.  NULL strings and zero numbers
 * leave the template's own value alone.  The renderer copies what it needs.
 */
typedef struct {
    const char *name;
    const char *title;
    guint64 memory;          /* bytes */
    guint vcpus;
    gboolean no_kvm;         /* the host has no KVM: type='kvm' becomes 'qemu' */
    const char *kernel;
    const char *initrd;
    const char *cmdline;
    const char *disk;        /* a qcow2 overlay made for this domain */
    const char *console_log;
    gboolean nosharepages;

    /* <metadata>: who made this domain */
    const char *run_id;
    const char *prefix;
    const char *file;
    const char *vm;
    const char *host;
    gint64 pid;
} PvDomainRequest;

char *pv_template_render(const char *template_xml, gsize len, const char *template_path,
                         const PvDomainRequest *request, GError **error);
char *pv_template_render_file(const char *template_path, const PvDomainRequest *request,
                              GError **error);
