/**
 * Splits a byte stream into newline-delimited frames, refusing any frame longer than `maxBytes` (counted
 * before decoding, so a flood without newlines cannot grow memory past the limit).
 */
export class LineDecoder {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes: number) {}

  /** The complete lines in `chunk`, or "too-large" once a line exceeds the limit (the stream is then unusable). */
  push(chunk: Buffer): string[] | "too-large" {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      if (this.buffered + (newline - start) > this.maxBytes) return "too-large";
      // A line that ends with CR (CRLF) loses it. (An empty line's byte before is the last LF, or none.)
      const end = chunk[newline - 1] === 0x0d ? newline - 1 : newline;
      if (this.chunks.length === 0) {
        // The usual case, a whole line in one chunk: decoded in place, without copying it first.
        lines.push(chunk.toString("utf8", start, end));
      } else {
        this.chunks.push(chunk.subarray(start, newline));
        lines.push(Buffer.concat(this.chunks).toString("utf8").replace(/\r$/, ""));
        this.chunks.length = 0;
        this.buffered = 0;
      }
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    if (this.buffered + rest.length > this.maxBytes) return "too-large";
    if (rest.length > 0) {
      this.chunks.push(rest);
      this.buffered += rest.length;
    }
    return lines;
  }
}

/** A refill-as-you-go token bucket: `ratePerS` tokens a second, holding at most `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerS);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
