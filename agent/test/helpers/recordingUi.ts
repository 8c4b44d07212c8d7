import { EventEmitter, once } from "node:events";
import { PassThrough } from "node:stream";
import { TerminalUi, type AgentUi } from "../../src/ui.js";

/**
 * An AgentUi for in-process tests: the real terminal wording written to a buffer (so a test can check what a
 * person would read, and that the key is not in it), and every call recorded and emitted as an event.
 */
export class RecordingUi extends EventEmitter {
  readonly calls: Array<{ event: keyof AgentUi; args: unknown[] }> = [];
  readonly output: string[] = [];
  readonly ui: AgentUi;

  constructor(sanitize: (text: string) => string = (text) => text) {
    super();
    const out = new PassThrough();
    out.setEncoding("utf8");
    out.on("data", (chunk: string) => this.output.push(chunk));
    const terminal = new TerminalUi(out, out, sanitize, false);
    this.ui = new Proxy(terminal, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          this.calls.push({ event: property as keyof AgentUi, args });
          this.emit(property as string, ...args);
          return result;
        };
      },
    });
  }

  get text(): string {
    return this.output.join("");
  }

  count(event: keyof AgentUi): number {
    return this.calls.filter((c) => c.event === event).length;
  }

  /** The next call of `event`, with its arguments. */
  async next(event: keyof AgentUi): Promise<unknown[]> {
    return once(this, event);
  }
}
