#!/bin/sh
# Let the user libvirt runs QEMU as reach each PATH, as virt-manager does:
# every directory on the way that this user may not enter gets an ACL entry
# giving it search permission (setfacl -m u:USER:x DIR), and nothing more:
# no other user gains anything, no file's mode changes.  One line says which
# directories changed; nothing is said when none had to.
#
#   tools/qemu-search-acl.sh [-c URI] PATH...
#
# Who QEMU runs as comes from libvirt's capabilities (the DAC model's base
# label, "+64055:+64055"), not from a name.  Needs root (or that user's
# own directories), setfacl (Debian: acl) and setpriv (util-linux).
# tools/setup-debian.sh runs it on the checkout it is in: a checkout in a
# home directory (0700 on Debian 12) or under a `mktemp -d` is otherwise out
# of QEMU's reach, and every boot ends in "could not open kernel file".
set -eu

uri=qemu:///system
if [ "${1:-}" = -c ]; then
    uri=$2
    shift 2
fi
if [ $# -eq 0 ]; then
    echo "usage: $0 [-c URI] PATH..." >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "qemu-search-acl: needs root, to ask and to change as QEMU's user" >&2
    exit 2
fi

caps=$(virsh -q -c "$uri" capabilities)
label() {
    printf '%s\n' "$caps" |
        sed -n "/<model>dac<\/model>/,/<\/secmodel>/s|.*<baselabel type='$1'>+\([0-9]*\):+\([0-9]*\)</baselabel>.*|\1 \2|p" |
        head -n 1
}
ids=$(label kvm)
[ -n "$ids" ] || ids=$(label qemu)
if [ -z "$ids" ]; then
    echo "qemu-search-acl: libvirt at $uri names no user QEMU runs as (no DAC model): nothing to do"
    exit 0
fi
uid=${ids% *}
gid=${ids#* }
user=$(getent passwd "$uid" | cut -d: -f1)
[ -n "$user" ] || user=$uid
if [ "$user" = "$uid" ]; then groups=--clear-groups; else groups=--init-groups; fi

# may_search DIR: whether QEMU's user may search DIR (the kernel's answer,
# ACLs included).
may_search() {
    setpriv --reuid="$uid" --regid="$gid" $groups test -x "$1"
}

# grant DIR: an ACL entry for QEMU's user where it may not search DIR.
changed=""
grant() {
    if ! may_search "$1"; then
        setfacl -m "u:$uid:x" -- "$1"
        changed="$changed $1"
    fi
}

for path in "$@"; do
    real=$(realpath -e -- "$path")
    [ -d "$real" ] || real=$(dirname -- "$real")
    # / first, then each directory below it down to PATH
    grant /
    dir=""
    rest=${real#/}
    while [ -n "$rest" ]; do
        case $rest in
        */*) dir="$dir/${rest%%/*}"; rest=${rest#*/} ;;
        *) dir="$dir/$rest"; rest="" ;;
        esac
        grant "$dir"
    done
    if ! may_search "$real"; then
        echo "qemu-search-acl: $user still may not enter $real" >&2
        exit 1
    fi
done
if [ -n "$changed" ]; then
    echo "qemu-search-acl: QEMU runs as $user, which may now enter$changed (setfacl -m u:$user:x, as virt-manager does)"
fi
