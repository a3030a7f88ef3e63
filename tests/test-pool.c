/*
 * test-pool.c: the pool, the boot gate and the dispatcher's admission
 *
 * Pure decisions: no host, no libvirt.  Waits use real (short) time.
 */
#include "config.h"

#include <string.h>

#define PV_DISPATCHER_PRIVATE
#include "pv-dispatcher-private.h"
#include "pv-error.h"
#include "pv-pool.h"
#include "pv-units.h"

#define MIB PV_MIB

static void
assert_used(PvPool *pool, guint64 memory, guint64 mcpus)
{
    PvAmount used = pv_pool_get_used(pool);

    g_assert_cmpuint(used.memory, ==, memory);
    g_assert_cmpuint(used.mcpus, ==, mcpus);
}

static void
test_take_give(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 2));

    g_assert_true(pv_pool_try_take(pool, pv_amount(512 * MIB, 1)));
    g_assert_true(pv_pool_try_take(pool, pv_amount(512 * MIB, 1)));
    assert_used(pool, 1024 * MIB, 2000);
    /* Either budget alone can be what is missing. */
    g_assert_false(pv_pool_try_take(pool, pv_amount(1, 0)));
    pv_pool_give(pool, pv_amount(512 * MIB, 1));
    g_assert_false(pv_pool_try_take(pool, pv_amount(256 * MIB, 2)));
    g_assert_true(pv_pool_try_take(pool, pv_amount(256 * MIB, 1)));
    pv_pool_give(pool, pv_amount(256 * MIB, 1));
    pv_pool_give(pool, pv_amount(512 * MIB, 1));
    assert_used(pool, 0, 0);
}

static void
test_overcommit(void)
{
    gboolean clamped;

    g_assert_cmpfloat(pv_pool_clamp_overcommit(1.0, &clamped), ==, 1.0);
    g_assert_false(clamped);
    g_assert_cmpfloat(pv_pool_clamp_overcommit(0.5, &clamped), ==, 0.5);
    g_assert_false(clamped);
    g_assert_cmpfloat(pv_pool_clamp_overcommit(8.0, &clamped), ==, 8.0);
    g_assert_false(clamped);
    g_assert_cmpfloat(pv_pool_clamp_overcommit(0.1, &clamped), ==, 0.5);
    g_assert_true(clamped);
    g_assert_cmpfloat(pv_pool_clamp_overcommit(20, &clamped), ==, 8.0);
    g_assert_true(clamped);
}

static void
test_fractional_cpus(void)
{
    /* 2 CPUs at 1.5x: three 1-vCPU VMs, not four. */
    PvAmount total = { 4096 * MIB, (guint64)(2 * 1.5 * PV_MCPU) };
    g_autoptr(PvPool) pool = pv_pool_new(total);
    g_autofree char *text = pv_amount_format(pv_pool_get_total(pool));

    g_assert_cmpstr(text, ==, "4G and 3 vCPUs");
    g_assert_true(pv_pool_try_take(pool, pv_amount(MIB, 1)));
    g_assert_true(pv_pool_try_take(pool, pv_amount(MIB, 1)));
    g_assert_true(pv_pool_try_take(pool, pv_amount(MIB, 1)));
    g_assert_false(pv_pool_try_take(pool, pv_amount(MIB, 1)));
}

static void
test_larger_than_pool(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 2));
    g_autoptr(GError) error = NULL;

    pv_pool_file_started(pool);
    g_assert_false(pv_pool_take_wait(pool, pv_amount(2048 * MIB, 1), "vm 'big'", NULL, NULL,
                                     NULL, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_RESOURCES);
    g_assert_nonnull(strstr(error->message, "vm 'big' needs 2G and 1 vCPU, more than the whole "
                            "pool (1G and 2 vCPUs)"));
    assert_used(pool, 0, 0);
    pv_pool_file_ended(pool);
}

typedef struct {
    PvPool *pool;
    PvAmount amount;
    gboolean ok;
    gboolean waited;
    GError *error;
    gint64 done_at;
} Waiter;

static gpointer
waiter_thread(gpointer data)
{
    Waiter *w = data;

    w->ok = pv_pool_take_wait(w->pool, w->amount, "vm 'w'", NULL, NULL, &w->waited, &w->error);
    w->done_at = g_get_monotonic_time();
    return NULL;
}

