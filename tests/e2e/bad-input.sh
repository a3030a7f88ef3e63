#!/bin/sh
# User mistakes: one clear line (or a failed test) naming the file and line
# or the option, exit 2 for usage, and nothing left behind.
. "$(dirname "$0")/../lib.sh"

write_conf
mkdir "$WORK/t"
cp "$WORK/provium.conf" "$WORK/t/"

echo 'test("x", function(t) end' > "$WORK/t/syntax.test.lua"
run_provium "$WORK/t/syntax.test.lua"
check "syntax error: exit 2" status_is 2
check "syntax error: file and line" out_has "syntax.test.lua:2: ')' expected"

printf 'local cfg = nil\nprint(cfg.port)\n' > "$WORK/t/top.test.lua"
run_provium "$WORK/t/top.test.lua"
check "top-level error: exit 2" status_is 2
check "top-level error: file and line" out_has "top.test.lua:2: attempt to index a nil value"

printf 'test("a", function(t)\n  provium:vm("w", "nope"):boot()\nend)\n' > "$WORK/t/profile.test.lua"
run_provium "$WORK/t/profile.test.lua"
check "unknown profile: a failed test" status_is 1
check "unknown profile: file, line and the profiles there are" \
    out_has "profile.test.lua:2: unknown profile 'nope' in"

printf 'test("a", function(t)\n  provium:vm("w", {memory = "4X"}):boot()\nend)\n' > "$WORK/t/size.test.lua"
run_provium "$WORK/t/size.test.lua"
check "malformed size: a failed test" status_is 1
check "malformed size: file and line" out_has "size.test.lua:2: memory: invalid size '4X'"

run_provium --timeout 5x "$WORK/t/size.test.lua"
check "malformed duration option: exit 2" status_is 2
check "malformed duration option: one line naming the option" err_has "provium: --timeout: invalid duration '5x'"
check "malformed duration option: only that line" err_is_one_line

mkdir "$WORK/tpl"
printf '[profile default]\ntemplate = net.xml\nkernel = %s/vmlinuz\n' "$PV_TEST_IMAGE" > "$WORK/tpl/provium.conf"
echo '<network><name>n</name></network>' > "$WORK/tpl/net.xml"
printf 'test("a", function(t)\n  provium:vm("w"):boot()\nend)\n' > "$WORK/tpl/t.test.lua"
run_provium "$WORK/tpl"
check "template that is not domain XML: a failed test" status_is 1
check "template that is not domain XML: says so" out_has "is not libvirt domain XML: the root element is <network>"

# The default template's qboot cannot run a disk's own bootloader: said at
# once, not after the boot timeout.
mkdir "$WORK/boot"
cp "$PV_TEST_IMAGE/data.img" "$WORK/boot/base.img"
printf '[profile default]\ndisk = base.img\n' > "$WORK/boot/provium.conf"
printf 'test("a", function(t)\n  provium:vm("w"):boot()\nend)\n' > "$WORK/boot/t.test.lua"
run_provium "$WORK/boot"
check "a disk without a kernel, default template: a failed test" status_is 1
check "a disk without a kernel, default template: names file, line and profile" \
    out_has "t.test.lua:2: profile 'default': "
check "a disk without a kernel, default template: says why and what to do" \
    out_has "default.xml: the template's firmware /usr/share/qemu/qboot.rom starts only a kernel given directly, not a disk's own bootloader: give the profile a kernel, or use template = full"
check "a disk without a kernel: nothing left in virsh list --all" no_domains_left

printf '[profile default]\nmemroy = 1G\n' > "$WORK/tpl/provium.conf"
run_provium "$WORK/tpl"
check "config typo: exit 2" status_is 2
check "config typo: one line naming file, line and key" err_has "provium.conf:2: [profile default]: unknown key 'memroy'"

"$PROVIUM" -c "test:///$WORK/no-such-node.xml" --results-dir "$WORK/runs" "$WORK/t/size.test.lua" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "unreachable URI: exit 2" status_is 2
check "unreachable URI: one line naming it" err_has "provium: cannot connect to libvirt at 'test:///$WORK/no-such-node.xml'"
check "unreachable URI: only that line" err_is_one_line

run_provium "$WORK/nope"
check "missing path: exit 2" status_is 2
check "missing path: one line" err_has "provium: $WORK/nope: no such file or directory"

run_provium --frobnicate
check "unknown option: exit 2" status_is 2
check "unknown option: points at --help" err_has "see provium --help"

"$PROVIUM" -c "$URI" --results-dir "$WORK/fresh" --timeout 5x "$WORK/t" > /dev/null 2>&1
check "a usage error creates no run directory" test ! -e "$WORK/fresh"
check "nothing left in virsh list --all" no_domains_left
