/*
 * pv-agent.c: the QEMU guest agent protocol, through libvirt
 *
 * Commands go through virDomainQemuAgentCommand() as JSON built and parsed
 * with json-glib.  Data travels base64-encoded, so commands and files are
 * binary-safe.  A command runs with guest-exec and is polled with
 * guest-exec-status, backing off from a few milliseconds, so short commands
 * return fast and long ones cost little.  The replies are read in
 * pv-agent-reply.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt-qemu.h>
#include <string.h>

#define PV_AGENT_PRIVATE
#include "pv-agent-private.h"
#include "pv-error.h"
#include "pv-libvirt.h"
#include "pv-text.h"
#include "pv-units.h"

/* Seconds libvirt waits for one agent reply. */
#define PV_AGENT_CALL_TIMEOUT 30
/*
 * Bytes per guest-file-write call: qemu-ga (7.2) stops answering when one
 * write request is much larger (256 KiB was seen to wedge it for the whole
 * call timeout).  Reads have no such trouble.
 */
#define PV_AGENT_WRITE_CHUNK (48 * 1024)
#define PV_AGENT_READ_CHUNK (1024 * 1024)
#define PV_AGENT_POLL_FIRST_US 2000
#define PV_AGENT_POLL_MAX_US 50000

void
pv_agent_exec_result_clear(PvAgentExecResult *result)
{
    g_clear_pointer(&result->out, g_bytes_unref);
    g_clear_pointer(&result->err, g_bytes_unref);
}

static gboolean pv_agent_is_disabled(virDomain *dom, const char *command);

/*
 * Sends {"execute": @command, "arguments": @arguments} and returns the
 * reply's text, for a pv_agent_parse_*() function.  A command the guest's
 * qemu-ga has disabled fails saying so and where to allow it (guest-info
 * says which are; libvirt's error does not tell).
 */
static char *
pv_agent_call(virDomain *dom, const char *command, JsonNode *arguments, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) request = NULL;
    g_autofree char *text = NULL;
    char *reply;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "execute");
    json_builder_add_string_value(builder, command);
    if (arguments) {
        json_builder_set_member_name(builder, "arguments");
        /* The builder takes a reference; @arguments stays the caller's. */
        json_builder_add_value(builder, json_node_ref(arguments));
    }
    json_builder_end_object(builder);
    request = json_builder_get_root(builder);
    text = json_to_string(request, FALSE);

    reply = virDomainQemuAgentCommand(dom, text, PV_AGENT_CALL_TIMEOUT, 0);
    if (!reply) {
        /* An agent that did not answer at all would not answer guest-info either. */
        int code = virGetLastErrorCode();
        gboolean answered = code != VIR_ERR_AGENT_UNRESPONSIVE && code != VIR_ERR_AGENT_UNSYNCED;

        pv_libvirt_set_error_code(error, PV_ERROR_GUEST, _("guest agent command %s failed"),
                                  command);
        if (answered && !g_str_equal(command, "guest-info") &&
            pv_agent_is_disabled(dom, command)) {
            g_clear_error(error);
            g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                        _("the guest agent refuses %s: it is disabled in the guest's qemu-ga "
                          "(--block-rpcs or --allow-rpcs, in /etc/qemu/qemu-ga.conf or, on "
                          "RHEL, /etc/sysconfig/qemu-ga): allow it there"), command);
        }
        return NULL;
    }
    return reply;
}

/* Whether the guest's qemu-ga says @command is disabled; FALSE when it cannot tell. */
static gboolean
pv_agent_is_disabled(virDomain *dom, const char *command)
{
    g_autofree char *reply = pv_agent_call(dom, "guest-info", NULL, NULL);
    gboolean disabled = FALSE;

    virResetLastError();
    return reply && pv_agent_parse_disabled(reply, command, &disabled, NULL) && disabled;
}

static gboolean
pv_agent_go_on(const PvAgentContext *ctx, GError **error)
{
    if (!pv_wake_check(ctx->wake, error))
        return FALSE;
    return !ctx->check || ctx->check(ctx->check_data, error);
}

