/* TD port I/O device models (seam/td_devices.c), driven through
 * td_devices_io as the TD's IN/OUT would: the 16550 (THR output, DLAB,
 * LSR/IIR, receive FIFO, loopback), fw_cfg (signature, ID, file
 * directory parsed back, reads past the end, reselect, direct Linux boot
 * items from a synthetic bzImage), PCI mechanism #1 (host bridge IDs at
 * every size and offset, absent functions, address readback), CMOS/RTC
 * (BCD time, status registers, scratch bytes) and unknown ports. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "seam/td_devices.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))

struct sink {
	uint8_t buf[256];
	unsigned n;
};

static void sink_out(void *ctx, uint8_t c)
{
	struct sink *s = ctx;

	if (s->n < sizeof(s->buf))
		s->buf[s->n++] = c;
}

static struct td_devices dev;
static struct sink com, dbg;

static int setup(void **state)
{
	(void)state;
	memset(&com, 0, sizeof(com));
	memset(&dbg, 0, sizeof(dbg));
	td_devices_init(&dev, sink_out, &com, PCI_DEVICE_I440FX);
	return 0;
}

static void outp(uint16_t port, unsigned size, uint32_t v)
{
	assert_true(td_devices_io(&dev, port, size, true, &v));
}

static uint32_t inp(uint16_t port, unsigned size)
{
	uint32_t v = 0x5a5a5a5a;

	assert_true(td_devices_io(&dev, port, size, false, &v));
	return v;
}

/* ---- 16550 ------------------------------------------------------------ */

#define COM(r)		(uint16_t)(TDDEV_COM1 + (r))

static void test_uart_output(void **state)
{
	(void)state;
	outp(COM(UART_THR), 1, 'h');
	outp(COM(UART_THR), 1, 0x169);		/* masked to the byte: 'i' */
	outp(COM(UART_THR), 1, '\n');
	assert_int_equal(com.n, 3);
	assert_memory_equal(com.buf, "hi\n", 3);
	/* A word at the base is THR then IER, as the bus splits it. */
	outp(COM(UART_THR), 2, 0x0300 | '!');
	assert_int_equal(com.n, 4);
	assert_int_equal(com.buf[3], '!');
	assert_int_equal(inp(COM(UART_IER), 1), 0x03);
	/* No callback: bytes are dropped, the port still owned. */
	dev.com1.out = NULL;
	outp(COM(UART_THR), 1, 'x');
	assert_int_equal(com.n, 4);
	/* A configurable base. */
	tddev_uart_init(&dev.com1, 0x2f8, sink_out, &com);
	outp(0x2f8, 1, 'y');
	assert_int_equal(com.buf[4], 'y');
	uint32_t v = 'z';
	assert_false(td_devices_io(&dev, COM(UART_THR), 1, true, &v));
	assert_int_equal(com.n, 5);
}

static void test_uart_dlab(void **state)
{
	(void)state;
	outp(COM(UART_IER), 1, 0x05);
	outp(COM(UART_LCR), 1, UART_LCR_DLAB | 0x03);
	outp(COM(0), 1, 0x01);			/* DLL: 115200 baud */
	outp(COM(1), 1, 0x00);			/* DLM */
	assert_int_equal(com.n, 0);		/* not a THR write */
	assert_int_equal(inp(COM(0), 1), 0x01);
	assert_int_equal(inp(COM(1), 1), 0x00);
	outp(COM(0), 1, 0x30);
	outp(COM(1), 1, 0x02);
	assert_int_equal(inp(COM(0), 1), 0x30);
	assert_int_equal(inp(COM(1), 1), 0x02);
	assert_int_equal(inp(COM(UART_LCR), 1), 0x83);
	outp(COM(UART_LCR), 1, 0x03);
	assert_int_equal(inp(COM(UART_IER), 1), 0x05);	/* untouched by DLM */
	assert_int_equal(dev.com1.dll, 0x30);
	assert_int_equal(dev.com1.dlm, 0x02);
	outp(COM(UART_THR), 1, 'A');
	assert_int_equal(com.n, 1);
	/* IER keeps its 4 defined bits; SCR any byte. */
	outp(COM(UART_IER), 1, 0xff);
	assert_int_equal(inp(COM(UART_IER), 1), 0x0f);
	outp(COM(UART_SCR), 1, 0xa5);
	assert_int_equal(inp(COM(UART_SCR), 1), 0xa5);
	outp(COM(UART_MCR), 1, 0x0b);
	assert_int_equal(inp(COM(UART_MCR), 1), 0x0b);
}

static void test_uart_lsr_iir(void **state)
{
	(void)state;
	assert_int_equal(inp(COM(UART_LSR), 1), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_NONE);
	outp(COM(UART_IER), 1, UART_IER_RDI);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_NONE);	/* no data */
	assert_true(tddev_uart_input(&dev.com1, 'k'));
	assert_int_equal(inp(COM(UART_LSR), 1), 0x61);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_RDI);
	outp(COM(UART_IER), 1, UART_IER_RDI | UART_IER_THRI);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_RDI);	/* outranks THRE */
	assert_int_equal(inp(COM(UART_RBR), 1), 'k');
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_THRI);
	assert_int_equal(inp(COM(UART_LSR), 1), 0x60);
	outp(COM(UART_IER), 1, UART_IER_THRI);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_THRI);
	/* FIFO enabled: bits 7:6 */
	outp(COM(UART_FCR), 1, 0x07);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_FIFO | UART_IIR_THRI);
	outp(COM(UART_IER), 1, 0);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_FIFO | UART_IIR_NONE);
	outp(COM(UART_FCR), 1, 0x00);
	assert_int_equal(inp(COM(UART_IIR), 1), UART_IIR_NONE);
	/* LSR and MSR ignore writes; MSR: a ready line */
	outp(COM(UART_LSR), 1, 0);
	assert_int_equal(inp(COM(UART_LSR), 1), 0x60);
	assert_int_equal(inp(COM(UART_MSR), 1), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
}

