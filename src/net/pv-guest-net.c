/*
 * pv-guest-net.c: a running guest's NICs: their addresses
 *
 * The guest agent names the guest's interface that has a NIC's MAC
 * (pv_agent_find_interface()), and runs `ip` (static addresses) or `udhcpc`
 * (DHCP) there with guest-exec: arguments, never a shell line.  Link state
 * is the domain's (pv_domain_handle_set_link()).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "pv-error.h"
#include "pv-guest-net.h"

/* How often to look again for an address the guest's own DHCP client gets. */
#define PV_GUEST_NET_POLL_US (200 * 1000)

/* Runs @path with @args in the guest; fails unless it exits 0. */
static gboolean
pv_guest_net_run(virDomain *dom, const PvAgentContext *ctx, gint64 deadline,
                 const char *path, const char *const *args, GError **error)
{
    g_auto(PvAgentExecResult) result = { 0 };
    g_autofree char *line = NULL;
    g_autofree char *joined = g_strjoinv(" ", (char **)args);
    PvAgentExec exec = { .path = path, .args = args, .deadline = deadline };

    if (!pv_agent_exec(dom, ctx, &exec, &result, error))
        return FALSE;
    if (!result.timed_out && !result.signaled && result.exit_code == 0)
        return TRUE;
    line = g_strndup(g_bytes_get_data(result.err, NULL), g_bytes_get_size(result.err));
    g_strstrip(line);
    if (result.timed_out)
        g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT, _("'%s %s' in the guest did not end"),
                    path, joined);
    else
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("'%s %s' in the guest failed (exit %" PRId64 "): %s"), path,
                    joined, result.signaled ? 128 + (gint64)result.signal : result.exit_code,
                    line);
    return FALSE;
}

static gboolean
pv_guest_net_has(GStrv addresses, const char *ip)
{
    return addresses && g_strv_contains((const char *const *)addresses, ip);
}

static gboolean
pv_guest_net_set_static(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                        const char *ifname, GStrv addresses, gint64 deadline, GError **error)
{
    g_autofree char *cidr = g_strdup_printf("%s/%u", nic->ip, nic->prefix);
    const char *const up[] = { "link", "set", "dev", ifname, "up", NULL };
    const char *const add[] = { "addr", "add", cidr, "dev", ifname, NULL };
    const char *const route[] = {
        "route", "replace", "default", "via", nic->gateway, "dev", ifname, NULL,
    };

    if (!pv_guest_net_run(dom, ctx, deadline, "ip", up, error) ||
        (!pv_guest_net_has(addresses, nic->ip) &&
         !pv_guest_net_run(dom, ctx, deadline, "ip", add, error)))
        return FALSE;
    return !nic->gateway || pv_guest_net_run(dom, ctx, deadline, "ip", route, error);
}

/* A DHCP client run once through the agent (the test image's busybox
 * udhcpc); where there is none, the guest's own client must get the lease:
 * wait for the address until @deadline. */
static gboolean
pv_guest_net_dhcp(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                  const char *ifname, gint64 deadline, GError **error)
{
    const char *const args[] = { "-i", ifname, "-q", "-n", "-t", "10", "-T", "1", NULL };
    g_autoptr(GError) client_error = NULL;

    if (pv_guest_net_run(dom, ctx, deadline, "udhcpc", args, &client_error))
        g_clear_error(&client_error);
    for (;;) {
        g_auto(GStrv) addresses = NULL;
        g_autofree char *name = pv_agent_find_interface(dom, nic->mac, &addresses, error);

        if (!name)
            return FALSE;
        if (pv_guest_net_has(addresses, nic->ip))
            return TRUE;
        if (g_get_monotonic_time() >= deadline) {
            g_autofree char *had = addresses && *addresses ?
                g_strjoinv(", ", addresses) : g_strdup(_("none"));

            g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                        _("%s did not get %s by DHCP (it has: %s)%s%s"), ifname, nic->ip, had,
                        client_error ? ": " : "", client_error ? client_error->message : "");
            return FALSE;
        }
        if (pv_wake_wait(ctx->wake, MIN(deadline, g_get_monotonic_time() + PV_GUEST_NET_POLL_US),
                         NULL, NULL, error) == PV_WAIT_INTERRUPTED)
            return FALSE;
    }
}

/**
 * pv_guest_net_configure:
 * @nic: as planned (pv_network_plan_add_nic())
 * @deadline: monotonic time by which the guest must have the address
 *
 * Gives the guest @nic's address: through `ip` for PV_NIC_ADDRESS_AGENT
 * (and, on a NAT network, a default route through the host), through DHCP
 * for PV_NIC_ADDRESS_DHCP.  Returns once the guest has it.  Setting it again
 * is harmless.
 */
gboolean
pv_guest_net_configure(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                       gint64 deadline, GError **error)
{
    g_auto(GStrv) addresses = NULL;
    g_autofree char *ifname = pv_agent_find_interface(dom, nic->mac, &addresses, error);
    gboolean ok;

    if (!ifname) {
        g_prefix_error(error, _("vm '%s': network '%s': "), nic->vm, nic->net);
        return FALSE;
    }
    if (nic->addressing == PV_NIC_ADDRESS_DHCP)
        ok = pv_guest_net_dhcp(dom, ctx, nic, ifname, deadline, error);
    else
        ok = pv_guest_net_set_static(dom, ctx, nic, ifname, addresses, deadline, error);
    if (!ok)
        g_prefix_error(error, _("vm '%s': network '%s': "), nic->vm, nic->net);
    return ok;
}
