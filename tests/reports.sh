#!/bin/sh
# Reports on libvirt's test driver (no guests): JUnit against its schema,
# --json, --events-stdout, the run directory, and the event fields that
# doc/events.md promises.
. "$(dirname "$0")/lib.sh"


mkdir "$WORK/t"
cat > "$WORK/t/a.test.lua" <<'LUA'
test("passes", function(t)
    print("hello from a")
    provium:vm("v"):boot({agent = false})
end)
test("fails <&>", function(t) t:fail("went \"wrong\" & <badly>") end)
test("skipped", {skip = "not today"}, function(t) end)
LUA
echo 'test("broken", function(t) end' > "$WORK/t/b.test.lua"
echo 'test("fine", function(t) end)' > "$WORK/t/c.test.lua"

run_t --junit "$WORK/junit.xml" --json "$WORK/t"
check "exit 2 (a broken file)" status_is 2
check "JUnit validates against the schema" \
    xmllint --noout --schema "$PV_TEST_SRCDIR/reportdata/junit.xsd" "$WORK/junit.xml"
check "JUnit: totals" \
    test "$(xmllint --xpath 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors, " ", /testsuites/@skipped)' "$WORK/junit.xml")" = "5 1 1 1"
check "JUnit: one suite per file" test "$(xmllint --xpath 'count(//testsuite)' "$WORK/junit.xml")" = 3
check "JUnit: the failure's message, markup escaped" \
    test "$(xmllint --xpath 'string(//testcase[@name="fails <&>"]/failure/@message)' "$WORK/junit.xml")" = "$WORK/t/a.test.lua:5: went \"wrong\" & <badly>"
check "JUnit: the test's output" \
    test "$(xmllint --xpath 'string(//testcase[@name="passes"]/system-out)' "$WORK/junit.xml")" = "hello from a"
check "JUnit: the broken file is an error" \
    xmllint --xpath '//testsuite[@name="'"$WORK"'/t/b.test.lua"]/testcase/error' "$WORK/junit.xml"
check "--json: one object per file on stdout" test "$(wc -l < "$WORK/out")" -eq 3
check "--json: statuses and tests" \
    test "$(jq -s -c 'map({p: (.path | split("/") | last), s: .status, n: (.tests | length)}) | sort_by(.p)' "$WORK/out")" = '[{"p":"a.test.lua","s":"failed","n":3},{"p":"b.test.lua","s":"error","n":0},{"p":"c.test.lua","s":"passed","n":1}]'
check "--json: people's output went to stderr" grep -qx "2 passed, 1 failed, 1 skipped" "$WORK/err"

run_t --events-stdout "$WORK/t/c.test.lua"
check "--events-stdout: exit 0" status_is 0
check "--events-stdout: stdout is the msgpack stream" \
    sh -c "'$PROVIUM' events '$WORK/out' | head -n 1 | grep -q '\"kind\":\"run_started\"'"
check "--events-stdout: people's output went to stderr" grep -qx "1 passed, 0 failed, 0 skipped" "$WORK/err"

run_t --save-events "$WORK/saved.msgpack" "$WORK/t/a.test.lua"
check "--save-events: the same stream as the run directory's" \
    cmp -s "$WORK/saved.msgpack" "$WORK/runs/latest/events.msgpack"
dir="$WORK/runs/$(readlink "$WORK/runs/latest")"
check "run directory: latest points at this run" test -f "$dir/events.msgpack"
check "run directory: the file's log" grep -q "hello from a" "$dir/files/"*a.test.lua.log
check "run directory: the domain's XML" sh -c "ls '$dir'/vms/*-a-v.xml"
check "run directory: no temporary files left" sh -c "! find '$dir' -name '*.tmp' -o -name '.goutputstream*' | grep -q ."

# Every kind a run emits is one doc/events.md documents.  (The fields of
# each are checked as they are emitted: an event that does not match its
# schema is a critical, fatal under make check, so this run would have
# crashed; tests/test-events checks the schema against the doc.)
run_t --json "$WORK/t"
"$PROVIUM" events "$WORK/runs/latest/events.msgpack" > "$WORK/emitted.jsonl"
check "every emitted kind is documented" sh -c "
    sed -n 's/^| \`\([a-z_]*\)\` |.*/\\1/p' '$PV_TEST_SRCDIR/../doc/events.md' | sort -u > '$WORK/documented' &&
    jq -r .kind '$WORK/emitted.jsonl' | sort -u > '$WORK/emitted' &&
    comm -13 '$WORK/documented' '$WORK/emitted' > '$WORK/undocumented' &&
    test -s '$WORK/emitted' &&
    test ! -s '$WORK/undocumented' || { sed 's/^/# undocumented: /' '$WORK/undocumented'; false; }"
