/*
 * pv-error.c: provium's error domain
 */
#include "config.h"

#include "pv-error.h"

G_DEFINE_QUARK(provium-error-quark, pv_error)
