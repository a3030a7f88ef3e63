#!/bin/sh
# Prepare a Debian 12 machine to build, test and run provium:
#   - install the build dependencies, libvirt, QEMU and the test tools;
#   - start virtlogd and libvirtd when they are not running.
#
# Safe to run again: installed packages and running daemons are left alone.
# Runs itself through sudo when not root.
set -eu

if [ "$(id -u)" != 0 ]; then
    exec sudo "$0" "$@"
fi

packages="
    autoconf automake autopoint gettext make gcc pkg-config
    libglib2.0-dev libvirt-dev libvirt-glib-1.0-dev libxml2-dev
    liblua5.4-dev libmsgpack-dev libjson-glib-dev
    libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
    tini
    binutils cpio e2fsprogs xz-utils
    libxml2-utils librsvg2-bin jq bsdutils
    dpkg-dev debhelper lintian bash-completion
"

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup-debian: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

# libvirt's system daemons.  With systemd, systemd runs them.  Without it
# (containers, minimal VMs), start them here.  libvirtd runs under
# "tini -s", a child subreaper: QEMU processes are daemonized by libvirt and
# so reparented, and an init that is slow to reap them makes every domain
# destroy wait for the zombie to go (seen: 2 s per destroy).
if [ -d /run/systemd/system ]; then
    systemctl start virtlogd.socket libvirtd.socket libvirtd.service
else
    pgrep -x virtlogd >/dev/null || virtlogd -d
    if ! pgrep -x libvirtd >/dev/null; then
        setsid tini -s -- /usr/sbin/libvirtd </dev/null >/var/log/provium-libvirtd.log 2>&1 &
    fi
fi

i=0
until virsh -q -c qemu:///system version >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 60 ]; then
        echo "setup-debian: libvirtd did not come up (see /var/log/provium-libvirtd.log)" >&2
        exit 1
    fi
    sleep 0.5
done
echo "setup-debian: ready ($(virsh -q -c qemu:///system version --daemon 2>/dev/null |
    sed -n 's/^Running against daemon: /libvirtd /p'))"
