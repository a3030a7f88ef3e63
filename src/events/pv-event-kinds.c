/*
 * pv-event-kinds.c: the schema doc/events.md documents, and what every
 * event's constructor ends with
 *
 * As libvirt's domain_event.c has a constructor per event, so here: the
 * callers give typed values, the constructor names the fields, and the
 * event is checked against its schema entry before it is emitted.  This
 * file owns the schema (every kind, its constructor, its fields), the
 * check, and the helpers the constructors share; the constructors
 * themselves are grouped by subject: the run and the host
 * (pv-event-kinds-run.c), files and their tests (pv-event-kinds-file.c),
 * VMs, fixtures and networks (pv-event-kinds-vm.c).
 */
#include "config.h"

#include <string.h>

#include "pv-event-kinds.h"
#define PV_EVENT_KINDS_PRIVATE
#include "pv-event-kinds-private.h"

static const PvEventSchema pv_event_schema[] = {
    { "run_started", "pv_event_run_started",
      "argv uri version host prefix dir pid pool host_cpus virt_type virt_auto virt_reason hosts",
      "shard" },
    { "run_interrupted", "pv_event_run_interrupted", "signals message", "" },
    { "ksm_tuned", "pv_event_ksm_tuned", "tuned message",
      "ksm_run pages_to_scan sleep_millisecs previous" },
    { "ksm_restored", "pv_event_ksm_restored", "restored previous message", "" },
    { "psi_state", "pv_event_psi_state", "throttled cpu memory host", "" },
    { "pool_state", "pv_event_pool_state", "used available", "hosts" },
    { "file_discovered", "pv_event_file_discovered", "path key tests claim", "" },
    { "file_blocked", "pv_event_file_blocked", "path reason waiting_for", "host" },
    { "file_unblocked", "pv_event_file_unblocked", "path reason blocked_ns", "host" },
    { "file_dispatched", "pv_event_file_dispatched", "path reservation host", "" },
    { "claim_acquired", "pv_event_claim_acquired", "path memory cpus host", "" },
    { "network_created", "pv_event_network_created",
      "path net network bridge cidr dhcp forward host", "address" },
    { "network_destroyed", "pv_event_network_destroyed", "path net network host", "" },
    { "network_reclaimed", "pv_event_network_reclaimed",
      "path network bridge owner_run owner_pid reason host", "" },
    { "test_started", "pv_event_test_started", "path name tags host", "" },
    { "test_log", "pv_event_test_log", "path name text", "host" },
    { "vm_spawned", "pv_event_vm_spawned", "path vm domain memory cpus host", "" },
    { "perf_plan", "pv_event_perf_plan", "path vm mode warnings notes host", "plan cpuset" },
    { "vm_ready", "pv_event_vm_ready", "path vm domain boot_ns host", "" },
    { "vm_stopped", "pv_event_vm_stopped", "path vm domain reason host", "" },
    { "vm_link", "pv_event_vm_link", "path vm domain net up host", "" },
    { "fixture_build_started", "pv_event_fixture_build_started", "path vm fixture key host", "" },
    { "fixture_build_waiting", "pv_event_fixture_build_waiting",
      "path vm fixture key holder host", "" },
    { "fixture_build_finished", "pv_event_fixture_build_finished",
      "path vm fixture key duration_ns ok host", "error" },
    { "vm_restored", "pv_event_vm_restored", "path vm domain fixture key slot restore_ns host",
      "clock_not_set" },
    { "test_passed", "pv_event_test_ended", "path name tags duration_ns host", "" },
    { "test_failed", "pv_event_test_ended", "path name tags duration_ns reason host",
      "console_excerpt cause" },
    { "test_skipped", "pv_event_test_ended", "path name tags duration_ns reason host", "cause" },
    { "test_not_run", "pv_event_test_ended", "path name tags duration_ns reason", "cause host" },
    { "test_flaky", "pv_event_test_flaky", "path name duration_ns failures host", "" },
    { "file_retried", "pv_event_file_retried", "path attempt attempts failed host", "" },
    { "claim_released", "pv_event_claim_released",
      "path memory cpus pool_used in_flight host", "" },
    { "file_completed", "pv_event_file_completed", "path status duration_ns kept",
      "error cause host" },
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
void
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

void
pv_event_add_amount_value(GVariantBuilder *fields, const char *key, PvAmount amount)
{
    g_variant_builder_add(fields, "{sv}", key, pv_event_amount(amount));
}

void
pv_event_add_double(GVariantBuilder *fields, const char *key, double value)
{
    g_variant_builder_add(fields, "{sv}", key, g_variant_new_double(value));
}

void
pv_event_add_bool(GVariantBuilder *fields, const char *key, gboolean value)
{
    g_variant_builder_add(fields, "{sv}", key, g_variant_new_boolean(value));
}

void
pv_event_add_strv(GVariantBuilder *fields, const char *key, GPtrArray *strings)
{
    g_auto(GVariantBuilder) array = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    guint i;

    for (i = 0; strings && i < strings->len; i++)
        g_variant_builder_add_value(&array, pv_event_new_str(strings->pdata[i]));
    g_variant_builder_add(fields, "{sv}", key, g_variant_builder_end(&array));
}

/* @strings: (nullable): NULL-terminated */
void
pv_event_add_strings(GVariantBuilder *fields, const char *key, const char *const *strings)
{
    g_auto(GVariantBuilder) array = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    guint i;

    for (i = 0; strings && strings[i]; i++)
        g_variant_builder_add_value(&array, pv_event_new_str(strings[i]));
    g_variant_builder_add(fields, "{sv}", key, g_variant_builder_end(&array));
}

/*
 * "host": the name of the host @path runs on, when it has one (the sink
 * knows: pv_events_set_file_host()).
 */
void
pv_event_add_file_host(PvEvents *events, GVariantBuilder *fields, const char *path)
{
    g_autofree char *host = pv_events_dup_file_host(events, path);

    if (host)
        pv_event_add_str(fields, "host", host);
}
