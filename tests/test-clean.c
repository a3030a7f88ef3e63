/*
 * test-clean.c: which domains and networks provium clean removes, and the
 * ownership records of networks
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-autocleanups.h"
#include "pv-clean.h"
#include "pv-error.h"
#include "pv-libvirt.h"
#include "pv-network-host.h"
#include "pv-template.h"

static gboolean
always_alive(gint64 pid)
{
    return TRUE;
}

static gboolean
never_alive(gint64 pid)
{
    return FALSE;
}

static void
test_decide(void)
{
    PvMetadata md = { (char *)"run1", (char *)"pv-a-", (char *)"/t/x.test.lua",
                      (char *)"web", (char *)"host1", 42 };
    PvMetadata no_run = { 0 };

    g_assert_cmpint(pv_clean_decide(NULL, "pv-a-x-web", NULL, "host1", never_alive, FALSE), ==,
                    PV_CLEAN_SKIP_NOT_OURS);
    g_assert_cmpint(pv_clean_decide(&no_run, "pv-a-x-web", NULL, "host1", never_alive, TRUE),
                    ==, PV_CLEAN_SKIP_NOT_OURS);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, "host1", never_alive, FALSE), ==,
                    PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", "pv-a-", "host1", never_alive, FALSE),
                    ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", "pv-b-", "host1", never_alive, FALSE),
                    ==, PV_CLEAN_SKIP_PREFIX);
    /* The metadata's prefix and the name must both match. */
    g_assert_cmpint(pv_clean_decide(&md, "renamed", "pv-a-", "host1", never_alive, FALSE),
                    ==, PV_CLEAN_SKIP_PREFIX);
    /* A VM restored from a fixture is named after its slot: its prefix is in its metadata. */
    g_assert_cmpint(pv_clean_decide(&md, "pvfx-3a9e21c4-5c1399e7e2a7-0", "pv-a-", "host1",
                                    never_alive, FALSE), ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_decide(&md, "pvfx-3a9e21c4-5c1399e7e2a7-0", "pv-b-", "host1",
                                    never_alive, FALSE), ==, PV_CLEAN_SKIP_PREFIX);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, "host1", always_alive, FALSE), ==,
                    PV_CLEAN_SKIP_RUNNING);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, "host1", always_alive, TRUE), ==,
                    PV_CLEAN_REMOVE);
    /* A pid on another host says nothing about this one. */
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, "host2", always_alive, FALSE), ==,
                    PV_CLEAN_REMOVE);
}

static void
test_metadata_parse(void)
{
    const char *with_ns =
        "<provium:instance xmlns:provium='" PV_METADATA_URI "'>"
        "<provium:run>r1</provium:run><provium:prefix>p-</provium:prefix>"
        "<provium:vm>a &amp; b</provium:vm><provium:pid>12</provium:pid>"
        "</provium:instance>";
    const char *as_libvirt_returns =
        "<instance>\n  <run>r2</run>\n  <host>h</host>\n</instance>";
    g_auto(PvMetadata) md = { 0 };
    g_auto(PvMetadata) md2 = { 0 };
    PvMetadata other = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true(pv_metadata_parse(with_ns, &md, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(md.run, ==, "r1");
    g_assert_cmpstr(md.prefix, ==, "p-");
    g_assert_cmpstr(md.vm, ==, "a & b");
    g_assert_cmpint(md.pid, ==, 12);
    g_assert_true(pv_metadata_parse(as_libvirt_returns, &md2, &error));
    g_assert_cmpstr(md2.run, ==, "r2");
    g_assert_cmpstr(md2.host, ==, "h");
    g_assert_false(pv_metadata_parse("<instance xmlns='http://other/'/>", &other, &error));
    g_assert_nonnull(error);
    g_assert_false(pv_metadata_parse("not xml", &other, NULL));
}

static void
define_domain(virConnect *conn, const char *name, gboolean ours, gboolean start)
{
    g_autoptr(virDomain) dom = NULL;
    g_autofree char *xml = g_strdup_printf(
        "<domain type='test'><name>%s</name><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>", name);

    dom = virDomainDefineXML(conn, xml);
    g_assert_nonnull(dom);
    if (ours)
        g_assert_cmpint(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
                                             "<instance><run>r</run><prefix>pv-c-</prefix>"
                                             "<host>elsewhere</host><pid>1</pid></instance>",
                                             "provium", PV_METADATA_URI, 0), ==, 0);
    if (start)
        g_assert_cmpint(virDomainCreate(dom), ==, 0);
}

static gboolean
exists(virConnect *conn, const char *name)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(conn, name);

    virResetLastError();
    return dom != NULL;
}

