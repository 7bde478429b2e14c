package dev.arenaemu.user.mm;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.kernel.mm.VmFlag;
import dev.arenaemu.user.Signal;

import java.util.function.Consumer;

/**
 * The page-fault handler of one address space: arch/x86/mm/fault.c's do_user_addr_fault (VMA
 * lookup, access_error) and mm/memory.c's handle_mm_fault (anonymous zero-fill, or the file's
 * vm_ops->fault and set_pte_at), installed on the CPU that runs the process while it runs there.
 *
 * <p>A user-mode failure becomes a {@link Signal} given to the process and stops the faulting
 * access. A kernel-mode fault on a user address is only expected inside the uaccess routine
 * ({@link dev.arenaemu.user.exec.UserCopy}); a failure there resumes at its exception-table fixup, which returns
 * -EFAULT, as copy_from_user does.
 */
public final class UserFault implements FaultHandler {
    /** Where a kernel-mode fault on a user address may be fixed up: the uaccess routine. */
    public record Extable(long begin, long end, long fixup) {
        boolean covers(long rip) { return rip >= begin && rip < end; }
    }

    private final Mm mm;
    private final Consumer<Signal> signals;
    private Extable extable;
    private long oomAddress = -1;

    public UserFault(Mm mm, Consumer<Signal> signals) {
        this.mm = mm;
        this.signals = signals;
    }

    public void setExtable(Extable extable) {
        this.extable = extable;
    }

    @Override
    public FaultResolution onPageFault(PageFault fault, Cpu cpu) {
        if (!fault.user()) {
            if (extable == null || !extable.covers(fault.rip()) || fault.address() >= Mm.TASK_SIZE) return FaultResolution.DELIVER;
            Signal failed = handle(fault, cpu);
            return failed == null ? FaultResolution.RETRY : new FaultResolution.Fixup(extable.fixup(), null);
        }
        Signal sig = handle(fault, cpu);
        if (sig == null) return FaultResolution.RETRY;
        signals.accept(sig);
        return FaultResolution.DELIVER;
    }

    /** do_user_addr_fault + handle_mm_fault: null when the access may be retried, else the signal. */
    private Signal handle(PageFault fault, Cpu cpu) {
        long address = fault.address();
        if (Long.compareUnsigned(address, Mm.TASK_SIZE) >= 0) return Signal.segvMaperr(address);   // kernel half
        Vma vma = mm.find(address);
        if (vma == null || fault.noRegion()) return Signal.segvMaperr(address);
        if (accessError(fault, vma)) return Signal.segvAccerr(address);

        long va = address & ~(Mm.PAGE_SIZE - 1);
        long pte = mm.pageTable().entry(va);
        if ((pte & PteFlag.P) != 0) {
            // Spurious: the PTE already allows the access (e.g. a stale TLB entry after an
            // upgrade). Rewrite the bits from the VMA and flush this CPU's entry
            // (flush_tlb_fix_spurious_fault is local), then retry.
            mm.pageTable().protect(va, Mm.pteFlags(vma.flags()));
            cpu.flushTlbPage(va);
            return null;
        }
        if (vma.anonymous()) {
            mm.installPte(vma, va, mm.anonPhys(vma, va));
            return null;
        }
        VmFaultResult result = vma.ops().fault(vma, va, fault.write());
        return switch (result) {
            case VmFaultResult.Page page -> {
                mm.installPte(vma, va, page.phys());
                mm.frames().addMapcount(page.phys(), 1);
                oomAddress = -1;
                yield null;
            }
            case VmFaultResult.Sigsegv s -> Signal.segvMaperr(address);   // mm_fault_error → bad_area_nosemaphore
            case VmFaultResult.Sigbus s -> Signal.busAdrerr(address);
            case VmFaultResult.Retry r -> null;                           // the access faults again
            case VmFaultResult.Oom o -> {
                // pagefault_out_of_memory: the OOM killer may free memory and the access is
                // retried; a second OOM on the same address means nothing was freed → killed.
                if (oomAddress == va) {
                    oomAddress = -1;
                    yield Signal.oomKill();
                }
                oomAddress = va;
                yield null;
            }
        };
    }

    /** x86 access_error(): true when the VMA does not allow this kind of access. */
    private static boolean accessError(PageFault fault, Vma vma) {
        if (fault.write()) return !vma.has(VmFlag.WRITE);
        if (fault.fetch() && !vma.has(VmFlag.EXEC)) return true;
        if (fault.present()) return true;
        return (vma.flags() & (VmFlag.READ.bit | VmFlag.WRITE.bit | VmFlag.EXEC.bit)) == 0;
    }
}
