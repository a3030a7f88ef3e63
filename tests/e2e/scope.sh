#!/bin/sh
# A VM's scope: made inside a test, it belongs to that test and ends with it
# however the test ends (its charges back in the pool); made at the file's
# top level, it serves several tests and ends with the file.  --keep-failed
# keeps a failed test's VM running until `provium clean`.
. "$(dirname "$0")/../lib.sh"

write_conf
leak_check_ok() { "$PROVIUM" report "$WORK/runs/latest/events.msgpack" > /dev/null; }
# The event kinds of one file, in order, as letters: S test_started,
# + vm_spawned, - vm_stopped, P test_passed, F test_failed.
sequence() {
    events "[.[] | select(.path != null and (.path | endswith(\"/$1\")))
             | {test_started: \"S\", vm_spawned: \"+\", vm_stopped: \"-\",
                test_passed: \"P\", test_failed: \"F\"}[.kind] // empty] | join(\"\")"
}

# (a) Four tests, each making and booting its own VM (the README's pattern),
# on a pool of 2 vCPUs: two 1-vCPU VMs fit at once, so were the VMs of
# finished tests left up until the file ends, the third boot could never
# fit and the file would fail.
mkdir "$WORK/four"
cp "$WORK/provium.conf" "$WORK/four/"
for i in 1 2 3 4; do
    cat >> "$WORK/four/four.test.lua" <<LUA
test("test $i", function(t)
    local vm = provium:vm("web"):boot()
    vm:run("uname -s"):assert_ok()
end)
LUA
done

run_provium --no-psi --cpus 2 "$WORK/four"
check "four tests, one VM each, a pool of 2 vCPUs: exit 0" status_is 0
check "four tests, one VM each: all four pass" out_has "4 passed, 0 failed, 0 skipped"
check "each test's VM stopped before the next test started" \
    test "$(sequence four.test.lua)" = '"S+P-S+P-S+P-S+P-"'
check "each VM stopped with reason test_ended" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | .reason] | join(",")')" = \
        '"test_ended,test_ended,test_ended,test_ended"'
check "four tests: the pool is empty after each VM stopped" \
    test "$(events '[.[] | select(.kind == "claim_released")][-1].pool_used | .memory == 0 and .cpus == 0')" = true
check "four tests: the leak check of provium report passes" leak_check_ok
check "four tests: nothing left" no_domains_left

# A VM made inside a test cannot be used once that test is over: the later
# test fails saying why, pointing at its line.
mkdir "$WORK/stale"
cp "$WORK/provium.conf" "$WORK/stale/"
cat > "$WORK/stale/stale.test.lua" <<'LUA'
local vm
test("makes a VM", function(t)
    vm = provium:vm("web"):boot()
end)
test("uses it later", function(t)
    vm:run("true")
end)
LUA
run_provium --no-psi "$WORK/stale"
check "a test's VM used in a later test: exit 1" status_is 1
check "a test's VM used in a later test: the first test passed, the second failed" \
    test "$(sequence stale.test.lua)" = '"S+P-SF"'
check "a test's VM used in a later test: the message says why and what to do" \
    out_has "stale.test.lua:6: vm 'web' was made inside a test that has ended, and ended with it: make it at the file's top level to use it in several tests"
check "a test's VM used in a later test: nothing left" no_domains_left

# (b) A VM made at the top level serves two tests: the same domain in both,
# stopped when the file ends.
mkdir "$WORK/shared"
cp "$WORK/provium.conf" "$WORK/shared/"
cat > "$WORK/shared/shared.test.lua" <<'LUA'
local vm = provium:vm("web")
test("boots it", function(t)
    vm:boot()
    vm:run("echo one > /tmp/mark"):assert_ok()
    t:log("domain " .. vm:name())
end)
test("uses it again", function(t)
    t:assert_eq("one\n", vm:run("cat /tmp/mark").stdout)
    t:log("domain " .. vm:name())
end)
LUA
run_provium --no-psi --cpus 2 "$WORK/shared"
check "top-level VM: exit 0" status_is 0
check "top-level VM: one boot for both tests, stopped after the last" \
    test "$(sequence shared.test.lua)" = '"S+PSP-"'
check "top-level VM: both tests saw the same domain" \
    test "$(events "[.[] | select(.kind == \"test_log\") | .text] | join(\",\")")" = \
        "\"domain ${PREFIX}shared-web,domain ${PREFIX}shared-web\""
check "top-level VM: vm_stopped reason file_ended" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | .reason] | join(",")')" = '"file_ended"'
check "top-level VM: nothing left" no_domains_left

# (c) A failing test's VM ends with it too (a later test then boots on the
# freed pool), and --keep-failed keeps it running instead.
mkdir "$WORK/fail"
cp "$WORK/provium.conf" "$WORK/fail/"
cat > "$WORK/fail/fail.test.lua" <<'LUA'
test("fails", function(t)
    local vm = provium:vm("bad"):boot()
    t:fail("on purpose")
end)
test("after", function(t)
    provium:vm("good"):boot():run("true"):assert_ok()
end)
LUA
run_provium --no-psi --cpus 1 "$WORK/fail"
check "failing test: exit 1" status_is 1
check "failing test: its VM stopped before the next test (which passed) started" \
    test "$(sequence fail.test.lua)" = '"S+F-S+P-"'
check "failing test: its VM stopped with reason test_ended" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | [.vm, .reason] | join(" ")] | join(",")')" = \
        '"bad test_ended,good test_ended"'
check "failing test: nothing left" no_domains_left

run_provium --no-psi --keep-failed "$WORK/fail"
check "--keep-failed: exit 1" status_is 1
check "--keep-failed: the failed test's VM is reported kept" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | [.vm, .reason] | join(" ")] | join(",")')" = \
        '"bad kept,good test_ended"'
check "--keep-failed: kept before the next test started" \
    test "$(sequence fail.test.lua)" = '"S+F-S+P-"'
check "--keep-failed: prints the domain" out_has "kept: domain ${PREFIX}fail-bad is still running"
check "--keep-failed: the domain is still running" \
    sh -c "virsh domstate '${PREFIX}fail-bad' | grep -qx running"
check "--keep-failed: the passing test's VM is gone" \
    sh -c "! virsh list --all --name | grep -qx '${PREFIX}fail-good'"

"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
status=$?
check "clean exits 0" status_is 0
check "clean removes the kept domain" out_has "removed ${PREFIX}fail-bad"
# (d)
check "nothing left in virsh list --all" no_domains_left
