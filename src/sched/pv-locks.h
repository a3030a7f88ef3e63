/*
 * pv-locks.h: LLC groups held across provium runs, with flock(2)
 */
#pragma once

#include <glib.h>

#define PV_LOCKS_DEFAULT_DIR "/run/provium/locks"

typedef enum {
    PV_LOCK_SHARED,      /* budgeted mode: runs may share the group */
    PV_LOCK_EXCLUSIVE,   /* performance mode: the group is this run's alone */
} PvLockMode;

typedef struct _PvLocks PvLocks;

PvLocks *pv_locks_new(const char *dir);
void pv_locks_free(PvLocks *locks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvLocks, pv_locks_free)

gboolean pv_locks_take(PvLocks *locks, gconstpointer owner, const guint *groups, guint n,
                       PvLockMode mode, const char *holder, gboolean *busy, GError **error);
void pv_locks_release(PvLocks *locks, gconstpointer owner);
gboolean pv_locks_held(PvLocks *locks, gconstpointer owner, guint group);
gboolean *pv_locks_unusable(PvLocks *locks, guint ngroups, PvLockMode mode);

typedef struct {
    guint group;
    gboolean exclusive;
    char *holder;        /* what the holder wrote: pid, prefix, file */
} PvLockHolder;

GPtrArray *pv_locks_list(const char *dir, GError **error);
char *pv_locks_host_dir(const char *dir, const char *uri);
