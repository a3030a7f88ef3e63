/*
 * pv-console.c: a VM's serial console output, made readable
 *
 * What a guest prints on its serial console is logged to a file in the run
 * directory (by virtlogd, which rolls it over to NAME.0 at 2 MiB).  Read
 * back, it is cleaned of terminal escape sequences and control characters
 * for console():expect() and for the excerpts a failed test shows.
 *
 * expect() polls the log while it grows, so it reads it incrementally: a
 * PvConsoleReader keeps its offset in the log, cleans only the bytes added
 * since, and keeps a window of the latest text to search, so a guest that
 * floods its console costs time and memory in proportion to what it
 * prints, not to its square.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv-console.h"
#include "pv-text.h"

/* Raw bytes held back for an unfinished escape sequence, at most. */
#define PV_CONSOLE_PENDING_MAX 4096
/* The end of the log an excerpt reads. */
#define PV_CONSOLE_TAIL_BYTES (64 * 1024)

/*
 * How many bytes at the end of @text (up to 3) begin a UTF-8 character that
 * more output may complete.
 */
static gsize
pv_console_unfinished_char(const char *text, gsize len)
{
    gsize back;

    for (back = 1; back <= MIN(len, 3); back++) {
        guchar c = text[len - back];
        gsize need;

        if ((c & 0xc0) == 0x80)
            continue;  /* a continuation byte: look further back */
        need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        return need > back ? back : 0;
    }
    return 0;
}

/*
 * The length of the escape sequence at @raw (raw[0] is ESC), or 0 when it
 * is not finished within @len: CSI (ESC [ ... final byte), OSC (ESC ] ...
 * BEL or ESC \), ESC with intermediate bytes then a final byte (ESC ( B),
 * or ESC and one byte.
 */
static gsize
pv_console_escape_len(const guchar *raw, gsize len)
{
    gsize i = 1;

    if (len < 2)
        return 0;
    if (raw[1] == '[') {
        for (i = 2; i < len; i++) {
            if (raw[i] >= 0x40 && raw[i] <= 0x7e)
                return i + 1;
        }
        return 0;
    }
    if (raw[1] == ']') {
        for (i = 2; i < len; i++) {
            if (raw[i] == 0x07)
                return i + 1;
            if (raw[i] == 0x1b && i + 1 < len && raw[i + 1] == '\\')
                return i + 2;
        }
        return 0;
    }
    while (i < len && raw[i] >= 0x20 && raw[i] <= 0x2f)
        i++;
    return i < len ? i + 1 : 0;
}

static gboolean
pv_console_is_control(guchar c)
{
    return c < 0x20 && c != '\n' && c != '\t';
}

/**
 * pv_console_sanitize_append:
 * @final: no more output follows @raw
 *
 * Appends @raw to @out made printable: escape sequences and C0 control
 * characters (but newlines and tabs) removed, the rest as
 * pv_text_sanitize() makes it.  Unless @final, stops before an escape
 * sequence or a UTF-8 character that the next output may finish.
 * Returns: how many bytes of @raw were used; the caller keeps the rest
 */
gsize
pv_console_sanitize_append(GString *out, const char *raw, gsize len, gboolean final)
{
    const guchar *bytes = (const guchar *)raw;
    gsize i = 0;

    while (i < len) {
        gsize start = i;
        gsize end;

        if (bytes[i] == 0x1b) {
            gsize n = pv_console_escape_len(bytes + i, len - i);

            if (n == 0 && !final)
                return i;
            i = n ? i + n : len;
            continue;
        }
        if (pv_console_is_control(bytes[i])) {
            i++;
            continue;
        }
        while (i < len && bytes[i] != 0x1b && !pv_console_is_control(bytes[i]))
            i++;
        end = i;
        if (i == len && !final)
            end -= pv_console_unfinished_char(raw + start, len - start);
        if (end > start) {
            g_autofree char *text = pv_text_sanitize(raw + start, end - start);

            g_string_append(out, text);
        }
        if (end < i)
            return end;
    }
    return len;
}

