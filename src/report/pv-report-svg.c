/*
 * pv-report-svg.c: a run as a timeline picture (provium report --svg)
 *
 * One lane per file, in discovery order: the time it waited in the queue
 * (dashed), the time it ran (a bar in its status's color), the spans it spent
 * blocked inside the run (shaded and labelled with the reason where they are
 * wide enough), and its VMs' boots (a dark stroke from start to agent
 * connected, a dot at ready; boots that overlap, as provium.boot{...}'s do,
 * one above the other, the lane growing to hold them; a VM restored from a
 * fixture in teal, from the start of its restore to its agent answering),
 * and the fixtures it built (a brown band along the lane's top, from
 * fixture_build_started to _finished; a file waiting for another's build is
 * a span blocked with reason fixture_build).  Below, the pool's
 * memory and vCPU use.  Every mark has a <title>, so hovering in a browser
 * explains it.  Several runs (provium report of several streams) are bands
 * one below the other, each with its heading, lanes and pool, on one time
 * axis: shares of a corpus run at once on several CI machines.  A run on
 * several libvirt hosts has, inside its band, a part per host (its
 * heading with the host's figures, then the lanes of the files that ran
 * there; files never placed last), above the run's pool.  For the
 * report page, each file's label and bar link to its section.  Built with
 * libxml2, as all of provium's XML.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libxml/tree.h>
#include <math.h>
#include <string.h>

#include "pv-autocleanups.h"
#include "pv-report-summary.h"
#include "pv-text.h"
#include "pv-units.h"

#define SVG_WIDTH 1100.0
#define SVG_LABEL_W 270.0
#define SVG_RIGHT 30.0
#define SVG_PLOT_W (SVG_WIDTH - SVG_LABEL_W - SVG_RIGHT)
#define SVG_LANE_H 22.0
#define SVG_LANE_GAP 6.0
#define SVG_BOOT_ROW_H 5.0
#define SVG_TOP 104.0
#define SVG_CHART_H 64.0
#define SVG_BOOT_COLOR "#212121"
#define SVG_RESTORE_COLOR "#00897b"
#define SVG_BUILD_COLOR "#8d6e63"

#define SVG_BAND_HEAD_H 48.0
#define SVG_HOST_HEAD_H 26.0
#define SVG_BAND_GAP 20.0
#define SVG_XLINK_NS "http://www.w3.org/1999/xlink"

typedef struct {
    xmlDoc *doc;
    xmlNode *root;
    xmlNs *xlink;          /* nullable: links wanted */
    GHashTable *links;     /* nullable: path -> href */
    gint64 start;
    gint64 end;
} PvSvg;

static const char *
pv_svg_status_color(const char *status)
{
    if (g_strcmp0(status, "passed") == 0)
        return "#2e7d32";
    if (g_strcmp0(status, "failed") == 0)
        return "#c62828";
    if (g_strcmp0(status, "error") == 0)
        return "#6a1b9a";
    if (!status)
        return "#1565c0";  /* still running when the stream ended */
    return "#757575";
}

static const char *
pv_svg_reason_color(PvBlockReason reason)
{
    static const char *const colors[] = {
        "#9e9e9e", "#ef6c00", "#ad1457", "#4527a0", "#00838f", "#f9a825", "#5d4037",
        "#2e7d32", "#0277bd",
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(colors) == PV_BLOCK_LAST);

    return colors[reason];
}

static char *
pv_svg_num(double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    return g_strdup(g_ascii_formatd(buf, sizeof(buf), "%.1f", value));
}

static double
pv_svg_x(const PvSvg *svg, gint64 ts)
{
    double span = MAX(svg->end - svg->start, 1);

    return SVG_LABEL_W + (double)(CLAMP(ts, svg->start, svg->end) - svg->start) / span * SVG_PLOT_W;
}

