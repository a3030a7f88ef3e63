/*
 * cmd-clean.c: provium clean [--prefix P]: remove domains and networks provium
 * left behind
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "cmd.h"
#include "pv-autocleanups.h"
#include "pv-clean.h"
#include "pv-libvirt.h"

typedef struct {
    guint skipped;
    guint failed;
    guint forgotten;
} PvCleanTally;

static void
pv_cmd_clean_report(const char *name, const PvMetadata *metadata, PvCleanDecision decision,
                    const GError *error, gpointer user_data)
{
    PvCleanTally *tally = user_data;

    switch (decision) {
    case PV_CLEAN_REMOVE:
        if (error) {
            g_printerr("provium: %s\n", error->message);
            tally->failed++;
        } else {
            g_print(_("removed %s (run %s, %s, vm '%s')\n"), name, metadata->run,
                    metadata->file ? metadata->file : "?", metadata->vm ? metadata->vm : "?");
        }
        break;
    case PV_CLEAN_SKIP_RUNNING:
        g_print(_("kept %s: its run %s is still going (pid %" PRId64 "); "
                  "use --force to remove it anyway\n"), name, metadata->run, metadata->pid);
        tally->skipped++;
        break;
    case PV_CLEAN_SKIP_PREFIX:
    case PV_CLEAN_SKIP_NOT_OURS:
    case PV_CLEAN_SKIP_ELSEWHERE:
        break;
    }
}

static void
pv_cmd_clean_report_network(const PvNetworkRecord *record, PvCleanDecision decision,
                            gboolean existed, const GError *error, gpointer user_data)
{
    PvCleanTally *tally = user_data;

    switch (decision) {
    case PV_CLEAN_REMOVE:
        if (error) {
            g_printerr("provium: %s\n", error->message);
            tally->failed++;
        } else if (existed) {
            g_print(_("removed network %s (run %s, %s, network '%s')\n"), record->name,
                    record->run, record->file ? record->file : "?",
                    record->net ? record->net : "?");
        } else {
            g_print(_("forgot network %s of run %s: it no longer exists\n"), record->name,
                    record->run);
            tally->forgotten++;
        }
        break;
    case PV_CLEAN_SKIP_RUNNING:
        g_print(_("kept network %s: its run %s is still going (pid %" PRId64 "); "
                  "use --force to remove it anyway\n"), record->name, record->run,
                record->pid);
        tally->skipped++;
        break;
    case PV_CLEAN_SKIP_ELSEWHERE:
        g_print(_("kept network %s: it was made through %s; clean it with -c %s\n"),
                record->name, record->uri, record->uri);
        tally->skipped++;
        break;
    case PV_CLEAN_SKIP_PREFIX:
    case PV_CLEAN_SKIP_NOT_OURS:
        break;
    }
}

int
pv_cmd_clean(int argc, char **argv, GError **out_error)
{
    g_autofree char *uri = NULL;
    g_autofree char *prefix = NULL;
    gboolean force = FALSE;
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("libvirt URI, as for virsh"), N_("URI") },
        { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix,
          N_("Only the domains and networks of runs with this prefix"), N_("P") },
        { "force", 0, 0, G_OPTION_ARG_NONE, &force,
          N_("Also remove domains and networks of provium runs that are still going"),
          NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autofree char *record_dir = pv_network_record_dir_default();
    PvCleanTally tally = { 0 };
    guint removed;
    guint removed_networks;
    guint removed_volumes;

    g_option_context_set_summary(context,
        _("Destroys and undefines the domains provium created (those carrying provium's\n"
          "metadata, never selected by name alone), then destroys the networks it\n"
          "created (those it recorded in /run/provium/networks, still under the\n"
          "recorded UUID and name), and reports each one removed.  On a remote host,\n"
          "the volumes of provium's storage pool made for domains now gone go too."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (argc > 1) {
        g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                    _("clean takes no arguments (see provium clean --help)"));
        return PV_EXIT_USAGE;
    }

    conn = pv_libvirt_open(uri, &error);
    if (!conn) {
        g_propagate_error(out_error, g_steal_pointer(&error));
        return PV_EXIT_USAGE;
    }
    removed = pv_clean_domains(conn, prefix, force, NULL, pv_cmd_clean_report, &tally, &error);
    if (error) {
        g_propagate_error(out_error, g_steal_pointer(&error));
        return PV_EXIT_USAGE;
    }
    /* After the domains: the overlays and logs of those gone, on a remote host. */
    removed_volumes = pv_clean_volumes(conn, prefix, &error);
    if (error) {
        g_propagate_error(out_error, g_steal_pointer(&error));
        return PV_EXIT_USAGE;
    }
    /* After the domains: a network goes once nothing is plugged into it. */
    removed_networks = pv_clean_networks(conn, record_dir, prefix, force, NULL,
                                         pv_cmd_clean_report_network, &tally, &error);
    if (error) {
        g_propagate_error(out_error, g_steal_pointer(&error));
        return PV_EXIT_USAGE;
    }
    if (removed == 0 && removed_networks == 0 && removed_volumes == 0 && tally.failed == 0 &&
        tally.skipped == 0 && tally.forgotten == 0) {
        g_print(_("nothing to clean\n"));
    } else {
        g_print(g_dngettext(GETTEXT_PACKAGE, "removed %u domain\n", "removed %u domains\n",
                            removed), removed);
        g_print(g_dngettext(GETTEXT_PACKAGE, "removed %u network\n", "removed %u networks\n",
                            removed_networks), removed_networks);
        if (removed_volumes)
            g_print(g_dngettext(GETTEXT_PACKAGE,
                                "removed %u volume of the storage pool 'provium'\n",
                                "removed %u volumes of the storage pool 'provium'\n",
                                removed_volumes), removed_volumes);
    }
    return tally.failed ? PV_EXIT_FAILED : PV_EXIT_OK;
}
