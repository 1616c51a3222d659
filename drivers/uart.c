/* 16550 UART (National Semiconductor PC16550D data sheet). */
#include "drivers/uart.h"
#include "kernel/cpu.h"

enum {
	REG_DATA = 0, REG_IER = 1, REG_FCR = 2, REG_LCR = 3, REG_MCR = 4,
	REG_LSR = 5, REG_SCR = 7,
	REG_DLL = 0, REG_DLM = 1, /* with LCR.DLAB */
};

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define LCR_DLAB       0x80
#define LCR_8N1        0x03
#define UART_CLOCK_DIV 115200 /* 1.8432 MHz / 16 */
/* Bounded so that a missing or wedged UART cannot hang the kernel: at
 * 9600 baud a byte takes about 1 ms, far less than this many reads. */
#define TX_SPIN_LIMIT  1000000

static uint8_t rd(struct uart *u, unsigned reg)
{
	if (!u->mmio)
		return inb((uint16_t)(u->base + reg));
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(u->base + reg * u->stride);
	return u->stride == 4 ? (uint8_t)*(volatile uint32_t *)p : *p;
}

static void wr(struct uart *u, unsigned reg, uint8_t v)
{
	if (!u->mmio) {
		outb((uint16_t)(u->base + reg), v);
		return;
	}
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(u->base + reg * u->stride);
	if (u->stride == 4)
		*(volatile uint32_t *)p = v;
	else
		*p = v;
}

void uart_init(struct uart *u)
{
	/* The scratch register holds what was written only when a UART is
	 * there; a floating bus reads back 0xff. */
	wr(u, REG_SCR, 0x5a);
	u->present = rd(u, REG_SCR) == 0x5a;
	if (!u->present)
		return;
	wr(u, REG_IER, 0);
	if (u->baud) {
		uint16_t div = (uint16_t)(UART_CLOCK_DIV / u->baud);
		if (div == 0)
			div = 1;
		wr(u, REG_LCR, LCR_DLAB);
		wr(u, REG_DLL, div & 0xff);
		wr(u, REG_DLM, div >> 8);
	}
	wr(u, REG_LCR, LCR_8N1);
	wr(u, REG_FCR, 0x07);  /* enable and clear both FIFOs */
	wr(u, REG_MCR, 0x03);  /* DTR, RTS */
}

static void putc_raw(struct uart *u, char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (rd(u, REG_LSR) & LSR_THR_EMPTY)
			break;
		pause();
	}
	wr(u, REG_DATA, (uint8_t)c);
}

void uart_write(struct uart *u, const char *s, size_t n)
{
	if (!u->present)
		return;
	for (size_t i = 0; i < n; i++)
		putc_raw(u, s[i]);
}

int uart_getc(struct uart *u)
{
	if (!u->present || !(rd(u, REG_LSR) & LSR_DATA_READY))
		return -1;
	return rd(u, REG_DATA);
}
