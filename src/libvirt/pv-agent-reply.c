/*
 * pv-agent-reply.c: reading the QEMU guest agent's replies
 *
 * Each parser takes a reply's text as virDomainQemuAgentCommand() returned
 * it ({"return": ...}) and runs without libvirt, so the tests and the fuzz
 * targets give it anything.  A guest is not trusted: whatever it replies
 * gives a result or an error (PV_ERROR_GUEST), never a crash, a GLib
 * critical, or a result it did not mean.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define PV_AGENT_PRIVATE
#include "pv-agent-private.h"
#include "pv-error.h"
#include "pv-text.h"
#include "pv-units.h"

/* Deeper than any reply nests (libvirt's own parser stops at 32). */
#define PV_AGENT_REPLY_MAX_DEPTH 64

/*
 * Whether @text nests arrays and objects deeper than any reply does:
 * json-glib parses recursively, and a million '[' would overflow the stack.
 * (libvirt refuses such replies too; this keeps the parsers safe alone.)
 */
static gboolean
pv_agent_too_deep(const char *text)
{
    gboolean in_string = FALSE;
    guint depth = 0;
    const char *p;

    for (p = text; *p; p++) {
        if (in_string) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_string = FALSE;
        } else if (*p == '"') {
            in_string = TRUE;
        } else if (*p == '[' || *p == '{') {
            if (++depth > PV_AGENT_REPLY_MAX_DEPTH)
                return TRUE;
        } else if ((*p == ']' || *p == '}') && depth > 0) {
            depth--;
        }
    }
    return FALSE;
}

/* The code unit of the escape "\\uXXXX" at @p, or -1 when @p holds none. */
static int
pv_agent_unicode_escape(const char *p)
{
    int unit = 0;
    int i;

    if (p[0] != '\\' || p[1] != 'u')
        return -1;
    for (i = 2; i < 6; i++) {
        if (!g_ascii_isxdigit(p[i]))
            return -1;
        unit = unit * 16 + g_ascii_xdigit_value(p[i]);
    }
    return unit;
}

/*
 * Whether @text is one JSON object and nothing else, judged from its
 * brackets.  json-glib 1.6 reads a value followed by an array or an object
 * ("{...}{...}", "1[]") as the last of them and leaks the others, and leaks
 * a string whose surrogate escape is not one of a pair ("\\ud800\\u0000")
 * or whose escape is not JSON's ("\\ud8\"", "\\x"), so those are refused
 * here.  (libvirt hands over one object it wrote itself; this keeps the
 * parser safe alone.)
 */
static gboolean
pv_agent_one_object(const char *text)
{
    const char *space = " \t\r\n";
    gboolean in_string = FALSE;
    guint depth = 0;
    const char *p = text + strspn(text, space);

    if (*p != '{')
        return FALSE;
    for (; *p; p++) {
        if (in_string) {
            int unit = pv_agent_unicode_escape(p);

            if (unit >= 0xdc00 && unit <= 0xdfff)
                return FALSE;  /* the second of a pair, alone */
            if (unit >= 0xd800 && unit <= 0xdbff) {
                int second = pv_agent_unicode_escape(p + 6);

                if (second < 0xdc00 || second > 0xdfff)
                    return FALSE;  /* the first of a pair, alone */
                p += 11;
            } else if (*p == '\\') {
                if (!p[1] || !strchr("\"\\/bfnrtu", p[1]) || (p[1] == 'u' && unit < 0))
                    return FALSE;  /* not an escape of JSON's, or \u without four digits */
                p++;
            } else if (*p == '"') {
                in_string = FALSE;
            }
        } else if (*p == '"') {
            in_string = TRUE;
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if ((*p == ']' || *p == '}') && --depth == 0) {
            return p[1 + strspn(p + 1, space)] == '\0';
        }
    }
    return FALSE;
}

/* The "return" member of @reply. */
static JsonNode *
pv_agent_parse_reply(const char *command, const char *reply, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;
    JsonObject *object;

    if (pv_agent_too_deep(reply)) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("guest agent command %s: the reply nests deeper than %d levels"),
                    command, PV_AGENT_REPLY_MAX_DEPTH);
        return NULL;
    }
    if (!pv_agent_one_object(reply) || !json_parser_load_from_data(parser, reply, -1, NULL) ||
        !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root) ||
        !json_object_has_member((object = json_node_get_object(root)), "return")) {
        g_autofree char *shown = pv_text_sanitize(reply, MIN(strlen(reply), 200));

        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("guest agent command %s: unexpected reply: %s"), command, shown);
        return NULL;
    }
    return json_node_copy(json_object_get_member(object, "return"));
}

