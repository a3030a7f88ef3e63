/*
 * cmd-run.c: provium [OPTION...] [PATH...]: run the test files under PATHs
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#define PV_CMD_RUN_PRIVATE
#include "cmd-run-options.h"
#include "cmd-run-select.h"
#include "pv-text.h"
#include "pv-clean.h"
#include "pv-discover.h"
#include "pv-dispatcher.h"
#include "pv-error.h"
#include "pv-libvirt.h"
#include "pv-file.h"
#include "pv-i18n.h"
#include "pv-lua.h"
#include "pv-report-html.h"
#include "pv-report-json.h"
#include "pv-report-junit.h"
#include "pv-report-terminal.h"
#include "pv-pgroup.h"
#include "pv-plan.h"
#include "pv-results.h"
#include "pv-run.h"
#include "pv-safe.h"
#include "pv-tags.h"
#include "pv-units.h"

/* The startup line says tuned or not; what was written, with -v. */
static PvKsm *
pv_cmd_run_tune_ksm(PvRun *run)
{
    PvKsm *ksm = pv_run_tune_ksm(run);

    if (ksm && (pv_run_peek_options(run)->verbosity == PV_VERBOSITY_VERBOSE || !ksm->tuned))
        g_printerr("%s\n", ksm->message);
    return ksm;
}

/* The last provium run on the host to end puts the host's KSM settings back. */
static void
pv_cmd_run_restore_ksm(PvRun *run, PvKsm *ksm)
{
    g_autofree char *line = pv_run_restore_ksm(run, ksm);

    if (line)
        g_printerr("%s\n", line);
}

/* The run directory keeps each file's full (verbose) block. */
static void
pv_cmd_run_write_file_log(const PvReportFile *file, const char *block, gpointer user_data)
{
    PvRun *run = user_data;
    g_autofree char *name = pv_sanitize_name(file->path, 200);
    g_autofree char *log_name = g_strconcat(name, ".log", NULL);
    g_autofree char *dir = g_build_filename(pv_run_peek_dir(run), "files", NULL);
    g_autofree char *path = g_build_filename(dir, log_name, NULL);

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR) && g_mkdir_with_parents(dir, 0755) < 0) {
        g_printerr(_("provium: cannot create %s\n"), dir);
        return;
    }
    pv_run_write_later(run, path, block);
}

/* What the status line shows besides the dispatcher's snapshot. */
typedef struct {
    PvTerminal *terminal;
    gint64 expected_ns;     /* the run's expected time; -1 unknown */
    gint64 started;         /* monotonic, µs */
} PvCmdRunStatus;

static void
pv_cmd_run_status(const PvDispatchStatus *status, gpointer user_data)
{
    PvCmdRunStatus *data = user_data;
    g_autofree char *used = pv_size_format(status->used.memory);
    g_autofree char *total = pv_size_format(status->total.memory);
    g_autofree char *line = NULL;
    g_autofree char *left = NULL;
    g_autofree char *hosts = NULL;

    if (data->expected_ns >= 0) {
        gint64 elapsed = (g_get_monotonic_time() - data->started) * 1000;
        g_autofree char *expected = pv_duration_format(data->expected_ns);

        if (elapsed < data->expected_ns) {
            g_autofree char *rest = pv_duration_format(data->expected_ns - elapsed);

            left = g_strdup_printf(_("; expected %s, about %s left"), expected, rest);
        } else {
            left = g_strdup_printf(_("; expected %s, running over"), expected);
        }
    }
    /* With several hosts, each one's VMs: "; hosts: a 2 VMs, lab2 1 VM". */
    if (status->n_hosts > 1) {
        GString *list = g_string_new(NULL);
        guint i;

        for (i = 0; i < status->n_hosts; i++) {
            g_autofree char *one = g_strdup_printf(
                g_dngettext(GETTEXT_PACKAGE, "%s %u VM", "%s %u VMs", status->hosts[i].vms),
                status->hosts[i].name, status->hosts[i].vms);

            g_string_append_printf(list, "%s%s", i ? ", " : "", one);
        }
        hosts = g_strdup_printf(_("; hosts: %s"), list->str);
        g_string_free(list, TRUE);
    }
    line = g_strdup_printf(_("[%u done, %u running, %u queued] pool: %s/%s, %g/%g vCPUs%s%s%s%s"),
                           status->done, status->running, status->queued, used, total,
                           status->used.mcpus / (double)PV_MCPU,
                           status->total.mcpus / (double)PV_MCPU,
                           hosts ? hosts : "", left ? left : "",
                           status->head_blocked != PV_BLOCK_NONE ? _("; next waits: ") : "",
                           status->head_blocked != PV_BLOCK_NONE ?
                           pv_block_reason_to_string(status->head_blocked) : "");
    pv_terminal_set_status(data->terminal, line);
}

