/*
 * provium-bench.c: how fast provium dispatches, and how close to the CPU
 * lower bound it runs real VMs compared with a plain virsh script (make bench)
 *
 * 1. Dispatch overhead on libvirt's test:///default: 1,000 files, each
 *    booting one VM without a guest and destroying it (run directory on
 *    tmpfs, and on disk for comparison); then 10,000 queued files.
 * 2. Real VMs under qemu:///system with the project's test image: N = 8
 *    files, each booting one VM (256 MiB, 1 vCPU) and running one command;
 *    against the same domain XML through virsh + xargs -P 1, 2, 4; and the
 *    CPU lower bound, N x (CPU seconds of one such VM in QEMU and libvirtd)
 *    / online CPUs.
 * 3. provium for N = 1, 2, 4, 8, 16.
 * 4. One test that needs 3 VMs: booted one after the other (vm:boot()
 *    each), and together (provium.boot{...}, --boot-workers 3), against one
 *    VM's boot and the CPU bound of three boots.
 * 5. The order files start in, on test:///default: short files and one
 *    long file found last, two at a time, in discovery order and longest
 *    first (from the duration history of a first run), against the lower
 *    bound max(total / 2, longest).  --order-only runs just this.
 * 6. What a network of the file adds to a one-VM file.
 * 7. The CPU seconds one cold boot costs QEMU, from start to a connected
 *    guest agent: with the full machine (xml-templates/full.xml: SeaBIOS,
 *    USB, the old default), the default template, and the default with the
 *    kernel's crypto self-tests skipped (a profile's command line),
 *    interleaved.
 * 8. N files whose VMs restore one fixture: with a cold cache (one build,
 *    the states of the slots that run at once, then restores) and a warm
 *    one (restores only), against the same cold-boot CPU lower bound as 2.
 *    --fixtures-only measures that bound and runs this section alone.
 * 9. A corpus over CI jobs, on test:///default: 30 files sleeping 0.1 s to
 *    2 s in 3 shares run at once (one file at a time each), split by
 *    expected duration (time:, from a first run's history) and by hash:;
 *    the longest share against the ideal, the three shares' total / 3.
 *    --shard-only runs just this.
 * 11. Remote overhead: N files on a second libvirt host of this machine
 *    (tests/libvirt-host.sh: its own mount namespace, over TCP, so the
 *    images are uploaded and the consoles copied back as from a remote
 *    host) against qemu:///system, the same options.
 * 12. Placement overhead: the same files on both hosts at once, one vCPU
 *    each, against qemu:///system alone with two; skipped, saying why,
 *    where provium does not run one corpus on two hosts.
 *    --remote-only runs 11 and 12.
 *
 * Shared machines are noisy: the real-VM runs are repeated, interleaved
 * (provium, then each virsh variant, then again), and the medians compared,
 * so a slow minute weighs on all of them alike.  The lower bound is measured
 * again in each repetition, so each run is compared with what the host could
 * do at that moment: its speed was seen to drift by a quarter within a
 * bench (other tenants; no steal time is reported).  Each run starts on a quiet
 * host (CPU pressure avg10 under 5 %): provium pauses new boots while the
 * host is under pressure, and the pressure the previous run left would
 * otherwise be charged to it.
 *
 * Prints a table, and last one machine-readable line.  Needs the README's
 * set-up (libvirtd running, the test image built).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pv-events.h"
#include "pv-libvirt.h"
#include "pv-template.h"
#include "pv-units.h"
#include "pv-virt.h"

#define BENCH_VM_MEMORY (256 * PV_MIB)
#define BENCH_N 8
#define BENCH_POLL "0.5"
#define BENCH_REPS 3
#define BENCH_BOOT_REPS 9
#define BENCH_CMDLINE "console=ttyS0 quiet no_timer_check"
/* Skips the kernel's crypto self-tests at boot: a profile's choice, shown for its cost. */
#define BENCH_CMDLINE_NOTESTS BENCH_CMDLINE " cryptomgr.notests"

typedef struct {
    char *work;           /* scratch directory, removed at the end */
    char *provium;
    char *image;
    char *prefix;         /* of every domain the bench makes */
    guint cpus;
    guint runs;           /* provium runs, for distinct prefixes */
} Bench;

typedef struct {
    double wall_s;
    long maxrss_kb;
    int status;
} Run;

static double
now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

/* Runs @argv to completion; the child's peak RSS comes from wait4(). */
static Run
bench_run(char **argv, const char *cwd, gboolean quiet)
{
    Run run = { 0 };
    g_autoptr(GError) error = NULL;
    struct rusage usage;
    GPid pid;
    int status = 0;
    double start = now_s();

    if (!g_spawn_async(cwd, argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                       (quiet ? G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL : 0),
                       NULL, NULL, &pid, &error))
        g_error("cannot run %s: %s", argv[0], error->message);
    if (wait4(pid, &status, 0, &usage) < 0)
        g_error("wait4: %s", g_strerror(errno));
    run.wall_s = now_s() - start;
    run.maxrss_kb = usage.ru_maxrss;
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

static void
write_file(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;

    if (!g_file_set_contents(path, text, -1, &error))
        g_error("%s", error->message);
}

static char *
make_corpus(Bench *b, const char *name, guint n, const char *conf, const char *test)
{
    g_autofree char *dir = g_build_filename(b->work, name, NULL);
    g_autofree char *conf_path = g_build_filename(dir, "provium.conf", NULL);
    guint i;

    g_mkdir_with_parents(dir, 0755);
    write_file(conf_path, conf);
    for (i = 0; i < n; i++) {
        g_autofree char *file = g_strdup_printf("%s/f%05u.test.lua", dir, i);

        write_file(file, test);
    }
    return g_steal_pointer(&dir);
}

static int
compare_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double
median(double *values, guint n)
{
    double sorted[16];

    g_assert(n > 0 && n <= G_N_ELEMENTS(sorted));
    memcpy(sorted, values, n * sizeof(double));
    qsort(sorted, n, sizeof(double), compare_double);
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static double
minimum(const double *values, guint n)
{
    double m = values[0];
    guint i;

    for (i = 1; i < n; i++)
        m = MIN(m, values[i]);
    return m;
}

static double
maximum(const double *values, guint n)
{
    double m = values[0];
    guint i;

    for (i = 1; i < n; i++)
        m = MAX(m, values[i]);
    return m;
}

/* Per-file durations (dispatch to completion) from a run's stream. */
static GArray *
file_durations(const char *events_path)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GError) error = NULL;
    g_autoptr(PvEventReader) reader = pv_event_reader_new(events_path, &error);
    GVariant *event;

    if (!reader)
        g_error("%s", error->message);
    while ((event = pv_event_reader_next(reader, &error))) {
        if (g_strcmp0(pv_event_get_kind(event), "file_completed") == 0) {
            double ms = pv_event_get_int(event, "duration_ns", 0) / 1e6;

            g_array_append_val(out, ms);
        }
        g_variant_unref(event);
    }
    g_array_sort(out, compare_double);
    return out;
}

static char *
bench_prefix(Bench *b)
{
    return g_strdup_printf("%sr%u-", b->prefix, b->runs++);
}

typedef struct {
    double files_per_s;
    double mean_ms;
    double p99_ms;
    double wall_s;
    long rss_kb;
} Dispatch;

static Dispatch
bench_dispatch(Bench *b, const char *corpus, guint n, const char *results)
{
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *events = g_build_filename(b->work, "dispatch.msgpack", NULL);
    char *argv[] = {
        b->provium, (char *)"-q", (char *)"-c", (char *)"test:///default", (char *)"--no-psi",
        (char *)"--no-ksm", (char *)"--prefix", prefix, (char *)"--results-dir", (char *)results,
        (char *)"--save-events", events, (char *)corpus, NULL,
    };
    Run run = bench_run(argv, b->work, TRUE);
    g_autoptr(GArray) durations = NULL;
    Dispatch d = { 0 };
    double sum = 0;
    guint i;

    if (run.status != 0)
        g_error("provium failed (exit %d) on %s", run.status, corpus);
    durations = file_durations(events);
    if (durations->len != n)
        g_error("%u files completed, not %u", durations->len, n);
    for (i = 0; i < durations->len; i++)
        sum += g_array_index(durations, double, i);
    d.wall_s = run.wall_s;
    d.files_per_s = n / run.wall_s;
    d.mean_ms = sum / n;
    d.p99_ms = g_array_index(durations, double, MIN(n - 1, (guint)(n * 0.99)));
    d.rss_kb = run.maxrss_kb;
    g_unlink(events);
    return d;
}

#define BENCH_ORDER_SHORT 7
#define BENCH_ORDER_JOBS 2

/* A run of the order corpus; its wall time. */
static double
bench_order_run(Bench *b, const char *corpus, const char *results, const char *order,
                const char *events)
{
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *order_arg = g_strdup_printf("--order=%s", order);
    char *argv[] = {
        b->provium, (char *)"-q", (char *)"-c", (char *)"test:///default", (char *)"--no-psi",
        (char *)"--no-ksm", (char *)"-j", (char *)G_STRINGIFY(BENCH_ORDER_JOBS),
        (char *)"--prefix", prefix, (char *)"--results-dir", (char *)results, order_arg,
        (char *)"--save-events", (char *)events, (char *)corpus, NULL,
    };
    Run run = bench_run(argv, b->work, TRUE);

    if (run.status != 0)
        g_error("provium failed (exit %d) on %s", run.status, corpus);
    return run.wall_s;
}

typedef struct {
    double fifo_s;
    double lpt_s;
    double bound_s;
} Order;

/*
 * 7 files of 0.5 s and one of 3 s found last, 2 at a time: in discovery
 * order the long one starts when the short ones are nearly done.
 */
