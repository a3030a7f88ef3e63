/*
 * cmd-locks.c: provium locks: who holds which LLC group
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cmd.h"
#include "pv-autocleanups.h"
#include "pv-libvirt.h"
#include "pv-locks.h"

int
pv_cmd_locks(int argc, char **argv, GError **out_error)
{
    g_autofree char *dir = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *host_dir = NULL;
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("The libvirt host whose groups to list (default: this machine's)"), N_("URI") },
        { "lock-dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
          N_("Where the locks live (default /run/provium/locks)"), N_("DIR") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) holders = NULL;
    guint i;

    g_option_context_set_summary(context,
        _("Lists the LLC groups performance mode holds on this host, exclusively\n"
          "(performance mode) or shared (--no-perf-mode), and who holds them."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (uri) {
        g_autoptr(virConnect) conn = pv_libvirt_open(uri, out_error);
        g_autofree char *canonical = NULL;

        if (!conn)
            return PV_EXIT_USAGE;
        canonical = pv_libvirt_get_uri(conn, NULL);
        if (!pv_libvirt_is_local(conn))
            host_dir = pv_locks_host_dir(dir ? dir : PV_LOCKS_DEFAULT_DIR,
                                         canonical ? canonical : uri);
    }
    holders = pv_locks_list(host_dir ? host_dir : dir ? dir : PV_LOCKS_DEFAULT_DIR, &error);
    if (!holders) {
        g_propagate_error(out_error, g_steal_pointer(&error));
        return PV_EXIT_USAGE;
    }
    if (holders->len == 0)
        g_print(_("no LLC group is held\n"));
    for (i = 0; i < holders->len; i++) {
        const PvLockHolder *holder = holders->pdata[i];
        g_autofree char *who = g_strstrip(g_strdup(holder->holder));

        g_print(_("LLC group %u: %s: %s\n"), holder->group,
                holder->exclusive ? _("exclusive") : _("shared"), who);
    }
    return PV_EXIT_OK;
}
