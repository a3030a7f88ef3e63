/*
 * pv-clean.c: finding and removing the domains and networks provium created
 *
 * A domain is provium's only if it carries provium's <metadata> element; a
 * network only if provium recorded it (pv-network-record.c: libvirt 9.0
 * networks have no metadata) and libvirt still has it under the recorded
 * UUID and name.  Names are never enough.  What belongs to a run still going
 * is left alone unless forced, so cleaning up after one run cannot break
 * another: whether it goes on is its ownership record's to say
 * (util/pv-owner.c): on the machine and in the boot that made it, by its
 * process; from another machine, by the lease the run keeps fresh in its
 * domains' metadata (pv-domain-lease.c) and its network records.  Records
 * of an older provium, without a machine id, are judged as they were: by
 * host name and pid.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <signal.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-clean.h"
#include "pv-domain-lease.h"
#include "pv-domain-list.h"
#include "pv-error.h"
#include "pv-fixture-store.h"
#include "pv-libvirt.h"
#include "pv-network-host.h"
#include "pv-template.h"

void
pv_metadata_clear(PvMetadata *metadata)
{
    g_clear_pointer(&metadata->run, g_free);
    g_clear_pointer(&metadata->prefix, g_free);
    g_clear_pointer(&metadata->file, g_free);
    g_clear_pointer(&metadata->vm, g_free);
    g_clear_pointer(&metadata->host, g_free);
    g_clear_pointer(&metadata->machine, g_free);
    g_clear_pointer(&metadata->boot, g_free);
    metadata->pid = 0;
    metadata->pid_start = 0;
    metadata->renewed = 0;
    metadata->expires = 0;
}

/**
 * pv_metadata_parse:
 * @xml: provium's metadata element, as virDomainGetMetadata() returns it
 *   (libvirt drops the namespace: the URI already selected the element)
 * @metadata: (out caller-allocates): filled on success
 */
gboolean
pv_metadata_parse(const char *xml, PvMetadata *metadata, GError **error)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(xml, strlen(xml), "metadata.xml", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    xmlNode *root;
    xmlNode *child;

    memset(metadata, 0, sizeof(*metadata));
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || !xmlStrEqual(root->name, BAD_CAST "instance") ||
        (root->ns && !xmlStrEqual(root->ns->href, BAD_CAST PV_METADATA_URI))) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_LIBVIRT,
                            _("not provium's domain metadata"));
        return FALSE;
    }
    for (child = root->children; child; child = child->next) {
        g_autoptr(PvXmlString) text = NULL;

        if (child->type != XML_ELEMENT_NODE)
            continue;
        text = xmlNodeGetContent(child);
        if (xmlStrEqual(child->name, BAD_CAST "run"))
            metadata->run = g_strdup((const char *)text);
        else if (xmlStrEqual(child->name, BAD_CAST "prefix"))
            metadata->prefix = g_strdup((const char *)text);
        else if (xmlStrEqual(child->name, BAD_CAST "file"))
            metadata->file = g_strdup((const char *)text);
        else if (xmlStrEqual(child->name, BAD_CAST "vm"))
            metadata->vm = g_strdup((const char *)text);
        else if (xmlStrEqual(child->name, BAD_CAST "host"))
            metadata->host = g_strdup((const char *)text);
        else if (xmlStrEqual(child->name, BAD_CAST "pid"))
            metadata->pid = g_ascii_strtoll((const char *)text, NULL, 10);
        else if (xmlStrEqual(child->name, BAD_CAST "machine"))
            metadata->machine = g_strdup((const char *)text);
        else if (xmlStrEqual(child->name, BAD_CAST "boot"))
            metadata->boot = g_strdup((const char *)text);
        else if (xmlStrEqual(child->name, BAD_CAST "pid_start"))
            metadata->pid_start = g_ascii_strtoull((const char *)text, NULL, 10);
    }
    return TRUE;
}

/**
 * pv_metadata_get:
 *
 * Returns: whether @entry carries provium's metadata; @metadata is filled
 *   when it does, with its lease when it has one
 */
