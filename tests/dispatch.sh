#!/bin/sh
# The dispatcher on libvirt's test driver: hundreds of files, the pool, the
# jobs cap, FIFO, --fail-fast, claims, deadlock, prefixes.  No guests: VMs
# boot with {agent = false}, which the test driver runs without a guest.
. "$(dirname "$0")/lib.sh"

T="test:///default"
dispatch() {
    "$PROVIUM" -c "${URI_OVERRIDE:-$T}" --prefix "$PREFIX" --results-dir "$WORK/runs" \
        --no-psi --no-ksm "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
# The largest number of intervals open at once: START and END are event
# kinds, KEY the field pairing them.  $1 = START, $2 = END, $3 = KEY.
max_open() {
    events "[.[] | select(.kind == \"$1\" or .kind == \"$2\")
             | if .kind == \"$1\" then 1 else -1 end]
            | reduce .[] as \$d ({n: 0, max: 0}; .n += \$d | .max = ([.max, .n] | max)) | .max"
}
count() { events "[.[] | select(.kind == \"$1\")] | length"; }

mkdir "$WORK/many"
printf '[profile default]\nmemory = 256M\ncpus = 1\n' > "$WORK/many/provium.conf"
i=0
while [ $i -lt 300 ]; do
    cat > "$WORK/many/f$(printf %03d $i).test.lua" <<'LUA'
test("boots, holds, stops", function(t)
    local vm = provium:vm("v"):boot({agent = false})
    provium:sleep("20ms")
    vm:destroy()
end)
LUA
    i=$((i + 1))
done

dispatch --mem 1G --cpus 4 "$WORK/many"
check "300 files: exit 0" status_is 0
check "300 files: all passed" grep -qx "300 passed, 0 failed, 0 skipped" "$WORK/out"
# Seen once in CI, on a loaded machine, not reproduced: say which file and why
# (the first 60 lines of the output that not_ok shows are passed files).
if [ "$status" -ne 0 ]; then
    grep -vE '(passed \(|  PASS  )' "$WORK/out" | head -40 | sed 's/^/# not passed: /'
    events '[.[] | select(.kind == "file_completed" and .status != "passed")]' | head -40 |
        sed 's/^/# /'
fi
check "300 files: every dispatched file completed" \
    test "$(count file_dispatched)" -eq 300 -a "$(count file_completed)" -eq 300
check "300 files: every claim released" \
    test "$(count claim_acquired)" -eq "$(count claim_released)"
check "300 files: never more than 4 VMs at once (4 vCPUs)" \
    test "$(max_open vm_spawned vm_stopped)" -le 4
check "300 files: the pool was used in parallel" \
    test "$(max_open vm_spawned vm_stopped)" -ge 2
check "300 files: VMs waited with reason pool_full" \
    test "$(events '[.[] | select(.kind == "file_blocked" and .reason == "pool_full")] | length')" -gt 0
check "nothing left" no_domains_left

dispatch --mem 1G --cpus 4 -j 2 "$WORK/many"
check "--jobs 2: never more than 2 files at once" \
    test "$(max_open file_dispatched file_completed)" -le 2
check "--jobs 2: the head waited with reason jobs_cap" \
    test "$(events '[.[] | select(.kind == "file_blocked" and .reason == "jobs_cap")] | length')" -gt 0

# Claims: each file claims 600M of a 1G pool, so they run one at a time, and
# a small file queued behind a waiting claim waits too (FIFO).
mkdir "$WORK/claims"
printf '[profile default]\nmemory = 256M\n' > "$WORK/claims/provium.conf"
for f in a b; do
    cat > "$WORK/claims/$f.test.lua" <<'LUA'
provium:claim({memory = "600M", cpus = 1})
test("holds its claim", function(t)
    provium:vm("v"):boot({agent = false})
    provium:sleep("300ms")
end)
LUA
done
echo 'test("small", function(t) end)' > "$WORK/claims/c.test.lua"
dispatch --mem 1G --cpus 4 "$WORK/claims"
check "claims: exit 0" status_is 0
check "claims: b's claim was taken only after a's was released" \
    test "$(events '([.[] | select(.kind == "claim_released" and (.path | endswith("/a.test.lua")))][0].ts)
                   <= ([.[] | select(.kind == "claim_acquired" and (.path | endswith("/b.test.lua")))][0].ts)')" = true
check "claims: b waited for a's claim (pool_full)" \
    test "$(events '[.[] | select(.kind == "file_blocked" and .reason == "pool_full")][0].path' | tr -d '"')" = "$WORK/claims/b.test.lua"
check "claims: c (50M, would fit) still went after b (FIFO)" \
    test "$(events '[.[] | select(.kind == "file_dispatched") | .path | split("/") | last] | join(",")')" = '"a.test.lua,b.test.lua,c.test.lua"'

echo 'provium:claim({memory = "2G"})
test("never", function(t) end)' > "$WORK/claims/huge.test.lua"
dispatch --mem 1G "$WORK/claims/huge.test.lua"
check "claim larger than the pool: exit 2" status_is 2
check "claim larger than the pool: says so" out_has "more than the whole pool (1G and"

echo 'provium:claim({memory = "300M", cpus = 1})
test("vm too big for the claim", function(t)
    provium:vm("v", {memory = "512M"}):boot({agent = false})
end)' > "$WORK/claims/over.test.lua"
dispatch "$WORK/claims/over.test.lua"
check "VM larger than the claim fails at once" \
    out_has "vm 'v' needs 512M and 1 vCPU, but the file's claim has 300M and 1 vCPU left (of 300M and 1 vCPU): raise provium:claim()"

# Time spent waiting for the pool is not the file's: b lets a boot first,
# waits about 1 s for a's memory, then works 0.5 s, under a 1.5 s --timeout.
mkdir "$WORK/wait"
printf '[profile default]\nmemory = 600M\n' > "$WORK/wait/provium.conf"
echo 'test("holds", function(t) provium:vm("v"):boot({agent = false}); provium:sleep("1200ms") end)' \
    > "$WORK/wait/a.test.lua"
echo 'test("waits, then works", function(t)
    provium:sleep("200ms")
    provium:vm("v"):boot({agent = false})
    provium:sleep("500ms")
end)' \
    > "$WORK/wait/b.test.lua"
