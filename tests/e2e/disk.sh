#!/bin/sh
# A disk profile: each VM boots with its own qcow2 overlay of the base
# image, which is never written.
. "$(dirname "$0")/../lib.sh"

cp "$PV_TEST_IMAGE/data.img" "$WORK/base.img"
chmod 0644 "$WORK/base.img"
before=$(sha256sum < "$WORK/base.img")
cat > "$WORK/provium.conf" <<CONF
[profile data]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
disk = base.img
CONF
cat > "$WORK/disk.test.lua" <<'LUA'
test("two VMs write to their own overlays", function(t)
    local a = provium:vm("a", "data"):boot()
    local b = provium:vm("b", "data"):boot()
    for _, vm in ipairs({a, b}) do
        vm:run("mkdir -p /mnt && mount /dev/vda /mnt"):assert_ok()
        t:assert_eq("provium data disk\n", vm:read_file("/mnt/hello.txt"))
    end
    a:run("echo from-a > /mnt/hello.txt && sync"):assert_ok()
    t:assert_eq("provium data disk\n", b:read_file("/mnt/hello.txt"))
end)
LUA

run_provium "$WORK"
check "exit status 0" status_is 0
check "test passed" out_has "1 passed, 0 failed, 0 skipped"
check "the base image is unchanged" test "$(sha256sum < "$WORK/base.img")" = "$before"
check "overlays are removed" sh -c "! ls '$WORK'/runs/latest/vms/*.qcow2 2>/dev/null"
check "nothing left in virsh list --all" no_domains_left