static void
test_clean_test_driver(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = pv_libvirt_open("test:///default", &error);
    guint removed;

    g_assert_no_error(error);
    define_domain(conn, "pv-c-mine-running", TRUE, TRUE);
    define_domain(conn, "pv-c-mine-defined", TRUE, FALSE);
    /* Named like ours, but without provium's metadata: not ours. */
    define_domain(conn, "pv-c-impostor", FALSE, TRUE);
    define_domain(conn, "pv-d-other-run", TRUE, FALSE);

    removed = pv_clean_domains(conn, "pv-c-", FALSE, never_alive, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(removed, ==, 2);
    g_assert_false(exists(conn, "pv-c-mine-running"));
    g_assert_false(exists(conn, "pv-c-mine-defined"));
    g_assert_true(exists(conn, "pv-c-impostor"));
    g_assert_true(exists(conn, "pv-d-other-run"));
    /* The driver's own domain is never touched. */
    g_assert_true(exists(conn, "test"));
}

static gboolean
record_always_alive(const PvNetworkRecord *record)
{
    return TRUE;
}

static gboolean
record_never_alive(const PvNetworkRecord *record)
{
    return FALSE;
}

static void
test_network_decide(void)
{
    PvNetworkRecord rec = {
        .name = (char *)"pv-a-x-lan", .uuid = (char *)"u", .uri = (char *)"qemu:///system",
        .run = (char *)"r", .prefix = (char *)"pv-a-", .pid = 42,
    };

    g_assert_cmpint(pv_clean_network_decide(&rec, "qemu:///system", NULL, record_never_alive,
                                            FALSE), ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_network_decide(&rec, "qemu:///system", "pv-a-",
                                            record_never_alive, FALSE), ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_network_decide(&rec, "qemu:///system", "pv-b-",
                                            record_never_alive, FALSE), ==,
                    PV_CLEAN_SKIP_PREFIX);
    g_assert_cmpint(pv_clean_network_decide(&rec, "qemu:///system", NULL, record_always_alive,
                                            FALSE), ==, PV_CLEAN_SKIP_RUNNING);
    g_assert_cmpint(pv_clean_network_decide(&rec, "qemu:///system", NULL, record_always_alive,
                                            TRUE), ==, PV_CLEAN_REMOVE);
    /* Made through another URI: only a clean connected there removes it. */
    g_assert_cmpint(pv_clean_network_decide(&rec, "qemu+ssh://h/system", NULL,
                                            record_never_alive, TRUE), ==,
                    PV_CLEAN_SKIP_ELSEWHERE);
    rec.name = (char *)"renamed";
    g_assert_cmpint(pv_clean_network_decide(&rec, "qemu:///system", "pv-a-",
                                            record_never_alive, FALSE), ==,
                    PV_CLEAN_SKIP_PREFIX);
}

/* A pid that runs, started at 100; 7, which runs, start unknown; no other. */
static gboolean
probe_some(gint64 pid, guint64 *start)
{
    *start = pid == 42 ? 100 : 0;
    return pid == 42 || pid == 7;
}

/*
 * A run that finds a network in its way removes it only with proof that the
 * run that made it is over: the record's machine and boot are this one's,
 * and its pid runs no more (or is another process).
 */
static void
test_network_owner(void)
{
    PvNetworkRecord rec = {
        .name = (char *)"pv-a-x-lan", .uuid = (char *)"u", .uri = (char *)"qemu:///system",
        .run = (char *)"r", .host = (char *)"h", .machine = (char *)"m1", .boot = (char *)"b1",
        .pid = 42, .pid_start = 100,
    };
    PvNetworkRecord self = {
        .name = (char *)"n", .uuid = (char *)"u", .uri = (char *)"qemu:///system",
        .run = (char *)"r", .host = (char *)g_get_host_name(),
        .machine = (char *)pv_machine_id(), .boot = (char *)pv_boot_id(),
        .pid = getpid(), .pid_start = pv_process_start_time(getpid()),
    };

    g_assert_cmpint(pv_network_record_judge(&rec, "m1", "b1", probe_some), ==,
                    PV_NETWORK_OWNER_ALIVE);
    rec.pid_start = 99;
    g_assert_cmpint(pv_network_record_judge(&rec, "m1", "b1", probe_some), ==,
                    PV_NETWORK_OWNER_REUSED);
    rec.pid = 43;
    g_assert_cmpint(pv_network_record_judge(&rec, "m1", "b1", probe_some), ==,
                    PV_NETWORK_OWNER_GONE);
    /* A start time that cannot be read proves nothing. */
    rec.pid = 7;
    g_assert_cmpint(pv_network_record_judge(&rec, "m1", "b1", probe_some), ==,
                    PV_NETWORK_OWNER_ALIVE);
    /* Another machine or boot, or a record without them: its pid means nothing here. */
    rec.pid = 43;
    g_assert_cmpint(pv_network_record_judge(&rec, "m2", "b1", probe_some), ==,
                    PV_NETWORK_OWNER_UNKNOWN);
    g_assert_cmpint(pv_network_record_judge(&rec, "m1", "b2", probe_some), ==,
                    PV_NETWORK_OWNER_UNKNOWN);
    g_assert_cmpint(pv_network_record_judge(&rec, NULL, NULL, probe_some), ==,
                    PV_NETWORK_OWNER_UNKNOWN);
    rec.boot = NULL;
    g_assert_cmpint(pv_network_record_judge(&rec, "m1", "b1", probe_some), ==,
                    PV_NETWORK_OWNER_UNKNOWN);
    rec.machine = NULL;
    rec.boot = (char *)"b1";
    g_assert_cmpint(pv_network_record_judge(&rec, "m1", "b1", probe_some), ==,
                    PV_NETWORK_OWNER_UNKNOWN);

    /* On this machine: this process is alive; a pid that is gone is proof. */
    g_assert_nonnull(pv_machine_id());
    g_assert_nonnull(pv_boot_id());
    g_assert_cmpint(pv_network_record_owner(&self), ==, PV_NETWORK_OWNER_ALIVE);
    g_assert_true(pv_network_record_owner_maybe_alive(&self));
    self.pid_start++;
    g_assert_cmpint(pv_network_record_owner(&self), ==, PV_NETWORK_OWNER_REUSED);
    self.pid = G_MAXINT32;
    g_assert_cmpint(pv_network_record_owner(&self), ==, PV_NETWORK_OWNER_GONE);
    g_assert_false(pv_network_record_owner_maybe_alive(&self));
    /* The same record from another boot: unknown, so not removed. */
    self.boot = (char *)"00000000-0000-0000-0000-000000000000";
    g_assert_true(pv_network_record_owner_maybe_alive(&self));
    /* What provium clean decides with that judgement. */
    self.boot = (char *)pv_boot_id();
    g_assert_cmpint(pv_clean_network_decide(&self, "qemu:///system", NULL,
                                            pv_network_record_owner_maybe_alive, FALSE), ==,
                    PV_CLEAN_REMOVE);
    self.pid = getpid();
    self.pid_start = pv_process_start_time(getpid());
    g_assert_cmpint(pv_clean_network_decide(&self, "qemu:///system", NULL,
                                            pv_network_record_owner_maybe_alive, FALSE), ==,
                    PV_CLEAN_SKIP_RUNNING);
}

static char *
make_record_dir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("pv-records-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

static void
remove_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        g_unlink(path);
    }
    g_rmdir(dir);
}

