// The schema of a board definition (board/*.yaml): how the firmware recognises the hardware it runs on
// (device-tree model strings, extra device-tree nodes) and what it finds there: network ports, status LEDs
// (kernel LED class or a GPIO line), serial console, hardware watchdog, boot partition and the config.txt
// lines the image needs. Errors carry the field path, like the daemon's config (config/load.ts).
import { z } from "zod";

export const ledFunctions = ["status", "alert"] as const;
export type LedFunction = (typeof ledFunctions)[number];

const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,15}$/, { message: "must be a Linux interface name" });
const devicePath = z.string().regex(/^\/dev\/[A-Za-z0-9_./-]+$/, { message: "must be a device under /dev" });

const port = z
  .object({
    name: interfaceName,
    /** uplink: toward the service LAN; switch: a switch port to a server; conduit: the CPU port of a DSA switch. */
    role: z.enum(["uplink", "switch", "conduit"]),
    /** What the case or board prints next to the socket. */
    label: z.string().min(1).optional(),
  })
  .strict();

const gpioLine = z
  .object({
    /** The gpiochip's label in sysfs (for example pinctrl-bcm2711); its base is looked up, never assumed. */
    chip: z.string().min(1),
    line: z.number().int().min(0).max(1023),
    activeLow: z.boolean().default(false),
  })
  .strict();

const led = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "must be lower-case letters, digits and '-'" }),
    /** What the technician reads next to the LED (ACT, PWR, STATUS). */
    label: z.string().min(1),
    colour: z.enum(["green", "red", "amber", "yellow", "blue", "white"]),
    function: z.enum(ledFunctions),
    /** Kernel LED-class names under /sys/class/leds, in order of preference (kernels name the same LED differently). */
    kernel: z
      .array(z.string().regex(/^[^/\s]+$/, { message: "must be an LED-class name (no '/' or spaces)" }))
      .min(1)
      .optional(),
    gpio: gpioLine.optional(),
  })
  .strict()
  .refine((l) => (l.kernel === undefined) !== (l.gpio === undefined), {
    message: "give exactly one of kernel (LED-class names) or gpio (a GPIO line)",
  });

const deviceTreeCheck = z
  .object({
    /** A property file relative to the device-tree root (/proc/device-tree). */
    path: z.string().regex(/^[^/].*[^/]$/, { message: "must be a path relative to the device-tree root" }),
    /** One of the property's NUL-separated strings. */
    contains: z.string().min(1),
  })
  .strict();

export const boardSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: "must be lower-case letters, digits and '-'" }),
    name: z.string().min(1),
    match: z
      .object({
        /** The device tree's model, without the " Rev x.y" the Raspberry Pi firmware appends. */
        models: z.array(z.string().min(1)).min(1),
        /** Properties that must be present as well (a carrier board under a module's model string). */
        deviceTree: z.array(deviceTreeCheck).default([]),
      })
      .strict(),
    /** Debian architecture of the image; `any` for the virtual board, which runs on the lab's host. */
    arch: z.enum(["arm64", "amd64", "any"]),
    ports: z.array(port).min(1),
    leds: z.array(led),
    serialConsole: devicePath.nullable(),
    /** The hardware watchdog that systemd pets (RuntimeWatchdogSec=); null on the virtual board. */
    watchdog: devicePath.nullable(),
    bootPartition: z.string().regex(/^\//, { message: "must be an absolute path" }).nullable(),
    /** Lines the image writes into config.txt on the boot partition. */
    configTxt: z
      .array(
        z.string().regex(/^(\[[A-Za-z0-9_=:. ]+\]|[a-z_][a-z0-9_]*=\S.*)$/, {
          message: "must be a config.txt line: key=value or a [filter] section",
        }),
      )
      .default([]),
  })
  .strict()
  .refine((b) => b.ports.filter((p) => p.role === "uplink").length === 1, {
    message: "exactly one port must be the uplink",
    path: ["ports"],
  })
  .refine((b) => new Set(b.ports.map((p) => p.name)).size === b.ports.length, {
    message: "port names must be unique",
    path: ["ports"],
  })
  .refine((b) => !b.ports.some((p) => p.role === "switch") || b.ports.some((p) => p.role === "conduit"), {
    message: "switch ports need a conduit port (the DSA switch's CPU port)",
    path: ["ports"],
  })
  .refine((b) => ledFunctions.every((f) => b.leds.filter((l) => l.function === f).length === 1), {
    message: `needs exactly one LED for each function (${ledFunctions.join(", ")})`,
    path: ["leds"],
  })
  .refine((b) => new Set(b.leds.map((l) => l.name)).size === b.leds.length, {
    message: "LED names must be unique",
    path: ["leds"],
  });

export type Board = z.infer<typeof boardSchema>;
export type BoardLed = Board["leds"][number];
export type BoardPort = Board["ports"][number];
