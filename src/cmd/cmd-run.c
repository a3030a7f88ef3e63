/*
 * cmd-run.c: provium [OPTION...] [PATH...]: run the test files under PATHs
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "pv-text.h"
#include "pv-clean.h"
#include "pv-discover.h"
#include "pv-dispatcher.h"
#include "pv-error.h"
#include "pv-libvirt.h"
#include "pv-file.h"
#include "pv-i18n.h"
#include "pv-lua.h"
#include "pv-report-json.h"
#include "pv-report-junit.h"
#include "pv-report-terminal.h"
#include "pv-run.h"
#include "pv-tags.h"
#include "pv-units.h"

typedef struct {
    char *uri;
    char *config;
    char *filter;
    char *tags;
    char *timeout;
    char *prefix;
    char *results_dir;
    gboolean keep_failed;
    gboolean debug_on_failure;
    gboolean verbose;
    gboolean quiet;
    gboolean version;
    char *mem;
    int cpus;
    char *cpu_overcommit;
    int jobs;
    gboolean fail_fast;
    char *host_reserve;
    int boot_workers;
    char *psi_threshold;
    gboolean no_psi;
    gboolean no_ksm;
    gboolean force;
    char *save_events;
    gboolean events_stdout;
    char *junit;
    gboolean json;
    char *lock_dir;
    gboolean perf_strict;
    gboolean no_perf_mode;
    int cpu_cap;
    char *virt_type;
    char *cache_dir;
    char **paths;
} PvRunArgs;

static void
pv_run_args_clear(PvRunArgs *args)
{
    g_free(args->uri);
    g_free(args->config);
    g_free(args->filter);
    g_free(args->tags);
    g_free(args->timeout);
    g_free(args->prefix);
    g_free(args->results_dir);
    g_free(args->mem);
    g_free(args->host_reserve);
    g_free(args->cpu_overcommit);
    g_free(args->psi_threshold);
    g_free(args->save_events);
    g_free(args->junit);
    g_free(args->lock_dir);
    g_free(args->virt_type);
    g_free(args->cache_dir);
    g_strfreev(args->paths);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvRunArgs, pv_run_args_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvRunOptions, pv_run_options_clear)

static gboolean
pv_cmd_run_check(PvRunArgs *args, PvRunOptions *options, GError **error)
{
    if (args->timeout && !pv_duration_parse(args->timeout, &options->timeout_ns, error)) {
        g_prefix_error(error, "--timeout: ");
        return FALSE;
    }
    if (args->tags && !(options->tags = pv_tags_parse(args->tags, error)))
        return FALSE;
    if (args->prefix && !pv_run_check_prefix(args->prefix, error))
        return FALSE;
    if (args->mem && (!pv_size_parse(args->mem, &options->mem, error) || options->mem == 0)) {
        g_clear_error(error);
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--mem: invalid size '%s' (write e.g. 16G)"), args->mem);
        return FALSE;
    }
    if (args->host_reserve &&
        !pv_size_parse(args->host_reserve, &options->host_reserve, error)) {
        g_prefix_error(error, "--host-reserve: ");
        return FALSE;
    }
    if (args->cpus < 0 || args->jobs < 0 || args->boot_workers < 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("--cpus, --jobs and --boot-workers take a positive number"));
        return FALSE;
    }
    options->cpus = args->cpus;
    options->jobs = args->jobs;
    options->boot_workers = args->boot_workers;
    if (args->cpu_overcommit) {
        char *end = NULL;
        double x = g_ascii_strtod(args->cpu_overcommit, &end);

        /* 0 is a value like any other (clamped below), not "unset". */
        if (end == args->cpu_overcommit || *end || !isfinite(x)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("--cpu-overcommit: '%s' is not a number (write e.g. 1.5)"),
                        args->cpu_overcommit);
            return FALSE;
        }
        options->cpu_overcommit = x;
    }
    {
        gboolean clamped;
        double kept = pv_pool_clamp_overcommit(options->cpu_overcommit, &clamped);

        if (clamped)
            g_printerr(_("provium: --cpu-overcommit %g is outside [0.5, 8.0]; using %g\n"),
                       options->cpu_overcommit, kept);
        options->cpu_overcommit = kept;
    }
    if (args->psi_threshold &&
        !pv_psi_parse_threshold(args->psi_threshold, &options->psi_threshold, error))
        return FALSE;
    options->no_psi = args->no_psi;
    options->no_ksm = args->no_ksm;
    options->fail_fast = args->fail_fast;
    options->force = args->force;
    if (args->cpu_cap < 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("--cpu-cap takes a positive number of CPUs"));
        return FALSE;
    }
    options->lock_dir = g_steal_pointer(&args->lock_dir);
    options->perf_strict = args->perf_strict;
    options->no_perf_mode = args->no_perf_mode;
    options->cpu_cap = args->cpu_cap;
    if (args->events_stdout && args->json) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("--events-stdout and --json both write to standard output; "
                              "choose one (--save-events FILE keeps the stream too)"));
        return FALSE;
    }
    if (args->verbose && args->quiet) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("--verbose and --quiet contradict each other; choose one"));
        return FALSE;
    }
    if (args->config && !g_file_test(args->config, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE, _("--config: %s: no such file"),
                    args->config);
        return FALSE;
    }
    if (args->virt_type && !pv_virt_type_from_string(args->virt_type, &options->virt_type)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--virt-type: '%s' is not kvm, qemu or auto"), args->virt_type);
        return FALSE;
    }
    options->cache_dir = g_steal_pointer(&args->cache_dir);
    options->uri = g_steal_pointer(&args->uri);
    options->config_path = g_steal_pointer(&args->config);
    options->filter = g_steal_pointer(&args->filter);
    options->prefix = g_steal_pointer(&args->prefix);
    options->results_dir = g_steal_pointer(&args->results_dir);
    options->keep_failed = args->keep_failed;
    if (args->debug_on_failure) {
        /* The prompt's VMs stay for virsh console after it, as --keep-failed's. */
        options->keep_failed = TRUE;
        if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
            /* One file at a time: the prompt has the terminal, and no clock runs. */
            options->debug_on_failure = TRUE;
            options->jobs = 1;
        } else {
            g_printerr(_("provium: --debug-on-failure: standard input is not a terminal; "
                         "failed tests' domains are kept, as with --keep-failed\n"));
        }
    }
    options->verbosity = args->verbose ? PV_VERBOSITY_VERBOSE :
        args->quiet ? PV_VERBOSITY_QUIET : PV_VERBOSITY_NORMAL;
    return TRUE;
}

