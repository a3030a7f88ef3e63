/*
 * pv-file-test.c: a file's tests as they begin and end, their results, and
 * the scopes of the VMs they make
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

#include "pv-error.h"
#define PV_FILE_PRIVATE
#include "pv-file-private.h"
#include "pv-run.h"

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

const char *
pv_file_peek_current_test(PvFile *file)
{
    return file->current_test;
}

static void
pv_file_add_result(PvFile *file, const char *name, PvTestStatus status, gint64 duration_ns,
                   const char *cause, const char *message, const char *excerpt)
{
    file->counts[status]++;
    if (status == PV_TEST_FAILED)
        file->any_failed = TRUE;
    pv_event_test_ended(pv_run_peek_events(file->run), file->path, name,
                        pv_test_status_to_string(status), duration_ns, cause, message, excerpt);
}

/**
 * pv_file_begin_test:
 * @timeout_ns: the test's own time limit; 0 for none
 */
void
pv_file_begin_test(PvFile *file, const char *name, gint64 timeout_ns)
{
    guint i;

    pv_event_test_started(pv_run_peek_events(file->run), file->path, name);
    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);

        entry->ops->untouch(entry->vm);
    }
    pv_wake_reset_test(&file->wake);
    g_free(file->current_test);
    file->current_test = g_strdup(name);
    file->test_index = file->tests_begun++;
    file->test_timeout_ns = timeout_ns;
    file->test_started = g_get_monotonic_time();
    file->test_deadline = timeout_ns ? file->test_started + timeout_ns / 1000 : G_MAXINT64;
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

/* The VMs of a scope that is over: destroyed, or kept for --keep-failed. */
static void
pv_file_end_scope(PvFile *file, gint test, PvVmEnd why, gboolean keep)
{
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvFileVm *entry = &g_array_index(file->vms, PvFileVm, i);
        gboolean running;

        if (entry->ended || (test >= 0 && entry->test != test))
            continue;
        running = entry->ops->running(entry->vm);
        entry->ops->end(entry->vm, why, keep);
        entry->ended = TRUE;
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
    gboolean keep;
    guint i;

    if (!pv_file_check(file, &interrupt) && status != PV_TEST_FAILED) {
        status = PV_TEST_FAILED;
        message = interrupt->message;
        cause = NULL;
    }
    if (status == PV_TEST_FAILED && !message)
        message = _("failed");
    if (status == PV_TEST_FAILED)
        excerpt = pv_file_console_excerpt(file);
    pv_file_add_result(file, file->current_test, status,
                       (g_get_monotonic_time() - file->test_started) * 1000,
                       status == PV_TEST_SKIPPED ? cause : NULL, message, excerpt);

    keep = pv_run_peek_options(file->run)->keep_failed && status == PV_TEST_FAILED;
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
    pv_wake_reset_test(&file->wake);
}

/**
 * pv_file_skip_test:
 *
 * A test declared with a skip: reported, never run.
 */
void
pv_file_skip_test(PvFile *file, const char *name, const char *reason)
{
    pv_event_test_started(pv_run_peek_events(file->run), file->path, name);
    pv_file_add_result(file, name, PV_TEST_SKIPPED, 0, NULL, reason, NULL);
}

/**
 * pv_file_not_run:
 * @from: the first test that does not run, from 0
 *
 * The file was cancelled or ran out of time: the rest does not run.
 */
void
pv_file_not_run(PvFile *file, guint from, const char *reason)
{
    guint i;

    for (i = from; i < file->test_names->len; i++)
        pv_file_add_result(file, file->test_names->pdata[i], PV_TEST_NOT_RUN, 0, NULL, reason,
                           NULL);
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

    if (error)
        pv_file_set_status(file, PV_FILE_ERROR, error);
    keep = pv_run_peek_options(file->run)->keep_failed &&
        (file->any_failed || file->status == PV_FILE_ERROR);
    pv_file_end_scope(file, -1, PV_VM_END_FILE, keep);
    pv_file_destroy_networks(file);
    pv_file_drop_source(file);
    if (file->status == PV_FILE_ERROR)
        return;
    if (pv_wake_is_cancelled(&file->wake))
        file->status = PV_FILE_CANCELLED;
    else if (file->any_failed || pv_wake_pending(&file->wake) == PV_INTERRUPT_FILE)
        file->status = PV_FILE_FAILED;
    else
        file->status = PV_FILE_PASSED;
}
