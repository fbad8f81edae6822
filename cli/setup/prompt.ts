// The questions `agent-bridge setup` asks in a terminal: a line of text (with a default), a secret (not
// echoed), a yes/no. Over any pair of streams, so a test drives it the way a person types.
import { createInterface } from "node:readline";
import { Writable, type Readable } from "node:stream";

export interface Prompter {
  ask(question: string, fallback?: string): Promise<string>;
  secret(question: string): Promise<string>;
  confirm(question: string, fallback: boolean): Promise<boolean>;
  close(): void;
}

export function createPrompter(input: Readable, output: Writable): Prompter {
  let muted = false;
  // readline echoes what is typed through its output: a secret's echo is swallowed here.
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const rl = createInterface({
    input,
    output: sink,
    terminal: (input as { isTTY?: boolean }).isTTY === true,
  });
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  rl.on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  const nextLine = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const ready = lines.shift();
      if (ready !== undefined) return resolve(ready);
      waiting.push(resolve);
      rl.once("close", () => reject(new Error("the input ended before an answer")));
    });

  return {
    async ask(question, fallback) {
      output.write(`${question}${fallback ? ` [${fallback}]` : ""}: `);
      const answer = (await nextLine()).trim();
      return answer === "" ? (fallback ?? "") : answer;
    },
    async secret(question) {
      output.write(`${question} (not shown): `);
      muted = true;
      try {
        return (await nextLine()).trim();
      } finally {
        muted = false;
        output.write("\n");
      }
    },
    async confirm(question, fallback) {
      output.write(`${question} [${fallback ? "Y/n" : "y/N"}]: `);
      const answer = (await nextLine()).trim().toLowerCase();
      if (answer === "") return fallback;
      return answer === "y" || answer === "yes";
    },
    close: () => rl.close(),
  };
}
