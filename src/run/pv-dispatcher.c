/*
 * pv-dispatcher.c: the file queue, admission and cancellation
 *
 * Runs on the main thread, in the GMainLoop that also carries libvirt's
 * events, the signal handlers, the PSI watch and a 1 Hz tick.  Files are
 * taken in discovery order; the head of the queue runs when the jobs cap,
 * host pressure and the pool allow, and a head that does not fit holds the
 * files behind it (FIFO).  Each admitted file runs, whole, on one worker
 * thread of a pool that grows to as many files as run at once (threads are
 * reused: creating one per file was a tenth of a 1,000-file dispatch), and
 * reports back to the main loop when it ends; its reservation is then given
 * back.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <unistd.h>

#define PV_DISPATCHER_PRIVATE
#include "pv-dispatcher-private.h"
#include "pv-dispatcher.h"
#include "pv-domain.h"
#include "pv-host.h"

/* How long a second signal waits for domains being created, to destroy them. */
#define PV_DISPATCHER_CREATE_WAIT_US (30 * G_USEC_PER_SEC)

struct _PvDispatcher {
    PvRun *run;
    GPtrArray *files;       /* PvFile, borrowed, discovery order */
    guint next;             /* the first file not yet dispatched */
    guint running;
    guint done;
    gboolean stop_dispatch; /* --fail-fast tripped */
    PvBlockReason head_blocked;
    gint64 head_blocked_since;
    GMainLoop *loop;
    GThreadPool *workers;
    guint signals;          /* how many SIGINT/SIGTERM arrived */
    guint source_ids[3];    /* SIGINT, SIGTERM, tick */
    GArray *psi_fds;        /* kernel PSI triggers, with their watches */
    GArray *psi_watch_ids;
    gboolean psi_known;
    PvPsiReading psi;
    PvDispatchStatusFunc status_func;
    gpointer status_data;
};

/**
 * pv_dispatcher_admit:
 * @want: the head file's claim, or the per-file overhead
 *
 * Decides whether the head of the queue runs now.  On PV_BLOCK_NONE @want
 * was taken from the pool: a claim as it is, an overhead (@state's headroom
 * set) through pv_pool_try_take_overhead().
 * Returns: why the file must wait, or PV_BLOCK_NONE
 */
PvBlockReason
pv_dispatcher_admit(PvPool *pool, const PvAdmission *state, PvAmount want)
{
    if (state->jobs && state->running >= state->jobs)
        return PV_BLOCK_JOBS_CAP;
    if (state->psi_throttled)
        return PV_BLOCK_PSI_PRESSURE;
    if (state->headroom ? !pv_pool_try_take_overhead(pool, want.memory, state->headroom)
                        : !pv_pool_try_take(pool, want))
        return PV_BLOCK_POOL_FULL;
    return PV_BLOCK_NONE;
}

static void pv_dispatcher_pump(PvDispatcher *dispatcher);
static void pv_dispatcher_release_llcs(PvDispatcher *dispatcher, PvFile *file);

static PvAmount
pv_dispatcher_want(PvFile *file)
{
    if (file->has_claim)
        return pv_amount(file->claim_memory, file->claim_cpus);
    return pv_amount(PV_FILE_OVERHEAD_MEMORY, 0);
}

static void
pv_dispatcher_complete(PvDispatcher *dispatcher, PvFile *file)
{
    g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    g_auto(GVariantBuilder) kept = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    guint i;

    dispatcher->done++;
    if (!file->finished_ns)
        file->finished_ns = pv_events_now_ns();
    for (i = 0; i < file->kept->len; i++)
        g_variant_builder_add(&kept, "s", (const char *)file->kept->pdata[i]);
    pv_event_add_str(&builder, "path", file->path);
    g_variant_builder_add(&builder, "{sv}", "status",
                          g_variant_new_string(pv_file_status_to_string(file->status)));
    g_variant_builder_add(&builder, "{sv}", "duration_ns",
                          g_variant_new_int64(file->started_ns ?
                                              file->finished_ns - file->started_ns : 0));
    if (file->error)
        pv_event_add_str(&builder, "error", file->error);
    g_variant_builder_add(&builder, "{sv}", "kept", g_variant_builder_end(&kept));
    pv_events_emit(dispatcher->run->events, "file_completed", g_variant_builder_end(&builder));

    if (dispatcher->run->options->fail_fast && !dispatcher->stop_dispatch &&
        (file->status == PV_FILE_FAILED || file->status == PV_FILE_ERROR))
        dispatcher->stop_dispatch = TRUE;
}

