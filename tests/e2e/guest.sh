#!/bin/sh
# One file exercising the guest API end to end on one real VM.
. "$(dirname "$0")/../lib.sh"

write_conf
cat > "$WORK/guest.test.lua" <<'LUA'
local vm = provium:vm("g")

test("boots and runs a shell command", function(t)
    vm:boot()
    t:assert_eq("ready", vm:state())
    local r = vm:run("uname -s; echo err >&2")
    r:assert_ok()
    t:assert_eq("Linux\n", r.stdout)
    t:assert_eq("err\n", r.stderr)
end)

test("argv form, no shell", function(t)
    local r = vm:run({"/bin/echo", "a  b", "$HOME", "*"})
    t:assert_eq("a  b $HOME *\n", r.stdout)
end)

test("stdin and environment", function(t)
    local r = vm:run("cat; echo \"$A-$B\"", {stdin = "in\0put\n", env = {A = "1", B = "two"}})
    t:assert_eq("in\0put\n1-two\n", r.stdout)
end)

test("exit status", function(t)
    local r = vm:run("exit 7")
    t:assert_eq(7, r.exit_code)
    t:assert(not r:ok())
    t:assert_contains(t:assert_raises(function() r:assert_ok() end), "exit code 7")
end)

test("binary file round trip", function(t)
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local blob = table.concat(bytes):rep(600)
    vm:write_file("/tmp/blob", blob, {mode = "0600"})
    t:assert(vm:read_file("/tmp/blob") == blob, "read back differs")
    t:assert_eq("153600 -rw-------\n", vm:run("stat -c '%s %A' /tmp/blob").stdout)
end)

test("command timeout", function(t)
    local r = vm:run("sleep 60", {timeout = "1s"})
    t:assert(r.timed_out, "timed_out is set")
    t:assert_eq(nil, r.exit_code)
end)

test("serial console", function(t)
    local c = vm:console()
    c:expect("agent started")
    vm:run("echo marker-42 > /dev/ttyS0")
    t:assert_eq("42", c:expect("marker%-(%d+)", "20s"))
end)

test("a failing assertion", function(t)
    t:assert_eq("expected", (vm:run("echo actual").stdout:gsub("\n", "")))
end)

test("a Lua error", function(t)
    local missing
    return missing.field
end)

test("a guest's stderr with escape sequences", function(t)
    vm:run("printf 'in \\033[31mred\\033[0m \\a\\n' >&2; exit 3"):assert_ok()
end)

test("a NUL where it cannot travel: an error, nothing cut short", function(t)
    -- Cut at the NUL, they ran /bin/echo a, set A, wrote /tmp/a.
    for _, f in ipairs({
        function() vm:run({"/bin/echo", "a\0b"}) end,
        function() vm:run("env", {env = {["A\0B"] = "1"}}) end,
        function() vm:run("env", {env = {A = "1\0B"}}) end,
        function() vm:write_file("/tmp/a\0b", "x") end,
    }) do
        t:assert_contains(t:assert_raises(f), "holds a NUL byte")
    end
    t:assert_eq(1, vm:run("test -e /tmp/a").exit_code, "/tmp/a was not written")
end)

test("write_file: a new file is 0644, an existing one keeps its mode", function(t)
    vm:write_file("/tmp/new", "x")
    t:assert_eq("-rw-r--r--\n", vm:run("stat -c '%A' /tmp/new").stdout)
    vm:run("echo old > /tmp/script; chmod 0750 /tmp/script"):assert_ok()
    vm:write_file("/tmp/script", "#!/bin/sh\n")
    t:assert_eq("-rwxr-x---\n", vm:run("stat -c '%A' /tmp/script").stdout)
    t:assert_eq("#!/bin/sh\n", vm:read_file("/tmp/script"))
end)

-- More output than the agent's reply may hold (libvirt takes 10 MiB, as
-- base64): whole, and the VM runs commands after it.
test("output larger than an agent reply", function(t)
    local r = vm:run("head -c 10000000 /dev/zero; echo done >&2")
    r:assert_ok()
    t:assert_eq(10000000, #r.stdout)
    t:assert(r.stdout == string.rep("\0", 10000000), "the output is not all zero bytes")
    t:assert_eq("done\n", r.stderr)
    t:assert(not r.truncated, "truncated")
    r = vm:run({"head", "-c", "5000000", "/dev/zero"})
    t:assert_eq(5000000, #r.stdout)
end)

test("a command after large output", function(t)
    t:assert_eq("after\n", vm:run("echo after").stdout)
    -- Through a shell, an argv still gets exactly the environment given.
    local env = vm:run({"env"}, {env = {["A-B"] = "1"}}).stdout
    t:assert_contains(env, "A-B=1\n")
    t:assert(not env:find("PWD="), env)
    -- The large output's files are gone from the guest's memory.
    t:assert_eq("0\n", vm:run("find /tmp -name '.provium-run-*' -size +1000k | wc -l").stdout)
end)

test("output beyond what vm:run() keeps", function(t)
    local err = t:assert_raises(function() vm:run("head -c 70000000 /dev/zero") end)
    t:assert_contains(err, "the command wrote more than 64M to its standard output, the " ..
                      "most vm:run() keeps")
    t:assert_eq("still\n", vm:run("echo still").stdout)
    t:assert_eq("0\n", vm:run("find /tmp -name '.provium-run-*' -size +1000k | wc -l").stdout)
end)

test("shutdown", function(t)
    vm:shutdown()
    t:assert_eq("stopped", vm:state())
end)
LUA

run_provium --junit "$WORK/junit.xml" "$WORK"
check "exit status 1 when a test fails" status_is 1
check "passing tests pass" out_has "PASS  binary file round trip"
check "command timeout is reported in r.timed_out" out_has "PASS  command timeout"
check "console expect" out_has "PASS  serial console"
check "failure names file and line" out_has "guest.test.lua:52: expected \"expected\", got \"actual\""
check "failure shows the console" out_has "--- console of vm 'g' (domain '${PREFIX}guest-g') ---"
check "Lua error names file and line" out_has "guest.test.lua:57: attempt to index a nil value"
check "a guest's stderr: shown with control pictures" out_has "stderr:"
check "a guest's stderr: its escape sequences shown, not obeyed" out_has "in ␛[31mred␛[0m ␇"
check "a guest's stderr: no control character reaches the terminal" \
    sh -c "! tr -d '\n\t' < '$WORK/out' | LC_ALL=C grep -q '[[:cntrl:]]'"
check "a guest's stderr: JUnit is valid" \
    xmllint --noout --schema "$PV_TEST_SRCDIR/reportdata/junit.xsd" "$WORK/junit.xml"
check "summary line" grep -qx "13 passed, 3 failed, 0 skipped" "$WORK/out"
check "a NUL where it cannot travel: an error" \
    out_has "PASS  a NUL where it cannot travel: an error, nothing cut short"
check "write_file: a new file is 0644, an existing one keeps its mode" \
    out_has "PASS  write_file: a new file is 0644, an existing one keeps its mode"
check "more output than an agent reply: whole" out_has "PASS  output larger than an agent reply"
check "more output than an agent reply: the VM runs commands after it" \
    out_has "PASS  a command after large output"
check "more output than vm:run() keeps: a clear error, the VM still usable" \
    out_has "PASS  output beyond what vm:run() keeps"
check "nothing left in virsh list --all" no_domains_left
check "overlays and logs stay in the run directory" \
    test -f "$WORK/runs/latest/vms/${PREFIX}guest-g.console.log"
