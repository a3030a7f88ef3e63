/*
 * pv-event-kinds.c: one typed constructor per event kind, and the schema
 * doc/events.md documents
 *
 * As libvirt's domain_event.c has a constructor per event, so here: the
 * callers give typed values, the constructor names the fields, and the
 * event is checked against its schema entry before it is emitted.
 */
#include "config.h"

#include <string.h>

#include "pv-event-kinds.h"

static const PvEventSchema pv_event_schema[] = {
    { "run_started", "pv_event_run_started",
      "argv uri version host prefix dir pid pool host_cpus virt_type virt_auto virt_reason",
      "shard" },
    { "run_interrupted", "pv_event_run_interrupted", "signals message", "" },
    { "ksm_tuned", "pv_event_ksm_tuned", "tuned message",
      "ksm_run pages_to_scan sleep_millisecs previous" },
    { "ksm_restored", "pv_event_ksm_restored", "restored previous message", "" },
    { "psi_state", "pv_event_psi_state", "throttled cpu memory", "" },
    { "pool_state", "pv_event_pool_state", "used available", "" },
    { "file_discovered", "pv_event_file_discovered", "path key tests claim", "" },
    { "file_blocked", "pv_event_file_blocked", "path reason waiting_for", "" },
    { "file_unblocked", "pv_event_file_unblocked", "path reason blocked_ns", "" },
    { "file_dispatched", "pv_event_file_dispatched", "path reservation", "" },
    { "claim_acquired", "pv_event_claim_acquired", "path memory cpus", "" },
    { "network_created", "pv_event_network_created",
      "path net network bridge cidr dhcp forward", "host" },
    { "network_destroyed", "pv_event_network_destroyed", "path net network", "" },
    { "network_reclaimed", "pv_event_network_reclaimed",
      "path network bridge owner_run owner_pid reason", "" },
    { "test_started", "pv_event_test_started", "path name tags", "" },
    { "test_log", "pv_event_test_log", "path name text", "" },
    { "vm_spawned", "pv_event_vm_spawned", "path vm domain memory cpus", "" },
    { "perf_plan", "pv_event_perf_plan", "path vm mode warnings notes", "plan cpuset" },
    { "vm_ready", "pv_event_vm_ready", "path vm domain boot_ns", "" },
    { "vm_stopped", "pv_event_vm_stopped", "path vm domain reason", "" },
    { "vm_link", "pv_event_vm_link", "path vm domain net up", "" },
    { "fixture_build_started", "pv_event_fixture_build_started", "path vm fixture key", "" },
    { "fixture_build_waiting", "pv_event_fixture_build_waiting",
      "path vm fixture key holder", "" },
    { "fixture_build_finished", "pv_event_fixture_build_finished",
      "path vm fixture key duration_ns ok", "error" },
    { "vm_restored", "pv_event_vm_restored", "path vm domain fixture key slot restore_ns",
      "clock_not_set" },
    { "test_passed", "pv_event_test_ended", "path name tags duration_ns", "" },
    { "test_failed", "pv_event_test_ended", "path name tags duration_ns reason",
      "console_excerpt" },
    { "test_skipped", "pv_event_test_ended", "path name tags duration_ns reason", "cause" },
    { "test_not_run", "pv_event_test_ended", "path name tags duration_ns reason", "" },
    { "test_flaky", "pv_event_test_flaky", "path name duration_ns failures", "" },
    { "file_retried", "pv_event_file_retried", "path attempt attempts failed", "" },
    { "claim_released", "pv_event_claim_released",
      "path memory cpus pool_used in_flight", "" },
    { "file_completed", "pv_event_file_completed", "path status duration_ns kept", "error" },
    { "run_finished", "pv_event_run_finished",
      "passed failed skipped flaky cancelled errors not_run duration_ns pool_used", "" },
};

/**
 * pv_event_schemas:
 * @n: (out): how many
 *
 * Returns: (transfer none): every kind provium emits
 */
const PvEventSchema *
pv_event_schemas(guint *n)
{
    *n = G_N_ELEMENTS(pv_event_schema);
    return pv_event_schema;
}

