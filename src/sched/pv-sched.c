/*
 * pv-sched.c: the one way a worker waits for what others hold
 *
 * A worker that needs pool memory and vCPUs, LLC groups, room in the boot
 * gate, a host with less pressure, a host CIDR another network holds
 * (run/pv-file-net.c) or a fixture another file or run is building
 * (vm/pv-vm-fixture.c) calls pv_sched_wait() with a function that tries to
 * take everything at once.  It sleeps on its own PvWake, which is also what
 * domain events and interrupts wake, until pv_sched_notify() says that
 * something was given back or the host changed (the pool, the gate and the
 * LLC locks notify on every release, a file on destroying its networks, a
 * build when it ends; the main loop notifies on PSI changes and on its tick,
 * for what other processes release).  No waiter polls on a timer of its
 * own while what it waits for is this run's: only what another process
 * holds (its network, its fixture build), which cannot notify, is tried
 * again after the wait's retry_us.
 *
 * Deadlock: when every file in flight is waiting for something only another
 * file of the run can give back, and each has tried since the last release
 * and found it still missing, none will ever go on.  The newest such waiter
 * (the one that closed the cycle) gives up with an error saying so; its file
 * goes on and, by ending or freeing VMs, lets the others through.  Waits of
 * different kinds close a cycle too: a file waiting for the pool that the
 * claim of another holds, which waits for the first's network or build.
 *
 * Pure logic over the injected try functions: no host, no libvirt.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-error.h"
#include "pv-sched.h"

typedef struct {
    guint64 seq;
    PvWake *wake;
    PvBlockReason reason;      /* of its last blocked try */
    gboolean on_files;
    guint tried_generation;    /* the generation of its last blocked try */
    gint deadlocked;           /* atomic: read by the wake's ready function */
    gboolean mixed;            /* deadlocked with waiters of other reasons */
} PvSchedWaiter;

struct _PvSched {
    GMutex lock;
    guint generation;          /* bumped by every notify; read without the lock too */
    guint in_flight;           /* files dispatched and not yet ended */
    GList *waiters;            /* PvSchedWaiter, oldest first */
    guint64 next_seq;
};

PvSched *
pv_sched_new(void)
{
    PvSched *sched = g_new0(PvSched, 1);

    g_mutex_init(&sched->lock);
    return sched;
}

void
pv_sched_free(PvSched *sched)
{
    if (!sched)
        return;
    g_assert(!sched->waiters);
    g_mutex_clear(&sched->lock);
    g_free(sched);
}

static void
pv_sched_poke(PvWake *wake)
{
    g_mutex_lock(&wake->lock);
    g_cond_broadcast(&wake->cond);
    g_mutex_unlock(&wake->lock);
}

static void
pv_sched_check_deadlock_locked(PvSched *sched)
{
    PvSchedWaiter *newest = NULL;
    guint reasons = 0;         /* a bit per reason among the stuck */
    guint stuck = 0;
    GList *l;

    for (l = sched->waiters; l; l = l->next) {
        PvSchedWaiter *w = l->data;

        if (g_atomic_int_get(&w->deadlocked))
            return;  /* one is already giving up */
        if (!w->on_files || w->tried_generation != sched->generation)
            continue;
        stuck++;
        reasons |= 1u << w->reason;
        if (!newest || w->seq > newest->seq)
            newest = w;
    }
    if (newest && stuck >= sched->in_flight) {
        newest->mixed = reasons != 1u << newest->reason;
        g_atomic_int_set(&newest->deadlocked, TRUE);
        pv_sched_poke(newest->wake);
    }
}

/**
 * pv_sched_file_started:
 *
 * A file was dispatched: one more that may wait.
 */
void
pv_sched_file_started(PvSched *sched)
{
    g_mutex_lock(&sched->lock);
    sched->in_flight++;
    g_mutex_unlock(&sched->lock);
}

/**
 * pv_sched_file_ended:
 *
 * A file ended: the others may now all be waiting, with nothing to come.
 * Call it after giving back what the file held (and notifying), so that the
 * waiters it lets through are not taken for deadlocked.
 */
void
pv_sched_file_ended(PvSched *sched)
{
    g_mutex_lock(&sched->lock);
    g_assert(sched->in_flight > 0);
    sched->in_flight--;
    pv_sched_check_deadlock_locked(sched);
    g_mutex_unlock(&sched->lock);
}

/**
 * pv_sched_count_waiting:
 *
 * Returns: how many waiters wait for @reason now (the dispatcher admits no
 *   file past VMs waiting for the pool)
 */
guint
pv_sched_count_waiting(PvSched *sched, PvBlockReason reason)
{
    guint n = 0;
    GList *l;

    g_mutex_lock(&sched->lock);
    for (l = sched->waiters; l; l = l->next)
        n += ((PvSchedWaiter *)l->data)->reason == reason;
    g_mutex_unlock(&sched->lock);
    return n;
}

/**
 * pv_sched_notify:
 *
 * Something was given back, or the host changed: every waiter tries again.
 * Safe from any thread, also with no waiter.
 */
void
pv_sched_notify(PvSched *sched)
{
    GList *l;

    g_mutex_lock(&sched->lock);
    g_atomic_int_inc(&sched->generation);
    for (l = sched->waiters; l; l = l->next)
        pv_sched_poke(((PvSchedWaiter *)l->data)->wake);
    g_mutex_unlock(&sched->lock);
}

typedef struct {
    PvSched *sched;
    PvSchedWaiter *waiter;
    guint seen;
} PvSchedReady;

