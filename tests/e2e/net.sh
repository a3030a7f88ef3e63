#!/bin/sh
# Networks in test files, end to end: the issue's example (two VMs on one
# network reach each other, a pulled cable cuts them off), a VM on another
# network of the file does not reach them, host <-> guest only where the
# host has an address, DHCP with fixed leases, two files on the same CIDR at
# once, and nothing left behind however a run ends (the file's mistakes:
# tests/networks.sh, on the test driver).
. "$(dirname "$0")/../lib.sh"

write_conf
# The issue's example names its profile "tiny": the default one, again.
sed -n '/^\[profile default\]/,/^$/p' "$WORK/provium.conf" |
    sed 's/^\[profile default\]/[profile tiny]/' > "$WORK/tiny"
{ echo; cat "$WORK/tiny"; } >> "$WORK/provium.conf"

# Host <-> guest needs the host to have no address in these networks already.
for cidr in 192.168.100.0/24 10.9.0.0/24 10.10.0.0/24; do
    if ip -4 route show to match "${cidr%/*}" | grep -qv '^default'; then
        echo "1..0 # SKIP the host has a route into $cidr"
        trap - EXIT
        rm -rf "$WORK"
        exit 0
    fi
done

mkdir "$WORK/one"
cp "$WORK/provium.conf" "$WORK/one/"
cat > "$WORK/one/net.test.lua" <<'LUA'
local lan = provium:network("lan", {cidr = "192.168.100.0/24", dhcp = true})
local wan = provium:network("wan", {cidr = "10.9.0.0/24", host = "10.9.0.1"})  -- the host gets an address: host <-> guest tests
local dmz = provium:network("dmz", {cidr = "10.10.0.0/24", host = "10.10.0.1", dhcp = true})
local east = provium:vm("east", "tiny", {nics = {{net = "lan", ip = "192.168.100.10"}, "wan", dmz}})
local west = provium:vm("west", "tiny", {nics = {"lan"}})
local south = provium:vm("south", "tiny", {nics = {"wan"}})

local function ping(vm, ip)
  return vm:run({"ping", "-c1", "-W2", ip}):ok()
end

test("east reaches west", function(t)
  provium.boot({east, west, south})
  east:run({"ping", "-c1", "-W2", west:ip("lan")}):assert_ok()
  east:link("lan", false)          -- cable pulled (libvirt link state), true puts it back
  t:assert(not east:run({"ping", "-c1", "-W2", west:ip("lan")}):ok())
end)

test("link up again restores the ping", function(t)
  east:link("lan", true)
  t:assert(wait_until(function() return ping(east, west:ip("lan")) end, {timeout = "20s"}))
end)

test("addresses are what provium says", function(t)
  t:assert_eq("192.168.100.10", east:ip("lan"))
  local links = east:run({"ip", "-o", "link"}).stdout
  t:assert_contains(links, east:mac("lan"))
  t:assert_contains(links, east:mac("wan"))
  t:assert_contains(east:run({"ip", "-o", "-4", "addr"}).stdout, east:ip("wan") .. "/24")
end)

test("a VM on another network does not reach lan", function(t)
  t:assert(ping(south, east:ip("wan")), "south reaches east on wan")
  t:assert(not ping(south, west:ip("lan")), "south reached west on lan")
  t:assert(not ping(south, east:ip("lan")), "south reached east on lan")
end)

