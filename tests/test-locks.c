/*
 * test-locks.c: LLC group locks between processes (flock in a lock directory)
 *
 * A child process holds groups the way another provium run would; the
 * parent contends with it.  The child is told what to do through a pipe and
 * answers through another, so nothing depends on timing but the bounded
 * waits for a release.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-locks.h"

typedef struct {
    char *dir;
    pid_t child;
    int to_child;
    int from_child;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("pv-locks-XXXXXX", &error);
    g_assert_no_error(error);
    fx->child = -1;
}

static void
remove_tree(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            remove_tree(path);
        else
            g_assert_cmpint(unlink(path), ==, 0);
    }
    g_assert_cmpint(rmdir(dir), ==, 0);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    if (fx->child > 0) {
        kill(fx->child, SIGKILL);
        waitpid(fx->child, NULL, 0);
        close(fx->to_child);
        close(fx->from_child);
    }
    remove_tree(fx->dir);
    g_free(fx->dir);
}

/*
 * The child: takes @group in @mode, says 'y' (or 'n' when it could not),
 * then on 'r' releases and says 'd', on 'x' exits without releasing, on
 * 'k' waits to be killed.
 */
static void
spawn_holder(Fixture *fx, guint group, PvLockMode mode)
{
    int down[2];
    int up[2];
    char answer = 0;

    g_assert_cmpint(pipe(down), ==, 0);
    g_assert_cmpint(pipe(up), ==, 0);
    fx->child = fork();
    g_assert_cmpint(fx->child, >=, 0);
    if (fx->child == 0) {
        PvLocks *locks = pv_locks_new(fx->dir);
        g_autofree char *holder = g_strdup_printf("pid %d, prefix pv-child-, child.test.lua\n",
                                                  (int)getpid());
        gboolean busy;
        char command;
        int owner;

        close(down[1]);
        close(up[0]);
        answer = pv_locks_take(locks, &owner, &group, 1, mode, holder, &busy, NULL) ? 'y' : 'n';
        if (write(up[1], &answer, 1) != 1)
            _exit(3);
        while (read(down[0], &command, 1) == 1) {
            if (command == 'r') {
                pv_locks_release(locks, &owner);
                answer = 'd';
                if (write(up[1], &answer, 1) != 1)
                    _exit(3);
            } else if (command == 'x') {
                _exit(0);
            }
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    fx->to_child = down[1];
    fx->from_child = up[0];
    g_assert_cmpint(read(fx->from_child, &answer, 1), ==, 1);
    g_assert_cmpint(answer, ==, 'y');
}

static char
tell_child(Fixture *fx, char command)
{
    char answer = 0;

    g_assert_cmpint(write(fx->to_child, &command, 1), ==, 1);
    if (command == 'r')
        g_assert_cmpint(read(fx->from_child, &answer, 1), ==, 1);
    return answer;
}

static void
reap_child(Fixture *fx)
{
    int status = 0;

    g_assert_cmpint(waitpid(fx->child, &status, 0), ==, fx->child);
    close(fx->to_child);
    close(fx->from_child);
    fx->child = -1;
}

/* Tries until it has @group or 5 s went by, as a waiting file does. */
static gboolean
take_within(PvLocks *locks, gconstpointer owner, guint group, PvLockMode mode)
{
    gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    gboolean busy = FALSE;

    do {
        g_autoptr(GError) error = NULL;

        if (pv_locks_take(locks, owner, &group, 1, mode, "parent\n", &busy, &error))
            return TRUE;
        g_assert_no_error(error);
        g_assert_true(busy);
        g_usleep(10 * 1000);
    } while (g_get_monotonic_time() < until);
    return FALSE;
}

static GPtrArray *
list(Fixture *fx)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *holders = pv_locks_list(fx->dir, &error);

    g_assert_no_error(error);
    return holders;
}

static void
test_contend(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GPtrArray) holders = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree gboolean *unusable = NULL;
    const PvLockHolder *holder;
    guint both[] = { 1, 0 };
    gboolean busy = FALSE;
    int owner;

    spawn_holder(fx, 0, PV_LOCK_EXCLUSIVE);

    /* The child holds group 0: it is busy, neither shared nor alone. */
    g_assert_false(pv_locks_take(locks, &owner, &both[1], 1, PV_LOCK_EXCLUSIVE, "parent\n",
                                 &busy, &error));
    g_assert_no_error(error);
    g_assert_true(busy);
    g_assert_false(pv_locks_take(locks, &owner, &both[1], 1, PV_LOCK_SHARED, "parent\n",
                                 &busy, &error));
    g_assert_true(busy);
    unusable = pv_locks_unusable(locks, 2, PV_LOCK_EXCLUSIVE);
    g_assert_true(unusable[0]);
    g_assert_false(unusable[1]);

    /* All or none: group 1 is free, but not taken without group 0. */
    g_assert_false(pv_locks_take(locks, &owner, both, 2, PV_LOCK_EXCLUSIVE, "parent\n", &busy,
                                 &error));
    g_assert_true(busy);
    g_assert_false(pv_locks_held(locks, &owner, 1));

    /* provium locks names the holder. */
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 1);
    holder = holders->pdata[0];
    g_assert_cmpuint(holder->group, ==, 0);
    g_assert_true(holder->exclusive);
    g_assert_nonnull(strstr(holder->holder, "child.test.lua"));
    g_clear_pointer(&holders, g_ptr_array_unref);

    /* It releases: the parent proceeds, and is the one listed. */
    g_assert_cmpint(tell_child(fx, 'r'), ==, 'd');
    g_assert_true(take_within(locks, &owner, 0, PV_LOCK_EXCLUSIVE));
    g_assert_true(pv_locks_held(locks, &owner, 0));
    g_assert_true(pv_locks_held(locks, NULL, 0));
    g_assert_false(pv_locks_held(locks, fx, 0));
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 1);
    g_assert_cmpstr(((PvLockHolder *)holders->pdata[0])->holder, ==, "parent\n");
    g_clear_pointer(&holders, g_ptr_array_unref);

    pv_locks_release(locks, &owner);
    g_assert_false(pv_locks_held(locks, NULL, 0));
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 0);
}

