#!/bin/sh
# Prepare a Debian 12 machine to build, test and run provium:
#   - install the build dependencies, libvirt, QEMU (and dnsmasq, libvirt's
#     DHCP server for networks with a host address) and the test tools
#     (Chromium, tidy and Python for the report page's browser test;
#     mmdebstrap for the Debian guest, tools/build-debian-image.sh; ovmf,
#     the UEFI firmware libvirt picks for firmware = efi, and what
#     tests/e2e/efi.sh builds a UEFI-bootable disk with: systemd-boot-efi's
#     stub, mtools, fdisk's sfdisk);
#   - give /dev/kvm udev's ownership where no udev manages it;
#   - start virtlogd and libvirtd when they are not running;
#   - let the user QEMU runs as reach this checkout (an ACL on each
#     directory above it that it may not enter, as virt-manager does);
#   - end with `provium doctor` when provium is built or installed.
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
    liblua5.4-dev libmsgpack-dev libjson-glib-dev nettle-dev
    libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
    dnsmasq-base ovmf
    tini acl
    binutils cpio e2fsprogs xz-utils mmdebstrap
    systemd-boot-efi mtools fdisk
    libxml2-utils librsvg2-bin jq bsdutils
    chromium tidy python3
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

# /dev/kvm: udev makes it root:kvm 0660 on Debian, and QEMU (libvirt-qemu, in
# group kvm) relies on that.  Containers and minimal VMs without udev leave
# it root:root 0600, and every KVM boot fails with "Permission denied".  Done
# before libvirtd starts, which reads the device's state for its
# capabilities.  (Whether KVM then really works, nested KVM may still hang
# guests, is provium's probe's business: see provium doctor.)
udev_running() {
    pgrep -x systemd-udevd >/dev/null 2>&1 || pgrep -x udevd >/dev/null 2>&1
}
if [ -c /dev/kvm ] && ! udev_running && getent group kvm >/dev/null &&
   [ "$(stat -c %G:%a /dev/kvm)" != "kvm:660" ]; then
    echo "setup-debian: no udev manages /dev/kvm: giving it udev's ownership (root:kvm 0660)"
    chgrp kvm /dev/kvm
    chmod 0660 /dev/kvm
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

# QEMU runs as libvirt's user (libvirt-qemu), not root: it must be able to
# enter every directory above the test image and the run directories.  A
# checkout in a home directory (0700 on Debian 12) or under a `mktemp -d`
# keeps it out, and every boot would fail with "could not open kernel
# file": give that one user search permission there, and say so.
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tools/qemu-search-acl.sh" -c qemu:///system "$top" ||
    echo "setup-debian: QEMU's user may not reach $top (see provium doctor)" >&2

# The doctor: what this host can do, once provium is there to ask.
if [ -x "$top/src/provium" ]; then
    doctor="$top/src/provium"
elif command -v provium >/dev/null 2>&1; then
    doctor=provium
else
    echo "setup-debian: build provium, then run 'provium doctor' to check this host"
    exit 0
fi
"$doctor" doctor -c qemu:///system
