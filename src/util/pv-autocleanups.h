/*
 * pv-autocleanups.h: g_autoptr() for the foreign types provium uses
 *
 * Every non-GLib type that provium frees automatically is declared here, once,
 * so a function never mixes manual frees and autocleanup for them.
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <lua.h>
#include <lauxlib.h>

static inline void
pv_virDomainFree(virDomain *dom)
{
    if (dom)
        virDomainFree(dom);
}

static inline void
pv_virConnectClose(virConnect *conn)
{
    if (conn)
        virConnectClose(conn);
}

static inline void
pv_virNetworkFree(virNetwork *net)
{
    if (net)
        virNetworkFree(net);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, pv_virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, pv_virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, pv_virNetworkFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(lua_State, lua_close)

/* xmlChar strings returned by libxml2 are freed with xmlFree. */
static inline void
pv_xmlFreeString(xmlChar *str)
{
    if (str)
        xmlFree(str);
}
typedef xmlChar PvXmlString;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvXmlString, pv_xmlFreeString)