static xmlNode *
pv_svg_node(xmlNode *parent, const char *name)
{
    return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

static void
pv_svg_attr(xmlNode *node, const char *name, const char *value)
{
    xmlSetProp(node, BAD_CAST name, BAD_CAST value);
}

static void
pv_svg_attr_num(xmlNode *node, const char *name, double value)
{
    g_autofree char *text = pv_svg_num(value);

    pv_svg_attr(node, name, text);
}

/* All text goes in through here: names and reasons may hold anything. */
static void
pv_svg_add_text(xmlNode *node, const char *text)
{
    g_autofree char *shown = pv_text_sanitize(text, -1);

    xmlAddChild(node, xmlNewDocText(node->doc, BAD_CAST shown));
}

static void
pv_svg_title(xmlNode *node, const char *text)
{
    pv_svg_add_text(pv_svg_node(node, "title"), text);
}

static xmlNode *
pv_svg_rect(xmlNode *parent, double x, double y, double w, double h, const char *fill)
{
    xmlNode *rect = pv_svg_node(parent, "rect");

    pv_svg_attr_num(rect, "x", x);
    pv_svg_attr_num(rect, "y", y);
    pv_svg_attr_num(rect, "width", MAX(w, 1.0));
    pv_svg_attr_num(rect, "height", h);
    pv_svg_attr(rect, "fill", fill);
    return rect;
}

static xmlNode *
pv_svg_text(xmlNode *parent, double x, double y, const char *text, const char *anchor)
{
    xmlNode *node = pv_svg_node(parent, "text");

    pv_svg_attr_num(node, "x", x);
    pv_svg_attr_num(node, "y", y);
    if (anchor)
        pv_svg_attr(node, "text-anchor", anchor);
    pv_svg_add_text(node, text);
    return node;
}

static void
pv_svg_line(xmlNode *parent, double x1, double y1, double x2, double y2, const char *stroke,
            double width)
{
    xmlNode *line = pv_svg_node(parent, "line");

    pv_svg_attr_num(line, "x1", x1);
    pv_svg_attr_num(line, "y1", y1);
    pv_svg_attr_num(line, "x2", x2);
    pv_svg_attr_num(line, "y2", y2);
    pv_svg_attr(line, "stroke", stroke);
    pv_svg_attr_num(line, "stroke-width", width);
}

/* A tick step giving at most ten ticks. */
static double
pv_svg_tick_step(double seconds)
{
    static const double steps[] = {
        0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        if (seconds / steps[i] <= 10)
            return steps[i];
    }
    return ceil(seconds / 10 / 3600) * 3600;
}

static void
pv_svg_axis(PvSvg *svg, double top, double bottom)
{
    double seconds = (svg->end - svg->start) / 1e9;
    double step = pv_svg_tick_step(MAX(seconds, 0.1));
    double t;

    for (t = 0; t <= seconds + 1e-9; t += step) {
        double x = SVG_LABEL_W + t / MAX(seconds, 1e-9) * SVG_PLOT_W;
        g_autofree char *label = pv_duration_format((gint64)(t * 1e9));

        pv_svg_line(svg->root, x, top, x, bottom, "#e0e0e0", 1);
        pv_svg_text(svg->root, x, top - 6, label, "middle");
    }
}

#define SVG_LEGEND_Y 72.0
#define SVG_LEGEND_ROW_H 18.0

typedef enum {
    PV_SVG_KEY_STATUS,   /* a bar's color */
    PV_SVG_KEY_REASON,   /* a blocked span's color */
    PV_SVG_KEY_STROKE,   /* a VM's stroke */
    PV_SVG_KEY_BAND,     /* a fixture build's band */
} PvSvgKeyKind;

typedef struct {
    PvSvgKeyKind kind;
    const char *color;
    const char *label;
} PvSvgKey;

/* The legend's keys: statuses, the reasons these runs blocked for, the marks. */
static GArray *
pv_svg_legend_keys(const PvSummary *const *summaries, guint n)
{
    const char *statuses[] = { "passed", "failed", "error", "cancelled" };
    GArray *keys = g_array_new(FALSE, FALSE, sizeof(PvSvgKey));
    guint blocked_files[PV_BLOCK_LAST] = { 0 };
    guint restored_vms = 0;
    guint fixture_builds = 0;
    PvSvgKey key;
    gsize i;

    for (i = 0; i < n; i++) {
        guint r;

        for (r = 0; r < PV_BLOCK_LAST; r++)
            blocked_files[r] += summaries[i]->blocked_files[r];
        restored_vms += summaries[i]->restored_vms;
        fixture_builds += summaries[i]->fixture_builds;
    }

    for (i = 0; i < G_N_ELEMENTS(statuses); i++) {
        key = (PvSvgKey){ PV_SVG_KEY_STATUS, pv_svg_status_color(statuses[i]), statuses[i] };
        g_array_append_val(keys, key);
    }
    for (i = 1; i < PV_BLOCK_LAST; i++) {
        if (!blocked_files[i])
            continue;
        key = (PvSvgKey){ PV_SVG_KEY_REASON, pv_svg_reason_color(i),
                          pv_block_reason_to_string(i) };
        g_array_append_val(keys, key);
    }
    key = (PvSvgKey){ PV_SVG_KEY_STROKE, SVG_BOOT_COLOR, _("VM boot, then ready") };
    g_array_append_val(keys, key);
    if (restored_vms) {
        key = (PvSvgKey){ PV_SVG_KEY_STROKE, SVG_RESTORE_COLOR, _("VM restored from a fixture") };
        g_array_append_val(keys, key);
    }
    if (fixture_builds) {
        key = (PvSvgKey){ PV_SVG_KEY_BAND, SVG_BUILD_COLOR, _("building a fixture") };
        g_array_append_val(keys, key);
    }
    return keys;
}

static double
pv_svg_key_width(const PvSvgKey *key)
{
    return 26 + 7.0 * g_utf8_strlen(key->label, -1);
}

/* How many rows the legend takes, wrapped at the picture's width. */
static guint
pv_svg_legend_rows(GArray *keys)
{
    double x = SVG_LABEL_W;
    guint rows = 1;
    guint i;

    for (i = 0; i < keys->len; i++) {
        double w = pv_svg_key_width(&g_array_index(keys, PvSvgKey, i));

        if (x + w > SVG_WIDTH - SVG_RIGHT && x > SVG_LABEL_W) {
            rows++;
            x = SVG_LABEL_W;
        }
        x += w;
    }
    return rows;
}

static void
pv_svg_legend(PvSvg *svg, GArray *keys)
{
    double x = SVG_LABEL_W;
    double y = SVG_LEGEND_Y;
    guint i;

    for (i = 0; i < keys->len; i++) {
        const PvSvgKey *key = &g_array_index(keys, PvSvgKey, i);
        double w = pv_svg_key_width(key);
        xmlNode *rect;

        if (x + w > SVG_WIDTH - SVG_RIGHT && x > SVG_LABEL_W) {
            x = SVG_LABEL_W;
            y += SVG_LEGEND_ROW_H;
        }
        switch (key->kind) {
        case PV_SVG_KEY_STATUS:
            rect = pv_svg_rect(svg->root, x, y - 10, 14, 12, key->color);
            pv_svg_attr(rect, "fill-opacity", "0.35");
            pv_svg_attr(rect, "stroke", key->color);
            break;
        case PV_SVG_KEY_REASON:
            pv_svg_rect(svg->root, x, y - 10, 14, 12, key->color);
            break;
        case PV_SVG_KEY_STROKE:
            pv_svg_line(svg->root, x, y - 4, x + 14, y - 4, key->color, 3);
            break;
        case PV_SVG_KEY_BAND:
            pv_svg_rect(svg->root, x, y - 7, 14, 5, key->color);
            break;
        }
        pv_svg_text(svg->root, x + 18, y, key->label, NULL);
        x += w;
    }
}

/* Where a boot's stroke ends: at ready, or where it started when never ready. */
static gint64
pv_svg_boot_end(const PvSummaryVm *vm)
{
    return vm->ready_ns ? vm->ready_ns : vm->spawned_ns;
}

/*
 * Rows for the file's VM boots, so that overlapping boots do not hide one
 * another: each boot goes in the lowest row free when it starts.  @rows gets
 * each VM's row.  Returns: how many rows, at least one
 */
static guint
pv_svg_boot_rows(const PvSummaryFile *file, guint *rows)
{
    g_autoptr(GArray) ends = g_array_new(FALSE, FALSE, sizeof(gint64));
    guint i;

    for (i = 0; i < file->vms->len; i++) {
        const PvSummaryVm *vm = file->vms->pdata[i];
        gint64 end = pv_svg_boot_end(vm);
        guint row;

        for (row = 0; row < ends->len; row++) {
            if (g_array_index(ends, gint64, row) <= vm->spawned_ns)
                break;
        }
        if (row == ends->len)
            g_array_append_val(ends, end);
        else
            g_array_index(ends, gint64, row) = end;
        rows[i] = row;
    }
    return MAX(ends->len, 1);
}

static double
pv_svg_lane_height(guint boot_rows)
{
    return SVG_LANE_H + (boot_rows - 1) * SVG_BOOT_ROW_H;
}

/* Where a mark of @path goes: a link to its section when the page has one. */
static xmlNode *
pv_svg_link(PvSvg *svg, const char *path)
{
    const char *href = svg->links ? g_hash_table_lookup(svg->links, path) : NULL;
    xmlNode *link;

    if (!href)
        return svg->root;
    link = pv_svg_node(svg->root, "a");
    xmlNewNsProp(link, svg->xlink, BAD_CAST "href", BAD_CAST href);
    return link;
}

static void
pv_svg_lane(PvSvg *svg, const PvSummaryFile *file, guint index, double y)
{
    g_autofree guint *rows = g_new0(guint, MAX(file->vms->len, 1));
    double lane_h = pv_svg_lane_height(pv_svg_boot_rows(file, rows));
    const char *color = pv_svg_status_color(file->status);
    const char *end = file->path + strlen(file->path);
    /* The end of a long path, cut between characters. */
    g_autofree char *label = g_utf8_strlen(file->path, -1) > 40 ?
        g_strconcat("…", g_utf8_offset_to_pointer(end, -39), NULL) : g_strdup(file->path);
    xmlNode *node;
    guint i;

    if (index % 2 == 0) {
        node = pv_svg_rect(svg->root, 0, y - SVG_LANE_GAP / 2, SVG_WIDTH, lane_h + SVG_LANE_GAP,
                           "#f5f5f5");
    }
    node = pv_svg_text(pv_svg_link(svg, file->path), SVG_LABEL_W - 8, y + lane_h / 2 + 4, label,
                       "end");
    pv_svg_attr(node, "fill", file->status && g_str_equal(file->status, "passed") ? "#212121"
                                                                                  : color);
    pv_svg_title(node, file->path);

    for (i = 0; i < file->spans->len; i++) {
        const PvSummarySpan *span = file->spans->pdata[i];
        double x1 = pv_svg_x(svg, span->start_ns);
        double x2 = pv_svg_x(svg, span->end_ns);
        g_autofree char *took = pv_duration_format(span->end_ns - span->start_ns);
        g_autofree char *tip = g_strdup_printf("%s %s: %s%s%s", span->queued ? _("queued") :
                                               _("blocked"),
                                               pv_block_reason_to_string(span->reason), took,
                                               span->waiting_for ? _(", waiting for ") : "",
                                               span->waiting_for ? span->waiting_for : "");

        if (!span->queued)
            continue;
        node = pv_svg_rect(svg->root, x1, y + 4, x2 - x1, lane_h - 8,
                           pv_svg_reason_color(span->reason));
        pv_svg_attr(node, "fill-opacity", "0.25");
        pv_svg_attr(node, "stroke", pv_svg_reason_color(span->reason));
        pv_svg_attr(node, "stroke-dasharray", "3,2");
        pv_svg_title(node, tip);
    }

    if (file->dispatched) {
        double x1 = pv_svg_x(svg, file->dispatched_ns);
        double x2 = pv_svg_x(svg, file->completed ? file->completed_ns : svg->end);
        g_autofree char *took = pv_duration_format(file->duration_ns);
        g_autofree char *tests = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u test",
                                                             "%u tests", file->tests),
                                                 file->tests);
        g_autofree char *vms = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u VM", "%u VMs",
                                                           file->vms->len), file->vms->len);
        /* TRANSLATORS: "FILE: passed in 12s, 3 tests, 2 VMs" */
        g_autofree char *tip = g_strdup_printf(_("%s: %s in %s, %s, %s"), file->path,
                                               file->status ? file->status : _("running"),
                                               took, tests, vms);

        node = pv_svg_rect(pv_svg_link(svg, file->path), x1, y, x2 - x1, lane_h, color);
        pv_svg_attr(node, "fill-opacity", "0.22");
        pv_svg_attr(node, "stroke", color);
        pv_svg_title(node, tip);
    }

    for (i = 0; i < file->spans->len; i++) {
        const PvSummarySpan *span = file->spans->pdata[i];
        double x1 = pv_svg_x(svg, span->start_ns);
        double x2 = pv_svg_x(svg, span->end_ns);
        g_autofree char *took = pv_duration_format(span->end_ns - span->start_ns);
        g_autofree char *tip = g_strdup_printf(_("blocked %s: %s%s%s"),
                                               pv_block_reason_to_string(span->reason), took,
                                               span->waiting_for ? _(", waiting for ") : "",
                                               span->waiting_for ? span->waiting_for : "");

        if (span->queued)
            continue;
        node = pv_svg_rect(svg->root, x1, y + 3, x2 - x1, lane_h - 6,
                           pv_svg_reason_color(span->reason));
        pv_svg_attr(node, "fill-opacity", "0.75");
        pv_svg_title(node, tip);
        /* Labelled in place where there is room: no legend hunt. */
        if (x2 - x1 > 8.0 * strlen(pv_block_reason_to_string(span->reason))) {
            node = pv_svg_text(svg->root, (x1 + x2) / 2, y + lane_h / 2 + 4,
                               pv_block_reason_to_string(span->reason), "middle");
            pv_svg_attr(node, "fill", "#ffffff");
            pv_svg_attr(node, "font-size", "11");
        }
    }

    for (i = 0; i < file->builds->len; i++) {
        const PvSummaryBuild *build = file->builds->pdata[i];
        double x1 = pv_svg_x(svg, build->start_ns);
        double x2 = pv_svg_x(svg, build->end_ns ? build->end_ns : svg->end);
        g_autofree char *took = pv_duration_format((build->end_ns ? build->end_ns : svg->end) -
                                                   build->start_ns);
        g_autofree char *tip = !build->end_ns ?
            g_strdup_printf(_("fixture '%s' (key %s): building for %s, unfinished"),
                            build->fixture, build->key, took) : build->ok ?
            g_strdup_printf(_("fixture '%s' (key %s): built in %s"), build->fixture,
                            build->key, took) :
            g_strdup_printf(_("fixture '%s' (key %s): build failed after %s"), build->fixture,
                            build->key, took);

        node = pv_svg_rect(svg->root, x1, y + 1, x2 - x1, 4, SVG_BUILD_COLOR);
        if (build->end_ns && !build->ok)
            pv_svg_attr(node, "stroke", pv_svg_status_color("failed"));
        pv_svg_title(node, tip);
    }

    for (i = 0; i < file->vms->len; i++) {
        const PvSummaryVm *vm = file->vms->pdata[i];
        double x1 = pv_svg_x(svg, vm->spawned_ns);
        double x2 = pv_svg_x(svg, pv_svg_boot_end(vm));
        double row_y = y + lane_h - 4 - rows[i] * SVG_BOOT_ROW_H;
        const char *stroke = vm->fixture ? SVG_RESTORE_COLOR : SVG_BOOT_COLOR;
        g_autofree char *boot = pv_duration_format(vm->ready_ns ? vm->ready_ns - vm->spawned_ns : 0);
        g_autofree char *tip = vm->fixture ?
            g_strdup_printf(_("vm '%s' (%s): restored from fixture '%s' in %s"), vm->name,
                            vm->domain, vm->fixture, boot) : vm->ready_ns ?
            g_strdup_printf(_("vm '%s' (%s): ready after %s"), vm->name, vm->domain, boot) :
            g_strdup_printf(_("vm '%s' (%s): never ready"), vm->name, vm->domain);
        xmlNode *group = pv_svg_node(svg->root, "g");

        pv_svg_title(group, tip);
        pv_svg_line(group, x1, row_y, MAX(x2, x1 + 1), row_y, stroke, 3);
        if (vm->ready_ns) {
            node = pv_svg_node(group, "circle");
            pv_svg_attr_num(node, "cx", x2);
            pv_svg_attr_num(node, "cy", row_y);
            pv_svg_attr(node, "r", "3.5");
            pv_svg_attr(node, "fill", stroke);
        }
    }
}