/*
 * Refuses to share a prefix with domains that already exist: they belong to
 * another run (or an earlier one that left them), and names would clash.
 * --force removes them first, if they are provium's; a domain provium did
 * not create is never touched.
 */
static gboolean
pv_cmd_run_check_prefix_free(PvRun *run, GError **error)
{
    virConnect *conn = pv_run_peek_conn(run);
    const char *prefix = pv_run_peek_prefix(run);
    virDomainPtr *domains = NULL;
    int n;
    g_autoptr(GString) taken = g_string_new(NULL);
    g_autofree char *foreign = NULL;
    guint count = 0;
    int i;

    if (pv_run_peek_options(run)->force &&
        pv_clean_domains(conn, prefix, TRUE, NULL, NULL, NULL, error) == 0 && error && *error)
        return FALSE;
    n = virConnectListAllDomains(conn, &domains, 0);
    if (n < 0) {
        virResetLastError();
        return TRUE;
    }
    for (i = 0; i < n; i++) {
        const char *name = virDomainGetName(domains[i]);
        g_auto(PvMetadata) metadata = { 0 };

        if (name && g_str_has_prefix(name, prefix)) {
            if (!foreign && !pv_metadata_get(domains[i], &metadata))
                foreign = g_strdup(name);
            if (count < 5)
                g_string_append_printf(taken, "%s%s", count ? ", " : "", name);
            count++;
        }
        virDomainFree(domains[i]);
    }
    free(domains);
    if (count == 0)
        return TRUE;
    if (foreign)
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("domain '%s' has the prefix '%s' but provium did not create it; "
                      "choose another --prefix"), foreign, prefix);
    else
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    g_dngettext(GETTEXT_PACKAGE,
                                "%u domain with prefix '%s' already exists (%s%s); remove it "
                                "with --force or 'provium clean --prefix %s', or choose another "
                                "--prefix",
                                "%u domains with prefix '%s' already exist (%s%s); remove them "
                                "with --force or 'provium clean --prefix %s', or choose another "
                                "--prefix", count),
                    count, prefix, taken->str, count > 5 ? ", ..." : "", prefix);
    return FALSE;
}

