/*
 * cmd.h: provium's subcommands, one file each
 */
#pragma once

#include <glib.h>

#include "pv-error.h"
#include "pv-events.h"

enum {
    PV_EXIT_OK = 0,
    PV_EXIT_FAILED = 1,      /* a test failed */
    PV_EXIT_USAGE = 2,       /* usage, configuration or internal error */
    PV_EXIT_CANCELLED = 130, /* SIGINT/SIGTERM */
};

/**
 * PvCommandFunc:
 * @error: set for the one line main() prints for a mistake or a failure
 *   outside tests
 *
 * A subcommand.  It prints its own output, never its error.
 * Returns: the exit status (PV_EXIT_USAGE, or more, when @error is set)
 */
typedef int (*PvCommandFunc)(int argc, char **argv, GError **error);

int pv_cmd_run(int argc, char **argv, GError **error);
int pv_cmd_list(int argc, char **argv, GError **error);
int pv_cmd_clean(int argc, char **argv, GError **error);
int pv_cmd_events(int argc, char **argv, GError **error);
int pv_cmd_report(int argc, char **argv, GError **error);
int pv_cmd_locks(int argc, char **argv, GError **error);
int pv_cmd_doctor(int argc, char **argv, GError **error);
int pv_cmd_fixture(int argc, char **argv, GError **error);
int pv_cmd_fixture_build(int argc, char **argv, GError **error);
int pv_cmd_shell(int argc, char **argv, GError **error);
int pv_cmd_complete(int argc, char **argv, GError **error);

int pv_cmd_history(int argc, char **argv, GError **error);

void pv_cmd_print_names(void);
char *pv_cmd_find_config(const char *config, char **paths, char **refused);
gboolean pv_cmd_check_history(const char *text, char **path, GError **error);
gboolean pv_cmd_config_results_dir(const char *config, char **paths, char **results_dir,
                                   GError **error);
gboolean pv_cmd_check_path(const char *path, GError **error);
gboolean pv_cmd_parse(GOptionContext *context, int *argc, char ***argv, GError **error);
gboolean pv_cmd_check_streams(char **files, const char *command, GError **error);
void pv_cmd_discover(GPtrArray *files, gboolean untranslated);
