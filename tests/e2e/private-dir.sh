#!/bin/sh
# A checkout in a directory other users cannot enter (Debian 12's adduser
# makes home directories 0700; a mktemp -d is 0700 too), while QEMU runs as
# libvirt's user, not root.  provium doctor names the directory and the fix
# for each profile's files and for the results directory; a boot that would
# hit it fails before QEMU, with one line naming the directory and the
# setfacl command, instead of QEMU's "could not open kernel file";
# tools/qemu-search-acl.sh, which tools/setup-debian.sh runs on its
# checkout, lets that one user in; then the same boots pass.
. "$(dirname "$0")/../lib.sh"

# Who QEMU runs as: libvirt's capabilities say (the DAC model's base label).
QEMU_UID=$(virsh -q capabilities |
    sed -n "/<model>dac<\/model>/,/<\/secmodel>/s|.*<baselabel type='[a-z]*'>+\([0-9]*\):.*|\1|p" |
    head -n 1)
if [ -z "$QEMU_UID" ] || [ "$QEMU_UID" = 0 ]; then
    ok "a checkout QEMU's user cannot enter # SKIP libvirt runs QEMU as root here"
    exit 0
fi
QEMU_USER=$(getent passwd "$QEMU_UID" | cut -d: -f1)
[ -n "$QEMU_USER" ] || QEMU_USER=$QEMU_UID
echo "# QEMU runs as $QEMU_USER (uid $QEMU_UID)"

