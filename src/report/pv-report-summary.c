/*
 * pv-report-summary.c: what a run's event stream says, in figures
 *
 * provium report reads a saved stream into a PvSummary: each file's life
 * (dispatch, completion, the spans it spent blocked and why, its VMs'
 * boots), the pool's use over time, peak and mean parallelism, time blocked
 * per reason, and a leak check: every claim released, the pool empty
 * whenever no file runs and at the end, every VM stopped (or kept on
 * purpose).  A run on several libvirt hosts has its figures per host too:
 * each file on the host its events name, its tests, VMs and their time
 * counted there.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-events.h"
#include "pv-report-summary.h"
#include "pv-text.h"
#include "pv-units.h"

/*
 * Timestamps are read into [0, G_MAXINT64 / 2] (until the year 2116): the
 * difference of two never overflows, whatever a stream holds.
 */
#define PV_SUMMARY_TS_MAX (G_MAXINT64 / 2)

/* @a + @b for non-negative durations, stopping at G_MAXINT64. */
static gint64
pv_summary_add_ns(gint64 a, gint64 b)
{
    return a > G_MAXINT64 - b ? G_MAXINT64 : a + b;
}

static void
pv_summary_span_free(PvSummarySpan *span)
{
    g_free(span->waiting_for);
    g_free(span);
}

static void
pv_summary_vm_free(PvSummaryVm *vm)
{
    g_free(vm->name);
    g_free(vm->domain);
    g_free(vm->stop_reason);
    g_free(vm->fixture);
    g_free(vm);
}

static void
pv_summary_build_free(PvSummaryBuild *build)
{
    g_free(build->fixture);
    g_free(build->key);
    g_free(build);
}

static void
pv_summary_host_free(PvSummaryHost *host)
{
    g_free(host->name);
    g_free(host->uri);
    g_free(host);
}

static void
pv_summary_file_free(PvSummaryFile *file)
{
    g_free(file->path);
    g_free(file->host);
    g_free(file->status);
    g_ptr_array_unref(file->spans);
    g_ptr_array_unref(file->vms);
    g_ptr_array_unref(file->builds);
    g_free(file);
}

void
pv_summary_free(PvSummary *summary)
{
    if (!summary)
        return;
    g_free(summary->run);
    g_free(summary->uri);
    g_ptr_array_unref(summary->files);
    g_array_unref(summary->pool);
    g_ptr_array_unref(summary->leaks);
    g_ptr_array_unref(summary->hosts);
    g_free(summary);
}

static PvSummaryFile *
pv_summary_file(PvSummary *summary, GHashTable *by_path, const char *path)
{
    PvSummaryFile *file = g_hash_table_lookup(by_path, path);

    if (!file) {
        file = g_new0(PvSummaryFile, 1);
        file->path = g_strdup(path);
        file->spans = g_ptr_array_new_with_free_func((GDestroyNotify)pv_summary_span_free);
        file->vms = g_ptr_array_new_with_free_func((GDestroyNotify)pv_summary_vm_free);
        file->builds = g_ptr_array_new_with_free_func((GDestroyNotify)pv_summary_build_free);
        g_ptr_array_add(summary->files, file);
        g_hash_table_insert(by_path, file->path, file);
    }
    return file;
}

/*
 * The host named @name in the stream, made one line to show, added when
 * new; @by_name: its name -> PvSummaryHost (however many a stream names).
 */
static PvSummaryHost *
pv_summary_host(PvSummary *summary, GHashTable *by_name, const char *name)
{
    g_autofree char *shown = pv_text_name(name);
    PvSummaryHost *host = g_hash_table_lookup(by_name, shown);

    if (host)
        return host;
    host = g_new0(PvSummaryHost, 1);
    host->name = g_steal_pointer(&shown);
    g_ptr_array_add(summary->hosts, host);
    g_hash_table_insert(by_name, host->name, host);
    return host;
}

static PvSummarySpan *
pv_summary_open_span(PvSummaryFile *file)
{
    PvSummarySpan *span;

    if (file->spans->len == 0)
        return NULL;
    span = file->spans->pdata[file->spans->len - 1];
    return span->end_ns ? NULL : span;
}

static PvSummaryVm *
pv_summary_vm(PvSummaryFile *file, const char *domain)
{
    guint i;

    for (i = file->vms->len; i > 0; i--) {
        PvSummaryVm *vm = file->vms->pdata[i - 1];

        if (g_strcmp0(vm->domain, domain) == 0)
            return vm;
    }
    return NULL;
}