/* What the throttle and KSM are on @host: a remote host's says what is off there. */
static void
pv_cmd_run_host_state(const PvRunOptions *options, PvHost *host, PvKsm *ksm, char **psi,
                      const char **ksm_state)
{
    if (options->no_psi)
        *psi = g_strdup(_("off (--no-psi)"));
    else if (pv_host_is_this_machine(host))
        *psi = g_strdup_printf(_("cpu %g%%, memory %g%%"), options->psi_threshold.cpu,
                               options->psi_threshold.memory);
    else if (pv_host_is_test(host) || pv_host_is_local(host))
        *psi = g_strdup(_("not this host's"));
    else if (pv_host_has_pressure(host))
        *psi = g_strdup_printf(_("not there (remote): cpu %g%% from the CPU load libvirt gives, "
                                 "memory by the guard alone"), options->psi_threshold.cpu);
    else
        *psi = g_strdup(_("off: not there (remote), and libvirt gives no CPU load"));
    if (options->no_ksm)
        *ksm_state = _("off (--no-ksm)");
    else if (ksm && pv_host_is_this_machine(host))
        *ksm_state = ksm->tuned ? _("tuned") : _("not tuned");
    else if (pv_host_is_test(host) || pv_host_is_local(host))
        *ksm_state = _("not this host's");
    else
        *ksm_state = _("left as it is there (remote: libvirt cannot turn it on)");
}

/*
 * One line on stderr as the run starts: the pool, the boot gate, PSI, KSM,
 * the host, and the expected run time when the history gives one.  With
 * several hosts, then one line per host: its pool, PSI and KSM there.
 */
static void
pv_cmd_run_print_startup(PvRun *run, PvKsm *ksm, PvPlan *plan, const PvCmdRunShare *share)
{
    const PvRunOptions *options = pv_run_peek_options(run);
    PvHost *host = pv_run_peek_host(run, 0);
    guint n = pv_run_get_host_count(run);
    PvAmount total = pv_run_get_pool_total(run);
    g_autofree char *memory = pv_size_format(total.memory);
    g_autoptr(GString) uris = g_string_new(NULL);
    guint cpus = 0;
    guint i;
    g_autofree char *gate = NULL;
    g_autofree char *psi = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *sharing = NULL;
    const char *ksm_state;

    if (options->verbosity == PV_VERBOSITY_QUIET)
        return;
    /* Several hosts: each one's URI, the default first. */
    for (i = 0; i < n; i++) {
        const char *uri = pv_host_peek_uri(pv_run_peek_host(run, i));

        g_string_append_printf(uris, "%s%s", i ? ", " : "", uri ? uri : "?");
    }
    pv_host_get_size(host, NULL, &cpus, NULL);
    gate = options->boot_workers ?
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u domain", "%u domains",
                                    options->boot_workers), options->boot_workers) :
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u vCPU", "%u vCPUs", cpus), cpus);
    /* What a remote host cannot give is said here, once: each in its field. */
    if (n > 1) {
        psi = g_strdup(_("per host, below"));
        ksm_state = _("per host, below");
    } else {
        pv_cmd_run_host_state(options, host, ksm, &psi, &ksm_state);
    }
    if (pv_plan_get_expected(plan) >= 0) {
        g_autofree char *duration = pv_duration_format(pv_plan_get_expected(plan));

        expected = g_strdup_printf(_("; expected run time %s (%s)"), duration,
                                   pv_order_to_string(options->order));
    }
    if (options->shard.total)
        sharing = pv_cmd_run_describe_share(run, share);
    g_printerr(_("provium: pool %s memory, %g vCPUs; boot gate %s at once; PSI %s; KSM %s; "
                 "host %s (%s)%s%s\n"),
               memory, total.mcpus / (double)PV_MCPU, gate, psi, ksm_state,
               pv_run_peek_machine(run), uris->str, expected ? expected : "",
               sharing ? sharing : "");
    for (i = 0; n > 1 && i < n; i++) {
        PvHost *each = pv_run_peek_host(run, i);
        PvAmount pool = pv_pool_get_total(pv_resources_peek_pool(pv_host_peek_resources(each)));
        g_autofree char *pool_memory = pv_size_format(pool.memory);
        g_autofree char *each_psi = NULL;
        const char *each_ksm;

        const char *uri = pv_host_peek_uri(each);
        g_autofree char *label = g_strcmp0(uri, pv_host_peek_name(each)) == 0 ? g_strdup(uri) :
            g_strdup_printf("%s (%s)", pv_host_peek_name(each), uri ? uri : "?");

        pv_cmd_run_host_state(options, each, ksm, &each_psi, &each_ksm);
        g_printerr(_("provium: host %s: pool %s memory, %g vCPUs; PSI %s; KSM %s\n"), label,
                   pool_memory, pool.mcpus / (double)PV_MCPU, each_psi, each_ksm);
    }
}