static GVariant *
pv_cmd_run_ksm_settings(const PvKsmSettings *settings)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_int(&fields, "run", settings->values[PV_KSM_RUN]);
    pv_event_add_int(&fields, "pages_to_scan", settings->values[PV_KSM_PAGES_TO_SCAN]);
    pv_event_add_int(&fields, "sleep_millisecs", settings->values[PV_KSM_SLEEP_MILLISECS]);
    return g_variant_builder_end(&fields);
}

static PvKsm *
pv_cmd_run_tune_ksm(PvRun *run)
{
    g_auto(GVariantBuilder) knobs = PV_EVENT_FIELDS_INIT;
    PvKsm *ksm;
    locale_t previous;

    if (pv_run_peek_options(run)->no_ksm || !pv_run_host_is_local(run))
        return NULL;
    /* Its message is recorded too (see pv-i18n.c). */
    previous = pv_i18n_untranslated_begin();
    ksm = pv_host_tune_ksm(PV_KSM_SYSFS_DIR, PV_KSM_STATE_DIR);
    pv_i18n_end(previous);
    g_printerr("%s\n", ksm->message);
    if (!ksm->have_previous) {
        pv_event_ksm_tuned(pv_run_peek_events(run), ksm->tuned, NULL, NULL, ksm->message);
        return ksm;
    }
    g_variant_builder_add(&knobs, "{sv}", "ksm_run",
                          g_variant_new_boolean(ksm->written.values[PV_KSM_RUN] == 1));
    pv_event_add_int(&knobs, "pages_to_scan", ksm->written.values[PV_KSM_PAGES_TO_SCAN]);
    pv_event_add_int(&knobs, "sleep_millisecs", ksm->written.values[PV_KSM_SLEEP_MILLISECS]);
    pv_event_ksm_tuned(pv_run_peek_events(run), ksm->tuned, g_variant_builder_end(&knobs),
                       pv_cmd_run_ksm_settings(&ksm->previous), ksm->message);
    return ksm;
}

