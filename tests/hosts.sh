#!/bin/sh
# Several libvirt hosts in one run, on libvirt's test driver: two -c, or
# [host NAME] groups and [run] hosts; each host with its own pool; a file
# too big for every host fails at once naming them; the mistakes of the
# options and of provium.conf (one line naming the option or file:line,
# exit 2); the status line names each host's VMs.  No guests: VMs boot
# with {agent = false}.  Two hosts: test:///default and a second test
# driver from a node file ($WORK/node.xml), a host of its own.
. "$(dirname "$0")/lib.sh"

PTY="python3 $PV_TEST_SRCDIR/pty-session.py"
B="test://$WORK/node.xml"
cat > "$WORK/node.xml" <<XML
<node>
  <cpu><mhz>2000</mhz><model>i686</model><nodes>1</nodes><sockets>1</sockets>
    <cores>2</cores><threads>1</threads></cpu>
  <memory>4194304</memory>
</node>
XML
max_open() {
    events "[.[] | select(.kind == \"$1\" or .kind == \"$2\")
             | if .kind == \"$1\" then 1 else -1 end]
            | reduce .[] as \$d ({n: 0, max: 0}; .n += \$d | .max = ([.max, .n] | max)) | .max"
}
hosts_run() {
    "$PROVIUM" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm "$@" \
        > "$WORK/out" 2> "$WORK/err"
    status=$?
}

mkdir "$WORK/c"
printf '[profile default]\nmemory = 256M\ncpus = 1\n' > "$WORK/c/provium.conf"
for i in 1 2 3 4 5 6; do
    cat > "$WORK/c/f$i.test.lua" <<'LUA'
test("boots, holds, stops", function(t)
    local vm = provium:vm("v"):boot({agent = false})
    provium:sleep("300ms")
    vm:destroy()
end)
LUA
done

# 400M holds one 256M VM (and the file's overhead), not two: one host runs
# one file at a time, two hosts two.
hosts_run -c "$T" --mem 400M --cpus 1 "$WORK/c"
check "one host of 400M: exit 0" status_is 0
check "... one VM at a time" test "$(max_open vm_spawned vm_stopped)" -eq 1
check "... pool_state has no hosts of its own" \
    test "$(events '[.[] | select(.kind == "pool_state" and has("hosts"))] | length')" -eq 0
hosts_run -c "$T" -c "$B" --mem 400M --cpus 1 "$WORK/c"
check "two -c, 400M each: exit 0" status_is 0
check "... all six passed" out_has "6 passed, 0 failed, 0 skipped"
check "... two VMs at once: each host ran one" test "$(max_open vm_spawned vm_stopped)" -eq 2
check "... the startup line names both hosts" err_has "($T, $B)"
check "... then one line per host: its pool, PSI and KSM" \
    sh -c "[ \$(grep -c '^provium: host .*: pool 400M memory, 1 vCPUs; PSI .*; KSM ' '$WORK/err') = 2 ]"
# Both hosts would be this machine's name: their URIs name them apart.
check "... the events name the two hosts apart" \
    test "$(events '[.[] | select(.kind == "file_dispatched") | .host] | unique | length')" -eq 2
check "... each by its URI" \
    test "$(events "[.[] | select(.kind == \"file_dispatched\") | .host] | unique == ([\"$T\", \"$B\"] | sort)")" = true

# One vCPU each and memory to spare: a file goes to a host only once the VM
# it likely boots (the default profile's) has room there, counting the
# files placed there that have not booted theirs yet.  So no file waits
# for the pool in its host's place while the other host frees first, and
# the six files spread three and three.  (Placed by memory alone, the host
# with the larger share of memory left took four and their VMs waited.)
hosts_run -c "$T" -c "$B" --cpus 1 "$WORK/c"
check "one vCPU each: exit 0" status_is 0
check "... no file waited for the pool on its host: they waited in the queue" \
    test "$(events '[.[] | select(.kind == "file_blocked" and (.waiting_for | startswith("vm ")))] | length')" -eq 0
check "... and said what for: room for it and its likely VM" \
    test "$(events '[.[] | select(.kind == "file_blocked") | .waiting_for] | unique')" = \
        '[
  "room on a host for it and the VM it likely boots: 306M and 1 vCPU"
]'
check "... both hosts ran files" \
    test "$(events '[.[] | select(.kind == "file_dispatched") | .host] | group_by(.) | map(select(length >= 2)) | length')" -eq 2