/* What the library has to say to people, on the terminal. */
static void
pv_cmd_run_note(const char *line, gpointer user_data)
{
    /* A note may name a file: no escape sequence of its name reaches the terminal. */
    g_autofree char *shown = pv_text_sanitize(line, -1);

    g_printerr("provium: %s\n", shown);
}

/*
 * @argv: the command line as given, before option parsing took from it
 * @share: (nullable): the share the run runs (--shard)
 */
static void
pv_cmd_run_emit_started(PvRun *run, char **argv, const PvCmdRunShare *share)
{
    PvHost *host = pv_run_peek_host(run, 0);
    const char *reason = NULL;
    PvVirtType virt_auto = pv_host_get_virt_auto(host, &reason);
    guint n = pv_run_get_host_count(run);
    g_autofree PvEventHost *hosts = g_new0(PvEventHost, n);
    guint i;

    /* Each host as the events of its files name it. */
    for (i = 0; i < n; i++) {
        PvHost *each = pv_run_peek_host(run, i);

        hosts[i].name = pv_host_peek_name(each);
        hosts[i].uri = pv_host_peek_uri(each);
        hosts[i].pool = pv_pool_get_total(pv_resources_peek_pool(pv_host_peek_resources(each)));
        pv_host_get_size(each, NULL, &hosts[i].cpus, NULL);
    }
    pv_event_run_started(pv_run_peek_events(run), (const char *const *)argv,
                         pv_host_peek_uri(host), pv_run_peek_machine(run),
                         pv_run_peek_prefix(run), pv_run_peek_dir(run), pv_run_get_pid(run),
                         pv_run_get_pool_total(run), hosts[0].cpus,
                         pv_virt_type_to_string(pv_run_peek_options(run)->virt_type),
                         pv_virt_type_to_string(virt_auto), reason, hosts, n,
                         share ? pv_cmd_run_share_fields(run, share) : NULL);
}

/*
 * Discovery runs each file's top level: independent per file, so spread over
 * the CPUs, each bounded (a top level that never returns breaks its file);
 * the events then come in discovery order.  With --tags, a file
 * none of whose tests is selected is dropped here: it is neither run nor
 * reported, so nothing of it boots, not even at its top level.
 */