const PvEventSchema *
pv_event_schema_lookup(const char *kind)
{
    gsize i;

    for (i = 0; kind && i < G_N_ELEMENTS(pv_event_schema); i++) {
        if (g_str_equal(pv_event_schema[i].kind, kind))
            return &pv_event_schema[i];
    }
    return NULL;
}

static gboolean
pv_event_word_in(const char *words, const char *word)
{
    gsize len = strlen(word);
    const char *p = words;

    while ((p = strstr(p, word))) {
        if ((p == words || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return TRUE;
        p += len;
    }
    return FALSE;
}

/**
 * pv_event_check_schema:
 * @problem: (out) (optional) (transfer full): what is wrong
 *
 * Returns: whether @event has exactly the fields its kind's schema allows,
 *   and all those it requires
 */
gboolean
pv_event_check_schema(GVariant *event, char **problem)
{
    const char *kind = pv_event_get_kind(event);
    const PvEventSchema *schema = pv_event_schema_lookup(kind);
    g_auto(GStrv) required = NULL;
    GVariantIter iter;
    const char *key;
    gsize i;

    if (!schema) {
        if (problem)
            *problem = g_strdup_printf("kind '%s' has no schema", kind ? kind : "(none)");
        return FALSE;
    }
    g_variant_iter_init(&iter, event);
    while (g_variant_iter_next(&iter, "{&sv}", &key, NULL)) {
        if (g_str_equal(key, "kind") || g_str_equal(key, "ts") || g_str_equal(key, "run") ||
            pv_event_word_in(schema->fields, key) || pv_event_word_in(schema->optional, key))
            continue;
        if (problem)
            *problem = g_strdup_printf("%s: field '%s' is not in its schema", kind, key);
        return FALSE;
    }
    required = g_strsplit(schema->fields, " ", -1);
    for (i = 0; required[i]; i++) {
        g_autoptr(GVariant) value = g_variant_lookup_value(event, required[i], NULL);

        if (value)
            continue;
        if (problem)
            *problem = g_strdup_printf("%s: field '%s' is missing", kind, required[i]);
        return FALSE;
    }
    return TRUE;
}

/* Every constructor ends here: the schema is checked, then the event goes. */
static void
pv_event_emit_checked(PvEvents *events, const char *kind, GVariantBuilder *fields)
{
    g_autoptr(GVariant) event = NULL;
    g_autofree char *problem = NULL;
    GVariant *body = g_variant_builder_end(fields);

    event = pv_events_emit(events, kind, body);
    if (event && !pv_event_check_schema(event, &problem))
        g_critical("event does not match doc/events.md: %s", problem);
}

static GVariant *
pv_event_amount(PvAmount amount)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_uint(&fields, "memory", amount.memory);
    g_variant_builder_add(&fields, "{sv}", "cpus",
                          g_variant_new_double(amount.mcpus / (double)PV_MCPU));
    return g_variant_builder_end(&fields);
}

static void
pv_event_add_amount_value(GVariantBuilder *fields, const char *key, PvAmount amount)
{
    g_variant_builder_add(fields, "{sv}", key, pv_event_amount(amount));
}

static void
pv_event_add_double(GVariantBuilder *fields, const char *key, double value)
{
    g_variant_builder_add(fields, "{sv}", key, g_variant_new_double(value));
}

static void
pv_event_add_bool(GVariantBuilder *fields, const char *key, gboolean value)
{
    g_variant_builder_add(fields, "{sv}", key, g_variant_new_boolean(value));
}

static void
pv_event_add_strv(GVariantBuilder *fields, const char *key, GPtrArray *strings)
{
    g_auto(GVariantBuilder) array = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    guint i;

    for (i = 0; strings && i < strings->len; i++)
        g_variant_builder_add_value(&array, pv_event_new_str(strings->pdata[i]));
    g_variant_builder_add(fields, "{sv}", key, g_variant_builder_end(&array));
}

/* @strings: (nullable): NULL-terminated */
static void
pv_event_add_strings(GVariantBuilder *fields, const char *key, const char *const *strings)
{
    g_auto(GVariantBuilder) array = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    guint i;

    for (i = 0; strings && strings[i]; i++)
        g_variant_builder_add_value(&array, pv_event_new_str(strings[i]));
    g_variant_builder_add(fields, "{sv}", key, g_variant_builder_end(&array));
}

/**
 * pv_event_run_started:
 * @shard: (nullable) (transfer floating): a{sv} of index, total, mode,
 *   partition, files: the share this run runs (--shard); NULL for none
 */
void
pv_event_run_started(PvEvents *events, const char *const *argv, const char *uri,
                     const char *host, const char *prefix, const char *dir, gint64 pid,
                     PvAmount pool, guint host_cpus, const char *virt_type,
                     const char *virt_auto, const char *virt_reason, GVariant *shard)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    gsize i;

    for (i = 0; argv && argv[i]; i++)
        g_ptr_array_add(args, (gpointer)argv[i]);
    pv_event_add_strv(&fields, "argv", args);
    pv_event_add_str(&fields, "uri", uri ? uri : "");
    pv_event_add_str(&fields, "version", PACKAGE_VERSION);
    pv_event_add_str(&fields, "host", host);
    pv_event_add_str(&fields, "prefix", prefix);
    pv_event_add_str(&fields, "dir", dir);
    pv_event_add_int(&fields, "pid", pid);
    pv_event_add_amount_value(&fields, "pool", pool);
    pv_event_add_uint(&fields, "host_cpus", host_cpus);
    pv_event_add_str(&fields, "virt_type", virt_type);
    pv_event_add_str(&fields, "virt_auto", virt_auto);
    pv_event_add_str(&fields, "virt_reason", virt_reason ? virt_reason : "");
    if (shard)
        g_variant_builder_add(&fields, "{sv}", "shard", shard);
    pv_event_emit_checked(events, "run_started", &fields);
}

