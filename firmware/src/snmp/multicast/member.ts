// A member's side of multicast management, sans I/O: a delivered request that names this member (or
// names none: every member) is executed once against the member's own MIB engine and answered with a
// response addressed to the requester. The caller keeps the response of each request id, so a request
// asked again (its response was lost) is answered again without executing it twice.
import type { PduResult } from "../mib/engine.js";
import type { MulticastRequest, MulticastResponse } from "./codec.js";

export function answer(
  request: MulticastRequest,
  requester: number,
  selfId: number,
  execute: (pduType: number, request: MulticastRequest["varbinds"]) => PduResult,
): { response: MulticastResponse; result: PduResult } | null {
  if (request.targets.length > 0 && !request.targets.includes(selfId)) return null;
  const result = execute(request.pduType, request.varbinds);
  return {
    result,
    response: {
      requestId: request.requestId,
      requester,
      responder: selfId,
      errorStatus: result.errorStatus,
      errorIndex: result.errorIndex,
      varbinds: result.varbinds,
    },
  };
}
