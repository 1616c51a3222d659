/* Known stacks, so that a stack trace never follows a frame pointer out
 * of a stack (which would fault inside the exception report). Each CPU
 * knows its own stacks (struct percpu). */
#ifndef BARETDX_KERNEL_STACK_H
#define BARETDX_KERNEL_STACK_H

#include <stdbool.h>
#include <stdint.h>

/* True when [p, p+len) lies inside one of the calling CPU's stacks. */
bool stack_contains(uint64_t p, uint64_t len);

#endif
