/*
 * test-clean.c: which domains and networks provium clean removes, and the
 * ownership records of networks
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-autocleanups.h"
#include "pv-clean.h"
#include "pv-domain-lease.h"
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

static gboolean
record_always_alive_fn(const PvNetworkRecord *record)
{
    return TRUE;
}

static gboolean
record_never_alive_fn(const PvNetworkRecord *record)
{
    return FALSE;
}

/* Who judges in these tests: machine m1 in boot b1, host h1, at 1000 s. */
static gboolean
probe_none(gint64 pid, guint64 *start)
{
    *start = 0;
    return FALSE;
}

static PvCleanHere
here_m1(PvPidAliveFunc alive)
{
    PvCleanHere here = {
        .owner = { .machine = "m1", .boot = "b1", .now = 1000, .probe = probe_none },
        .host = "h1",
        .alive = alive,
    };

    return here;
}

static void
test_decide(void)
{
    PvMetadata md = { (char *)"run1", (char *)"pv-a-", (char *)"/t/x.test.lua",
                      (char *)"web", (char *)"host1", 42 };
    PvMetadata no_run = { 0 };
    PvCleanHere host1 = here_m1(never_alive);
    PvCleanHere host1_alive = here_m1(always_alive);
    PvCleanHere host2_alive = here_m1(always_alive);

    host1.host = host1_alive.host = "host1";
    host2_alive.host = "host2";
    g_assert_cmpint(pv_clean_decide(NULL, "pv-a-x-web", NULL, &host1, FALSE, NULL), ==,
                    PV_CLEAN_SKIP_NOT_OURS);
    g_assert_cmpint(pv_clean_decide(&no_run, "pv-a-x-web", NULL, &host1, TRUE, NULL),
                    ==, PV_CLEAN_SKIP_NOT_OURS);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, &host1, FALSE, NULL), ==,
                    PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", "pv-a-", &host1, FALSE, NULL),
                    ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", "pv-b-", &host1, FALSE, NULL),
                    ==, PV_CLEAN_SKIP_PREFIX);
    /* The metadata's prefix and the name must both match. */
    g_assert_cmpint(pv_clean_decide(&md, "renamed", "pv-a-", &host1, FALSE, NULL),
                    ==, PV_CLEAN_SKIP_PREFIX);
    /* A VM restored from a fixture is named after its slot: its prefix is in its metadata. */
    g_assert_cmpint(pv_clean_decide(&md, "pvfx-3a9e21c4-5c1399e7e2a7-0", "pv-a-", &host1,
                                    FALSE, NULL), ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(pv_clean_decide(&md, "pvfx-3a9e21c4-5c1399e7e2a7-0", "pv-b-", &host1,
                                    FALSE, NULL), ==, PV_CLEAN_SKIP_PREFIX);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, &host1_alive, FALSE, NULL), ==,
                    PV_CLEAN_SKIP_RUNNING);
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, &host1_alive, TRUE, NULL), ==,
                    PV_CLEAN_REMOVE);
    /* An older provium's record (no machine id): a pid on another host says nothing. */
    g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", NULL, &host2_alive, FALSE, NULL), ==,
                    PV_CLEAN_REMOVE);
}

/* Pid 42 runs here, started at 100; pid 7 runs, its start unknown; no other. */
static gboolean
probe_some(gint64 pid, guint64 *start)
{
    *start = pid == 42 ? 100 : 0;
    return pid == 42 || pid == 7;
}

/*
 * Whether a run is over, from its domain's ownership record, judged on
 * machine m1 in boot b1 at 1000 s: by its process on the same machine and
 * boot, never after a reboot, by its lease from another machine, as before
 * for an older provium's record; --force removes whatever is provium's.
 */
