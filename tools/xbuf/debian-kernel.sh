#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fetch one of Debian's kernels, its image and its headers, from any suite
# and for any architecture, into the cache, once per package version:
# the image unpacked with modules.dep generated (boot/, lib/modules/,
# usr/lib/linux-image-*/ for device trees), and the headers unpacked into
# a tree that out-of-tree modules build against. The headers' build tools
# (linux-kbuild) are always the host's, amd64: they are the same for every
# target, so one tree cross-builds for arm64 and armhf.
#
# usage: debian-kernel.sh ARCH FLAVOUR SUITE
#   e.g. amd64 amd64 bookworm-backports, arm64 arm64 bookworm-security,
#   armhf armmp bookworm-backports
# Prints "KERNELRELEASE DIR"; the headers tree is DIR/headers/usr/src/
# linux-headers-KERNELRELEASE.
set -eu
tools=$(cd "$(dirname "$0")" && pwd)
. "$tools/common.sh"

arch=$1 flavour=$2 suite=$3
apt=$tools/apt.sh

# The metapackage of the suite names the current kernel package.
pkg=$("$apt" depends "linux-headers-$flavour:$arch/$suite")
[ -n "$pkg" ] || die "$suite has no linux-headers-$flavour for $arch"
kver=${pkg#linux-headers-}
ver=$("$apt" show "$pkg:$arch/$suite" | sed -n 's/^Version: //p' | head -n 1)
dir=$XBUF_CACHE/debian/$arch-${kver}_$ver
if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$XBUF_CACHE/debian"
	tmp=$(mktemp -d "$XBUF_CACHE/tmp.XXXXXX")
	deps=$("$apt" show "$pkg:$arch/$suite" | sed -n 's/^Depends: //p' |
		head -n 1 | tr ',' '\n')
	common=$(echo "$deps" | sed -n 's/^ *\(linux-headers-[^ ]*-common\) .*/\1/p')
	kbuild=$(echo "$deps" | sed -n 's/^ *\(linux-kbuild-[^ ,]*\).*/\1/p')
	[ -n "$common" ] && [ -n "$kbuild" ] ||
		die "cannot read the dependencies of $pkg"
	# Images of architectures with secure boot come signed and
	# unsigned; the unsigned package is the same kernel, alone.
	(cd "$tmp" && { "$apt" download "linux-image-$kver-unsigned:$arch=$ver" ||
		"$apt" download "linux-image-$kver:$arch=$ver"; } &&
		"$apt" download "$pkg:$arch=$ver" "$common=$ver" \
			"$kbuild:amd64=$ver") ||
		die "cannot download the $kver packages"
	for d in "$tmp"/linux-image-*.deb; do
		dpkg-deb -x "$d" "$tmp/root"
	done
	for d in "$tmp"/linux-headers-*.deb "$tmp"/linux-kbuild-*.deb; do
		dpkg-deb -x "$d" "$tmp/headers"
	done
	depmod -b "$tmp/root" "$kver"
	# The headers' Makefile includes the common part by absolute path.
	hdr=$tmp/headers/usr/src/linux-headers-$kver
	sed -i "s|^include /usr/src/|include $dir/headers/usr/src/|" \
		"$hdr/Makefile"
	rm -rf "$dir"
	mkdir -p "$dir"
	mv "$tmp/root" "$tmp/headers" "$dir/"
	rm -rf "$tmp"
	touch "$dir/.complete"
fi
echo "$kver $dir"