# The VM a file likely boots is a guess: where the default profile's VM is
# bigger than every host's pool, files that boot a smaller one are placed as
# on one host, not held until the run is idle: one VM on each host at once.
mkdir "$WORK/g"
printf '[profile default]\nmemory = 256M\ncpus = 2\n\n[profile small]\nmemory = 256M\ncpus = 1\n' \
    > "$WORK/g/provium.conf"
for i in 1 2 3 4; do
    cat > "$WORK/g/g$i.test.lua" <<'LUA'
test("boots a small VM", function(t)
    local vm = provium:vm("v", "small"):boot({agent = false})
    provium:sleep("300ms")
    vm:destroy()
end)
LUA
done
hosts_run -c "$T" -c "$B" --cpus 1 "$WORK/g"
check "default VM bigger than any pool: exit 0" status_is 0
check "... still two VMs at once, one on each host" test "$(max_open vm_spawned vm_stopped)" -eq 2

# pool_state gives each host's pool beside the whole: two files that hold a
# VM for 2.5 s, one on each host, are seen by the 1 Hz pool_state with 256M
# and more used on both; the parts add up to the whole.
mkdir "$WORK/p"
cp "$WORK/c/provium.conf" "$WORK/p/"
for i in 1 2; do
    printf 'test("holds", function(t)\n  provium:vm("v"):boot({agent = false})\n  provium:sleep("2500ms")\nend)\n' \
        > "$WORK/p/h$i.test.lua"
done
hosts_run -c "$T" -c "$B" --mem 400M --cpus 1 "$WORK/p"
check "pool_state on two hosts: exit 0" status_is 0
check "... it gives each host's pool, in run_started's order" \
    test "$(events "[.[] | select(.kind == \"pool_state\") | [.hosts[].name]] | unique == [[\"$T\", \"$B\"]]")" = true
check "... both hosts held a VM at once" \
    test "$(events '[.[] | select(.kind == "pool_state") | select(all(.hosts[]; .used.memory >= 268435456))] | length')" -ge 1
check "... the parts add up to the whole" \
    test "$(events '[.[] | select(.kind == "pool_state") | select(([.hosts[].used.memory] | add) != .used.memory or ([.hosts[].available.memory] | add) != .available.memory)] | length')" -eq 0

# A claim no host's pool can hold fails at once, naming each host and what it offers.
cat > "$WORK/c/big.test.lua" <<'LUA'
provium:claim({memory = "2G", cpus = 1})
test("never runs", function(t) end)
LUA
hosts_run -c "$T" -c "$B" --mem 400M --cpus 1 "$WORK/c"
check "a file too big for every host: exit 2" status_is 2
check "... its line names both hosts and what each offers" \
    out_has "more than any host's whole pool ($T 400M and 1 vCPU, $B 400M and 1 vCPU)"
check "... the others ran" out_has "6 passed, 0 failed, 0 skipped"
rm "$WORK/c/big.test.lua"

hosts_run -c "$T" -c "$T" "$WORK/c"
check "the same -c twice: exit 2" status_is 2
check "... one line naming -c" sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] &&
    grep -qF -- \"-c: '$T' is given twice\" '$WORK/err'"

# provium.conf: [host NAME] groups, sized each, and [run] hosts.
conf() {
    cat > "$WORK/c/provium.conf" <<CONF
[profile default]
memory = 256M
cpus = 1

[run]
$1

[host a]
uri = $T
mem = 400M
cpus = 1

[host b]
uri = $B
mem = 400M
$2
CONF
}
conf "hosts = a, b" "boot_workers = 1"
hosts_run "$WORK/c"
check "[run] hosts = a, b: exit 0" status_is 0
check "... two VMs at once, each host sized by its [host] group" \
    test "$(max_open vm_spawned vm_stopped)" -eq 2