static void
test_liveness(void)
{
    static const struct {
        const char *what;
        const char *machine;
        const char *boot;
        const char *host;
        gint64 pid;
        guint64 pid_start;
        gint64 renewed;
        gint64 expires;
        PvOwnerState state;
        PvCleanDecision decision;
    } cases[] = {
        { "same machine, its process runs", "m1", "b1", "h1", 42, 100, 990, 1290,
          PV_OWNER_RUNNING, PV_CLEAN_SKIP_RUNNING },
        { "same machine, its start time unknown", "m1", "b1", "h1", 7, 100, 990, 1290,
          PV_OWNER_RUNNING, PV_CLEAN_SKIP_RUNNING },
        { "same machine, its process is gone", "m1", "b1", "h1", 43, 100, 990, 1290,
          PV_OWNER_EXITED, PV_CLEAN_REMOVE },
        { "same machine, its pid is another process", "m1", "b1", "h1", 42, 99, 990, 1290,
          PV_OWNER_EXITED, PV_CLEAN_REMOVE },
        { "same machine, a stale lease but its process runs", "m1", "b1", "h1", 42, 100, 10,
          20, PV_OWNER_RUNNING, PV_CLEAN_SKIP_RUNNING },
        { "same machine, another boot, a fresh lease", "m1", "b0", "h1", 42, 100, 990, 1290,
          PV_OWNER_REBOOTED, PV_CLEAN_REMOVE },
        { "another machine, a fresh lease, its pid runs here", "m2", "b2", "h2", 42, 100,
          990, 1290, PV_OWNER_LEASED, PV_CLEAN_SKIP_RUNNING },
        { "another machine, a fresh lease, its pid gone here", "m2", "b2", "h2", 43, 100,
          990, 1290, PV_OWNER_LEASED, PV_CLEAN_SKIP_RUNNING },
        { "another machine, the lease ends now", "m2", "b2", "h2", 43, 0, 700, 1000,
          PV_OWNER_LEASED, PV_CLEAN_SKIP_RUNNING },
        { "another machine, a stale lease", "m2", "b2", "h2", 42, 100, 600, 900,
          PV_OWNER_EXPIRED, PV_CLEAN_REMOVE },
        { "another machine, the same boot id, a stale lease", "m2", "b1", "h1", 42, 100, 600,
          999, PV_OWNER_EXPIRED, PV_CLEAN_REMOVE },
        { "another machine, no lease", "m2", "b2", "h2", 43, 0, 0, 0,
          PV_OWNER_UNLEASED, PV_CLEAN_SKIP_RUNNING },
        { "a machine without an id, another boot, a fresh lease", "host:h1", "b0", "h1", 43,
          0, 990, 1290, PV_OWNER_LEASED, PV_CLEAN_SKIP_RUNNING },
        { "a machine without an id, another boot, a stale lease", "host:h1", "b0", "h1", 43,
          0, 600, 900, PV_OWNER_EXPIRED, PV_CLEAN_REMOVE },
        { "an older record, this host, its pid runs", NULL, NULL, "h1", 42, 0, 0, 0,
          PV_OWNER_OLD, PV_CLEAN_SKIP_RUNNING },
        { "an older record, this host, its pid gone", NULL, NULL, "h1", 43, 0, 0, 0,
          PV_OWNER_OLD, PV_CLEAN_REMOVE },
        { "an older record, another host", NULL, NULL, "h2", 42, 0, 0, 0,
          PV_OWNER_OLD, PV_CLEAN_REMOVE },
    };
    PvCleanHere here = here_m1(NULL);
    gsize i;

    here.owner.probe = probe_some;
    here.alive = NULL;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        PvMetadata md = {
            .run = (char *)"r", .prefix = (char *)"pv-a-", .host = (char *)cases[i].host,
            .pid = cases[i].pid, .machine = (char *)cases[i].machine,
            .boot = (char *)cases[i].boot, .pid_start = cases[i].pid_start,
            .renewed = cases[i].renewed, .expires = cases[i].expires,
        };
        PvOwner owner;
        PvOwnerState state = PV_OWNER_LAST;

        g_test_message("%s", cases[i].what);
        /* Older records: what decided before, a provium pid of this host. */
        here.alive = cases[i].pid == 42 ? always_alive : never_alive;
        pv_metadata_get_owner(&md, &owner);
        g_assert_cmpstr(pv_owner_state_to_string(pv_owner_judge(&owner, &here.owner)), ==,
                        pv_owner_state_to_string(cases[i].state));
        g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", "pv-a-", &here, FALSE, &state), ==,
                        cases[i].decision);
        g_assert_cmpint(state, ==, cases[i].state);
        g_assert_cmpint(pv_owner_state_is_over(state), ==,
                        cases[i].state != PV_OWNER_OLD &&
                        cases[i].decision == PV_CLEAN_REMOVE);
        /* --force: whatever is provium's goes. */
        g_assert_cmpint(pv_clean_decide(&md, "pv-a-x-web", "pv-a-", &here, TRUE, NULL), ==,
                        PV_CLEAN_REMOVE);
    }
}

