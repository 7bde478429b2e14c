package dev.arenaemu.kernel.mm;

/** The outcome of a {@link VmOperations#fault} (the VM_FAULT_* codes that matter here). */
public sealed interface VmFaultResult {
    /**
     * The page to map: its physical address (the PTE frame). The handler has taken one page
     * reference for the mapping the caller installs; the caller drops it when it zaps the PTE.
     */
    record Page(long phys) implements VmFaultResult {}

    /** VM_FAULT_SIGSEGV: the faulting access gets SIGSEGV (SEGV_MAPERR on x86). */
    record Sigsegv() implements VmFaultResult {}

    /** VM_FAULT_SIGBUS. */
    record Sigbus() implements VmFaultResult {}

    /** VM_FAULT_OOM: core mm runs the OOM path; the access is retried if memory appears. */
    record Oom() implements VmFaultResult {}

    /** VM_FAULT_RETRY: take the fault again. */
    record Retry() implements VmFaultResult {}

    VmFaultResult SIGSEGV = new Sigsegv();
    VmFaultResult SIGBUS = new Sigbus();
    VmFaultResult OOM = new Oom();
    VmFaultResult RETRY = new Retry();
}
