/* Name tables built from the X-macro lists in vmx/vmcs_fields.h and
 * vmx/vmx_exit.h, so a name cannot drift from its number. */
#include <stddef.h>
#include <stdint.h>

#include "vmx/vmcs.h"
#include "vmx/vmx_exit.h"
#include "vmx/vmx_names.h"

/* Every row's width is the one its encoding carries in bits 14:13, and no
 * row is the "high" half of a 64-bit field (SDM Vol. 3C §25.11.2). */
#define FIELD_CHECK(name, enc, w)                                            \
	_Static_assert(VMCS_ENCODING_WIDTH(enc) == VMCS_WIDTH_##w &&         \
			       ((enc) & VMCS_ENC_HIGH) == 0,                 \
		       #name ": width or access type disagrees with encoding");
VMCS_FIELDS(FIELD_CHECK)

#define FIELD_ROW(name, enc, w) { #name, (enc), VMCS_WIDTH_##w },
const struct vmcs_field_desc vmcs_field_table[VMCS_FIELD_COUNT] = {
	VMCS_FIELDS(FIELD_ROW)
};

const struct vmcs_field_desc *vmcs_field_lookup(uint32_t encoding)
{
	for (size_t i = 0; i < VMCS_FIELD_COUNT; i++)
		if (vmcs_field_table[i].encoding == encoding)
			return &vmcs_field_table[i];
	return NULL;
}

const char *vmcs_field_name(uint32_t encoding)
{
	const struct vmcs_field_desc *d = vmcs_field_lookup(encoding);

	return d ? d->name : "?";
}

#define EXIT_ROW(n, name, text) [n] = text,
static const char *const exit_reason_names[] = {
	VMX_EXIT_REASONS(EXIT_ROW)
};

const char *vmx_exit_reason_name(uint32_t reason)
{
	uint32_t basic = VMX_EXIT_REASON_BASIC(reason);
	size_t n = sizeof(exit_reason_names) / sizeof(exit_reason_names[0]);

	if (basic < n && exit_reason_names[basic])
		return exit_reason_names[basic];
	return "unknown exit reason";
}

#define INSN_ERROR_ROW(n, name, text) [n] = text,
static const char *const insn_error_names[] = {
	[VMX_OK] = "success",
	VMX_INSN_ERRORS(INSN_ERROR_ROW)
};

const char *vmx_insn_error_name(int err)
{
	size_t n = sizeof(insn_error_names) / sizeof(insn_error_names[0]);

	if (err == VMX_FAIL_INVALID)
		return "VMfailInvalid (no current VMCS)";
	if (err >= 0 && (size_t)err < n && insn_error_names[err])
		return insn_error_names[err];
	return "unknown VM-instruction error";
}
