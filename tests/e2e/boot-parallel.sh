#!/bin/sh
# Booting a test's VMs together: provium.boot({a, b, c}) starts them as the
# boot gate allows and returns when every agent is connected; the events and
# the SVG timeline show the boots overlap.  A member that fails (its agent
# silent, or its domain unable to start) fails the call with its reason and
# console, every VM of the call is destroyed (--keep-failed keeps the failed
# ones), and every charge goes back.  A signal
# (SIGINT, SIGTERM) mid-boot leaves no domain and no reservation.  The
# charges are taken all together or not at all.  vm:start() and vm:wait()
# split a boot in two.
. "$(dirname "$0")/../lib.sh"

write_conf
# A kernel QEMU cannot load: the domain does not start at all.
: > "$WORK/empty-kernel"
cat >> "$WORK/provium.conf" <<CONF

[profile badkernel]
kernel = $WORK/empty-kernel
initrd = $PV_TEST_IMAGE/initrd.img
memory = 256M
CONF
# The VM events of the last run, in order, as letters: + vm_spawned,
# R vm_ready, - vm_stopped, T test_started, P test_passed, F test_failed.
sequence() {
    events '[.[] | {vm_spawned: "+", vm_ready: "R", vm_stopped: "-", test_started: "T",
                   test_passed: "P", test_failed: "F"}[.kind] // empty] | join("")'
}
pool_empty_at_end() {
    test "$(events '[.[] | select(.kind == "claim_released")][-1].pool_used
                    | .memory == 0 and .cpus == 0')" = true &&
        test "$(events '[.[] | select(.kind == "run_finished")][0].pool_used
                        | .memory == 0 and .cpus == 0')" = true
}
leak_check_ok() { "$PROVIUM" report "$WORK/runs/latest/events.msgpack" > /dev/null; }
# svg_boot VM ATTR: an attribute of the stroke of VM's boot in $WORK/run.svg.
svg_boot() {
    xmllint --xpath "string(//*[local-name()='g'][starts-with(*[local-name()='title'],
                     \"vm '$1' (${PREFIX}\")]/*[local-name()='line']/@$2)" "$WORK/run.svg"
}
# A file of its own in a directory of its own: mkfile DIR, the Lua on stdin.
mkfile() {
    mkdir "$WORK/$1"
    cp "$WORK/provium.conf" "$WORK/$1/"
    cat > "$WORK/$1/$1.test.lua"
}

# (a) Three VMs in one call, a gate of three: all three start before the
# first is ready, and the timeline draws three overlapping boots.
mkfile three <<'LUA'
test("three at once", function(t)
    local a, b, c = provium:vm("a"), provium:vm("b"), provium:vm("c")
    t:assert_eq(provium.boot({a, b, c})[2], b)
    for _, vm in ipairs({a, b, c}) do vm:run("true"):assert_ok() end
end)
LUA
run_provium --no-psi --cpus 3 --boot-workers 3 "$WORK/three"
check "provium.boot of three: exit 0" status_is 0
check "provium.boot of three: every VM ready" \
    test "$(events '[.[] | select(.kind == "vm_ready") | .vm] | sort | join(",")')" = '"a,b,c"'
check "provium.boot of three: all started before the first was ready" \
    test "$(sequence)" = '"T+++RRRP---"'
check "provium.boot of three: the boots overlap (the last spawned before the first ready)" \
    test "$(events '([.[] | select(.kind == "vm_spawned") | .ts] | max) <
                    ([.[] | select(.kind == "vm_ready") | .ts] | min)')" = true
"$PROVIUM" report "$WORK/runs/latest/events.msgpack" --svg "$WORK/run.svg" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report --svg: exit 0" status_is 0
check "report --svg: each boot has its stroke, titled with its VM and domain" \
    sh -c "grep -qF \"vm 'a' (${PREFIX}three-a): ready after\" '$WORK/run.svg' &&
           grep -qF \"vm 'b' (${PREFIX}three-b): ready after\" '$WORK/run.svg' &&
           grep -qF \"vm 'c' (${PREFIX}three-c): ready after\" '$WORK/run.svg'"
