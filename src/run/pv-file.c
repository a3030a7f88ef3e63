/*
 * pv-file.c: one test file: its discovery, and its run on a worker thread
 *
 * Discovery runs the file's top level once in a short-lived Lua state, to
 * learn its tests and its claim without booting anything (provium list, the
 * dispatcher's admission).  The run then happens on the file's own worker
 * thread in a fresh state: top level, then each test in order.  However the
 * file ends, every VM it made is destroyed (or kept, with --keep-failed) and
 * the state is closed.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lua/pv-lua.h"
#include "pv-error.h"
#include "pv-file.h"
#include "pv-units.h"
#include "pv-vm.h"

/* Console lines a failed test shows per VM. */
#define PV_FILE_EXCERPT_LINES 10

static const char *const pv_test_status_names[] = {
    "passed", "failed", "skipped", "not_run",
};
G_STATIC_ASSERT(G_N_ELEMENTS(pv_test_status_names) == PV_TEST_STATUS_LAST);

static const char *const pv_file_status_names[] = {
    "queued", "running", "passed", "failed", "error", "cancelled", "not_run",
};
G_STATIC_ASSERT(G_N_ELEMENTS(pv_file_status_names) == PV_FILE_STATUS_LAST);

const char *
pv_test_status_to_string(PvTestStatus status)
{
    g_return_val_if_fail(status < PV_TEST_STATUS_LAST, "unknown");
    return pv_test_status_names[status];
}

const char *
pv_file_status_to_string(PvFileStatus status)
{
    g_return_val_if_fail(status < PV_FILE_STATUS_LAST, "unknown");
    return pv_file_status_names[status];
}

static void
pv_test_result_free(PvTestResult *result)
{
    g_free(result->name);
    g_free(result->message);
    g_free(result->console_excerpt);
    g_free(result);
}

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
    pv_wake_init(&file->wake);
    file->vms = g_ptr_array_new_with_free_func((GDestroyNotify)pv_vm_free);
    file->results = g_ptr_array_new_with_free_func((GDestroyNotify)pv_test_result_free);
    file->kept = g_ptr_array_new_with_free_func(g_free);
    file->status = PV_FILE_QUEUED;
    file->file_deadline = G_MAXINT64;
    file->test_deadline = G_MAXINT64;
    file->top_level_deadline = G_MAXINT64;
    return file;
}

void
pv_file_free(PvFile *file)
{
    if (!file)
        return;
    g_assert(!file->L);
    g_ptr_array_unref(file->vms);
    g_ptr_array_unref(file->results);
    g_ptr_array_unref(file->test_names);
    g_ptr_array_unref(file->kept);
    pv_wake_clear(&file->wake);
    g_clear_pointer(&file->source, g_bytes_unref);
    g_free(file->path);
    g_free(file->abs_path);
    g_free(file->stem);
    g_free(file->error);
    g_free(file->current_test);
    g_free(file);
}

/**
 * pv_file_add_vm:
 * @vm: (transfer full)
 */
void
pv_file_add_vm(PvFile *file, PvVm *vm)
{
    g_ptr_array_add(file->vms, vm);
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
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", file->path);
    pv_event_add_str(&fields, "name", file->current_test ? file->current_test : "");
    pv_event_add_str(&fields, "text", text);
    pv_events_emit(file->run->events, "test_log", g_variant_builder_end(&fields));
}

/**
 * pv_file_deadline:
 *
 * Returns: when the running test or the file runs out of time (monotonic)
 */
gint64
pv_file_deadline(PvFile *file)
{
    return MIN(file->file_deadline, file->test_deadline);
}

/**
 * pv_file_top_level_timeout:
 *
 * Returns: how long the file's top level may run, in nanoseconds
 */
gint64
pv_file_top_level_timeout(PvFile *file)
{
    gint64 timeout_ns = file->run->options->timeout_ns;

    return timeout_ns > 0 ? MIN(timeout_ns, PV_FILE_TOP_LEVEL_TIMEOUT_NS)
                          : PV_FILE_TOP_LEVEL_TIMEOUT_NS;
}

