/*
 * pv-dispatcher.c: the file queue, admission and cancellation
 *
 * Runs on the main thread, in the GMainLoop that also carries libvirt's
 * events, the PSI watch and a 1 Hz tick.  Files are taken in the order
 * they are given (the plan's, pv-plan.c: longest first or discovery order);
 * the head of the queue runs when the jobs cap, host pressure, the
 * LLC groups and the pool allow, and a head that does not fit holds the
 * files behind it (FIFO).  A file runs whole on one host, which it is
 * given as it starts: with several hosts, the head tries them in the order
 * pv_dispatcher_rank_hosts() gives (where it fits now, the one with the
 * most room left first) and starts on the first that admits it
 * (pv_dispatcher_admit(); both are pure, in pv-dispatcher-decide.c).  A
 * host's room counts each file running there as its need (its claim, or
 * the VM it likely boots) until it ends, booted or not; a head that fits no
 * host now waits in the queue while files run (pv_dispatcher_hold_head()),
 * so it starts on the host where room comes first, not where its VM would
 * wait for the pool.
 * A file whose claim no host's pool can ever hold fails at once.  Each
 * host has its own pool, boot gate, pressure, LLC groups and jobs cap
 * ([host NAME] jobs); --jobs caps the run.  A claim becomes a budget of the
 * file's own in its host's pool; a file without one holds a small
 * overhead.  Each admitted file runs, whole, on one worker thread of a
 * pool that grows to as many files as run at once (threads are reused:
 * creating one per file was a tenth of a 1,000-file dispatch), and reports
 * back to the main loop when it ends; what it held is then given back.
 *
 * The queue is looked at again whenever the run's resources change (a VM
 * gave back its memory, a file ended, pressure fell), and once a second.
 *
 * The same tick is a watchdog: a file whose worker the Lua hook cannot stop
 * at its timeout or on a signal (stuck in a C function, a finalizer, a
 * debug hook) is given up a grace later (pv_wake_give_up()): another worker
 * ends it in its place (pv_file_give_up(): its VMs destroyed, its networks
 * removed, reported timed out or cancelled), what it held goes back, and
 * the run goes on and ends without waiting for the stuck thread, which
 * never touches anything of the run again.
 *
 * A host can be lost mid-run (pv_host_is_lost(): its connection closed):
 * the files running there are stopped at once (pv_file_lose_host(): their
 * tests fail with the loss, cause host_lost), nothing more is placed there,
 * and a file that lost its host runs again elsewhere when --retries allows
 * and another host is there; with no host left, the files still queued end
 * not run, with the same line.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <unistd.h>

#define PV_DISPATCHER_PRIVATE
#include "pv-dispatcher-private.h"
#include "pv-dispatcher.h"
#include "pv-host.h"
#include "pv-i18n.h"
#include "pv-locks.h"

/* One host the dispatcher places files on, and what it knows of it. */
typedef struct {
    PvDispatcher *dispatcher;
    PvHost *host;
    PvResources *resources; /* its pool, boot gate, LLC locks */
    guint index;            /* in the run */
    guint jobs;             /* [host NAME] jobs; 0: no cap of its own */
    guint running;          /* its files in flight */
    PvAmount expected;      /* their needs (pv_dispatcher_need()) together */
    PvPsiReading psi;
    gboolean psi_known;
} PvDispatchHost;

struct _PvDispatcher {
    PvRun *run;
    PvDispatchHost *hosts;  /* the run's, in its order: host 0 the default */
    guint n_hosts;
    GPtrArray *files;       /* PvFile, borrowed, in the order they start */
    PvFileRunFunc run_file;
    guint next;             /* the first file not yet dispatched */
    guint running;
    guint done;
    gboolean stop_dispatch; /* --fail-fast tripped */
    gboolean interrupted;   /* a signal: nothing new starts */
    PvBlockReason head_blocked;
    gint64 head_blocked_since;
    GMainLoop *loop;
    GThreadPool *workers;
    GPtrArray *jobs;        /* PvDispatchJob, running */
    GQueue again;           /* PvFile: lost with their host, to run elsewhere first */
    guint given_up;         /* files given up: their workers never end */
    guint tick_id;
    gint pump_pending;      /* atomic: a pump is queued on the main loop */
    GArray *psi_fds;        /* kernel PSI triggers, with their watches */
    GArray *psi_watch_ids;
    PvDispatchStatusFunc status_func;
    gpointer status_data;
};

/* What the dispatcher keeps of a file it started, until it ends. */
typedef struct {
    PvDispatcher *dispatcher;
    PvDispatchHost *where;  /* the host it runs on */
    PvFile *file;
    PvAmount taken;         /* the claim, or the overhead */
    PvAmount need;          /* pv_dispatcher_need() as it started */
    PvBudget *claim;        /* NULL without one */
    PvWakeWatch watch;      /* the watchdog's, main thread */
    gboolean given_up;      /* its worker is stuck: another ends the file */
} PvDispatchJob;

static void pv_dispatcher_pump(PvDispatcher *dispatcher);

/*
 * Where the next file may go: a host of the run that is not lost, or NULL
 * when none is left.  (One host today; placing files over several hosts
 * considers only those this would return.)
 */