void
pv_event_run_interrupted(PvEvents *events, guint signals, const char *message)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_uint(&fields, "signals", signals);
    pv_event_add_str(&fields, "message", message);
    pv_event_emit_checked(events, "run_interrupted", &fields);
}

/**
 * pv_event_run_finished:
 * @counts: passed, failed, skipped, flaky (tests); cancelled, errors, not_run
 *   (files)
 */
void
pv_event_run_finished(PvEvents *events, const guint counts[PV_RUN_COUNTS], gint64 duration_ns,
                      PvAmount pool_used)
{
    static const char *const names[] = {
        "passed", "failed", "skipped", "flaky", "cancelled", "errors", "not_run",
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(names) == PV_RUN_COUNTS);
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(names); i++)
        pv_event_add_uint(&fields, names[i], counts[i]);
    pv_event_add_int(&fields, "duration_ns", duration_ns);
    pv_event_add_amount_value(&fields, "pool_used", pool_used);
    pv_event_emit_checked(events, "run_finished", &fields);
}

/**
 * pv_event_ksm_tuned:
 * @knobs: (nullable) (transfer floating): a{sv} of ksm_run, pages_to_scan,
 *   sleep_millisecs as they are after tuning; NULL when never read
 * @previous: (nullable) (transfer floating): the host's own settings
 */
void
pv_event_ksm_tuned(PvEvents *events, gboolean tuned, GVariant *knobs, GVariant *previous,
                   const char *message)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_bool(&fields, "tuned", tuned);
    if (knobs) {
        GVariantIter iter;
        const char *key;
        GVariant *value;

        g_variant_ref_sink(knobs);
        g_variant_iter_init(&iter, knobs);
        while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
            g_variant_builder_add(&fields, "{sv}", key, value);
            g_variant_unref(value);
        }
        g_variant_unref(knobs);
    }
    if (previous)
        g_variant_builder_add(&fields, "{sv}", "previous", previous);
    pv_event_add_str(&fields, "message", message);
    pv_event_emit_checked(events, "ksm_tuned", &fields);
}

/**
 * pv_event_ksm_restored:
 * @previous: (transfer floating)
 */
void
pv_event_ksm_restored(PvEvents *events, gboolean restored, GVariant *previous,
                      const char *message)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_bool(&fields, "restored", restored);
    g_variant_builder_add(&fields, "{sv}", "previous", previous);
    pv_event_add_str(&fields, "message", message);
    pv_event_emit_checked(events, "ksm_restored", &fields);
}

