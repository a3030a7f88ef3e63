/*
 * pv-vm-request.c: a VM's domain request from its profile and options: pure
 *
 * The profile says what a VM is made of; provium:vm()'s options override
 * it for that VM, vm:boot()'s for one boot; performance mode replaces the
 * vCPU count by its topology.  The result, with where the VM's files go and
 * what placement decided, is the PvDomainRequest the template is rendered
 * with.  No host, no libvirt: tests/test-vm-request goes from Lua options to
 * domain XML through these functions.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pv-error.h"
#include "pv-text.h"
#include "pv-units.h"
#include "pv-vm-request.h"

/* Below this, a size was surely meant in other units ("memory = 512"). */
#define PV_VM_MIN_MEMORY (16 * PV_MIB)

void
pv_vm_options_init(PvVmOptions *options)
{
    memset(options, 0, sizeof(*options));
    options->performance_mode = -1;
}

/**
 * pv_vm_options_apply:
 *
 * What @over sets replaces what @options had.
 */
void
pv_vm_options_apply(PvVmOptions *options, const PvVmOptions *over)
{
    if (over->memory)
        options->memory = over->memory;
    if (over->cpus)
        options->cpus = over->cpus;
    if (over->performance_mode >= 0)
        options->performance_mode = over->performance_mode;
    if (over->llcs)
        options->llcs = over->llcs;
    if (over->cores)
        options->cores = over->cores;
    if (over->threads)
        options->threads = over->threads;
    if (over->console_ignore)
        options->console_ignore = over->console_ignore;
}

void
pv_vm_boot_options_init(PvVmBootOptions *options)
{
    memset(options, 0, sizeof(*options));
    pv_vm_options_init(&options->vm);
}

/**
 * pv_vm_shape_make:
 * @shape: (out caller-allocates): set on success
 *
 * The VM's memory, vCPUs and performance request for a boot.
 */
gboolean
pv_vm_shape_make(const PvProfile *profile, const PvVmOptions *options, const char *vm_name,
                 PvVmShape *shape, GError **error)
{
    PvVmShape out = { 0 };

    out.memory = options->memory ? options->memory : profile->memory;
    out.cpus = options->cpus ? options->cpus : profile->cpus;
    out.perf = options->performance_mode >= 0 ? options->performance_mode
                                              : profile->performance_mode;
    if (out.perf) {
        out.perf_request.llcs = options->llcs ? options->llcs : profile->llcs;
        out.perf_request.cores = options->cores ? options->cores : profile->cores;
        out.perf_request.threads = options->threads ? options->threads : profile->threads;
        out.perf_request.memory = out.memory;
        /* The guest gets exactly its topology's vCPUs. */
        out.cpus = out.perf_request.llcs * out.perf_request.cores * out.perf_request.threads;
    }
    if (out.memory < PV_VM_MIN_MEMORY) {
        g_autofree char *shown = pv_size_format(out.memory);

        g_set_error(error, PV_ERROR, PV_ERROR_USAGE,
                    _("vm '%s': memory %s is too small for a VM (sizes are in bytes unless "
                      "suffixed: write e.g. \"512M\")"), vm_name, shown);
        return FALSE;
    }
    *shape = out;
    return TRUE;
}

/**
 * pv_vm_virt_request:
 * @option: --virt-type
 * @profile: the profile's virt_type
 * @host_auto: what auto means on this host (KVM or QEMU)
 *
 * The accelerator a VM asks for: --virt-type when given, else its profile's,
 * else what auto means on this host.  PV_VIRT_AUTO in the result keeps the
 * template's own type (where KVM is usable, a template asking for plain
 * emulation gets it).
 */
PvVirtType
pv_vm_virt_request(PvVirtType option, PvVirtType profile, PvVirtType host_auto)
{
    if (option != PV_VIRT_AUTO)
        return option;
    if (profile != PV_VIRT_AUTO)
        return profile;
    return host_auto == PV_VIRT_KVM ? PV_VIRT_AUTO : PV_VIRT_QEMU;
}

/**
 * pv_vm_request_fill:
 * @request: (out caller-allocates): borrows from the arguments, and @title
 * @title: (out) (transfer full): the domain's title, which @request borrows
 *
 * The domain request for one boot.
 */
void
pv_vm_request_fill(PvDomainRequest *request, const PvProfile *profile, const PvVmShape *shape,
                   const PvVmRequestInputs *inputs, char **title)
{
    /* Names from outside reach libvirt's XML, which must be UTF-8, and a title one line. */
    g_autofree char *about = g_strdup_printf("provium: %s: %s", inputs->file_shown, inputs->vm);

    memset(request, 0, sizeof(*request));
    *title = pv_text_one_line(about);
    request->name = inputs->domain;
    request->title = *title;
    request->memory = shape->memory;
    request->vcpus = shape->cpus;
    request->virt_type = inputs->virt_type;
    request->kernel = inputs->kernel ? inputs->kernel : profile->kernel;
    request->initrd = inputs->initrd ? inputs->initrd : profile->initrd;
    request->cmdline = profile->cmdline;
    request->disk = inputs->overlay;
    request->seed = inputs->seed;
    request->disks = inputs->disks;
    request->n_disks = inputs->n_disks;
    request->firmware = profile->firmware;
    request->nvram = inputs->nvram;
    request->console_log = inputs->console_log;
    request->nosharepages = inputs->nosharepages;
    request->nics = inputs->nics;
    request->n_nics = inputs->n_nics;
    if (shape->perf) {
        request->llcs = shape->perf_request.llcs;
        request->cores = shape->perf_request.cores;
        request->threads = shape->perf_request.threads;
        request->perf = inputs->plan;
        request->cpuset = inputs->cpuset;
        request->realtime = inputs->realtime;
    }
    request->run_id = inputs->run_id;
    request->prefix = inputs->prefix;
    request->file = inputs->file;
    request->vm = inputs->vm;
    request->host = inputs->host;
    request->pid = inputs->pid;
    request->owner = inputs->owner.machine ? &inputs->owner : NULL;
}