/* The pool's use of one budget over time, as a step area. */
static void
pv_svg_pool_chart(PvSvg *svg, const PvSummary *summary, double y, gboolean memory)
{
    g_autoptr(GString) points = g_string_new(NULL);
    double total = memory ? (double)summary->pool_memory : summary->pool_cpus;
    g_autofree char *total_text = memory ? pv_size_format(summary->pool_memory)
                                         : g_strdup_printf("%g", summary->pool_cpus);
    g_autofree char *label = g_strdup_printf(memory ? _("pool memory (of %s)")
                                                    : _("pool vCPUs (of %s)"), total_text);
    double last_y = y + SVG_CHART_H;
    double peak = 0;
    guint64 peak_memory = 0;
    g_autofree char *peak_text = NULL;
    xmlNode *node;
    guint i;

    pv_svg_rect(svg->root, SVG_LABEL_W, y, SVG_PLOT_W, SVG_CHART_H, "#fafafa");
    pv_svg_text(svg->root, SVG_LABEL_W - 8, y + 14, label, "end");
    pv_svg_text(svg->root, SVG_LABEL_W - 8, y + SVG_CHART_H, "0", "end");
    g_string_append_printf(points, "%.1f,%.1f", SVG_LABEL_W, y + SVG_CHART_H);
    for (i = 0; i < summary->pool->len; i++) {
        const PvSummaryPoolSample *s = &g_array_index(summary->pool, PvSummaryPoolSample, i);
        double used = memory ? (double)s->memory : s->cpus;
        double x = pv_svg_x(svg, s->ts_ns);
        double py = y + SVG_CHART_H - (total > 0 ? used / total : 0) * SVG_CHART_H;

        g_string_append_printf(points, " %.1f,%.1f %.1f,%.1f", x, last_y, x, py);
        last_y = py;
        peak = MAX(peak, used);
        peak_memory = MAX(peak_memory, s->memory);
    }
    g_string_append_printf(points, " %.1f,%.1f %.1f,%.1f", SVG_LABEL_W + SVG_PLOT_W, last_y,
                           SVG_LABEL_W + SVG_PLOT_W, y + SVG_CHART_H);
    node = pv_svg_node(svg->root, "polygon");
    pv_svg_attr(node, "points", points->str);
    pv_svg_attr(node, "fill", memory ? "#1565c0" : "#00838f");
    pv_svg_attr(node, "fill-opacity", "0.45");
    /* Sizes as integers: a double near 2^64 does not convert back. */
    peak_text = memory ? pv_size_format(peak_memory) : g_strdup_printf("%g", peak);
    {
        g_autofree char *tip = g_strdup_printf(_("peak %s"), peak_text);

        pv_svg_title(node, tip);
        pv_svg_text(svg->root, SVG_LABEL_W - 8, y + 30, tip, "end");
    }
    pv_svg_line(svg->root, SVG_LABEL_W, y, SVG_LABEL_W + SVG_PLOT_W, y, "#9e9e9e", 1);
}

