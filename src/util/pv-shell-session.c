/*
 * pv-shell-session.c: a shell on a serial console as a command channel
 * (profile channel = console), as seed 002's kvmrunner drives its guests:
 * log in, then type each command framed by markers and read its output
 * back from what the console prints.
 *
 * Logging in answers the latest `login:` or `Password:` prompt near the
 * output's end (a serial console mixes the guest's messages into its
 * prompts), and otherwise types a probe (printf of a fresh marker) until a
 * shell answers it: a console
 * with a shell already on it (an autologin, the test image) needs no
 * login.  Then `stty -echo` and empty prompts keep what is typed out of
 * what is read.
 *
 * A command runs as one typed line:
 *
 *     printf '%s_B\n' M; ( CMD ) <IN >O 2>E; s=$?; base64 O | sed 's/^/M_o /';
 *     base64 E | sed 's/^/M_e /'; rm -f O E IN; printf '%s_E %s\n' M "$s"
 *
 * so its standard output and error come back apart and exact (base64, each
 * line tagged, whatever the command prints and whatever the kernel prints
 * between), and its exit status after them.  The typed text never holds
 * the markers that start and end a frame ("M_B" is typed as '%s_B' ... M),
 * and output lines count only where their tag starts the line, so an echo
 * that could not be turned off is not mistaken for output.  A command that
 * is not plain printable ASCII on one short line travels as a file first;
 * files and standard input travel as base64 lines typed into a file of
 * the guest's /tmp (a line discipline takes at most 4095 characters a
 * line, and control characters would edit or interrupt the line), in
 * batches each acknowledged by a marker, so the guest's tty never holds
 * more than a batch.
 *
 * A command past its deadline is interrupted (Ctrl-C) and the session
 * types a probe before its next command; a prompt where a command's end
 * was awaited (a login prompt, or a new shell's: the session's own prints
 * none) means the shell ended: the login is lost (an error), and the next
 * command logs in again.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "pv-error.h"
#include "pv-shell-session.h"

/* Base64 characters of a file's line, and lines a batch. */
#define PV_SHELL_B64_LINE 1536
#define PV_SHELL_B64_BATCH 8
/* How long the console must be quiet before its last line is read as a prompt. */
#define PV_SHELL_QUIET_US (400 * 1000)
/* Between two probes while no shell answers. */
#define PV_SHELL_PROBE_US (3 * G_USEC_PER_SEC)
/* How near the output's end a login or password prompt is looked for. */
#define PV_SHELL_PROMPT_NEAR 512
/* Refused logins before the session gives up. */
#define PV_SHELL_LOGIN_TRIES 3
#define PV_SHELL_TMP "/tmp/.provium-console-"

struct _PvShellSession {
    PvShellIo io;
    char *user;              /* nullable */
    char *password;          /* nullable */
    GString *buf;            /* what the console printed, not yet consumed */
    gboolean logged_in;
    gboolean needs_sync;     /* a command was interrupted: probe before the next */
    guint serial;            /* makes each marker unique in the session */
    guint32 id;              /* ... and across sessions */
};

void
pv_shell_result_clear(PvShellResult *result)
{
    g_clear_pointer(&result->out, g_bytes_unref);
    g_clear_pointer(&result->err, g_bytes_unref);
}

/**
 * pv_shell_session_new:
 * @user: (nullable): what to answer a `login:` prompt; NULL: a shell is
 *   (or comes) on the console by itself
 * @password: (nullable): what to answer a `Password:` prompt
 */
PvShellSession *
pv_shell_session_new(const PvShellIo *io, const char *user, const char *password)
{
    PvShellSession *session = g_new0(PvShellSession, 1);

    session->io = *io;
    session->user = g_strdup(user);
    session->password = g_strdup(password);
    session->buf = g_string_new(NULL);
    session->id = g_random_int();
    return session;
}

void
pv_shell_session_free(PvShellSession *session)
{
    if (!session)
        return;
    g_free(session->user);
    if (session->password)
        memset(session->password, 0, strlen(session->password));
    g_free(session->password);
    g_string_free(session->buf, TRUE);
    g_free(session);
}

static char *
pv_shell_marker(PvShellSession *session)
{
    return g_strdup_printf("PV%08x%u", session->id, ++session->serial);
}

static gboolean
pv_shell_send_len(PvShellSession *session, const char *text, gsize len, GError **error)
{
    if (session->io.send(session->io.io, text, len, error))
        return TRUE;
    session->needs_sync = TRUE;
    return FALSE;
}

static gboolean
pv_shell_send(PvShellSession *session, const char *text, GError **error)
{
    return pv_shell_send_len(session, text, strlen(text), error);
}