static void
pv_agent_kill(virDomain *dom, gint64 pid)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autofree char *pid_text = g_strdup_printf("%" G_GINT64_FORMAT, pid);
    g_autoptr(JsonNode) args = NULL;
    g_autofree char *reply = NULL;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "path");
    json_builder_add_string_value(builder, "kill");
    json_builder_set_member_name(builder, "arg");
    json_builder_begin_array(builder);
    json_builder_add_string_value(builder, "-9");
    json_builder_add_string_value(builder, pid_text);
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    args = json_builder_get_root(builder);
    /* Best effort: the agent has no command to kill what it started. */
    reply = pv_agent_call(dom, "guest-exec", args, NULL);
}

/**
 * pv_agent_exec:
 * @result: (out caller-allocates): filled on success
 *
 * Runs a program in the guest and collects its exit status and output.  A
 * program still running at @exec->deadline is killed and reported with
 * timed_out; that is not an error.
 */
gboolean
pv_agent_exec(virDomain *dom, const PvAgentContext *ctx, const PvAgentExec *exec,
              PvAgentExecResult *result, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) args = NULL;
    g_autofree char *reply = NULL;
    gint64 pid;
    gint64 interval = PV_AGENT_POLL_FIRST_US;
    gsize i;

    memset(result, 0, sizeof(*result));

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "path");
    json_builder_add_string_value(builder, exec->path);
    json_builder_set_member_name(builder, "arg");
    json_builder_begin_array(builder);
    for (i = 0; exec->args && exec->args[i]; i++)
        json_builder_add_string_value(builder, exec->args[i]);
    json_builder_end_array(builder);
    if (exec->env) {
        json_builder_set_member_name(builder, "env");
        json_builder_begin_array(builder);
        for (i = 0; exec->env[i]; i++)
            json_builder_add_string_value(builder, exec->env[i]);
        json_builder_end_array(builder);
    }
    if (exec->input && g_bytes_get_size(exec->input) > 0) {
        gsize len;
        const guchar *data = g_bytes_get_data(exec->input, &len);
        g_autofree char *b64 = g_base64_encode(data, len);

        json_builder_set_member_name(builder, "input-data");
        json_builder_add_string_value(builder, b64);
    }
    json_builder_set_member_name(builder, "capture-output");
    json_builder_add_boolean_value(builder, TRUE);
    json_builder_end_object(builder);
    args = json_builder_get_root(builder);

    reply = pv_agent_call(dom, "guest-exec", args, error);
    if (!reply || !pv_agent_parse_exec_pid(reply, &pid, error))
        return FALSE;

    for (;;) {
        g_autoptr(JsonBuilder) status_builder = json_builder_new();
        g_autoptr(JsonNode) status_args = NULL;
        g_autofree char *status = NULL;
        gboolean exited = FALSE;
        gint64 wake_at;

        json_builder_begin_object(status_builder);
        json_builder_set_member_name(status_builder, "pid");
        json_builder_add_int_value(status_builder, pid);
        json_builder_end_object(status_builder);
        status_args = json_builder_get_root(status_builder);
        status = pv_agent_call(dom, "guest-exec-status", status_args, error);
        if (!status || !pv_agent_parse_exec_status(status, &exited, result, error))
            return FALSE;
        if (exited)
            return TRUE;

        if (g_get_monotonic_time() >= exec->deadline) {
            pv_agent_kill(dom, pid);
            result->timed_out = TRUE;
            result->out = g_bytes_new(NULL, 0);
            result->err = g_bytes_new(NULL, 0);
            return TRUE;
        }
        wake_at = MIN(g_get_monotonic_time() + interval, exec->deadline);
        if (pv_wake_wait(ctx->wake, wake_at, NULL, NULL, error) == PV_WAIT_INTERRUPTED)
            return FALSE;
        if (!pv_agent_go_on(ctx, error))
            return FALSE;
        interval = MIN(interval * 3 / 2, PV_AGENT_POLL_MAX_US);
    }
}