gboolean
pv_metadata_get(const PvDomainEntry *entry, PvMetadata *metadata)
{
    if (!entry->metadata) {
        memset(metadata, 0, sizeof(*metadata));
        return FALSE;
    }
    if (!pv_metadata_parse(entry->metadata, metadata, NULL))
        return FALSE;
    pv_domain_lease_parse(entry->lease, &metadata->renewed, &metadata->expires);
    return TRUE;
}

/**
 * pv_metadata_get_owner:
 * @owner: (out caller-allocates): borrows @metadata's strings
 */
void
pv_metadata_get_owner(const PvMetadata *metadata, PvOwner *owner)
{
    memset(owner, 0, sizeof(*owner));
    owner->machine = metadata->machine;
    owner->boot = metadata->boot;
    owner->host = metadata->host;
    owner->pid = metadata->pid;
    owner->pid_start = metadata->pid_start;
    owner->renewed = metadata->renewed;
    owner->expires = metadata->expires;
}

/**
 * pv_clean_here_init:
 *
 * This machine, this boot, now; its processes, and for older records the
 * checks of before (pv_clean_pid_is_provium(),
 * pv_network_record_owner_alive()).
 */
void
pv_clean_here_init(PvCleanHere *here)
{
    pv_owner_here_init(&here->owner);
    here->host = g_get_host_name();
    here->alive = pv_clean_pid_is_provium;
    here->network_alive = pv_network_record_owner_alive;
}

/**
 * pv_clean_pid_is_provium:
 *
 * Whether a provium process with @pid runs on this machine.
 */
gboolean
pv_clean_pid_is_provium(gint64 pid)
{
    g_autofree char *comm_path = NULL;
    g_autofree char *comm = NULL;

    if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno != EPERM))
        return FALSE;
    comm_path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/comm", pid);
    if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
        return TRUE;  /* alive; cannot tell what it is: be careful */
    return g_str_has_prefix(comm, "provium") || g_str_has_prefix(comm, "lt-provium");
}

/**
 * pv_clean_decide:
 * @metadata: (nullable): NULL when the domain has no provium metadata
 * @prefix: (nullable): only domains of this prefix
 * @here: who judges whether its run is over
 * @state: (out) (optional): what its owner is, seen from @here (set when
 *   the domain is provium's and of @prefix)
 *
 * Pure but for @here's probes: what `provium clean` does with one domain.
 * With @prefix, the domain's metadata must name that prefix and its name
 * start with it, or, for a VM restored from a fixture, with a fixture
 * slot's prefix.  Its run's record decides (pv_owner_judge()): a run of
 * this machine and boot by its process, of another boot of this machine
 * never, of another machine by its lease; a record without a machine id,
 * as before: a pid of this host name that runs provium.
 */
PvCleanDecision
pv_clean_decide(const PvMetadata *metadata, const char *name, const char *prefix,
                const PvCleanHere *here, gboolean force, PvOwnerState *state)
{
    PvOwner owner;
    PvOwnerState judged;
    gboolean live;

    if (!metadata || !metadata->run)
        return PV_CLEAN_SKIP_NOT_OURS;
    if (prefix && (g_strcmp0(metadata->prefix, prefix) != 0 ||
                   !(g_str_has_prefix(name, prefix) ||
                     g_str_has_prefix(name, PV_FIXTURE_DOMAIN_PREFIX))))
        return PV_CLEAN_SKIP_PREFIX;
    pv_metadata_get_owner(metadata, &owner);
    judged = pv_owner_judge(&owner, &here->owner);
    if (judged == PV_OWNER_OLD)
        live = g_strcmp0(metadata->host, here->host) == 0 && here->alive(metadata->pid);
    else
        live = !pv_owner_state_is_over(judged);
    if (state)
        *state = judged;
    return !force && live ? PV_CLEAN_SKIP_RUNNING : PV_CLEAN_REMOVE;
}

