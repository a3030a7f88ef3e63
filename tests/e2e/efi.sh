#!/bin/sh
# firmware = efi: libvirt picks the UEFI firmware (Debian's ovmf), for a
# kernel given directly and for a disk that boots through its own
# bootloader: a GPT disk with an EFI system partition holding a unified
# kernel image (the test image's kernel, initrd and a command line, made
# with systemd-boot's stub) as \EFI\BOOT\BOOTX64.EFI.  Both reach the agent,
# both guests see UEFI (/sys/firmware/efi), and the UEFI variables libvirt
# made for each domain go with it.
. "$(dirname "$0")/../lib.sh"

available=$("$PROVIUM" -c "$URI" doctor --json 2>/dev/null |
    jq -r '.checks[] | select(.id == "uefi") | .available')
# Skipped only where the doctor says there is none: no answer is a failure.
if [ "$available" = false ]; then
    echo "1..0 # SKIP libvirt offers no UEFI firmware here (provium doctor: uefi; install ovmf)"
    exit 0
fi
check "provium doctor --json says libvirt offers UEFI firmware" test "$available" = true

cat > "$WORK/provium.conf" <<CONF
[profile kernel]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
firmware = efi

[profile esp]
disk = esp.img
firmware = efi
CONF

# The ESP disk: skipped, saying why, where a tool is missing.
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
missing=""
for tool in objcopy sfdisk mformat mmd mcopy; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -f "$stub" ] || missing="$missing $stub (systemd-boot-efi)"
if [ -z "$missing" ]; then
    printf 'console=ttyS0 quiet no_timer_check provium.uki=1' > "$WORK/cmdline.txt"
    printf 'NAME=provium-test-image\n' > "$WORK/os-release"
    objcopy \
        --add-section .osrel="$WORK/os-release" --change-section-vma .osrel=0x20000 \
        --add-section .cmdline="$WORK/cmdline.txt" --change-section-vma .cmdline=0x30000 \
        --add-section .linux="$PV_TEST_IMAGE/vmlinuz" --change-section-vma .linux=0x2000000 \
        --add-section .initrd="$PV_TEST_IMAGE/initrd.img" --change-section-vma .initrd=0x4000000 \
        "$stub" "$WORK/linux.efi"
    # 64 MiB: a GPT, one EFI system partition from 1 MiB to the backup GPT.
    truncate -s 64M "$WORK/esp.img"
    printf 'label: gpt\nstart=2048, size=126976, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' |
        sfdisk -q "$WORK/esp.img"
    mformat -i "$WORK/esp.img@@1M" -T 126976 -h 64 -s 32 -v ESP ::
    mmd -i "$WORK/esp.img@@1M" ::/EFI ::/EFI/BOOT
    mcopy -i "$WORK/esp.img@@1M" "$WORK/linux.efi" ::/EFI/BOOT/BOOTX64.EFI
    chmod 0644 "$WORK/esp.img"
    esp_test='
test("a disk with its own bootloader boots under UEFI", function(t)
    local vm = provium:vm("esp", "esp"):boot()
    vm:run("test -d /sys/firmware/efi"):assert_ok()
    t:assert_contains(vm:read_file("/proc/cmdline"), "provium.uki=1")
end)'
else
    esp_test=""
fi

cat > "$WORK/efi.test.lua" <<LUA
test("a kernel given directly boots under UEFI", function(t)
    local vm = provium:vm("k", "kernel"):boot()
    vm:run("test -d /sys/firmware/efi"):assert_ok()
end)
test("the VM's own firmware option", function(t)
    local vm = provium:vm("o", "esp", {firmware = "bios"})
    local err = t:assert_raises(function() vm:boot() end)
    t:assert_contains(tostring(err), "starts only a kernel given directly")
end)
$esp_test
LUA

before=$(find /var/lib/libvirt -name "*$PREFIX*" 2>/dev/null | wc -l)
run_provium "$WORK"
check "exit status 0" status_is 0
check "a kernel given directly boots under UEFI" \
    out_has "PASS  a kernel given directly boots under UEFI"
check "firmware = \"bios\" of the VM overrides its profile's efi" \
    out_has "PASS  the VM's own firmware option"
if [ -z "$missing" ]; then
    check "an ESP disk boots through its own bootloader (a UKI) under UEFI" \
        out_has "PASS  a disk with its own bootloader boots under UEFI"
    sed -n 's/.*PASS  \(a.*UEFI (.*)\)$/# \1/p' "$WORK/out"
else
    ok "an ESP disk boots under UEFI # SKIP missing:$missing"
fi
check "the UEFI variables are gone from the run directory after the run" \
    sh -c "! ls '$WORK'/runs/latest/vms/ | grep -q 'VARS.fd\$'"
check "the domain XML kept them in the run directory" \
    sh -c "grep -q '<nvram>$WORK/runs/.*/vms/${PREFIX}efi-k.VARS.fd</nvram>' '$WORK'/runs/latest/vms/${PREFIX}efi-k.xml"
check "nothing of ours in /var/lib/libvirt" \
    test "$(find /var/lib/libvirt -name "*$PREFIX*" 2>/dev/null | wc -l)" = "$before"
check "nothing left in virsh list --all" no_domains_left
