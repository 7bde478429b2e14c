package dev.arenaemu.emulator.trap;

import dev.arenaemu.emulator.cpu.Cpu;

/** Decides what a page fault means (the job of arch/x86/mm/fault.c). Called inside the run. */
@FunctionalInterface
public interface FaultHandler {
    FaultResolution onPageFault(PageFault fault, Cpu cpu);

    /** Every fault stops the run: nothing is installed on demand. */
    FaultHandler DELIVER_ALL = (fault, cpu) -> FaultResolution.DELIVER;
}
