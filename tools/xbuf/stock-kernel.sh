#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's stock kernel image matching the installed headers of
# release $1 and unpack it into the cache, once per package version, with
# modules.dep generated. Prints the unpacked root (boot/, lib/modules/).
set -eu
. "$(dirname "$0")/common.sh"

kver=${1:-$(newest_kver)}
[ -n "$kver" ] || die "no linux-headers-*-amd64 installed"
ver=$(deb_version "linux-headers-$kver")
dir=$XBUF_CACHE/stock/${kver}_$ver
if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$XBUF_CACHE/stock"
	tmp=$(mktemp -d "$XBUF_CACHE/tmp.XXXXXX")
	(cd "$tmp" && apt-get download -q \
		"linux-image-$kver-unsigned=$ver" >/dev/null 2>&1) ||
		die "cannot download linux-image-$kver-unsigned=$ver"
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
	depmod -b "$tmp/root" "$kver"
	rm -rf "$dir"
	mv "$tmp/root" "$dir"
	rm -rf "$tmp"
	touch "$dir/.complete"
fi
echo "$dir"
