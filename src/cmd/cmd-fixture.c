/*
 * cmd-fixture.c: provium fixture build|list|prune: the cache of prepared VMs
 *
 * build is a run of the fixture files (cmd-run.c); list and prune are here.
 * With -c URI of a remote host, they act on that host's fixtures only: the
 * store this machine keeps for it (host/pv-host-fixtures.c), and prune
 * deletes the volumes of what it removes from provium's pool there.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cmd.h"
#include "pv-autocleanups.h"
#include "pv-error.h"
#include "pv-fixture-store.h"
#include "pv-host-fixtures.h"
#include "pv-libvirt.h"
#include "pv-units.h"

/* "45s", "12m", "5h", "3d": how long ago, to the unit that matters. */
static char *
pv_cmd_fixture_age(gint64 then, gint64 now)
{
    gint64 s = MAX(now - then, 0);

    if (s < 60)
        return g_strdup_printf("%" G_GINT64_FORMAT "s", s);
    if (s < 3600)
        return g_strdup_printf("%" G_GINT64_FORMAT "m", s / 60);
    if (s < 86400)
        return g_strdup_printf("%" G_GINT64_FORMAT "h", s / 3600);
    return g_strdup_printf("%" G_GINT64_FORMAT "d", s / 86400);
}

static int
pv_cmd_fixture_list(const char *dir, virConnect *remote, GError **error)
{
    g_autoptr(PvFixtureStore) store = NULL;
    g_autoptr(GPtrArray) infos = NULL;
    g_autofree char *cap = pv_size_format(PV_FIXTURE_STORE_DEFAULT_MAX_SIZE);
    g_autofree char *total_text = NULL;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    guint64 total = 0;
    guint i;

    /* Listing makes nothing: no cache yet is an empty one. */
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_print(_("no fixture is cached in %s\n"), dir);
        return PV_EXIT_OK;
    }
    store = pv_fixture_store_open(dir, error);
    if (store && remote)
        pv_host_fixtures_count_volumes(store, remote);
    if (store)
        infos = pv_fixture_store_list(store, error);
    if (!infos)
        return PV_EXIT_USAGE;
    if (infos->len == 0) {
        g_print(_("no fixture is cached in %s\n"), dir);
        return PV_EXIT_OK;
    }
    g_print("%-12s  %-16s %7s %6s %9s  %s\n", _("KEY"), _("NAME"), _("SIZE"), _("AGE"),
            _("LAST USE"), _("SLOTS"));
    for (i = 0; i < infos->len; i++) {
        const PvFixtureInfo *info = infos->pdata[i];
        g_autofree char *size = pv_size_format(info->size);
        g_autofree char *age = info->created ? pv_cmd_fixture_age(info->created, now)
                                             : g_strdup("?");
        g_autofree char *used = pv_cmd_fixture_age(info->last_used, now);
        g_autoptr(GString) state = g_string_new(NULL);

        g_string_append_printf(state, "%u", info->slots);
        if (info->in_use)
            g_string_append(state, _(", in use"));
        if (info->problem)
            g_string_append_printf(state, _(", corrupt: %s"), info->problem);
        g_print("%.12s  %-16s %7s %6s %9s  %s\n", info->key, info->name ? info->name : "?",
                size, age, used, state->str);
        total += info->size;
    }
    total_text = pv_size_format(total);
    g_print(g_dngettext(GETTEXT_PACKAGE, "%u fixture, %s, in %s (prune keeps at most %s)\n",
                        "%u fixtures, %s, in %s (prune keeps at most %s)\n", infos->len),
            infos->len, total_text, dir, cap);
    return PV_EXIT_OK;
}

static void
pv_cmd_fixture_report(const PvFixtureInfo *info, gboolean removed, gpointer user_data)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    g_autofree char *size = pv_size_format(info->size);
    g_autofree char *used = pv_cmd_fixture_age(info->last_used, now);
    const char *name = info->name ? info->name : "?";

    if (!removed)
        g_print(_("kept %s (%.12s, %s): in use\n"), name, info->key, size);
    else if (info->problem)
        g_print(_("removed %s (%.12s, %s): corrupt: %s\n"), name, info->key, size,
                info->problem);
    else
        g_print(_("removed %s (%.12s, %s): last used %s ago\n"), name, info->key, size, used);
}

