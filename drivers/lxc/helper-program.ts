/**
 * Tiny static x86-64 Linux programs made of system calls, built in memory.
 *
 * A container's first process must do a few things between `fork` and
 * `execve` that Deno cannot: become PID 1 of a new PID namespace, switch
 * its root, mount `/proc` for that namespace, drop capabilities, take the
 * console as its controlling terminal. A Deno process costs 35 ms or more to
 * start; the program built here costs well under one. It is a straight list
 * of system calls with their arguments baked in, a `fork` with a parent
 * branch, and a final `execve` of the command line the program was started
 * with (its `argv[1..]` and environment).
 *
 * Every call that fails ends the program: it writes a 16-byte record
 * `[step, errno]` (little-endian u64 each) to descriptor 3 and exits with
 * status 127. {@link HelperProgram.describe} turns the record back into the
 * name of the failed step. The program also writes `[tag, value]` records of
 * its own through {@link HelperProgram.report}; tags below
 * {@link FAILURE_BASE} are free for the caller.
 * @module
 */

/** Tags at or above this value in a record mean "step `tag - FAILURE_BASE` failed". */
export const FAILURE_BASE = 1000n;

/** x86-64 system call numbers used by the LXC driver's helpers. */
export const NR = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  ioctl: 16,
  dup2: 33,
  getpid: 39,
  fork: 57,
  execve: 59,
  exit: 60,
  wait4: 61,
  fcntl: 72,
  chdir: 80,
  unlink: 87,
  setresuid: 117,
  setresgid: 119,
  setsid: 112,
  setgroups: 116,
  prctl: 157,
  pivotRoot: 155,
  mount: 165,
  umount2: 166,
  sethostname: 170,
  exitGroup: 231,
  unshare: 272,
  setns: 308,
  closeRange: 436,
} as const;

/** A register the program keeps a value in between calls. */
export type SavedRegister = "argv" | "envp" | "child" | "result";

/**
 * A system call argument: a number, a NUL-terminated string baked into the
 * program (its address is passed), a scratch buffer's address, a 64-bit
 * value loaded from a scratch buffer, or a saved register.
 */
export type Operand =
  | number
  | bigint
  | { str: string }
  | { buf: string }
  | { load: string }
  | { reg: SavedRegister };

/** Register numbers (the encoding's). */
const RAX = 0, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
const R8 = 8, R9 = 9, R10 = 10, R12 = 12, R13 = 13, R15 = 15;
/** Where system call arguments go, in order. */
const ARG_REGS = [RDI, RSI, RDX, R10, R8, R9];
const SAVED: Record<SavedRegister, number> = { argv: R12, envp: R13, child: RBX, result: RBP };

/** Where the program is loaded. */
const BASE = 0x400000n;
const ELF_HEADER = 64;
const PROGRAM_HEADER = 56;

type Fixup = { at: number; label: string; end: number; addend: number };

/** Little-endian bytes of `v` in `size` bytes (two's complement). */
function le(v: bigint, size: number): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

/** A minimal assembler for the few instruction forms the programs need. */
class Assembler {
  readonly code: number[] = [];
  readonly #labels = new Map<string, number>();
  readonly #fixups: Fixup[] = [];
  #data: { label: string; bytes: number[] }[] = [];
  #next = 0;

  /** A fresh label name. */
  label(prefix: string): string {
    return `${prefix}${this.#next++}`;
  }

  /** Binds `label` to the current position in the code. */
  bind(label: string): void {
    this.#labels.set(label, this.code.length);
  }

  /** Adds bytes to the data area under `label`. */
  data(label: string, bytes: number[]): void {
    this.#data.push({ label, bytes });
  }