-- The host may have no ping: it asks the guests' web servers for a page
-- naming them (whatever else answers HTTP on the host's way out does not).
local function host_fetches(vm, net)
  local curl = io.popen("curl -s -m 3 http://" .. vm:ip(net) .. ":8080/")
  local page = curl:read("a")
  curl:close()
  return page == "page of " .. vm:name() .. "\n"
end

test("host <-> guest with a host address, not without", function(t)
  t:assert(ping(east, "10.9.0.1"), "east reaches the host on wan")
  for _, vm in ipairs({east, west}) do
    vm:run("mkdir -p /srv"):assert_ok()
    vm:write_file("/srv/index.html", "page of " .. vm:name() .. "\n")
    vm:run({"httpd", "-p", "8080", "-h", "/srv"}):assert_ok()
  end
  t:assert(host_fetches(east, "wan"), "the host reaches east on wan")
  t:assert(not host_fetches(west, "lan"), "the host reached west on the isolated lan")
end)

test("dhcp with a host address: a fixed lease", function(t)
  local addrs = east:run({"ip", "-o", "-4", "addr"}).stdout
  t:assert_contains(addrs, east:ip("dmz") .. "/24")
  t:assert(ping(east, "10.10.0.1"), "east reaches the host on dmz")
end)
LUA

run_provium --no-psi --cpus 4 "$WORK/one"
check "the example: passes" status_is 0
check "the example: east reaches west, link down fails the ping" out_has "PASS  east reaches west"
check "the example: link up restores it" out_has "PASS  link up again restores the ping"
check "vm:ip() and vm:mac() are the guest's" out_has "PASS  addresses are what provium says"
check "a VM on the file's other network does not reach lan" \
    out_has "PASS  a VM on another network does not reach lan"
check "host <-> guest only with a host address" \
    out_has "PASS  host <-> guest with a host address, not without"
check "dhcp with a host address: a fixed lease" \
    out_has "PASS  dhcp with a host address: a fixed lease"
check "network_created for each network" \
    test "$(events '[.[] | select(.kind == "network_created")] | length')" -eq 3
check "network_destroyed for each network" \
    test "$(events '[.[] | select(.kind == "network_destroyed")] | length')" -eq 3
check "vm_link down, then up" \
    test "$(events '[.[] | select(.kind == "vm_link") | .up] == [false, true]')" = true
check "networks before the first boot" \
    test "$(events '([.[] | select(.kind == "network_created")] | last | .ts) <
                    ([.[] | select(.kind == "vm_spawned")] | first | .ts)')" = true
check "nothing left in virsh list --all" no_domains_left
check "nothing left in virsh net-list --all, no record" no_networks_left

# Two files on the same CIDR at once: each reaches only its own peer.
mkdir "$WORK/two"
cp "$WORK/provium.conf" "$WORK/two/"
for f in a b; do
    cat > "$WORK/two/$f.test.lua" <<'LUA'
provium:network("lan", {cidr = "192.168.100.0/24"})
local one = provium:vm("one", "tiny", {nics = {{net = "lan", ip = "192.168.100.10"}}})
local two = provium:vm("two", "tiny", {nics = {{net = "lan", ip = "192.168.100.11"}}})

test("reaches its own peer", function(t)
  provium.boot({one, two})
  one:run({"ping", "-c1", "-W2", "192.168.100.11"}):assert_ok()
  local neigh = one:run({"ip", "neigh", "show", "192.168.100.11"}).stdout
  t:assert_contains(neigh, two:mac("lan"))
  provium:sleep("5s")   -- the other file's network is up meanwhile
  one:run({"ping", "-c1", "-W2", "192.168.100.11"}):assert_ok()
end)
LUA
done
run_provium --no-psi --cpus 4 -j 2 "$WORK/two"
check "same CIDR in two files: both pass" status_is 0
check "same CIDR in two files: at the same time" \
    test "$(events '([.[] | select(.kind == "network_created")] | last | .ts) <
                    ([.[] | select(.kind == "network_destroyed")] | first | .ts)')" = true
check "same CIDR in two files: two networks, two bridges" \
    test "$(events '[.[] | select(.kind == "network_created") | .bridge] | unique | length')" -eq 2
check "same CIDR: nothing left in virsh list --all" no_domains_left
check "same CIDR: nothing left in virsh net-list --all" no_networks_left

# Two files whose networks give the host the same address, in two runs: the
# second waits for the first's network to go (a host has one route per
# CIDR), then passes.
mkdir "$WORK/host" "$WORK/host2"
cat > "$WORK/host/a.test.lua" <<'LUA'
provium:network("wan", {cidr = "10.9.0.0/24", host = "10.9.0.1"})
local v = provium:vm("v", "tiny", {nics = {"wan"}})
test("reaches the host", function(t)
  v:boot():run({"ping", "-c1", "-W2", "10.9.0.1"}):assert_ok()
  provium:sleep("10s")
end)
LUA
sed 's/provium:sleep("10s")//' "$WORK/host/a.test.lua" > "$WORK/host2/b.test.lua"
cp "$WORK/provium.conf" "$WORK/host/"
cp "$WORK/provium.conf" "$WORK/host2/"
# Prefixes may not extend each other's: the second run's is the longer.
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs1" "$WORK/host" \
    > "$WORK/out1" 2>&1 &
pid=$!
i=0
until virsh net-list --name | grep -qx "${PREFIX}a-wan" || [ $i -ge 240 ]; do
    sleep 0.5
    i=$((i + 1))
done
"$PROVIUM" -c "$URI" --prefix "${PREFIX}2-" --results-dir "$WORK/runs" "$WORK/host2" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
wait $pid
first=$?
check "same host address in two runs: the first passes" test $first -eq 0
check "same host address in two runs: the second passes" status_is 0
check "same host address in two runs: the second waited (network_busy)" \
    test "$(events '[.[] | select(.kind == "file_blocked" and .reason == "network_busy")] | length')" -eq 1
check "same host address in two runs: nothing left in virsh net-list --all" \
    sh -c "! virsh net-list --all --name | grep -q '^$PREFIX'"

# Two files of one run wait for each other: a holds the network b needs
# and waits for the pool that b's claim holds.  Neither could ever go on:
# the wait that closed the cycle gives up, saying so, the other file then
# goes on, and the run ends (it used to wait for ever).  b starts later,
# so a's network is there first.
mkdir "$WORK/cycle"
cp "$WORK/provium.conf" "$WORK/cycle/"
cat > "$WORK/cycle/a.test.lua" <<'LUA'
provium:network("wan", {cidr = "10.9.0.0/24", host = "10.9.0.1"})
local v = provium:vm("v", "tiny", {nics = {"wan"}})
test("boots once the pool has room", function(t)
  provium:sleep("8s")
  v:boot()
end)
LUA
cat > "$WORK/cycle/b.test.lua" <<'LUA'
provium:claim({memory = "900M", cpus = 1})
provium:sleep("3s")
provium:network("wan", {cidr = "10.9.0.0/24", host = "10.9.0.1"})
test("needs a's addresses", function(t) end)
LUA
timeout 600 "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi \
    --mem 1G --cpus 4 -j 2 "$WORK/cycle" > "$WORK/out" 2> "$WORK/err"
status=$?
check "two files waiting for each other: the run ends, failed" status_is 1
check "two files waiting for each other: one says it would never end" \
    grep -q "this would never end" "$WORK/out" "$WORK/err"
check "two files waiting for each other: the other one passes" \
    test "$(events '[.[] | select(.kind == "file_completed" and .status == "passed")] | length')" -eq 1
check "two files waiting for each other: b waited (network_busy)" \
    test "$(events '[.[] | select(.kind == "file_blocked" and .reason == "network_busy")] | length')" -eq 1
check "two files waiting for each other: nothing left in virsh net-list --all" \
    no_networks_left

# A run killed with SIGKILL leaves its network with its host address (the
# host's route to it stays); the next run that needs those addresses removes
# it, in one line saying which, whose and why, once the killed run is
# provably over (no process of its pid on the machine and boot that recorded
# it).  One whose run cannot be proved over is left alone.
mkdir "$WORK/dead" "$WORK/dead2"
cp "$WORK/provium.conf" "$WORK/dead/"
cp "$WORK/provium.conf" "$WORK/dead2/"
cat > "$WORK/dead/held.test.lua" <<'LUA'
provium:network("wan", {cidr = "10.9.0.0/24", host = "10.9.0.1"})
local v = provium:vm("v", "tiny", {nics = {"wan"}})
test("holds", function(t)
  v:boot()
  provium:sleep("300s")
end)
LUA
cp "$WORK/host2/b.test.lua" "$WORK/dead2/"
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs1" "$WORK/dead" \
    > "$WORK/out1" 2>&1 &
pid=$!
i=0
until virsh domstate "${PREFIX}held-v" 2>/dev/null | grep -q running || [ $i -ge 240 ]; do
    sleep 0.5
    i=$((i + 1))
done
kill -KILL $pid
wait $pid
held="${PREFIX}held-wan"
record=$(grep -lx "name=$held" "$NETWORK_RECORDS"/*.network 2>/dev/null | head -1)
dead_run=$(sed -n 's/^run=//p' "$record" 2>/dev/null)
check "SIGKILL with a host address: the network and its record are left" \
    sh -c "virsh net-info '$held' >/dev/null && [ -n '$record' ] && [ -n '$dead_run' ]"
check "SIGKILL with a host address: the host keeps a route into 10.9.0.0/24" \
    sh -c "ip -4 route show 10.9.0.0/24 | grep -q 'dev pv-'"
# A record of another machine proves nothing of its pid here.
cp "$record" "$WORK/record.saved"
sed 's/^machine=.*/machine=00000000000000000000000000000001/' "$WORK/record.saved" > "$record"
run_provium --no-psi "$WORK/dead2"
check "a network whose run is not provably over: exit 2" status_is 2
check "a network whose run is not provably over: one line, with what to do" \
    test "$(grep -c "b.test.lua:1: network 'wan': cidr 10.9.0.0/24 clashes with the host's route to 10.9.0.0/24 (dev pv-[0-9a-f]*), which a provium network holds whose run provium cannot prove is over .*run provium clean" "$WORK/out")" -eq 1
check "a network whose run is not provably over: left alone" \
    sh -c "virsh net-info '$held' >/dev/null && test -f '$record'"
cp "$WORK/record.saved" "$record"
run_provium --no-psi "$WORK/dead2"
check "the next run that needs the addresses: passes" status_is 0
check "the next run: one line naming the network, the run and why it is over" \
    test "$(grep -c "^provium: .*b.test.lua: removed network '$held' (bridge pv-[0-9a-f]*), left by run $dead_run on addresses this file needs: that run is over (no process $pid runs on the machine and boot that recorded it)$" "$WORK/err")" -eq 1
check "the next run: network_reclaimed, before its own network_created" \
    test "$(events "[.[] | select(.kind == \"network_reclaimed\" or .kind == \"network_created\")] |
                    [.[0].kind, .[0].network, .[0].owner_run, .[0].owner_pid, .[0].reason,
                     .[1].kind] == [\"network_reclaimed\", \"$held\", \"$dead_run\", $pid,
                                    \"process_gone\", \"network_created\"]")" = true
check "the next run: the killed run's network and record are gone" \
    sh -c "! virsh net-info '$held' >/dev/null 2>&1 && ! test -f '$record'"
check "the next run: nothing left in virsh net-list --all" no_networks_left

# SIGINT while a test runs: the file's networks go with its domains.
start_sigint() {  # runs sigint.test.lua in the background ($pid) until its VM runs
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" "$WORK/sig" \
        > "$WORK/out" 2> "$WORK/err" &
    pid=$!
    i=0
    until virsh domstate "${PREFIX}sigint-v" 2>/dev/null | grep -q running || [ $i -ge 240 ]; do
        sleep 0.5
        i=$((i + 1))
    done
}
mkdir "$WORK/sig"
cp "$WORK/provium.conf" "$WORK/sig/"
cat > "$WORK/sig/sigint.test.lua" <<'LUA'
provium:network("lan", {cidr = "192.168.100.0/24"})
local v = provium:vm("v", "tiny", {nics = {"lan"}})
test("waits", function(t)
  v:boot()
  provium:sleep("120s")
end)
LUA
start_sigint
check "SIGINT: the network exists while the file runs" \
    sh -c "virsh net-list --name | grep -qx '${PREFIX}sigint-lan'"
kill -INT $pid
wait $pid
status=$?
check "SIGINT: exit 130" status_is 130
check "SIGINT: nothing left in virsh list --all" no_domains_left
check "SIGINT: nothing left in virsh net-list --all" no_networks_left

# SIGKILL, then provium clean: the network goes, a look-alike stays.
virsh net-create /dev/stdin >/dev/null <<XML
<network><name>${PREFIX}sigint-lan-2</name><bridge name="pvt$$x" stp="off" delay="0"/></network>
XML
start_sigint
kill -KILL $pid
wait $pid
leftover=$(virsh net-list --name | grep "^${PREFIX}sigint-lan" | grep -vx "${PREFIX}sigint-lan-2")
check "SIGKILL: the network is left" test -n "$leftover"
"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
check "clean: nothing of provium's left in virsh list --all" no_domains_left
check "clean: the killed run's network is gone" \
    sh -c "! virsh net-list --all --name | grep -qx '$leftover'"
check "clean: a foreign network with a similar name is untouched" \
    sh -c "virsh net-list --name | grep -qx '${PREFIX}sigint-lan-2'"
virsh net-destroy "${PREFIX}sigint-lan-2" >/dev/null 2>&1
check "clean: no record left" no_networks_left

# A CIDR that clashes with one of this machine's routes, with a host address:
# one line with file:line, exit 2, no network made.
# Not a route of another provium network's bridge (pv-...): a file waits for
# those (network_busy) rather than failing.
dest=$(ip -4 route show | awk '$1 ~ /^[0-9.]+\.0\/(8|9|1[0-9]|2[0-4])$/ && $1 !~ /^(127|0)\./ &&
                               $0 !~ / dev pv-/ {print $1; exit}')
if [ -n "$dest" ]; then
    host=$(echo "$dest" | sed 's|\.0/[0-9]*$|.1|')
    mkdir "$WORK/route"
    cp "$WORK/provium.conf" "$WORK/route/"
    printf 'provium:network("wan", {cidr = "%s", host = "%s"})\ntest("x", function(t) end)\n' \
        "$dest" "$host" > "$WORK/route/route.test.lua"
    run_provium --no-psi "$WORK/route"
    check "route clash: exit 2" status_is 2
    check "route clash: one line with file and line" \
        test "$(grep -cF -- "route.test.lua:1: network 'wan': cidr $dest clashes with the host's route to $dest" "$WORK/out")" -eq 1
    check "route clash: no network made" \
        test "$(events '[.[] | select(.kind == "network_created")] | length')" -eq 0
else
    ok "route clash # SKIP the host has no route to clash with"
fi