/* The last provium run on the host to end puts the host's KSM settings back. */
static void
pv_cmd_run_restore_ksm(PvRun *run, PvKsm *ksm)
{
    locale_t previous = pv_i18n_untranslated_begin();
    g_autofree char *line = ksm ? pv_host_restore_ksm(ksm) : NULL;

    pv_i18n_end(previous);
    if (!line)
        return;
    g_printerr("%s\n", line);
    pv_event_ksm_restored(pv_run_peek_events(run), ksm->restored,
                          pv_cmd_run_ksm_settings(&ksm->previous), line);
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

static void
pv_cmd_run_status(const PvDispatchStatus *status, gpointer user_data)
{
    PvTerminal *terminal = user_data;
    g_autofree char *used = pv_size_format(status->used.memory);
    g_autofree char *total = pv_size_format(status->total.memory);
    g_autofree char *line = NULL;

    line = g_strdup_printf(_("[%u done, %u running, %u queued] pool: %s/%s, %g/%g vCPUs%s%s"),
                           status->done, status->running, status->queued, used, total,
                           status->used.mcpus / (double)PV_MCPU,
                           status->total.mcpus / (double)PV_MCPU,
                           status->head_blocked != PV_BLOCK_NONE ? _("; next waits: ") : "",
                           status->head_blocked != PV_BLOCK_NONE ?
                           pv_block_reason_to_string(status->head_blocked) : "");
    pv_terminal_set_status(terminal, line);
}

/* What the library has to say to people, on the terminal. */
static void
pv_cmd_run_note(const char *line, gpointer user_data)
{
    g_printerr("provium: %s\n", line);
}

/* @argv: the command line as given, before option parsing took from it */
static void
pv_cmd_run_emit_started(PvRun *run, char **argv)
{
    g_autofree char *uri = virConnectGetURI(pv_run_peek_conn(run));
    const char *reason = NULL;
    PvVirtType virt_auto = pv_run_get_virt_auto(run, &reason);

    pv_event_run_started(pv_run_peek_events(run), (const char *const *)argv, uri,
                         pv_run_peek_host(run), pv_run_peek_prefix(run), pv_run_peek_dir(run),
                         pv_run_get_pid(run),
                         pv_pool_get_total(pv_resources_peek_pool(pv_run_peek_resources(run))),
                         pv_run_get_host_cpus(run),
                         pv_virt_type_to_string(pv_run_peek_options(run)->virt_type),
                         pv_virt_type_to_string(virt_auto), reason);
}

static void
pv_cmd_run_discover_one(gpointer data, gpointer user_data)
{
    /* Why a file broke goes into the records (see pv-i18n.c). */
    locale_t previous = pv_i18n_untranslated_begin();

    pv_lua_discover_file(data, NULL);
    pv_i18n_end(previous);
}

/*
 * Discovery runs each file's top level: independent per file, so spread over
 * the CPUs; the events then come in discovery order.  With --tags, a file
 * none of whose tests is selected is dropped here: it is neither run nor
 * reported, so nothing of it boots, not even at its top level.
 */
static gboolean
pv_cmd_run_discover(PvRun *run, GPtrArray *files, GError **error)
{
    const PvRunOptions *options = pv_run_peek_options(run);
    GThreadPool *pool = g_thread_pool_new(pv_cmd_run_discover_one, NULL,
                                          MAX(g_get_num_processors(), 1), FALSE, NULL);
    guint i;

    for (i = 0; i < files->len; i++)
        g_thread_pool_push(pool, files->pdata[i], NULL);
    g_thread_pool_free(pool, FALSE, TRUE);
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
    for (i = 0; i < files->len; i++) {
        PvFile *file = files->pdata[i];
        const PvClaimSpec *claim = pv_file_peek_claim(file);
        g_autoptr(GPtrArray) tests = g_ptr_array_new();
        guint t;

        for (t = 0; t < pv_file_get_test_count(file); t++) {
            if (pv_file_test_is_selected(file, t))
                g_ptr_array_add(tests, (gpointer)pv_file_peek_test_name(file, t));
        }
        pv_event_file_discovered(pv_run_peek_events(run), pv_file_peek_path(file), tests,
                                 claim->memory, claim->cpus, claim->declared);
    }
    return TRUE;
}

typedef struct {
    PvRun *run;
    PvDispatcher *dispatcher;
    guint signals;
} PvCmdRunSignals;

/* How long a second signal waits for domains being created, to destroy them. */
#define PV_CMD_RUN_CREATE_WAIT_US (30 * G_USEC_PER_SEC)

/*
 * SIGINT or SIGTERM: the run stops, its domains are destroyed, the results
 * so far are printed.  A second one exits at once, waiting only for the
 * domains being created right now, which would come up after provium is
 * gone.
 */
static gboolean
pv_cmd_run_on_signal(gpointer user_data)
{
    PvCmdRunSignals *signals = user_data;
    PvDomainRegistry *domains = pv_run_peek_domains(signals->run);
    const char *message;

    signals->signals++;
    if (signals->signals > 1) {
        guint left = pv_domain_registry_close(domains, g_get_monotonic_time() +
                                              PV_CMD_RUN_CREATE_WAIT_US);

        pv_domain_registry_destroy_all(domains);
        if (left > 0)
            g_printerr(g_dngettext(GETTEXT_PACKAGE,
                                   "provium: %u domain of this run was still being created "
                                   "after 30s and may be left: look for prefix '%s' in virsh "
                                   "list --all\n",
                                   "provium: %u domains of this run were still being created "
                                   "after 30s and may be left: look for prefix '%s' in virsh "
                                   "list --all\n", left),
                       left, pv_run_peek_prefix(signals->run));
        message = N_("interrupted again; destroyed this run's domains, exiting");
        pv_event_run_interrupted(pv_run_peek_events(signals->run), signals->signals, message);
        g_printerr("provium: %s\n", _(message));
        _exit(PV_EXIT_CANCELLED);
    }
    message = N_("interrupted; stopping (interrupt again to exit at once)");
    pv_event_run_interrupted(pv_run_peek_events(signals->run), signals->signals, message);
    g_printerr("provium: %s\n", _(message));
    pv_dispatcher_interrupt(signals->dispatcher);
    /* No new domain, and those being created are destroyed as they start. */
    pv_domain_registry_close(domains, 0);
    pv_domain_registry_destroy_all(domains);
    return G_SOURCE_CONTINUE;
}

/*
 * The run's outcome, from the files themselves, never from a reporter:
 * run_finished, and the exit status.
 */
static int
pv_cmd_run_finish(PvRun *run, GPtrArray *files, gint64 started, gboolean cancelled)
{
    /* passed, failed, skipped, cancelled, errors, not_run */
    guint counts[6] = { 0 };
    guint failed_files = 0;
    guint i;

    for (i = 0; i < files->len; i++) {
        PvFileStatus status = pv_file_get_status(files->pdata[i]);
        guint tests[PV_TEST_STATUS_LAST];

        pv_file_count_results(files->pdata[i], tests);
        counts[0] += tests[PV_TEST_PASSED];
        counts[1] += tests[PV_TEST_FAILED];
        counts[2] += tests[PV_TEST_SKIPPED];
        counts[3] += status == PV_FILE_CANCELLED;
        counts[4] += status == PV_FILE_ERROR;
        counts[5] += status == PV_FILE_NOT_RUN;
        failed_files += status == PV_FILE_FAILED;
    }
    pv_event_run_finished(pv_run_peek_events(run), counts, pv_events_now_ns() - started,
                          pv_pool_get_used(pv_resources_peek_pool(pv_run_peek_resources(run))));
    if (cancelled)
        return PV_EXIT_CANCELLED;
    if (counts[4] > 0)
        return PV_EXIT_USAGE;
    return counts[1] > 0 || failed_files > 0 || counts[5] > 0 ? PV_EXIT_FAILED : PV_EXIT_OK;
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
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &args.uri,
          N_("libvirt URI, as for virsh (default: $LIBVIRT_DEFAULT_URI, else libvirt's)"),
          N_("URI") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &args.config,
          N_("Use this provium.conf instead of searching for one"), N_("FILE") },
        { "filter", 0, 0, G_OPTION_ARG_STRING, &args.filter,
          N_("Run only test files whose path contains SUBSTR"), N_("SUBSTR") },
        { "tags", 0, 0, G_OPTION_ARG_STRING, &args.tags,
          N_("Run only tests having any of these tags; !TAG excludes, e.g. 'net,!slow'"),
          N_("TAG,...") },
        { "timeout", 0, 0, G_OPTION_ARG_STRING, &args.timeout,
          N_("Time limit per file, e.g. 90s or 10m (default 5m; 0 disables)"),
          N_("DURATION") },
        { "prefix", 0, 0, G_OPTION_ARG_STRING, &args.prefix,
          N_("Prefix of this run's domain names (default: pv-<run>-)"), N_("P") },
        { "keep-failed", 0, 0, G_OPTION_ARG_NONE, &args.keep_failed,
          N_("Leave the domains of failed files running, and print their names"), NULL },
        { "debug-on-failure", 0, 0, G_OPTION_ARG_NONE, &args.debug_on_failure,
          N_("On a terminal, open a Lua prompt in a failed test, with its VMs kept; runs one "
             "file at a time (without a terminal: --keep-failed)"), NULL },
        { "results-dir", 0, 0, G_OPTION_ARG_FILENAME, &args.results_dir,
          N_("Where run directories go (default: .provium/runs)"), N_("DIR") },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &args.verbose,
          N_("Show test output (print, t:log) in each file's block"), NULL },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet,
          N_("Show only files that did not pass, and the summary"), NULL },
        { "version", 0, 0, G_OPTION_ARG_NONE, &args.version,
          N_("Print provium's version and exit"), NULL },
        { "mem", 0, 0, G_OPTION_ARG_STRING, &args.mem,
          /* xgettext:no-c-format */
          N_("Memory budget of the pool (default: 80% of the host's)"), N_("SIZE") },
        { "cpus", 0, 0, G_OPTION_ARG_INT, &args.cpus,
          N_("vCPU budget of the pool (default: the host's online CPUs)"), N_("N") },
        { "cpu-overcommit", 0, 0, G_OPTION_ARG_STRING, &args.cpu_overcommit,
          N_("Multiply the vCPU budget, 0.5 to 8.0 (default 1.0)"), N_("X") },
        { "jobs", 'j', 0, G_OPTION_ARG_INT, &args.jobs,
          N_("Run at most N files at once (default: as many as the pool allows)"), N_("N") },
        { "fail-fast", 0, 0, G_OPTION_ARG_NONE, &args.fail_fast,
          N_("Start no new file after one failed"), NULL },
        { "host-reserve", 0, 0, G_OPTION_ARG_STRING, &args.host_reserve,
          N_("Memory a boot must leave to the host (default 1.5G)"), N_("SIZE") },
        { "boot-workers", 0, 0, G_OPTION_ARG_INT, &args.boot_workers,
          N_("Boot at most N domains at once (default: as many vCPUs as host CPUs)"),
          N_("N") },
        { "psi-threshold", 0, 0, G_OPTION_ARG_STRING, &args.psi_threshold,
          N_("Above this pressure, start no new work while other work runs (as make -l): "
             "PCT (CPU) or cpu=PCT,memory=PCT "
             "(default cpu=50,memory=10)"), N_("PCT") },
        { "no-psi", 0, 0, G_OPTION_ARG_NONE, &args.no_psi,
          N_("Ignore host pressure (PSI)"), NULL },
        { "no-ksm", 0, 0, G_OPTION_ARG_NONE, &args.no_ksm,
          N_("Leave KSM alone and mark domains <nosharepages/>"), NULL },
        { "force", 0, 0, G_OPTION_ARG_NONE, &args.force,
          N_("Remove provium's domains with this run's prefix before starting"), NULL },
        { "save-events", 0, 0, G_OPTION_ARG_FILENAME, &args.save_events,
          N_("Also write the event stream (msgpack) to FILE"), N_("FILE") },
        { "events-stdout", 0, 0, G_OPTION_ARG_NONE, &args.events_stdout,
          N_("Write the event stream to standard output; people's output goes to stderr"),
          NULL },
        { "junit", 0, 0, G_OPTION_ARG_FILENAME, &args.junit,
          N_("Write a JUnit XML report to FILE"), N_("FILE") },
        { "lock-dir", 0, 0, G_OPTION_ARG_FILENAME, &args.lock_dir,
          N_("Where performance mode's LLC locks live (default /run/provium/locks)"),
          N_("DIR") },
        { "perf-strict", 0, 0, G_OPTION_ARG_NONE, &args.perf_strict,
          N_("Fail, rather than skip, tests whose performance mode the host cannot give"),
          NULL },
        { "no-perf-mode", 0, 0, G_OPTION_ARG_NONE, &args.no_perf_mode,
          N_("Run performance-mode VMs as ordinary VMs on a shared CPU set"), NULL },
        { "cpu-cap", 0, 0, G_OPTION_ARG_INT, &args.cpu_cap,
          /* xgettext:no-c-format */
          N_("With --no-perf-mode: the shared CPU set's size (default 30% of online CPUs)"),
          N_("N") },
        { "virt-type", 0, 0, G_OPTION_ARG_STRING, &args.virt_type,
          N_("Accelerator: kvm, qemu (plain emulation) or auto, KVM where QEMU can really "
             "use it (default auto)"), N_("kvm|qemu|auto") },
        { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &args.cache_dir,
          N_("Where provium caches what it learned of the host (default /var/cache/provium "
             "as root, else $XDG_CACHE_HOME/provium)"), N_("DIR") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
          N_("Print one JSON object per file on standard output; people's output goes "
             "to stderr"), NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.paths, NULL,
          N_("[PATH...]") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    /* Option parsing takes from argv: run_started records it whole. */
    g_auto(GStrv) given = g_strdupv(argv);
    g_autoptr(GPtrArray) paths = NULL;
    g_autoptr(GPtrArray) files = NULL;
    g_autoptr(PvRun) run = NULL;
    g_autoptr(PvTerminal) terminal = NULL;
    g_autoptr(PvDispatcher) dispatcher = NULL;
    g_autoptr(PvTerminal) file_logs = NULL;
    g_autoptr(PvJunit) junit = NULL;
    g_autoptr(PvJson) json = NULL;
    g_autoptr(PvKsm) ksm = NULL;
    PvCmdRunSignals signals = { 0 };
    guint signal_ids[2];
    PvEvents *events;
    FILE *human;
    gint64 started = pv_events_now_ns();
    int status;
    guint i;

    if (fixtures)
        g_option_context_set_summary(context,
            _("Builds every fixture (*.fixture.lua) under the PATHs (default: the current\n"
              "directory) that the fixture cache lacks, as a test would, so that the test\n"
              "files that use them restore them at once.  Takes the options of a run."));
    else
        g_option_context_set_summary(context,
            _("Runs every *.test.lua file under the PATHs (default: the current directory),\n"
              "in sorted order, booting libvirt domains for the tests' VMs.\n\n"
              "Other commands:\n"
              "  provium list [PATH...]     list test files and their tests\n"
              "  provium clean [--prefix P] destroy domains provium left behind\n"
              "  provium events FILE        print an event stream as JSON lines\n"
              "  provium report FILE        a run's figures, leak check and timeline (--svg)\n"
              "  provium locks              who holds performance mode's LLC groups\n"
              "  provium doctor             can this host run the tests, and how well\n"
              "  provium fixture build|list|prune   the cache of prepared VMs"));
    g_option_context_set_description(context,
        _("Exit status: 0 when every test passed, 1 when a test failed, 2 for usage,\n"
          "configuration or broken test files, 130 when interrupted.\n\n"
          "See provium(1)."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    if (!pv_cmd_parse(context, &argc, &argv, out_error))
        return PV_EXIT_USAGE;
    pv_run_options_init(&options);
    if (args.version) {
        g_print("provium %s\n", PACKAGE_VERSION);
        return PV_EXIT_OK;
    }
    if (!pv_cmd_run_check(&args, &options, &error))
        goto usage;

    paths = pv_discover_suffix((const char *const *)args.paths, options.filter,
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
        !pv_cmd_run_check_prefix_free(run, &error) || !pv_run_prepare_dir(run, &error))
        goto usage;
    events = pv_run_peek_events(run);
    if (args.save_events && !pv_events_add_file(events, args.save_events, &error)) {
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
        junit = pv_junit_new(args.junit, pv_run_peek_host(run));
        pv_events_add_listener(events, pv_junit_on_event, junit);
    }
    if (args.json) {
        json = pv_json_new(stdout);
        pv_events_add_listener(events, pv_json_on_event, json);
    }
    pv_cmd_run_emit_started(run, given);
    if (options.verbosity == PV_VERBOSITY_VERBOSE && options.virt_type == PV_VIRT_AUTO) {
        const char *reason = NULL;

        pv_run_get_virt_auto(run, &reason);
        g_printerr(_("provium: --virt-type auto: %s\n"), reason);
    }
    ksm = pv_cmd_run_tune_ksm(run);
    if (options.no_perf_mode)
        g_printerr(_("provium: --no-perf-mode: performance-mode VMs run as ordinary VMs on a "
                     "shared CPU set; pinning, NUMA binding, hugepages and realtime do not "
                     "apply\n"));
    if (!pv_cmd_run_discover(run, files, &error)) {
        pv_cmd_run_restore_ksm(run, ksm);
        goto usage;
    }

    dispatcher = pv_dispatcher_new(run, files, pv_lua_run_file);
    /* A status line would write over the prompt. */
    if (!options.debug_on_failure)
        pv_dispatcher_set_status_func(dispatcher, pv_cmd_run_status, terminal);
    signals.run = run;
    signals.dispatcher = dispatcher;
    signal_ids[0] = g_unix_signal_add(SIGINT, pv_cmd_run_on_signal, &signals);
    signal_ids[1] = g_unix_signal_add(SIGTERM, pv_cmd_run_on_signal, &signals);
    pv_dispatcher_run(dispatcher);
    g_source_remove(signal_ids[0]);
    g_source_remove(signal_ids[1]);
    /* The last safety net: nothing of this run outlives it unless kept. */
    pv_domain_registry_destroy_all(pv_run_peek_domains(run));
    pv_cmd_run_restore_ksm(run, ksm);
    status = pv_cmd_run_finish(run, files, started, pv_dispatcher_was_cancelled(dispatcher));
    pv_run_flush_writes(run);
    if (junit && !pv_junit_write(junit, &error))
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
