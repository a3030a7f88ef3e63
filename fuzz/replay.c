/*
 * replay.c: a fuzz target's seeds and crash reproducers, as a test
 *
 * Linked with one fuzz/fuzz-TARGET.c by any C compiler (no libFuzzer), this
 * feeds every file of fuzz/corpus/TARGET/ and fuzz/regressions/TARGET/ to
 * LLVMFuzzerTestOneInput(), one GTest case each.  An input that crashes,
 * trips a sanitizer or breaks a property of the target fails its case.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"

#ifndef PV_FUZZ_TARGET
# error "build with -DPV_FUZZ_TARGET=\"name\""
#endif

static void
test_input(gconstpointer data)
{
    const char *path = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_true(g_file_get_contents(path, &contents, &len, &error));
    g_assert_no_error(error);
    g_test_message("input: %s (%" G_GSIZE_FORMAT " bytes)", path, len);
    /* A copy of exactly the input's size, so reading past it is caught. */
    {
        g_autofree guint8 *input = g_memdup2(contents, len);

        g_assert_cmpint(LLVMFuzzerTestOneInput(input, len), ==, 0);
    }
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds a case per file of @dir (sorted); returns how many. */
static guint
add_inputs(const char *kind, gboolean required)
{
    g_autofree char *dir = g_build_filename(PV_ABS_TOP_SRCDIR, "fuzz", kind, PV_FUZZ_TARGET,
                                            NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) handle = g_dir_open(dir, 0, &error);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    guint i;

    if (!handle) {
        if (required)
            g_error("%s", error->message);
        return 0;
    }
    while ((name = g_dir_read_name(handle)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    for (i = 0; i < names->len; i++) {
        const char *file = g_ptr_array_index(names, i);
        g_autofree char *test = g_strdup_printf("/fuzz/%s/%s/%s", PV_FUZZ_TARGET, kind, file);

        g_test_add_data_func_full(test, g_build_filename(dir, file, NULL), test_input, g_free);
    }
    return names->len;
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* A target without seeds would pass having tested nothing. */
    if (add_inputs("corpus", TRUE) == 0)
        g_error("fuzz/corpus/%s/ holds no seeds", PV_FUZZ_TARGET);
    add_inputs("regressions", FALSE);
    return g_test_run();
}