/*
 * The waiter that closed a cycle gives up, saying what it waited for; when
 * the others wait for other things (@mixed), its words cannot say they all
 * wait for the same.
 */
static void
pv_sched_set_deadlock_error(const PvSchedWait *wait, PvBlockReason reason, gboolean mixed,
                            GError **error)
{
    const char *who = wait->who ? wait->who : "?";
    const char *need = wait->need ? wait->need : "?";

    switch (reason) {
    case PV_BLOCK_LLC_BUSY:
        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    _("%s waits for LLC groups that this run's other files hold, and they "
                      "all wait too: this would never end.  Claim the groups for the file "
                      "(provium:claim{llcs = N})"), who);
        break;
    case PV_BLOCK_NETWORK_BUSY:
        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    _("%s needs the host's addresses in %s, which a network of another of "
                      "this run's files holds, and every running file is waiting for "
                      "another: this would never end.  Give the files' networks other "
                      "addresses, or run them one at a time (-j 1)"), who, need);
        break;
    case PV_BLOCK_FIXTURE_BUILD:
        g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                    _("%s waits for the build of %s, which another of this run's files is "
                      "making, and every running file is waiting for another: this would "
                      "never end.  Run one of those files alone first, so that the fixture "
                      "is cached, or run them one at a time (-j 1)"), who, need);
        break;
    default:
        if (mixed)
            g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                        _("%s needs %s, but every running file is waiting for what another "
                          "of them holds (the pool, LLC groups, a network's addresses, a "
                          "fixture's build) and none can go on: this would never end.  Give "
                          "the files a provium:claim() for their VMs (or a bigger pool, "
                          "--mem, --cpus), or run them one at a time (-j 1)"), who, need);
        else
            g_set_error(error, PV_ERROR, PV_ERROR_RESOURCES,
                        _("%s needs %s, but every running file is waiting for the pool and "
                          "none can go on: this would never end.  Give the files a "
                          "provium:claim() for their VMs (or a bigger pool, --mem, --cpus)"),
                        who, need);
        break;
    }
}

/* Called with the wake's lock: a new generation, or told to give up. */
static gboolean
pv_sched_ready(gpointer user_data)
{
    PvSchedReady *ready = user_data;

    return g_atomic_int_get(&ready->waiter->deadlocked) ||
        (guint)g_atomic_int_get(&ready->sched->generation) != ready->seen;
}

/**
 * pv_sched_wait:
 *
 * Tries @wait's try_take until it grants everything, waiting in between for
 * a notify.  Gives up when try_take fails, when check says so, when the
 * worker is interrupted, and when waiting would deadlock.
 * Returns: whether everything was taken; FALSE with @error set
 */
gboolean
pv_sched_wait(PvSched *sched, const PvSchedWait *wait, GError **error)
{
    PvSchedWaiter waiter = { 0 };
    PvBlockReason last = PV_BLOCK_NONE;
    PvBlockReason reason = PV_BLOCK_NONE;
    gboolean ok = FALSE;
    GList *link;

    /* Interrupted already: nothing is taken, even what is free. */
    if (wait->check && !wait->check(wait->user_data, error))
        return FALSE;
    g_mutex_lock(&sched->lock);
    waiter.seq = sched->next_seq++;
    waiter.wake = wait->wake;
    sched->waiters = g_list_append(sched->waiters, &waiter);
    link = g_list_last(sched->waiters);
    for (;;) {
        PvSchedReady ready = { sched, &waiter, 0 };
        gboolean on_files = FALSE;
        gint64 until = wait->deadline;
        PvSchedTry tried;
        PvWaitResult waited;

        if (g_atomic_int_get(&waiter.deadlocked)) {
            pv_sched_set_deadlock_error(wait, reason, waiter.mixed, error);
            break;
        }
        tried = wait->try_take(wait->user_data, &reason, &on_files, error);
        if (tried == PV_SCHED_GRANTED) {
            ok = TRUE;
            break;
        }
        if (tried == PV_SCHED_FAILED)
            break;
        waiter.reason = reason;
        waiter.on_files = on_files;
        waiter.tried_generation = sched->generation;
        pv_sched_check_deadlock_locked(sched);
        if (g_atomic_int_get(&waiter.deadlocked))
            continue;
        ready.seen = sched->generation;
        g_mutex_unlock(&sched->lock);

        if (reason != last && wait->blocked) {
            wait->blocked(wait->user_data, reason);
            last = reason;
        }
        if (wait->check && !wait->check(wait->user_data, error)) {
            g_mutex_lock(&sched->lock);
            break;
        }
        /* Another process's release is heard by trying again, not by a notify. */
        if (!on_files && wait->retry_us > 0)
            until = MIN(until, g_get_monotonic_time() + wait->retry_us);
        waited = pv_wake_wait(wait->wake, until, pv_sched_ready, &ready, error);
        g_mutex_lock(&sched->lock);
        if (waited == PV_WAIT_INTERRUPTED)
            break;
        if (waited == PV_WAIT_TIMEOUT && until < wait->deadline)
            continue;
        if (waited == PV_WAIT_TIMEOUT && !wait->check) {
            g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                        _("%s waited too long for %s"), wait->who ? wait->who : "?",
                        pv_block_reason_to_string(reason));
            break;
        }
    }
    sched->waiters = g_list_delete_link(sched->waiters, link);
    g_mutex_unlock(&sched->lock);
    if (last != PV_BLOCK_NONE && wait->blocked)
        wait->blocked(wait->user_data, PV_BLOCK_NONE);
    return ok;
}