static void
test_wait_for_release(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 2));
    Waiter w = { pool, pv_amount(768 * MIB, 1) };
    GThread *thread;
    gint64 given;

    pv_pool_file_started(pool);
    pv_pool_file_started(pool);  /* another file, busy elsewhere: no deadlock */
    g_assert_true(pv_pool_try_take(pool, pv_amount(512 * MIB, 1)));
    thread = g_thread_new("waiter", waiter_thread, &w);
    g_usleep(150 * 1000);
    /* A file is not admitted past a waiting VM. */
    g_assert_false(pv_pool_try_take(pool, pv_amount(MIB, 0)));
    given = g_get_monotonic_time();
    pv_pool_give(pool, pv_amount(512 * MIB, 1));
    g_thread_join(thread);
    g_assert_no_error(w.error);
    g_assert_true(w.ok);
    g_assert_true(w.waited);
    g_assert_cmpint(w.done_at, >=, given);
    assert_used(pool, 768 * MIB, 1000);
    pv_pool_give(pool, w.amount);
    pv_pool_file_ended(pool);
    pv_pool_file_ended(pool);
}

static void
test_deadlock(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 4));
    Waiter a = { pool, pv_amount(384 * MIB, 1) };
    Waiter b = { pool, pv_amount(384 * MIB, 1) };
    GThread *ta;
    GThread *tb;

    /* Two files in flight, each holding 512M (say, one VM each). */
    pv_pool_file_started(pool);
    pv_pool_file_started(pool);
    g_assert_true(pv_pool_try_take(pool, pv_amount(512 * MIB, 1)));
    g_assert_true(pv_pool_try_take(pool, pv_amount(512 * MIB, 1)));
    ta = g_thread_new("a", waiter_thread, &a);
    g_usleep(150 * 1000);
    g_assert_null(a.error);   /* one file still runs: no deadlock yet */
    tb = g_thread_new("b", waiter_thread, &b);
    g_thread_join(tb);
    /* b closed the cycle: it gives up; a still waits. */
    g_assert_false(b.ok);
    g_assert_error(b.error, PV_ERROR, PV_ERROR_RESOURCES);
    g_assert_nonnull(strstr(b.error->message, "every running file is waiting for the pool"));
    g_assert_nonnull(strstr(b.error->message, "provium:claim()"));
    /* b's file ends, giving back its 512M: a goes. */
    pv_pool_give(pool, pv_amount(512 * MIB, 1));
    pv_pool_file_ended(pool);
    g_thread_join(ta);
    g_assert_no_error(a.error);
    g_assert_true(a.ok);
    pv_pool_give(pool, a.amount);
    pv_pool_give(pool, pv_amount(512 * MIB, 1));
    pv_pool_file_ended(pool);
    assert_used(pool, 0, 0);
    g_clear_error(&b.error);
}

static void
test_deadlock_single_file(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(600 * MIB, 4));
    Waiter w = { pool, pv_amount(256 * MIB, 1) };

    /* One unclaimed file booting three 256M VMs into 600M. */
    pv_pool_file_started(pool);
    g_assert_true(pv_pool_try_take(pool, pv_amount(256 * MIB, 1)));
    g_assert_true(pv_pool_try_take(pool, pv_amount(256 * MIB, 1)));
    waiter_thread(&w);
    g_assert_false(w.ok);
    g_assert_error(w.error, PV_ERROR, PV_ERROR_RESOURCES);
    g_clear_error(&w.error);
    pv_pool_give(pool, pv_amount(512 * MIB, 2));
    pv_pool_file_ended(pool);
}

static gboolean
stop_check(gpointer data, GError **error)
{
    if (!g_atomic_int_get((gint *)data))
        return TRUE;
    g_set_error_literal(error, PV_ERROR, PV_ERROR_CANCELLED, "cancelled");
    return FALSE;
}

typedef struct {
    PvPool *pool;
    gint stop;
    GError *error;
    gboolean ok;
} CheckedWaiter;

static gpointer
checked_waiter_thread(gpointer data)
{
    CheckedWaiter *w = data;

    w->ok = pv_pool_take_wait(w->pool, pv_amount(MIB, 2), "vm 'c'", stop_check, &w->stop, NULL,
                              &w->error);
    return NULL;
}

