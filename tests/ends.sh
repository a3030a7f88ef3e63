#!/bin/sh
# Every way a run ends, on libvirt's test driver.  Nothing gets past
# --timeout or a signal, whatever the file does (a debug hook of its own, a
# finalizer that loops, a C function that runs long, at the top level or in
# a test): its VMs are destroyed, it is reported timed out or cancelled, and
# the run ends with its results.  SIGHUP, SIGTERM and SIGINT end a run the
# same way, and a second signal removes the run's networks and their records
# too (tests/e2e/ends.sh: the same with guests and host addresses).
. "$(dirname "$0")/lib.sh"

T="test:///default"
# A run that hangs is a failed check, not a stuck test script.
BOUND=60
run_b() {
    timeout -k 5 $BOUND "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" \
        --no-psi --no-ksm "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
# start_b ARGS...: the same in the background, signalled directly ($pid; timeout(1)
# would send a signal twice); wait_b: its status, or SIGKILL after $BOUND s.
start_b() {
    "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" \
        --no-psi --no-ksm "$@" > "$WORK/out" 2> "$WORK/err" &
    pid=$!
    (sleep $BOUND; kill -KILL $pid) > /dev/null 2>&1 &
    killer=$!
}
wait_b() {
    wait $pid
    status=$?
    kill $killer 2> /dev/null
}
# wait_marked FILE: until the test wrote FILE (or 30 s).
wait_marked() {
    i=0
    until [ -e "$1" ] || [ $i -ge 300 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}
took_under() { [ $(( $(date +%s) - start )) -lt "$1" ]; }
no_records_left() { ! grep -qx "prefix=$PREFIX" "$NETWORK_RECORDS"/*.network 2>/dev/null; }
stopped_reason() {
    test "$(events '[.[] | select(.kind == "vm_stopped") | .reason] | join(",")')" = "\"$1\""
}
printf '[profile default]\nmemory = 128M\ncpus = 1\n' > "$WORK/provium.conf"

# A debug hook of the file's own (luacov's, a profiler's) runs behind
# provium's: provium's check still happens, the file's hook still sees its
# events, debug.gethook() returns the file's.
mkdir "$WORK/hook"
cp "$WORK/provium.conf" "$WORK/hook/"
cat > "$WORK/hook/own.test.lua" <<'LUA'
test("its hook runs, gethook returns it", function(t)
  local lines, counts = 0, 0
  local function hook(event, line)
    if event == "line" then lines = lines + 1 else counts = counts + 1 end
  end
  debug.sethook(hook, "l", 100)
  for i = 1, 1000 do
    local x = i * 2
  end
  local f, mask, count = debug.gethook()
  debug.sethook()
  t:assert(lines >= 1000, "line events: " .. lines)
  t:assert(counts >= 10, "count events: " .. counts)
  t:assert_eq(hook, f)
  t:assert_eq("l", mask)
  t:assert_eq(100, count)
  t:assert_eq(nil, debug.gethook())
end)
LUA
cat > "$WORK/hook/loop.test.lua" <<'LUA'
test("a hook of its own, then a loop", function(t)
  provium:vm("v"):boot({agent = false})
  debug.sethook(function() end, "l")
  while true do end
end)
test("after it", function(t) end)
LUA
cat > "$WORK/hook/co.test.lua" <<'LUA'
test("a hook on a coroutine, looping in it", function(t)
  local co = coroutine.create(function() while true do end end)
  debug.sethook(co, function() end, "crl", 7)
  coroutine.resume(co)
  while true do end
end)
LUA
start=$(date +%s)
run_b --timeout 2s --junit "$WORK/hook.xml" "$WORK/hook"
check "own debug hook: the run ends (exit 1)" status_is 1
check "own debug hook: within its timeout and a grace" took_under 30
check "own debug hook: it runs, gethook returns it" out_has "PASS  its hook runs, gethook returns it"
check "own debug hook: the loop after it times out" \
    sh -c "grep -A1 'FAIL  a hook of its own, then a loop' '$WORK/out' | grep -q 'the file timed out after 2.0s (--timeout)'"
check "own debug hook: the test after it does not run" out_has "----  after it: the file timed out"
check "own debug hook: on a coroutine, the loop times out too" \
    out_has "FAIL  a hook on a coroutine, looping in it"
check "own debug hook: its VM is destroyed" stopped_reason test_ended
check "own debug hook: nothing left" no_domains_left

# ... and the first SIGINT stops it (no --timeout).
mkdir "$WORK/hooksig"
cp "$WORK/provium.conf" "$WORK/hooksig/"
cat > "$WORK/hooksig/a.test.lua" <<LUA
test("spins under its own hook", function(t)
  provium:vm("v"):boot({agent = false})
  debug.sethook(function() end, "l")
  io.open("$WORK/hooksig.mark", "w"):close()
  while true do end
end)
LUA
start_b --timeout 0 "$WORK/hooksig"
wait_marked "$WORK/hooksig.mark"
start=$(date +%s)
kill -INT $pid
wait_b
check "own debug hook, SIGINT: exit 130" status_is 130
check "own debug hook, SIGINT: at once" took_under 10
check "own debug hook, SIGINT: the test is cancelled" out_has "cancelled by a signal"
check "own debug hook, SIGINT: nothing left" no_domains_left

# A finalizer that never returns (Lua runs no hook in one), whether the
# file collects or the collector runs it wherever it comes; one that calls
# provium's functions in its loop; C code that runs long: each is given up
# at its timeout plus a grace, its VM destroyed, the run ended.
mkdir "$WORK/stuck"
cp "$WORK/provium.conf" "$WORK/stuck/"
cat > "$WORK/stuck/gc.test.lua" <<'LUA'
test("a finalizer that loops", function(t)
  provium:vm("v"):boot({agent = false})
  setmetatable({}, {__gc = function() while true do end end})
  collectgarbage()
end)
test("after it", function(t) end)
LUA
cat > "$WORK/stuck/gcwherever.test.lua" <<'LUA'
test("a finalizer that loops, collected wherever", function(t)
  local v = provium:vm("v"):boot({agent = false})
  setmetatable({}, {__gc = function() while true do end end})
  while true do
    local name = v:name() .. "x"
  end
end)
LUA
cat > "$WORK/stuck/gccalls.test.lua" <<'LUA'
test("a finalizer that loops calling provium", function(t)
  local v = provium:vm("v"):boot({agent = false})
  setmetatable({}, {__gc = function() while true do pcall(v.name, v) end end})
  collectgarbage()
end)
LUA
cat > "$WORK/stuck/cfind.test.lua" <<'LUA'
test("C code that runs long", function(t)
  provium:vm("v"):boot({agent = false})
  string.find(("a"):rep(2e5), ".-.-.-.-.-b")
end)
LUA
start=$(date +%s)
run_b --timeout 2s --junit "$WORK/stuck.xml" "$WORK/stuck"
check "stuck files: the run ends (exit 1)" status_is 1
check "stuck files: within their timeout and a grace" took_under 30
for name in "a finalizer that loops" "a finalizer that loops, collected wherever" \
            "a finalizer that loops calling provium" "C code that runs long"; do
    check "stuck files: '$name' timed out, given up" \
        sh -c "grep -A1 'FAIL  $name' '$WORK/out' | grep -q 'the file timed out after 2.0s (--timeout); the file did not stop within 2.0s after it (stuck in a C function, a finalizer or a debug hook): given up'"
done
check "stuck files: the rest of a file does not run" out_has "----  after it: the file timed out"
check "stuck files: results and summary printed" grep -qx "0 passed, 4 failed, 0 skipped" "$WORK/out"
check "stuck files: each VM destroyed" \
    test "$(events '[.[] | select(.kind == "vm_stopped")] | length')" = 4
check "stuck files: every claim released" \
    test "$(events '[.[] | select(.kind == "claim_released")] | length')" = 4
check "stuck files: the pool is empty at the end" \
    test "$(events '[.[] | select(.kind == "run_finished")][0].pool_used.memory')" = 0
check "stuck files: JUnit written" \
    test "$(xmllint --xpath 'string(/testsuites/@failures)' "$WORK/stuck.xml")" = 4
check "stuck files: nothing left" no_domains_left

# SIGTERM (timeout(1)'s) ends a run whose file is stuck in C code, without
# --timeout: the file is cancelled and given up, the run exits 130.
mkdir "$WORK/term"
cp "$WORK/provium.conf" "$WORK/term/"
cat > "$WORK/term/a.test.lua" <<LUA
test("C code that runs long", function(t)
  provium:vm("v"):boot({agent = false})
  io.open("$WORK/term.mark", "w"):close()
  string.find(("a"):rep(2e5), ".-.-.-.-.-b")
end)
LUA
start_b --timeout 0 "$WORK/term"
wait_marked "$WORK/term.mark"
start=$(date +%s)
kill -TERM $pid
wait_b
check "stuck, SIGTERM: exit 130" status_is 130
check "stuck, SIGTERM: within a grace" took_under 15
check "stuck, SIGTERM: cancelled, given up" \
    out_has "cancelled by a signal; the file did not stop within 2.0s after it"
check "stuck, SIGTERM: its VM destroyed" stopped_reason destroyed
check "stuck, SIGTERM: nothing left" no_domains_left

# timeout(1) itself sends its SIGTERM twice (to provium, then to its process
# group): one interruption, not a second signal's exit at once; the run ends
# with its results and its JUnit.
mkdir "$WORK/tmo"
cp "$WORK/provium.conf" "$WORK/tmo/"
cat > "$WORK/tmo/a.test.lua" <<LUA
test("waits", function(t)
  provium:vm("v"):boot({agent = false})
  while true do end
end)
LUA
start=$(date +%s)
timeout --preserve-status -k 30 3 "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" \
    --no-psi --no-ksm --timeout 0 --junit "$WORK/tmo.xml" "$WORK/tmo" > "$WORK/out" 2> "$WORK/err"
status=$?
check "under timeout(1): exit 130" status_is 130
check "under timeout(1): one interruption, the results printed" \
    sh -c "! grep -q 'interrupted again' '$WORK/err' && grep -q '^0 passed, 1 failed' '$WORK/out'"
check "under timeout(1): JUnit written" test -s "$WORK/tmo.xml"
check "under timeout(1): its VM destroyed" stopped_reason destroyed
check "under timeout(1): nothing left" no_domains_left

# Two signals 50 ms apart, as timeout(1) sends them on a loaded host (to
# provium, then to its group, the main loop looking in between): still one.
# The file is stuck in C code, so the run is still ending at the second.
mkdir "$WORK/two"
cp "$WORK/provium.conf" "$WORK/two/"
cat > "$WORK/two/a.test.lua" <<LUA
test("C code that runs long", function(t)
  provium:vm("v"):boot({agent = false})
  io.open("$WORK/two.mark", "w"):close()
  string.find(("a"):rep(2e5), ".-.-.-.-.-b")
end)
LUA
start_b --timeout 0 --junit "$WORK/two.xml" "$WORK/two"
wait_marked "$WORK/two.mark"
kill -TERM $pid
sleep 0.05
kill -TERM $pid
wait_b
check "two signals 50 ms apart: one interruption, the results printed" \
    sh -c "! grep -q 'interrupted again' '$WORK/err' && grep -q '^0 passed, 1 failed' '$WORK/out'"
check "two signals 50 ms apart: JUnit written" test -s "$WORK/two.xml"

# The top level: C code that runs long, or a finalizer that loops when the
# state closes, breaks its file at discovery (provium list, a run) with one
# line naming the file (and line), exit 2; the other files go on.
mkdir "$WORK/top"
printf 'local s = ("a"):rep(2e5)\nstring.find(s, ".-.-.-.-.-b")\ntest("x", function(t) end)\n' \
    > "$WORK/top/cfind.test.lua"
printf 'stay = setmetatable({}, {__gc = function() while true do end end})\ntest("x", function(t) end)\n' \
    > "$WORK/top/close.test.lua"
echo 'test("fine", function(t) end)' > "$WORK/top/fine.test.lua"
start=$(date +%s)
timeout -k 5 $BOUND "$PROVIUM" list "$WORK/top" > "$WORK/out" 2> "$WORK/err"
status=$?
check "stuck top level: provium list ends (exit 2)" status_is 2
check "stuck top level: provium list within 10 s and a grace" took_under 30
check "stuck top level: provium list names file and line" \
    grep -qx "$WORK/top/cfind.test.lua: error: $WORK/top/cfind.test.lua:2: the top level did not return within 10.0s (stuck in a C function, a finalizer or a debug hook); it must only declare tests (test(), provium:vm(), provium:claim()) and return" "$WORK/out"
check "stuck top level: a finalizer at close breaks its file" \
    grep -qx "$WORK/top/close.test.lua: error: $WORK/top/close.test.lua: discovering the file did not end within 10.0s (stuck in a finalizer)" "$WORK/out"
check "stuck top level: provium list lists the others" grep -qx "  fine" "$WORK/out"
start=$(date +%s)
run_b --timeout 2s "$WORK/top"
check "stuck top level: the run ends (exit 2)" status_is 2
check "stuck top level: within its time and a grace" took_under 30
check "stuck top level: the run names file and line" \
    out_has "$WORK/top/cfind.test.lua:2: the top level did not return within 2.0s (stuck in"
check "stuck top level: the other file ran" out_has "PASS  fine"

# SIGHUP (an ssh session dropped) ends a run as SIGINT does: its domains
# destroyed, its networks and their records removed, exit 130.
mkdir "$WORK/hup"
cp "$WORK/provium.conf" "$WORK/hup/"
cat > "$WORK/hup/a.test.lua" <<LUA
local lan = provium:network("lan", {cidr = "10.77.0.0/24", host = "10.77.0.1"})
test("waits", function(t)
  provium:vm("v", {nics = {"lan"}}):boot({agent = false})
  io.open("$WORK/hup.mark", "w"):close()
  provium:sleep("60s")
end)
LUA
start_b "$WORK/hup"
wait_marked "$WORK/hup.mark"
check "SIGHUP: the run made a network record" \
    grep -qx "prefix=$PREFIX" "$NETWORK_RECORDS"/*.network
start=$(date +%s)
kill -HUP $pid
wait_b
check "SIGHUP: exit 130" status_is 130
check "SIGHUP: at once" took_under 10
check "SIGHUP: the test is cancelled" out_has "cancelled by a signal"
check "SIGHUP: results printed" grep -qx "0 passed, 1 failed, 0 skipped" "$WORK/out"
check "SIGHUP: network_destroyed" \
    test "$(events '[.[] | select(.kind == "network_destroyed")] | length')" = 1
check "SIGHUP: no record left" no_records_left
check "SIGHUP: nothing left" no_domains_left

# A second signal exits at once, and removes the networks of the run and
# their records as well as its domains.  The file holds its worker (in C
# code) after the first, so the second one finds its network.
mkdir "$WORK/twice"
cp "$WORK/provium.conf" "$WORK/twice/"
cat > "$WORK/twice/a.test.lua" <<LUA
local lan = provium:network("lan", {cidr = "10.78.0.0/24", host = "10.78.0.1"})
test("waits", function(t)
  provium:vm("v", {nics = {"lan"}}):boot({agent = false})
  io.open("$WORK/twice.mark", "w"):close()
  string.find(("a"):rep(2e5), ".-.-.-.-.-b")
end)
LUA
start_b "$WORK/twice"
wait_marked "$WORK/twice.mark"
check "second signal: the run made a network record" \
    grep -qx "prefix=$PREFIX" "$NETWORK_RECORDS"/*.network
kill -INT $pid
sleep 0.5
kill -INT $pid
wait_b
check "second signal: exit 130" status_is 130
check "second signal: says it destroyed the run's domains and networks" \
    err_has "interrupted again; destroyed this run's domains and networks, exiting"
check "second signal: no record left" no_records_left
check "second signal: nothing left" no_domains_left

# A file's shell commands (os.execute(), io.popen()) run in process groups
# of their own, ended with the file: a command past --timeout is stopped
# (not waited for until the file is given up, its loop left spinning after
# provium), and what a given-up file left in the background ends too.
# gone PIDFILE: that process is gone (up to 10 s for init to reap it).
gone() {
    p=$(cat "$1" 2> /dev/null) || return 1
    i=0
    while kill -0 "$p" 2> /dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    ! kill -0 "$p" 2> /dev/null
}
at_exit 'for f in "$WORK"/cmd-*.pid; do [ -s "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done'
mkdir "$WORK/cmd"
cp "$WORK/provium.conf" "$WORK/cmd/"
cat > "$WORK/cmd/loop.test.lua" <<LUA
test("a command that loops", function(t)
  os.execute("echo \$\$ > $WORK/cmd-loop.pid; while :; do :; done")
end)
test("after it", function(t) end)
LUA
cat > "$WORK/cmd/stuck.test.lua" <<LUA
test("leaves a command, then runs long in C", function(t)
  os.execute("sleep 600 & echo \$! > $WORK/cmd-bg.pid")
  string.find(("a"):rep(2e5), ".-.-.-.-.-b")
end)
LUA
start=$(date +%s)
run_b --timeout 2s "$WORK/cmd"
check "commands past --timeout: the run ends (exit 1)" status_is 1
check "commands past --timeout: within the timeout and a grace" took_under 30
check "a command past --timeout: its test timed out, not given up" \
    sh -c "grep -A1 'FAIL  a command that loops' '$WORK/out' | grep -qx '        $WORK/cmd/loop.test.lua:2: the file timed out after 2.0s (--timeout)'"
check "a command past --timeout: it is stopped" gone "$WORK/cmd-loop.pid"
check "a given-up file: what its command left in the background is stopped" \
    gone "$WORK/cmd-bg.pid"

# A signal while the files are discovered (their top levels run) cancels
# the run: no file runs, each is reported cancelled, the results are
# printed, exit 130; provium list exits 130 at once, having printed
# nothing.  The top level spins (5 s at most: without the fix, the run went
# on, or died of the signal without results).
mkdir "$WORK/disc"
cat > "$WORK/disc/a.test.lua" <<LUA
io.open("$WORK/disc.mark", "w"):close()
local t0 = os.time()
while os.time() - t0 < 5 do end
test("a", function(t) end)
LUA
echo 'test("b", function(t) end)' > "$WORK/disc/b.test.lua"
for sig in INT TERM HUP; do
    rm -f "$WORK/disc.mark"
    start_b --save-events "$WORK/disc.msgpack" "$WORK/disc"
    wait_marked "$WORK/disc.mark"
    start=$(date +%s)
    kill -$sig $pid
    wait_b
    check "SIG$sig during discovery: exit 130" status_is 130
    check "SIG$sig during discovery: at once" took_under 4
    check "SIG$sig during discovery: no file ran, each cancelled" \
        sh -c "[ \$(grep -c 'cancelled before it started' '$WORK/out') -eq 2 ] && ! grep -q PASS '$WORK/out'"
    check "SIG$sig during discovery: results printed" \
        grep -qx "0 passed, 0 failed, 0 skipped" "$WORK/out"
    check "SIG$sig during discovery: run_finished, 2 cancelled" \
        test "$("$PROVIUM" events "$WORK/disc.msgpack" | jq -s '[.[] | select(.kind == "run_finished")][0].cancelled')" = 2
    rm -f "$WORK/disc.mark"
    "$PROVIUM" list "$WORK/disc" > "$WORK/out" 2> "$WORK/err" &
    pid=$!
    wait_marked "$WORK/disc.mark"
    start=$(date +%s)
    kill -$sig $pid
    wait $pid
    status=$?
    check "SIG$sig during provium list: exit 130 at once" \
        sh -c "[ $status -eq 130 ] && [ \$(( \$(date +%s) - $start )) -lt 4 ]"
    check "SIG$sig during provium list: nothing printed" test ! -s "$WORK/out"
done
