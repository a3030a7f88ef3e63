#!/bin/sh
# provium doctor -c URI on hosts whose files are not this machine's (second
# libvirtds, tests/libvirt-host.sh): one like this machine (host b), one
# without KVM and cache banks (host u).  Every fact the doctor gives of
# them must be that host's, checked against what `virsh -c URI` says there
# (nodeinfo, nodememstats, capabilities, domcapabilities, freepages,
# node-memory-tune, net-list), never a reading of this machine's; what
# cannot be known remotely (PSI) is SKIP; the probe guests boot there
# through provium's storage pool, and leave no domain or volume behind.
# Then a run on host b: its startup line says once what is off there, and
# the pressure throttle reads that host's CPU load from libvirt (psi_state).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../libvirt-host.sh"
at_exit host_stop_all

host_start b
started=$?
if [ $started = 77 ]; then
    ok "remote hosts # SKIP $HOST_SKIP"
    exit 0
fi
check "host b answers over TCP" test $started = 0
host_start u --no-kvm --no-cache-banks
check "host u (no KVM, no cache banks) answers over TCP" test $? = 0
B=$(host_uri b)
U=$(host_uri u)
echo "# hosts: b $B, u $U"

# The profile's files are copies under this test's /tmp: neither host sees them.
mkdir "$WORK/images" "$WORK/t"
cp "$PV_TEST_IMAGE/vmlinuz" "$PV_TEST_IMAGE/initrd.img" "$WORK/images/"
cat > "$WORK/provium.conf" <<CONF
[profile default]
kernel = images/vmlinuz
initrd = images/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
memory = 256M
CONF

# doctor_on URI: provium doctor --json of that host into $WORK/doctor.json.
doctor_on() {
    "$PROVIUM" doctor --json -c "$1" --cache-dir "$WORK/cache" --config "$WORK/provium.conf" \
        > "$WORK/doctor.json" 2> "$WORK/doctor.err"
    status=$?
}
# What virsh says of a host.
caps_cpus() { virsh -c "$1" capabilities | grep -c "<cpu id="; }
caps_banks() { if virsh -c "$1" capabilities | grep -q "<bank "; then echo true; else echo false; fi; }
has_kvm() {
    if virsh -c "$1" domcapabilities --virttype kvm > /dev/null 2>&1; then echo true; else echo false; fi
}
node_cpus() { virsh -c "$1" nodeinfo | sed -n 's/^CPU(s): *//p'; }
mem_total() { echo $(($(virsh -c "$1" nodememstats | sed -n 's/^total *: *\([0-9]*\) KiB/\1/p') * 1024)); }
free_2m() { virsh -c "$1" freepages --pagesize 2048 --all | awk '/^2048KiB:/ { n += $2 } END { print n + 0 }'; }
shm() { virsh -c "$1" node-memory-tune | awk -v k="$2" '$1 == k { print $2 }'; }
nets() { virsh -c "$1" net-list --all --name | grep -c .; }

for h in b u; do
    uri=$(host_uri $h)
    ksm_before=$(shm "$uri" shm_pages_to_scan)
    doctor_on "$uri"
    check "$h: doctor --json: exit 0 (nothing failed)" status_is 0
    [ "$status" = 0 ] || sed "s/^/# $h doctor: /" "$WORK/doctor.json" "$WORK/doctor.err" | head -60
    check "$h: a remote host" test "$(fact libvirt local)" = false
    check "$h: its CPUs, from libvirt's node info" test "$(fact node cpus)" = "$(node_cpus "$uri")"
    check "$h: its memory, from libvirt's memory stats" test "$(fact node memory)" = "$(mem_total "$uri")"
    check "$h: its CPUs in the topology, from its capabilities" \
        test "$(fact llc cpus)" = "$(caps_cpus "$uri")"
    check "$h: cache banks as its capabilities say" \
        test "$(fact llc from_cache_banks)" = "$(caps_banks "$uri")"
    check "$h: KVM as its domain capabilities say" \
        test "$(fact kvm libvirt_kvm)" = "$(has_kvm "$uri")"
    [ $h = b ] && b_auto=$(fact kvm auto)
    if [ "$(has_kvm "$uri")" = true ]; then
        check "$h: KVM probed there" test "$(fact kvm probed)" = true
        check "$h: ... with a verdict" \
            sh -c "case '$(fact kvm verdict)' in ok|failed|hangs) exit 0;; esac; exit 1"
    else
        check "$h: no KVM there: not probed" test "$(fact kvm verdict)" = none
        check "$h: --virt-type auto uses plain emulation" test "$(fact kvm auto)" = qemu
    fi
    check "$h: a probe guest booted there under plain emulation" \
        sh -c "[ '$(fact qemu probed)' = true ] && [ '$(fact qemu boots)' = true ]"
    check "$h: provium's storage pool there is usable" test "$(fact storage_pool usable)" = true
    check "$h: free 2 MiB pages, as libvirt says" \
        sh -c "[ '$(fact hugepages from_libvirt)' = true ] && [ '$(fact hugepages free_2m_pages)' = '$(free_2m "$uri")' ]"
    check "$h: ... and whether a hugetlbfs is mounted there is not this machine's answer" \
        test "$(fact hugepages hugetlbfs)" = null
    check "$h: PSI cannot be known remotely: SKIP" \
        sh -c "[ '$(fact psi status)' = SKIP ] && [ '$(fact psi readable)' = false ]"
    check "$h: ... and the skipped check is counted" test "$(jq .skipped "$WORK/doctor.json")" -ge 1
    # The test hosts share this machine's KSM, which a run of another test
    # (make -j2 check) may tune between the doctor's reading and virsh's:
    # the doctor's figure is virsh's from before or from after it.
    check "$h: KSM's scan rate, as libvirt gives it" \
        sh -c "[ '$(fact ksm pages_to_scan)' = '$ksm_before' ] ||
               [ '$(fact ksm pages_to_scan)' = '$(shm "$uri" shm_pages_to_scan)' ]"
    check "$h: ... and provium does not tune it there" test "$(fact ksm writable)" = false
    check "$h: its libvirt networks" test "$(fact networks networks)" = "$(nets "$uri")"
    check "$h: ... whose routes are not read from here" test "$(fact networks routes_known)" = false
    check "$h: the profile's files are readable here, to upload" \
        test "$(fact 'profile default' uploaded)" = "kernel, initrd"
    check "$h: the probes left no domain" test -z "$(virsh -c "$uri" list --all --name | grep .)"
    check "$h: ... and no volume" \
        sh -c "! virsh -c '$uri' vol-list provium | grep -q pv-probe-"