static void
test_wait_interrupted(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 2));
    CheckedWaiter w = { pool };
    GThread *thread;

    pv_pool_file_started(pool);
    pv_pool_file_started(pool);
    g_assert_true(pv_pool_try_take(pool, pv_amount(MIB, 2)));
    thread = g_thread_new("checked", checked_waiter_thread, &w);
    g_usleep(50 * 1000);
    g_atomic_int_set(&w.stop, 1);
    g_thread_join(thread);
    g_assert_false(w.ok);
    g_assert_error(w.error, PV_ERROR, PV_ERROR_CANCELLED);
    g_clear_error(&w.error);
    /* Nothing was taken by the waiter that gave up. */
    assert_used(pool, MIB, 2000);
    pv_pool_give(pool, pv_amount(MIB, 2));
    pv_pool_file_ended(pool);
    pv_pool_file_ended(pool);
}

typedef struct {
    PvPool *pool;
    guint seed;
    guint ops;
} RandomWorker;

static gpointer
random_worker(gpointer data)
{
    RandomWorker *rw = data;
    GRand *rand = g_rand_new_with_seed(rw->seed);
    GArray *held = g_array_new(FALSE, FALSE, sizeof(PvAmount));
    guint i;

    for (i = 0; i < rw->ops; i++) {
        gboolean release = held->len > 0 && (g_rand_boolean(rand) || held->len > 4);

        if (release) {
            guint k = g_rand_int_range(rand, 0, held->len);

            pv_pool_give(rw->pool, g_array_index(held, PvAmount, k));
            g_array_remove_index_fast(held, k);
        } else {
            PvAmount want = { (guint64)g_rand_int_range(rand, 1, 300) * MIB,
                              (guint64)g_rand_int_range(rand, 0, 1500) };

            if (pv_pool_try_take(rw->pool, want))
                g_array_append_val(held, want);
        }
    }
    for (i = 0; i < held->len; i++)
        pv_pool_give(rw->pool, g_array_index(held, PvAmount, i));
    g_array_unref(held);
    g_rand_free(rand);
    return NULL;
}

static void
test_random(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(2048 * MIB, 4));
    RandomWorker workers[4];
    GThread *threads[4];
    guint i;

    /* 4 threads x 5000 operations, against each other. */
    for (i = 0; i < G_N_ELEMENTS(workers); i++) {
        workers[i].pool = pool;
        workers[i].seed = g_test_rand_int();
        workers[i].ops = 5000;
        threads[i] = g_thread_new("random", random_worker, &workers[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(workers); i++)
        g_thread_join(threads[i]);
    /* Exactly full again: nothing lost, nothing made up. */
    assert_used(pool, 0, 0);
    g_assert_true(pv_pool_try_take(pool, pv_pool_get_total(pool)));
}

static void
test_gate_vcpus(void)
{
    g_autoptr(PvGate) gate = pv_gate_new(2, FALSE);

    g_assert_true(pv_gate_try_enter(gate, 1));
    g_assert_true(pv_gate_try_enter(gate, 1));
    g_assert_false(pv_gate_try_enter(gate, 1));
    pv_gate_leave(gate, 1);
    g_assert_false(pv_gate_try_enter(gate, 2));
    g_assert_true(pv_gate_try_enter(gate, 1));
    pv_gate_leave(gate, 1);
    pv_gate_leave(gate, 1);
    /* Larger than the gate: goes alone. */
    g_assert_true(pv_gate_try_enter(gate, 4));
    g_assert_false(pv_gate_try_enter(gate, 1));
    pv_gate_leave(gate, 4);
    g_assert_true(pv_gate_try_enter(gate, 1));
    pv_gate_leave(gate, 1);
}

static void
test_gate_workers(void)
{
    g_autoptr(PvGate) gate = pv_gate_new(1, TRUE);

    /* --boot-workers 1: one domain at a time, whatever its vCPUs. */
    g_assert_true(pv_gate_try_enter(gate, 4));
    g_assert_false(pv_gate_try_enter(gate, 1));
    pv_gate_leave(gate, 4);
    g_assert_true(pv_gate_try_enter(gate, 1));
    pv_gate_leave(gate, 1);
}

/*
 * Unclaimed files' overheads leave room for a VM: were every file in
 * flight waiting for one, the pool would still fit it (seen in CI: twenty
 * 50M overheads in a 1G pool, and no 256M VM could boot).
 */
static void
test_overhead_headroom(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 4));
    g_autoptr(PvPool) tiny = pv_pool_new(pv_amount(200 * MIB, 4));
    PvAdmission state = { 0, 0, FALSE, 256 * MIB };
    PvAmount overhead = pv_amount(50 * MIB, 0);
    guint admitted = 0;

    while (pv_dispatcher_admit(pool, &state, overhead) == PV_BLOCK_NONE)
        admitted++;
    /* 15 x 50M + 256M <= 1024M < 16 x 50M + 256M */
    g_assert_cmpuint(admitted, ==, 15);
    g_assert_cmpuint(pv_pool_get_used(pool).memory, ==, 750 * MIB);
    pv_pool_give_overhead(pool, 50 * MIB);
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead), ==, PV_BLOCK_NONE);

    /* A bigger VM asked for once: later files leave room for it too. */
    pv_pool_note_vm(pool, pv_amount(400 * MIB, 1));
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead), ==, PV_BLOCK_POOL_FULL);
    for (admitted = 0; admitted < 4; admitted++)
        pv_pool_give_overhead(pool, 50 * MIB);
    /* 11 x 50M + 50M + 400M <= 1024M < 12 x 50M + 50M + 400M */
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead), ==, PV_BLOCK_NONE);
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead), ==, PV_BLOCK_POOL_FULL);
    g_assert_cmpuint(pv_pool_get_used(pool).memory, ==, 600 * MIB);

    /* A pool too small for such a VM runs one file at a time, not none. */
    g_assert_cmpint(pv_dispatcher_admit(tiny, &state, overhead), ==, PV_BLOCK_NONE);
    g_assert_cmpint(pv_dispatcher_admit(tiny, &state, overhead), ==, PV_BLOCK_POOL_FULL);
    pv_pool_give_overhead(tiny, 50 * MIB);
    g_assert_cmpint(pv_dispatcher_admit(tiny, &state, overhead), ==, PV_BLOCK_NONE);
    pv_pool_give_overhead(tiny, 50 * MIB);
    for (admitted = 0; admitted < 12; admitted++)
        pv_pool_give_overhead(pool, 50 * MIB);
    g_assert_cmpuint(pv_pool_get_used(pool).memory, ==, 0);
}

