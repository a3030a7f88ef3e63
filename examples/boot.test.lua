-- The first test file to read: boot a VM, run commands in it.

test("boots and runs a command", function(t)
    local vm = provium:vm("web"):boot()
    local r = vm:run("uname -s")
    r:assert_ok()
    t:assert_eq("Linux\n", r.stdout)
end)

test("argv form, stdin and environment", function(t)
    local vm = provium:vm("box"):boot()
    local r = vm:run({"/bin/echo", "a  b"})
    t:assert_eq("a  b\n", r.stdout)
    r = vm:run("cat; echo \"$GREETING\"", {stdin = "from stdin\n", env = {GREETING = "hello"}})
    t:assert_eq("from stdin\nhello\n", r.stdout)
    t:assert_eq(0, r.exit_code)
end)
