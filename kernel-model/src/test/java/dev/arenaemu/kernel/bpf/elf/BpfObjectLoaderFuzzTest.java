package dev.arenaemu.kernel.bpf.elf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the ELF/BTF object loader (docs/fuzzing.md), what libbpf's
 * bpf_object__open_mem does with a .bpf.o. Contract: any bytes are a {@link BpfObject} or an
 * {@link ElfException} at a byte offset inside the file, never another throwable. Seeds: the test
 * programs of src/test/c compiled by clang-19 (-target bpf -O2 -g, -mcpu=v4 and one v3).
 */
class BpfObjectLoaderFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyObject(byte[] file) {
        try {
            BpfObjectLoader.load(file);
        } catch (ElfException e) {
            assertTrue(e.offset() >= 0 && e.offset() <= file.length, () -> e.getMessage() + " (file of " + file.length + " bytes)");
        }
    }
}