static void test_uart_rx_fifo(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TDDEV_UART_FIFO; i++)
		assert_true(tddev_uart_input(&dev.com1, (uint8_t)(i + 1)));
	assert_false(tddev_uart_input(&dev.com1, 0xee));	/* full */
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(inp(COM(UART_RBR), 1), i + 1);
	/* room again: the queue wraps */
	for (unsigned i = 0; i < 10; i++)
		assert_true(tddev_uart_input(&dev.com1, (uint8_t)(0x80 + i)));
	assert_false(tddev_uart_input(&dev.com1, 0xee));
	for (unsigned i = 10; i < TDDEV_UART_FIFO; i++)
		assert_int_equal(inp(COM(UART_RBR), 1), i + 1);
	for (unsigned i = 0; i < 10; i++) {
		assert_true(inp(COM(UART_LSR), 1) & UART_LSR_DR);
		assert_int_equal(inp(COM(UART_RBR), 1), 0x80 + i);
	}
	assert_int_equal(inp(COM(UART_LSR), 1) & UART_LSR_DR, 0);
	assert_int_equal(inp(COM(UART_RBR), 1), 0);		/* empty */
	/* FCR bit 1 clears the receive FIFO */
	assert_true(tddev_uart_input(&dev.com1, 1));
	outp(COM(UART_FCR), 1, UART_FCR_CLEAR_RX);
	assert_int_equal(inp(COM(UART_LSR), 1) & UART_LSR_DR, 0);
	/* RBR is not reachable with DLAB set */
	assert_true(tddev_uart_input(&dev.com1, 'q'));
	outp(COM(UART_LCR), 1, UART_LCR_DLAB);
	inp(COM(UART_RBR), 1);
	outp(COM(UART_LCR), 1, 0x03);
	assert_int_equal(inp(COM(UART_RBR), 1), 'q');
}

static void test_uart_loopback(void **state)
{
	(void)state;
	/* Linux 8250 probe: MCR LOOP|OUT2|RTS gives MSR CTS|DCD */
	outp(COM(UART_MCR), 1, UART_MCR_LOOP | 0x0a);
	assert_int_equal(inp(COM(UART_MSR), 1) & 0xf0, 0x90);
	outp(COM(UART_MCR), 1, UART_MCR_LOOP | 0x0f);
	assert_int_equal(inp(COM(UART_MSR), 1), 0xf0);
	outp(COM(UART_MCR), 1, UART_MCR_LOOP);
	assert_int_equal(inp(COM(UART_MSR), 1), 0);
	outp(COM(UART_THR), 1, 'L');
	assert_int_equal(com.n, 0);
	assert_int_equal(inp(COM(UART_RBR), 1), 'L');
	outp(COM(UART_MCR), 1, 0x0b);
	outp(COM(UART_THR), 1, 'M');
	assert_int_equal(com.n, 1);
	assert_int_equal(inp(COM(UART_LSR), 1) & UART_LSR_DR, 0);
}

/* ---- fw_cfg ----------------------------------------------------------- */

static void sel(uint16_t key)
{
	outp(FWCFG_PORT_SEL, 2, key);
}

static void rd(void *buf, size_t n)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)inp(FWCFG_PORT_DATA, 1);
}

static uint32_t rd_le32(void)
{
	uint8_t b[4];

	rd(b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_fwcfg_signature_id(void **state)
{
	(void)state;
	char sig[4];

	sel(FW_CFG_SIGNATURE);
	for (unsigned i = 0; i < 4; i++)
		sig[i] = (char)inp(FWCFG_PORT_DATA, 1);
	assert_memory_equal(sig, "QEMU", 4);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);	/* past the end */
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);
	/* reselecting starts over */
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 'Q');
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 'E');
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 'Q');
	/* a byte at 0x510 is data too (QEMU fw_cfg_comb_valid) */
	assert_int_equal(inp(FWCFG_PORT_SEL, 1), 'E');
	/* OVMF: Read32 of the signature, then the ID: traditional only */
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(rd_le32(), 0x554d4551);	/* SIGNATURE_32('Q','E','M','U') */
	sel(FW_CFG_ID);
	assert_int_equal(rd_le32(), FW_CFG_VERSION);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);
	/* empty directory: count 0 */
	sel(FW_CFG_FILE_DIR);
	assert_int_equal(rd_le32(), 0);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);
	/* unknown selector reads 0 */
	sel(0x1234);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);
	/* wider data reads and selector reads: owned, all-ones */
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(inp(FWCFG_PORT_DATA, 2), 0xffff);
	assert_int_equal(inp(FWCFG_PORT_SEL, 4), 0xffffffff);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 'Q');	/* offset untouched */
	/* data writes are ignored (QEMU 2.4+), so are byte "selects" */
	outp(FWCFG_PORT_DATA, 1, 0x55);
	outp(FWCFG_PORT_SEL, 1, FW_CFG_ID);
	outp(FWCFG_PORT_SEL, 4, FW_CFG_ID);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 'E');
	/* DMA: not offered; its ports read all-ones, writes ignored */
	assert_int_equal(inp(FWCFG_PORT_DMA, 4), 0xffffffff);
	assert_int_equal(inp(FWCFG_PORT_DMA + 4, 4), 0xffffffff);
	outp(FWCFG_PORT_DMA + 4, 4, 0x1000);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 'M');
	assert_int_equal(dev.unhandled, 0);
}