typedef struct {
    PvDispatcher *dispatcher;
    PvFile *file;
} PvDispatchJob;

static gboolean
pv_dispatcher_finish_job(gpointer user_data)
{
    PvDispatchJob *job = user_data;
    PvDispatcher *dispatcher = job->dispatcher;
    PvFile *file = job->file;
    PvPool *pool = dispatcher->run->pool;
    g_auto(GVariantBuilder) fields = PV_EVENT_FIELDS_INIT;
    PvAmount used;

    file->finished_ns = pv_events_now_ns();
    dispatcher->running--;
    if (file->has_claim)
        pv_pool_give(pool, file->reservation);
    else
        pv_pool_give_overhead(pool, file->reservation.memory);
    pv_dispatcher_release_llcs(dispatcher, file);
    pv_pool_file_ended(pool);
    used = pv_pool_get_used(pool);
    /* What the pool holds now, for the report's leak check. */
    pv_event_add_str(&fields, "path", file->path);
    pv_event_add_uint(&fields, "memory", file->reservation.memory);
    g_variant_builder_add(&fields, "{sv}", "cpus",
                          g_variant_new_double(file->reservation.mcpus / (double)PV_MCPU));
    pv_event_add_amount(&fields, "pool_used", used.memory, used.mcpus / (double)PV_MCPU);
    pv_event_add_uint(&fields, "in_flight", dispatcher->running);
    pv_events_emit(dispatcher->run->events, "claim_released", g_variant_builder_end(&fields));
    file->reservation = (PvAmount){ 0, 0 };
    pv_dispatcher_complete(dispatcher, file);
    g_free(job);
    pv_dispatcher_pump(dispatcher);
    return G_SOURCE_REMOVE;
}

static void
pv_dispatcher_worker(gpointer data, gpointer user_data)
{
    PvDispatchJob *job = data;

    pv_file_execute(job->file);
    g_idle_add_full(G_PRIORITY_HIGH, pv_dispatcher_finish_job, job, NULL);
}

static void
pv_dispatcher_start(PvDispatcher *dispatcher, PvFile *file, PvAmount taken)
{
    PvDispatchJob *job = g_new0(PvDispatchJob, 1);
    PvEvents *events = dispatcher->run->events;
    g_auto(GVariantBuilder) dispatched = PV_EVENT_FIELDS_INIT;
    g_auto(GVariantBuilder) acquired = PV_EVENT_FIELDS_INIT;

    job->dispatcher = dispatcher;
    job->file = file;
    file->status = PV_FILE_RUNNING;
    file->started_ns = pv_events_now_ns();
    file->reservation = taken;
    file->claim_left = file->has_claim ? taken : (PvAmount){ 0, 0 };
    pv_pool_file_started(dispatcher->run->pool);
    pv_event_add_str(&dispatched, "path", file->path);
    pv_event_add_amount(&dispatched, "reservation", taken.memory, taken.mcpus / (double)PV_MCPU);
    pv_events_emit(events, "file_dispatched", g_variant_builder_end(&dispatched));
    pv_event_add_str(&acquired, "path", file->path);
    pv_event_add_uint(&acquired, "memory", taken.memory);
    g_variant_builder_add(&acquired, "{sv}", "cpus",
                          g_variant_new_double(taken.mcpus / (double)PV_MCPU));
    pv_events_emit(events, "claim_acquired", g_variant_builder_end(&acquired));
    dispatcher->running++;
    /* No limit: the pool, not the thread pool, decides how many run. */
    g_thread_pool_push(dispatcher->workers, job, NULL);
}

/*
 * A file that claims LLC groups gets them, whole and exclusively, before it
 * starts: any free groups, all or none.  A host that has fewer than it asks
 * for never will: the file runs without, and its performance VMs skip.
 */
