/*
 * test-locks.c: LLC group locks between processes (flock in a lock directory)
 *
 * A child process holds groups the way another provium run would; the
 * parent contends with it.  The child is told what to do through a pipe and
 * answers through another, so nothing depends on timing but the bounded
 * waits for a release.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/locks/contend", Fixture, NULL, fixture_setup, test_contend, fixture_teardown);
    g_test_add("/locks/holder-dies", Fixture, NULL, fixture_setup, test_holder_dies,
               fixture_teardown);
    g_test_add("/locks/shared", Fixture, NULL, fixture_setup, test_shared, fixture_teardown);
    g_test_add("/locks/owners", Fixture, NULL, fixture_setup, test_owners, fixture_teardown);
    g_test_add_func("/locks/bad-dir", test_bad_dir);
    return g_test_run();
}
