/*
 * pv-agent-run.c: vm:run()'s commands, whose output may be of any size
 *
 * libvirt takes an agent reply of at most 10 MiB (QEMU_AGENT_MAX_RESPONSE),
 * and guest-exec-status hands over all of a command's captured output in
 * one reply, as base64 (4/3 larger; qemu-ga keeps up to 16 MiB of each
 * stream).  A reply over the limit is worse than one failed command:
 * libvirt keeps the agent's error for the domain ("QEMU guest agent is not
 * available due to an error") and qemu-ga stays stuck writing the rest of
 * its reply, so every later command on that VM fails until its agent
 * reconnects.  No reply can be made smaller once the output is captured,
 * so a command of vm:run() never has its output captured: it runs as
 *
 *     /bin/sh -c 'set -C; ...; exec "$@" >"$o" 2>"$e"' provium-run DIR OUT ERR PATH ARG...
 *
 * The shell replaces itself with the command (exec), so the process qemu-ga
 * started is the command: its exit status or signal, and the kill at its
 * timeout, are its own.  OUT and ERR are new files in the guest's /tmp,
 * read back with guest-file-read in chunks far below libvirt's limit, up
 * to PV_AGENT_OUTPUT_MAX each (more is an error that says so): the output
 * arrives whole or the command fails, never cut.
 *
 * What this costs: a shell's start before the command, and six agent calls
 * after it (open, read, close of each file), a bare guest-exec's output
 * comes in the reply that says the command ended.  Files up to one chunk
 * are left for the next command's shell to remove, in the background (a
 * removal of its own would cost a process and two more calls); larger ones
 * go at once, so they take no guest memory.  A command interrupted with
 * its test leaves its files to the next command too.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pv-agent.h"
#include "pv-error.h"
#include "pv-text.h"
#include "pv-units.h"

#define PV_AGENT_RUN_DIR "/tmp"
#define PV_AGENT_RUN_SHELL "/bin/sh"
/* Output up to this is read in one guest-file-read and left for the next
 * command's shell to remove. */
#define PV_AGENT_RUN_SMALL (1024 * 1024)

/*
 * $1: the directory, $2 $3: this command's files, then the command.  The
 * files of earlier commands go first, in the background and away from
 * qemu-ga's pipes (the glob is expanded before this command's files
 * exist).  set -C: a file already there (a link another guest user
 * planted) is not written through.  The shell's own complaints (a file it
 * cannot create) go to qemu-ga's capture; the command's output, to the
 * files.
 */
static const char pv_agent_run_wrapper[] =
    "set -C; d=$1 o=$2 e=$3; shift 3\n"
    "old=\n"
    "for f in \"$d\"/.provium-run-*; do [ -e \"$f\" ] && old=\"$old $f\"; done\n"
    "if [ -n \"$old\" ]; then rm -f -- $old </dev/null >/dev/null 2>&1 & fi\n"
    "exec \"$@\" >\"$o\" 2>\"$e\"\n";

/**
 * pv_agent_run_wrapper_args:
 * @dir: where the files are, and those of earlier commands
 * @out: @dir/.provium-run-ID.out: the guest file for the standard output
 * @err: ... and for the standard error
 *
 * What follows PV_AGENT_RUN_SHELL in the argv that runs @exec with its
 * output in @out and @err: the shell removes the files of earlier commands
 * in @dir, then replaces itself with the command.  With @exec->env, it is
 * `env -i -- NAME=value... PATH ARG...`, so the command has exactly that
 * environment, as guest-exec gives it (a shell would drop names it cannot
 * hold, such as "A-B", and add its own); the shell runs in the agent's.
 * Returns: (transfer container): NULL-terminated; the strings are borrowed
 *   from @exec and the arguments
 */
const char **
pv_agent_run_wrapper_args(const PvAgentExec *exec, const char *dir, const char *out,
                          const char *err)
{
    GPtrArray *args = g_ptr_array_new();
    gsize i;

    g_ptr_array_add(args, (gpointer)"-c");
    g_ptr_array_add(args, (gpointer)pv_agent_run_wrapper);
    g_ptr_array_add(args, (gpointer)"provium-run");
    g_ptr_array_add(args, (gpointer)dir);
    g_ptr_array_add(args, (gpointer)out);
    g_ptr_array_add(args, (gpointer)err);
    if (exec->env) {
        g_ptr_array_add(args, (gpointer)"env");
        g_ptr_array_add(args, (gpointer)"-i");
        g_ptr_array_add(args, (gpointer)"--");
        for (i = 0; exec->env[i]; i++)
            g_ptr_array_add(args, (gpointer)exec->env[i]);
    }
    g_ptr_array_add(args, (gpointer)exec->path);
    for (i = 0; exec->args && exec->args[i]; i++)
        g_ptr_array_add(args, (gpointer)exec->args[i]);
    g_ptr_array_add(args, NULL);
    return (const char **)g_ptr_array_free(args, FALSE);
}

