// The exam's clock is the server's: the page learns the offset between the server's clock
// and this device's from each answer that carries the server's time, and computes the time
// left from the deadline on every tick, so a throttled background tab or a laptop waking
// from sleep shows the right time at once.

export class ServerClock {
  constructor() {
    this.offsetMs = 0;
    this.bestRoundTrip = Infinity;
  }

  /// `serverIso`: the server's time in an answer; `sentAt`/`receivedAt`: this device's
  /// clock around the request. The server's instant is taken as the middle of the round
  /// trip; the shortest round trip seen gives the best estimate, but a new estimate far
  /// from the old one (the device's clock was changed) wins at once.
  observe(serverIso, sentAt, receivedAt) {
    const server = Date.parse(serverIso);
    if (Number.isNaN(server)) return;
    const roundTrip = Math.max(0, receivedAt - sentAt);
    const offset = server - (sentAt + roundTrip / 2);
    const jumped = Math.abs(offset - this.offsetMs) > 5_000 + roundTrip;
    if (roundTrip <= this.bestRoundTrip || jumped) {
      this.bestRoundTrip = roundTrip;
      this.offsetMs = offset;
    }
  }

  now() {
    return Date.now() + this.offsetMs;
  }

  /// Seconds left until `deadlineIso` by the server's clock.
  secondsUntil(deadlineIso) {
    return Math.max(0, (Date.parse(deadlineIso) - this.now()) / 1000);
  }
}