/* Reads until @deadline; returns FALSE on an interrupt.  *@got: something came. */
static gboolean
pv_shell_read(PvShellSession *session, gint64 deadline, gboolean *got, GError **error)
{
    gsize before = session->buf->len;

    if (!session->io.read(session->io.io, session->buf, deadline, error)) {
        /* Interrupted: whatever was typed may still run; a probe before the next. */
        session->needs_sync = TRUE;
        return FALSE;
    }
    *got = session->buf->len > before;
    return TRUE;
}

/* Where @tag ("M_B") starts a line's text in the buffer from @from; -1 if not yet. */
static gssize
pv_shell_find(PvShellSession *session, gsize from, const char *tag)
{
    const char *found;

    if (from > session->buf->len)
        return -1;
    found = g_strstr_len(session->buf->str + from, session->buf->len - from, tag);
    return found ? found - session->buf->str : -1;
}

/* The console's last line, without spaces and carriage returns: a prompt? */
static gboolean
pv_shell_tail_is(PvShellSession *session, const char *prompt, gsize *line_start)
{
    gsize start = session->buf->len;
    g_autofree char *line = NULL;
    gsize len;

    while (start > 0 && session->buf->str[start - 1] != '\n')
        start--;
    line = g_strndup(session->buf->str + start, session->buf->len - start);
    g_strdelimit(line, "\r", ' ');
    g_strchomp(line);
    len = strlen(line);
    if (len < strlen(prompt) ||
        g_ascii_strcasecmp(line + len - strlen(prompt), prompt) != 0)
        return FALSE;
    *line_start = start;
    return TRUE;
}

static guint
pv_shell_count(PvShellSession *session, gsize from, const char *what)
{
    guint n = 0;
    gssize at;

    while ((at = pv_shell_find(session, from, what)) >= 0) {
        n++;
        from = at + 1;
    }
    return n;
}

static void
pv_shell_consume(PvShellSession *session, gsize upto)
{
    g_string_erase(session->buf, 0, MIN(upto, session->buf->len));
}

/* The console's last lines, for an error. */
static char *
pv_shell_tail(PvShellSession *session)
{
    gsize len = session->buf->len;
    gsize start = len > 200 ? len - 200 : 0;
    g_autofree char *text = g_strndup(session->buf->str + start, len - start);

    g_strdelimit(text, "\r", ' ');
    g_strstrip(text);
    return g_strdup(*text ? text : _("(nothing)"));
}

/*
 * Where the latest login or password prompt is in the output's last
 * PV_SHELL_PROMPT_NEAR bytes after @from, or -1: not only at the very end,
 * since the guest's messages (cloud-init's, the kernel's) may follow a
 * prompt on the console.  "Last login:" (after a login) is no prompt.
 */
static gssize
pv_shell_last_prompt(PvShellSession *session, gsize from, gboolean *password)
{
    const char *text = session->buf->str;
    gsize len = session->buf->len;
    gsize pos = MAX(from, len > PV_SHELL_PROMPT_NEAR ? len - PV_SHELL_PROMPT_NEAR : 0);
    gssize last = -1;

    for (; pos < len; pos++) {
        if (len - pos >= 6 && g_ascii_strncasecmp(text + pos, "login:", 6) == 0 &&
            !(pos >= 5 && g_ascii_strncasecmp(text + pos - 5, "last ", 5) == 0)) {
            last = pos;
            *password = FALSE;
        } else if (len - pos >= 9 && g_ascii_strncasecmp(text + pos, "password:", 9) == 0) {
            last = pos;
            *password = TRUE;
        }
    }
    return last;
}

/*
 * Reads until "M_TAG" appears (the shell ran what was typed) and the line
 * ends.  A prompt instead (a login's, or a shell's ending in # or $: the
 * session's shell prints none), once the console is quiet: the shell
 * ended.
 */