static PvHost *
pv_dispatcher_host_up(PvDispatcher *dispatcher)
{
    guint i;

    for (i = 0; i < dispatcher->n_hosts; i++) {
        if (!pv_host_is_lost(dispatcher->hosts[i].host))
            return dispatcher->hosts[i].host;
    }
    return NULL;
}

static PvAmount
pv_dispatcher_want(PvFile *file)
{
    const PvClaimSpec *claim = pv_file_peek_claim(file);

    if (claim->declared)
        return pv_amount(claim->memory, claim->cpus);
    return pv_amount(PV_FILE_OVERHEAD_MEMORY, 0);
}

/*
 * What the head needs free to start now: its claim, or the overhead and
 * the VM it likely boots (the default profile's memory and vCPUs).
 */
static PvAmount
pv_dispatcher_need(PvFile *file)
{
    const PvClaimSpec *claim = pv_file_peek_claim(file);
    PvConfig *config = pv_file_peek_config(file);

    if (claim->declared || !config)
        return pv_dispatcher_want(file);
    return pv_amount(PV_FILE_OVERHEAD_MEMORY + pv_config_get_default_memory(config),
                     pv_config_get_default_cpus(config));
}

static void
pv_dispatcher_complete(PvDispatcher *dispatcher, PvFile *file)
{
    gint64 started = 0;
    gint64 finished = 0;

    dispatcher->done++;
    pv_file_get_times(file, &started, &finished);
    if (!finished) {
        finished = pv_events_now_ns();
        pv_file_set_times(file, 0, finished);
    }
    pv_event_file_completed(pv_run_peek_events(dispatcher->run), pv_file_peek_path(file),
                            pv_file_status_to_string(pv_file_get_status(file)),
                            started ? finished - started : 0, pv_file_peek_error(file),
                            pv_file_peek_kept(file),
                            pv_file_get_status(file) == PV_FILE_PASSED ? NULL :
                            pv_file_peek_cause(file));
    if (pv_run_peek_options(dispatcher->run)->fail_fast && !dispatcher->stop_dispatch &&
        (pv_file_get_status(file) == PV_FILE_FAILED || pv_file_get_status(file) == PV_FILE_ERROR))
        dispatcher->stop_dispatch = TRUE;
}

static gboolean
pv_dispatcher_finish_job(gpointer user_data)
{
    PvDispatchJob *job = user_data;
    PvDispatcher *dispatcher = job->dispatcher;
    PvDispatchHost *where = job->where;
    PvFile *file = job->file;
    PvPool *pool = pv_resources_peek_pool(where->resources);

    pv_file_set_times(file, 0, pv_events_now_ns());
    dispatcher->running--;
    where->running--;
    where->expected.memory -= job->need.memory;
    where->expected.mcpus -= job->need.mcpus;
    g_ptr_array_remove_fast(dispatcher->jobs, job);
    if (job->claim)
        pv_budget_release_claim(job->claim);
    else
        pv_pool_give_overhead(pool, job->taken.memory);
    pv_resources_release_llcs(where->resources, file);
    /* What it held went back first: the others are not deadlocked by its end. */
    pv_sched_file_ended(pv_resources_peek_sched(where->resources));
    /* What the pools hold now, for the report's leak check. */
    pv_event_claim_released(pv_run_peek_events(dispatcher->run), pv_file_peek_path(file),
                            job->taken, pv_run_get_pool_used(dispatcher->run),
                            dispatcher->running);
    g_free(job);
    /* Its host was lost: --retries runs it again on another, if one is left. */
    if (pv_dispatcher_host_up(dispatcher) && pv_file_retry_elsewhere(file)) {
        g_queue_push_tail(&dispatcher->again, file);
        pv_dispatcher_pump(dispatcher);
        return G_SOURCE_REMOVE;
    }
    pv_dispatcher_complete(dispatcher, file);
    pv_dispatcher_pump(dispatcher);
    return G_SOURCE_REMOVE;
}

static void
pv_dispatcher_worker(gpointer data, gpointer user_data)
{
    PvDispatchJob *job = data;
    /* What a file's run says goes into the records (see pv-i18n.c). */
    locale_t previous = pv_i18n_untranslated_begin();

    if (job->given_up) {
        /* Its own worker is stuck: this one ends the file in its place. */
        pv_file_give_up(job->file);
    } else {
        /* --retries: a failed file runs again, holding what it held. */
        do
            job->dispatcher->run_file(job->file);
        while (pv_file_retry(job->file));
    }
    pv_i18n_end(previous);
    g_idle_add_full(G_PRIORITY_HIGH, pv_dispatcher_finish_job, job, NULL);
}