static Order
bench_order(Bench *b)
{
    g_autofree char *dir = g_build_filename(b->work, "order", NULL);
    g_autofree char *results = g_build_filename(b->work, "order-runs", NULL);
    g_autofree char *events = g_build_filename(b->work, "order.msgpack", NULL);
    g_autofree char *long_file = g_build_filename(dir, "zz-long.test.lua", NULL);
    g_autoptr(GArray) durations = NULL;
    double fifo[BENCH_REPS], lpt[BENCH_REPS];
    double sum = 0, longest = 0;
    Order o;
    guint i;

    g_free(make_corpus(b, "order", BENCH_ORDER_SHORT, "",
                       "test(\"short\", function(t) provium:sleep(\"500ms\") end)\n"));
    write_file(long_file, "test(\"long\", function(t) provium:sleep(\"3s\") end)\n");
    /* The first run writes the history the others order by. */
    bench_order_run(b, dir, results, "fifo", events);
    durations = file_durations(events);
    for (i = 0; i < durations->len; i++) {
        sum += g_array_index(durations, double, i) / 1e3;
        longest = MAX(longest, g_array_index(durations, double, i) / 1e3);
    }
    o.bound_s = MAX(sum / BENCH_ORDER_JOBS, longest);
    for (i = 0; i < BENCH_REPS; i++) {
        fifo[i] = bench_order_run(b, dir, results, "fifo", events);
        lpt[i] = bench_order_run(b, dir, results, "longest-first", events);
    }
    o.fifo_s = median(fifo, BENCH_REPS);
    o.lpt_s = median(lpt, BENCH_REPS);
    g_unlink(events);
    return o;
}

static void
bench_order_print(const Order *o)
{
    g_print("\n5. order: %u files of 0.5 s and one of 3 s found last, -j %u, test:///default\n",
            BENCH_ORDER_SHORT, BENCH_ORDER_JOBS);
    g_print("   lower bound max(total / %u, longest) = %.2f s (from a first run's durations)\n",
            BENCH_ORDER_JOBS, o->bound_s);
    g_print("   %-34s %10s %14s\n", "", "makespan", "x lower bound");
    g_print("   %-34s %9.2fs %14.2f\n", "discovery order (--order fifo)", o->fifo_s,
            o->fifo_s / o->bound_s);
    g_print("   %-34s %9.2fs %14.2f\n", "longest first (the default)", o->lpt_s,
            o->lpt_s / o->bound_s);
    g_print("   (medians of %u runs each, interleaved)\n", BENCH_REPS);
}

#define BENCH_SHARD_FILES 30
#define BENCH_SHARDS 3

typedef struct {
    double time_s;        /* the longest share, split by time: */
    double time_ideal_s;  /* the three shares' total / 3 */
    double hash_s;
    double hash_ideal_s;
} Shard;

/*
 * The 3 shares of @corpus by @mode, run at once as 3 CI jobs would, one
 * file at a time each, each from its own copy of @history.  Returns: the
 * longest share's wall time; @ideal: the shares' total / 3.
 */
static double
bench_shard_runs(Bench *b, const char *corpus, const char *history, const char *mode,
                 double *ideal)
{
    g_autofree char *base = NULL;
    GPid pids[BENCH_SHARDS];
    double ends[BENCH_SHARDS];
    double start;
    double total = 0, longest = 0;
    guint done = 0;
    guint k;

    if (!g_file_get_contents(history, &base, NULL, NULL))
        g_error("no history in %s", history);
    start = now_s();
    for (k = 0; k < BENCH_SHARDS; k++) {
        g_autofree char *prefix = bench_prefix(b);
        g_autofree char *results = g_strdup_printf("%s/shard-runs-%u", b->work, k + 1);
        g_autofree char *copy = g_strdup_printf("%s/shard-history-%u.json", b->work, k + 1);
        g_autofree char *shard = g_strdup_printf("%s:%u/%u", mode, k + 1, BENCH_SHARDS);
        char *argv[] = {
            b->provium, (char *)"-q", (char *)"-c", (char *)"test:///default",
            (char *)"--no-psi", (char *)"--no-ksm", (char *)"-j", (char *)"1",
            (char *)"--prefix", prefix, (char *)"--results-dir", results,
            (char *)"--history", copy, (char *)"--shard", shard, (char *)corpus, NULL,
        };
        g_autoptr(GError) error = NULL;

        write_file(copy, base);
        if (!g_spawn_async(b->work, argv, NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                           G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pids[k], &error))
            g_error("cannot run %s: %s", b->provium, error->message);
    }
    while (done < BENCH_SHARDS) {
        int status = 0;
        GPid pid = waitpid(-1, &status, 0);

        if (pid < 0)
            g_error("waitpid: %s", g_strerror(errno));
        for (k = 0; k < BENCH_SHARDS; k++) {
            if (pids[k] != pid)
                continue;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                g_error("provium --shard %s:%u/%u failed on %s", mode, k + 1, BENCH_SHARDS,
                        corpus);
            ends[k] = now_s() - start;
            done++;
        }
    }
    for (k = 0; k < BENCH_SHARDS; k++) {
        total += ends[k];
        longest = MAX(longest, ends[k]);
    }
    *ideal = total / BENCH_SHARDS;
    return longest;
}

/*
 * 30 files of 0.1 s to 1 s and three of 2 s; a first run writes the
 * history time: splits by; then time: and hash: in turn.
 */
static Shard
bench_shard(Bench *b)
{
    g_autofree char *dir = g_build_filename(b->work, "shard", NULL);
    g_autofree char *history = g_build_filename(b->work, "shard-history.json", NULL);
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *results = g_build_filename(b->work, "shard-runs", NULL);
    double time_runs[BENCH_REPS], time_ideal[BENCH_REPS];
    double hash_runs[BENCH_REPS], hash_ideal[BENCH_REPS];
    char *argv[] = {
        b->provium, (char *)"-q", (char *)"-c", (char *)"test:///default", (char *)"--no-psi",
        (char *)"--no-ksm", (char *)"--prefix", prefix, (char *)"--results-dir", results,
        (char *)"--history", history, dir, NULL,
    };
    Shard s;
    Run run;
    guint i;

    g_mkdir_with_parents(dir, 0755);
    write_file(g_build_filename(dir, "provium.conf", NULL), "");
    for (i = 0; i < BENCH_SHARD_FILES; i++) {
        g_autofree char *file = g_strdup_printf("%s/f%02u.test.lua", dir, i);
        guint ms = i % 10 == 9 ? 2000 : 100 + (i * 37 % 10) * 100;
        g_autofree char *test = g_strdup_printf(
            "test(\"sleeps\", function(t) provium:sleep(\"%ums\") end)\n", ms);

        write_file(file, test);
    }
    run = bench_run(argv, b->work, TRUE);
    if (run.status != 0)
        g_error("provium failed (exit %d) on %s", run.status, dir);
    for (i = 0; i < BENCH_REPS; i++) {
        time_runs[i] = bench_shard_runs(b, dir, history, "time", &time_ideal[i]);
        hash_runs[i] = bench_shard_runs(b, dir, history, "hash", &hash_ideal[i]);
    }
    s.time_s = median(time_runs, BENCH_REPS);
    s.time_ideal_s = median(time_ideal, BENCH_REPS);
    s.hash_s = median(hash_runs, BENCH_REPS);
    s.hash_ideal_s = median(hash_ideal, BENCH_REPS);
    return s;
}

static void
bench_shard_print(const Shard *s)
{
    g_print("\n9. shards: %u files sleeping 0.1 s to 2 s, in %u shares run at once, one file at "
            "a time each,\n   test:///default\n", BENCH_SHARD_FILES, BENCH_SHARDS);
    g_print("   %-34s %14s %18s %8s\n", "", "longest share", "ideal (total / 3)", "x ideal");
    g_print("   %-34s %13.2fs %17.2fs %8.2f\n", "hash:K/3", s->hash_s, s->hash_ideal_s,
            s->hash_s / s->hash_ideal_s);
    g_print("   %-34s %13.2fs %17.2fs %8.2f\n", "time:K/3 (the default)", s->time_s,
            s->time_ideal_s, s->time_s / s->time_ideal_s);
    g_print("   (medians of %u runs each, interleaved; time: from a first run's history)\n",
            BENCH_REPS);
}

static void
rm_rf(const char *path)
{
    char *argv[] = { (char *)"rm", (char *)"-rf", (char *)path, NULL };

    bench_run(argv, "/", TRUE);
}

static char *
vm_conf(Bench *b)
{
    return g_strdup_printf("[profile default]\nkernel = %s/vmlinuz\ninitrd = %s/initrd.img\n"
                           "cmdline = " BENCH_CMDLINE "\nmemory = 256M\ncpus = 1\n",
                           b->image, b->image);
}

static const char *vm_test =
    "test(\"boots and runs a command\", function(t)\n"
    "    provium:vm(\"v\"):boot():run(\"uname -r\"):assert_ok()\n"
    "end)\n";

/* vm_test in a file that also has a network: the network's create and destroy. */
static const char *net_vm_test =
    "provium:network(\"lan\", {cidr = \"192.168.77.0/24\"})\n"
    "test(\"boots and runs a command\", function(t)\n"
    "    provium:vm(\"v\"):boot():run(\"uname -r\"):assert_ok()\n"
    "end)\n";

/* Waits (up to a minute) until the CPU pressure avg10 is under 5 %. */
static void
bench_settle(void)
{
    guint i;

    for (i = 0; i < 120; i++) {
        g_autofree char *text = NULL;
        const char *avg;

        if (!g_file_get_contents("/proc/pressure/cpu", &text, NULL, NULL) ||
            !(avg = strstr(text, "avg10=")) || g_ascii_strtod(avg + 6, NULL) < 5.0)
            return;
        g_usleep(500 * 1000);
    }
}

/* @provium (a build of provium) with default settings on @n one-VM files: the makespan. */
static double
bench_provium_at(Bench *b, const char *provium, guint n)
{
    g_autofree char *name = g_strdup_printf("vms%u", n);
    g_autofree char *conf = vm_conf(b);
    g_autofree char *corpus = make_corpus(b, name, n, conf, vm_test);
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *results = g_build_filename(b->work, "runs", NULL);
    char *argv[] = {
        (char *)provium, (char *)"-q", (char *)"-c", (char *)"qemu:///system", (char *)"--prefix",
        prefix, (char *)"--results-dir", results, corpus, NULL,
    };
    Run run;

    bench_settle();
    run = bench_run(argv, b->work, TRUE);
    if (run.status != 0)
        g_error("%s failed (exit %d) on %u real VMs; see %s", provium, run.status, n, results);
    return run.wall_s;
}

static double
bench_provium(Bench *b, guint n)
{
    return bench_provium_at(b, b->provium, n);
}

static const char *boot3_sequential =
    "test(\"three VMs, one after the other\", function(t)\n"
    "    local vms = { provium:vm(\"a\"):boot(), provium:vm(\"b\"):boot(),\n"
    "                  provium:vm(\"c\"):boot() }\n"
    "    for _, vm in ipairs(vms) do vm:run(\"uname -r\"):assert_ok() end\n"
    "end)\n";

