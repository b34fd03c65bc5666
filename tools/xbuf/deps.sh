#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages that xbuf's build, checks and VM runs need,
# when any is missing. Needs root for the install.
set -eu

pkgs="linux-headers-amd64 linux-source-6.1 qemu-system-x86 busybox-static
sparse kmod cpio xz-utils gzip perl make gcc libc6-dev python3-docutils
flex bison bc libelf-dev libssl-dev rsync git pahole dpkg-dev
qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
gcc-arm-linux-gnueabihf libc6-dev-armhf-cross dkms openssl gnuplot-nox"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "xbuf: missing Debian packages:$missing; install them as root" >&2
	exit 1
fi
echo "xbuf: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
