/*
 * cmd.h: provium's subcommands, one file each
 */
#pragma once

#include <glib.h>

enum {
    PV_EXIT_OK = 0,
    PV_EXIT_FAILED = 1,      /* a test failed */
    PV_EXIT_USAGE = 2,       /* usage, configuration or internal error */
    PV_EXIT_CANCELLED = 130, /* SIGINT/SIGTERM */
};

int pv_cmd_run(int argc, char **argv);
int pv_cmd_list(int argc, char **argv);
int pv_cmd_clean(int argc, char **argv);
int pv_cmd_events(int argc, char **argv);
int pv_cmd_report(int argc, char **argv);
int pv_cmd_locks(int argc, char **argv);
int pv_cmd_doctor(int argc, char **argv);
int pv_cmd_complete(int argc, char **argv);

void pv_cmd_print_error(const GError *error);
void pv_cmd_print_names(void);
gboolean pv_cmd_parse(GOptionContext *context, int *argc, char ***argv);
