package dev.arenaemu.kernel.bpf.interp;

/** The program did something the interpreter cannot run (bad opcode, wild access, budget); the message names the place. */
public final class InterpreterException extends RuntimeException {
    public InterpreterException(String message) {
        super(message);
    }
}
