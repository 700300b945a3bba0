import { describe, expect, it } from 'vitest';
import { bypassesProxy, resolveProxy } from '../../src/http/proxy.js';

const jira = new URL('https://jira.corp.example.com/rest/api/3/myself');
const ado = new URL('http://tfs.corp.example.com:8080/tfs/DefaultCollection');

describe('choosing the proxy for a system', () => {
  it('uses HTTPS_PROXY for https systems and HTTP_PROXY for http systems, lower case too', () => {
    const env = { HTTPS_PROXY: 'http://secure-proxy:3128', http_proxy: 'plain-proxy:8080' };
    expect(resolveProxy(jira, undefined, env)?.url.href).toBe('http://secure-proxy:3128/');
    expect(resolveProxy(jira, undefined, env)?.source).toBe('HTTPS_PROXY');
    expect(resolveProxy(ado, undefined, env)?.url.href).toBe('http://plain-proxy:8080/');
  });

  it("lets the system's own setting win, and `false` switch the proxy off", () => {
    const env = { HTTPS_PROXY: 'http://env-proxy:3128' };
    expect(resolveProxy(jira, { url: 'http://own-proxy:3128' }, env)?.source).toBe('system');
    expect(resolveProxy(jira, false, env)).toBeUndefined();
  });

  it('builds Proxy-Authorization from URL credentials and masks them for display', () => {
    const proxy = resolveProxy(jira, { url: 'http://svc%40corp:p%3Ass@proxy:3128' }, {});
    expect(proxy?.authorization).toBe(`Basic ${Buffer.from('svc@corp:p:ss').toString('base64')}`);
    expect(proxy?.display).toBe('http://***:***@proxy:3128/');
  });

  it('follows curl for NO_PROXY: suffixes, leading dots, ports, IPs and *', () => {
    expect(bypassesProxy(jira, ['example.com'])).toBe(true);
    expect(bypassesProxy(jira, ['.corp.example.com'])).toBe(true);
    expect(bypassesProxy(jira, ['ample.com'])).toBe(false);
    expect(bypassesProxy(ado, ['tfs.corp.example.com:8080'])).toBe(true);
    expect(bypassesProxy(ado, ['tfs.corp.example.com:443'])).toBe(false);
    expect(bypassesProxy(new URL('http://10.1.2.3/'), ['10.1.2.3'])).toBe(true);
    expect(bypassesProxy(jira, ['*'])).toBe(true);
    expect(
      resolveProxy(jira, undefined, { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'localhost, .example.com' }),
    ).toBeUndefined();
  });

  it('does not bypass localhost unless listed, as curl', () => {
    const local = new URL('http://127.0.0.1:8080/');
    expect(resolveProxy(local, undefined, { HTTP_PROXY: 'http://p:1' })?.url.host).toBe('p:1');
    expect(resolveProxy(local, undefined, { HTTP_PROXY: 'http://p:1', no_proxy: '127.0.0.1' })).toBeUndefined();
  });

  it("applies a system's noProxy list to its own proxy", () => {
    expect(resolveProxy(jira, { url: 'http://own:3128', noProxy: ['jira.corp.example.com'] }, {})).toBeUndefined();
  });
});
