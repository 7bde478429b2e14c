package dev.arenaemu.kernel.bpf.interp;

/** Non-arena kernel memory a program may touch besides its stack (e.g. a context buffer). */
public interface KernelMemory {
    /** Zero-extended little-endian load; throws {@link InterpreterException} for an invalid address. */
    long load(long address, int size);

    void store(long address, int size, long value);

    /** No memory besides the stack. */
    KernelMemory NONE = new KernelMemory() {
        @Override
        public long load(long address, int size) {
            throw new InterpreterException(String.format("invalid %d-byte load at 0x%x", size, address));
        }

        @Override
        public void store(long address, int size, long value) {
            throw new InterpreterException(String.format("invalid %d-byte store at 0x%x", size, address));
        }
    };
}