static void
test_admission(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 2));
    PvAdmission state = { 0, 0, FALSE };
    /* A queue: the head claims 800M and blocks the small file behind it. */
    PvAmount queue[] = {
        pv_amount(400 * MIB, 1), pv_amount(800 * MIB, 1), pv_amount(50 * MIB, 0),
    };
    guint head = 0;

    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[head]), ==, PV_BLOCK_NONE);
    head++;
    state.running++;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[head]), ==, PV_BLOCK_POOL_FULL);
    /* FIFO: the dispatcher asks for the head only; the 50M file waits
     * although it would fit. */
    g_assert_true(pv_amount_fits(queue[2], (PvAmount){ 624 * MIB, 1000 }));
    pv_pool_give(pool, queue[0]);
    state.running--;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[head]), ==, PV_BLOCK_NONE);
    head++;
    state.running++;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[head]), ==, PV_BLOCK_NONE);
    state.running++;

    /* The other reasons come before the pool. */
    state.jobs = 2;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, pv_amount(MIB, 0)), ==, PV_BLOCK_JOBS_CAP);
    state.jobs = 0;
    state.psi_throttled = TRUE;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, pv_amount(MIB, 0)), ==,
                    PV_BLOCK_PSI_PRESSURE);
    assert_used(pool, 850 * MIB, 1000);
}

static void
test_block_names(void)
{
    const char *names[] = {
        "none", "pool_full", "psi_pressure", "host_memory", "jobs_cap", "boot_gate", "llc_busy",
    };
    guint i;

    for (i = 0; i < PV_BLOCK_LAST; i++)
        g_assert_cmpstr(pv_block_reason_to_string(i), ==, names[i]);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pool/take-give", test_take_give);
    g_test_add_func("/pool/overcommit/clamp", test_overcommit);
    g_test_add_func("/pool/overcommit/fractional", test_fractional_cpus);
    g_test_add_func("/pool/claim/larger-than-pool", test_larger_than_pool);
    g_test_add_func("/pool/wait/release", test_wait_for_release);
    g_test_add_func("/pool/wait/interrupted", test_wait_interrupted);
    g_test_add_func("/pool/deadlock/two-files", test_deadlock);
    g_test_add_func("/pool/deadlock/one-file", test_deadlock_single_file);
    g_test_add_func("/pool/random", test_random);
    g_test_add_func("/gate/vcpus", test_gate_vcpus);
    g_test_add_func("/gate/workers", test_gate_workers);
    g_test_add_func("/dispatcher/admission", test_admission);
    g_test_add_func("/dispatcher/overhead-headroom", test_overhead_headroom);
    g_test_add_func("/dispatcher/block-reasons", test_block_names);
    return g_test_run();
}
