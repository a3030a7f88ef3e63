/*
 * pv-console-stream.h: a domain's serial console as a libvirt stream
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct _PvConsoleStream PvConsoleStream;

/**
 * PvConsoleStreamRecvFunc:
 * @data: what the guest printed since the last call; NULL once the stream
 *   ended (the domain stopped, or another session took the console)
 *
 * Called on the main loop (libvirt's event loop) with what the console
 * printed.  Must only do what is safe from there.
 */
typedef void (*PvConsoleStreamRecvFunc)(const char *data, gsize len, gpointer user_data);

PvConsoleStream *pv_console_stream_open(virDomain *dom, PvConsoleStreamRecvFunc recv,
                                        gpointer user_data, GDestroyNotify notify,
                                        GError **error);
gboolean pv_console_stream_send(PvConsoleStream *stream, const void *data, gsize len,
                                gint64 deadline, GError **error);
gboolean pv_console_stream_is_open(PvConsoleStream *stream);
void pv_console_stream_close(PvConsoleStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvConsoleStream, pv_console_stream_close)