/**
 * pv_console_sanitize:
 *
 * Console output made printable (pv_console_sanitize_append()).
 * Returns: (transfer full)
 */
char *
pv_console_sanitize(const char *raw, gsize len)
{
    GString *out = g_string_sized_new(len);

    pv_console_sanitize_append(out, raw, len, TRUE);
    return g_string_free(out, FALSE);
}

/**
 * pv_console_tail:
 * @text: sanitized console text
 *
 * Returns: (transfer full): the last @lines non-empty lines of @text,
 *   stripped, each cut to its last PV_CONSOLE_LINE_MAX characters; "" when
 *   there are none (a guest that never printed)
 */
char *
pv_console_tail(const char *text, guint lines)
{
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
    const char *end = text + strlen(text);

    /* From the end, line by line: only what is kept is copied. */
    while (end > text && kept->len < lines) {
        const char *start = end;
        char *line;

        while (start > text && start[-1] != '\n')
            start--;
        line = g_strstrip(g_strndup(start, end - start));
        if (g_utf8_strlen(line, -1) > PV_CONSOLE_LINE_MAX) {
            const char *cut = g_utf8_offset_to_pointer(line + strlen(line),
                                                       -(PV_CONSOLE_LINE_MAX - 1));
            char *shorter = g_strconcat("\u2026", cut, NULL);

            g_free(line);
            line = shorter;
        }
        if (*line)
            g_ptr_array_insert(kept, 0, line);
        else
            g_free(line);
        end = start > text ? start - 1 : text;
    }
    g_ptr_array_add(kept, NULL);
    return g_strjoinv("\n", (char **)kept->pdata);
}

/**
 * pv_console_read_tail:
 * @path: a console log
 *
 * pv_console_tail() of the log's last 64 KiB: an excerpt never reads more.
 * Returns: (transfer full) (nullable): NULL when the log cannot be read
 */
char *
pv_console_read_tail(const char *path, guint lines)
{
    g_autofree char *raw = g_malloc(PV_CONSOLE_TAIL_BYTES);
    g_autofree char *text = NULL;
    const char *from;
    struct stat st;
    goffset offset;
    gssize got;
    int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return NULL;
    }
    offset = MAX(st.st_size - PV_CONSOLE_TAIL_BYTES, 0);
    got = pread(fd, raw, PV_CONSOLE_TAIL_BYTES, offset);
    close(fd);
    if (got < 0)
        return NULL;
    text = pv_console_sanitize(raw, got);
    from = text;
    /* Started inside a line: that line is not whole. */
    if (offset > 0)
        from = strchr(text, '\n') ? strchr(text, '\n') + 1 : text + strlen(text);
    return pv_console_tail(from, lines);
}

struct _PvConsoleReader {
    char *path;
    gboolean opened;     /* dev and ino are the log's being read */
    dev_t dev;
    ino_t ino;
    goffset offset;      /* bytes of that log read */
    GByteArray *pending; /* raw bytes held back (pv_console_sanitize_append()) */
    GString *window;     /* the latest text, for searching */
    guint64 start;       /* where the window starts in all the text read */
};

/**
 * pv_console_reader_new:
 * @path: a console log; it need not exist yet
 *
 * Returns: (transfer full): a reader at the log's beginning
 */
PvConsoleReader *
pv_console_reader_new(const char *path)
{
    PvConsoleReader *reader = g_new0(PvConsoleReader, 1);

    reader->path = g_strdup(path);
    reader->pending = g_byte_array_new();
    reader->window = g_string_new(NULL);
    return reader;
}

void
pv_console_reader_free(PvConsoleReader *reader)
{
    if (!reader)
        return;
    g_byte_array_unref(reader->pending);
    g_string_free(reader->window, TRUE);
    g_free(reader->path);
    g_free(reader);
}

/**
 * pv_console_reader_peek_path:
 * Returns: (transfer none): the log it reads
 */