static void
pv_dispatcher_start(PvDispatcher *dispatcher, PvDispatchHost *where, PvFile *file,
                    PvAmount taken, PvBudget *claim, gboolean llc_claim_held)
{
    PvDispatchJob *job = g_new0(PvDispatchJob, 1);
    PvEvents *events = pv_run_peek_events(dispatcher->run);
    PvPool *pool = pv_resources_peek_pool(where->resources);

    job->dispatcher = dispatcher;
    job->where = where;
    job->file = file;
    job->taken = taken;
    job->need = pv_dispatcher_need(file);
    job->claim = claim;
    pv_file_set_status(file, PV_FILE_RUNNING, NULL);
    pv_file_set_times(file, pv_events_now_ns(), 0);
    pv_file_set_host(file, where->host);
    pv_file_set_budget(file, claim ? claim : pv_pool_peek_budget(pool), llc_claim_held);
    pv_sched_file_started(pv_resources_peek_sched(where->resources));
    pv_event_file_dispatched(events, pv_file_peek_path(file), taken);
    pv_event_claim_acquired(events, pv_file_peek_path(file), taken);
    dispatcher->running++;
    where->running++;
    where->expected = pv_amount_add(where->expected, job->need);
    g_ptr_array_add(dispatcher->jobs, job);
    /* No limit: the pool, not the thread pool, decides how many run. */
    g_thread_pool_push(dispatcher->workers, job, NULL);
}

/* LLC groups nobody holds exclusively now. */
static guint
pv_dispatcher_free_llcs(PvDispatchHost *where, guint ngroups)
{
    PvLocks *locks = pv_resources_peek_locks(where->resources);
    g_autofree gboolean *unusable = pv_locks_unusable(locks, ngroups, PV_LOCK_EXCLUSIVE);
    guint free_groups = 0;
    guint g;

    for (g = 0; g < ngroups; g++)
        free_groups += !unusable[g];
    return free_groups;
}

/*
 * A file that claims LLC groups gets them, whole and exclusively, before it
 * starts: any free groups, all or none.  A host that has fewer than it asks
 * for never will: the file runs without, and its performance VMs skip.
 */
static gboolean
pv_dispatcher_take_llcs(PvDispatchHost *where, PvFile *file, guint llcs, guint ngroups)
{
    PvRun *run = where->dispatcher->run;
    PvLocks *locks = pv_resources_peek_locks(where->resources);
    g_autofree gboolean *unusable = pv_locks_unusable(locks, ngroups, PV_LOCK_EXCLUSIVE);
    g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree char *holder = NULL;
    g_autoptr(GError) error = NULL;
    gboolean busy = FALSE;
    guint g;

    for (g = 0; g < ngroups && groups->len < llcs; g++) {
        if (!unusable[g])
            g_array_append_val(groups, g);
    }
    if (groups->len < llcs)
        return FALSE;
    holder = g_strdup_printf("pid %" G_GINT64_FORMAT ", prefix %s, %s (claim)\n",
                             pv_run_get_pid(run), pv_run_peek_prefix(run),
                             pv_file_peek_path(file));
    return pv_locks_take(locks, file, (const guint *)groups->data, groups->len,
                         PV_LOCK_EXCLUSIVE, holder, &busy, &error);
}

static void
pv_dispatcher_set_head_blocked(PvDispatcher *dispatcher, PvFile *file, PvBlockReason reason)
{
    PvEvents *events = pv_run_peek_events(dispatcher->run);
    const PvClaimSpec *claim = pv_file_peek_claim(file);
    g_autofree char *waiting_for = NULL;

    if (reason == dispatcher->head_blocked)
        return;
    if (dispatcher->head_blocked != PV_BLOCK_NONE)
        pv_event_file_unblocked(events, pv_file_peek_path(file), dispatcher->head_blocked,
                                (g_get_monotonic_time() - dispatcher->head_blocked_since) * 1000);
    dispatcher->head_blocked = reason;
    dispatcher->head_blocked_since = g_get_monotonic_time();
    if (reason == PV_BLOCK_NONE)
        return;
    switch (reason) {
    case PV_BLOCK_JOBS_CAP:
        waiting_for = g_strdup_printf(_("one of %u running files to end (--jobs)"),
                                      dispatcher->running);
        break;
    case PV_BLOCK_PSI_PRESSURE:
        waiting_for = g_strdup_printf(_("host pressure to drop (cpu %.1f%%, memory %.1f%%)"),
                                      dispatcher->hosts[0].psi.cpu,
                                      dispatcher->hosts[0].psi.memory);
        break;
    case PV_BLOCK_LLC_BUSY:
        waiting_for = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                  "%u free LLC group for its claim",
                                                  "%u free LLC groups for its claim",
                                                  claim->llcs), claim->llcs);
        break;
    default: {
        g_autofree char *want = pv_amount_format(pv_dispatcher_want(file));
        g_autofree char *need = NULL;

        if (claim->declared) {
            waiting_for = g_strdup_printf(_("its claim: %s"), want);
        } else if (dispatcher->n_hosts > 1) {
            /* pv_dispatcher_hold_head() */
            need = pv_amount_format(pv_dispatcher_need(file));
            waiting_for = g_strdup_printf(_("room on a host for it and the VM it likely "
                                            "boots: %s"), need);
        } else {
            waiting_for = g_strdup_printf(_("the per-file overhead: %s"), want);
        }
        break;
    }
    }
    pv_event_file_blocked(events, pv_file_peek_path(file), reason, waiting_for);
}

static void
pv_dispatcher_skip(PvDispatcher *dispatcher, PvFile *file, PvFileStatus status,
                   const char *why)
{
    pv_file_set_status(file, status, why);
    pv_dispatcher_complete(dispatcher, file);
}

