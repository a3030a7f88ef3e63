/*
 * pv-file.c: one test file: what it declared, its tests' results, its time,
 * and the VMs it owns
 *
 * A file is discovered once (its top level run in a short-lived Lua state,
 * to learn its tests and its claim without booting anything), then run on a
 * worker thread of its own.  What runs it is the Lua layer
 * (src/lua/pv-lua-runner.c), which calls in here as tests begin and end;
 * this module keeps the file's state, time and results, and the VMs it owns
 * as opaque objects with their operations, so the file layer knows neither
 * Lua nor VMs.
 *
 * Tests, their results and the scopes of the VMs are in pv-file-test.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#define PV_FILE_PRIVATE
#include "pv-file-private.h"
#include "pv-run.h"
#include "pv-tags.h"
#include "pv-text.h"
#include "pv-units.h"

PV_ENUM_IMPL(pv_test_status, PvTestStatus, PV_TEST_STATUS_LAST,
             "passed", "failed", "skipped", "not_run", "flaky");

PV_ENUM_IMPL(pv_file_status, PvFileStatus, PV_FILE_STATUS_LAST,
             "queued", "running", "passed", "failed", "error", "cancelled", "not_run");

PV_ENUM_IMPL(pv_vm_end, PvVmEnd, PV_VM_END_LAST,
             "test_ended", "file_ended", "destroyed");

/* "boot" for tests/boot.test.lua */
static char *
pv_file_stem(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);

    if (g_str_has_suffix(base, ".test.lua"))
        base[strlen(base) - strlen(".test.lua")] = '\0';
    else if (g_str_has_suffix(base, ".lua"))
        base[strlen(base) - strlen(".lua")] = '\0';
    return pv_sanitize_name(base, 24);
}

/**
 * pv_file_new:
 * @path: as the user should see it
 *
 * Returns: (transfer full): a queued file
 */
PvFile *
pv_file_new(PvRun *run, const char *path)
{
    PvFile *file = g_new0(PvFile, 1);

    file->run = run;
    file->path = g_strdup(path);
    file->abs_path = g_canonicalize_filename(path, NULL);
    file->stem = pv_file_stem(path);
    file->test_names = g_ptr_array_new_with_free_func(g_free);
    file->test_tags = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    file->test_selected = g_array_new(FALSE, TRUE, sizeof(gboolean));
    pv_wake_init(&file->wake);
    file->vms = g_array_new(FALSE, TRUE, sizeof(PvFileVm));
    file->kept = g_ptr_array_new_with_free_func(g_free);
    g_mutex_init(&file->console_lock);
    g_mutex_init(&file->log_lock);
    file->consoles = g_ptr_array_new_with_free_func((GDestroyNotify)pv_file_console_free);
    file->failures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_ptr_array_unref);
    file->failed_now = g_ptr_array_new_with_free_func(g_free);
    file->status = PV_FILE_QUEUED;
    file->test_index = -1;
    file->file_deadline = G_MAXINT64;
    file->test_deadline = G_MAXINT64;
    file->top_level_deadline = G_MAXINT64;
    return file;
}

void
pv_file_free_vms(PvFile *file)
{
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);

        entry->ops->free(entry->vm);
    }
    g_array_set_size(file->vms, 0);
}

/**
 * pv_file_drop_networks:
 *
 * Forgets the file's networks (pv-file-net.c): those the top level declared
 * at discovery, none created, or, when the file is freed, those it
 * destroyed.
 */
void
pv_file_drop_networks(PvFile *file)
{
    g_clear_pointer(&file->networks, pv_network_plan_free);
    g_clear_pointer(&file->net_discovery, pv_network_inventory_free);
    file->networks_created = FALSE;
}

