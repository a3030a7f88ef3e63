/*
 * pv-event-kinds-run.c: the constructors of the run's and the host's events
 *
 * run_started, run_interrupted, run_finished; ksm_tuned, ksm_restored;
 * psi_state, pool_state.  Each names its kind's fields from typed values
 * and ends in pv_event_emit_checked(), which holds the event to its schema
 * entry (pv-event-kinds.c) before it goes.
 */
#include "config.h"

#include "pv-event-kinds.h"
#define PV_EVENT_KINDS_PRIVATE
#include "pv-event-kinds-private.h"

/**
 * pv_event_run_started:
 * @host: this machine's name (the client's)
 * @hosts: (array length=n_hosts): the run's libvirt hosts, the default first
 * @shard: (nullable) (transfer floating): a{sv} of index, total, mode,
 *   partition, files: the share this run runs (--shard); NULL for none
 */
void
pv_event_run_started(PvEvents *events, const char *const *argv, const char *uri,
                     const char *host, const char *prefix, const char *dir, gint64 pid,
                     PvAmount pool, guint host_cpus, const char *virt_type,
                     const char *virt_auto, const char *virt_reason,
                     const PvEventHost *hosts, guint n_hosts, GVariant *shard)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    g_auto(GVariantBuilder) list = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("aa{sv}"));
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
    for (i = 0; i < n_hosts; i++) {
        g_auto(GVariantBuilder) one = PV_EVENT_FIELDS_INIT;

        pv_event_add_str(&one, "name", hosts[i].name);
        pv_event_add_str(&one, "uri", hosts[i].uri ? hosts[i].uri : "");
        pv_event_add_amount_value(&one, "pool", hosts[i].pool);
        pv_event_add_uint(&one, "cpus", hosts[i].cpus);
        g_variant_builder_add_value(&list, g_variant_builder_end(&one));
    }
    g_variant_builder_add(&fields, "{sv}", "hosts", g_variant_builder_end(&list));
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

/**
 * pv_event_psi_state:
 * @host: the host whose pressure it is (as the other events' host)
 */
void
pv_event_psi_state(PvEvents *events, const char *host, gboolean throttled, double cpu,
                   double memory)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;

    pv_event_add_bool(&fields, "throttled", throttled);
    pv_event_add_double(&fields, "cpu", cpu);
    pv_event_add_double(&fields, "memory", memory);
    pv_event_add_str(&fields, "host", host);
    pv_event_emit_checked(events, "psi_state", &fields);
}

/**
 * pv_event_pool_state:
 * @used: what the run's pools hold together
 * @hosts: (array length=n_hosts) (nullable): each host's pool, for a run on
 *   several hosts; none for one
 */
void
pv_event_pool_state(PvEvents *events, PvAmount used, PvAmount available,
                    const PvEventPoolHost *hosts, guint n_hosts)
{
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    guint i;

    pv_event_add_amount_value(&fields, "used", used);
    pv_event_add_amount_value(&fields, "available", available);
    if (n_hosts > 0) {
        g_auto(GVariantBuilder) list = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("aa{sv}"));

        for (i = 0; i < n_hosts; i++) {
            g_auto(GVariantBuilder) one = PV_EVENT_FIELDS_INIT;

            pv_event_add_str(&one, "name", hosts[i].name);
            pv_event_add_amount_value(&one, "used", hosts[i].used);
            pv_event_add_amount_value(&one, "available", hosts[i].available);
            g_variant_builder_add_value(&list, g_variant_builder_end(&one));
        }
        g_variant_builder_add(&fields, "{sv}", "hosts", g_variant_builder_end(&list));
    }
    pv_event_emit_checked(events, "pool_state", &fields);
}
