#!/bin/sh
# Fixtures end to end: built once, restored after, rebuilt when an input
# changes or its entry is truncated (with a warning), reset between tests,
# shared by two runs at once; a failed or killed build caches nothing.
. "$(dirname "$0")/../lib.sh"

CACHE=$WORK/cache
write_conf
mkdir -p "$WORK/fixtures" "$WORK/files"
echo "conf-1" > "$WORK/files/app.conf"
cat > "$WORK/fixtures/web.fixture.lua" <<'LUA'
return fixture("web", {profile = "default", inputs = {"../files/app.conf"}}, function(vm)
    vm:write_file("/etc/app.conf", provium.read_host_file("../files/app.conf"))
    vm:run("echo set-up > /tmp/setup-marker"):assert_ok()
end)
LUA
cat > "$WORK/fixtures/broken.fixture.lua" <<'LUA'
return fixture("broken", {}, function(vm)
    vm:run("echo broken-setup-ran > /dev/ttyS0")
    error("the setup breaks on purpose")
end)
LUA
cat > "$WORK/fixtures/slow.fixture.lua" <<'LUA'
return fixture("slow", {}, function(vm)
    vm:run("sleep 300")
end)
LUA
mkdir "$WORK/web" "$WORK/web2" "$WORK/broken" "$WORK/slow"
cat > "$WORK/web/web.test.lua" <<'LUA'
local vm = provium:vm("a", {fixture = "web"})
test("restored with its setup done", function(t)
    vm:boot()
    t:assert_eq("ready", vm:state())
    t:assert_eq("set-up\n", vm:read_file("/tmp/setup-marker"))
    print("conf: " .. vm:read_file("/etc/app.conf"))
    local skew = tonumber(vm:run("date +%s").stdout) - os.time()
    t:assert(math.abs(skew) <= 5, "the guest's clock is off by " .. skew .. " s")
    vm:run("echo dirty > /tmp/dirty"):assert_ok()
end)
test("vm:reset() drops the first test's changes", function(t)
    t:assert(vm:run("test -e /tmp/dirty"):ok(), "the change is there before the reset")
    vm:reset()
    t:assert(not vm:run("test -e /tmp/dirty"):ok(), "the change is gone after the reset")
    t:assert_eq("set-up\n", vm:read_file("/tmp/setup-marker"))
end)
LUA
cat > "$WORK/web2/web2.test.lua" <<'LUA'
local vm = provium:vm("b", {fixture = "web"})
test("another file, the same fixture", function(t)
    vm:boot()
    t:assert_eq("set-up\n", vm:read_file("/tmp/setup-marker"))
end)
LUA
cat > "$WORK/broken/broken.test.lua" <<'LUA'
test("needs a fixture whose setup fails", function(t)
    provium:vm("c", {fixture = "broken"}):boot()
end)
LUA
cat > "$WORK/slow/slow.test.lua" <<'LUA'
test("needs a fixture that takes long", function(t)
    provium:vm("d", {fixture = "slow"}):boot()
end)
LUA

fx() { run_provium --cache-dir "$CACHE" "$@"; }
# The fixture slots' domains are named after the store, not the prefix: a
# failed check must not leave them to lib.sh's cleanup, which misses them.
fixture_cleanup() {
    id=$(cat "$CACHE/fixtures/id" 2>/dev/null)
    [ -n "$id" ] || return 0
    for d in $(virsh list --name 2>/dev/null | grep "^pvfx-$id-"); do
        virsh destroy "$d" >/dev/null 2>&1
    done
}
trap 'fixture_cleanup; tap_finish' EXIT
count() { events "[.[] | select(.kind == \"$1\")] | length"; }
store_id() { cat "$CACHE/fixtures/id" 2>/dev/null; }
no_fixture_domains() {
    id=$(store_id)
    [ -z "$id" ] || ! virsh list --all --name | grep -q "^pvfx-$id-"
}
entries() { ls "$CACHE/fixtures/entries" 2>/dev/null | wc -l; }

