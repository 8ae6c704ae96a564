// What the directory services need from the transport: multicast one message to every member and learn
// when the manager acknowledged it (RMTP's ack(last)); RmtpEndpoint provides it.
export interface DirectoryLink {
  send(payload: Uint8Array): Promise<unknown>;
}
