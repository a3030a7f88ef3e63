/*
 * pv-console-check.c: a guest's console read for signs of a sick kernel
 *
 * A kernel panic, an Oops, a BUG, the OOM killer, a segfault or a call trace
 * on a VM's console fails the test that was running, as kola does: the test
 * may have passed by luck.  The lines are matched where the kernel writes
 * them (after its "[    1.234567] " timestamp, if any); what the guest's
 * console shows depends on its loglevel (quiet hides segfault lines, which
 * the kernel prints at KERN_INFO).
 *
 * A PvConsoleScan reads the log as it grows (PvConsoleReader: across
 * virtlogd's rollover, costing what the guest prints) and checks each whole
 * line once.
 */
#include "config.h"

#include <string.h>

#include "pv-console-check.h"

/* A line longer than this is checked in pieces: a guest cannot make us hold more. */
#define PV_CONSOLE_SCAN_LINE_MAX (64 * 1024)
#define PV_CONSOLE_SCAN_READ (256 * 1024)

PV_ENUM_IMPL(pv_console_check, PvConsoleCheck, PV_CONSOLE_CHECK_LAST,
             "panic", "oops", "bug", "oom", "segfault", "call_trace");

/* Words for people, not names: no way back, so not a PV_ENUM_IMPL() table. */
static const char *const pv_console_check_descriptions[] = {
    "kernel panic", "kernel Oops", "kernel BUG", "out of memory", "segfault", "call trace",
};
G_STATIC_ASSERT(G_N_ELEMENTS(pv_console_check_descriptions) == PV_CONSOLE_CHECK_LAST);

/* For people: "kernel panic" */
const char *
pv_console_check_describe(PvConsoleCheck check)
{
    g_return_val_if_fail(check < PV_CONSOLE_CHECK_LAST, "unknown");
    return pv_console_check_descriptions[check];
}

/**
 * pv_console_check_parse:
 * @name: a check's name ("oops"), or "all"
 * @mask: (inout): its bit (or every bit) is added
 *
 * Returns: FALSE when @name is neither
 */
gboolean
pv_console_check_parse(const char *name, guint *mask)
{
    PvConsoleCheck check;

    if (g_strcmp0(name, "all") == 0) {
        *mask |= PV_CONSOLE_CHECKS_ALL;
        return TRUE;
    }
    if (!pv_console_check_from_string(name, &check))
        return FALSE;
    *mask |= 1u << check;
    return TRUE;
}

/**
 * pv_console_check_known:
 * Returns: (transfer full): "panic, oops, bug, oom, segfault, call_trace, all"
 */
char *
pv_console_check_known(void)
{
    g_autoptr(GString) known = g_string_new(NULL);
    guint i;

    for (i = 0; i < G_N_ELEMENTS(pv_console_check_names); i++)
        g_string_append_printf(known, "%s, ", pv_console_check_names[i]);
    g_string_append(known, "all");
    return g_string_free(g_steal_pointer(&known), FALSE);
}

static gboolean
pv_console_has(const char *text, gsize len, const char *needle)
{
    return g_strstr_len(text, len, needle) != NULL;
}

static gboolean
pv_console_starts(const char *text, gsize len, const char *prefix)
{
    gsize n = strlen(prefix);

    return len >= n && memcmp(text, prefix, n) == 0;
}

/*
 * Where the kernel's message starts in @line: after its timestamp
 * ("[    1.234567] "), wherever that is (a shell prompt may come first), or
 * after leading blanks.
 */
static const char *
pv_console_message(const char *line, gsize len, gsize *msg_len)
{
    const char *p = line;
    const char *end = line + len;

    while ((p = memchr(p, '[', end - p))) {
        const char *q = p + 1;
        gboolean digits = FALSE;
        gboolean dot = FALSE;

        while (q < end && *q == ' ')
            q++;
        while (q < end && (g_ascii_isdigit(*q) || (*q == '.' && !dot))) {
            dot = dot || *q == '.';
            digits = digits || g_ascii_isdigit(*q);
            q++;
        }
        if (q < end && *q == ']' && digits && dot) {
            q++;
            while (q < end && *q == ' ')
                q++;
            *msg_len = end - q;
            return q;
        }
        p++;
    }
    p = line;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    *msg_len = end - p;
    return p;
}