static void
test_holder_dies(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GPtrArray) holders = NULL;
    g_autofree gboolean *unusable = NULL;
    int owner;

    /* Exits without releasing: the kernel drops its flock. */
    spawn_holder(fx, 0, PV_LOCK_EXCLUSIVE);
    unusable = pv_locks_unusable(locks, 1, PV_LOCK_EXCLUSIVE);
    g_assert_true(unusable[0]);
    tell_child(fx, 'x');
    reap_child(fx);
    g_assert_true(take_within(locks, &owner, 0, PV_LOCK_EXCLUSIVE));
    pv_locks_release(locks, &owner);

    /* Killed while holding shared: its record is stale, not listed, removed. */
    spawn_holder(fx, 1, PV_LOCK_SHARED);
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 1);
    g_assert_false(((PvLockHolder *)holders->pdata[0])->exclusive);
    g_clear_pointer(&holders, g_ptr_array_unref);
    kill(fx->child, SIGKILL);
    reap_child(fx);
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 0);
    g_assert_true(take_within(locks, &owner, 1, PV_LOCK_EXCLUSIVE));
}

static void
test_shared(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GPtrArray) holders = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree gboolean *unusable = NULL;
    guint group = 0;
    gboolean busy = FALSE;
    int a;
    int b;

    /* Budgeted runs share a group; performance mode then waits for it. */
    spawn_holder(fx, 0, PV_LOCK_SHARED);
    g_assert_true(pv_locks_take(locks, &a, &group, 1, PV_LOCK_SHARED, "parent a\n", &busy,
                                &error));
    g_assert_true(pv_locks_take(locks, &b, &group, 1, PV_LOCK_SHARED, "parent b\n", &busy,
                                &error));
    unusable = pv_locks_unusable(locks, 1, PV_LOCK_SHARED);
    g_assert_false(unusable[0]);
    g_clear_pointer(&unusable, g_free);
    unusable = pv_locks_unusable(locks, 1, PV_LOCK_EXCLUSIVE);
    g_assert_true(unusable[0]);
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 3);
    g_clear_pointer(&holders, g_ptr_array_unref);

    /* Taking again what an owner holds is a no-op. */
    g_assert_true(pv_locks_take(locks, &a, &group, 1, PV_LOCK_SHARED, "parent a\n", &busy,
                                &error));
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 3);
    g_clear_pointer(&holders, g_ptr_array_unref);

    pv_locks_release(locks, &a);
    pv_locks_release(locks, &b);
    g_assert_cmpint(tell_child(fx, 'r'), ==, 'd');
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 0);
    g_assert_true(take_within(locks, &a, 0, PV_LOCK_EXCLUSIVE));
}