/* No host is left for @file: it does not run, with each lost host's line. */
static void
pv_dispatcher_skip_lost(PvDispatcher *dispatcher, PvFile *file)
{
    g_autoptr(GString) losses = g_string_new(NULL);
    g_autofree char *why = NULL;
    guint i;

    for (i = 0; i < dispatcher->n_hosts; i++) {
        g_autofree char *loss = NULL;

        if (!pv_host_is_lost(dispatcher->hosts[i].host))
            continue;
        loss = pv_host_describe_loss(dispatcher->hosts[i].host);
        g_string_append_printf(losses, "%s%s", losses->len ? "; " : "", loss);
    }
    why = g_strdup_printf(_("not run: %s"), losses->str);
    pv_file_lose_host(file, why);
    pv_dispatcher_skip(dispatcher, file, PV_FILE_NOT_RUN, why);
}

static void
pv_dispatcher_report_status(PvDispatcher *dispatcher)
{
    g_autofree PvDispatchHostStatus *hosts = g_new0(PvDispatchHostStatus, dispatcher->n_hosts);
    PvDispatchStatus status;
    guint i;

    if (!dispatcher->status_func)
        return;
    status.done = dispatcher->done;
    status.running = dispatcher->running;
    status.queued = dispatcher->files->len - dispatcher->next;
    status.used = pv_run_get_pool_used(dispatcher->run);
    status.total = pv_run_get_pool_total(dispatcher->run);
    status.head_blocked = dispatcher->head_blocked;
    for (i = 0; i < dispatcher->n_hosts; i++) {
        PvHost *host = dispatcher->hosts[i].host;

        hosts[i].name = pv_host_peek_name(dispatcher->hosts[i].host);
        hosts[i].files = dispatcher->hosts[i].running;
        hosts[i].vms = pv_domain_registry_count(pv_host_peek_domains(host));
    }
    status.n_hosts = dispatcher->n_hosts;
    status.hosts = hosts;
    dispatcher->status_func(&status, dispatcher->status_data);
}

/* Admits the head of the queue on @where, if it may run there now. */
static PvBlockReason
pv_dispatcher_try_host(PvDispatchHost *where, PvFile *file)
{
    PvDispatcher *dispatcher = where->dispatcher;
    const PvRunOptions *options = pv_run_peek_options(dispatcher->run);
    const PvClaimSpec *claim = pv_file_peek_claim(file);
    PvPool *pool = pv_resources_peek_pool(where->resources);
    PvConfig *config = pv_file_peek_config(file);
    PvAmount want = pv_dispatcher_want(file);
    PvAdmission state = {
        where->running, where->jobs,
        !options->no_psi && pv_resources_is_throttled(where->resources),
        claim->declared || !config ? 0 : pv_config_get_default_memory(config),
        pv_sched_count_waiting(pv_resources_peek_sched(where->resources),
                               PV_BLOCK_POOL_FULL) > 0,
        0, 0,
    };
    PvBudget *budget = NULL;
    PvBlockReason reason;
    gboolean llcs = FALSE;

    if (claim->llcs && !options->no_perf_mode) {
        g_autoptr(GError) error = NULL;
        PvTopology *topology = pv_host_get_topology(where->host, &error);

        /* A host that has fewer groups than claimed never will: its VMs skip. */
        if (topology && topology->groups->len >= claim->llcs) {
            state.llcs_wanted = claim->llcs;
            state.llcs_free = pv_dispatcher_free_llcs(where, topology->groups->len);
            llcs = TRUE;
        }
    }
    reason = pv_dispatcher_admit(pool, &state, want, claim->declared, &budget);
    if (reason != PV_BLOCK_NONE)
        return reason;
    if (llcs) {
        PvTopology *topology = pv_host_get_topology(where->host, NULL);

        if (!pv_dispatcher_take_llcs(where, file, claim->llcs, topology->groups->len)) {
            /* Another run took them meanwhile. */
            if (budget)
                pv_budget_release_claim(budget);
            else
                pv_pool_give_overhead(pool, want.memory);
            return PV_BLOCK_LLC_BUSY;
        }
    }
    pv_dispatcher_set_head_blocked(dispatcher, file, PV_BLOCK_NONE);
    pv_dispatcher_start(dispatcher, where, file, want, budget, llcs);
    return PV_BLOCK_NONE;
}

/*
 * Admits the head of the queue on the first host, in
 * pv_dispatcher_rank_hosts()'s order, that lets it run now.
 * Returns: why it must wait (on the host it ranks first), or PV_BLOCK_NONE
 */
static PvBlockReason
pv_dispatcher_try_head(PvDispatcher *dispatcher, PvFile *file, const guint *order,
                       guint count)
{
    const PvRunOptions *options = pv_run_peek_options(dispatcher->run);
    PvBlockReason first = PV_BLOCK_NONE;
    guint i;

    /* --jobs caps the run, whatever host would take the file. */
    if (options->jobs && dispatcher->running >= options->jobs)
        return PV_BLOCK_JOBS_CAP;
    for (i = 0; i < count; i++) {
        PvBlockReason reason = pv_dispatcher_try_host(&dispatcher->hosts[order[i]], file);

        if (reason == PV_BLOCK_NONE)
            return PV_BLOCK_NONE;
        if (i == 0)
            first = reason;
    }
    return first;
}

