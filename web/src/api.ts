// The API client: bearer tokens from auth, Idempotency-Key on every create, the API's
// error shape turned into ApiError with its code (and field errors).
import { bearerToken } from "./auth";
import { cfg } from "./config";

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public body: Record<string, unknown> = {},
  ) {
    super(message);
  }
  get fields(): Record<string, string> {
    return (this.body.fields as Record<string, string>) ?? {};
  }
}

export interface Options {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  // idempotent asks for an Idempotency-Key: pass one that survives a retry of the same
  // intent (the caller keeps it), or true for a fresh one.
  idempotent?: string | true;
  auth?: boolean; // default true: send the token when signed in
}

export interface Answer<T> {
  status: number;
  data: T;
  headers: Headers;
}

export function newKey(): string {
  return crypto.randomUUID();
}

export async function request<T>(path: string, o: Options = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined) headers["Content-Type"] = "application/json";
  if (o.idempotent) headers["Idempotency-Key"] = o.idempotent === true ? newKey() : o.idempotent;
  if (o.auth !== false) {
    const t = await bearerToken();
    if (t) headers.Authorization = "Bearer " + t;
  }
  const res = await fetch(cfg().apiBase + path, {
    method: o.method ?? "GET",
    headers,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    cache: "no-store",
  });
  if (res.status === 304) return { status: 304, data: undefined as T, headers: res.headers };
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: Record<string, unknown>; message?: string }) ?? {};
    const e = err.error ?? {};
    const code = String(e.code ?? (res.status === 401 ? "unauthorized" : "http_" + res.status));
    const message = String(e.message ?? err.message ?? res.statusText);
    throw new ApiError(res.status, code, message, e);
  }
  return { status: res.status, data: data as T, headers: res.headers };
}

export async function get<T>(path: string, o: Options = {}): Promise<T> {
  return (await request<T>(path, o)).data;
}

export async function post<T>(path: string, body?: unknown, o: Options = {}): Promise<T> {
  return (await request<T>(path, { ...o, method: "POST", body: body ?? {} })).data;
}

export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? "?" + s : "";
}

// message is what a person reads for an error.
export function message(e: unknown): string {
  if (e instanceof ApiError) {
    const f = Object.entries(e.fields).map(([k, v]) => `${k} ${v}`);
    return f.length ? `${e.message} (${f.join("; ")})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