static void
test_records(void)
{
    g_autofree char *dir = make_record_dir();
    g_autofree char *uuid = g_uuid_string_random();
    g_autofree char *other_uuid = g_uuid_string_random();
    g_autofree char *data = NULL;
    g_autofree char *stray = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(PvNetworkRecord) parsed = { 0 };
    PvNetworkRecord rec = {
        .name = (char *)"pv-a-x-lan", .uuid = uuid, .bridge = (char *)"pv-0123456789",
        .uri = (char *)"test:///default", .run = (char *)"r1", .prefix = (char *)"pv-a-",
        .file = (char *)"/t/x y.test.lua", .net = (char *)"lan",
        .host = (char *)g_get_host_name(), .machine = (char *)pv_machine_id(),
        .boot = (char *)pv_boot_id(), .pid = getpid(),
        .pid_start = pv_process_start_time(getpid()),
    };
    PvNetworkRecord dead = rec;
    const PvNetworkRecord *got;

    g_assert_cmpuint(rec.pid_start, >, 0);
    data = pv_network_record_to_data(&rec);
    g_assert_true(pv_network_record_parse(data, &parsed, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(parsed.file, ==, "/t/x y.test.lua");
    g_assert_cmpstr(parsed.machine, ==, pv_machine_id());
    g_assert_cmpstr(parsed.boot, ==, pv_boot_id());
    g_assert_cmpint(parsed.pid, ==, getpid());
    g_assert_false(pv_network_record_parse("[network]\nname=x\n", &parsed, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_clear_error(&error);

    /* This process made it: alive; the same pid started at another time
     * (a recycled pid) or a pid that is gone: dead. */
    g_assert_true(pv_network_record_owner_alive(&rec));
    dead.pid_start = rec.pid_start + 1;
    g_assert_false(pv_network_record_owner_alive(&dead));
    dead.pid = G_MAXINT32;
    g_assert_false(pv_network_record_owner_alive(&dead));

    g_assert_true(pv_network_record_write(dir, &rec, &error));
    g_assert_no_error(error);
    /* Not records: a temporary file, a record under another UUID's name. */
    stray = g_build_filename(dir, "x.network.tmp-1", NULL);
    g_assert_true(g_file_set_contents(stray, data, -1, NULL));
    g_free(stray);
    stray = g_strdup_printf("%s/%s.network", dir, other_uuid);
    g_assert_true(g_file_set_contents(stray, data, -1, NULL));
    records = pv_network_record_list(dir, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(records->len, ==, 1);
    got = records->pdata[0];
    g_assert_cmpstr(got->uuid, ==, uuid);
    g_assert_cmpstr(got->bridge, ==, "pv-0123456789");
    g_assert_cmpuint(got->pid_start, ==, rec.pid_start);

    g_assert_true(pv_network_record_remove(dir, uuid, &error));
    g_assert_true(pv_network_record_remove(dir, uuid, &error));
    g_assert_no_error(error);
    g_assert_false(pv_network_record_remove(dir, "../../etc/passwd", &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_clear_error(&error);

    /* A directory everyone may write is not trusted. */
    g_assert_cmpint(chmod(dir, 0777), ==, 0);
    g_assert_null(pv_network_record_list(dir, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "writable by everyone"));
    g_clear_error(&error);
    g_assert_false(pv_network_record_write(dir, &rec, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_IO);
    g_assert_cmpint(chmod(dir, 0700), ==, 0);
    remove_dir(dir);
}

static gboolean
network_exists(virConnect *conn, const char *name)
{
    g_autoptr(virNetwork) net = virNetworkLookupByName(conn, name);

    virResetLastError();
    return net != NULL;
}

typedef struct {
    guint removed;
    guint kept;
    guint gone;
    guint elsewhere;
} NetworkTally;

static void
count_network(const PvNetworkRecord *record, PvCleanDecision decision, gboolean existed,
              const GError *error, gpointer user_data)
{
    NetworkTally *tally = user_data;

    g_assert_no_error(error);
    if (decision == PV_CLEAN_REMOVE && existed)
        tally->removed++;
    else if (decision == PV_CLEAN_REMOVE)
        tally->gone++;
    else if (decision == PV_CLEAN_SKIP_RUNNING)
        tally->kept++;
    else if (decision == PV_CLEAN_SKIP_ELSEWHERE)
        tally->elsewhere++;
}

static void
test_clean_networks_test_driver(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = pv_libvirt_open("test:///default", &error);
    g_autoptr(PvNetworkInventory) inventory = pv_network_inventory_new();
    g_autoptr(PvNetworkPlan) plan = pv_network_plan_new("r", "pv-n-", "/t/x.test.lua", "x");
    g_autoptr(virNetwork) foreign = NULL;
    g_autofree char *dir = make_record_dir();
    g_autofree char *elsewhere_uuid = g_uuid_string_random();
    PvNetworkOptions options = { "192.168.70.0/24", NULL, FALSE, NULL };
    PvNetworkOptions with_host = { "192.168.71.0/24", "192.168.71.1", TRUE, NULL };
    PvNetwork *lan;
    PvNetwork *wan;
    PvNetworkRecord elsewhere = {
        .name = (char *)"pv-n-x-remote", .uuid = elsewhere_uuid,
        .uri = (char *)"qemu+ssh://elsewhere/system", .run = (char *)"r",
        .prefix = (char *)"pv-n-", .host = (char *)g_get_host_name(), .pid = 1,
    };
    NetworkTally tally = { 0 };
    guint removed;

    g_assert_no_error(error);
    g_assert_true(pv_network_inventory_add_host(inventory, conn, dir, &error));
    g_assert_no_error(error);
    /* The test driver's own network. */
    g_assert_true(g_hash_table_contains(inventory->networks, "default"));
    lan = pv_network_plan_add(plan, "lan", &options, inventory, &error);
    g_assert_no_error(error);
    wan = pv_network_plan_add(plan, "wan", &with_host, inventory, &error);
    g_assert_no_error(error);
    g_assert_true(pv_network_create(conn, plan, lan, dir, &error));
    g_assert_no_error(error);
    g_assert_true(pv_network_is_live(lan));
    g_assert_true(pv_network_create(conn, plan, wan, dir, &error));
    g_assert_no_error(error);
    g_assert_true(network_exists(conn, "pv-n-x-lan"));
    /* Named like ours, made by someone else: never touched. */
    foreign = virNetworkCreateXML(conn, "<network><name>pv-n-x-lan-foreign</name>"
                                  "<bridge name='foreign0'/></network>");
    g_assert_nonnull(foreign);
    /* A record of a network made through another URI. */
    g_assert_true(pv_network_record_write(dir, &elsewhere, &error));

    /* Its creator (this test) still runs: kept. */
    removed = pv_clean_networks(conn, dir, "pv-n-", FALSE, NULL, count_network, &tally,
                                &error);
    g_assert_no_error(error);
    g_assert_cmpuint(removed, ==, 0);
    g_assert_cmpuint(tally.kept, ==, 2);
    g_assert_cmpuint(tally.elsewhere, ==, 1);
    g_assert_true(network_exists(conn, "pv-n-x-lan"));

    /* Another prefix: nothing of ours. */
    memset(&tally, 0, sizeof(tally));
    removed = pv_clean_networks(conn, dir, "pv-o-", FALSE, record_never_alive, count_network,
                                &tally, &error);
    g_assert_cmpuint(removed, ==, 0);
    g_assert_cmpuint(tally.kept + tally.removed + tally.elsewhere, ==, 0);

    /* One gone behind provium's back: its record is just forgotten. */
    g_assert_true(pv_network_destroy(conn, wan, dir, &error));
    g_assert_no_error(error);
    g_assert_false(pv_network_is_live(wan));
    g_assert_true(pv_network_record_write(dir, &(PvNetworkRecord) {
        .name = (char *)pv_network_peek_name(wan), .uuid = (char *)pv_network_peek_uuid(wan),
        .uri = (char *)"test:///default", .run = (char *)"r", .prefix = (char *)"pv-n-",
        .pid = 1 }, &error));

    memset(&tally, 0, sizeof(tally));
    removed = pv_clean_networks(conn, dir, NULL, FALSE, record_never_alive, count_network,
                                &tally, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(removed, ==, 1);
    g_assert_cmpuint(tally.gone, ==, 1);
    g_assert_false(network_exists(conn, "pv-n-x-lan"));
    g_assert_true(network_exists(conn, "pv-n-x-lan-foreign"));
    g_assert_true(network_exists(conn, "default"));

    /* What is left: the other URI's record, nothing else. */
    {
        g_autoptr(GPtrArray) left = pv_network_record_list(dir, &error);

        g_assert_cmpuint(left->len, ==, 1);
        g_assert_cmpstr(((PvNetworkRecord *)left->pdata[0])->uuid, ==, elsewhere_uuid);
    }
    remove_dir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/clean/decide", test_decide);
    g_test_add_func("/clean/metadata/parse", test_metadata_parse);
    g_test_add_func("/clean/test-driver", test_clean_test_driver);
    g_test_add_func("/clean/network/decide", test_network_decide);
    g_test_add_func("/clean/network/records", test_records);
    g_test_add_func("/clean/network/owner", test_network_owner);
    g_test_add_func("/clean/network/test-driver", test_clean_networks_test_driver);
    return g_test_run();
}
