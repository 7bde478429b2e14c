package dev.arenaemu.kernel.bpf.jit;

/**
 * What the x86-64 JIT's output depends on besides the program and the kernel version: the CPU's
 * features as the booted kernel sees them and the kernel's build options. Kernel-version
 * differences are {@link dev.arenaemu.kernel.KernelEra} switches instead.
 *
 * <ul>
 *   <li>{@code bmi2}: {@code boot_cpu_has(X86_FEATURE_BMI2)}. do_jit then emits shifts by a
 *       register as {@code shlx/shrx/sarx dst, dst, src} ({@code emit_shiftx}, VEX.0F38 F7) unless
 *       the count already is in rcx (BPF R4); without it, the shift goes through cl.</li>
 *   <li>{@code ibt}: CONFIG_X86_KERNEL_IBT. {@code EMIT_ENDBR()} puts {@code endbr64}
 *       ({@code f3 0f 1e fa}) at each function's entry ({@code emit_cfi} without kCFI) and again
 *       after {@code mov rbp, rsp} (the X86_TAIL_CALL_OFFSET landing point) in
 *       {@code emit_prologue}.</li>
 *   <li>{@code slsInt3}: CONFIG_MITIGATION_SLS. {@code emit_return} follows {@code ret} with
 *       {@code int3} (when the CPU does not want the return thunk, which is not modelled).</li>
 * </ul>
 *
 * @param bmi2 the CPU has BMI2
 * @param ibt the kernel was built with IBT (endbr64 in prologues)
 * @param slsInt3 the kernel was built with the straight-line-speculation mitigation (int3 after ret)
 */
public record JitProfile(boolean bmi2, boolean ibt, boolean slsInt3) {
    /**
     * A Debian cloud kernel (amd64 config: CONFIG_X86_KERNEL_IBT=y, CONFIG_MITIGATION_SLS=y) booted
     * on a modern CPU, e.g. QEMU {@code -cpu max}, which has BMI2. The default of the {@code jit}
     * command, i.e. what images read back from such a kernel are compared against.
     */
    public static final JitProfile DEBIAN_CLOUD = new JitProfile(true, true, true);

    /**
     * The emulated machine's own CPU with the Debian build options: what programs that run in the
     * emulator are compiled for. Unicorn's default x86-64 model reports BMI2
     * (CPUID.(EAX=7,ECX=0):EBX bit 8: 0x180108 read on 2.0.1, bit 8 set on 2.1.4 too;
     * JitProfileExecutionTest checks it) and executes shlx/shrx/sarx, so a kernel booted on it
     * would use them: today the same as
     * {@link #DEBIAN_CLOUD}, kept apart because it follows the emulator, not the reference machine.
     */
    public static final JitProfile EMULATED_CPU = new JitProfile(true, true, true);

    /** No BMI2, no IBT, no SLS: the plain encodings (a minimal config on an old CPU). */
    public static final JitProfile BASELINE = new JitProfile(false, false, false);

    public JitProfile withBmi2(boolean on) { return new JitProfile(on, ibt, slsInt3); }
    public JitProfile withIbt(boolean on) { return new JitProfile(bmi2, on, slsInt3); }
    public JitProfile withSlsInt3(boolean on) { return new JitProfile(bmi2, ibt, on); }
}
