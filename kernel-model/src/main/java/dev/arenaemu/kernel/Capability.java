package dev.arenaemu.kernel;

/** The capabilities the BPF paths check, with their numbers from include/uapi/linux/capability.h. */
public enum Capability {
    CAP_SYS_ADMIN(21), CAP_PERFMON(38), CAP_BPF(39);

    public final int number;

    Capability(int number) {
        this.number = number;
    }
}
