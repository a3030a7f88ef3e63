/*
 * test-agent.c: reading the guest agent's replies, as a hostile guest may
 * write them
 *
 * A guest is not trusted: whatever its agent replies gives a result or an
 * error naming the command, never a crash, a GLib critical (fatal here:
 * G_DEBUG=fatal-criticals) or a result it did not mean.
 */
#include "config.h"

#include <string.h>

#include "pv-agent.h"
#include "pv-error.h"

static void
test_exec_status(void)
{
    g_autoptr(GError) error = NULL;
    g_auto(PvAgentExecResult) result = { 0 };
    gboolean exited = TRUE;

    g_assert_true(pv_agent_parse_exec_status("{\"return\": {\"exited\": false}}", &exited,
                                             &result, &error));
    g_assert_no_error(error);
    g_assert_false(exited);

    g_assert_true(pv_agent_parse_exec_status(
        "{\"return\": {\"exited\": true, \"exitcode\": 3, \"out-data\": \"aGk=\","
        " \"err-data\": \"\", \"out-truncated\": true}}", &exited, &result, &error));
    g_assert_no_error(error);
    g_assert_true(exited);
    g_assert_false(result.signaled);
    g_assert_cmpint(result.exit_code, ==, 3);
    g_assert_cmpmem(g_bytes_get_data(result.out, NULL), g_bytes_get_size(result.out), "hi", 2);
    g_assert_cmpuint(g_bytes_get_size(result.err), ==, 0);
    g_assert_true(result.truncated);
    pv_agent_exec_result_clear(&result);

    g_assert_true(pv_agent_parse_exec_status("{\"return\": {\"exited\": true, \"signal\": 9}}",
                                             &exited, &result, &error));
    g_assert_true(result.signaled);
    g_assert_cmpint(result.signal, ==, 9);
    pv_agent_exec_result_clear(&result);

    /* A Windows guest's exit code is a DWORD. */
    g_assert_true(pv_agent_parse_exec_status(
        "{\"return\": {\"exited\": true, \"exitcode\": 3221225477}}", &exited, &result, &error));
    g_assert_cmpint(result.exit_code, ==, G_GINT64_CONSTANT(3221225477));
}