static gboolean
pv_cmd_run_discover(PvRun *run, GPtrArray *files, const guint *signals, GError **error)
{
    const PvRunOptions *options = pv_run_peek_options(run);
    guint i;

    /* What the top levels print goes out after run_started, for the files the run keeps. */
    for (i = 0; i < files->len; i++)
        pv_file_hold_log(files->pdata[i]);
    /* Why a file broke goes into the records (see pv-i18n.c); signals are heard meanwhile. */
    pv_cmd_discover(files, TRUE);
    if (*signals) {
        /* Interrupted: no file runs, each is cancelled before it started (the dispatcher). */
        for (i = 0; i < files->len; i++)
            pv_file_set_status(files->pdata[i], PV_FILE_QUEUED, NULL);
        return TRUE;
    }
    for (i = 0; options->tags && i < files->len; ) {
        PvFile *file = files->pdata[i];

        if (pv_file_get_status(file) != PV_FILE_ERROR && pv_file_get_selected_count(file) == 0)
            g_ptr_array_remove_index(files, i);
        else
            i++;
    }
    if (options->tags && files->len == 0) {
        g_autofree char *spec = g_strjoinv(",", options->tags);

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("no test matches --tags '%s' ('provium list' shows each test's tags)"),
                    spec);
        return FALSE;
    }
    return TRUE;
}

/* file_discovered for each file this run runs (with --shard, its share's). */
static void
pv_cmd_run_emit_discovered(PvRun *run, PvPlan *plan, GPtrArray *files)
{
    guint i;

    for (i = 0; i < files->len; i++) {
        PvFile *file = files->pdata[i];
        const PvClaimSpec *claim = pv_file_peek_claim(file);
        g_autoptr(GPtrArray) tests = g_ptr_array_new();
        g_autofree char *key = pv_plan_dup_key(plan, file);
        guint t;

        pv_file_release_log(file);
        for (t = 0; t < pv_file_get_test_count(file); t++) {
            if (pv_file_test_is_selected(file, t))
                g_ptr_array_add(tests, (gpointer)pv_file_peek_test_name(file, t));
        }
        pv_event_file_discovered(pv_run_peek_events(run), pv_file_peek_path(file), key, tests,
                                 claim->memory, claim->cpus, claim->declared);
    }
}

typedef struct {
    PvRun *run;
    GPtrArray *files;           /* cancelled by a signal while they are discovered */
    PvDispatcher *dispatcher;   /* NULL until the files are discovered */
    PvKsm *ksm;                 /* put back by a second signal */
    guint signals;
    gint64 first_us;            /* when the first came, monotonic */
    gboolean started;           /* run_started is out: run_interrupted may follow */
} PvCmdRunSignals;

/* How long a second signal waits for domains being created, to destroy them. */
#define PV_CMD_RUN_CREATE_WAIT_US (30 * G_USEC_PER_SEC)
/*
 * Signals this close to the first are the same interruption: timeout(1)
 * sends its signal to provium and then to provium's process group (GLib
 * folds the two into one only when both come before the main loop looks),
 * a dropped ssh session SIGHUP and SIGTERM alike.  A person's second
 * Ctrl-C comes later.
 */
#define PV_CMD_RUN_SAME_SIGNAL_US (250 * 1000)

/*
 * SIGINT, SIGTERM or SIGHUP (a terminal or ssh session gone): the run
 * stops, its domains are destroyed, its files end (their networks with
 * them; a file stuck in its own code is given up, pv-dispatcher.c), the
 * results so far are printed.  While the files are discovered, their top
 * levels are cancelled, and none runs.  A second one exits at once, after
 * destroying the run's domains (waiting only for those being created right
 * now, which would come up after provium is gone), its networks and what
 * its files' commands left running, and putting KSM back.
 * Signals within PV_CMD_RUN_SAME_SIGNAL_US of the first count as the first.
 */
