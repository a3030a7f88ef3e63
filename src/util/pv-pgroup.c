/*
 * pv-pgroup.c: the shell commands a test file runs (os.execute(),
 * io.popen()), each in a process group of its own, so that whatever they
 * leave running ends with the file
 *
 * Lua's os.execute() and io.popen() run `/bin/sh -c` in provium's own
 * process group, and what they start in the background (or a command that
 * outlives a file given up at its timeout) ran on after provium exited.
 * Here each command is the leader of a new process group (posix_spawn()'s
 * POSIX_SPAWN_SETPGROUP: no fork() in a threaded process, no
 * pthread_atfork() handler), remembered under its owner (the test file);
 * pv_pgroup_kill() ends an owner's groups (SIGTERM, then SIGKILL after
 * PV_PGROUP_GRACE_US), pv_pgroup_kill_all() every owner's.  Once its
 * leader is reaped, a group nothing else is in is forgotten, so a process
 * group id is never signalled after the system may have given it to
 * someone else; one whose background processes still run is kept until
 * its owner ends.  Only the thread that spawned a leader reaps it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-pgroup.h"

/* How long a group has to end after SIGTERM before SIGKILL. */
#define PV_PGROUP_GRACE_US (2 * G_USEC_PER_SEC)

extern char **environ;

G_LOCK_DEFINE_STATIC(groups);
/* owner -> GArray of pid_t: its groups' ids, each its leader's pid */
static GHashTable *groups;
/* pv_pgroup_kill_all() ran: provium exits, no command starts any more. */
static gboolean closed;

static GArray *
pv_pgroup_peek_locked(gconstpointer owner, gboolean make)
{
    GArray *ids;

    if (!groups)
        groups = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify)g_array_unref);
    ids = g_hash_table_lookup(groups, owner);
    if (!ids && make) {
        ids = g_array_new(FALSE, FALSE, sizeof(pid_t));
        g_hash_table_insert(groups, (gpointer)owner, ids);
    }
    return ids;
}

/**
 * pv_pgroup_spawn_shell:
 * @owner: whose the group is (a test file)
 * @command: given to `/bin/sh -c`
 * @child_in: the command's standard input; -1 for /dev/null
 * @child_out: its standard output; -1 for provium's
 * @pid: (out): the command's pid, its group's id too
 *
 * Starts @command as the leader of a new process group, with the signals
 * as a new process has them (none blocked, SIGPIPE, SIGINT and the like
 * at their defaults), and remembers the group under @owner.  The command
 * does not read provium's terminal: a background group that did would stop.
 * Returns: 0, or the errno of why it could not start
 */
