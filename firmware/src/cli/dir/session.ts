// A connection of `iss dir` that can follow referrals: an operation answered with a referral (an SE refers
// writes to the SM) is retried once on the first referred server, with the same credentials, when asked to.
import { DirClient, DirError, type ConnectOptions } from "./ldap-client.js";
import { referralCode } from "./result-names.js";

/** ldap://host:port of a referral URL (which may carry a DN and more after the host). */
function serverOf(url: string): string | undefined {
  return /^(ldaps?:\/\/[^/?\s]+)/i.exec(url)?.[1];
}

export class DirSession {
  private readonly referred = new Map<string, Promise<DirClient>>();

  private constructor(
    readonly client: DirClient,
    private readonly options: ConnectOptions,
    private readonly followReferrals: boolean,
  ) {}

  static async open(options: ConnectOptions, followReferrals: boolean): Promise<DirSession> {
    return new DirSession(await DirClient.open(options), options, followReferrals);
  }

  /** Runs op on the server; on a referral, once more on the referred server when following referrals. */
  async run<T>(op: (client: DirClient) => Promise<T>): Promise<T> {
    try {
      return await op(this.client);
    } catch (err) {
      const server =
        err instanceof DirError && err.code === referralCode ? serverOf(err.referrals[0] ?? "") : undefined;
      if (!this.followReferrals || server === undefined) throw err;
      let referred = this.referred.get(server);
      if (!referred) {
        referred = DirClient.open({ ...this.options, uri: server });
        this.referred.set(server, referred);
      }
      return op(await referred);
    }
  }

  async close(): Promise<void> {
    this.client.close();
    for (const referred of this.referred.values()) (await referred.catch(() => undefined))?.close();
  }
}
