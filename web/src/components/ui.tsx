import type { ComponentChildren, InputHTMLAttributes, SelectHTMLAttributes } from "preact";
import { useEffect, useState } from "preact/hooks";
import { message } from "../api";

let ids = 0;

type InputProps = InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string };

// Field is a labelled input: every input on the site has a visible label.
export function Field({ label, hint, id, ...rest }: InputProps) {
  const [fid] = useState(() => (id as string | undefined) ?? `f${++ids}`);
  return (
    <div class="field">
      <label for={fid}>{label}</label>
      <input id={fid} aria-describedby={hint ? fid + "-hint" : undefined} {...rest} />
      {hint && <small id={fid + "-hint"}>{hint}</small>}
    </div>
  );
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & { label: string; children: ComponentChildren };

export function Select({ label, id, children, ...rest }: SelectProps) {
  const [fid] = useState(() => (id as string | undefined) ?? `f${++ids}`);
  return (
    <div class="field">
      <label for={fid}>{label}</label>
      <select id={fid} {...rest}>{children}</select>
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return <p class="error" role="alert">{message(error)}</p>;
}

export function Notice({ children, kind = "info" }: { children: ComponentChildren; kind?: "info" | "ok" | "warn" }) {
  return <p class={"notice " + kind} role="status">{children}</p>;
}

export function Loading() {
  return <p class="muted" aria-live="polite">Loading…</p>;
}

// useAsync runs load when deps change and keeps its result, error and a reload.
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1), set: (data: T) => setState({ data, loading: false }) };
}

// useNow ticks every interval ms, for countdowns.
export function useNow(interval = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), interval);
    return () => clearInterval(t);
  }, [interval]);
  return now;
}

// usePoll calls fn every ms while the page shows (and at once unless immediate is false).
export function usePoll(fn: () => void, ms: number, deps: unknown[], immediate = true) {
  useEffect(() => {
    if (immediate) fn();
    const t = setInterval(() => {
      if (document.visibilityState === "visible") fn();
    }, ms);
    return () => clearInterval(t);
  }, deps);
}

export function Title({ children }: { children: string }) {
  useEffect(() => {
    document.title = children + " · BookMyEvent";
  }, [children]);
  return <h1 tabIndex={-1} id="page-title">{children}</h1>;
}