check "report --svg: the three strokes overlap in time" \
    awk -v a1="$(svg_boot a x1)" -v a2="$(svg_boot a x2)" -v b1="$(svg_boot b x1)" \
        -v b2="$(svg_boot b x2)" -v c1="$(svg_boot c x1)" -v c2="$(svg_boot c x2)" \
        'BEGIN { s = a1; if (b1 > s) s = b1; if (c1 > s) s = c1;
                 e = a2; if (b2 < e) e = b2; if (c2 < e) e = c2;
                 exit !(a1 != "" && s < e) }'
check "report --svg: each on a row of its own, so all three show" \
    test "$( (svg_boot a y1; echo; svg_boot b y1; echo; svg_boot c y1; echo) | sort -u | grep -c .)" -eq 3
check "provium.boot of three: nothing left" no_domains_left

# (b) One member's agent never connects: the call fails naming it, with its
# console; every VM of the call is destroyed by the call; the test fails.
mkfile member <<'LUA'
test("one of three does not boot", function(t)
    local a, mute, b = provium:vm("a"), provium:vm("mute", "noagent"), provium:vm("b")
    local ok, err = pcall(provium.boot, {a, mute, b}, {timeout = "60s"})
    t:log("returned " .. tostring(ok))
    t:log("states " .. a:state() .. " " .. mute:state() .. " " .. b:state())
    error(err, 0)
end)
LUA
run_provium --no-psi --cpus 3 --boot-workers 3 "$WORK/member"
check "failing member: exit 1" status_is 1
check "failing member: the call failed, leaving every VM of it stopped" \
    test "$(events '[.[] | select(.kind == "test_log") | .text] | join(",")')" = \
        '"returned false,states stopped stopped stopped"'
check "failing member: the failure names the VM and why, at the call's line" \
    out_has "member.test.lua:3: 1 of 3 VMs did not boot:"
check "failing member: ... the guest agent that did not connect" \
    out_has "the guest agent of vm 'mute' (domain '${PREFIX}member-mute') did not connect within"
check "failing member: the call's error carries the member's console" \
    test "$(events '[.[] | select(.kind == "test_failed")][0].reason
                    | contains("--- console of vm '"'mute'"' ---") and contains("provium-guest: agent disabled")')" = true
check "failing member: the error blames no other VM" \
    test "$(events '[.[] | select(.kind == "test_failed")][0].reason
                    | contains("vm '"'a'"'") or contains("vm '"'b'"'")')" = false
check "failing member: the call destroyed a, b and the member" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | [.vm, .reason] | join(" ")] | sort | join(",")')" = \
        '"a destroyed,b destroyed,mute destroyed"'
check "failing member: all three were destroyed before the test ended" \
    test "$(sequence)" = '"T+++RR---F"'
check "failing member: the pool is empty at the end" pool_empty_at_end
check "failing member: nothing left" no_domains_left

# ... with --keep-failed the member that failed stays for a look, the others
# do not.
run_provium --no-psi --cpus 3 --boot-workers 3 --keep-failed "$WORK/member"
check "failing member, --keep-failed: the call left the member running" \
    test "$(events '[.[] | select(.kind == "test_log") | .text] | join(",")')" = \
        '"returned false,states stopped running stopped"'
check "failing member, --keep-failed: its domain is kept, the others' are not" \
    test "$(virsh list --all --name | grep "^$PREFIX" | tr '\n' ' ')" = "${PREFIX}member-mute "
for d in $(virsh list --all --name | grep "^$PREFIX"); do
    virsh -q destroy "$d" > /dev/null 2>&1
    virsh -q undefine "$d" > /dev/null 2>&1
done

# (c) Two VMs of the file's top level that never get ready: the failed group
# boot destroys both, so the file's next test has the pool back.
mkfile group <<'LUA'
local a, b = provium:vm("a", "noagent"), provium:vm("b", "noagent")
test("neither gets ready", function(t)
    provium.boot({a, b}, {timeout = "20s"})
end)
test("the pool is back for the next test", function(t)
    provium.boot({provium:vm("c"), provium:vm("d")})
end)
LUA
run_provium --no-psi --cpus 2 --boot-workers 2 "$WORK/group"
check "a failed group of the top level: the next test passes" \
    test "$(events '[.[] | select(.kind == "test_passed" or .kind == "test_failed") | .kind] | join(",")')" = \
        '"test_failed,test_passed"'
