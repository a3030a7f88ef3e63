#!/bin/sh
# A libvirt host that goes away mid-run (a second libvirtd,
# tests/libvirt-host.sh, whose daemon host_kill kills, or stops so that it
# no longer answers): the files running there fail at once with cause
# host_lost and one line naming the host; the files queued for it do not
# run (it is the run's only host: cause host_lost too); the run ends with
# exit status 1, within a bound far below the boot's timeout (5 minutes)
# and the test's command (300 s), and provium does not crash.
# - killed (SIGKILL) while a test's command runs in the guest: its socket
#   closes, the loss is heard at once;
# - stopped (SIGSTOP) while a VM boots (provium waits for its agent, an
#   event that will never come): only keepalive notices, within about 20 s.
# - on two hosts at once (qemu:///system and the second libvirtd, -c given
#   twice; skipped by a provium that takes one host): the run goes on on
#   the other host, and --retries 1 runs the lost host's file again there.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../libvirt-host.sh"
at_exit host_stop_all

# No KVM there: a nested KVM hangs guests (as unlike-host.sh).
host_start_or_skip lost "a host lost mid-run" --no-kvm
URI=$(host_uri lost)
export LIBVIRT_DEFAULT_URI=$URI
echo "# host: $URI"
write_conf

# lost_run DIR [ARGS...]: runs provium on $URI over DIR in the background,
# results in $WORK/runs-DIR; $pid
lost_run() {
    _dir=$1
    shift
    "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs-$_dir" --no-psi -j 1 \
        --virt-type qemu --config "$WORK/provium.conf" "$@" "$WORK/$_dir" \
        > "$WORK/out" 2> "$WORK/err" &
    pid=$!
}

# lost_wait BOUND: waits for provium to end, at most BOUND seconds (then
# interrupts it, and kills it); sets $status and $took (seconds).
lost_wait() {
    _from=$(date +%s)
    _n=0
    while kill -0 "$pid" 2> /dev/null && [ $_n -lt $(($1 * 2)) ]; do
        sleep 0.5
        _n=$((_n + 1))
    done
    if kill -0 "$pid" 2> /dev/null; then
        echo "# provium still runs $1 s after the host went: interrupted"
        kill -INT "$pid"; sleep 5; kill -INT "$pid"; sleep 5; kill -KILL "$pid" 2> /dev/null
    fi
    wait "$pid"
    status=$?
    took=$(($(date +%s) - _from))
}

# What host_stop leaves of a killed daemon's domains (by this test's prefix).
no_qemu_left() { ! pgrep -f "guest=$PREFIX" > /dev/null; }

# ev DIR [JQ-ARGS...] FILTER: jq -s over that run's event stream
ev() {
    _dir=$1
    shift
    "$PROVIUM" events "$WORK/runs-$_dir/latest/events.msgpack" | jq -s "$@"
}

# 1. Killed while a test's command runs; a second file waits behind it (-j 1);
# --retries 1 has no other host to run the first on.
mkdir "$WORK/killed"
cat > "$WORK/killed/a.test.lua" <<LUA
test("in a command", function(t)
    local vm = provium:vm("v"):boot()
    io.open("$WORK/in-command", "w"):close()
    vm:run("sleep 300", {timeout = "10m"})
end)
test("after it", function(t) end)
LUA
cat > "$WORK/killed/b.test.lua" <<'LUA'
test("queued", function(t)
    provium:vm("w"):boot()
end)
LUA
lost_run killed --retries 1
n=0
until [ -e "$WORK/in-command" ] || ! kill -0 "$pid" 2> /dev/null || [ $n -ge 600 ]; do
    sleep 0.5
    n=$((n + 1))
done
check "killed: the VM booted on the host" test -e "$WORK/in-command"
sleep 2
check "killed: its libvirtd is killed" host_kill lost KILL
lost_wait 60
echo "# ended ${took} s after the kill"
check "killed: provium ends within 60 s (not at the command's 300 s)" test "$took" -lt 60
check "killed: exit status 1 (no crash)" status_is 1
check "killed: the running test failed, cause host_lost, its reason naming the host" \
    test "$(ev killed --arg u "$URI" '[.[] | select(.kind == "test_failed" and
        .name == "in a command" and .cause == "host_lost" and (.reason | contains($u)))]
        | length')" = 1
check "killed: the test after it not run, cause host_lost" \
    test "$(ev killed '[.[] | select(.kind == "test_not_run" and .name == "after it" and
        .cause == "host_lost")] | length')" = 1
check "killed: its file failed, cause host_lost" \
    test "$(ev killed '[.[] | select(.kind == "file_completed" and (.path | endswith("a.test.lua"))
        and .status == "failed" and .cause == "host_lost")] | length')" = 1
check "killed: the queued file not run, cause host_lost" \
    test "$(ev killed '[.[] | select(.kind == "file_completed" and (.path | endswith("b.test.lua"))
        and .status == "not_run" and .cause == "host_lost")] | length')" = 1
