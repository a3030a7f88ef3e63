/*
 * cmd-run-options.c: the run command's options, from the command line and
 * provium.conf's [run] group
 *
 * The command line is parsed into PvRunArgs (as given), then the [run]
 * group of the provium.conf the run uses fills in what the command line did
 * not give, then everything is checked into PvRunOptions.  A value from
 * [run] is checked as the same option on the command line would be, and a
 * mistake names its file and line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <math.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#define PV_CMD_RUN_PRIVATE
#include "cmd-run-options.h"
#include "pv-config.h"
#include "pv-error.h"
#include "pv-order.h"
#include "pv-results.h"
#include "pv-safe.h"
#include "pv-shard.h"
#include "pv-tags.h"
#include "pv-units.h"

void
pv_run_args_clear(PvRunArgs *args)
{
    g_free(args->uri);
    g_strfreev(args->uris);
    g_free(args->hosts);
    g_clear_pointer(&args->config_hosts, g_ptr_array_unref);
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
    g_free(args->html);
    g_free(args->lock_dir);
    g_free(args->virt_type);
    g_free(args->cache_dir);
    g_free(args->order);
    g_free(args->shard);
    g_free(args->history);
    g_strfreev(args->paths);
    g_free(args->config_used);
}

/* Nothing given: the int options know "not given" from 0. */
static void
pv_run_args_init(PvRunArgs *args)
{
    memset(args, 0, sizeof(*args));
    args->cpus = args->jobs = args->retries = args->boot_workers = PV_ARG_UNSET;
    args->cpu_cap = args->keep_runs = PV_ARG_UNSET;
}

/**
 * pv_cmd_run_parse_args:
 * @fixtures: for provium fixture build: its summary in --help
 *
 * The command line into @args; int options not given are PV_ARG_UNSET.
 */
