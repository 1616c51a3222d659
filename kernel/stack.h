/* Known stacks, so that a stack trace never follows a frame pointer out
 * of a stack (which would fault inside the exception report). */
#ifndef BARETDX_KERNEL_STACK_H
#define BARETDX_KERNEL_STACK_H

#include <stdbool.h>
#include <stdint.h>

void stack_register(void *lo, void *hi);
/* True when [p, p+len) lies inside one registered stack. */
bool stack_contains(uint64_t p, uint64_t len);

#endif
