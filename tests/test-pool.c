/*
 * test-pool.c: the pool, the boot gate and the dispatcher's admission
 *
 * Pure decisions: no host, no libvirt.  Waiting is pv-sched's: tests/test-sched.c.
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
    PvBudget *budget = pv_pool_peek_budget(pool);

    g_assert_true(pv_budget_try_take(budget, pv_amount(512 * MIB, 1)));
    g_assert_true(pv_budget_try_take(budget, pv_amount(512 * MIB, 1)));
    assert_used(pool, 1024 * MIB, 2000);
    /* Either budget alone can be what is missing. */
    g_assert_false(pv_budget_try_take(budget, pv_amount(1, 0)));
    pv_budget_give(budget, pv_amount(512 * MIB, 1));
    g_assert_false(pv_budget_try_take(budget, pv_amount(256 * MIB, 2)));
    g_assert_true(pv_budget_try_take(budget, pv_amount(256 * MIB, 1)));
    pv_budget_give(budget, pv_amount(256 * MIB, 1));
    pv_budget_give(budget, pv_amount(512 * MIB, 1));
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
    PvBudget *budget = pv_pool_peek_budget(pool);
    g_autofree char *text = pv_amount_format(pv_pool_get_total(pool));

    g_assert_cmpstr(text, ==, "4G and 3 vCPUs");
    g_assert_true(pv_budget_try_take(budget, pv_amount(MIB, 1)));
    g_assert_true(pv_budget_try_take(budget, pv_amount(MIB, 1)));
    g_assert_true(pv_budget_try_take(budget, pv_amount(MIB, 1)));
    g_assert_false(pv_budget_try_take(budget, pv_amount(MIB, 1)));
}

static gint released;

static void
count_released(gpointer user_data)
{
    released++;
}

/* A claim is a budget of its own, carved out of the pool and given back whole. */
static void
test_claim(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 4));
    PvBudget *root = pv_pool_peek_budget(pool);
    PvBudget *claim;
    PvAmount left;

    released = 0;
    pv_pool_set_released_func(pool, count_released, NULL);
    g_assert_null(pv_budget_claim(root, pv_amount(2048 * MIB, 1)));
    claim = pv_budget_claim(root, pv_amount(768 * MIB, 2));
    g_assert_nonnull(claim);
    g_assert_true(pv_budget_is_claim(claim));
    g_assert_false(pv_budget_is_claim(root));
    assert_used(pool, 768 * MIB, 2000);
    /* Its VMs take from it, not from the pool... */
    g_assert_true(pv_budget_try_take(claim, pv_amount(512 * MIB, 1)));
    assert_used(pool, 768 * MIB, 2000);
    left = pv_budget_get_left(claim);
    g_assert_cmpuint(left.memory, ==, 256 * MIB);
    g_assert_cmpuint(left.mcpus, ==, 1000);
    g_assert_false(pv_budget_try_take(claim, pv_amount(512 * MIB, 1)));
    /* ...while the pool's other users have what is left of the pool. */
    g_assert_true(pv_budget_try_take(root, pv_amount(256 * MIB, 2)));
    g_assert_false(pv_budget_try_take(root, pv_amount(1, 0)));
    pv_budget_give(root, pv_amount(256 * MIB, 2));
    pv_budget_give(claim, pv_amount(512 * MIB, 1));
    /* The file ends: the whole claim goes back, and waiters hear of it. */
    released = 0;
    pv_budget_release_claim(claim);
    g_assert_cmpint(released, ==, 1);
    assert_used(pool, 0, 0);
}

typedef struct {
    PvBudget *budget;
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

            pv_budget_give(rw->budget, g_array_index(held, PvAmount, k));
            g_array_remove_index_fast(held, k);
        } else {
            PvAmount want = { (guint64)g_rand_int_range(rand, 1, 300) * MIB,
                              (guint64)g_rand_int_range(rand, 0, 1500) };

            if (pv_budget_try_take(rw->budget, want))
                g_array_append_val(held, want);
        }
    }
    for (i = 0; i < held->len; i++)
        pv_budget_give(rw->budget, g_array_index(held, PvAmount, i));
    g_array_unref(held);
    g_rand_free(rand);
    return NULL;
}

