/*
 * pv-stream-vol.c: a storage volume's bytes through a libvirt stream
 *
 * How a file of this machine reaches a host that does not share its files
 * (virStorageVolUpload), and how a file the host writes (a console log) is
 * read here (virStorageVolDownload).  Both block the calling thread, a
 * worker's, never the main loop's: a blocking stream needs no event loop.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "pv-libvirt.h"
#include "pv-stream-vol.h"

/* virStreamSendAll's source: the next bytes of the file. */
static int
pv_stream_vol_source(virStream *stream, char *data, size_t nbytes, void *opaque)
{
    int fd = *(int *)opaque;
    ssize_t got;

    do {
        got = read(fd, data, nbytes);
    } while (got < 0 && errno == EINTR);
    return (int)got;
}

/* virStreamRecvAll's sink: every byte into the file. */
static int
pv_stream_vol_sink(virStream *stream, const char *data, size_t nbytes, void *opaque)
{
    int fd = *(int *)opaque;
    size_t done = 0;

    while (done < nbytes) {
        ssize_t put = write(fd, data + done, nbytes - done);

        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        done += (size_t)put;
    }
    return (int)nbytes;
}

/**
 * pv_stream_vol_upload:
 * @fd: a file of this machine, read from its current offset
 * @size: how many bytes to send: the file's size
 *
 * Writes @size bytes of @fd into @vol from its start.
 */
gboolean
pv_stream_vol_upload(virConnect *conn, virStorageVol *vol, int fd, guint64 size,
                     GError **error)
{
    virStream *stream = virStreamNew(conn, 0);
    gboolean ok = FALSE;

    if (!stream) {
        pv_libvirt_set_last_error(error);
        return FALSE;
    }
    if (virStorageVolUpload(vol, stream, 0, size, 0) < 0) {
        pv_libvirt_set_last_error(error);
    } else if (virStreamSendAll(stream, pv_stream_vol_source, &fd) < 0) {
        pv_libvirt_set_last_error(error);
        virStreamAbort(stream);
    } else if (virStreamFinish(stream) < 0) {
        pv_libvirt_set_last_error(error);
    } else {
        ok = TRUE;
    }
    virStreamFree(stream);
    return ok;
}

/**
 * pv_stream_vol_download:
 * @offset: where to start in @vol
 * @fd: where its bytes go, at its current offset
 * @got: (out): how many bytes were written to @fd (set on failure too)
 *
 * Copies what @vol holds from @offset to its end into @fd.
 */
gboolean
pv_stream_vol_download(virConnect *conn, virStorageVol *vol, guint64 offset, int fd,
                       guint64 *got, GError **error)
{
    virStream *stream = virStreamNew(conn, 0);
    off_t start = lseek(fd, 0, SEEK_CUR);
    gboolean ok = FALSE;

    *got = 0;
    if (!stream) {
        pv_libvirt_set_last_error(error);
        return FALSE;
    }
    if (virStorageVolDownload(vol, stream, offset, 0, 0) < 0) {
        pv_libvirt_set_last_error(error);
    } else if (virStreamRecvAll(stream, pv_stream_vol_sink, &fd) < 0) {
        pv_libvirt_set_last_error(error);
        virStreamAbort(stream);
    } else if (virStreamFinish(stream) < 0) {
        pv_libvirt_set_last_error(error);
    } else {
        ok = TRUE;
    }
    virStreamFree(stream);
    if (start >= 0) {
        off_t end = lseek(fd, 0, SEEK_CUR);

        *got = end > start ? (guint64)(end - start) : 0;
    }
    return ok;
}