void
pv_file_free(PvFile *file)
{
    if (!file)
        return;
    /* Given up (pv_file_give_up()): its stuck worker may still read its wake. */
    if (pv_wake_is_abandoned(&file->wake))
        return;
    pv_file_free_vms(file);
    pv_file_drop_networks(file);
    g_array_unref(file->vms);
    g_ptr_array_unref(file->test_names);
    g_ptr_array_unref(file->test_tags);
    g_array_unref(file->test_selected);
    g_ptr_array_unref(file->kept);
    g_ptr_array_unref(file->consoles);
    g_mutex_clear(&file->console_lock);
    g_mutex_clear(&file->log_lock);
    g_clear_pointer(&file->held_log, g_ptr_array_unref);
    g_free(file->console_problem);
    g_hash_table_unref(file->failures);
    g_ptr_array_unref(file->failed_now);
    pv_wake_clear(&file->wake);
    g_clear_pointer(&file->source, g_bytes_unref);
    g_free(file->path);
    g_free(file->abs_path);
    g_free(file->stem);
    g_free(file->error);
    g_free(file->current_test);
    g_free(file);
}

PvRun *
pv_file_peek_run(PvFile *file)
{
    return file->run;
}

const char *
pv_file_peek_path(PvFile *file)
{
    return file->path;
}

const char *
pv_file_peek_abs_path(PvFile *file)
{
    return file->abs_path;
}

const char *
pv_file_peek_stem(PvFile *file)
{
    return file->stem;
}

PvWake *
pv_file_peek_wake(PvFile *file)
{
    return &file->wake;
}

/**
 * pv_file_load_config:
 *
 * Finds the file's provium.conf (loaded once per run).
 */
gboolean
pv_file_load_config(PvFile *file, GError **error)
{
    file->config = pv_run_get_config(file->run, file->abs_path, error);
    return file->config != NULL;
}

PvConfig *
pv_file_peek_config(PvFile *file)
{
    return file->config;
}

/**
 * pv_file_read_source:
 *
 * The file's text, read at discovery: the run runs what discovery saw.
 * Returns: (transfer full): the bytes, or NULL with @error set
 */
GBytes *
pv_file_read_source(PvFile *file, GError **error)
{
    if (!file->source) {
        char *text = NULL;
        gsize len = 0;
        g_autoptr(GError) local_error = NULL;

        if (!g_file_get_contents(file->abs_path, &text, &len, &local_error)) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE, "%s", local_error->message);
            return NULL;
        }
        file->source = g_bytes_new_take(text, len);
    }
    return g_bytes_ref(file->source);
}

void
pv_file_drop_source(PvFile *file)
{
    g_clear_pointer(&file->source, g_bytes_unref);
}

const PvClaimSpec *
pv_file_peek_claim(PvFile *file)
{
    return &file->claim;
}

/**
 * pv_file_set_host:
 * @host: (transfer none) (nullable): outlives the file's run; NULL: on no
 *   host (waiting to be placed again)
 *
 * The libvirt host the file runs on, whole: its VMs, networks and
 * fixtures are that host's, and its events name it (doc/events.md).
 */
void
pv_file_set_host(PvFile *file, PvHost *host)
{
    file->host = host;
    /* Its events name the host from now on, whoever emits them. */
    pv_events_set_file_host(pv_run_peek_events(file->run), file->path,
                            host ? pv_host_peek_name(host) : NULL);
}

/**
 * pv_file_peek_host:
 *
 * Returns: (transfer none) (nullable): the host the file runs on; NULL
 *   until it is dispatched (at discovery)
 */
PvHost *
pv_file_peek_host(PvFile *file)
{
    return file->host;
}

/**
 * pv_file_set_budget:
 * @budget: (transfer none): its claim, or the pool; outlives the file's run
 *
 * Where the file's VMs take their memory and vCPUs from.
 */
void
pv_file_set_budget(PvFile *file, PvBudget *budget, gboolean llc_claim_held)
{
    file->budget = budget;
    file->llc_claim_held = llc_claim_held;
}

PvBudget *
pv_file_peek_budget(PvFile *file)
{
    return file->budget;
}

gboolean
pv_file_holds_llc_claim(PvFile *file)
{
    return file->llc_claim_held;
}

