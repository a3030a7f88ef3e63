#!/bin/sh
# The KVM probe's guest image compiled into provium (src/libvirt/probe/probe-image.h)
# is what src/libvirt/probe/probe.S assembles to: nobody changes one without the
# other.  Skipped where binutils cannot assemble 32-bit x86.


top=$PV_TEST_SRCDIR/..
if ! command -v as >/dev/null 2>&1 || ! echo 'nop' | as --32 -o /dev/null - 2>/dev/null; then
    echo "1..0 # SKIP no assembler for 32-bit x86"
    exit 0
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$top/tools/make-probe-image.sh" "$top" "$out"
if cmp -s "$out" "$top/src/libvirt/probe/probe-image.h"; then
    echo "ok 1 - src/libvirt/probe/probe-image.h is src/libvirt/probe/probe.S assembled"
else
    echo "not ok 1 - src/libvirt/probe/probe-image.h is stale: run tools/make-probe-image.sh . src/libvirt/probe/probe-image.h"
fi
echo "1..1"
