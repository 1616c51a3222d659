#include <stddef.h>
#include "kernel/extable.h"

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

const struct extable_entry *extable_find(uint64_t rip)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e;
	return NULL;
}