PvFileStatus
pv_file_get_status(PvFile *file)
{
    return file->status;
}

/**
 * pv_file_set_status:
 * @error: (nullable): why, when it did not run or broke
 */
void
pv_file_set_status(PvFile *file, PvFileStatus status, const char *error)
{
    file->status = status;
    if (error) {
        g_free(file->error);
        file->error = g_strdup(error);
    }
}

const char *
pv_file_peek_error(PvFile *file)
{
    return file->error;
}

GPtrArray *
pv_file_peek_kept(PvFile *file)
{
    return file->kept;
}

/**
 * pv_file_count_results:
 * @counts: (out): how many tests ended with each status
 */
void
pv_file_count_results(PvFile *file, guint counts[PV_TEST_STATUS_LAST])
{
    memcpy(counts, file->counts, sizeof(file->counts));
}

void
pv_file_set_times(PvFile *file, gint64 started_ns, gint64 finished_ns)
{
    if (started_ns)
        file->started_ns = started_ns;
    if (finished_ns)
        file->finished_ns = finished_ns;
}

void
pv_file_get_times(PvFile *file, gint64 *started_ns, gint64 *finished_ns)
{
    *started_ns = file->started_ns;
    *finished_ns = file->finished_ns;
}

/**
 * pv_file_log:
 *
 * Output of the file (print(), t:log()): goes to the event stream, which
 * puts it in the file's log and, with -v, in its block on the terminal.
 */
void
pv_file_log(PvFile *file, const char *text)
{
    g_mutex_lock(&file->log_lock);
    if (file->held_log) {
        /* Only discovery's top level runs while held: no test is current. */
        g_ptr_array_add(file->held_log, g_strdup(text));
        g_mutex_unlock(&file->log_lock);
        return;
    }
    g_mutex_unlock(&file->log_lock);
    pv_event_test_log(pv_run_peek_events(file->run), file->path,
                      file->current_test ? file->current_test : "", text);
}

/**
 * pv_file_hold_log:
 *
 * From now on, and until pv_file_release_log(), the file's output is kept
 * rather than emitted: what its top level prints at discovery then comes
 * after run_started (which waits for discovery to know the run's share),
 * and never for a file the run leaves out.
 */
void
pv_file_hold_log(PvFile *file)
{
    g_mutex_lock(&file->log_lock);
    if (!file->held_log)
        file->held_log = g_ptr_array_new_with_free_func(g_free);
    g_mutex_unlock(&file->log_lock);
}

/**
 * pv_file_release_log:
 *
 * Emits the output kept since pv_file_hold_log(), in order, and emits what
 * comes after as it comes.
 */
void
pv_file_release_log(PvFile *file)
{
    g_autoptr(GPtrArray) held = NULL;
    guint i;

    g_mutex_lock(&file->log_lock);
    held = g_steal_pointer(&file->held_log);
    g_mutex_unlock(&file->log_lock);
    for (i = 0; held && i < held->len; i++)
        pv_event_test_log(pv_run_peek_events(file->run), file->path, "", held->pdata[i]);
}

/**
 * pv_file_deadline:
 *
 * Returns: when the running test or the file runs out of time (monotonic)
 */
gint64
pv_file_deadline(PvFile *file)
{
    return MIN(MIN(file->file_deadline, file->test_deadline), file->top_level_deadline);
}

/**
 * pv_file_publish_deadline:
 *
 * The deadlines changed (or the clock stopped or started again): the
 * watchdog learns when the worker's time is up (pv_wake_set_deadline()).
 * Worker thread only.
 */
void
pv_file_publish_deadline(PvFile *file)
{
    pv_wake_set_deadline(&file->wake,
                         file->blocked != PV_BLOCK_NONE || file->paused_since ?
                         G_MAXINT64 : pv_file_deadline(file));
}

/**
 * pv_file_top_level_timeout:
 *
 * Returns: how long the file's top level may run, in nanoseconds
 */