static void
test_owners(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GError) error = NULL;
    guint group = 0;
    gboolean busy = FALSE;
    int a;
    int b;

    /* Two files of one run contend like two runs do. */
    g_assert_true(pv_locks_take(locks, &a, &group, 1, PV_LOCK_EXCLUSIVE, "a\n", &busy, &error));
    g_assert_false(pv_locks_take(locks, &b, &group, 1, PV_LOCK_EXCLUSIVE, "b\n", &busy,
                                 &error));
    g_assert_no_error(error);
    g_assert_true(busy);
    pv_locks_release(locks, &b);  /* holds nothing: gives back nothing */
    g_assert_true(pv_locks_held(locks, &a, 0));
    pv_locks_release(locks, &a);
    g_assert_true(pv_locks_take(locks, &b, &group, 1, PV_LOCK_EXCLUSIVE, "b\n", &busy, &error));
}

/* What another user put in a lock directory: a file provium must not touch. */
static char *
make_victim(Fixture *fx)
{
    g_autofree char *victim = g_build_filename(fx->dir, "victim", NULL);

    g_assert_true(g_file_set_contents(victim, "precious\n", -1, NULL));
    return g_steal_pointer(&victim);
}

static void
assert_victim_intact(const char *victim)
{
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(victim, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "precious\n");
}

static void
test_symlink_lock(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GError) error = NULL;
    g_autofree char *victim = make_victim(fx);
    g_autofree char *lock = g_build_filename(fx->dir, "llc-0.lock", NULL);
    g_autofree gboolean *unusable = NULL;
    guint group = 0;
    gboolean busy = TRUE;
    int owner;

    /* A link where the lock file goes is neither followed nor truncated. */
    g_assert_cmpint(symlink(victim, lock), ==, 0);
    g_assert_false(pv_locks_take(locks, &owner, &group, 1, PV_LOCK_EXCLUSIVE, "holder\n",
                                 &busy, &error));
    g_assert_false(busy);
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_nonnull(strstr(error->message, lock));
    g_assert_nonnull(strstr(error->message, "symbolic link"));
    assert_victim_intact(victim);

    /* Not busy either: the take says why rather than waiting for ever. */
    unusable = pv_locks_unusable(locks, 1, PV_LOCK_EXCLUSIVE);
    g_assert_false(unusable[0]);
    g_clear_error(&error);
    g_assert_null(pv_locks_list(fx->dir, &error));
    g_assert_nonnull(strstr(error->message, "symbolic link"));
    assert_victim_intact(victim);
}

static void
test_symlink_shared_record(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) holders = NULL;
    g_autofree char *victim = make_victim(fx);
    /* The name the first shared record of this process used to be written under. */
    g_autofree char *name = g_strdup_printf("llc-0.shared-%d-1.tmp", (int)getpid());
    g_autofree char *tmp = g_build_filename(fx->dir, name, NULL);
    guint group = 0;
    gboolean busy = FALSE;
    int owner;

    g_assert_cmpint(symlink(victim, tmp), ==, 0);
    g_assert_true(pv_locks_take(locks, &owner, &group, 1, PV_LOCK_SHARED, "holder\n", &busy,
                                &error));
    g_assert_no_error(error);
    assert_victim_intact(victim);
    holders = list(fx);
    g_assert_cmpuint(holders->len, ==, 1);
    g_assert_cmpstr(((PvLockHolder *)holders->pdata[0])->holder, ==, "holder\n");
}

