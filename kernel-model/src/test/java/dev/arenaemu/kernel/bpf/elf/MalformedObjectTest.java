package dev.arenaemu.kernel.bpf.elf;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.BpfTestPrograms;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import dev.arenaemu.kernel.testing.SeededCheck;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bad input is an ElfException with a byte offset, never an unchecked crash. */
class MalformedObjectTest {
    private static final byte[] GOOD = BpfTestPrograms.read(BpfTestPrograms.compile("arena_list.bpf.c"));

    @Test
    void truncationAtManyOffsetsIsACleanError() {
        for (int len = 0; len < GOOD.length; len += 13) {
            byte[] cut = Arrays.copyOf(GOOD, len);
            int n = len;
            ElfException e = assertThrows(ElfException.class, () -> BpfObjectLoader.load(cut), () -> "truncated to " + n);
            assertTrue(e.offset() >= 0 && e.offset() <= GOOD.length, e.getMessage());
        }
    }

    @Test
    void notAnElfFile() {
        ElfException e = assertThrows(ElfException.class, () -> BpfObjectLoader.load(new byte[100]));
        assertEquals(0, e.offset());
    }

    @Test
    void unknownRelocationTypeNamesTheEntry() {
        byte[] bad = GOOD.clone();
        long relOff = sectionOffset(bad, ".relsyscall");
        bad[(int) relOff + 8] = 7; // r_info type of the first entry
        ElfException e = assertThrows(ElfException.class, () -> BpfObjectLoader.load(bad));
        assertEquals(relOff + 8, e.offset());
        assertTrue(e.getMessage().contains("unknown relocation type 7"), e.getMessage());
    }

    @Test
    void invalidOpcodeNamesTheInstruction() {
        byte[] bad = GOOD.clone();
        long code = sectionOffset(bad, "syscall");
        int insn = 0;
        while (insn < 3 * 8 || (bad[(int) code + insn] & 0xFF) == 0x18) {
            insn += (bad[(int) code + insn] & 0xFF) == 0x18 ? 16 : 8; // walk whole instructions to a one-slot one
        }
        bad[(int) code + insn] = (byte) 0xFE;
        ElfException e = assertThrows(ElfException.class, () -> BpfObjectLoader.load(bad));
        assertEquals(code + insn, e.offset());
        assertTrue(e.getMessage().contains("unknown opcode fe"), e.getMessage());
    }

    /**
     * Found by BpfObjectLoaderFuzzTest: a call relocation whose symbol has a special section
     * index (here SHN_XINDEX) used to index the section list. libbpf's bpf_program__record_reloc
     * refuses a call relocation outside a code section ("bad call relo against ...").
     */
    @Test
    void callRelocationAgainstASpecialSectionIndex() {
        byte[] bad = GOOD.clone();
        ByteBuffer b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
        long rel = sectionOffset(bad, ".relsyscall");
        int entry = 0;
        while ((b.getLong((int) (rel + 16L * entry + 8)) & 0xFFFF_FFFFL) != 10) entry++;   // the first R_BPF_64_32 (a call)
        long symIndex = b.getLong((int) (rel + 16L * entry + 8)) >>> 32;
        long symtab = sectionOffset(bad, ".symtab");
        b.putShort((int) (symtab + 24 * symIndex + 6), (short) 0xFFFF);                     // st_shndx = SHN_XINDEX
        ElfException e = assertThrows(ElfException.class, () -> BpfObjectLoader.load(bad));
        assertEquals(rel + 16L * entry, e.offset());
        assertTrue(e.getMessage().contains("bad call relo against"), e.getMessage());
    }

    @Test
    void sectionOffsetBeyondTheFile() {
        byte[] bad = GOOD.clone();
        ByteBuffer b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(0x28);
        int index = sectionIndex(bad, "syscall");
        b.putLong((int) (shoff + 64L * index + 24), 1L << 40);
        assertThrows(ElfException.class, () -> BpfObjectLoader.load(bad));
    }

    /** 300 copies of a real object with one byte overwritten (a single byte has nothing to reduce). */
    @Test
    void anySingleByteCorruptionLoadsOrFailsCleanly() {
        record Corruption(int where, byte value) {}
        SeededCheck.forAll("single-byte corruption", 300, seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            return new Corruption(r.nextInt(GOOD.length), (byte) r.nextInt(256));
        }, SeededCheck.Reducer.none(), Corruption::toString, c -> {
            byte[] bad = GOOD.clone();
            bad[c.where()] = c.value();
            loadsOrFailsAtAnOffset(bad);
        });
    }

    /** The contract the fuzz target (BpfObjectLoaderFuzzTest) checks too: a BpfObject, or an ElfException at an offset. */
    static void loadsOrFailsAtAnOffset(byte[] file) {
        try {
            BpfObjectLoader.load(file);
        } catch (ElfException expected) {
            assertTrue(expected.offset() >= 0, expected.getMessage());
        }
    }

    private static int sectionIndex(byte[] elf, String name) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(0x28);
        int shnum = b.getShort(0x3C), shstrndx = b.getShort(0x3E);
        long strOff = b.getLong((int) (shoff + 64L * shstrndx + 24));
        for (int i = 0; i < shnum; i++) {
            int nameOff = b.getInt((int) (shoff + 64L * i));
            int p = (int) (strOff + nameOff);
            int end = p;
            while (elf[end] != 0) end++;
            if (new String(elf, p, end - p).equals(name)) return i;
        }
        throw new AssertionError("no section " + name);
    }

    private static long sectionOffset(byte[] elf, String name) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        return b.getLong((int) (b.getLong(0x28) + 64L * sectionIndex(elf, name) + 24));
    }
}
