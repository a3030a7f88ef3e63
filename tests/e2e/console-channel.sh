#!/bin/sh
# Images without the agent: the serial console as the channel (profile
# channel = console) on the test image booted with provium.agent=0 (a root
# shell on ttyS0, no agent): a boot is ready when the shell answers, its
# NIC's address set through it;
# vm:run() with its output, error and status apart, stdin, a timeout that
# leaves the channel usable, a binary file there and back, a lost login
# (the shell killed: the image's init starts another); a fixture refused
# (its restore needs the agent); and
# vm:console():send() typing into a console, with and without the channel.
. "$(dirname "$0")/../lib.sh"

write_conf
cat >> "$WORK/provium.conf" <<CONF

[profile console]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check provium.agent=0
memory = 256M
channel = console
CONF
mkdir "$WORK/fixtures"
cat > "$WORK/fixtures/cons.fixture.lua" <<'LUA'
return fixture("cons", {profile = "console"}, function(vm) end)
LUA
cat > "$WORK/channel.test.lua" <<'LUA'
provium:network("lan", {cidr = "10.91.7.0/24"})

test("commands and files over the console", function(t)
    local vm = provium:vm("c", "console", {nics = {"lan"}})
    vm:boot({timeout = "2m"})
    -- The NIC got its address through the console before the boot returned.
    t:assert(vm:run("ip -o -4 addr"):assert_ok().stdout:find(" " .. vm:ip("lan") .. "/", 1, true),
             "the guest has " .. vm:ip("lan"))
    local r = vm:run("echo out; echo err >&2; exit 3")
    t:assert_eq(3, r.exit_code)
    t:assert_eq("out\n", r.stdout)
    t:assert_eq("err\n", r.stderr)
    t:assert_eq("a  b\n", vm:run({"/bin/echo", "a  b"}).stdout)
    t:assert_eq("2", vm:run("wc -l", {stdin = "x\ny\n"}).stdout:match("%d+"))
    t:assert_eq("V=1 2\n", vm:run("echo V=$V", {env = {V = "1 2"}}).stdout)

    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local data = table.concat(bytes):rep(160)          -- 40 KiB, every byte value
    vm:write_file("/tmp/blob", data, {mode = "0600"})
    t:assert_eq(data, vm:read_file("/tmp/blob"))
    t:assert_eq("-rw-------", vm:run("ls -l /tmp/blob").stdout:sub(1, 10))
    local ok, err = pcall(vm.read_file, vm, "/nonexistent")
    t:assert(not ok and err:find("cannot read /nonexistent in vm 'c'", 1, true), err)

    local slow = vm:run("sleep 60", {timeout = "3s"})
    t:assert(slow.timed_out, "sleep 60 should time out")
    t:assert_eq("again\n", vm:run("echo again").stdout)

    local c = vm:console()
    c:send("echo typed-$((6*7))\r")
    c:expect("typed%-42", "30s")

    -- The shell on the console dies under a command: a lost login, then a new one.
    local ok2, err2 = pcall(vm.run, vm, "kill -KILL $(cut -d' ' -f6 /proc/self/stat)")
    t:assert(not ok2 and err2:find("shell on the console ended", 1, true), err2)
    t:assert_eq("back\n", vm:run("echo back").stdout)
end)

test("a fixture of a console profile is refused", function(t)
    local ok, err = pcall(function() provium:vm("f", {fixture = "cons"}):boot() end)
    t:assert(not ok and err:find("a fixture needs the guest agent", 1, true), err)
end)

test("send() types into a console without the channel", function(t)
    local vm = provium:vm("s", "noagent")
    vm:boot({agent = false})
    local c = vm:console()
    c:expect("agent disabled", "2m")
    c:send("echo hel''lo-$((6*7))\r")
    c:expect("hello%-42", "30s")
end)
LUA

run_provium --no-psi "$WORK"
check "exit status 0" status_is 0
check "every test passes" out_has "3 passed, 0 failed"
check "the console log keeps the session" \
    grep -q "typed-42" "$WORK/runs/latest/vms/${PREFIX}channel-c.console.log"
check "nothing left in virsh list --all" no_domains_left