static gboolean
pv_shell_await(PvShellSession *session, const char *tag, gsize from, gint64 deadline,
               gsize *end, GError **error)
{
    gint64 quiet_since = g_get_monotonic_time();

    for (;;) {
        gssize at = pv_shell_find(session, from, tag);
        gboolean got = FALSE;
        gboolean password;
        gsize prompt;

        if (at >= 0) {
            const char *nl = memchr(session->buf->str + at, '\n', session->buf->len - at);

            if (nl) {
                *end = nl - session->buf->str + 1;
                return TRUE;
            }
        }
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT, "timeout");
            return FALSE;
        }
        if (!pv_shell_read(session, MIN(deadline, g_get_monotonic_time() + PV_SHELL_QUIET_US),
                           &got, error))
            return FALSE;
        if (got) {
            quiet_since = g_get_monotonic_time();
            continue;
        }
        if (g_get_monotonic_time() - quiet_since >= PV_SHELL_QUIET_US &&
            pv_shell_find(session, from, tag) < 0 &&
            (pv_shell_last_prompt(session, from, &password) >= 0 ||
             ((pv_shell_tail_is(session, "#", &prompt) || pv_shell_tail_is(session, "$", &prompt)) &&
              prompt >= from))) {
            g_autofree char *tail = pv_shell_tail(session);

            session->logged_in = FALSE;
            g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                        _("the shell on the console ended (a prompt came instead of the "
                          "command's end): the next call logs in again; last output: %s"),
                        tail);
            return FALSE;
        }
    }
}

/* After a shell answered: no echo, no prompts, so only output is read. */
static gboolean
pv_shell_setup(PvShellSession *session, gint64 deadline, GError **error)
{
    g_autofree char *marker = pv_shell_marker(session);
    g_autofree char *line = g_strdup_printf("stty -echo 2>/dev/null; PS1=''; PS2=''; "
                                            "printf '%%s_%%s\\n' %s S\n", marker);
    g_autofree char *tag = g_strdup_printf("%s_S", marker);
    gsize from = session->buf->len;
    gsize end;

    if (!pv_shell_send(session, line, error) ||
        !pv_shell_await(session, tag, from, deadline, &end, error))
        return FALSE;
    pv_shell_consume(session, end);
    return TRUE;
}

/**
 * pv_shell_session_login:
 *
 * Makes sure a shell answers on the console: logs in if the console asks,
 * or types a probe until a shell answers it.  Does nothing when logged in
 * already and the last command ended normally.
 */
gboolean
pv_shell_session_login(PvShellSession *session, gint64 deadline, GError **error)
{
    g_autofree char *marker = NULL;
    g_autofree char *probe = NULL;
    g_autofree char *tag = NULL;
    gsize answered = 0;           /* the output's length when a prompt was last answered */
    gsize probe_from = G_MAXSIZE;
    gsize start = session->buf->len;
    gint64 last_probe = 0;
    gint64 quiet_since = g_get_monotonic_time();

    if (session->logged_in && !session->needs_sync)
        return TRUE;
    marker = pv_shell_marker(session);
    probe = g_strdup_printf("printf '%%s_%%s\\n' %s P\n", marker);
    tag = g_strdup_printf("%s_P", marker);
    if (session->needs_sync && !pv_shell_send(session, "\003", error))
        return FALSE;
    for (;;) {
        gboolean got = FALSE;
        gboolean password = FALSE;
        gsize prompt;
        gssize at;
        gint64 now;

        if (probe_from != G_MAXSIZE && pv_shell_find(session, probe_from, tag) >= 0) {
            session->logged_in = TRUE;
            session->needs_sync = FALSE;
            pv_shell_consume(session, session->buf->len);
            return pv_shell_setup(session, deadline, error);
        }
        now = g_get_monotonic_time();
        if (now >= deadline) {
            g_autofree char *tail = pv_shell_tail(session);

            g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT,
                        _("no shell answered on the console in time; last output: %s"), tail);
            return FALSE;
        }
        if (!pv_shell_read(session, MIN(deadline, now + PV_SHELL_QUIET_US), &got, error))
            return FALSE;
        if (got) {
            quiet_since = g_get_monotonic_time();
            continue;
        }
        now = g_get_monotonic_time();
        if (now - quiet_since < PV_SHELL_QUIET_US)
            continue;
        if (pv_shell_count(session, start, "incorrect") >= PV_SHELL_LOGIN_TRIES) {
            g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                        _("the console refused the login as '%s': check console_user and "
                          "console_password"), session->user ? session->user : "");
            return FALSE;
        }
        at = pv_shell_tail_is(session, "#", &prompt) || pv_shell_tail_is(session, "$", &prompt) ?
            -1 : pv_shell_last_prompt(session, answered, &password);
        if (at >= 0 && !password) {
            if (!session->user) {
                g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                            _("the console asks for a login: set the profile's console_user "
                              "(and console_password)"));
                return FALSE;
            }
            answered = session->buf->len;
            if (!pv_shell_send(session, session->user, error) ||
                !pv_shell_send(session, "\n", error))
                return FALSE;
            continue;
        }
        if (at >= 0) {
            if (!session->password) {
                g_set_error(error, PV_ERROR, PV_ERROR_CONFIG,
                            _("the console asks for a password: set the profile's "
                              "console_password"));
                return FALSE;
            }
            answered = session->buf->len;
            if (!pv_shell_send(session, session->password, error) ||
                !pv_shell_send(session, "\n", error))
                return FALSE;
            continue;
        }
        if (last_probe == 0 || now - last_probe >= PV_SHELL_PROBE_US) {
            if (probe_from == G_MAXSIZE)
                probe_from = session->buf->len;
            last_probe = now;
            if (!pv_shell_send(session, probe, error))
                return FALSE;
        }
    }
}

