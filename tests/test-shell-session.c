/*
 * test-shell-session.c: the console channel's session (pv-shell-session.c):
 * quoting, base64 lines, the frame of a command's output, and whole
 * sessions against a fake console: a shell (and a login program) of this
 * machine on a pseudo-terminal, with echo on as a serial console has it.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-shell-session.h"

static void
test_quote(void)
{
    const char *args[] = { "-c", "echo 'it''s' $HOME", NULL };
    const char *env[] = { "A=1 2", "B-C=x", NULL };
    g_autofree char *plain = pv_shell_quote_argv("/bin/sh", args, NULL);
    g_autofree char *with_env = pv_shell_quote_argv("ls", NULL, env);
    g_auto(GStrv) argv = NULL;

    g_assert_true(g_shell_parse_argv(plain, NULL, &argv, NULL));
    g_assert_cmpuint(g_strv_length(argv), ==, 3);
    g_assert_cmpstr(argv[0], ==, "/bin/sh");
    g_assert_cmpstr(argv[2], ==, args[1]);
    g_clear_pointer(&argv, g_strfreev);
    g_assert_true(g_shell_parse_argv(with_env, NULL, &argv, NULL));
    g_assert_cmpuint(g_strv_length(argv), ==, 6);
    g_assert_cmpstr(argv[0], ==, "env");
    g_assert_cmpstr(argv[1], ==, "-i");
    g_assert_cmpstr(argv[3], ==, "A=1 2");
    g_assert_cmpstr(argv[5], ==, "ls");
}

static void
test_base64_lines(void)
{
    guchar raw[10000];
    g_autoptr(GBytes) data = NULL;
    g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
    g_auto(GStrv) lines = NULL;
    g_auto(GStrv) none = pv_shell_base64_lines(empty, 1536);
    g_autoptr(GByteArray) back = g_byte_array_new();
    gsize i;

    for (i = 0; i < sizeof(raw); i++)
        raw[i] = (guchar)(i * 7 + i / 256);
    data = g_bytes_new(raw, sizeof(raw));
    lines = pv_shell_base64_lines(data, 1536);
    g_assert_cmpuint(g_strv_length(none), ==, 0);
    /* 1152 bytes a line: 9 lines, the last one shorter. */
    g_assert_cmpuint(g_strv_length(lines), ==, 9);
    for (i = 0; lines[i]; i++) {
        gsize len;
        g_autofree guchar *bytes = g_base64_decode(lines[i], &len);

        if (lines[i + 1])
            g_assert_cmpuint(strlen(lines[i]), ==, 1536);
        g_assert_null(strpbrk(lines[i], "'\\\n%"));
        g_byte_array_append(back, bytes, len);
    }
    g_assert_cmpmem(back->data, back->len, raw, sizeof(raw));
}

static void
test_parse_framed(void)
{
    /* Echo of the typed line, a prompt before the output, CRLF, kernel noise. */
    const char *text =
        "printf '%s_B\\n' PVx1; cmd ... printf '%s_E %s\\n' PVx1 \"$s\"\r\n"
        "# PVx1_B\r\n"
        "PVx1_o aGVsbG8K\r\n"
        "[   12.5] random: crng init done\r\n"
        "PVx1_e b29w\r\n"
        "PVx1_o d29ybGQK\r\n"
        "PVx1_E 3\r\n"
        "# ";
    g_auto(PvShellResult) result = { 0 };
    g_auto(PvShellResult) partial = { 0 };
    g_auto(PvShellResult) bad = { 0 };
    g_autoptr(GError) error = NULL;
    const char *cut = "PVx1_B\nPVx1_o aGVsbG8K\nPVx1_E 0";
    const char *wrong = "PVx1_B\nPVx1_E nope\n";
    gsize end = 0;

    g_assert_true(pv_shell_parse_framed(text, strlen(text), "PVx1", &end, &result, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result.status, ==, 3);
    g_assert_cmpmem(g_bytes_get_data(result.out, NULL), g_bytes_get_size(result.out),
                    "hello\nworld\n", 12);
    g_assert_cmpmem(g_bytes_get_data(result.err, NULL), g_bytes_get_size(result.err), "oop", 3);
    g_assert_cmpstr(text + end, ==, "# ");

    /* Another command's marker is not this one's. */
    g_assert_false(pv_shell_parse_framed(text, strlen(text), "PVx12", &end, &partial, &error));
    g_assert_no_error(error);
    /* Not whole yet: the status line has not ended. */
    g_assert_false(pv_shell_parse_framed(cut, strlen(cut), "PVx1", &end, &partial, &error));
    g_assert_no_error(error);
    g_assert_null(partial.out);
    g_assert_false(pv_shell_parse_framed(wrong, strlen(wrong), "PVx1", &end, &bad, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
}

/* The fake console: a program of this machine on a pseudo-terminal. */
typedef struct {
    int master;
    GPid pid;
} FakeConsole;

static gboolean
fake_send(gpointer io, const char *text, gsize len, GError **error)
{
    FakeConsole *fake = io;

    while (len > 0) {
        ssize_t n = write(fake->master, text, len);

        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                g_usleep(1000);
                continue;
            }
            g_set_error(error, PV_ERROR, PV_ERROR_GUEST, "write: %s", g_strerror(errno));
            return FALSE;
        }
        text += n;
        len -= n;
    }
    return TRUE;
}

static gboolean
fake_read(gpointer io, GString *out, gint64 deadline, GError **error)
{
    FakeConsole *fake = io;
    char buf[4096];

    for (;;) {
        gint64 left = deadline - g_get_monotonic_time();
        struct pollfd pfd = { fake->master, POLLIN, 0 };
        ssize_t n;

        if (left <= 0)
            return TRUE;
        if (poll(&pfd, 1, (int)MAX(1, left / 1000)) <= 0)
            continue;
        n = read(fake->master, buf, sizeof(buf));
        if (n > 0) {
            g_string_append_len(out, buf, n);
            return TRUE;
        }
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
            /* The program ended: nothing more comes. */
            g_usleep(MIN(left, 50000));
        }
    }
}