static double
pv_summary_get_double(GVariant *event, const char *key)
{
    g_autoptr(GVariant) value = g_variant_lookup_value(event, key, NULL);

    if (!value)
        return 0;
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_DOUBLE))
        return g_variant_get_double(value);
    return pv_event_get_int(event, key, 0);
}

/* Reads {"memory": bytes, "cpus": n} at @key. */
static void
pv_summary_get_amount(GVariant *event, const char *key, guint64 *memory, double *cpus)
{
    g_autoptr(GVariant) value = g_variant_lookup_value(event, key, G_VARIANT_TYPE_VARDICT);

    *memory = 0;
    *cpus = 0;
    if (!value)
        return;
    *memory = pv_event_get_int(value, "memory", 0);
    *cpus = pv_summary_get_double(value, "cpus");
}

/* run_started's hosts: each one's URI and pool. */
static void
pv_summary_read_hosts(PvSummary *summary, GHashTable *by_name, GVariant *event)
{
    g_autoptr(GVariant) hosts = g_variant_lookup_value(event, "hosts", G_VARIANT_TYPE_ARRAY);
    gsize i;

    for (i = 0; hosts && i < g_variant_n_children(hosts); i++) {
        g_autoptr(GVariant) one = g_variant_get_child_value(hosts, i);
        g_autoptr(GVariant) fields = g_variant_is_of_type(one, G_VARIANT_TYPE_VARIANT) ?
            g_variant_get_variant(one) : g_variant_ref(one);
        const char *name;
        PvSummaryHost *host;

        if (!g_variant_is_of_type(fields, G_VARIANT_TYPE_VARDICT))
            continue;
        name = pv_event_get_str(fields, "name");
        if (!name)
            continue;
        host = pv_summary_host(summary, by_name, name);
        g_free(host->uri);
        host->uri = g_strdup(pv_event_get_str(fields, "uri"));
        pv_summary_get_amount(fields, "pool", &host->pool_memory, &host->pool_cpus);
    }
}

static void
pv_summary_leak(PvSummary *summary, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
pv_summary_leak(PvSummary *summary, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    g_ptr_array_add(summary->leaks, g_strdup_vprintf(format, ap));
    va_end(ap);
}

/* An interval's start (+ its weight) or end (-): 1 for a count, bytes for memory. */
typedef struct {
    gint64 ts;
    double delta;          /* a double: whatever a stream holds, the sum cannot overflow */
} PvSummaryEdge;

static int
pv_summary_edge_compare(gconstpointer a, gconstpointer b)
{
    const PvSummaryEdge *x = a;
    const PvSummaryEdge *y = b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->delta < y->delta ? -1 : x->delta > y->delta;  /* an end before a start */
}

/* The most the weights of intervals open at once add up to. */
static guint64
pv_summary_weighted_peak(GArray *edges)
{
    double open = 0;
    double peak = 0;
    guint i;

    g_array_sort(edges, pv_summary_edge_compare);
    for (i = 0; i < edges->len; i++) {
        open += g_array_index(edges, PvSummaryEdge, i).delta;
        peak = MAX(peak, open);
    }
    /* 2^63 and above do not convert back. */
    return peak < 9.2e18 ? (guint64)peak : G_GUINT64_CONSTANT(9200000000000000000);
}

/* Each host's figures: its files', their tests' and their VMs'. */
static void
pv_summary_finish_hosts(PvSummary *summary)
{
    guint n = summary->hosts->len;
    g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) vms = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    g_autoptr(GPtrArray) memory = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    guint h;
    guint i;
    guint j;

    for (h = 0; h < n; h++) {
        PvSummaryHost *host = summary->hosts->pdata[h];

        g_hash_table_insert(index, host->name, GUINT_TO_POINTER(h + 1));
        g_ptr_array_add(vms, g_array_new(FALSE, FALSE, sizeof(PvSummaryEdge)));
        g_ptr_array_add(memory, g_array_new(FALSE, FALSE, sizeof(PvSummaryEdge)));
    }
    for (i = 0; i < summary->files->len; i++) {
        const PvSummaryFile *file = summary->files->pdata[i];
        guint at = file->host ? GPOINTER_TO_UINT(g_hash_table_lookup(index, file->host)) : 0;
        PvSummaryHost *host;

        if (!at)
            continue;
        host = summary->hosts->pdata[at - 1];
        host->files++;
        host->passed += file->passed;
        host->failed += file->failed;
        for (j = 0; j < file->vms->len; j++) {
            const PvSummaryVm *vm = file->vms->pdata[j];
            gint64 end = vm->stopped_ns ? vm->stopped_ns : summary->end_ns;
            PvSummaryEdge up = { vm->spawned_ns, 1 };
            PvSummaryEdge down = { end, -1 };

            host->vm_ns = pv_summary_add_ns(host->vm_ns, MAX(end - vm->spawned_ns, 0));
            g_array_append_val(vms->pdata[at - 1], up);
            g_array_append_val(vms->pdata[at - 1], down);
            up.delta = (double)vm->memory;
            down.delta = -(double)vm->memory;
            g_array_append_val(memory->pdata[at - 1], up);
            g_array_append_val(memory->pdata[at - 1], down);
        }
    }
    for (h = 0; h < n; h++) {
        PvSummaryHost *host = summary->hosts->pdata[h];

        host->peak_vms = (guint)MIN(pv_summary_weighted_peak(vms->pdata[h]), G_MAXUINT);
        host->peak_memory = pv_summary_weighted_peak(memory->pdata[h]);
    }
}

