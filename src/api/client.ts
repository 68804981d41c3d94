/** A small client of the daemon's API for the CLI: bearer token, JSON in and out, errors as GlidepathErrors. */
import { ApiError, UnavailableError, describeError } from '../shared/errors.js';
import type { ErrorBody } from './contract.js';

/** A client of the daemon's API for the CLI. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.#token = token;
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new UnavailableError(`daemon at ${this.baseUrl} is unreachable: ${describeError(error)}`, error);
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const failure = (parsed as ErrorBody | undefined)?.error;
      throw new ApiError(response.status, failure?.code ?? 'api_error', failure?.message ?? `${method} ${path}: HTTP ${response.status}`);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
}
