#!/bin/sh
# A real run's events name the libvirt host each file ran on (issue 21):
# run_started lists the run's hosts, every event about the file, its
# test, its VM and its network names the one it ran on, and provium
# report's JUnit gives the test case that host.  One host: the timeline
# has no part per host, as before hosts.  (Runs on two hosts: the report's
# side in tests/test-report.c, /report/hosts/.)
. "$(dirname "$0")/../lib.sh"

write_conf
cat > "$WORK/hosts.test.lua" <<'LUA'
provium:network("lan", {cidr = "10.211.57.0/24"})
test("boots", function(t)
    provium:vm("v", {nics = {"lan"}}):boot():run("true"):assert_ok()
end)
LUA

run_provium --no-psi "$WORK"
check "exit 0" status_is 0
host=$(events '[.[] | select(.kind == "run_started")][0].hosts[0].name' | tr -d '"')
check "run_started lists one host, the run's URI's, with its pool" \
    test "$(events '[.[] | select(.kind == "run_started")][0] |
                    (.hosts | length) == 1 and .hosts[0].uri == .uri and
                    .hosts[0].pool.memory > 0 and (.hosts[0].name | length) > 0')" = true
for kind in file_dispatched claim_acquired network_created test_started vm_spawned vm_ready \
            test_passed vm_stopped network_destroyed claim_released file_completed; do
    check "$kind names the host ($host)" \
        test "$(events "[.[] | select(.kind == \"$kind\")] |
                        length > 0 and all(.host == \"$host\")")" = true
done

"$PROVIUM" report "$WORK/runs/latest" --junit "$WORK/junit.xml" --svg "$WORK/run.svg" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "report: exit 0" status_is 0
check "JUnit: the test case's host" test "$(xmllint --xpath \
    'string(//testcase[@name="boots"]/properties/property[@name="host"]/@value)' \
    "$WORK/junit.xml")" = "$host"
check "one host: no figures per host, no part per host in the timeline" \
    sh -c "! grep -q '^[0-9]* hosts:' '$WORK/out' && ! grep -q host-heading '$WORK/run.svg'"
check "nothing left in virsh list --all" no_domains_left
check "no network left" no_networks_left