check "killed: --retries 1 runs nothing again on the lost host" \
    test "$(ev killed '[.[] | select(.kind == "file_retried")] | length')" = 0
check "killed: no VM of the queued file was started" \
    test "$(ev killed '[.[] | select(.kind == "vm_spawned" and .vm == "w")] | length')" = 0
check "killed: one line on stderr names the host as lost" \
    test "$(grep -c "$URI.*lost\|lost.*$URI" "$WORK/err")" = 1
check "killed: run_finished is the stream's last event" \
    test "$(ev killed '.[-1].kind')" = '"run_finished"'
host_stop lost
check "no QEMU of its domains is left running" no_qemu_left

# 2. Stopped while a VM boots: the connection is still open, nothing answers.
host_start lost --no-kvm
check "a second libvirtd again" test $? = 0
URI=$(host_uri lost)
export LIBVIRT_DEFAULT_URI=$URI
mkdir "$WORK/stopped"
cat > "$WORK/stopped/c.test.lua" <<'LUA'
test("booting", function(t)
    provium:vm("v"):boot()
end)
LUA
lost_run stopped
n=0
until [ "$(ev stopped '[.[] | select(.kind == "vm_spawned")] | length' 2> /dev/null)" = 1 ] ||
      ! kill -0 "$pid" 2> /dev/null || [ $n -ge 600 ]; do
    sleep 0.5
    n=$((n + 1))
done
check "stopped: the VM was started on the host" \
    test "$(ev stopped '[.[] | select(.kind == "vm_spawned")] | length')" = 1
check "stopped: its libvirtd is stopped" host_kill lost STOP
lost_wait 90
echo "# ended ${took} s after the stop"
check "stopped: provium ends within 90 s (keepalive; not at the boot's 5 min)" \
    test "$took" -lt 90
check "stopped: exit status 1 (no crash)" status_is 1
check "stopped: the test failed, cause host_lost, its reason naming the host" \
    test "$(ev stopped --arg u "$URI" '[.[] | select(.kind == "test_failed" and
        .cause == "host_lost" and (.reason | contains($u)))] | length')" = 1
check "stopped: one line on stderr names the host as lost" \
    test "$(grep -c "$URI.*lost\|lost.*$URI" "$WORK/err")" = 1
host_stop lost
check "no QEMU of its domains is left running" no_qemu_left

# 3. Two hosts: qemu:///system and host B, one VM each at a time (as
# two-hosts.sh); B killed while each runs a file.
if ! "$PROVIUM" --help 2>&1 | grep -q -- "again for more hosts"; then
    ok "two hosts, one lost # SKIP this provium takes one host (-c once)"
    exit 0
fi
host_start lost --no-kvm
check "a second libvirtd for two hosts" test $? = 0
B=$(host_uri lost)
SYSTEM=qemu:///system
export LIBVIRT_DEFAULT_URI=$SYSTEM
mkdir "$WORK/two"
for f in one two; do
    cat > "$WORK/two/$f.test.lua" <<LUA
test("runs", function(t)
    provium:vm("$f"):boot()
    io.open("$WORK/two-$f-" .. tostring(os.time()) .. "-" .. math.random(1e9), "w"):close()
    provium:sleep("15s")
end)
LUA
done
"$PROVIUM" -c "$SYSTEM" -c "$B" --prefix "$PREFIX" --results-dir "$WORK/runs-two" \
    --virt-type qemu --mem 400M --cpus 1 --no-psi --retries 1 --config "$WORK/provium.conf" \
    "$WORK/two" > "$WORK/out" 2> "$WORK/err" &
pid=$!
n=0
until [ "$(ls "$WORK" | grep -c '^two-')" -ge 2 ] || ! kill -0 "$pid" 2> /dev/null ||
      [ $n -ge 600 ]; do
    sleep 0.5
    n=$((n + 1))
done
check "two hosts: both files started, one on each" test "$(ls "$WORK" | grep -c '^two-')" -ge 2
check "two hosts: B's libvirtd is killed" host_kill lost KILL
lost_wait 150
echo "# ended ${took} s after the kill"
check "two hosts: the run went on and passed (the lost file again, on the other host)" \
    status_is 0
check "two hosts: one file was retried" \
    test "$(ev two '[.[] | select(.kind == "file_retried")] | length')" = 1
check "two hosts: its first attempt failed with host B's loss" \
    test "$(ev two --arg u "$B" '[.[] | select(.kind == "test_failed" and
        .cause == "host_lost" and (.reason | contains($u)))] | length')" = 1
check "two hosts: then it passed, not flaky: the failure was the host's" \
    test "$(ev two '[.[] | select(.kind == "test_flaky")] | length')" = 0
check "two hosts: both files passed in the end" \
    test "$(ev two '[.[] | select(.kind == "file_completed" and .status == "passed")]
        | length')" = 2
check "two hosts: one line on stderr names host B as lost" \
    test "$(grep -c "$B.*lost\|lost.*$B" "$WORK/err")" = 1
host_stop lost
check "two hosts: no QEMU of its domains is left running" no_qemu_left
