#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The tarball of Debian's linux-source-SERIES: the installed package's for
# the machine's own series (6.1), otherwise the package of whichever
# Debian suite has it (bookworm-backports, sid, experimental), fetched
# once per version into the cache. Prints "VERSION PATH".
#
# usage: source-tarball.sh SERIES
set -eu
tools=$(cd "$(dirname "$0")" && pwd)
. "$tools/common.sh"

series=$1
if [ -f "/usr/src/linux-source-$series.tar.xz" ]; then
	echo "$(deb_version "linux-source-$series") /usr/src/linux-source-$series.tar.xz"
	exit 0
fi
ver=$("$tools/apt.sh" version "linux-source-$series")
[ -n "$ver" ] || die "no Debian suite here has linux-source-$series"
tarball=$XBUF_CACHE/src/linux-source-${series}_$ver.tar.xz
if [ ! -f "$tarball" ]; then
	mkdir -p "$XBUF_CACHE/src"
	tmp=$(mktemp -d "$XBUF_CACHE/tmp.XXXXXX")
	(cd "$tmp" && "$tools/apt.sh" download "linux-source-$series=$ver") ||
		die "cannot download linux-source-$series=$ver"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-*.deb |
		tar -C "$tmp" -x "./usr/src/linux-source-$series.tar.xz"
	# Older versions of the series are of no further use.
	rm -f "$XBUF_CACHE/src/linux-source-${series}_"*
	mv "$tmp/usr/src/linux-source-$series.tar.xz" "$tarball"
	rm -rf "$tmp"
fi
echo "$ver $tarball"