static PvBlockReason
pv_dispatcher_take_llcs(PvDispatcher *dispatcher, PvFile *file)
{
    PvRun *run = dispatcher->run;
    g_autoptr(GError) error = NULL;
    g_autofree gboolean *unusable = NULL;
    g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree char *holder = NULL;
    PvTopology *topology;
    gboolean busy = FALSE;
    guint g;

    if (!file->claim_llcs || run->options->no_perf_mode)
        return PV_BLOCK_NONE;
    topology = pv_run_get_topology(run, &error);
    if (!topology || topology->groups->len < file->claim_llcs)
        return PV_BLOCK_NONE;
    unusable = pv_locks_unusable(run->locks, topology->groups->len, PV_LOCK_EXCLUSIVE);
    for (g = 0; g < topology->groups->len && groups->len < file->claim_llcs; g++) {
        if (!unusable[g])
            g_array_append_val(groups, g);
    }
    if (groups->len < file->claim_llcs)
        return PV_BLOCK_LLC_BUSY;
    holder = g_strdup_printf("pid %" G_GINT64_FORMAT ", prefix %s, %s (claim)\n", run->pid,
                             run->prefix, file->path);
    /* On an I/O error the file runs without: its VMs' boots report it. */
    if (!pv_locks_take(run->locks, file, (const guint *)groups->data, groups->len,
                       PV_LOCK_EXCLUSIVE, holder, &busy, &error))
        return busy ? PV_BLOCK_LLC_BUSY : PV_BLOCK_NONE;
    file->llc_claim_held = TRUE;
    return PV_BLOCK_NONE;
}

/* The groups of its claim, and those its VMs took: held until the file ends. */
static void
pv_dispatcher_release_llcs(PvDispatcher *dispatcher, PvFile *file)
{
    pv_locks_release(dispatcher->run->locks, file);
    file->llc_claim_held = FALSE;
}

static void
pv_dispatcher_set_head_blocked(PvDispatcher *dispatcher, PvFile *file, PvBlockReason reason)
{
    PvEvents *events = dispatcher->run->events;
    g_autofree char *waiting_for = NULL;

    if (reason == dispatcher->head_blocked)
        return;
    if (dispatcher->head_blocked != PV_BLOCK_NONE)
        pv_events_emitf(events, "file_unblocked",
                        "{'path': <%@s>, 'reason': <%s>, 'blocked_ns': <%x>}",
                        pv_event_new_str(file->path),
                        pv_block_reason_to_string(dispatcher->head_blocked),
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
                                      dispatcher->psi.cpu, dispatcher->psi.memory);
        break;
    case PV_BLOCK_LLC_BUSY:
        waiting_for = g_strdup_printf(_("%u free LLC group(s) for its claim"), file->claim_llcs);
        break;
    default: {
        g_autofree char *want = pv_amount_format(pv_dispatcher_want(file));

        waiting_for = g_strdup_printf(file->has_claim ? _("its claim: %s") :
                                      _("the per-file overhead: %s"), want);
        break;
    }
    }
    pv_events_emitf(events, "file_blocked",
                    "{'path': <%@s>, 'reason': <%s>, 'waiting_for': <%s>}",
                    pv_event_new_str(file->path), pv_block_reason_to_string(reason), waiting_for);
}

static void
pv_dispatcher_skip(PvDispatcher *dispatcher, PvFile *file, PvFileStatus status,
                   const char *why)
{
    file->status = status;
    g_free(file->error);
    file->error = g_strdup(why);
    pv_dispatcher_complete(dispatcher, file);
}

static void
pv_dispatcher_report_status(PvDispatcher *dispatcher)
{
    PvDispatchStatus status;

    if (!dispatcher->status_func)
        return;
    status.done = dispatcher->done;
    status.running = dispatcher->running;
    status.queued = dispatcher->files->len - dispatcher->next;
    status.used = pv_pool_get_used(dispatcher->run->pool);
    status.total = pv_pool_get_total(dispatcher->run->pool);
    status.head_blocked = dispatcher->head_blocked;
    status.psi_throttled = g_atomic_int_get(&dispatcher->run->psi_throttled);
    dispatcher->status_func(&status, dispatcher->status_data);
}