/* The head's claim fits no host's whole pool: the line that says so. */
static char *
pv_dispatcher_too_big(PvDispatcher *dispatcher, PvFile *file)
{
    g_autofree char *need = pv_amount_format(pv_dispatcher_want(file));
    g_autoptr(GString) offers = g_string_new(NULL);
    guint i;

    if (dispatcher->n_hosts == 1) {
        PvPool *pool = pv_resources_peek_pool(dispatcher->hosts[0].resources);
        g_autofree char *total = pv_amount_format(pv_pool_get_total(pool));

        return g_strdup_printf(
            _("%s: provium:claim() asks for %s, more than the whole pool (%s); claim less "
              "or give the pool more (--mem, --cpus)"), pv_file_peek_path(file), need, total);
    }
    for (i = 0; i < dispatcher->n_hosts; i++) {
        PvPool *pool = pv_resources_peek_pool(dispatcher->hosts[i].resources);
        g_autofree char *total = pv_amount_format(pv_pool_get_total(pool));

        /* TRANSLATORS: one host and its pool, in a list: "lab2 8G and 4 vCPUs" */
        g_string_append_printf(offers, i ? _(", %s %s") : _("%s %s"),
                               pv_host_peek_name(dispatcher->hosts[i].host), total);
    }
    return g_strdup_printf(
        _("%s: provium:claim() asks for %s, more than any host's whole pool (%s); claim less "
          "or give a host more (--mem, --cpus, or mem and cpus of its [host NAME])"),
        pv_file_peek_path(file), need, offers->str);
}

/*
 * The hosts @file may try, in pv_dispatcher_rank_hosts()'s order, lost
 * hosts left out; @fit: how many of them, first, its need fits now, or
 * G_MAXUINT when it fits none of their whole pools (the need is a guess:
 * the file may boot smaller VMs).
 * Returns: how many; 0 when no host can ever hold it; G_MAXUINT when those
 * that could are all lost.
 */
static guint
pv_dispatcher_place(PvDispatcher *dispatcher, PvFile *file, PvHostRoom *rooms, guint *order,
                    guint *fit)
{
    PvAmount need = pv_dispatcher_need(file);
    gboolean could = FALSE;
    guint count;
    guint fit_all;
    guint kept = 0;
    guint i;

    for (i = 0; i < dispatcher->n_hosts; i++) {
        PvDispatchHost *where = &dispatcher->hosts[i];
        PvPool *pool = pv_resources_peek_pool(where->resources);
        PvAmount used = pv_pool_get_used(pool);

        rooms[i].total = pv_pool_get_total(pool);
        /* A file that has not booted its VM yet will: count it as if it had. */
        rooms[i].used.memory = MAX(used.memory, where->expected.memory);
        rooms[i].used.mcpus = MAX(used.mcpus, where->expected.mcpus);
    }
    count = pv_dispatcher_rank_hosts(rooms, dispatcher->n_hosts, pv_dispatcher_want(file),
                                     need, order, &fit_all);
    *fit = 0;
    for (i = 0; i < count; i++) {
        if (pv_host_is_lost(dispatcher->hosts[order[i]].host))
            continue;
        *fit += i < fit_all;
        could = could || pv_amount_fits(need, rooms[order[i]].total);
        order[kept++] = order[i];
    }
    if (!could)
        *fit = G_MAXUINT;
    return count > 0 && kept == 0 ? G_MAXUINT : kept;
}

/*
 * With several hosts, a head that fits none of them now waits in the queue
 * while files of the run are in flight, rather than being placed where it
 * would wait for the pool: it goes where room comes first.  Not when its
 * need fits no host's whole pool (@fit G_MAXUINT): it is placed as on one
 * host, rather than wait for the run to be idle.  With one host there is
 * no choice to keep open (the file waits in its place, its top level and
 * tests before its first boot running meanwhile).
 */
static gboolean
pv_dispatcher_hold_head(PvDispatcher *dispatcher, guint fit)
{
    guint jobs = pv_run_peek_options(dispatcher->run)->jobs;

    /* At --jobs, pv_dispatcher_try_head() says so. */
    return dispatcher->n_hosts > 1 && fit == 0 && dispatcher->running > 0 &&
        !(jobs && dispatcher->running >= jobs);
}