static gboolean
pv_cmd_run_on_signal(gpointer user_data)
{
    PvCmdRunSignals *signals = user_data;
    gint64 now = g_get_monotonic_time();
    const char *message;

    if (signals->signals == 1 && now - signals->first_us < PV_CMD_RUN_SAME_SIGNAL_US)
        return G_SOURCE_CONTINUE;
    if (signals->signals == 0)
        signals->first_us = now;
    signals->signals++;
    if (signals->signals > 1) {
        guint left = pv_run_close_domains(signals->run, g_get_monotonic_time() +
                                          PV_CMD_RUN_CREATE_WAIT_US);
        guint networks_left;

        pv_run_destroy_domains(signals->run);
        /* After the domains on them; no file of the run creates one after this. */
        networks_left = pv_run_destroy_networks(signals->run);
        /* What the files' shell commands left running (pv-pgroup.c). */
        pv_pgroup_kill_all();
        if (networks_left > 0)
            g_printerr(g_dngettext(GETTEXT_PACKAGE,
                                   "provium: %u network of this run could not be destroyed: "
                                   "'provium clean' removes it\n",
                                   "provium: %u networks of this run could not be destroyed: "
                                   "'provium clean' removes them\n", networks_left),
                       networks_left);
        if (left > 0)
            g_printerr(g_dngettext(GETTEXT_PACKAGE,
                                   "provium: %u domain of this run was still being created "
                                   "after 30s and may be left: look for prefix '%s' in virsh "
                                   "list --all\n",
                                   "provium: %u domains of this run were still being created "
                                   "after 30s and may be left: look for prefix '%s' in virsh "
                                   "list --all\n", left),
                       left, pv_run_peek_prefix(signals->run));
        message = N_("interrupted again; destroyed this run's domains and networks, exiting");
        if (signals->started)
            pv_event_run_interrupted(pv_run_peek_events(signals->run), signals->signals,
                                     message);
        g_printerr("provium: %s\n", _(message));
        pv_cmd_run_restore_ksm(signals->run, signals->ksm);
        _exit(PV_EXIT_CANCELLED);
    }
    message = N_("interrupted; stopping (interrupt again to exit at once)");
    if (signals->started)
        pv_event_run_interrupted(pv_run_peek_events(signals->run), signals->signals, message);
    g_printerr("provium: %s\n", _(message));
    if (signals->dispatcher) {
        pv_dispatcher_interrupt(signals->dispatcher);
    } else {
        /* What a cancelled top level says goes into the records (see pv-i18n.c). */
        locale_t previous = pv_i18n_untranslated_begin();
        guint i;

        for (i = 0; i < signals->files->len; i++)
            pv_file_cancel(signals->files->pdata[i], _("cancelled by a signal"));
        pv_i18n_end(previous);
    }
    /*
     * No new domain, and those being created are destroyed as they start.
     * After the files are cancelled, so that what a test sees of it is the
     * cancellation; a test the wake-up ends first destroys its VMs itself,
     * as the run's (pv_file_end_scope(): vm_stopped "destroyed").
     */
    pv_run_close_domains(signals->run, 0);
    pv_run_destroy_domains(signals->run);
    return G_SOURCE_CONTINUE;
}

/*
 * run_started is out: a signal that came while the files were discovered
 * goes into the stream after it, as run_interrupted.
 */
static void
pv_cmd_run_started(PvCmdRunSignals *signals)
{
    signals->started = TRUE;
    if (signals->signals > 0)
        pv_event_run_interrupted(pv_run_peek_events(signals->run), signals->signals,
                                 N_("interrupted; stopping (interrupt again to exit at once)"));
}

/*
 * The run's outcome, from the files themselves, never from a reporter:
 * run_finished, and the exit status.
 */
static int
pv_cmd_run_finish(PvRun *run, GPtrArray *files, gint64 started, gboolean cancelled)
{
    /* passed, failed, skipped, flaky, cancelled, errors, not_run */
    guint counts[PV_RUN_COUNTS] = { 0 };
    guint failed_files = 0;
    guint i;

    for (i = 0; i < files->len; i++) {
        PvFileStatus status = pv_file_get_status(files->pdata[i]);
        guint tests[PV_TEST_STATUS_LAST];

        pv_file_count_results(files->pdata[i], tests);
        counts[0] += tests[PV_TEST_PASSED];
        counts[1] += tests[PV_TEST_FAILED];
        counts[2] += tests[PV_TEST_SKIPPED];
        counts[3] += tests[PV_TEST_FLAKY];
        counts[4] += status == PV_FILE_CANCELLED;
        counts[5] += status == PV_FILE_ERROR;
        counts[6] += status == PV_FILE_NOT_RUN;
        failed_files += status == PV_FILE_FAILED;
    }
    pv_event_run_finished(pv_run_peek_events(run), counts, pv_events_now_ns() - started,
                          pv_run_get_pool_used(run));
    if (cancelled)
        return PV_EXIT_CANCELLED;
    if (counts[5] > 0)
        return PV_EXIT_USAGE;
    /* A flaky test passed in the end: it does not fail the run. */
    return counts[1] > 0 || failed_files > 0 || counts[6] > 0 ? PV_EXIT_FAILED : PV_EXIT_OK;
}