static void
pv_dispatcher_pump(PvDispatcher *dispatcher)
{
    PvRun *run = dispatcher->run;

    while (dispatcher->next < dispatcher->files->len) {
        PvFile *file = dispatcher->files->pdata[dispatcher->next];
        PvAdmission state = {
            dispatcher->running, run->options->jobs,
            !run->options->no_psi && g_atomic_int_get(&run->psi_throttled),
            file->has_claim || !file->config ? 0 : pv_config_get_default_memory(file->config),
        };
        PvAmount want = pv_dispatcher_want(file);
        PvBlockReason reason;

        if (file->status == PV_FILE_ERROR) {
            /* Broken at discovery: reported in its turn, never run. */
            dispatcher->next++;
            pv_dispatcher_complete(dispatcher, file);
            continue;
        }
        if (dispatcher->signals > 0) {
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
        if (!pv_amount_fits(want, pv_pool_get_total(run->pool))) {
            g_autofree char *need = pv_amount_format(want);
            g_autofree char *total = pv_amount_format(pv_pool_get_total(run->pool));
            g_autofree char *why = g_strdup_printf(
                _("%s: provium:claim() asks for %s, more than the whole pool (%s); claim less "
                  "or give the pool more (--mem, --cpus)"), file->path, need, total);

            dispatcher->next++;
            pv_dispatcher_skip(dispatcher, file, PV_FILE_ERROR, why);
            continue;
        }
        reason = state.jobs && state.running >= state.jobs ? PV_BLOCK_JOBS_CAP :
            state.psi_throttled ? PV_BLOCK_PSI_PRESSURE :
            pv_dispatcher_take_llcs(dispatcher, file);
        if (reason == PV_BLOCK_NONE) {
            reason = pv_dispatcher_admit(run->pool, &state, want);
            if (reason != PV_BLOCK_NONE)
                pv_dispatcher_release_llcs(dispatcher, file);
        }
        pv_dispatcher_set_head_blocked(dispatcher, file, reason);
        if (reason != PV_BLOCK_NONE)
            break;
        dispatcher->next++;
        pv_dispatcher_start(dispatcher, file, want);
    }
    if (dispatcher->next >= dispatcher->files->len)
        dispatcher->head_blocked = PV_BLOCK_NONE;
    pv_dispatcher_report_status(dispatcher);
    if (dispatcher->running == 0 && dispatcher->next >= dispatcher->files->len)
        g_main_loop_quit(dispatcher->loop);
}

static void
pv_dispatcher_update_psi(PvDispatcher *dispatcher)
{
    PvRun *run = dispatcher->run;
    PvPsiReading reading;
    gboolean throttled;

    if (run->options->no_psi || !run->host_local || !pv_host_read_psi(&reading))
        return;
    throttled = pv_psi_throttled(&reading, &run->options->psi_threshold);
    dispatcher->psi = reading;
    if (dispatcher->psi_known && throttled == g_atomic_int_get(&run->psi_throttled))
        return;
    dispatcher->psi_known = TRUE;
    g_atomic_int_set(&run->psi_throttled, throttled);
    pv_events_emitf(run->events, "psi_state",
                    "{'throttled': <%b>, 'cpu': <%d>, 'memory': <%d>}",
                    throttled, reading.cpu, reading.memory);
}

static gboolean
pv_dispatcher_on_psi_trigger(int fd, GIOCondition condition, gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;

    /* The kernel saw pressure pass the threshold: look now, not at the tick. */
    pv_dispatcher_update_psi(dispatcher);
    return G_SOURCE_CONTINUE;
}

static void
pv_dispatcher_watch_psi(PvDispatcher *dispatcher)
{
    const PvRunOptions *options = dispatcher->run->options;
    const struct {
        const char *resource;
        double pct;
    } triggers[] = {
        { "cpu", options->psi_threshold.cpu },
        { "memory", options->psi_threshold.memory },
    };
    gsize i;

    if (options->no_psi || !dispatcher->run->host_local)
        return;
    pv_dispatcher_update_psi(dispatcher);
    for (i = 0; i < G_N_ELEMENTS(triggers); i++) {
        /* Where triggers are not permitted, the 1 Hz tick reads avg10. */
        int fd = pv_host_psi_trigger_open(triggers[i].resource, triggers[i].pct);
        guint id;

        if (fd < 0)
            continue;
        id = g_unix_fd_add(fd, G_IO_PRI, pv_dispatcher_on_psi_trigger, dispatcher);
        g_array_append_val(dispatcher->psi_fds, fd);
        g_array_append_val(dispatcher->psi_watch_ids, id);
    }
}

static void
pv_dispatcher_emit_pool_state(PvDispatcher *dispatcher)
{
    PvPool *pool = dispatcher->run->pool;
    PvAmount used = pv_pool_get_used(pool);
    PvAmount total = pv_pool_get_total(pool);

    pv_events_emitf(dispatcher->run->events, "pool_state",
                    "{'used': <{'memory': <%t>, 'cpus': <%d>}>, "
                    "'available': <{'memory': <%t>, 'cpus': <%d>}>}",
                    used.memory, used.mcpus / (double)PV_MCPU, total.memory - used.memory,
                    (total.mcpus - used.mcpus) / (double)PV_MCPU);
}

static gboolean
pv_dispatcher_tick(gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;

    pv_dispatcher_update_psi(dispatcher);
    pv_dispatcher_emit_pool_state(dispatcher);
    pv_dispatcher_pump(dispatcher);
    return G_SOURCE_CONTINUE;
}

static gboolean
pv_dispatcher_on_signal(gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;
    guint i;

    dispatcher->signals++;
    if (dispatcher->signals > 1) {
        /*
         * Second signal: no waiting for workers, only for the domains being
         * created right now, which would come up after provium is gone.
         */
        guint left = pv_domain_registry_close(dispatcher->run->domains,
                                              g_get_monotonic_time() +
                                              PV_DISPATCHER_CREATE_WAIT_US);

        pv_domain_registry_destroy_all(dispatcher->run->domains);
        if (left > 0)
            fprintf(stderr, _("provium: %u domain(s) of this run were still being created after "
                              "30s and may be left: look for prefix '%s' in virsh list --all\n"),
                    left, dispatcher->run->prefix);
        fprintf(stderr, _("provium: interrupted again; destroyed this run's domains, exiting\n"));
        _exit(130);
    }
    fprintf(stderr, _("provium: interrupted; stopping (interrupt again to exit at once)\n"));
    for (i = 0; i < dispatcher->files->len; i++) {
        PvFile *file = dispatcher->files->pdata[i];

        if (file->status == PV_FILE_RUNNING)
            pv_file_cancel(file, _("cancelled by a signal"));
    }
    /* No new domain, and those being created are destroyed as they start. */
    pv_domain_registry_close(dispatcher->run->domains, 0);
    pv_domain_registry_destroy_all(dispatcher->run->domains);
    pv_dispatcher_pump(dispatcher);
    return G_SOURCE_CONTINUE;
}

/**
 * pv_dispatcher_new:
 * @files: (element-type PvFile): discovered files, in order; borrowed
 */
PvDispatcher *
pv_dispatcher_new(PvRun *run, GPtrArray *files)
{
    PvDispatcher *dispatcher = g_new0(PvDispatcher, 1);

    dispatcher->run = run;
    dispatcher->files = g_ptr_array_ref(files);
    dispatcher->loop = g_main_loop_new(NULL, FALSE);
    dispatcher->workers = g_thread_pool_new(pv_dispatcher_worker, NULL, -1, FALSE, NULL);
    dispatcher->psi_fds = g_array_new(FALSE, FALSE, sizeof(int));
    dispatcher->psi_watch_ids = g_array_new(FALSE, FALSE, sizeof(guint));
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

    dispatcher->source_ids[0] = g_unix_signal_add(SIGINT, pv_dispatcher_on_signal, dispatcher);
    dispatcher->source_ids[1] = g_unix_signal_add(SIGTERM, pv_dispatcher_on_signal, dispatcher);
    dispatcher->source_ids[2] = g_timeout_add_seconds(1, pv_dispatcher_tick, dispatcher);
    pv_dispatcher_watch_psi(dispatcher);
    /* The pool's use over time starts and ends with the run, not the tick. */
    pv_dispatcher_emit_pool_state(dispatcher);
    pv_dispatcher_pump(dispatcher);
    if (dispatcher->running > 0 || dispatcher->next < dispatcher->files->len)
        g_main_loop_run(dispatcher->loop);
    pv_dispatcher_emit_pool_state(dispatcher);
    for (i = 0; i < G_N_ELEMENTS(dispatcher->source_ids); i++)
        g_source_remove(dispatcher->source_ids[i]);
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
    return dispatcher->signals > 0;
}

void
pv_dispatcher_free(PvDispatcher *dispatcher)
{
    if (!dispatcher)
        return;
    /* Every job has finished (the loop ran until none ran). */
    g_thread_pool_free(dispatcher->workers, FALSE, TRUE);
    g_ptr_array_unref(dispatcher->files);
    g_main_loop_unref(dispatcher->loop);
    g_array_unref(dispatcher->psi_fds);
    g_array_unref(dispatcher->psi_watch_ids);
    g_free(dispatcher);
}
