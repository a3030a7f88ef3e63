/*
 * pv-order.h: the order files start in, and how long a run should take
 */
#pragma once

#include <glib.h>

#include "pv-enum.h"
#include "pv-pool.h"

typedef enum {
    PV_ORDER_LONGEST_FIRST,   /* by duration history; discovery order without one */
    PV_ORDER_FIFO,            /* discovery order */

    PV_ORDER_LAST
} PvOrder;

PV_ENUM_DECL(pv_order, PvOrder);

gint64 pv_order_median(const gint64 *expected, guint n);
guint *pv_order_files(const gint64 *expected, guint n, PvOrder order);

/**
 * PvOrderJob:
 *
 * What the estimate knows of one file: how long it should take, and what it
 * takes from the pool while it runs.
 */
typedef struct {
    gint64 duration_ns;
    PvAmount want;
} PvOrderJob;

gint64 pv_order_estimate(const PvOrderJob *jobs, guint n, PvAmount total, guint max_jobs);