/**
 * pv_agent_run_set_too_large:
 * @is_err: the standard error, not the standard output
 *
 * The error of a command whose output is larger than PV_AGENT_OUTPUT_MAX.
 */
void
pv_agent_run_set_too_large(gboolean is_err, GError **error)
{
    g_autofree char *max = pv_size_format(PV_AGENT_OUTPUT_MAX);

    if (is_err)
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("the command wrote more than %s to its standard error, the most vm:run() "
                      "keeps: send it to a file in the guest and keep what the test needs "
                      "(tail, grep)"), max);
    else
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("the command wrote more than %s to its standard output, the most "
                      "vm:run() keeps: send it to a file in the guest and keep what the test "
                      "needs (head, tail, grep)"), max);
}

/* Removes the files of a command's output, best effort, before returning. */
static void
pv_agent_run_remove(virDomain *dom, const PvAgentContext *ctx, const char *out,
                    const char *err)
{
    const char *args[] = { "-f", "--", out, err, NULL };
    PvAgentExec rm = { "rm", args, NULL, NULL, G_MAXINT64 };
    g_auto(PvAgentExecResult) result = { 0 };

    pv_agent_exec(dom, ctx, &rm, &result, NULL);
}

/* Reads one of the files; FALSE with @error set when it cannot or it is too large. */
static GBytes *
pv_agent_run_read(virDomain *dom, const PvAgentContext *ctx, const char *path,
                  gboolean is_err, GError **error)
{
    gboolean larger = FALSE;
    GBytes *data = pv_agent_file_read_max(dom, ctx, path, PV_AGENT_OUTPUT_MAX, &larger, error);

    if (larger)
        pv_agent_run_set_too_large(is_err, error);
    else if (!data)
        g_prefix_error(error, _("cannot read the command's output back from %s: "), path);
    return data;
}

/**
 * pv_agent_run:
 * @result: (out caller-allocates): filled on success
 *
 * Runs a program in the guest as pv_agent_exec() does, with its output
 * through files in the guest's /tmp (see the top of this file): whole, up
 * to PV_AGENT_OUTPUT_MAX of each stream, or an error that says which was
 * larger.  A program still running at @exec->deadline is killed and
 * reported with timed_out, with the output it wrote until then.
 */
gboolean
pv_agent_run(virDomain *dom, const PvAgentContext *ctx, const PvAgentExec *exec,
             PvAgentExecResult *result, GError **error)
{
    g_autofree char *id = g_uuid_string_random();
    g_autofree char *out = g_strdup_printf(PV_AGENT_RUN_DIR "/.provium-run-%s.out", id);
    g_autofree char *err = g_strdup_printf(PV_AGENT_RUN_DIR "/.provium-run-%s.err", id);
    g_autofree const char **args = pv_agent_run_wrapper_args(exec, PV_AGENT_RUN_DIR, out, err);
    PvAgentExec wrapped = *exec;
    g_auto(PvAgentExecResult) ran = { 0 };
    g_autoptr(GBytes) out_data = NULL;
    g_autoptr(GBytes) err_data = NULL;

    wrapped.path = PV_AGENT_RUN_SHELL;
    wrapped.args = args;
    wrapped.env = NULL;
    if (!pv_agent_exec(dom, ctx, &wrapped, &ran, error))
        return FALSE;
    /* The shell said something itself: the command never started. */
    if (g_bytes_get_size(ran.out) > 0 || g_bytes_get_size(ran.err) > 0) {
        GBytes *said = g_bytes_get_size(ran.err) > 0 ? ran.err : ran.out;
        g_autofree char *shown = pv_text_sanitize(g_bytes_get_data(said, NULL),
                                                  MIN(g_bytes_get_size(said), 300));

        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("cannot keep the command's output in the guest's %s, so it did not run: "
                      "%s"), PV_AGENT_RUN_DIR, g_strstrip(shown));
        return FALSE;
    }
    out_data = pv_agent_run_read(dom, ctx, out, FALSE, error);
    err_data = out_data ? pv_agent_run_read(dom, ctx, err, TRUE, error) : NULL;
    if (!out_data || !err_data || g_bytes_get_size(out_data) > PV_AGENT_RUN_SMALL ||
        g_bytes_get_size(err_data) > PV_AGENT_RUN_SMALL)
        pv_agent_run_remove(dom, ctx, out, err);
    if (!out_data || !err_data)
        return FALSE;

    g_clear_pointer(&ran.out, g_bytes_unref);
    g_clear_pointer(&ran.err, g_bytes_unref);
    *result = ran;
    memset(&ran, 0, sizeof(ran));
    result->out = g_steal_pointer(&out_data);
    result->err = g_steal_pointer(&err_data);
    result->truncated = FALSE;
    return TRUE;
}
