package dev.arenaemu.kernel.bpf.verifier;

/** The register types this verifier tracks (a subset of enum bpf_reg_type), spelled as the kernel's log does. */
public enum RegType {
    NOT_INIT("?"), SCALAR("scalar"), PTR_TO_CTX("ctx"), PTR_TO_STACK("fp"), CONST_PTR_TO_MAP("map_ptr"),
    PTR_TO_MAP_VALUE("map_value"), PTR_TO_ARENA("arena"),
    /** A pointer into a kernel struct, typed by BTF ({@link BtfPointer} says which struct and how trusted). */
    PTR_TO_BTF_ID("ptr_"),
    /** Paths that met with different pointer kinds (the kernel would check each path; this join cannot). */
    MIXED("mixed");

    public final String logName;

    RegType(String logName) {
        this.logName = logName;
    }

    public boolean isPointer() {
        return this != NOT_INIT && this != SCALAR && this != MIXED;
    }
}
