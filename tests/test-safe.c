/*
 * test-safe.c: files provium writes on a shared host (pv-safe.c and
 * pv_write_file_atomic())
 *
 * This program defines g_unlink() itself, so provium's calls to it land
 * here and are recorded: a name removed that was never created leaves no
 * other trace.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-run.h"
#include "pv-safe.h"

static GPtrArray *unlinked;

int
g_unlink(const char *filename)
{
    if (unlinked)
        g_ptr_array_add(unlinked, g_strdup(filename));
    return unlinkat(AT_FDCWD, filename, 0);
}

static char *
make_dir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("pv-safe-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

static void
remove_dir(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

    g_assert_cmpint(system(cmd), ==, 0);
}

/* Out of descriptors, mkstemp fails: nothing is removed in its place. */
static void
test_atomic_mkstemp_fails(void)
{
    if (g_test_subprocess()) {
        g_autofree char *dir = make_dir();
        g_autofree char *path = g_build_filename(dir, "report.xml", NULL);
        g_autoptr(GError) error = NULL;
        struct rlimit saved;
        struct rlimit none;
        gboolean ok;
        int lowest = dup(0);
        guint i;

        g_assert_cmpint(lowest, >=, 0);
        close(lowest);
        g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &saved), ==, 0);
        none = saved;
        none.rlim_cur = lowest;
        unlinked = g_ptr_array_new_with_free_func(g_free);
        g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &none), ==, 0);
        ok = pv_write_file_atomic(path, "<testsuites/>", -1, &error);
        g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &saved), ==, 0);
        g_assert_false(ok);
        g_assert_error(error, PV_ERROR, PV_ERROR_IO);
        g_assert_nonnull(strstr(error->message, path));
        g_assert_nonnull(strstr(error->message, g_strerror(EMFILE)));
        for (i = 0; i < unlinked->len; i++)
            g_test_message("removed %s", (char *)unlinked->pdata[i]);
        g_assert_cmpuint(unlinked->len, ==, 0);
        g_clear_pointer(&unlinked, g_ptr_array_unref);
        remove_dir(dir);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* A write that fails after mkstemp removes its own temporary file, and only it. */
static void
test_atomic_rename_fails(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, "sub", NULL);
    g_autofree char *inside = g_build_filename(path, "x", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) d = NULL;

    /* rename() cannot replace a non-empty directory. */
    g_assert_cmpint(g_mkdir(path, 0755), ==, 0);
    g_assert_true(g_file_set_contents(inside, "", -1, NULL));
    unlinked = g_ptr_array_new_with_free_func(g_free);
    g_assert_false(pv_write_file_atomic(path, "data", -1, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_cmpuint(unlinked->len, ==, 1);
    g_assert_true(g_str_has_prefix(unlinked->pdata[0], path));
    g_clear_pointer(&unlinked, g_ptr_array_unref);
    d = g_dir_open(dir, 0, NULL);
    g_assert_cmpstr(g_dir_read_name(d), ==, "sub");
    g_assert_null(g_dir_read_name(d));
    remove_dir(dir);
}

/* Whatever the umask, what provium writes nobody else may write. */
static void
test_atomic_modes(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *path = g_build_filename(dir, "report.xml", NULL);
    g_autoptr(GError) error = NULL;
    mode_t saved;
    GStatBuf st;

    g_assert_true(g_file_set_contents(path, "old", -1, NULL));
    g_assert_cmpint(g_chmod(path, 0666), ==, 0);
    saved = umask(0);
    g_assert_true(pv_write_file_atomic(path, "new", -1, &error));
    umask(saved);
    g_assert_no_error(error);
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0644);
    remove_dir(dir);
}

static void
test_open_refuses(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *victim = g_build_filename(dir, "victim", NULL);
    g_autofree char *sym = g_build_filename(dir, "link", NULL);
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    g_autofree char *hard = g_build_filename(dir, "hard", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(victim, "precious", -1, NULL));
    g_assert_cmpint(symlink(victim, sym), ==, 0);
    g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
    g_assert_cmpint(link(victim, hard), ==, 0);

    g_assert_cmpint(pv_safe_openat(AT_FDCWD, NULL, sym, O_WRONLY | O_CREAT | O_TRUNC, 0644,
                                   &error), ==, -1);
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "is a symbolic link"));
    g_clear_error(&error);
    /* Neither a writer nor a reader waits for the other end of a FIFO. */
    g_assert_cmpint(pv_safe_openat(AT_FDCWD, NULL, fifo, O_WRONLY | O_CREAT, 0644, &error),
                    ==, -1);
    g_assert_nonnull(strstr(error->message, "is not a regular file"));
    g_clear_error(&error);
    g_assert_cmpint(pv_safe_openat(AT_FDCWD, NULL, fifo, O_RDONLY, 0, &error), ==, -1);
    g_assert_nonnull(strstr(error->message, "is not a regular file"));
    g_clear_error(&error);
    g_assert_cmpint(pv_safe_openat(AT_FDCWD, NULL, hard, O_WRONLY | O_TRUNC, 0, &error), ==, -1);
    g_assert_nonnull(strstr(error->message, "other hard links"));
    g_assert_true(g_file_get_contents(victim, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "precious");
    remove_dir(dir);
}