static void
pv_dispatcher_pump(PvDispatcher *dispatcher)
{
    g_autofree PvHostRoom *rooms = g_new0(PvHostRoom, dispatcher->n_hosts);
    g_autofree guint *order = g_new0(guint, dispatcher->n_hosts);
    /* Why files wait or are skipped goes into the records (see pv-i18n.c). */
    locale_t previous = pv_i18n_untranslated_begin();

    /* Files that lost their host start again before any other. */
    while (!g_queue_is_empty(&dispatcher->again)) {
        PvFile *file = g_queue_peek_head(&dispatcher->again);
        PvBlockReason reason;
        guint count;
        guint fit;

        if (dispatcher->interrupted) {
            g_queue_pop_head(&dispatcher->again);
            pv_dispatcher_skip(dispatcher, file, PV_FILE_CANCELLED,
                               _("cancelled before it started"));
            continue;
        }
        if (!pv_dispatcher_host_up(dispatcher)) {
            g_queue_pop_head(&dispatcher->again);
            pv_dispatcher_skip_lost(dispatcher, file);
            continue;
        }
        count = pv_dispatcher_place(dispatcher, file, rooms, order, &fit);
        if (count == 0 || count == G_MAXUINT) {
            /* It ran on a lost host it alone could fit on. */
            g_queue_pop_head(&dispatcher->again);
            pv_dispatcher_skip_lost(dispatcher, file);
            continue;
        }
        reason = pv_dispatcher_hold_head(dispatcher, fit) ? PV_BLOCK_POOL_FULL :
            pv_dispatcher_try_head(dispatcher, file, order, count);
        if (reason != PV_BLOCK_NONE) {
            pv_dispatcher_set_head_blocked(dispatcher, file, reason);
            goto out;
        }
        g_queue_pop_head(&dispatcher->again);
    }
    while (dispatcher->next < dispatcher->files->len) {
        PvFile *file = dispatcher->files->pdata[dispatcher->next];
        PvBlockReason reason;
        guint count;
        guint fit;

        if (pv_file_get_status(file) == PV_FILE_ERROR) {
            /* Broken at discovery: reported in its turn, never run. */
            dispatcher->next++;
            pv_dispatcher_complete(dispatcher, file);
            continue;
        }
        if (dispatcher->interrupted) {
            dispatcher->next++;
            pv_dispatcher_skip(dispatcher, file, PV_FILE_CANCELLED,
                               _("cancelled before it started"));
            continue;
        }
        if (dispatcher->stop_dispatch) {
            dispatcher->next++;
            pv_dispatcher_skip(dispatcher, file, PV_FILE_NOT_RUN,
                               _("not run: an earlier file failed (--fail-fast)"));
            continue;
        }
        if (!pv_dispatcher_host_up(dispatcher)) {
            dispatcher->next++;
            pv_dispatcher_skip_lost(dispatcher, file);
            continue;
        }
        count = pv_dispatcher_place(dispatcher, file, rooms, order, &fit);
        if (count == G_MAXUINT) {
            /* Every host that could hold it is lost. */
            dispatcher->next++;
            pv_dispatcher_skip_lost(dispatcher, file);
            continue;
        }
        if (count == 0) {
            g_autofree char *why = pv_dispatcher_too_big(dispatcher, file);

            dispatcher->next++;
            pv_dispatcher_skip(dispatcher, file, PV_FILE_ERROR, why);
            continue;
        }
        reason = pv_dispatcher_hold_head(dispatcher, fit) ? PV_BLOCK_POOL_FULL :
            pv_dispatcher_try_head(dispatcher, file, order, count);
        if (reason != PV_BLOCK_NONE) {
            pv_dispatcher_set_head_blocked(dispatcher, file, reason);
            break;
        }
        dispatcher->next++;
    }
 out:
    if (dispatcher->next >= dispatcher->files->len && g_queue_is_empty(&dispatcher->again))
        dispatcher->head_blocked = PV_BLOCK_NONE;
    pv_dispatcher_report_status(dispatcher);
    if (dispatcher->running == 0 && dispatcher->next >= dispatcher->files->len &&
        g_queue_is_empty(&dispatcher->again))
        g_main_loop_quit(dispatcher->loop);
    pv_i18n_end(previous);
}

static gboolean
pv_dispatcher_pump_idle(gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;

    g_atomic_int_set(&dispatcher->pump_pending, FALSE);
    pv_dispatcher_pump(dispatcher);
    return G_SOURCE_REMOVE;
}

/* The resources changed (any thread): look at the queue again, once. */
static gboolean
pv_dispatcher_on_changed(gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;

    if (g_atomic_int_compare_and_exchange(&dispatcher->pump_pending, FALSE, TRUE))
        g_idle_add(pv_dispatcher_pump_idle, dispatcher);
    return G_SOURCE_REMOVE;
}

static void
pv_dispatcher_update_psi(PvDispatchHost *where)
{
    PvRun *run = where->dispatcher->run;
    const PvRunOptions *options = pv_run_peek_options(run);
    PvPsiReading reading;
    gboolean throttled;

    if (options->no_psi || !pv_host_read_pressure(where->host, &reading))
        return;
    throttled = pv_psi_throttled(&reading, &options->psi_threshold);
    where->psi = reading;
    if (where->psi_known && throttled == pv_resources_is_throttled(where->resources))
        return;
    where->psi_known = TRUE;
    pv_event_psi_state(pv_run_peek_events(run), pv_host_peek_name(where->host), throttled,
                       reading.cpu, reading.memory);
    pv_resources_set_throttled(where->resources, throttled);
}

static gboolean
pv_dispatcher_on_psi_trigger(int fd, GIOCondition condition, gpointer user_data)
{
    PvDispatchHost *where = user_data;

    /* The kernel saw pressure pass the threshold: look now, not at the tick. */
    pv_dispatcher_update_psi(where);
    return G_SOURCE_CONTINUE;
}

