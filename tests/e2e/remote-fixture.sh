#!/bin/sh
# Fixtures on a host whose files are not this machine's (a second libvirtd,
# tests/libvirt-host.sh), and UEFI there.  What the test checks comes from
# that host's libvirt (virsh vol-list, list) and from the runs' events:
# - a fixture with a disk is built on host B, its memory state and disk
#   kept as volumes of provium's pool there, and a second run restores it
#   without building (both the memory and the disk state are back);
# - `provium fixture list -c URI` shows it, and this machine's fixture of
#   the same profile is another entry (another key);
# - `provium fixture prune -c URI` removes it and its volumes, and leaves
#   this machine's fixtures alone;
# - nothing of a run is left on the host but the cached fixture;
# - firmware = efi boots there (where the host has UEFI firmware) and its
#   UEFI variables go with the domain.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../libvirt-host.sh"
at_exit host_stop_all

# No KVM there: a nested KVM hangs guests (as remote-host.sh).
host_start_or_skip fxhost "fixtures on a remote host" --no-kvm
B=$(host_uri fxhost)
echo "# host B: $B"

CACHE=$WORK/cache
# The data disk is the client's: it reaches host B only by upload.
cp "$PV_TEST_IMAGE/data.img" "$WORK/data.img"
cat > "$WORK/provium.conf" <<CONF
[profile data]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
disk = data.img
memory = 256M
cpus = 1

[profile efi]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
memory = 256M
firmware = efi
CONF
mkdir -p "$WORK/fixtures" "$WORK/t" "$WORK/efi"
# The setup leaves a mark in memory and one on the disk: a restore must
# bring back both (the disk state is the slot's, copied on host B).
cat > "$WORK/fixtures/web.fixture.lua" <<'LUA'
return fixture("web", {profile = "data"}, function(vm)
    vm:run("mkdir -p /mnt && mount /dev/vda /mnt && echo on-disk > /mnt/fx-mark && sync")
        :assert_ok()
    vm:run("echo in-memory > /tmp/fx-mark"):assert_ok()
end)
LUA
cat > "$WORK/t/web.test.lua" <<'LUA'
test("restored from its fixture", function(t)
    local vm = provium:vm("a", {fixture = "web"}):boot()
    t:assert_eq("in-memory\n", vm:read_file("/tmp/fx-mark"))
    vm:run("sync; echo 3 > /proc/sys/vm/drop_caches"):assert_ok()
    t:assert_eq("on-disk\n", vm:read_file("/mnt/fx-mark"))
    vm:run("echo dirty > /tmp/dirty"):assert_ok()
    vm:reset()
    t:assert(not vm:run("test -e /tmp/dirty"):ok(), "vm:reset() went back to the fixture")
    t:assert_eq("in-memory\n", vm:read_file("/tmp/fx-mark"))
end)
LUA