static void
test_random(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(2048 * MIB, 4));
    PvBudget *claim = pv_budget_claim(pv_pool_peek_budget(pool), pv_amount(512 * MIB, 1));
    RandomWorker workers[4];
    GThread *threads[4];
    guint i;

    /* 4 threads x 5000 operations, against each other, on the pool and a claim. */
    for (i = 0; i < G_N_ELEMENTS(workers); i++) {
        workers[i].budget = i % 2 ? claim : pv_pool_peek_budget(pool);
        workers[i].seed = g_test_rand_int();
        workers[i].ops = 5000;
        threads[i] = g_thread_new("random", random_worker, &workers[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(workers); i++)
        g_thread_join(threads[i]);
    /* Exactly full again: nothing lost, nothing made up. */
    pv_budget_release_claim(claim);
    assert_used(pool, 0, 0);
    g_assert_true(pv_budget_try_take(pv_pool_peek_budget(pool), pv_pool_get_total(pool)));
}

/* Weights for a boot of @vcpus. */
#define BOOT(gate, vcpus) pv_gate_weigh((gate), (vcpus), FALSE)
#define RESTORE(gate, vcpus) pv_gate_weigh((gate), (vcpus), TRUE)

static void
test_gate_vcpus(void)
{
    g_autoptr(PvGate) gate = pv_gate_new(2, FALSE);

    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    g_assert_false(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    pv_gate_leave(gate, BOOT(gate, 1));
    g_assert_false(pv_gate_try_enter(gate, BOOT(gate, 2), FALSE));
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    pv_gate_leave(gate, BOOT(gate, 1));
    pv_gate_leave(gate, BOOT(gate, 1));
    /* Larger than the gate: goes alone. */
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 4), FALSE));
    g_assert_false(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    pv_gate_leave(gate, BOOT(gate, 4));
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    /* Alone (host pressure): only when nothing else boots. */
    g_assert_false(pv_gate_try_enter(gate, BOOT(gate, 1), TRUE));
    pv_gate_leave(gate, BOOT(gate, 1));
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), TRUE));
    pv_gate_leave(gate, BOOT(gate, 1));
}

static void
test_gate_workers(void)
{
    g_autoptr(PvGate) gate = pv_gate_new(1, TRUE);

    /* --boot-workers 1: one domain at a time, whatever its vCPUs. */
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 4), FALSE));
    g_assert_false(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    pv_gate_leave(gate, BOOT(gate, 4));
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    pv_gate_leave(gate, BOOT(gate, 1));
}

/*
 * A restore weighs what it costs, not a boot: whatever its vCPUs, less than
 * one CPU, so a restore of an 8-vCPU guest goes beside a boot of one vCPU in
 * a gate of 2 CPUs, where a boot of it would go only alone.
 */
