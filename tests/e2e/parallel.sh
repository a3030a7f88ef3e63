#!/bin/sh
# Parallel dispatch with real VMs: files overlap when the pool allows and
# not when it does not; a claim that does not fit holds the files behind
# it; an unclaimed file's VMs wait for memory rather than overcommit.
. "$(dirname "$0")/../lib.sh"

write_conf
# Intervals [START, END] open at once, at most.
max_open() {
    events "[.[] | select(.kind == \"$1\" or .kind == \"$2\")
             | if .kind == \"$1\" then 1 else -1 end]
            | reduce .[] as \$d ({n: 0, max: 0}; .n += \$d | .max = ([.max, .n] | max)) | .max"
}

mkdir "$WORK/two"
cp "$WORK/provium.conf" "$WORK/two/"
for f in a b; do
    cat > "$WORK/two/$f.test.lua" <<'LUA'
provium:claim({memory = "300M", cpus = 1})
test("boots and runs", function(t)
    provium:vm("v"):boot():run("true"):assert_ok()
end)
LUA
done

run_provium --no-psi --cpus 2 "$WORK/two"
check "pool of 2 vCPUs: exit 0" status_is 0
check "pool of 2 vCPUs: the two files ran at once" test "$(max_open file_dispatched file_completed)" -eq 2
check "pool of 2 vCPUs: their VMs ran at once" test "$(max_open vm_spawned vm_stopped)" -eq 2

# Discovery order: the first run's durations would otherwise decide which
# of the two starts first.
run_provium --no-psi --cpus 1 --order fifo "$WORK/two"
check "pool of 1 vCPU: exit 0" status_is 0
check "pool of 1 vCPU: one file at a time" test "$(max_open file_dispatched file_completed)" -eq 1
check "pool of 1 vCPU: b was dispatched after a completed" \
    test "$(events '([.[] | select(.kind == "file_completed" and (.path | endswith("/a.test.lua")))][0].ts)
                   <= ([.[] | select(.kind == "file_dispatched" and (.path | endswith("/b.test.lua")))][0].ts)')" = true
check "pool of 1 vCPU: the wait was pool_full" \
    test "$(events '[.[] | select(.kind == "file_blocked")][0].reason')" = '"pool_full"'
check "nothing left" no_domains_left

# FIFO: b's claim does not fit while a runs, and c, which would fit, waits
# behind b.
mkdir "$WORK/fifo"
cp "$WORK/provium.conf" "$WORK/fifo/"
for f in a b; do
    cat > "$WORK/fifo/$f.test.lua" <<'LUA'
provium:claim({memory = "700M", cpus = 1})
test("holds the claim", function(t)
    provium:vm("v"):boot():run("true"):assert_ok()
end)
LUA
done
cat > "$WORK/fifo/c.test.lua" <<'LUA'
test("small", function(t) provium:vm("v"):boot():run("true"):assert_ok() end)
LUA
# Discovery order: the history this results directory holds (two/'s files
# have the same names below their provium.conf) would otherwise decide it.
run_provium --no-psi --mem 1G --order fifo "$WORK/fifo"
check "claim larger than what is free: exit 0" status_is 0
check "claim larger than what is free: b blocked on pool_full" \
    test "$(events '[.[] | select(.kind == "file_blocked" and .reason == "pool_full")][0].path | endswith("/b.test.lua")')" = true
check "claim larger than what is free: c dispatched after b (FIFO)" \
    test "$(events '[.[] | select(.kind == "file_dispatched") | .path | split("/") | last] | join(",")')" = '"a.test.lua,b.test.lua,c.test.lua"'

# No claim, a 700M pool: b's VM (256M) runs from the start; a boots one 256M
# VM, then a second, which does not fit beside b's and must wait for it.
mkdir "$WORK/mem"
cp "$WORK/provium.conf" "$WORK/mem/"
cat > "$WORK/mem/a.test.lua" <<'LUA'
test("two VMs", function(t)
    local one = provium:vm("one"):boot()
    local two = provium:vm("two"):boot()
    provium:sleep("2s")
    one:destroy()
    two:destroy()
end)
LUA
cat > "$WORK/mem/b.test.lua" <<'LUA'
test("one VM", function(t)
    provium:vm("v"):boot()
    provium:sleep("3s")
end)
LUA
run_provium --no-psi --mem 700M --order fifo "$WORK/mem"
check "unclaimed VMs: exit 0" status_is 0
check "unclaimed VMs: a's second VM waited on pool_full" \
    test "$(events '[.[] | select(.kind == "file_blocked" and (.path | endswith("/a.test.lua")))][0] | [.reason, .waiting_for] | join(" ")')" = "\"pool_full vm 'two' (256M and 1 vCPU)\""
check "unclaimed VMs: it started only after b's VM stopped" \
    test "$(events '([.[] | select(.kind == "vm_stopped" and (.path | endswith("/b.test.lua")))][0].ts)
                   <= ([.[] | select(.kind == "vm_spawned" and .vm == "two")][0].ts)')" = true
check "unclaimed VMs: the pool never went past 700M" \
    test "$(events '[.[] | select(.kind == "pool_state") | .used.memory] | max')" -le 734003200
check "nothing left" no_domains_left