/**
 * pv_clean_domains:
 * @prefix: (nullable): only this run prefix
 * @force: also domains of provium runs still going
 * @here: (nullable): who judges whether a run is over; NULL: this machine
 *   now (pv_clean_here_init())
 * @report: called for every provium domain (not for others)
 *
 * Destroys and undefines provium's domains on @conn.
 * Returns: how many were removed; @error is set only when the domains could
 *   not be listed
 */
guint
pv_clean_domains(virConnect *conn, const char *prefix, gboolean force, const PvCleanHere *here,
                 PvCleanReportFunc report, gpointer user_data, GError **error)
{
    g_autoptr(GPtrArray) domains = pv_domain_list(conn, error);
    PvCleanHere now;
    guint removed = 0;
    guint i;

    if (!domains)
        return 0;
    if (!here) {
        pv_clean_here_init(&now);
        here = &now;
    }
    for (i = 0; i < domains->len; i++) {
        g_auto(PvMetadata) metadata = { 0 };
        g_autoptr(GError) local_error = NULL;
        const char *name = ((PvDomainEntry *)domains->pdata[i])->name;
        gboolean ours = pv_metadata_get(domains->pdata[i], &metadata);
        PvOwnerState state = PV_OWNER_OLD;
        PvCleanDecision decision = pv_clean_decide(ours ? &metadata : NULL, name, prefix,
                                                   here, force, &state);

        if (decision == PV_CLEAN_REMOVE) {
            if (pv_domain_entry_remove(domains->pdata[i], &local_error))
                removed++;
        }
        if (ours && report)
            report(name, &metadata, decision, state, local_error, user_data);
    }
    return removed;
}

/**
 * pv_clean_network_decide:
 * @uri: the URI `provium clean` is connected to (virConnectGetURI())
 * @prefix: (nullable): only networks of this prefix
 * @alive: whether the run that made a network still goes
 *
 * Pure: what `provium clean` does with one recorded network.
 */
PvCleanDecision
pv_clean_network_decide(const PvNetworkRecord *record, const char *uri, const char *prefix,
                        PvNetworkAliveFunc alive, gboolean force)
{
    if (prefix && (g_strcmp0(record->prefix, prefix) != 0 ||
                   !g_str_has_prefix(record->name, prefix)))
        return PV_CLEAN_SKIP_PREFIX;
    if (g_strcmp0(record->uri, uri) != 0)
        return PV_CLEAN_SKIP_ELSEWHERE;
    if (!force && alive(record))
        return PV_CLEAN_SKIP_RUNNING;
    return PV_CLEAN_REMOVE;
}

/**
 * pv_clean_network_judge:
 * @uri: the URI `provium clean` is connected to (virConnectGetURI())
 * @prefix: (nullable): only networks of this prefix
 * @here: who judges whether its run is over
 * @state: (out) (optional): what its maker is, seen from @here (set when
 *   the record is of @prefix and @uri)
 *
 * What `provium clean` does with one recorded network: as
 * pv_clean_decide() with a domain, its record's owner and lease
 * (pv_network_record_get_owner()) deciding whether its run is over.
 */
PvCleanDecision
pv_clean_network_judge(const PvNetworkRecord *record, const char *uri, const char *prefix,
                       const PvCleanHere *here, gboolean force, PvOwnerState *state)
{
    PvOwner owner;
    PvOwnerState judged;
    gboolean live;

    if (prefix && (g_strcmp0(record->prefix, prefix) != 0 ||
                   !g_str_has_prefix(record->name, prefix)))
        return PV_CLEAN_SKIP_PREFIX;
    if (g_strcmp0(record->uri, uri) != 0)
        return PV_CLEAN_SKIP_ELSEWHERE;
    pv_network_record_get_owner(record, &owner);
    judged = pv_owner_judge(&owner, &here->owner);
    if (judged == PV_OWNER_OLD)
        live = here->network_alive(record);
    else
        live = !pv_owner_state_is_over(judged);
    if (state)
        *state = judged;
    return !force && live ? PV_CLEAN_SKIP_RUNNING : PV_CLEAN_REMOVE;
}

