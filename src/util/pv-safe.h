/*
 * pv-safe.h: files and directories that nobody else can swap under provium
 */
#pragma once

#include <dirent.h>
#include <glib.h>
#include <sys/stat.h>

char *pv_safe_group_untrusted(const struct stat *st);
char *pv_safe_untrusted(const struct stat *st);
gboolean pv_safe_path_trusted(const char *dir, const char *name, char **untrusted, char **why);
char *pv_safe_find_up(const char *start, const char *name, const char *stop, gboolean pass_over,
                      char **untrusted, char **why);
int pv_safe_dir_open(const char *dir, GError **error);
DIR *pv_safe_fdopendir(int dirfd, const char *dir, GError **error);
int pv_safe_openat(int dirfd, const char *dir, const char *name, int flags, mode_t mode,
                   GError **error);
gboolean pv_safe_is_discard(const char *path);
gboolean pv_safe_check_output(const char *path, gboolean replace, GError **error);
gboolean pv_write_file_atomic(const char *path, const char *data, gssize len, GError **error);