gint64
pv_file_top_level_timeout(PvFile *file)
{
    gint64 timeout_ns = pv_run_peek_options(file->run)->timeout_ns;

    return timeout_ns > 0 ? MIN(timeout_ns, PV_FILE_TOP_LEVEL_TIMEOUT_NS)
                          : PV_FILE_TOP_LEVEL_TIMEOUT_NS;
}

/**
 * pv_file_block:
 * @waiting_for: what, for people: "vm 'web' (256M and 1 vCPU)"
 *
 * The worker starts waiting for the host or the pool: say why
 * (file_blocked), and stop the file's clock, since waiting is not the test's
 * time.  A change of reason is a new block.  Worker thread only.
 */
void
pv_file_block(PvFile *file, PvBlockReason reason, const char *waiting_for)
{
    if (file->blocked == reason)
        return;
    pv_file_unblock(file);
    if (reason == PV_BLOCK_NONE)
        return;
    file->blocked = reason;
    file->blocked_since = g_get_monotonic_time();
    pv_file_publish_deadline(file);
    pv_event_file_blocked(pv_run_peek_events(file->run), file->path, reason, waiting_for);
}

/**
 * pv_file_unblock:
 *
 * The wait is over: the deadlines move by the time it took.
 */
void
pv_file_unblock(PvFile *file)
{
    gint64 waited;

    if (file->blocked == PV_BLOCK_NONE)
        return;
    waited = g_get_monotonic_time() - file->blocked_since;
    if (file->file_deadline != G_MAXINT64)
        file->file_deadline += waited;
    if (file->test_deadline != G_MAXINT64)
        file->test_deadline += waited;
    pv_event_file_unblocked(pv_run_peek_events(file->run), file->path, file->blocked,
                            waited * 1000);
    file->blocked = PV_BLOCK_NONE;
    file->blocked_since = 0;
    pv_file_publish_deadline(file);
}

/**
 * pv_file_check:
 *
 * Whether the worker may go on: not interrupted, and neither the test nor
 * the file out of time (time spent blocked does not count).  A timeout
 * becomes an interrupt, so it stays.  Worker thread only.
 */
gboolean
pv_file_check(PvFile *file, GError **error)
{
    const PvRunOptions *options = pv_run_peek_options(file->run);
    gint64 now;

    if (!pv_wake_check(&file->wake, error))
        return FALSE;
    if (file->blocked != PV_BLOCK_NONE || file->paused_since)
        return TRUE;
    now = g_get_monotonic_time();
    if (now >= file->top_level_deadline) {
        g_autofree char *msg = pv_file_top_level_message(file, FALSE);

        pv_wake_interrupt(&file->wake, PV_INTERRUPT_FILE, PV_ERROR_TIMEOUT, msg);
        return pv_wake_check(&file->wake, error);
    }
    if (now >= file->file_deadline) {
        g_autofree char *limit = pv_duration_format(options->timeout_ns);
        g_autofree char *msg = g_strdup_printf(_("the file timed out after %s (--timeout)"),
                                               limit);

        pv_wake_interrupt(&file->wake, PV_INTERRUPT_FILE, PV_ERROR_TIMEOUT, msg);
        return pv_wake_check(&file->wake, error);
    }
    if (now >= file->test_deadline) {
        g_autofree char *limit = pv_duration_format(file->test_timeout_ns);
        g_autofree char *msg = g_strdup_printf(_("the test timed out after %s"), limit);

        pv_wake_interrupt(&file->wake, PV_INTERRUPT_TEST, PV_ERROR_TIMEOUT, msg);
        return pv_wake_check(&file->wake, error);
    }
    return TRUE;
}

/**
 * pv_file_pause:
 *
 * --debug-on-failure's prompt opens on the failed test: the file's clock
 * stops, and the test's interrupt (its timeout, a console check) is spent,
 * so the prompt can use its VMs.  A cancellation still holds.  Worker
 * thread only.
 */
