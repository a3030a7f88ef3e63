/*
 * pv-network-record.c: who made each of provium's libvirt networks
 *
 * libvirt 9.0 networks have no <metadata> element, so a network cannot say
 * who made it the way provium's domains do.  Instead, each network provium
 * creates has a record: a key file UUID.network in a directory of this
 * machine (/run/provium/networks as root), written before
 * virNetworkCreateXML() and removed after the network is destroyed.  The
 * UUID is provium's own choice, in the network's XML, so a record matches
 * one network exactly; the creator's machine, boot, pid and start time
 * tell whether the run that made it still goes (util/pv-owner.c), and from
 * another machine the record's lease does: the run renews the file's mtime
 * while it lives (pv_network_record_renew()).  A network without a record
 * is never provium's to remove.
 *
 * Two judgements of the creator: `provium clean`, which a person runs,
 * judges its ownership record (pv_network_record_get_owner(),
 * pv_owner_judge()), and a record of an older provium, without a machine
 * id, as before: one of this host name whose pid is gone is over
 * (pv_network_record_owner_alive()); a run that finds a network in its way
 * removes it only with proof (pv_network_record_owner()): the record names
 * this machine (machine-id) and this boot (boot_id), so its pid means this
 * machine's process now.
 *
 * The directory holds records of every run of every user who writes there:
 * it must be root's or yours and not writable by everyone, and its files are
 * opened without following links (pv_safe_openat()).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-network-record.h"
#include "pv-safe.h"

#define PV_NETWORK_RECORD_GROUP "network"
#define PV_NETWORK_RECORD_SUFFIX ".network"
#define PV_NETWORK_RECORD_MAX 8192

void
pv_network_record_clear(PvNetworkRecord *record)
{
    g_clear_pointer(&record->name, g_free);
    g_clear_pointer(&record->uuid, g_free);
    g_clear_pointer(&record->bridge, g_free);
    g_clear_pointer(&record->uri, g_free);
    g_clear_pointer(&record->run, g_free);
    g_clear_pointer(&record->prefix, g_free);
    g_clear_pointer(&record->file, g_free);
    g_clear_pointer(&record->net, g_free);
    g_clear_pointer(&record->host, g_free);
    g_clear_pointer(&record->machine, g_free);
    g_clear_pointer(&record->boot, g_free);
    record->pid = 0;
    record->pid_start = 0;
    record->lease = 0;
    record->renewed = 0;
}

void
pv_network_record_free(PvNetworkRecord *record)
{
    if (!record)
        return;
    pv_network_record_clear(record);
    g_free(record);
}

static const char *const pv_network_record_keys[] = {
    "name", "uuid", "bridge", "uri", "run", "prefix", "file", "net", "host", "machine", "boot",
};

/* The string fields, in the order of pv_network_record_keys. */
static char **
pv_network_record_field(PvNetworkRecord *record, gsize i)
{
    char **fields[] = {
        &record->name, &record->uuid, &record->bridge, &record->uri, &record->run,
        &record->prefix, &record->file, &record->net, &record->host, &record->machine,
        &record->boot,
    };

    G_STATIC_ASSERT(G_N_ELEMENTS(fields) == G_N_ELEMENTS(pv_network_record_keys));
    return fields[i];
}

/**
 * pv_network_record_to_data:
 * Returns: (transfer full): @record as a key file
 */
char *
pv_network_record_to_data(const PvNetworkRecord *record)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(pv_network_record_keys); i++) {
        const char *value = *pv_network_record_field((PvNetworkRecord *)record, i);

        if (value)
            g_key_file_set_string(kf, PV_NETWORK_RECORD_GROUP, pv_network_record_keys[i],
                                  value);
    }
    g_key_file_set_int64(kf, PV_NETWORK_RECORD_GROUP, "pid", record->pid);
    g_key_file_set_uint64(kf, PV_NETWORK_RECORD_GROUP, "pid_start", record->pid_start);
    if (record->lease > 0)
        g_key_file_set_int64(kf, PV_NETWORK_RECORD_GROUP, "lease", record->lease);
    return g_key_file_to_data(kf, NULL, NULL);
}

