/*
 * pv-i18n.c: which words are translated: people's, not records'
 *
 * The event stream, JSON and JUnit are the same in every language, and the
 * words provium puts in them (a test's failure reason, why a file broke or
 * waited, virt_reason) are English.  Those are worded on the threads that
 * run test files and by the dispatcher, so those run with the C locale's
 * messages (and numbers): there _() gives the English original, whatever
 * LANGUAGE says, since gettext ignores LANGUAGE under the C locale.  The
 * reporters, which print for people, are called back under the user's
 * locale wherever an event is emitted.  The main thread's own messages
 * (options, configuration, --help, provium's errors) are translated.
 */
#include "config.h"

#include <glib.h>

#include "pv-i18n.h"

static locale_t
pv_i18n_untranslated(void)
{
    static gsize untranslated;

    if (g_once_init_enter(&untranslated)) {
        locale_t base;
        locale_t c;

        /*
         * GLib decides once, at its first g_dgettext(), whether to translate
         * at all: asked first from a C-messages thread, it would find no
         * catalog and turn translation off for good.  Ask it here, first.
         */
        (void)g_dgettext(GETTEXT_PACKAGE, "");
        base = duplocale(LC_GLOBAL_LOCALE);
        c = base ? newlocale(LC_MESSAGES_MASK | LC_NUMERIC_MASK, "C", base) : NULL;
        if (!c) {
            /* Not expected (C is built in): then records are translated. */
            if (base)
                freelocale(base);
            c = LC_GLOBAL_LOCALE;
        }
        g_once_init_leave(&untranslated, (gsize)c);
    }
    return (locale_t)untranslated;
}

/**
 * pv_i18n_untranslated_begin:
 *
 * From here to pv_i18n_end(), the calling thread's _() is English: for words
 * that go into a record (an event, JSON, JUnit).
 * Returns: the thread's locale before, for pv_i18n_end()
 */
locale_t
pv_i18n_untranslated_begin(void)
{
    return uselocale(pv_i18n_untranslated());
}

/**
 * pv_i18n_translated_begin:
 *
 * From here to pv_i18n_end(), the calling thread speaks the user's language
 * again: for the reporters.
 * Returns: the thread's locale before, for pv_i18n_end()
 */
locale_t
pv_i18n_translated_begin(void)
{
    return uselocale(LC_GLOBAL_LOCALE);
}

/**
 * pv_i18n_end:
 * @previous: what pv_i18n_untranslated_begin() or pv_i18n_translated_begin()
 *   returned
 */
void
pv_i18n_end(locale_t previous)
{
    uselocale(previous);
}
