/*
 * pv-shell-session.h: a shell on a serial console as a command channel
 */
#pragma once

#include <glib.h>

/**
 * PvShellIo:
 * @send: types @text into the console
 * @read: waits until @deadline (monotonic) for more of what the console
 *   prints and appends it to @out; TRUE with nothing appended at the
 *   deadline, FALSE with @error set when the wait was interrupted
 *
 * The console a session talks to: a VM's (pv-vm-console.c) or a test's
 * fake one.
 */
typedef struct {
    gboolean (*send)(gpointer io, const char *text, gsize len, GError **error);
    gboolean (*read)(gpointer io, GString *out, gint64 deadline, GError **error);
    gpointer io;
} PvShellIo;

typedef struct {
    gboolean timed_out;   /* the deadline came first: interrupted with Ctrl-C */
    int status;           /* the shell's $?: 128 + N for a signal N */
    GBytes *out;
    GBytes *err;
} PvShellResult;

void pv_shell_result_clear(PvShellResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvShellResult, pv_shell_result_clear)

typedef struct _PvShellSession PvShellSession;

PvShellSession *pv_shell_session_new(const PvShellIo *io, const char *user,
                                     const char *password);
void pv_shell_session_free(PvShellSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvShellSession, pv_shell_session_free)

gboolean pv_shell_session_login(PvShellSession *session, gint64 deadline, GError **error);
gboolean pv_shell_session_run(PvShellSession *session, const char *script, GBytes *input,
                              gint64 deadline, PvShellResult *result, GError **error);
gboolean pv_shell_session_write_file(PvShellSession *session, const char *path, GBytes *data,
                                     const char *mode, gint64 deadline, GError **error);
GBytes *pv_shell_session_read_file(PvShellSession *session, const char *path, gsize max,
                                   gint64 deadline, GError **error);

/* The longest line typed with a command on it. */
#define PV_SHELL_LINE_MAX 2048

/* The text of it all (pv-shell-frame.c). */
char *pv_shell_quote_argv(const char *path, const char *const *args, const char *const *env);
char **pv_shell_base64_lines(GBytes *data, gsize line_len);
gboolean pv_shell_is_plain(const char *text);
gboolean pv_shell_parse_framed(const char *text, gsize len, const char *marker, gsize *end,
                               PvShellResult *result, GError **error);