/* Replies no agent sends: each an error, never a result. */
static void
test_exec_status_hostile(void)
{
    const char *const replies[] = {
        /* An exit code that an int would make 0: success. */
        "{\"return\": {\"exited\": true, \"exitcode\": 4294967296}}",
        "{\"return\": {\"exited\": true, \"exitcode\": 18446744073709551616}}",
        "{\"return\": {\"exited\": true, \"exitcode\": -1}}",
        "{\"return\": {\"exited\": true, \"exitcode\": 0.5}}",
        "{\"return\": {\"exited\": true, \"exitcode\": \"0\"}}",
        "{\"return\": {\"exited\": true, \"exitcode\": null}}",
        "{\"return\": {\"exited\": true, \"signal\": {}}}",
        "{\"return\": {\"exited\": true, \"signal\": 0}}",
        "{\"return\": {\"exited\": true, \"signal\": 4294967305}}",
        "{\"return\": {\"exited\": true, \"signal\": [9]}}",
        /* Exited, but how? */
        "{\"return\": {\"exited\": true}}",
        "{\"return\": {\"exited\": \"yes\", \"exitcode\": 0}}",
        "{\"return\": {\"exited\": true, \"exitcode\": 0, \"out-data\": 42}}",
        "{\"return\": {\"exited\": true, \"exitcode\": 0, \"err-data\": {}}}",
        "{\"return\": {\"exited\": true, \"exitcode\": 0, \"out-truncated\": \"no\"}}",
        "{\"return\": []}",
        "{\"return\": 1}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}",
        "[]",
        "",
        "{\"return\": {\"exited\": tru",
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(replies); i++) {
        g_autoptr(GError) error = NULL;
        g_auto(PvAgentExecResult) result = { 0 };
        gboolean exited = FALSE;

        g_test_message("%s", replies[i]);
        g_assert_false(pv_agent_parse_exec_status(replies[i], &exited, &result, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
        g_assert_nonnull(strstr(error->message, "guest-exec-status"));
        g_assert_true(g_utf8_validate(error->message, -1, NULL));
    }
}

/* JSON nested deeper than any reply would overflow json-glib's stack. */
static void
test_deep(void)
{
    g_autoptr(GString) reply = g_string_new("{\"return\": ");
    g_autoptr(GError) error = NULL;
    gint64 pid = 0;
    guint i;

    for (i = 0; i < 1000000; i++)
        g_string_append_c(reply, '[');
    for (i = 0; i < 1000000; i++)
        g_string_append_c(reply, ']');
    g_string_append_c(reply, '}');
    g_assert_false(pv_agent_parse_exec_pid(reply->str, &pid, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
}

/* Two values in one reply: json-glib 1.6 would take the last, and leak the first. */
static void
test_two_values(void)
{
    const char *const replies[] = {
        "{\"return\": {\"pid\": 1}}{\"return\": {\"pid\": 2}}",
        "{\"return\": {\"pid\": 1}} [2]",
        "1 {\"return\": {\"pid\": 2}}",
        NULL,
    };
    g_autoptr(GError) error = NULL;
    gint64 pid = 0;
    gsize i;

    for (i = 0; replies[i]; i++) {
        g_assert_false(pv_agent_parse_exec_pid(replies[i], &pid, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
        g_assert_nonnull(strstr(error->message, "unexpected reply"));
        g_assert_cmpint(pid, ==, 0);
        g_clear_error(&error);
    }

    /* Brackets inside strings are text; white space around is fine. */
    g_assert_true(pv_agent_parse_exec_pid(" {\"return\": {\"pid\": 7, \"x\": \"}{\\\"\"}}\n",
                                          &pid, &error));
    g_assert_no_error(error);
    g_assert_cmpint(pid, ==, 7);
}

static void
test_pid_handle_count(void)
{
    const char *const bad_pids[] = {
        "{\"return\": {}}", "{\"return\": {\"pid\": -5}}", "{\"return\": {\"pid\": \"12\"}}",
        "{\"return\": {\"pid\": 1.5}}", "{\"return\": {\"pid\": {}}}",
    };
    const char *const bad_handles[] = {
        "{\"return\": {}}", "{\"return\": -1}", "{\"return\": \"3\"}", "{\"return\": 2.0}",
    };
    const char *const bad_counts[] = {
        "{\"return\": {}}", "{\"return\": {\"count\": 0}}", "{\"return\": {\"count\": \"9\"}}",
        "{\"return\": {\"count\": {}}}", "{\"return\": {\"count\": 18446744073709551616}}",
    };
    g_autoptr(GError) error = NULL;
    gint64 value = 0;
    gsize i;

    g_assert_true(pv_agent_parse_exec_pid("{\"return\": {\"pid\": 1234}}", &value, &error));
    g_assert_cmpint(value, ==, 1234);
    g_assert_true(pv_agent_parse_file_open("{\"return\": 1000}", &value, &error));
    g_assert_cmpint(value, ==, 1000);
    g_assert_true(pv_agent_parse_file_write("{\"return\": {\"count\": 7, \"eof\": false}}",
                                            &value, &error));
    g_assert_cmpint(value, ==, 7);
    g_assert_no_error(error);
    for (i = 0; i < G_N_ELEMENTS(bad_pids); i++) {
        g_autoptr(GError) e = NULL;

        g_assert_false(pv_agent_parse_exec_pid(bad_pids[i], &value, &e));
        g_assert_error(e, PV_ERROR, PV_ERROR_GUEST);
    }
    for (i = 0; i < G_N_ELEMENTS(bad_handles); i++) {
        g_autoptr(GError) e = NULL;

        g_assert_false(pv_agent_parse_file_open(bad_handles[i], &value, &e));
        g_assert_error(e, PV_ERROR, PV_ERROR_GUEST);
    }
    for (i = 0; i < G_N_ELEMENTS(bad_counts); i++) {
        g_autoptr(GError) e = NULL;

        g_assert_false(pv_agent_parse_file_write(bad_counts[i], &value, &e));
        g_assert_error(e, PV_ERROR, PV_ERROR_GUEST);
    }
}

static void
test_file_read(void)
{
    g_autoptr(GByteArray) content = g_byte_array_new();
    g_autoptr(GError) error = NULL;
    gboolean eof = TRUE;

    g_assert_true(pv_agent_parse_file_read("{\"return\": {\"count\": 2, \"buf-b64\": \"aGk=\","
                                           " \"eof\": false}}", content, &eof, &error));
    g_assert_no_error(error);
    g_assert_false(eof);
    g_assert_true(pv_agent_parse_file_read("{\"return\": {\"count\": 1, \"buf-b64\": \"IQ==\","
                                           " \"eof\": true}}", content, &eof, &error));
    g_assert_true(eof);
    g_assert_cmpmem(content->data, content->len, "hi!", 3);
    /* Nothing read is the end, whatever eof says. */
    g_assert_true(pv_agent_parse_file_read("{\"return\": {\"count\": 0, \"buf-b64\": \"\","
                                           " \"eof\": false}}", content, &eof, &error));
    g_assert_true(eof);
    g_assert_cmpuint(content->len, ==, 3);
}

/*
 * A guest that never says eof, or sends more than asked: the file stops at
 * PV_AGENT_READ_MAX with an error, instead of growing provium's memory.
 */
static void
test_file_read_cap(void)
{
    g_autoptr(GByteArray) content = g_byte_array_new();
    g_autoptr(GError) error = NULL;
    gboolean eof = FALSE;

    /* Up to the cap (the bytes are not touched: cheap), then one more. */
    g_byte_array_set_size(content, PV_AGENT_READ_MAX - 2);
    g_assert_true(pv_agent_parse_file_read("{\"return\": {\"count\": 2, \"buf-b64\": \"aGk=\","
                                           " \"eof\": false}}", content, &eof, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(content->len, ==, PV_AGENT_READ_MAX);
    g_assert_false(pv_agent_parse_file_read("{\"return\": {\"count\": 1, \"buf-b64\": \"IQ==\","
                                            " \"eof\": true}}", content, &eof, &error));
    g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
    g_assert_nonnull(strstr(error->message, "larger than 64M"));
    g_assert_cmpuint(content->len, ==, PV_AGENT_READ_MAX);
}

static void
test_file_read_hostile(void)
{
    const char *const replies[] = {
        "{\"return\": {\"buf-b64\": 5, \"eof\": true}}",
        "{\"return\": {\"buf-b64\": \"aGk=\", \"eof\": \"true\"}}",
        "{\"return\": {\"eof\": true}}",
        "{\"return\": [\"aGk=\"]}",
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(replies); i++) {
        g_autoptr(GByteArray) content = g_byte_array_new();
        g_autoptr(GError) error = NULL;
        gboolean eof = FALSE;

        g_test_message("%s", replies[i]);
        g_assert_false(pv_agent_parse_file_read(replies[i], content, &eof, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
        g_assert_nonnull(strstr(error->message, "guest-file-read"));
    }
}

/* json-glib 1.6 leaks a string holding half a surrogate pair: refused first. */
static void
test_lone_surrogate(void)
{
    const char *const replies[] = {
        "{\"return\": {\"exit\\ud800\\u0000\": {}}}",
        "{\"return\": {\"pid\": 1, \"x\": \"\\udc00\"}}",
        "{\"return\": {\"pid\": 1, \"x\": \"\\ud800\"}}",
        NULL,
    };
    g_autoptr(GError) error = NULL;
    gint64 pid = 0;
    gsize i;

    for (i = 0; replies[i]; i++) {
        g_assert_false(pv_agent_parse_exec_pid(replies[i], &pid, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
        g_clear_error(&error);
    }
    /* A whole pair, and an escaped backslash before a u, are fine. */
    g_assert_true(pv_agent_parse_exec_pid("{\"return\": {\"pid\": 3, \"x\": \"\\ud83d\\ude00 \\\\ud800\"}}",
                                          &pid, &error));
    g_assert_no_error(error);
    g_assert_cmpint(pid, ==, 3);
}

/*
 * Escapes JSON does not have, which json-glib 1.6 leaks on (the fuzzer, after
 * 0.8 million runs: "\\ud8" then a quote), are refused before it reads them;
 * every escape JSON has still parses.
 */
static void
test_bad_escape(void)
{
    const char *const replies[] = {
        "{\"return\":{\"exited\":true, \"\\ud8\"\\u0000:0}}",
        "{\"return\": {\"pid\": 1, \"x\": \"\\u12\"}}",
        "{\"return\": {\"pid\": 1, \"x\": \"\\uzzzz\"}}",
        "{\"return\": {\"pid\": 1, \"x\": \"\\x41\"}}",
        "{\"return\": {\"pid\": 1, \"x\": \"\\a\"}}",
        NULL,
    };
    g_autoptr(GError) error = NULL;
    gint64 pid = 0;
    gsize i;

    for (i = 0; replies[i]; i++) {
        g_assert_false(pv_agent_parse_exec_pid(replies[i], &pid, &error));
        g_assert_error(error, PV_ERROR, PV_ERROR_GUEST);
        g_clear_error(&error);
    }
    g_assert_true(pv_agent_parse_exec_pid("{\"return\": {\"pid\": 4, "
                                          "\"x\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"}}",
                                          &pid, &error));
    g_assert_no_error(error);
    g_assert_cmpint(pid, ==, 4);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/exec-status", test_exec_status);
    g_test_add_func("/agent/exec-status/hostile", test_exec_status_hostile);
    g_test_add_func("/agent/deep", test_deep);
    g_test_add_func("/agent/two-values", test_two_values);
    g_test_add_func("/agent/lone-surrogate", test_lone_surrogate);
    g_test_add_func("/agent/bad-escape", test_bad_escape);
    g_test_add_func("/agent/pid-handle-count", test_pid_handle_count);
    g_test_add_func("/agent/file-read", test_file_read);
    g_test_add_func("/agent/file-read/cap", test_file_read_cap);
    g_test_add_func("/agent/file-read/hostile", test_file_read_hostile);
    return g_test_run();
}
