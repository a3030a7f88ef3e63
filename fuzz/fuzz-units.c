/*
 * fuzz-units.c: sizes and durations (src/util/pv-units.c)
 *
 * The input is the text a user writes after --mem, --timeout or memory =.
 * Besides not crashing: what provium prints for a value it read, it reads
 * back as nearly the same value.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "pv-units.h"

static void
pv_fuzz_size(const char *text)
{
    guint64 bytes;
    guint64 again;
    g_autofree char *printed = NULL;

    if (!pv_size_parse(text, &bytes, NULL))
        return;
    printed = pv_size_format(bytes);
    /* Near 2^64 the printed form may round up past what a size can hold. */
    if (bytes >= G_GUINT64_CONSTANT(1) << 62)
        return;
    PV_FUZZ_ASSERT(pv_size_parse(printed, &again, NULL));
    /* One decimal of the largest unit: within 5 % */
    PV_FUZZ_ASSERT((again > bytes ? again - bytes : bytes - again) <= bytes / 20 + 1);
}

static void
pv_fuzz_duration(const char *text)
{
    gint64 nsec;
    gint64 again;
    g_autofree char *printed = NULL;

    if (!pv_duration_parse(text, &nsec, NULL))
        return;
    PV_FUZZ_ASSERT(nsec >= 0);
    printed = pv_duration_format(nsec);
    PV_FUZZ_ASSERT(pv_duration_parse(printed, &again, NULL));
    /* Whole milliseconds, a tenth of a second, seconds or minutes */
    PV_FUZZ_ASSERT(ABS(again - nsec) <= nsec / 10 + PV_NSEC_PER_MSEC);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);

    pv_fuzz_init();
    pv_fuzz_size(text);
    pv_fuzz_duration(text);

    /* Formatting any value, as reports do with numbers from an event stream */
    if (size >= sizeof(guint64)) {
        guint64 value;
        g_autofree char *size_text = NULL;
        g_autofree char *duration_text = NULL;

        memcpy(&value, data, sizeof(value));
        size_text = pv_size_format(value);
        duration_text = pv_duration_format((gint64)value);
    }
    return 0;
}