static int
pv_cmd_fixture_prune(const char *dir, virConnect *remote, guint64 max_size, GError **error)
{
    g_autoptr(PvFixtureStore) store = NULL;
    g_autofree char *cap = pv_size_format(max_size);
    g_autofree char *left = NULL;
    guint64 remaining = 0;

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_print(_("no fixture is cached in %s\n"), dir);
        return PV_EXIT_OK;
    }
    store = pv_fixture_store_open(dir, error);
    if (store && remote)
        pv_host_fixtures_count_volumes(store, remote);
    if (!store || !pv_host_fixtures_prune(store, remote, max_size, pv_cmd_fixture_report, NULL,
                                          &remaining, error))
        return PV_EXIT_USAGE;
    left = pv_size_format(remaining);
    g_print(_("the fixture cache %s holds %s (at most %s)\n"), dir, left, cap);
    return PV_EXIT_OK;
}

int
pv_cmd_fixture(int argc, char **argv, GError **out_error)
{
    g_autofree char *cache_dir = NULL;
    g_autofree char *max_size_text = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *identity = NULL;
    g_auto(GStrv) words = NULL;
    g_autoptr(virConnect) conn = NULL;
    virConnect *remote = NULL;
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("the fixtures of this libvirt host (a remote one's are kept apart), as for "
             "virsh"), N_("URI") },
        { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &cache_dir,
          N_("provium's cache; fixtures are in DIR/fixtures (default /var/cache/provium as "
             "root, else $XDG_CACHE_HOME/provium)"), N_("DIR") },
        { "max-size", 0, 0, G_OPTION_ARG_STRING, &max_size_text,
          N_("prune: what the cache may keep, e.g. 5G (default 10G; 0 removes every "
             "fixture not in use)"), N_("SIZE") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &words, NULL,
          N_("build|list|prune") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    guint64 max_size = PV_FIXTURE_STORE_DEFAULT_MAX_SIZE;

    /* build takes a run's options: the run parses them */
    if (argc > 1 && strcmp(argv[1], "build") == 0)
        return pv_cmd_fixture_build(argc - 1, argv + 1, out_error);
    g_option_context_set_summary(context,
        _("The cache of fixtures: prepared VMs, built once and restored from their saved\n"
          "state by the test files that use them.\n"
          "\n"
          "  build   build the fixtures (*.fixture.lua) under the PATHs that are not\n"
          "          cached; takes the options of a run (provium fixture build --help)\n"
          "  list    every cached fixture: key, name, size, age, last use, slots\n"
          "  prune   remove corrupt fixtures, then the least recently used, until the\n"
          "          cache holds at most --max-size; a fixture in use is never removed\n"
          "\n"
          "With -c URI of a remote host, list and prune act on that host's fixtures\n"
          "only; prune also deletes their volumes from provium's storage pool there."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    if (!words || !words[0] || words[1] ||
        (strcmp(words[0], "list") != 0 && strcmp(words[0], "prune") != 0)) {
        if (words && words[0] && !words[1])
            g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE,
                        _("unknown fixture command '%s': build, list or prune "
                          "(see provium fixture --help)"), words[0]);
        else
            g_set_error_literal(out_error, PV_ERROR, PV_ERROR_USAGE,
                                _("fixture takes one command: build, list or prune "
                                  "(see provium fixture --help)"));
        return PV_EXIT_USAGE;
    }
    if (max_size_text) {
        if (strcmp(words[0], "prune") != 0) {
            g_set_error_literal(out_error, PV_ERROR, PV_ERROR_USAGE,
                                _("--max-size goes with prune (see provium fixture --help)"));
            return PV_EXIT_USAGE;
        }
        if (!pv_size_parse(max_size_text, &max_size, &error)) {
            g_set_error(out_error, PV_ERROR, PV_ERROR_USAGE, _("--max-size: %s"),
                        error->message);
            return PV_EXIT_USAGE;
        }
    }
    if (uri) {
        conn = pv_libvirt_open(uri, out_error);
        if (!conn)
            return PV_EXIT_USAGE;
        if (!pv_libvirt_is_local(conn))
            remote = conn;
    }
    if (remote) {
        /* Its store is named after its pool: no pool, no fixture (nothing is made) */
        identity = pv_host_fixtures_identity(remote, FALSE, &error);
        if (!identity && error) {
            g_propagate_error(out_error, g_steal_pointer(&error));
            return PV_EXIT_USAGE;
        }
        if (!identity) {
            g_print(_("no fixture is cached on %s (it has no storage pool '%s')\n"), uri,
                    PV_STORAGE_POOL_NAME);
            return PV_EXIT_OK;
        }
        dir = pv_host_fixtures_dir(cache_dir, identity);
        g_print(_("host %s: the fixtures' states are volumes of its storage pool '%s'\n"),
                uri, PV_STORAGE_POOL_NAME);
    } else {
        dir = pv_fixture_store_default_dir(cache_dir);
    }
    if (strcmp(words[0], "list") == 0)
        return pv_cmd_fixture_list(dir, remote, out_error);
    return pv_cmd_fixture_prune(dir, remote, max_size, out_error);
}