/* Peak and time-weighted mean of how many intervals are open at once. */
static void
pv_summary_concurrency(GArray *edges, gint64 start, gint64 end, guint *peak, double *mean)
{
    double open = 0;
    gint64 last = start;
    double area = 0;
    guint i;

    g_array_sort(edges, pv_summary_edge_compare);
    *peak = 0;
    for (i = 0; i < edges->len; i++) {
        PvSummaryEdge *e = &g_array_index(edges, PvSummaryEdge, i);

        area += open * (e->ts - last);
        last = e->ts;
        open += e->delta;
        *peak = MAX(*peak, (guint)MAX(open, 0));
    }
    area += open * (end - last);
    *mean = end > start ? area / (end - start) : 0;
}

static void
pv_summary_finish(PvSummary *summary)
{
    g_autoptr(GArray) file_edges = g_array_new(FALSE, FALSE, sizeof(PvSummaryEdge));
    g_autoptr(GArray) vm_edges = g_array_new(FALSE, FALSE, sizeof(PvSummaryEdge));
    guint i;
    guint j;

    for (i = 0; i < summary->files->len; i++) {
        PvSummaryFile *file = summary->files->pdata[i];
        gint64 file_end = file->completed ? file->completed_ns : summary->end_ns;

        if (file->dispatched) {
            PvSummaryEdge up = { file->dispatched_ns, 1 };
            PvSummaryEdge down = { file_end, -1 };

            g_array_append_val(file_edges, up);
            g_array_append_val(file_edges, down);
        }
        for (j = 0; j < file->spans->len; j++) {
            PvSummarySpan *span = file->spans->pdata[j];

            if (!span->end_ns)
                span->end_ns = file_end;
            summary->blocked_ns[span->reason] =
                pv_summary_add_ns(summary->blocked_ns[span->reason],
                                  MAX(span->end_ns - span->start_ns, 0));
        }
        for (j = 0; j < PV_BLOCK_LAST; j++) {
            guint k;

            for (k = 0; k < file->spans->len; k++) {
                if (((PvSummarySpan *)file->spans->pdata[k])->reason == j) {
                    summary->blocked_files[j]++;
                    break;
                }
            }
        }
        summary->fixture_builds += file->builds->len;
        for (j = 0; j < file->vms->len; j++) {
            PvSummaryVm *vm = file->vms->pdata[j];
            PvSummaryEdge up = { vm->spawned_ns, 1 };
            PvSummaryEdge down = { vm->stopped_ns ? vm->stopped_ns : summary->end_ns, -1 };

            summary->restored_vms += vm->fixture != NULL;
            g_array_append_val(vm_edges, up);
            g_array_append_val(vm_edges, down);
            if (g_strcmp0(vm->stop_reason, "kept") == 0)
                summary->kept++;
            else if (!vm->stopped_ns)
                pv_summary_leak(summary, _("vm '%s' (domain %s, %s) never stopped"),
                                vm->name, vm->domain, file->path);
        }
        if (file->claim_open)
            pv_summary_leak(summary, _("%s: its claim was never released"), file->path);
        if (file->dispatched && !file->completed)
            pv_summary_leak(summary, _("%s: dispatched but never completed"), file->path);
    }
    pv_summary_concurrency(file_edges, summary->start_ns, summary->end_ns, &summary->peak_files,
                           &summary->mean_files);
    pv_summary_concurrency(vm_edges, summary->start_ns, summary->end_ns, &summary->peak_vms,
                           &summary->mean_vms);
    pv_summary_finish_hosts(summary);
    if (!summary->finished)
        pv_summary_leak(summary, summary->truncated ?
                        _("the stream ends inside an event: the run was killed") :
                        _("the stream has no run_finished: the run did not end"));
}

