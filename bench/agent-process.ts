// One agent process of a lab benchmark: a Node script started inside a board's namespace with its spec as
// its argument, answering in JSON lines on stdout. What it prints otherwise (stderr, stray stdout) is kept,
// the last 4,000 characters, for the error message when it fails.
import type { ChildProcess } from "node:child_process";
import type { Lab } from "../hil-tests/lab/index.js";

export class AgentProcess {
  readonly child: ChildProcess;
  private output = "";

  constructor(lab: Lab, board: number, script: string, spec: unknown) {
    this.child = lab.spawnInBoard(board, [process.execPath, script, JSON.stringify(spec)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdin?.on("error", () => undefined);
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.note(chunk));
  }

  /** Keeps text the agent printed outside its protocol. */
  note(text: string): void {
    this.output = (this.output + text).slice(-4000);
  }

  /** "; stderr: <the last 600 characters>", or "" when it printed nothing. */
  tail(): string {
    const text = this.output.trim();
    return text === "" ? "" : `; stderr: ${text.slice(-600)}`;
  }
}