static const char *boot3_parallel =
    "test(\"three VMs together\", function(t)\n"
    "    local vms = { provium:vm(\"a\"), provium:vm(\"b\"), provium:vm(\"c\") }\n"
    "    provium.boot(vms)\n"
    "    for _, vm in ipairs(vms) do vm:run(\"uname -r\"):assert_ok() end\n"
    "end)\n";

/*
 * One file of @test on real VMs, with @option (may be NULL): the run's wall
 * time.  Three 1-vCPU VMs need a vCPU budget of 3: the pool is
 * overcommitted twice.
 */
static double
bench_one_file(Bench *b, const char *name, const char *test, const char *option)
{
    g_autofree char *conf = vm_conf(b);
    g_autofree char *corpus = make_corpus(b, name, 1, conf, test);
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *results = g_build_filename(b->work, "runs", NULL);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    Run run;

    g_ptr_array_add(argv, b->provium);
    g_ptr_array_add(argv, (char *)"-q");
    g_ptr_array_add(argv, (char *)"-c");
    g_ptr_array_add(argv, (char *)"qemu:///system");
    g_ptr_array_add(argv, (char *)"--prefix");
    g_ptr_array_add(argv, prefix);
    g_ptr_array_add(argv, (char *)"--results-dir");
    g_ptr_array_add(argv, results);
    g_ptr_array_add(argv, (char *)"--cpu-overcommit=2");
    if (option)
        g_ptr_array_add(argv, (char *)option);
    g_ptr_array_add(argv, corpus);
    g_ptr_array_add(argv, NULL);
    bench_settle();
    run = bench_run((char **)argv->pdata, b->work, TRUE);
    if (run.status != 0)
        g_error("provium failed (exit %d) on %s; see %s", run.status, name, results);
    return run.wall_s;
}

/*
 * The plain way, one VM per invocation: virsh create, poll guest-ping, run
 * the command with guest-exec, poll guest-exec-status, virsh destroy.  With
 * MEASURE set it prints the QEMU process's CPU ticks before destroying.
 */
/*
 * The accelerator provium's --virt-type auto picks on this host (the cached
 * probe verdict), so the virsh baseline boots the same kind of guest.
 */
static PvVirtType
bench_virt_type(void)
{
    static PvVirtType type = PV_VIRT_AUTO;
    g_autoptr(GError) error = NULL;
    g_autofree char *cache = NULL;
    virConnect *conn;
    PvVirt *virt;

    if (type != PV_VIRT_AUTO)
        return type;
    conn = pv_libvirt_open("qemu:///system", &error);
    if (!conn)
        return type = PV_VIRT_QEMU;
    cache = pv_cache_dir_default();
    virt = pv_virt_new(conn, TRUE, cache);
    type = pv_virt_get_auto(virt, NULL);
    pv_virt_free(virt);
    virConnectClose(conn);
    return type;
}

static const char *vm_script =
    "#!/bin/sh\n"
    "# One VM, the way a sysadmin's script would: virsh and the guest agent.\n"
    "xml=$1\n"
    "name=$(basename \"$xml\" .xml)\n"
    "virsh -q -c qemu:///system create \"$xml\" >/dev/null || exit 1\n"
    "agent() { virsh -q -c qemu:///system qemu-agent-command \"$name\" \"$1\"; }\n"
    "until agent '{\"execute\":\"guest-ping\"}' >/dev/null 2>&1; do sleep " BENCH_POLL "; done\n"
    "pid=$(agent '{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"uname\",\"arg\":[\"-r\"],"
    "\"capture-output\":true}}' | sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p')\n"
    "until agent \"{\\\"execute\\\":\\\"guest-exec-status\\\",\\\"arguments\\\":{\\\"pid\\\":$pid}}\" "
    "| grep -q '\"exited\":true'; do sleep " BENCH_POLL "; done\n"
    "if [ -n \"$MEASURE\" ]; then\n"
    "    q=$(pgrep -f \"guest=$name,\")\n"
    "    awk '{ print \"qemu_ticks\", $14 + $15 }' /proc/$q/stat\n"
    "fi\n"
    "virsh -q -c qemu:///system destroy \"$name\" >/dev/null\n";

/* The same domain XML provium renders from xml-templates/TEMPLATE.xml, one file per VM. */
static char *
render_vms(Bench *b, const char *name, guint n, const char *template_name, const char *cmdline)
{
    g_autofree char *dir = g_build_filename(b->work, name, NULL);
    g_autofree char *list_path = g_build_filename(dir, "list", NULL);
    g_autofree char *template_file = g_strconcat(template_name, ".xml", NULL);
    g_autofree char *template = g_build_filename(PV_ABS_TOP_SRCDIR, "xml-templates",
                                                 template_file, NULL);
    g_autofree char *kernel = g_build_filename(b->image, "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(b->image, "initrd.img", NULL);
    g_autoptr(GString) list = g_string_new(NULL);
    g_autofree char *run_prefix = bench_prefix(b);
    guint i;

    g_mkdir_with_parents(dir, 0755);
    for (i = 0; i < n; i++) {
        g_autofree char *domain = g_strdup_printf("%sv%u", run_prefix, i);
        g_autofree char *xml_file = g_strdup_printf("%s/%s.xml", dir, domain);
        g_autofree char *log = g_strdup_printf("%s/%s.console.log", dir, domain);
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = NULL;
        PvDomainRequest request = { 0 };

        request.name = domain;
        request.title = "provium-bench";
        request.memory = BENCH_VM_MEMORY;
        request.vcpus = 1;
        request.virt_type = bench_virt_type();
        request.kernel = kernel;
        request.initrd = initrd;
        request.cmdline = cmdline;
        request.console_log = log;
        request.run_id = "bench";
        request.prefix = run_prefix;
        request.file = "provium-bench";
        request.vm = "v";
        request.host = g_get_host_name();
        request.pid = getpid();
        xml = pv_template_render_file(template, &request, NULL, &error);
        if (!xml)
            g_error("%s", error->message);
        write_file(xml_file, xml);
        g_string_append_printf(list, "%s\n", xml_file);
    }
    write_file(list_path, list->str);
    return g_steal_pointer(&list_path);
}

static double
bench_virsh(Bench *b, guint n, guint parallel)
{
    g_autofree char *name = g_strdup_printf("virsh-p%u-n%u", parallel, n);
    g_autofree char *list = render_vms(b, name, n, "default", BENCH_CMDLINE);
    g_autofree char *script = g_build_filename(b->work, "vm.sh", NULL);
    g_autofree char *p = g_strdup_printf("%u", parallel);
    g_autofree char *cmd = g_strdup_printf("xargs -P %s -n 1 sh '%s' < '%s'", p, script, list);
    char *argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
    Run run;

    bench_settle();
    run = bench_run(argv, b->work, TRUE);
    if (run.status != 0)
        g_error("the virsh baseline failed (P=%u, exit %d)", parallel, run.status);
    return run.wall_s;
}

static double
libvirtd_cpu_s(void)
{
    g_autofree char *pid = NULL;
    g_autofree char *stat_path = NULL;
    g_autofree char *stat = NULL;
    g_auto(GStrv) fields = NULL;
    const char *argv[] = { "pgrep", "-o", "-x", "libvirtd", NULL };
    const char *rest;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &pid, NULL,
                      NULL, NULL) || !*g_strstrip(pid))
        return 0;
    stat_path = g_strdup_printf("/proc/%s/stat", pid);
    if (!g_file_get_contents(stat_path, &stat, NULL, NULL) || !(rest = strrchr(stat, ')')))
        return 0;
    fields = g_strsplit(rest + 2, " ", 0);
    /* utime and stime are fields 14 and 15; the split starts at field 3 */
    return (g_ascii_strtod(fields[11], NULL) + g_ascii_strtod(fields[12], NULL)) /
        sysconf(_SC_CLK_TCK);
}

/* CPU seconds one VM costs (QEMU + libvirtd), measured the plain way. */
static double
bench_cpu_per_vm(Bench *b)
{
    g_autofree char *name = g_strdup_printf("measure%u", b->runs);
    g_autofree char *list = render_vms(b, name, 1, "default", BENCH_CMDLINE);
    g_autofree char *script = g_build_filename(b->work, "vm.sh", NULL);
    g_autofree char *xmls = NULL;
    g_auto(GStrv) files = NULL;
    double cpu = 0;
    guint i;

    g_file_get_contents(list, &xmls, NULL, NULL);
    files = g_strsplit(g_strstrip(xmls), "\n", -1);
    for (i = 0; files[i]; i++) {
        const char *argv[] = { "sh", script, files[i], NULL };
        g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "MEASURE", "1", TRUE);
        g_autofree char *out = NULL;
        double before;
        double qemu;
        const char *tick;

        bench_settle();
        before = libvirtd_cpu_s();

        if (!g_spawn_sync(b->work, (char **)argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                          NULL, NULL, NULL) || !(tick = strstr(out, "qemu_ticks ")))
            g_error("cannot measure one VM's CPU");
        qemu = g_ascii_strtod(tick + strlen("qemu_ticks "), NULL) / sysconf(_SC_CLK_TCK);
        cpu = qemu + libvirtd_cpu_s() - before;
    }
    return cpu;
}

static const char *boot_script =
    "#!/bin/sh\n"
    "# One cold boot: start, wait for the guest agent, QEMU's CPU time, destroy.\n"
    "xml=$1\n"
    "name=$(basename \"$xml\" .xml)\n"
    "virsh -q -c qemu:///system create \"$xml\" >/dev/null || exit 1\n"
    "until virsh -q -c qemu:///system qemu-agent-command \"$name\" '{\"execute\":\"guest-ping\"}' "
    ">/dev/null 2>&1; do sleep 0.1; done\n"
    "q=$(pgrep -f \"guest=$name,\")\n"
    "awk '{ print \"qemu_ticks\", $14 + $15 }' /proc/$q/stat\n"
    "virsh -q -c qemu:///system destroy \"$name\" >/dev/null\n";

