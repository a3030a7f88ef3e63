/*
 * fuzz-agent.c: the guest agent's replies (src/libvirt/pv-agent-reply.c)
 *
 * The input is the text of one reply, as virDomainQemuAgentCommand() returns
 * it from a guest that may be broken or hostile.  It is read as the reply to
 * each command provium sends.  Besides not crashing: a process that exited
 * with a status other than 0 never reads as a success, and a file read
 * never grows past the most vm:read_file() reads.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "fuzz.h"
#include "pv-agent.h"

/* The exit status the reply states, if it states one and no signal. */
static gboolean
pv_fuzz_stated_exit_code(const char *reply, gint64 *code)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;
    JsonNode *ret;
    JsonNode *exitcode;
    JsonObject *object;

    if (!json_parser_load_from_data(parser, reply, -1, NULL) ||
        !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root) ||
        !(ret = json_object_get_member(json_node_get_object(root), "return")) ||
        !JSON_NODE_HOLDS_OBJECT(ret))
        return FALSE;
    object = json_node_get_object(ret);
    exitcode = json_object_get_member(object, "exitcode");
    if (json_object_has_member(object, "signal") || !exitcode ||
        !JSON_NODE_HOLDS_VALUE(exitcode) || json_node_get_value_type(exitcode) != G_TYPE_INT64)
        return FALSE;
    *code = json_node_get_int(exitcode);
    return TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libvirt hands the reply over as a C string */
    g_autofree char *reply = g_strndup((const char *)data, size);
    gint64 value;
    gboolean flag;

    pv_fuzz_init();
    if (pv_agent_parse_exec_pid(reply, &value, NULL))
        PV_FUZZ_ASSERT(value >= 0);
    {
        g_auto(PvAgentExecResult) result = { 0 };
        gboolean exited = FALSE;
        gint64 code;

        if (pv_agent_parse_exec_status(reply, &exited, &result, NULL) && exited) {
            PV_FUZZ_ASSERT(result.out && result.err);
            if (pv_fuzz_stated_exit_code(reply, &code) && code != 0)
                PV_FUZZ_ASSERT(result.signaled || result.exit_code != 0);
        }
    }
    pv_agent_parse_file_open(reply, &value, NULL);
    if (pv_agent_parse_file_write(reply, &value, NULL))
        PV_FUZZ_ASSERT(value > 0);
    {
        g_autoptr(GByteArray) content = g_byte_array_new();

        pv_agent_parse_file_read(reply, content, &flag, NULL);
    }
    {
        /* A file already near the most vm:read_file() reads */
        static GByteArray *large;
        const guint near = PV_AGENT_READ_MAX - 1024;

        if (!large)
            large = g_byte_array_sized_new(PV_AGENT_READ_MAX);
        g_byte_array_set_size(large, near);
        if (pv_agent_parse_file_read(reply, large, &flag, NULL))
            PV_FUZZ_ASSERT(large->len <= PV_AGENT_READ_MAX);
        else
            PV_FUZZ_ASSERT(large->len == near);
    }
    return 0;
}