# 1. A cold cache: the first boot builds, then restores.
fx "$WORK/web"
check "first run passes" status_is 0
check "first run builds the fixture once" [ "$(count fixture_build_started)" = 1 ]
check "the build finished ok" \
    [ "$(events '[.[] | select(.kind == "fixture_build_finished") | .ok] | .[0]')" = true ]
check "the build saved its VM" \
    [ "$(events '[.[] | select(.kind == "vm_stopped" and .reason == "saved")] | length')" = 1 ]
check "first run restores after the build, and at the reset" \
    [ "$(count vm_restored)" = 2 ]
check "the setup read the host file" \
    events '[.[] | select(.kind == "test_log")] | map(.text) | join("")' | grep -q "conf-1"
check "one entry is cached" [ "$(entries)" = 1 ]
check "no domain left" no_domains_left
check "no fixture domain left" no_fixture_domains

# 2. A warm cache: restored, no boot.
fx "$WORK/web"
check "second run passes" status_is 0
check "second run builds nothing" [ "$(count fixture_build_started)" = 0 ]
check "second run boots no VM" [ "$(count vm_spawned)" = 0 ]
check "second run restores" [ "$(count vm_restored)" = 2 ]
check "a restore reports its time" \
    events '[.[] | select(.kind == "vm_restored") | .restore_ns > 0] | all' | grep -qx true
check "fixture list shows it" sh -c "'$PROVIUM' fixture list --cache-dir '$CACHE' | grep -q ' web '"

# provium fixture build pre-warms: the run after it restores.
echo "conf-1b" > "$WORK/files/app.conf"
"$PROVIUM" fixture build -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" \
    --cache-dir "$CACHE" "$WORK/fixtures/web.fixture.lua" > "$WORK/out" 2> "$WORK/err"
check "fixture build passes" [ $? = 0 ]
check "fixture build builds" [ "$(count fixture_build_started)" = 1 ]
fx "$WORK/web"
check "after fixture build a run builds nothing" [ "$(count fixture_build_started)" = 0 ]
check "after fixture build a run restores" [ "$(count vm_restored)" = 2 ]

# 3. A changed input rebuilds.
before=$(entries)
echo "conf-2" > "$WORK/files/app.conf"
fx "$WORK/web"
check "a changed input: passes" status_is 0
check "a changed input rebuilds" [ "$(count fixture_build_started)" = 1 ]
check "the rebuilt fixture has the new input" \
    events '[.[] | select(.kind == "test_log")] | map(.text) | join("")' | grep -q "conf-2"
check "the rebuild is one more entry" [ "$(entries)" = $((before + 1)) ]

