#!/bin/sh
# Every golden domain XML (tests/templatedata, tests/perfdata) validates
# against libvirt's own domain schema, and every golden network XML
# (tests/networkdata) against its network schema, so a golden file can't
# bless XML that libvirt would refuse.
set -u
: "${PV_TEST_SRCDIR:?run through make check}"

if ! command -v virt-xml-validate >/dev/null 2>&1; then
    echo "1..0 # SKIP virt-xml-validate not installed (Debian: libvirt-clients)"
    exit 0
fi

n=0
for f in "$PV_TEST_SRCDIR"/templatedata/*.out.xml "$PV_TEST_SRCDIR"/perfdata/*.out.xml \
         "$PV_TEST_SRCDIR"/networkdata/*.xml; do
    n=$((n + 1))
    name=${f#"$PV_TEST_SRCDIR"/}
    case $name in
    networkdata/*) schema=network ;;
    *) schema=domain ;;
    esac
    if out=$(virt-xml-validate "$f" "$schema" 2>&1); then
        echo "ok $n - $name validates"
    else
        echo "not ok $n - $name validates"
        printf '%s\n' "$out" | sed 's/^/# /' | head -20
    fi
done
echo "1..$n"
