#!/bin/sh
# vm:boot{ready = "systemd" | "cloud-init"}: after the agent, the boot waits
# for the guest's own word.  The test image has neither systemd nor
# cloud-init: each fixture's setup puts a stand-in for systemctl and
# cloud-init in /bin that answers as a real one would (running, or degraded
# with failed units; cloud-init done, or finished with errors), and the
# restore, as a boot, asks it.  tests/e2e/debian-image.sh asks the real ones.
. "$(dirname "$0")/../lib.sh"

CACHE=$WORK/cache
write_conf
mkdir -p "$WORK/fixtures" "$WORK/t"
# fixture NAME STATE CLOUD_INIT_EXIT
fixture() {
    cat > "$WORK/fixtures/$1.fixture.lua" <<LUA
return fixture("$1", {}, function(vm)
    vm:write_file("/bin/systemctl", [[#!/bin/sh
case "\$1" in
is-system-running) echo $2; [ $2 = running ];;
list-units) printf 'foo.service loaded failed failed Foo\\nbar.mount loaded failed failed Bar\\n';;
esac
]], {mode = "0755"})
    vm:write_file("/bin/cloud-init", [[#!/bin/sh
case "\$2" in
--wait) echo status: done; exit $3;;
--long) printf 'status: error\\nerrors:\\n\\t- boom in the user-data\\n';;
esac
]], {mode = "0755"})
end)
LUA
}
fixture up running 0
fixture down degraded 1
cat > "$WORK/t/ready.test.lua" <<'LUA'
test("systemd running", function(t)
    provium:vm("a", {fixture = "up"}):boot({ready = "systemd"})
end)
test("cloud-init done", function(t)
    provium:vm("b", {fixture = "up"}):boot({ready = "cloud-init"})
end)
test("systemd degraded", function(t)
    provium:vm("c", {fixture = "down"}):boot({ready = "systemd"})
end)
test("cloud-init errors", function(t)
    provium:vm("d", {fixture = "down"}):boot({ready = "cloud-init"})
end)
test("the agent is enough", function(t)
    provium:vm("e", {fixture = "down"}):boot({ready = "agent"})
end)
LUA
run_provium --cache-dir "$CACHE" "$WORK/t"
result() { events "[.[] | select(.name == \"$1\" and (.kind == \"test_passed\" or .kind == \"test_failed\"))][0]"; }
check "ready: exit 1 (two failures)" status_is 1
check "ready = systemd, running: passes" \
    test "$(result "systemd running" | jq -r .kind)" = test_passed
check "ready = cloud-init, done: passes" \
    test "$(result "cloud-init done" | jq -r .kind)" = test_passed
check "ready = systemd, degraded: fails naming the state and the failed units" \
    sh -c "'$PROVIUM' events '$WORK/runs/latest/events.msgpack' | jq -r 'select(.name == \"systemd degraded\" and .kind == \"test_failed\") | .reason' |
           grep -q 'systemd says the system is degraded, not running (ready = \"systemd\"); failed units: foo.service, bar.mount'"
check "ready = cloud-init, errors: fails with cloud-init's own account" \
    sh -c "'$PROVIUM' events '$WORK/runs/latest/events.msgpack' | jq -r 'select(.name == \"cloud-init errors\" and .kind == \"test_failed\") | .reason' |
           grep -q 'boom in the user-data'"
check "ready = agent: passes whatever systemd says" \
    test "$(result "the agent is enough" | jq -r .kind)" = test_passed
check "ready: nothing left" no_domains_left
id=$(cat "$CACHE/fixtures/id" 2>/dev/null)
check "ready: no fixture domain left" sh -c "! virsh list --all --name | grep -q '^pvfx-$id-'"

# Mistakes: one line at the call's line.
cat > "$WORK/bad.test.lua" <<'LUA'
test("a word it does not know", function(t)
    provium:vm("a"):boot({ready = "network"})
end)
test("systemd without the agent", function(t)
    provium:vm("b"):boot({ready = "systemd", agent = false})
end)
LUA
run_provium "$WORK/bad.test.lua"
check "ready = network: the test fails at its line, naming the words" \
    out_has 'bad.test.lua:2: vm:boot(): ready must be "agent", "systemd" or "cloud-init"'
check "ready with agent = false: the test fails saying why" \
    out_has "ready = \"systemd\" asks the guest through its agent: it cannot go with agent = false"
check "mistakes: no domain was started" \
    test "$(events '[.[] | select(.kind == "vm_spawned")] | length')" -eq 0