static void test_fwcfg_items(void **state)
{
	(void)state;
	struct fwcfg *f = &dev.fwcfg;
	static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t b[16];

	assert_int_equal(fwcfg_add_le(f, FW_CFG_NB_CPUS, 4, 2), 0);
	assert_int_equal(fwcfg_add_le(f, FW_CFG_MAX_CPUS, 8, 2), 0);
	assert_int_equal(fwcfg_add_le(f, FW_CFG_RAM_SIZE, 0x123456789ull, 8), 0);
	assert_int_equal(fwcfg_add_le(f, FW_CFG_NOGRAPHIC, 1, 2), 0);
	assert_int_equal(fwcfg_add(f, FW_CFG_UUID, uuid, sizeof(uuid)), 0);

	sel(FW_CFG_NB_CPUS);
	rd(b, 3);
	assert_memory_equal(b, "\x04\x00\x00", 3);
	sel(FW_CFG_MAX_CPUS);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 8);
	sel(FW_CFG_RAM_SIZE);
	rd(b, 8);
	assert_memory_equal(b, "\x89\x67\x45\x23\x01\x00\x00\x00", 8);
	sel(FW_CFG_UUID);
	rd(b, 16);
	assert_memory_equal(b, uuid, 16);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);
	/* the write-channel bit is masked when selecting */
	sel(FW_CFG_WRITE_CHANNEL | FW_CFG_NB_CPUS);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 4);
	/* replacing keeps one item */
	unsigned n = f->nitems;
	assert_int_equal(fwcfg_add_le(f, FW_CFG_NB_CPUS, 2, 2), 0);
	assert_int_equal(f->nitems, n);
	sel(FW_CFG_NB_CPUS);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 2);
	/* arch-local items (0x8000+) are separate from generic ones */
	static const uint8_t e820[4] = { 0xe8, 0x20, 0, 0 };
	assert_int_equal(fwcfg_add(f, FW_CFG_ARCH_LOCAL | 3, e820, 4), 0);
	sel(FW_CFG_ARCH_LOCAL | 3);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0xe8);
	sel(FW_CFG_RAM_SIZE);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0x89);

	/* refused: the model's own items, file slots, bad sizes */
	assert_int_equal(fwcfg_add(f, FW_CFG_SIGNATURE, uuid, 4), -1);
	assert_int_equal(fwcfg_add(f, FW_CFG_ID, uuid, 4), -1);
	assert_int_equal(fwcfg_add(f, FW_CFG_FILE_DIR, uuid, 4), -1);
	assert_int_equal(fwcfg_add(f, FW_CFG_WRITE_CHANNEL | FW_CFG_ID, uuid, 4), -1);
	assert_int_equal(fwcfg_add(f, FW_CFG_FILE_FIRST, uuid, 4), -1);
	assert_int_equal(fwcfg_add(f, FW_CFG_BOOT_MENU, NULL, 4), -1);
	assert_int_equal(fwcfg_add_le(f, FW_CFG_BOOT_MENU, 1, 0), -1);
	assert_int_equal(fwcfg_add_le(f, FW_CFG_BOOT_MENU, 1, 9), -1);
	/* an empty item is fine */
	assert_int_equal(fwcfg_add(f, FW_CFG_BOOT_MENU, NULL, 0), 0);
	sel(FW_CFG_BOOT_MENU);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);

	/* 32 items at most */
	while (f->nitems < FWCFG_MAX_ITEMS)
		assert_int_equal(fwcfg_add_le(f, (uint16_t)(FW_CFG_ARCH_LOCAL | (0x100 + f->nitems)),
					      f->nitems, 1), 0);
	assert_int_equal(fwcfg_add_le(f, FW_CFG_ARCH_LOCAL | 0x200, 1, 1), -1);
	assert_int_equal(fwcfg_add_file(f, "opt/x", uuid, 1), -1);
	assert_int_equal(fwcfg_add_le(f, FW_CFG_NB_CPUS, 3, 2), 0);	/* replace: no room needed */
	assert_int_equal(dev.unhandled, 0);
}

struct dirent_parsed {
	uint32_t size;
	uint16_t select;
	char name[57];
};

static uint32_t read_dir(struct dirent_parsed *out, unsigned cap)
{
	uint8_t e[FWCFG_DIR_ENTRY];
	uint32_t count;
	uint8_t c[4];

	sel(FW_CFG_FILE_DIR);
	rd(c, 4);
	count = be32(c);
	for (uint32_t i = 0; i < count && i < cap; i++) {
		rd(e, sizeof(e));
		out[i].size = be32(e);
		out[i].select = (uint16_t)(e[4] << 8 | e[5]);
		assert_int_equal(e[6] | e[7], 0);	/* reserved */
		memcpy(out[i].name, e + 8, 56);
		out[i].name[56] = 0;
	}
	return count;
}

