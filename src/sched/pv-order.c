/*
 * pv-order.c: the order files start in, and how long a run should take
 *
 * Pure functions over the durations a history gives.  Longest first (LPT)
 * puts the files expected to take longest at the head of the queue, so a
 * long file found last does not start when everything else is done and run
 * alone; files the history does not know count as the median of those it
 * does; with no history at all the order is discovery order.  The queue is
 * still taken head first, and a head that does not fit holds the files
 * behind it, so nothing starves.
 */
#include "config.h"

#include <stdlib.h>

#include "pv-order.h"

PV_ENUM_IMPL(pv_order, PvOrder, PV_ORDER_LAST,
             "longest-first", "fifo");

static gint
pv_order_compare_ns(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a;
    gint64 y = *(const gint64 *)b;

    return x < y ? -1 : x > y;
}

/**
 * pv_order_median:
 * @expected: each file's expected duration; negative when unknown
 *
 * Returns: the median of the known durations (the lower of the middle two),
 *   or -1 when none is known
 */
gint64
pv_order_median(const gint64 *expected, guint n)
{
    g_autoptr(GArray) known = g_array_new(FALSE, FALSE, sizeof(gint64));
    guint i;

    for (i = 0; i < n; i++) {
        if (expected[i] >= 0)
            g_array_append_val(known, expected[i]);
    }
    if (known->len == 0)
        return -1;
    g_array_sort(known, pv_order_compare_ns);
    return g_array_index(known, gint64, (known->len - 1) / 2);
}

typedef struct {
    guint index;
    gint64 ns;
} PvOrderKey;

/* Longest first; equal ones in discovery order (a stable sort). */
static int
pv_order_compare_keys(const void *a, const void *b)
{
    const PvOrderKey *x = a;
    const PvOrderKey *y = b;

    if (x->ns != y->ns)
        return x->ns > y->ns ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/**
 * pv_order_files:
 * @expected: each file's expected duration in discovery order; negative
 *   when the history does not know it
 *
 * Returns: (transfer full): the indexes of the files in the order they
 *   start: for PV_ORDER_LONGEST_FIRST longest first, unknown files counting
 *   as the median of the known, equal ones in discovery order; discovery
 *   order for PV_ORDER_FIFO or when no duration is known
 */
guint *
pv_order_files(const gint64 *expected, guint n, PvOrder order)
{
    guint *out = g_new(guint, MAX(n, 1));
    gint64 median = pv_order_median(expected, n);
    g_autofree PvOrderKey *keys = NULL;
    guint i;

    for (i = 0; i < n; i++)
        out[i] = i;
    if (order == PV_ORDER_FIFO || median < 0)
        return out;
    keys = g_new(PvOrderKey, n);
    for (i = 0; i < n; i++) {
        keys[i].index = i;
        keys[i].ns = expected[i] >= 0 ? expected[i] : median;
    }
    qsort(keys, n, sizeof(*keys), pv_order_compare_keys);
    for (i = 0; i < n; i++)
        out[i] = keys[i].index;
    return out;
}

/**
 * pv_order_estimate:
 * @jobs: the files in the order they start
 * @total: the pool
 * @max_jobs: --jobs; 0 for no cap
 *
 * How long the run should take: the queue replayed as the dispatcher takes
 * it (the head starts when the pool and the jobs cap allow, and holds those
 * behind it), each file lasting its expected duration.  A file that can
 * never fit runs alone.
 * Returns: the expected makespan in nanoseconds
 */
gint64
pv_order_estimate(const PvOrderJob *jobs, guint n, PvAmount total, guint max_jobs)
{
    g_autofree gint64 *ends = g_new0(gint64, MAX(n, 1));
    g_autofree gboolean *running = g_new0(gboolean, MAX(n, 1));
    PvAmount used = { 0, 0 };
    guint in_flight = 0;
    gint64 now = 0;
    gint64 makespan = 0;
    guint next = 0;

    while (next < n) {
        const PvOrderJob *job = &jobs[next];
        gboolean fits = pv_amount_fits(pv_amount_add(used, job->want), total) ||
            in_flight == 0;
        guint first = n;
        guint i;

        if (fits && (!max_jobs || in_flight < max_jobs)) {
            ends[next] = now + MAX(job->duration_ns, 0);
            running[next] = TRUE;
            used = pv_amount_add(used, job->want);
            in_flight++;
            makespan = MAX(makespan, ends[next]);
            next++;
            continue;
        }
        /* The head waits for the first running file to end. */
        for (i = 0; i < next; i++) {
            if (running[i] && (first == n || ends[i] < ends[first]))
                first = i;
        }
        now = ends[first];
        for (i = 0; i < next; i++) {
            if (running[i] && ends[i] <= now) {
                running[i] = FALSE;
                used.memory -= jobs[i].want.memory;
                used.mcpus -= jobs[i].want.mcpus;
                in_flight--;
            }
        }
    }
    return makespan;
}
