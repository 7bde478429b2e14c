package dev.arenaemu.kernel;

/**
 * An internal state the kernel's own invariants rule out (the model's BUG_ON). It names the
 * broken invariant. Bad arguments from callers never raise it: they get what the kernel returns.
 */
public final class KernelBug extends RuntimeException {
    public KernelBug(String invariant) {
        super("kernel invariant broken: " + invariant);
    }
}