gboolean
pv_cmd_run_parse_args(int *argc, char ***argv, gboolean fixtures, PvRunArgs *args,
                      GError **error)
{
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &args->uris,
          N_("libvirt URI, as for virsh (default: $LIBVIRT_DEFAULT_URI, else libvirt's); "
             "give it again for more hosts: each file runs whole on one of them, the first "
             "is the default"), N_("URI") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &args->config,
          N_("Use this provium.conf instead of searching for one"), N_("FILE") },
        { "filter", 0, 0, G_OPTION_ARG_STRING, &args->filter,
          N_("Run only test files whose path contains SUBSTR"), N_("SUBSTR") },
        { "tags", 0, 0, G_OPTION_ARG_STRING, &args->tags,
          N_("Run only tests having any of these tags; !TAG excludes, e.g. 'net,!slow'"),
          N_("TAG,...") },
        { "timeout", 0, 0, G_OPTION_ARG_STRING, &args->timeout,
          N_("Time limit per file, e.g. 90s or 10m (default 5m; 0 disables)"),
          N_("DURATION") },
        { "prefix", 0, 0, G_OPTION_ARG_STRING, &args->prefix,
          N_("Prefix of this run's domain names (default: pv-<run>-)"), N_("P") },
        { "keep-failed", 0, 0, G_OPTION_ARG_NONE, &args->keep_failed,
          N_("Leave the domains of failed files running, and print their names"), NULL },
        { "debug-on-failure", 0, 0, G_OPTION_ARG_NONE, &args->debug_on_failure,
          N_("On a terminal, open a Lua prompt in a failed test, with its VMs kept; runs one "
             "file at a time (without a terminal: --keep-failed)"), NULL },
        /* Hidden: provium shell's generated file opens its prompt (cmd-shell.c). */
        { "shell-prompt", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &args->shell, NULL,
          NULL },
        { "rerun-failed", 0, 0, G_OPTION_ARG_NONE, &args->rerun_failed,
          N_("Run only the files that failed in the latest run (of --results-dir) and are "
             "under the PATHs (default: the current directory); with --shard K/N, those of "
             "the latest run of share K/N, not split again"), NULL },
        { "retries", 0, 0, G_OPTION_ARG_INT, &args->retries,
          N_("Run a failed file again, up to N times; a test that fails and then passes "
             "is reported flaky (default 0)"), N_("N") },
        { "results-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->results_dir,
          N_("Where run directories go (default: .provium/runs)"), N_("DIR") },
        { "keep-runs", 0, 0, G_OPTION_ARG_INT, &args->keep_runs,
          N_("Keep the last N run directories, removing older ones (default 20; 0 keeps "
             "all)"), N_("N") },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &args->verbose,
          N_("Show test output (print, t:log) in each file's block"), NULL },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args->quiet,
          N_("Show only files that did not pass, and the summary"), NULL },
        { "version", 0, 0, G_OPTION_ARG_NONE, &args->version,
          N_("Print provium's version and exit"), NULL },
        { "mem", 0, 0, G_OPTION_ARG_STRING, &args->mem,
          /* xgettext:no-c-format */
          N_("Memory budget of the pool (default: 80% of the host's)"), N_("SIZE") },
        { "cpus", 0, 0, G_OPTION_ARG_INT, &args->cpus,
          N_("vCPU budget of the pool (default: the host's online CPUs)"), N_("N") },
        { "cpu-overcommit", 0, 0, G_OPTION_ARG_STRING, &args->cpu_overcommit,
          N_("Multiply the vCPU budget, 0.5 to 8.0 (default 1.0)"), N_("X") },
        { "jobs", 'j', 0, G_OPTION_ARG_INT, &args->jobs,
          N_("Run at most N files at once (default: as many as the pool allows)"), N_("N") },
        { "fail-fast", 0, 0, G_OPTION_ARG_NONE, &args->fail_fast,
          N_("Start no new file after one failed"), NULL },
        { "host-reserve", 0, 0, G_OPTION_ARG_STRING, &args->host_reserve,
          N_("Memory a boot must leave to the host (default 1.5G)"), N_("SIZE") },
        { "boot-workers", 0, 0, G_OPTION_ARG_INT, &args->boot_workers,
          N_("Boot at most N domains at once (default: as many vCPUs as host CPUs)"),
          N_("N") },
        { "psi-threshold", 0, 0, G_OPTION_ARG_STRING, &args->psi_threshold,
          N_("Above this pressure, start no new work while other work runs (as make -l): "
             "PCT (CPU) or cpu=PCT,memory=PCT "
             "(default cpu=50,memory=10)"), N_("PCT") },
        { "no-psi", 0, 0, G_OPTION_ARG_NONE, &args->no_psi,
          N_("Ignore host pressure (PSI)"), NULL },
        { "no-ksm", 0, 0, G_OPTION_ARG_NONE, &args->no_ksm,
          N_("Leave KSM alone and mark domains <nosharepages/>"), NULL },
        { "force", 0, 0, G_OPTION_ARG_NONE, &args->force,
          N_("Remove provium's domains with this run's prefix before starting"), NULL },
        { "save-events", 0, 0, G_OPTION_ARG_FILENAME, &args->save_events,
          N_("Also write the event stream (msgpack) to FILE"), N_("FILE") },
        { "events-stdout", 0, 0, G_OPTION_ARG_NONE, &args->events_stdout,
          N_("Write the event stream to standard output; people's output goes to stderr"),
          NULL },
        { "junit", 0, 0, G_OPTION_ARG_FILENAME, &args->junit,
          N_("Write a JUnit XML report to FILE"), N_("FILE") },
        { "html", 0, 0, G_OPTION_ARG_FILENAME, &args->html,
          N_("Write a report page to FILE as the run ends (one HTML file that works "
             "offline)"), N_("FILE") },
        { "lock-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->lock_dir,
          N_("Where performance mode's LLC locks live (default /run/provium/locks)"),
          N_("DIR") },
        { "perf-strict", 0, 0, G_OPTION_ARG_NONE, &args->perf_strict,
          N_("Fail, rather than skip, tests whose performance mode the host cannot give"),
          NULL },
        { "no-perf-mode", 0, 0, G_OPTION_ARG_NONE, &args->no_perf_mode,
          N_("Run performance-mode VMs as ordinary VMs on a shared CPU set"), NULL },
        { "cpu-cap", 0, 0, G_OPTION_ARG_INT, &args->cpu_cap,
          /* xgettext:no-c-format */
          N_("With --no-perf-mode: the shared CPU set's size (default 30% of online CPUs)"),
          N_("N") },
        { "virt-type", 0, 0, G_OPTION_ARG_STRING, &args->virt_type,
          N_("Accelerator: kvm, qemu (plain emulation) or auto, KVM where QEMU can really "
             "use it (default auto)"), N_("kvm|qemu|auto") },
        { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->cache_dir,
          N_("Where provium caches what it learned of the host (default /var/cache/provium "
             "as root, else $XDG_CACHE_HOME/provium)"), N_("DIR") },
        { "order", 0, 0, G_OPTION_ARG_STRING, &args->order,
          N_("The order files start in: longest-first, by their duration history (the "
             "default; discovery order without one), or fifo, discovery order"),
          N_("fifo|longest-first") },
        { "shard", 0, 0, G_OPTION_ARG_STRING, &args->shard,
          N_("Run share K of N of the selected files, for one of N CI jobs: by expected "
             "duration (time:, the default), hash: or slice:; env takes GitLab's "
             "CI_NODE_INDEX/CI_NODE_TOTAL or Bazel's TEST_SHARD_INDEX/TEST_TOTAL_SHARDS"),
          N_("[MODE:]K/N|env") },
        { "history", 0, 0, G_OPTION_ARG_FILENAME, &args->history,
          N_("The duration history to read and update (default: history.json in the "
             "results directory)"), N_("FILE") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &args->json,
          N_("Print one JSON object per file on standard output; people's output goes "
             "to stderr"), NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args->paths, NULL,
          N_("[PATH...]") },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);

    pv_run_args_init(args);
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
              "  provium history merge OUT IN...   combine the duration histories of shards\n"
              "  provium locks              who holds performance mode's LLC groups\n"
              "  provium doctor             can this host run the tests, and how well\n"
              "  provium shell [PROFILE]    boot one VM and open a Lua prompt with it\n"
              "  provium fixture build|list|prune   the cache of prepared VMs\n\n"
              "-c URI, --config FILE, -v and -q may also come before a command's name."));
    g_option_context_set_description(context,
        _("Exit status: 0 when every test passed, 1 when a test failed, 2 for usage,\n"
          "configuration or broken test files, 130 when interrupted.\n\n"
          "See provium(1)."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    return pv_cmd_parse(context, argc, argv, error);
}

/* touch(1) @path: made if missing, its times set to now; a link is not followed. */
static gboolean
pv_cmd_run_touch(const char *path, GError **error)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);

    if (fd < 0 || futimens(fd, NULL) < 0) {
        int saved = errno;

        if (fd >= 0)
            close(fd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, "%s: %s", path, g_strerror(saved));
        return FALSE;
    }
    close(fd);
    return TRUE;
}

