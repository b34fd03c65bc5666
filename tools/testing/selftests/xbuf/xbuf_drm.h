/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DRM helper shared by the xbuf kselftests that use vgem.
 */
#ifndef XBUF_DRM_H
#define XBUF_DRM_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm/drm.h>

/* Open the DRM card whose driver is @driver; -1 if there is none. */
static inline int drm_open_driver(const char *driver)
{
	char path[64], name[64];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name = name,
					 .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, driver))
			return fd;
		close(fd);
	}
	return -1;
}

#endif /* XBUF_DRM_H */
