/* Judging the TDX prerequisites (tdx-abi.md §3.1, §3.4, §8). Each rule
 * states what it saw and, on FAIL, what usually fixes it. */
#include <stdarg.h>
#include "kernel/fmt.h"
#include "seam/tdx_abi.h"
#include "seam/tdx_preflight.h"
#include "seam/tdx_status.h"

static void set(struct tdx_check *c, const char *name, int result,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set(struct tdx_check *c, const char *name, int result,
		const char *fmt, ...)
{
	va_list ap;

	c->name = name;
	c->result = result;
	va_start(ap, fmt);
	fmt_vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
}

static void vmx(const struct tdx_facts *f, struct tdx_check *c)
{
	uint64_t fc = f->feature_control;

	if (!f->vmx_cpuid)
		set(c, "vmx", TDX_CHECK_FAIL, "the CPU does not report VMX: enable Intel "
		    "Virtualization Technology (VT-x) in the firmware setup");
	else if (!f->fc_ok || !(fc & 1) || !(fc & 4))
		set(c, "vmx", TDX_CHECK_FAIL, "IA32_FEATURE_CONTROL 0x%llx: VMX is not locked on "
		    "by firmware; enable VT-x in the firmware setup", (unsigned long long)fc);
	else if (!f->vmx_on)
		set(c, "vmx", TDX_CHECK_FAIL, "VMXON failed on some CPUs (see 'vmx info')");
	else
		set(c, "vmx", TDX_CHECK_PASS, "VMX on every CPU, IA32_FEATURE_CONTROL 0x%llx",
		    (unsigned long long)fc);
}

static void seamrr(const struct tdx_facts *f, struct tdx_check *cap,
		   struct tdx_check *rr)
{
	const char *fix = "enable TDX and the SEAM loader in the firmware setup "
			  "(it needs TME and TME-MT enabled first)";

	if (!f->mtrrcap_ok || !(f->mtrrcap & MTRRCAP_SEAMRR))
		set(cap, "seamrr-support", TDX_CHECK_FAIL,
		    "MTRRCAP.SEAMRR (bit 15) clear: no SEAM range register; needs a "
		    "TDX-capable CPU, then %s", fix);
	else
		set(cap, "seamrr-support", TDX_CHECK_PASS, "MTRRCAP 0x%llx reports SEAMRR",
		    (unsigned long long)f->mtrrcap);
	if (!f->seamrr_ok || !(f->seamrr_base & SEAMRR_BASE_CONFIGURED) ||
	    !(f->seamrr_mask & SEAMRR_MASK_ENABLED) || !(f->seamrr_mask & SEAMRR_MASK_LOCKED))
		set(rr, "seamrr", TDX_CHECK_FAIL,
		    "SEAMRR base 0x%llx mask 0x%llx is not configured, enabled and locked: %s",
		    (unsigned long long)f->seamrr_base, (unsigned long long)f->seamrr_mask, fix);
	else
		set(rr, "seamrr", TDX_CHECK_PASS,
		    "SEAMRR at 0x%llx configured, enabled and locked",
		    (unsigned long long)(f->seamrr_base & ~0x1ffffffull));
}

static void keyids(const struct tdx_facts *f, struct tdx_check *c)
{
	uint32_t mktme = (uint32_t)f->keyid_partitioning;
	uint32_t tdx = (uint32_t)(f->keyid_partitioning >> 32);

	/* One TDX KeyID is the module's global KeyID, so a TD needs two
	 * (tdx-abi.md §3.4: Linux refuses fewer). */
	if (!f->keyid_ok || tdx < 2)
		set(c, "keyids", TDX_CHECK_FAIL,
		    "%u TDX KeyIDs (%u MKTME): at least 2 are needed; set a TDX KeyID split "
		    "in the firmware setup (TME-MT key split, e.g. 'TDX key split' > 1)",
		    tdx, mktme);
	else
		set(c, "keyids", TDX_CHECK_PASS,
		    "%u MKTME + %u TDX KeyIDs: TDX KeyIDs [%u, %u], global KeyID %u, %u for TDs",
		    mktme, tdx, mktme + 1, mktme + tdx, mktme + 1, tdx - 1);
}

static void cpu_features(const struct tdx_facts *f, struct tdx_check *c)
{
	/* MOVDIR64B is how a host clears pages that were TD-private without
	 * poisoning them (integrity). The emulated module has no integrity,
	 * and Bochs's CPU models lack the instruction, so there it is waived,
	 * saying so. */
	if (f->emulated && f->x2apic && f->xsave && !f->movdir64b)
		set(c, "cpu-features", TDX_CHECK_PASS, "x2APIC and XSAVE present; MOVDIR64B "
		    "missing, which the emulated module (no memory integrity) does not need");
	else if (!f->x2apic || !f->xsave || !f->movdir64b)
		set(c, "cpu-features", TDX_CHECK_FAIL, "missing%s%s%s: TDX needs x2APIC, XSAVE "
		    "and MOVDIR64B (a TDX-capable Xeon has all three; under a hypervisor, "
		    "expose them)", f->x2apic ? "" : " x2APIC", f->xsave ? "" : " XSAVE",
		    f->movdir64b ? "" : " MOVDIR64B");
	else
		set(c, "cpu-features", TDX_CHECK_PASS, "x2APIC, XSAVE and MOVDIR64B present");
}

static void seamldr(const struct tdx_facts *f, struct tdx_check *c)
{
	if (f->seamldr_status == 0)
		set(c, "seamldr", TDX_CHECK_PASS,
		    "P-SEAMLDR %u.%u.%u, %u module updates left",
		    f->seamldr_major, f->seamldr_minor, f->seamldr_update,
		    f->seamldr_remaining);
	else
		set(c, "seamldr", TDX_CHECK_FAIL,
		    "SEAMLDR.INFO: %s: the persistent SEAM loader is not running; enable "
		    "the SEAM loader in the firmware setup", tdx_status_name(f->seamldr_status));
}

static void module(const struct tdx_facts *f, struct tdx_check *c)
{
	uint64_t s = f->module_status;

	if (s == TDX_SEAMCALL_VMFAILINVALID)
		set(c, "module", TDX_CHECK_FAIL, "no TDX module loaded (SEAMCALL VMfailInvalid): "
		    "put the module in the firmware image or in \\EFI\\TDX\\ on the ESP, or "
		    "load it with the P-SEAMLDR");
	else if (s == TDX_SEAMCALL_UD || s == TDX_SEAMCALL_GP)
		set(c, "module", TDX_CHECK_FAIL, "SEAMCALL raised #%s: %s",
		    s == TDX_SEAMCALL_UD ? "UD" : "GP",
		    s == TDX_SEAMCALL_UD ? "no VMX operation, or no SEAM on this CPU"
					 : "SEAMRR is not enabled by firmware");
	else
		set(c, "module", TDX_CHECK_PASS, "a TDX module answers%s (%s)",
		    f->emulated ? ": the emulated one, a functional model without memory "
				  "encryption or integrity" : "",
		    tdx_status_name(s));
}

unsigned tdx_preflight_judge(const struct tdx_facts *f,
			     struct tdx_check out[TDX_NCHECKS])
{
	unsigned fails = 0;

	vmx(f, &out[0]);
	seamrr(f, &out[1], &out[2]);
	keyids(f, &out[3]);
	cpu_features(f, &out[4]);
	seamldr(f, &out[5]);
	module(f, &out[6]);
	/* The two SEAM checks only mean something with VMX on. */
	if (out[0].result == TDX_CHECK_FAIL) {
		set(&out[5], "seamldr", TDX_CHECK_SKIP, "needs VMX operation");
		set(&out[6], "module", TDX_CHECK_SKIP, "needs VMX operation");
	}
	set(&out[7], "emulation", TDX_CHECK_PASS, "%s", f->emulated
	    ? "answers come from the emulated TDX module (tdx=emulate)"
	    : "real hardware answers (no emulation)");
	for (unsigned i = 0; i < TDX_NCHECKS; i++)
		fails += out[i].result == TDX_CHECK_FAIL;
	return fails;
}
