import assert from 'node:assert/strict';
import { addressRefusal } from '../src/authority/acme/challenges/addressPolicy.js';

describe('ACME challenge address policy', () => {
  const strict = { allowLoopback: false };
  const loose = { allowLoopback: true };

  it('contacts private and public unicast addresses', () => {
    for (const address of ['10.1.2.3', '172.16.0.9', '192.168.1.1', '100.64.0.1', '8.8.8.8', 'fd00::1', 'fc00::5', '2001:db8::1', '::ffff:10.0.0.1', '64:ff9b::10.0.0.1']) {
      assert.equal(addressRefusal(address, strict), undefined, address);
    }
  });

  it('refuses loopback, unspecified and link-local addresses, IPv4-mapped forms too, without allowLoopback', () => {
    const refused: readonly [string, RegExp][] = [
      ['127.0.0.1', /^127\.0\.0\.1 is a loopback address$/],
      ['127.255.0.7', /loopback/],
      ['::1', /^::1 is a loopback address$/],
      ['0:0:0:0:0:0:0:1', /^::1 is a loopback address$/],
      ['0.0.0.0', /unspecified/],
      ['::', /^:: is the unspecified address$/],
      ['169.254.169.254', /^169\.254\.169\.254 is a link-local address$/],
      ['fe80::1', /link-local/],
      ['febf::1', /link-local/],
      ['::ffff:127.0.0.1', /^::ffff:127\.0\.0\.1 is a loopback address \(IPv4-mapped\)$/],
      ['::ffff:169.254.169.254', /link-local address \(IPv4-mapped\)/],
      ['64:ff9b::127.0.0.1', /^64:ff9b::7f00:1 is a loopback address \(NAT64\)$/],
      ['64:ff9b::a9fe:a9fe', /link-local address \(NAT64\)/],
    ];
    for (const [address, why] of refused) {
      assert.match(addressRefusal(address, strict) ?? 'allowed', why, address);
      assert.equal(addressRefusal(address, loose), undefined, `${address} with allowLoopback`);
    }
  });

  it('never contacts multicast or broadcast addresses, nor what is not an IP literal', () => {
    for (const policy of [strict, loose]) {
      assert.match(addressRefusal('224.0.0.1', policy) ?? '', /multicast/);
      assert.match(addressRefusal('ff02::1', policy) ?? '', /multicast/);
      assert.match(addressRefusal('255.255.255.255', policy) ?? '', /broadcast/);
      assert.match(addressRefusal('example.test', policy) ?? '', /^example\.test is not an IP address$/);
    }
  });

  it('keeps fec0::/10 (not link-local) and fe7f:: apart from fe80::/10', () => {
    assert.equal(addressRefusal('fec0::1', strict), undefined);
    assert.equal(addressRefusal('fe7f::1', strict), undefined);
  });
});
