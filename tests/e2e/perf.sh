#!/bin/sh
# Performance mode with real VMs on this host: a 1x1x1 VM is pinned as
# its plan says, its emulator on another CPU, its memory bound to the
# plan's node(s); what the host can never do is skipped (or fails with
# --perf-strict); VMs asking for every LLC group get them one file at a
# time, in this run and across runs; --no-perf-mode confines the VM to a
# shared CPU set instead.  What to expect comes from the host as provium
# doctor --json sees it (its CPUs and LLC groups, from cache banks or by die;
# KVM or emulation; a local or a remote host), not from a host of a given
# size or kind: tests/e2e/unlike-host.sh runs this file against a host
# without cache banks and without /dev/kvm.
. "$(dirname "$0")/../lib.sh"

write_conf
LOCKS="$WORK/locks"

doctor_json
HOST_CPUS=$(fact llc cpus)
HOST_LLCS=$(fact llc llc_groups)
VIRT_AUTO=$(fact kvm auto)
HOST_LOCAL=$(fact libvirt local)
echo "# this host: $HOST_CPUS CPUs, $HOST_LLCS LLC groups (from cache banks: $(fact llc from_cache_banks)), --virt-type auto: $VIRT_AUTO, local: $HOST_LOCAL"
check "provium doctor --json names the host's CPUs and LLC groups" \
    sh -c "[ '$HOST_CPUS' -ge 1 ] && [ '$HOST_LLCS' -ge 1 ] && [ '$HOST_LLCS' -le '$HOST_CPUS' ]"
check "provium doctor --json says what --virt-type auto uses" \
    sh -c "[ '$VIRT_AUTO' = kvm ] || [ '$VIRT_AUTO' = qemu ]"
# One more core than the host has CPUs: performance mode can never pin it,
# nor budgeted mode share them.
TOO_MANY=$((HOST_CPUS + 1))

