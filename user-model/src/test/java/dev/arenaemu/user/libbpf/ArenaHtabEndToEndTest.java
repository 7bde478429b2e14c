package dev.arenaemu.user.libbpf;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.user.exec.UserResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Selftest 12-4 (prog_tests/arena_htab.c, docs/scenario-catalogue.md#12-4-arena_htab): the arena
 * has no map_extra, so libbpf's mmap(NULL) picks user_vm_start; user space writes 0x55aa at the
 * base first (faulting pgoff 0 in), then the program builds the table with the page_frag allocator
 * (bpf-to-bpf call, frees on replacement) and user machine code at CPL3 walks buckets and chains.
 */
class ArenaHtabEndToEndTest {
    /**
     * lookup(htab = rdi, key = esi) at CPL3, the selftest's htab_lookup_elem:
     * <pre>
     *   48 8b 07        mov  rax, [rdi]          ; buckets
     *   89 f1           mov  ecx, esi
     *   83 e1 7f        and  ecx, 127
     *   48 8b 04 c8     mov  rax, [rax + rcx*8]  ; first element of the bucket
     * loop:
     *   48 85 c0        test rax, rax
     *   74 0a           jz   notfound
     *   39 70 08        cmp  [rax + 8], esi      ; key
     *   74 0b           je   found
     *   48 8b 00        mov  rax, [rax]          ; next
     *   eb f1           jmp  loop
     * notfound:
     *   b8 ff ff ff ff  mov  eax, -1
     *   c3              ret
     * found:
     *   48 63 40 0c     movsxd rax, [rax + 12]   ; value
     *   c3              ret
     * </pre>
     */
    static final byte[] LOOKUP = {0x48, (byte) 0x8b, 0x07, (byte) 0x89, (byte) 0xf1, (byte) 0x83, (byte) 0xe1, 0x7f,
        0x48, (byte) 0x8b, 0x04, (byte) 0xc8, 0x48, (byte) 0x85, (byte) 0xc0, 0x74, 0x0a, 0x39, 0x70, 0x08, 0x74, 0x0b,
        0x48, (byte) 0x8b, 0x00, (byte) 0xeb, (byte) 0xf1, (byte) 0xb8, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xc3, 0x48, 0x63, 0x40, 0x0c, (byte) 0xc3};

    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void arenaHtab_userLooksUpKeysNativelyAfterBpfBuiltTheTable(KernelEra era) throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(era)) {
            BpfSkeleton skel = w.load("arena_htab.bpf.c", OpenOptions.DEFAULT);
            long base = skel.arenaBase();
            assertEquals(0, base & 0xFFF);
            assertEquals(new UserResult.Value(0), w.user.user().store(base, 2, 0x55aa));

            assertEquals(0, skel.program("arena_htab_llvm").testRun().r0());
            assertEquals(2000, skel.bss().get("nr_inserted"));
            long htab = skel.bss().get("htab_for_user");
            assertNotEquals(0, htab);
            assertTrue(htab > base && htab < base + skel.arenaSize(), "a user pointer into the arena mapping");

            long lookup = w.user.loadCode(LOOKUP);
            for (int key : new int[] {0, 4, 8, 12}) {
                assertEquals(new UserResult.Exited(key), w.user.call(lookup, Budget.DEFAULT, htab, key), "lookup(" + key + ")");
            }
            assertEquals(new UserResult.Exited(0xFFFF_FFFFL), w.user.call(lookup, Budget.DEFAULT, htab, 1000), "absent key (mov eax, -1 zero-extends)");
            assertEquals(0x55aa, w.user.user().load(base, 2).value(), "pgoff 0 was user-populated and never taken by BPF");
            skel.destroy();
        }
    }
}