# $WORK is 0755 (lib.sh); the home directory is 0700, the checkout in it.
HOMEDIR="$WORK/home"
CO="$HOMEDIR/p"
mkdir -m 0700 "$HOMEDIR"
mkdir -p "$CO/image" "$CO/t" "$WORK/img" "$WORK/o"
for img in "$CO/image" "$WORK/img"; do
    cp "$PV_TEST_IMAGE/vmlinuz" "$PV_TEST_IMAGE/initrd.img" "$PV_TEST_IMAGE/data.img" "$img/"
    chmod 0644 "$img"/*
done
# write_files DIR IMAGES: a profile booting IMAGES' kernel and disk, and a
# test of it.
write_files() {
    cat > "$1/provium.conf" <<CONF
[profile default]
kernel = $2/vmlinuz
initrd = $2/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
memory = 256M
disk = $2/data.img
CONF
    cat > "$1/disk.test.lua" <<'LUA'
test("boots from its disk", function(t)
    local vm = provium:vm("a"):boot()
    vm:run("mkdir -p /mnt && mount /dev/vda /mnt"):assert_ok()
    t:assert_eq("provium data disk\n", vm:read_file("/mnt/hello.txt"))
end)
LUA
}
write_files "$CO/t" ../image
write_files "$WORK/o" "$WORK/img"

# The doctor, from the checkout: the profile's files and the results
# directory (.provium/runs there) are behind the home directory.
cd "$CO" || exit 1
doctor_json t
check "doctor: exit 1" status_is 1
check "doctor: QEMU's user, from libvirt's capabilities" \
    test "$(fact 'profile default' qemu_uid)" = "$QEMU_UID"
check "doctor: the profile's kernel is out of its reach" \
    test "$(fact 'profile default' reachable)" = false
check "doctor: ... behind the home directory" \
    test "$(fact 'profile default' blocker)" = "$HOMEDIR"
check "doctor: ... and the ACL that lets it in" \
    test "$(fact 'profile default' fix)" = "setfacl -m u:$QEMU_USER:x $HOMEDIR"
check "doctor: the results directory is out of its reach too (a disk's overlays go there)" \
    test "$(fact results_dir status)" = FAIL -a "$(fact results_dir blocker)" = "$HOMEDIR" \
        -a "$(fact results_dir dir)" = "$CO/.provium/runs"
"$PROVIUM" doctor -c "$URI" t > "$WORK/out" 2> "$WORK/err"
check "doctor: the line names the directory and the fix" \
    grep -q "^FAIL  profile default .*may not enter $HOMEDIR; let it in with setfacl -m u:$QEMU_USER:x $HOMEDIR" "$WORK/out"

# A boot of the image in the checkout: one line, before QEMU.
run_provium "$CO/t"
check "kernel out of reach: a failed test" status_is 1
check "kernel out of reach: one line naming the directory and the fix" \
    out_has "vm 'a': QEMU runs as $QEMU_USER (uid $QEMU_UID), which may not enter $HOMEDIR on the way to its kernel $CO/image/vmlinuz: let it in with setfacl -m u:$QEMU_USER:x $HOMEDIR"
check "kernel out of reach: not QEMU's words" \
    sh -c "! grep -qi -e 'could not open' -e 'Permission denied' '$WORK/out' '$WORK/err'"
check "kernel out of reach: no domain was started" \
    test "$(events '[.[] | select(.kind == "vm_spawned")] | length')" -eq 0
check "kernel out of reach: nothing left" no_domains_left

# Images QEMU can reach, but the run directory (its disk overlay) behind
# the home directory.
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$HOMEDIR/runs" "$WORK/o" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "run directory out of reach: a failed test" status_is 1
check "run directory out of reach: one line naming the directory, the fix, and --results-dir" \
    sh -c "grep -F \"which may not enter $HOMEDIR on the way to the run directory $HOMEDIR/runs/\" '$WORK/out' |
           grep -F 'let it in with setfacl -m u:$QEMU_USER:x $HOMEDIR' | grep -qF -- '--results-dir'"
check "run directory out of reach: no overlay was made" \
    sh -c "! ls '$HOMEDIR'/runs/*/vms/*.qcow2 2> /dev/null"
check "run directory out of reach: nothing left" no_domains_left

# A fixture of the disk's profile with its cache behind the home directory:
# refused before the build (which would pass, then every restore fail), one
# line naming the directory, the fix and --cache-dir; the doctor says so too.
mkdir -p "$WORK/fx/fixtures"
cp "$WORK/o/provium.conf" "$WORK/fx/"
printf 'return fixture("base", {}, function(vm) vm:run("true"):assert_ok() end)\n' \
    > "$WORK/fx/fixtures/base.fixture.lua"
printf 'test("restored", function(t) provium:vm("a", {fixture = "base"}):boot() end)\n' \
    > "$WORK/fx/fx.test.lua"
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --cache-dir "$HOMEDIR/cache" \
    "$WORK/fx" > "$WORK/out" 2> "$WORK/err"
status=$?
check "fixture cache out of reach: a failed test" status_is 1
check "fixture cache out of reach: one line naming the directory, the fix and --cache-dir" \
    sh -c "grep -F \"which may not enter $HOMEDIR on the way to the fixture cache $HOMEDIR/cache/fixtures\" '$WORK/out' |
           grep -F 'let it in with setfacl -m u:$QEMU_USER:x $HOMEDIR' | grep -qF -- '--cache-dir'"
check "fixture cache out of reach: refused before a build" \
    test "$(events '[.[] | select(.kind == "fixture_build_started" or .kind == "vm_spawned")] | length')" -eq 0
check "fixture cache out of reach: nothing left" no_domains_left
doctor_json --cache-dir "$HOMEDIR/cache" "$WORK/fx"
check "doctor: the fixture cache is out of QEMU's reach, behind the home directory" \
    test "$(fact fixture_cache status)" = FAIL -a "$(fact fixture_cache blocker)" = "$HOMEDIR" \
        -a "$(fact fixture_cache dir)" = "$HOMEDIR/cache/fixtures"
doctor_json --cache-dir "$WORK/cache" "$WORK/fx"
check "doctor: a fixture cache it can reach passes" \
    test "$(fact fixture_cache status)" = PASS -a "$(fact fixture_cache reachable)" = true

# What tools/setup-debian.sh does for its checkout.
if ! command -v setfacl > /dev/null 2>&1; then
    ok "tools/qemu-search-acl.sh # SKIP setfacl is not installed (tools/setup-debian.sh installs acl)"
    exit 0
fi
before=$(stat -c %A "$HOMEDIR")
sh "$PV_TEST_SRCDIR/../tools/qemu-search-acl.sh" -c "$URI" "$CO" > "$WORK/out" 2> "$WORK/err"
status=$?
check "qemu-search-acl: exit 0" status_is 0
check "qemu-search-acl: one line naming QEMU's user and the directory" \
    sh -c "[ \"\$(wc -l < '$WORK/out')\" -eq 1 ] && grep -q '$QEMU_USER, which may now enter $HOMEDIR (' '$WORK/out'"
check "qemu-search-acl: an ACL entry for that user alone" \
    sh -c "getfacl -cp '$HOMEDIR' | grep -qx 'user:$QEMU_USER:--x'"
check "qemu-search-acl: other users still may not enter" \
    sh -c "[ \"\$(stat -c %A '$HOMEDIR' | cut -c8-10)\" = '---' ] && [ \"\$(echo '$before' | cut -c8-10)\" = '---' ]"
sh "$PV_TEST_SRCDIR/../tools/qemu-search-acl.sh" -c "$URI" "$CO" > "$WORK/out" 2> "$WORK/err"
status=$?
check "qemu-search-acl: a second time, exit 0" status_is 0
check "qemu-search-acl: a second time, nothing to do, nothing said" test ! -s "$WORK/out"

doctor_json t
check "doctor, after: exit 0" status_is 0
check "doctor, after: the profile's files and the results directory are reachable" \
    test "$(fact 'profile default' reachable)" = true -a "$(fact results_dir reachable)" = true

# The README's way: from the checkout, its own results directory.
"$PROVIUM" -c "$URI" --prefix "$PREFIX" t > "$WORK/out" 2> "$WORK/err"
status=$?
check "after: the boot from the checkout's image and disk passes" status_is 0
check "after: nothing left" no_domains_left

# A profile whose file is missing: the doctor's facts say which file and that
# it neither exists nor is in QEMU's reach (no message to parse).
mkdir "$WORK/missing"
printf '[profile default]\nkernel = %s/gone/vmlinuz\ninitrd = %s/initrd.img\nmemory = 256M\n' \
    "$WORK" "$WORK/img" > "$WORK/missing/provium.conf"
doctor_json "$WORK/missing"
check "doctor, a missing kernel: exit 1" status_is 1
check "doctor, a missing kernel: its facts name the file and say it does not exist" \
    test "$(fact 'profile default' file)" = kernel \
        -a "$(fact 'profile default' path)" = "$WORK/gone/vmlinuz" \
        -a "$(fact 'profile default' exists)" = false \
        -a "$(fact 'profile default' reachable)" = false