/**
 * pv_summary_new:
 * @events: (element-type GVariant): a run's events, in order
 * @truncated: the stream ended inside an event
 *
 * Returns: (transfer full)
 */
PvSummary *
pv_summary_new(GPtrArray *events, gboolean truncated)
{
    PvSummary *summary = g_new0(PvSummary, 1);
    g_autoptr(GHashTable) by_path = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) by_host = g_hash_table_new(g_str_hash, g_str_equal);
    gboolean kept_any = FALSE;   /* a kept domain legitimately holds pool */
    guint i;

    summary->files = g_ptr_array_new_with_free_func((GDestroyNotify)pv_summary_file_free);
    summary->pool = g_array_new(FALSE, FALSE, sizeof(PvSummaryPoolSample));
    summary->leaks = g_ptr_array_new_with_free_func(g_free);
    summary->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)pv_summary_host_free);
    summary->truncated = truncated;

    for (i = 0; i < events->len; i++) {
        GVariant *event = events->pdata[i];
        const char *kind = pv_event_get_kind(event);
        const char *path = pv_event_get_str(event, "path");
        gint64 ts = CLAMP(pv_event_get_int(event, "ts", 0), 0, PV_SUMMARY_TS_MAX);
        PvSummaryFile *file = path ? pv_summary_file(summary, by_path, path) : NULL;
        /* An older stream's network_created has the address on the network there. */
        const char *host = file && !g_str_equal(kind, "network_created") ?
            pv_event_get_str(event, "host") : NULL;

        if (host) {
            const char *name = pv_summary_host(summary, by_host, host)->name;

            if (g_strcmp0(file->host, name) != 0) {
                g_free(file->host);
                file->host = g_strdup(name);
            }
        }

        if (i == 0)
            summary->start_ns = summary->end_ns = ts;
        summary->end_ns = MAX(summary->end_ns, ts);

        if (g_str_equal(kind, "run_started")) {
            /* Streams joined with cat(1) start more than one run. */
            g_free(summary->run);
            g_free(summary->uri);
            summary->run = g_strdup(pv_event_get_str(event, "run"));
            summary->uri = g_strdup(pv_event_get_str(event, "uri"));
            summary->start_ns = ts;
            pv_summary_get_amount(event, "pool", &summary->pool_memory, &summary->pool_cpus);
            pv_summary_read_hosts(summary, by_host, event);
        } else if (g_str_equal(kind, "file_dispatched") && file) {
            PvSummarySpan *span = pv_summary_open_span(file);

            if (span)
                span->end_ns = ts;
            file->dispatched = TRUE;
            file->dispatched_ns = ts;
        } else if (g_str_equal(kind, "file_blocked") && file) {
            PvSummarySpan *span = pv_summary_open_span(file);

            if (span)
                span->end_ns = ts;
            span = g_new0(PvSummarySpan, 1);
            /* A reason this provium does not know stays PV_BLOCK_NONE. */
            pv_block_reason_from_string(pv_event_get_str(event, "reason"), &span->reason);
            span->start_ns = ts;
            span->queued = !file->dispatched;
            span->waiting_for = g_strdup(pv_event_get_str(event, "waiting_for"));
            g_ptr_array_add(file->spans, span);
        } else if (g_str_equal(kind, "file_unblocked") && file) {
            PvSummarySpan *span = pv_summary_open_span(file);

            if (span)
                span->end_ns = ts;
        } else if (g_str_equal(kind, "claim_acquired") && file) {
            file->claim_open = TRUE;
        } else if (g_str_equal(kind, "claim_released") && file) {
            guint64 memory;
            double cpus;

            file->claim_open = FALSE;
            pv_summary_get_amount(event, "pool_used", &memory, &cpus);
            if (pv_event_get_int(event, "in_flight", 1) == 0 && (memory || cpus > 0) &&
                !kept_any) {
                g_autofree char *held = pv_size_format(memory);

                pv_summary_leak(summary, _("after %s released its claim no file ran, yet the "
                                           "pool still held %s and %g vCPUs"), path, held, cpus);
            }
        } else if (g_str_equal(kind, "vm_spawned") && file) {
            PvSummaryVm *vm = g_new0(PvSummaryVm, 1);

            vm->name = g_strdup(pv_event_get_str(event, "vm"));
            vm->domain = g_strdup(pv_event_get_str(event, "domain"));
            vm->spawned_ns = ts;
            vm->memory = (guint64)MAX(pv_event_get_int(event, "memory", 0), 0);
            g_ptr_array_add(file->vms, vm);
        } else if (g_str_equal(kind, "vm_restored") && file) {
            /* A restored VM has no vm_spawned: its restore began restore_ns ago. */
            PvSummaryVm *vm = g_new0(PvSummaryVm, 1);
            gint64 took = CLAMP(pv_event_get_int(event, "restore_ns", 0), 0, ts);

            vm->name = g_strdup(pv_event_get_str(event, "vm"));
            vm->domain = g_strdup(pv_event_get_str(event, "domain"));
            vm->fixture = g_strdup(pv_event_get_str(event, "fixture"));
            vm->spawned_ns = ts - took;
            vm->ready_ns = ts;
            g_ptr_array_add(file->vms, vm);
        } else if (g_str_equal(kind, "fixture_build_started") && file) {
            PvSummaryBuild *build = g_new0(PvSummaryBuild, 1);

            build->fixture = g_strdup(pv_event_get_str(event, "fixture"));
            build->key = g_strdup(pv_event_get_str(event, "key"));
            build->start_ns = ts;
            g_ptr_array_add(file->builds, build);
        } else if (g_str_equal(kind, "fixture_build_finished") && file) {
            const char *key = pv_event_get_str(event, "key");
            guint k;

            for (k = file->builds->len; k > 0; k--) {
                PvSummaryBuild *build = file->builds->pdata[k - 1];

                if (!build->end_ns && g_strcmp0(build->key, key) == 0) {
                    build->end_ns = MAX(ts, build->start_ns);
                    build->ok = pv_event_get_bool(event, "ok", FALSE);
                    break;
                }
            }
        } else if (g_str_equal(kind, "vm_ready") && file) {
            PvSummaryVm *vm = pv_summary_vm(file, pv_event_get_str(event, "domain"));

            if (vm)
                vm->ready_ns = ts;
        } else if (g_str_equal(kind, "vm_stopped") && file) {
            PvSummaryVm *vm = pv_summary_vm(file, pv_event_get_str(event, "domain"));

            /* The first stop counts; one at ts 0 leaves stopped_ns 0 for the next. */
            if (vm && !vm->stopped_ns) {
                vm->stopped_ns = ts;
                g_free(vm->stop_reason);
                vm->stop_reason = g_strdup(pv_event_get_str(event, "reason"));
                kept_any = kept_any || g_strcmp0(vm->stop_reason, "kept") == 0;
            }
        } else if (g_str_has_prefix(kind, "test_") && file && !g_str_equal(kind, "test_log") &&
                   !g_str_equal(kind, "test_started")) {
            file->tests++;
            file->passed += g_str_equal(kind, "test_passed");
            file->failed += g_str_equal(kind, "test_failed");
        } else if (g_str_equal(kind, "file_retried") && file) {
            /* The new attempt's tests supersede these. */
            file->tests = 0;
            file->passed = 0;
            file->failed = 0;
        } else if (g_str_equal(kind, "file_completed") && file) {
            file->completed = TRUE;
            file->completed_ns = ts;
            file->duration_ns = pv_event_get_int(event, "duration_ns", 0);
            g_free(file->status);
            file->status = g_strdup(pv_event_get_str(event, "status"));
        } else if (g_str_equal(kind, "pool_state")) {
            PvSummaryPoolSample sample = { ts, 0, 0 };

            pv_summary_get_amount(event, "used", &sample.memory, &sample.cpus);
            g_array_append_val(summary->pool, sample);
        } else if (g_str_equal(kind, "run_finished")) {
            guint64 memory;
            double cpus;

            summary->finished = TRUE;
            summary->passed = pv_event_get_int(event, "passed", 0);
            summary->failed = pv_event_get_int(event, "failed", 0);
            summary->skipped = pv_event_get_int(event, "skipped", 0);
            summary->flaky = pv_event_get_int(event, "flaky", 0);
            pv_summary_get_amount(event, "pool_used", &memory, &cpus);
            if ((memory || cpus > 0) && !kept_any) {
                g_autofree char *held = pv_size_format(memory);

                pv_summary_leak(summary, _("at the end the pool still held %s and %g vCPUs"),
                                held, cpus);
            }
        }
    }
    pv_summary_finish(summary);
    return summary;
}