static void test_fwcfg_files(void **state)
{
	(void)state;
	struct fwcfg *f = &dev.fwcfg;
	static const char e820[] = "0123456789abcdefghij";	/* 20 bytes used */
	static const uint8_t order[2] = { 0x80, 0x00 };
	struct dirent_parsed d[4];
	char name56[57];
	uint8_t b[32];

	assert_int_equal(fwcfg_add_file(f, "etc/e820", e820, 20), FW_CFG_FILE_FIRST);
	assert_int_equal(fwcfg_add_file(f, "bootorder", order, 2), FW_CFG_FILE_FIRST + 1);

	assert_int_equal(read_dir(d, N(d)), 2);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);	/* 4 + 2 * 64 bytes, no more */
	assert_int_equal(d[0].size, 20);
	assert_int_equal(d[0].select, 0x20);
	assert_string_equal(d[0].name, "etc/e820");
	assert_int_equal(d[1].size, 2);
	assert_int_equal(d[1].select, 0x21);
	assert_string_equal(d[1].name, "bootorder");

	/* the contents through the listed selectors */
	sel(d[0].select);
	rd(b, 21);
	assert_memory_equal(b, e820, 20);
	assert_int_equal(b[20], 0);			/* past the end */
	sel(d[1].select);
	rd(b, 2);
	assert_memory_equal(b, order, 2);
	/* reselect mid-item resets */
	sel(d[0].select);
	rd(b, 5);
	sel(d[0].select);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), '0');

	/* a listed name: same selector, new data and size */
	assert_int_equal(fwcfg_add_file(f, "etc/e820", e820 + 10, 4), FW_CFG_FILE_FIRST);
	assert_int_equal(read_dir(d, N(d)), 2);
	assert_int_equal(d[0].size, 4);
	sel(0x20);
	rd(b, 5);
	assert_memory_equal(b, "abcd\0", 5);

	/* names: 55 bytes fit, 56 do not; empty refused */
	memset(name56, 'n', 56);
	name56[56] = 0;
	assert_int_equal(fwcfg_add_file(f, name56, order, 2), -1);
	assert_int_equal(fwcfg_add_file(f, "", order, 2), -1);
	assert_int_equal(fwcfg_add_file(f, NULL, order, 2), -1);
	assert_int_equal(fwcfg_add_file(f, "opt/y", NULL, 2), -1);
	name56[55] = 0;
	assert_int_equal(fwcfg_add_file(f, name56, order, 2), 0x22);
	assert_int_equal(read_dir(d, N(d)), 3);
	assert_int_equal(strlen(d[2].name), 55);
	assert_int_equal(d[2].select, 0x22);
}

/* A bzImage as far as the split looks: setup_sects, "HdrS", a pattern. */
static uint8_t bz[8192];

static void make_bz(uint8_t setup_sects)
{
	for (size_t i = 0; i < sizeof(bz); i++)
		bz[i] = (uint8_t)(i * 7 + (i >> 8));
	bz[BZ_SETUP_SECTS] = setup_sects;
	memcpy(bz + BZ_HDRS_OFF, "HdrS", 4);
}

static uint32_t item_u32(uint16_t key)
{
	sel(key);
	return rd_le32();
}

/* Reads the selected item's len bytes and checks one more reads 0. */
static void check_data(uint16_t key, const void *want, uint32_t len)
{
	static uint8_t got[sizeof(bz)];

	sel(key);
	rd(got, len);
	assert_memory_equal(got, want, len);
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);
}

