/*
 * pv-ksm.c: KSM, tuned while provium runs and put back after
 *
 * Read and written through sysfs, so only on a libvirt host that is this
 * machine (PvHost decides).  Reading and deciding are tested with knobs and
 * state files the tests write.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pv-error.h"
#include "pv-ksm.h"
#include "pv-safe.h"

/*
 * KSM is one setting for the whole host, and several provium runs may
 * overlap on it.  The first run to tune it records the host's own settings;
 * the last run to end puts them back.  Two files in PV_KSM_STATE_DIR, which
 * must be root's (or yours) and not writable by everyone:
 *
 * - ksm.state holds the host's settings ("previous") and what provium wrote
 *   ("written").  A run reads or changes it only while it holds an exclusive
 *   flock on it, briefly.
 * - ksm.users: each run that keeps KSM tuned holds a shared flock on its own
 *   descriptor of it for its whole life.  The kernel drops it when the run
 *   dies, SIGKILL included: there is no count to get wrong.
 *
 * With ksm.state locked, a run that can take ksm.users exclusively is alone.
 * Starting alone, it takes the knobs' current values as the host's, unless
 * ksm.state says a run was killed before putting them back (the knobs still
 * hold what that run wrote): then the recorded ones are the host's.  Ending
 * alone, it puts the host's settings back, unless someone changed the knobs
 * since provium wrote them, and empties ksm.state.  Every flock on ksm.users
 * that can conflict is taken with ksm.state locked, so a conversion between
 * shared and exclusive (not atomic in flock(2)) is never seen half done.
 * A run killed while writing ksm.state leaves it unreadable, which counts
 * as no record: the next run takes the knobs' values as the host's.
 */

PV_ENUM_IMPL(pv_ksm_knob, PvKsmKnob, PV_KSM_LAST,
             "run", "pages_to_scan", "sleep_millisecs");

/* What provium sets: ksmd on, scanning fast enough for short-lived guests. */
static const PvKsmSettings pv_ksm_tuning = { { 1, 1000, 100 } };

/* "run 0, pages_to_scan 100, sleep_millisecs 20" */
static char *
pv_ksm_settings_format(const PvKsmSettings *settings)
{
    GString *out = g_string_new(NULL);
    PvKsmKnob knob;

    for (knob = 0; knob < PV_KSM_LAST; knob++)
        g_string_append_printf(out, "%s%s %" G_GINT64_FORMAT, knob ? ", " : "",
                               pv_ksm_knob_names[knob], settings->values[knob]);
    return g_string_free(out, FALSE);
}

static gboolean
pv_ksm_settings_equal(const PvKsmSettings *a, const PvKsmSettings *b)
{
    return memcmp(a->values, b->values, sizeof(a->values)) == 0;
}

static gboolean
pv_ksm_read(const char *sysfs_dir, PvKsmSettings *settings, char **why)
{
    PvKsmSettings out;
    PvKsmKnob knob;

    for (knob = 0; knob < PV_KSM_LAST; knob++) {
        g_autofree char *path = g_build_filename(sysfs_dir, pv_ksm_knob_names[knob], NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        char *end = NULL;

        if (!g_file_get_contents(path, &text, NULL, &error)) {
            *why = g_strdup(error->message);
            return FALSE;
        }
        out.values[knob] = g_ascii_strtoll(g_strstrip(text), &end, 10);
        if (!*text || *end) {
            *why = g_strdup_printf(_("%s: '%s' is not a number"), path, text);
            return FALSE;
        }
    }
    *settings = out;
    return TRUE;
}

static gboolean
pv_ksm_write(const char *sysfs_dir, const PvKsmSettings *settings, char **why)
{
    PvKsmKnob knob;

    for (knob = 0; knob < PV_KSM_LAST; knob++) {
        g_autofree char *path = g_build_filename(sysfs_dir, pv_ksm_knob_names[knob], NULL);
        g_autofree char *value = g_strdup_printf("%" G_GINT64_FORMAT, settings->values[knob]);
        /* sysfs knobs are written in place, never replaced */
        int fd = g_open(path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
        gboolean ok = fd >= 0 && write(fd, value, strlen(value)) == (gssize)strlen(value);
        int saved = errno;

        if (fd >= 0)
            close(fd);
        if (!ok) {
            *why = g_strdup_printf("%s: %s", path, g_strerror(saved));
            return FALSE;
        }
    }
    return TRUE;
}

/* ksm.state: "previous" and "written", or nothing (FALSE) */
static gboolean
pv_ksm_state_load(int fd, PvKsmSettings *previous, PvKsmSettings *written)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    PvKsmSettings *groups[] = { previous, written };
    const char *names[] = { "previous", "written" };
    char buf[512];
    gssize n;
    gsize i;

    while ((n = pread(fd, buf, sizeof(buf), text->len)) > 0 && text->len < 4096)
        g_string_append_len(text, buf, n);
    if (n < 0 || !g_key_file_load_from_data(kf, text->str, text->len, G_KEY_FILE_NONE, NULL))
        return FALSE;
    for (i = 0; i < G_N_ELEMENTS(groups); i++) {
        PvKsmKnob knob;

        for (knob = 0; knob < PV_KSM_LAST; knob++) {
            g_autoptr(GError) error = NULL;

            groups[i]->values[knob] = g_key_file_get_int64(kf, names[i],
                                                           pv_ksm_knob_names[knob], &error);
            if (error)
                return FALSE;
        }
    }
    return TRUE;
}

/* Writes ksm.state, or empties it when @previous is NULL. */
static void
pv_ksm_state_save(int fd, const PvKsmSettings *previous, const PvKsmSettings *written)
{
    g_autoptr(GString) text = g_string_new(NULL);
    const PvKsmSettings *groups[] = { previous, written };
    const char *names[] = { "previous", "written" };
    gsize i;

    if (previous) {
        g_string_append(text, "# provium: the host's KSM settings, put back by the last run "
                        "to end\n");
        for (i = 0; i < G_N_ELEMENTS(groups); i++) {
            PvKsmKnob knob;

            g_string_append_printf(text, "[%s]\n", names[i]);
            for (knob = 0; knob < PV_KSM_LAST; knob++)
                g_string_append_printf(text, "%s=%" G_GINT64_FORMAT "\n",
                                       pv_ksm_knob_names[knob], groups[i]->values[knob]);
        }
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, text->str, text->len, 0) != (gssize)text->len)
        g_debug("cannot record the host's KSM settings");
}

