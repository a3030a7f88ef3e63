#!/bin/sh
# Every way a run ends leaves nothing behind, with guests and networks that
# have a host address (a bridge, a route, dnsmasq): a file spinning in C
# code past its time is given up with its VM destroyed and its networks
# removed; SIGHUP (an ssh session dropped) cleans up as SIGINT does, so the
# next run of the file does not clash with a route left behind; a second
# SIGINT removes the networks too.  tests/ends.sh has the cases without
# guests.
. "$(dirname "$0")/../lib.sh"

write_conf
for cidr in 10.93.0.0/24 10.94.0.0/24 10.95.0.0/24; do
    if ip -4 route show to match "${cidr%/*}" | grep -qv '^default'; then
        echo "1..0 # SKIP the host has a route into $cidr"
        trap - EXIT
        rm -rf "$WORK"
        exit 0
    fi
done

nothing_of_ours() {
    no_domains_left && no_networks_left &&
        ! pgrep -f "dnsmasq.*$PREFIX" > /dev/null &&
        ! ip -4 route show | grep -q "10\.9[345]\.0\.0/24"
}
took_under() { [ $(( $(date +%s) - start )) -lt "$1" ]; }
wait_marked() {
    i=0
    until [ -e "$1" ] || [ $i -ge 2400 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}
start_run() {
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi "$@" \
        > "$WORK/out" 2> "$WORK/err" &
    pid=$!
}

# C code that runs long, past the test's time: the file is given up, its VM
# destroyed, its network (with the host's address on it) removed.
mkdir "$WORK/spin"
cp "$WORK/provium.conf" "$WORK/spin/"
cat > "$WORK/spin/a.test.lua" <<'LUA'
local lan = provium:network("lan", {cidr = "10.93.0.0/24", host = "10.93.0.1"})
local vm = provium:vm("v", {nics = {"lan"}})
test("boots", function(t)
  vm:boot()
  vm:run("true"):assert_ok()
end)
test("spins in C code", {timeout = "3s"}, function(t)
  string.find(("a"):rep(2e5), ".-.-.-.-.-b")
end)
test("after it", function(t) end)
LUA
# A run that never ends is a failed check (and what it leaves, lib.sh removes).
timeout -k 5 300 "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi \
    "$WORK/spin" > "$WORK/out" 2> "$WORK/err"
status=$?
check "spinning in C: the run ends (exit 1)" status_is 1
check "spinning in C: the VM booted" out_has "PASS  boots"
check "spinning in C: timed out, given up" \
    out_has "the test timed out after 3.0s; the file did not stop within 2.0s after it"
check "spinning in C: the rest does not run" out_has "----  after it"
check "spinning in C: its VM destroyed" \
    test "$(events '[.[] | select(.kind == "vm_stopped") | .reason] | join(",")')" = '"file_ended"'
check "spinning in C: its network destroyed" \
    test "$(events '[.[] | select(.kind == "network_destroyed")] | length')" = 1
check "spinning in C: no domain, network, record, dnsmasq or route left" nothing_of_ours

# SIGHUP: the run stops as on SIGINT, exit 130, nothing left; the next run
# of the same file (which then does not wait) passes.
mkdir "$WORK/hup"
cp "$WORK/provium.conf" "$WORK/hup/"
cat > "$WORK/hup/a.test.lua" <<LUA
local lan = provium:network("lan", {cidr = "10.94.0.0/24", host = "10.94.0.1"})
test("waits", function(t)
  local vm = provium:vm("v", {nics = {"lan"}}):boot()
  if io.open("$WORK/hup.wait") then
    vm:run("sleep 120")
  end
end)
LUA
touch "$WORK/hup.wait"
start_run "$WORK/hup"
wait_in_command "${PREFIX}a-v"
start=$(date +%s)
kill -HUP $pid
wait $pid
status=$?
check "SIGHUP: exit 130" status_is 130
check "SIGHUP: within 30 s" took_under 30
check "SIGHUP: the test is cancelled" out_has "cancelled by a signal"
check "SIGHUP: no domain, network, record, dnsmasq or route left" nothing_of_ours
rm "$WORK/hup.wait"
run_provium --no-psi "$WORK/hup"
check "SIGHUP: the next run of the file passes" status_is 0
check "SIGHUP: nothing left after it" nothing_of_ours

# A second SIGINT, while the file's worker is stuck in C code: the domains
# and the networks of the run go, and their records, at once.
mkdir "$WORK/twice"
cp "$WORK/provium.conf" "$WORK/twice/"
cat > "$WORK/twice/a.test.lua" <<LUA
local lan = provium:network("lan", {cidr = "10.95.0.0/24", host = "10.95.0.1"})
test("spins", function(t)
  provium:vm("v", {nics = {"lan"}}):boot()
  io.open("$WORK/twice.mark", "w"):close()
  string.find(("a"):rep(2e5), ".-.-.-.-.-b")
end)
LUA
start_run "$WORK/twice"
wait_marked "$WORK/twice.mark"
kill -INT $pid
sleep 0.5
kill -INT $pid
wait $pid
status=$?
check "second SIGINT: exit 130" status_is 130
check "second SIGINT: says so" \
    err_has "interrupted again; destroyed this run's domains and networks, exiting"
check "second SIGINT: no domain, network, record, dnsmasq or route left" nothing_of_ours
