#!/bin/sh
# Build provium's test image: a Debian cloud kernel and an initramfs holding
# busybox and qemu-guest-agent, from Debian's own packages (apt-get download).
#
#   tools/build-test-image.sh OUTDIR
#   tools/build-test-image.sh --check   (what provium doctor runs: can it be
#                                        built here? downloads nothing)
#
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.img and OUTDIR/data.img (a small ext4
# disk for disk-profile tests).  Rebuilds only when the package versions or this
# script change (OUTDIR/stamp records them).
set -eu

out=${1:?usage: build-test-image.sh OUTDIR | --check}
arch=amd64
kernel_meta=linux-image-cloud-amd64
libs="libc6 libgcc-s1 libglib2.0-0 libpcre2-8-0 libffi8 libmount1 libblkid1
      libselinux1 zlib1g liburing2 libnuma1 libudev1"
modules="virtio_pci virtio_console virtio_blk virtio_net virtio-rng virtio_scsi sd_mod"

for tool in apt-get apt-cache dpkg-deb readelf cpio gzip mke2fs sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "build-test-image: '$tool' is missing; run tools/setup-debian.sh first" >&2
        exit 1
    }
done

kernel_pkg=$(apt-cache depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$kernel_pkg" ] || { echo "build-test-image: cannot resolve $kernel_meta (apt-get update?)" >&2; exit 1; }
pkgs="$kernel_pkg busybox-static qemu-guest-agent $libs"

if [ "$out" = --check ]; then
    for p in $pkgs; do
        candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
        case "$candidate" in
        ""|"(none)")
            echo "build-test-image: no candidate for package $p (apt-get update?)" >&2
            exit 1 ;;
        esac
    done
    echo "its packages resolve from apt ($kernel_pkg, busybox-static, qemu-guest-agent)"
    exit 0
fi

# The stamp: this script plus the exact version of every input package.
stamp=$( { cat "$0"; for p in $pkgs; do
              apt-cache policy "$p" | awk -v p="$p" '/Candidate:/ { print p, $2 }'
          done; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] &&
   [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] && [ -f "$out/data.img" ]; then
    echo "build-test-image: $out is up to date"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
mkdir "$work/debs" "$work/x" "$work/root"
# apt drops privileges to _apt for downloads when it can write the directory.
if id _apt >/dev/null 2>&1; then chown _apt "$work/debs"; fi
(cd "$work/debs" && apt-get download -q $pkgs >/dev/null)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done

x=$work/x
root=$work/root
kver=${kernel_pkg#linux-image-}

mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin "$root"/lib64 \
         "$root"/lib/x86_64-linux-gnu "$root"/etc "$root"/proc "$root"/sys \
         "$root"/dev "$root"/run "$root"/tmp "$root"/mnt "$root"/root "$root"/var
ln -s ../run "$root/var/run"
chmod 1777 "$root/tmp"

# busybox and its applets, linked at build time so boot does no extra work.
cp "$x/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# qemu-ga asks /sbin/shutdown to power off or reboot the guest.
rm -f "$root/sbin/shutdown"
cat > "$root/sbin/shutdown" <<'SH'
#!/bin/sh
case " $* " in
*" -r "*) exec /bin/busybox reboot -f ;;
*) exec /bin/busybox poweroff -f ;;
esac
SH
chmod 0755 "$root/sbin/shutdown"

