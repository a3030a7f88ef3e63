#!/bin/sh
# Build a Debian 12 (bookworm) guest from Debian's archive only: systemd,
# cloud-init (NoCloud, else datasource None), qemu-guest-agent, the network
# stack of Debian's own bookworm cloud images (netplan rendered by cloud-init,
# systemd-networkd, systemd-resolved), linux-image-cloud-amd64, root locked,
# a getty on ttyS0.
#
#   tools/build-debian-image.sh OUTDIR
#   tools/build-debian-image.sh --check   (can it be built here? resolves the
#                                          package versions, downloads no .deb)
#
# Writes OUTDIR/debian.qcow2 (an ext4 root filesystem without a partition
# table: boot it with root=/dev/vda), OUTDIR/vmlinuz and OUTDIR/initrd.img
# (boot them directly), OUTDIR/packages (each package and its version) and
# OUTDIR/stamp.  Files 0644, OUTDIR 0755, so QEMU's user can read them.
#
# Built as root.  Cached by what it is built from: this script and the exact
# version of every package (mmdebstrap --simulate against the archive, a few
# seconds).  A build goes to a cache outside the build tree,
# $PV_DEBIAN_IMAGE_CACHE (default /var/cache/provium/debian-image; "none": no
# cache), one directory per stamp, and is copied into OUTDIR: a fresh checkout
# on the same host rebuilds nothing.  Without the archive, the image OUTDIR
# has is used as it is, else the newest in the cache; another user than root
# can only use the one OUTDIR has.
#
# The archive is the host's apt mirror for bookworm and bookworm-security
# (/etc/apt/sources.list, /etc/apt/sources.list.d/), else deb.debian.org;
# PV_DEBIAN_MIRROR and PV_DEBIAN_SECURITY_MIRROR override them.
#
# Exit status: 0 an image is in OUTDIR; 75 there is none and none can be
# built here (no way to the archive, not root); 1 anything else.
set -eu

out=${1:?usage: build-debian-image.sh OUTDIR | --check}
suite=bookworm
size=4G
me="build-debian-image"

# What the guest is made of.  The network stack is the one Debian's bookworm
# cloud images have (debian-cloud-images, config_space/bookworm: netplan.io,
# systemd-resolved, and cloud-init rendering netplan for systemd-networkd);
# ifupdown is not installed.  No openssh-server: the tests go through the
# guest agent, and host keys made at each first boot cost seconds under
# emulation.
packages="systemd systemd-sysv udev dbus libpam-systemd
          cloud-init netplan.io systemd-resolved libnss-myhostname
          qemu-guest-agent
          linux-image-cloud-amd64 initramfs-tools zstd
          e2fsprogs iproute2 iputils-ping procps less netbase sudo"

for tool in mmdebstrap mke2fs qemu-img sha256sum flock; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "$me: '$tool' is missing; run tools/setup-debian.sh first" >&2
        exit 1
    }
done