  #emit(...bytes: number[]): void {
    this.code.push(...bytes);
  }

  /** A 32-bit displacement to `label`, relative to the end of the instruction. */
  #rel(label: string, trailing = 0, addend = 0): void {
    const at = this.code.length;
    this.#emit(0, 0, 0, 0);
    this.#fixups.push({ at, label, end: at + 4 + trailing, addend });
  }

  /** `mov reg, imm` (32-bit zero-extended form when it fits). */
  movImm(reg: number, value: number | bigint): void {
    const v = BigInt(value);
    if (v >= 0n && v < 0x100000000n) {
      if (reg >= 8) this.#emit(0x41);
      this.#emit(0xb8 + (reg & 7), ...le(v, 4));
    } else {
      this.#emit(0x48 | (reg >= 8 ? 1 : 0), 0xb8 + (reg & 7), ...le(v, 8));
    }
  }

  /** `mov dst, src` (64-bit). */
  movReg(dst: number, src: number): void {
    this.#emit(
      0x48 | (src >= 8 ? 4 : 0) | (dst >= 8 ? 1 : 0),
      0x89,
      0xc0 | ((src & 7) << 3) | (dst & 7),
    );
  }

  /** `lea reg, [rip + label]`. */
  lea(reg: number, label: string): void {
    this.#emit(0x48 | (reg >= 8 ? 4 : 0), 0x8d, ((reg & 7) << 3) | 5);
    this.#rel(label);
  }

  /** `mov reg, [rip + label]` (64-bit load). */
  load(reg: number, label: string): void {
    this.#emit(0x48 | (reg >= 8 ? 4 : 0), 0x8b, ((reg & 7) << 3) | 5);
    this.#rel(label);
  }

  /** `mov [rip + label + offset], reg` (64-bit store). */
  store(label: string, reg: number, offset = 0): void {
    this.#emit(0x48 | (reg >= 8 ? 4 : 0), 0x89, ((reg & 7) << 3) | 5);
    this.#rel(label, 0, offset);
  }

  /** `mov qword [rip + label], imm32` (sign-extended). */
  storeImm(label: string, value: number): void {
    this.#emit(0x48, 0xc7, 0x05);
    this.#rel(label, 4);
    this.#emit(...le(BigInt(value), 4));
  }

  /** `syscall`. */
  syscall(): void {
    this.#emit(0x0f, 0x05);
  }

  /** `test rax, rax`. */
  testRax(): void {
    this.#emit(0x48, 0x85, 0xc0);
  }

  /** `neg rax`. */
  negRax(): void {
    this.#emit(0x48, 0xf7, 0xd8);
  }

  /** `push reg`. */
  push(reg: number): void {
    if (reg >= 8) this.#emit(0x41);
    this.#emit(0x50 + (reg & 7));
  }

  /** A conditional jump: `js`, `jle`, `jz` or `jnz`. */
  jcc(cond: "s" | "le" | "z" | "nz", label: string): void {
    const op = { s: 0x88, le: 0x8e, z: 0x84, nz: 0x85 }[cond];
    this.#emit(0x0f, op);
    this.#rel(label);
  }

  /** `jmp label`. */
  jmp(label: string): void {
    this.#emit(0xe9);
    this.#rel(label);
  }

  /** Raw bytes, for the few fixed sequences. */
  raw(...bytes: number[]): void {
    this.#emit(...bytes);
  }

  /** Lays out code then data, resolves labels, and returns the image. */
  link(): Uint8Array<ArrayBuffer> {
    const image = [...this.code];
    for (const d of this.#data) {
      while (image.length % 8) image.push(0);
      this.#labels.set(d.label, image.length);
      image.push(...d.bytes);
    }
    for (const f of this.#fixups) {
      const target = this.#labels.get(f.label);
      if (target === undefined) throw new Error(`helper program: unbound label ${f.label}`);
      image.splice(f.at, 4, ...le(BigInt(target + f.addend - f.end), 4));
    }
    return new Uint8Array(image);
  }
}

/** Wraps a position-independent image into a static ELF64 executable. */
function elf(image: Uint8Array): Uint8Array<ArrayBuffer> {
  const headers = ELF_HEADER + PROGRAM_HEADER;
  const size = BigInt(headers + image.length);
  const h: number[] = [
    0x7f,
    0x45,
    0x4c,
    0x46,
    2,
    1,
    1,
    0,
    ...le(0n, 8), // ident: ELF64, little-endian, SysV
    ...le(2n, 2), // ET_EXEC
    ...le(62n, 2), // EM_X86_64
    ...le(1n, 4), // version
    ...le(BASE + BigInt(headers), 8), // entry
    ...le(BigInt(ELF_HEADER), 8), // program headers
    ...le(0n, 8), // no section headers
    ...le(0n, 4), // flags
    ...le(BigInt(ELF_HEADER), 2),
    ...le(BigInt(PROGRAM_HEADER), 2),
    ...le(1n, 2), // one program header
    ...le(64n, 2),
    ...le(0n, 2),
    ...le(0n, 2),
    // PT_LOAD, read + write + execute, the whole file
    ...le(1n, 4),
    ...le(7n, 4),
    ...le(0n, 8),
    ...le(BASE, 8),
    ...le(BASE, 8),
    ...le(size, 8),
    ...le(size, 8),
    ...le(0x1000n, 8),
  ];
  const out = new Uint8Array(headers + image.length);
  out.set(h);
  out.set(image, headers);
  return out;
}

/** How a call's result is judged. */
export interface CallOptions {
  /** `negative` (the default): a negative result fails; `positive`: anything not above 0 fails. */
  fail?: "negative" | "positive";
  /** Keep the result in a register for later operands. */
  save?: "child" | "result";
  /** Keep the result in a scratch buffer for later `{ load }` operands. */
  store?: string;
}

/**
 * Builds one helper program. Calls are emitted in order; {@link fork}
 * splits the program into a parent branch (built by a callback, ending the
 * process) and the child, which carries on with the calls after it.
 *
 * @example
 * ```ts
 * const p = new HelperProgram();
 * p.call("set the host name", NR.sethostname, [{ str: "ct1" }, 3]);
 * p.exec();
 * const bytes = p.build();
 * ```
 */
export class HelperProgram {
  readonly #a = new Assembler();
  readonly #steps: string[] = [];
  readonly #strings = new Map<string, string>();
  readonly #buffers = new Set<string>();
  readonly #fail = "fail";