# qemu-ga and the shared libraries it needs, found from the ELF headers.
cp "$x/usr/sbin/qemu-ga" "$root/usr/sbin/qemu-ga"
find_lib() {
    for d in "$x/lib/x86_64-linux-gnu" "$x/usr/lib/x86_64-linux-gnu" "$x/lib64"; do
        [ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
todo="$root/usr/sbin/qemu-ga"
while [ -n "$todo" ]; do
    next=""
    for elf in $todo; do
        for so in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            [ -e "$root/lib/x86_64-linux-gnu/$so" ] && continue
            src=$(find_lib "$so") || {
                echo "build-test-image: $so (needed by $(basename "$elf")) is in no package listed" >&2
                exit 1
            }
            cp -L "$src" "$root/lib/x86_64-linux-gnu/$so"
            next="$next $root/lib/x86_64-linux-gnu/$so"
        done
    done
    todo=$next
done
cp -L "$(find_lib ld-linux-x86-64.so.2)" "$root/lib64/ld-linux-x86-64.so.2"

# Kernel modules for the virtio devices, with their dependencies.
moddir=$x/lib/modules/$kver
modinfo_depends() {
    objcopy -O binary --only-section=.modinfo "$1" /dev/stdout 2>/dev/null |
        tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}
module_path() {
    path=$(find "$moddir" -name "$1.ko" | head -n 1)
    [ -n "$path" ] || { echo "build-test-image: module $1 not found in $kernel_pkg" >&2; exit 1; }
    echo "$path"
}
# POSIX sh has no local variables: everything after the recursion is
# recomputed from "$1" instead of being kept in a variable.
copy_module() {
    [ -e "$root/lib/modules/$kver/$1.ko" ] && return 0
    for dep in $(modinfo_depends "$(module_path "$1")"); do copy_module "$dep"; done
    cp "$(module_path "$1")" "$root/lib/modules/$kver/$1.ko"
    echo "$1" >> "$work/modules.order"
}
mkdir -p "$root/lib/modules/$kver"
: > "$work/modules.order"
for m in $modules; do copy_module "$m"; done
# Load order: dependencies first, as copy_module recorded them.
cp "$work/modules.order" "$root/lib/modules/$kver/load-order"

cat > "$root/init" <<'SH'
#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
kver=$(uname -r)
for m in $(cat /lib/modules/$kver/load-order); do
    insmod /lib/modules/$kver/$m.ko 2>/dev/null
done
ip link set lo up
agent=1
for arg in $(cat /proc/cmdline); do
    case $arg in
    provium.agent=0) agent=0 ;;
    provium.hostname=*) hostname "${arg#provium.hostname=}" ;;
    esac
done
echo "provium-guest: init done"
if [ $agent = 1 ]; then
    port=""
    i=0
    while [ -z "$port" ] && [ $i -lt 100 ]; do
        for p in /sys/class/virtio-ports/*; do
            [ "$(cat "$p/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] && port=/dev/${p##*/}
        done
        [ -n "$port" ] || { sleep 0.1; i=$((i + 1)); }
    done
    if [ -n "$port" ]; then
        (while true; do qemu-ga -m virtio-serial -p "$port" -t /run; sleep 1; done) &
        echo "provium-guest: agent started on $port"
    else
        echo "provium-guest: no org.qemu.guest_agent.0 port"
    fi
else
    echo "provium-guest: agent disabled"
fi
while true; do
    setsid cttyhack sh -l
done
SH
chmod 0755 "$root/init"

# The script busybox udhcpc runs (its default path): provium runs udhcpc
# through the guest agent on networks where libvirt serves DHCP; nothing
# starts it at boot.
mkdir -p "$root/etc/udhcpc"
cat > "$root/etc/udhcpc/default.script" <<'SH'
#!/bin/sh
# udhcpc's events: $interface, $ip, $mask (prefix length), $router, $dns.
case $1 in
deconfig)
    ip addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    for r in $router; do
        ip route replace default via "$r" dev "$interface"
        break
    done
    if [ -n "$dns" ]; then
        : > /etc/resolv.conf
        for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    fi
    ;;
esac
exit 0
SH
chmod 0755 "$root/etc/udhcpc/default.script"
echo "provium-guest" > "$root/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

mkdir -p "$out"
tmp_initrd=$out/initrd.img.tmp
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp_initrd"
cp "$x/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"

# A small ext4 data disk, built without mounting anything.
mkdir -p "$work/data"
echo "provium data disk" > "$work/data/hello.txt"
rm -f "$out/data.img.tmp"
mke2fs -q -t ext4 -L provium-data -d "$work/data" "$out/data.img.tmp" 8M >/dev/null

chmod 0644 "$out/vmlinuz.tmp" "$tmp_initrd" "$out/data.img.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$tmp_initrd" "$out/initrd.img"
mv "$out/data.img.tmp" "$out/data.img"
echo "$stamp" > "$out/stamp"
echo "build-test-image: built $out from $kernel_pkg"
