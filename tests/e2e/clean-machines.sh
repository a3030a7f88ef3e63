#!/bin/sh
# provium clean from another machine: a mount (and UTS, pid) namespace where
# /etc/machine-id is another id and the host name another name, as a second
# client of the same libvirt host would be.  It cannot see the run's
# process, so it leaves a live run's domain and network alone and says why;
# --force removes them.  A run whose lease is made 6 s long for the test
# (PROVIUM_TEST_LEASE_TIME) renews it while it lives, so it is still left
# alone after longer than that; killed with --keep-failed, it leaves its
# domain and network, which go once its lease has run out.  Skipped where
# unshare is not permitted.
. "$(dirname "$0")/../lib.sh"

skip_all() {
    trap - EXIT
    rm -rf "$WORK"
    echo "1..0 # SKIP $1"
    exit 0
}

echo 0123456789abcdef0123456789abcdef > "$WORK/machine-id"
if ! unshare --mount --uts --pid --fork --mount-proc sh -c \
        'mount --bind "$1" /etc/machine-id && hostname other-machine' \
        sh "$WORK/machine-id" 2>/dev/null; then
    skip_all "unshare --mount --uts --pid is not permitted here"
fi

# other_clean ARGS...: provium clean on "another machine"; sets $status.
other_clean() {
    unshare --mount --uts --pid --fork --mount-proc sh -c \
        'mount --bind "$1" /etc/machine-id && hostname other-machine && shift && exec "$@"' \
        sh "$WORK/machine-id" "$PROVIUM" clean -c "$URI" --prefix "$PREFIX" "$@" \
        > "$WORK/out" 2> "$WORK/err"
    status=$?
}

write_conf
cat > "$WORK/live.test.lua" <<LUA
provium:network("lan", {cidr = "192.168.231.0/24"})
local web = provium:vm("web", "default", {nics = {"lan"}})
test("holds its VM", function(t)
  web:boot()
  io.open("$WORK/booted", "w"):close()
  while not io.open("$WORK/release") do provium:sleep("200ms") end
end)
LUA
dom="${PREFIX}live-web"
net="${PREFIX}live-lan"
has_domain() { virsh dominfo "$dom" > /dev/null 2>&1; }
has_network() { virsh net-info "$net" > /dev/null 2>&1; }
# start_run [ARGS...]: provium runs live.test.lua in the background until
# its VM has booted; sets $pid.
start_run() {
    rm -f "$WORK/booted" "$WORK/release"
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi "$@" \
        "$WORK/live.test.lua" > "$WORK/run.out" 2> "$WORK/run.err" &
    pid=$!
    n=0
    until [ -e "$WORK/booted" ] || [ $n -ge 600 ] || ! kill -0 $pid 2>/dev/null; do
        sleep 0.5
        n=$((n + 1))
    done
}

# (a) A live run, its lease fresh: another machine leaves it alone.
start_run
check "the run booted its VM" test -e "$WORK/booted"
other_clean
check "another machine: clean exits 0" status_is 0
check "another machine: the live run's domain is left" has_domain
check "another machine: the live run's network is left" has_network
check "another machine: clean says why it kept the domain" \
    out_has "kept $dom: its run "
check "... on another machine, whose lease holds" \
    grep -q "^kept $dom: its run .* is on another machine ($(hostname)), whose lease on it holds .* more; use --force" "$WORK/out"
check "another machine: clean says why it kept the network" \
    grep -q "^kept network $net: its run .* is on another machine ($(hostname)), whose lease on it holds" "$WORK/out"
check "another machine: nothing removed" out_has "removed 0 domains"

# The same machine sees the process, as before.
"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
check "this machine: the run is still going (pid $pid)" \
    out_has "kept $dom: its run"
check "this machine: ... by its pid" grep -q "^kept $dom: its run .* is still going (pid $pid)" "$WORK/out"

# (b) --force from another machine removes them, and says so.
other_clean --force
check "--force from another machine: exit 0" status_is 0
check "--force: the domain is gone" sh -c "! virsh dominfo '$dom' > /dev/null 2>&1"
check "--force: the network is gone" sh -c "! virsh net-info '$net' > /dev/null 2>&1"
check "--force: clean says what it removed, and why" \
    grep -q "^removed $dom (run .*): --force, though its run .* may still be going" "$WORK/out"
check "--force: ... the network too" \
    grep -q "^removed network $net (run .*): --force" "$WORK/out"
touch "$WORK/release"
wait $pid

# (c) A 6 s lease, renewed every second while the run lives: after 8 s, it
# still holds.  Killed with --keep-failed, the run leaves its domain and
# network, which go from another machine once its lease has run out.
PROVIUM_TEST_LEASE_TIME=6 start_run --keep-failed
check "the second run booted its VM" test -e "$WORK/booted"
sleep 8
other_clean
check "renewed: a live run's 6 s lease still holds 8 s later: domain left" has_domain
check "renewed: ... and network left" has_network
check "renewed: clean says the lease holds" \
    grep -q "^kept $dom: its run .* is on another machine ($(hostname)), whose lease on it holds" "$WORK/out"
kill -KILL $pid
wait $pid 2> /dev/null
check "killed: its domain is left" has_domain
check "killed: its network is left" has_network
# The lease was renewed at the latest as the run was killed, and holds 6 s.
sleep 8
other_clean
check "stale lease: exit 0" status_is 0
check "stale lease: the domain is gone" sh -c "! virsh dominfo '$dom' > /dev/null 2>&1"
check "stale lease: the network is gone" sh -c "! virsh net-info '$net' > /dev/null 2>&1"
check "stale lease: clean says why" \
    grep -q "^removed $dom (run .*): its run .* on another machine ($(hostname)) let its lease run out .* ago" "$WORK/out"
check "stale lease: ... for the network too" \
    grep -q "^removed network $net (run .*): its run .* let its lease run out" "$WORK/out"
check "nothing left" no_domains_left
check "no network, no record left" no_networks_left
