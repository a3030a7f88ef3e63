#!/bin/sh
# --debug-on-failure with real guests, driven through a pseudo-terminal: in
# the prompt of a failed test, vm:run() reaches its guest; a test that ran
# out of time gets its prompt too, and its clock stops meanwhile; the VMs
# are kept after the run, for virsh console.
. "$(dirname "$0")/../lib.sh"

write_conf
cat > "$WORK/a.test.lua" <<'LUA'
test("fails with a guest", function(t)
    local vm = provium:vm("g"):boot()
    vm:run("echo from-the-guest > /tmp/state")
    t:assert_eq("expected", vm:run("cat /tmp/state").stdout)
end)
LUA
cat > "$WORK/b.test.lua" <<'LUA'
test("times out", {timeout = "60s"}, function(t)
    local vm = provium:vm("h"):boot()
    provium:sleep("300s")
end)
LUA

python3 "$PV_TEST_SRCDIR/pty-session.py" \
    'expect:provium> ' 'send:vm:run("cat /tmp/state").stdout' \
    'expect:provium> ' 'send:vm:run({"uname", "-s"}):ok()' \
    'expect:provium> ' 'send:cont' \
    'expect:provium> ' 'send:provium:sleep("61s")' \
    'expect:provium> ' 'send:vm:run("echo still-answering").stdout' \
    'expect:provium> ' 'eof' \
    -- "$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi \
    --debug-on-failure "$WORK/a.test.lua" "$WORK/b.test.lua" > "$WORK/out" 2> "$WORK/err"
status=$?
tr -d '\r' < "$WORK/out" | sed 's/\x1b\[[0-9;]*m//g' > "$WORK/transcript"
mv "$WORK/transcript" "$WORK/out"

check "exit 1, after both prompts" status_is 1
check "the failure, then the prompt" \
    out_has "a.test.lua:4: expected \"expected\", got \"from-the-guest\\n\""
check "the kept domain, as virsh console" \
    out_has "provium: kept running: virsh -c $URI console ${PREFIX}a-g"
check "vm:run() in the prompt reaches the guest" grep -qx '"from-the-guest\\n"' "$WORK/out"
check "a command's result" grep -qx 'true' "$WORK/out"
check "a test that timed out gets its prompt" out_has "the test timed out after 1m"
check "in it, past the test's time, its VM still answers" grep -qx '"still-answering\\n"' "$WORK/out"
check "the domains are kept after the run" \
    sh -c "virsh list --name | grep -qx '${PREFIX}a-g' && virsh list --name | grep -qx '${PREFIX}b-h'"