/*
 * What a band draws above its pool, top to bottom: a lane per file, and
 * with several hosts a heading before each host's lanes.
 */
typedef struct {
    const PvSummaryFile *file;   /* nullable: a heading */
    const PvSummaryHost *host;   /* a heading's; NULL for files never placed */
    double y;
} PvSvgRow;

static void
pv_svg_add_file_row(GArray *rows, const PvSummaryFile *file, double *y)
{
    g_autofree guint *boots = g_new0(guint, MAX(file->vms->len, 1));
    PvSvgRow row = { file, NULL, *y };

    g_array_append_val(rows, row);
    *y += pv_svg_lane_height(pv_svg_boot_rows(file, boots)) + SVG_LANE_GAP;
}

static void
pv_svg_add_heading_row(GArray *rows, const PvSummaryHost *host, double *y)
{
    PvSvgRow row = { NULL, host, *y };

    g_array_append_val(rows, row);
    *y += SVG_HOST_HEAD_H;
}

/*
 * The rows of @summary's band from @top: its files in discovery order, or
 * by host when it ran on several.  @bottom: where the last ends.
 */
static GArray *
pv_svg_layout_lanes(const PvSummary *summary, double top, double *bottom)
{
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(PvSvgRow));
    g_autoptr(GHashTable) by_host = NULL;
    g_autoptr(GPtrArray) groups = NULL;
    double y = top;
    guint h;
    guint i;

    if (summary->hosts->len < 2) {
        for (i = 0; i < summary->files->len; i++)
            pv_svg_add_file_row(rows, summary->files->pdata[i], &y);
        *bottom = y;
        return rows;
    }
    /* Each host's files, in discovery order; the last group: those never placed. */
    by_host = g_hash_table_new(g_str_hash, g_str_equal);
    groups = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    for (h = 0; h <= summary->hosts->len; h++) {
        g_ptr_array_add(groups, g_ptr_array_new());
        if (h < summary->hosts->len)
            g_hash_table_insert(by_host, ((PvSummaryHost *)summary->hosts->pdata[h])->name,
                                groups->pdata[h]);
    }
    for (i = 0; i < summary->files->len; i++) {
        const PvSummaryFile *file = summary->files->pdata[i];
        GPtrArray *group = file->host ? g_hash_table_lookup(by_host, file->host) : NULL;

        g_ptr_array_add(group ? group : groups->pdata[summary->hosts->len], (gpointer)file);
    }
    for (h = 0; h <= summary->hosts->len; h++) {
        GPtrArray *group = groups->pdata[h];

        if (h == summary->hosts->len && group->len == 0)
            break;
        pv_svg_add_heading_row(rows, h < summary->hosts->len ? summary->hosts->pdata[h] : NULL,
                               &y);
        for (i = 0; i < group->len; i++)
            pv_svg_add_file_row(rows, group->pdata[i], &y);
    }
    *bottom = y;
    return rows;
}

