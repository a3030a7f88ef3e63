/*
 * pv-file-test.c: a file's tests: what discovery learned of them, as they
 * begin and end, their results, and the scopes of the VMs they make
 *
 * A VM made inside a test belongs to that test: when the test ends, however
 * it ends, its domain is destroyed and what it took is given back
 * (vm_stopped reason "test_ended").  A VM made at the top level belongs to
 * the file and can serve several tests; it ends with the file
 * ("file_ended").  With --keep-failed, the VMs of a failed test (or of a
 * failed file, for top-level VMs) are kept running instead ("kept").
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-error.h"
#define PV_FILE_PRIVATE
#include "pv-file-private.h"
#include "pv-host.h"
#include "pv-pgroup.h"
#include "pv-run.h"
#include "pv-tags.h"

/**
 * pv_file_set_discovered:
 * @test_names: (transfer container): the tests' names, in order
 * @test_tags: (transfer container): their tags (char **), in order
 *
 * What the top level declared; the tests that --tags selects will run.
 */
void
pv_file_set_discovered(PvFile *file, GPtrArray *test_names, GPtrArray *test_tags,
                       const PvClaimSpec *claim)
{
    const char *const *spec = (const char *const *)pv_run_peek_options(file->run)->tags;
    guint i;

    g_ptr_array_unref(file->test_names);
    file->test_names = test_names;
    g_ptr_array_unref(file->test_tags);
    file->test_tags = test_tags;
    file->claim = *claim;
    g_array_set_size(file->test_selected, test_names->len);
    file->selected = 0;
    for (i = 0; i < test_names->len; i++) {
        gboolean selected = pv_tags_select(spec, test_tags->pdata[i]);

        g_array_index(file->test_selected, gboolean, i) = selected;
        file->selected += selected;
    }
}

guint
pv_file_get_test_count(PvFile *file)
{
    return file->test_names->len;
}

const char *
pv_file_peek_test_name(PvFile *file, guint index)
{
    return index < file->test_names->len ? file->test_names->pdata[index] : NULL;
}

/**
 * pv_file_peek_test_tags:
 * Returns: (transfer none): the tags of test @index (from 0), NULL-terminated
 */
const char *const *
pv_file_peek_test_tags(PvFile *file, guint index)
{
    static const char *const none[] = { NULL };

    return index < file->test_tags->len ? file->test_tags->pdata[index] : none;
}

/**
 * pv_file_test_is_selected:
 *
 * Returns: whether test @index (from 0) runs: --tags chose it
 */
gboolean
pv_file_test_is_selected(PvFile *file, guint index)
{
    return index < file->test_selected->len &&
        g_array_index(file->test_selected, gboolean, index);
}

/**
 * pv_file_get_selected_count:
 *
 * Returns: how many of its tests run; a file with none is not run at all
 */
guint
pv_file_get_selected_count(PvFile *file)
{
    return file->selected;
}

/**
 * pv_file_add_vm:
 * @vm: (transfer full): freed with @ops->free when the file is freed
 *
 * The file owns @vm: the running test's, or the file's when made at the top
 * level.
 */
void
pv_file_add_vm(PvFile *file, gpointer vm, const PvFileVmOps *ops)
{
    PvFileVm entry = { vm, ops, file->test_index, FALSE };

    g_array_append_val(file->vms, entry);
}

/**
 * pv_file_drop_vms:
 *
 * Forgets the VMs the top level declared at discovery, which boots nothing:
 * the run declares them again.
 */
void
pv_file_drop_vms(PvFile *file)
{
    pv_file_free_vms(file);
    pv_file_drop_networks(file);
}

guint
pv_file_get_vm_count(PvFile *file)
{
    return file->vms->len;
}

gpointer
pv_file_peek_vm(PvFile *file, guint index)
{
    return g_array_index(file->vms, PvFileVm, index).vm;
}

/**
 * pv_file_vm_in_scope:
 *
 * Returns: FALSE once the test that made @vm has ended
 */
gboolean
pv_file_vm_in_scope(PvFile *file, gpointer vm)
{
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);

        if (entry->vm == vm)
            return !entry->ended;
    }
    return FALSE;
}

