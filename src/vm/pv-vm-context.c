/*
 * pv-vm-context.c: what the VMs of one file know of the run and the file
 *
 * The one place in vm/ that reads the run's and the file's getters: each
 * VM takes its context as it is made, and everything else in vm/ reads
 * the context (and, for what the file does as their owner, calls the
 * file).  A VM made at discovery has no host yet: its file is dispatched
 * later, with a new top level and new VMs.
 */
#include "config.h"

#include <string.h>

#define PV_VM_PRIVATE
#include "pv-vm-private.h"

/**
 * pv_vm_context_init:
 * @ctx: (out caller-allocates)
 *
 * Reads what the VMs of @file need, as things stand: the file is
 * dispatched (it has its host) or being discovered (it has none).
 */
void
pv_vm_context_init(PvVmContext *ctx, PvFile *file)
{
    PvRun *run = pv_file_peek_run(file);
    const PvRunOptions *options = pv_run_peek_options(run);

    memset(ctx, 0, sizeof(*ctx));
    ctx->host = pv_file_peek_host(file);
    ctx->domains = ctx->host ? pv_host_peek_domains(ctx->host) : NULL;
    ctx->resources = ctx->host ? pv_host_peek_resources(ctx->host) : NULL;
    ctx->storage = ctx->host ? pv_host_peek_storage(ctx->host) : NULL;
    ctx->events = pv_run_peek_events(run);
    ctx->run = run;
    ctx->run_id = pv_run_peek_id(run);
    ctx->prefix = pv_run_peek_prefix(run);
    ctx->machine = pv_run_peek_machine(run);
    ctx->pid = pv_run_get_pid(run);
    ctx->lease = pv_run_peek_lease(run);
    ctx->run_dir = pv_run_peek_dir(run);
    ctx->virt_type = options->virt_type;
    ctx->no_ksm = options->no_ksm;
    ctx->no_perf_mode = options->no_perf_mode;
    ctx->keep_failed = options->keep_failed;
    ctx->file = file;
    ctx->path = pv_file_peek_path(file);
    ctx->abs_path = pv_file_peek_abs_path(file);
    ctx->stem = pv_file_peek_stem(file);
    ctx->wake = pv_file_peek_wake(file);
}

/**
 * pv_vm_context_record_path:
 *
 * Returns: (transfer full): where the run keeps a record of domain @name
 *   on this machine: "<run dir>/vms/<name><suffix>" (its rendered XML)
 */
char *
pv_vm_context_record_path(const PvVmContext *ctx, const char *name, const char *suffix)
{
    g_autofree char *file = g_strconcat(name, suffix, NULL);

    return g_build_filename(ctx->run_dir, "vms", file, NULL);
}
