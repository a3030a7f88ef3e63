/*
 * pv-pgroup.h: a test file's shell commands, each in a process group of its own
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

int pv_pgroup_spawn_shell(gconstpointer owner, const char *command, int child_in,
                          int child_out, pid_t *pid);
void pv_pgroup_reaped(gconstpointer owner, pid_t pid);
int pv_pgroup_end_one(gconstpointer owner, pid_t pid);
void pv_pgroup_kill(gconstpointer owner);
void pv_pgroup_kill_all(void);