/* Its console shows in the failed test's excerpt, used or not. */
static void
pv_file_touch_vm(PvFile *file, gpointer vm)
{
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);

        if (entry->vm == vm)
            entry->ops->touch(entry->vm);
    }
}

/**
 * pv_file_dup_running_domains:
 *
 * Returns: (transfer full): the names of the domains of the VMs in scope
 *   that run now: the running test's and the file's
 */
GPtrArray *
pv_file_dup_running_domains(PvFile *file)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);

        if (!entry->ended && entry->ops->running(entry->vm))
            g_ptr_array_add(names, g_strdup(entry->ops->domain_name(entry->vm)));
    }
    return names;
}

const char *
pv_file_peek_current_test(PvFile *file)
{
    return file->current_test;
}

/* @index: the test's, as declared, from 0 */
static void
pv_file_add_result(PvFile *file, guint index, PvTestStatus status, gint64 duration_ns,
                   const char *cause, const char *message, const char *excerpt)
{
    const char *name = pv_file_peek_test_name(file, index);
    GPtrArray *failures = g_hash_table_lookup(file->failures, name);

    /* Passed after failing in an earlier attempt: not a plain pass. */
    if (status == PV_TEST_PASSED && failures) {
        file->counts[PV_TEST_FLAKY]++;
        pv_event_test_flaky(pv_run_peek_events(file->run), file->path, name, duration_ns,
                            failures);
        return;
    }
    file->counts[status]++;
    if (status == PV_TEST_FAILED) {
        file->any_failed = TRUE;
        /*
         * A failure because the file's host was lost is not the test's: it
         * is not kept as an earlier failure, so a pass on another host is
         * not flaky (the test is rerun all the same: failed_now).
         */
        if (g_strcmp0(cause, "host_lost") != 0) {
            if (!failures) {
                failures = g_ptr_array_new_with_free_func(g_free);
                g_hash_table_insert(file->failures, g_strdup(name), failures);
            }
            g_ptr_array_add(failures, g_strdup(message ? message : ""));
        }
        g_ptr_array_add(file->failed_now, g_strdup(name));
    }
    pv_event_test_ended(pv_run_peek_events(file->run), file->path, name,
                        pv_file_peek_test_tags(file, index),
                        pv_test_status_to_string(status), duration_ns, cause, message, excerpt);
}

/* Whether a failure now is final: no attempt of --retries is left. */
static gboolean
pv_file_last_attempt(PvFile *file)
{
    return file->attempt >= pv_run_peek_options(file->run)->retries;
}

/**
 * pv_file_begin_test:
 * @index: the test, as declared, from 0
 * @timeout_ns: the test's own time limit; 0 for none
 */
void
pv_file_begin_test(PvFile *file, guint index, gint64 timeout_ns)
{
    const char *name = pv_file_peek_test_name(file, index);
    guint i;

    pv_event_test_started(pv_run_peek_events(file->run), file->path, name,
                          pv_file_peek_test_tags(file, index));
    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);

        entry->ops->untouch(entry->vm);
    }
    pv_wake_reset_test(&file->wake);
    pv_file_consoles_begin_test(file);
    g_free(file->current_test);
    file->current_test = g_strdup(name);
    file->current_declared = index;
    file->next_test = index + 1;
    file->test_index = file->tests_begun++;
    file->test_timeout_ns = timeout_ns;
    file->test_started = g_get_monotonic_time();
    file->test_deadline = timeout_ns ? file->test_started + timeout_ns / 1000 : G_MAXINT64;
    pv_file_publish_deadline(file);
}

static char *
pv_file_console_excerpt(PvFile *file)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);
        g_autofree char *excerpt = entry->ops->excerpt(entry->vm);

        if (excerpt)
            g_string_append_printf(out, "%s%s", out->len ? "\n" : "", excerpt);
    }
    return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

/*
 * The VMs of a scope that is over: destroyed, or kept for --keep-failed.
 * A scope that ends because the run is stopping ends as the run would end
 * it, whichever of the two gets there first.
 */