void
pv_ksm_free(PvKsm *ksm)
{
    if (!ksm)
        return;
    g_free(pv_ksm_restore(ksm));
    if (ksm->state_fd >= 0)
        close(ksm->state_fd);
    g_free(ksm->message);
    g_free(ksm->sysfs_dir);
    g_free(ksm);
}

/*
 * Opens ksm.state and ksm.users in @state_dir, ksm.state locked.
 * Returns: FALSE with @why set
 */
static gboolean
pv_ksm_open_state(PvKsm *ksm, const char *state_dir, char **why)
{
    g_autoptr(GError) error = NULL;
    int dirfd;

    if (g_mkdir_with_parents(state_dir, 0755) < 0) {
        *why = g_strdup_printf(_("cannot create %s: %s"), state_dir, g_strerror(errno));
        return FALSE;
    }
    dirfd = pv_safe_dir_open(state_dir, &error);
    if (dirfd < 0) {
        *why = g_strdup(error->message);
        return FALSE;
    }
    ksm->state_fd = pv_safe_openat(dirfd, state_dir, "ksm.state", O_RDWR | O_CREAT, 0644,
                                   &error);
    if (ksm->state_fd >= 0)
        ksm->users_fd = pv_safe_openat(dirfd, state_dir, "ksm.users", O_RDWR | O_CREAT, 0644,
                                       &error);
    close(dirfd);
    if (ksm->users_fd < 0 || flock(ksm->state_fd, LOCK_EX) < 0) {
        *why = g_strdup(error ? error->message : g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/**
 * pv_ksm_tune:
 * @sysfs_dir: PV_KSM_SYSFS_DIR, or a directory of the tests
 * @state_dir: PV_KSM_STATE_DIR, or a directory of the tests: what to put
 *   back, shared by every provium run on the host
 *
 * Best effort: run = 1, pages_to_scan = 1000, sleep_millisecs = 100, after
 * recording the host's own settings for pv_ksm_restore().  Safe with
 * other provium runs tuning and restoring at the same time, and with runs
 * that were killed (see above).
 * Returns: (transfer full): what was done; its message is the line to print
 */
PvKsm *
pv_ksm_tune(const char *sysfs_dir, const char *state_dir)
{
    g_autoptr(PvKsm) ksm = g_new0(PvKsm, 1);
    g_autofree char *why = NULL;
    g_autofree char *run_path = g_build_filename(sysfs_dir, pv_ksm_knob_names[PV_KSM_RUN], NULL);
    PvKsmSettings current;
    PvKsmSettings saved_previous;
    PvKsmSettings saved_written;
    gboolean saved;
    gboolean alone;
    GString *line;
    PvKsmKnob knob;

    ksm->sysfs_dir = g_strdup(sysfs_dir);
    ksm->state_fd = -1;
    ksm->users_fd = -1;
    /* Not permitted here (not root, a read-only /sys): say so before anything. */
    if (access(run_path, W_OK) < 0) {
        why = g_strdup_printf("%s: %s", run_path, g_strerror(errno));
        goto fail;
    }
    if (!pv_ksm_open_state(ksm, state_dir, &why) || !pv_ksm_read(sysfs_dir, &current, &why))
        goto fail;
    alone = flock(ksm->users_fd, LOCK_EX | LOCK_NB) == 0;
    saved = pv_ksm_state_load(ksm->state_fd, &saved_previous, &saved_written);
    /* Alone, a record is a killed run's, valid while the knobs hold what it wrote. */
    if (saved && (!alone || pv_ksm_settings_equal(&current, &saved_written)))
        ksm->previous = saved_previous;
    else
        ksm->previous = current;
    ksm->have_previous = TRUE;

    if (!pv_ksm_write(sysfs_dir, &pv_ksm_tuning, &why)) {
        g_autofree char *ignored = NULL;

        if (alone) {
            pv_ksm_write(sysfs_dir, &ksm->previous, &ignored);
            pv_ksm_state_save(ksm->state_fd, NULL, NULL);
        }
        if (!pv_ksm_read(sysfs_dir, &ksm->written, &ignored))
            ksm->written = ksm->previous;
        goto fail;
    }
    /* What the kernel holds now, which is what was written. */
    if (!pv_ksm_read(sysfs_dir, &ksm->written, &why))
        ksm->written = pv_ksm_tuning;
    pv_ksm_state_save(ksm->state_fd, &ksm->previous, &ksm->written);
    /* With ksm.state locked nobody else takes ksm.users: this never waits. */
    flock(ksm->users_fd, LOCK_SH);
    flock(ksm->state_fd, LOCK_UN);
    ksm->tuned = TRUE;

    line = g_string_new(_("provium: ksm tuned: "));
    for (knob = 0; knob < PV_KSM_LAST; knob++)
        g_string_append_printf(line, "%s%s %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT,
                               knob ? ", " : "", pv_ksm_knob_names[knob],
                               ksm->previous.values[knob], ksm->written.values[knob]);
    g_string_append(line, _(" (put back when the last provium run on this host ends)"));
    ksm->message = g_string_free(line, FALSE);
    return g_steal_pointer(&ksm);

 fail:
    if (ksm->users_fd >= 0)
        close(ksm->users_fd);
    ksm->users_fd = -1;
    if (ksm->state_fd >= 0)
        flock(ksm->state_fd, LOCK_UN);
    ksm->message = g_strdup_printf(_("provium: ksm not tuned (%s)"), why);
    return g_steal_pointer(&ksm);
}

/**
 * pv_ksm_restore:
 *
 * This run no longer needs KSM tuned.  When it is the last provium run on
 * the host that does, puts the host's own settings back, unless someone
 * changed the knobs since provium wrote them.  Once only.
 * Returns: (transfer full) (nullable): the line to print; NULL when other
 *   runs still keep KSM tuned, or this one did not tune it
 */
char *
pv_ksm_restore(PvKsm *ksm)
{
    g_autofree char *settings = NULL;
    g_autofree char *why = NULL;
    PvKsmSettings previous;
    PvKsmSettings written;
    PvKsmSettings current;
    char *line = NULL;

    if (ksm->users_fd < 0)
        return NULL;
    flock(ksm->state_fd, LOCK_EX);
    if (flock(ksm->users_fd, LOCK_EX | LOCK_NB) == 0) {
        if (!pv_ksm_state_load(ksm->state_fd, &previous, &written)) {
            previous = ksm->previous;
            written = ksm->written;
        }
        if (!pv_ksm_read(ksm->sysfs_dir, &current, &why)) {
            line = g_strdup_printf(_("provium: ksm not put back (%s)"), why);
        } else if (!pv_ksm_settings_equal(&current, &written)) {
            settings = pv_ksm_settings_format(&current);
            line = g_strdup_printf(_("provium: ksm left as it is: changed while provium ran "
                                     "(%s)"), settings);
        } else if (!pv_ksm_write(ksm->sysfs_dir, &previous, &why)) {
            line = g_strdup_printf(_("provium: ksm not put back (%s)"), why);
        } else {
            settings = pv_ksm_settings_format(&previous);
            line = g_strdup_printf(_("provium: ksm put back: %s"), settings);
            ksm->previous = previous;
            ksm->restored = TRUE;
        }
        pv_ksm_state_save(ksm->state_fd, NULL, NULL);
    }
    close(ksm->users_fd);
    ksm->users_fd = -1;
    flock(ksm->state_fd, LOCK_UN);
    return line;
}