/* How many names @dir holds. */
static guint
count_names(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    while (g_dir_read_name(d))
        n++;
    return n;
}

/*
 * One rule for every output path, checked before a run and again by the
 * writer: a device, a FIFO or a symbolic link is refused, never replaced
 * (`--junit /dev/null` as root replaced the host's /dev/null); the null
 * device takes the output and stays what it is; a test file's name is
 * refused.  The null device here is one of the test's own (never the
 * host's /dev/null: a provium without the rule would replace it).
 */
static void
test_output_rule(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *victim = g_build_filename(dir, "victim", NULL);
    g_autofree char *sym = g_build_filename(dir, "link.xml", NULL);
    g_autofree char *fifo = g_build_filename(dir, "fifo.xml", NULL);
    g_autofree char *null = g_build_filename(dir, "null", NULL);
    g_autofree char *zero = g_build_filename(dir, "zero", NULL);
    g_autofree char *test_file = g_build_filename(dir, "a.test.lua", NULL);
    g_autofree char *fixture_file = g_build_filename(dir, "web.fixture.lua", NULL);
    g_autofree char *text = NULL;
    const char *refused[] = { sym, fifo, zero };
    gboolean devices = geteuid() == 0;
    struct stat st;
    guint names;
    gsize i;

    g_assert_true(g_file_set_contents(victim, "precious", -1, NULL));
    g_assert_cmpint(symlink(victim, sym), ==, 0);
    g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
    if (devices) {
        g_assert_cmpint(mknod(null, S_IFCHR | 0666, makedev(1, 3)), ==, 0);
        g_assert_cmpint(mknod(zero, S_IFCHR | 0666, makedev(1, 5)), ==, 0);
    }
    names = count_names(dir);
    for (i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autoptr(GError) error = NULL;
        gboolean replace;

        if (!devices && refused[i] == zero)
            continue;
        for (replace = FALSE; replace <= TRUE; replace++) {
            g_assert_false(pv_safe_check_output(refused[i], replace, &error));
            g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
            g_assert_nonnull(strstr(error->message, refused[i]));
            g_clear_error(&error);
        }
        /* Changed into one after the check: the writer refuses it as well. */
        g_assert_false(pv_write_file_atomic(refused[i], "<testsuites/>", -1, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_IO);
        g_assert_nonnull(strstr(error->message, refused[i]));
    }
    g_assert_cmpint(lstat(sym, &st), ==, 0);
    g_assert_true(S_ISLNK(st.st_mode));
    g_assert_cmpint(lstat(fifo, &st), ==, 0);
    g_assert_true(S_ISFIFO(st.st_mode));
    g_assert_true(g_file_get_contents(victim, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "precious");
    if (devices) {
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(lstat(zero, &st), ==, 0);
        g_assert_true(S_ISCHR(st.st_mode));
        g_assert_true(pv_safe_is_discard(null));
        g_assert_false(pv_safe_is_discard(zero));
        g_assert_true(pv_safe_check_output(null, TRUE, &error));
        g_assert_true(pv_safe_check_output(null, FALSE, &error));
        g_assert_true(pv_write_file_atomic(null, "<testsuites/>", -1, &error));
        g_assert_no_error(error);
        g_assert_cmpint(lstat(null, &st), ==, 0);
        g_assert_true(S_ISCHR(st.st_mode));
        g_assert_cmpuint(major(st.st_rdev), ==, 1);
        g_assert_cmpuint(minor(st.st_rdev), ==, 3);
    } else {
        g_test_message("not root: no device nodes of the test's own");
    }
    /* The path /dev/null means discard whatever it is (only asked, never written). */
    g_assert_true(pv_safe_is_discard("/dev/null"));
    /* Nothing new beside them: no temporary file left. */
    g_assert_cmpuint(count_names(dir), ==, names);
    /* A test file's name, there or not: a glob the shell expanded. */
    g_assert_true(g_file_set_contents(test_file, "test('a', function() end)", -1, NULL));
    for (i = 0; i < 2; i++) {
        g_autoptr(GError) error = NULL;
        const char *path = i == 0 ? test_file : fixture_file;

        g_assert_false(pv_safe_check_output(path, TRUE, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_USAGE);
        g_assert_nonnull(strstr(error->message, "would overwrite"));
    }
    remove_dir(dir);
}

/* Whether some user other than @except has @gid as primary group. */
static gboolean
group_is_primary_of_other(gid_t gid, uid_t except)
{
    struct passwd *pw;
    gboolean found = FALSE;

    setpwent();
    while (!found && (pw = getpwent()))
        found = pw->pw_gid == gid && pw->pw_uid != except;
    endpwent();
    return found;
}

/*
 * A group another user is in makes a file it may write untrusted (a 0664
 * fixture file, a 0775 fixtures/, a 0660 memory state); root's group, and
 * a group with no member but the owner (a user private group), do not.
 * The groups come from this host's accounts.
 */
static void
test_untrusted_group(void)
{
    struct passwd *pw;
    struct group *gr;
    struct stat st = { 0 };
    gid_t shared = 0;
    uid_t member = 0;
    gid_t empty = 0;
    uid_t private_owner = 0;
    gid_t private_gid = 0;
    g_autofree char *shared_name = NULL;
    g_autofree char *why = NULL;
    g_autofree char *expected = NULL;

    /* A group that is another user's primary group: nogroup is nobody's. */
    setpwent();
    while ((pw = getpwent())) {
        if (pw->pw_uid != 0 && pw->pw_uid != geteuid() && pw->pw_gid != 0) {
            shared = pw->pw_gid;
            member = pw->pw_uid;
            break;
        }
    }
    endpwent();
    /* A group nobody is in (Debian's staff), and a user's private group. */
    setgrent();
    while ((gr = getgrent())) {
        if (gr->gr_gid == 0 || (gr->gr_mem && gr->gr_mem[0]))
            continue;
        if (!empty && !group_is_primary_of_other(gr->gr_gid, (uid_t)-1))
            empty = gr->gr_gid;
        if (!private_gid && (pw = getpwnam(gr->gr_name)) && pw->pw_gid == gr->gr_gid &&
            pw->pw_uid != 0 && !group_is_primary_of_other(gr->gr_gid, pw->pw_uid)) {
            private_gid = gr->gr_gid;
            private_owner = pw->pw_uid;
        }
    }
    endgrent();

    st.st_uid = geteuid();
    st.st_mode = S_IFREG | 0664;
    st.st_gid = 0;
    g_assert_null(pv_safe_untrusted(&st));
    st.st_mode = S_IFREG | 0644;
    st.st_gid = shared ? shared : 1;
    g_assert_null(pv_safe_untrusted(&st));
    if (!shared) {
        g_test_skip("no user but root and you on this host");
        return;
    }
    shared_name = g_strdup(getgrgid(shared) ? getgrgid(shared)->gr_name : NULL);
    expected = shared_name ?
        g_strdup_printf("writable by group %s, whose members include ", shared_name) :
        g_strdup_printf("writable by group %u, whose members include ", (guint)shared);
    st.st_mode = S_IFREG | 0664;
    why = pv_safe_untrusted(&st);
    g_test_message("gid %u (user %u's): %s", (guint)shared, (guint)member, why);
    g_assert_nonnull(why);
    g_assert_true(g_str_has_prefix(why, expected));
    g_clear_pointer(&why, g_free);
    st.st_mode = S_IFDIR | 0775;
    why = pv_safe_untrusted(&st);
    g_assert_nonnull(why);
    g_assert_true(g_str_has_prefix(why, expected));
    g_clear_pointer(&why, g_free);
    st.st_mode = S_IFREG | 0660;
    why = pv_safe_group_untrusted(&st);
    g_assert_nonnull(why);
    g_clear_pointer(&why, g_free);
    /* Writable by everyone says that first. */
    st.st_mode = S_IFREG | 0666;
    why = pv_safe_untrusted(&st);
    g_assert_cmpstr(why, ==, "writable by everyone");
    g_clear_pointer(&why, g_free);
    if (empty) {
        st.st_mode = S_IFREG | 0664;
        st.st_gid = empty;
        g_assert_null(pv_safe_untrusted(&st));
    }
    if (private_gid) {
        /* The owner alone is in it: trusted as far as the group goes. */
        st.st_uid = private_owner;
        st.st_gid = private_gid;
        st.st_mode = S_IFREG | 0664;
        g_assert_null(pv_safe_group_untrusted(&st));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/safe/atomic/mkstemp-fails", test_atomic_mkstemp_fails);
    g_test_add_func("/safe/atomic/rename-fails", test_atomic_rename_fails);
    g_test_add_func("/safe/atomic/modes", test_atomic_modes);
    g_test_add_func("/safe/open/refuses", test_open_refuses);
    g_test_add_func("/safe/output/rule", test_output_rule);
    g_test_add_func("/safe/untrusted/group", test_untrusted_group);
    return g_test_run();
}
