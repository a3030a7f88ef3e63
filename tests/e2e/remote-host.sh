#!/bin/sh
# A host whose files are not this machine's (a second libvirtd,
# tests/libvirt-host.sh): the profile's kernel, initrd and disk are copies
# in this test's directory under /tmp, which that host cannot see, so they
# reach it only by upload into provium's storage pool there.  What the test
# checks comes from that host's libvirt (virsh vol-list, vol-dumpxml):
# - the images are volumes named by their SHA-256, uploaded once: a second
#   run with another profile naming the same bytes leaves them as they were;
# - the VM boots, reads its disk and writes to its console, which
#   console():expect() finds (the log is that host's, copied here), also
#   past virtlogd's rollover of the log;
# - its overlay and console log are volumes, gone after the run;
# - vol:POOL/NAME and host:/PATH name files on that host, uploading nothing;
# - --keep-failed keeps a failed VM's overlay with its domain, and provium
#   clean removes both.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../libvirt-host.sh"
at_exit host_stop_all

# No KVM there: a nested KVM hangs guests (as unlike-host.sh).
host_start_or_skip remote "a remote host" --no-kvm
URI=$(host_uri remote)
export LIBVIRT_DEFAULT_URI=$URI
echo "# host: $URI"

mkdir "$WORK/images" "$WORK/again"
for f in vmlinuz initrd.img data.img; do
    cp "$PV_TEST_IMAGE/$f" "$WORK/images/$f"
    cp "$PV_TEST_IMAGE/$f" "$WORK/again/$f"
done
sum() { sha256sum < "$WORK/images/$1" | cut -d' ' -f1; }
KERNEL=sha256-$(sum vmlinuz)
INITRD=sha256-$(sum initrd.img)
DISK=sha256-$(sum data.img)
cat > "$WORK/provium.conf" <<CONF
[profile data]
kernel = images/vmlinuz
initrd = images/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
disk = images/data.img
memory = 256M

[profile again]
kernel = again/vmlinuz
initrd = again/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
disk = again/data.img
memory = 256M
CONF
mkdir "$WORK/t"
write_test() {
    cat > "$WORK/t/remote.test.lua" <<LUA
test("disk and console on a remote host", function(t)
    local vm = provium:vm("r", "$1"):boot()
    vm:run("mkdir -p /mnt && mount /dev/vda /mnt"):assert_ok()
    t:assert_eq("provium data disk\n", vm:read_file("/mnt/hello.txt"))
    vm:run("echo from-the-remote-guest > /dev/ttyS0"):assert_ok()
    vm:console():expect("from%-the%-remote%-guest", "60s")
    ${2:-}
end)
LUA
}
vols() { virsh -q vol-list provium 2> /dev/null | awk '{ print $1 }'; }
mtime() { virsh vol-dumpxml --pool provium "$1" | sed -n 's|.*<mtime>\(.*\)</mtime>.*|\1|p'; }
no_volumes_left() { ! vols | grep -q "^$PREFIX"; }
remote_run() {
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --virt-type qemu \
        --config "$WORK/provium.conf" "$@" "$WORK/t" > "$WORK/out" 2> "$WORK/err"
    status=$?
}

check "no pool of provium's there yet" sh -c "! virsh -q pool-list --all --name | grep -qx provium"
write_test data
remote_run
check "a run there: exit status 0" status_is 0
check "... the test passed (disk read, console expect)" out_has "1 passed, 0 failed, 0 skipped"
check "the pool 'provium' is there, running" \
    sh -c "virsh pool-info provium | grep -q '^State: *running'"
check "the kernel, initrd and disk are volumes named by their SHA-256" \
    sh -c "vols=\$(virsh -q vol-list provium | awk '{ print \$1 }');
           echo \"\$vols\" | grep -qx $KERNEL && echo \"\$vols\" | grep -qx $INITRD &&
           echo \"\$vols\" | grep -qx $DISK"
