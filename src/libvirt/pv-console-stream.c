/*
 * pv-console-stream.c: a domain's serial console as a libvirt stream
 * (virDomainOpenConsole), to type into it and to hear what it prints.
 *
 * One stream per domain, kept open for as long as it is used: libvirt
 * lets one session hold a console at a time (VIR_DOMAIN_CONSOLE_SAFE: a
 * second open fails rather than taking it), and QEMU's pty chardev only
 * notices a reader of its pty about a second after it opened (its
 * connect poll): bytes sent by a stream opened, written and closed at
 * once are lost with the pty's hang-up.  The stream is non-blocking and
 * read from libvirt's event loop (the main loop) for as long as it lives,
 * so the pty never fills: a full pty stalls the guest's serial output, and
 * with it the console log.  What it reads goes to the caller's callback
 * (or nowhere: the log has it all).
 *
 * Thread rules: open, send and close from any one thread (a file's
 * worker); the callback runs on the main loop.  close() returns once no
 * callback can call the caller's any more: the caller may then free what
 * it gave; the stream itself is freed on the main loop, after any
 * callback libvirt dispatched before its removal.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-console-stream.h"
#include "pv-libvirt.h"

#define PV_CONSOLE_STREAM_CHUNK 4096
/* How long a send waits for the stream to take more, between tries. */
#define PV_CONSOLE_STREAM_RETRY_US (5 * 1000)

struct _PvConsoleStream {
    virStream *st;
    GMutex lock;                   /* closed, ended, and every call of recv */
    gboolean closed;               /* the owner closed it: recv is not called any more */
    gboolean ended;                /* EOF, a hang-up or an error */
    gboolean watched;              /* the event callback is registered: close() removes it */
    PvConsoleStreamRecvFunc recv;
    gpointer user_data;
    GDestroyNotify notify;
};

static void
pv_console_stream_free(gpointer data)
{
    PvConsoleStream *stream = data;

    if (stream->st)
        virStreamFree(stream->st);
    g_mutex_clear(&stream->lock);
    g_free(stream);
}

/* On the main loop, once no callback of the stream can be in flight any more. */
static gboolean
pv_console_stream_release(gpointer data)
{
    pv_console_stream_free(data);
    return G_SOURCE_REMOVE;
}

/* Under the lock: the stream is over; says so once to the owner's callback. */
static void
pv_console_stream_end_locked(PvConsoleStream *stream)
{
    if (stream->ended)
        return;
    stream->ended = TRUE;
    if (!stream->closed && stream->recv)
        stream->recv(NULL, 0, stream->user_data);
}

static void
pv_console_stream_event(virStreamPtr st, int events, void *opaque)
{
    PvConsoleStream *stream = opaque;
    char buf[PV_CONSOLE_STREAM_CHUNK];
    gboolean end = FALSE;

    g_mutex_lock(&stream->lock);
    if (stream->closed || stream->ended) {
        g_mutex_unlock(&stream->lock);
        return;
    }
    if (events & VIR_STREAM_EVENT_READABLE) {
        for (;;) {
            int got = virStreamRecv(st, buf, sizeof(buf));

            if (got == -2)
                break;
            if (got <= 0) {
                end = TRUE;
                break;
            }
            if (stream->recv)
                stream->recv(buf, got, stream->user_data);
        }
    }
    if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP))
        end = TRUE;
    if (end) {
        /*
         * No more events, but the callback stays until close(): libvirt's
         * remote streams do not free a callback removed while it is being
         * dispatched (its free function is never called).
         */
        pv_console_stream_end_locked(stream);
        virStreamEventUpdateCallback(st, 0);
    }
    g_mutex_unlock(&stream->lock);
}

/**
 * pv_console_stream_open:
 * @dom: a running domain
 * @recv: (nullable): called on the main loop with what the console prints
 * @notify: (nullable): frees @user_data once @recv cannot run any more
 *   (in pv_console_stream_close(), or here on failure)
 *
 * Opens the domain's first console (its serial port) as a stream, unless
 * another session (a virsh console) holds it.
 *
 * Returns: (transfer full): the stream, or NULL with @error set
 */
