/*
 * pv-iso9660.c: a small ISO 9660 image of a few files, made in memory
 *
 * What a cloud-init NoCloud seed is (cloud-localds makes the same with
 * genisoimage): one root directory of a few small files, the volume
 * labelled "cidata".  The image is ECMA-119 (ISO 9660) with the Rock Ridge
 * extensions (SUSP "SP" and "ER" in the root's "." record, "PX" and "NM" in
 * each file's), so a reader sees the files' own lowercase names; a reader
 * without Rock Ridge sees "META-DATA.;1", which Linux's default name
 * mapping turns back into "meta-data".
 *
 * Layout, in 2048-byte sectors: 0-15 the system area (zeros), 16 the
 * primary volume descriptor, 17 the terminator, 18 and 19 the path table
 * (little- and big-endian), 20 the root directory (one sector: a handful
 * of files), then each file's bytes from a sector of its own.
 */
#include "config.h"

#include <string.h>

#include "pv-iso9660.h"

#define PV_ISO_PVD_SECTOR 16
#define PV_ISO_L_PATH_SECTOR 18
#define PV_ISO_M_PATH_SECTOR 19
#define PV_ISO_ROOT_SECTOR 20
#define PV_ISO_FIRST_FILE_SECTOR 21
#define PV_ISO_PATH_TABLE_SIZE 10

#define PV_ISO_FLAG_DIRECTORY 0x02

static void
pv_iso_le32(guint8 *p, guint32 v)
{
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = (v >> 24) & 0xff;
}

static void
pv_iso_be32(guint8 *p, guint32 v)
{
    p[0] = (v >> 24) & 0xff;
    p[1] = (v >> 16) & 0xff;
    p[2] = (v >> 8) & 0xff;
    p[3] = v & 0xff;
}

/* Both-endian fields: little-endian, then big-endian. */
static void
pv_iso_both32(guint8 *p, guint32 v)
{
    pv_iso_le32(p, v);
    pv_iso_be32(p + 4, v);
}

static void
pv_iso_both16(guint8 *p, guint16 v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
    p[2] = v >> 8;
    p[3] = v & 0xff;
}

/* A text field padded with spaces (a-characters and d-characters). */
static void
pv_iso_text(guint8 *p, gsize size, const char *text)
{
    gsize len = MIN(strlen(text), size);

    memset(p, ' ', size);
    memcpy(p, text, len);
}

/* The 17-byte date of a volume descriptor: "YYYYMMDDHHMMSScc" and a zone. */
static void
pv_iso_long_date(guint8 *p, GDateTime *when)
{
    g_autofree char *text = g_date_time_format(when, "%Y%m%d%H%M%S00");

    memcpy(p, text, 16);
    p[16] = 0;
}

/* The 7-byte date of a directory record. */
static void
pv_iso_short_date(guint8 *p, GDateTime *when)
{
    p[0] = g_date_time_get_year(when) - 1900;
    p[1] = g_date_time_get_month(when);
    p[2] = g_date_time_get_day_of_month(when);
    p[3] = g_date_time_get_hour(when);
    p[4] = g_date_time_get_minute(when);
    p[5] = g_date_time_get_second(when);
    p[6] = 0;
}

/* Rock Ridge's POSIX attributes (RRIP 1991A: 36 bytes). */
static gsize
pv_iso_rr_px(guint8 *p, guint32 mode)
{
    p[0] = 'P';
    p[1] = 'X';
    p[2] = 36;
    p[3] = 1;
    pv_iso_both32(p + 4, mode);
    pv_iso_both32(p + 12, 1);
    pv_iso_both32(p + 20, 0);
    pv_iso_both32(p + 28, 0);
    return 36;
}

/*
 * The root's "." record: SUSP's "SP" (the system use area holds entries)
 * and "ER" (they are Rock Ridge's), and its POSIX mode.
 */
static gsize
pv_iso_rr_root(guint8 *p)
{
    static const char id[] = "RRIP_1991A";
    static const char des[] = "THE ROCK RIDGE INTERCHANGE PROTOCOL";
    static const char src[] = "PROVIUM";
    gsize n = 0;

    p[n++] = 'S';
    p[n++] = 'P';
    p[n++] = 7;
    p[n++] = 1;
    p[n++] = 0xbe;
    p[n++] = 0xef;
    p[n++] = 0;
    p[n++] = 'E';
    p[n++] = 'R';
    p[n++] = 8 + strlen(id) + strlen(des) + strlen(src);
    p[n++] = 1;
    p[n++] = strlen(id);
    p[n++] = strlen(des);
    p[n++] = strlen(src);
    p[n++] = 1;
    memcpy(p + n, id, strlen(id));
    n += strlen(id);
    memcpy(p + n, des, strlen(des));
    n += strlen(des);
    memcpy(p + n, src, strlen(src));
    n += strlen(src);
    return n + pv_iso_rr_px(p + n, 040555);
}