void
pv_event_psi_state(PvEvents *events, gboolean throttled, double cpu, double memory)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_bool(&fields, "throttled", throttled);
    pv_event_add_double(&fields, "cpu", cpu);
    pv_event_add_double(&fields, "memory", memory);
    pv_event_emit_checked(events, "psi_state", &fields);
}

void
pv_event_pool_state(PvEvents *events, PvAmount used, PvAmount available)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_amount_value(&fields, "used", used);
    pv_event_add_amount_value(&fields, "available", available);
    pv_event_emit_checked(events, "pool_state", &fields);
}

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
    pv_event_add_str(&fields, "reason", pv_block_reason_to_string(reason));
    pv_event_add_int(&fields, "blocked_ns", blocked_ns);
    pv_event_emit_checked(events, "file_unblocked", &fields);
}

void
pv_event_file_dispatched(PvEvents *events, const char *path, PvAmount reservation)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_amount_value(&fields, "reservation", reservation);
    pv_event_emit_checked(events, "file_dispatched", &fields);
}

void
pv_event_claim_acquired(PvEvents *events, const char *path, PvAmount claim)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
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
 */
void
pv_event_file_completed(PvEvents *events, const char *path, const char *status,
                        gint64 duration_ns, const char *error, GPtrArray *kept)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "status", status);
    pv_event_add_int(&fields, "duration_ns", duration_ns);
    if (error)
        pv_event_add_str(&fields, "error", error);
    pv_event_add_strv(&fields, "kept", kept);
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
    pv_event_add_str(&fields, "name", name);
    pv_event_add_strings(&fields, "tags", tags);
    pv_event_emit_checked(events, "test_started", &fields);
}

void
pv_event_test_log(PvEvents *events, const char *path, const char *name, const char *text)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "name", name);
    pv_event_add_str(&fields, "text", text);
    pv_event_emit_checked(events, "test_log", &fields);
}

/**
 * pv_event_test_ended:
 * @tags: (nullable): the test's tags, NULL-terminated
 * @status: "passed", "failed", "skipped" or "not_run": the kind is test_@status
 * @cause: (nullable): for a skip the host imposed, its code
 *   ("perf_mode_unavailable")
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
    pv_event_add_uint(&fields, "attempt", attempt);
    pv_event_add_uint(&fields, "attempts", attempts);
    pv_event_add_strv(&fields, "failed", failed);
    pv_event_emit_checked(events, "file_retried", &fields);
}

void
pv_event_vm_spawned(PvEvents *events, const char *path, const char *vm, const char *domain,
                    guint64 memory, guint cpus)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_uint(&fields, "memory", memory);
    pv_event_add_uint(&fields, "cpus", cpus);
    pv_event_emit_checked(events, "vm_spawned", &fields);
}

void
pv_event_vm_ready(PvEvents *events, const char *path, const char *vm, const char *domain,
                  gint64 boot_ns)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_int(&fields, "boot_ns", boot_ns);
    pv_event_emit_checked(events, "vm_ready", &fields);
}

void
pv_event_vm_stopped(PvEvents *events, const char *path, const char *vm, const char *domain,
                    const char *reason)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_str(&fields, "reason", reason);
    pv_event_emit_checked(events, "vm_stopped", &fields);
}

void
pv_event_fixture_build_started(PvEvents *events, const char *path, const char *vm,
                               const char *fixture, const char *key)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_emit_checked(events, "fixture_build_started", &fields);
}

/**
 * pv_event_fixture_build_waiting:
 * @holder: who builds it, as the builder wrote it
 */
void
pv_event_fixture_build_waiting(PvEvents *events, const char *path, const char *vm,
                               const char *fixture, const char *key, const char *holder)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_add_str(&fields, "holder", holder ? holder : "");
    pv_event_emit_checked(events, "fixture_build_waiting", &fields);
}

/**
 * pv_event_fixture_build_finished:
 * @error: (nullable): why it failed
 */
