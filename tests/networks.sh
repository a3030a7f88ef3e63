#!/bin/sh
# Networks in test files on libvirt's test driver: what provium:network()
# and nics make of a file (the networks, the NICs in the domain XML, the
# addresses vm:ip() and vm:mac() give), and each mistake of a file: one line
# with file and line, exit 2, nothing made.  No guests: VMs boot with
# {agent = false}, so no address is set in a guest (tests/e2e/net.sh does).
. "$(dirname "$0")/lib.sh"

T="test:///default"
run() {
    "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm \
        "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
printf '[profile default]\nmemory = 256M\ncpus = 1\n' > "$WORK/provium.conf"

cat > "$WORK/ok.test.lua" <<'LUA'
local lan = provium:network("lan", {cidr = "192.168.100.0/24", dhcp = true})
local wan = provium:network("wan", {cidr = "10.9.0.0/24", forward = "nat"})
local east = provium:vm("east", {nics = {{net = "lan", ip = "192.168.100.10"}, "wan"}})
local west = provium:vm("west", {nics = {lan}})

test("the plan", function(t)
  t:assert_eq("lan", lan.name)
  t:assert_eq("192.168.100.0/24", lan.cidr)
  t:assert_eq(provium.prefix .. "ok-lan", lan.network)
  t:assert(#lan.bridge <= 15, "bridge name within IFNAMSIZ")
  t:assert_eq("none", lan.forward)
  t:assert_eq("nat", wan.forward)
  t:assert_eq("10.9.0.1", wan.host)       -- NAT: the host is the guests' gateway
  t:assert_eq(nil, lan.host)
  t:assert_eq("192.168.100.10", east:ip("lan"))
  t:assert_eq("192.168.100.254", west:ip("lan"))   -- the highest free one
  t:assert_eq("10.9.0.254", east:ip("wan"))
  t:assert(east:mac("lan"):match("^52:54:00:%x%x:%x%x:%x%x$"), east:mac("lan"))
  t:assert_neq(east:mac("lan"), west:mac("lan"))
  t:assert_contains(t:assert_raises(function() west:ip("wan") end),
                    "vm 'west' has no NIC on network 'wan' (it has 'lan')")
end)

test("boots with its NICs", function(t)
  provium.boot({east, west}, {agent = false})
  print("east-lan-mac=" .. east:mac("lan"))
  print("east-wan-mac=" .. east:mac("wan"))
end)

test("a VM of a test gets the next address, and gives it back", function(t)
  local v = provium:vm("v", {nics = {"lan"}})
  t:assert_eq("192.168.100.253", v:ip("lan"))
end)

test("after it", function(t)
  local w = provium:vm("w", {nics = {"lan"}})
  t:assert_eq("192.168.100.253", w:ip("lan"))
end)

test("provium:network() in a test", function(t)
  t:assert_contains(t:assert_raises(function()
    provium:network("late", {cidr = "10.11.0.0/24"})
  end), "provium:network() belongs at the file's top level")
end)
LUA
run -v "$WORK/ok.test.lua"
check "networks and NICs: exit 0" status_is 0
check "networks and NICs: every test passes" grep -qx "5 passed, 0 failed, 0 skipped" "$WORK/out"
xml="$WORK/runs/latest/vms/${PREFIX}ok-east.xml"
lan_mac=$(sed -n 's/.*east-lan-mac=//p' "$WORK/out" | head -1)
wan_mac=$(sed -n 's/.*east-wan-mac=//p' "$WORK/out" | head -1)
check "the domain XML has a virtio NIC per entry, in order, with vm:mac()'s MACs" \
    test "$(xmllint --xpath 'concat(//interface[1]/mac/@address, " ", //interface[1]/source/@network, " ", //interface[1]/model/@type, " ", //interface[2]/mac/@address, " ", //interface[2]/source/@network)' "$xml")" = \
        "$lan_mac ${PREFIX}ok-lan virtio $wan_mac ${PREFIX}ok-wan"
check "network_created per network, before the first boot" \
    test "$(events '([.[] | select(.kind == "network_created")] | length) == 2 and
                    ([.[] | select(.kind == "network_created")] | last | .ts) <
                    ([.[] | select(.kind == "vm_spawned")] | first | .ts)')" = true
check "network_destroyed per network, after the domains" \
    test "$(events '([.[] | select(.kind == "network_destroyed")] | length) == 2 and
                    ([.[] | select(.kind == "network_destroyed")] | first | .ts) >
                    ([.[] | select(.kind == "vm_stopped")] | last | .ts)')" = true
check "no record left" sh -c "! grep -qx 'prefix=$PREFIX' $NETWORK_RECORDS/*.network 2>/dev/null"

"$PROVIUM" list "$WORK/ok.test.lua" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium list, which does not connect, lists a file with networks" \
    sh -c "[ $status -eq 0 ] && grep -q 'the plan' '$WORK/out'"

# provium list boots nothing: top-level VMs whose kernel is on another
# machine (an installed package's examples) are listed, not refused.
mkdir "$WORK/elsewhere"
printf '[profile default]\nkernel = /nonexistent/vmlinuz\nmemory = 256M\n' > "$WORK/elsewhere/provium.conf"
cp "$WORK/ok.test.lua" "$WORK/elsewhere/"
"$PROVIUM" list "$WORK/elsewhere" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium list: a profile's missing kernel does not stop the listing" \
    sh -c "[ $status -eq 0 ] && grep -q 'the plan' '$WORK/out'"
run_t "$WORK/elsewhere"
check "a run still refuses it, with file and line" \
    sh -c "[ $status -eq 2 ] && grep -q 'ok.test.lua:[0-9]*: .*kernel file .*/nonexistent/vmlinuz. does not exist' '$WORK/out'"

# A template's own NIC is kept, before provium's.
mkdir "$WORK/tpl"
sed 's|</devices>|<interface type="user"><mac address="52:54:00:aa:bb:cc"/></interface></devices>|' \
    "$PV_TEST_SRCDIR/../xml-templates/default.xml" > "$WORK/tpl/nic.xml"
printf '[profile default]\nmemory = 256M\ncpus = 1\ntemplate = nic.xml\n' > "$WORK/tpl/provium.conf"
cat > "$WORK/tpl/tpl.test.lua" <<'LUA'
provium:network("lan", {cidr = "192.168.100.0/24"})
local v = provium:vm("v", {nics = {"lan"}})
test("boots", function(t) v:boot({agent = false}) end)
LUA
run "$WORK/tpl"
check "template NIC: exit 0" status_is 0
check "template NIC: kept, first; provium's after it" \
    test "$(xmllint --xpath 'concat(//interface[1]/mac/@address, " ", //interface[2]/source/@network)' \
            "$WORK/runs/latest/vms/${PREFIX}tpl-v.xml")" = "52:54:00:aa:bb:cc ${PREFIX}tpl-lan"

# The file's mistakes.
mkdir "$WORK/bad"
cp "$WORK/provium.conf" "$WORK/bad/"
bad() {  # bad NAME LUA MESSAGE
    printf '%s\ntest("x", function(t) end)\n' "$2" > "$WORK/bad/$1.test.lua"
    run "$WORK/bad/$1.test.lua"
    check "$1: exit 2" status_is 2
    check "$1: one line with file and line: $3" \
        test "$(grep -cF -- "$1.test.lua:$3" "$WORK/out")" -eq 1
    check "$1: no network made" test "$(events '[.[] | select(.kind == "network_created")] | length')" -eq 0
    rm -f "$WORK/bad/$1.test.lua"
}
bad overlap 'provium:network("a", {cidr = "10.1.0.0/16"})
provium:network("b", {cidr = "10.1.2.0/24"})' \
    "2: network 'b': cidr 10.1.2.0/24 overlaps network 'a' (10.1.0.0/16) of this file"
bad outside 'provium:network("lan", {cidr = "192.168.100.0/24"})
provium:vm("v", {nics = {{net = "lan", ip = "192.168.101.5"}}})' \
    "2: vm 'v': network 'lan': ip 192.168.101.5 is outside the network 192.168.100.0/24"
bad unknown 'provium:network("lan", {cidr = "192.168.100.0/24"})
provium:vm("v", {nics = {"lna"}})' \
    "2: vm 'v': nics: no network 'lna' in this file (it has 'lan')"
bad taken 'provium:network("lan", {cidr = "192.168.100.0/24"})
provium:vm("a", {nics = {{net = "lan", ip = "192.168.100.5"}}})
provium:vm("b", {nics = {{net = "lan", ip = "192.168.100.5"}}})' \
    "3: vm 'b': ip 192.168.100.5 on network 'lan' is already vm 'a''s"
bad hostbits 'provium:network("lan", {cidr = "192.168.100.5/24"})' \
    "1: network 'lan': cidr '192.168.100.5/24' has host bits set: write the network's address, \"192.168.100.0/24\""
# A host route over the cloud metadata address (169.254.169.254): refused
# as loopback is.
bad linklocal 'provium:network("meta", {cidr = "169.254.0.0/16", host = "169.254.0.1"})' \
    "1: network 'meta': cidr '169.254.0.0/16' overlaps the link-local block (169.254.0.0/16)"
bad option 'provium:network("lan", {cidr = "192.168.100.0/24", dhcpd = true})' \
    "1: provium:network(): unknown option 'dhcpd'"
bad forward 'provium:network("lan", {cidr = "192.168.100.0/24", forward = "route"})' \
    "1: network 'lan': forward 'route' is not known"
bad name 'provium:network("a lan", {cidr = "192.168.100.0/24"})' \
    "1: network name 'a lan' is not valid"
bad twice 'provium:network("lan", {cidr = "192.168.100.0/24"})
provium:network("lan", {cidr = "192.168.101.0/24"})' \
    "2: network 'lan' is already declared in this file"
bad nicopt 'provium:network("lan", {cidr = "192.168.100.0/24"})
provium:vm("v", {nics = {{net = "lan", addr = "192.168.100.5"}}})' \
    "2: nics[]: unknown option 'addr'"
bad samename 'provium:network("lan", {cidr = "192.168.100.0/24"})
provium:vm("v", {nics = {"lan"}})
provium:vm("v", {nics = {"lan"}})' \
    "3: vm 'v': another VM of that name with NICs is in use in this file"
# A CIDR that clashes with one of this machine's routes: tests/e2e/net.sh (the
# test driver's networks are on no host, so its routes are not checked).