/*
 * Waits that only another file of the run can end, by giving back pool or
 * LLC groups; when every file in flight waits so, none ever will.
 */
static gboolean
pv_file_waits_on_files(PvBlockReason reason)
{
    return reason == PV_BLOCK_POOL_FULL || reason == PV_BLOCK_LLC_BUSY;
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
    if (pv_file_waits_on_files(reason))
        g_atomic_int_inc(&file->run->blocked_files);
    file->blocked = reason;
    file->blocked_since = g_get_monotonic_time();
    {
        g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

        pv_event_add_str(&fields, "path", file->path);
        pv_event_add_str(&fields, "reason", pv_block_reason_to_string(reason));
        pv_event_add_str(&fields, "waiting_for", waiting_for);
        pv_events_emit(file->run->events, "file_blocked", g_variant_builder_end(&fields));
    }
}

/**
 * pv_file_unblock:
 *
 * The wait is over: the deadlines move by the time it took.
 */
void
pv_file_unblock(PvFile *file)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    gint64 waited;

    if (file->blocked == PV_BLOCK_NONE)
        return;
    waited = g_get_monotonic_time() - file->blocked_since;
    if (file->file_deadline != G_MAXINT64)
        file->file_deadline += waited;
    if (file->test_deadline != G_MAXINT64)
        file->test_deadline += waited;
    pv_event_add_str(&fields, "path", file->path);
    pv_event_add_str(&fields, "reason", pv_block_reason_to_string(file->blocked));
    pv_event_add_int(&fields, "blocked_ns", waited * 1000);
    pv_events_emit(file->run->events, "file_unblocked", g_variant_builder_end(&fields));
    if (pv_file_waits_on_files(file->blocked))
        g_atomic_int_add(&file->run->blocked_files, -1);
    file->blocked = PV_BLOCK_NONE;
    file->blocked_since = 0;
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
    gint64 now;

    if (!pv_wake_check(&file->wake, error))
        return FALSE;
    if (file->blocked != PV_BLOCK_NONE)
        return TRUE;
    now = g_get_monotonic_time();
    if (now >= file->top_level_deadline) {
        g_autofree char *limit = pv_duration_format(pv_file_top_level_timeout(file));
        g_autofree char *msg = g_strdup_printf(_("%s: the top level did not return within %s; "
                                                 "it must only declare tests (test(), "
                                                 "provium:vm(), provium:claim()) and return"),
                                               file->path, limit);

        pv_wake_interrupt(&file->wake, PV_INTERRUPT_FILE, PV_ERROR_TIMEOUT, msg);
        return pv_wake_check(&file->wake, error);
    }
    if (now >= file->file_deadline) {
        g_autofree char *limit = pv_duration_format(file->run->options->timeout_ns);
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
 * pv_file_on_domain_stopped:
 * @user_data: the PvFile
 *
 * A domain of this file stopped without being asked: the running test fails
 * now, with libvirt's reason, rather than at its timeout.  Main thread.
 */
void
pv_file_on_domain_stopped(PvDomain *domain, const char *reason, gpointer user_data)
{
    PvFile *file = user_data;
    g_autofree char *msg = g_strdup_printf(_("vm '%s' (domain '%s') stopped unexpectedly: %s"),
                                           pv_domain_peek_label(domain),
                                           pv_domain_peek_name(domain), reason);

    if (pv_domain_claim_stop_report(domain))
        pv_vm_emit_stopped_event(file, pv_domain_peek_label(domain),
                                 pv_domain_peek_name(domain), reason);
    pv_wake_interrupt(&file->wake, PV_INTERRUPT_TEST, PV_ERROR_DOMAIN_STOPPED, msg);
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

static void
pv_file_close_lua(PvFile *file)
{
    if (file->L) {
        lua_close(file->L);
        file->L = NULL;
    }
}

/**
 * pv_file_discover:
 *
 * Runs the top level to learn the file's tests and claim.  Boots nothing.
 * On failure the file is broken (PV_FILE_ERROR) and @error says why, with
 * the file and line.
 */
gboolean
pv_file_discover(PvFile *file, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    guint n;
    guint i;

    file->config = pv_run_get_config(file->run, file->abs_path, &local_error);
    if (!file->config)
        goto fail;
    file->discovering = TRUE;
    file->L = pv_lua_new(file, &local_error);
    if (!file->L || !pv_lua_run_top_level(file->L, file, &local_error))
        goto fail;
    n = pv_lua_test_count(file->L);
    for (i = 1; i <= n; i++) {
        g_autofree char *skip = NULL;
        gint64 timeout_ns;

        g_ptr_array_add(file->test_names, pv_lua_test_info(file->L, i, &skip, &timeout_ns));
    }
    pv_file_close_lua(file);
    g_ptr_array_set_size(file->vms, 0);
    file->discovering = FALSE;
    return TRUE;

 fail:
    pv_file_close_lua(file);
    g_ptr_array_set_size(file->vms, 0);
    file->discovering = FALSE;
    file->status = PV_FILE_ERROR;
    g_free(file->error);
    file->error = g_strdup(local_error->message);
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
}

static char *
pv_file_console_excerpt(PvFile *file)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvVm *vm = file->vms->pdata[i];
        g_autofree char *tail = NULL;

        if (!vm->touched || !vm->domain)
            continue;
        tail = pv_vm_console_tail(vm, PV_FILE_EXCERPT_LINES);
        if (!tail || !*tail)
            continue;
        g_string_append_printf(out, "%s--- console of vm '%s' (domain '%s') ---\n%s\n",
                               out->len ? "" : "", vm->name, pv_vm_domain_name(vm), tail);
    }
    if (out->len == 0)
        return NULL;
    g_string_truncate(out, out->len - 1);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
pv_file_emit_test(PvFile *file, PvTestResult *result)
{
    g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    const char *kind;

    switch (result->status) {
    case PV_TEST_PASSED:
        kind = "test_passed";
        break;
    case PV_TEST_SKIPPED:
        kind = "test_skipped";
        break;
    case PV_TEST_NOT_RUN:
        kind = "test_not_run";
        break;
    case PV_TEST_FAILED:
    default:
        kind = "test_failed";
        break;
    }
    pv_event_add_str(&builder, "path", file->path);
    pv_event_add_str(&builder, "name", result->name);
    pv_event_add_int(&builder, "duration_ns", result->duration_ns);
    if (result->message)
        pv_event_add_str(&builder, "reason", result->message);
    if (result->console_excerpt)
        pv_event_add_str(&builder, "console_excerpt", result->console_excerpt);
    pv_events_emit(file->run->events, kind, g_variant_builder_end(&builder));
}

static void
pv_file_add_result(PvFile *file, const char *name, PvTestStatus status, gint64 duration_ns,
                   char *message, char *excerpt)
{
    PvTestResult *result = g_new0(PvTestResult, 1);

    result->name = g_strdup(name);
    result->status = status;
    result->duration_ns = duration_ns;
    result->message = message;
    result->console_excerpt = excerpt;
    g_ptr_array_add(file->results, result);
    pv_file_emit_test(file, result);
}

static void
pv_file_run_test(PvFile *file, guint index)
{
    g_autofree char *name = NULL;
    g_autofree char *skip = NULL;
    char *message = NULL;
    gint64 timeout_ns = 0;
    gint64 started;
    PvTestStatus status;
    g_autoptr(GError) interrupt = NULL;
    guint i;

    name = pv_lua_test_info(file->L, index, &skip, &timeout_ns);
    {
        g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

        pv_event_add_str(&fields, "path", file->path);
        pv_event_add_str(&fields, "name", name);
        pv_events_emit(file->run->events, "test_started", g_variant_builder_end(&fields));
    }
    if (skip) {
        pv_file_add_result(file, name, PV_TEST_SKIPPED, 0, g_steal_pointer(&skip), NULL);
        return;
    }

    for (i = 0; i < file->vms->len; i++)
        ((PvVm *)file->vms->pdata[i])->touched = FALSE;
    pv_wake_reset_test(&file->wake);
    g_free(file->current_test);
    file->current_test = g_strdup(name);
    file->test_timeout_ns = timeout_ns;
    started = g_get_monotonic_time();
    file->test_deadline = timeout_ns ? started + timeout_ns / 1000 : G_MAXINT64;

    status = pv_lua_run_test(file->L, index, &message);

    /* An interrupt fails the test even if the test caught the error. */
    if (!pv_file_check(file, &interrupt) && status != PV_TEST_FAILED) {
        status = PV_TEST_FAILED;
        g_free(message);
        message = g_strdup(interrupt->message);
    }
    if (status == PV_TEST_FAILED && !message)
        message = g_strdup(_("failed"));
    pv_file_add_result(file, name, status, (g_get_monotonic_time() - started) * 1000, message,
                       status == PV_TEST_FAILED ? pv_file_console_excerpt(file) : NULL);

    /* Domains that stopped by themselves give back what they took. */
    for (i = 0; i < file->vms->len; i++)
        pv_vm_settle(file->vms->pdata[i]);
    g_clear_pointer(&file->current_test, g_free);
    file->test_deadline = G_MAXINT64;
    file->test_timeout_ns = 0;
    pv_wake_reset_test(&file->wake);
}

static gboolean
pv_file_any_failed(PvFile *file)
{
    guint i;

    for (i = 0; i < file->results->len; i++) {
        if (((PvTestResult *)file->results->pdata[i])->status == PV_TEST_FAILED)
            return TRUE;
    }
    return FALSE;
}

static void
pv_file_end_vms(PvFile *file)
{
    gboolean keep = file->run->options->keep_failed &&
        (pv_file_any_failed(file) || file->status == PV_FILE_ERROR);
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        PvVm *vm = file->vms->pdata[i];
        gboolean running = vm->domain &&
            pv_domain_get_state(vm->domain) != PV_DOMAIN_STATE_STOPPED;

        pv_vm_end(vm, keep);
        if (keep && running)
            g_ptr_array_add(file->kept, g_strdup(pv_vm_domain_name(vm)));
    }
}

