/* Places the kernel ELF that is embedded in the loader image
 * (kernel_blob.asm) at fresh physical pages, and extracts its function
 * symbols for the kernel's exception reports.
 *
 * The kernel is a non-PIC ELF64 executable linked at BOOT_KERNEL_BASE
 * (linker.ld). All of its PT_LOAD segments must fit in one virtually
 * contiguous span, which is placed physically contiguous too. */
#include <elf.h>
#include "boot/loader.h"

extern const unsigned char kernel_blob[] __attribute__((visibility("hidden")));
extern const unsigned char kernel_blob_end[] __attribute__((visibility("hidden")));

#define MAX_SYMS 8192

static UINT64 blob_size(void)
{
	return (UINT64)(kernel_blob_end - kernel_blob);
}

/* True when [off, off+len) lies inside the blob. */
static BOOLEAN in_blob(UINT64 off, UINT64 len)
{
	return off <= blob_size() && len <= blob_size() - off;
}

static EFI_STATUS check_header(const Elf64_Ehdr *eh)
{
	if (!in_blob(0, sizeof(*eh)) ||
	    CompareMem(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_blob(eh->e_phoff, (UINT64)eh->e_phnum * sizeof(Elf64_Phdr)))
		return EFI_LOAD_ERROR;
	return EFI_SUCCESS;
}

static void sort_syms(struct boot_symbol *s, UINT32 n)
{
	/* Shell sort: no recursion, no allocation, fine for a few
	 * thousand entries. */
	for (UINT32 gap = n / 2; gap > 0; gap /= 2) {
		for (UINT32 i = gap; i < n; i++) {
			struct boot_symbol t = s[i];
			UINT32 j = i;
			while (j >= gap && s[j - gap].addr > t.addr) {
				s[j] = s[j - gap];
				j -= gap;
			}
			s[j] = t;
		}
	}
}

/* Copies STT_FUNC symbols and their names into boot-data pages. A kernel
 * without a symbol table still boots; its reports then show addresses. */
static void extract_symbols(const Elf64_Ehdr *eh, struct loaded_kernel *k)
{
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(kernel_blob + eh->e_shoff);
	const Elf64_Shdr *symtab = NULL, *strtab;
	struct boot_symbol *syms;
	char *names;
	UINT32 n = 0, names_used = 0;

	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_blob(eh->e_shoff, (UINT64)eh->e_shnum * sizeof(Elf64_Shdr)))
		return;
	for (UINT16 i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
	if (!symtab || symtab->sh_link >= eh->e_shnum ||
	    symtab->sh_entsize != sizeof(Elf64_Sym) ||
	    !in_blob(symtab->sh_offset, symtab->sh_size))
		return;
	strtab = &sh[symtab->sh_link];
	if (!in_blob(strtab->sh_offset, strtab->sh_size) || strtab->sh_size == 0 ||
	    strtab->sh_size > 0xffffffffu)
		return;

	if (loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA,
			       EFI_SIZE_TO_PAGES(MAX_SYMS * sizeof(*syms)),
			       0, &k->syms_pa) != EFI_SUCCESS ||
	    loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA,
			       EFI_SIZE_TO_PAGES(strtab->sh_size), 0,
			       &k->names_pa) != EFI_SUCCESS)
		return;
	syms = (struct boot_symbol *)(UINTN)k->syms_pa;
	names = (char *)(UINTN)k->names_pa;

	const Elf64_Sym *es = (const Elf64_Sym *)(kernel_blob + symtab->sh_offset);
	const char *str = (const char *)(kernel_blob + strtab->sh_offset);
	UINT64 count = symtab->sh_size / sizeof(Elf64_Sym);
	for (UINT64 i = 0; i < count; i++) {
		UINT32 len;
		if (ELF64_ST_TYPE(es[i].st_info) != STT_FUNC ||
		    es[i].st_name >= strtab->sh_size)
			continue;
		if (n == MAX_SYMS) {
			k->syms_truncated = TRUE;
			break;
		}
		/* Names are copied through a bounded scan: a string table
		 * without its final NUL must not run off the end. */
		for (len = 0; es[i].st_name + len < strtab->sh_size &&
			      str[es[i].st_name + len]; len++)
			;
		if (names_used + len + 1 > strtab->sh_size)
			break;
		CopyMem(names + names_used, str + es[i].st_name, len);
		names[names_used + len] = 0;
		syms[n].addr = es[i].st_value;
		syms[n].size = (UINT32)es[i].st_size;
		syms[n].name = names_used;
		names_used += len + 1;
		n++;
	}
	sort_syms(syms, n);
	k->syms_count = n;
	k->names_size = names_used;
}

EFI_STATUS kernel_load(struct loaded_kernel *k)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)kernel_blob;
	const Elf64_Phdr *ph;
	UINT64 lo = ~0ull, hi = 0;
	EFI_STATUS st;

	ZeroMem(k, sizeof(*k));
	st = check_header(eh);
	if (EFI_ERROR(st))
		return st;
	ph = (const Elf64_Phdr *)(kernel_blob + eh->e_phoff);
	for (UINT16 i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz ||
		    !in_blob(ph[i].p_offset, ph[i].p_filesz) ||
		    ph[i].p_vaddr < BOOT_KERNEL_BASE ||
		    ph[i].p_memsz > (1ull << 30))
			return EFI_LOAD_ERROR;
		if (ph[i].p_vaddr < lo)
			lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (hi <= lo || (lo & 0xfff) || hi - lo > (1ull << 30) ||
	    eh->e_entry < lo || eh->e_entry >= hi)
		return EFI_LOAD_ERROR;

	k->vbase = lo;
	k->size = (hi - lo + 0xfff) & ~0xfffull;
	k->entry = eh->e_entry;
	st = loader_alloc_pages(EFI_TYPE_BARETDX_KERNEL,
				EFI_SIZE_TO_PAGES(k->size), 0, &k->pa);
	if (EFI_ERROR(st))
		return st;
	for (UINT16 i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		/* Pages come zeroed, which clears .bss. */
		CopyMem((void *)(UINTN)(k->pa + ph[i].p_vaddr - lo),
			kernel_blob + ph[i].p_offset, ph[i].p_filesz);
	}
	extract_symbols(eh, k);
	return EFI_SUCCESS;
}