# A file libvirt made there itself (a saved state, UEFI variables) is a
# volume once the pool is looked at again.
vols() {
    virsh -c "$B" -q pool-refresh provium > /dev/null 2>&1
    virsh -c "$B" -q vol-list provium 2> /dev/null | awk '{ print $1 }'
}
fixture_vols() { vols | grep -c '\.fixture-'; }
# What a run leaves: the volumes of a domain (overlay, console, UEFI
# variables), its own or a fixture slot's, and domains.
run_leftovers() {
    vols | grep -v '^sha256-' | grep -v '\.fixture-'
    virsh -c "$B" list --all --name | grep .
}
nothing_of_a_run_left() { [ -z "$(run_leftovers)" ]; }
count() { events "[.[] | select(.kind == \"$1\")] | length"; }
restored_key() { events '[.[] | select(.kind == "vm_restored") | .key][0]' | tr -d '"'; }
on() {
    uri=$1
    shift
    "$PROVIUM" -c "$uri" --prefix "$PREFIX" --results-dir "$WORK/runs" --virt-type qemu \
        --cache-dir "$CACHE" --config "$WORK/provium.conf" "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
fixture_cmd() {
    "$PROVIUM" fixture --cache-dir "$CACHE" "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
# A check that failed leaves the run's output for the log.
show() { sed 's/^/# /' "$WORK/out" "$WORK/err" | tail -20; }

on "$B" "$WORK/t"
check "a fixture on host B: exit status 0" status_is 0 || show
check "... the test passed (memory and disk state restored, vm:reset())" \
    out_has "1 passed, 0 failed, 0 skipped"
check "... it was built once, then restored (and restored again by vm:reset())" \
    test "$(count fixture_build_started)/$(count vm_restored)" = 1/2
check "... its state and disk are volumes of the pool there" test "$(fixture_vols)" = 2
check "... nothing of the run left on host B but the fixture" nothing_of_a_run_left
remote_key=$(restored_key)

on "$B" "$WORK/t"
check "a second run on host B: exit status 0" status_is 0 || show
check "... the test passed" out_has "1 passed, 0 failed, 0 skipped"
check "... a cache hit: nothing built, restored" \
    test "$(count fixture_build_started)/$(count vm_restored)" = 0/2
check "... under the same key" test -n "$remote_key" -a "$(restored_key)" = "$remote_key"
check "... nothing of the run left on host B but the fixture" nothing_of_a_run_left

on "$URI" "$WORK/t"
check "the same fixture on this machine: exit status 0" status_is 0 || show
check "... another cache entry: built here" test "$(count fixture_build_started)" = 1
local_key=$(restored_key)
check "... under another key" test -n "$local_key" -a "$local_key" != "$remote_key"

short_remote=$(echo "$remote_key" | cut -c1-12)
short_local=$(echo "$local_key" | cut -c1-12)
fixture_cmd list -c "$B"
check "fixture list -c URI: exit status 0" status_is 0
check "... shows host B's fixture" out_has "$short_remote"
# Its size is its volumes' there (a 256 MiB guest's state: megabytes), not
# the few kilobytes of its records here.
remote_size=$(awk -v k="$short_remote" '$1 == k { print $3 }' "$WORK/out")
check "... its size counts its volumes on host B ($remote_size)" \
    sh -c "echo '$remote_size' | grep -Eq '^[0-9.]+[MG]\$'"
check "... and not this machine's" sh -c "! grep -qF '$short_local' '$WORK/out'"
fixture_cmd list
check "fixture list shows this machine's fixture, not host B's" \
    sh -c "grep -qF '$short_local' '$WORK/out' && ! grep -qF '$short_remote' '$WORK/out'"

fixture_cmd prune -c "$B" --max-size 0
check "fixture prune -c URI: exit status 0" status_is 0 || show
check "... removed host B's fixture" sh -c "grep -q 'removed web ($short_remote' '$WORK/out'"
check "... and its volumes" test "$(fixture_vols)" = 0
fixture_cmd list -c "$B"
check "... fixture list -c URI shows none" sh -c "! grep -qF '$short_remote' '$WORK/out'"
fixture_cmd list
check "... this machine's fixture is still there" out_has "$short_local"
check "nothing left on host B but the uploaded images" nothing_of_a_run_left
fixture_cmd prune --max-size 0

# UEFI on host B, where libvirt there offers firmware: its variables are a
# volume of the pool while the domain lives, and go with it.
available=$("$PROVIUM" -c "$B" doctor --json 2>/dev/null |
    jq -r '.checks[] | select(.id == "uefi") | .available')
if [ "$available" != true ] && [ "$available" != false ]; then
    not_ok "provium doctor --json -c URI says whether host B has UEFI firmware"
elif [ "$available" = false ]; then
    ok "firmware = efi on host B # SKIP libvirt there offers no UEFI firmware (install ovmf)"
else
    cat > "$WORK/efi/efi.test.lua" <<'LUA'
test("boots under UEFI on host B", function(t)
    local vm = provium:vm("e", "efi"):boot()
    vm:run("test -d /sys/firmware/efi"):assert_ok()
    local b = os.getenv("PV_B")
    local p = io.popen("virsh -c '" .. b .. "' -q pool-refresh provium > /dev/null; " ..
                       "virsh -c '" .. b .. "' -q vol-list provium")
    local vols = p:read("a")
    p:close()
    t:assert_contains(vols, ".VARS.fd")
end)
LUA
    PV_B=$B
    export PV_B
    on "$B" "$WORK/efi"
    check "firmware = efi on host B: exit status 0" status_is 0 || show
    check "... the guest runs under UEFI, its variables a volume of the pool" \
        out_has "1 passed, 0 failed, 0 skipped"
    check "... nothing left on host B (no UEFI variables)" nothing_of_a_run_left
fi