/**
 * pv_console_check_line:
 * @line: one sanitized console line, without its newline
 *
 * Returns: what the line shows, PV_CONSOLE_CHECK_LAST for nothing
 */
PvConsoleCheck
pv_console_check_line(const char *line, gsize len)
{
    gsize msg_len;
    const char *msg = pv_console_message(line, len, &msg_len);

    if (pv_console_has(msg, msg_len, "Kernel panic - not syncing"))
        return PV_CONSOLE_CHECK_PANIC;
    if (pv_console_starts(msg, msg_len, "Oops: ") || pv_console_starts(msg, msg_len, "Oops#") ||
        pv_console_has(msg, msg_len, "Internal error: Oops"))
        return PV_CONSOLE_CHECK_OOPS;
    if (pv_console_starts(msg, msg_len, "BUG: ") || pv_console_has(msg, msg_len, "kernel BUG at "))
        return PV_CONSOLE_CHECK_BUG;
    if (pv_console_has(msg, msg_len, "Out of memory: Kill"))
        return PV_CONSOLE_CHECK_OOM;
    if (pv_console_has(msg, msg_len, ": segfault at "))
        return PV_CONSOLE_CHECK_SEGFAULT;
    if (pv_console_starts(msg, msg_len, "Call Trace:") ||
        pv_console_starts(msg, msg_len, "Call trace:"))
        return PV_CONSOLE_CHECK_CALL_TRACE;
    return PV_CONSOLE_CHECK_LAST;
}

/**
 * pv_console_scan_init:
 * @path: the console log; it need not exist yet
 */
void
pv_console_scan_init(PvConsoleScan *scan, const char *path)
{
    scan->reader = pv_console_reader_new(path);
    scan->checked = 0;
}

void
pv_console_scan_clear(PvConsoleScan *scan)
{
    g_clear_pointer(&scan->reader, pv_console_reader_free);
    scan->checked = 0;
}

/**
 * pv_console_scan:
 * @skip: checks turned off or expected: lines they match are passed over
 * @check: (out): what the line returned shows
 *
 * Checks the whole lines the log gained since the last call.
 * Returns: (transfer full) (nullable): the first line that shows a check not
 *   in @skip, stripped; the lines after it are checked on the next call
 */
char *
pv_console_scan(PvConsoleScan *scan, guint skip, PvConsoleCheck *check)
{
    for (;;) {
        gsize got = pv_console_reader_read(scan->reader, PV_CONSOLE_SCAN_READ);
        gsize len;
        guint64 start;
        const char *text = pv_console_reader_peek_window(scan->reader, &len, &start);
        gsize pos = scan->checked - start;

        while (pos < len) {
            const char *nl = memchr(text + pos, '\n', len - pos);
            gsize line_len = nl ? (gsize)(nl - text - pos) : len - pos;
            PvConsoleCheck found;

            if (!nl && line_len < PV_CONSOLE_SCAN_LINE_MAX)
                break;  /* not whole yet */
            line_len = MIN(line_len, PV_CONSOLE_SCAN_LINE_MAX);
            found = pv_console_check_line(text + pos, line_len);
            {
                const char *line = text + pos;

                pos += line_len + (nl && line + line_len == nl ? 1 : 0);
                scan->checked = start + pos;
                if (found != PV_CONSOLE_CHECK_LAST && !(skip & (1u << found))) {
                    *check = found;
                    return g_strstrip(g_strndup(line, line_len));
                }
            }
        }
        /* Keep only the line not yet whole. */
        pv_console_reader_trim(scan->reader, len - pos);
        if (got < PV_CONSOLE_SCAN_READ)
            return NULL;
    }
}
