/*
 * cmd-clean.c: provium clean [-c URI]... [--prefix P]: remove domains and
 * networks provium left behind, on each host given
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "cmd.h"
#include "pv-autocleanups.h"
#include "pv-clean.h"
#include "pv-libvirt.h"
#include "pv-units.h"

typedef struct {
    guint skipped;
    guint failed;
    guint forgotten;
    gboolean force;
    gint64 now;              /* seconds since the epoch */
    GPtrArray *uris;         /* the hosts of this call as libvirt names them, when several */
    GHashTable *told;        /* networks of other hosts already said kept (URI + name) */
} PvCleanTally;

/* Seconds as people read them: "4m 10s". */
static char *
pv_cmd_clean_seconds(gint64 seconds)
{
    return pv_duration_format(MAX(seconds, 0) * G_GINT64_CONSTANT(1000000000));
}

/*
 * Why a run's domain or network was kept (@decision SKIP_RUNNING) or
 * removed (REMOVE): one clause, judged from its ownership record.  NULL
 * when a removal needs no word (its process on this machine is gone, or an
 * older provium's record).
 */
static char *
pv_cmd_clean_why(PvCleanTally *tally, PvCleanDecision decision, PvOwnerState state,
                 const char *run, const PvOwner *owner)
{
    const char *host = owner->host ? owner->host : "?";
    g_autofree char *left = pv_cmd_clean_seconds(owner->expires - tally->now);
    g_autofree char *ago = pv_cmd_clean_seconds(tally->now - owner->expires);

    if (decision == PV_CLEAN_SKIP_RUNNING) {
        switch (state) {
        case PV_OWNER_LEASED:
            return g_strdup_printf(_("its run %s is on another machine (%s), whose lease on it "
                                     "holds %s more"), run, host, left);
        case PV_OWNER_UNLEASED:
            return g_strdup_printf(_("its run %s is on another machine (%s), which keeps no "
                                     "lease on it to tell whether that run is over"), run, host);
        default:
            return g_strdup_printf(_("its run %s is still going (pid %" PRId64 ")"), run,
                                   owner->pid);
        }
    }
    if (tally->force && !pv_owner_state_is_over(state))
        return g_strdup_printf(_("--force, though its run %s may still be going"), run);
    if (state == PV_OWNER_EXPIRED)
        return g_strdup_printf(_("its run %s on another machine (%s) let its lease run out "
                                 "%s ago"), run, host, ago);
    if (state == PV_OWNER_REBOOTED)
        return g_strdup_printf(_("its run %s was on this machine before it last booted"), run);
    return NULL;
}