/*
 * --shard: parsed; "env" resolved from the environment, Bazel's status
 * file touched as its test encyclopedia asks of a runner that shards.
 */
static gboolean
pv_cmd_run_check_shard(const char *text, PvShard *shard, GError **error)
{
    g_auto(GStrv) envp = NULL;
    g_autofree char *status_file = NULL;
    g_autoptr(GError) touch_error = NULL;

    if (!pv_shard_parse(text, shard, error))
        return FALSE;
    if (!shard->from_env)
        return TRUE;
    envp = g_get_environ();
    if (!pv_shard_from_env((const char *const *)envp, shard, &status_file, error))
        return FALSE;
    if (status_file && !pv_cmd_run_touch(status_file, &touch_error))
        g_printerr(_("provium: --shard env: cannot touch TEST_SHARD_STATUS_FILE: %s\n"),
                   touch_error->message);
    return TRUE;
}

/**
 * pv_cmd_check_history:
 * @text: --history FILE
 * @path: (out) (transfer full): FILE, absolute
 *
 * FILE need not exist (a CI's first run has no cache), but its directory
 * must, and it must not be a directory.
 */
gboolean
pv_cmd_check_history(const char *text, char **path, GError **error)
{
    g_autofree char *abs_path = NULL;
    g_autofree char *dir = NULL;

    if (!*text) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("--history: the file name is empty"));
        return FALSE;
    }
    abs_path = g_canonicalize_filename(text, NULL);
    dir = g_path_get_dirname(abs_path);
    if (g_file_test(abs_path, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--history: %s is a directory; name the history file in it"), text);
        return FALSE;
    }
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--history: %s: no such directory"), dir);
        return FALSE;
    }
    /* A run writes it back when it ends. */
    if (!pv_safe_check_output(abs_path, TRUE, error)) {
        g_prefix_error(error, "--history: ");
        return FALSE;
    }
    g_free(*path);
    *path = g_steal_pointer(&abs_path);
    return TRUE;
}

