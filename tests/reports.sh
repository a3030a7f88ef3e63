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

# provium report of several streams: a corpus run in three --filter shares,
# as CI jobs would, reads as one unsharded run of it: the same totals, the
# same JUnit test cases, each once.
mkdir "$WORK/corpus"
for s in s1 s2 s3; do
    cat > "$WORK/corpus/$s-a.test.lua" <<LUA
test("passes", {tags = {"$s"}}, function(t) print("in $s") end)
test("skips", {skip = "not here"}, function(t) end)
LUA
done
echo 'test("fails", function(t) t:fail("no") end)' > "$WORK/corpus/s2-b.test.lua"
echo 'test("broken", function(t) end' > "$WORK/corpus/s3-b.test.lua"
echo 'test("more", function(t) end) test("and more", function(t) end)' > "$WORK/corpus/s1-b.test.lua"
# "N files ...; P passed, F failed, S skipped": the first line of a report.
totals() { sed -n '1s/.*: \([0-9]* files\{0,1\}\) in [^;]*; /\1; /p' "$1"; }
# Each <testcase> as "class name outcome", sorted.
junit_cases() {
    n=$(xmllint --xpath 'count(//testcase)' "$1")
    i=1
    while [ "$i" -le "$n" ]; do
        printf '%s\n' "$(xmllint --xpath "concat((//testcase)[$i]/@classname, ' ',
            (//testcase)[$i]/@name, ' ', name((//testcase)[$i]/*[self::failure or self::error or
                                                                   self::skipped or
                                                                   self::flakyFailure][1]))" "$1")"
        i=$((i + 1))
    done | sort
}
junit_totals() {
    xmllint --xpath 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ",
                            /testsuites/@errors, " ", /testsuites/@skipped)' "$1"
}
run_t --junit "$WORK/whole.xml" "$WORK/corpus"
"$PROVIUM" report "$WORK/runs/latest" > "$WORK/whole.txt"
for s in s1 s2 s3; do
    run_t --filter "/$s-" --save-events "$WORK/$s.msgpack" "$WORK/corpus"
done
"$PROVIUM" report --junit "$WORK/shares.xml" --svg "$WORK/shares.svg" \
    "$WORK/s1.msgpack" "$WORK/s2.msgpack" "$WORK/s3.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report of three shares: exit 0 (every leak check clean)" status_is 0
check "report of three shares: the unsharded run's totals" \
    test "$(totals "$WORK/out")" = "$(totals "$WORK/whole.txt")" -a -n "$(totals "$WORK/whole.txt")"
check "report of three shares: says it read three runs" grep -q '^3 runs: ' "$WORK/out"
check "report of three shares: a leak check per run" \
    test "$(grep -c '^  \[[123]\] ok$' "$WORK/out")" -eq 3
check "report of three shares: JUnit validates against the schema" \
    xmllint --noout --schema "$PV_TEST_SRCDIR/reportdata/junit.xsd" "$WORK/shares.xml"
check "report of three shares: the unsharded run's JUnit totals" \
    test "$(junit_totals "$WORK/shares.xml")" = "$(junit_totals "$WORK/whole.xml")"
junit_cases "$WORK/whole.xml" > "$WORK/whole.cases"
junit_cases "$WORK/shares.xml" > "$WORK/shares.cases"
check "report of three shares: the unsharded run's JUnit test cases, each once" \
    cmp -s "$WORK/whole.cases" "$WORK/shares.cases"
check "report of three shares: the test cases are all there" \
    test "$(wc -l < "$WORK/shares.cases")" -eq 10
