/*
 * pv-owner.c: who owns what provium leaves on a libvirt host, and whether
 * that owner is still there
 *
 * Every domain and network a run makes names its owner (PvOwner): the
 * client machine (/etc/machine-id), its boot (boot_id), the process and
 * when it started, and a lease the run renews while it lives.  On the
 * machine and in the boot that made a record, its process tells whether
 * the run goes on; another boot of that machine cannot be running it; from
 * another machine the process cannot be seen, so the lease tells: a run
 * that stopped renewing it for its whole length is over
 * (pv_owner_judge(), pure).  Where the lease lives on the host is the
 * callers' (domain metadata, network records; doc/architecture.md).
 *
 * A machine without a machine id is named by its host name
 * (PV_MACHINE_FALLBACK_PREFIX): enough to tell its own records, but two
 * machines could share the name, so "another boot of this machine" is not
 * proof for such a record; its lease decides.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pv-owner.h"

/* The first line of @path, stripped; NULL when unreadable or empty. */
static char *
pv_read_id(const char *path)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    g_strstrip(text);
    return *text && !strchr(text, '\n') ? g_steal_pointer(&text) : NULL;
}

/**
 * pv_machine_id:
 *
 * This machine's /etc/machine-id (or D-Bus's copy of it), read once; on a
 * machine without one, "host:" and its host name
 * (pv_machine_id_is_fallback()).
 * Returns: (transfer none): the id
 */
const char *
pv_machine_id(void)
{
    static char *id;
    static gsize done;

    if (g_once_init_enter(&done)) {
        id = pv_read_id("/etc/machine-id");
        if (!id)
            id = pv_read_id("/var/lib/dbus/machine-id");
        if (!id)
            id = g_strconcat(PV_MACHINE_FALLBACK_PREFIX, g_get_host_name(), NULL);
        g_once_init_leave(&done, 1);
    }
    return id;
}

/**
 * pv_machine_id_is_fallback:
 *
 * Returns: whether @machine is a host name standing for a machine id
 */
gboolean
pv_machine_id_is_fallback(const char *machine)
{
    return machine && g_str_has_prefix(machine, PV_MACHINE_FALLBACK_PREFIX);
}

/**
 * pv_boot_id:
 *
 * Returns: (nullable): the kernel's id of this boot, read once
 */
const char *
pv_boot_id(void)
{
    static char *id;
    static gsize done;

    if (g_once_init_enter(&done)) {
        id = pv_read_id("/proc/sys/kernel/random/boot_id");
        g_once_init_leave(&done, 1);
    }
    return id;
}

/**
 * pv_process_start_time:
 *
 * When process @pid started (field 22 of /proc/PID/stat, in clock ticks
 * after boot): with the pid, it names one process, even after pids wrap.
 * Returns: the start time, or 0 when there is no such process
 */
guint64
pv_process_start_time(gint64 pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/stat", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *after_comm;

    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    /* The command name may hold spaces and parentheses: skip to its last ')'. */
    after_comm = strrchr(text, ')');
    if (!after_comm)
        return 0;
    fields = g_strsplit(after_comm + 1, " ", 0);
    /* fields[0] is empty (the space after ')'), fields[1] is field 3. */
    if (g_strv_length(fields) < 21)
        return 0;
    return g_ascii_strtoull(fields[20], NULL, 10);
}

/**
 * pv_process_probe:
 * @start: (out): when @pid started (pv_process_start_time()), 0 if unknown
 *
 * Returns: whether a process @pid runs on this machine (one this user may
 *   not signal runs too)
 */
gboolean
pv_process_probe(gint64 pid, guint64 *start)
{
    *start = 0;
    if (pid <= 0 || pid > G_MAXINT32 || (kill((pid_t)pid, 0) < 0 && errno != EPERM))
        return FALSE;
    *start = pv_process_start_time(pid);
    return TRUE;
}

/**
 * pv_owner_here_init:
 *
 * This machine, this boot, now, and its processes.
 */
void
pv_owner_here_init(PvOwnerHere *here)
{
    here->machine = pv_machine_id();
    here->boot = pv_boot_id();
    here->now = g_get_real_time() / G_USEC_PER_SEC;
    here->probe = pv_process_probe;
}

PV_ENUM_IMPL(pv_owner_state, PvOwnerState, PV_OWNER_LAST,
             "old", "running", "exited", "rebooted", "leased", "expired", "unleased");

