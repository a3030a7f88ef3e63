/*
 * test-sched.c: waiting for what others hold, woken by releases, and the
 * deadlock detector
 *
 * Workers are real threads; what they wait for is a counter the tests give
 * back, so every wake-up comes from pv_sched_notify(), never from a timer,
 * but for what another process holds (a wait's retry_us).  Waits of every
 * kind meet in one detector: the pool, LLC groups, another file's network
 * (run/pv-file-net.c) or fixture build (vm/pv-vm-fixture.c).
 */
#include "config.h"

#include <string.h>

#include "pv-error.h"
#include "pv-sched.h"

typedef struct {
    GMutex lock;
    guint free;            /* tokens left */
    PvBlockReason reason;  /* what a blocked try says */
    gboolean on_files;
    gboolean never;        /* the try fails for good */
} Stock;

typedef struct {
    PvSched *sched;
    Stock *stock;
    guint want;
    const char *who;       /* NULL: "worker wanting N" */
    const char *need;
    gint64 retry_us;
    PvWake wake;
    gboolean ok;
    GError *error;
    GPtrArray *seen;       /* the reasons the blocked callback was told */
    gint done;             /* atomic */
    gint started;          /* atomic: past its first try */
} Worker;

static PvSchedTry
stock_try(gpointer user_data, PvBlockReason *reason, gboolean *on_files, GError **error)
{
    Worker *w = user_data;
    PvSchedTry result;

    g_mutex_lock(&w->stock->lock);
    if (w->stock->never) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_RESOURCES, "never");
        result = PV_SCHED_FAILED;
    } else if (w->stock->free >= w->want) {
        w->stock->free -= w->want;
        result = PV_SCHED_GRANTED;
    } else {
        *reason = w->stock->reason;
        *on_files = w->stock->on_files;
        result = PV_SCHED_BLOCKED;
    }
    g_mutex_unlock(&w->stock->lock);
    g_atomic_int_set(&w->started, TRUE);
    return result;
}

static void
stock_give(PvSched *sched, Stock *stock, guint n)
{
    g_mutex_lock(&stock->lock);
    stock->free += n;
    g_mutex_unlock(&stock->lock);
    pv_sched_notify(sched);
}

static void
worker_blocked(gpointer user_data, PvBlockReason reason)
{
    Worker *w = user_data;

    g_ptr_array_add(w->seen, (gpointer)pv_block_reason_to_string(reason));
}

static gpointer
worker_run(gpointer data)
{
    Worker *w = data;
    g_autofree char *who = g_strdup_printf("worker wanting %u", w->want);
    PvSchedWait wait = {
        &w->wake, G_MAXINT64, stock_try, worker_blocked, NULL, w, w->who ? w->who : who,
        w->need, w->retry_us,
    };

    w->ok = pv_sched_wait(w->sched, &wait, &w->error);
    g_atomic_int_set(&w->done, TRUE);
    return NULL;
}

static Worker *
worker_new(PvSched *sched, Stock *stock, guint want)
{
    Worker *w = g_new0(Worker, 1);

    w->sched = sched;
    w->stock = stock;
    w->want = want;
    pv_wake_init(&w->wake);
    w->seen = g_ptr_array_new();
    return w;
}

static void
worker_free(Worker *w)
{
    pv_wake_clear(&w->wake);
    g_ptr_array_unref(w->seen);
    g_clear_error(&w->error);
    g_free(w);
}

/* Until @w is done, or has tried and is now asleep: a bounded spin for the test. */
static void
wait_for(gint *flag)
{
    gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (!g_atomic_int_get(flag) && g_get_monotonic_time() < until)
        g_usleep(1000);
    g_assert_true(g_atomic_int_get(flag));
}

/* Long enough for a worker that could go on to have gone on. */
static void
settle(void)
{
    g_usleep(50 * 1000);
}

static void
test_granted(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 2, .reason = PV_BLOCK_POOL_FULL, .on_files = TRUE };
    Worker *w = worker_new(sched, &stock, 2);

    pv_sched_file_started(sched);
    worker_run(w);
    g_assert_true(w->ok);
    g_assert_cmpuint(stock.free, ==, 0);
    g_assert_cmpuint(w->seen->len, ==, 0);  /* never blocked: no file_blocked */
    pv_sched_file_ended(sched);
    worker_free(w);
}