const char *
pv_console_reader_peek_path(PvConsoleReader *reader)
{
    return reader->path;
}

/* Reads up to @max bytes of @fd from the reader's offset into pending. */
static gsize
pv_console_reader_pull(PvConsoleReader *reader, int fd, gsize max)
{
    guint old = reader->pending->len;
    gssize got;

    g_byte_array_set_size(reader->pending, old + max);
    do {
        got = pread(fd, reader->pending->data + old, max, reader->offset);
    } while (got < 0 && errno == EINTR);
    g_byte_array_set_size(reader->pending, old + MAX(got, 0));
    if (got <= 0)
        return 0;
    reader->offset += got;
    return got;
}

/* The log the reader was on, if virtlogd rolled it over to NAME.0. */
static int
pv_console_reader_open_rolled(PvConsoleReader *reader)
{
    g_autofree char *rolled = g_strconcat(reader->path, ".0", NULL);
    struct stat st;
    int fd = g_open(rolled, O_RDONLY | O_CLOEXEC, 0);

    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == reader->dev && st.st_ino == reader->ino)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/**
 * pv_console_reader_read:
 * @max: the most bytes to read
 *
 * Reads what the log gained since the last call, up to @max bytes, and
 * appends it, sanitized, to the window.  When virtlogd rolled the log over,
 * the rest of the old one (NAME.0) is read first, so nothing is skipped.
 * Returns: how many bytes were read: @max when more may be waiting
 */
gsize
pv_console_reader_read(PvConsoleReader *reader, gsize max)
{
    struct stat st;
    gsize got = 0;
    gsize used;
    int fd = g_open(reader->path, O_RDONLY | O_CLOEXEC, 0);

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return 0;
    }
    if (reader->opened && (st.st_dev != reader->dev || st.st_ino != reader->ino)) {
        int rolled = pv_console_reader_open_rolled(reader);

        if (rolled >= 0) {
            got = pv_console_reader_pull(reader, rolled, max);
            close(rolled);
        }
        if (got == 0) {
            reader->opened = FALSE;  /* the old log is done: on to the new one */
            reader->offset = 0;
        }
    } else if (reader->opened && st.st_size < reader->offset) {
        reader->offset = 0;  /* truncated: it starts again */
    }
    if (!reader->opened) {
        reader->opened = TRUE;
        reader->dev = st.st_dev;
        reader->ino = st.st_ino;
    }
    if (got == 0)
        got = pv_console_reader_pull(reader, fd, max);
    close(fd);

    used = pv_console_sanitize_append(reader->window, (const char *)reader->pending->data,
                                      reader->pending->len, FALSE);
    /* An escape sequence that never ends is not waited for forever. */
    if (reader->pending->len - used > PV_CONSOLE_PENDING_MAX)
        used += pv_console_sanitize_append(reader->window,
                                           (const char *)reader->pending->data + used,
                                           reader->pending->len - used, TRUE);
    g_byte_array_remove_range(reader->pending, 0, used);
    return got;
}

/**
 * pv_console_reader_peek_window:
 * @len: (out): its length
 * @start: (out): where it starts in all the text read so far
 *
 * Returns: (transfer none): the latest text read, valid until the next call
 *   on @reader
 */
const char *
pv_console_reader_peek_window(PvConsoleReader *reader, gsize *len, guint64 *start)
{
    *len = reader->window->len;
    *start = reader->start;
    return reader->window->str;
}

/**
 * pv_console_reader_trim:
 * @keep: bytes of text to keep
 *
 * Forgets all but the last @keep bytes (or a little more, to cut between
 * characters) of the window.
 */
void
pv_console_reader_trim(PvConsoleReader *reader, gsize keep)
{
    const char *cut;

    if (reader->window->len <= keep)
        return;
    cut = g_utf8_find_prev_char(reader->window->str,
                                reader->window->str + reader->window->len - keep + 1);
    if (!cut)
        return;
    reader->start += cut - reader->window->str;
    g_string_erase(reader->window, 0, cut - reader->window->str);
}