/**
 * pv_owner_judge:
 *
 * Pure: what @owner is, seen from @here.  A pid means something only on
 * the machine and in the boot it was recorded in; elsewhere only the lease
 * tells, and a record without one is never over.  A record without a
 * machine id (an older provium's) is PV_OWNER_OLD: its caller judges it as
 * before.
 */
PvOwnerState
pv_owner_judge(const PvOwner *owner, const PvOwnerHere *here)
{
    guint64 start = 0;

    if (!owner->machine)
        return PV_OWNER_OLD;
    if (here->machine && g_str_equal(owner->machine, here->machine) && owner->boot &&
        here->boot) {
        if (g_str_equal(owner->boot, here->boot)) {
            if (!here->probe(owner->pid, &start))
                return PV_OWNER_EXITED;
            if (start != 0 && owner->pid_start != 0 && start != owner->pid_start)
                return PV_OWNER_EXITED;
            return PV_OWNER_RUNNING;
        }
        /* A host name is no proof of the machine: another of that name may run it. */
        if (!pv_machine_id_is_fallback(owner->machine))
            return PV_OWNER_REBOOTED;
    }
    if (owner->renewed <= 0 || owner->expires <= 0)
        return PV_OWNER_UNLEASED;
    return here->now > owner->expires ? PV_OWNER_EXPIRED : PV_OWNER_LEASED;
}

/**
 * pv_owner_state_is_over:
 *
 * Returns: whether @state proves that the owner's run is over
 */
gboolean
pv_owner_state_is_over(PvOwnerState state)
{
    return state == PV_OWNER_EXITED || state == PV_OWNER_REBOOTED ||
           state == PV_OWNER_EXPIRED;
}

struct _PvLease {
    GMutex lock;
    char *host;
    gint64 pid;
    guint64 pid_start;
    gint64 length;
    gint64 renewed;       /* under lock */
    gint64 expires;       /* under lock */
};

/**
 * pv_lease_length_default:
 *
 * Returns: PV_LEASE_SECONDS, or for the tests the seconds $PV_LEASE_ENV
 *   gives
 */
gint64
pv_lease_length_default(void)
{
    const char *env = g_getenv(PV_LEASE_ENV);
    gint64 seconds = env ? g_ascii_strtoll(env, NULL, 10) : 0;

    return seconds > 0 ? seconds : PV_LEASE_SECONDS;
}

/**
 * pv_lease_new:
 * @length: seconds the lease holds unless renewed
 *
 * This process's ownership record, its lease renewed now.
 * Returns: (transfer full)
 */
PvLease *
pv_lease_new(gint64 length)
{
    PvLease *lease = g_new0(PvLease, 1);

    g_mutex_init(&lease->lock);
    lease->host = g_strdup(g_get_host_name());
    lease->pid = getpid();
    lease->pid_start = pv_process_start_time(lease->pid);
    lease->length = MAX(length, 1);
    pv_lease_renew(lease, g_get_real_time() / G_USEC_PER_SEC);
    return lease;
}

void
pv_lease_free(PvLease *lease)
{
    if (!lease)
        return;
    g_mutex_clear(&lease->lock);
    g_free(lease->host);
    g_free(lease);
}

gint64
pv_lease_get_length(PvLease *lease)
{
    return lease->length;
}

/**
 * pv_lease_get_interval:
 *
 * Returns: how often, in seconds, the lease is to be renewed: a fifth of
 *   its length, so that four renewals may be late before it runs out
 */
gint64
pv_lease_get_interval(PvLease *lease)
{
    return MAX(lease->length / 5, 1);
}

/**
 * pv_lease_renew:
 * @now: seconds since the epoch
 *
 * The lease holds from @now for its length.  Any thread.
 */
void
pv_lease_renew(PvLease *lease, gint64 now)
{
    g_mutex_lock(&lease->lock);
    lease->renewed = now;
    lease->expires = now + lease->length;
    g_mutex_unlock(&lease->lock);
}

/**
 * pv_lease_get_owner:
 * @owner: (out caller-allocates): its strings are the lease's, or static
 *
 * The record as it is now.  Any thread.
 */
void
pv_lease_get_owner(PvLease *lease, PvOwner *owner)
{
    memset(owner, 0, sizeof(*owner));
    owner->machine = pv_machine_id();
    owner->boot = pv_boot_id();
    owner->host = lease->host;
    owner->pid = lease->pid;
    owner->pid_start = lease->pid_start;
    g_mutex_lock(&lease->lock);
    owner->renewed = lease->renewed;
    owner->expires = lease->expires;
    g_mutex_unlock(&lease->lock);
}