int
pv_pgroup_spawn_shell(gconstpointer owner, const char *command, int child_in, int child_out,
                      pid_t *pid)
{
    static const int defaults[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD };
    char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t set;
    gsize i;
    int err;

    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    if (child_in >= 0)
        posix_spawn_file_actions_adddup2(&actions, child_in, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (child_out >= 0)
        posix_spawn_file_actions_adddup2(&actions, child_out, STDOUT_FILENO);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                             POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigemptyset(&set);
    posix_spawnattr_setsigmask(&attr, &set);
    for (i = 0; i < G_N_ELEMENTS(defaults); i++)
        sigaddset(&set, defaults[i]);
    posix_spawnattr_setsigdefault(&attr, &set);
    /* Under the lock: pv_pgroup_kill() never misses a group being made. */
    G_LOCK(groups);
    err = closed ? ECANCELED : posix_spawn(pid, "/bin/sh", &actions, &attr, argv, environ);
    if (err == 0)
        g_array_append_val(pv_pgroup_peek_locked(owner, TRUE), *pid);
    G_UNLOCK(groups);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return err;
}

/**
 * pv_pgroup_reaped:
 * @pid: a group's leader, just reaped by the thread that spawned it
 *
 * Forgets the group unless something of it still runs (a command it put in
 * the background): that is ended with its owner.
 */
void
pv_pgroup_reaped(gconstpointer owner, pid_t pid)
{
    GArray *ids;
    guint i;

    /* The group is empty: no one else may have its id yet, as its leader's pid was ours. */
    if (kill(-pid, 0) == 0 || errno != ESRCH)
        return;
    G_LOCK(groups);
    ids = pv_pgroup_peek_locked(owner, FALSE);
    for (i = 0; ids && i < ids->len; i++) {
        if (g_array_index(ids, pid_t, i) == pid) {
            g_array_remove_index_fast(ids, i);
            break;
        }
    }
    G_UNLOCK(groups);
}

/* Whether any of @ids (process groups) still has a process. */
static gboolean
pv_pgroup_any_alive(GArray *ids)
{
    guint i;

    for (i = 0; i < ids->len; i++) {
        if (kill(-g_array_index(ids, pid_t, i), 0) == 0)
            return TRUE;
    }
    return FALSE;
}

/* SIGTERM to @ids, then SIGKILL to those still there after the grace. */
static void
pv_pgroup_end(GArray *ids)
{
    gint64 until = g_get_monotonic_time() + PV_PGROUP_GRACE_US;
    gulong pause_us = 1000;
    guint i;

    for (i = 0; i < ids->len; i++)
        kill(-g_array_index(ids, pid_t, i), SIGTERM);
    while (pv_pgroup_any_alive(ids) && g_get_monotonic_time() < until) {
        g_usleep(pause_us);
        pause_us = MIN(pause_us * 2, 100000);
    }
    for (i = 0; i < ids->len; i++)
        kill(-g_array_index(ids, pid_t, i), SIGKILL);
}

/**
 * pv_pgroup_end_one:
 * @pid: a group's leader, not reaped yet, spawned by this thread
 *
 * Ends the group (SIGTERM, SIGKILL after the grace), reaps its leader and
 * forgets the group: the command was interrupted (its test's timeout, a
 * signal), or its file ends.
 * Returns: the leader's wait status
 */
int
pv_pgroup_end_one(gconstpointer owner, pid_t pid)
{
    gint64 until = g_get_monotonic_time() + PV_PGROUP_GRACE_US;
    gulong pause_us = 1000;
    gboolean reaped = FALSE;
    int status = 0;

    kill(-pid, SIGTERM);
    for (;;) {
        pid_t got = reaped ? 0 : waitpid(pid, &status, WNOHANG);

        if (got < 0 && errno == EINTR)
            continue;
        reaped = reaped || got != 0;
        /* Once the leader is reaped, kill(2) tells whether anything of the group is left. */
        if ((reaped && kill(-pid, 0) < 0) || g_get_monotonic_time() >= until)
            break;
        g_usleep(pause_us);
        pause_us = MIN(pause_us * 2, 100000);
    }
    kill(-pid, SIGKILL);
    while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pv_pgroup_reaped(owner, pid);
    return status;
}

/**
 * pv_pgroup_kill:
 *
 * @owner ended (or was given up, or the run was interrupted): its groups
 * end, SIGTERM first, SIGKILL after the grace for what is still there, and
 * are forgotten.  A leader not reaped yet is left to its thread (a zombie
 * answers kill(2) until then: such a group takes the whole grace).
 */
void
pv_pgroup_kill(gconstpointer owner)
{
    g_autoptr(GArray) ids = NULL;

    /* Taken whole: a leader reaped meanwhile finds nothing to forget. */
    G_LOCK(groups);
    if (groups)
        g_hash_table_steal_extended(groups, owner, NULL, (gpointer *)&ids);
    G_UNLOCK(groups);
    if (ids && ids->len)
        pv_pgroup_end(ids);
}

/**
 * pv_pgroup_kill_all:
 *
 * Every owner's groups end, as pv_pgroup_kill() ends one's, and no command
 * starts after: provium exits at once (a second signal).
 */
void
pv_pgroup_kill_all(void)
{
    g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(pid_t));
    GHashTableIter iter;
    gpointer value;

    G_LOCK(groups);
    closed = TRUE;
    if (groups) {
        g_hash_table_iter_init(&iter, groups);
        while (g_hash_table_iter_next(&iter, NULL, &value))
            g_array_append_vals(all, ((GArray *)value)->data, ((GArray *)value)->len);
        g_hash_table_remove_all(groups);
    }
    G_UNLOCK(groups);
    if (all->len)
        pv_pgroup_end(all);
}
