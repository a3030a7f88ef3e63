#!/bin/sh
# provium list boots nothing; provium events reads a run's stream back.
. "$(dirname "$0")/../lib.sh"

write_conf
cat > "$WORK/a.test.lua" <<'LUA'
provium:claim({memory = "1G", cpus = 2})
test("first", function(t) end)
test("second", {skip = "later"}, function(t) end)
LUA
echo 'test("only", function(t) end)' > "$WORK/b.test.lua"

"$PROVIUM" list "$WORK" > "$WORK/out" 2> "$WORK/err"
status=$?
check "list: exit 0" status_is 0
check "list: files in order, with claims and tests" sh -c "
    printf '%s (claim: memory 1G, cpus 2)\n  first\n  second\n%s\n  only\n' \
        '$WORK/a.test.lua' '$WORK/b.test.lua' | cmp -s - '$WORK/out'"

run_provium "$WORK"
check "run: exit 0 (skips do not fail)" status_is 0
check "run: summary" grep -qx "2 passed, 0 failed, 1 skipped" "$WORK/out"
"$PROVIUM" events "$WORK/runs/latest/events.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "events: exit 0" status_is 0
check "events: JSON lines from run_started to run_finished" sh -c "
    head -n 1 '$WORK/out' | grep -q '\"kind\":\"run_started\"' &&
    tail -n 1 '$WORK/out' | grep -q '\"kind\":\"run_finished\"'"
check "events: two files completed" test "$(grep -c '"kind":"file_completed"' "$WORK/out")" -eq 2
