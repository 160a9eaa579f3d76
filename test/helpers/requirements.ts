/**
 * For suites that drive real programs (openvpn, easyrsa): when what they need is
 * missing, they skip and say why; under CI=true they fail instead, so that CI
 * never passes by skipping.
 */
export function skipUnless(ctx: Mocha.Context, what: string, reason: string | undefined): void {
  if (reason === undefined) return;
  if (process.env.CI === 'true') throw new Error(`${what} cannot run under CI: ${reason}`);
  process.stdout.write(`      skipping ${what}: ${reason}\n`);
  ctx.skip();
}