static void
pv_file_end_scope(PvFile *file, gint test, PvVmEnd why, gboolean keep)
{
    guint i;

    if (pv_wake_is_cancelled(&file->wake))
        why = PV_VM_END_CANCELLED;
    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);
        gboolean running;

        if (entry->ended || (test >= 0 && entry->test != test))
            continue;
        running = entry->ops->running(entry->vm);
        entry->ops->end(entry->vm, why, keep);
        entry->ended = TRUE;
        pv_file_unwatch_console(file, entry->vm);
        if (keep && running)
            g_ptr_array_add(file->kept, g_strdup(entry->ops->domain_name(entry->vm)));
    }
}

/**
 * pv_file_end_test:
 * @cause: (nullable): for a skip the host imposed, its code
 *   ("perf_mode_unavailable")
 * @message: (nullable): why it failed or was skipped
 *
 * The test ended: its result is recorded (an interrupt fails it even if the
 * test caught the error), and the VMs it made end with it.
 */
void
pv_file_end_test(PvFile *file, PvTestStatus status, const char *cause, const char *message)
{
    g_autoptr(GError) interrupt = NULL;
    g_autofree char *excerpt = NULL;
    gpointer sick_vm = NULL;
    g_autofree char *problem = pv_file_consoles_end_test(file, &sick_vm);
    g_autofree char *both = NULL;
    gboolean keep;
    guint i;

    /* A sick kernel fails the test, whatever the test saw; its line comes first. */
    if (problem) {
        pv_file_touch_vm(file, sick_vm);
        if (status != PV_TEST_FAILED) {
            status = PV_TEST_FAILED;
            message = problem;
            cause = NULL;
        } else if (!message || !strstr(message, problem)) {
            both = g_strdup_printf("%s\n%s", problem, message ? message : "");
            message = both;
        }
    }
    /*
     * Its host was lost: whatever the test saw of it (a call that failed on
     * the closed connection, a wait woken), the loss is its failure.
     */
    if (status == PV_TEST_FAILED && file->host && pv_host_is_lost(file->host) &&
        !pv_file_lost_host(file)) {
        g_autofree char *loss = pv_host_describe_loss(file->host);

        pv_file_lose_host(file, loss);
    }
    if (!pv_file_check(file, &interrupt) &&
        (status != PV_TEST_FAILED || interrupt->code == PV_ERROR_HOST_LOST)) {
        status = PV_TEST_FAILED;
        message = interrupt->message;
        cause = interrupt->code == PV_ERROR_HOST_LOST ? pv_file_peek_cause(file) : NULL;
    }
    if (status == PV_TEST_FAILED && !message)
        message = _("failed");
    if (status == PV_TEST_FAILED)
        excerpt = pv_file_console_excerpt(file);
    pv_file_add_result(file, file->current_declared, status,
                       (g_get_monotonic_time() - file->test_started) * 1000,
                       status == PV_TEST_SKIPPED || status == PV_TEST_FAILED ? cause : NULL,
                       message, excerpt);

    keep = pv_run_peek_options(file->run)->keep_failed && status == PV_TEST_FAILED &&
        pv_file_last_attempt(file);
    pv_file_end_scope(file, file->test_index, PV_VM_END_TEST, keep);
    /* Domains of the file's that stopped by themselves give back what they took. */
    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);

        entry->ops->settle(entry->vm);
    }
    g_clear_pointer(&file->current_test, g_free);
    file->test_index = -1;
    file->test_deadline = G_MAXINT64;
    file->test_timeout_ns = 0;
    pv_file_publish_deadline(file);
    pv_wake_reset_test(&file->wake);
}

/**
 * pv_file_skip_test:
 *
 * A test declared with a skip: reported, never run.
 */
void
pv_file_skip_test(PvFile *file, guint index, const char *reason)
{
    pv_event_test_started(pv_run_peek_events(file->run), file->path,
                          pv_file_peek_test_name(file, index),
                          pv_file_peek_test_tags(file, index));
    pv_file_add_result(file, index, PV_TEST_SKIPPED, 0, NULL, reason, NULL);
    file->next_test = index + 1;
}

/**
 * pv_file_not_run:
 * @from: the first test that does not run, from 0
 *
 * The file was cancelled or ran out of time: the rest of the tests --tags
 * selected does not run.
 */