static void test_fwcfg_kernel(void **state)
{
	(void)state;
	struct fwcfg *f = &dev.fwcfg;
	static const uint8_t initrd[100] = { 0x1f, 0x8b, 8 };
	struct dirent_parsed d[4];

	make_bz(3);					/* (3 + 1) * 512 = 2048 */
	assert_int_equal(fwcfg_set_kernel(f, bz, sizeof(bz), initrd, sizeof(initrd),
					  "console=ttyS0 earlyprintk"), 0);
	assert_int_equal(item_u32(FW_CFG_SETUP_SIZE), 2048);
	check_data(FW_CFG_SETUP_DATA, bz, 2048);
	assert_int_equal(item_u32(FW_CFG_KERNEL_SIZE), sizeof(bz) - 2048);
	check_data(FW_CFG_KERNEL_DATA, bz + 2048, sizeof(bz) - 2048);
	assert_int_equal(item_u32(FW_CFG_INITRD_SIZE), sizeof(initrd));
	check_data(FW_CFG_INITRD_DATA, initrd, sizeof(initrd));
	assert_int_equal(item_u32(FW_CFG_CMDLINE_SIZE), 26);	/* with the NUL */
	check_data(FW_CFG_CMDLINE_DATA, "console=ttyS0 earlyprintk", 26);
	/* the SIZE items are u32: nothing after 4 bytes */
	sel(FW_CFG_KERNEL_SIZE);
	rd_le32();
	assert_int_equal(inp(FWCFG_PORT_DATA, 1), 0);
	/* the whole image as etc/boot/kernel */
	assert_int_equal(read_dir(d, N(d)), 1);
	assert_string_equal(d[0].name, FWCFG_KERNEL_FILE);
	assert_int_equal(d[0].size, sizeof(bz));
	check_data(d[0].select, bz, sizeof(bz));
	/* the setup header is not patched (a TD is a confidential guest) */
	assert_int_equal(bz[0x210], (uint8_t)(0x210 * 7 + 2));

	/* setup_sects 0 means 4: 5 sectors; again: replaced, no initrd,
	 * no command line ("" with its NUL) */
	unsigned n = f->nitems;
	make_bz(0);
	assert_int_equal(fwcfg_set_kernel(f, bz, 4096, NULL, 0, NULL), 0);
	assert_int_equal(f->nitems, n - 2);
	assert_int_equal(item_u32(FW_CFG_SETUP_SIZE), 2560);
	assert_int_equal(item_u32(FW_CFG_KERNEL_SIZE), 4096 - 2560);
	check_data(FW_CFG_KERNEL_DATA, bz + 2560, 4096 - 2560);
	assert_int_equal(item_u32(FW_CFG_INITRD_SIZE), 0);	/* absent */
	assert_int_equal(item_u32(FW_CFG_CMDLINE_SIZE), 1);
	check_data(FW_CFG_CMDLINE_DATA, "", 1);
	assert_int_equal(read_dir(d, N(d)), 1);
	assert_int_equal(d[0].size, 4096);

	/* setup exactly the image: an empty kernel part (QEMU allows it) */
	make_bz(3);
	assert_int_equal(fwcfg_set_kernel(f, bz, 2048, NULL, 0, ""), 0);
	assert_int_equal(item_u32(FW_CFG_KERNEL_SIZE), 0);

	/* refused, nothing changed */
	make_bz(15);					/* 16 sectors = 8192 */
	assert_int_equal(fwcfg_set_kernel(f, bz, 8191, NULL, 0, ""), -1);
	assert_int_equal(fwcfg_set_kernel(f, bz, sizeof(bz), NULL, 0, ""), 0);
	make_bz(16);					/* 17 sectors > 8192 */
	assert_int_equal(fwcfg_set_kernel(f, bz, sizeof(bz), NULL, 0, ""), -1);
	make_bz(3);
	bz[BZ_HDRS_OFF] = 'h';				/* no "HdrS": not a bzImage */
	assert_int_equal(fwcfg_set_kernel(f, bz, sizeof(bz), NULL, 0, ""), -1);
	make_bz(3);
	assert_int_equal(fwcfg_set_kernel(f, bz, BZ_HDRS_OFF + 3, NULL, 0, ""), -1);
	assert_int_equal(fwcfg_set_kernel(f, NULL, 4096, NULL, 0, ""), -1);
	assert_int_equal(fwcfg_set_kernel(f, bz, sizeof(bz), NULL, 5, ""), -1);
	assert_int_equal(item_u32(FW_CFG_SETUP_SIZE), 8192);

	/* a full table refuses before changing anything */
	struct fwcfg g;
	fwcfg_init(&g);
	for (unsigned i = 0; i < FWCFG_MAX_ITEMS - 3; i++)
		assert_int_equal(fwcfg_add_le(&g, (uint16_t)(FW_CFG_ARCH_LOCAL | i), i, 1), 0);
	assert_int_equal(fwcfg_set_kernel(&g, bz, sizeof(bz), NULL, 0, ""), -1);
	assert_int_equal(g.nitems, FWCFG_MAX_ITEMS - 3);
	assert_int_equal(g.nfiles, 0);
}

/* ---- PCI -------------------------------------------------------------- */

static uint32_t cfg_addr(unsigned bus, unsigned dev_, unsigned fn, unsigned reg)
{
	return PCI_ADDR_ENABLE | bus << 16 | dev_ << 11 | fn << 8 | (reg & 0xfc);
}

static void test_pci_host_bridge(void **state)
{
	(void)state;
	assert_int_equal(inp(PCI_CONFIG_ADDR, 4), 0);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0));
	assert_int_equal(inp(PCI_CONFIG_ADDR, 4), 0x80000000);
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0x12378086);
	assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0x8086);
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 2), 0x1237);	/* OVMF_HOSTBRIDGE_DID */
	assert_int_equal(inp(PCI_CONFIG_DATA + 0, 1), 0x86);
	assert_int_equal(inp(PCI_CONFIG_DATA + 1, 1), 0x80);
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 1), 0x37);
	assert_int_equal(inp(PCI_CONFIG_DATA + 3, 1), 0x12);
	assert_int_equal(inp(PCI_CONFIG_DATA + 1, 2), 0x3780);	/* unaligned word */
	/* class 06/00/00, revision 0 */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0x08));
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0x06000000);
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 2), PCI_CLASS_HOST_BRIDGE);
	assert_int_equal(inp(PCI_CONFIG_DATA + 3, 1), 0x06);
	/* header type 0 at 0x0e */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0x0c));
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 1), 0x00);
	/* the low address bits do not pick the byte: the port does */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0) | 2);
	assert_int_equal(inp(PCI_CONFIG_ADDR, 4), 0x80000002);	/* stored as written */
	assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0x8086);
	/* the command register keeps its decode/bus-master bits, the status
	 * word above it and other registers drop writes */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0x04));
	outp(PCI_CONFIG_DATA, 4, 0xffff0107);
	outp(PCI_CONFIG_DATA + 2, 2, 0xffff);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0x60));	/* Q35 PCIEXBAR */
	outp(PCI_CONFIG_DATA, 4, 0xb0000001);
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0x04));
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0x0007);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0));
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0x12378086);

	/* Q35 */
	tddev_pci_init(&dev.pci, PCI_DEVICE_Q35_MCH);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0));
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 2), 0x29c0);
	assert_int_equal(dev.unhandled, 0);
}