static void
test_woken_by_release(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_BOOT_GATE };
    Worker *w = worker_new(sched, &stock, 1);
    GThread *thread;

    g_mutex_init(&stock.lock);
    pv_sched_file_started(sched);
    thread = g_thread_new("worker", worker_run, w);
    wait_for(&w->started);
    settle();
    g_assert_false(g_atomic_int_get(&w->done));

    /* Given back without a notify: nobody looks. */
    g_mutex_lock(&stock.lock);
    stock.free = 1;
    g_mutex_unlock(&stock.lock);
    settle();
    g_assert_false(g_atomic_int_get(&w->done));
    /* The notify wakes it. */
    pv_sched_notify(sched);
    g_thread_join(thread);
    g_assert_true(w->ok);
    g_assert_cmpuint(w->seen->len, ==, 2);
    g_assert_cmpstr(w->seen->pdata[0], ==, "boot_gate");
    g_assert_cmpstr(w->seen->pdata[1], ==, "none");
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

static void
test_interrupted(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_POOL_FULL, .on_files = TRUE };
    Worker *w = worker_new(sched, &stock, 1);
    Worker *other = worker_new(sched, &stock, 1);
    GThread *thread;

    g_mutex_init(&stock.lock);
    /* Two files in flight, the other one running: no deadlock to find. */
    pv_sched_file_started(sched);
    pv_sched_file_started(sched);
    thread = g_thread_new("worker", worker_run, w);
    wait_for(&w->started);
    pv_wake_interrupt(&w->wake, PV_INTERRUPT_FILE, PV_ERROR_CANCELLED, "cancelled by a signal");
    g_thread_join(thread);
    g_assert_false(w->ok);
    g_assert_error(w->error, PV_ERROR, PV_ERROR_CANCELLED);
    g_assert_cmpuint(stock.free, ==, 0);
    pv_sched_file_ended(sched);
    pv_sched_file_ended(sched);
    worker_free(w);
    worker_free(other);
    g_mutex_clear(&stock.lock);
}

static void
test_failed(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .never = TRUE };
    Worker *w = worker_new(sched, &stock, 1);

    g_mutex_init(&stock.lock);
    pv_sched_file_started(sched);
    worker_run(w);
    g_assert_false(w->ok);
    g_assert_error(w->error, PV_ERROR, PV_ERROR_RESOURCES);
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

/*
 * Two files, each waiting for what only the other can give back: the newer
 * waiter gives up, the older one goes on once the newer's file ends.
 */
static void
test_deadlock_two_files(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_POOL_FULL, .on_files = TRUE };
    Worker *old = worker_new(sched, &stock, 1);
    Worker *young = worker_new(sched, &stock, 1);
    GThread *t_old;
    GThread *t_young;

    g_mutex_init(&stock.lock);
    pv_sched_file_started(sched);
    pv_sched_file_started(sched);
    t_old = g_thread_new("old", worker_run, old);
    wait_for(&old->started);
    settle();
    g_assert_false(g_atomic_int_get(&old->done));
    t_young = g_thread_new("young", worker_run, young);
    g_thread_join(t_young);
    g_assert_false(young->ok);
    g_assert_error(young->error, PV_ERROR, PV_ERROR_RESOURCES);
    g_assert_nonnull(strstr(young->error->message, "worker wanting 1"));
    g_assert_nonnull(strstr(young->error->message, "never end"));
    settle();
    g_assert_false(g_atomic_int_get(&old->done));

    /* The young file ends: what it held first, then its end. */
    stock_give(sched, &stock, 1);
    pv_sched_file_ended(sched);
    g_thread_join(t_old);
    g_assert_true(old->ok);
    pv_sched_file_ended(sched);
    worker_free(old);
    worker_free(young);
    g_mutex_clear(&stock.lock);
}

/* One file asking for more than it can ever have while it holds the rest. */
static void
test_deadlock_one_file(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 1, .reason = PV_BLOCK_LLC_BUSY, .on_files = TRUE };
    Worker *w = worker_new(sched, &stock, 2);

    g_mutex_init(&stock.lock);
    pv_sched_file_started(sched);
    worker_run(w);
    g_assert_false(w->ok);
    g_assert_error(w->error, PV_ERROR, PV_ERROR_RESOURCES);
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

/* Waiting on the host or the gate is not waiting on files: no deadlock. */
static void
test_host_is_not_deadlock(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_PSI_PRESSURE, .on_files = FALSE };
    Worker *w = worker_new(sched, &stock, 1);
    GThread *thread;

    g_mutex_init(&stock.lock);
    pv_sched_file_started(sched);
    thread = g_thread_new("worker", worker_run, w);
    wait_for(&w->started);
    pv_sched_notify(sched);  /* the tick: still under pressure */
    settle();
    g_assert_false(g_atomic_int_get(&w->done));
    stock_give(sched, &stock, 1);
    g_thread_join(thread);
    g_assert_true(w->ok);
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

/*
 * A file that ends leaves the others all waiting: the detector runs then
 * too, not only when a waiter tries.
 */