static gint64
pv_agent_file_open(virDomain *dom, const char *path, const char *mode, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) args = NULL;
    g_autofree char *reply = NULL;
    gint64 handle = -1;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "path");
    json_builder_add_string_value(builder, path);
    json_builder_set_member_name(builder, "mode");
    json_builder_add_string_value(builder, mode);
    json_builder_end_object(builder);
    args = json_builder_get_root(builder);
    reply = pv_agent_call(dom, "guest-file-open", args, error);
    if (!reply || !pv_agent_parse_file_open(reply, &handle, error))
        return -1;
    return handle;
}

static void
pv_agent_file_close(virDomain *dom, gint64 handle)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) args = NULL;
    g_autofree char *reply = NULL;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "handle");
    json_builder_add_int_value(builder, handle);
    json_builder_end_object(builder);
    args = json_builder_get_root(builder);
    reply = pv_agent_call(dom, "guest-file-close", args, NULL);
}

/**
 * pv_agent_file_write:
 *
 * Creates or replaces @path in the guest with @data.
 */
gboolean
pv_agent_file_write(virDomain *dom, const PvAgentContext *ctx, const char *path, GBytes *data,
                    GError **error)
{
    gsize len;
    const guchar *bytes = g_bytes_get_data(data, &len);
    gsize offset = 0;
    gint64 handle = pv_agent_file_open(dom, path, "w", error);

    if (handle < 0)
        return FALSE;
    while (offset < len) {
        gsize n = MIN(len - offset, PV_AGENT_WRITE_CHUNK);
        g_autoptr(JsonBuilder) builder = json_builder_new();
        g_autoptr(JsonNode) args = NULL;
        g_autofree char *reply = NULL;
        g_autofree char *b64 = g_base64_encode(bytes + offset, n);
        gint64 written = 0;

        if (!pv_agent_go_on(ctx, error))
            goto fail;
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "handle");
        json_builder_add_int_value(builder, handle);
        json_builder_set_member_name(builder, "buf-b64");
        json_builder_add_string_value(builder, b64);
        json_builder_end_object(builder);
        args = json_builder_get_root(builder);
        reply = pv_agent_call(dom, "guest-file-write", args, error);
        if (!reply || !pv_agent_parse_file_write(reply, &written, error))
            goto fail;
        offset += written;
    }
    pv_agent_file_close(dom, handle);
    return TRUE;

 fail:
    pv_agent_file_close(dom, handle);
    return FALSE;
}

/**
 * pv_agent_file_read_max:
 * @max: the most to read, at most PV_AGENT_READ_MAX
 * @larger: (out): whether @path holds more than @max bytes; then NULL is
 *   returned without an error
 *
 * Returns: (transfer full): the whole of @path in the guest, or NULL (with
 *   @error set unless @larger)
 */
GBytes *
pv_agent_file_read_max(virDomain *dom, const PvAgentContext *ctx, const char *path, gsize max,
                       gboolean *larger, GError **error)
{
    g_autoptr(GByteArray) content = g_byte_array_new();
    gint64 handle = pv_agent_file_open(dom, path, "r", error);

    *larger = FALSE;
    if (handle < 0)
        return NULL;
    for (;;) {
        g_autoptr(JsonBuilder) builder = json_builder_new();
        g_autoptr(JsonNode) args = NULL;
        g_autofree char *reply = NULL;
        gboolean eof = FALSE;
        /* At @max, one byte more tells whether the file goes on. */
        gsize count = MAX(MIN(max - MIN(content->len, max), PV_AGENT_READ_CHUNK), 1);

        if (!pv_agent_go_on(ctx, error))
            goto fail;
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "handle");
        json_builder_add_int_value(builder, handle);
        json_builder_set_member_name(builder, "count");
        json_builder_add_int_value(builder, count);
        json_builder_end_object(builder);
        args = json_builder_get_root(builder);
        reply = pv_agent_call(dom, "guest-file-read", args, error);
        if (!reply || !pv_agent_parse_file_read_capped(reply, content, max, &eof, larger, error))
            goto fail;
        if (eof)
            break;
    }
    pv_agent_file_close(dom, handle);
    return g_byte_array_free_to_bytes(g_steal_pointer(&content));

 fail:
    pv_agent_file_close(dom, handle);
    return NULL;
}

