#!/bin/sh
# --tags on libvirt's test driver (no guests): which tests run, which files
# are left out without booting anything, tags in events, JSON, JUnit and
# provium list, and the mistakes a user can make.
. "$(dirname "$0")/lib.sh"

# ev FILTER: jq -rs over the last run's event stream (strings unquoted).
ev() { "$PROVIUM" events "$WORK/runs/latest/events.msgpack" | jq -rs "$1"; }
names() { ev '[.[] | select(.kind == "test_started") | .name] | sort | join(",")'; }

mkdir "$WORK/t"
printf '[profile default]\nmemory = 128M\ncpus = 1\n' > "$WORK/t/provium.conf"
# A top-level VM, booted lazily by the first test that uses it.
cat > "$WORK/t/a.test.lua" <<'LUA'
local vm = provium:vm("top")
local function up()
    if vm:state() == "defined" then vm:boot({agent = false}) end
end
test("plain", function(t) up() end)
test("slow one", {tags = {"slow"}}, function(t) up() end)
test("net one", {tags = {"net", "slow"}}, function(t) up() end)
LUA
# Only slow tests, and a VM of its own at the top level.
cat > "$WORK/t/b.test.lua" <<'LUA'
local vm = provium:vm("b")
test("slow b", {tags = {"slow"}}, function(t) vm:boot({agent = false}) end)
LUA

run_t --tags slow --junit "$WORK/junit.xml" --json "$WORK/t"
check "--tags slow: exit 0" status_is 0
check "--tags slow: only the slow tests ran" test "$(names)" = "net one,slow b,slow one"
check "--tags slow: the summary counts what ran" grep -qx "3 passed, 0 failed, 0 skipped" "$WORK/err"
check "--tags slow: file_discovered lists the selected tests" \
    test "$(ev '[.[] | select(.kind == "file_discovered") | .tests | join(",")] | join(";")')" \
         = "slow one,net one;slow b"
check "events: test_started and test_passed carry the tags" \
    test "$(ev '[.[] | select(.kind == "test_started" or .kind == "test_passed")
                    | select(.name == "net one") | .tags | join(",")] | join(";")')" \
         = "net,slow;net,slow"
check "--json: each test's tags" \
    test "$(jq -sc '[.[].tests[] | {(.name): .tags}] | add | to_entries | sort_by(.key) | from_entries' "$WORK/out")" \
         = '{"net one":["net","slow"],"slow b":["slow"],"slow one":["slow"]}'
check "JUnit: tags as properties" \
    test "$(xmllint --xpath '//testcase[@name="net one"]/properties/property[@name="tag"]/@value' \
            "$WORK/junit.xml" | tr -d ' \n')" = 'value="net"value="slow"'
check "JUnit validates against the schema" \
    xmllint --noout --schema "$PV_TEST_SRCDIR/reportdata/junit.xsd" "$WORK/junit.xml"

run_t --tags '!slow' "$WORK/t"
check "--tags '!slow': exit 0" status_is 0
check "--tags '!slow': only the test without it ran" test "$(names)" = "plain"
check "--tags '!slow': a file with no selected test is not dispatched" \
    test "$(ev '[.[] | select(.kind == "file_dispatched") | .path] | join(",")')" \
         = "$WORK/t/a.test.lua"
check "--tags '!slow': its top-level VM never booted" \
    test "$(ev '[.[] | select(.kind == "vm_spawned") | .vm] | join(",")')" = "top"
check "--tags '!slow': nor is it reported" sh -c "! grep -q b.test.lua '$WORK/err'"

run_t --tags 'net,!slow' "$WORK/t"
check "--tags 'net,!slow': exit 2, nothing matches" status_is 2
check "--tags 'net,!slow': one line saying so" \
    grep -qx "provium: no test matches --tags 'net,!slow' ('provium list' shows each test's tags)" \
    "$WORK/err"
check "--tags 'net,!slow': nothing was dispatched" \
    test "$(ev '[.[] | select(.kind == "file_dispatched")] | length')" -eq 0

run_t --tags 'slow,,net' "$WORK/t"
check "--tags with an empty tag: exit 2" status_is 2
check "--tags with an empty tag: one clear line" err_has "provium: --tags: '' is not a tag"
check "--tags with an empty tag: one line" err_is_one_line

"$PROVIUM" list "$WORK/t" > "$WORK/out" 2> "$WORK/err"
check "list shows each test's tags" \
    test "$(grep '^  ' "$WORK/out")" = "$(printf '  plain\n  slow one [slow]\n  net one [net, slow]\n  slow b [slow]')"
"$PROVIUM" list --tags net "$WORK/t" > "$WORK/out" 2> "$WORK/err"
check "list --tags net: the selected tests, in their files" \
    test "$(cat "$WORK/out")" = "$(printf '%s\n  net one [net, slow]' "$WORK/t/a.test.lua")"

mkdir "$WORK/bad"
cat > "$WORK/bad/c.test.lua" <<'LUA'
test("ok", function(t) end)
test("bad tag", {tags = {"two words"}}, function(t) end)
LUA
"$PROVIUM" list "$WORK/bad" > "$WORK/out" 2> "$WORK/err"
status=$?
check "a tag that is not one: exit 2" status_is 2
check "a tag that is not one: file and line" \
    out_has "$WORK/bad/c.test.lua:2: test(\"bad tag\"): tag \"two words\" is not a tag"
check "nothing left" no_domains_left
