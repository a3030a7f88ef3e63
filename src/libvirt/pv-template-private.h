/*
 * pv-template-private.h: what pv-template.c and pv-template-parts.c share
 */
#pragma once

#if !defined(PV_TEMPLATE_PRIVATE)
# error "only src/libvirt/pv-template*.c include pv-template-private.h"
#endif

#include <libxml/tree.h>

#include "pv-template.h"

/* libxml2 tree helpers: elements without a namespace, as libvirt writes them */
gboolean pv_xml_is(xmlNode *node, const char *name);
xmlNode *pv_xml_find_child(xmlNode *parent, const char *name);
void pv_xml_remove_children_named(xmlNode *parent, const char *name);
void pv_xml_set_text(xmlNode *node, const char *text);
xmlNode *pv_xml_new_child(xmlNode *parent, const char *name, const char *text);
xmlNode *pv_xml_ensure_child(xmlNode *parent, const char *name, gboolean first);
xmlNode *pv_xml_set_child_text(xmlNode *parent, const char *name, const char *text,
                               gboolean first);
gboolean pv_xml_attr_equal(xmlNode *node, const char *attr, const char *value);

/* The parts of a domain provium sets (pv-template-parts.c) */
void pv_template_set_memory(xmlNode *domain, guint64 bytes);
void pv_template_set_boot(xmlNode *domain, const PvDomainRequest *request);
xmlNode *pv_template_new_file_disk(xmlNode *devices, const char *device, const char *format,
                                   const char *path, const char *target_dev, const char *bus);
gboolean pv_template_add_disk(xmlNode *domain, xmlNode *devices, const PvDomainRequest *request,
                              GError **error);
void pv_template_set_console(xmlNode *devices, const char *log_path);
/* pv-template-seed.c */
gboolean pv_template_add_seed(xmlNode *domain, xmlNode *devices, const char *seed,
                              GError **error);
gboolean pv_template_restore_seed(xmlNode *devices, const char *seed);
void pv_template_ensure_agent_channel(xmlNode *devices);
void pv_template_set_metadata(xmlNode *domain, const PvDomainRequest *request);
void pv_template_add_nics(xmlNode *devices, const PvDomainRequest *request);
void pv_template_set_topology(xmlNode *domain, const PvDomainRequest *request, gboolean kvm);
void pv_template_set_perf(xmlNode *domain, const PvDomainRequest *request, gboolean kvm);
void pv_template_set_budget(xmlNode *domain, const char *cpuset);

/* More disks and the firmware (pv-template-disks.c) */
void pv_template_set_firmware(xmlNode *domain, const PvDomainRequest *request);
gboolean pv_template_add_disks(xmlNode *devices, const PvDomainRequest *request,
                               GError **error);
