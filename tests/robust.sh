#!/bin/sh
# Input that once crashed provium, or turned a failure into a pass, on
# libvirt's test driver (no guests).  Each case is what a user could write.
. "$(dirname "$0")/lib.sh"

T="test:///default"
# timeout(1) turns a hang into a failed check rather than a stuck test.
run_t() {
    timeout 120 "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm "$@" \
        > "$WORK/out" 2> "$WORK/err"
    status=$?
}

# A test name that is not UTF-8 reaches the events, the terminal and JUnit
# escaped, and its failure counts.
mkdir "$WORK/utf8"
printf 'test("bad \\xff name", function(t) print("out") t:fail("x") end)\ntest("fine", function(t) end)\n' \
    > "$WORK/utf8/names.test.lua"
# VM names reach vm_spawned, and waiting_for when the pool is full: vm2
# boots once vm1's VM holds the pool (a mark file says so).
printf '[profile default]\nmemory = 256M\n' > "$WORK/utf8/provium.conf"
printf 'test("holds", function(t)\n  provium:vm("v\\xff"):boot({agent = false})\n  io.open("%s", "w"):close()\n  provium:sleep("1s")\nend)\n' \
    "$WORK/utf8.mark" > "$WORK/utf8/vm1.test.lua"
printf 'test("waits", function(t)\n  wait_until(function() return io.open("%s") end, {timeout = "60s"})\n  provium:vm("w\\xff"):boot({agent = false})\nend)\n' \
    "$WORK/utf8.mark" > "$WORK/utf8/vm2.test.lua"
run_t --junit "$WORK/utf8.xml" --mem 400M "$WORK/utf8"
check "name not UTF-8: no crash, the failure fails the run (exit 1)" status_is 1
check "name not UTF-8: shown with the byte escaped" out_has 'FAIL  bad \xff name'
check "name not UTF-8: counted" grep -qx "3 passed, 1 failed, 0 skipped" "$WORK/out"
check "name not UTF-8: JUnit is valid" \
    xmllint --noout --schema "$PV_TEST_SRCDIR/reportdata/junit.xsd" "$WORK/utf8.xml"
check "name not UTF-8: the event stream names it" \
    test "$(events '[.[] | select(.kind == "test_failed")][0].name')" = '"bad \\xff name"'
check "VM name not UTF-8: in vm_spawned" \
    test "$(events '[.[] | select(.kind == "vm_spawned") | .vm] | sort | join(",")')" = '"v\\xff,w\\xff"'
check "VM name not UTF-8: in waiting_for" \
    test "$(events '[.[] | select(.kind == "file_blocked" and (.waiting_for | startswith("vm ")))][0].waiting_for')" = '"vm '"'w\\\\xff'"' (256M and 1 vCPU)"'

# A failing test in a file whose path is not UTF-8 is a failure.
mkdir "$WORK/path"
printf 'test("fails", function(t) t:fail("x") end)\n' > "$WORK/path/bad$(printf '\377').test.lua"
run_t --junit "$WORK/path.xml" "$WORK/path"
check "path not UTF-8: the failure fails the run (exit 1)" status_is 1
check "path not UTF-8: counted" grep -qx "0 passed, 1 failed, 0 skipped" "$WORK/out"
check "path not UTF-8: shown with the byte escaped" out_has "$WORK/path/bad\\xff.test.lua failed"
check "path not UTF-8: in JUnit" \
    test "$(xmllint --xpath 'concat(/testsuites/@tests, " ", /testsuites/@failures)' "$WORK/path.xml")" = "1 1"

# A top level that never returns ends the file, at discovery as in the run.
mkdir "$WORK/loop"
echo 'while true do end' > "$WORK/loop/loop.test.lua"
echo 'test("fine", function(t) end)' > "$WORK/loop/fine.test.lua"
run_t --timeout 2s "$WORK/loop"
check "endless top level: the run ends, the file is broken (exit 2)" status_is 2
check "endless top level: says why, with the limit" \
    out_has "$WORK/loop/loop.test.lua: the top level did not return within 2.0s"
check "endless top level: the other file ran" out_has "PASS  fine"
timeout 120 "$PROVIUM" list "$WORK/loop" > "$WORK/out" 2> "$WORK/err"
status=$?
check "endless top level: provium list ends (exit 2)" status_is 2
check "endless top level: provium list says why" \
    out_has "$WORK/loop/loop.test.lua: error: $WORK/loop/loop.test.lua: the top level did not return within 10.0s;"