static JsonObject *
pv_agent_return_object(JsonNode *ret, const char *command, GError **error)
{
    if (!ret || !JSON_NODE_HOLDS_OBJECT(ret)) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("guest agent command %s: reply holds no object"), command);
        return NULL;
    }
    return json_node_get_object(ret);
}

/*
 * Typed members of a reply.  Each returns FALSE with @error set when
 * @member is there (and not null) but of another type; a missing member
 * leaves the output alone and is not an error.
 */
static gboolean
pv_agent_type_error(const char *command, const char *member, const char *type, GError **error)
{
    g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                _("guest agent command %s: \"%s\" is not %s"), command, member, type);
    return FALSE;
}

static JsonNode *
pv_agent_member(JsonObject *object, const char *member)
{
    JsonNode *node = json_object_get_member(object, member);

    return node && !JSON_NODE_HOLDS_NULL(node) ? node : NULL;
}

static gboolean
pv_agent_get_int(JsonObject *object, const char *command, const char *member, gint64 *value,
                 GError **error)
{
    JsonNode *node = pv_agent_member(object, member);

    if (!node)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return pv_agent_type_error(command, member, _("an integer"), error);
    *value = json_node_get_int(node);
    return TRUE;
}

static gboolean
pv_agent_get_bool(JsonObject *object, const char *command, const char *member, gboolean *value,
                  GError **error)
{
    JsonNode *node = pv_agent_member(object, member);

    if (!node)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
        return pv_agent_type_error(command, member, _("true or false"), error);
    *value = json_node_get_boolean(node);
    return TRUE;
}

/* A base64 member, decoded; missing is empty. */
static gboolean
pv_agent_get_data(JsonObject *object, const char *command, const char *member, GBytes **data,
                  GError **error)
{
    JsonNode *node = pv_agent_member(object, member);
    const char *b64;
    guchar *decoded;
    gsize len = 0;

    if (node && (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING))
        return pv_agent_type_error(command, member, _("a base64 string"), error);
    b64 = node ? json_node_get_string(node) : NULL;
    if (!b64 || !*b64) {
        *data = g_bytes_new(NULL, 0);
        return TRUE;
    }
    decoded = g_base64_decode(b64, &len);
    *data = g_bytes_new_take(decoded, len);
    return TRUE;
}

/**
 * pv_agent_parse_exec_pid:
 * @reply: guest-exec's reply text
 * @pid: (out): the started process
 */
gboolean
pv_agent_parse_exec_pid(const char *reply, gint64 *pid, GError **error)
{
    g_autoptr(JsonNode) ret = pv_agent_parse_reply("guest-exec", reply, error);
    JsonObject *object;
    gint64 value;

    if (!ret || !(object = pv_agent_return_object(ret, "guest-exec", error)))
        return FALSE;
    value = -1;
    if (!pv_agent_get_int(object, "guest-exec", "pid", &value, error))
        return FALSE;
    if (value < 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_GUEST,
                            _("guest agent command guest-exec returned no pid"));
        return FALSE;
    }
    *pid = value;
    return TRUE;
}

/**
 * pv_agent_parse_exec_status:
 * @reply: guest-exec-status's reply text
 * @exited: (out): whether the process has ended
 * @result: (out caller-allocates): its status and output, once it exited;
 *   untouched on failure
 *
 * An exit code is 0 to 4294967295 (a Windows guest's is a DWORD), a
 * signal 1 to 255; a process that exited with neither, or a member of the
 * wrong type, is an error: a failure must never read as a success.
 */