/* CPU seconds of QEMU for one cold boot to a connected agent. */
static double
bench_boot_cpu(Bench *b, const char *template_name, const char *cmdline)
{
    g_autofree char *name = g_strdup_printf("boot-%s-%u", template_name, b->runs);
    g_autofree char *list = render_vms(b, name, 1, template_name, cmdline);
    g_autofree char *script = g_build_filename(b->work, "boot.sh", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL;
    const char *argv[] = { "sh", script, NULL, NULL };
    const char *tick;

    g_file_get_contents(list, &xml, NULL, NULL);
    argv[2] = g_strstrip(xml);
    bench_settle();
    if (!g_spawn_sync(b->work, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                      NULL, NULL, NULL) || !(tick = strstr(out, "qemu_ticks ")))
        g_error("cannot measure a cold boot with the %s template", template_name);
    return g_ascii_strtod(tick + strlen("qemu_ticks "), NULL) / sysconf(_SC_CLK_TCK);
}

static const char *fixture_test =
    "local vm = provium:vm(\"v\", {fixture = \"base\"})\n"
    "test(\"restores and runs uname -r\", function(t)\n"
    "    vm:boot()\n"
    "    vm:run(\"uname -r\"):assert_ok()\n"
    "end)\n";

static const char *fixture_def =
    "return fixture(\"base\", {}, function(vm)\n"
    "    vm:run(\"echo prepared > /tmp/prepared\"):assert_ok()\n"
    "end)\n";

/* N files restoring one fixture from @cache: the run's wall time. */
static double
bench_fixture_run(Bench *b, const char *corpus, const char *cache)
{
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *results = g_build_filename(b->work, "runs", NULL);
    char *argv[] = {
        b->provium, (char *)"-q", (char *)"-c", (char *)"qemu:///system", (char *)"--prefix",
        prefix, (char *)"--results-dir", results, (char *)"--cache-dir", (char *)cache,
        (char *)corpus, NULL,
    };
    Run run;

    bench_settle();
    run = bench_run(argv, b->work, TRUE);
    if (run.status != 0)
        g_error("provium failed (exit %d) on %u files of a fixture; see %s", run.status,
                BENCH_N, results);
    return run.wall_s;
}

/*
 * 6. fixtures: per repetition a cold cache (a new cache directory), then the
 * same cache warm.  Prints its table; the medians in @cold and @warm.
 */
static void
bench_fixtures(Bench *b, double bound, guint reps, double *cold, double *warm)
{
    g_autofree char *conf = vm_conf(b);
    g_autofree char *corpus = make_corpus(b, "fixture", BENCH_N, conf, fixture_test);
    g_autofree char *fixtures = g_build_filename(corpus, "fixtures", NULL);
    g_autofree char *def = g_build_filename(fixtures, "base.fixture.lua", NULL);
    double cold_runs[BENCH_REPS];
    double warm_runs[BENCH_REPS];
    guint rep;

    g_mkdir_with_parents(fixtures, 0755);
    write_file(def, fixture_def);
    for (rep = 0; rep < reps; rep++) {
        g_autofree char *name = g_strdup_printf("cache%u", rep);
        g_autofree char *cache = g_build_filename(b->work, name, NULL);

        cold_runs[rep] = bench_fixture_run(b, corpus, cache);
        warm_runs[rep] = bench_fixture_run(b, corpus, cache);
        rm_rf(cache);
    }
    *cold = median(cold_runs, reps);
    *warm = median(warm_runs, reps);
    g_print("\n8. fixtures: N = %u files, each one VM restored from one fixture, running "
            "uname -r\n", BENCH_N);
    g_print("   %-44s %10s %14s %16s\n", "", "makespan", "x lower bound", "runs (min..max)");
    g_print("   %-44s %9.1fs %14.2f %3u (%.1f..%.1fs)\n",
            "cold cache (one build, then restores)", *cold, *cold / bound, reps,
            minimum(cold_runs, reps), maximum(cold_runs, reps));
    g_print("   %-44s %9.1fs %14.2f %3u (%.1f..%.1fs)\n", "warm cache (restores only)", *warm,
            *warm / bound, reps, minimum(warm_runs, reps), maximum(warm_runs, reps));
    g_print("   (the lower bound is N cold boots' CPU over %u CPUs: %.1f s)\n", b->cpus, bound);
}

/*
 * 10. a real image: the Debian 12 guest (tools/build-debian-image.sh, in
 * $PV_DEBIAN_IMAGE), whose cold boot under emulation costs many times the
 * test image's.  Its kernel and initrd given directly, root on its qcow2,
 * as examples/debian/ boots it.
 */
#define BENCH_DEBIAN_CMDLINE "root=/dev/vda console=ttyS0 rcupdate.rcu_cpu_stall_suppress=1"

typedef struct {
    double cold_s;        /* medians over the repetitions */
    double warm_s;
    double ready_s[3];    /* one VM alone: agent, systemd, cloud-init */
    guint reps;
} Debian;

static const char *const debian_ready[] = { "agent", "systemd", "cloud-init" };

static char *
debian_conf(const char *image)
{
    return g_strdup_printf("[profile default]\nkernel = %s/vmlinuz\ninitrd = %s/initrd.img\n"
                           "disk = %s/debian.qcow2\ncmdline = " BENCH_DEBIAN_CMDLINE "\n"
                           "memory = 1G\ncpus = 1\nboot_timeout = 20m\n", image, image, image);
}

static const char *debian_cold_test =
    "test(\"boots and runs a command\", function(t)\n"
    "    provium:vm(\"v\"):boot():run(\"uname -r\"):assert_ok()\n"
    "end)\n";

/* One VM per test, booted alone to each readiness. */
static const char *debian_ready_test =
    "for _, ready in ipairs({\"agent\", \"systemd\", \"cloud-init\"}) do\n"
    "    test(\"ready = \" .. ready, function(t)\n"
    "        provium:vm(\"v\" .. ready:gsub(\"-\", \"\")):boot({ready = ready})\n"
    "    end)\n"
    "end\n";

/* A run on the Debian image: its wall time; @events, when given, saves its stream. */
static double
bench_debian_run(Bench *b, const char *corpus, const char *cache, const char *events)
{
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *results = g_build_filename(b->work, "runs", NULL);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    Run run;

    g_ptr_array_add(argv, b->provium);
    g_ptr_array_add(argv, (char *)"-q");
    g_ptr_array_add(argv, (char *)"-c");
    g_ptr_array_add(argv, (char *)"qemu:///system");
    g_ptr_array_add(argv, (char *)"--timeout=40m");
    g_ptr_array_add(argv, (char *)"--prefix");
    g_ptr_array_add(argv, prefix);
    g_ptr_array_add(argv, (char *)"--results-dir");
    g_ptr_array_add(argv, results);
    if (cache) {
        g_ptr_array_add(argv, (char *)"--cache-dir");
        g_ptr_array_add(argv, (char *)cache);
    }
    if (events) {
        g_ptr_array_add(argv, (char *)"--save-events");
        g_ptr_array_add(argv, (char *)events);
    }
    g_ptr_array_add(argv, (char *)corpus);
    g_ptr_array_add(argv, NULL);
    bench_settle();
    run = bench_run((char **)argv->pdata, b->work, TRUE);
    if (run.status != 0)
        g_error("provium failed (exit %d) on the Debian image's %s; see %s", run.status, corpus,
                results);
    return run.wall_s;
}

/* Each test's duration in @events, by the order of debian_ready. */
static void
bench_debian_ready_times(const char *events, double *ready_s)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PvEventReader) reader = pv_event_reader_new(events, &error);
    GVariant *event;
    guint i;

    if (!reader)
        g_error("%s", error->message);
    while ((event = pv_event_reader_next(reader, &error))) {
        if (g_strcmp0(pv_event_get_kind(event), "test_passed") == 0) {
            const char *name = pv_event_get_str(event, "name");

            for (i = 0; i < G_N_ELEMENTS(debian_ready); i++)
                if (name && g_str_has_prefix(name, "ready = ") &&
                    strcmp(name + strlen("ready = "), debian_ready[i]) == 0)
                    ready_s[i] = pv_event_get_int(event, "duration_ns", 0) / 1e9;
        }
        g_variant_unref(event);
    }
}

/*
 * Section 10: N files on the Debian image, each booting one VM and running
 * a command, cold; the same corpus restoring one fixture from a warm cache
 * (built in a run not counted); interleaved per repetition.  Then one VM
 * alone to each readiness.  FALSE (with a line saying why) without the image.
 */
static gboolean
bench_debian(Bench *b, guint reps, Debian *d)
{
    const char *image = g_getenv("PV_DEBIAN_IMAGE");
    g_autofree char *disk = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *cold = NULL;
    g_autofree char *warm = NULL;
    g_autofree char *ready = NULL;
    g_autofree char *fixtures = NULL;
    g_autofree char *cache = NULL;
    g_autofree char *events = NULL;
    double cold_runs[BENCH_REPS], warm_runs[BENCH_REPS];
    guint rep;

    memset(d, 0, sizeof(*d));
    disk = image ? g_build_filename(image, "debian.qcow2", NULL) : NULL;
    if (!disk || !g_file_test(disk, G_FILE_TEST_IS_REGULAR)) {
        g_print("\n10. the Debian image: skipped, no image (make debian-image, then make bench)\n");
        return FALSE;
    }
    conf = debian_conf(image);
    cold = make_corpus(b, "debian-cold", BENCH_N, conf, debian_cold_test);
    warm = make_corpus(b, "debian-warm", BENCH_N, conf, fixture_test);
    ready = make_corpus(b, "debian-ready", 1, conf, debian_ready_test);
    fixtures = g_build_filename(warm, "fixtures", NULL);
    g_mkdir_with_parents(fixtures, 0755);
    write_file(g_build_filename(fixtures, "base.fixture.lua", NULL), fixture_def);
    cache = g_build_filename(b->work, "debian-cache", NULL);
    /* Fills the cache: the fixture's build and the slots N files at once need. */
    bench_debian_run(b, warm, cache, NULL);
    for (rep = 0; rep < reps; rep++) {
        cold_runs[rep] = bench_debian_run(b, cold, NULL, NULL);
        warm_runs[rep] = bench_debian_run(b, warm, cache, NULL);
    }
    rm_rf(cache);
    events = g_build_filename(b->work, "debian-ready.msgpack", NULL);
    bench_debian_run(b, ready, NULL, events);
    bench_debian_ready_times(events, d->ready_s);
    d->cold_s = median(cold_runs, reps);
    d->warm_s = median(warm_runs, reps);
    d->reps = reps;
    g_print("\n10. the Debian 12 image (systemd, cloud-init; 1 GiB, 1 vCPU): N = %u files, "
            "each one VM\n    running uname -r\n", BENCH_N);
    g_print("   %-44s %10s %10s %16s\n", "", "makespan", "x cold", "runs (min..max)");
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "cold boots", d->cold_s, 1.0, reps,
            minimum(cold_runs, reps), maximum(cold_runs, reps));
    g_print("   %-44s %9.1fs %10.3f %3u (%.1f..%.1fs)\n", "one fixture restored, warm cache",
            d->warm_s, d->warm_s / d->cold_s, reps, minimum(warm_runs, reps),
            maximum(warm_runs, reps));
    g_print("   one VM alone, boot to ready (the test's time): agent %.1f s, systemd %.1f s, "
            "cloud-init %.1f s\n", d->ready_s[0], d->ready_s[1], d->ready_s[2]);
    return TRUE;
}