static void
test_gate_restore(void)
{
    g_autoptr(PvGate) gate = pv_gate_new(2, FALSE);
    g_autoptr(PvGate) workers = pv_gate_new(2, TRUE);

    g_assert_cmpuint(RESTORE(gate, 1), <, BOOT(gate, 1));
    g_assert_cmpuint(RESTORE(gate, 8), ==, RESTORE(gate, 1));
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    g_assert_true(pv_gate_try_enter(gate, RESTORE(gate, 8), FALSE));
    g_assert_false(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    pv_gate_leave(gate, RESTORE(gate, 8));
    g_assert_true(pv_gate_try_enter(gate, BOOT(gate, 1), FALSE));
    pv_gate_leave(gate, BOOT(gate, 1));
    pv_gate_leave(gate, BOOT(gate, 1));
    /* Two restores at once in a gate of 2 CPUs (each keeps most of one busy). */
    g_assert_true(pv_gate_try_enter(gate, RESTORE(gate, 1), FALSE));
    g_assert_true(pv_gate_try_enter(gate, RESTORE(gate, 1), FALSE));
    g_assert_false(pv_gate_try_enter(gate, RESTORE(gate, 1), FALSE));
    pv_gate_leave(gate, RESTORE(gate, 1));
    pv_gate_leave(gate, RESTORE(gate, 1));
    /* --boot-workers 2 means two domains at once, restored or booted. */
    g_assert_true(pv_gate_try_enter(workers, RESTORE(workers, 1), FALSE));
    g_assert_true(pv_gate_try_enter(workers, RESTORE(workers, 1), FALSE));
    g_assert_false(pv_gate_try_enter(workers, RESTORE(workers, 1), FALSE));
    pv_gate_leave(workers, RESTORE(workers, 1));
    pv_gate_leave(workers, RESTORE(workers, 1));
}

/*
 * Unclaimed files' overheads leave room for a VM: were every file in
 * flight waiting for one, the pool would still fit it (seen in CI: twenty
 * 50M overheads in a 1G pool, and no 256M VM could boot).
 */
/*
 * Placement across hosts: where the file fits now, the host with the most
 * of its pool left after it first; then the others, where it waits; never
 * a host whose whole pool cannot hold it.
 */
static void
test_rank_hosts(void)
{
    const struct {
        const char *what;
        guint n;
        PvHostRoom rooms[3];
        PvAmount want;
        PvAmount need;
        guint count;
        guint order[3];
        guint fit;           /* how many of order need fits now */
    } cases[] = {
        { "one host: itself", 1, { { pv_amount(1024 * MIB, 2), pv_amount(0, 0) } },
          pv_amount(50 * MIB, 0), pv_amount(306 * MIB, 0), 1, { 0 }, 1 },
        { "two empty equal hosts: the run's order", 2,
          { { pv_amount(1024 * MIB, 2), pv_amount(0, 0) },
            { pv_amount(1024 * MIB, 2), pv_amount(0, 0) } },
          pv_amount(50 * MIB, 0), pv_amount(306 * MIB, 0), 2, { 0, 1 }, 2 },
        { "the default busy: the other first", 2,
          { { pv_amount(1024 * MIB, 2), pv_amount(512 * MIB, 1) },
            { pv_amount(1024 * MIB, 2), pv_amount(0, 0) } },
          pv_amount(50 * MIB, 0), pv_amount(306 * MIB, 0), 2, { 1, 0 }, 2 },
        { "a share of the pool, not bytes: the bigger host busier still wins", 2,
          { { pv_amount(1024 * MIB, 2), pv_amount(0, 0) },
            { pv_amount(8192 * MIB, 8), pv_amount(2048 * MIB, 2) } },
          pv_amount(50 * MIB, 0), pv_amount(306 * MIB, 0), 2, { 1, 0 }, 2 },
        { "equal memory: vCPUs decide", 2,
          { { pv_amount(1024 * MIB, 4), pv_amount(0, 3) },
            { pv_amount(1024 * MIB, 4), pv_amount(0, 1) } },
          pv_amount(256 * MIB, 1), pv_amount(256 * MIB, 1), 2, { 1, 0 }, 2 },
        { "fits now beats more room where it does not fit", 2,
          { { pv_amount(4096 * MIB, 8), pv_amount(3900 * MIB, 0) },
            { pv_amount(1024 * MIB, 2), pv_amount(700 * MIB, 1) } },
          pv_amount(300 * MIB, 1), pv_amount(300 * MIB, 1), 2, { 1, 0 }, 1 },
        { "fits nowhere now: all, in order of room, to wait", 2,
          { { pv_amount(1024 * MIB, 2), pv_amount(1000 * MIB, 2) },
            { pv_amount(1024 * MIB, 2), pv_amount(900 * MIB, 2) } },
          pv_amount(256 * MIB, 1), pv_amount(256 * MIB, 1), 2, { 1, 0 }, 0 },
        { "a VM's vCPU counts: two hosts whose one vCPU is taken fit it nowhere now", 2,
          { { pv_amount(18 * 1024 * MIB, 1), pv_amount(562 * MIB, 1) },
            { pv_amount(20 * 1024 * MIB, 1), pv_amount(612 * MIB, 1) } },
          pv_amount(50 * MIB, 0), pv_amount(306 * MIB, 1), 2, { 1, 0 }, 0 },
        { "too big for one host: the others only", 3,
          { { pv_amount(8192 * MIB, 8), pv_amount(0, 0) },
            { pv_amount(1024 * MIB, 8), pv_amount(0, 0) },
            { pv_amount(4096 * MIB, 1), pv_amount(0, 0) } },
          pv_amount(2048 * MIB, 2), pv_amount(2048 * MIB, 2), 1, { 0 }, 1 },
        { "too big for every host: none", 2,
          { { pv_amount(1024 * MIB, 2), pv_amount(0, 0) },
            { pv_amount(2048 * MIB, 1), pv_amount(0, 0) } },
          pv_amount(4096 * MIB, 1), pv_amount(4096 * MIB, 1), 0, { 0 }, 0 },
    };
    gsize i;
    guint j;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint order[3] = { 99, 99, 99 };
        guint fit = 99;
        guint count = pv_dispatcher_rank_hosts(cases[i].rooms, cases[i].n, cases[i].want,
                                               cases[i].need, order, &fit);

        g_test_message("%s", cases[i].what);
        g_assert_cmpuint(count, ==, cases[i].count);
        g_assert_cmpuint(fit, ==, cases[i].fit);
        for (j = 0; j < count; j++)
            g_assert_cmpuint(order[j], ==, cases[i].order[j]);
    }
}