static void
test_deadlock_when_a_file_ends(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_POOL_FULL, .on_files = TRUE };
    Worker *w = worker_new(sched, &stock, 1);
    GThread *thread;

    g_mutex_init(&stock.lock);
    pv_sched_file_started(sched);
    pv_sched_file_started(sched);  /* a running file that could give back */
    thread = g_thread_new("worker", worker_run, w);
    wait_for(&w->started);
    settle();
    g_assert_false(g_atomic_int_get(&w->done));
    pv_sched_file_ended(sched);    /* it ended without giving anything */
    g_thread_join(thread);
    g_assert_false(w->ok);
    g_assert_error(w->error, PV_ERROR, PV_ERROR_RESOURCES);
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

/* Counts tries: a worker that tries again without a notify is seen. */
static gint tries;

static PvSchedTry
counting_try(gpointer user_data, PvBlockReason *reason, gboolean *on_files, GError **error)
{
    g_atomic_int_inc(&tries);
    return stock_try(user_data, reason, on_files, error);
}

static gpointer
counting_worker_run(gpointer data)
{
    Worker *w = data;
    PvSchedWait wait = {
        &w->wake, G_MAXINT64, counting_try, worker_blocked, NULL, w, "counted", NULL,
        w->retry_us,
    };

    w->ok = pv_sched_wait(w->sched, &wait, &w->error);
    g_atomic_int_set(&w->done, TRUE);
    return NULL;
}

/*
 * What another process holds (another run's fixture build or network) is
 * given back where no notify is heard: the waiter tries again after its
 * retry_us, and goes on without a notify.
 */
static void
test_retry_another_process(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_FIXTURE_BUILD, .on_files = FALSE };
    Worker *w = worker_new(sched, &stock, 1);
    GThread *thread;

    g_mutex_init(&stock.lock);
    w->retry_us = 10 * 1000;
    pv_sched_file_started(sched);
    thread = g_thread_new("worker", worker_run, w);
    wait_for(&w->started);
    settle();
    g_assert_false(g_atomic_int_get(&w->done));
    /* Another process's build ends: no notify. */
    g_mutex_lock(&stock.lock);
    stock.free = 1;
    g_mutex_unlock(&stock.lock);
    wait_for(&w->done);
    g_thread_join(thread);
    g_assert_true(w->ok);
    g_assert_cmpuint(w->seen->len, ==, 2);
    g_assert_cmpstr(w->seen->pdata[0], ==, "fixture_build");
    g_assert_cmpstr(w->seen->pdata[1], ==, "none");
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

/*
 * What a file of this run holds is given back with a notify: no retry on a
 * timer then, however short retry_us is.
 */
static void
test_retry_not_for_this_run(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_NETWORK_BUSY, .on_files = TRUE };
    Worker *w = worker_new(sched, &stock, 1);
    GThread *thread;
    gint before;

    g_mutex_init(&stock.lock);
    w->retry_us = 1000;
    pv_sched_file_started(sched);
    pv_sched_file_started(sched);  /* the file holding the network runs */
    g_atomic_int_set(&tries, 0);
    thread = g_thread_new("worker", counting_worker_run, w);
    wait_for(&w->started);
    before = g_atomic_int_get(&tries);
    settle();  /* fifty times its retry_us */
    g_assert_cmpint(g_atomic_int_get(&tries), ==, before);
    g_mutex_lock(&stock.lock);
    stock.free = 1;
    g_mutex_unlock(&stock.lock);
    settle();
    g_assert_false(g_atomic_int_get(&w->done));
    pv_sched_notify(sched);  /* the network destroyed */
    g_thread_join(thread);
    g_assert_true(w->ok);
    pv_sched_file_ended(sched);
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

/*
 * Two files of one run: @old_reason's waiter first, then @young_reason's,
 * each for what only the other gives back.  The young one gives up with
 * its message; the old one goes on once the young's file ends.
 */