void
pv_file_not_run(PvFile *file, guint from, const char *reason)
{
    guint i;

    for (i = from; i < file->test_names->len; i++) {
        if (pv_file_test_is_selected(file, i))
            pv_file_add_result(file, i, PV_TEST_NOT_RUN, 0, pv_file_peek_cause(file), reason,
                               NULL);
    }
    if (!file->error)
        file->error = g_strdup(reason);
}

/**
 * pv_file_end:
 * @error: (nullable): why the file broke (PV_FILE_ERROR), if it did
 *
 * The file's run is over, however it went: the VMs it still owns end (or
 * are kept), and its status is settled.
 */
void
pv_file_end(PvFile *file, const char *error)
{
    gboolean keep;

    /* Its host went away: what broke (its networks, say) broke with it. */
    if (file->host && pv_host_is_lost(file->host) && !pv_file_lost_host(file)) {
        g_autofree char *loss = pv_host_describe_loss(file->host);

        pv_file_lose_host(file, loss);
    }
    if (error && !pv_file_lost_host(file))
        pv_file_set_status(file, PV_FILE_ERROR, error);
    keep = pv_run_peek_options(file->run)->keep_failed &&
        (file->any_failed || file->status == PV_FILE_ERROR) && pv_file_last_attempt(file);
    pv_file_end_scope(file, -1, PV_VM_END_FILE, keep);
    pv_file_destroy_networks(file);
    pv_file_drop_source(file);
    file->ended = TRUE;
    if (file->status == PV_FILE_ERROR)
        return;
    if (pv_wake_is_cancelled(&file->wake))
        file->status = PV_FILE_CANCELLED;
    else if (file->any_failed || pv_wake_pending(&file->wake) == PV_INTERRUPT_FILE)
        file->status = PV_FILE_FAILED;
    else
        file->status = PV_FILE_PASSED;
    /* Lost with its host: file_completed says so, in the loss's one line. */
    if (file->status == PV_FILE_FAILED && pv_file_lost_host(file) && !file->error) {
        g_autoptr(GError) loss = NULL;

        if (!pv_wake_check(&file->wake, &loss))
            file->error = g_strdup(loss->message);
    }
}

static gboolean pv_file_start_over(PvFile *file);

/**
 * pv_file_retry:
 *
 * After pv_file_end(): a file that failed (not broken, not cancelled) with
 * an attempt of --retries left starts over: file_retried says which tests
 * failed, its results are forgotten but for those failures (a test that
 * passes now is flaky), and its clock starts again.  Its VMs have all
 * ended.  Worker thread.
 * Returns: whether the file runs again
 */
gboolean
pv_file_retry(PvFile *file)
{
    guint retries = pv_run_peek_options(file->run)->retries;

    if (file->status != PV_FILE_FAILED || file->attempt >= retries)
        return FALSE;
    /* Not where its host was lost: only another host (pv_file_retry_elsewhere()). */
    if (pv_file_lost_host(file))
        return FALSE;
    return pv_file_start_over(file);
}

/**
 * pv_file_retry_elsewhere:
 *
 * After pv_file_end(), on the main thread: a file whose host was lost
 * with an attempt of --retries left starts over, as pv_file_retry()
 * would, to be placed on another host; the dispatcher asks only when
 * another host is there.
 * Returns: whether the file runs again
 */
gboolean
pv_file_retry_elsewhere(PvFile *file)
{
    guint retries = pv_run_peek_options(file->run)->retries;

    if (!pv_file_lost_host(file) || file->status != PV_FILE_FAILED || file->attempt >= retries)
        return FALSE;
    if (!pv_file_start_over(file))
        return FALSE;
    g_atomic_int_set(&file->host_lost, FALSE);
    file->host = NULL;
    return TRUE;
}

/* A new attempt of a failed file; FALSE when it was cancelled. */
static gboolean
pv_file_start_over(PvFile *file)
{
    guint retries = pv_run_peek_options(file->run)->retries;

    /* A cancellation stays, and the file stays failed; a timeout is forgotten. */
    if (!pv_wake_reset_unless_cancelled(&file->wake))
        return FALSE;
    file->attempt++;
    pv_event_file_retried(pv_run_peek_events(file->run), file->path, file->attempt + 1,
                          retries + 1, file->failed_now);
    g_ptr_array_set_size(file->failed_now, 0);
    memset(file->counts, 0, sizeof(file->counts));
    file->any_failed = FALSE;
    file->status = PV_FILE_RUNNING;
    g_clear_pointer(&file->error, g_free);
    file->tests_begun = 0;
    file->test_index = -1;
    file->file_deadline = G_MAXINT64;
    file->test_deadline = G_MAXINT64;
    pv_file_publish_deadline(file);
    return TRUE;
}

