/*
 * pv-file-console.c: the consoles of a file's VMs, watched for a sick kernel
 *
 * While a test runs, the consoles of the file's running VMs are read once a
 * second by the main thread (the dispatcher's tick), and once more when the
 * test ends, on its worker: a kernel panic, an Oops, a BUG, the OOM killer,
 * a segfault or a call trace (pv-console-check.c) fails the test, with the
 * line.  Found by the tick, it interrupts the test at once; a guest whose
 * kernel panicked does not answer anything the test waits for.  Between
 * tests nothing is read: what a VM prints then is checked in the next test.
 *
 * A VM's profile or provium:vm() options turn checks off for good; the
 * running test can expect some (vm:console():allow()), until it ends.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-console-check.h"
#include "pv-error.h"
#define PV_FILE_PRIVATE
#include "pv-file-private.h"

struct _PvFileConsole {
    gpointer vm;
    char *who;               /* "vm 'web' (domain 'pv-1-t-web')" */
    PvConsoleScan scan;
    guint ignore;            /* turned off: PvConsoleCheck bits */
    guint allowed;           /* expected by the running test */
};

void
pv_file_console_free(PvFileConsole *console)
{
    if (!console)
        return;
    pv_console_scan_clear(&console->scan);
    g_free(console->who);
    g_free(console);
}

/* Lock held.  @vm's entry, made if @make and there is none yet. */
static PvFileConsole *
pv_file_find_console(PvFile *file, gpointer vm, gboolean make)
{
    PvFileConsole *console;
    guint i;

    for (i = 0; i < file->consoles->len; i++) {
        console = file->consoles->pdata[i];
        if (console->vm == vm)
            return console;
    }
    if (!make)
        return NULL;
    console = g_new0(PvFileConsole, 1);
    console->vm = vm;
    g_ptr_array_add(file->consoles, console);
    return console;
}

/**
 * pv_file_watch_console:
 * @vm: the VM, as the file knows it
 * @who: for people: "vm 'web' (domain 'pv-1-t-web')"
 * @path: the log of its domain, which just started
 * @ignore: checks turned off for this VM (PvConsoleCheck bits)
 *
 * Watches the console of @vm's new domain, in place of its last one.  A
 * log it read already (the same VM booted again appends to it) is read on
 * from where it was.  Worker thread.
 */
void
pv_file_watch_console(PvFile *file, gpointer vm, const char *who, const char *path,
                      guint ignore)
{
    PvFileConsole *console;

    g_mutex_lock(&file->console_lock);
    console = pv_file_find_console(file, vm, TRUE);
    if (!console->scan.reader ||
        g_strcmp0(pv_console_reader_peek_path(console->scan.reader), path) != 0) {
        pv_console_scan_clear(&console->scan);
        pv_console_scan_init(&console->scan, path);
    }
    g_free(console->who);
    console->who = g_strdup(who);
    console->ignore = ignore;
    g_mutex_unlock(&file->console_lock);
}

/* @vm's scope is over: its console is no longer read.  Worker thread. */
void
pv_file_unwatch_console(PvFile *file, gpointer vm)
{
    PvFileConsole *console;

    g_mutex_lock(&file->console_lock);
    console = pv_file_find_console(file, vm, FALSE);
    if (console)
        g_ptr_array_remove_fast(file->consoles, console);
    g_mutex_unlock(&file->console_lock);
}

/**
 * pv_file_allow_console:
 * @checks: PvConsoleCheck bits
 *
 * The running test expects these on @vm's console (booted or not yet):
 * they do not fail it.  Worker thread.
 */
void
pv_file_allow_console(PvFile *file, gpointer vm, guint checks)
{
    g_mutex_lock(&file->console_lock);
    pv_file_find_console(file, vm, TRUE)->allowed |= checks;
    g_mutex_unlock(&file->console_lock);
}

/* Lock held.  The first problem on a console, into file->console_problem. */
static gboolean
pv_file_scan_locked(PvFile *file)
{
    guint i;

    if (file->console_problem)
        return TRUE;
    for (i = 0; i < file->consoles->len; i++) {
        PvFileConsole *console = file->consoles->pdata[i];
        PvConsoleCheck check;
        g_autofree char *line = NULL;

        if (!console->scan.reader)
            continue;  /* not booted yet */
        line = pv_console_scan(&console->scan, console->ignore | console->allowed, &check);
        if (line) {
            file->console_problem =
                g_strdup_printf(_("console of %s: %s: %s"), console->who,
                                pv_console_check_describe(check), line);
            file->console_problem_vm = console->vm;
            return TRUE;
        }
    }
    return FALSE;
}

/**
 * pv_file_scan_consoles:
 *
 * Reads the consoles of the file's VMs while a test runs; a problem fails
 * the test now (an interrupt).  Main thread (the dispatcher's tick).
 */
void
pv_file_scan_consoles(PvFile *file)
{
    g_mutex_lock(&file->console_lock);
    if (file->console_test && !file->console_interrupted && pv_file_scan_locked(file)) {
        file->console_interrupted = TRUE;
        pv_wake_interrupt(&file->wake, PV_INTERRUPT_TEST, PV_ERROR_GUEST,
                          file->console_problem);
    }
    g_mutex_unlock(&file->console_lock);
}

/* A test begins: the consoles are watched, nothing is expected yet. */
void
pv_file_consoles_begin_test(PvFile *file)
{
    guint i;

    g_mutex_lock(&file->console_lock);
    for (i = 0; i < file->consoles->len; i++)
        ((PvFileConsole *)file->consoles->pdata[i])->allowed = 0;
    g_clear_pointer(&file->console_problem, g_free);
    file->console_problem_vm = NULL;
    file->console_interrupted = FALSE;
    file->console_test = TRUE;
    g_mutex_unlock(&file->console_lock);
}

/**
 * pv_file_consoles_end_test:
 * @vm: (out): the VM whose console showed it
 *
 * The test ends: its consoles are read one last time.
 * Returns: (transfer full) (nullable): the first problem seen in the test
 */
char *
pv_file_consoles_end_test(PvFile *file, gpointer *vm)
{
    char *problem;

    g_mutex_lock(&file->console_lock);
    file->console_test = FALSE;
    pv_file_scan_locked(file);
    problem = g_steal_pointer(&file->console_problem);
    *vm = file->console_problem_vm;
    file->console_problem_vm = NULL;
    g_mutex_unlock(&file->console_lock);
    return problem;
}