static void
pv_cmd_clean_report(const char *name, const PvMetadata *metadata, PvCleanDecision decision,
                    PvOwnerState state, const GError *error, gpointer user_data)
{
    PvCleanTally *tally = user_data;
    g_autofree char *why = NULL;
    PvOwner owner;

    pv_metadata_get_owner(metadata, &owner);
    switch (decision) {
    case PV_CLEAN_REMOVE:
        if (error) {
            g_printerr("provium: %s\n", error->message);
            tally->failed++;
        } else if ((why = pv_cmd_clean_why(tally, decision, state, metadata->run, &owner))) {
            g_print(_("removed %s (run %s, %s, vm '%s'): %s\n"), name, metadata->run,
                    metadata->file ? metadata->file : "?", metadata->vm ? metadata->vm : "?",
                    why);
        } else {
            g_print(_("removed %s (run %s, %s, vm '%s')\n"), name, metadata->run,
                    metadata->file ? metadata->file : "?", metadata->vm ? metadata->vm : "?");
        }
        break;
    case PV_CLEAN_SKIP_RUNNING:
        why = pv_cmd_clean_why(tally, decision, state, metadata->run, &owner);
        g_print(_("kept %s: %s; use --force to remove it anyway\n"), name, why);
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
                            PvOwnerState state, gboolean existed, const GError *error,
                            gpointer user_data)
{
    PvCleanTally *tally = user_data;
    g_autofree char *why = NULL;
    PvOwner owner;

    pv_network_record_get_owner(record, &owner);
    switch (decision) {
    case PV_CLEAN_REMOVE:
        if (error) {
            g_printerr("provium: %s\n", error->message);
            tally->failed++;
        } else if (existed &&
                   (why = pv_cmd_clean_why(tally, decision, state, record->run, &owner))) {
            g_print(_("removed network %s (run %s, %s, network '%s'): %s\n"), record->name,
                    record->run, record->file ? record->file : "?",
                    record->net ? record->net : "?", why);
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
        why = pv_cmd_clean_why(tally, decision, state, record->run, &owner);
        g_print(_("kept network %s: %s; use --force to remove it anyway\n"), record->name,
                why);
        tally->skipped++;
        break;
    case PV_CLEAN_SKIP_ELSEWHERE:
        /* Another -c of this call cleans it; else it is said once, not per host. */
        if ((tally->uris &&
             g_ptr_array_find_with_equal_func(tally->uris, record->uri, g_str_equal, NULL)) ||
            !g_hash_table_add(tally->told, g_strconcat(record->uri, " ", record->name, NULL)))
            break;
        g_print(_("kept network %s: it was made through %s; clean it with -c %s\n"),
                record->name, record->uri, record->uri);
        tally->skipped++;
        break;
    case PV_CLEAN_SKIP_PREFIX:
    case PV_CLEAN_SKIP_NOT_OURS:
        break;
    }
}

/*
 * Cleans the host of @conn: its domains, then the volumes of those gone
 * (remote), then its networks; says what it removed.  @header: a line to
 * say first, when several hosts are cleaned.
 */
static gboolean
pv_cmd_clean_host(virConnect *conn, const char *header, const char *prefix, gboolean force,
                  PvCleanHere *here, PvCleanTally *tally, GError **error)
{
    g_autofree char *record_dir = pv_network_record_dir_default();
    guint before = tally->failed + tally->skipped + tally->forgotten;
    guint removed;
    guint removed_networks;
    guint removed_volumes;

    if (header)
        g_print("%s\n", header);
    removed = pv_clean_domains(conn, prefix, force, here, pv_cmd_clean_report, tally, error);
    if (*error)
        return FALSE;
    /* After the domains: the overlays and logs of those gone, on a remote host. */
    removed_volumes = pv_clean_volumes(conn, prefix, error);
    if (*error)
        return FALSE;
    /* After the domains: a network goes once nothing is plugged into it. */
    removed_networks = pv_clean_networks(conn, record_dir, prefix, force, here,
                                         pv_cmd_clean_report_network, tally, error);
    if (*error)
        return FALSE;
    if (removed == 0 && removed_networks == 0 && removed_volumes == 0 &&
        tally->failed + tally->skipped + tally->forgotten == before) {
        g_print(_("nothing to clean\n"));
        return TRUE;
    }
    g_print(g_dngettext(GETTEXT_PACKAGE, "removed %u domain\n", "removed %u domains\n",
                        removed), removed);
    g_print(g_dngettext(GETTEXT_PACKAGE, "removed %u network\n", "removed %u networks\n",
                        removed_networks), removed_networks);
    if (removed_volumes)
        g_print(g_dngettext(GETTEXT_PACKAGE,
                            "removed %u volume of the storage pool 'provium'\n",
                            "removed %u volumes of the storage pool 'provium'\n",
                            removed_volumes), removed_volumes);
    return TRUE;
}

int
pv_cmd_clean(int argc, char **argv, GError **out_error)
{
    g_auto(GStrv) uris = NULL;
    g_autofree char *prefix = NULL;
    gboolean force = FALSE;
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &uris,
          N_("libvirt URI, as for virsh; again for another host"), N_("URI") },
        { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix,
          N_("Only the domains and networks of runs with this prefix"), N_("P") },
        { "force", 0, 0, G_OPTION_ARG_NONE, &force,
          N_("Also remove domains and networks of provium runs that are, or may be, still "
             "going (on this machine or another)"),
          NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func(
        (GDestroyNotify)pv_virConnectClose);
    g_autoptr(GPtrArray) canonical = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) told = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    PvCleanTally tally = { 0 };
    PvCleanHere here;
    guint n;
    guint i;

    g_option_context_set_summary(context,
        _("Destroys and undefines the domains provium created (those carrying provium's\n"
          "metadata, never selected by name alone), then destroys the networks it\n"
          "created (those it recorded in /run/provium/networks, still under the\n"
          "recorded UUID and name), and reports each one removed.  On a remote host,\n"
          "the volumes of provium's storage pool made for domains now gone go too.\n"
          "What a run still going owns is kept, with one line saying why: a run of\n"
          "this machine whose process runs, or a run of another machine whose lease,\n"
          "which the run renews, has not run out.  With -c given more than once,\n"
          "each host in turn, its URI first."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (argc > 1) {
        g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                    _("clean takes no arguments (see provium clean --help)"));
        return PV_EXIT_USAGE;
    }
    n = uris ? g_strv_length(uris) : 0;
    for (i = 0; i < n; i++) {
        if (g_strv_contains((const char *const *)uris + i + 1, uris[i])) {
            g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                        _("-c: '%s' is given twice: give each host once"), uris[i]);
            return PV_EXIT_USAGE;
        }
    }
    /* Every host answers before anything is removed from one. */
    for (i = 0; i < MAX(n, 1); i++) {
        virConnect *conn = pv_libvirt_open(n ? uris[i] : NULL, out_error);
        char *uri;

        if (!conn)
            return PV_EXIT_USAGE;
        g_ptr_array_add(conns, conn);
        /* Two spellings of one host (an alias, a default) are one host. */
        uri = pv_libvirt_get_uri(conn, NULL);
        if (!uri)
            uri = g_strdup(n ? uris[i] : "");
        if (g_ptr_array_find_with_equal_func(canonical, uri, g_str_equal, NULL)) {
            g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                        _("-c: '%s' is the host of an earlier -c (%s): give each host once"),
                        uris[i], uri);
            g_free(uri);
            return PV_EXIT_USAGE;
        }
        g_ptr_array_add(canonical, uri);
    }
    pv_clean_here_init(&here);
    tally.force = force;
    tally.now = here.owner.now;
    tally.uris = n > 1 ? canonical : NULL;
    tally.told = told;
    if (pv_machine_id_is_fallback(here.owner.machine))
        g_printerr(_("provium: this machine has no machine id (/etc/machine-id): its runs' "
                     "records name it '%s', so what they left before its last boot goes only "
                     "once their lease runs out; systemd-machine-id-setup gives it one\n"),
                   here.owner.machine);
    for (i = 0; i < conns->len; i++) {
        g_autofree char *header = n > 1 ? g_strdup_printf(_("on %s:"), uris[i]) : NULL;

        if (!pv_cmd_clean_host(conns->pdata[i], header, prefix, force, &here, &tally,
                               out_error))
            return PV_EXIT_USAGE;
    }
    return tally.failed ? PV_EXIT_FAILED : PV_EXIT_OK;
}