check "a failed group of the top level: both destroyed by the call" \
    test "$(events '[.[] | select(.kind == "vm_stopped" and (.vm == "a" or .vm == "b")) | .reason] | join(",")')" = \
        '"destroyed,destroyed"'
check "a failed group of the top level: nothing left" no_domains_left

# One member's domain cannot start at all (QEMU cannot load its kernel): the
# call fails at once naming it, the member that had started is destroyed
# without waiting for its agent, and the charges of both go back (as they
# do for a lone vm:boot() that cannot start: the next test boots on them).
mkfile badkernel <<'LUA'
test("one of two cannot start", function(t)
    local a, broken = provium:vm("a"), provium:vm("broken", "badkernel")
    provium.boot({a, broken})
end)
test("alone, it cannot start either", function(t)
    provium:vm("broken", "badkernel"):boot()
end)
test("the pool has room again", function(t)
    provium.boot({provium:vm("c"), provium:vm("d")})
end)
LUA
run_provium --no-psi --cpus 2 --boot-workers 2 "$WORK/badkernel"
check "member that cannot start: exit 1" status_is 1
check "member that cannot start: the failure names it, at the call's line" \
    out_has "badkernel.test.lua:3: 1 of 2 VMs did not boot:"
check "member that cannot start: ... with the reason" \
    test "$(events '[.[] | select(.kind == "test_failed")][0].reason
                    | test("vm .broken.: .*kernel")')" = true
check "member that cannot start: the other was destroyed, not waited for" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | [.vm, .reason] | join(" ")] | join(",")')" = \
        '"a destroyed,c test_ended,d test_ended"'
check "member that cannot start: of the failing tests, no VM became ready" \
    test "$(events '[.[] | select(.kind == "vm_ready") | .vm] | sort | join(",")')" = '"c,d"'
check "member that cannot start: the next tests failed, then passed on the pool given back" \
    test "$(events '[.[] | select(.kind | test("^test_(passed|failed)")) | .kind] | join(",")')" = \
        '"test_failed,test_failed,test_passed"'
check "member that cannot start: the pool is empty at the end" pool_empty_at_end
check "member that cannot start: the leak check passes" leak_check_ok
check "member that cannot start: nothing left" no_domains_left

# (c) SIGINT while three VMs boot: exit 130, no domain, no reservation.
# interrupt_when SIGNAL JQ_CONDITION ARGS...: runs the "cancel" file in the
# background, sends SIGNAL once the event stream satisfies the condition,
# sets $status.
mkfile cancel <<'LUA'
provium:claim({memory = "1G", cpus = 3})
test("boots three", function(t)
    provium.boot({provium:vm("a"), provium:vm("b"), provium:vm("c")})
    provium:sleep("60s")
end)
LUA
interrupt_when() {
    signal=$1
    condition=$2
    shift 2
    rm -rf "$WORK/runs"
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi "$@" \
        "$WORK/cancel" > "$WORK/out" 2> "$WORK/err" &
    pid=$!
    i=0
    until [ "$(events "$condition" 2>/dev/null)" = true ] || [ $i -ge 600 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -"$signal" $pid
    wait $pid
    status=$?
}
interrupt_when INT '[.[] | select(.kind == "vm_spawned")] | length == 3' --cpus 3 --boot-workers 3
check "SIGINT while three boot: exit 130" status_is 130
check "SIGINT while three boot: it came while they booted (not all ready)" \
    test "$(events '[.[] | select(.kind == "vm_ready")] | length < 3')" = true
check "SIGINT while three boot: the test is reported cancelled" out_has "cancelled by a signal"
check "SIGINT while three boot: every VM reported stopped" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | .vm] | sort | join(",")')" = '"a,b,c"'
check "SIGINT while three boot: the claim is back, the pool empty" pool_empty_at_end
check "SIGINT while three boot: the leak check of provium report passes" leak_check_ok
check "SIGINT while three boot: nothing left" no_domains_left