/* The same judgement of a network, its lease the record's mtime and length. */
static void
test_network_liveness(void)
{
    PvNetworkRecord rec = {
        .name = (char *)"pv-a-x-lan", .uuid = (char *)"u", .uri = (char *)"qemu:///system",
        .run = (char *)"r", .prefix = (char *)"pv-a-", .host = (char *)"h2",
        .machine = (char *)"m2", .boot = (char *)"b2", .pid = 42, .pid_start = 100,
        .lease = 300, .renewed = 800,
    };
    PvCleanHere here = here_m1(never_alive);
    PvOwnerState state = PV_OWNER_LAST;

    here.owner.probe = probe_some;
    here.network_alive = record_always_alive_fn;
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, FALSE, &state),
                    ==, PV_CLEAN_SKIP_RUNNING);
    g_assert_cmpint(state, ==, PV_OWNER_LEASED);
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, TRUE, NULL),
                    ==, PV_CLEAN_REMOVE);
    rec.renewed = 699;
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, FALSE, &state),
                    ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(state, ==, PV_OWNER_EXPIRED);
    /* A record with no lease length (the provium before this one) has no lease. */
    rec.lease = 0;
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, FALSE, &state),
                    ==, PV_CLEAN_SKIP_RUNNING);
    g_assert_cmpint(state, ==, PV_OWNER_UNLEASED);
    /* This machine: its process decides, whatever the lease. */
    rec.machine = (char *)"m1";
    rec.boot = (char *)"b1";
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, FALSE, &state),
                    ==, PV_CLEAN_SKIP_RUNNING);
    g_assert_cmpint(state, ==, PV_OWNER_RUNNING);
    rec.pid = 43;
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, FALSE, &state),
                    ==, PV_CLEAN_REMOVE);
    g_assert_cmpint(state, ==, PV_OWNER_EXITED);
    /* An older record: what decided before (its host name and pid). */
    rec.machine = NULL;
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, FALSE, &state),
                    ==, PV_CLEAN_SKIP_RUNNING);
    g_assert_cmpint(state, ==, PV_OWNER_OLD);
    here.network_alive = record_never_alive_fn;
    g_assert_cmpint(pv_clean_network_judge(&rec, "qemu:///system", NULL, &here, FALSE, NULL),
                    ==, PV_CLEAN_REMOVE);
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

static gboolean
exists(virConnect *conn, const char *name)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(conn, name);

    virResetLastError();
    return dom != NULL;
}

/* A domain of a run of machine @machine, with a lease until @expires (0: none). */
static void
define_owned_domain(virConnect *conn, const char *name, const char *machine, gint64 expires)
{
    g_autoptr(virDomain) dom = NULL;
    g_autofree char *xml = g_strdup_printf(
        "<domain type='test'><name>%s</name><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>", name);
    g_autofree char *instance = g_strdup_printf(
        "<instance><run>r-%s</run><prefix>pv-c-</prefix><host>h-%s</host><pid>1</pid>"
        "<machine>%s</machine><boot>b-%s</boot><pid_start>5</pid_start></instance>",
        machine, machine, machine, machine);
    PvOwner owner = { .renewed = expires - 300, .expires = expires };
    g_autofree char *lease = pv_domain_lease_xml(&owner);

    dom = virDomainCreateXML(conn, xml, 0);
    g_assert_nonnull(dom);
    g_assert_cmpint(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, instance,
                                         "provium", PV_METADATA_URI, 0), ==, 0);
    if (expires)
        g_assert_cmpint(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, lease,
                                             PV_LEASE_PREFIX, PV_LEASE_URI,
                                             VIR_DOMAIN_AFFECT_LIVE), ==, 0);
}

