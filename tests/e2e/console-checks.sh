#!/bin/sh
# Console health checks on real guests: an Oops written to the kernel log
# fails the running test at once, with the line and the console; a test that
# expects it (console:allow()) or a VM that turns the check off
# (console_ignore) passes; a kernel panic (sysrq c) fails its test.
. "$(dirname "$0")/../lib.sh"

write_conf
cat >> "$WORK/provium.conf" <<CONF

[profile tolerant]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
memory = 256M
console_ignore = oops, bug

[profile noroot]
kernel = $PV_TEST_IMAGE/vmlinuz
cmdline = console=ttyS0 quiet no_timer_check
memory = 256M
CONF
# What an Oops prints, at KERN_ALERT so a quiet console shows it.
OOPS="echo '<1>Oops: 0002 [#1] SMP provium-e2e' > /dev/kmsg"
cat > "$WORK/oops.test.lua" <<LUA
local vm = provium:vm("g")
test("an oops fails the test", function(t)
    vm:boot()
    vm:run("$OOPS")
    provium:sleep("300s")
end)
test("an expected oops does not", function(t)
    vm:console():allow("oops")
    vm:run("$OOPS")
    provium:sleep("3s")
end)
test("the next test is watched again", function(t)
    vm:run("$OOPS")
    provium:sleep("3s")
end)
LUA
cat > "$WORK/ignore.test.lua" <<LUA
test("provium:vm's console_ignore", function(t)
    local vm = provium:vm("g", {console_ignore = {"oops"}}):boot()
    vm:run("$OOPS")
    provium:sleep("3s")
end)
test("a profile's console_ignore", function(t)
    local vm = provium:vm("h", "tolerant"):boot()
    vm:run("$OOPS")
    provium:sleep("3s")
end)
LUA
cat > "$WORK/panic.test.lua" <<'LUA'
test("a kernel panic fails the test", function(t)
    local vm = provium:vm("g"):boot()
    vm:run("(sleep 3; echo c > /proc/sysrq-trigger) > /dev/null 2>&1 &")
    provium:sleep("60s")
end)
-- No initrd, no root: the kernel panics while the boot waits for its agent.
test("a panic while booting fails the boot", function(t)
    provium:vm("n", "noroot"):boot({timeout = "5m"})
end)
LUA

run_provium --no-psi "$WORK"
reason() {
    "$PROVIUM" events "$WORK/runs/latest/events.msgpack" |
        jq -rs "[.[] | select(.kind == \"test_failed\" and .name == \"$1\")][0].reason"
}
duration_s() {
    "$PROVIUM" events "$WORK/runs/latest/events.msgpack" |
        jq -rs "[.[] | select(.name == \"$1\" and (.kind | startswith(\"test_\")) and .kind != \"test_started\")][0].duration_ns / 1e9 | floor"
}
check "exit 1" status_is 1
check "oops: the test fails with the line" \
    sh -c "reason=\$1; case \$reason in *\"console of vm 'g' (domain '${PREFIX}oops-g'): kernel Oops: \"*\"Oops: 0002 [#1] SMP provium-e2e\"*) true;; *) false;; esac" _ \
    "$(reason 'an oops fails the test')"
# From the guest's agent connected to the test's failure: well under the sleep.
after_ready_s=$("$PROVIUM" events "$WORK/runs/latest/events.msgpack" |
    jq -rs '(([.[] | select(.kind == "test_failed" and .name == "an oops fails the test")][0].ts) -
             ([.[] | select(.kind == "vm_ready" and .domain == "'"${PREFIX}"'oops-g")][0].ts)) / 1e9 | floor')
check "oops: at once, not after the 300s sleep" test "$after_ready_s" -lt 120
check "oops: the console excerpt shows it" \
    test "$("$PROVIUM" events "$WORK/runs/latest/events.msgpack" |
            jq -rs '[.[] | select(.kind == "test_failed" and .name == "an oops fails the test")][0].console_excerpt | contains("provium-e2e")')" = true
check "allow(\"oops\"): passes" out_has "PASS  an expected oops does not"
check "the next test is watched again" \
    sh -c "case \$1 in *'kernel Oops'*) true;; *) false;; esac" _ "$(reason 'the next test is watched again')"
check "provium:vm's console_ignore: passes" out_has "PASS  provium:vm's console_ignore"
check "a profile's console_ignore: passes" out_has "PASS  a profile's console_ignore"
check "panic: the test fails with the panic line" \
    sh -c "case \$1 in *\"console of vm 'g' (domain '${PREFIX}panic-g'): kernel panic: \"*'Kernel panic - not syncing'*) true;; *) false;; esac" _ \
    "$(reason 'a kernel panic fails the test')"
check "panic while booting: the boot fails with the panic line" \
    sh -c "case \$1 in *\"console of vm 'n' (domain '${PREFIX}panic-n'): kernel panic: \"*'Kernel panic - not syncing: VFS'*) true;; *) false;; esac" _ \
    "$(reason 'a panic while booting fails the boot')"
check "panic while booting: at once, not after the 5m boot timeout" \
    test "$(duration_s 'a panic while booting fails the boot')" -lt 150

check "nothing left in virsh list --all" no_domains_left
