/**
 * Progress of a long step on standard error: a bar redrawn in place on a
 * terminal, plain lines at every tenth otherwise (logs, pipes, CI).
 *
 * Drawn here in a few lines rather than taken from npm: the well-kept
 * packages (`cli-progress`, `progress`) write through Node's `process`
 * streams and TTY module, which Deno would load through its Node layer on
 * every run of the command, for a single bar.
 * @module
 */

const encoder = new TextEncoder();

/** The bar text for a percentage: `[#####.....]  50%`, `width` cells wide. */
export function renderBar(percent: number, width: number): string {
  const p = Math.max(0, Math.min(100, percent));
  const filled = Math.round((p / 100) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${
    Math.floor(p).toString().padStart(3)
  }%`;
}

/** One progress display. */
export class ProgressBar {
  #lastStep = -1;
  #drawn = false;

  /**
   * @param label what progresses (printed before the bar, or at the start of each line)
   * @param terminal draw a bar (default: whether standard error is a terminal)
   * @param write where the text goes (default: standard error)
   */
  constructor(
    readonly label: string,
    readonly terminal = Deno.stderr.isTerminal(),
    private readonly write: (text: string) => void = (t) => writeStderr(t),
  ) {}

  /** Shows `percent` (0-100). */
  update(percent: number): void {
    if (this.terminal) {
      const columns = terminalColumns();
      const width = Math.max(10, Math.min(40, columns - this.label.length - 8));
      this.write(`\r${this.label} ${renderBar(percent, width)}`);
      this.#drawn = true;
      return;
    }
    const step = Math.floor(Math.max(0, Math.min(100, percent)) / 10);
    if (step === this.#lastStep) return;
    this.#lastStep = step;
    this.write(`${this.label}: ${step * 10}%\n`);
  }

  /** Shows 100% and ends the line. */
  finish(): void {
    this.update(100);
    if (this.terminal && this.#drawn) this.write("\n");
  }
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

function writeStderr(text: string): void {
  let data = encoder.encode(text);
  while (data.length) data = data.subarray(Deno.stderr.writeSync(data));
}
