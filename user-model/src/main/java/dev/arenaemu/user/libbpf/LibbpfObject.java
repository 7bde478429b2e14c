package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.ProgLoadResult;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.kernel.bpf.elf.BpfObject;
import dev.arenaemu.kernel.bpf.elf.BpfObjectLoader;
import dev.arenaemu.kernel.bpf.elf.DataSection;
import dev.arenaemu.kernel.bpf.elf.ElfException;
import dev.arenaemu.kernel.bpf.elf.MapDefinition;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.Prot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An opened BPF object file (libbpf's struct bpf_object between bpf_object__open and
 * bpf_object__load). {@link #open} parses the ELF and BTF and fixes arena_data_off (libbpf
 * computes it at open time: init_arena_map_data); {@link #load} runs libbpf's load sequence in
 * the calling process: create every map (bpf_object__create_maps: the arena from its BTF
 * definition, then mmap it in this process and copy the {@code __arena} globals image into the
 * mapping with user writes; the internal .bss/.data/.rodata arrays with their images), relocate
 * (arena globals → map value on the arena at arena_data_off + offset) and BPF_PROG_LOAD every
 * program. Any failure undoes what the load created, as bpf_object__load does.
 */
public final class LibbpfObject {
    private final BpfObject object;
    private final OpenOptions options;
    private final long arenaDataOff;
    private final Set<String> autoloadOff = new HashSet<>();
    private boolean loaded;

    private LibbpfObject(BpfObject object, OpenOptions options, long arenaDataOff) {
        this.object = object;
        this.options = options;
        this.arenaDataOff = arenaDataOff;
    }

    /** bpf_object__open_mem. */
    public static LibbpfObject open(byte[] elf, OpenOptions options) throws LibbpfException {
        BpfObject object;
        try {
            object = BpfObjectLoader.load(elf);
        } catch (ElfException e) {
            throw new LibbpfException(Errno.EINVAL, "failed to open object: " + e.getMessage());
        }
        // the ELF loader already refused .addr_space.1 without an arena and a second arena
        long off;
        try {
            off = object.arenaDataOffset(options.placement(), Mm.PAGE_SIZE);
        } catch (ArenaGlobalsPlacement.ArenaTooSmallException e) {
            throw new LibbpfException(Errno.E2BIG, "map '" + object.arena().orElseThrow().name() + "': " + e.getMessage());
        }
        return new LibbpfObject(object, options, off);
    }

    public BpfObject object() { return object; }
    public OpenOptions options() { return options; }

    /** arena_data_off: where in the arena mapping the {@code __arena} globals go. */
    public long arenaDataOffset() { return arenaDataOff; }

    /**
     * bpf_program__set_autoload: a program with autoload off is not loaded (selftests use it for
     * programs meant to fail verification, e.g. arena_atomics' and_fetch_rejected).
     */
    public LibbpfObject setAutoload(String program, boolean autoload) {
        if (object.program(program).isEmpty()) throw new IllegalArgumentException("no program " + program);
        if (autoload) autoloadOff.remove(program);
        else autoloadOff.add(program);
        return this;
    }

    /** bpf_object__load in {@code process}: maps, arena mmap + globals copy, programs. */
    public BpfSkeleton load(Process process, BpfSyscall bpf) throws LibbpfException {
        if (loaded) throw new LibbpfException(Errno.EINVAL, "object already loaded");
        loaded = true;
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        List<BpfProg> progs = new ArrayList<>();
        ArenaMapping mapping = null;
        int arenaFd = -1;   // the fd table owns the arena's creation reference from installFd on
        try {
            for (MapDefinition def : object.maps()) {
                if (def.isArena()) {
                    BpfMap.ArenaMap arena = (BpfMap.ArenaMap) create(bpf, def, () -> bpf.mapCreateArena(def.name(), arenaAttr(def)));
                    maps.put(def.name(), arena);
                    arenaFd = process.installFd(arena);
                    mapping = mmapArena(process, arena, arenaFd, def);
                    copyArenaGlobals(process, mapping, def);
                } else {
                    Optional<DataSection> section = object.dataSection(def.name());
                    byte[] image = section.map(DataSection::image).orElse(new byte[0]);
                    long spinLock = section.map(DataSection::spinLockOffset).orElse(DataSection.NO_SPIN_LOCK);
                    maps.put(def.name(), create(bpf, def, () -> bpf.mapCreateArray(def.name(), def.valueSize(), def.mapFlags(), image, spinLock)));
                }
            }
            for (BpfProgram p : object.programs()) {
                if (autoloadOff.contains(p.name())) continue;
                BpfProgram relocated = p.withArenaDataOffset(arenaDataOff);
                switch (bpf.progLoad(relocated, maps, options.loadAttr())) {
                    case ProgLoadResult.Loaded l -> progs.add(l.prog());
                    case ProgLoadResult.Rejected r -> throw new LibbpfException(r.errno(),
                        "prog '" + p.name() + "': BPF program load failed\n-- BEGIN PROG LOAD LOG --\n" + r + "\n-- END PROG LOAD LOG --");
                }
            }
        } catch (LibbpfException | RuntimeException e) {
            progs.forEach(bpf::progRelease);
            if (mapping != null) process.munmap(mapping.base(), mapping.size());
            if (arenaFd >= 0) process.close(arenaFd);
            maps.values().stream().filter(m -> !(m instanceof BpfMap.ArenaMap)).forEach(bpf::mapRelease);
            throw e;
        }
        return new BpfSkeleton(this, process, bpf, maps, progs, mapping);
    }

    /** The arena's mapping in the loading process: fd, base, size (max_entries pages). */
    record ArenaMapping(BpfMap.ArenaMap map, int fd, long base, long size) {}

    private interface Creation {
        CreateResult<BpfMap> create();
    }

    private static BpfMap create(BpfSyscall bpf, MapDefinition def, Creation creation) throws LibbpfException {
        return switch (creation.create()) {
            case CreateResult.Created<BpfMap> c -> c.object();
            case CreateResult.Failed<BpfMap> f -> throw new LibbpfException(f.errno(), "map '" + def.name() + "': failed to create");
        };
    }

    /** The BTF map definition as BPF_MAP_CREATE's attr (key/value BTF ids are zeroed by libbpf). */
    private static ArenaAttr arenaAttr(MapDefinition def) {
        return new ArenaAttr((int) def.keySize(), (int) def.valueSize(), def.maxEntries(), (int) def.mapFlags(), def.mapExtra());
    }

    /**
     * libbpf's mmap right after creating the arena: {@code mmap(map_extra or NULL,
     * page_size * max_entries, PROT_READ|PROT_WRITE, MAP_SHARED | (map_extra ? MAP_FIXED : 0), fd, 0)}.
     */
    private static ArenaMapping mmapArena(Process process, BpfMap.ArenaMap arena, int fd, MapDefinition def) throws LibbpfException {
        long size = def.maxEntries() * Mm.PAGE_SIZE;
        long flags = MapFlag.SHARED.bit | (def.mapExtra() != 0 ? MapFlag.FIXED.bit : 0);
        long base = process.mmap(def.mapExtra(), size, Prot.RW, flags, fd, 0);
        if (base < 0 && base > -4096) {
            throw new LibbpfException(Errno.of(base), "map '" + def.name() + "': failed to mmap arena");
        }
        return new ArenaMapping(arena, fd, base, size);
    }

    /** Copies the initial image of the __arena globals into the mapping: user writes that fault the pages in. */
    private void copyArenaGlobals(Process process, ArenaMapping mapping, MapDefinition def) throws LibbpfException {
        Optional<DataSection> globals = object.arenaGlobals();
        if (globals.isEmpty() || globals.get().size() == 0) return;
        UserResult r = process.user().writeBytes(mapping.base() + arenaDataOff, globals.get().image());
        if (!(r instanceof UserResult.Value)) {
            throw new LibbpfException(Errno.EFAULT, "map '" + def.name() + "': copying __arena globals failed: " + r);
        }
    }
}
