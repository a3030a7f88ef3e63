/*
 * pv-event-kinds-file.c: the constructors of a file's and its tests' events
 *
 * file_discovered, file_blocked, file_unblocked, file_dispatched,
 * claim_acquired, claim_released, file_completed, file_retried;
 * test_started, test_log, test_passed/failed/skipped/not_run, test_flaky.
 * Each names its kind's fields from typed values and ends in
 * pv_event_emit_checked(), which holds the event to its schema entry
 * (pv-event-kinds.c) before it goes.
 */
#include "config.h"

#include "pv-event-kinds.h"
#define PV_EVENT_KINDS_PRIVATE
#include "pv-event-kinds-private.h"

void
pv_event_file_discovered(PvEvents *events, const char *path, const char *key,
                         GPtrArray *tests, guint64 claim_memory, guint claim_cpus,
                         gboolean declared)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    g_auto(GVariantBuilder) claim = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "key", key);
    pv_event_add_strv(&fields, "tests", tests);
    pv_event_add_uint(&claim, "memory", claim_memory);
    pv_event_add_uint(&claim, "cpus", claim_cpus);
    pv_event_add_bool(&claim, "declared", declared);
    g_variant_builder_add(&fields, "{sv}", "claim", g_variant_builder_end(&claim));
    pv_event_emit_checked(events, "file_discovered", &fields);
}

void
pv_event_file_blocked(PvEvents *events, const char *path, PvBlockReason reason,
                      const char *waiting_for)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "reason", pv_block_reason_to_string(reason));
    pv_event_add_str(&fields, "waiting_for", waiting_for ? waiting_for : "");
    pv_event_emit_checked(events, "file_blocked", &fields);
}

void
pv_event_file_unblocked(PvEvents *events, const char *path, PvBlockReason reason,
                        gint64 blocked_ns)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "reason", pv_block_reason_to_string(reason));
    pv_event_add_int(&fields, "blocked_ns", blocked_ns);
    pv_event_emit_checked(events, "file_unblocked", &fields);
}

void
pv_event_file_dispatched(PvEvents *events, const char *path, PvAmount reservation)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_amount_value(&fields, "reservation", reservation);
    pv_event_emit_checked(events, "file_dispatched", &fields);
}

void
pv_event_claim_acquired(PvEvents *events, const char *path, PvAmount claim)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_uint(&fields, "memory", claim.memory);
    pv_event_add_double(&fields, "cpus", claim.mcpus / (double)PV_MCPU);
    pv_event_emit_checked(events, "claim_acquired", &fields);
}

void
pv_event_claim_released(PvEvents *events, const char *path, PvAmount claim,
                        PvAmount pool_used, guint in_flight)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_uint(&fields, "memory", claim.memory);
    pv_event_add_double(&fields, "cpus", claim.mcpus / (double)PV_MCPU);
    pv_event_add_amount_value(&fields, "pool_used", pool_used);
    pv_event_add_uint(&fields, "in_flight", in_flight);
    pv_event_emit_checked(events, "claim_released", &fields);
}

/**
 * pv_event_file_completed:
 * @error: (nullable)
 * @kept: (element-type utf8): domains left running
 * @cause: (nullable): when what ended it was not the file's doing, its code
 *   ("host_lost")
 */
void
pv_event_file_completed(PvEvents *events, const char *path, const char *status,
                        gint64 duration_ns, const char *error, GPtrArray *kept,
                        const char *cause)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "status", status);
    pv_event_add_int(&fields, "duration_ns", duration_ns);
    if (error)
        pv_event_add_str(&fields, "error", error);
    pv_event_add_strv(&fields, "kept", kept);
    if (cause)
        pv_event_add_str(&fields, "cause", cause);
    pv_event_emit_checked(events, "file_completed", &fields);
}

/**
 * pv_event_test_started:
 * @tags: (nullable): the test's tags, NULL-terminated
 */
void
pv_event_test_started(PvEvents *events, const char *path, const char *name,
                      const char *const *tags)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "name", name);
    pv_event_add_strings(&fields, "tags", tags);
    pv_event_emit_checked(events, "test_started", &fields);
}

void
pv_event_test_log(PvEvents *events, const char *path, const char *name, const char *text)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "name", name);
    pv_event_add_str(&fields, "text", text);
    pv_event_emit_checked(events, "test_log", &fields);
}

/**
 * pv_event_test_ended:
 * @tags: (nullable): the test's tags, NULL-terminated
 * @status: "passed", "failed", "skipped" or "not_run": the kind is test_@status
 * @cause: (nullable): for a skip, failure or test not run the host imposed,
 *   its code ("perf_mode_unavailable", "host_lost")
 * @reason: (nullable): the failure, or why skipped or not run
 * @console_excerpt: (nullable): for a failure
 */
void
pv_event_test_ended(PvEvents *events, const char *path, const char *name,
                    const char *const *tags, const char *status, gint64 duration_ns,
                    const char *cause, const char *reason, const char *console_excerpt)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    g_autofree char *kind = g_strconcat("test_", status, NULL);

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "name", name);
    pv_event_add_strings(&fields, "tags", tags);
    pv_event_add_int(&fields, "duration_ns", duration_ns);
    if (cause)
        pv_event_add_str(&fields, "cause", cause);
    if (reason)
        pv_event_add_str(&fields, "reason", reason);
    if (console_excerpt)
        pv_event_add_str(&fields, "console_excerpt", console_excerpt);
    pv_event_emit_checked(events, kind, &fields);
}

/**
 * pv_event_test_flaky:
 * @failures: (element-type utf8): the reason of each earlier attempt in
 *   which the test failed, oldest first
 *
 * A test passed after failing in an earlier attempt of its file
 * (--retries).
 */
void
pv_event_test_flaky(PvEvents *events, const char *path, const char *name, gint64 duration_ns,
                    GPtrArray *failures)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_str(&fields, "name", name);
    pv_event_add_int(&fields, "duration_ns", duration_ns);
    pv_event_add_strv(&fields, "failures", failures);
    pv_event_emit_checked(events, "test_flaky", &fields);
}

/**
 * pv_event_file_retried:
 * @attempt: the attempt that starts now, from 2
 * @attempts: at most, 1 + --retries
 * @failed: (element-type utf8): the tests that failed in the attempt before
 */
void
pv_event_file_retried(PvEvents *events, const char *path, guint attempt, guint attempts,
                      GPtrArray *failed)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_file_host(events, &fields, path);
    pv_event_add_uint(&fields, "attempt", attempt);
    pv_event_add_uint(&fields, "attempts", attempts);
    pv_event_add_strv(&fields, "failed", failed);
    pv_event_emit_checked(events, "file_retried", &fields);
}