/**
 * pv_agent_file_read:
 *
 * Returns: (transfer full): the whole of @path in the guest, or NULL with
 *   @error set (a file larger than PV_AGENT_READ_MAX is an error)
 */
GBytes *
pv_agent_file_read(virDomain *dom, const PvAgentContext *ctx, const char *path, GError **error)
{
    gboolean larger = FALSE;
    GBytes *data = pv_agent_file_read_max(dom, ctx, path, PV_AGENT_READ_MAX, &larger, error);

    if (larger)
        pv_agent_set_read_file_too_large(error);
    return data;
}

/**
 * pv_agent_find_interface:
 * @addresses: (out) (optional) (transfer full): its IPv4 addresses
 *
 * Asks the guest agent which interface has MAC @mac (qemu-ga's
 * guest-network-get-interfaces, through virDomainInterfaceAddresses()).
 * Returns: (transfer full): the interface's name in the guest ("eth0"), or
 *   NULL with @error set (PV_ERROR_GUEST)
 */
char *
pv_agent_find_interface(virDomain *dom, const char *mac, GStrv *addresses, GError **error)
{
    virDomainInterfacePtr *ifaces = NULL;
    char *name = NULL;
    int n = virDomainInterfaceAddresses(dom, &ifaces, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
                                        0);
    int i;

    if (n < 0) {
        pv_libvirt_set_error(error, _("cannot list the guest's interfaces"));
        if (error && *error)
            (*error)->code = PV_ERROR_GUEST;
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (!name && ifaces[i]->hwaddr && g_ascii_strcasecmp(ifaces[i]->hwaddr, mac) == 0) {
            g_autoptr(GStrvBuilder) found = g_strv_builder_new();
            size_t j;

            name = g_strdup(ifaces[i]->name);
            for (j = 0; j < ifaces[i]->naddrs; j++) {
                if (ifaces[i]->addrs[j].type == VIR_IP_ADDR_TYPE_IPV4)
                    g_strv_builder_add(found, ifaces[i]->addrs[j].addr);
            }
            if (addresses)
                *addresses = g_strv_builder_end(found);
        }
        virDomainInterfaceFree(ifaces[i]);
    }
    free(ifaces);
    if (!name)
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("the guest has no interface with MAC %s (is virtio_net loaded?)"), mac);
    return name;
}

/**
 * pv_agent_ping:
 * @timeout_s: how long the one call may take
 *
 * Whether the guest agent answers guest-ping now.  A restored guest's agent
 * answers again without libvirt's agent-connected event.
 */
gboolean
pv_agent_ping(virDomain *dom, int timeout_s, GError **error)
{
    char *reply = virDomainQemuAgentCommand(dom, "{\"execute\":\"guest-ping\"}", timeout_s, 0);

    if (!reply) {
        pv_libvirt_set_error_code(error, PV_ERROR_GUEST, _("the guest agent did not answer"));
        return FALSE;
    }
    free(reply);
    return TRUE;
}

/**
 * pv_agent_set_time:
 *
 * Sets the guest's clock to the host's (guest-set-time): a restored guest's
 * clock stands where it was saved.
 */
gboolean
pv_agent_set_time(virDomain *dom, GError **error)
{
    gint64 now = g_get_real_time();

    if (virDomainSetTime(dom, now / G_USEC_PER_SEC, (now % G_USEC_PER_SEC) * 1000, 0) < 0) {
        pv_libvirt_set_error_code(error, PV_ERROR_GUEST,
                                  _("cannot set the guest's clock through its agent"));
        return FALSE;
    }
    return TRUE;
}
