package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;

import java.util.List;

/**
 * Programs loaded together with their maps, as one libbpf object: a C object's programs, or one
 * inline assembler program of a scenario with the scenario's arenas it names. {@code label} says
 * where it comes from (the source and -mcpu, or the scenario file and program name). The programs
 * are relocated (map references by name, kfunc calls by the emulator's kfunc id) and ready for
 * BPF_PROG_LOAD once map fds and BTF ids are known.
 */
public record JitObject(String label, List<JitMap> maps, List<BpfProgram> programs) {
    public JitObject {
        maps = List.copyOf(maps);
        programs = List.copyOf(programs);
    }

    public int mapIndex(String name) {
        for (int i = 0; i < maps.size(); i++) if (maps.get(i).name().equals(name)) return i;
        throw new IllegalArgumentException(label + ": no map " + name);
    }

    /** The program's label in reports: the object's and the program's name. */
    public String programLabel(int i) {
        return label + ":" + programs.get(i).name();
    }
}