  constructor() {
    const a = this.#a;
    // r12 = &argv[1]; r13 = envp = rsp + 8 * (argc + 2)
    a.raw(0x4c, 0x8d, 0x64, 0x24, 0x10); // lea r12, [rsp + 16]
    a.raw(0x4c, 0x8b, 0x2c, 0x24); // mov r13, [rsp]
    a.raw(0x4e, 0x8d, 0x6c, 0xec, 0x10); // lea r13, [rsp + r13 * 8 + 16]
  }

  /** The names of the steps, by step number. */
  get steps(): readonly string[] {
    return this.#steps;
  }

  #string(s: string): string {
    let label = this.#strings.get(s);
    if (!label) {
      label = this.#a.label("str");
      this.#strings.set(s, label);
      this.#a.data(label, [...new TextEncoder().encode(s), 0]);
    }
    return label;
  }

  /** Declares a zeroed scratch buffer of `size` bytes (once per name). */
  buffer(name: string, size = 16): void {
    if (this.#buffers.has(name)) return;
    this.#buffers.add(name);
    this.#a.data(`buf_${name}`, new Array(size).fill(0));
  }

  #operand(reg: number, op: Operand): void {
    const a = this.#a;
    if (typeof op === "number" || typeof op === "bigint") a.movImm(reg, op);
    else if ("str" in op) a.lea(reg, this.#string(op.str));
    else if ("buf" in op) {
      this.buffer(op.buf);
      a.lea(reg, `buf_${op.buf}`);
    } else if ("load" in op) {
      this.buffer(op.load);
      a.load(reg, `buf_${op.load}`);
    } else a.movReg(reg, SAVED[op.reg]);
  }

  /**
   * Emits one system call; when it fails, the program reports `name` and
   * the errno and exits.
   */
  call(name: string, nr: number, args: Operand[], opts: CallOptions = {}): this {
    const a = this.#a;
    if (args.length > ARG_REGS.length) throw new Error("helper program: too many arguments");
    const step = this.#steps.push(name) - 1;
    args.forEach((op, i) => this.#operand(ARG_REGS[i], op));
    a.movImm(R15, step);
    a.movImm(RAX, nr);
    a.syscall();
    a.testRax();
    a.jcc(opts.fail === "positive" ? "le" : "s", this.#fail);
    if (opts.save) a.movReg(SAVED[opts.save], RAX);
    if (opts.store) {
      this.buffer(opts.store);
      a.store(`buf_${opts.store}`, RAX);
    }
    return this;
  }

  /** Writes a `[tag, value]` record to descriptor 3. */
  report(tag: number, value: Operand): this {
    this.buffer("record");
    this.#a.storeImm("buf_record", tag);
    this.#operand(RAX, value);
    this.#a.store("buf_record", RAX, 8);
    return this.call(`report ${tag}`, NR.write, [3, { buf: "record" }, 16]);
  }

  /**
   * Forks. `parent` builds the parent's branch (the child's pid is in the
   * `child` register) and must end it; the child goes on with the calls
   * emitted after this one.
   */
  fork(parent: (p: HelperProgram) => void): this {
    const child = this.#a.label("child");
    this.call("fork", NR.fork, [], { save: "child" });
    this.#a.testRax();
    this.#a.jcc("z", child);
    parent(this);
    this.exit(0);
    this.#a.bind(child);
    return this;
  }

  /** Ends the process with `code`. */
  exit(code: number): this {
    this.#a.movImm(RDI, code);
    this.#a.movImm(RAX, NR.exitGroup);
    this.#a.syscall();
    return this;
  }

  /** Replaces the process with its own `argv[1..]` and environment. */
  exec(): this {
    const a = this.#a;
    const step = this.#steps.push("execute the init") - 1;
    a.raw(0x49, 0x8b, 0x3c, 0x24); // mov rdi, [r12]
    a.movReg(RSI, R12);
    a.movReg(RDX, R13);
    a.movImm(R15, step);
    a.movImm(RAX, NR.execve);
    a.syscall();
    a.jmp(this.#fail); // execve returns only on failure
    return this;
  }

  /** Links the program into an ELF executable. */
  build(): Uint8Array<ArrayBuffer> {
    const a = this.#a;
    a.bind(this.#fail);
    a.negRax();
    a.push(RAX);
    a.movImm(RAX, FAILURE_BASE);
    a.raw(0x4c, 0x01, 0xf8); // add rax, r15
    a.push(RAX);
    a.movImm(RDI, 3);
    a.movReg(RSI, RSP);
    a.movImm(RDX, 16);
    a.movImm(RAX, NR.write);
    a.syscall();
    this.exit(127);
    return elf(a.link());
  }

  /** Explains a failure record: which step failed and its errno. */
  describe(tag: bigint, errno: bigint): { step: string; errno: number } | undefined {
    if (tag < FAILURE_BASE) return undefined;
    return {
      step: this.#steps[Number(tag - FAILURE_BASE)] ?? "unknown step",
      errno: Number(errno),
    };
  }
}