/*
 * The run's hosts: each -c, else [run] hosts (resolved by
 * pv_cmd_run_apply_config()), else [run] connect or libvirt's default.  The
 * first is the default host.
 */
static gboolean
pv_cmd_run_check_hosts(PvRunArgs *args, PvRunOptions *options, GError **error)
{
    g_autoptr(GPtrArray) hosts = NULL;
    guint i;
    guint j;

    if (args->uris && args->uris[0]) {
        hosts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_run_host_free);
        for (i = 0; args->uris[i]; i++) {
            PvRunHost *host;

            for (j = 0; j < i; j++) {
                if (g_str_equal(args->uris[j], args->uris[i])) {
                    g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                                _("-c: '%s' is given twice: give each host once"),
                                args->uris[i]);
                    return FALSE;
                }
            }
            host = g_new0(PvRunHost, 1);
            host->uri = g_strdup(args->uris[i]);
            g_ptr_array_add(hosts, host);
        }
    } else if (args->config_hosts) {
        hosts = g_steal_pointer(&args->config_hosts);
    } else {
        PvRunHost *host = g_new0(PvRunHost, 1);

        hosts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_run_host_free);
        host->uri = g_strdup(args->uri);
        g_ptr_array_add(hosts, host);
    }
    g_free(options->uri);
    options->uri = g_strdup(((PvRunHost *)hosts->pdata[0])->uri);
    if (options->hosts)
        g_ptr_array_unref(options->hosts);
    options->hosts = g_steal_pointer(&hosts);
    return TRUE;
}

/**
 * pv_cmd_run_check:
 * @quiet: say nothing (a [run] value checked alone)
 *
 * Checks @args into @options, which pv_run_options_init() set.
 */
