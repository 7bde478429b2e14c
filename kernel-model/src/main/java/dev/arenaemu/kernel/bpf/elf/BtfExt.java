package dev.arenaemu.kernel.bpf.elf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The func_info part of .BTF.ext (struct btf_ext_header, then btf_ext_info_sec blocks): for each
 * code section, records of (byte offset of a function's first instruction, its BTF FUNC id), which
 * libbpf turns into BPF_PROG_LOAD's func_info after linking (insn_off rebased to where each
 * function landed). Line info and CO-RE relocations are not read.
 */
final class BtfExt {
    private static final int MAGIC = 0xEB9F;

    /** One bpf_func_info record: instruction index within its section, and the FUNC type id. */
    record Record(long insn, long typeId, long fileOffset) {}

    private final Map<String, List<Record>> bySection = new HashMap<>();

    BtfExt(ElfBytes ext, Btf btf) {
        if (ext.u16(0) != MAGIC) throw new ElfException(ext.fileOffset(0), "bad .BTF.ext magic 0x" + Integer.toHexString(ext.u16(0)));
        long hdrLen = ext.u32(4), funcOff = ext.u32(8), funcLen = ext.u32(12);
        if (funcLen == 0) return;
        ElfBytes info = ext.window(hdrLen + funcOff, funcLen, ".BTF.ext func_info");
        long recSize = info.u32(0);
        if (recSize < 8) throw new ElfException(info.fileOffset(0), "func_info record size " + recSize + " is below 8");
        for (long p = 4; p < info.length(); ) {
            String sec = btf.string(info.u32(p));
            long n = info.u32(p + 4);
            p += 8;
            List<Record> records = bySection.computeIfAbsent(sec, k -> new ArrayList<>());
            for (long r = 0; r < n; r++, p += recSize) {
                long byteOff = info.u32(p);
                if (byteOff % 8 != 0) throw new ElfException(info.fileOffset(p), "func_info insn_off " + byteOff + " is not an instruction boundary");
                records.add(new Record(byteOff / 8, info.u32(p + 4), info.fileOffset(p)));
            }
        }
    }

    /** The record of the function starting at instruction {@code insn} of section {@code sec}, if there is one. */
    java.util.Optional<Record> at(String sec, long insn) {
        return bySection.getOrDefault(sec, List.of()).stream().filter(r -> r.insn() == insn).findFirst();
    }
}
