/*
 * pv-dispatcher.c: the file queue, admission and cancellation
 *
 * Runs on the main thread, in the GMainLoop that also carries libvirt's
 * events and the signal handlers.  Files are taken in discovery order; each
 * admitted file runs on its own worker thread, which reports back to the
 * main loop when it ends.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdlib.h>

#include "pv-dispatcher.h"
#include "pv-domain.h"

struct _PvDispatcher {
    PvRun *run;
    GPtrArray *files;      /* PvFile, borrowed, discovery order */
    guint next;            /* the first file not yet dispatched */
    guint running;
    guint max_running;
    GMainLoop *loop;
    guint signals;         /* how many SIGINT/SIGTERM arrived */
    guint sigint_id;
    guint sigterm_id;
};

static void pv_dispatcher_pump(PvDispatcher *dispatcher);

static void
pv_dispatcher_complete(PvDispatcher *dispatcher, PvFile *file)
{
    g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    g_auto(GVariantBuilder) kept = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
    guint i;

    if (!file->finished_ns)
        file->finished_ns = pv_events_now_ns();
    for (i = 0; i < file->kept->len; i++)
        g_variant_builder_add(&kept, "s", (const char *)file->kept->pdata[i]);
    g_variant_builder_add(&builder, "{sv}", "path", g_variant_new_string(file->path));
    g_variant_builder_add(&builder, "{sv}", "status",
                          g_variant_new_string(pv_file_status_to_string(file->status)));
    g_variant_builder_add(&builder, "{sv}", "duration_ns",
                          g_variant_new_int64(file->started_ns ?
                                              file->finished_ns - file->started_ns : 0));
    if (file->error)
        g_variant_builder_add(&builder, "{sv}", "error",
                              g_variant_new_take_string(g_utf8_make_valid(file->error, -1)));
    g_variant_builder_add(&builder, "{sv}", "kept", g_variant_builder_end(&kept));
    pv_events_emit(dispatcher->run->events, "file_completed", g_variant_builder_end(&builder));
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

    g_thread_join(file->thread);
    file->thread = NULL;
    file->finished_ns = pv_events_now_ns();
    dispatcher->running--;
    pv_dispatcher_complete(dispatcher, file);
    g_free(job);
    pv_dispatcher_pump(dispatcher);
    return G_SOURCE_REMOVE;
}

static gpointer
pv_dispatcher_worker(gpointer user_data)
{
    PvDispatchJob *job = user_data;

    pv_file_execute(job->file);
    g_idle_add_full(G_PRIORITY_HIGH, pv_dispatcher_finish_job, job, NULL);
    return NULL;
}

static void
pv_dispatcher_start(PvDispatcher *dispatcher, PvFile *file)
{
    PvDispatchJob *job = g_new0(PvDispatchJob, 1);
    g_autofree char *thread_name = g_strdup_printf("pv-%s", file->stem);

    job->dispatcher = dispatcher;
    job->file = file;
    file->status = PV_FILE_RUNNING;
    file->started_ns = pv_events_now_ns();
    pv_events_emitf(dispatcher->run->events, "file_dispatched",
                    "{'path': <%s>, 'reservation': <{'memory': <%t>, 'cpus': <%u>}>}",
                    file->path, (guint64)file->claim_memory, file->claim_cpus);
    dispatcher->running++;
    /* Referenced by the job until joined in pv_dispatcher_finish_job(). */
    file->thread = g_thread_new(thread_name, pv_dispatcher_worker, job);
}

static void
pv_dispatcher_pump(PvDispatcher *dispatcher)
{
    while (dispatcher->next < dispatcher->files->len) {
        PvFile *file = dispatcher->files->pdata[dispatcher->next];

        if (file->status == PV_FILE_ERROR) {
            /* Broken at discovery: reported in its turn, never run. */
            dispatcher->next++;
            pv_dispatcher_complete(dispatcher, file);
            continue;
        }
        if (dispatcher->signals > 0) {
            dispatcher->next++;
            file->status = PV_FILE_CANCELLED;
            g_free(file->error);
            file->error = g_strdup(_("cancelled before it started"));
            pv_dispatcher_complete(dispatcher, file);
            continue;
        }
        if (dispatcher->running >= dispatcher->max_running)
            break;
        dispatcher->next++;
        pv_dispatcher_start(dispatcher, file);
    }
    if (dispatcher->running == 0 && dispatcher->next >= dispatcher->files->len)
        g_main_loop_quit(dispatcher->loop);
}

static gboolean
pv_dispatcher_on_signal(gpointer user_data)
{
    PvDispatcher *dispatcher = user_data;
    guint i;

    dispatcher->signals++;
    if (dispatcher->signals > 1) {
        /* Second signal: no waiting for workers. */
        pv_domain_registry_destroy_all(dispatcher->run->domains);
        fprintf(stderr, _("provium: interrupted again; destroyed this run's domains, exiting\n"));
        _exit(130);
    }
    fprintf(stderr, _("provium: interrupted; stopping (interrupt again to exit at once)\n"));
    for (i = 0; i < dispatcher->files->len; i++) {
        PvFile *file = dispatcher->files->pdata[i];

        if (file->status == PV_FILE_RUNNING)
            pv_file_cancel(file, _("cancelled by a signal"));
    }
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
    dispatcher->max_running = 1;
    dispatcher->loop = g_main_loop_new(NULL, FALSE);
    return dispatcher;
}

/**
 * pv_dispatcher_run:
 *
 * Runs every file, returning when all have completed (or were cancelled).
 */
void
pv_dispatcher_run(PvDispatcher *dispatcher)
{
    dispatcher->sigint_id = g_unix_signal_add(SIGINT, pv_dispatcher_on_signal, dispatcher);
    dispatcher->sigterm_id = g_unix_signal_add(SIGTERM, pv_dispatcher_on_signal, dispatcher);
    pv_dispatcher_pump(dispatcher);
    if (dispatcher->running > 0 || dispatcher->next < dispatcher->files->len)
        g_main_loop_run(dispatcher->loop);
    g_source_remove(dispatcher->sigint_id);
    g_source_remove(dispatcher->sigterm_id);
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
    g_ptr_array_unref(dispatcher->files);
    g_main_loop_unref(dispatcher->loop);
    g_free(dispatcher);
}
