/* Files next to the loader image, and the load options. */
#include "boot/loader.h"

#define PATH_MAX_CHARS 512

/* The directory part of the image's device path: the concatenated
 * MEDIA_FILEPATH_DP nodes up to the last backslash (UEFI 2.10 §10.3.5.4). */
static UINTN image_dir(EFI_LOADED_IMAGE *li, CHAR16 *out, UINTN cap)
{
	EFI_DEVICE_PATH *dp = li->FilePath;
	UINTN n = 0, last_sep = 0;

	while (dp && !IsDevicePathEnd(dp)) {
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_FILEPATH_DP) {
			FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
			UINTN len = (DevicePathNodeLength(dp) - 4) / 2;
			if (n > 0 && out[n - 1] != L'\\' && n < cap)
				out[n++] = L'\\';
			for (UINTN i = 0; i < len && fp->PathName[i]; i++) {
				if (n + 1 >= cap)
					return 0;
				out[n++] = fp->PathName[i];
			}
		}
		dp = NextDevicePathNode(dp);
	}
	for (UINTN i = 0; i < n; i++)
		if (out[i] == L'\\')
			last_sep = i + 1;
	return last_sep;
}

/* Network boot: the same file from the TFTP server and directory the
 * image came from, through the PXE base code the firmware booted with
 * (UEFI 2.10 §24.3, Mtftp). The boot file name in the DHCP answer gives
 * the directory. */
static EFI_STATUS tftp_read_sibling(EFI_LOADED_IMAGE *li, const CHAR16 *name,
				    UINTN max, UINT64 *pa, UINT32 *len,
				    BOOLEAN *truncated)
{
	EFI_PXE_BASE_CODE_PROTOCOL *pxe = NULL;
	EFI_PXE_BASE_CODE_DHCPV4_PACKET *p;
	EFI_IP_ADDRESS server;
	UINT8 path[PATH_MAX_CHARS];
	UINT64 size = 0;
	UINTN dir = 0, n = 0;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle,
			       &PxeBaseCodeProtocol, (void **)&pxe);
	if (EFI_ERROR(st) || !pxe || !pxe->Mode || !pxe->Mode->Started ||
	    pxe->Mode->UsingIpv6 || !pxe->Mode->DhcpAckReceived)
		return EFI_UNSUPPORTED;
	p = &pxe->Mode->DhcpAck.Dhcpv4;
	ZeroMem(&server, sizeof(server));
	CopyMem(&server, p->BootpSiAddr, 4);
	if (pxe->Mode->ProxyOfferReceived &&
	    pxe->Mode->ProxyOffer.Dhcpv4.BootpBootFile[0]) {
		p = &pxe->Mode->ProxyOffer.Dhcpv4;
		CopyMem(&server, p->BootpSiAddr, 4);
	}
	for (; n < sizeof(p->BootpBootFile) && p->BootpBootFile[n]; n++) {
		path[n] = p->BootpBootFile[n];
		if (path[n] == '/' || path[n] == '\\')
			dir = n + 1;
	}
	for (n = 0; name[n] && dir + n + 1 < PATH_MAX_CHARS; n++)
		path[dir + n] = name[n] == L'\\' ? '/' : (UINT8)name[n];
	path[dir + n] = 0;

	/* The size first (TFTP tsize option); without it, read up to max. */
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe, EFI_PXE_BASE_CODE_TFTP_GET_FILE_SIZE,
			       NULL, FALSE, &size, NULL, &server, path, NULL, FALSE);
	if (EFI_ERROR(st) || size == 0 || size > max)
		size = max;
	st = loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA, EFI_SIZE_TO_PAGES(size + 1),
				0, pa);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe, EFI_PXE_BASE_CODE_TFTP_READ_FILE,
			       (void *)(UINTN)*pa, FALSE, &size, NULL, &server, path,
			       NULL, FALSE);
	*truncated = st == EFI_BUFFER_TOO_SMALL;
	if (EFI_ERROR(st) && !*truncated) {
		*pa = 0;
		return st;
	}
	*len = (UINT32)size;
	return EFI_SUCCESS;
}

EFI_STATUS files_read_sibling(EFI_LOADED_IMAGE *li, const CHAR16 *name,
			      UINTN max, UINT64 *pa, UINT32 *len,
			      BOOLEAN *truncated)
{
	CHAR16 path[PATH_MAX_CHARS];
	EFI_FILE_HANDLE root, fh;
	EFI_FILE_INFO *info;
	UINTN dir, size, want;
	EFI_STATUS st;

	*pa = 0;
	*len = 0;
	*truncated = FALSE;
	dir = image_dir(li, path, PATH_MAX_CHARS);
	if (dir + StrLen(name) + 1 > PATH_MAX_CHARS)
		return EFI_BUFFER_TOO_SMALL;
	StrCpy(path + dir, name);
	for (UINTN i = dir; path[i]; i++) /* a/b.txt names a subdirectory */
		if (path[i] == L'/')
			path[i] = L'\\';

	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return tftp_read_sibling(li, name, max, pa, len, truncated);
	st = uefi_call_wrapper(root->Open, 5, root, &fh, path,
			       EFI_FILE_MODE_READ, 0);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	size = info->FileSize;
	FreePool(info);
	want = size > max ? max : size;
	*truncated = size > max;
	st = loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA,
				EFI_SIZE_TO_PAGES(want + 1), 0, pa);
	if (!EFI_ERROR(st)) {
		st = uefi_call_wrapper(fh->Read, 3, fh, &want,
				       (void *)(UINTN)*pa);
		*len = (UINT32)want;
	}
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}

/* Load options are UCS-2 text when the image was started from the UEFI
 * shell or a boot entry with arguments. Boot managers may pass binary
 * option data instead, so anything that is not plain printable ASCII is
 * ignored as a whole. The shell puts the image name first: drop it. */
UINT32 cmdline_from_load_options(EFI_LOADED_IMAGE *li, char *out, UINT32 cap)
{
	const CHAR16 *s = li->LoadOptions;
	UINTN n = li->LoadOptionsSize / 2;
	UINT32 len = 0, start = 0;

	if (!s || n == 0)
		return 0;
	for (UINTN i = 0; i < n && s[i]; i++) {
		if ((s[i] < 0x20 || s[i] > 0x7e) && s[i] != L'\t')
			return 0;
		if (len + 1 >= cap)
			break;
		out[len++] = (char)s[i];
	}
	out[len] = 0;
	while (start < len && (out[start] == ' ' || out[start] == '\t'))
		start++;
	UINT32 end = start;
	while (end < len && out[end] != ' ' && out[end] != '\t' && out[end] != '=')
		end++;
	if (end - start >= 4 && (end == len || out[end] != '=')) {
		const char *ext = out + end - 4;
		if (ext[0] == '.' && (ext[1] | 0x20) == 'e' &&
		    (ext[2] | 0x20) == 'f' && (ext[3] | 0x20) == 'i')
			start = end;
	}
	CopyMem(out, out + start, len - start + 1);
	return len - start;
}