check "the VM's overlay and console log volumes are gone" no_volumes_left
check "its console log was copied into the run directory" \
    grep -q from-the-remote-guest "$WORK"/runs/latest/vms/*.console.log
check "nothing left in virsh list --all there" no_domains_left
before=$(mtime "$DISK")

# Another profile, other files, the same bytes: nothing goes up again.  Its
# console goes past virtlogd's rollover (at 2 MiB the log moves to NAME.0
# and begins anew): what comes after is read on.
write_test again 'vm:run("head -c 2200000 /dev/zero | tr \"\\\\0\" x > /dev/ttyS0; echo after-the-rollover > /dev/ttyS0", {timeout = "2m"})
    vm:console():expect("after%-the%-rollover", "60s")'
remote_run
check "a second run with another profile of the same bytes: exit status 0" status_is 0
check "... console():expect() read on past the log's rollover" \
    out_has "1 passed, 0 failed, 0 skipped"
check "... and the copy here has every byte, the old log's end too" \
    sh -c "[ \$(cat '$WORK'/runs/latest/vms/*.console.log | tr -cd x | wc -c) -ge 2200000 ]"
check "... no volume uploaded again (the disk's is as it was)" test "$(mtime "$DISK")" = "$before"
check "... and no other image volume" test "$(vols | grep -c '^sha256-')" = 3
check "... its overlay gone too" no_volumes_left

# Files on the host: a volume by name, a path there.
KERNEL_PATH=$(virsh vol-path --pool provium "$KERNEL")
cat >> "$WORK/provium.conf" <<CONF

[profile onhost]
kernel = host:$KERNEL_PATH
initrd = vol:provium/$INITRD
cmdline = console=ttyS0 quiet no_timer_check
disk = vol:provium/$DISK
memory = 256M
cloud_init = yes
disks = 16M
CONF
# Its cloud-init seed, made here, and a blank disk are put into the pool
# beside the overlay.
write_test onhost "local p = io.popen(\"virsh -c '$URI' -q vol-list provium\")
    local vols = p:read(\"a\")
    p:close()
    t:assert_contains(vols, \"$PREFIX\"); t:assert_contains(vols, \".seed.iso\")
    t:assert_contains(vols, \"-disk1.qcow2\")
    t:assert_eq(\"16777216\\n\", vm:run(\"blockdev --getsize64 /dev/vdb\"):assert_ok().stdout)"
remote_run
check "vol:POOL/NAME and host:/PATH: exit status 0" status_is 0
check "... the test passed (its cloud-init seed and blank disk volumes of the pool)" \
    out_has "1 passed, 0 failed, 0 skipped"
check "... nothing uploaded" test "$(vols | grep -c '^sha256-')" = 3
check "... its overlay gone" no_volumes_left

# Kept with --keep-failed, removed by provium clean.
cat > "$WORK/t/remote.test.lua" <<'LUA'
test("fails", function(t)
    provium:vm("k", "onhost"):boot()
    error("kept on purpose")
end)
LUA
remote_run --keep-failed
check "a failed file with --keep-failed: exit status 1" status_is 1
check "... its domain is kept there" sh -c "virsh -q list --name | grep -q '^$PREFIX'"
kept_overlay() { vols | grep -q "^$PREFIX.*\.qcow2\$"; }
check "... with its overlay volume" kept_overlay
"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium clean: exit status 0" status_is 0
check "... the domain is gone" no_domains_left
check "... and its volumes" no_volumes_left
check "... the uploaded images stay" test "$(vols | grep -c '^sha256-')" = 3

# A volume that is not there: one line naming it.
sed -i "s|^disk = vol:provium/$DISK|disk = vol:provium/no-such.img|" "$WORK/provium.conf"
remote_run
check "a volume that is not there: the run fails" test "$status" -ne 0
check "... naming it" grep -q "vol:provium/no-such.img" "$WORK/out" "$WORK/err"
check "nothing left in virsh list --all there" no_domains_left
