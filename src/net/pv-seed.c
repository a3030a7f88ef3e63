/*
 * pv-seed.c: a VM's cloud-init NoCloud seed: its files and its image
 *
 * cloud-init's NoCloud datasource reads a filesystem labelled "cidata"
 * (ISO 9660 or VFAT) with the files meta-data, user-data and, optionally,
 * network-config.  provium writes:
 *   - meta-data: instance-id (new for each boot, so cloud-init runs its
 *     per-instance modules again) and local-hostname (the VM's name), as
 *     JSON, which is YAML; the VM's own meta_data replaces those keys and
 *     adds its others;
 *   - network-config (version 2): each of the VM's NICs on the file's
 *     networks, matched by MAC address, with DHCP where the network gives
 *     the address by DHCP, else the address, the default route and DNS
 *     through the host where the network has them (NAT); the VM's own
 *     network_config replaces it whole; none when the VM has no NICs and
 *     gives none (cloud-init's fallback, DHCP on the first NIC);
 *   - user-data: the VM's, else its profile's file, else empty
 *     cloud-config.
 * The image is made in memory (util/pv-iso9660.c); the VM's boot hands it
 * to its host's storage (vm/pv-vm-seed.c).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pv-error.h"
#include "pv-iso9660.h"
#include "pv-seed.h"

/**
 * pv_seed_meta_data:
 * @over: (nullable): a JSON object: its members replace or join provium's
 *
 * Returns: (transfer full): meta-data's text, or NULL with @error set
 */
char *
pv_seed_meta_data(const char *instance_id, const char *hostname, const char *over,
                  GError **error)
{
    g_autoptr(JsonObject) object = json_object_new();
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autoptr(GError) local_error = NULL;
    g_autofree char *text = NULL;

    json_object_set_string_member(object, "instance-id", instance_id);
    json_object_set_string_member(object, "local-hostname", hostname);
    if (over) {
        JsonObject *given;
        JsonObjectIter iter;
        const char *name;
        JsonNode *node;

        parser = json_parser_new();
        if (!json_parser_load_from_data(parser, over, -1, &local_error) ||
            !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
            g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                        _("cloud_init: meta_data is not an object: %s"),
                        local_error ? local_error->message : over);
            return NULL;
        }
        given = json_node_get_object(json_parser_get_root(parser));
        json_object_iter_init(&iter, given);
        while (json_object_iter_next(&iter, &name, &node))
            json_object_set_member(object, name, json_node_copy(node));
    }
    json_node_set_object(root, object);
    json_generator_set_root(generator, root);
    json_generator_set_pretty(generator, TRUE);
    text = json_generator_to_data(generator, NULL);
    return g_strconcat(text, "\n", NULL);
}

/**
 * pv_seed_network_config:
 * @nics: (array length=n_nics)
 *
 * Network configuration version 2 for @nics: each matched by its MAC
 * address, DHCP or its address.
 * Returns: (transfer full): the text (YAML)
 */
char *
pv_seed_network_config(const PvNic *const *nics, guint n_nics)
{
    GString *text = g_string_new("# provium: the VM's NICs on its test file's networks\n"
                                 "version: 2\nethernets:\n");
    guint i;

    for (i = 0; i < n_nics; i++) {
        const PvNic *nic = nics[i];

        g_string_append_printf(text, "  provium%u:\n    match:\n      macaddress: \"%s\"\n",
                               i, nic->mac);
        if (nic->addressing == PV_NIC_ADDRESS_DHCP) {
            g_string_append(text, "    dhcp4: true\n");
            continue;
        }
        g_string_append_printf(text, "    dhcp4: false\n    addresses: [\"%s/%u\"]\n",
                               nic->ip, nic->prefix);
        if (nic->gateway)
            g_string_append_printf(text, "    routes:\n      - to: 0.0.0.0/0\n        via: %s\n"
                                   "    nameservers:\n      addresses: [%s]\n",
                                   nic->gateway, nic->gateway);
    }
    return g_string_free(text, FALSE);
}

/**
 * pv_seed_image:
 * @mtime: the files' time (seconds since the epoch)
 *
 * The seed: an ISO 9660 image labelled "cidata" with meta-data, user-data
 * and network-config.
 * Returns: (transfer full): the image, or NULL with @error set
 */
GBytes *
pv_seed_image(const PvSeedInputs *inputs, gint64 mtime, GError **error)
{
    g_autofree char *meta = pv_seed_meta_data(inputs->instance_id, inputs->hostname,
                                              inputs->meta_data, error);
    g_autofree char *net = NULL;
    g_autoptr(GBytes) meta_bytes = NULL;
    g_autoptr(GBytes) user_bytes = NULL;
    g_autoptr(GBytes) net_bytes = NULL;
    PvIsoFile files[3];
    guint n = 0;

    if (!meta)
        return NULL;
    if (inputs->network_config)
        net = g_strdup(inputs->network_config);
    else if (inputs->n_nics)
        net = pv_seed_network_config(inputs->nics, inputs->n_nics);
    meta_bytes = g_bytes_new(meta, strlen(meta));
    user_bytes = g_bytes_new(inputs->user_data, strlen(inputs->user_data));
    files[n++] = (PvIsoFile){ "meta-data", meta_bytes };
    files[n++] = (PvIsoFile){ "user-data", user_bytes };
    if (net) {
        net_bytes = g_bytes_new(net, strlen(net));
        files[n++] = (PvIsoFile){ "network-config", net_bytes };
    }
    return pv_iso9660_build(PV_SEED_VOLUME_ID, files, n, mtime);
}
