# lib.sh: sourced by the shell tests.  They speak TAP; the end-to-end ones
# (tests/e2e/) boot real VMs under qemu:///system from the project's test
# image, the others use libvirt's test driver.
#
# Each test script gets a private directory, a private domain prefix, and
# checks after every run that nothing with its prefix is left in libvirt.
#
# PV_TEST_URI runs the end-to-end ones against another libvirt (a second
# daemon of tests/libvirt-host.sh: tests/e2e/unlike-host.sh does), and
# PV_TEST_TMPDIR puts the private directory where that daemon sees it.

set -u

: "${PROVIUM:?run through make check}"
: "${PV_TEST_IMAGE:?run through make check}"
URI=${PV_TEST_URI:-qemu:///system}
export LIBVIRT_DEFAULT_URI=$URI

name=$(basename "$0" .sh)
WORK=$(mktemp -d "${PV_TEST_TMPDIR:-/tmp}/pv-$name-XXXXXX")
# QEMU runs as libvirt-qemu and must reach disk overlays in the run directory.
chmod 0755 "$WORK"
PREFIX="t$$-"
# Where provium records the networks it creates (as root).
NETWORK_RECORDS=/run/provium/networks
tap_n=0
tap_failed=0
tap_at_exit=""

# at_exit COMMAND: run when the test ends, after its domains and networks
# are gone, before its directory goes.
at_exit() {
    tap_at_exit="$tap_at_exit
$1"
}

tap_finish() {
    # Whatever happened, leave nothing behind: domains, then networks and
    # provium's records of them.
    for d in $(virsh list --all --name 2>/dev/null | grep "^$PREFIX"); do
        virsh destroy "$d" >/dev/null 2>&1
        virsh undefine "$d" >/dev/null 2>&1
    done
    for n in $(virsh net-list --all --name 2>/dev/null | grep "^$PREFIX"); do
        virsh net-destroy "$n" >/dev/null 2>&1
    done
    grep -lx "prefix=$PREFIX" "$NETWORK_RECORDS"/*.network 2>/dev/null | xargs -r rm -f
    eval "$tap_at_exit"
    rm -rf "$WORK"
    echo "1..$tap_n"
}
trap tap_finish EXIT

ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1"
}

not_ok() {
    tap_n=$((tap_n + 1))
    tap_failed=1
    echo "not ok $tap_n - $1"
    for f in "$WORK/out" "$WORK/err"; do
        [ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f" | head -60
    done
}

# check DESCRIPTION COMMAND...: one TAP line for whether COMMAND succeeds.
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Writes $WORK/provium.conf with profiles on the test image.
write_conf() {
    cat > "$WORK/provium.conf" <<CONF
[profile default]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
memory = 256M
cpus = 1

[profile noagent]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check provium.agent=0
memory = 256M
CONF
}

# run_provium ARGS...: runs provium with this test's prefix; sets $status.
run_provium() {
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" "$@" \
        > "$WORK/out" 2> "$WORK/err"
    status=$?
}

# run_t ARGS...: the same on libvirt's test driver ($T), for tests without
# guests; sets $status.
T="test:///default"
run_t() {
    "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm "$@" \
        > "$WORK/out" 2> "$WORK/err"
    status=$?
}

out_has() { grep -qF -- "$1" "$WORK/out"; }
err_has() { grep -qF -- "$1" "$WORK/err"; }
status_is() { [ "$status" -eq "$1" ]; }
no_domains_left() { ! virsh list --all --name | grep -q "^$PREFIX"; }
no_networks_left() {
    ! virsh net-list --all --name | grep -q "^$PREFIX" &&
        ! grep -qx "prefix=$PREFIX" "$NETWORK_RECORDS"/*.network 2>/dev/null
}
# Waits until domain $1 has booted (its guest agent answers; on a loaded
# host well over the usual 4 s, so up to 2 min), then 2 s more: the test's
# command is under way.
wait_in_command() {
    n=0
    until virsh -q qemu-agent-command "$1" '{"execute":"guest-ping"}' --timeout 2 \
            > /dev/null 2>&1 || [ $n -ge 240 ]; do
        sleep 0.5
        n=$((n + 1))
    done
    sleep 2
}
err_is_one_line() { [ "$(wc -l < "$WORK/err")" -eq 1 ]; }

# doctor_json [ARGS...]: provium doctor --json on $URI into $WORK/doctor.json,
# what the tests learn of the host from (never a line's wording); sets $status.
doctor_json() {
    "$PROVIUM" doctor --json -c "$URI" "$@" > "$WORK/doctor.json" 2> "$WORK/doctor.err"
    status=$?
}

# fact CHECK KEY: the fact KEY of the doctor's check CHECK, its id (the first
# of that id) or its name ("profile hidden"), as jq -r prints it ("null"
# when the check did not record it).
fact() {
    jq -r --arg c "$1" --arg key "$2" \
        '[.checks[] | select(.id == $c or .name == $c)][0][$key]' "$WORK/doctor.json"
}

# events FILTER: jq -s over the last run's event stream.
events() {
    "$PROVIUM" events "$WORK/runs/latest/events.msgpack" | jq -s "$1"
}
