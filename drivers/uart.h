/* 16550-compatible UART, port I/O or MMIO. */
#ifndef BARETDX_DRIVERS_UART_H
#define BARETDX_DRIVERS_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uart {
	bool mmio;
	uint64_t base;     /* I/O port, or virtual address when mmio */
	unsigned stride;   /* bytes between registers (1, or 4 for 32-bit) */
	uint32_t baud;     /* 0 = keep the firmware's setting */
	bool present;
};

void uart_init(struct uart *u);
void uart_write(struct uart *u, const char *s, size_t n);
int uart_getc(struct uart *u); /* -1 when nothing is waiting */

#endif
