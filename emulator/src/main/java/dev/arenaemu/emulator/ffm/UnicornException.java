package dev.arenaemu.emulator.ffm;

/** A libunicorn call returned an error; carries the uc_err code and uc_strerror's text. */
public final class UnicornException extends RuntimeException {
    private final int code;

    public UnicornException(String call, int code, String text) {
        super(call + " failed: " + text + " (uc_err " + code + ")");
        this.code = code;
    }

    public int code() {
        return code;
    }
}