gboolean
pv_cmd_run_check(PvRunArgs *args, PvRunOptions *options, gboolean quiet, GError **error)
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
    if (args->retries != PV_ARG_UNSET && args->retries < 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--retries: %d is not a number of retries (0 or more)"), args->retries);
        return FALSE;
    }
    if (args->keep_runs != PV_ARG_UNSET && args->keep_runs < 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--keep-runs: %d is not a number of runs (0 keeps all)"), args->keep_runs);
        return FALSE;
    }
    if (args->retries != PV_ARG_UNSET)
        options->retries = args->retries;
    if (args->keep_runs != PV_ARG_UNSET)
        options->keep_runs = args->keep_runs;
    if ((args->cpus != PV_ARG_UNSET && args->cpus < 0) ||
        (args->jobs != PV_ARG_UNSET && args->jobs < 0) ||
        (args->boot_workers != PV_ARG_UNSET && args->boot_workers < 0)) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_USAGE,
                            _("--cpus, --jobs and --boot-workers take a positive number"));
        return FALSE;
    }
    options->cpus = args->cpus == PV_ARG_UNSET ? 0 : args->cpus;
    options->jobs = args->jobs == PV_ARG_UNSET ? 0 : args->jobs;
    options->boot_workers = args->boot_workers == PV_ARG_UNSET ? 0 : args->boot_workers;
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

        if (clamped && !quiet)
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
    if (args->cpu_cap == PV_ARG_UNSET)
        args->cpu_cap = 0;
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
    if (args->results_dir && !*args->results_dir) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--results-dir: an empty path; give a directory (without the option: "
                      "%s)"), PV_RESULTS_DIR_DEFAULT);
        return FALSE;
    }
    /* Written when the run ends: a mistake must not wait until then. */
    if (args->junit && !pv_safe_check_output(args->junit, TRUE, error)) {
        g_prefix_error(error, "--junit: ");
        return FALSE;
    }
    if (args->save_events && !pv_safe_check_output(args->save_events, FALSE, error)) {
        g_prefix_error(error, "--save-events: ");
        return FALSE;
    }
    if (args->html && !pv_safe_check_output(args->html, TRUE, error)) {
        g_prefix_error(error, "--html: ");
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
    if (args->shard && !pv_cmd_run_check_shard(args->shard, &options->shard, error))
        return FALSE;
    if (args->history && !pv_cmd_check_history(args->history, &options->history, error))
        return FALSE;
    if (args->order && !pv_order_from_string(args->order, &options->order)) {
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("--order: '%s' is not fifo or longest-first"), args->order);
        return FALSE;
    }
    options->cache_dir = g_steal_pointer(&args->cache_dir);
    if (!pv_cmd_run_check_hosts(args, options, error))
        return FALSE;
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
        } else if (!quiet) {
            g_printerr(_("provium: --debug-on-failure: standard input is not a terminal; "
                         "failed tests' domains are kept, as with --keep-failed\n"));
        }
    }
    if (args->shell) {
        /* provium shell checked for a terminal; the prompt has it to itself. */
        options->shell = TRUE;
        options->jobs = 1;
    }
    options->verbosity = args->verbose ? PV_VERBOSITY_VERBOSE :
        args->quiet ? PV_VERBOSITY_QUIET : PV_VERBOSITY_NORMAL;
    return TRUE;
}

typedef enum {
    PV_RUN_KEY_STRING,
    PV_RUN_KEY_INT,
    PV_RUN_KEY_SWITCH,
} PvRunKeyKind;

/* Each key of [run] (pv_config_run_keys()) and the option it stands for. */
static const struct {
    const char *key;
    PvRunKeyKind kind;
    gsize offset;
} pv_run_key_map[] = {
    { "connect", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, uri) },
    { "hosts", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, hosts) },
    { "mem", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, mem) },
    { "cpus", PV_RUN_KEY_INT, G_STRUCT_OFFSET(PvRunArgs, cpus) },
    { "cpu-overcommit", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, cpu_overcommit) },
    { "jobs", PV_RUN_KEY_INT, G_STRUCT_OFFSET(PvRunArgs, jobs) },
    { "timeout", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, timeout) },
    { "host-reserve", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, host_reserve) },
    { "boot-workers", PV_RUN_KEY_INT, G_STRUCT_OFFSET(PvRunArgs, boot_workers) },
    { "psi-threshold", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, psi_threshold) },
    { "retries", PV_RUN_KEY_INT, G_STRUCT_OFFSET(PvRunArgs, retries) },
    { "results-dir", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, results_dir) },
    { "keep-runs", PV_RUN_KEY_INT, G_STRUCT_OFFSET(PvRunArgs, keep_runs) },
    { "virt-type", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, virt_type) },
    { "order", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, order) },
    { "cache-dir", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, cache_dir) },
    { "lock-dir", PV_RUN_KEY_STRING, G_STRUCT_OFFSET(PvRunArgs, lock_dir) },
    { "cpu-cap", PV_RUN_KEY_INT, G_STRUCT_OFFSET(PvRunArgs, cpu_cap) },
    { "fail-fast", PV_RUN_KEY_SWITCH, G_STRUCT_OFFSET(PvRunArgs, fail_fast) },
    { "no-psi", PV_RUN_KEY_SWITCH, G_STRUCT_OFFSET(PvRunArgs, no_psi) },
    { "no-ksm", PV_RUN_KEY_SWITCH, G_STRUCT_OFFSET(PvRunArgs, no_ksm) },
    { "keep-failed", PV_RUN_KEY_SWITCH, G_STRUCT_OFFSET(PvRunArgs, keep_failed) },
    { "perf-strict", PV_RUN_KEY_SWITCH, G_STRUCT_OFFSET(PvRunArgs, perf_strict) },
    { "no-perf-mode", PV_RUN_KEY_SWITCH, G_STRUCT_OFFSET(PvRunArgs, no_perf_mode) },
};