/**
 * pv_network_record_parse:
 * @record: (out caller-allocates): filled on success
 *
 * Reads a record; name, uuid, uri, run and pid are required.
 */
gboolean
pv_network_record_parse(const char *data, PvNetworkRecord *record, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(PvNetworkRecord) out = { 0 };
    g_autoptr(GError) local_error = NULL;
    gsize i;

    if (!g_key_file_load_from_data(kf, data, -1, G_KEY_FILE_NONE, &local_error)) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("not a network record: %s"),
                    local_error->message);
        return FALSE;
    }
    for (i = 0; i < G_N_ELEMENTS(pv_network_record_keys); i++)
        *pv_network_record_field(&out, i) =
            g_key_file_get_string(kf, PV_NETWORK_RECORD_GROUP, pv_network_record_keys[i],
                                  NULL);
    out.pid = g_key_file_get_int64(kf, PV_NETWORK_RECORD_GROUP, "pid", &local_error);
    if (!local_error) {
        out.pid_start = g_key_file_get_uint64(kf, PV_NETWORK_RECORD_GROUP, "pid_start",
                                              NULL);
        out.lease = g_key_file_get_int64(kf, PV_NETWORK_RECORD_GROUP, "lease", NULL);
    }
    if (local_error || !out.name || !out.uuid || !out.uri || !out.run || out.pid <= 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_IO,
                            _("not a network record: name, uuid, uri, run or pid is missing"));
        return FALSE;
    }
    *record = out;
    memset(&out, 0, sizeof(out));
    return TRUE;
}

/**
 * pv_network_record_dir_default:
 *
 * /run/provium/networks for root; for another user, provium/networks in
 * their runtime directory ($XDG_RUNTIME_DIR), which only they can write.
 * Returns: (transfer full)
 */
char *
pv_network_record_dir_default(void)
{
    if (geteuid() == 0)
        return g_strdup(PV_NETWORK_RECORD_DIR);
    return g_build_filename(g_get_user_runtime_dir(), "provium", "networks", NULL);
}

static char *
pv_network_record_file_name(const char *uuid)
{
    return g_strconcat(uuid, PV_NETWORK_RECORD_SUFFIX, NULL);
}

/* A UUID as libvirt writes it: nothing that could leave the directory. */
static gboolean
pv_network_record_uuid_ok(const char *uuid)
{
    return uuid && g_uuid_string_is_valid(uuid);
}

/**
 * pv_network_record_write:
 * @dir: created when missing
 *
 * Writes @record as @dir/UUID.network, through a temporary file and a
 * rename, so a reader never sees half a record.
 */
gboolean
pv_network_record_write(const char *dir, const PvNetworkRecord *record, GError **error)
{
    g_autofree char *data = pv_network_record_to_data(record);
    g_autofree char *name = NULL;
    g_autofree char *tmp = NULL;
    gsize len = strlen(data);
    gsize done = 0;
    int dirfd;
    int fd;
    int saved;

    if (!pv_network_record_uuid_ok(record->uuid)) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("'%s' is not a UUID"),
                    record->uuid ? record->uuid : "");
        return FALSE;
    }
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        saved = errno;
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot create the directory %s: %s"), dir,
                    g_strerror(saved));
        return FALSE;
    }
    dirfd = pv_safe_dir_open(dir, error);
    if (dirfd < 0)
        return FALSE;
    name = pv_network_record_file_name(record->uuid);
    tmp = g_strdup_printf("%s.tmp-%d", name, (int)getpid());
    fd = pv_safe_openat(dirfd, dir, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, error);
    if (fd < 0) {
        close(dirfd);
        return FALSE;
    }
    while (done < len) {
        gssize n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += n;
    }
    saved = errno;
    close(fd);
    if (done < len || renameat(dirfd, tmp, dirfd, name) < 0) {
        if (done == len)
            saved = errno;
        unlinkat(dirfd, tmp, 0);
        close(dirfd);
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot write %s/%s: %s"), dir, name,
                    g_strerror(saved));
        return FALSE;
    }
    close(dirfd);
    return TRUE;
}