/*
 * Types @data into @path in the guest (made anew, the shell's umask): base64
 * lines into @path.b64 in acknowledged batches, decoded by the last.
 */
static gboolean
pv_shell_upload(PvShellSession *session, const char *path, GBytes *data, gint64 deadline,
                GError **error)
{
    g_auto(GStrv) lines = pv_shell_base64_lines(data, PV_SHELL_B64_LINE);
    g_autofree char *qpath = g_shell_quote(path);
    g_autofree char *b64 = g_strdup_printf("%s.b64", path);
    g_autofree char *qb64 = g_shell_quote(b64);
    gsize i = 0;
    gboolean first = TRUE;
    gboolean last = FALSE;

    while (!last) {
        g_autofree char *marker = pv_shell_marker(session);
        g_autofree char *tag = g_strdup_printf("%s_C", marker);
        GString *batch = g_string_new(NULL);
        gsize from = session->buf->len;
        gsize end;
        guint n;
        gboolean ok;

        if (first)
            g_string_append_printf(batch, "rm -f %s %s; : >%s\n", qpath, qb64, qb64);
        for (n = 0; n < PV_SHELL_B64_BATCH && lines[i]; n++, i++)
            g_string_append_printf(batch, "printf %%s '%s' >>%s\n", lines[i], qb64);
        last = !lines[i];
        if (last)
            g_string_append_printf(batch, "base64 -d %s >%s; rm -f %s\n", qb64, qpath, qb64);
        g_string_append_printf(batch, "printf '%%s_%%s\\n' %s C\n", marker);
        first = FALSE;
        ok = pv_shell_send_len(session, batch->str, batch->len, error) &&
             pv_shell_await(session, tag, from, deadline, &end, error);
        g_string_free(batch, TRUE);
        if (!ok)
            return FALSE;
        pv_shell_consume(session, end);
    }
    return TRUE;
}

/*
 * Types the frame around @command (one plain line) and reads its result.
 * @input_path: (nullable): the command's standard input, a file already in the guest.
 */
static gboolean
pv_shell_run_line(PvShellSession *session, const char *command, const char *input_path,
                  gint64 deadline, PvShellResult *result, GError **error)
{
    g_autofree char *marker = pv_shell_marker(session);
    g_autofree char *o = g_strdup_printf(PV_SHELL_TMP "%s.o", marker);
    g_autofree char *e = g_strdup_printf(PV_SHELL_TMP "%s.e", marker);
    g_autofree char *line = g_strdup_printf(
        "printf '%%s_B\\n' %s; ( %s ) <%s >%s 2>%s; s=$?; "
        "base64 %s | sed 's/^/%s_o /'; base64 %s | sed 's/^/%s_e /'; "
        "rm -f %s %s%s%s; printf '%%s_E %%s\\n' %s \"$s\"\n",
        marker, command, input_path ? input_path : "/dev/null", o, e,
        o, marker, e, marker, o, e, input_path ? " " : "", input_path ? input_path : "",
        marker);

    g_autofree char *tag = g_strdup_printf("%s_E", marker);
    gsize from = session->buf->len;
    gsize end = 0;
    GError *local = NULL;

    if (!pv_shell_send(session, line, error))
        return FALSE;
    if (!pv_shell_await(session, tag, from, deadline, &end, &local)) {
        if (g_error_matches(local, PV_ERROR, PV_ERROR_TIMEOUT)) {
            g_error_free(local);
            /* The command still runs: Ctrl-C, and a probe before the next. */
            session->needs_sync = TRUE;
            result->timed_out = TRUE;
            return pv_shell_send(session, "\003", error);
        }
        g_propagate_error(error, local);
        return FALSE;
    }
    if (!pv_shell_parse_framed(session->buf->str + from, session->buf->len - from, marker,
                               &end, result, &local)) {
        if (!local)
            local = g_error_new(PV_ERROR, PV_ERROR_GUEST,
                                _("the shell on the console printed a command's end without "
                                  "its beginning"));
        g_propagate_error(error, local);
        session->needs_sync = TRUE;
        return FALSE;
    }
    pv_shell_consume(session, from + end);
    return TRUE;
}

