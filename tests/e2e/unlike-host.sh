#!/bin/sh
# The host-dependent end-to-end checks on a host unlike this machine, on
# every machine: a second libvirtd (tests/libvirt-host.sh) whose CPUs report
# no cache banks and which has no KVM, as on the CI kind of machine.
# perf.sh and virt.sh take what they expect from provium doctor --json, so
# here they run whole against that host, their lines prefixed with the
# file's name; before them, the doctor must see the host as made (else
# they would pass on a view this machine already has), and after them the
# host must leave nothing behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../libvirt-host.sh"
at_exit host_stop_all

host_start_or_skip unlike "a host without cache banks and KVM" --no-cache-banks --no-kvm
UNLIKE=$(host_uri unlike)
SHARED=$(host_shared_dir)
echo "# host: $UNLIKE, shared directory $SHARED"

# What the doctor sees there, through libvirt alone.
"$PROVIUM" doctor --json -c "$UNLIKE" > "$WORK/doctor.json" 2> "$WORK/err"
status=$?
check "doctor --json on it: exit 0" status_is 0
check "doctor: it is a remote host" test "$(fact libvirt local)" = false
check "doctor: no cache banks there" test "$(fact llc from_cache_banks)" = false
check "doctor: ... so one LLC group per die, with its CPUs" \
    sh -c "[ '$(fact llc llc_groups)' -ge 1 ] && [ '$(fact llc cpus)' -ge '$(fact llc llc_groups)' ]"
check "doctor: libvirt offers no KVM there" test "$(fact kvm libvirt_kvm)" = false
check "doctor: --virt-type auto uses plain emulation there" test "$(fact kvm auto)" = qemu

# The same files as on this machine, against that host; a file that stops
# before its plan is a failure of its own.
for t in perf virt; do
    PV_TEST_URI=$UNLIKE PV_TEST_TMPDIR=$SHARED sh "$(dirname "$0")/$t.sh" \
        > "$WORK/$t.tap" 2> "$WORK/$t.err"
    ran=0
    while IFS= read -r line; do
        case $line in
        "ok "*) ran=$((ran + 1)); ok "$t.sh: ${line#ok * - }" ;;
        "not ok "*) ran=$((ran + 1)); not_ok "$t.sh: ${line#not ok * - }" ;;
        "#"*) echo "# $t.sh: ${line#\#}" ;;
        esac
    done < "$WORK/$t.tap"
    check "$t.sh ran to its end against that host ($ran checks)" \
        grep -qx "1..$ran" "$WORK/$t.tap"
    [ -s "$WORK/$t.err" ] && sed "s/^/# $t.sh: stderr: /" "$WORK/$t.err" | head -20
done

# Stopped, it leaves nothing: no process of its namespace (and so none of
# its mounts), its port closed, this machine's view untouched.
host_stop unlike
check "stopped: nothing of it is left" test $? = 0
check "stopped: its URI no longer answers" \
    sh -c "! virsh -q -c '$UNLIKE' version > /dev/null 2>&1"
if [ -d /sys/devices/system/cpu/cpu0/cache ]; then
    check "this machine's cache directories were not touched" \
        sh -c "! grep -q ' /sys/devices/system/cpu/cpu[0-9]*/cache ' /proc/self/mountinfo"
fi
check "this machine's /dev/kvm was not touched" \
    sh -c "! grep -q ' /dev/kvm ' /proc/self/mountinfo"