static void
bench_debian_line(const Debian *d)
{
    g_print("debian_cold_s=%.2f debian_warm_s=%.2f debian_warm_ratio=%.3f "
            "debian_ready_agent_s=%.1f debian_ready_systemd_s=%.1f "
            "debian_ready_cloud_init_s=%.1f", d->cold_s, d->warm_s,
            d->cold_s > 0 ? d->warm_s / d->cold_s : 0, d->ready_s[0], d->ready_s[1],
            d->ready_s[2]);
}

/*
 * 11 and 12: a second libvirt host on this machine, a libvirtd in a mount
 * namespace of its own reached over TCP (tests/libvirt-host.sh), which sees
 * none of this machine's files: the images reach it by upload into
 * provium's pool there and the consoles come back through it, as from a
 * remote host.  Both hosts run on the same CPUs, so what differs is
 * provium's way to the host, not the hardware.
 */
typedef struct {
    char *dir;            /* the helper shell's: uri, why, stop */
    GPid pid;             /* the shell that holds the host up */
    char *uri;            /* NULL when it did not start */
    char *why;            /* why not, in one line */
} BenchHost;

/* $1 tests/libvirt-host.sh, $2 the state directory, $3 the bench's pid. */
static const char *host_script =
    ". \"$1\"\n"
    "host_start b\n"
    "rc=$?\n"
    "if [ $rc != 0 ]; then\n"
    "    if [ $rc = 77 ]; then echo \"$HOST_SKIP\"\n"
    "    else echo \"the second libvirtd did not start: $(host_log b | tail -1)\"; fi > \"$2/why\"\n"
    "    host_stop_all\n"
    "    exit 1\n"
    "fi\n"
    "host_uri b > \"$2/uri.new\" && mv \"$2/uri.new\" \"$2/uri\"\n"
    "while [ ! -e \"$2/stop\" ] && kill -0 \"$3\" 2> /dev/null; do sleep 0.5; done\n"
    "host_stop_all\n";

static char *
read_line(const char *path)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    g_strstrip(text);
    if (strchr(text, '\n'))
        *strchr(text, '\n') = '\0';
    return g_steal_pointer(&text);
}

/*
 * Starts host B; @host->uri is NULL if not.  With this machine's /dev/kvm,
 * as qemu:///system has it (both boot under --virt-type qemu): with
 * host_start --no-kvm (/dev/null over /dev/kvm) libvirt 9.0 probes QEMU's
 * capabilities again at every domain start there (it finds /dev/kvm
 * usable and its cached capabilities without KVM), which took seconds of
 * each boot on a loaded host and doubled the makespan.
 */
static void
bench_host_start(Bench *b, BenchHost *host)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *script = g_build_filename(b->work, "host.sh", NULL);
    g_autofree char *uri_path = NULL;
    g_autofree char *owner = g_strdup_printf("%d", (int)getpid());
    char *argv[] = { (char *)"sh", script, (char *)PV_ABS_TOP_SRCDIR "/tests/libvirt-host.sh",
                     NULL, owner, NULL };
    int status;
    guint i;

    memset(host, 0, sizeof(*host));
    host->dir = g_build_filename(b->work, "host-b", NULL);
    g_mkdir_with_parents(host->dir, 0700);
    write_file(script, host_script);
    argv[3] = host->dir;
    uri_path = g_build_filename(host->dir, "uri", NULL);
    if (!g_spawn_async("/", argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &host->pid, &error))
        g_error("cannot run sh: %s", error->message);
    /* host_start gives up after a minute and a half */
    for (i = 0; i < 1200 && !g_file_test(uri_path, G_FILE_TEST_EXISTS); i++) {
        if (waitpid(host->pid, &status, WNOHANG) == host->pid) {
            g_autofree char *why_path = g_build_filename(host->dir, "why", NULL);

            host->pid = 0;
            host->why = read_line(why_path);
            if (!host->why)
                host->why = g_strdup("tests/libvirt-host.sh could not start a second libvirtd");
            return;
        }
        g_usleep(100 * 1000);
    }
    host->uri = read_line(uri_path);
    if (!host->uri)
        host->why = g_strdup("the second libvirtd did not answer within 2 minutes");
}

static void
bench_host_stop(BenchHost *host)
{
    g_autofree char *stop = host->dir ? g_build_filename(host->dir, "stop", NULL) : NULL;
    int status;

    if (host->pid > 0) {
        write_file(stop, "");
        waitpid(host->pid, &status, 0);
        host->pid = 0;
    }
    g_clear_pointer(&host->dir, g_free);
    g_clear_pointer(&host->uri, g_free);
    g_clear_pointer(&host->why, g_free);
}

#define BENCH_REMOTE_OPTIONS "--no-psi", "--no-ksm", "--virt-type=qemu"

/*
 * provium on @corpus with @options (NULL-terminated) and the options every
 * run of 11 and 12 shares: PSI and KSM are this machine's readings, which
 * provium has only for a local host, so they are off for both alike (the
 * machine is shared: PSI would hold the local run's boots for other
 * tenants' load), and both boot under emulation (--virt-type qemu).  No
 * wait for a quiet host first (bench_settle()): without PSI the pressure a
 * run leaves changes nothing provium decides, and the runs compared are
 * interleaved, so what other tenants do weighs on both alike.
 * Returns: the makespan; < 0 when provium failed, @why (nullable) then
 *   holds the first line it printed
 */