static void
test_fifo(void)
{
    if (g_test_subprocess()) {
        g_autofree char *dir = g_dir_make_tmp("pv-locks-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(dir, "llc-0.lock", NULL);
        g_autoptr(PvLocks) locks = pv_locks_new(dir);
        g_autoptr(GError) list_error = NULL;
        g_autoptr(GError) take_error = NULL;
        g_autoptr(GPtrArray) holders = NULL;
        guint group = 0;
        gboolean busy = TRUE;
        gboolean taken;
        int owner;

        g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
        /* provium locks used to block for ever opening it. */
        holders = pv_locks_list(dir, &list_error);
        taken = pv_locks_take(locks, &owner, &group, 1, PV_LOCK_EXCLUSIVE, "holder\n", &busy,
                              &take_error);
        g_unlink(fifo);
        g_rmdir(dir);
        g_assert_null(holders);
        g_assert_nonnull(strstr(list_error->message, "not a regular file"));
        g_assert_false(taken);
        g_assert_false(busy);
        g_assert_nonnull(strstr(take_error->message, "not a regular file"));
        return;
    }
    g_test_trap_subprocess(NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* Takes group 0 in @fx's directory, expecting @reason in the refusal. */
static void
assert_dir_refused(Fixture *fx, const char *reason)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GError) error = NULL;
    g_autofree char *lock = g_build_filename(fx->dir, "llc-0.lock", NULL);
    guint group = 0;
    gboolean busy = TRUE;
    int owner;

    g_assert_false(pv_locks_take(locks, &owner, &group, 1, PV_LOCK_EXCLUSIVE, "holder\n",
                                 &busy, &error));
    g_assert_false(busy);
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, fx->dir));
    g_assert_nonnull(strstr(error->message, reason));
    g_assert_nonnull(strstr(error->message, "--lock-dir"));
    g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
    g_clear_error(&error);
    g_assert_null(pv_locks_list(fx->dir, &error));
    g_assert_nonnull(strstr(error->message, reason));
}

static void
test_dir_writable(Fixture *fx, gconstpointer data)
{
    g_assert_cmpint(chmod(fx->dir, 0777), ==, 0);
    assert_dir_refused(fx, "writable by everyone");
    /* The sticky bit does not stop anyone from planting a name. */
    g_assert_cmpint(chmod(fx->dir, 01777), ==, 0);
    assert_dir_refused(fx, "writable by everyone");
}

static void
test_dir_owner(Fixture *fx, gconstpointer data)
{
    if (geteuid() != 0) {
        g_test_skip("needs root to give the directory to another user");
        return;
    }
    g_assert_cmpint(chown(fx->dir, 65534, 65534), ==, 0);
    assert_dir_refused(fx, "owned by uid 65534, not by you");
}

/* Whatever the umask, nobody else may write what the locks create. */
static void
test_modes(Fixture *fx, gconstpointer data)
{
    g_autoptr(PvLocks) locks = pv_locks_new(fx->dir);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) d = NULL;
    g_autofree char *sub = g_build_filename(fx->dir, "sub", NULL);
    g_autoptr(PvLocks) sub_locks = pv_locks_new(sub);
    guint groups[] = { 0, 1 };
    gboolean busy = FALSE;
    const char *name;
    mode_t saved = umask(0);
    GStatBuf st;
    int a;
    int b;

    g_assert_true(pv_locks_take(locks, &a, &groups[0], 1, PV_LOCK_EXCLUSIVE, "a\n", &busy,
                                &error));
    g_assert_true(pv_locks_take(locks, &b, &groups[1], 1, PV_LOCK_SHARED, "b\n", &busy,
                                &error));
    g_assert_true(pv_locks_take(sub_locks, &a, &groups[0], 1, PV_LOCK_SHARED, "a\n", &busy,
                                &error));
    umask(saved);
    g_assert_no_error(error);
    g_assert_cmpint(g_stat(sub, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0022, ==, 0);
    d = g_dir_open(fx->dir, 0, NULL);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(fx->dir, name, NULL);

        g_assert_cmpint(g_lstat(path, &st), ==, 0);
        g_test_message("%s %o", name, st.st_mode);
        g_assert_cmpint(st.st_mode & 0022, ==, 0);
    }
    pv_locks_release(sub_locks, &a);
    g_clear_pointer(&sub_locks, pv_locks_free);
    remove_tree(sub);
}