typedef struct {
    guint kept_leased;
    guint kept_unleased;
    guint removed_expired;
} DomainTally;

static void
count_domain(const char *name, const PvMetadata *metadata, PvCleanDecision decision,
             PvOwnerState state, const GError *error, gpointer user_data)
{
    DomainTally *tally = user_data;

    g_assert_no_error(error);
    if (decision == PV_CLEAN_SKIP_RUNNING && state == PV_OWNER_LEASED)
        tally->kept_leased++;
    else if (decision == PV_CLEAN_SKIP_RUNNING && state == PV_OWNER_UNLEASED)
        tally->kept_unleased++;
    else if (decision == PV_CLEAN_REMOVE && state == PV_OWNER_EXPIRED)
        tally->removed_expired++;
}

/*
 * provium clean on machine m1, on libvirt's test driver: domains of runs of
 * other machines stay while their lease holds (or when they have none),
 * and go once it has run out or with --force.
 */
static void
test_clean_other_machine(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = pv_libvirt_open("test:///default", &error);
    PvCleanHere here = here_m1(never_alive);
    DomainTally tally = { 0 };

    g_assert_no_error(error);
    define_owned_domain(conn, "pv-c-fresh", "m2", 1290);
    define_owned_domain(conn, "pv-c-stale", "m3", 900);
    define_owned_domain(conn, "pv-c-unleased", "m4", 0);

    g_assert_cmpuint(pv_clean_domains(conn, "pv-c-", FALSE, &here, count_domain, &tally,
                                      &error), ==, 1);
    g_assert_no_error(error);
    g_assert_cmpuint(tally.kept_leased, ==, 1);
    g_assert_cmpuint(tally.kept_unleased, ==, 1);
    g_assert_cmpuint(tally.removed_expired, ==, 1);
    g_assert_true(exists(conn, "pv-c-fresh"));
    g_assert_false(exists(conn, "pv-c-stale"));
    g_assert_true(exists(conn, "pv-c-unleased"));

    /* Later, the fresh one's lease has run out too. */
    here.owner.now = 1291;
    memset(&tally, 0, sizeof(tally));
    g_assert_cmpuint(pv_clean_domains(conn, "pv-c-", FALSE, &here, count_domain, &tally,
                                      &error), ==, 1);
    g_assert_cmpuint(tally.removed_expired, ==, 1);
    g_assert_false(exists(conn, "pv-c-fresh"));
    g_assert_true(exists(conn, "pv-c-unleased"));
    g_assert_cmpuint(pv_clean_domains(conn, "pv-c-", TRUE, &here, NULL, NULL, &error), ==, 1);
    g_assert_false(exists(conn, "pv-c-unleased"));
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

static void
test_clean_test_driver(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = pv_libvirt_open("test:///default", &error);
    PvCleanHere here = here_m1(never_alive);
    guint removed;

    g_assert_no_error(error);
    define_domain(conn, "pv-c-mine-running", TRUE, TRUE);
    define_domain(conn, "pv-c-mine-defined", TRUE, FALSE);
    /* Named like ours, but without provium's metadata: not ours. */
    define_domain(conn, "pv-c-impostor", FALSE, TRUE);
    define_domain(conn, "pv-d-other-run", TRUE, FALSE);

    removed = pv_clean_domains(conn, "pv-c-", FALSE, &here, NULL, NULL, &error);
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
        .lease = 300,
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

    /* Its lease: the record's length from the file's mtime, which its run renews. */
    g_assert_cmpint(got->lease, ==, 300);
    g_assert_cmpint(got->renewed, >, 1000);
    {
        g_autofree char *path = g_strdup_printf("%s/%s.network", dir, uuid);
        struct timespec old_times[2] = { { 1000, 0 }, { 1000, 0 } };
        PvOwner self = { .machine = rec.machine, .boot = rec.boot, .pid = rec.pid,
                         .pid_start = rec.pid_start };
        PvOwner other = self;
        g_autoptr(GPtrArray) again = NULL;
        PvOwner owner;

        g_assert_cmpint(utimensat(AT_FDCWD, path, old_times, 0), ==, 0);
        other.pid_start++;
        g_assert_cmpuint(pv_network_record_renew(dir, &other), ==, 0);
        again = pv_network_record_list(dir, &error);
        g_assert_cmpint(((PvNetworkRecord *)again->pdata[0])->renewed, ==, 1000);
        pv_network_record_get_owner(again->pdata[0], &owner);
        g_assert_cmpint(owner.expires, ==, 1300);
        g_clear_pointer(&again, g_ptr_array_unref);
        g_assert_cmpuint(pv_network_record_renew(dir, &self), ==, 1);
        again = pv_network_record_list(dir, &error);
        g_assert_cmpint(((PvNetworkRecord *)again->pdata[0])->renewed, >,
                        g_get_real_time() / G_USEC_PER_SEC - 60);
    }

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
count_network(const PvNetworkRecord *record, PvCleanDecision decision, PvOwnerState state,
              gboolean existed, const GError *error, gpointer user_data)
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
    PvCleanHere gone;
    guint removed;

    /* This machine, where no process runs any more. */
    pv_clean_here_init(&gone);
    gone.owner.probe = probe_none;
    gone.network_alive = record_never_alive;
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
    removed = pv_clean_networks(conn, dir, "pv-o-", FALSE, &gone, count_network, &tally,
                                &error);
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
    removed = pv_clean_networks(conn, dir, NULL, FALSE, &gone, count_network, &tally,
                                &error);
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

/* The volumes of provium's pool that are a domain's, and which domain. */
static void
test_volume_domain(void)
{
    static const struct {
        const char *volume;
        const char *prefix;
        const char *domain;
    } cases[] = {
        { "pv1-f-vm.qcow2", NULL, "pv1-f-vm" },
        { "pv1-f-vm.console.log", NULL, "pv1-f-vm" },
        { "pv1-f-vm.console.log.0", NULL, "pv1-f-vm" },
        { "pv1-f-vm.seed.iso", NULL, "pv1-f-vm" },
        { "pv1-f-vm.seed.iso", "pv1-", "pv1-f-vm" },
        { "pv1-f-vm.seed.iso", "pv2-", NULL },
        { "pv1-f-vm.VARS.fd", NULL, "pv1-f-vm" },
        /* a fixture slot's files are the fixture cache's, not a domain's */
        { "pvfx-0a1b2c3d-3fa9c1e2b4d5-0.fixture-memory-state", NULL, NULL },
        { "pvfx-0a1b2c3d-3fa9c1e2b4d5-0.fixture-disk-qcow2", NULL, NULL },
        { "sha256-0123abcd", NULL, NULL },
        { "pv1-f-vm.raw", NULL, NULL },
        { ".qcow2", NULL, NULL },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *domain = pv_clean_volume_domain(cases[i].volume, cases[i].prefix);

        g_assert_cmpstr(domain, ==, cases[i].domain);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/clean/decide", test_decide);
    g_test_add_func("/clean/liveness", test_liveness);
    g_test_add_func("/clean/network/liveness", test_network_liveness);
    g_test_add_func("/clean/other-machine", test_clean_other_machine);
    g_test_add_func("/clean/metadata/parse", test_metadata_parse);
    g_test_add_func("/clean/test-driver", test_clean_test_driver);
    g_test_add_func("/clean/network/decide", test_network_decide);
    g_test_add_func("/clean/network/records", test_records);
    g_test_add_func("/clean/network/owner", test_network_owner);
    g_test_add_func("/clean/network/test-driver", test_clean_networks_test_driver);
    g_test_add_func("/clean/volume-domain", test_volume_domain);
    return g_test_run();
}