# SIGTERM, with a gate of two (--boot-workers 2): the third VM waits in it
# when the signal comes.
interrupt_when TERM '[.[] | select(.kind == "file_blocked" and .reason == "boot_gate")] | length > 0' \
    --cpus 3 --boot-workers 2
check "SIGTERM while one waits for the gate: exit 130" status_is 130
check "SIGTERM while one waits for the gate: two had started, the third had not" \
    test "$(events '[.[] | select(.kind == "vm_spawned") | .vm] | join(",")')" = '"a,b"'
check "SIGTERM while one waits for the gate: the claim is back, the pool empty" pool_empty_at_end
check "SIGTERM while one waits for the gate: the leak check passes" leak_check_ok
check "SIGTERM while one waits for the gate: nothing left" no_domains_left

# (d) All or nothing: three VMs on a claim for two fail at once, holding
# nothing: two then boot on the same claim.
mkfile claim <<'LUA'
provium:claim({memory = "600M", cpus = 2})
test("three VMs on a claim for two", function(t)
    local a, b, c = provium:vm("a"), provium:vm("b"), provium:vm("c")
    t:log(t:assert_raises(function() provium.boot({a, b, c}) end))
    t:assert_eq("defined", a:state())
    provium.boot({a, b})
    a:run("true"):assert_ok()
    b:run("true"):assert_ok()
end)
LUA
run_provium --no-psi "$WORK/claim"
check "claim too small: exit 0 (the test caught the error, then booted two)" status_is 0
check "claim too small: one clear line saying what to do" \
    test "$(events '[.[] | select(.kind == "test_log")][0].text')" = \
        "\"$WORK/claim/claim.test.lua:4: vms 'a', 'b', 'c' need 768M and 3 vCPUs, but the file's claim has 600M and 2 vCPUs left (of 600M and 2 vCPUs): raise provium:claim()\""
check "claim too small: it failed at once, waiting for nothing" \
    test "$(events '([.[] | select(.kind == "test_log")][0].ts - [.[] | select(.kind == "test_started")][0].ts) < 10e9
                    and ([.[] | select(.kind == "file_blocked")] | length == 0)')" = true
check "claim too small: only the two of the second call booted" \
    test "$(events '[.[] | select(.kind == "vm_spawned") | .vm] | join(",")')" = '"a,b"'
check "claim too small: the pool is empty at the end" pool_empty_at_end
check "claim too small: nothing left" no_domains_left

# Without a claim, three VMs larger than the whole pool fail at once too.
run_provium --no-psi --cpus 2 "$WORK/three"
check "pool too small: exit 1" status_is 1
check "pool too small: one clear line saying what to do" \
    out_has "three.test.lua:3: vms 'a', 'b', 'c' need 768M and 3 vCPUs, more than the whole pool ("
check "pool too small: nothing booted" \
    test "$(events '[.[] | select(.kind == "vm_spawned")] | length')" -eq 0
check "pool too small: nothing left" no_domains_left

# (e) vm:start() on two VMs, then vm:wait() on both; vm:wait() without
# vm:start() says what to do.
mkfile split <<'LUA'
test("start, then wait", function(t)
    local a, b = provium:vm("a"), provium:vm("b")
    t:assert_eq(a, a:start())
    b:start()
    t:assert_eq(a, a:wait())
    b:wait()
    t:assert_eq("ready", a:state())
    a:run("true"):assert_ok()
    b:run("true"):assert_ok()
    t:assert_eq(b, b:wait())  -- already ready: returns at once
end)
test("wait without start", function(t)
    local c = provium:vm("c")
    t:log(t:assert_raises(function() c:wait() end))
end)
LUA
run_provium --no-psi --cpus 2 --boot-workers 2 "$WORK/split"
check "vm:start() then vm:wait(): exit 0" status_is 0
check "vm:start() then vm:wait(): both started before either was ready" \
    test "$(sequence)" = '"T++RRP--TP"'
check "vm:wait() without vm:start(): a clear error" \
    test "$(events '[.[] | select(.kind == "test_log")][0].text')" = \
        "\"$WORK/split/split.test.lua:14: vm 'c' is not booting: call vm:start() first\""
check "vm:start() then vm:wait(): nothing left" no_domains_left