static void
test_overhead_headroom(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 4));
    g_autoptr(PvPool) tiny = pv_pool_new(pv_amount(200 * MIB, 4));
    PvAdmission state = { 0, 0, FALSE, 256 * MIB, FALSE, 0, 0 };
    PvAmount overhead = pv_amount(50 * MIB, 0);
    guint admitted = 0;

    while (pv_dispatcher_admit(pool, &state, overhead, FALSE, NULL) == PV_BLOCK_NONE)
        admitted++;
    /* 15 x 50M + 256M <= 1024M < 16 x 50M + 256M */
    g_assert_cmpuint(admitted, ==, 15);
    g_assert_cmpuint(pv_pool_get_used(pool).memory, ==, 750 * MIB);
    pv_pool_give_overhead(pool, 50 * MIB);
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead, FALSE, NULL), ==, PV_BLOCK_NONE);

    /* A bigger VM asked for once: later files leave room for it too. */
    pv_pool_note_vm(pool, pv_amount(400 * MIB, 1));
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead, FALSE, NULL), ==, PV_BLOCK_POOL_FULL);
    for (admitted = 0; admitted < 4; admitted++)
        pv_pool_give_overhead(pool, 50 * MIB);
    /* 11 x 50M + 50M + 400M <= 1024M < 12 x 50M + 50M + 400M */
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead, FALSE, NULL), ==, PV_BLOCK_NONE);
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, overhead, FALSE, NULL), ==, PV_BLOCK_POOL_FULL);
    g_assert_cmpuint(pv_pool_get_used(pool).memory, ==, 600 * MIB);

    /* A pool too small for such a VM runs one file at a time, not none. */
    g_assert_cmpint(pv_dispatcher_admit(tiny, &state, overhead, FALSE, NULL), ==, PV_BLOCK_NONE);
    g_assert_cmpint(pv_dispatcher_admit(tiny, &state, overhead, FALSE, NULL), ==, PV_BLOCK_POOL_FULL);
    pv_pool_give_overhead(tiny, 50 * MIB);
    g_assert_cmpint(pv_dispatcher_admit(tiny, &state, overhead, FALSE, NULL), ==, PV_BLOCK_NONE);
    pv_pool_give_overhead(tiny, 50 * MIB);
    for (admitted = 0; admitted < 12; admitted++)
        pv_pool_give_overhead(pool, 50 * MIB);
    g_assert_cmpuint(pv_pool_get_used(pool).memory, ==, 0);
}