/**
 * pv_network_record_remove:
 *
 * Removes the record of the network @uuid; a record already gone is fine.
 */
gboolean
pv_network_record_remove(const char *dir, const char *uuid, GError **error)
{
    g_autofree char *name = NULL;
    int dirfd;
    int saved = 0;

    if (!pv_network_record_uuid_ok(uuid)) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("'%s' is not a UUID"), uuid ? uuid : "");
        return FALSE;
    }
    dirfd = pv_safe_dir_open(dir, error);
    if (dirfd < 0)
        return FALSE;
    name = pv_network_record_file_name(uuid);
    if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
        saved = errno;
    close(dirfd);
    if (saved) {
        g_set_error(error, PV_ERROR, PV_ERROR_IO, _("cannot remove %s/%s: %s"), dir, name,
                    g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

static PvNetworkRecord *
pv_network_record_read(int dirfd, const char *dir, const char *name)
{
    g_autoptr(PvNetworkRecord) record = g_new0(PvNetworkRecord, 1);
    g_autofree char *uuid = g_strndup(name, strlen(name) - strlen(PV_NETWORK_RECORD_SUFFIX));
    char buf[PV_NETWORK_RECORD_MAX + 1];
    struct stat st;
    gsize len = 0;
    gssize n;
    int fd = pv_safe_openat(dirfd, dir, name, O_RDONLY, 0, NULL);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return NULL;
    }
    while (len < PV_NETWORK_RECORD_MAX) {
        n = read(fd, buf + len, PV_NETWORK_RECORD_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += n;
    }
    close(fd);
    buf[len] = '\0';
    /* A record names its own file: anything else is not one of provium's. */
    if (!pv_network_record_parse(buf, record, NULL) || g_strcmp0(record->uuid, uuid) != 0)
        return NULL;
    record->renewed = st.st_mtime;
    return g_steal_pointer(&record);
}

/**
 * pv_network_record_list:
 *
 * Reads every record in @dir.  Files that are not records (a temporary file
 * of a writer killed midway, anything unreadable) are passed over.
 * Returns: (transfer full) (element-type PvNetworkRecord): the records,
 *   none when @dir does not exist; NULL with @error set when @dir cannot be
 *   trusted or read
 */
GPtrArray *
pv_network_record_list(const char *dir, GError **error)
{
    g_autoptr(GPtrArray) records =
        g_ptr_array_new_with_free_func((GDestroyNotify)pv_network_record_free);
    struct dirent *entry;
    DIR *d;
    int dirfd;

    if (!g_file_test(dir, G_FILE_TEST_EXISTS))
        return g_steal_pointer(&records);
    dirfd = pv_safe_dir_open(dir, error);
    if (dirfd < 0)
        return NULL;
    d = pv_safe_fdopendir(dirfd, dir, error);
    if (!d)
        return NULL;
    while ((entry = readdir(d))) {
        PvNetworkRecord *record;

        if (!g_str_has_suffix(entry->d_name, PV_NETWORK_RECORD_SUFFIX))
            continue;
        record = pv_network_record_read(dirfd, dir, entry->d_name);
        if (record)
            g_ptr_array_add(records, record);
    }
    closedir(d);
    return g_steal_pointer(&records);
}

/**
 * pv_network_record_get_owner:
 * @owner: (out caller-allocates): borrows @record's strings
 *
 * Who made the network of @record.  Its lease is the record's: the run
 * renews the file's mtime (pv_network_record_renew()), and it holds for
 * the record's lease length from then.
 */
void
pv_network_record_get_owner(const PvNetworkRecord *record, PvOwner *owner)
{
    memset(owner, 0, sizeof(*owner));
    owner->machine = record->machine;
    owner->boot = record->boot;
    owner->host = record->host;
    owner->pid = record->pid;
    owner->pid_start = record->pid_start;
    if (record->lease > 0 && record->renewed > 0) {
        owner->renewed = record->renewed;
        owner->expires = record->renewed + record->lease;
    }
}

/**
 * pv_network_record_renew:
 * @self: this process's ownership record (pv_lease_get_owner())
 *
 * Renews the lease of every record in @dir that @self made: sets its
 * file's mtime to now.  A record removed meanwhile (its network destroyed)
 * stays removed: the file is touched, never written.
 * Returns: how many were renewed
 */
guint
pv_network_record_renew(const char *dir, const PvOwner *self)
{
    g_autoptr(GPtrArray) records = pv_network_record_list(dir, NULL);
    guint renewed = 0;
    guint i;
    int dirfd;

    if (!records || records->len == 0 || (dirfd = pv_safe_dir_open(dir, NULL)) < 0)
        return 0;
    for (i = 0; i < records->len; i++) {
        const PvNetworkRecord *record = records->pdata[i];
        g_autofree char *name = NULL;

        if (record->pid != self->pid || record->pid_start != self->pid_start ||
            g_strcmp0(record->machine, self->machine) != 0 ||
            g_strcmp0(record->boot, self->boot) != 0)
            continue;
        name = pv_network_record_file_name(record->uuid);
        if (utimensat(dirfd, name, NULL, AT_SYMLINK_NOFOLLOW) == 0)
            renewed++;
    }
    close(dirfd);
    return renewed;
}

/**
 * pv_network_record_owner_alive:
 *
 * Whether the process that made the network of @record still runs: its pid
 * exists and started when the record says.  A record of another machine's
 * process (a shared /run) counts as alive: nothing here can tell.
 */
gboolean
pv_network_record_owner_alive(const PvNetworkRecord *record)
{
    guint64 start;

    if (g_strcmp0(record->host, g_get_host_name()) != 0)
        return TRUE;
    if (kill((pid_t)record->pid, 0) < 0 && errno != EPERM)
        return FALSE;
    start = pv_process_start_time(record->pid);
    return start == 0 || record->pid_start == 0 || start == record->pid_start;
}

/**
 * pv_network_record_judge:
 * @machine: (nullable): this machine's id
 * @boot: (nullable): this boot's id
 * @probe: whether a pid runs here, and since when
 *
 * Pure: what @record's creator is, seen from @machine in @boot.  A pid means
 * something only on the machine and in the boot it was recorded in: without
 * both ids, or with others, nothing is proved.
 */
PvNetworkOwner
pv_network_record_judge(const PvNetworkRecord *record, const char *machine, const char *boot,
                        PvProcessProbeFunc probe)
{
    guint64 start = 0;

    if (!record->machine || !record->boot || !machine || !boot ||
        !g_str_equal(record->machine, machine) || !g_str_equal(record->boot, boot))
        return PV_NETWORK_OWNER_UNKNOWN;
    if (!probe(record->pid, &start))
        return PV_NETWORK_OWNER_GONE;
    if (start != 0 && record->pid_start != 0 && start != record->pid_start)
        return PV_NETWORK_OWNER_REUSED;
    return PV_NETWORK_OWNER_ALIVE;
}

/* pv_network_record_judge() on this machine, now. */
PvNetworkOwner
pv_network_record_owner(const PvNetworkRecord *record)
{
    return pv_network_record_judge(record, pv_machine_id(), pv_boot_id(), pv_process_probe);
}

/**
 * pv_network_record_owner_maybe_alive:
 *
 * FALSE only when @record's run is provably over (pv_network_record_owner()):
 * the PvNetworkAliveFunc of a run that removes a network in its way.
 */
gboolean
pv_network_record_owner_maybe_alive(const PvNetworkRecord *record)
{
    PvNetworkOwner owner = pv_network_record_owner(record);

    return owner != PV_NETWORK_OWNER_GONE && owner != PV_NETWORK_OWNER_REUSED;
}