static uint32_t fake_pm_timer(void *ctx)
{
	(void)ctx;
	return 0x12345678u;
}

/* PIIX4 PM at 00:01.3: PMBA and PMREGMISC keep what OVMF writes; the PM
 * timer then answers at PMBA + 8 with 24 bits. */
static void test_pm_timer(void **state)
{
	(void)state;
	dev.pm_timer = fake_pm_timer;
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 3, 0));
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0x71138086);
	uint32_t v = 0;
	assert_false(td_devices_io(&dev, 0xb008, 4, false, &v));	/* not enabled yet */
	assert_int_equal(v, 0xffffffff);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 3, PIIX4_PMBA));
	outp(PCI_CONFIG_DATA, 4, 0xb000);
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0xb001);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 3, PIIX4_PMREGMISC));
	outp(PCI_CONFIG_DATA, 1, 1);
	assert_int_equal(inp(PCI_CONFIG_DATA, 1), 1);
	assert_int_equal(inp(0xb008, 4), 0x345678);
	assert_int_equal(inp(0xb000, 2), 0);
	/* Writes elsewhere in config space are dropped. */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, PIIX4_PMBA));
	outp(PCI_CONFIG_DATA, 4, 0xc000);
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0);
	dev.pm_timer = NULL;
}

/* EDK2's SioBusDxe binds the PIIX3 only when its command register reads
 * back I/O and memory decode on, after the firmware turned them on. */
static void test_pci_command(void **state)
{
	(void)state;
	for (unsigned fn = 0; fn < 4; fn += 3) {
		outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, fn, 0x04));
		assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0);
		outp(PCI_CONFIG_DATA, 2, 0x0003);
		assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0x0003);
		outp(PCI_CONFIG_DATA, 1, 0xff);		/* byte write: bits 2:0 only */
		assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0x0007);
		outp(PCI_CONFIG_DATA + 1, 1, 0xff);	/* high byte: nothing writable */
		assert_int_equal(inp(PCI_CONFIG_DATA + 1, 1), 0);
	}
	/* each function has its own register */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 0, 0x04));
	outp(PCI_CONFIG_DATA, 2, 0x0001);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 3, 0x04));
	assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0x0007);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0x04));
	assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0);
	/* absent functions keep nothing */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 1, 0x04));
	outp(PCI_CONFIG_DATA, 2, 0x0007);
	assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0xffff);
	/* init clears them */
	tddev_pci_init(&dev.pci, PCI_DEVICE_I440FX);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 3, 0x04));
	assert_int_equal(inp(PCI_CONFIG_DATA, 2), 0);
	assert_int_equal(dev.unhandled, 0);
}

static void test_pci_absent(void **state)
{
	(void)state;
	static const struct { unsigned bus, dev, fn; } absent[] = {
		{ 0, 2, 0 }, { 0, 1, 1 }, { 0, 0, 1 }, { 0, 0x1f, 0 }, { 0, 0, 7 }, { 1, 0, 0 },
		{ 255, 31, 7 },
	};

	/* With the i440FX, the PIIX3 ISA bridge at 00:01.0 (multi-function). */
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 0, 0));
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0x70008086);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 0, 8));
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 2), 0x0601);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 1, 0, 0xc));
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 1), 0x80);

	for (size_t i = 0; i < N(absent); i++) {
		outp(PCI_CONFIG_ADDR, 4, cfg_addr(absent[i].bus, absent[i].dev, absent[i].fn, 0));
		assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0xffffffff);
		assert_int_equal(inp(PCI_CONFIG_DATA + 2, 2), 0xffff);
		assert_int_equal(inp(PCI_CONFIG_DATA + 3, 1), 0xff);
		outp(PCI_CONFIG_DATA, 4, 0);
	}
	/* enable bit clear: nothing answers */
	outp(PCI_CONFIG_ADDR, 4, 0);
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0xffffffff);
	/* no host bridge at all */
	tddev_pci_init(&dev.pci, 0);
	outp(PCI_CONFIG_ADDR, 4, cfg_addr(0, 0, 0, 0));
	assert_int_equal(inp(PCI_CONFIG_DATA, 4), 0xffffffff);
	assert_int_equal(inp(PCI_CONFIG_DATA + 2, 2), 0xffff);
	assert_int_equal(dev.unhandled, 0);

	/* bytes and words at 0xcf8-0xcfb are not the address register */
	uint32_t v = 0;
	assert_false(td_devices_io(&dev, PCI_CONFIG_ADDR, 1, false, &v));
	assert_int_equal(v, 0xff);
	assert_false(td_devices_io(&dev, PCI_CONFIG_ADDR, 2, false, &v));
	assert_int_equal(v, 0xffff);
	v = 6;
	assert_false(td_devices_io(&dev, PCI_CONFIG_ADDR + 1, 1, true, &v));	/* 0xcf9 */
	assert_int_equal(dev.unhandled, 3);
	assert_int_equal(inp(PCI_CONFIG_ADDR, 4), 0x80000000);
}

