// Line outputs over a Node writable stream: stdout, and files (appended, as Falco's file_output). Lines are
// collected into chunks and written on flush; a full stream (write() false) is waited for (drain).
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { OutputError, type AlertOutput } from './types.js';

class StreamOutput implements AlertOutput {
  private buf = '';
  private error: Error | undefined;
  /** The reader went away (EPIPE): further lines are discarded quietly. */
  broken = false;

  constructor(readonly name: string, readonly format: 'text' | 'json', protected stream: NodeJS.WritableStream | undefined) {
    if (stream) this.watch(stream);
  }

  protected watch(stream: NodeJS.WritableStream): void {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      this.broken = true;
      if (e.code !== 'EPIPE') this.error = e;
    });
  }

  init(): Promise<void> | void {}

  write(line: string): void {
    if (this.error) throw new OutputError('EOUTPUT_WRITE', `${this.name}: ${this.error.message}`);
    this.buf += line + '\n';
  }

  async flush(): Promise<void> {
    const data = this.buf;
    this.buf = '';
    if (data === '' || this.broken || !this.stream) return;
    if (!this.stream.write(data)) await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error').catch(() => undefined)]);
    if (this.error) throw new OutputError('EOUTPUT_WRITE', `${this.name}: ${this.error.message}`);
  }

  close(): Promise<void> | void { return this.flush(); }
}

/** Alerts on stdout (Falco's stdout_output). */
export class StdoutOutput extends StreamOutput {
  constructor(format: 'text' | 'json', stream: NodeJS.WritableStream = process.stdout) {
    super('stdout', format, stream);
  }
}

/** Alerts appended to a file (Falco's file_output, keep_alive: the file stays open). */
export class FileOutput extends StreamOutput {
  constructor(private readonly path: string, format: 'text' | 'json') {
    super(`file:${path}`, format, undefined);
  }

  override async init(): Promise<void> {
    const s: WriteStream = createWriteStream(this.path, { flags: 'a' });
    try {
      await once(s, 'open');
    } catch (e) {
      throw new OutputError('EOUTPUT_OPEN', `cannot open ${this.path}: ${(e as Error).message}`);
    }
    this.stream = s;
    this.watch(s);
  }

  override async close(): Promise<void> {
    await this.flush();
    const s = this.stream as WriteStream | undefined;
    if (s) { s.end(); await once(s, 'finish').catch(() => undefined); }
    this.stream = undefined;
  }
}