static int
pv_summary_compare_duration(gconstpointer a, gconstpointer b)
{
    const PvSummaryFile *x = *(PvSummaryFile *const *)a;
    const PvSummaryFile *y = *(PvSummaryFile *const *)b;

    if (x->duration_ns != y->duration_ns)
        return x->duration_ns > y->duration_ns ? -1 : 1;
    return strcmp(x->path, y->path);
}

/**
 * pv_summary_format_counts:
 *
 * "3 passed, 1 failed, 0 skipped", each count with its language's plural form,
 * and ", 1 flaky (passed after failing)" when @flaky is not 0.
 * Returns: (transfer full)
 */
char *
pv_summary_format_counts(guint passed, guint failed, guint skipped, guint flaky)
{
    /* TRANSLATORS: the first part of "3 passed, 1 failed, 0 skipped" */
    g_autofree char *p = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u passed", "%u passed",
                                                     passed), passed);
    /* TRANSLATORS: the second part of "3 passed, 1 failed, 0 skipped" */
    g_autofree char *f = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u failed", "%u failed",
                                                     failed), failed);
    /* TRANSLATORS: the third part of "3 passed, 1 failed, 0 skipped" */
    g_autofree char *s = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u skipped", "%u skipped",
                                                     skipped), skipped);

    /* TRANSLATORS: "3 passed, 1 failed, 0 skipped", from the three parts above */
    g_autofree char *counts = g_strdup_printf(_("%s, %s, %s"), p, f, s);

    if (flaky == 0)
        return g_steal_pointer(&counts);
    /* TRANSLATORS: "3 passed, 1 failed, 0 skipped" followed by the flaky tests (--retries) */
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%s, %u flaky (passed after failing)",
                                       "%s, %u flaky (passed after failing)", flaky),
                           counts, flaky);
}