static double
bench_provium_with(Bench *b, const char *corpus, const char *const *options, char **why)
{
    g_autofree char *prefix = bench_prefix(b);
    g_autofree char *results = g_build_filename(b->work, "runs", NULL);
    g_autofree char *err_path = g_build_filename(b->work, "provium.err", NULL);
    const char *const common[] = { BENCH_REMOTE_OPTIONS };
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    double start;
    GPid pid;
    int err_fd;
    int status = 0;
    guint i;

    g_ptr_array_add(argv, b->provium);
    g_ptr_array_add(argv, (char *)"-q");
    g_ptr_array_add(argv, (char *)"--prefix");
    g_ptr_array_add(argv, prefix);
    g_ptr_array_add(argv, (char *)"--results-dir");
    g_ptr_array_add(argv, results);
    for (i = 0; i < G_N_ELEMENTS(common); i++)
        g_ptr_array_add(argv, (char *)common[i]);
    for (i = 0; options[i]; i++)
        g_ptr_array_add(argv, (char *)options[i]);
    g_ptr_array_add(argv, (char *)corpus);
    g_ptr_array_add(argv, NULL);
    err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err_fd < 0)
        g_error("%s: %s", err_path, g_strerror(errno));
    start = now_s();
    if (!g_spawn_async_with_fds(b->work, (char **)argv->pdata, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                NULL, &pid, -1, -1, err_fd, &error))
        g_error("cannot run %s: %s", b->provium, error->message);
    close(err_fd);
    if (waitpid(pid, &status, 0) < 0)
        g_error("waitpid: %s", g_strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return now_s() - start;
    if (why) {
        *why = read_line(err_path);
        if (!*why || !**why) {
            g_free(*why);
            *why = g_strdup_printf("provium exited with %d", WIFEXITED(status) ?
                                   WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
    return -1;
}

/* Fails the bench when a run that must work did not. */
static double
bench_provium_must(Bench *b, const char *corpus, const char *const *options, const char *what)
{
    g_autofree char *why = NULL;
    double s = bench_provium_with(b, corpus, options, &why);

    if (s < 0)
        g_error("provium failed on %s (%s); see %s/runs", what, why, b->work);
    return s;
}

typedef struct {
    gboolean ran;                 /* host B came up */
    char *why;                    /* else why not */
    double local_s, remote_s, first_s;
    double local_runs[BENCH_REPS], remote_runs[BENCH_REPS];
    gboolean placed;              /* 12 ran on both hosts */
    char *placed_why;             /* else why not */
    double one_s, two_s;
    double one_runs[BENCH_REPS], two_runs[BENCH_REPS];
    guint reps;
} Remote;

/*
 * Runs @corpus with @options while watching which hosts get its domains
 * (virsh list every 0.5 s on each, the domains of the run's prefix): the
 * proof that a run given two hosts used both, whatever provium prints.
 * Returns: whether both had some; @why otherwise
 */
static gboolean
bench_placement_probe(Bench *b, const char *corpus, const char *const *options,
                      const char *const uris[2], char **why)
{
    g_autofree char *stop = g_build_filename(b->work, "watch.stop", NULL);
    g_autofree char *prefix = g_strdup_printf("%sr%u-", b->prefix, b->runs);
    GPid watchers[2];
    gboolean seen[2];
    double s;
    int status;
    guint i;

    g_unlink(stop);
    for (i = 0; i < 2; i++) {
        g_autofree char *out = g_strdup_printf("%s/watch%u", b->work, i);
        g_autofree char *cmd = g_strdup_printf(
            "while [ ! -e '%s' ]; do virsh -q -c '%s' list --name 2> /dev/null; sleep 0.5; "
            "done | grep '^%s' | sort -u > '%s'", stop, uris[i], prefix, out);
        char *argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
        g_autoptr(GError) error = NULL;

        if (!g_spawn_async("/", argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                           NULL, NULL, &watchers[i], &error))
            g_error("cannot run sh: %s", error->message);
    }
    s = bench_provium_with(b, corpus, options, why);
    write_file(stop, "");
    for (i = 0; i < 2; i++) {
        g_autofree char *out = g_strdup_printf("%s/watch%u", b->work, i);
        g_autofree char *seen_text = NULL;

        waitpid(watchers[i], &status, 0);
        seen[i] = g_file_get_contents(out, &seen_text, NULL, NULL) && *seen_text;
    }
    if (s < 0)
        return FALSE;
    if (!seen[0] || !seen[1]) {
        *why = g_strdup_printf("provium ran every file on %s alone", seen[0] ? uris[0] :
                               seen[1] ? uris[1] : "neither host (?)");
        return FALSE;
    }
    return TRUE;
}

static void
bench_remote(Bench *b, guint reps, Remote *r)
{
    g_autofree char *conf = vm_conf(b);
    g_autofree char *corpus = make_corpus(b, "remote", BENCH_N, conf, vm_test);
    g_autofree char *hosts_conf = NULL;
    g_autofree char *hosts_corpus = NULL;
    g_autofree char *hosts_probe = NULL;
    g_autofree char *probe = NULL;
    g_autofree char *conf_why = NULL;
    g_autofree char *c_why = NULL;
    const char *local_opts[] = { "-c", "qemu:///system", "--cpus=2", NULL };
    const char *remote_opts[] = { "-c", NULL, "--cpus=2", NULL };
    const char *two_c_opts[] = { "-c", "qemu:///system", "-c", NULL, "--cpus=1", NULL };
    const char *no_opts[] = { NULL };
    const char *const *two_opts = no_opts;
    const char *uris[2] = { "qemu:///system", NULL };
    BenchHost host;
    guint rep;

    memset(r, 0, sizeof(*r));
    r->reps = reps;
    bench_host_start(b, &host);
    if (!host.uri) {
        r->why = g_strdup(host.why);
        bench_host_stop(&host);
        return;
    }
    r->ran = TRUE;
    remote_opts[1] = host.uri;
    two_c_opts[3] = host.uri;
    uris[1] = host.uri;

    /* 11: the first run on B uploads the kernel and initrd; the next find them. */
    r->first_s = bench_provium_must(b, corpus, remote_opts, "host B");
    for (rep = 0; rep < reps; rep++) {
        r->local_runs[rep] = bench_provium_must(b, corpus, local_opts, "qemu:///system");
        r->remote_runs[rep] = bench_provium_must(b, corpus, remote_opts, "host B");
    }
    r->local_s = median(r->local_runs, reps);
    r->remote_s = median(r->remote_runs, reps);

    /*
     * 12: both hosts, one vCPU each: as provium.conf's [host NAME] sections
     * (issue 21), else as -c twice with --cpus 1; a provium that refuses
     * both, or takes one of two -c, is skipped, saying so.  A probe of two
     * files comes first, not counted.
     */
    hosts_conf = g_strdup_printf("%s\n[host local]\nuri = qemu:///system\ncpus = 1\n\n"
                                 "[host b]\nuri = %s\ncpus = 1\n\n[run]\nhosts = local, b\n",
                                 conf, host.uri);
    hosts_corpus = make_corpus(b, "placement", BENCH_N, hosts_conf, vm_test);
    /* Two files, one vCPU on each host: a dispatcher that places each where it starts soonest uses both. */
    hosts_probe = make_corpus(b, "probe-hosts", 2, hosts_conf, vm_test);
    probe = make_corpus(b, "probe", 2, conf, vm_test);
    if (bench_placement_probe(b, hosts_probe, no_opts, uris, &conf_why)) {
        r->placed = TRUE;
    } else if (bench_placement_probe(b, probe, two_c_opts, uris, &c_why)) {
        r->placed = TRUE;
        two_opts = two_c_opts;
        g_clear_pointer(&hosts_corpus, g_free);
        hosts_corpus = g_strdup(corpus);
    } else {
        r->placed_why = g_strdup_printf("provium.conf [host NAME] sections: %s; -c twice: %s",
                                        conf_why, c_why);
    }
    if (r->placed) {
        for (rep = 0; rep < reps; rep++) {
            r->one_runs[rep] = bench_provium_must(b, corpus, local_opts, "qemu:///system");
            r->two_runs[rep] = bench_provium_must(b, hosts_corpus, two_opts, "two hosts");
        }
        r->one_s = median(r->one_runs, reps);
        r->two_s = median(r->two_runs, reps);
    }
    bench_host_stop(&host);
}

static void
bench_remote_print(const Remote *r)
{
    const char *how = "--cpus 2, --virt-type qemu, --no-psi, --no-ksm";

    g_print("\n11. remote overhead: N = %u files, each one VM (256 MiB, 1 vCPU) running uname -r,\n"
            "    %s;\n    host B is a second libvirtd on this machine, in a mount namespace of its\n"
            "    own, over qemu+tcp (tests/libvirt-host.sh)\n", BENCH_N, how);
    if (!r->ran) {
        g_print("   SKIP: %s\n", r->why);
        g_print("\n12. placement overhead\n   SKIP: no host B (above)\n");
        return;
    }
    g_print("   %-44s %10s %10s %16s\n", "", "makespan", "x local", "runs (min..max)");
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "qemu:///system", r->local_s, 1.0,
            r->reps, minimum(r->local_runs, r->reps), maximum(r->local_runs, r->reps));
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "host B, images already in its pool",
            r->remote_s, r->remote_s / r->local_s, r->reps, minimum(r->remote_runs, r->reps),
            maximum(r->remote_runs, r->reps));
    g_print("   %-44s %9.1fs %10.2f %3u\n", "host B, first run (uploads the images)",
            r->first_s, r->first_s / r->local_s, 1);
    g_print("   (medians, interleaved; the first run on B is before them)\n");
    g_print("\n12. placement overhead: the same files on qemu:///system and host B at once,\n"
            "    1 vCPU each, against qemu:///system alone with --cpus 2 (same options as 11)\n");
    if (!r->placed) {
        g_print("   SKIP: %s\n", r->placed_why);
        return;
    }
    g_print("   %-44s %10s %10s %16s\n", "", "makespan", "x one host", "runs (min..max)");
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "qemu:///system, --cpus 2", r->one_s,
            1.0, r->reps, minimum(r->one_runs, r->reps), maximum(r->one_runs, r->reps));
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "qemu:///system and host B, 1 each",
            r->two_s, r->two_s / r->one_s, r->reps, minimum(r->two_runs, r->reps),
            maximum(r->two_runs, r->reps));
    g_print("   (medians, interleaved, after a probe of 2 files on both hosts, not counted)\n");
}

/* The keys of 11 and 12 for the bench: line; those of a section that did not run are left out. */
static void
bench_remote_line(const Remote *r)
{
    if (!r->ran)
        return;
    g_print(" remote_local_s=%.2f remote_s=%.2f remote_first_s=%.2f remote_ratio=%.3f",
            r->local_s, r->remote_s, r->first_s, r->remote_s / r->local_s);
    if (r->placed)
        g_print(" placement_one_s=%.2f placement_two_s=%.2f placement_ratio=%.3f", r->one_s,
                r->two_s, r->two_s / r->one_s);
}

static void
bench_cleanup(Bench *b)
{
    g_autofree char *prefix = g_strdup_printf("--prefix=%s", b->prefix);
    char *argv[] = { b->provium, (char *)"clean", (char *)"--force", prefix, NULL };
    char *virsh_argv[] = { (char *)"sh", (char *)"-c", NULL, NULL };
    g_autofree char *cmd = g_strdup_printf(
        "for d in $(virsh -q -c qemu:///system list --all --name | grep '^%s'); do "
        "virsh -q -c qemu:///system destroy $d; done >/dev/null 2>&1", b->prefix);

    bench_run(argv, "/", TRUE);
    virsh_argv[2] = cmd;
    bench_run(virsh_argv, "/", TRUE);
    rm_rf(b->work);
}

static Bench *the_bench;

static void
on_signal(int sig)
{
    if (the_bench)
        bench_cleanup(the_bench);
    _exit(128 + sig);
}

/*
 * --vms-only: section 2 alone, without xargs -P 1 (far behind), and with
 * another build of provium (--compare) interleaved in each repetition, so
 * that two commits are compared on the same host minutes apart.
 */
static int
bench_vms_only(Bench *b, const char *compare)
{
    double cpu_runs[BENCH_REPS], mine[BENCH_REPS], theirs[BENCH_REPS];
    double virsh_runs[2][BENCH_REPS];
    double cpu_per_vm, bound, mine_s, theirs_s = 0, virsh_s[2];
    const guint ps[] = { 2, 4 };
    guint rep, i;

    write_file(g_build_filename(b->work, "vm.sh", NULL), vm_script);
    for (rep = 0; rep < BENCH_REPS; rep++) {
        cpu_runs[rep] = bench_cpu_per_vm(b);
        mine[rep] = bench_provium(b, BENCH_N);
        if (compare)
            theirs[rep] = bench_provium_at(b, compare, BENCH_N);
        for (i = 0; i < G_N_ELEMENTS(ps); i++)
            virsh_runs[i][rep] = bench_virsh(b, BENCH_N, ps[i]);
    }
    cpu_per_vm = median(cpu_runs, BENCH_REPS);
    bound = BENCH_N * cpu_per_vm / b->cpus;
    mine_s = median(mine, BENCH_REPS);
    if (compare)
        theirs_s = median(theirs, BENCH_REPS);
    g_print("2. real VMs on qemu:///system: N = %u files, each one VM (256 MiB, 1 vCPU) "
            "running uname -r\n", BENCH_N);
    g_print("   CPU per VM: %.2f s (%.2f..%.2f); lower bound = N x that / %u CPUs = %.1f s\n",
            cpu_per_vm, minimum(cpu_runs, BENCH_REPS), maximum(cpu_runs, BENCH_REPS), b->cpus,
            bound);
    g_print("   %-44s %10s %14s %16s\n", "", "makespan", "x lower bound", "runs (min..max)");
    g_print("   %-44s %9.1fs %14.2f %3u (%.1f..%.1fs)\n", b->provium, mine_s, mine_s / bound,
            BENCH_REPS, minimum(mine, BENCH_REPS), maximum(mine, BENCH_REPS));
    if (compare)
        g_print("   %-44s %9.1fs %14.2f %3u (%.1f..%.1fs)\n", compare, theirs_s,
                theirs_s / bound, BENCH_REPS, minimum(theirs, BENCH_REPS),
                maximum(theirs, BENCH_REPS));
    for (i = 0; i < G_N_ELEMENTS(ps); i++) {
        g_autofree char *label = g_strdup_printf("virsh script, xargs -P %u", ps[i]);

        virsh_s[i] = median(virsh_runs[i], BENCH_REPS);
        g_print("   %-44s %9.1fs %14.2f %3u (%.1f..%.1fs)\n", label, virsh_s[i],
                virsh_s[i] / bound, BENCH_REPS, minimum(virsh_runs[i], BENCH_REPS),
                maximum(virsh_runs[i], BENCH_REPS));
    }
    bench_cleanup(b);
    g_print("\nbench: lower_bound_s=%.2f makespan_s=%.2f ratio_to_bound=%.3f "
            "compare_makespan_s=%.2f compare_ratio_to_bound=%.3f virsh_p2_s=%.2f "
            "virsh_p4_s=%.2f\n", bound, mine_s, mine_s / bound, theirs_s, theirs_s / bound,
            virsh_s[0], virsh_s[1]);
    return 0;
}

