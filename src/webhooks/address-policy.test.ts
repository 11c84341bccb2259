import { describe, expect, test } from 'vitest';
import { checkUrlShape, checkWebhookUrl, classifyAddress } from './address-policy.js';

describe('classifyAddress', () => {
  test.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'public'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2606:4700::1111', 'public'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['not-an-ip', 'reserved'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe('checkUrlShape', () => {
  test.each([
    ['ftp://example.com/hook', 'http or https'],
    ['https://user:pw@example.com/hook', 'credentials'],
    ['not a url', 'valid absolute URL'],
  ])('refuses %s', (url, reason) => {
    const verdict = checkUrlShape(url);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain(reason);
  });
});

describe('checkWebhookUrl', () => {
  test.each([
    'http://127.0.0.1:9/x',
    'http://[::1]/x',
    'http://localhost/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://169.254.169.254/latest',
  ])('refuses %s unless private targets are allowed', async (url) => {
    expect((await checkWebhookUrl(url, false)).ok).toBe(false);
    expect((await checkWebhookUrl(url, true)).ok).toBe(true);
  });

  test('accepts a public literal address', async () => {
    expect((await checkWebhookUrl('https://93.184.216.34/hook', false)).ok).toBe(true);
  });
});