gboolean
pv_agent_parse_exec_status(const char *reply, gboolean *exited, PvAgentExecResult *result,
                           GError **error)
{
    const char *command = "guest-exec-status";
    g_autoptr(JsonNode) ret = pv_agent_parse_reply(command, reply, error);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GBytes) err = NULL;
    gboolean done = FALSE;
    gboolean out_truncated = FALSE;
    gboolean err_truncated = FALSE;
    gint64 exit_code = -1;
    gint64 signal = -1;
    JsonObject *st;

    if (!ret || !(st = pv_agent_return_object(ret, command, error)) ||
        !pv_agent_get_bool(st, command, "exited", &done, error))
        return FALSE;
    if (!done) {
        *exited = FALSE;
        return TRUE;
    }
    if (!pv_agent_get_data(st, command, "out-data", &out, error) ||
        !pv_agent_get_data(st, command, "err-data", &err, error) ||
        !pv_agent_get_bool(st, command, "out-truncated", &out_truncated, error) ||
        !pv_agent_get_bool(st, command, "err-truncated", &err_truncated, error) ||
        !pv_agent_get_int(st, command, "exitcode", &exit_code, error) ||
        !pv_agent_get_int(st, command, "signal", &signal, error))
        return FALSE;
    if (pv_agent_member(st, "signal") && (signal < 1 || signal > 255)) {
        g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                    _("guest agent command %s: signal %" PRId64 " is not a signal "
                      "number"), command, signal);
        return FALSE;
    }
    if (!pv_agent_member(st, "signal") &&
        (!pv_agent_member(st, "exitcode") || exit_code < 0 || exit_code > G_MAXUINT32)) {
        if (pv_agent_member(st, "exitcode"))
            g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                        _("guest agent command %s: exit code %" PRId64 " is out of "
                          "range"), command, exit_code);
        else
            g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                        _("guest agent command %s: the command exited without an exit code "
                          "or a signal"), command);
        return FALSE;
    }
    *exited = TRUE;
    result->out = g_steal_pointer(&out);
    result->err = g_steal_pointer(&err);
    result->truncated = out_truncated || err_truncated;
    result->signaled = pv_agent_member(st, "signal") != NULL;
    if (result->signaled)
        result->signal = signal;
    else
        result->exit_code = exit_code;
    return TRUE;
}

/**
 * pv_agent_parse_file_open:
 * @reply: guest-file-open's reply text
 * @handle: (out): the guest file's handle
 */
gboolean
pv_agent_parse_file_open(const char *reply, gint64 *handle, GError **error)
{
    g_autoptr(JsonNode) ret = pv_agent_parse_reply("guest-file-open", reply, error);

    if (!ret)
        return FALSE;
    if (!JSON_NODE_HOLDS_VALUE(ret) || json_node_get_value_type(ret) != G_TYPE_INT64 ||
        json_node_get_int(ret) < 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_GUEST,
                            _("guest agent command guest-file-open returned no handle"));
        return FALSE;
    }
    *handle = json_node_get_int(ret);
    return TRUE;
}

/**
 * pv_agent_parse_disabled:
 * @reply: guest-info's reply text
 * @disabled: (out): whether @command is among its supported_commands with
 *   enabled false (a command it does not list is not disabled)
 */
