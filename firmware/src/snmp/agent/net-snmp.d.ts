// Types for the parts of the `net-snmp` npm package (CommonJS, no typings of its own) that the agent
// adapter, the notifier, the tests and the benchmark use.
declare module "net-snmp" {
  import type { Socket, RemoteInfo } from "node:dgram";

  export interface NetSnmpVarbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface UsmUser {
    name: string;
    level: number;
    authProtocol?: string;
    authKey?: string;
    privProtocol?: string;
    privKey?: string;
  }

  export interface RequestPdu {
    type: number;
    id: number;
    varbinds: NetSnmpVarbind[];
    nonRepeaters?: number;
    maxRepetitions?: number;
    contextName?: string;
    getResponsePduForRequest(): ResponsePdu;
  }

  export interface ResponsePdu {
    varbinds: NetSnmpVarbind[];
    errorStatus?: number;
    errorIndex?: number;
  }

  export interface RequestMessage {
    version: number;
    community?: string;
    user?: { name: string };
    pdu: RequestPdu;
  }

  export interface Authorizer {
    addUser(user: UsmUser): void;
    addCommunity(community: string): void;
  }

  export type PduHandler = (socket: Socket, message: RequestMessage, rinfo: RemoteInfo) => void;

  export interface Agent {
    getAuthorizer(): Authorizer;
    /** The entry point the agent's UDP socket calls for every datagram. */
    onMsg(socket: Pick<Socket, "send">, buffer: Buffer, rinfo: RemoteInfo): void;
    getRequest: PduHandler;
    getNextRequest: PduHandler;
    getBulkRequest: PduHandler;
    setRequest: PduHandler;
    sendResponse(socket: Socket, rinfo: RemoteInfo, message: RequestMessage, pdu: ResponsePdu): void;
    close(callback?: () => void): void;
  }

  export interface AgentOptions {
    port: number;
    address?: string | null;
    transport?: "udp4";
    disableAuthorization?: boolean;
    engineID?: string;
  }

  export interface SnmpError extends Error {
    code?: number;
    rinfo?: RemoteInfo;
  }

  export function createAgent(
    options: AgentOptions,
    callback: (error: SnmpError | null, data: unknown) => void,
  ): Agent;

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    version?: number;
    transport?: "udp4";
    trapPort?: number;
    engineID?: string;
  }

  export interface Session {
    get(oids: string[], callback: (error: Error | null, varbinds: NetSnmpVarbind[]) => void): void;
    inform(
      typeOrOid: string,
      varbinds: NetSnmpVarbind[],
      callback: (error: Error | null, varbinds?: NetSnmpVarbind[]) => void,
    ): void;
    trap(typeOrOid: string, varbinds: NetSnmpVarbind[], callback: (error: Error | null) => void): void;
    close(): void;
    on(event: "error", listener: (error: Error) => void): void;
  }

  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function createV3Session(target: string, user: UsmUser, options?: SessionOptions): Session;

  export const Version1: number;
  export const Version2c: number;
  export const Version3: number;
  export const PduType: Record<string, number>;
  export const ObjectType: Record<string, number>;
  export const SecurityLevel: Record<string, number>;
  export const AuthProtocols: Record<string, string>;
  export const PrivProtocols: Record<string, string>;
  export const ResponseInvalidCode: Record<string, number>;
  export function isVarbindError(varbind: NetSnmpVarbind): boolean;
}
