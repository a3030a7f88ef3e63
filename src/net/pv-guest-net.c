/*
 * pv-guest-net.c: a running guest's NICs: their addresses
 *
 * The guest agent names the guest's interface that has a NIC's MAC
 * (pv_agent_find_interface()), and runs `ip` (static addresses) or a DHCP
 * client (udhcpc, dhclient, dhcpcd, else a runtime systemd-networkd file)
 * there with guest-exec: arguments, never a shell line.  Link state is the
 * domain's (pv_domain_handle_set_link()).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "pv-error.h"
#include "pv-guest-net.h"
#include "pv-text.h"

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
    line = pv_text_from_bytes(result.err);
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

/*
 * systemd-networkd (Debian's and Ubuntu's cloud images) configures only the
 * interfaces a .network file matches, the first NIC's from cloud-init: a
 * runtime one for this NIC's MAC, then networkctl reloads and reconfigures.
 */
static gboolean
pv_guest_net_networkd(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                      const char *ifname, gint64 deadline, GError **error)
{
    g_autofree char *path = g_strdup_printf("/run/systemd/network/10-provium-%s.network",
                                            ifname);
    char *text = g_strdup_printf("# provium: network '%s' of vm '%s'\n"
                                 "[Match]\nMACAddress=%s\n\n[Network]\nDHCP=ipv4\n",
                                 nic->net, nic->vm, nic->mac);
    /* The length first: the order a call's arguments are evaluated in is not C's to say. */
    gsize len = strlen(text);
    g_autoptr(GBytes) data = g_bytes_new_take(text, len);
    const char *const active[] = { "is-active", "--quiet", "systemd-networkd.service", NULL };
    const char *const reload[] = { "reload", NULL };
    const char *const reconfigure[] = { "reconfigure", ifname, NULL };

    return pv_guest_net_run(dom, ctx, deadline, "systemctl", active, error) &&
           pv_agent_file_write(dom, ctx, path, data, error) &&
           pv_guest_net_run(dom, ctx, deadline, "networkctl", reload, error) &&
           pv_guest_net_run(dom, ctx, deadline, "networkctl", reconfigure, error);
}

/*
 * Until @deadline, whether the guest's interface with @nic's MAC has its
 * address; @why (nullable) says, on a timeout, why it may not have come.
 */
static gboolean
pv_guest_net_wait_address(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                          const char *ifname, gint64 deadline, const GError *why,
                          GError **error)
{
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

            if (nic->addressing == PV_NIC_ADDRESS_DHCP)
                g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                            _("%s did not get %s by DHCP (it has: %s)%s%s"), ifname, nic->ip,
                            had, why ? ": " : "", why ? why->message : "");
            else
                g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                            _("%s did not get %s (it has: %s)%s%s"), ifname, nic->ip, had,
                            why ? ": " : "", why ? why->message : "");
            return FALSE;
        }
        if (pv_wake_wait(ctx->wake, MIN(deadline, g_get_monotonic_time() + PV_GUEST_NET_POLL_US),
                         NULL, NULL, error) == PV_WAIT_INTERRUPTED)
            return FALSE;
    }
}

/*
 * The guest's DHCP client asked once through the agent: busybox's udhcpc
 * (the test image's), ISC's dhclient, dhcpcd, else systemd-networkd; where
 * none answers, the guest's own configuration must get the lease: wait for
 * the address until @deadline.
 */
static gboolean
pv_guest_net_dhcp(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                  const char *ifname, gint64 deadline, GError **error)
{
    const char *const udhcpc[] = { "-i", ifname, "-q", "-n", "-t", "10", "-T", "1", NULL };
    const char *const dhclient[] = { "-1", "-4", ifname, NULL };
    const char *const dhcpcd[] = { "-1", "-4", "-w", ifname, NULL };
    const struct {
        const char *path;
        const char *const *args;
    } clients[] = {
        { "udhcpc", udhcpc },
        { "dhclient", dhclient },
        { "dhcpcd", dhcpcd },
    };
    g_autoptr(GError) client_error = NULL;
    gboolean asked = FALSE;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(clients) && !asked; i++) {
        g_clear_error(&client_error);
        asked = pv_guest_net_run(dom, ctx, deadline, clients[i].path, clients[i].args,
                                 &client_error);
    }
    if (!asked) {
        g_clear_error(&client_error);
        asked = pv_guest_net_networkd(dom, ctx, nic, ifname, deadline, &client_error);
    }
    if (asked)
        g_clear_error(&client_error);
    else
        g_prefix_error(&client_error, _("no DHCP client answered (udhcpc, dhclient, dhcpcd, "
                                        "systemd-networkd); the last: "));
    return pv_guest_net_wait_address(dom, ctx, nic, ifname, deadline, client_error, error);
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

/**
 * pv_guest_net_wait:
 * @nic: as planned, configured by the guest itself (a cloud-init seed's
 *   network-config)
 * @deadline: monotonic time by which the guest must have the address
 *
 * Waits until the guest has @nic's address, and sets nothing: the guest's
 * own network stack configures the NIC.
 */
gboolean
pv_guest_net_wait(virDomain *dom, const PvAgentContext *ctx, const PvNic *nic,
                  gint64 deadline, GError **error)
{
    g_auto(GStrv) addresses = NULL;
    g_autofree char *ifname = pv_agent_find_interface(dom, nic->mac, &addresses, error);
    g_autoptr(GError) why = g_error_new_literal(PV_ERROR, PV_ERROR_GUEST,
                                                _("the guest configures it itself, from its "
                                                  "cloud-init seed's network-config"));

    if (!ifname || !pv_guest_net_wait_address(dom, ctx, nic, ifname, deadline, why, error)) {
        g_prefix_error(error, _("vm '%s': network '%s': "), nic->vm, nic->net);
        return FALSE;
    }
    return TRUE;
}
