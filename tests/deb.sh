#!/bin/sh
# The Debian package, as a user on Debian 12 gets it:
#   - built by `dpkg-buildpackage -us -uc -b` (dh_auto_test included) from a
#     copy of the tree: the release tarball's files (`make distdir`) in a
#     scratch directory, so nothing is written to the source tree;
#   - checked by lintian: no errors (warnings are listed, debian/README.source
#     says which are expected);
#   - unpacked (dpkg -x) into a scratch root that holds only the package's
#     files and the shared libraries its binary links, and run there under
#     chroot with an empty environment: `provium --version`, `provium list`
#     on the installed examples and a run on libvirt's test driver.  In that
#     root the build tree does not exist and PROVIUM_DATADIR is unset, so the
#     prelude and the template can only come from the installed
#     /usr/share/provium; removing each there makes provium fail naming it.
# Installing into the real machine would prove less (its /usr may already
# hold another provium's files) and change a host others use.
#
# Slow (a full package build: 90 to 100 s here, 35 CPU-s); skipped without
# dpkg-buildpackage and debhelper (tools/setup-debian.sh installs them).
. "$(dirname "$0")/lib.sh"

skip_all() {
    trap - EXIT
    rm -rf "$WORK"
    echo "1..0 # SKIP $1"
    exit 0
}
skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

[ -z "${PV_DEB_BUILD:-}" ] || skip_all "inside the package build itself (debian/rules)"
command -v dpkg-buildpackage >/dev/null || skip_all "dpkg-buildpackage is not installed (dpkg-dev)"
command -v dh >/dev/null || skip_all "debhelper is not installed"

srcdir=$(cd "$PV_TEST_SRCDIR/.." && pwd)
builddir=$(cd "$PV_TEST_BUILDDIR/.." && pwd)
version=$("$PROVIUM" --version | sed -n 's/^provium //p')
arch=$(dpkg --print-architecture)
deb="$WORK/provium_${version}_$arch.deb"

# What the source tree holds now, to check that the build adds nothing to
# it: git's view of it (the other tests of make -j2 check write their logs,
# ignored, beside the sources in an in-tree build), else the files of a
# separate source tree (distcheck's read-only one).
if git -C "$srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    tree_state() { git -C "$srcdir" --no-optional-locks status --porcelain --untracked-files=all; }
elif [ "$srcdir" != "$builddir" ]; then
    tree_state() { (cd "$srcdir" && find . | LC_ALL=C sort); }
else
    tree_state() { :; }
fi
tree_state > "$WORK/tree.before"

check "debian/changelog's version is configure.ac's ($version)" \
    test "$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Version)" = "$version"

# make distdir wants a path relative to the build tree (its po/ subdirectory
# prefixes "../").
copy="$WORK/provium-$version"
rel=$(realpath -m --relative-to="$builddir" "$copy")
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$builddir" distdir distdir="$rel" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "a copy of the tree (make distdir)" status_is 0

(cd "$copy" && dpkg-checkbuilddeps) > "$WORK/out" 2> "$WORK/err"
status=$?
check "build dependencies installed (dpkg-checkbuilddeps)" status_is 0