/**
 * pv_shell_session_run:
 * @script: a shell command line (pv_shell_quote_argv())
 * @input: (nullable): its standard input
 * @result: (out caller-allocates): its status and output; timed_out when
 *   @deadline came first (then interrupted)
 *
 * Runs @script in the console's shell, logged in first if need be.
 * Returns: FALSE with @error set when the console failed (not the
 *   command: its status is in @result)
 */
gboolean
pv_shell_session_run(PvShellSession *session, const char *script, GBytes *input,
                     gint64 deadline, PvShellResult *result, GError **error)
{
    g_autofree char *marker = NULL;
    g_autofree char *input_path = NULL;
    g_autofree char *script_path = NULL;
    g_autofree char *command = NULL;

    if (!pv_shell_session_login(session, deadline, error))
        return FALSE;
    marker = pv_shell_marker(session);
    if (input) {
        input_path = g_strdup_printf(PV_SHELL_TMP "%s.i", marker);
        if (!pv_shell_upload(session, input_path, input, deadline, error))
            return FALSE;
    }
    if (pv_shell_is_plain(script)) {
        command = g_strdup(script);
    } else {
        g_autoptr(GBytes) text = g_bytes_new(script, strlen(script));

        script_path = g_strdup_printf(PV_SHELL_TMP "%s.sh", marker);
        if (!pv_shell_upload(session, script_path, text, deadline, error))
            return FALSE;
        command = g_strdup_printf("/bin/sh %s; r=$?; rm -f %s; (exit $r)", script_path,
                                  script_path);
    }
    return pv_shell_run_line(session, command, input_path, deadline, result, error);
}

/**
 * pv_shell_session_read_file:
 * @max: the most it reads: beyond, an error
 * Returns: (transfer full): the guest file's bytes, or NULL with @error set
 */
GBytes *
pv_shell_session_read_file(PvShellSession *session, const char *path, gsize max,
                           gint64 deadline, GError **error)
{
    g_auto(PvShellResult) result = { 0 };
    g_autofree char *qpath = g_shell_quote(path);
    g_autofree char *script = g_strdup_printf("cat -- %s", qpath);

    if (!pv_shell_session_run(session, script, NULL, deadline, &result, error))
        return NULL;
    if (result.timed_out) {
        g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT, _("the console took too long"));
        return NULL;
    }
    if (result.status != 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST, "%.*s",
                    (int)g_bytes_get_size(result.err),
                    (const char *)g_bytes_get_data(result.err, NULL));
        g_strchomp((*error)->message);
        return NULL;
    }
    if (g_bytes_get_size(result.out) > max) {
        g_autofree char *size = g_format_size_full(max, G_FORMAT_SIZE_IEC_UNITS);

        g_set_error(error, PV_ERROR, PV_ERROR_GUEST, _("the file is larger than %s"), size);
        return NULL;
    }
    return g_steal_pointer(&result.out);
}

/**
 * pv_shell_session_write_file:
 * @mode: (nullable): octal permissions; NULL: a new file gets 0644, an
 *   existing one keeps its own
 *
 * Writes @data to @path in the guest: typed into a file of /tmp, then
 * decoded into place.
 */
gboolean
pv_shell_session_write_file(PvShellSession *session, const char *path, GBytes *data,
                            const char *mode, gint64 deadline, GError **error)
{
    g_auto(PvShellResult) result = { 0 };
    g_autofree char *marker = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *qpath = g_shell_quote(path);
    g_autofree char *qmode = g_shell_quote(mode ? mode : "0644");
    g_autofree char *script = NULL;

    if (!pv_shell_session_login(session, deadline, error))
        return FALSE;
    marker = pv_shell_marker(session);
    tmp = g_strdup_printf(PV_SHELL_TMP "%s.w", marker);
    if (!pv_shell_upload(session, tmp, data, deadline, error))
        return FALSE;
    script = g_strdup_printf("n=; [ -e %s ] || n=1; cat %s >%s && "
                             "{ [ -z \"$n\" ]%s || chmod %s %s; }; r=$?; rm -f %s; (exit $r)",
                             qpath, tmp, qpath, mode ? " && false" : "", qmode, qpath, tmp);
    if (!pv_shell_run_line(session, script, NULL, deadline, &result, error))
        return FALSE;
    if (result.timed_out) {
        g_set_error(error, PV_ERROR, PV_ERROR_TIMEOUT, _("the console took too long"));
        return FALSE;
    }
    if (result.status != 0) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST, "%.*s",
                    (int)g_bytes_get_size(result.err),
                    (const char *)g_bytes_get_data(result.err, NULL));
        g_strchomp((*error)->message);
        return FALSE;
    }
    return TRUE;
}