/* A host's heading in a band: a rule and its figures. */
static void
pv_svg_host_heading(PvSvg *svg, const PvSummaryHost *host, double y)
{
    g_autofree char *text = host ? pv_summary_format_host(host) : NULL;
    /* TRANSLATORS: the heading of a timeline's part: "host lab2: 3 files, ..." */
    g_autofree char *label = host ? g_strdup_printf(_("host %s"), text)
                                  : g_strdup(_("never placed on a host"));
    xmlNode *node;

    pv_svg_line(svg->root, SVG_LABEL_W - 250, y + 4, SVG_WIDTH - SVG_RIGHT, y + 4, "#bdbdbd", 1);
    node = pv_svg_text(svg->root, SVG_LABEL_W - 250, y + 18, label, NULL);
    pv_svg_attr(node, "font-weight", "bold");
    pv_svg_attr(node, "class", "host-heading");
}

/* One run: its heading (@label, nullable), its lanes and its pool, from @top. */
static double
pv_svg_band(PvSvg *svg, const PvSummary *summary, const char *label, double top)
{
    g_autoptr(GArray) rows = NULL;
    double lanes_bottom;
    guint lane = 0;
    guint i;

    if (label) {
        xmlNode *node;

        pv_svg_line(svg->root, 16, top, SVG_WIDTH - SVG_RIGHT, top, "#9e9e9e", 1);
        node = pv_svg_text(svg->root, 16, top + 16, label, NULL);
        pv_svg_attr(node, "font-weight", "bold");
        top += SVG_BAND_HEAD_H;
    }
    rows = pv_svg_layout_lanes(summary, top, &lanes_bottom);
    pv_svg_axis(svg, top - 8, lanes_bottom);
    for (i = 0; i < rows->len; i++) {
        const PvSvgRow *row = &g_array_index(rows, PvSvgRow, i);

        if (row->file)
            pv_svg_lane(svg, row->file, lane++, row->y);
        else
            pv_svg_host_heading(svg, row->host, row->y);
    }
    pv_svg_pool_chart(svg, summary, lanes_bottom + 30, TRUE);
    pv_svg_pool_chart(svg, summary, lanes_bottom + 30 + SVG_CHART_H + 22, FALSE);
    return lanes_bottom + 30 + 2 * (SVG_CHART_H + 22);
}