/**
 * pv_summary_format_host:
 *
 * Returns: (transfer full): @host's figures on one line, for people
 *   ("lab2: 3 files, 5 passed, 1 failed; VM time 2m10s; VMs peak 2 (1G)")
 */
char *
pv_summary_format_host(const PvSummaryHost *host)
{
    g_autofree char *files = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u file", "%u files",
                                                         host->files), host->files);
    g_autofree char *vm_time = pv_duration_format(host->vm_ns);
    g_autofree char *memory = pv_size_format(host->peak_memory);

    /* TRANSLATORS: one host of a run: "lab2: 3 files, 5 passed, 1 failed; VM time 2m10s;
     * VMs peak 2 (1G)" */
    return g_strdup_printf(_("%s: %s, %u passed, %u failed; VM time %s; VMs peak %u (%s)"),
                           host->name, files, host->passed, host->failed, vm_time,
                           host->peak_vms, memory);
}

/**
 * pv_summary_format_hosts:
 * @indent: before each line
 *
 * Appends to @out each host's figures, a line each, when @summary's run
 * had more than one host; nothing for one.
 */
void
pv_summary_format_hosts(const PvSummary *summary, GString *out, const char *indent)
{
    guint i;

    if (summary->hosts->len < 2)
        return;
    for (i = 0; i < summary->hosts->len; i++) {
        const PvSummaryHost *host = summary->hosts->pdata[i];
        g_autofree char *figures = pv_summary_format_host(host);

        g_string_append_printf(out, "%s%s", indent, figures);
        if (host->uri) {
            g_autofree char *pool = pv_size_format(host->pool_memory);

            /* TRANSLATORS: after a host's figures: its URI and its pool */
            g_string_append_printf(out, _("; %s, pool %s and %g vCPUs"), host->uri, pool,
                                   host->pool_cpus);
        }
        g_string_append_c(out, '\n');
    }
}

/**
 * pv_summary_format:
 *
 * The report for people.
 * Returns: (transfer full)
 */