/* Kernel triggers for the pressure of @where, where it is this machine. */
static void
pv_dispatcher_watch_host_psi(PvDispatcher *dispatcher, PvDispatchHost *where)
{
    const PvRunOptions *options = pv_run_peek_options(dispatcher->run);
    const struct {
        const char *resource;
        double pct;
    } triggers[] = {
        { "cpu", options->psi_threshold.cpu },
        { "memory", options->psi_threshold.memory },
    };
    gsize i;

    if (options->no_psi || !pv_host_is_this_machine(where->host))
        return;
    pv_dispatcher_update_psi(where);
    for (i = 0; i < G_N_ELEMENTS(triggers); i++) {
        /* Where triggers are not permitted, the 1 Hz tick reads avg10. */
        int fd = pv_host_open_pressure_trigger(where->host, triggers[i].resource,
                                               triggers[i].pct);
        guint id;

        if (fd < 0)
            continue;
        id = g_unix_fd_add(fd, G_IO_PRI, pv_dispatcher_on_psi_trigger, where);
        g_array_append_val(dispatcher->psi_fds, fd);
        g_array_append_val(dispatcher->psi_watch_ids, id);
    }
}

/*
 * The run's pool together, and each host's when there are several: the
 * whole is the sum of the same readings, so the parts add up to it.
 */
static void
pv_dispatcher_emit_pool_state(PvDispatcher *dispatcher)
{
    g_autofree PvEventPoolHost *hosts = g_new0(PvEventPoolHost, dispatcher->n_hosts);
    PvAmount used = { 0, 0 };
    PvAmount available = { 0, 0 };
    guint i;

    for (i = 0; i < dispatcher->n_hosts; i++) {
        PvPool *pool = pv_resources_peek_pool(dispatcher->hosts[i].resources);
        PvAmount host_total = pv_pool_get_total(pool);

        hosts[i].name = pv_host_peek_name(dispatcher->hosts[i].host);
        hosts[i].used = pv_pool_get_used(pool);
        hosts[i].available.memory = host_total.memory - hosts[i].used.memory;
        hosts[i].available.mcpus = host_total.mcpus - hosts[i].used.mcpus;
        used = pv_amount_add(used, hosts[i].used);
        available = pv_amount_add(available, hosts[i].available);
    }
    pv_event_pool_state(pv_run_peek_events(dispatcher->run), used, available, hosts,
                        dispatcher->n_hosts > 1 ? dispatcher->n_hosts : 0);
}

/*
 * The watchdog: a running file whose worker is stuck in the file's own code
 * past its timeout or interrupt is given up; another worker (a new thread:
 * the pool has no limit) ends it in its place.
 */
static void
pv_dispatcher_watch(PvDispatcher *dispatcher)
{
    gint64 now = g_get_monotonic_time();
    guint i;

    for (i = 0; i < dispatcher->jobs->len; i++) {
        PvDispatchJob *job = dispatcher->jobs->pdata[i];
        PvWake *wake = pv_file_peek_wake(job->file);

        if (job->given_up || !pv_wake_give_up(wake, &job->watch, pv_wake_get_due(wake),
                                              PV_FILE_GIVE_UP_GRACE_US, now))
            continue;
        job->given_up = TRUE;
        dispatcher->given_up++;
        g_thread_pool_push(dispatcher->workers, job, NULL);
    }
}

/*
 * Once a second: pressure (where no trigger told), the pool's use over time,
 * what no release announces (another run gave back LLC groups, the host's
 * available memory moved): waiters look again; the consoles of the running
 * tests' VMs; and the watchdog.
 */
static gboolean
pv_dispatcher_tick(gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;
    guint i;

    for (i = 0; i < dispatcher->n_hosts; i++)
        pv_dispatcher_update_psi(&dispatcher->hosts[i]);
    pv_dispatcher_emit_pool_state(dispatcher);
    for (i = 0; i < dispatcher->n_hosts; i++)
        pv_resources_changed(dispatcher->hosts[i].resources);
    /* A kernel that panicked in a running test fails it now. */
    for (i = 0; i < dispatcher->next; i++)
        pv_file_scan_consoles(dispatcher->files->pdata[i]);
    pv_dispatcher_watch(dispatcher);
    return G_SOURCE_CONTINUE;
}

/*
 * A host of the run was lost (its connection closed): the files running
 * there stop now, whatever they wait for, failed with one line naming the
 * host; nothing more goes there (pv_dispatcher_host_up()).
 */
static void
pv_dispatcher_on_host_lost(PvHost *host, gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;
    g_autofree char *line = pv_host_describe_loss(host);
    g_autofree char *record = NULL;
    locale_t previous;
    guint i;

    pv_run_note(dispatcher->run, "%s", line);
    /* What the files' results say goes into the records (see pv-i18n.c). */
    previous = pv_i18n_untranslated_begin();
    record = pv_host_describe_loss(host);
    pv_i18n_end(previous);
    for (i = 0; i < dispatcher->jobs->len; i++) {
        PvDispatchJob *job = dispatcher->jobs->pdata[i];

        if (pv_file_peek_host(job->file) == host)
            pv_file_lose_host(job->file, record);
    }
    /* Whatever waits there for the host's resources wakes, and the queue moves. */
    pv_resources_changed(pv_host_peek_resources(host));
    pv_dispatcher_pump(dispatcher);
}

/**
 * pv_dispatcher_interrupt:
 *
 * A signal: the running files are cancelled, the queued ones will be
 * reported cancelled, and nothing new starts.  Main thread.
 */