static void
run_deadlock_pair(PvBlockReason old_reason, PvBlockReason young_reason, const char *who,
                  const char *need, const char *const *expected)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock old_stock = { .free = 0, .reason = old_reason, .on_files = TRUE };
    Stock young_stock = { .free = 0, .reason = young_reason, .on_files = TRUE };
    Worker *old = worker_new(sched, &old_stock, 1);
    Worker *young = worker_new(sched, &young_stock, 1);
    GThread *t_old;
    GThread *t_young;
    guint i;

    g_mutex_init(&old_stock.lock);
    g_mutex_init(&young_stock.lock);
    young->who = who;
    young->need = need;
    young->retry_us = 1000;  /* no retry for what this run holds, nor a way out */
    pv_sched_file_started(sched);
    pv_sched_file_started(sched);
    t_old = g_thread_new("old", worker_run, old);
    wait_for(&old->started);
    settle();
    g_assert_false(g_atomic_int_get(&old->done));
    t_young = g_thread_new("young", worker_run, young);
    g_thread_join(t_young);
    g_assert_false(young->ok);
    g_assert_error(young->error, PV_ERROR, PV_ERROR_RESOURCES);
    for (i = 0; expected[i]; i++) {
        if (!strstr(young->error->message, expected[i]))
            g_error("'%s' is not in '%s'", expected[i], young->error->message);
    }
    settle();
    g_assert_false(g_atomic_int_get(&old->done));

    /* The young file ends: what it held first, then its end. */
    stock_give(sched, &old_stock, 1);
    pv_sched_file_ended(sched);
    g_thread_join(t_old);
    g_assert_true(old->ok);
    pv_sched_file_ended(sched);
    worker_free(old);
    worker_free(young);
    g_mutex_clear(&old_stock.lock);
    g_mutex_clear(&young_stock.lock);
}

/* A file waiting for the pool another's claim holds, which waits for the first's network. */
static void
test_deadlock_network(void)
{
    const char *const expected[] = {
        "network 'wan' needs the host's addresses in 10.9.0.0/24, which a network of another "
        "of this run's files holds", "never end", "-j 1", NULL,
    };

    run_deadlock_pair(PV_BLOCK_POOL_FULL, PV_BLOCK_NETWORK_BUSY, "network 'wan'",
                      "10.9.0.0/24", expected);
}

/* A fixture's builder waiting for the pool, and a file waiting for its build. */
static void
test_deadlock_fixture_build(void)
{
    const char *const expected[] = {
        "vm 'web' waits for the build of fixture 'base', which another of this run's files "
        "is making", "never end", NULL,
    };

    run_deadlock_pair(PV_BLOCK_POOL_FULL, PV_BLOCK_FIXTURE_BUILD, "vm 'web'", "fixture 'base'",
                      expected);
}

/*
 * The pool's waiter closes a cycle with a network's: its message does not
 * say that every file waits for the pool.
 */
static void
test_deadlock_mixed_pool(void)
{
    const char *const expected[] = {
        "vm 'web' needs 256M and 1 vCPU, but every running file is waiting for what another "
        "of them holds", "never end", NULL,
    };

    run_deadlock_pair(PV_BLOCK_NETWORK_BUSY, PV_BLOCK_POOL_FULL, "vm 'web'", "256M and 1 vCPU",
                      expected);
}

/* Waiting for another process's build alone is no deadlock: it ends by itself. */
static void
test_another_process_is_not_deadlock(void)
{
    g_autoptr(PvSched) sched = pv_sched_new();
    Stock stock = { .free = 0, .reason = PV_BLOCK_FIXTURE_BUILD, .on_files = FALSE };
    Worker *w = worker_new(sched, &stock, 1);
    GThread *thread;

    g_mutex_init(&stock.lock);
    w->retry_us = 5 * 1000;
    pv_sched_file_started(sched);
    thread = g_thread_new("worker", worker_run, w);
    wait_for(&w->started);
    settle();  /* ten retries */
    g_assert_false(g_atomic_int_get(&w->done));
    stock_give(sched, &stock, 1);
    g_thread_join(thread);
    g_assert_true(w->ok);
    pv_sched_file_ended(sched);
    worker_free(w);
    g_mutex_clear(&stock.lock);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/granted", test_granted);
    g_test_add_func("/sched/woken-by-release", test_woken_by_release);
    g_test_add_func("/sched/interrupted", test_interrupted);
    g_test_add_func("/sched/failed", test_failed);
    g_test_add_func("/sched/deadlock/two-files", test_deadlock_two_files);
    g_test_add_func("/sched/deadlock/one-file", test_deadlock_one_file);
    g_test_add_func("/sched/deadlock/host-is-not", test_host_is_not_deadlock);
    g_test_add_func("/sched/deadlock/file-ends", test_deadlock_when_a_file_ends);
    g_test_add_func("/sched/retry/another-process", test_retry_another_process);
    g_test_add_func("/sched/retry/not-for-this-run", test_retry_not_for_this_run);
    g_test_add_func("/sched/deadlock/network", test_deadlock_network);
    g_test_add_func("/sched/deadlock/fixture-build", test_deadlock_fixture_build);
    g_test_add_func("/sched/deadlock/mixed-pool", test_deadlock_mixed_pool);
    g_test_add_func("/sched/deadlock/another-process-is-not",
                    test_another_process_is_not_deadlock);
    return g_test_run();
}