/* ---- CMOS ------------------------------------------------------------- */

static uint8_t cmos(uint8_t idx)
{
	outp(CMOS_PORT_INDEX, 1, idx);
	return (uint8_t)inp(CMOS_PORT_DATA, 1);
}

static void test_cmos_time(void **state)
{
	(void)state;
	struct tddev_rtc_time t = { 2024, 2, 29, 13, 45, 7 };

	/* defaults: 2000-01-01 00:00:00, a Saturday */
	assert_int_equal(cmos(RTC_YEAR), 0x00);
	assert_int_equal(cmos(RTC_CENTURY), 0x20);
	assert_int_equal(cmos(RTC_MONTH), 0x01);
	assert_int_equal(cmos(RTC_WEEKDAY), 7);

	assert_true(tddev_cmos_set_time(&dev.cmos, &t));
	assert_int_equal(cmos(RTC_SECONDS), 0x07);
	assert_int_equal(cmos(RTC_MINUTES), 0x45);
	assert_int_equal(cmos(RTC_HOURS), 0x13);
	assert_int_equal(cmos(RTC_WEEKDAY), 5);		/* Thursday */
	assert_int_equal(cmos(RTC_DAY), 0x29);
	assert_int_equal(cmos(RTC_MONTH), 0x02);
	assert_int_equal(cmos(RTC_YEAR), 0x24);
	assert_int_equal(cmos(RTC_CENTURY), 0x20);
	assert_int_equal(cmos(RTC_REG_A), 0x26);	/* UIP clear */
	assert_int_equal(cmos(RTC_REG_B), 0x02);
	assert_int_equal(cmos(RTC_REG_C), 0x00);
	assert_int_equal(cmos(RTC_REG_D), 0x80);
	/* NMI mask bit of the index is ignored */
	assert_int_equal(cmos(CMOS_NMI_MASK | RTC_MINUTES), 0x45);
	/* time and status registers ignore writes */
	outp(CMOS_PORT_INDEX, 1, RTC_HOURS);
	outp(CMOS_PORT_DATA, 1, 0x99);
	outp(CMOS_PORT_INDEX, 1, RTC_REG_B);
	outp(CMOS_PORT_DATA, 1, 0x86);
	assert_int_equal(cmos(RTC_HOURS), 0x13);
	assert_int_equal(cmos(RTC_REG_B), 0x02);

	/* out-of-range times are refused */
	static const struct tddev_rtc_time bad[] = {
		{ 2023, 2, 29, 0, 0, 0 }, { 1900, 2, 29, 0, 0, 0 }, { 2024, 13, 1, 0, 0, 0 },
		{ 2024, 0, 1, 0, 0, 0 }, { 2024, 4, 31, 0, 0, 0 }, { 2024, 1, 0, 0, 0, 0 },
		{ 2024, 1, 1, 24, 0, 0 }, { 2024, 1, 1, 0, 60, 0 }, { 2024, 1, 1, 0, 0, 60 },
		{ 1899, 12, 31, 0, 0, 0 }, { 10000, 1, 1, 0, 0, 0 },
	};
	for (size_t i = 0; i < N(bad); i++)
		assert_false(tddev_cmos_set_time(&dev.cmos, &bad[i]));
	assert_int_equal(cmos(RTC_DAY), 0x29);
	struct tddev_rtc_time t2 = { 2000, 2, 29, 23, 59, 59 };
	assert_true(tddev_cmos_set_time(&dev.cmos, &t2));
	assert_int_equal(cmos(RTC_SECONDS), 0x59);
	assert_int_equal(cmos(RTC_HOURS), 0x23);
	assert_int_equal(cmos(RTC_YEAR), 0x00);
	assert_int_equal(cmos(RTC_WEEKDAY), 3);		/* Tuesday */
	struct tddev_rtc_time t3 = { 1999, 12, 31, 0, 0, 0 };
	assert_true(tddev_cmos_set_time(&dev.cmos, &t3));
	assert_int_equal(cmos(RTC_CENTURY), 0x19);
	assert_int_equal(cmos(RTC_YEAR), 0x99);

	/* weekdays: 1 = Sunday */
	assert_int_equal(tddev_weekday(1970, 1, 1), 5);	/* Thursday */
	assert_int_equal(tddev_weekday(1900, 1, 1), 2);	/* Monday */
	assert_int_equal(tddev_weekday(2023, 12, 31), 1);	/* Sunday */
	assert_int_equal(tddev_weekday(2100, 3, 1), 2);	/* Monday; 2100 not leap */
	assert_int_equal(tddev_weekday(1, 1, 1), 2);		/* Monday */
	assert_int_equal(tddev_weekday(0, 1, 1), 0);
	assert_int_equal(tddev_weekday(2024, 13, 1), 0);
}

