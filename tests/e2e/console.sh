#!/bin/sh
# console():expect() on a guest that floods its console past virtlogd's
# rollover (the log moves to NAME.0 at 2 MiB): it reads the log as it
# grows, across the rollover, and finds what comes after in order.
. "$(dirname "$0")/../lib.sh"

write_conf
cat > "$WORK/console.test.lua" <<'LUA'
test("expect across the log's rollover", function(t)
    local vm = provium:vm("g"):boot()
    local c = vm:console()
    c:expect("agent started")
    vm:run("head -c 1572864 /dev/zero | tr '\\0' x > /dev/ttyS0; echo first-mark > /dev/ttyS0",
           {timeout = "2m"})
    c:expect("first%-mark", "60s")
    vm:run("head -c 1048576 /dev/zero | tr '\\0' y > /dev/ttyS0; echo second-mark > /dev/ttyS0",
           {timeout = "2m"})
    c:expect("second%-mark", "60s")
    vm:run("echo third-mark > /dev/ttyS0")
    t:assert_eq("third", c:expect("(%a+)%-mark", "60s"))
end)
LUA

run_provium --no-psi "$WORK"
check "expect finds the output after the rollover" status_is 0
check "the log did roll over" test -f "$WORK/runs/latest/vms/${PREFIX}console-g.console.log.0"
check "nothing left in virsh list --all" no_domains_left