/**
 * pv_clean_networks:
 * @record_dir: where the ownership records are
 * @prefix: (nullable): only this run prefix
 * @force: also networks of provium runs still going
 * @here: (nullable): who judges whether a run is over; NULL: this machine
 *   now (pv_clean_here_init())
 * @report: called for every recorded network
 *
 * Destroys the networks provium recorded on @conn's host whose run is over,
 * and forgets the records of those already gone.  Call it after
 * pv_clean_domains(): a network goes after the domains on it.
 * Returns: how many networks were destroyed; @error is set only when the
 *   records could not be read
 */
guint
pv_clean_networks(virConnect *conn, const char *record_dir, const char *prefix,
                  gboolean force, const PvCleanHere *here, PvCleanNetworkReportFunc report,
                  gpointer user_data, GError **error)
{
    g_autoptr(GPtrArray) records = pv_network_record_list(record_dir, error);
    g_autofree char *uri = pv_libvirt_get_uri(conn, NULL);
    PvCleanHere now;
    guint removed = 0;
    guint i;

    if (!records)
        return 0;
    if (!here) {
        pv_clean_here_init(&now);
        here = &now;
    }
    for (i = 0; i < records->len; i++) {
        const PvNetworkRecord *record = records->pdata[i];
        g_autoptr(GError) local_error = NULL;
        gboolean existed = FALSE;
        PvOwnerState state = PV_OWNER_OLD;
        PvCleanDecision decision = pv_clean_network_judge(record, uri, prefix, here, force,
                                                          &state);

        if (decision == PV_CLEAN_REMOVE &&
            pv_network_destroy_recorded(conn, record, record_dir, &existed, &local_error) &&
            existed)
            removed++;
        if (report)
            report(record, decision, state, existed, local_error, user_data);
    }
    return removed;
}

/**
 * pv_clean_check_prefix_free:
 * @force: remove provium's domains of @prefix first (--force)
 *
 * A run refuses to share a prefix with domains that already exist on its
 * host: they belong to another run (or an earlier one that left them), and
 * names would clash.  --force removes them first, if they are provium's; a
 * domain provium did not create is never touched.  Where the domains cannot
 * be listed, the prefix counts as free.
 */
gboolean
pv_clean_check_prefix_free(virConnect *conn, const char *prefix, gboolean force,
                           GError **error)
{
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GString) taken = g_string_new(NULL);
    g_autofree char *foreign = NULL;
    guint count = 0;
    guint i;

    if (force && pv_clean_domains(conn, prefix, TRUE, NULL, NULL, NULL, error) == 0 &&
        error && *error)
        return FALSE;
    domains = pv_domain_list(conn, NULL);
    for (i = 0; domains && i < domains->len; i++) {
        const PvDomainEntry *entry = domains->pdata[i];
        const char *name = entry->name;
        g_auto(PvMetadata) metadata = { 0 };

        if (name && g_str_has_prefix(name, prefix)) {
            if (!foreign && !pv_metadata_get(entry, &metadata))
                foreign = g_strdup(name);
            if (count < 5)
                g_string_append_printf(taken, "%s%s", count ? ", " : "", name);
            count++;
        }
    }
    if (count == 0)
        return TRUE;
    if (foreign)
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("domain '%s' has the prefix '%s' but provium did not create it; "
                      "choose another --prefix"), foreign, prefix);
    else
        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    g_dngettext(GETTEXT_PACKAGE,
                                "%u domain with prefix '%s' already exists (%s%s); remove it "
                                "with --force or 'provium clean --prefix %s', or choose another "
                                "--prefix",
                                "%u domains with prefix '%s' already exist (%s%s); remove them "
                                "with --force or 'provium clean --prefix %s', or choose another "
                                "--prefix", count),
                    count, prefix, taken->str, count > 5 ? ", ..." : "", prefix);
    return FALSE;
}