/*
 * Sets @setting in @args unless the command line gave it.  A path
 * (results-dir, cache-dir, lock-dir) is relative to the file's directory.
 */
static gboolean
pv_cmd_run_apply_setting(PvRunArgs *args, const PvConfigSetting *setting,
                         const char *config_dir, GError **error)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(pv_run_key_map); i++) {
        gpointer field = G_STRUCT_MEMBER_P(args, pv_run_key_map[i].offset);

        if (!g_str_equal(pv_run_key_map[i].key, setting->key))
            continue;
        switch (pv_run_key_map[i].kind) {
        case PV_RUN_KEY_STRING:
            /* An empty results-dir stays so, for pv_cmd_run_check() to refuse. */
            if (!*(char **)field)
                *(char **)field = g_str_has_suffix(setting->key, "-dir") &&
                    (*setting->value || !g_str_equal(setting->key, "results-dir")) ?
                    g_canonicalize_filename(setting->value, config_dir) :
                    g_strdup(setting->value);
            return TRUE;
        case PV_RUN_KEY_INT: {
            gint64 n = 0;

            if (!g_ascii_string_to_signed(setting->value, 10, 0, G_MAXINT, &n, NULL)) {
                g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                            _("'%s' is not a number (0 or more)"), setting->value);
                return FALSE;
            }
            if (*(int *)field == PV_ARG_UNSET)
                *(int *)field = n;
            return TRUE;
        }
        case PV_RUN_KEY_SWITCH:
            if (!g_ascii_strcasecmp(setting->value, "true") ||
                !g_ascii_strcasecmp(setting->value, "yes") || g_str_equal(setting->value, "1")) {
                *(gboolean *)field = TRUE;
            } else if (g_ascii_strcasecmp(setting->value, "false") &&
                       g_ascii_strcasecmp(setting->value, "no") &&
                       !g_str_equal(setting->value, "0")) {
                g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                            _("'%s' is not true or false"), setting->value);
                return FALSE;
            }
            return TRUE;
        }
    }
    g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                _("this provium does not know the option '%s'"), setting->key);
    return FALSE;
}

/**
 * pv_cmd_find_config:
 * @config: (nullable): --config
 * @paths: (nullable): the PATHs
 * @refused: (out) (transfer full) (nullable): pv_config_find()'s
 *
 * Returns: (transfer full) (nullable): the provium.conf a run uses for
 *   [run] and as its corpus root: --config, else the first PATH's
 */
char *
pv_cmd_find_config(const char *config, char **paths, char **refused)
{
    const char *first = paths && paths[0] ? paths[0] : ".";
    g_autofree char *probe = NULL;

    *refused = NULL;
    if (config)
        return g_strdup(config);
    /* pv_config_find() starts beside a test file: one in the directory. */
    probe = g_file_test(first, G_FILE_TEST_IS_DIR) ?
        g_build_filename(first, "provium.test.lua", NULL) : g_strdup(first);
    return pv_config_find(probe, refused);
}