int
main(int argc, char **argv)
{
    Bench b = { 0 };
    gboolean quick = FALSE;
    gboolean order_only = FALSE;
    gboolean fixtures_only = FALSE;
    gboolean vms_only = FALSE;
    gboolean shard_only = FALSE;
    gboolean debian_only = FALSE;
    gboolean remote_only = FALSE;
    Remote remote;
    g_autofree char *compare = NULL;
    Debian debian;
    gboolean debian_ran;
    Shard shard;
    double fixture_cold = 0, fixture_warm = 0;
    Order order;
    GOptionEntry entries[] = {
        { "quick", 0, 0, G_OPTION_ARG_NONE, &quick,
          "Fewer sizes (1,000-file dispatch, N = 8 only), for trying the bench out", NULL },
        { "order-only", 0, 0, G_OPTION_ARG_NONE, &order_only,
          "Only section 5, the order files start in (test:///default, about 30 s)", NULL },
        { "shard-only", 0, 0, G_OPTION_ARG_NONE, &shard_only,
          "Only section 9, a corpus in 3 shares by time: and hash: (test:///default, "
          "about 1 min)", NULL },
        { "fixtures-only", 0, 0, G_OPTION_ARG_NONE, &fixtures_only,
          "Only section 8 (fixtures), with the CPU lower bound it is compared to", NULL },
        { "debian-only", 0, 0, G_OPTION_ARG_NONE, &debian_only,
          "Only section 10, the Debian image cold and from a fixture ($PV_DEBIAN_IMAGE, "
          "make debian-image)", NULL },
        { "remote-only", 0, 0, G_OPTION_ARG_NONE, &remote_only,
          "Only sections 11 and 12, a second libvirt host of this machine against "
          "qemu:///system (about 8 minutes)", NULL },
        { "vms-only", 0, 0, G_OPTION_ARG_NONE, &vms_only,
          "Only section 2 (N real VMs against virsh -P 2 and -P 4)", NULL },
        { "compare", 0, 0, G_OPTION_ARG_FILENAME, &compare,
          "With --vms-only: another build of provium, run in each repetition too", "PROVIUM" },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *tmpfs = NULL;
    g_autofree char *disk_runs = NULL;
    g_autofree char *corpus1k = NULL;
    g_autofree char *corpus10k = NULL;
    g_autofree char *virsh_version = NULL;
    Dispatch d1k, d1k_disk, d10k = { 0 };
    double cpu_per_vm, makespan, bound, ratio, best_virsh = 0;
    double provium_s[BENCH_REPS];
    double cpu_runs[BENCH_REPS];
    double ratios[BENCH_REPS];
    double virsh_runs[3][BENCH_REPS];
    double virsh_s[3];
    double boot_default[BENCH_BOOT_REPS];
    double boot_full[BENCH_BOOT_REPS];
    double boot_notests[BENCH_BOOT_REPS];
    double boot_default_s, boot_full_s, boot_notests_s;
    guint boot_reps;
    guint virsh_reps[3];
    double one_runs[BENCH_REPS], seq_runs[BENCH_REPS], par_runs[BENCH_REPS];
    double net_runs[BENCH_REPS];
    double one_s, seq_s, par_s, net_s;
    const guint ps[] = { 1, 2, 4 };
    guint rep;
    const guint scale[] = { 1, 2, 4, 8, 16 };
    const char *test_driver_vm =
        "test(\"boots and destroys\", function(t)\n"
        "    provium:vm(\"v\"):boot({agent = false}):destroy()\n"
        "end)\n";
    guint i;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        g_printerr("provium-bench: %s\n", error->message);
        return 2;
    }
    if (compare && !vms_only) {
        g_printerr("provium-bench: --compare goes with --vms-only\n");
        return 2;
    }
    /* The runs start in the work directory: a relative path would not be found there. */
    if (compare) {
        g_autofree char *relative = g_steal_pointer(&compare);

        compare = g_canonicalize_filename(relative, NULL);
        if (!g_file_test(compare, G_FILE_TEST_IS_EXECUTABLE)) {
            g_printerr("provium-bench: --compare: %s is not an executable provium\n", compare);
            return 2;
        }
    }
    b.provium = g_strdup(g_getenv("PROVIUM") ? g_getenv("PROVIUM")
                                              : PV_ABS_TOP_BUILDDIR "/src/provium");
    b.image = g_strdup(g_getenv("PV_TEST_IMAGE") ? g_getenv("PV_TEST_IMAGE")
                                                  : PV_ABS_TOP_BUILDDIR "/image");
    b.cpus = g_get_num_processors();
    b.prefix = g_strdup_printf("bench%d-", (int)getpid());
    if (!g_file_test(b.provium, G_FILE_TEST_IS_EXECUTABLE) ||
        !g_file_test(b.image, G_FILE_TEST_IS_DIR)) {
        g_printerr("provium-bench: needs %s and the test image in %s (run make bench)\n",
                   b.provium, b.image);
        return 2;
    }
    /* QEMU reads the work directory: not under /root. */
    b.work = g_dir_make_tmp("provium-bench-XXXXXX", &error);
    if (!b.work) {
        g_printerr("provium-bench: %s\n", error->message);
        return 2;
    }
    g_chmod(b.work, 0755);
    the_bench = &b;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    if (order_only) {
        order = bench_order(&b);
        bench_order_print(&order);
        bench_cleanup(&b);
        g_print("\nbench: order_fifo_s=%.2f order_lpt_s=%.2f order_bound_s=%.2f "
                "order_fifo_ratio=%.3f order_lpt_ratio=%.3f\n", order.fifo_s, order.lpt_s,
                order.bound_s, order.fifo_s / order.bound_s, order.lpt_s / order.bound_s);
        return 0;
    }
    if (shard_only) {
        shard = bench_shard(&b);
        bench_shard_print(&shard);
        bench_cleanup(&b);
        g_print("\nbench: shard_time_s=%.2f shard_hash_s=%.2f shard_ideal_s=%.2f "
                "shard_time_ratio=%.3f shard_hash_ratio=%.3f", shard.time_s, shard.hash_s,
                shard.time_ideal_s, shard.time_s / shard.time_ideal_s,
                shard.hash_s / shard.hash_ideal_s);
        return 0;
    }
    if (vms_only)
        return bench_vms_only(&b, compare);
    if (remote_only) {
        bench_remote(&b, quick ? 1 : BENCH_REPS, &remote);
        bench_remote_print(&remote);
        bench_cleanup(&b);
        if (!remote.ran)
            return 77;
        g_print("\nbench:");
        bench_remote_line(&remote);
        g_print("\n");
        return 0;
    }
    if (debian_only) {
        debian_ran = bench_debian(&b, quick ? 1 : BENCH_REPS, &debian);
        bench_cleanup(&b);
        if (!debian_ran)
            return 77;
        g_print("\nbench: ");
        bench_debian_line(&debian);
        g_print("\n");
        return 0;
    }
    if (fixtures_only) {
        guint reps = quick ? 1 : BENCH_REPS;

        write_file(g_build_filename(b.work, "vm.sh", NULL), vm_script);
        for (rep = 0; rep < reps; rep++)
            cpu_runs[rep] = bench_cpu_per_vm(&b);
        bound = BENCH_N * median(cpu_runs, reps) / b.cpus;
        bench_fixtures(&b, bound, reps, &fixture_cold, &fixture_warm);
        bench_cleanup(&b);
        g_print("\nbench: lower_bound_s=%.2f fixture_cold_s=%.2f fixture_warm_s=%.2f "
                "fixture_cold_ratio=%.3f fixture_warm_ratio=%.3f\n", bound, fixture_cold,
                fixture_warm, fixture_cold / bound, fixture_warm / bound);
        return 0;
    }

    /* 1. dispatch */
    conf = g_strdup("[profile default]\nmemory = 256M\ncpus = 1\n");
    tmpfs = g_strdup_printf("/dev/shm/provium-bench-%d", (int)getpid());
    disk_runs = g_build_filename(b.work, "runs-disk", NULL);
    corpus1k = make_corpus(&b, "dispatch1k", 1000, conf, test_driver_vm);
    d1k = bench_dispatch(&b, corpus1k, 1000, tmpfs);
    rm_rf(tmpfs);
    d1k_disk = bench_dispatch(&b, corpus1k, 1000, disk_runs);
    rm_rf(disk_runs);
    if (!quick) {
        corpus10k = make_corpus(&b, "dispatch10k", 10000, conf, test_driver_vm);
        d10k = bench_dispatch(&b, corpus10k, 10000, tmpfs);
        rm_rf(tmpfs);
        rm_rf(corpus10k);
    }

    /* 2. real VMs */
    write_file(g_build_filename(b.work, "vm.sh", NULL), vm_script);
    /* Interleaved; -P 1, twice as slow as the rest and far behind, runs once. */
    memset(virsh_reps, 0, sizeof(virsh_reps));
    for (rep = 0; rep < BENCH_REPS; rep++) {
        cpu_runs[rep] = bench_cpu_per_vm(&b);
        provium_s[rep] = bench_provium(&b, BENCH_N);
        ratios[rep] = provium_s[rep] / (BENCH_N * cpu_runs[rep] / b.cpus);
        for (i = 0; i < G_N_ELEMENTS(ps); i++) {
            if (ps[i] == 1 && rep > 0)
                continue;
            virsh_runs[i][virsh_reps[i]++] = bench_virsh(&b, BENCH_N, ps[i]);
        }
    }
    makespan = median(provium_s, BENCH_REPS);
    cpu_per_vm = median(cpu_runs, BENCH_REPS);
    bound = BENCH_N * cpu_per_vm / b.cpus;
    ratio = median(ratios, BENCH_REPS);
    for (i = 0; i < G_N_ELEMENTS(ps); i++) {
        virsh_s[i] = median(virsh_runs[i], virsh_reps[i]);
        best_virsh = i == 0 ? virsh_s[i] : MIN(best_virsh, virsh_s[i]);
    }

    g_spawn_command_line_sync("virsh -q -c qemu:///system version --daemon", &virsh_version,
                              NULL, NULL, NULL);
    g_print("provium-bench on %s: %u CPUs, %s (%s)\n\n", g_get_host_name(), b.cpus,
            bench_virt_type() == PV_VIRT_KVM ? "KVM" : "QEMU emulation (no usable KVM)",
            "test image: Debian cloud kernel + busybox + qemu-guest-agent");
    g_print("1. dispatch on test:///default (one VM per file, no guest)\n");
    g_print("   %-34s %8s %10s %10s %10s %10s\n", "", "wall", "files/s", "mean/file",
            "p99/file", "peak RSS");
    g_print("   %-34s %7.2fs %10.0f %8.1fms %8.1fms %7.1fMiB\n", "1,000 files, run dir on tmpfs",
            d1k.wall_s, d1k.files_per_s, d1k.mean_ms, d1k.p99_ms, d1k.rss_kb / 1024.0);
    g_print("   %-34s %7.2fs %10.0f %8.1fms %8.1fms %7.1fMiB\n", "1,000 files, run dir on disk",
            d1k_disk.wall_s, d1k_disk.files_per_s, d1k_disk.mean_ms, d1k_disk.p99_ms,
            d1k_disk.rss_kb / 1024.0);
    if (!quick)
        g_print("   %-34s %7.2fs %10.0f %8.1fms %8.1fms %7.1fMiB\n",
                "10,000 files queued, tmpfs", d10k.wall_s, d10k.files_per_s, d10k.mean_ms,
                d10k.p99_ms, d10k.rss_kb / 1024.0);
    g_print("\n2. real VMs on qemu:///system: N = %u files, each one VM (256 MiB, 1 vCPU) "
            "running uname -r\n", BENCH_N);
    g_print("   CPU per VM (QEMU + libvirtd, measured in each repetition): %.2f s "
            "(%.2f..%.2f);\n   lower bound = N x that / %u CPUs = %.1f s\n", cpu_per_vm,
            minimum(cpu_runs, BENCH_REPS), maximum(cpu_runs, BENCH_REPS), b.cpus, bound);
    g_print("   %-30s %10s %14s %14s %16s\n", "", "makespan", "x lower bound",
            "provium faster", "runs (min..max)");
    g_print("   %-30s %9.1fs %14.2f %14s %3u (%.1f..%.1fs)\n", "provium, default settings",
            makespan, ratio, "", BENCH_REPS, minimum(provium_s, BENCH_REPS),
            maximum(provium_s, BENCH_REPS));
    for (i = 0; i < G_N_ELEMENTS(ps); i++) {
        g_autofree char *label = g_strdup_printf("virsh script, xargs -P %u", ps[i]);

        g_print("   %-30s %9.1fs %14.2f %13.2fx %3u (%.1f..%.1fs)\n", label, virsh_s[i],
                virsh_s[i] / bound, virsh_s[i] / makespan, virsh_reps[i],
                minimum(virsh_runs[i], virsh_reps[i]), maximum(virsh_runs[i], virsh_reps[i]));
    }
    g_print("   (medians; provium's ratio is the median of each repetition's makespan over that\n"
            "   repetition's bound; the virsh script polls guest-ping and guest-exec-status\n"
            "   every %s s)\n", BENCH_POLL);

    if (!quick) {
        g_print("\n3. scaling: provium, default settings\n");
        g_print("   %4s %10s %12s %14s\n", "N", "makespan", "lower bound", "x lower bound");
        for (i = 0; i < G_N_ELEMENTS(scale); i++) {
            double s = scale[i] == BENCH_N ? makespan : bench_provium(&b, scale[i]);
            double lb = scale[i] * cpu_per_vm / b.cpus;

            g_print("   %4u %9.1fs %11.1fs %14.2f\n", scale[i], s, lb, s / lb);
        }
    }

    /* 4. one test, three VMs: interleaved like 2. */
    for (rep = 0; rep < BENCH_REPS; rep++) {
        one_runs[rep] = bench_one_file(&b, "boot1", vm_test, NULL);
        seq_runs[rep] = bench_one_file(&b, "boot3seq", boot3_sequential, NULL);
        par_runs[rep] = bench_one_file(&b, "boot3par", boot3_parallel, "--boot-workers=3");
        net_runs[rep] = bench_one_file(&b, "boot1net", net_vm_test, NULL);
    }
    one_s = median(one_runs, BENCH_REPS);
    net_s = median(net_runs, BENCH_REPS);
    seq_s = median(seq_runs, BENCH_REPS);
    par_s = median(par_runs, BENCH_REPS);
    g_print("\n4. one test needing 3 VMs (256 MiB, 1 vCPU each), each running uname -r\n");
    g_print("   %-44s %10s %10s %16s\n", "", "wall", "x one VM", "runs (min..max)");
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "one VM: vm:boot()", one_s, 1.0,
            BENCH_REPS, minimum(one_runs, BENCH_REPS), maximum(one_runs, BENCH_REPS));
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "3 VMs, vm:boot() one after the other",
            seq_s, seq_s / one_s, BENCH_REPS, minimum(seq_runs, BENCH_REPS),
            maximum(seq_runs, BENCH_REPS));
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n",
            "3 VMs, provium.boot{...}, --boot-workers 3", par_s, par_s / one_s, BENCH_REPS,
            minimum(par_runs, BENCH_REPS), maximum(par_runs, BENCH_REPS));
    g_print("   (at best, with each boot keeping one CPU busy: 3 boots / min(%u CPUs, 3) ="
            " %.2f x one VM)\n", b.cpus, 3.0 / MIN(b.cpus, 3));

    /* 5. the order files start in */
    order = bench_order(&b);
    bench_order_print(&order);
    g_print("\n6. a network of the file: the one-VM file of 4, with provium:network() at "
            "its top level\n");
    g_print("   %-44s %10s %10s %16s\n", "", "wall", "x one VM", "runs (min..max)");
    g_print("   %-44s %9.1fs %10.2f %3u (%.1f..%.1fs)\n", "one VM and an isolated network",
            net_s, net_s / one_s, BENCH_REPS, minimum(net_runs, BENCH_REPS),
            maximum(net_runs, BENCH_REPS));
    g_print("   the network's create + destroy: %.2f s, %.3f of the one-VM file\n",
            net_s - one_s, (net_s - one_s) / one_s);
    /* 7. cold boots: the templates, and a kernel command line, interleaved */
    write_file(g_build_filename(b.work, "boot.sh", NULL), boot_script);
    boot_reps = quick ? 3 : BENCH_BOOT_REPS;
    for (rep = 0; rep < boot_reps; rep++) {
        boot_full[rep] = bench_boot_cpu(&b, "full", BENCH_CMDLINE);
        boot_default[rep] = bench_boot_cpu(&b, "default", BENCH_CMDLINE);
        boot_notests[rep] = bench_boot_cpu(&b, "default", BENCH_CMDLINE_NOTESTS);
    }
    boot_full_s = median(boot_full, boot_reps);
    boot_default_s = median(boot_default, boot_reps);
    boot_notests_s = median(boot_notests, boot_reps);
    g_print("\n7. cold boots: QEMU's CPU seconds from start to a connected guest agent\n"
            "   (median of %u, interleaved; min..max; cmdline %s)\n", boot_reps, BENCH_CMDLINE);
    g_print("   %-44s %6.2f s (%.2f..%.2f)\n", "template = full (SeaBIOS, USB: as before)",
            boot_full_s, minimum(boot_full, boot_reps), maximum(boot_full, boot_reps));
    g_print("   %-44s %6.2f s (%.2f..%.2f)  %+.0f %%\n", "default template (qboot, no USB)",
            boot_default_s, minimum(boot_default, boot_reps), maximum(boot_default, boot_reps),
            100.0 * (boot_default_s / boot_full_s - 1.0));
    g_print("   %-44s %6.2f s (%.2f..%.2f)  %+.0f %%\n", "default, cmdline + cryptomgr.notests",
            boot_notests_s, minimum(boot_notests, boot_reps), maximum(boot_notests, boot_reps),
            100.0 * (boot_notests_s / boot_full_s - 1.0));

    /* 8. fixtures, against section 2's bound */
    bench_fixtures(&b, bound, quick ? 1 : BENCH_REPS, &fixture_cold, &fixture_warm);

    /* 9. a corpus over CI jobs */
    shard = bench_shard(&b);
    bench_shard_print(&shard);

    /* 10. a real image */
    debian_ran = bench_debian(&b, quick ? 1 : BENCH_REPS, &debian);

    /* 11 and 12: a second host */
    bench_remote(&b, quick ? 1 : BENCH_REPS, &remote);
    bench_remote_print(&remote);

    bench_cleanup(&b);
    g_print("\nbench: dispatch_files_per_s=%.0f makespan_s=%.2f best_virsh_s=%.2f "
            "lower_bound_s=%.2f ratio_to_bound=%.3f speedup_vs_virsh=%.3f "
            "boot1_s=%.2f boot3_sequential_s=%.2f boot3_parallel_s=%.2f "
            "parallel_to_one=%.3f parallel_speedup=%.3f "
            "order_fifo_ratio=%.3f order_lpt_ratio=%.3f boot1_network_s=%.2f "
            "network_to_boot=%.3f "
            "boot_cpu_s=%.2f boot_cpu_full_s=%.2f boot_cpu_notests_s=%.2f "
            "fixture_cold_ratio=%.3f fixture_warm_ratio=%.3f "
            "shard_time_ratio=%.3f shard_hash_ratio=%.3f",
            d1k.files_per_s, makespan, best_virsh, bound, ratio, best_virsh / makespan,
            one_s, seq_s, par_s, par_s / one_s, seq_s / par_s,
            order.fifo_s / order.bound_s, order.lpt_s / order.bound_s, net_s,
            (net_s - one_s) / one_s,
            boot_default_s, boot_full_s, boot_notests_s,
            fixture_cold / bound, fixture_warm / bound,
            shard.time_s / shard.time_ideal_s, shard.hash_s / shard.hash_ideal_s);
    if (debian_ran) {
        g_print(" ");
        bench_debian_line(&debian);
    }
    bench_remote_line(&remote);
    g_print("\n");
    return 0;
}
