#!/bin/sh
# A VM's more disks and its firmware, on libvirt's test driver (no guests):
# the domain XML names each disk, its bus and the virtio-scsi controller;
# the files made for them are gone after the run (kept with a kept domain
# by --keep-failed); every mistake in
# provium:vm()'s disks and firmware, and in a profile's, is one line naming
# the file (and line) with exit 2; firmware = efi on a host without UEFI
# firmware (the test driver has none) fails the boot saying what to install.
. "$(dirname "$0")/lib.sh"

mkdir "$WORK/d"
qemu-img create -q -f qcow2 "$WORK/d/data.qcow2" 16M
cat > "$WORK/d/provium.conf" <<'CONF'
[profile default]
memory = 128M

[profile more : default]
disks = 16M:scsi, file:data.qcow2, 8M

[profile efi : default]
firmware = efi
CONF
cat > "$WORK/d/xml.test.lua" <<'LUA'
test("a VM's disks", function(t)
    provium:vm("v", {disks = {{size = "1G"}, {size = "2G", bus = "scsi"}, {file = "data.qcow2"}}})
        :boot({agent = false})
end)
test("a profile's disks", function(t)
    provium:vm("p", "more"):boot({agent = false})
end)
LUA
run_t "$WORK/d/xml.test.lua"
check "disks: both boot (exit 0)" status_is 0
xml_v=$(ls "$WORK"/runs/latest/vms/*xml-v.xml)
xml_p=$(ls "$WORK"/runs/latest/vms/*xml-p.xml)
check "a VM's disks: a blank virtio disk is vda (no root disk), with its serial" \
    sh -c "grep -A3 'xml-v-disk1.qcow2' '$xml_v' | grep -q '<target dev=\"vda\" bus=\"virtio\"/>' &&
           grep -q '<serial>provium-disk1</serial>' '$xml_v'"
check "a VM's disks: a SCSI disk is sda" \
    sh -c "grep -A3 'xml-v-disk2.qcow2' '$xml_v' | grep -q '<target dev=\"sda\" bus=\"scsi\"/>'"
check "a VM's disks: one virtio-scsi controller" \
    test "$(grep -c '<controller type="scsi" index="0" model="virtio-scsi"/>' "$xml_v")" = 1
check "a VM's disks: the file disk is vdb" \
    sh -c "grep -A3 'xml-v-disk3.qcow2' '$xml_v' | grep -q '<target dev=\"vdb\" bus=\"virtio\"/>'"
check "a profile's disks (16M:scsi, file:, 8M): sda, vda, vdb in order" \
    sh -c "grep -o 'target dev=\"[a-z]*\"' '$xml_p' | tr '\n' ' ' | grep -q 'sda.*vda.*vdb'"
check "no disk files left in the run directory" \
    sh -c "! ls '$WORK'/runs/latest/vms/ | grep -q 'qcow2\$'"
check "the file disk is an overlay: the file is not named in the domain" \
    sh -c "! grep -q 'data.qcow2' '$xml_v'"

# --keep-failed keeps a failed test's domain with its files, disks too.
cat > "$WORK/d/keep.test.lua" <<'LUA'
test("kept", function(t)
    provium:vm("k", {disks = {{size = "1M"}}}):boot({agent = false})
    t:fail("keep it")
end)
LUA
run_t --keep-failed "$WORK/d/keep.test.lua"
check "--keep-failed: the test fails (exit 1)" status_is 1
check "--keep-failed: the kept domain's disk stays in the run directory" \
    sh -c "ls '$WORK'/runs/latest/vms/ | grep -q 'keep-k-disk1.qcow2\$'"

# What provium:vm() refuses: one line at the line of the call, exit 2.
bad() {
    printf 'test("x", function(t) end)\nprovium:vm("v", {%s})\n' "$1" > "$WORK/d/bad.test.lua"
    run_t "$WORK/d/bad.test.lua"
}
bad 'disks = {{sise = "1G"}}'
check "unknown key in a disk: exit 2" status_is 2
check "unknown key in a disk: named at its line" out_has "bad.test.lua:2: provium:vm(): disks[1]"
check "unknown key in a disk: the key" out_has "sise"
bad 'disks = {{size = "1X"}}'
check "bad size: exit 2" status_is 2
check "bad size: named at its line" out_has "bad.test.lua:2: provium:vm(): disks[1]: size: invalid size '1X'"
bad 'disks = {{file = "nope.qcow2"}}'
check "missing file: exit 2" status_is 2
check "missing file: named at its line" \
    out_has "bad.test.lua:2: provium:vm(): disks[1]: file 'nope.qcow2' does not exist"
bad 'disks = {{size = "1G", bus = "ide"}}'
check "bad bus: exit 2" status_is 2
check "bad bus: named at its line" \
    out_has 'bad.test.lua:2: provium:vm(): disks[1]: bus must be "virtio" or "scsi"'
bad 'disks = {{size = "1G", file = "data.qcow2"}}'
check "size and file: exit 2" status_is 2
check "size and file: named at its line" out_has "bad.test.lua:2: provium:vm(): disks[1]: give a disk either size"
bad 'firmware = "uefi"'
check "bad firmware: exit 2" status_is 2
check "bad firmware: named at its line" \
    out_has 'bad.test.lua:2: provium:vm(): firmware must be "bios" or "efi"'

# What a profile's keys refuse: the file, group and key, exit 2.
mkdir "$WORK/p"
echo 'test("x", function(t) end)' > "$WORK/p/a.test.lua"
for value in "disks = 1X" "disks = 1G:ide" "firmware = uefi"; do
    printf '[profile default]\nmemory = 128M\n%s\n' "$value" > "$WORK/p/provium.conf"
    run_t "$WORK/p"
    check "profile '$value': exit 2" status_is 2
    check "profile '$value': names the file, line and key" \
        sh -c "grep -q 'provium.conf:3: \[profile default\] ${value%% *}: ' '$WORK/err' '$WORK/out'"
done
printf '[profile default]\nmemory = 128M\ndisks = file:gone.qcow2\n' > "$WORK/p/provium.conf"
printf 'test("x", function(t) provium:vm("v"):boot({agent = false}) end)\n' > "$WORK/p/a.test.lua"
run_t "$WORK/p"
check "profile with a missing disk file: names it" \
    sh -c "grep -q \"disks file '$WORK/p/gone.qcow2' does not exist\" '$WORK/err' '$WORK/out'"

# firmware = efi where libvirt offers no UEFI firmware (the test driver):
# one line saying what to install, and nothing left.
cat > "$WORK/d/efi.test.lua" <<'LUA'
test("efi", function(t)
    provium:vm("e", "efi"):boot({agent = false})
end)
test("efi by the VM's option", function(t)
    provium:vm("f", {firmware = "efi"}):boot({agent = false})
end)
LUA
run_t "$WORK/d/efi.test.lua"
check "efi without UEFI firmware: the tests fail (exit 1)" status_is 1
check "efi without UEFI firmware: says what to install" \
    out_has "profile 'efi' asks for firmware = efi, but libvirt on host"
check "efi without UEFI firmware: names ovmf" out_has "apt install ovmf"
check "efi by the VM's option: the same line" \
    out_has "vm 'f': profile 'default' asks for firmware = efi"
check "nothing left in virsh list --all" sh -c "! virsh -c '$T' list --all --name | grep -q '^$PREFIX'"