done
# u is unlike this machine: what the doctor said of it cannot be this machine's.
if [ -e /dev/kvm ]; then
    check "u: libvirt there offers no KVM, though this machine has /dev/kvm" \
        test "$(has_kvm "$U")" = false
fi

# The text: one line per check, SKIP among them, and the count.
"$PROVIUM" doctor -c "$U" --cache-dir "$WORK/cache" --config "$WORK/provium.conf" \
    > "$WORK/out" 2> "$WORK/err"
check "doctor text: a SKIP line for PSI" grep -q '^SKIP  psi ' "$WORK/out"
check "doctor text: every line is PASS, WARN, FAIL or SKIP, then the counts" \
    sh -c "grep -vE '^(PASS|WARN|FAIL|SKIP)  ' '$WORK/out' | grep -qx 'provium doctor: [0-9]* passed, [0-9]* warnings\{0,1\}, 0 failed, [0-9]* skipped'"

# A run on host b: what is off there is said once, on the startup line, and
# the throttle reads the host's CPU load from libvirt.
cat > "$WORK/t/remote.test.lua" <<'LUA'
test("boots on a remote host", function(t)
    local vm = provium:vm("r"):boot()
    vm:run("true"):assert_ok()
    vm:run("sleep 3"):assert_ok()
end)
LUA
"$PROVIUM" -c "$B" --prefix "$PREFIX" --results-dir "$WORK/runs" --virt-type qemu \
    --config "$WORK/provium.conf" "$WORK/t" > "$WORK/out" 2> "$WORK/err"
status=$?
check "run on b: exit 0" status_is 0
[ "$status" = 0 ] || sed 's/^/# run: /' "$WORK/err" | tail -20
startup=$(grep '^provium: pool ' "$WORK/err")
echo "# startup: $startup"
check "run on b: one startup line, naming host b" \
    sh -c "[ \$(grep -c '^provium: pool ' '$WORK/err') = 1 ] && grep '^provium: pool ' '$WORK/err' | grep -qF '$B'"
check "run on b: it says PSI is not there, once" \
    test "$(grep -o 'not there (remote)' "$WORK/err" | wc -l)" = 1
check "run on b: ... that the throttle reads the CPU load libvirt gives" \
    grep -q '^provium: pool .*PSI not there (remote): cpu .* from the CPU load libvirt gives' "$WORK/err"
check "run on b: ... and that KSM is left as it is there, once" \
    test "$(grep -o 'left as it is there' "$WORK/err" | wc -l)" = 1
check "run on b: the throttle read host b's load (psi_state)" \
    test "$(events '[.[] | select(.kind == "psi_state")] | length')" -ge 1
check "run on b: no domain of the run left there" \
    test -z "$(virsh -c "$B" list --all --name | grep "^$PREFIX")"

# --virt-type auto on a remote host: probed as the run starts (through its
# pool), so a run decides as the doctor does (on nested KVM that hangs
# guests: plain emulation, not a guest that never boots).
"$PROVIUM" -c "$B" --prefix "$PREFIX" --results-dir "$WORK/runs" \
    --config "$WORK/provium.conf" "$WORK/t" > "$WORK/out" 2> "$WORK/err"
status=$?
check "run on b, --virt-type auto: exit 0" status_is 0
[ "$status" = 0 ] || sed 's/^/# run: /' "$WORK/out" "$WORK/err" | tail -20
check "... auto means there what the doctor's probe said ($b_auto)" \
    test "$(events '.[] | select(.kind == "run_started") | .virt_auto')" = "\"$b_auto\""
if [ "$(has_kvm "$B")" = true ]; then
    check "... decided by a probe there, not by libvirt's word" \
        sh -c "! $PROVIUM events '$WORK/runs/latest/events.msgpack' --kind run_started |
               grep -q 'not probed'"
fi
check "... no domain or volume of the probe or the run left there" \
    sh -c "[ -z \"\$(virsh -c '$B' list --all --name | grep .)\" ] &&
           ! virsh -c '$B' vol-list provium | grep -q 'probe\|$PREFIX'"
