// Shared by the lab's tests: unique lab names, a lab that is torn down even when the test fails, JSON
// views of kernel objects, and polling.
import type { ExecutionContext } from "ava";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createLab, destroyLab, type CreateLabOptions, type Lab } from "./index.js";
import { isLabNamespace } from "./names.js";
import { listNetns, run, systemTool } from "./netns.js";

/** A lab name no parallel test uses: a letter and five random base-36 characters. */
export function uniqueLabName(): string {
  const digits = [...randomBytes(5)].map((b) => (b % 36).toString(36)).join("");
  return `t${digits}`;
}

/** Registers the teardown first, so a failure in createLab or in the test still removes the lab. */
export async function withLab(t: ExecutionContext, options: Omit<CreateLabOptions, "name">): Promise<Lab> {
  const name = uniqueLabName();
  t.teardown(async () => {
    await destroyLab(name);
  });
  return createLab({ name, ...options });
}

export async function labNamespaces(name: string): Promise<string[]> {
  return (await listNetns()).filter((ns) => isLabNamespace(name, ns));
}

/** Runs a system tool (`ip`, `tc`, `bridge` with `-j`) and parses its JSON output. */
export async function json<T>([tool, ...args]: string[]): Promise<T> {
  const out = (await run([systemTool(tool ?? ""), ...args])).stdout.trim();
  return JSON.parse(out === "" ? "[]" : out) as T;
}

export async function eventually<T>(
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}