/**
 * pv_file_execute:
 *
 * The worker thread's body: runs the file to its end, whatever happens, and
 * leaves the outcome in @file (status, error, results, kept domains).
 */
void
pv_file_execute(PvFile *file)
{
    g_autoptr(GError) error = NULL;
    guint n = file->test_names->len;
    guint i;

    file->status = PV_FILE_RUNNING;
    if (file->run->options->timeout_ns > 0)
        file->file_deadline = g_get_monotonic_time() + file->run->options->timeout_ns / 1000;

    file->L = pv_lua_new(file, &error);
    if (!file->L || !pv_lua_run_top_level(file->L, file, &error)) {
        file->status = PV_FILE_ERROR;
        file->error = g_strdup(error->message);
        n = 0;
    } else if (pv_lua_test_count(file->L) != n) {
        file->status = PV_FILE_ERROR;
        file->error = g_strdup_printf(_("%s: the top level declared %u tests when discovered "
                                        "and %u now; it must do the same every time"),
                                      file->path, n, pv_lua_test_count(file->L));
        n = 0;
    }

    for (i = 1; i <= n; i++) {
        g_autoptr(GError) stop = NULL;

        if (!pv_file_check(file, &stop)) {
            /* Cancelled or out of time: the rest does not run. */
            for (; i <= n; i++)
                pv_file_add_result(file, file->test_names->pdata[i - 1], PV_TEST_NOT_RUN, 0,
                                   g_strdup(stop->message), NULL);
            if (!file->error)
                file->error = g_strdup(stop->message);
            break;
        }
        pv_file_run_test(file, i);
    }

    pv_file_end_vms(file);
    pv_file_close_lua(file);
    g_clear_pointer(&file->source, g_bytes_unref);

    if (file->status == PV_FILE_ERROR)
        return;
    if (pv_wake_is_cancelled(&file->wake))
        file->status = PV_FILE_CANCELLED;
    else if (pv_file_any_failed(file) || pv_wake_pending(&file->wake) == PV_INTERRUPT_FILE)
        file->status = PV_FILE_FAILED;
    else
        file->status = PV_FILE_PASSED;
}