/*
 * One directory record at @p; @id and @id_len as ISO 9660 has them, @susp
 * (@susp_len bytes) its system use area.  Returns: its length (even)
 */
static gsize
pv_iso_dir_record(guint8 *p, const guint8 *id, gsize id_len, guint32 sector, guint32 size,
                  guint8 flags, GDateTime *when, const guint8 *susp, gsize susp_len)
{
    gsize len = 33 + id_len + (id_len % 2 == 0 ? 1 : 0);

    memset(p, 0, len);
    p[1] = 0;
    pv_iso_both32(p + 2, sector);
    pv_iso_both32(p + 10, size);
    pv_iso_short_date(p + 18, when);
    p[25] = flags;
    pv_iso_both16(p + 28, 1);
    p[32] = id_len;
    memcpy(p + 33, id, id_len);
    if (susp_len)
        memcpy(p + len, susp, susp_len);
    len += susp_len;
    if (len % 2)
        p[len++] = 0;
    p[0] = len;
    return len;
}

/* "meta-data" -> "META-DATA.;1": d-characters, '-' kept as Linux reads it. */
static char *
pv_iso_file_id(const char *name)
{
    GString *id = g_string_new(NULL);
    const char *c;

    for (c = name; *c && id->len < 30; c++) {
        if (g_ascii_isalnum(*c) || *c == '-' || *c == '.')
            g_string_append_c(id, g_ascii_toupper(*c));
        else
            g_string_append_c(id, '_');
    }
    if (!strchr(id->str, '.'))
        g_string_append_c(id, '.');
    g_string_append(id, ";1");
    return g_string_free(id, FALSE);
}

static gint
pv_iso_compare_files(gconstpointer a, gconstpointer b)
{
    const PvIsoFile *fa = *(const PvIsoFile *const *)a;
    const PvIsoFile *fb = *(const PvIsoFile *const *)b;
    g_autofree char *ia = pv_iso_file_id(fa->name);
    g_autofree char *ib = pv_iso_file_id(fb->name);

    return strcmp(ia, ib);
}

/**
 * pv_iso9660_build:
 * @volume_id: the volume's label ("cidata"), at most 32 characters
 * @files: (array length=n_files): the root directory's files; names of at
 *   most 64 bytes, without '/'; at most 8 (the root directory is one sector)
 * @mtime: the files' and the volume's time (seconds since the epoch, UTC)
 *
 * Returns: (transfer full): the image
 */
