# SPDX-License-Identifier: GPL-2.0
# Shared by the xbuf tool scripts: the cache location and small helpers.

XBUF_CACHE=${XBUF_CACHE:-/var/tmp/xbuf-cache}

die() {
	echo "xbuf: $*" >&2
	exit 1
}

# Version of an installed Debian package.
deb_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null ||
		die "package $1 is not installed"
}

# The newest installed Debian amd64 headers: their kernel release.
newest_kver() {
	# On a board, the running kernel; the VMs boot Debian's amd64 one.
	if [ "$(uname -m)" != x86_64 ]; then
		uname -r
		return
	fi
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null |
		sed 's|.*/linux-headers-||' | sort -V | tail -n 1
}
