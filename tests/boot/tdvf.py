"""TDVF images seen from Python: the sections of the TDVF metadata (OVMF's
GUIDed table at the end of the image) and the MRTD a TD built from them
gets, per tdx-abi.md §7.3 in the order QEMU+KVM use: sections in metadata
order; per 4 KiB page one PAGE.ADD, then its 16 MR.EXTENDs if the section
is measured; TD_HOB and TempMem pages PAGE.ADD-ed unmeasured."""
import hashlib
import struct

METADATA_GUID = bytes.fromhex("35657ae44a989847865e4685a7bf8ec2")
TYPES = ["BFV", "CFV", "TD_HOB", "TempMem", "PermMem", "Payload", "PayloadParam"]


def sections(image):
    """(type, gpa, data, mem_size, attributes) per section, in metadata order."""
    end = len(image)
    table_len = struct.unpack_from("<H", image, end - 0x32)[0]
    start = end - 0x20 - table_len
    pos = end - 0x32
    desc_back = None
    while pos > start:
        guid = image[pos - 16:pos]
        length = struct.unpack_from("<H", image, pos - 18)[0]
        if guid == METADATA_GUID:
            desc_back = struct.unpack_from("<I", image, pos - 18 - 4)[0]
        pos -= length
    desc = end - desc_back
    assert image[desc:desc + 4] == b"TDVF"
    n = struct.unpack_from("<I", image, desc + 12)[0]
    out = []
    for i in range(n):
        off, raw, gpa, size, typ, attr = struct.unpack_from("<IIQQII", image, desc + 16 + 32 * i)
        out.append((typ, gpa, image[off:off + raw], size, attr))
    return out


def mrtd(image):
    h = hashlib.sha384()
    for typ, gpa, data, size, attr in sections(image):
        if typ == 4 or attr & 2:        # PermMem and PAGE.AUG sections: not added
            continue
        data = data.ljust(size, b"\0")
        for off in range(0, size, 4096):
            g = gpa + off
            h.update(b"MEM.PAGE.ADD".ljust(16, b"\0") + struct.pack("<Q", g) + bytes(104))
            if attr & 1:
                for k in range(16):
                    h.update(b"MR.EXTEND".ljust(16, b"\0") + struct.pack("<Q", g + 256 * k)
                             + bytes(104))
                    h.update(data[off + 256 * k: off + 256 * (k + 1)])
    return h.hexdigest()