/*
 * A [host NAME] group into @host: each key checked as the run option of
 * the same name would be (a mistake names its line); what it does not
 * give stays 0, the run's.
 */
static gboolean
pv_cmd_run_load_host(PvConfig *config, const PvConfigHost *group, PvRunHost *host,
                     GError **error)
{
    g_auto(PvRunArgs) alone = { 0 };
    g_auto(PvRunOptions) options = { 0 };
    guint i;

    pv_run_args_init(&alone);
    pv_run_options_init(&options);
    for (i = 0; i < group->settings->len; i++) {
        const PvConfigSetting *setting = group->settings->pdata[i];
        g_auto(PvRunArgs) one = { 0 };
        g_auto(PvRunOptions) checked = { 0 };

        if (g_str_equal(setting->key, "uri"))
            continue;
        pv_run_args_init(&one);
        pv_run_options_init(&checked);
        if (!pv_cmd_run_apply_setting(&one, setting, NULL, error) ||
            !pv_cmd_run_check(&one, &checked, TRUE, error) ||
            !pv_cmd_run_apply_setting(&alone, setting, NULL, error)) {
            g_prefix_error(error, "%s:%u: [host %s] %s: ", pv_config_peek_path(config),
                           setting->line, group->name, setting->key);
            if ((*error)->domain == PV_ERROR)
                (*error)->code = PV_ERROR_CONFIG;
            return FALSE;
        }
    }
    if (!pv_cmd_run_check(&alone, &options, TRUE, error))
        return FALSE;
    host->name = g_strdup(group->name);
    host->uri = g_strdup(group->uri);
    host->mem = options.mem;
    host->cpus = options.cpus;
    host->cpu_overcommit = alone.cpu_overcommit ? options.cpu_overcommit : 0;
    host->boot_workers = options.boot_workers;
    host->jobs = options.jobs;
    return TRUE;
}

/*
 * Every [host NAME] group is checked; [run] hosts = NAME, NAME names the
 * run's hosts by their groups (not by URI: a URI goes in the group, or to
 * -c), the first the default.  -c on the command line takes their place.
 */
static gboolean
pv_cmd_run_apply_hosts(PvRunArgs *args, PvConfig *config, GError **error)
{
    GPtrArray *groups = pv_config_peek_hosts(config);
    GPtrArray *settings = pv_config_peek_run_settings(config);
    g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_run_host_free);
    const PvConfigSetting *line = NULL;
    g_auto(GStrv) names = NULL;
    guint connect_line = 0;
    guint i;
    guint j;

    for (i = 0; i < groups->len; i++) {
        g_autoptr(PvRunHost) host = g_new0(PvRunHost, 1);

        if (!pv_cmd_run_load_host(config, groups->pdata[i], host, error))
            return FALSE;
    }
    for (i = 0; i < settings->len; i++) {
        const PvConfigSetting *setting = settings->pdata[i];

        if (g_str_equal(setting->key, "hosts"))
            line = setting;
        else if (g_str_equal(setting->key, "connect"))
            connect_line = setting->line;
    }
    if (!line)
        return TRUE;
    if (connect_line) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s:%u: [run] hosts: [run] connect (line %u) names a host too; keep "
                      "one of them"), pv_config_peek_path(config), line->line, connect_line);
        return FALSE;
    }
    names = g_strsplit(line->value, ",", -1);
    for (i = 0; names[i]; i++) {
        const char *name = g_strstrip(names[i]);
        const PvConfigHost *group;
        PvRunHost *host;

        if (!*name)
            continue;
        group = pv_config_lookup_host(config, name);
        if (!group) {
            g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                        _("%s:%u: [run] hosts: no [host %s] in this file; declare it (with "
                          "uri = the host's libvirt URI) or give the URI with -c"),
                        pv_config_peek_path(config), line->line, name);
            return FALSE;
        }
        for (j = 0; j < hosts->len; j++) {
            PvRunHost *other = hosts->pdata[j];

            if (g_str_equal(other->name, name) || g_str_equal(other->uri, group->uri)) {
                g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                            _("%s:%u: [run] hosts: '%s' and '%s' are the same host (%s); name "
                              "each host once"), pv_config_peek_path(config), line->line,
                            other->name, name, group->uri);
                return FALSE;
            }
        }
        host = g_new0(PvRunHost, 1);
        g_ptr_array_add(hosts, host);
        if (!pv_cmd_run_load_host(config, group, host, error))
            return FALSE;
    }
    if (hosts->len == 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                    _("%s:%u: [run] hosts: no host named; write hosts = NAME, NAME (each a "
                      "[host NAME] of this file)"), pv_config_peek_path(config), line->line);
        return FALSE;
    }
    if (!args->uris || !args->uris[0]) {
        g_clear_pointer(&args->config_hosts, g_ptr_array_unref);
        args->config_hosts = g_steal_pointer(&hosts);
    }
    return TRUE;
}

