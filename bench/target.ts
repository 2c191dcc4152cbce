import { randomLowerAlnum } from '../src/crypto/secrets.js';
import type { CreatedApp, ServerUnderTest } from './benchmark.js';

/** The public-API helpers a benchmark's setup gets for the started server. */
export function describeApi(url: string, partnerKey: string): Pick<ServerUnderTest, 'call' | 'createApp'> {
  const call = async (path: string, params: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
    }
    const stat = json?.stat ?? json?.partnerresponse?.stat ?? json?.PartnerResponse?.stat;
    if (res.status !== 200 || stat !== 'ok') throw new Error(`${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    return json;
  };
  return {
    call,
    async createApp(name?: string): Promise<CreatedApp> {
      const label = name ?? `bench${randomLowerAlnum(8)}`;
      const answer = await call('/partner/v2/app/create', { partnerKey, email: `owner@${label}.example.com`, domain: `${label}.example.com`, name: label });
      return answer.partnerresponse as CreatedApp;
    },
  };
}