/**
 * pv_file_give_up:
 *
 * The file's worker did not stop at its timeout or on a signal (a C
 * function that runs long, a finalizer, a debug hook: Lua runs no hook in
 * those), and the watchdog gave it up (pv_wake_give_up()): this ends the
 * file in its place, on another thread, as its worker would have.  The
 * running test fails with the reason (its timeout, the signal), the tests
 * after it do not run, the file's VMs and networks end (pv_file_end()), and
 * the file is reported timed out or cancelled.  At discovery (no run yet),
 * the file is broken.  The worker never touches the file again.
 */
void
pv_file_give_up(PvFile *file)
{
    g_autoptr(GError) stop = NULL;
    g_autofree char *grace = pv_duration_format(PV_FILE_GIVE_UP_GRACE_US * 1000);
    g_autofree char *message = NULL;

    /* What its shell commands left running ends now: its worker may never close its state. */
    pv_pgroup_kill(file);
    /* Whatever it waited for or paused for, its clock runs now. */
    file->blocked = PV_BLOCK_NONE;
    file->paused_since = 0;
    if (pv_file_in_top_level(file)) {
        message = pv_file_top_level_message(file, TRUE);
        pv_file_end_top_level(file);
        if (file->status == PV_FILE_QUEUED)
            pv_file_set_status(file, PV_FILE_ERROR, message);
        else
            pv_file_end(file, message);
        return;
    }
    if (file->status == PV_FILE_QUEUED) {
        g_autofree char *limit = pv_duration_format(pv_file_top_level_timeout(file));

        message = g_strdup_printf(_("%s: discovering the file did not end within %s (stuck in "
                                    "a finalizer)"), file->path, limit);
        pv_file_set_status(file, PV_FILE_ERROR, message);
        return;
    }
    /* An overdue deadline becomes the interrupt it would have been. */
    pv_file_check(file, &stop);
    message = g_strdup_printf(_("%s; the file did not stop within %s after it (stuck in a C "
                                "function, a finalizer or a debug hook): given up"),
                              stop ? stop->message : _("the file was stopped"), grace);
    if (file->current_test)
        pv_file_end_test(file, PV_TEST_FAILED, NULL, message);
    if (file->ended) {
        pv_file_set_status(file, pv_wake_is_cancelled(&file->wake) ? PV_FILE_CANCELLED
                                                                   : PV_FILE_FAILED, message);
        return;
    }
    pv_file_not_run(file, file->next_test, message);
    pv_file_end(file, NULL);
    if (file->status == PV_FILE_PASSED)
        pv_file_set_status(file, PV_FILE_FAILED, message);
}

/**
 * pv_file_lose_host:
 * @message: one line naming the host (pv_host_describe_loss())
 *
 * The file's host was lost: the file stops (its running test fails with
 * @message, cause "host_lost", the tests after it do not run), whatever it
 * waits for.  Any thread; for a file not started, what it is reported
 * with.
 */
void
pv_file_lose_host(PvFile *file, const char *message)
{
    g_atomic_int_set(&file->host_lost, TRUE);
    pv_wake_interrupt(&file->wake, PV_INTERRUPT_FILE, PV_ERROR_HOST_LOST, message);
}

/**
 * pv_file_lost_host:
 *
 * Whether the file's host was lost under its attempt.  Any thread.
 */
gboolean
pv_file_lost_host(PvFile *file)
{
    return g_atomic_int_get(&file->host_lost);
}

/**
 * pv_file_peek_cause:
 *
 * Returns: (nullable): why the file did not pass, when that was not the
 *   file's doing: "host_lost" (the `cause` of its results and of
 *   file_completed); NULL otherwise
 */
const char *
pv_file_peek_cause(PvFile *file)
{
    return pv_file_lost_host(file) ? "host_lost" : NULL;
}
