/*
 * fuzz.h: what the fuzz targets share
 *
 * Each fuzz/fuzz-TARGET.c defines LLVMFuzzerTestOneInput().  `make fuzz`
 * links it with clang's libFuzzer; `make check` links the same file with
 * replay.c, which feeds it every seed and every regression input.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void pv_fuzz_init(void);
const char *pv_fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/*
 * A property of the code under test does not hold: abort, so libFuzzer keeps
 * the input and the replay test fails.
 */
#define PV_FUZZ_ASSERT(cond) \
    do { \
        if (!(cond)) \
            g_error("fuzz: assertion failed at %s:%d: %s", __FILE__, __LINE__, #cond); \
    } while (0)