char *
pv_summary_format(const PvSummary *summary)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();
    g_autofree char *duration = pv_duration_format(summary->end_ns - summary->start_ns);
    g_autofree char *pool_memory = pv_size_format(summary->pool_memory);
    g_autofree char *files = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u file", "%u files",
                                                         summary->files->len),
                                             summary->files->len);
    g_autofree char *counts = pv_summary_format_counts(summary->passed, summary->failed,
                                                       summary->skipped, summary->flaky);
    gboolean any_blocked = FALSE;
    guint i;

    g_autofree char *where = summary->hosts->len > 1 ?
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u host", "%u hosts", summary->hosts->len),
                        summary->hosts->len) :
        g_strdup(summary->uri ? summary->uri : "?");

    /* TRANSLATORS: "run ID on URI: 3 files in 1m05s; 3 passed, 1 failed, 0 skipped"; URI may
     * be "2 hosts" */
    g_string_append_printf(out, _("run %s on %s: %s in %s; %s\n"),
                           summary->run ? summary->run : "?", where, files, duration, counts);
    g_string_append_printf(out, _("pool: %s and %g vCPUs\n\n"), pool_memory, summary->pool_cpus);
    if (summary->hosts->len > 1) {
        g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE, "%u host:\n", "%u hosts:\n",
                                                summary->hosts->len), summary->hosts->len);
        pv_summary_format_hosts(summary, out, "  ");
        g_string_append_c(out, '\n');
    }

    g_string_append(out, _("files by duration:\n"));
    for (i = 0; i < summary->files->len; i++)
        g_ptr_array_add(sorted, summary->files->pdata[i]);
    g_ptr_array_sort(sorted, pv_summary_compare_duration);
    for (i = 0; i < sorted->len; i++) {
        const PvSummaryFile *file = sorted->pdata[i];
        g_autofree char *took = pv_duration_format(file->duration_ns);

        if (summary->hosts->len > 1) {
            /* TRANSLATORS: a column: pad the singular to the plural's width; the file's
             * host last, in brackets */
            g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE,
                                                    "  %8s  %-9s  %2u VM   %s  [%s]\n",
                                                    "  %8s  %-9s  %2u VMs  %s  [%s]\n",
                                                    file->vms->len),
                                   took, file->status ? file->status : "?", file->vms->len,
                                   file->path, file->host ? file->host : "-");
            continue;
        }
        /* TRANSLATORS: a column: pad the singular to the plural's width */
        g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE, "  %8s  %-9s  %2u VM   %s\n",
                                                "  %8s  %-9s  %2u VMs  %s\n", file->vms->len),
                               took, file->status ? file->status : "?", file->vms->len,
                               file->path);
    }

    g_string_append_printf(out, _("\nparallelism: files peak %u, mean %.2f; VMs peak %u, "
                                  "mean %.2f\n"),
                           summary->peak_files, summary->mean_files, summary->peak_vms,
                           summary->mean_vms);

    g_string_append(out, _("\ntime blocked, by reason:\n"));
    for (i = 1; i < PV_BLOCK_LAST; i++) {
        g_autofree char *took = NULL;

        if (!summary->blocked_files[i])
            continue;
        any_blocked = TRUE;
        took = pv_duration_format(summary->blocked_ns[i]);
        g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE, "  %-13s %8s  (%u file)\n",
                                                "  %-13s %8s  (%u files)\n",
                                                summary->blocked_files[i]),
                               pv_block_reason_to_string(i), took, summary->blocked_files[i]);
    }
    if (!any_blocked)
        g_string_append(out, _("  nothing waited\n"));

    g_string_append(out, _("\nleak check: "));
    if (summary->leaks->len == 0) {
        g_string_append(out, _("ok: every claim released, the pool empty whenever no file "
                               "ran, every VM stopped"));
        if (summary->kept)
            g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE,
                                                    " (but %u kept on purpose, --keep-failed)",
                                                    " (but %u kept on purpose, --keep-failed)",
                                                    summary->kept), summary->kept);
        g_string_append_c(out, '\n');
    } else {
        g_string_append_printf(out, g_dngettext(GETTEXT_PACKAGE, "%u problem\n", "%u problems\n",
                                                summary->leaks->len), summary->leaks->len);
        for (i = 0; i < summary->leaks->len; i++)
            g_string_append_printf(out, "  %s\n", (const char *)summary->leaks->pdata[i]);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}