gboolean
pv_agent_parse_disabled(const char *reply, const char *command, gboolean *disabled,
                        GError **error)
{
    g_autoptr(JsonNode) ret = pv_agent_parse_reply("guest-info", reply, error);
    JsonObject *object = pv_agent_return_object(ret, "guest-info", error);
    JsonNode *list;
    JsonArray *commands;
    guint i;

    *disabled = FALSE;
    if (!object)
        return FALSE;
    list = pv_agent_member(object, "supported_commands");
    if (!list)
        return TRUE;
    if (!JSON_NODE_HOLDS_ARRAY(list))
        return pv_agent_type_error("guest-info", "supported_commands", _("a list"), error);
    commands = json_node_get_array(list);
    for (i = 0; i < json_array_get_length(commands); i++) {
        JsonNode *node = json_array_get_element(commands, i);
        JsonObject *entry = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
        JsonNode *name = entry ? pv_agent_member(entry, "name") : NULL;
        gboolean enabled = TRUE;

        if (!name || !JSON_NODE_HOLDS_VALUE(name) ||
            json_node_get_value_type(name) != G_TYPE_STRING ||
            g_strcmp0(json_node_get_string(name), command) != 0)
            continue;
        if (!pv_agent_get_bool(entry, "guest-info", "enabled", &enabled, error))
            return FALSE;
        *disabled = !enabled;
        return TRUE;
    }
    return TRUE;
}

/**
 * pv_agent_parse_file_write:
 * @reply: guest-file-write's reply text
 * @count: (out): how many bytes the guest wrote, at least 1
 */
gboolean
pv_agent_parse_file_write(const char *reply, gint64 *count, GError **error)
{
    g_autoptr(JsonNode) ret = pv_agent_parse_reply("guest-file-write", reply, error);
    JsonObject *object;
    gint64 written;

    if (!ret || !(object = pv_agent_return_object(ret, "guest-file-write", error)))
        return FALSE;
    written = 0;
    if (!pv_agent_get_int(object, "guest-file-write", "count", &written, error))
        return FALSE;
    if (written <= 0) {
        g_set_error_literal(error, PV_ERROR, PV_ERROR_GUEST, _("the guest agent wrote nothing"));
        return FALSE;
    }
    *count = written;
    return TRUE;
}

void
pv_agent_set_read_file_too_large(GError **error)
{
    g_autofree char *max = pv_size_format(PV_AGENT_READ_MAX);

    g_set_error(error, PV_ERROR, PV_ERROR_GUEST,
                _("the file is larger than %s, the most vm:read_file() reads; read it in "
                  "parts with vm:run() (split, dd)"), max);
}

/*
 * One guest-file-read reply, appended to @content unless it would take
 * @content beyond @cap bytes: then @larger is set, @content left as it was,
 * and FALSE returned without an error.
 */
gboolean
pv_agent_parse_file_read_capped(const char *reply, GByteArray *content, gsize cap,
                                gboolean *eof, gboolean *larger, GError **error)
{
    const char *command = "guest-file-read";
    g_autoptr(JsonNode) ret = pv_agent_parse_reply(command, reply, error);
    g_autoptr(GBytes) chunk = NULL;
    gboolean at_end = FALSE;
    JsonObject *object;
    gsize len;

    if (!ret || !(object = pv_agent_return_object(ret, command, error)) ||
        !pv_agent_get_bool(object, command, "eof", &at_end, error))
        return FALSE;
    if (!pv_agent_member(object, "buf-b64"))
        return pv_agent_type_error(command, "buf-b64", _("a base64 string"), error);
    if (!pv_agent_get_data(object, command, "buf-b64", &chunk, error))
        return FALSE;
    len = g_bytes_get_size(chunk);
    if (len > cap - MIN(content->len, cap)) {
        *larger = TRUE;
        return FALSE;
    }
    g_byte_array_append(content, g_bytes_get_data(chunk, NULL), len);
    *eof = at_end || len == 0;
    return TRUE;
}

/**
 * pv_agent_parse_file_read:
 * @reply: guest-file-read's reply text
 * @content: the file so far; the chunk read is appended
 * @eof: (out): whether the file ends there
 *
 * A file larger than PV_AGENT_READ_MAX is an error (@content is left as
 * it was): a guest that never says eof must not fill provium's memory.
 */
gboolean
pv_agent_parse_file_read(const char *reply, GByteArray *content, gboolean *eof, GError **error)
{
    gboolean larger = FALSE;

    if (pv_agent_parse_file_read_capped(reply, content, PV_AGENT_READ_MAX, eof, &larger,
                                        error) && !larger)
        return TRUE;
    if (larger)
        pv_agent_set_read_file_too_large(error);
    return FALSE;
}
