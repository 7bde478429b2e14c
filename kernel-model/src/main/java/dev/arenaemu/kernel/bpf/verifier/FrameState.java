package dev.arenaemu.kernel.bpf.verifier;

import java.util.Arrays;

/**
 * The abstract state at one instruction: registers r0-r10 and the 8-byte stack slots of the
 * current frame (slot i covers fp-8*(i+1) .. fp-8*i). A slot holds a spilled register's state
 * (an 8-byte aligned store of a register) or SCALAR for other data; never-written slots are
 * NOT_INIT and read as unknown scalars (privileged loaders may read uninitialised stack).
 */
public final class FrameState {
    static final int SLOTS = 512 / 8;
    final RegState[] regs = new RegState[11];
    final RegState[] stack = new RegState[SLOTS];
    /** The bpf_spin_lock held here (kept across frames, as the kernel's verifier state does). */
    LockState lock = LockState.NONE;

    FrameState() {
        Arrays.fill(regs, RegState.NOT_INIT);
        Arrays.fill(stack, RegState.NOT_INIT);
    }

    FrameState copy() {
        FrameState c = new FrameState();
        System.arraycopy(regs, 0, c.regs, 0, regs.length);
        System.arraycopy(stack, 0, c.stack, 0, stack.length);
        c.lock = lock;
        return c;
    }

    /** Joins {@code other} into this state; true if this state changed. */
    boolean joinFrom(FrameState other) {
        boolean changed = false;
        for (int i = 0; i < regs.length; i++) {
            RegState j = regs[i].join(other.regs[i]);
            if (!j.equals(regs[i])) {
                regs[i] = j;
                changed = true;
            }
        }
        for (int i = 0; i < stack.length; i++) {
            RegState a = stack[i], b = other.stack[i];
            // a slot written on one path only is readable data on the joined path, not "uninitialised"
            RegState j = a.type() == RegType.NOT_INIT ? b : b.type() == RegType.NOT_INIT ? a : a.join(b);
            if (!j.equals(stack[i])) {
                stack[i] = j;
                changed = true;
            }
        }
        LockState l = lock.join(other.lock);
        if (!l.equals(lock)) {
            lock = l;
            changed = true;
        }
        return changed;
    }

    public RegState reg(int r) {
        return regs[r];
    }
}