GBytes *
pv_iso9660_build(const char *volume_id, const PvIsoFile *files, guint n_files, gint64 mtime)
{
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(mtime);
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();
    g_autofree guint32 *sectors = g_new0(guint32, n_files + 1);
    guint8 susp[255];
    guint32 total = PV_ISO_FIRST_FILE_SECTOR;
    guint8 *image;
    guint8 *pvd;
    guint8 *dir;
    gsize dir_len = 0;
    guint8 id;
    guint i;

    /* Eight records of names up to 64 bytes fit the root's one sector. */
    g_return_val_if_fail(n_files <= 8, NULL);
    for (i = 0; i < n_files; i++) {
        g_return_val_if_fail(strlen(files[i].name) <= 64, NULL);
        g_ptr_array_add(sorted, (gpointer)&files[i]);
    }
    g_ptr_array_sort(sorted, pv_iso_compare_files);
    for (i = 0; i < n_files; i++) {
        const PvIsoFile *file = sorted->pdata[i];
        gsize size = g_bytes_get_size(file->contents);

        sectors[i] = size ? total : 0;
        total += (size + PV_ISO9660_SECTOR - 1) / PV_ISO9660_SECTOR;
    }
    image = g_malloc0((gsize)total * PV_ISO9660_SECTOR);

    /* The root directory: ".", "..", then each file. */
    dir = image + PV_ISO_ROOT_SECTOR * PV_ISO9660_SECTOR;
    id = 0;
    dir_len += pv_iso_dir_record(dir, &id, 1, PV_ISO_ROOT_SECTOR, PV_ISO9660_SECTOR,
                                 PV_ISO_FLAG_DIRECTORY, when, susp, pv_iso_rr_root(susp));
    id = 1;
    dir_len += pv_iso_dir_record(dir + dir_len, &id, 1, PV_ISO_ROOT_SECTOR, PV_ISO9660_SECTOR,
                                 PV_ISO_FLAG_DIRECTORY, when, susp, pv_iso_rr_px(susp, 040555));
    for (i = 0; i < n_files; i++) {
        const PvIsoFile *file = sorted->pdata[i];
        g_autofree char *file_id = pv_iso_file_id(file->name);
        gsize name_len = strlen(file->name);
        gsize susp_len = pv_iso_rr_px(susp, 0100444);
        gsize size = g_bytes_get_size(file->contents);

        susp[susp_len++] = 'N';
        susp[susp_len++] = 'M';
        susp[susp_len++] = 5 + name_len;
        susp[susp_len++] = 1;
        susp[susp_len++] = 0;
        memcpy(susp + susp_len, file->name, name_len);
        susp_len += name_len;
        dir_len += pv_iso_dir_record(dir + dir_len, (const guint8 *)file_id, strlen(file_id),
                                     sectors[i], size, 0, when, susp, susp_len);
        if (size)
            memcpy(image + (gsize)sectors[i] * PV_ISO9660_SECTOR,
                   g_bytes_get_data(file->contents, NULL), size);
    }

    /* The path table: the root alone. */
    image[PV_ISO_L_PATH_SECTOR * PV_ISO9660_SECTOR] = 1;
    pv_iso_le32(image + PV_ISO_L_PATH_SECTOR * PV_ISO9660_SECTOR + 2, PV_ISO_ROOT_SECTOR);
    image[PV_ISO_L_PATH_SECTOR * PV_ISO9660_SECTOR + 6] = 1;
    image[PV_ISO_M_PATH_SECTOR * PV_ISO9660_SECTOR] = 1;
    pv_iso_be32(image + PV_ISO_M_PATH_SECTOR * PV_ISO9660_SECTOR + 2, PV_ISO_ROOT_SECTOR);
    image[PV_ISO_M_PATH_SECTOR * PV_ISO9660_SECTOR + 7] = 1;

    /* The primary volume descriptor, then the set's terminator. */
    pvd = image + PV_ISO_PVD_SECTOR * PV_ISO9660_SECTOR;
    pvd[0] = 1;
    memcpy(pvd + 1, "CD001", 5);
    pvd[6] = 1;
    pv_iso_text(pvd + 8, 32, "LINUX");
    pv_iso_text(pvd + 40, 32, volume_id);
    pv_iso_both32(pvd + 80, total);
    pv_iso_both16(pvd + 120, 1);
    pv_iso_both16(pvd + 124, 1);
    pv_iso_both16(pvd + 128, PV_ISO9660_SECTOR);
    pv_iso_both32(pvd + 132, PV_ISO_PATH_TABLE_SIZE);
    pv_iso_le32(pvd + 140, PV_ISO_L_PATH_SECTOR);
    pv_iso_be32(pvd + 148, PV_ISO_M_PATH_SECTOR);
    id = 0;
    pv_iso_dir_record(pvd + 156, &id, 1, PV_ISO_ROOT_SECTOR, PV_ISO9660_SECTOR,
                      PV_ISO_FLAG_DIRECTORY, when, NULL, 0);
    pv_iso_text(pvd + 190, 128, "");
    pv_iso_text(pvd + 318, 128, "");
    pv_iso_text(pvd + 446, 128, "");
    pv_iso_text(pvd + 574, 128, "PROVIUM");
    pv_iso_text(pvd + 702, 37 * 3, "");
    pv_iso_long_date(pvd + 813, when);
    pv_iso_long_date(pvd + 830, when);
    memcpy(pvd + 847, "0000000000000000", 16);
    memcpy(pvd + 864, "0000000000000000", 16);
    pvd[881] = 1;
    pvd += PV_ISO9660_SECTOR;
    pvd[0] = 255;
    memcpy(pvd + 1, "CD001", 5);
    pvd[6] = 1;
    return g_bytes_new_take(image, (gsize)total * PV_ISO9660_SECTOR);
}
