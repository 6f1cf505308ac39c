import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLI, exactly what `npx transferscope` runs. */
export const CLI = resolve(__dirname, '../../tools/bin/transferscope.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `transferscope <args>` to completion in `cwd` with `env` added to this process's environment. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Starts `transferscope serve --port 0 [args]` and resolves with its GraphQL URL once it listens. */
export function startServer(options: { cwd: string; env?: Record<string, string>; args?: string[] }): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...(options.args ?? [])], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 60_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"listening"'));
      if (!line) return;
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      resolvePromise({
        url,
        child,
        stop: () =>
          new Promise<void>((done) => {
            child.once('close', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\nstderr: ${stderr}`));
    });
  });
}

/** POSTs a GraphQL query and returns the parsed body. */
export async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** `transferscope token create --role <role> --name <name> --json`: the secret, or an error with what the CLI said. */
export async function createToken(role: string, name: string, options: { cwd: string; env?: Record<string, string> }): Promise<string> {
  const created = await runCli(['token', 'create', '--role', role, '--name', name, '--json'], options);
  if (created.code !== 0 || created.stderr !== '') throw new Error(`token create exited ${created.code}: ${created.stderr}`);
  return (JSON.parse(created.stdout) as { token: string }).token;
}