dispatch --mem 1G --timeout 1500ms "$WORK/wait"
check "waiting does not count against --timeout: exit 0" status_is 0
check "waiting does not count against --timeout: b really waited" \
    test "$(events '[.[] | select(.kind == "file_unblocked" and (.path | endswith("/b.test.lua")))][0].blocked_ns')" -gt 800000000
check "waiting does not count against --timeout: b took longer than the timeout" \
    test "$(events '[.[] | select(.kind == "file_completed" and (.path | endswith("/b.test.lua")))][0].duration_ns')" -gt 1500000000

# One unclaimed file booting three 400M VMs into 1G: waiting would never end.
mkdir "$WORK/deadlock"
echo 'test("three VMs", function(t)
    for i = 1, 3 do provium:vm("v" .. i, {memory = "400M"}):boot({agent = false}) end
end)' > "$WORK/deadlock/d.test.lua"
dispatch --mem 1G "$WORK/deadlock"
check "deadlock: the test fails instead of hanging" status_is 1
check "deadlock: the message says so and suggests a claim" \
    out_has "every running file is waiting for the pool and none can go on"
check "deadlock: nothing left" no_domains_left

# --fail-fast: the third file fails; the ones after it never start.
mkdir "$WORK/ff"
for i in 1 2 3 4 5; do
    if [ $i = 3 ]; then
        echo 'test("fails", function(t) t:fail("no") end)' > "$WORK/ff/f$i.test.lua"
    else
        echo 'test("passes", function(t) end)' > "$WORK/ff/f$i.test.lua"
    fi
done
dispatch -j 1 --fail-fast "$WORK/ff"
check "--fail-fast: exit 1" status_is 1
check "--fail-fast: the rest are reported as not run" out_has "2 files were not run (--fail-fast)"
check "--fail-fast: and were never dispatched" test "$(count file_dispatched)" -eq 3

# Prefixes: a run refuses a prefix in use; --force removes provium's own
# domains first, and never a domain provium did not create.
cat > "$WORK/node.xml" <<XML
<node>
  <domain type='test'>
    <name>${PREFIX}old-vm</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <metadata>
      <provium:instance xmlns:provium='http://provium.org/xmlns/domain/1.0'>
        <provium:run>old</provium:run><provium:prefix>${PREFIX}</provium:prefix>
      </provium:instance>
    </metadata>
  </domain>
  <domain type='test'>
    <name>other-${PREFIX}thing</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
  </domain>
  <domain type='test'>
    <name>mine-vm</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
  </domain>
</node>
XML
URI_OVERRIDE="test://$WORK/node.xml"
dispatch "$WORK/ff/f1.test.lua"
check "prefix in use: exit 2" status_is 2
check "prefix in use: says which, and what to do" err_has "1 domain with prefix '$PREFIX' already exists (${PREFIX}old-vm); remove it with --force"
dispatch --force "$WORK/ff/f1.test.lua"
check "--force: removes provium's domain of that prefix and runs" status_is 0
PREFIX=mine- dispatch --force "$WORK/ff/f1.test.lua"
check "--force never touches a domain provium did not create" status_is 2
check "--force: says the domain is not provium's" err_has "domain 'mine-vm' has the prefix 'mine-' but provium did not create it"
URI_OVERRIDE=""

# --no-ksm marks the domains <nosharepages/>.
dispatch --no-ksm "$WORK/claims/a.test.lua"
check "--no-ksm: domains get <nosharepages/>" \
    sh -c "grep -q '<nosharepages/>' '$WORK'/runs/latest/vms/*.xml"

# On a TTY, a live status line; never in a pipe or a file.
check "no status line when not a TTY" sh -c "! grep -q 'queued]' '$WORK/out'"
script -qec "'$PROVIUM' -c $T --prefix $PREFIX --results-dir '$WORK/runs' --no-psi --no-ksm \
    '$WORK/claims/a.test.lua'" /dev/null > "$WORK/out" 2>&1
check "status line on a TTY" out_has "queued] pool:"
