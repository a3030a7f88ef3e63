/*
 * pv-stream-vol.h: a storage volume's bytes through a libvirt stream
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

gboolean pv_stream_vol_upload(virConnect *conn, virStorageVol *vol, int fd, guint64 size,
                              GError **error);
gboolean pv_stream_vol_download(virConnect *conn, virStorageVol *vol, guint64 offset, int fd,
                                guint64 *got, GError **error);