check "mistakes: nothing left" no_domains_left

# What a VM sets of its profile: cmdline (after the profile's), boot_timeout;
# a profile may start from another and set its own boot_timeout.
mkdir "$WORK/own"
cp "$WORK/provium.conf" "$WORK/own/"
cat >> "$WORK/own/provium.conf" <<'CONF'

[profile mute : noagent]
boot_timeout = 4s
CONF
cat > "$WORK/own/own.test.lua" <<'LUA'
test("its own cmdline", function(t)
    local vm = provium:vm("f", {cmdline = "provium.test=per-vm", boot_timeout = "3m"}):boot()
    t:assert_contains(vm:run("cat /proc/cmdline").stdout, "no_timer_check provium.test=per-vm")
end)
test("its own boot_timeout", function(t)
    provium:vm("g", "noagent", {boot_timeout = "5s"}):boot()
end)
test("its profile's boot_timeout, inherited profile", function(t)
    provium:vm("h", "mute"):boot()
end)
LUA
run_provium "$WORK/own"
check "a VM's cmdline goes after its profile's" \
    test "$(result "its own cmdline" | jq -r .kind)" = test_passed
check "a VM's boot_timeout is its boot's" \
    sh -c "'$PROVIUM' events '$WORK/runs/latest/events.msgpack' | jq -r 'select(.name == \"its own boot_timeout\" and .kind == \"test_failed\") | .reason' | grep -q 'did not connect within 5.0s'"
check "a profile's boot_timeout, in a profile that inherits the rest" \
    sh -c "'$PROVIUM' events '$WORK/runs/latest/events.msgpack' | jq -r 'select(.name == \"its profile'\"'\"'s boot_timeout, inherited profile\" and .kind == \"test_failed\") | .reason' | grep -q 'did not connect within 4.0s'"
check "own settings: nothing left" no_domains_left

# vm:reboot(): the guest reboots, the call returns once its agent answers
# from the new boot, its NIC's address set again.
mkdir "$WORK/reboot"
cp "$WORK/provium.conf" "$WORK/reboot/"
cat > "$WORK/reboot/reboot.test.lua" <<'LUA'
provium:network("lan", {cidr = "10.96.7.0/24"})
test("reboot", function(t)
    local vm = provium:vm("r", {nics = {"lan"}}):boot()
    local id = vm:run("cat /proc/sys/kernel/random/boot_id").stdout
    vm:write_file("/tmp/before", "x")
    t:assert_eq(vm, vm:reboot())
    t:assert(vm:run("cat /proc/sys/kernel/random/boot_id").stdout ~= id, "the same boot id")
    t:assert(not vm:run("test -e /tmp/before"):ok(), "the old boot's /tmp is still there")
    t:assert_contains(vm:run("ip -4 -o addr show").stdout, vm:ip("lan") .. "/24")
end)
LUA
run_provium "$WORK/reboot"
check "vm:reboot(): a new boot, its address set again (exit 0)" status_is 0
check "vm:reboot(): one domain the whole time" \
    test "$(events '[.[] | select(.kind == "vm_spawned")] | length')" -eq 1
check "vm:reboot(): nothing left" no_domains_left

# A command the guest's qemu-ga has disabled (--block-rpcs, here from its
# configuration file, which the test image's qemu-ga reads when it restarts):
# the failure says so and where to allow it, not libvirt's words.
mkdir "$WORK/blocked"
cp "$WORK/provium.conf" "$WORK/blocked/"
cat > "$WORK/blocked/blocked.test.lua" <<'LUA'
test("a blocked command", function(t)
    local vm = provium:vm("q"):boot()
    vm:run("mkdir -p /etc/qemu && printf '[general]\\nblock-rpcs=guest-file-write\\n' > /etc/qemu/qemu-ga.conf"):assert_ok()
    vm:run("(sleep 1; kill $(pidof qemu-ga)) > /dev/null 2>&1 &"):assert_ok()
    provium:sleep("3s")
    wait_until(function() return pcall(function() vm:run("true") end) end, {timeout = "60s"})
    vm:write_file("/tmp/x", "x")
end)
LUA
run_provium "$WORK/blocked"
check "a blocked agent command: the test fails" status_is 1
check "a blocked agent command: named, with where to allow it" \
    out_has "the guest agent refuses guest-file-write: it is disabled in the guest's qemu-ga (--block-rpcs or --allow-rpcs"
check "a blocked agent command: nothing left" no_domains_left