static void
test_bad_dir(void)
{
    g_autoptr(PvLocks) locks = pv_locks_new("/proc/provium-locks");
    g_autoptr(GError) error = NULL;
    guint group = 0;
    gboolean busy = TRUE;
    int owner;

    g_assert_false(pv_locks_take(locks, &owner, &group, 1, PV_LOCK_EXCLUSIVE, "x\n", &busy,
                                 &error));
    g_assert_false(busy);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "--lock-dir"));
}

/* A remote host's group 0 is not this machine's: its locks are apart. */
static void
test_host_dir(Fixture *fx, gconstpointer data)
{
    g_autofree char *remote_dir = pv_locks_host_dir(fx->dir, "qemu+ssh://lab2/system");
    g_autofree char *same_dir = pv_locks_host_dir(fx->dir, "qemu+ssh://lab2/system");
    g_autofree char *local_dir = pv_locks_host_dir(fx->dir, NULL);
    g_autofree char *other_dir = pv_locks_host_dir(fx->dir, "qemu+ssh://lab3/system");
    g_autoptr(PvLocks) here = pv_locks_new(fx->dir);
    g_autoptr(PvLocks) remote = NULL;
    g_autoptr(GPtrArray) holders = NULL;
    g_autoptr(GError) error = NULL;
    guint group = 0;
    gboolean busy = FALSE;
    int owner;

    g_assert_cmpstr(local_dir, ==, fx->dir);
    g_assert_cmpstr(remote_dir, ==, same_dir);
    g_assert_cmpstr(remote_dir, !=, other_dir);
    g_assert_true(g_str_has_prefix(remote_dir, fx->dir));
    g_assert_null(strchr(remote_dir + strlen(fx->dir) + strlen("/hosts/"), '/'));

    spawn_holder(fx, 0, PV_LOCK_EXCLUSIVE);
    g_assert_false(pv_locks_take(here, &owner, &group, 1, PV_LOCK_EXCLUSIVE, "here\n", &busy,
                                 &error));
    g_assert_no_error(error);
    g_assert_true(busy);
    remote = pv_locks_new(remote_dir);
    g_assert_true(pv_locks_take(remote, &owner, &group, 1, PV_LOCK_EXCLUSIVE, "remote\n", &busy,
                                &error));
    g_assert_no_error(error);
    holders = pv_locks_list(remote_dir, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(holders->len, ==, 1);
    pv_locks_release(remote, &owner);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/locks/contend", Fixture, NULL, fixture_setup, test_contend, fixture_teardown);
    g_test_add("/locks/holder-dies", Fixture, NULL, fixture_setup, test_holder_dies,
               fixture_teardown);
    g_test_add("/locks/shared", Fixture, NULL, fixture_setup, test_shared, fixture_teardown);
    g_test_add("/locks/owners", Fixture, NULL, fixture_setup, test_owners, fixture_teardown);
    g_test_add("/locks/symlink/lock", Fixture, NULL, fixture_setup, test_symlink_lock,
               fixture_teardown);
    g_test_add("/locks/symlink/shared-record", Fixture, NULL, fixture_setup,
               test_symlink_shared_record, fixture_teardown);
    g_test_add_func("/locks/fifo", test_fifo);
    g_test_add("/locks/dir/writable", Fixture, NULL, fixture_setup, test_dir_writable,
               fixture_teardown);
    g_test_add("/locks/dir/owner", Fixture, NULL, fixture_setup, test_dir_owner,
               fixture_teardown);
    g_test_add("/locks/modes", Fixture, NULL, fixture_setup, test_modes, fixture_teardown);
    g_test_add_func("/locks/bad-dir", test_bad_dir);
    g_test_add("/locks/host-dir", Fixture, NULL, fixture_setup, test_host_dir, fixture_teardown);
    return g_test_run();
}
