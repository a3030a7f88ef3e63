/*
 * pv-agent.h: the QEMU guest agent protocol, through libvirt
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "pv-wake.h"

/**
 * PvAgentCheckFunc:
 *
 * Asked between agent calls whether to go on; returns FALSE with @error set
 * to stop (the test's or file's time is up).
 */
typedef gboolean (*PvAgentCheckFunc)(gpointer user_data, GError **error);

typedef struct {
    PvWake *wake;            /* interrupts end waits between calls */
    PvAgentCheckFunc check;  /* nullable */
    gpointer check_data;
} PvAgentContext;

typedef struct {
    const char *path;              /* the program; looked up in the guest's PATH */
    const char *const *args;       /* nullable, NULL-terminated: argv[1...] */
    const char *const *env;        /* nullable, NULL-terminated "NAME=value" */
    GBytes *input;                 /* nullable: standard input */
    gint64 deadline;               /* monotonic; G_MAXINT64 for none */
} PvAgentExec;

/* The largest file vm:read_file() reads: beyond, an error. */
#define PV_AGENT_READ_MAX (64 * 1024 * 1024)
/* The most of each stream vm:run() keeps (pv_agent_run()): beyond, an error. */
#define PV_AGENT_OUTPUT_MAX PV_AGENT_READ_MAX

typedef struct {
    gboolean timed_out;   /* still running at the deadline (then killed) */
    gboolean signaled;
    gint64 exit_code;     /* when exited normally: 0 to 4294967295 */
    int signal;           /* when killed by a signal */
    GBytes *out;
    GBytes *err;
    gboolean truncated;   /* output longer than the agent keeps; never with pv_agent_run() */
} PvAgentExecResult;

void pv_agent_exec_result_clear(PvAgentExecResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PvAgentExecResult, pv_agent_exec_result_clear)

gboolean pv_agent_exec(virDomain *dom, const PvAgentContext *ctx, const PvAgentExec *exec,
                       PvAgentExecResult *result, GError **error);
gboolean pv_agent_file_write(virDomain *dom, const PvAgentContext *ctx, const char *path,
                             GBytes *data, GError **error);
char *pv_agent_find_interface(virDomain *dom, const char *mac, GStrv *addresses, GError **error);
gboolean pv_agent_ping(virDomain *dom, int timeout_s, GError **error);
gboolean pv_agent_set_time(virDomain *dom, GError **error);
GBytes *pv_agent_file_read(virDomain *dom, const PvAgentContext *ctx, const char *path,
                           GError **error);
GBytes *pv_agent_file_read_max(virDomain *dom, const PvAgentContext *ctx, const char *path,
                               gsize max, gboolean *larger, GError **error);

/* vm:run(): output of any size, through files in the guest (pv-agent-run.c). */
gboolean pv_agent_run(virDomain *dom, const PvAgentContext *ctx, const PvAgentExec *exec,
                      PvAgentExecResult *result, GError **error);
const char **pv_agent_run_wrapper_args(const PvAgentExec *exec, const char *dir,
                                       const char *out, const char *err);
void pv_agent_run_set_too_large(gboolean is_err, GError **error);

/*
 * Reading the guest agent's replies: each takes the reply's text as
 * virDomainQemuAgentCommand() returned it ({"return": ...}), so they run
 * without libvirt (tests, fuzzing).  A guest is not trusted: whatever it
 * replies gives a result or an error (PV_ERROR_GUEST), never a crash, a
 * GLib critical, or a result it did not mean.
 */
gboolean pv_agent_parse_exec_pid(const char *reply, gint64 *pid, GError **error);
gboolean pv_agent_parse_exec_status(const char *reply, gboolean *exited,
                                    PvAgentExecResult *result, GError **error);
gboolean pv_agent_parse_file_open(const char *reply, gint64 *handle, GError **error);
gboolean pv_agent_parse_disabled(const char *reply, const char *command, gboolean *disabled,
                                 GError **error);
gboolean pv_agent_parse_file_write(const char *reply, gint64 *count, GError **error);
gboolean pv_agent_parse_file_read(const char *reply, GByteArray *content, gboolean *eof,
                                  GError **error);