# A reader that goes away (| head) does not kill the run: it ends as usual,
# with its run directory complete.
mkdir "$WORK/pipe"
printf 'test("a", function(t)\n  provium:sleep("500ms")\n  print("after the reader left")\nend)\n' \
    > "$WORK/pipe/a.test.lua"
{ timeout 120 "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm \
      --events-stdout "$WORK/pipe" 2> "$WORK/err"; echo $? > "$WORK/pipe.status"; } | head -c 10 > /dev/null
check "--events-stdout | head: exit 0, not killed by SIGPIPE" test "$(cat "$WORK/pipe.status")" = 0
check "--events-stdout | head: the run finished" \
    test "$(events '[.[] | select(.kind == "run_finished")] | length')" = 1

# SIGINT destroys the run's domains: each one's vm_stopped says so, and the
# report of the cancelled run finds no leak.
mkdir "$WORK/sigint"
# Whether the run destroys the domain first or the worker, woken by the
# signal, ends the test first (under the sanitizers on a loaded machine it
# did), vm_stopped says the run destroyed it, not test_ended.
cat > "$WORK/sigint/a.test.lua" <<'LUA'
test("waits", function(t)
    provium:vm("v"):boot({agent = false})
    pcall(provium.sleep, provium, "60s")
end)
LUA
"$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/sigruns" --no-psi --no-ksm "$WORK/sigint" \
    > "$WORK/out" 2> "$WORK/err" &
pid=$!
i=0
until "$PROVIUM" events "$WORK/sigruns/latest/events.msgpack" --kind vm_spawned 2>/dev/null | grep -q . ||
      [ $i -ge 200 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -INT $pid
wait $pid
status=$?
check "SIGINT: exit 130" status_is 130
check "SIGINT: the destroyed domain has its vm_stopped" \
    test "$("$PROVIUM" events "$WORK/sigruns/latest/events.msgpack" --kind vm_stopped | jq -r .reason)" = destroyed
no_leak() { "$PROVIUM" report "$1" > "$WORK/report"; }
check "SIGINT: provium report finds no leak" no_leak "$WORK/sigruns/latest/events.msgpack"

# Control characters in test output and failure messages reach neither the
# terminal nor JUnit raw: they show as control pictures (ESC as U+241B).
mkdir "$WORK/ctl"
cat > "$WORK/ctl/ctl.test.lua" <<'LUA'
test("colors \27[2J", function(t)
    print("out \27[31mred\27[0m \7 \r over \127 \194\155")
    t:fail("bad \1 byte \27]0;title\7 and \239\191\191")
end)
LUA
run_t -v --junit "$WORK/ctl.xml" "$WORK/ctl"
check "control characters: JUnit is valid" \
    xmllint --noout --schema "$PV_TEST_SRCDIR/reportdata/junit.xsd" "$WORK/ctl.xml"
check "control characters: none reaches the terminal" \
    sh -c "! tr -d '\n\t' < '$WORK/out' | LC_ALL=C grep -q '[[:cntrl:]]'"
check "control characters: shown as control pictures" out_has "FAIL  colors ␛[2J"
check "control characters: in the failure message" out_has "bad ␁ byte ␛]0;title␇ and �"
check "control characters: in the output" out_has "out ␛[31mred␛[0m ␇ ␍ over ␡ �"
check "control characters: the event stream keeps them" \
    test "$(events '[.[] | select(.kind == "test_log")][0].text')" = "\"out \\u001b[31mred\\u001b[0m \\u0007 \\r over \\u007f $(printf '\302\233')\""

# A newline (or another control character) in a file or VM name does not
# keep the VM from booting: libvirt refuses it in <title>.
mkdir "$WORK/nl"
printf 'test("boots", function(t)\n  provium:vm("two\\nlines\\t!"):boot({agent = false})\nend)\n' \
    > "$WORK/nl/new
line.test.lua"
run_t "$WORK/nl"
check "newline in names: the VM boots (exit 0)" status_is 0
check "newline in names: the title has none" \
    sh -c "grep -q '<title>provium: .*/nl/new line.test.lua: two lines !</title>' '$WORK/runs/latest/vms/'*.xml"

# --cpu-overcommit 0 is clamped like any value outside [0.5, 8.0], and
# run_started records the command line as given.
mkdir "$WORK/opts"
echo 'test("fine", function(t) end)' > "$WORK/opts/a.test.lua"
run_t --cpus 4 --cpu-overcommit 0 "$WORK/opts"
check "--cpu-overcommit 0: says it is clamped" \
    err_has "provium: --cpu-overcommit 0 is outside [0.5, 8.0]; using 0.5"
check "--cpu-overcommit 0: the pool has 4 x 0.5 vCPUs" \
    test "$(events '[.[] | select(.kind == "run_started")][0].pool.cpus')" = 2
check "run_started: argv as given, options included" \
    test "$(events '[.[] | select(.kind == "run_started")][0].argv[1:] | join(" ")')" = "\"-c $T --prefix $PREFIX --results-dir $WORK/runs --no-psi --no-ksm --cpus 4 --cpu-overcommit 0 $WORK/opts\""
run_t --cpu-overcommit nan "$WORK/opts"
check "--cpu-overcommit nan: exit 2" status_is 2
check "--cpu-overcommit nan: one line naming the option" \
    err_has "provium: --cpu-overcommit: 'nan' is not a number (write e.g. 1.5)"