/**
 * pv_summary_svg_many:
 * @summaries: (array length=n): one run each, @n at least 1
 * @labels: (array length=n) (nullable): each band's heading; NULL for one run
 *
 * Returns: (transfer full): the timeline of the runs, one band each on one
 *   time axis, as an SVG document (or element: @options->fragment)
 */
char *
pv_summary_svg_many(const PvSummary *const *summaries, const char *const *labels, guint n,
                    const PvSvgOptions *options)
{
    const PvSummary *summary = summaries[0];
    PvSvg svg = { 0 };
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    g_autofree char *duration = pv_duration_format(summary->end_ns - summary->start_ns);
    g_autofree char *title = options->title ? g_strdup(options->title) :
        g_strdup_printf(_("provium run %s"), summary->run ? summary->run : "?");
    g_autofree char *files = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u file", "%u files",
                                                         summary->files->len),
                                             summary->files->len);
    g_autofree char *counts = pv_summary_format_counts(summary->passed, summary->failed,
                                                       summary->skipped, summary->flaky);
    /* TRANSLATORS: "3 files in 1m05s: 3 passed, 1 failed, 0 skipped; files at once: ..." */
    g_autofree char *subtitle = options->subtitle ? g_strdup(options->subtitle) :
        g_strdup_printf(_("%s in %s: %s; files at once: peak %u, mean %.2f"),
                        files, duration, counts, summary->peak_files, summary->mean_files);
    g_autoptr(GArray) keys = pv_svg_legend_keys(summaries, n);
    double top = SVG_TOP + (pv_svg_legend_rows(keys) - 1) * SVG_LEGEND_ROW_H;
    double y;
    double height;
    char *result;
    xmlNode *node;
    guint i;

    /* Each band as high as its lanes and their overlapping boots need. */
    height = top;
    for (i = 0; i < n; i++) {
        g_autoptr(GArray) rows = pv_svg_layout_lanes(summaries[i],
                                                     height + (labels ? SVG_BAND_HEAD_H : 0),
                                                     &height);

        height += 30 + 2 * (SVG_CHART_H + 22) + SVG_BAND_GAP;
    }
    height = height - SVG_BAND_GAP + 20;

    svg.doc = doc;
    svg.start = summary->start_ns;
    svg.end = summary->end_ns;
    for (i = 1; i < n; i++) {
        svg.start = MIN(svg.start, summaries[i]->start_ns);
        svg.end = MAX(svg.end, summaries[i]->end_ns);
    }
    svg.end = MAX(svg.end, svg.start + 1);
    svg.links = options->links;
    svg.root = xmlNewNode(NULL, BAD_CAST "svg");
    xmlNewNs(svg.root, BAD_CAST "http://www.w3.org/2000/svg", NULL);
    if (svg.links)
        svg.xlink = xmlNewNs(svg.root, BAD_CAST SVG_XLINK_NS, BAD_CAST "xlink");
    xmlDocSetRootElement(doc, svg.root);
    /* In a page, the page sizes it. */
    if (!options->fragment) {
        pv_svg_attr_num(svg.root, "width", SVG_WIDTH);
        pv_svg_attr_num(svg.root, "height", height);
    }
    {
        g_autofree char *box = g_strdup_printf("0 0 %d %d", (int)SVG_WIDTH, (int)ceil(height));

        pv_svg_attr(svg.root, "viewBox", box);
    }
    pv_svg_attr(svg.root, "font-family", "DejaVu Sans, Verdana, sans-serif");
    pv_svg_attr(svg.root, "font-size", "12");
    pv_svg_rect(svg.root, 0, 0, SVG_WIDTH, height, "#ffffff");

    node = pv_svg_text(svg.root, 16, 26, title, NULL);
    pv_svg_attr(node, "font-size", "18");
    pv_svg_attr(node, "font-weight", "bold");
    pv_svg_text(svg.root, 16, 46, subtitle, NULL);
    pv_svg_legend(&svg, keys);
    y = top;
    for (i = 0; i < n; i++)
        y = pv_svg_band(&svg, summaries[i], labels ? labels[i] : NULL, y) + SVG_BAND_GAP;

    if (options->fragment) {
        g_autoptr(xmlBuffer) buffer = xmlBufferCreate();

        xmlNodeDump(buffer, doc, svg.root, 0, 0);
        result = g_strndup((const char *)xmlBufferContent(buffer), xmlBufferLength(buffer));
    } else {
        xmlChar *out = NULL;
        int len = 0;

        xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
        result = g_strndup((const char *)out, len);
        xmlFree(out);
    }
    return result;
}

/**
 * pv_summary_svg:
 *
 * Returns: (transfer full): the timeline as an SVG document
 */
char *
pv_summary_svg(const PvSummary *summary)
{
    const PvSvgOptions options = { 0 };

    return pv_summary_svg_many(&summary, NULL, 1, &options);
}
