#!/bin/sh
# The examples as shipped (examples/*.test.lua: a boot and commands, two VMs
# on a network of their own with a pulled cable, performance mode) on a
# second libvirt host (tests/libvirt-host.sh, host B, whose files are not
# this machine's), alone and then together with qemu:///system.  Only their
# provium.conf is rewritten, to name the test image where it is.  What each
# run left is read from the hosts themselves: no domain, no network, and of
# provium's volumes on host B only the uploaded images.
#
# examples/debian is not run here: its systemd image boots once in the
# suite (tests/e2e/debian-image.sh), on this machine.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../libvirt-host.sh"
at_exit host_stop_all

host_start_or_skip b "the examples on a second host" --no-kvm
B=$(host_uri b)
echo "# hosts: $URI and $B"

mkdir "$WORK/examples"
cp "$PV_TEST_SRCDIR"/../examples/*.test.lua "$WORK/examples/"
sed "s|\.\./image/|$PV_TEST_IMAGE/|" "$PV_TEST_SRCDIR/../examples/provium.conf" \
    > "$WORK/examples/provium.conf"
files=$(ls "$WORK/examples"/*.test.lua | wc -l)
check "the examples are there ($files files) and their profile names the test image" \
    sh -c "[ $files -ge 3 ] && grep -qF '$PV_TEST_IMAGE/vmlinuz' '$WORK/examples/provium.conf'"

# run URI... : the examples on those hosts; sets $status.
run_on() {
    args=
    for u in "$@"; do args="$args -c $u"; done
    # shellcheck disable=SC2086
    "$PROVIUM" $args --prefix "$PREFIX" --results-dir "$WORK/runs" --virt-type qemu \
        --no-psi "$WORK/examples" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
leftover_domains() { virsh -c "$1" list --all --name 2>/dev/null | grep "^$PREFIX"; }
leftover_networks() { virsh -c "$1" net-list --all --name 2>/dev/null | grep "^$PREFIX"; }
# Volumes of provium's pool on host B other than uploaded images.
leftover_volumes() {
    for p in $(virsh -c "$B" pool-list --all --name 2>/dev/null | grep '^provium'); do
        virsh -c "$B" vol-list "$p" 2>/dev/null | awk 'NR > 2 && NF { print $1 }' |
            grep -v '^sha256-'
    done
}
nothing_left() {
    for u in "$@"; do
        [ -z "$(leftover_domains "$u")" ] && [ -z "$(leftover_networks "$u")" ] || return 1
    done
    [ -z "$(leftover_volumes)" ]
}
# The hosts the files ran on, one line each (the events' names of them).
hosts_used() {
    events '[.[] | select(.kind == "file_dispatched") | .host] | unique | .[]' | tr -d '"'
}
none_failed() { grep -q ' passed, 0 failed' "$WORK/out"; }
# Every file completed, and all on one host.
all_on_one_host() {
    [ "$(events '[.[] | select(.kind == "file_completed") | .host] | unique | length')" = 1 ] &&
        [ "$(events '[.[] | select(.kind == "file_completed")] | length')" = "$files" ]
}
networks_made() { [ "$(events '[.[] | select(.kind == "network_created")] | length')" -ge 1 ]; }

run_on "$B"
check "on host B alone: exit 0" status_is 0
check "... no test failed" none_failed
check "... every file ran there" all_on_one_host
check "... the network example made its network there" networks_made
check "... nothing left on host B (domains, networks, volumes but the images)" nothing_left "$B"
if [ $status != 0 ]; then
    sed 's/^/# /' "$WORK/out" | tail -30
    sed 's/^/# /' "$WORK/err" | tail -10
fi

run_on "$URI" "$B"
check "on qemu:///system and host B together: exit 0" status_is 0
check "... no test failed" none_failed
check "... both hosts ran files" test "$(hosts_used | wc -l)" -eq 2
check "... every file completed" \
    test "$(events '[.[] | select(.kind == "file_completed")] | length')" = "$files"
check "... nothing left on either host" nothing_left "$URI" "$B"
if [ $status != 0 ]; then
    sed 's/^/# /' "$WORK/out" | tail -30
    sed 's/^/# /' "$WORK/err" | tail -10
fi