conf "hosts = a, b" "jobs = 0"
hosts_run -c "$T" --mem 400M --cpus 1 "$WORK/c"
check "-c takes the place of [run] hosts: one VM at a time" \
    test "$(max_open vm_spawned vm_stopped)" -eq 1
# [host a] jobs = 1 caps host a; host b's pool holds one: still two at once,
# and --jobs 1 caps the run.
conf "hosts = a, b" "jobs = 1"
hosts_run --jobs 1 "$WORK/c"
check "--jobs 1 caps the run over both hosts" test "$(max_open file_dispatched file_completed)" -eq 1

# Mistakes: one line naming file:line, exit 2, before anything runs.
mistake() {
    hosts_run "$WORK/c"
    check "$1: exit 2" status_is 2
    check "... one line: $2" sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] &&
        grep -qF -- \"$2\" '$WORK/err'"
    check "... nothing ran" sh -c "! grep -q passed '$WORK/out'"
}
conf "hosts = a, c" ""
mistake "an unknown host name" "provium.conf:6: [run] hosts: no [host c] in this file"
conf "hosts = a, $T" ""
mistake "a URI in [run] hosts" "provium.conf:6: [run] hosts: no [host $T] in this file"
conf "hosts = a, a" ""
mistake "a host named twice" "provium.conf:6: [run] hosts: 'a' and 'a' are the same host"
conf "hosts = a, b" "uri = $T"
mistake "two names, one host" "[run] hosts: 'a' and 'b' are the same host"
conf "hosts = a, b" "cpus = two"
mistake "a bad value in [host]" "provium.conf:16: [host b] cpus: 'two' is not a number"
conf "hosts = a, b
connect = $T" ""
mistake "[run] hosts and connect" "provium.conf:6: [run] hosts: [run] connect (line 7)"
conf "hosts = a" "
[host c]
mem = 1G"
mistake "a [host] without uri" "provium.conf:17: [host c] has no uri"

# The status line, on a terminal: each host's VMs, by name.
conf "hosts = a, b" ""
$PTY -- "$PROVIUM" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm \
    "$WORK/c" > "$WORK/out" 2> "$WORK/err"
check "on a terminal, the status line names each host's VMs" \
    grep -qE "hosts: [^ ]+ [0-9]+ VMs?, [^ ]+ [0-9]+ VMs?" "$WORK/out"
conf "" ""
$PTY -- "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm \
    "$WORK/c" > "$WORK/out" 2> "$WORK/err"
check "... and with one host, as before, none" sh -c "grep -q 'running' '$WORK/out' &&
    ! grep -q 'hosts:' '$WORK/out'"

# provium locks takes -c, before its name or after (a remote host's locks are its own).
"$PROVIUM" -c "$T" locks --lock-dir "$WORK/locks" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium -c URI locks: exit 0" status_is 0
"$PROVIUM" locks -c "$T" --lock-dir "$WORK/locks" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium locks -c URI: exit 0" status_is 0

# provium clean takes -c once per host: each host in turn, its URI first;
# the same host twice, or one that does not answer, and nothing is cleaned.
"$PROVIUM" clean -c "$T" -c "$B" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium clean -c A -c B: exit 0" status_is 0
check "... each host in turn, after a line naming it" \
    sh -c "[ \"\$(grep '^on ' '$WORK/out')\" = \"on $T:
on $B:\" ]"
"$PROVIUM" clean -c "$T" -c "$T" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium clean, the same -c twice: exit 2" status_is 2
check "... one line naming -c" sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] &&
    grep -qF -- \"-c: '$T' is given twice\" '$WORK/err'"
"$PROVIUM" clean -c "$T" -c "nosuch:///x" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium clean, a host that does not answer: exit 2" status_is 2
check "... nothing said of the other: it was not cleaned" test ! -s "$WORK/out"