void
pv_dispatcher_interrupt(PvDispatcher *dispatcher)
{
    locale_t previous = pv_i18n_untranslated_begin();
    guint i;

    dispatcher->interrupted = TRUE;
    for (i = 0; i < dispatcher->files->len; i++) {
        PvFile *file = dispatcher->files->pdata[i];
        PvFileStatus status = pv_file_get_status(file);

        /* A failed one may be about to run again (--retries): not any more. */
        if (status == PV_FILE_RUNNING || status == PV_FILE_FAILED)
            pv_file_cancel(file, _("cancelled by a signal"));
    }
    pv_i18n_end(previous);
    pv_dispatcher_pump(dispatcher);
}

/**
 * pv_dispatcher_new:
 * @files: (element-type PvFile): discovered files, in the order they start;
 *   borrowed
 * @run_file: what runs a file on its worker thread
 */
PvDispatcher *
pv_dispatcher_new(PvRun *run, GPtrArray *files, PvFileRunFunc run_file)
{
    PvDispatcher *dispatcher = g_new0(PvDispatcher, 1);
    guint i;

    dispatcher->run = run;
    dispatcher->n_hosts = pv_run_get_host_count(run);
    dispatcher->hosts = g_new0(PvDispatchHost, dispatcher->n_hosts);
    for (i = 0; i < dispatcher->n_hosts; i++) {
        PvDispatchHost *where = &dispatcher->hosts[i];

        where->dispatcher = dispatcher;
        where->host = pv_run_peek_host(run, i);
        where->resources = pv_host_peek_resources(where->host);
        where->index = i;
        where->jobs = pv_run_get_host_jobs(run, i);
        pv_resources_set_changed_func(where->resources, pv_dispatcher_on_changed, dispatcher);
    }
    dispatcher->files = g_ptr_array_ref(files);
    dispatcher->run_file = run_file;
    dispatcher->loop = g_main_loop_new(NULL, FALSE);
    dispatcher->workers = g_thread_pool_new(pv_dispatcher_worker, NULL, -1, FALSE, NULL);
    dispatcher->jobs = g_ptr_array_new();
    dispatcher->psi_fds = g_array_new(FALSE, FALSE, sizeof(int));
    dispatcher->psi_watch_ids = g_array_new(FALSE, FALSE, sizeof(guint));
    g_queue_init(&dispatcher->again);
    for (i = 0; i < dispatcher->n_hosts; i++)
        pv_host_set_lost_func(dispatcher->hosts[i].host, pv_dispatcher_on_host_lost, dispatcher);
    return dispatcher;
}

/**
 * pv_dispatcher_set_status_func:
 *
 * @func is called on the main thread whenever the queue moves, and once a
 * second.
 */
void
pv_dispatcher_set_status_func(PvDispatcher *dispatcher, PvDispatchStatusFunc func,
                              gpointer user_data)
{
    dispatcher->status_func = func;
    dispatcher->status_data = user_data;
}

/**
 * pv_dispatcher_run:
 *
 * Runs every file, returning when all have completed (or were cancelled).
 */
void
pv_dispatcher_run(PvDispatcher *dispatcher)
{
    guint i;

    dispatcher->tick_id = g_timeout_add_seconds(1, pv_dispatcher_tick, dispatcher);
    for (i = 0; i < dispatcher->n_hosts; i++)
        pv_dispatcher_watch_host_psi(dispatcher, &dispatcher->hosts[i]);
    /* The pool's use over time starts and ends with the run, not the tick. */
    pv_dispatcher_emit_pool_state(dispatcher);
    pv_dispatcher_pump(dispatcher);
    if (dispatcher->running > 0 || dispatcher->next < dispatcher->files->len ||
        !g_queue_is_empty(&dispatcher->again))
        g_main_loop_run(dispatcher->loop);
    pv_dispatcher_emit_pool_state(dispatcher);
    g_source_remove(dispatcher->tick_id);
    for (i = 0; i < dispatcher->psi_watch_ids->len; i++) {
        g_source_remove(g_array_index(dispatcher->psi_watch_ids, guint, i));
        close(g_array_index(dispatcher->psi_fds, int, i));
    }
    g_array_set_size(dispatcher->psi_watch_ids, 0);
    g_array_set_size(dispatcher->psi_fds, 0);
}

gboolean
pv_dispatcher_was_cancelled(PvDispatcher *dispatcher)
{
    return dispatcher->interrupted;
}

void
pv_dispatcher_free(PvDispatcher *dispatcher)
{
    guint i;

    if (!dispatcher)
        return;
    /* Every job has finished (the loop ran until none ran): not the workers given up. */
    g_thread_pool_free(dispatcher->workers, FALSE, dispatcher->given_up == 0);
    g_ptr_array_unref(dispatcher->jobs);
    for (i = 0; i < dispatcher->n_hosts; i++) {
        pv_resources_set_changed_func(dispatcher->hosts[i].resources, NULL, NULL);
        pv_host_set_lost_func(dispatcher->hosts[i].host, NULL, NULL);
    }
    g_queue_clear(&dispatcher->again);
    /* A pump queued by a late release must not outlive the dispatcher. */
    while (g_source_remove_by_user_data(dispatcher))
        ;
    g_ptr_array_unref(dispatcher->files);
    g_main_loop_unref(dispatcher->loop);
    g_array_unref(dispatcher->psi_fds);
    g_array_unref(dispatcher->psi_watch_ids);
    g_free(dispatcher->hosts);
    g_free(dispatcher);
}
