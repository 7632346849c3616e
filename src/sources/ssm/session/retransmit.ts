// The retransmission timeout of the data channel, TCP style (RFC 6298 smoothing): start at 200 ms,
// then SRTT + 4·RTTVAR from acknowledged messages that were sent once (Karn: a resent message's
// ack says nothing about the round trip), at least 10 ms of granularity, at most 1 s.

export const INITIAL_RTO_MS = 200;
export const MAX_RTO_MS = 1000;
const CLOCK_GRANULARITY_MS = 10;

export class RetransmissionTimer {
  private srtt?: number;
  private rttvar = 0;
  private current = INITIAL_RTO_MS;

  /** Current timeout, ms. */
  get rtoMs(): number {
    return this.current;
  }

  get smoothedRttMs(): number | undefined {
    return this.srtt;
  }

  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.current = Math.min(MAX_RTO_MS, this.srtt + Math.max(CLOCK_GRANULARITY_MS, 4 * this.rttvar));
  }
}