check "report of three shares: the timeline has a band per stream" \
    test "$(xmllint --xpath "count(//*[local-name()='text'][starts-with(., '[')])" "$WORK/shares.svg")" -eq 3

# A share run again (a retried CI job): its tests count once, with both results.
run_t --filter "/s1-" --save-events "$WORK/s1-again.msgpack" "$WORK/corpus"
"$PROVIUM" report "$WORK/s1.msgpack" > "$WORK/s1.txt"
"$PROVIUM" report --junit "$WORK/again.xml" "$WORK/s1.msgpack" "$WORK/s1-again.msgpack" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "a share reported twice: exit 0" status_is 0
check "a share reported twice: its tests count once" \
    test "$(totals "$WORK/out")" = "$(totals "$WORK/s1.txt")"
check "a share reported twice: the text says which tests both ran" \
    grep -q "^  $WORK/corpus/s1-a.test.lua: passes: passed \[1\], passed \[2\]; counted passed$" \
        "$WORK/out"
check "a share reported twice: one JUnit test case each, with both results" \
    test "$(xmllint --xpath 'count(//testcase)' "$WORK/again.xml") $(xmllint --xpath 'count(//testcase[@name="passes"]/properties/property[@name="provium.result"])' "$WORK/again.xml")" = "4 2"

# The same run twice (its stream and its run directory): said, counted once.
"$PROVIUM" report "$WORK/s1.msgpack" "$WORK/s1.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "the same run twice: exit 0" status_is 0
check "the same run twice: one line saying so" \
    sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q '^provium: $WORK/s1.msgpack is the same run as $WORK/s1.msgpack ([0-9a-f-]*): it counts once$' '$WORK/err'"
check "the same run twice: counted once, as one run" \
    sh -c "cmp -s '$WORK/out' '$WORK/s1.txt'"
# A results directory (a CI job's artifact): its latest run, said so.
latest=$(readlink "$WORK/runs/latest")
"$PROVIUM" report "$WORK/runs" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report of a results directory: exit 0" status_is 0
check "report of a results directory: it reads the latest run, and says so" \
    sh -c "grep -qx 'provium: $WORK/runs is a results directory: reading its latest run, $latest' '$WORK/err' && grep -q '^run $latest ' '$WORK/out'"
"$PROVIUM" events "$WORK/runs" > "$WORK/out" 2> "$WORK/err"
check "events of a results directory: its latest run's" \
    sh -c "[ \"\$(jq -r .run '$WORK/out' | sort -u)\" = '$latest' ] && grep -q 'reading its latest run' '$WORK/err'"

# provium events of several streams: each line says which.
"$PROVIUM" events "$WORK/s1.msgpack" "$WORK/runs/latest" > "$WORK/out" 2> "$WORK/err"
status=$?
check "events of two streams: exit 0" status_is 0
check "events of two streams: every event of both" \
    test "$(wc -l < "$WORK/out")" -eq $(( $("$PROVIUM" events "$WORK/s1.msgpack" | wc -l) + $("$PROVIUM" events "$WORK/runs/latest/events.msgpack" | wc -l) ))
check "events of two streams: each line's origin, as given" \
    test "$(jq -r .origin "$WORK/out" | uniq | tr '\n' ' ')" = "$WORK/s1.msgpack $WORK/runs/latest "
check "events of one stream: no origin field" \
    test "$("$PROVIUM" events "$WORK/s1.msgpack" | jq -s 'map(has("origin")) | any')" = false

# Mistakes: one line, exit 2, nothing written.
"$PROVIUM" report --html "$WORK/mistake.html" "$WORK/s1.msgpack" "$WORK/corpus" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report of a directory without a stream: exit 2" status_is 2
check "report of a directory without a stream: one line" err_is_one_line
check "report of a directory without a stream: it names it" \
    err_has "$WORK/corpus is a directory without events.msgpack"
check "report of a directory without a stream: no page" test ! -e "$WORK/mistake.html"
"$PROVIUM" events > "$WORK/out" 2> "$WORK/err"
status=$?
check "events without a stream: exit 2" status_is 2
check "events without a stream: one line" err_is_one_line

# A file is one file across streams by its path in the corpus, whatever
# directory the run started from: a rerun of clone2's failed f07 from the
# parent directory, which passes, makes it flaky, not two files.
mkdir "$WORK/clone2"
cat > "$WORK/clone2/f07.test.lua" <<LUA
test("wobbles", function(t)
    local f = io.open("$WORK/f07.mark")
    if not f then
        io.open("$WORK/f07.mark", "w"):close()
        t:fail("first time")
    end
    f:close()
end)
LUA
(cd "$WORK/clone2" && run_t --save-events "$WORK/here.msgpack" . && exit "$status")
status=$?
check "run in clone2: exit 1 (f07 failed)" status_is 1
check "file_discovered: the file's key, its path in the corpus" \
    test "$("$PROVIUM" events "$WORK/here.msgpack" --kind file_discovered | jq -r .key)" = f07.test.lua
(cd "$WORK" && run_t --filter f07 --save-events "$WORK/parent.msgpack" clone2 && exit "$status")
status=$?
check "rerun from the parent directory: exit 0 (f07 passed)" status_is 0
check "rerun from the parent directory: the same key, another path" \
    test "$("$PROVIUM" events "$WORK/parent.msgpack" --kind file_discovered | jq -r '.key + " " + .path')" = "f07.test.lua clone2/f07.test.lua"
"$PROVIUM" report "$WORK/here.msgpack" "$WORK/parent.msgpack" > "$WORK/out" 2> "$WORK/err"
check "report of both: one file, its test flaky" \
    grep -q '^2 runs: 1 file in [^;]*; 0 passed, 0 failed, 0 skipped, 1 flaky' "$WORK/out"

# run_started comes first though it waits for discovery (which decides the
# share): what a top level prints at discovery comes after it, with its file.
mkdir "$WORK/top"
printf 'print("from the top")\ntest("t", function(t) end)\n' > "$WORK/top/a.test.lua"
printf 'print("left out")\ntest("u", function(t) end)\n' > "$WORK/top/b.test.lua"
run_t --filter a.test "$WORK/top"
check "a top level that prints: run_started is still the first event" \
    test "$(events '.[0].kind')" = '"run_started"'
check "a top level that prints: its line comes before its file_discovered" \
    test "$(events '[.[] | select(.kind == "test_log" or .kind == "file_discovered") | .kind] | .[0:2] | join(",")')" = '"test_log,file_discovered"'
run_t --shard hash:1/1 --tags nothing "$WORK/top"
check "--tags that selects nothing: run_started recorded all the same" \
    test "$(events 'map(.kind) | join(",")')" = '"run_started"'