# "URI SUITE" for each deb source of the host's apt, one-line and deb822.
host_sources() {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" { print $2, $3 }'
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
        function flush() {
            if (deb && enabled)
                for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print uri[i], su[j]
            deb = 0; enabled = 1; nu = 0; ns = 0
        }
        BEGIN { enabled = 1 }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
        tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
        tolower($1) == "uris:" { for (i = 2; i <= NF; i++) uri[++nu] = $i }
        tolower($1) == "suites:" { for (i = 2; i <= NF; i++) su[++ns] = $i }
        END { flush() }' "$f"
    done
}
# The URI serving suite $1, else one whose path ends in $2, else $3.
pick_mirror() {
    uri=$(host_sources | awk -v s="$1" '$2 == s { print $1; exit }')
    [ -n "$uri" ] || uri=$(host_sources | awk -v p="$2" '$1 ~ p "/?$" { print $1; exit }')
    echo "${uri:-$3}"
}
mirror=${PV_DEBIAN_MIRROR:-$(pick_mirror "$suite" /debian http://deb.debian.org/debian)}
security=${PV_DEBIAN_SECURITY_MIRROR:-$(pick_mirror "$suite-security" /debian-security \
    http://deb.debian.org/debian-security)}
mirror=${mirror%/}
security=${security%/}

# mmdebstrap's arguments, the same for the version check and the build.
set -- --variant=apt --components=main \
    --include="$(echo $packages | tr ' ' ,)" \
    "$suite"
sources() {
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    echo "deb $security $suite-security main"
}

# Removed however the script ends.
tmp=$(mktemp -d)
scratch=$tmp
trap 'rm -rf $scratch' EXIT

# Every package the build would install, with its version (apt's Inst lines),
# into $tmp/versions; else $why says why not.
resolve() {
    rm -rf "$tmp/sim"
    mkdir "$tmp/sim"
    if sources | mmdebstrap --verbose --simulate "$@" "$tmp/sim/out.tar" - > "$tmp/sim.log" 2>&1; then
        awk '/^Inst / { v = $3; sub(/^\(/, "", v); print $2, v }' "$tmp/sim.log" |
            sort -u > "$tmp/versions"
        return 0
    fi
    echo "$me: cannot resolve the packages from $mirror ($suite): mmdebstrap --simulate said:" >&2
    tail -n 8 "$tmp/sim.log" | sed 's/^/    /' >&2
    why=$(grep '^E: ' "$tmp/sim.log" | head -n 1)
    why=${why:-"mmdebstrap --simulate failed"}
    return 1
}

if [ "$out" = --check ]; then
    resolve "$@" || { echo "$me: cannot build the image here: $why" >&2; exit 75; }
    echo "its $(wc -l < "$tmp/versions") packages resolve from $mirror ($suite)"
    exit 0
fi

have_image() {
    [ -f "$1/stamp" ] && [ -f "$1/debian.qcow2" ] && [ -f "$1/vmlinuz" ] &&
        [ -f "$1/initrd.img" ] && [ -f "$1/packages" ]
}

# mmdebstrap's unshare mode would give the tree's files the owners of a
# user namespace, which mke2fs -d would copy: root builds.
if [ "$(id -u)" != 0 ]; then
    if have_image "$out"; then
        echo "$me: using the image in $out as it is (only root builds or checks it)"
        exit 0
    fi
    echo "$me: cannot build the image here: it is built as root (mmdebstrap, then mke2fs -d)" >&2
    exit 75
fi

# The cache: one directory per stamp, a lock for whoever uses it.
cache=${PV_DEBIAN_IMAGE_CACHE:-/var/cache/provium/debian-image}
if [ "$cache" = none ]; then
    cache=$tmp/cache
fi
mkdir -p "$cache"
chmod 0755 "$cache"
exec 9> "$cache/lock"
flock 9
# What a build stopped by SIGKILL or a power cut left (the lock is ours).
rm -rf "$cache"/build.* "$cache"/*.tmp

# Copies the image of cache directory $1 into OUTDIR.  Copies, not hard
# links: libvirt gives a running domain's disks, the overlay's backing file
# included, to QEMU's user (chown) and does not give the backing file back;
# the cache's files stay root's.
install_image() {
    mkdir -p "$out"
    chmod 0755 "$out"
    for f in debian.qcow2 vmlinuz initrd.img packages stamp; do
        rm -f "$out/$f.tmp"
        cp "$1/$f" "$out/$f.tmp"
        chmod 0644 "$out/$f.tmp"
    done
    # The stamp last: an interrupted copy is not taken for a whole image.
    for f in debian.qcow2 vmlinuz initrd.img packages stamp; do mv "$out/$f.tmp" "$out/$f"; done
    touch "$1"
}

# Without the archive: the image there is, else the newest in the cache.
if ! resolve "$@"; then
    if have_image "$out"; then
        echo "$me: using the image in $out as it is (its packages could not be checked against the archive)"
        exit 0
    fi
    newest=$(ls -1dt "$cache"/*/ 2>/dev/null | head -n 1)
    if [ -n "$newest" ] && have_image "$newest"; then
        install_image "$newest"
        echo "$me: $out is the newest image in the cache (its packages could not be checked against the archive)"
        exit 0
    fi
    echo "$me: cannot build the image here: $why" >&2
    exit 75
fi
stamp=$(cat "$0" "$tmp/versions" | sha256sum | cut -d' ' -f1)

if have_image "$out" && [ "$(cat "$out/stamp")" = "$stamp" ]; then
    [ ! -d "$cache/$stamp" ] || touch "$cache/$stamp"
    echo "$me: $out is up to date"
    exit 0
fi

entry=$cache/$stamp
if have_image "$entry" && [ "$(cat "$entry/stamp")" = "$stamp" ]; then
    echo "$me: found in the cache ($entry)"
else
    rm -rf "$entry"
    work=$(mktemp -d "$cache/build.XXXXXX")
    scratch="$scratch $work $entry.tmp"
    chmod 0755 "$work"
    tree=$work/tree
    mkdir "$entry.tmp"
    start=$(date +%s)
    echo "$me: building from $mirror ($suite), $(wc -l < "$tmp/versions") packages ..."

    # Before anything is installed: the modules the initrd must hold to
    # mount root=/dev/vda, and only those (a small initrd boots faster
    # under emulation than initramfs-tools' MODULES=most).
    setup_hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks" &&
        echo MODULES=list > "$1/etc/initramfs-tools/conf.d/virtio-root.conf" &&
        printf "%s\n" "#!/bin/sh" "[ \"\$1\" = prereqs ] && exit 0" \
            ". /usr/share/initramfs-tools/hook-functions" \
            "manual_add_modules virtio_pci virtio_blk virtio_scsi ext4" \
            > "$1/etc/initramfs-tools/hooks/virtio-root" &&
        chmod 0755 "$1/etc/initramfs-tools/hooks/virtio-root"'

    # After: what makes it a guest.
    customize_hook='set -e
        root=$1
        echo "LABEL=debian-root / ext4 rw,errors=remount-ro 0 1" > "$root/etc/fstab"
        echo debian > "$root/etc/hostname"
        printf "%s\n" "127.0.0.1 localhost" "127.0.1.1 debian" \
            "::1 localhost ip6-localhost ip6-loopback" > "$root/etc/hosts"
        # Each VM makes its own machine id at boot (an empty file: not a
        # "first boot", which would run systemctl preset-all).
        : > "$root/etc/machine-id"
        rm -f "$root/var/lib/dbus/machine-id"
        ln -sf /run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
        chroot "$root" passwd --lock root >/dev/null
        chroot "$root" systemctl enable -q systemd-resolved.service serial-getty@ttyS0.service
        # cloud-init: a NoCloud seed (a cidata disk, ds=nocloud on the
        # kernel command line), else datasource None: the guest boots
        # without a seed.  Asked as its debconf question asks it.
        echo "cloud-init cloud-init/datasources multiselect NoCloud, None" |
            chroot "$root" debconf-set-selections
        printf "%s\n" "# to update this file, run dpkg-reconfigure cloud-init" \
            "datasource_list: [ NoCloud, None ]" > "$root/etc/cloud/cloud.cfg.d/90_dpkg.cfg"
        # No locales package: C.UTF-8, which cloud-init then leaves alone.
        echo LANG=C.UTF-8 > "$root/etc/default/locale"
        # No SSH server: cloud-init makes no host keys for it.
        printf "%s\n" "# This image has no SSH server: no host keys to make." \
            "ssh_genkeytypes: []" > "$root/etc/cloud/cloud.cfg.d/50_no_ssh.cfg"
        # e2scrub_reap looks for LVM snapshots at each boot: there is no LVM.
        chroot "$root" systemctl disable -q e2scrub_reap.service e2scrub_all.timer
        rm -rf "$root/var/lib/apt/lists"/* "$root/var/cache/apt"/*.bin
        chroot "$root" dpkg-query -W -f "\${Package} \${Version}\n" > "$root/../packages"
        kver=$(ls "$root/lib/modules")
        chroot "$root" lsinitramfs "/boot/initrd.img-$kver" > "$root/../initrd.list"
        cp "$root/boot/vmlinuz-$kver" "$root/../vmlinuz"
        cp "$root/boot/initrd.img-$kver" "$root/../initrd.img"
        cp "$root/boot/config-$kver" "$root/../config"'

    sources | mmdebstrap --setup-hook="$setup_hook" \
        --customize-hook="$customize_hook" "$@" "$tree" - >&2

    # The initrd mounts root=/dev/vda: virtio PCI, virtio block, ext4, each
    # built in or in the initrd.
    for m in virtio_pci virtio_blk ext4; do
        case $m in ext4) opt=CONFIG_EXT4_FS ;; *) opt=$(echo "CONFIG_$m" | tr a-z A-Z) ;; esac
        grep -qx "$opt=y" "$work/config" && continue
        grep -q "/$m\.ko" "$work/initrd.list" || {
            echo "$me: the initrd lacks $m (neither built in nor in $work/initrd.list)" >&2
            exit 1
        }
    done

    # The root filesystem, built from the tree without mounting anything:
    # ext4 in a sparse raw file, inode tables written now (no lazy init
    # writing them into each VM's overlay), then qcow2.
    tree_done=$(date +%s)
    mke2fs -q -t ext4 -L debian-root -E lazy_itable_init=0,lazy_journal_init=0,nodiscard \
        -d "$tree" "$work/root.raw" "$size" > /dev/null
    qemu-img convert -f raw -O qcow2 "$work/root.raw" "$entry.tmp/debian.qcow2"
    mv "$work/vmlinuz" "$work/initrd.img" "$work/packages" "$entry.tmp/"
    echo "$stamp" > "$entry.tmp/stamp"
    chmod 0644 "$entry.tmp"/*
    chmod 0755 "$entry.tmp"
    mv "$entry.tmp" "$entry"
    rm -rf "$work"
    echo "$me: built in $(( $(date +%s) - start )) s ($(( tree_done - start )) s the tree," \
        "$(( $(date +%s) - tree_done )) s its filesystem): $(du -h "$entry/debian.qcow2" | cut -f1)" \
        "qcow2 ($size virtual)"

    # Keep the three most recently used images.
    ls -1dt "$cache"/*/ 2>/dev/null | sed 1,3d | while read -r old; do
        have_image "$old" && rm -rf "$old"
    done
fi
install_image "$entry"
echo "$me: $out is ready ($(sed -n 's/^linux-image-\([^ ]*\) .*/\1/p' "$out/packages" | head -n 1))"
