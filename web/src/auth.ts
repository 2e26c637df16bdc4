// Sign-up, confirmation and sign-in through the Cognito user pool's own JSON API, as the
// AWS SDK would call it, without the SDK's weight. Tokens live in sessionStorage (gone
// with the tab, never in a cookie) and are refreshed shortly before they expire. The API
// is sent the ID token, not the access token: only the ID token carries the email claim,
// which the API keeps on bookings and waitlist entries for the mails to the buyer (the
// API's JWT authorizer accepts both, as its audience is the app client; docs/booking.md).
import { cfg } from "./config";

export interface Session {
  email: string;
  idToken: string;
  refreshToken: string;
  expiresAt: number; // ms since epoch
  admin: boolean;
  sub: string;
}

const KEY = "bme.session";
let current: Session | null = read();
const listeners = new Set<() => void>();

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : null;
    return s?.idToken ? s : null; // a session stored before ID tokens signs in again
  } catch {
    return null;
  }
}

function store(s: Session | null) {
  current = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function session(): Session | null {
  return current;
}

export function onSession(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export class CognitoError extends Error {
  constructor(public type: string, message: string) {
    super(message);
  }
}

async function call<T>(action: string, body: object): Promise<T> {
  const res = await fetch(cfg().cognito.endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService." + action,
    },
    body: JSON.stringify({ ClientId: cfg().cognito.clientId, ...body }),
  });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const type = String(data.__type ?? data.code ?? "Error").split("#").pop() ?? "Error";
    throw new CognitoError(type, String(data.message ?? data.Message ?? res.statusText));
  }
  return data as T;
}

export async function signUp(email: string, password: string): Promise<{ confirmed: boolean }> {
  const out = await call<{ UserConfirmed?: boolean }>("SignUp", {
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
  return { confirmed: !!out.UserConfirmed };
}

export async function confirmSignUp(email: string, code: string): Promise<void> {
  await call("ConfirmSignUp", { Username: email, ConfirmationCode: code });
}

export async function resendCode(email: string): Promise<void> {
  await call("ResendConfirmationCode", { Username: email });
}

interface AuthResult {
  AuthenticationResult?: { IdToken: string; RefreshToken?: string; ExpiresIn: number };
  ChallengeName?: string;
}

function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(json) as Record<string, unknown>;
}

function fromResult(email: string, r: AuthResult, refreshToken?: string): Session {
  const a = r.AuthenticationResult;
  if (!a) throw new CognitoError(r.ChallengeName ?? "Challenge", "This account needs a step the site does not offer: " + (r.ChallengeName ?? "unknown"));
  const c = claims(a.IdToken);
  const groups = c["cognito:groups"];
  // ExpiresIn is the access token's; the ID token says its own expiry.
  const exp = Number(c.exp);
  return {
    email,
    idToken: a.IdToken,
    refreshToken: a.RefreshToken ?? refreshToken ?? "",
    expiresAt: Number.isFinite(exp) && exp > 0 ? exp * 1000 : Date.now() + a.ExpiresIn * 1000,
    admin: Array.isArray(groups) && groups.includes("admins"),
    sub: String(c.sub ?? ""),
  };
}

export async function signIn(email: string, password: string): Promise<Session> {
  const r = await call<AuthResult>("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const s = fromResult(email, r);
  store(s);
  return s;
}

export function signOut() {
  store(null);
}

let refreshing: Promise<Session | null> | null = null;

// bearerToken returns the ID token, valid for at least another minute, refreshing it
// first when needed; null when signed out or the refresh token is no longer accepted.
export async function bearerToken(): Promise<string | null> {
  const s = current;
  if (!s) return null;
  if (s.expiresAt - Date.now() > 60_000) return s.idToken;
  refreshing ??= (async () => {
    try {
      const r = await call<AuthResult>("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: s.refreshToken },
      });
      const next = fromResult(s.email, r, s.refreshToken);
      store(next);
      return next;
    } catch {
      store(null);
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return (await refreshing)?.idToken ?? null;
}
