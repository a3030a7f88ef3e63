#!/bin/sh
# The accelerator: provium doctor's verdict on this host, --virt-type auto
# following it, --virt-type kvm failing fast with the cause and the switch
# where KVM is not usable here (no /dev/kvm, a root-only one, nested KVM that
# hangs), --virt-type qemu and the profile key, and bad values.
#
# Which case this host is depends on the machine: the checks that depend on
# it ask provium doctor --json first, so every kind of host runs the same
# assertions for its own case; tests/e2e/unlike-host.sh runs this file
# against a host without /dev/kvm.
. "$(dirname "$0")/../lib.sh"

write_conf
CACHE="$WORK/cache"
mkdir "$WORK/t"
cp "$WORK/provium.conf" "$WORK/t/"
cat > "$WORK/t/boot.test.lua" <<'LUA'
test("boots", function(t)
    local vm = provium:vm("a"):boot()
    vm:run("true"):assert_ok()
end)
LUA

# doctor: one line per check, exit 0 with no FAIL.
"$PROVIUM" doctor -c "$URI" --cache-dir "$CACHE" "$WORK/t" > "$WORK/out" 2> "$WORK/err"
status=$?
check "doctor: exit 0" status_is 0
check "doctor: every line is PASS, WARN, FAIL or SKIP, then the summary" \
    sh -c "grep -vE '^(PASS|WARN|FAIL|SKIP)  ' '$WORK/out' | grep -qx 'provium doctor: [0-9]* passed, [0-9]* warnings\{0,1\}, 0 failed\(, [0-9]* skipped\)\{0,1\}'"
# --json: the same checks, with their facts.
doctor_json --cache-dir "$CACHE" "$WORK/t"
check "doctor --json: exit 0" status_is 0
check "doctor --json: one check per line of the text" \
    test "$(jq '.checks | length' "$WORK/doctor.json")" -eq "$(grep -cE '^(PASS|WARN|FAIL|SKIP)  ' "$WORK/out")"
check "doctor --json: nothing failed" test "$(jq .failed "$WORK/doctor.json")" -eq 0
local_host=$(fact libvirt local)
check "doctor --json: local or remote" sh -c "[ '$local_host' = true ] || [ '$local_host' = false ]"
check "doctor: plain emulation boots (a remote host's through its storage pool)" \
    test "$(fact qemu boots)" = true
if [ "$local_host" = true ]; then
    check "doctor: the profiles' images are readable by QEMU" test "$(fact profile reachable)" = true
else
    check "doctor: the profiles' images are readable here, to upload to the remote host" \
        test "$(fact profile reachable)" = true
fi
check "doctor: a verdict on KVM" sh -c "[ '$(fact kvm auto)' = kvm ] || [ '$(fact kvm auto)' = qemu ]"
if [ "$(fact kvm auto)" = kvm ]; then kvm_ok=1; else kvm_ok=0; fi
echo "# this host: KVM usable: $kvm_ok (libvirt offers KVM: $(fact kvm libvirt_kvm), probe: $(fact kvm verdict)), local: $local_host"

# The verdict is cached: the second doctor does not boot the KVM probe again.
doctor_json --cache-dir "$CACHE" "$WORK/t"
if [ "$(fact kvm libvirt_kvm)" = false ]; then
    ok "doctor: the KVM verdict is cached (no KVM here: nothing to cache)"
elif [ "$local_host" = false ]; then
    ok "doctor: the KVM verdict is cached (a remote host's is probed each time: not cached)"
else
    check "doctor: the KVM verdict is cached" test "$(fact kvm cached)" = true
fi

# An image QEMU cannot reach: under a directory only root may enter.
mkdir -m 0700 "$WORK/private"
cp "$PV_TEST_IMAGE/vmlinuz" "$WORK/private/"
printf '[profile hidden]\nkernel = %s/private/vmlinuz\n' "$WORK" > "$WORK/hidden.conf"
doctor_json --cache-dir "$CACHE" --config "$WORK/hidden.conf"
if [ "$local_host" = true ]; then
    check "doctor: an unreachable image: exit 1" status_is 1
    check "doctor: names the directory QEMU may not enter" \
        test "$(fact 'profile hidden' blocker)" = "$WORK/private"
    check "doctor: ... and the ACL that lets it in" \
        test "$(fact 'profile hidden' fix)" = "setfacl -m u:$(fact 'profile hidden' qemu_user):x $WORK/private"
else
    ok "doctor: an unreachable image (a remote host's files are not checked from here)"
fi

# auto follows the doctor's verdict.
run_provium --cache-dir "$CACHE" "$WORK/t"
check "auto: the test passes" status_is 0
auto=$(events '.[] | select(.kind == "run_started") | .virt_auto')
if [ "$kvm_ok" = 1 ]; then want='"kvm"'; else want='"qemu"'; fi
check "auto: run_started says $want" [ "$auto" = "$want" ]
check "auto: the domain's type is $want" grep -q "<domain type=$want" "$WORK"/runs/latest/vms/*.xml

# Forced KVM: works where the probe said so; elsewhere fails fast, one line
# naming the cause and the switch, not the two-minute boot timeout.
run_provium --cache-dir "$CACHE" --virt-type kvm "$WORK/t"
check "--virt-type kvm: the domain asks for kvm" grep -q '<domain type="kvm"' "$WORK"/runs/latest/vms/*.xml
if [ "$kvm_ok" = 1 ]; then
    check "--virt-type kvm: passes where KVM is usable" status_is 0
else
    check "--virt-type kvm: a failed test where KVM is not usable" status_is 1
    check "--virt-type kvm: the failure names the switch" out_has "--virt-type qemu"
    check "--virt-type kvm: not the agent timeout" sh -c "! grep -q 'did not connect within' '$WORK/out'"
fi
check "--virt-type kvm: nothing left in virsh list --all" no_domains_left

run_provium --cache-dir "$CACHE" --virt-type qemu "$WORK/t"
check "--virt-type qemu: passes" status_is 0
check "--virt-type qemu: the domain's type is qemu" grep -q '<domain type="qemu"' "$WORK"/runs/latest/vms/*.xml

# The profile key; --virt-type overrides it.
printf '[profile default]\nkernel = %s/vmlinuz\ninitrd = %s/initrd.img\ncmdline = console=ttyS0 quiet no_timer_check\nvirt_type = qemu\n' \
    "$PV_TEST_IMAGE" "$PV_TEST_IMAGE" > "$WORK/t/provium.conf"
run_provium --cache-dir "$CACHE" "$WORK/t"
check "profile virt_type = qemu: passes" status_is 0
check "profile virt_type = qemu: the domain's type is qemu" grep -q '<domain type="qemu"' "$WORK"/runs/latest/vms/*.xml
run_provium --cache-dir "$CACHE" --virt-type kvm "$WORK/t"
check "--virt-type kvm overrides the profile" grep -q '<domain type="kvm"' "$WORK"/runs/latest/vms/*.xml

# Bad values: one line, exit 2.
run_provium --virt-type xen "$WORK/t"
check "--virt-type xen: exit 2" status_is 2
check "--virt-type xen: one line naming the option" err_has "provium: --virt-type: 'xen' is not kvm, qemu or auto"
check "--virt-type xen: only that line" err_is_one_line
printf '[profile default]\nvirt_type = fast\n' > "$WORK/t/provium.conf"
run_provium "$WORK/t"
check "profile virt_type = fast: exit 2" status_is 2
check "profile virt_type = fast: names file, line and key" \
    err_has "provium.conf:2: [profile default] virt_type: 'fast' is not kvm, qemu or auto"
check "nothing left in virsh list --all" no_domains_left