PvConsoleStream *
pv_console_stream_open(virDomain *dom, PvConsoleStreamRecvFunc recv, gpointer user_data,
                       GDestroyNotify notify, GError **error)
{
    PvConsoleStream *stream;
    virStream *st = virStreamNew(virDomainGetConnect(dom), VIR_STREAM_NONBLOCK);

    if (!st) {
        pv_libvirt_set_last_error(error);
        if (notify)
            notify(user_data);
        return NULL;
    }
    if (virDomainOpenConsole(dom, NULL, st, VIR_DOMAIN_CONSOLE_SAFE) < 0) {
        if (pv_libvirt_last_error_is(VIR_ERR_OPERATION_FAILED))
            pv_libvirt_set_error(error, _("another session (a virsh console?) holds the "
                                          "console of domain '%s': close it"),
                                 virDomainGetName(dom));
        else
            pv_libvirt_set_error(error, _("cannot open the console of domain '%s'"),
                                 virDomainGetName(dom));
        virStreamFree(st);
        if (notify)
            notify(user_data);
        return NULL;
    }
    stream = g_new0(PvConsoleStream, 1);
    stream->st = st;
    g_mutex_init(&stream->lock);
    stream->recv = recv;
    stream->user_data = user_data;
    stream->notify = notify;
    /*
     * No free function: libvirt's remote streams call it later, on the
     * event loop, if ever (a sanitized run found none called).  close()
     * hands the stream to the main loop instead, where the callback runs.
     */
    if (virStreamEventAddCallback(st, VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR |
                                  VIR_STREAM_EVENT_HANGUP, pv_console_stream_event, stream,
                                  NULL) < 0) {
        pv_libvirt_set_error(error, _("cannot watch the console of domain '%s'"),
                             virDomainGetName(dom));
        virStreamAbort(st);
        pv_console_stream_free(stream);
        if (notify)
            notify(user_data);
        return NULL;
    }
    stream->watched = TRUE;
    return stream;
}

/* Whether the stream still reaches the console (not ended, not closed). */
gboolean
pv_console_stream_is_open(PvConsoleStream *stream)
{
    gboolean open;

    g_mutex_lock(&stream->lock);
    open = !stream->closed && !stream->ended;
    g_mutex_unlock(&stream->lock);
    return open;
}

/**
 * pv_console_stream_send:
 * @deadline: monotonic; until when to wait for the stream to take it all
 *
 * Types @data into the console: returns once the stream took all of it.
 */
gboolean
pv_console_stream_send(PvConsoleStream *stream, const void *data, gsize len, gint64 deadline,
                       GError **error)
{
    const char *p = data;

    while (len > 0) {
        int sent;

        if (!pv_console_stream_is_open(stream)) {
            g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                        _("the console stream ended (the domain stopped, or another "
                          "session took its console)"));
            return FALSE;
        }
        sent = virStreamSend(stream->st, p, MIN(len, PV_CONSOLE_STREAM_CHUNK));
        if (sent == -2) {
            if (g_get_monotonic_time() >= deadline) {
                g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                            _("the console took no more input in time"));
                return FALSE;
            }
            g_usleep(PV_CONSOLE_STREAM_RETRY_US);
            continue;
        }
        if (sent < 0) {
            pv_libvirt_set_error(error, _("cannot type into the console"));
            return FALSE;
        }
        p += sent;
        len -= sent;
    }
    return TRUE;
}

/**
 * pv_console_stream_close:
 *
 * Stops reading, lets go of the console and frees the stream; the
 * callback's user data is freed before it returns.  Accepts NULL.
 */
void
pv_console_stream_close(PvConsoleStream *stream)
{
    gboolean watched;
    gboolean ended;

    if (!stream)
        return;
    /* After this no callback calls recv; libvirt's calls go outside the lock. */
    g_mutex_lock(&stream->lock);
    stream->closed = TRUE;
    watched = stream->watched;
    stream->watched = FALSE;
    ended = stream->ended;
    g_mutex_unlock(&stream->lock);
    if (watched)
        virStreamEventRemoveCallback(stream->st);
    if (!ended)
        virStreamAbort(stream->st);
    if (stream->notify)
        stream->notify(stream->user_data);
    stream->notify = NULL;
    /* A callback libvirt dispatched before the removal may still come. */
    if (watched)
        g_idle_add(pv_console_stream_release, stream);
    else
        pv_console_stream_free(stream);
}