static const char *fake_slave;

static void
fake_child_setup(gpointer data)
{
    int fd;

    setsid();
    fd = open(fake_slave, O_RDWR);
    ioctl(fd, TIOCSCTTY, 0);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

static void
fake_start(FakeConsole *fake, const char *script)
{
    const char *argv[] = { "/bin/sh", "-c", script, NULL };
    const char *envp[] = { "PATH=/usr/bin:/bin", "PS1=$ ", "TERM=dumb", "ENV=", NULL };
    g_autoptr(GError) error = NULL;

    fake->master = posix_openpt(O_RDWR | O_NOCTTY);
    g_assert_cmpint(fake->master, >=, 0);
    g_assert_cmpint(grantpt(fake->master), ==, 0);
    g_assert_cmpint(unlockpt(fake->master), ==, 0);
    fake_slave = ptsname(fake->master);
    g_assert_true(g_spawn_async(NULL, (char **)argv, (char **)envp,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_LEAVE_DESCRIPTORS_OPEN,
                                fake_child_setup, NULL, &fake->pid, &error));
    g_assert_no_error(error);
}

static void
fake_stop(FakeConsole *fake)
{
    kill(-fake->pid, SIGKILL);
    kill(fake->pid, SIGKILL);
    waitpid(fake->pid, NULL, 0);
    close(fake->master);
}

static gint64
in_s(int s)
{
    return g_get_monotonic_time() + s * G_USEC_PER_SEC;
}

/* A shell already on the console: no login, commands, files, a timeout. */
static void
test_session_shell(void)
{
    FakeConsole fake;
    PvShellIo io = { fake_send, fake_read, &fake };
    g_autoptr(PvShellSession) session = NULL;
    g_auto(PvShellResult) result = { 0 };
    g_auto(PvShellResult) multi = { 0 };
    g_auto(PvShellResult) slow = { 0 };
    g_auto(PvShellResult) after = { 0 };
    g_auto(PvShellResult) input = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) data = NULL;
    g_autoptr(GBytes) back = NULL;
    g_autoptr(GBytes) stdin_data = g_bytes_new_static("line one\nline two\n", 18);
    g_autofree char *path = g_strdup_printf("/tmp/test-shell-session-%d.bin", (int)getpid());
    const char *args[] = { "-c", "echo out; echo err >&2; exit 3", NULL };
    const char *margs[] = { "-c", "printf 'a\\tb\\n'\necho \"$X\" \001", NULL };
    const char *env[] = { "X=caf\xc3\xa9", NULL };
    const char *wc_args[] = { "-l", NULL };
    g_autofree char *script = pv_shell_quote_argv("/bin/sh", args, NULL);
    g_autofree char *mscript = pv_shell_quote_argv("/bin/sh", margs, env);
    g_autofree char *wc = pv_shell_quote_argv("wc", wc_args, NULL);
    guchar raw[70000];
    gsize i;

    fake_start(&fake, "exec /bin/sh -i");
    session = pv_shell_session_new(&io, NULL, NULL);

    g_assert_true(pv_shell_session_run(session, script, NULL, in_s(20), &result, &error));
    g_assert_no_error(error);
    g_assert_false(result.timed_out);
    g_assert_cmpint(result.status, ==, 3);
    g_assert_cmpmem(g_bytes_get_data(result.out, NULL), g_bytes_get_size(result.out), "out\n", 4);
    g_assert_cmpmem(g_bytes_get_data(result.err, NULL), g_bytes_get_size(result.err), "err\n", 4);

    /* A command of several lines and control characters travels as a file. */
    g_assert_true(pv_shell_session_run(session, mscript, NULL, in_s(20), &multi, &error));
    g_assert_no_error(error);
    g_assert_cmpint(multi.status, ==, 0);
    g_assert_cmpmem(g_bytes_get_data(multi.out, NULL), g_bytes_get_size(multi.out),
                    "a\tb\ncaf\xc3\xa9 \001\n", 12);

    g_assert_true(pv_shell_session_run(session, wc, stdin_data, in_s(20), &input, &error));
    g_assert_no_error(error);
    g_assert_cmpint(atoi(g_bytes_get_data(input.out, NULL)), ==, 2);

    /* A binary file, several batches long, there and back. */
    for (i = 0; i < sizeof(raw); i++)
        raw[i] = (guchar)(g_random_int() & 0xff);
    data = g_bytes_new(raw, sizeof(raw));
    g_assert_true(pv_shell_session_write_file(session, path, data, "0600", in_s(60), &error));
    g_assert_no_error(error);
    back = pv_shell_session_read_file(session, path, 1 << 20, in_s(60), &error);
    g_assert_no_error(error);
    g_assert_nonnull(back);
    g_assert_true(g_bytes_equal(back, data));
    g_assert_cmpint(g_file_test(path, G_FILE_TEST_EXISTS), ==, TRUE);
    g_unlink(path);
    g_clear_pointer(&back, g_bytes_unref);
    back = pv_shell_session_read_file(session, path, 1 << 20, in_s(20), &error);
    g_assert_null(back);
    g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
    g_assert_nonnull(strstr(error->message, path));
    g_clear_error(&error);

    /* Past its deadline a command is interrupted; the next one runs. */
    g_assert_true(pv_shell_session_run(session, "sleep 30", NULL, in_s(1), &slow, &error));
    g_assert_no_error(error);
    g_assert_true(slow.timed_out);
    g_assert_true(pv_shell_session_run(session, "echo again", NULL, in_s(20), &after, &error));
    g_assert_no_error(error);
    g_assert_cmpint(after.status, ==, 0);
    g_assert_cmpmem(g_bytes_get_data(after.out, NULL), g_bytes_get_size(after.out),
                    "again\n", 6);
    fake_stop(&fake);
}

