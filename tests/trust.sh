#!/bin/sh
# Files another user can write never decide what provium, as root, runs:
# fixture files above a test file, the results directory and what
# --rerun-failed reads from it.  On libvirt's test driver (no guests); the
# other user is nobody (65534).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
    echo "1..0 # SKIP needs root to give files to another user"
    trap - EXIT
    rm -rf "$WORK"
    exit 0
fi
OTHER=65534
ME=$(id -un)
err_line() { grep -qxF -- "$1" "$WORK/err"; }
# A file the planted code would write: it must never appear.
PWNED=$WORK/pwned
not_pwned() { [ ! -e "$PWNED" ]; }
list() {
    "$PROVIUM" list "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}

# plant_fixture DIR: DIR/fixtures/web.fixture.lua, which writes $PWNED
# when it runs.
plant_fixture() {
    mkdir -p "$1/fixtures"
    cat > "$1/fixtures/web.fixture.lua" <<LUA
io.open("$PWNED", "w"):close()
return fixture("web", {}, function(vm) end)
LUA
}
# uses_fixture FILE: a test file whose VM is made of fixture web.
uses_fixture() {
    mkdir -p "$(dirname "$1")"
    cat > "$1" <<'LUA'
local vm = provium:vm("a", {fixture = "web"})
test("uses the fixture", function(t) end)
LUA
}

# 1. A fixture file in a directory everyone may write (a sticky /tmp-like
# one), above the test file: provium list refuses it without running it.
plant_fixture "$WORK/sticky"
chmod 1777 "$WORK/sticky"
chown -R "$OTHER:$OTHER" "$WORK/sticky/fixtures"
uses_fixture "$WORK/sticky/t/a.test.lua"
list "$WORK/sticky/t"
check "fixture in a sticky world-writable directory: provium list exits 2" status_is 2
check "fixture in a sticky world-writable directory: never run" not_pwned
check "fixture in a sticky world-writable directory: one line says which and why" \
    out_has "fixture 'web': not running $WORK/sticky/fixtures/web.fixture.lua: $WORK/sticky is writable by everyone"
run_t "$WORK/sticky/t"
check "fixture in a sticky world-writable directory: a run refuses it too (exit 2)" status_is 2
check "fixture in a sticky world-writable directory: a run never runs it" not_pwned

# 2. A fixtures/ directory of another user, mode 0777, beside the test file.
plant_fixture "$WORK/beside"
chown "$OTHER:$OTHER" "$WORK/beside/fixtures"
chmod 0777 "$WORK/beside/fixtures"
uses_fixture "$WORK/beside/a.test.lua"
list "$WORK/beside"
check "another user's fixtures/ beside the test: exit 2" status_is 2
check "another user's fixtures/ beside the test: never run" not_pwned
check "another user's fixtures/ beside the test: one line says which and why" \
    out_has "fixture 'web': not running $WORK/beside/fixtures/web.fixture.lua: $WORK/beside/fixtures is owned by uid $OTHER, not by you ($ME)"

# 3. The fixture file itself, another user's (or writable by everyone).
plant_fixture "$WORK/own"
chown "$OTHER:$OTHER" "$WORK/own/fixtures/web.fixture.lua"
uses_fixture "$WORK/own/a.test.lua"
list "$WORK/own"
check "another user's fixture file: exit 2" status_is 2
check "another user's fixture file: never run" not_pwned
check "another user's fixture file: one line says which and why" \
    out_has "$WORK/own/fixtures/web.fixture.lua is owned by uid $OTHER, not by you ($ME)"
chown 0:0 "$WORK/own/fixtures/web.fixture.lua"
chmod 0666 "$WORK/own/fixtures/web.fixture.lua"
list "$WORK/own"
check "a fixture file writable by everyone: never run" not_pwned
check "a fixture file writable by everyone: says so" \
    out_has "$WORK/own/fixtures/web.fixture.lua is writable by everyone"

# 4. Yours, where only you may write: found and run, as ever.
mkdir -p "$WORK/good/fixtures" "$WORK/good/t"
echo 'return fixture("web", {}, function(vm) end)' > "$WORK/good/fixtures/web.fixture.lua"
uses_fixture "$WORK/good/t/a.test.lua"
list "$WORK/good/t"
check "a trusted fixture file above the test file: provium list passes" status_is 0
check "a trusted fixture file above the test file: its test is listed" out_has "uses the fixture"

# 5. Writable by a group another user is in ($OTHER's primary group): a
# 0775 fixtures/, a 0664 fixture file, a 0664 provium.conf.  Which member
# is named is the host's; the group's name too.
GROUP=$(getent group "$OTHER" | cut -d: -f1)
GROUP=${GROUP:-$OTHER}
by_group="writable by group $GROUP, whose members include "
plant_fixture "$WORK/group"
chgrp "$OTHER" "$WORK/group/fixtures"
chmod 0775 "$WORK/group/fixtures"
uses_fixture "$WORK/group/a.test.lua"
list "$WORK/group"
check "a group-writable fixtures/ of another user's group: exit 2" status_is 2
check "a group-writable fixtures/ of another user's group: never run" not_pwned
check "a group-writable fixtures/ of another user's group: one line says which and why" \
    out_has "fixture 'web': not running $WORK/group/fixtures/web.fixture.lua: $WORK/group/fixtures is $by_group"
chgrp 0 "$WORK/group/fixtures"
chgrp "$OTHER" "$WORK/group/fixtures/web.fixture.lua"
chmod 0664 "$WORK/group/fixtures/web.fixture.lua"
list "$WORK/group"
check "a 0664 fixture file of another user's group: never run" not_pwned
check "a 0664 fixture file of another user's group: says so" \
    out_has "$WORK/group/fixtures/web.fixture.lua is $by_group"
mkdir -p "$WORK/groupconf/t"
printf '[planted]\n' > "$WORK/groupconf/provium.conf"
chgrp "$OTHER" "$WORK/groupconf/provium.conf"
chmod 0664 "$WORK/groupconf/provium.conf"
echo 'test("fine", function(t) end)' > "$WORK/groupconf/t/a.test.lua"
run_t "$WORK/groupconf/t"
check "a 0664 provium.conf of another user's group is not used" status_is 0
check "a 0664 provium.conf of another user's group: one line says why" \
    err_has "provium: not using $WORK/groupconf/provium.conf: $by_group"
# Root's group may write: as before.
chgrp 0 "$WORK/group/fixtures/web.fixture.lua" "$WORK/groupconf/provium.conf"
chmod 0775 "$WORK/good/fixtures"
chmod 0664 "$WORK/good/fixtures/web.fixture.lua"
list "$WORK/good/t"
check "root's group may write the fixture file and fixtures/: it runs" status_is 0