static void test_cmos_ram(void **state)
{
	(void)state;
	/* scratch and the memory-size bytes OVMF reads: stored, read back */
	static const uint8_t idx[] = { 0x01, 0x03, 0x05, 0x0e, 0x0f, 0x10, 0x30, 0x31, 0x34,
				       0x35, 0x5b, 0x5c, 0x5d, 0x7f };
	for (size_t i = 0; i < N(idx); i++) {
		outp(CMOS_PORT_INDEX, 1, idx[i]);
		outp(CMOS_PORT_DATA, 1, (uint8_t)(0xa0 + i));
	}
	for (size_t i = 0; i < N(idx); i++)
		assert_int_equal(cmos(idx[i]), 0xa0 + i);
	assert_int_equal(cmos(0x40), 0);
	dev.cmos.ram[0x34] = 0x3f;			/* the host presets bytes */
	assert_int_equal(cmos(0x34), 0x3f);
	assert_int_equal(cmos(0x80 | 0x34), 0x3f);
	/* the index port is write-only */
	assert_int_equal(inp(CMOS_PORT_INDEX, 1), 0xff);
	/* a word at 0x70: index then data */
	outp(CMOS_PORT_INDEX, 2, 0x5511);
	assert_int_equal(cmos(0x11), 0x55);
	outp(CMOS_PORT_INDEX, 1, 0x11);
	assert_int_equal(inp(CMOS_PORT_INDEX, 2), 0x55ff);
	/* a dword at 0x70 reaches past 0x71: those bytes read 0xff */
	assert_int_equal(inp(CMOS_PORT_INDEX, 4), 0xffff55ff);
	assert_int_equal(dev.unhandled, 0);
}

/* ---- the dispatcher --------------------------------------------------- */

static void test_unknown_ports(void **state)
{
	(void)state;
	static const uint16_t ports[] = { 0x0000, 0x0060, 0x0064, 0x00ed, 0x03f7, 0x0400,
					  0x050f, 0x0512, 0x051c, 0x0cfb, 0x0d00, 0xb000, 0xffff };
	uint64_t n = 0;

	for (size_t i = 0; i < N(ports); i++) {
		static const unsigned sizes[] = { 1, 2, 4 };
		for (size_t s = 0; s < N(sizes); s++) {
			uint32_t v = 0x12345678;

			assert_false(td_devices_io(&dev, ports[i], sizes[s], false, &v));
			assert_int_equal(v, sizes[s] == 4 ? 0xffffffff : (1u << (8 * sizes[s])) - 1);
			v = 0x12345678;
			assert_false(td_devices_io(&dev, ports[i], sizes[s], true, &v));
			assert_int_equal(v, 0x12345678);	/* input untouched */
			n += 2;
			assert_int_equal(dev.unhandled, n);
		}
	}
	/* other sizes: false, all-ones, counted, even at owned ports */
	static const unsigned bad[] = { 0, 3, 5, 8 };
	for (size_t i = 0; i < N(bad); i++) {
		uint32_t v = 0;

		assert_false(td_devices_io(&dev, COM(UART_LSR), bad[i], false, &v));
		assert_int_equal(v, 0xffffffff);
		v = 'x';
		assert_false(td_devices_io(&dev, COM(UART_THR), bad[i], true, &v));
	}
	assert_int_equal(dev.unhandled, n + 2 * N(bad));
	assert_int_equal(com.n, 0);
	/* 0x402 with no debug console: not there */
	uint32_t v = 0;
	assert_false(td_devices_io(&dev, TDDEV_PORT_DEBUGCON, 1, false, &v));
	assert_int_equal(v, 0xff);
}

static void test_post_and_debugcon(void **state)
{
	(void)state;
	outp(TDDEV_PORT_POST, 1, 0x2a);
	assert_int_equal(dev.post_code, 0x2a);
	outp(TDDEV_PORT_POST, 1, 0x1b5);
	assert_int_equal(dev.post_code, 0xb5);
	assert_int_equal(inp(TDDEV_PORT_POST, 1), 0xff);

	dev.dbg_out = sink_out;
	dev.dbg_ctx = &dbg;
	/* OVMF PlatformDebugLibIoPortDetect: IoRead8(0x402) == 0xE9 */
	assert_int_equal(inp(TDDEV_PORT_DEBUGCON, 1), TDDEV_DEBUGCON_MAGIC);
	outp(TDDEV_PORT_DEBUGCON, 1, 'O');
	outp(TDDEV_PORT_DEBUGCON, 1, 'K');
	assert_int_equal(dbg.n, 2);
	assert_memory_equal(dbg.buf, "OK", 2);
	assert_int_equal(com.n, 0);
	assert_int_equal(dev.unhandled, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_uart_output, setup),
		cmocka_unit_test_setup(test_uart_dlab, setup),
		cmocka_unit_test_setup(test_uart_lsr_iir, setup),
		cmocka_unit_test_setup(test_uart_rx_fifo, setup),
		cmocka_unit_test_setup(test_uart_loopback, setup),
		cmocka_unit_test_setup(test_fwcfg_signature_id, setup),
		cmocka_unit_test_setup(test_fwcfg_items, setup),
		cmocka_unit_test_setup(test_fwcfg_files, setup),
		cmocka_unit_test_setup(test_fwcfg_kernel, setup),
		cmocka_unit_test_setup(test_pci_host_bridge, setup),
		cmocka_unit_test_setup(test_pci_command, setup),
		cmocka_unit_test_setup(test_pci_absent, setup),
		cmocka_unit_test_setup(test_pm_timer, setup),
		cmocka_unit_test_setup(test_cmos_time, setup),
		cmocka_unit_test_setup(test_cmos_ram, setup),
		cmocka_unit_test_setup(test_unknown_ports, setup),
		cmocka_unit_test_setup(test_post_and_debugcon, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
