#!/bin/sh
# A real two-file parallel run: its saved stream tells the same story as the
# terminal, and provium report gives the figures and a timeline picture.
. "$(dirname "$0")/../lib.sh"

write_conf
cat > "$WORK/a.test.lua" <<'LUA'
test("boots", function(t)
    provium:vm("v"):boot():run("sleep 1"):assert_ok()
end)
test("skipped", {skip = "not here"}, function(t) end)
LUA
cat > "$WORK/b.test.lua" <<'LUA'
provium:claim({memory = "600M", cpus = 2})
test("boots two", function(t)
    local one = provium:vm("one"):boot()
    provium:vm("two"):boot()
    t:assert_eq("no", one:run("echo yes").stdout)
end)
LUA

run_provium --no-psi --cpus 3 --save-events "$WORK/run.msgpack" "$WORK"
check "exit 1 (b fails)" status_is 1
"$PROVIUM" events "$WORK/run.msgpack" > "$WORK/events.jsonl"
ev() { jq -s "$1" "$WORK/events.jsonl"; }
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$WORK/out")
check "stream and terminal: the same counts" \
    test "$(ev '[.[] | select(.kind == "run_finished")][0] | "\(.passed) passed, \(.failed) failed, \(.skipped) skipped"' | tr -d '"')" = "$summary"
check "stream: one result event per test" \
    test "$(ev '[.[] | select(.kind | test("^test_(passed|failed|skipped)$"))] | length')" -eq 3
check "stream: every dispatched file completed" \
    test "$(ev '([.[] | select(.kind == "file_dispatched") | .path] | sort) == ([.[] | select(.kind == "file_completed") | .path] | sort)')" = true
check "stream: every claim acquired was released" \
    test "$(ev '([.[] | select(.kind == "claim_acquired") | .path] | sort) == ([.[] | select(.kind == "claim_released") | .path] | sort)')" = true
check "stream: the two files ran at once" \
    test "$(ev '([.[] | select(.kind == "file_dispatched")] | map(.ts) | max) < ([.[] | select(.kind == "file_completed")] | map(.ts) | min)')" = true

"$PROVIUM" report "$WORK/run.msgpack" --svg "$WORK/run.svg" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report: exit 0 (no leak)" status_is 0
check "report: files by duration" sh -c "grep -A2 '^files by duration:' '$WORK/out' | grep -q 'b.test.lua'"
check "report: VMs per file" sh -c "grep -q '2 VMs  $WORK/b.test.lua' '$WORK/out' && grep -q '1 VM   $WORK/a.test.lua' '$WORK/out'"
check "report: peak parallelism 2 files" out_has "parallelism: files peak 2,"
check "report: time blocked by reason" out_has "time blocked, by reason:"
check "report: the leak check passes" out_has "leak check: ok"
check "report: the SVG parses" xmllint --noout "$WORK/run.svg"
check "report: the SVG shows every file" sh -c "grep -qF '$WORK/a.test.lua' '$WORK/run.svg' && grep -qF '$WORK/b.test.lua' '$WORK/run.svg'"
rsvg-convert "$WORK/run.svg" -o "$WORK/run.png"
check "report: the picture renders to a non-empty PNG" sh -c "
    test \$(stat -c %s '$WORK/run.png') -gt 5000 &&
    test \"\$(od -An -tx1 -N8 '$WORK/run.png' | tr -d ' ')\" = 89504e470d0a1a0a"

# The report page: the failure with the console tail of the VM it used.
"$PROVIUM" report "$WORK/run.msgpack" --html "$WORK/run.html" > /dev/null 2> "$WORK/err"
failure="//*[local-name()='article'][contains(@class, 'p-failed')]"
check "report page: the failure's console, under its VM's name" \
    test "$(xmllint --xpath "count($failure/*[local-name()='h4'][starts-with(., \"console of vm 'one'\")]/following-sibling::*[1][local-name()='pre' and @class='console' and string-length(.) > 0])" "$WORK/run.html")" -eq 1

# The stream of a killed run ends inside an event.
head -c $(( $(stat -c %s "$WORK/run.msgpack") - 40 )) "$WORK/run.msgpack" > "$WORK/cut.msgpack"
"$PROVIUM" report "$WORK/cut.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report on a killed run's stream: exit 1" status_is 1
check "report on a killed run's stream: says so" out_has "the stream ends inside an event: the run was killed"
check "nothing left" no_domains_left
