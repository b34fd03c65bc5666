// SPDX-License-Identifier: GPL-2.0
/*
 * The edu engine: QEMU's "edu" educational PCI device (1234:11e8), a real
 * bus master. Its DMA engine moves at most 4 KiB between RAM and a buffer
 * inside the device, so a copy is two transfers per chunk: RAM to device,
 * device to RAM. Each transfer completes with an interrupt. The device
 * masks DMA addresses to 28 bits by default; behind an IOMMU the mask is
 * honoured by the IOVA allocator.
 *
 * QEMU completes each transfer after 100 ms of virtual time, so the engine
 * moves about 20 KiB/s: it proves the PCI, IOMMU and interrupt path, it is
 * not fast.
 */

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "compat.h"
#include "dma.h"

#define EDU_REG_ID		0x00
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MAGIC		0xed	/* low byte of EDU_REG_ID */
#define EDU_IRQ_DMA		0x100
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2	/* else RAM to the device buffer */
#define EDU_DMA_IRQ		0x4
#define EDU_BUF_ADDR		0x40000	/* device buffer, device side */
/*
 * The buffer holds 4 KiB, but QEMU 7.2 aborts the whole VM on a transfer
 * that ends exactly at its end (its range check is off by one): transfer
 * at most one byte less.
 */
#define EDU_MAX_TRANSFER	(SZ_4K - 1)

/* Ten times what QEMU takes for one transfer. */
#define EDU_TIMEOUT		msecs_to_jiffies(1000)