/* Old run directories go: the last --keep-runs stay, this one among them. */
static void
pv_cmd_run_prune(PvRun *run)
{
    g_autoptr(GError) error = NULL;
    guint keep = pv_run_peek_options(run)->keep_runs;

    pv_results_prune(pv_run_peek_results_base(run), keep, pv_run_peek_id(run), &error);
    if (error)
        pv_run_note(run, _("old run directories were not all removed (--keep-runs): %s"),
                    error->message);
}

/* --html: the page of this run, from its run directory's stream, as provium report makes it. */
static gboolean
pv_cmd_run_write_html(PvRun *run, const char *path, GError **error)
{
    const char *dir[] = { pv_run_peek_dir(run), NULL };
    g_autoptr(PvReport) report = pv_report_load(dir, error);

    if (!report) {
        g_prefix_error(error, "--html: ");
        return FALSE;
    }
    return pv_report_write_html(report, path, error);
}

/*
 * provium [PATH...] runs the test files; provium fixture build [PATH...] the
 * fixture files, each as a file with one test that boots a VM of it.
 */
static int
pv_cmd_run_files(int argc, char **argv, gboolean fixtures, GError **out_error)
{
    g_auto(PvRunArgs) args = { 0 };
    g_auto(PvRunOptions) options = { 0 };
    g_autoptr(GError) error = NULL;
    /* Option parsing takes from argv: run_started records it whole. */
    g_auto(GStrv) given = g_strdupv(argv);
    g_autoptr(GPtrArray) failed = NULL;
    g_autoptr(GPtrArray) failed_before = NULL;
    g_autoptr(PvResultsShare) failed_share = NULL;
    g_autofree char *failed_dir = NULL;
    g_autoptr(GPtrArray) paths = NULL;
    g_autoptr(GPtrArray) files = NULL;
    g_autoptr(PvRun) run = NULL;
    g_autoptr(PvTerminal) terminal = NULL;
    g_autoptr(PvDispatcher) dispatcher = NULL;
    g_autoptr(PvTerminal) file_logs = NULL;
    g_autoptr(PvJunit) junit = NULL;
    g_autoptr(PvJson) json = NULL;
    g_autoptr(PvKsm) ksm = NULL;
    g_autoptr(PvPlan) plan = NULL;
    g_auto(PvCmdRunShare) share = { 0 };
    PvCmdRunStatus status_data = { NULL, -1, g_get_monotonic_time() };
    PvCmdRunSignals signals = { 0 };
    const int handled[] = { SIGINT, SIGTERM, SIGHUP };
    guint signal_ids[G_N_ELEMENTS(handled)];
    PvEvents *events;
    FILE *human;
    gint64 started = pv_events_now_ns();
    int status;
    guint i;

    if (!pv_cmd_run_parse_args(&argc, &argv, fixtures, &args, out_error))
        return PV_EXIT_USAGE;
    pv_run_options_init(&options);
    if (args.version) {
        g_print("provium %s\n", PACKAGE_VERSION);
        return PV_EXIT_OK;
    }
    /* "provium --prefix P shell": the command's name is no test path. */
    for (i = 0; !fixtures && args.paths && args.paths[i]; i++) {
        if (!pv_cmd_check_path(args.paths[i], out_error))
            return PV_EXIT_USAGE;
    }
    if (!pv_cmd_run_apply_config(&args, &error) ||
        !pv_cmd_run_check(&args, &options, FALSE, &error))
        goto usage;

    /* Its runs decide what --rerun-failed runs, and its old ones are removed. */
    {
        g_autofree char *base = pv_results_base(options.results_dir);

        if (!pv_results_check_base(base, &error))
            goto usage;
    }
    if (args.rerun_failed &&
        !pv_cmd_run_read_failed(&args, &options, &failed, &failed_before, &failed_share,
                                &failed_dir, &error))
        goto usage;
    if (failed && failed->len == 0)
        return PV_EXIT_OK;
    paths = pv_discover_suffix(failed ? (const char *const *)failed->pdata
                                      : (const char *const *)args.paths, options.filter,
                               fixtures ? PV_FIXTURE_SUFFIX : PV_TEST_SUFFIX, &error);
    if (!paths)
        goto usage;
    if (paths->len == 0 && fixtures) {
        g_set_error_literal(&error, PV_ERROR, PV_ERROR_USAGE,
                            _("no fixture files (*.fixture.lua) found"));
        goto usage;
    }
    if (paths->len == 0 && options.filter) {
        g_set_error(&error, PV_ERROR, PV_ERROR_USAGE,
                    _("no test files (*.test.lua) match --filter '%s'"), options.filter);
        goto usage;
    }
    if (paths->len == 0) {
        g_set_error_literal(&error, PV_ERROR, PV_ERROR_USAGE,
                            _("no test files (*.test.lua) found"));
        goto usage;
    }

    /* History keys and hash shares are relative to it. */
    options.corpus_root = pv_discover_root(args.config_used,
                                           failed ? (const char *const *)failed->pdata
                                                  : (const char *const *)args.paths, paths);
    run = pv_run_new(&options);
    pv_run_set_note_func(run, pv_cmd_run_note, NULL);
    files = g_ptr_array_new_with_free_func((GDestroyNotify)pv_file_free);
    for (i = 0; i < paths->len; i++) {
        PvFile *file = pv_file_new(run, paths->pdata[i]);

        g_ptr_array_add(files, file);
        /* A broken provium.conf concerns every file: report it once, now. */
        if (!pv_run_get_config(run, pv_file_peek_abs_path(file), &error))
            goto usage;
    }
    if (!pv_run_connect(run, &error) || !pv_run_make_resources(run, &error) ||
        !pv_run_check_prefix_free(run, &error) ||
        !pv_run_prepare_dir(run, &error))
        goto usage;
    events = pv_run_peek_events(run);
    pv_cmd_run_prune(run);
    /* --save-events /dev/null: the stream is discarded, /dev/null left alone. */
    if (args.save_events && !pv_safe_is_discard(args.save_events) &&
        !pv_events_add_file(events, args.save_events, &error)) {
        g_prefix_error(&error, "--save-events: ");
        goto usage;
    }
    /* Standard output is for machines when they ask for it. */
    human = args.events_stdout || args.json ? stderr : stdout;
    if (args.events_stdout)
        pv_events_add_fd(events, STDOUT_FILENO);
    terminal = pv_terminal_new(human, options.verbosity);
    pv_events_add_listener(events, pv_terminal_on_event, terminal);
    file_logs = pv_terminal_new_for_blocks(pv_cmd_run_write_file_log, run);
    pv_events_add_listener(events, pv_terminal_on_event, file_logs);
    if (args.junit) {
        junit = pv_junit_new(args.junit, pv_run_peek_machine(run));
        pv_events_add_listener(events, pv_junit_on_event, junit);
    }
    if (args.json) {
        json = pv_json_new(stdout);
        pv_events_add_listener(events, pv_json_on_event, json);
    }
    /* From here on a signal cancels the run (and puts KSM back), discovery included. */
    signals.run = run;
    signals.files = files;
    for (i = 0; i < G_N_ELEMENTS(handled); i++)
        signal_ids[i] = g_unix_signal_add(handled[i], pv_cmd_run_on_signal, &signals);
    /* run_started says which share the run runs: it comes once discovery has told. */
    if (!pv_cmd_run_discover(run, files, &signals.signals, &error)) {
        for (i = 0; i < G_N_ELEMENTS(handled); i++)
            g_source_remove(signal_ids[i]);
        pv_cmd_run_emit_started(run, given, NULL);
        goto usage;
    }
    plan = pv_plan_new(run);
    if (options.shard.total && failed_share)
        pv_cmd_run_keep_share(run, files, failed_share, failed_dir, &share);
    else if (options.shard.total)
        pv_cmd_run_take_share(run, plan, files, &share);
    if (options.shard.total && !failed_share && failed_before)
        pv_cmd_run_keep_listed(failed_before, files);
    if (options.shard.total)
        pv_cmd_run_record_share(run, files, &share);
    pv_cmd_run_emit_started(run, given, options.shard.total ? &share : NULL);
    pv_cmd_run_started(&signals);
    if (options.verbosity == PV_VERBOSITY_VERBOSE && options.virt_type == PV_VIRT_AUTO) {
        const char *reason = NULL;

        pv_host_get_virt_auto(pv_run_peek_host(run, 0), &reason);
        g_printerr(_("provium: --virt-type auto: %s\n"), reason);
    }
    ksm = pv_cmd_run_tune_ksm(run);
    signals.ksm = ksm;
    if (options.no_perf_mode)
        g_printerr(_("provium: --no-perf-mode: performance-mode VMs run as ordinary VMs on a "
                     "shared CPU set; pinning, NUMA binding, hugepages and realtime do not "
                     "apply\n"));
    pv_cmd_run_emit_discovered(run, plan, files);
    pv_plan_order(plan, files);
    pv_cmd_run_print_startup(run, ksm, plan, &share);
    if (options.shard.total && files->len == 0)
        g_printerr(g_dngettext(GETTEXT_PACKAGE,
                               "provium: share %u/%u is empty (%u file in %u shares): nothing "
                               "to run\n",
                               "provium: share %u/%u is empty (%u files in %u shares): nothing "
                               "to run\n", share.all),
                   options.shard.index, options.shard.total, share.all, options.shard.total);
    if (share.carried)
        g_printerr(g_dngettext(GETTEXT_PACKAGE,
                               "provium: its list of failed files keeps the %u file that failed "
                               "in run %s before it, for --rerun-failed\n",
                               "provium: its list of failed files keeps the %u files that failed "
                               "in run %s before it, for --rerun-failed\n",
                               share.carried->len),
                   share.carried->len, share.carried_from);

    dispatcher = pv_dispatcher_new(run, pv_plan_peek_queue(plan), pv_lua_run_file);
    status_data.terminal = terminal;
    status_data.expected_ns = pv_plan_get_expected(plan);
    /* A status line would write over the prompt. */
    if (!options.debug_on_failure && !options.shell)
        pv_dispatcher_set_status_func(dispatcher, pv_cmd_run_status, &status_data);
    signals.dispatcher = dispatcher;
    /* A signal while the files were discovered: each is cancelled before it starts. */
    if (signals.signals)
        pv_dispatcher_interrupt(dispatcher);
    status_data.started = g_get_monotonic_time();
    pv_dispatcher_run(dispatcher);
    for (i = 0; i < G_N_ELEMENTS(handled); i++)
        g_source_remove(signal_ids[i]);
    /* The last safety net: nothing of this run outlives it unless kept. */
    pv_run_destroy_domains(run);
    pv_cmd_run_restore_ksm(run, ksm);
    status = pv_cmd_run_finish(run, files, started, pv_dispatcher_was_cancelled(dispatcher));
    pv_plan_save(plan);
    pv_cmd_run_write_failed(run, files, share.carried ? share.carried : failed_before);
    pv_run_flush_writes(run);
    if (junit && !pv_junit_write(junit, &error))
        goto usage;
    if (args.html && !pv_cmd_run_write_html(run, args.html, &error))
        goto usage;
    return status;

 usage:
    g_propagate_error(out_error, g_steal_pointer(&error));
    return PV_EXIT_USAGE;
}

int
pv_cmd_run(int argc, char **argv, GError **error)
{
    return pv_cmd_run_files(argc, argv, FALSE, error);
}

/**
 * pv_cmd_fixture_build:
 *
 * provium fixture build [RUN OPTIONS] [PATH...]: @argv starts at "build".
 */
int
pv_cmd_fixture_build(int argc, char **argv, GError **error)
{
    return pv_cmd_run_files(argc, argv, TRUE, error);
}