# plan_fact NAME: NAME's value in the first perf_plan event's plan.
plan_fact() {
    events "[.[] | select(.kind == \"perf_plan\")][0].plan | split(\"\\n\")[]
            | select(startswith(\"$1: \")) | ltrimstr(\"$1: \")" | tr -d '"'
}
# cpulist_count LIST: how many CPUs "0-3,8" names.
cpulist_count() {
    echo "$1" | tr ',' '\n' | awk -F- 'NF { n += ($2 == "" ? 1 : $2 - $1 + 1) } END { print n + 0 }'
}
# logged WORD: what the test logged as "WORD VALUE".
logged() {
    events "[.[] | select(.kind == \"test_log\") | .text | select(startswith(\"$1 \"))
             | ltrimstr(\"$1 \")][0]" | tr -d '"'
}

# virsh's view of the domain, from inside the test while it runs.
mkdir "$WORK/pinned"
cp "$WORK/provium.conf" "$WORK/pinned/"
cat > "$WORK/pinned/pinned.test.lua" <<'LUA'
local function virsh(args)
    local p = io.popen("virsh " .. args .. " 2>&1")
    local out = p:read("a")
    p:close()
    return out
end

test("pinned VM", function(t)
    local vm = provium:vm("fast"):boot({performance_mode = true, llcs = 1, cores = 1, threads = 1})
    -- What libvirt applied; the shell compares it with the plan.
    local pins = virsh("vcpupin " .. vm:name())
    t:log("vcpu0 " .. assert(pins:match("\n%s*0%s+(%S+)%s*\n"), pins))
    local emu = virsh("emulatorpin " .. vm:name())
    t:log("emulator " .. assert(emu:match("%*:%s+(%S+)%s*\n"), emu))
    local numa = virsh("numatune " .. vm:name())
    t:assert(numa:match("numa_mode%s*:%s*strict"), "strict NUMA mode")
    t:log("nodeset " .. assert(numa:match("numa_nodeset%s*:%s*(%S+)"), numa))
    -- The guest sees its topology: one LLC group of one core of one thread.
    t:assert_eq("0", vm:run("cat /sys/devices/system/cpu/online"):assert_ok().stdout:match("%S+"))
    t:assert_eq("0", vm:run("cat /sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list")
                         :assert_ok().stdout:match("%S+"))
end)
LUA
run_provium --lock-dir "$LOCKS" "$WORK/pinned"
check "1x1x1: exit 0" status_is 0
check "1x1x1: strict NUMA mode and the guest's view" out_has "PASS  pinned VM"
check "1x1x1: the plan is a performance-mode event" \
    test "$(events '[.[] | select(.kind == "perf_plan")][0].mode')" = '"performance"'
vcpu0=$(plan_fact vcpus | sed -n 's/^0->\([0-9][0-9]*\)$/\1/p')
emulator=$(plan_fact emulator)
nodeset=$(plan_fact nodeset)
check "1x1x1: the plan pins one vCPU and the emulator on two of the host's CPUs" \
    test -n "$vcpu0" -a -n "$emulator" -a "$vcpu0" != "$emulator" \
        -a "$vcpu0" -lt "$HOST_CPUS" -a "$emulator" -lt "$HOST_CPUS"
check "1x1x1: vcpupin shows the plan's CPU" test "$(logged vcpu0)" = "$vcpu0"
check "1x1x1: emulatorpin shows the plan's CPU" test "$(logged emulator)" = "$emulator"
check "1x1x1: numatune shows the plan's nodeset" test "$(logged nodeset)" = "$nodeset"
if [ "$VIRT_AUTO" = qemu ]; then
    check "1x1x1: emulation is a warning, said once" \
        test "$(grep -c "performance mode: no KVM" "$WORK/err")" -eq 1
else
    check "1x1x1: under KVM, no emulation warning" \
        test "$(grep -c "performance mode: no KVM" "$WORK/err")" -eq 0
fi
# 256M in 2 MiB pages: 128, from the plan's nodes' free hugepages.
free_pages=0
for node in $(echo "$nodeset" | tr ',' ' '); do
    case $node in *-*) node=$(seq -s ' ' "${node%-*}" "${node#*-}") ;; esac
    for n in $node; do
        f=/sys/devices/system/node/node$n/hugepages/hugepages-2048kB/free_hugepages
        [ -r "$f" ] && free_pages=$((free_pages + $(cat "$f")))
    done
done
if [ "$free_pages" -lt 128 ]; then
    check "1x1x1: too few hugepages ($free_pages free) are a warning" \
        err_has "performance mode: $free_pages free 2 MiB hugepages on node(s) $nodeset, 128 needed"
    check "1x1x1: ... and the plan uses regular pages" test "$(plan_fact hugepages)" = no
else
    check "1x1x1: enough hugepages ($free_pages free): the plan uses them" \
        test "$(plan_fact hugepages)" = yes
fi
check "1x1x1: the lock is released" sh -c "'$PROVIUM' locks -c '$URI' --lock-dir '$LOCKS' | grep -qx 'no LLC group is held'"
check "1x1x1: nothing left" no_domains_left

# A busy host: a warning, not a failure.
mkdir "$WORK/load"
cp "$WORK/provium.conf" "$WORK/load/"
cat > "$WORK/load/load.test.lua" <<'LUA'
test("under load", function(t)
    provium:vm("fast"):boot({performance_mode = true, agent = false}):destroy()
end)
LUA
yes > /dev/null &
busy1=$!
yes > /dev/null &
busy2=$!
run_provium --lock-dir "$LOCKS" "$WORK/load"
kill "$busy1" "$busy2"
check "host load: exit 0" status_is 0
# The load of a remote host is not this machine's: not read there.
if [ "$HOST_LOCAL" = true ]; then
    check "host load: a warning" err_has "performance mode: host load: "
else
    check "host load: a remote host's is not read here" \
        sh -c "! grep -q 'performance mode: host load: ' '$WORK/err'"
fi
check "host load: nothing left" no_domains_left

# More than the host can ever give: skipped, visibly; the file goes on.
mkdir "$WORK/big"
cp "$WORK/provium.conf" "$WORK/big/"
cat > "$WORK/big/big.test.lua" <<LUA
test("too many cores", function(t)
    provium:vm("big"):boot({performance_mode = true, llcs = 1, cores = $TOO_MANY, threads = 1})
    t:fail("booted a VM the host cannot pin")
end)
test("ordinary", function(t) end)
LUA
run_provium --lock-dir "$LOCKS" "$WORK/big"
check "cores=$TOO_MANY: exit 0" status_is 0
check "cores=$TOO_MANY: the SKIP line" \
    err_has "provium: SKIP: perf_mode_unavailable: needs $((TOO_MANY + 1)) online CPUs (llcs 1 x cores $TOO_MANY x threads 1, +1 for the emulator); the host has $HOST_CPUS"
check "cores=$TOO_MANY: counted as skipped" out_has "1 passed, 0 failed, 1 skipped"
check "cores=$TOO_MANY: reported with reason perf_mode_unavailable" \
    test "$(events '[.[] | select(.kind == "test_skipped")][0].cause')" = '"perf_mode_unavailable"'
check "cores=$TOO_MANY: no domain was defined" \
    test "$(events '[.[] | select(.kind == "vm_spawned")] | length')" -eq 0

run_provium --lock-dir "$LOCKS" --perf-strict "$WORK/big"
check "--perf-strict: exit 1" status_is 1
check "--perf-strict: the test fails with the reason" \
    out_has "big.test.lua:2: perf_mode_unavailable: needs $((TOO_MANY + 1)) online CPUs"
check "--perf-strict: the other test still passes" out_has "PASS  ordinary"

# Two files each needing every LLC group: the second waits (llc_busy) and
# runs its performance VM only when the first file has ended.
mkdir "$WORK/two"
cp "$WORK/provium.conf" "$WORK/two/"
cat > "$WORK/two/a.test.lua" <<LUA
test("pinned", function(t)
    provium:vm("fast"):boot({performance_mode = true, llcs = $HOST_LLCS})
        :run("sleep 1"):assert_ok()
end)
LUA
# The same asked through provium:vm() on a profile without performance keys.
cat > "$WORK/two/b.test.lua" <<LUA
test("pinned", function(t)
    provium:vm("plain", {performance_mode = true, llcs = $HOST_LLCS, cores = 1, threads = 1})
        :boot():run("sleep 1"):assert_ok()
end)
LUA
run_provium --lock-dir "$LOCKS" --no-psi "$WORK/two"
check "two files: exit 0" status_is 0
check "two files: both ran at once (the pool allowed it)" \
    test "$(events '[.[] | select(.kind == "file_dispatched")] | length')" -eq 2
check "two files: the second waited with reason llc_busy" \
    test "$(events '[.[] | select(.kind == "file_blocked") | .reason] | unique | join(",")')" = '"llc_busy"'
check "two files: the second VM started after the first file ended" \
    test "$(events '([.[] | select(.kind == "file_completed")][0].ts)
                   < ([.[] | select(.kind == "vm_spawned")][1].ts)')" = true
check "two files: nothing left" no_domains_left

# Across runs: a second provium waits for the groups the first holds (all
# of them), and provium locks names the holder meanwhile.
mkdir "$WORK/hold"
cp "$WORK/provium.conf" "$WORK/hold/"
cat > "$WORK/hold/hold.test.lua" <<LUA
test("holds every group", function(t)
    provium:vm("fast"):boot({performance_mode = true, llcs = $HOST_LLCS})
        :run("sleep 6"):assert_ok()
end)
LUA
HOLD_PREFIX="${PREFIX%-}h-"
"$PROVIUM" -c "$URI" --prefix "$HOLD_PREFIX" --results-dir "$WORK/hold-runs" --lock-dir "$LOCKS" \
    "$WORK/hold" > "$WORK/hold.out" 2>&1 &
holder=$!
i=0
until "$PROVIUM" locks -c "$URI" --lock-dir "$LOCKS" > "$WORK/locks.out" 2>&1 &&
      grep -q "hold.test.lua" "$WORK/locks.out" || [ $i -ge 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
check "provium locks names the holder" \
    grep -q "^LLC group 0: exclusive: pid $holder, prefix $HOLD_PREFIX, .*hold.test.lua, vm 'fast'" \
    "$WORK/locks.out"
rm -rf "$WORK/runs"
run_provium --lock-dir "$LOCKS" "$WORK/pinned"
wait $holder
check "the first run passed" grep -q "^1 passed, 0 failed" "$WORK/hold.out"
check "the second run passed" status_is 0
check "the second run waited with reason llc_busy" \
    test "$(events '[.[] | select(.kind == "file_blocked")][0].reason')" = '"llc_busy"'
first_end=$("$PROVIUM" events "$WORK/hold-runs/latest/events.msgpack" |
            jq -s '[.[] | select(.kind == "vm_stopped")][0].ts')
check "the second run's VM started after the first run's stopped" \
    test "$(events "[.[] | select(.kind == \"vm_spawned\")][0].ts > $first_end")" = true
check "nothing left (either run)" sh -c "! virsh list --all --name | grep -q -e '^$PREFIX' -e '^$HOLD_PREFIX'"
"$PROVIUM" clean -c "$URI" --prefix "$HOLD_PREFIX" > /dev/null 2>&1

# Budgeted mode: an ordinary VM on a shared CPU set, said once.
run_provium --lock-dir "$LOCKS" --no-perf-mode --cpu-cap 1 "$WORK/big" "$WORK/two"
check "--no-perf-mode: exit 0" status_is 0
check "--no-perf-mode: said once" \
    test "$(grep -c -- "--no-perf-mode: performance-mode VMs run as ordinary VMs" "$WORK/err")" -eq 1
check "--no-perf-mode: no performance warnings" sh -c "! grep -q 'performance mode:' '$WORK/err'"
check "--no-perf-mode: $TOO_MANY vCPUs cannot share $HOST_CPUS CPUs: skipped" \
    err_has "provium: SKIP: perf_mode_unavailable: budgeted mode needs $TOO_MANY CPUs; the host has $HOST_CPUS"
# --cpu-cap 1, raised to the VMs' vCPUs (one per LLC group they asked for).
cpuset=$(events '[.[] | select(.kind == "perf_plan") | .mode + " " + .cpuset] | unique
                 | if length == 1 then .[0] else "" end' | tr -d '"')
check "--no-perf-mode: the VMs got one shared cpuset of $HOST_LLCS CPU(s)" \
    test "${cpuset%% *}" = budgeted -a "$(cpulist_count "${cpuset#* }")" -eq "$HOST_LLCS"
check "--no-perf-mode: the files shared the group (no wait)" \
    test "$(events '[.[] | select(.kind == "file_blocked" and .reason == "llc_busy")] | length')" -eq 0
check "--no-perf-mode: nothing left" no_domains_left
