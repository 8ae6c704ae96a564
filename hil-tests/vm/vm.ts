// The full-kernel test VM (docs/switch.md): Debian's linux-image-amd64 (6.1: VLAN filtering, 8021q) under
// QEMU with TCG, a busybox initramfs that loads the modules, mounts the host's / read-only over 9p, chroots
// there with fresh proc, sys, dev, /tmp and /run (the repository stays visible when it lies below one of
// them, as a clone in /tmp does), runs one command from the repository's directory, and
// powers off. What the command prints comes back on the serial console. The kernel and busybox packages
// are fetched by tools/ensure-vm.sh into the cache directory (ISS_VM_CACHE, default /var/cache/iss-vm).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpioGz, type CpioEntry } from "./cpio.js";

export const vmCache = process.env.ISS_VM_CACHE ?? "/var/cache/iss-vm";
const qemuBinary = ["/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64"];
/** Loaded in this order: each needs symbols of the ones before. */
const modules = [
  "virtio_ring",
  "virtio",
  "virtio_pci_modern_dev",
  "virtio_pci_legacy_dev",
  "virtio_pci",
  "netfs",
  "fscache",
  "9pnet",
  "9pnet_virtio",
  "9p",
  "llc",
  "stp",
  "bridge",
  "garp",
  "mrp",
  "8021q",
  "veth",
];

export interface VmParts {
  qemu: string;
  kernel: string;
  busybox: string;
  modules: Map<string, string>;
}

function findFiles(
  dir: string,
  match: (name: string) => boolean,
  out: Map<string, string> = new Map(),
): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) findFiles(path, match, out);
    else if (match(e.name)) out.set(e.name, path);
  }
  return out;
}

/** What the VM needs, or why it cannot start here. */
export function vmParts(): VmParts | { missing: string } {
  const qemu = qemuBinary.find((p) => existsSync(p));
  if (!qemu) return { missing: "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)" };
  const root = join(vmCache, "root");
  const busybox = join(root, "bin", "busybox");
  if (!existsSync(join(root, "boot")) || !existsSync(busybox)) {
    return { missing: `no kernel and busybox in ${root} (run tools/ensure-vm.sh)` };
  }
  const kernel = readdirSync(join(root, "boot")).find((f) => f.startsWith("vmlinuz-"));
  if (!kernel) return { missing: `no vmlinuz in ${join(root, "boot")}` };
  const found = findFiles(join(root, "lib", "modules"), (n) => n.endsWith(".ko"));
  const mods = new Map<string, string>();
  for (const m of modules) {
    const path = found.get(`${m}.ko`);
    if (!path) return { missing: `module ${m}.ko not in ${root}` };
    mods.set(m, path);
  }
  return { qemu, kernel: join(root, "boot", kernel), busybox, modules: mods };
}

function initScript(command: string, cwd: string): string {
  const insmods = modules.map((m) => `insmod /mods/${m}.ko || echo "nrt-vm: insmod ${m} failed"`).join("\n");
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
${insmods}
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=1048576,cache=loose hostroot /mnt || echo "nrt-vm: 9p mount failed"
for d in proc sys dev; do mount --bind /$d /mnt/$d; done
mkdir -p /repo && mount --bind /mnt${cwd} /repo
mount -t tmpfs tmp /mnt/tmp; mount -t tmpfs run /mnt/run
mkdir -p /mnt${cwd} 2>/dev/null; mount --bind /repo /mnt${cwd}
chroot /mnt /bin/sh -c 'cd ${cwd} && ${command.replace(/'/g, "'\\''")}'
echo "NRT-EXIT $?"
poweroff -f
`;
}

export interface VmRun {
  exitCode: number | null;
  output: string;
  ms: number;
}

/** Boots the VM, runs `command` (sh syntax) in `cwd` on the host's root, returns its console output. */
export async function runInVm(
  parts: VmParts,
  command: string,
  cwd: string,
  timeoutMs: number,
): Promise<VmRun> {
  const dir = mkdtempSync(join(tmpdir(), "nrtvm-"));
  try {
    const entries: CpioEntry[] = [
      ...["bin", "mods", "proc", "sys", "dev", "mnt"].map((name) => ({ name })),
      { name: "bin/busybox", data: readFileSync(parts.busybox), mode: 0o100755 },
      { name: "init", data: Buffer.from(initScript(command, cwd)), mode: 0o100755 },
      ...[...parts.modules].map(([m, path]) => ({ name: `mods/${m}.ko`, data: readFileSync(path) })),
    ];
    const initrd = join(dir, "initrd.gz");
    writeFileSync(initrd, cpioGz(entries));
    const args = [
      ...[
        "-machine",
        "accel=tcg",
        "-cpu",
        "max",
        "-m",
        "1024",
        "-smp",
        "2",
        "-nographic",
        "-no-reboot",
        "-nic",
        "none",
      ],
      ...["-kernel", parts.kernel, "-initrd", initrd],
      ...["-append", "console=ttyS0 quiet loglevel=1 panic=-1"],
      ...["-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"],
      ...["-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"],
    ];
    const started = performance.now();
    return await new Promise<VmRun>((resolve, reject) => {
      const child = spawn(parts.qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (output += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (output += s));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on("close", () => {
        clearTimeout(timer);
        const exit = /NRT-EXIT (\d+)/.exec(output);
        resolve({ exitCode: exit ? Number(exit[1]) : null, output, ms: performance.now() - started });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