/*
 * A getty and login of its own: root / secret, then a shell (without job
 * control, so the loop keeps the terminal when it is killed); again when it
 * ends.  A message follows each prompt on the console, as cloud-init's do
 * on a Debian guest's.
 */
static const char fake_login[] =
    "while :; do printf 'fake login: '; sleep 0.1; echo '[   49.5] cloud-init[292]: noise'; "
    "read u; printf 'Password: '; sleep 0.1; echo '[   55.9] cloud-init[320]: more'; "
    "stty -echo; read p; "
    "stty echo; echo; if [ \"$u\" = root ] && [ \"$p\" = secret ]; then /bin/sh +m -i; "
    "else echo 'Login incorrect'; fi; done";

static void
test_session_login(void)
{
    FakeConsole fake;
    PvShellIo io = { fake_send, fake_read, &fake };
    g_autoptr(PvShellSession) session = NULL;
    g_autoptr(PvShellSession) wrong = NULL;
    g_autoptr(PvShellSession) nobody = NULL;
    g_auto(PvShellResult) result = { 0 };
    g_auto(PvShellResult) lost = { 0 };
    g_auto(PvShellResult) again = { 0 };
    g_autoptr(GError) error = NULL;

    fake_start(&fake, fake_login);
    nobody = pv_shell_session_new(&io, NULL, NULL);
    g_assert_false(pv_shell_session_login(nobody, in_s(20), &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "console_user"));
    g_clear_error(&error);

    wrong = pv_shell_session_new(&io, "root", "guess");
    g_assert_false(pv_shell_session_login(wrong, in_s(30), &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
    g_assert_nonnull(strstr(error->message, "refused the login as 'root'"));
    g_clear_error(&error);

    session = pv_shell_session_new(&io, "root", "secret");
    g_assert_true(pv_shell_session_run(session, "echo in", NULL, in_s(30), &result, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(g_bytes_get_data(result.out, NULL), g_bytes_get_size(result.out), "in\n", 3);

    /* The shell ends under a command: a lost login, then a new one. */
    if (pv_shell_session_run(session, "kill -KILL $$", NULL, in_s(30), &lost, &error))
        g_error("the kill ran: timed out %d, status %d, out '%.*s', err '%.*s'", lost.timed_out,
                lost.status, (int)g_bytes_get_size(lost.out),
                (const char *)g_bytes_get_data(lost.out, NULL), (int)g_bytes_get_size(lost.err),
                (const char *)g_bytes_get_data(lost.err, NULL));
    g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
    g_assert_nonnull(strstr(error->message, "shell on the console ended"));
    g_clear_error(&error);
    g_assert_true(pv_shell_session_run(session, "echo back", NULL, in_s(30), &again, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(g_bytes_get_data(again.out, NULL), g_bytes_get_size(again.out),
                    "back\n", 5);
    fake_stop(&fake);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/shell/quote", test_quote);
    g_test_add_func("/shell/base64-lines", test_base64_lines);
    g_test_add_func("/shell/parse-framed", test_parse_framed);
    g_test_add_func("/shell/session/shell", test_session_shell);
    g_test_add_func("/shell/session/login", test_session_login);
    return g_test_run();
}