# As a user would, in a clean environment: nothing of this make check
# (MAKEFLAGS with its TESTS=, PROVIUM_DATADIR, ...) may leak into the build.
# One job: the other tests of make -j2 check keep a CPU.
started=$(date +%s)
(cd "$copy" && env -i PATH="$PATH" HOME="$HOME" LC_ALL=C.UTF-8 DEB_BUILD_OPTIONS=parallel=1 \
    dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1
status=$?
echo "# dpkg-buildpackage -us -uc -b: $(($(date +%s) - started)) s"
# What failed in dh_auto_test's make check (VERBOSE=1 puts the failed
# tests' logs in build.log), then how the build ended.
{
    grep -E '^(FAIL|ERROR): |^# (out|err|not passed): ' "$WORK/build.log" | head -40
    tail -20 "$WORK/build.log"
} > "$WORK/err"
check "dpkg-buildpackage -us -uc -b succeeds" status_is 0
check "it makes provium_${version}_$arch.deb" test -f "$deb"
check "dh_auto_test ran the unit tests and they passed" \
    sh -c "grep -q '^# PASS: *[1-9]' '$WORK/build.log' && grep -q '^# FAIL: *0$' '$WORK/build.log'"
tree_state | diff "$WORK/tree.before" - > "$WORK/err"
status=$?
check "the source tree is left as it was" status_is 0

dpkg-deb -c "$deb" | awk '{ print $6 }' > "$WORK/out"
for path in \
    ./usr/bin/provium \
    ./usr/share/provium/lua/prelude.lua \
    ./usr/share/provium/lua/stubs/provium.lua \
    ./usr/share/provium/xml-templates/default.xml \
    ./usr/share/man/man1/provium.1.gz \
    ./usr/share/bash-completion/completions/provium \
    ./usr/share/doc/provium/copyright \
    ./usr/share/doc/provium/examples/boot.test.lua \
    ./usr/share/doc/provium/examples/.luarc.json; do
    check "the package installs $path" grep -qxF "$path" "$WORK/out"
done
# Each translation of po/LINGUAS, where Debian puts them.
for lang in $(sed 's/#.*//' "$srcdir/po/LINGUAS"); do
    check "the package installs the $lang translation" \
        grep -qxF "./usr/share/locale/$lang/LC_MESSAGES/provium.mo" "$WORK/out"
done
check "Depends: the shared libraries (shlibs), libvirt0 among them" \
    sh -c "dpkg-deb -f '$deb' Depends | grep -q 'libvirt0' && dpkg-deb -f '$deb' Depends | grep -q 'liblua5.4'"
check "Recommends: libvirt-daemon-system, qemu-system-x86, qemu-utils" \
    test "$(dpkg-deb -f "$deb" Recommends)" = "libvirt-daemon-system, qemu-system-x86, qemu-utils"

if command -v lintian >/dev/null; then
    lintian --no-tag-display-limit "$WORK/provium_${version}_$arch.changes" \
        > "$WORK/out" 2> "$WORK/err"
    sed -n 's/^/# lintian: /p' "$WORK/out"
    check "lintian: no errors" sh -c "! grep -q '^E:' '$WORK/out'"
else
    skip "lintian is not installed"
fi

# The scratch root: the package and the libraries its binary links.
root="$WORK/root"
mkdir -p "$root/tmp/t"
dpkg -x "$deb" "$root"
for lib in $(ldd "$root/usr/bin/provium" |
             sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
if [ "$(id -u)" = 0 ]; then
    chroot_cmd="chroot"
elif unshare -r true 2>/dev/null; then
    chroot_cmd="unshare -r chroot"
else
    chroot_cmd=
fi
# Nothing of this environment goes in: no PROVIUM_DATADIR, no build tree.
in_root() {
    # shellcheck disable=SC2086
    env -i PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/tmp LC_ALL=C.UTF-8 \
        $chroot_cmd "$root" "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
cat > "$root/tmp/t/a.test.lua" <<'LUA'
test("boots on the test driver", function(t)
    local vm = provium:vm("v"):boot({agent = false})
    t:assert_eq("running", vm:state())
end)
LUA

if [ -z "$chroot_cmd" ]; then
    skip "running the installed provium needs root or user namespaces (for chroot)"
else
    in_root /usr/bin/provium --version
    check "installed: provium --version" sh -c "[ $status = 0 ] && grep -qx 'provium $version' '$WORK/out'"

    in_root /usr/bin/provium list /usr/share/doc/provium/examples
    check "installed: provium list on the installed examples" \
        sh -c "[ $status = 0 ] && grep -qx '/usr/share/doc/provium/examples/boot.test.lua' '$WORK/out' &&
               grep -qx '  boots and runs a command' '$WORK/out'"

    in_root /usr/bin/provium -c test:///default --no-psi --no-ksm --results-dir /tmp/runs /tmp/t
    check "installed: a run on libvirt's test driver passes" \
        sh -c "[ $status = 0 ] && grep -qx '1 passed, 0 failed, 0 skipped' '$WORK/out'"
    check "installed: the domain came from the installed template" \
        sh -c "grep -q org.qemu.guest_agent.0 '$root'/tmp/runs/*/vms/*-a-v.xml"

    in_root /usr/bin/provium __complete commands
    check "installed: the completion's helper answers" grep -qx list "$WORK/out"

    mv "$root/usr/share/provium/lua/prelude.lua" "$WORK/prelude.lua"
    in_root /usr/bin/provium list /usr/share/doc/provium/examples
    check "without the installed prelude: provium says it reads /usr/share/provium" \
        sh -c "[ $status = 2 ] && grep -q '/usr/share/provium/lua/prelude.lua' '$WORK/out'"
    mv "$WORK/prelude.lua" "$root/usr/share/provium/lua/prelude.lua"

    mv "$root/usr/share/provium/xml-templates/default.xml" "$WORK/default.xml"
    in_root /usr/bin/provium -c test:///default --no-psi --no-ksm --results-dir /tmp/runs /tmp/t
    check "without the installed template: the run fails naming /usr/share/provium" \
        sh -c "[ $status != 0 ] && grep -q '/usr/share/provium/xml-templates' '$WORK/out' '$WORK/err'"
fi