void
pv_event_fixture_build_finished(PvEvents *events, const char *path, const char *vm,
                                const char *fixture, const char *key, gint64 duration_ns,
                                const char *error)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_add_int(&fields, "duration_ns", duration_ns);
    pv_event_add_bool(&fields, "ok", error == NULL);
    if (error)
        pv_event_add_str(&fields, "error", error);
    pv_event_emit_checked(events, "fixture_build_finished", &fields);
}

void
pv_event_vm_restored(PvEvents *events, const char *path, const char *vm, const char *domain,
                     const char *fixture, const char *key, guint slot, gint64 restore_ns,
                     const char *clock_not_set)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_str(&fields, "fixture", fixture);
    pv_event_add_str(&fields, "key", key);
    pv_event_add_int(&fields, "slot", slot);
    pv_event_add_int(&fields, "restore_ns", restore_ns);
    if (clock_not_set)
        pv_event_add_str(&fields, "clock_not_set", clock_not_set);
    pv_event_emit_checked(events, "vm_restored", &fields);
}

/**
 * pv_event_vm_link:
 * @up: the NIC's virtual cable is plugged in
 */
void
pv_event_vm_link(PvEvents *events, const char *path, const char *vm, const char *domain,
                 const char *net, gboolean up)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "domain", domain);
    pv_event_add_str(&fields, "net", net);
    pv_event_add_bool(&fields, "up", up);
    pv_event_emit_checked(events, "vm_link", &fields);
}

/**
 * pv_event_network_created:
 * @net: the network's name in the test file
 * @network: the libvirt network's name
 * @host: (nullable): the host's address on it
 * @forward: "none" (isolated) or "nat"
 */
void
pv_event_network_created(PvEvents *events, const char *path, const char *net,
                         const char *network, const char *bridge, const char *cidr,
                         const char *host, gboolean dhcp, const char *forward)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "net", net);
    pv_event_add_str(&fields, "network", network);
    pv_event_add_str(&fields, "bridge", bridge);
    pv_event_add_str(&fields, "cidr", cidr);
    if (host)
        pv_event_add_str(&fields, "host", host);
    pv_event_add_bool(&fields, "dhcp", dhcp);
    pv_event_add_str(&fields, "forward", forward);
    pv_event_emit_checked(events, "network_created", &fields);
}

void
pv_event_network_destroyed(PvEvents *events, const char *path, const char *net,
                           const char *network)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "net", net);
    pv_event_add_str(&fields, "network", network);
    pv_event_emit_checked(events, "network_destroyed", &fields);
}

/**
 * pv_event_network_reclaimed:
 * @path: the file whose network needed the addresses
 * @network: the libvirt network removed
 * @owner_run: the run that made it, which is over
 * @owner_pid: that run's pid
 * @reason: why the run is known to be over: "process_gone" or "pid_reused"
 */
void
pv_event_network_reclaimed(PvEvents *events, const char *path, const char *network,
                           const char *bridge, const char *owner_run, gint64 owner_pid,
                           const char *reason)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "network", network);
    pv_event_add_str(&fields, "bridge", bridge);
    pv_event_add_str(&fields, "owner_run", owner_run);
    pv_event_add_int(&fields, "owner_pid", owner_pid);
    pv_event_add_str(&fields, "reason", reason);
    pv_event_emit_checked(events, "network_reclaimed", &fields);
}

/**
 * pv_event_perf_plan:
 * @plan: (nullable): performance mode's plan, described
 * @cpuset: (nullable): budgeted mode's shared CPU set
 */
void
pv_event_perf_plan(PvEvents *events, const char *path, const char *vm, const char *plan,
                   const char *cpuset, GPtrArray *warnings, GPtrArray *notes)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_str(&fields, "path", path);
    pv_event_add_str(&fields, "vm", vm);
    pv_event_add_str(&fields, "mode", plan ? "performance" : "budgeted");
    if (plan)
        pv_event_add_str(&fields, "plan", plan);
    if (cpuset)
        pv_event_add_str(&fields, "cpuset", cpuset);
    pv_event_add_strv(&fields, "warnings", warnings);
    pv_event_add_strv(&fields, "notes", notes);
    pv_event_emit_checked(events, "perf_plan", &fields);
}