static void
test_admission(void)
{
    g_autoptr(PvPool) pool = pv_pool_new(pv_amount(1024 * MIB, 2));
    PvAdmission state = { 0 };
    /* A queue: the head claims 800M and blocks the small file behind it. */
    PvAmount queue[] = {
        pv_amount(400 * MIB, 1), pv_amount(800 * MIB, 1), pv_amount(50 * MIB, 0),
    };
    PvBudget *claims[2] = { NULL, NULL };

    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[0], TRUE, &claims[0]), ==,
                    PV_BLOCK_NONE);
    g_assert_nonnull(claims[0]);
    state.running++;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[1], TRUE, &claims[1]), ==,
                    PV_BLOCK_POOL_FULL);
    g_assert_null(claims[1]);
    /* FIFO: the dispatcher asks for the head only; the 50M file waits
     * although it would fit. */
    g_assert_true(pv_amount_fits(queue[2], (PvAmount){ 624 * MIB, 1000 }));
    pv_budget_release_claim(claims[0]);
    state.running--;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[1], TRUE, &claims[1]), ==,
                    PV_BLOCK_NONE);
    state.running++;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, queue[2], FALSE, NULL), ==, PV_BLOCK_NONE);
    state.running++;

    /* The other reasons come before the pool. */
    state.jobs = 2;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, pv_amount(MIB, 0), FALSE, NULL), ==,
                    PV_BLOCK_JOBS_CAP);
    state.jobs = 0;
    state.psi_throttled = TRUE;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, pv_amount(MIB, 0), FALSE, NULL), ==,
                    PV_BLOCK_PSI_PRESSURE);
    /* As make -l: with nothing of the run in flight, pressure does not hold
     * the first file (a host busy with others' work would stall it). */
    {
        PvAdmission idle = state;

        idle.running = 0;
        g_assert_cmpint(pv_dispatcher_admit(pool, &idle, pv_amount(MIB, 0), FALSE, NULL), ==,
                        PV_BLOCK_NONE);
        pv_pool_give_overhead(pool, MIB);
    }
    state.psi_throttled = FALSE;
    /* LLC groups: a claim of 2 with 1 free waits, and takes nothing meanwhile. */
    state.llcs_wanted = 2;
    state.llcs_free = 1;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, pv_amount(MIB, 0), TRUE, NULL), ==,
                    PV_BLOCK_LLC_BUSY);
    state.llcs_wanted = 0;
    /* VMs of running files waiting for the pool come before new files. */
    state.vms_waiting = TRUE;
    g_assert_cmpint(pv_dispatcher_admit(pool, &state, pv_amount(MIB, 0), FALSE, NULL), ==,
                    PV_BLOCK_POOL_FULL);
    assert_used(pool, 850 * MIB, 1000);
    pv_budget_release_claim(claims[1]);
    pv_pool_give_overhead(pool, 50 * MIB);
    assert_used(pool, 0, 0);
}

static void
test_block_names(void)
{
    const char *names[] = {
        "none", "pool_full", "psi_pressure", "host_memory", "jobs_cap", "boot_gate", "llc_busy",
        "network_busy",
        "fixture_build",
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
    g_test_add_func("/pool/claim", test_claim);
    g_test_add_func("/pool/random", test_random);
    g_test_add_func("/gate/vcpus", test_gate_vcpus);
    g_test_add_func("/gate/restore", test_gate_restore);
    g_test_add_func("/gate/workers", test_gate_workers);
    g_test_add_func("/dispatcher/admission", test_admission);
    g_test_add_func("/dispatcher/overhead-headroom", test_overhead_headroom);
    g_test_add_func("/dispatcher/rank-hosts", test_rank_hosts);
    g_test_add_func("/dispatcher/block-reasons", test_block_names);
    return g_test_run();
}