void
pv_file_pause(PvFile *file)
{
    pv_wake_reset_test(&file->wake);
    if (!file->paused_since)
        file->paused_since = g_get_monotonic_time();
    pv_file_publish_deadline(file);
}

/**
 * pv_file_resume:
 *
 * The prompt closed: the deadlines move by the time it was open, which the
 * test's duration does not count either.
 */
void
pv_file_resume(PvFile *file)
{
    gint64 paused;

    if (!file->paused_since)
        return;
    paused = g_get_monotonic_time() - file->paused_since;
    if (file->file_deadline != G_MAXINT64)
        file->file_deadline += paused;
    if (file->test_deadline != G_MAXINT64)
        file->test_deadline += paused;
    file->test_started += paused;
    file->paused_since = 0;
    pv_file_publish_deadline(file);
}

/**
 * pv_file_interrupt_test:
 *
 * The running test fails now with @message (a domain of the file died).
 * Any thread.
 */
void
pv_file_interrupt_test(PvFile *file, PvErrorCode code, const char *message)
{
    pv_wake_interrupt(&file->wake, PV_INTERRUPT_TEST, code, message);
}

/**
 * pv_file_cancel:
 *
 * Stops the file: the running test fails with @reason and no other starts.
 * Any thread.
 */
void
pv_file_cancel(PvFile *file, const char *reason)
{
    pv_wake_interrupt(&file->wake, PV_INTERRUPT_FILE, PV_ERROR_CANCELLED, reason);
}

/**
 * pv_file_begin:
 *
 * The file's run starts, on its worker thread: its clock starts.
 */
void
pv_file_begin(PvFile *file)
{
    gint64 timeout_ns = pv_run_peek_options(file->run)->timeout_ns;

    file->status = PV_FILE_RUNNING;
    file->next_test = 0;
    file->ended = FALSE;
    if (timeout_ns > 0)
        file->file_deadline = g_get_monotonic_time() + timeout_ns / 1000;
    pv_file_publish_deadline(file);
}

/**
 * pv_file_begin_top_level:
 *
 * The top level runs (at discovery, then at the start of the run): it may
 * only declare, and gets pv_file_top_level_timeout() to do it.
 */
void
pv_file_begin_top_level(PvFile *file)
{
    file->top_level_deadline = g_get_monotonic_time() + pv_file_top_level_timeout(file) / 1000;
    file->top_level_line = 0;
    pv_file_publish_deadline(file);
}

void
pv_file_end_top_level(PvFile *file)
{
    file->top_level_deadline = G_MAXINT64;
    pv_file_publish_deadline(file);
}

/**
 * pv_file_set_top_level_line:
 *
 * The top level runs line @line of the file: where it is stuck, should it
 * not return.  Worker thread only.
 */
void
pv_file_set_top_level_line(PvFile *file, gint line)
{
    file->top_level_line = line;
}

/**
 * pv_file_top_level_message:
 * @stuck: whether the hook could not interrupt it (a C function, a
 *   finalizer, a debug hook): it was given up
 *
 * Returns: (transfer full): why the top level failed: it did not return in
 *   time (given up: with the line it was at, when known)
 */
char *
pv_file_top_level_message(PvFile *file, gboolean stuck)
{
    g_autofree char *limit = pv_duration_format(pv_file_top_level_timeout(file));
    g_autofree char *where = file->top_level_line > 0 ?
        g_strdup_printf("%s:%d", file->path, file->top_level_line) : g_strdup(file->path);

    if (stuck)
        return g_strdup_printf(_("%s: the top level did not return within %s (stuck in a C "
                                 "function, a finalizer or a debug hook); it must only declare "
                                 "tests (test(), provium:vm(), provium:claim()) and return"),
                               where, limit);
    return g_strdup_printf(_("%s: the top level did not return within %s; it must only "
                             "declare tests (test(), provium:vm(), provium:claim()) and return"),
                           file->path, limit);
}

gboolean
pv_file_in_top_level(PvFile *file)
{
    return file->top_level_deadline != G_MAXINT64;
}