/**
 * pv_cmd_run_apply_config:
 *
 * Fills in, from the [run] group of the provium.conf the run uses (--config,
 * else the one found from the first PATH, or the current directory), what
 * the command line did not give.  Each value is first checked alone, as the
 * option would be; a mistake names the file and line.
 */
gboolean
pv_cmd_run_apply_config(PvRunArgs *args, GError **error)
{
    g_autofree char *refused = NULL;
    g_autofree char *path = pv_cmd_find_config(args->config, args->paths, &refused);
    g_autofree char *abs_path = NULL;
    g_autofree char *config_dir = NULL;
    g_autoptr(PvConfig) config = NULL;
    GPtrArray *settings;
    guint i;

    /* A missing --config, or a broken file, is reported where it always was. */
    if (!path || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    config = pv_config_load(path, error);
    if (!config)
        return FALSE;
    abs_path = g_canonicalize_filename(path, NULL);
    config_dir = g_path_get_dirname(abs_path);
    g_free(args->config_used);
    args->config_used = g_strdup(abs_path);
    settings = pv_config_peek_run_settings(config);
    for (i = 0; i < settings->len; i++) {
        const PvConfigSetting *setting = settings->pdata[i];
        g_auto(PvRunArgs) alone = { 0 };
        g_auto(PvRunOptions) options = { 0 };

        pv_run_args_init(&alone);
        pv_run_options_init(&options);
        if (!pv_cmd_run_apply_setting(&alone, setting, config_dir, error) ||
            !pv_cmd_run_check(&alone, &options, TRUE, error) ||
            !pv_cmd_run_apply_setting(args, setting, config_dir, error)) {
            g_prefix_error(error, "%s:%u: [run] %s: ", pv_config_peek_path(config),
                           setting->line, setting->key);
            if ((*error)->domain == PV_ERROR)
                (*error)->code = PV_ERROR_CONFIG;
            return FALSE;
        }
    }
    return pv_cmd_run_apply_hosts(args, config, error);
}

/**
 * pv_cmd_config_results_dir:
 * @config: (nullable): --config
 * @paths: (nullable): the PATHs
 * @results_dir: (inout) (transfer full) (nullable): --results-dir; set
 *   from [run] results-dir of the provium.conf a run would use when NULL
 *
 * For commands that read what a run writes (provium list: the duration
 * history), the results directory a run with these PATHs would use.
 * Returns: FALSE with @error set when that provium.conf's [run] is wrong
 */
gboolean
pv_cmd_config_results_dir(const char *config, char **paths, char **results_dir,
                          GError **error)
{
    g_auto(PvRunArgs) args = { 0 };

    pv_run_args_init(&args);
    args.config = g_strdup(config);
    args.paths = g_strdupv(paths);
    args.results_dir = g_strdup(*results_dir);
    if (!pv_cmd_run_apply_config(&args, error))
        return FALSE;
    g_free(*results_dir);
    *results_dir = g_steal_pointer(&args.results_dir);
    return TRUE;
}
