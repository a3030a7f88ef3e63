#!/bin/sh
# A VM's more disks on the test image: a blank virtio disk and a SCSI disk
# of the sizes asked for, under the names doc/guests.md gives (vdb after the
# root disk vda, sda), and a file disk the guest writes to while the file
# stays as it was; a profile's disks (disks = 16M:scsi); and nothing left
# after the run, neither in the run directory nor in /var/lib/libvirt.
. "$(dirname "$0")/../lib.sh"

cp "$PV_TEST_IMAGE/data.img" "$WORK/base.img"
cp "$PV_TEST_IMAGE/data.img" "$WORK/file.img"
chmod 0644 "$WORK/base.img" "$WORK/file.img"
before=$(sha256sum < "$WORK/file.img")
cat > "$WORK/provium.conf" <<CONF
[profile data]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
disk = base.img

[profile scsi : data]
disks = 16M:scsi
CONF
cat > "$WORK/disks.test.lua" <<'LUA'
local function sectors(vm, dev)
    return vm:run("cat /sys/block/" .. dev .. "/size"):assert_ok().stdout
end

test("more disks", function(t)
    local a = provium:vm("a", "data", {disks = {
        {size = "64M"}, {size = "32M", bus = "scsi"}, {file = "file.img"},
    }})
    local b = provium:vm("b", "scsi")
    provium.boot({a, b})
    t:assert_eq("131072\n", sectors(a, "vdb"), "the blank virtio disk is vdb, 64M")
    t:assert_eq("65536\n", sectors(a, "sda"), "the SCSI disk is sda, 32M")
    t:assert_eq("provium-disk1", a:read_file("/sys/block/vdb/serial"), "its serial")
    t:assert_eq("32768\n", sectors(b, "sda"), "the profile's SCSI disk is sda, 16M")
    -- The file disk is vdc: the guest reads the file and writes over it.
    a:run("mkdir -p /mnt && mount /dev/vdc /mnt"):assert_ok()
    t:assert_eq("provium data disk\n", a:read_file("/mnt/hello.txt"))
    a:run("echo from-the-guest > /mnt/hello.txt && umount /mnt && sync"):assert_ok()
    a:run("mount /dev/vdc /mnt"):assert_ok()
    t:assert_eq("from-the-guest\n", a:read_file("/mnt/hello.txt"))
    a:run("dd if=/dev/zero of=/dev/vdb bs=1M count=8 && sync"):assert_ok()
end)
LUA

run_provium "$WORK"
check "exit status 0" status_is 0
check "test passed" out_has "1 passed, 0 failed, 0 skipped"
check "the file disk's file is unchanged" test "$(sha256sum < "$WORK/file.img")" = "$before"
check "no disks left in the run directory" \
    sh -c "! ls '$WORK'/runs/latest/vms/ | grep -q 'qcow2\$'"
check "nothing of this run in /var/lib/libvirt" \
    test -z "$(find /var/lib/libvirt -name "*$PREFIX*" 2>/dev/null)"
check "nothing left in virsh list --all" no_domains_left