# 3b. A truncated cache entry is found, made again, and said so: a slot's
# saved state (the slot is made again), then the entry's manifest (the
# entry is built again).
latest_entry() { ls -td "$CACHE"/fixtures/entries/*/ | head -n 1; }
entry=$(latest_entry)
truncate -s 100 "$entry/slots/0/memory.state"
fx "$WORK/web"
check "a truncated slot state: passes" status_is 0
check "a truncated slot state: a warning names it corrupt" \
    grep -q "slot 0 of the cached fixture .* is corrupt (memory.state has 100 bytes.*); making it again" "$WORK/err"
check "a truncated slot state is made again" \
    [ "$(stat -c %s "$entry/slots/0/memory.state")" -gt 1000000 ]
before=$(entries)
truncate -s 10 "$entry/manifest.json"
fx "$WORK/web"
check "a truncated manifest: passes" status_is 0
check "a truncated manifest: a warning names the entry corrupt" \
    grep -q "the cached fixture .* is corrupt (.*); rebuilding it" "$WORK/err"
check "a truncated manifest: the entry is built again" [ "$(count fixture_build_started)" = 1 ]
check "a truncated manifest: the corrupt entry is replaced, not kept beside" \
    [ "$(entries)" = "$before" ]
fx "$WORK/web"
check "after the rebuild: restored, not built" [ "$(count fixture_build_started)" = 0 ]
check "after the rebuild: no warning" sh -c '! grep -q corrupt "$1"' _ "$WORK/err"

# 3c. A saved state another user owns, mode 0666, is refused before
# libvirt restores it (it carries the domain's XML), naming it, and left
# alone; given back to root, it is restored again.
entry=$(latest_entry)
state=${entry%/}/slots/0/memory.state
chown 65534:65534 "$state"
chmod 0666 "$state"
fx "$WORK/web"
check "another user's saved state: the test fails" status_is 1
check "another user's saved state: nothing is restored" [ "$(count vm_restored)" = 0 ]
check "another user's saved state: one line names it and why" \
    out_has "$state is owned by uid 65534, not by you ($(id -un))"
check "another user's saved state: left where it is" test -f "$state"
check "another user's saved state: no domain left" no_fixture_domains
chown 0:0 "$state"
chmod 0600 "$state"
fx "$WORK/web"
check "given back, the saved state is restored again" \
    [ "$status:$(count vm_restored)" = "0:2" ]

# 4. Two runs at once need a cold fixture: one builds, the other waits.
echo "conf-3" > "$WORK/files/app.conf"
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs-a" --cache-dir "$CACHE" \
    "$WORK/web" > "$WORK/out-a" 2>&1 &
pid_a=$!
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs-b" --cache-dir "$CACHE" \
    "$WORK/web2" > "$WORK/out-b" 2>&1
status_b=$?
wait $pid_a
status_a=$?
both() {
    "$PROVIUM" events "$WORK/runs-a/latest/events.msgpack"
    "$PROVIUM" events "$WORK/runs-b/latest/events.msgpack"
}
check "both runs pass" [ "$status_a$status_b" = 00 ]
[ "$status_a$status_b" = 00 ] || sed 's/^/# /' "$WORK/out-a" "$WORK/out-b"
check "two runs at once build once" \
    [ "$(both | jq -s '[.[] | select(.kind == "fixture_build_started")] | length')" = 1 ]
check "the other run waits for the build" \
    [ "$(both | jq -s '[.[] | select(.kind == "fixture_build_waiting")] | length')" = 1 ]
check "the waiter is blocked with reason fixture_build" \
    [ "$(both | jq -s '[.[] | select(.kind == "file_blocked" and .reason == "fixture_build")] | length')" = 1 ]
check "no fixture domain left after two runs" no_fixture_domains

# 5. A failed build fails the test with its reason and console, caches nothing.
before=$(entries)
fx "$WORK/broken"
check "a failed build fails the run" status_is 1
check "the failure names the setup's error" out_has "the setup breaks on purpose"
check "the failure shows the build's console" out_has "broken-setup-ran"
check "the failed build is reported" \
    [ "$(events '[.[] | select(.kind == "fixture_build_finished") | .ok] | .[0]')" = false ]
check "a failed build caches nothing" [ "$(entries)" = "$before" ]
check "no fixture domain left after a failed build" no_fixture_domains

# 5b. A setup may read only the host files its key knows: its inputs.
mkdir -p "$WORK/undeclared"
echo "not an input" > "$WORK/files/other.conf"
cat > "$WORK/fixtures/undeclared.fixture.lua" <<'LUA'
return fixture("undeclared", {inputs = {"../files/app.conf"}}, function(vm)
    provium.read_host_file("../files/app.conf")
    vm:write_file("/etc/other.conf", provium.read_host_file("../files/other.conf"))
end)
LUA
cat > "$WORK/undeclared/undeclared.test.lua" <<'LUA'
test("needs a fixture reading an undeclared file", function(t)
    provium:vm("u", {fixture = "undeclared"}):boot()
end)
LUA
fx "$WORK/undeclared"
check "an undeclared host file: the build fails the test" status_is 1
check "an undeclared host file: says which and what to do" \
    out_has "../files/other.conf is not among the inputs of fixture 'undeclared': add it to its inputs"
check "an undeclared host file: no fixture domain left" no_fixture_domains

# 6. SIGKILL during a build leaves no entry; the next run builds again.
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs-k" --cache-dir "$CACHE" \
    "$WORK/slow" > "$WORK/out-k" 2>&1 &
pid_k=$!
id=$(store_id)
n=0
until virsh list --name | grep -q "^pvfx-$id-" || [ $n -ge 600 ]; do sleep 0.2; n=$((n + 1)); done
sleep 3
kill -KILL $pid_k
wait $pid_k 2>/dev/null
check "the killed build was under way" [ $n -lt 600 ]
check "a killed build leaves no entry" [ "$(entries)" = "$before" ]
n=0
until no_fixture_domains || [ $n -ge 50 ]; do sleep 0.2; n=$((n + 1)); done
check "a killed build's domain goes with it" no_fixture_domains
timeout 20 "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs-k2" \
    --cache-dir "$CACHE" "$WORK/slow" > /dev/null 2>&1
check "after a killed build the next run builds again" \
    [ "$("$PROVIUM" events "$WORK/runs-k2/latest/events.msgpack" | jq -s '[.[] | select(.kind == "fixture_build_started")] | length')" = 1 ]

# 6b. The run building a fixture is stopped (SIGINT: it gives the build up;
# SIGKILL): a run waiting for it builds it instead, and passes.
mkdir -p "$WORK/takeover"
cat > "$WORK/fixtures/takeover.fixture.lua" <<'LUA'
return fixture("takeover", {}, function(vm)
    vm:run("sleep 6"):assert_ok()
end)
LUA
cat > "$WORK/takeover/takeover.test.lua" <<'LUA'
test("needs a fixture another run was building", function(t)
    provium:vm("e", {fixture = "takeover"}):boot():run("true"):assert_ok()
end)
LUA
for sig in INT KILL; do
    # Each time a new input, so a new key: a cold build again.
    echo "$sig" > "$WORK/takeover/round"
    sed -i "s|{}, function|{inputs = {\"../takeover/round\"}}, function|" \
        "$WORK/fixtures/takeover.fixture.lua"
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs-builder" \
        --cache-dir "$CACHE" "$WORK/takeover" > "$WORK/out-builder" 2>&1 &
    pid_b=$!
    n=0
    until virsh list --name | grep -q "^pvfx-$(store_id)-" || [ $n -ge 600 ]; do
        sleep 0.2
        n=$((n + 1))
    done
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs-waiter" \
        --cache-dir "$CACHE" "$WORK/takeover" > "$WORK/out" 2> "$WORK/err" &
    pid_w=$!
    n=0
    until [ -s "$WORK/runs-waiter/latest/events.msgpack" ] &&
          "$PROVIUM" events --kind fixture_build_waiting \
              "$WORK/runs-waiter/latest/events.msgpack" 2>/dev/null | grep -q . ||
          [ $n -ge 300 ]; do
        sleep 0.2
        n=$((n + 1))
    done
    kill -$sig $pid_b
    wait $pid_b 2>/dev/null
    wait $pid_w
    status=$?
    waiter_events() {
        "$PROVIUM" events "$WORK/runs-waiter/latest/events.msgpack" | jq -s "$1"
    }
    check "SIG$sig on the builder: the waiter waited for its build" [ $n -lt 300 ]
    check "SIG$sig on the builder: the waiter passes" status_is 0
    check "SIG$sig on the builder: the waiter built it" \
        [ "$(waiter_events '[.[] | select(.kind == "fixture_build_finished" and .ok)] | length')" = 1 ]
    check "SIG$sig on the builder: no fixture domain left" no_fixture_domains
done
sed -i 's|{inputs = {"../takeover/round"}}|{}|' "$WORK/fixtures/takeover.fixture.lua"

# 7. A disk profile: the fixture keeps its disk state; restored VMs write
# to their own overlays; neither the cached disk nor the base is written.
cp "$PV_TEST_IMAGE/data.img" "$WORK/base.img"
chmod 0644 "$WORK/base.img"
base_sum=$(sha256sum < "$WORK/base.img")
cat >> "$WORK/provium.conf" <<CONF

[profile data]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
disk = base.img
CONF
cat > "$WORK/fixtures/disky.fixture.lua" <<'LUA'
return fixture("disky", {profile = "data"}, function(vm)
    vm:run("mkdir -p /mnt && mount /dev/vda /mnt && echo from-fixture > /mnt/fx.txt && sync")
        :assert_ok()
end)
LUA
mkdir "$WORK/disky"
cat > "$WORK/disky/disky.test.lua" <<'LUA'
local vm = provium:vm("f", {fixture = "disky"})
test("the fixture's disk state is there", function(t)
    vm:boot()
    t:assert_eq("from-fixture\n", vm:read_file("/mnt/fx.txt"))
    vm:run("echo changed > /mnt/fx.txt && sync"):assert_ok()
    vm:reset()
    t:assert_eq("from-fixture\n", vm:read_file("/mnt/fx.txt"))
end)
LUA
fx "$WORK/disky"
check "a disk fixture: first run passes" status_is 0
disk_key=$(events '[.[] | select(.kind == "fixture_build_finished")] | .[0].key')
cached_disk=$CACHE/fixtures/entries/$(echo "$disk_key" | tr -d '"')/slots/0/disk.qcow2
check "a disk fixture keeps its disk state" test -f "$cached_disk"
cached_sum=$(sha256sum < "$cached_disk")
fx "$WORK/disky"
check "a disk fixture: second run restores and passes" status_is 0
check "a disk fixture: no build the second time" [ "$(count fixture_build_started)" = 0 ]
check "the cached disk state is never written" test "$(sha256sum < "$cached_disk")" = "$cached_sum"
check "the base image is never written" test "$(sha256sum < "$WORK/base.img")" = "$base_sum"
check "restored overlays are removed" sh -c "! ls '$WORK'/runs/latest/vms/*.qcow2 2>/dev/null"

# 7b. A restored VM kept after a failed test (--keep-failed) stays the
# user's: the next run restores another slot and leaves it running;
# provium clean --prefix removes it.
mkdir -p "$WORK/kept"
cat > "$WORK/kept/kept.test.lua" <<'LUA'
local vm = provium:vm("k", {fixture = "web"})
test("fails, its VM kept", function(t)
    vm:boot()
    vm:run("echo look-at-me > /tmp/kept-marker"):assert_ok()
    t:assert(false, "fails on purpose")
end)
LUA
fx --keep-failed "$WORK/kept"
kept=$(events '[.[] | select(.kind == "vm_restored")][0].domain' | tr -d '"')
check "kept: the test failed" status_is 1
check "kept: its restored domain still runs" \
    sh -c "virsh domstate '$kept' 2>/dev/null | grep -q running"
fx "$WORK/web"
check "kept: the next run passes" status_is 0
check "kept: the next run restored other slots" \
    [ "$(events "[.[] | select(.kind == \"vm_restored\" and .domain == \"$kept\")] | length")" = 0 ]
check "kept: the kept domain still runs, untouched" \
    sh -c "virsh domstate '$kept' 2>/dev/null | grep -q running &&
           virsh -q qemu-agent-command '$kept' \
             '{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"cat\",\"arg\":[\"/tmp/kept-marker\"]}}' \
             > /dev/null"
"$PROVIUM" clean --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
check "kept: provium clean --prefix removes it" \
    sh -c "! virsh list --all --name | grep -qx '$kept'"

# 7b. A guest without /sbin/hwclock (busybox's applets in /bin): qemu-ga
# refuses guest-set-time, so the restore sets the clock with date(1); without
# date(1) either, the restore still passes and vm_restored says why the clock
# stands where it was saved.  Each setup turns the clock back an hour first.
mkdir "$WORK/clock"
for f in nohwclock nodate; do
    cat > "$WORK/fixtures/$f.fixture.lua" <<LUA
return fixture("$f", {}, function(vm)
    vm:run("date -u -s @\$((\$(date +%s) - 3600)) && rm -f /sbin/hwclock"):assert_ok()
    if "$f" == "nodate" then vm:run("rm -f /bin/date"):assert_ok() end
end)
LUA
done
cat > "$WORK/clock/clock.test.lua" <<'LUA'
test("no hwclock: the clock is set by date", function(t)
    local vm = provium:vm("a", {fixture = "nohwclock"}):boot()
    local skew = tonumber(vm:run("date +%s").stdout) - os.time()
    t:assert(math.abs(skew) <= 5, "the guest's clock is off by " .. skew .. " s")
end)
test("neither: restored, its clock as saved", function(t)
    local vm = provium:vm("b", {fixture = "nodate"}):boot()
    t:assert_eq("ready", vm:state())
end)
LUA
fx "$WORK/clock"
check "no /sbin/hwclock in the guest: the restores pass (exit 0)" status_is 0
check "no /sbin/hwclock: date(1) set the clock, so vm_restored says nothing of it" \
    test "$(events '[.[] | select(.kind == "vm_restored" and .fixture == "nohwclock")][0] | has("clock_not_set")')" = false
check "neither hwclock nor date: vm_restored says the clock was not set, and why" \
    test "$(events '[.[] | select(.kind == "vm_restored" and .fixture == "nodate")][0].clock_not_set | test("date")')" = true

# 7c. Two files of one run wait for each other: a builds a fixture, and its
# build's boot waits for the pool that b's claim holds, while b waits for
# a's build.  Neither could ever go on: the wait that closed the cycle
# gives up, saying so, the other file then goes on, and the run ends (it
# used to wait for ever).  b asks later, so a holds the build.
echo "cycle" > "$WORK/files/cycle.conf"
cat > "$WORK/fixtures/cycle.fixture.lua" <<'LUA'
return fixture("cycle", {inputs = {"../files/cycle.conf"}}, function(vm)
    vm:run("true"):assert_ok()
end)
LUA
mkdir -p "$WORK/cycle"
cat > "$WORK/cycle/a.test.lua" <<'LUA'
test("builds the fixture", function(t)
    provium:vm("a", {fixture = "cycle"}):boot()
end)
LUA
cat > "$WORK/cycle/b.test.lua" <<'LUA'
provium:claim({memory = "900M", cpus = 1})
test("needs the fixture a builds", function(t)
    provium:sleep("5s")
    provium:vm("b", {fixture = "cycle"}):boot()
end)
LUA
timeout 900 "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" \
    --cache-dir "$CACHE" --no-psi --mem 1G --cpus 4 -j 2 "$WORK/cycle" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "a build and its waiter waiting for each other: the run ends, failed" status_is 1
check "a build and its waiter waiting for each other: one says it would never end" \
    grep -q "this would never end" "$WORK/out" "$WORK/err"
check "a build and its waiter waiting for each other: b waited (fixture_build)" \
    [ "$(count fixture_build_waiting)" = 1 ]
check "a build and its waiter waiting for each other: no fixture domain left" \
    no_fixture_domains

# 8. Mistakes: one line each.
cat > "$WORK/missing.test.lua" <<'LUA'
local vm = provium:vm("e", {fixture = "nosuch"})
test("never runs", function(t) end)
LUA
fx "$WORK/missing.test.lua"
check "a missing fixture file is named" \
    grep -q "no fixtures/nosuch.fixture.lua" "$WORK/out" "$WORK/err"
rm "$WORK/missing.test.lua"
check "no domain left at the end" no_domains_left
check "no fixture domain left at the end" no_fixture_domains