static unsigned int edu_dma_bits = 28;
module_param(edu_dma_bits, uint, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA mask width of the edu device (12-32, default 28, as QEMU's dma_mask property)");

/**
 * struct xbuf_edu - one bound edu device
 * @pdev: the PCI device
 * @regs: BAR 0
 * @done: completed by the DMA interrupt
 * @in_use: an engine runs on this device
 * @dead: a transfer never finished: bus mastering stays off
 */
struct xbuf_edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct completion done;
	bool in_use;
	bool dead;
};

/* The engine uses the first edu device bound. */
static struct xbuf_edu *xbuf_edu_dev;
static DEFINE_MUTEX(xbuf_edu_lock);

struct xbuf_edu_engine {
	struct xbuf_engine engine;
	struct xbuf_edu *edu;
};

static irqreturn_t xbuf_edu_irq(int irq, void *data)
{
	struct xbuf_edu *edu = data;
	u32 status = ioread32(edu->regs + EDU_REG_IRQ_STATUS);

	if (!status)
		return IRQ_NONE;
	iowrite32(status, edu->regs + EDU_REG_IRQ_ACK);
	if (status & EDU_IRQ_DMA)
		complete(&edu->done);
	return IRQ_HANDLED;
}

/*
 * A transfer did not complete in time. edu has no way to abort one: cut
 * its bus mastering first, so that nothing it still does reaches memory
 * the job is about to give back, then let the transfer run out (the
 * device clears EDU_DMA_RUN) before it may master again. One that never
 * runs out leaves the device off for good.
 */
static void xbuf_edu_quiesce(struct xbuf_edu *edu)
{
	u32 cmd;

	pci_clear_master(edu->pdev);
	if (readx_poll_timeout(ioread32, edu->regs + EDU_REG_DMA_CMD, cmd,
			       !(cmd & EDU_DMA_RUN), 10 * USEC_PER_MSEC,
			       10 * USEC_PER_SEC)) {
		edu->dead = true;
		dev_err(&edu->pdev->dev,
			"DMA transfer never finished: device disabled\n");
		return;
	}
	pci_set_master(edu->pdev);
}

/*
 * One transfer between RAM and the device buffer. Addresses fit in 32 bits
 * (edu_dma_bits <= 32), and a 32-bit write of a register sets all of it.
 */
static int xbuf_edu_transfer(struct xbuf_edu *edu, dma_addr_t src,
			     dma_addr_t dst, size_t len, u32 dir)
{
	if (edu->dead)
		return -EIO;
	reinit_completion(&edu->done);
	iowrite32(lower_32_bits(src), edu->regs + EDU_REG_DMA_SRC);
	iowrite32(lower_32_bits(dst), edu->regs + EDU_REG_DMA_DST);
	iowrite32(len, edu->regs + EDU_REG_DMA_COUNT);
	iowrite32(EDU_DMA_RUN | EDU_DMA_IRQ | dir, edu->regs + EDU_REG_DMA_CMD);
	if (!wait_for_completion_timeout(&edu->done, EDU_TIMEOUT)) {
		xbuf_edu_quiesce(edu);
		return -ETIMEDOUT;
	}
	return 0;
}

static int xbuf_edu_copy(struct xbuf_engine *engine, dma_addr_t dst,
			 dma_addr_t src, size_t len)
{
	struct xbuf_edu *edu = container_of(engine, struct xbuf_edu_engine,
					    engine)->edu;
	int ret;

	/* The engine's max_copy keeps len within the device buffer. */
	ret = xbuf_edu_transfer(edu, src, EDU_BUF_ADDR, len, 0);
	if (!ret)
		ret = xbuf_edu_transfer(edu, EDU_BUF_ADDR, dst, len,
					EDU_DMA_TO_RAM);
	return ret;
}

static void xbuf_edu_destroy(struct xbuf_engine *engine)
{
	struct xbuf_edu_engine *ee = container_of(engine,
						  struct xbuf_edu_engine,
						  engine);

	mutex_lock(&xbuf_edu_lock);
	ee->edu->in_use = false;
	mutex_unlock(&xbuf_edu_lock);
	kfree(ee);
}

static const struct xbuf_engine_ops xbuf_edu_ops = {
	.copy = xbuf_edu_copy,
	.destroy = xbuf_edu_destroy,
};

/**
 * xbuf_edu_create() - create an engine on the bound edu device
 *
 * Return: the engine, or an ERR_PTR: -ENODEV when no edu device is bound,
 * -EBUSY when its engine exists already, -ENOMEM.
 */
struct xbuf_engine *xbuf_edu_create(void)
{
	struct xbuf_edu_engine *ee;
	int ret = -ENODEV;

	mutex_lock(&xbuf_edu_lock);
	if (!xbuf_edu_dev || xbuf_edu_dev->in_use)
		goto err_unlock;
	ret = -ENOMEM;
	ee = kzalloc(sizeof(*ee), GFP_KERNEL);
	if (!ee)
		goto err_unlock;
	ee->edu = xbuf_edu_dev;
	ret = xbuf_engine_init(&ee->engine, "edu", &ee->edu->pdev->dev,
			       &xbuf_edu_ops, EDU_MAX_TRANSFER);
	if (ret) {
		kfree(ee);
		goto err_unlock;
	}
	ee->edu->in_use = true;
	mutex_unlock(&xbuf_edu_lock);
	return &ee->engine;

err_unlock:
	mutex_unlock(&xbuf_edu_lock);
	return ERR_PTR(ret);
}

/* Say so when memory lies beyond what the device can address. */
static void xbuf_edu_check_reach(struct pci_dev *pdev)
{
	u64 mask = DMA_BIT_MASK(edu_dma_bits);

	if (!device_iommu_mapped(&pdev->dev) &&
	    dma_get_required_mask(&pdev->dev) > mask)
		dev_info(&pdev->dev,
			 "no IOMMU and memory beyond the %u-bit DMA mask: buffers there need bounce buffers or fail to map\n",
			 edu_dma_bits);
}

static int xbuf_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct xbuf_edu *edu;
	int ret;

	if (edu_dma_bits < 12 || edu_dma_bits > 32) {
		dev_err(&pdev->dev, "edu_dma_bits=%u is outside 12..32\n",
			edu_dma_bits);
		return -EINVAL;
	}
	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	init_completion(&edu->done);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	edu->regs = pcim_iomap_table(pdev)[0];
	if ((ioread32(edu->regs + EDU_REG_ID) & 0xff) != EDU_ID_MAGIC)
		return -ENODEV;

	ret = dma_set_mask_and_coherent(&pdev->dev,
					DMA_BIT_MASK(edu_dma_bits));
	if (ret)
		return ret;
	/*
	 * The engine splits every segment into transfers through the
	 * device's buffer, so no segment is too long: without this, the
	 * DMA API holds exporters to PCI's 64 KiB default.
	 */
	ret = xbuf_dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	if (ret)
		return ret;
	pci_set_master(pdev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | XBUF_PCI_IRQ_INTX);
	if (ret < 0)
		return ret;
	ret = request_irq(pci_irq_vector(pdev, 0), xbuf_edu_irq, IRQF_SHARED,
			  KBUILD_MODNAME, edu);
	if (ret) {
		pci_free_irq_vectors(pdev);
		return ret;
	}
	pci_set_drvdata(pdev, edu);
	xbuf_edu_check_reach(pdev);

	mutex_lock(&xbuf_edu_lock);
	if (!xbuf_edu_dev)
		xbuf_edu_dev = edu;
	mutex_unlock(&xbuf_edu_lock);
	return 0;
}

static void xbuf_edu_remove(struct pci_dev *pdev)
{
	struct xbuf_edu *edu = pci_get_drvdata(pdev);

	mutex_lock(&xbuf_edu_lock);
	/* Unbinding is disabled: no engine can still run on the device. */
	WARN_ON(edu->in_use);
	if (xbuf_edu_dev == edu)
		xbuf_edu_dev = NULL;
	mutex_unlock(&xbuf_edu_lock);

	free_irq(pci_irq_vector(pdev, 0), edu);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id xbuf_edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, xbuf_edu_ids);

static struct pci_driver xbuf_edu_driver = {
	.name = "xbuf_dma_edu",
	.id_table = xbuf_edu_ids,
	.probe = xbuf_edu_probe,
	.remove = xbuf_edu_remove,
	/* The engine holds the device from module load to unload. */
	.driver.suppress_bind_attrs = true,
};

/**
 * xbuf_edu_register() - bind the edu devices present
 *
 * Return: 0 or the error of pci_register_driver().
 */
int xbuf_edu_register(void)
{
	return pci_register_driver(&xbuf_edu_driver);
}

/**
 * xbuf_edu_unregister() - unbind them, once their engine is destroyed
 */
void xbuf_edu_unregister(void)
{
	pci_unregister_driver(&xbuf_edu_driver);
}
