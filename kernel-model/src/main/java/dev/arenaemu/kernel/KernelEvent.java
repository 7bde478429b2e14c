package dev.arenaemu.kernel;

/**
 * Something the kernel would report in its log (KASAN, page poisoning, WARN_ON): recorded on
 * {@link Kernel#events()} so tests and the invariant checker see it instead of it being absorbed.
 */
public sealed interface KernelEvent {
    /**
     * A freed page's bytes changed between its free and its reuse: someone wrote through a stale
     * mapping (a TLB entry that outlived its PTE, or a kernel bug). {@code offset} is the first
     * changed byte in the page (mm/page_poison.c reports it the same way).
     */
    record UseAfterFree(long phys, int offset, String where) implements KernelEvent {}

    /** A WARN_ON_ONCE that fired, with the kernel function it is in. */
    record Warning(String function, String condition) implements KernelEvent {}

    /**
     * A VMA recorded in an arena's vma_list was already gone when the arena used it (E2–E4 fork /
     * split / mremap UAF, kernel-patches/bpf PR #12074). The model skips the access.
     */
    record DanglingVma(long vmaStart, String where) implements KernelEvent {}
}
