#!/bin/sh
# Console checks' options on libvirt's test driver (no guests): a misspelt
# check is an error naming the file and line (or the profile), with the
# known ones.  tests/e2e/console-checks.sh sees them at work.
. "$(dirname "$0")/lib.sh"

KNOWN="(known: panic, oops, bug, oom, segfault, call_trace, all)"

mkdir "$WORK/t"
printf '[profile default]\nmemory = 128M\ncpus = 1\n' > "$WORK/t/provium.conf"
cat > "$WORK/t/a.test.lua" <<'LUA'
test("allow: unknown", function(t)
    provium:vm("g"):boot({agent = false}):console():allow("opps")
end)
test("console_ignore: unknown", function(t) provium:vm("h", {console_ignore = "oom,nope"}) end)
test("console_ignore: not a name", function(t) provium:vm("h", {console_ignore = 3}) end)
test("allow: nothing", function(t) provium:vm("i"):boot({agent = false}):console():allow() end)
test("the right names", function(t)
    provium:vm("j", {console_ignore = {"oom", "segfault"}}):boot({agent = false})
        :console():allow("oops", {"bug", "call_trace"}, "panic,all")
end)
LUA
run_t "$WORK/t"
check "exit 1" status_is 1
check "allow(): a misspelt check, with file:line and the known ones" \
    out_has "a.test.lua:2: console:allow(): 'opps' is not a console check $KNOWN"
check "console_ignore: a misspelt check, with file:line" \
    out_has "a.test.lua:4: console_ignore: 'nope' is not a console check $KNOWN"
check "console_ignore: not a name" \
    out_has "a.test.lua:5: console_ignore: expected a console check's name or a list of them"
check "allow(): no check named" \
    out_has "a.test.lua:6: console:allow(): name the checks the test expects"
check "the right names pass" out_has "PASS  the right names"

mkdir "$WORK/p"
printf '[profile default]\nmemory = 128M\nconsole_ignore = oom, opps\n' > "$WORK/p/provium.conf"
echo 'test("x", function(t) end)' > "$WORK/p/a.test.lua"
run_t "$WORK/p"
check "profile: exit 2" status_is 2
check "profile: a misspelt check names the file, line and profile" \
    err_has "provium.conf:3: [profile default] console_ignore: 'opps' is not a console check $KNOWN"
check "profile: one line" err_is_one_line
check "nothing left" no_domains_left
