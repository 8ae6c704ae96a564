// What the board definition says about the switch's ports (docs/switch.md, Ports from the board): the ports
// a switch section without `ports` bridges (the uplink and the switch ports, never a DSA conduit), and the
// configured ports the board forbids. A port the board file does not list (a USB NIC) is the config's to name.
import type { Board } from "./schema.js";

export interface PortError {
  path: string;
  message: string;
}

/** The kernel names of the ports a bridge of this board takes: every port but the DSA conduit. */
export function boardBridgePorts(board: Board): string[] {
  return board.ports.filter((p) => p.role !== "conduit").map((p) => p.name);
}

/** Errors, with field paths, for configured switch ports that are the board's DSA conduit. */
export function switchPortErrors(board: Board, ports: ReadonlyArray<{ name: string }>): PortError[] {
  const conduits = new Set(board.ports.filter((p) => p.role === "conduit").map((p) => p.name));
  return ports.flatMap((p, i) =>
    conduits.has(p.name)
      ? [
          {
            path: `switch.ports[${i}].name`,
            message: `${p.name} is the DSA conduit (the switch chip's CPU port) of board ${board.id}; bridge its ports ${boardBridgePorts(board).join(", ")} instead`,
          },
        ]
      : [],
  );
}
