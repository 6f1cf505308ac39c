import { createScratchDatabase, openDatabase, type ScratchDatabase } from '@transferscope/db';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, runCli, startServer } from './cli-process';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface IntrospectedType {
  kind: string;
  name: string | null;
  ofType: IntrospectedType | null;
}
interface InputValue {
  name: string;
  type: IntrospectedType;
  defaultValue: string | null;
}
interface FullType {
  name: string;
  kind: string;
  fields: { name: string; args: InputValue[]; type: IntrospectedType }[] | null;
  inputFields: InputValue[] | null;
  enumValues: { name: string }[] | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
const INTROSPECTION = `{ __schema { types { name kind enumValues { name } fields { name type { ${TYPE_REF} } args { name defaultValue type { ${TYPE_REF} } } } inputFields { name defaultValue type { ${TYPE_REF} } } } } }`;

describe('security: roles on every mutation, hashed tokens, no secrets in output', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ts-rel-sec-'));
  let scratch: ScratchDatabase;
  let env: Record<string, string>;
  let server: Awaited<ReturnType<typeof startServer>>;
  const tokens: Record<string, string> = {};

  async function post(query: string, token: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    env = { DATABASE_URL: scratch.url, TRANSFERSCOPE_HOME: join(cwd, 'home') };
    for (const role of ['reader', 'writer']) {
      tokens[role] = await createToken(role, `sec-${role}`, { cwd, env });
    }
    server = await startServer({ cwd, env });
  });

  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
  });

  it('stores tokens only as sha256 digests: no column holds the secret', async () => {
    const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
    try {
      const rows = (await db.dataSource.query("SELECT t::text AS row, secret_sha256 FROM api_token t WHERE name = 'sec-reader'")) as { row: string; secret_sha256: string }[];
      const secret = tokens['reader']!.split('_').slice(2).join('_');
      expect(secret.length).toBeGreaterThanOrEqual(43);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.row).not.toContain(secret);
      expect(rows[0]!.secret_sha256).toBe(createHash('sha256').update(secret).digest('hex'));
    } finally {
      await db.close();
    }
  });

  it('refuses every mutation in the schema to a reader with FORBIDDEN, and token management to a writer', async () => {
    const { data } = await post(INTROSPECTION, tokens['reader']!);
    const types = new Map(((data!['__schema'] as { types: FullType[] }).types).map((t) => [t.name, t]));
    const named = (type: IntrospectedType): IntrospectedType => (type.ofType ? named(type.ofType) : type);
    /** A value of the right GraphQL type for a required argument, so the request passes validation and meets the role check. */
    const sample = (type: IntrospectedType): unknown => {
      if (type.kind === 'NON_NULL') return sample(type.ofType!);
      if (type.kind === 'LIST') return [sample(type.ofType!)];
      const full = types.get(type.name!)!;
      if (full.kind === 'ENUM') return full.enumValues![0]!.name;
      if (full.kind === 'INPUT_OBJECT') return Object.fromEntries(full.inputFields!.filter((f) => f.type.kind === 'NON_NULL' && f.defaultValue === null).map((f) => [f.name, sample(f.type)]));
      return { Int: 1, Float: 1, Boolean: true }[type.name!] ?? 'security-probe';
    };
    const mutations = types.get('Mutation')!.fields!;
    expect(mutations.length).toBeGreaterThanOrEqual(4);
    const answers: Record<string, unknown> = {};
    for (const field of mutations) {
      const args = field.args.filter((a) => a.type.kind === 'NON_NULL' && a.defaultValue === null);
      const declared = args.map((a, i) => `$a${i}: ${printType(a.type)}`).join(', ');
      const passed = args.map((a, i) => `${a.name}: $a${i}`).join(', ');
      const selection = ['OBJECT', 'INTERFACE', 'UNION'].includes(types.get(named(field.type).name!)!.kind) ? ' { __typename }' : '';
      const query = `mutation${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
      const variables = Object.fromEntries(args.map((a, i) => [`a${i}`, sample(a.type)]));
      answers[field.name] = (await post(query, tokens['reader']!, variables)).errors?.[0]?.extensions?.['code'];
    }
    expect(answers).toEqual(Object.fromEntries(mutations.map((m) => [m.name, 'FORBIDDEN'])));
    // Token management and the token list are the admin's alone.
    expect((await post('mutation { createApiToken(name: "w", role: ADMIN) { token } }', tokens['writer']!)).errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    expect((await post('{ apiTokens { name } }', tokens['writer']!)).errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    // Nothing in the schema can return a token's digest.
    expect(types.get('ApiToken')!.fields!.map((f) => f.name).filter((n) => /secret|sha|hash/i.test(n))).toEqual([]);
  });

  it('refuses results uploads (POST /import) to a cross-site form and to readers; a file name keeps no directories', async () => {
    const base = server.url.replace(/\/graphql$/, '');
    const form = (name: string) => {
      const body = new FormData();
      body.append('study', 'probe');
      body.append('file', new Blob(['dataset,model,test_score,classes,transf_metric,transf_score\nd,m,0.5,2,logme,oops\n']), name);
      return body;
    };
    // What a cross-site HTML form can send: multipart without an Authorization header.
    const anonymous = await fetch(`${base}/import`, { method: 'POST', body: form('r.csv') });
    expect(anonymous.status).toBe(401);
    const reader = await fetch(`${base}/import`, { method: 'POST', headers: { authorization: `Bearer ${tokens['reader']}` }, body: form('r.csv') });
    expect(reader.status).toBe(403);
    const traversal = await fetch(`${base}/import`, { method: 'POST', headers: { authorization: `Bearer ${tokens['writer']}` }, body: form('../../etc/passwd.csv') });
    const body = (await traversal.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toEqual({ code: 'IMPORT_REJECTED', file: 'passwd.csv', line: 2 });
  });

  it('never prints a database password, in the URL or as a query parameter', async () => {
    const url = new URL(scratch.url);
    url.password = 'pw-in-userinfo';
    url.searchParams.set('password', 'pw-in-query');
    const result = await runCli(['config', '--json'], { cwd, env: { DATABASE_URL: url.toString() } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Postgres at postgres://');
    expect(result.stdout + result.stderr).not.toMatch(/pw-in-userinfo|pw-in-query/);
  });
});

function printType(type: IntrospectedType): string {
  if (type.kind === 'NON_NULL') return `${printType(type.ofType!)}!`;
  if (type.kind === 'LIST') return `[${printType(type.ofType!)}]`;
  return type.name!;
}
