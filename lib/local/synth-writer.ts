/**
 * Appends ASCII text and integers straight into a growing Buffer. The generator writes millions
 * of records; building each as a JS string made the run garbage-collector bound.
 */
export class LineWriter {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** ASCII text (addresses, ids, keywords). */
  s(text: string): this {
    const n = text.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = text.charCodeAt(i);
    this.pos = p;
    return this;
  }

  /** A non-negative integer (exact up to 2^53) in decimal. */
  n(value: number): this {
    this.ensure(20);
    const b = this.buf;
    if (value < 10) {
      b[this.pos++] = 48 + value;
      return this;
    }
    let digits = 0;
    for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let v = value; v >= 1; v = Math.floor(v / 10)) b[--p] = 48 + (v % 10);
    return this;
  }

  /** One byte (a separator such as ' ' or '\n'). */
  c(code: number): this {
    this.ensure(1);
    this.buf[this.pos++] = code;
    return this;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.pos);
  }
}
