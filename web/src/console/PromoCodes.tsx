import { useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, qs, request } from "../api";
import { ErrorBox, Field, Loading, Notice, Select, Title, useAsync } from "../components/ui";
import { money, when } from "../format";
import { Pager } from "../pages/Bookings";
import type { AdminEvent, Page, PromoCode } from "../types";
import { ConsoleNav } from "./Console";
import { cents } from "./EventEditor";
import { staleMessage } from "./Venues";

// The form of a code: a percentage (shown in %, sent in basis points), a fixed amount off
// each ticket (in the event's currency), or nothing off (it only unlocks hidden types).
interface Form {
  code: string;
  kind: "percent" | "fixed" | "none";
  percent: string;
  amount: string;
  types: string[]; // empty: every type
  max_uses: string;
  valid_from: string; // datetime-local
  valid_until: string;
  unlocks_hidden: boolean;
}

const blank: Form = { code: "", kind: "percent", percent: "10", amount: "5.00", types: [], max_uses: "", valid_from: "", valid_until: "", unlocks_hidden: false };

function localInput(iso?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function utc(local: string): string {
  return local ? new Date(local).toISOString().replace(/\.\d{3}Z$/, "Z") : "";
}

function toForm(c: PromoCode): Form {
  return {
    code: c.code, kind: c.discount_type, percent: c.percent_off_bp ? String(c.percent_off_bp / 100) : "10",
    amount: c.amount_off?.amount ? (c.amount_off.amount / 100).toFixed(2) : "5.00", types: c.ticket_type_ids ?? [],
    max_uses: c.max_uses ? String(c.max_uses) : "", valid_from: localInput(c.valid_from), valid_until: localInput(c.valid_until),
    unlocks_hidden: c.unlocks_hidden,
  };
}

function discountBody(f: Form, currency: string) {
  if (f.kind === "percent") return { percent_off_bp: Math.round(Number(f.percent) * 100) };
  if (f.kind === "fixed") return { amount_off: { amount: cents(f.amount), currency } };
  return {};
}

export function describe(c: PromoCode): string {
  if (c.discount_type === "percent") return `${(c.percent_off_bp ?? 0) / 100}% off`;
  if (c.discount_type === "fixed") return `${money(c.amount_off)} off each ticket`;
  return "Unlocks hidden types";
}

function CodeFields({ f, set, ev, create }: { f: Form; set: (f: Form) => void; ev: AdminEvent; create: boolean }) {
  const on = (k: keyof Form) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    set({ ...f, [k]: el.type === "checkbox" ? el.checked : el.value });
  };
  const pre = create ? "new" : "edit";
  return (
    <>
      {create && <Field label="Code" name="code" required minLength={3} maxLength={32} pattern="[A-Za-z0-9_\-]+" hint="3 to 32 letters, digits, - or _; buyers type it in any case."
        value={f.code} onInput={on("code")} />}
      <Select label="Discount" name={pre + "-kind"} value={f.kind} onChange={on("kind")}>
        <option value="percent">A percentage off</option>
        <option value="fixed">An amount off each ticket</option>
        <option value="none">Nothing off (unlocks hidden types)</option>
      </Select>
      {f.kind === "percent" && <Field label="Percent off" name={pre + "-percent"} type="number" min={0.01} max={100} step="0.01" required value={f.percent} onInput={on("percent")} />}
      {f.kind === "fixed" && <Field label={`Amount off each ticket (${ev.price.currency})`} name={pre + "-amount"} type="number" min={0.01} step="0.01" required value={f.amount} onInput={on("amount")} />}
      <Field label="Most uses" name={pre + "-max_uses"} type="number" min={0} hint="Empty or 0: unlimited." value={f.max_uses} onInput={on("max_uses")} />
      <Field label="Valid from" name={pre + "-valid_from"} type="datetime-local" value={f.valid_from} onInput={on("valid_from")} />
      <Field label="Valid until" name={pre + "-valid_until"} type="datetime-local" value={f.valid_until} onInput={on("valid_until")} />
      <fieldset class="wide">
        <legend>Ticket types it applies to (none ticked: all)</legend>
        {(ev.ticket_types ?? []).map((t) => (
          <label key={t.ticket_type_id} class="radio">
            <input type="checkbox" name={pre + "-type"} value={t.ticket_type_id} checked={f.types.includes(t.ticket_type_id)}
              onChange={(e) => set({ ...f, types: (e.target as HTMLInputElement).checked ? [...f.types, t.ticket_type_id] : f.types.filter((x) => x !== t.ticket_type_id) })} />
            {t.name}{t.hidden ? " (hidden)" : ""}
          </label>
        ))}
        <label class="radio"><input type="checkbox" name={pre + "-unlocks_hidden"} checked={f.unlocks_hidden} onChange={on("unlocks_hidden")} /> Shows the hidden types it applies to</label>
      </fieldset>
    </>
  );
}

// PromoCodes lists an event's codes (with their uses) and creates, edits (If-Match on the
// code's rev: uses do not move it) and deletes them.
export function PromoCodes({ id }: { id: string }) {
  const ev = useAsync(() => get<AdminEvent>("/admin/events/" + id), [id]);
  const [cursor, setCursor] = useState<string>();
  const [prev, setPrev] = useState<(string | undefined)[]>([]);
  const page = useAsync(() => get<Page<PromoCode>>(`/admin/events/${id}/promo-codes` + qs({ cursor, limit: 25 })), [id, cursor]);
  const [form, setForm] = useState<Form>({ ...blank });
  const [editing, setEditing] = useState<PromoCode>();
  const [edit, setEdit] = useState<Form>();
  const [error, setError] = useState<unknown>();
  const [stale, setStale] = useState(false);
  const [done, setDone] = useState("");
  const key = useRef(newKey());
  const e = ev.data;
  if (!e) return (<><ConsoleNav id={id} /><Title>Promo codes</Title>{ev.loading ? <Loading /> : <ErrorBox error={ev.error} />}</>);
  const currency = e.price.currency;

  async function act(what: () => Promise<unknown>, said: string) {
    setError(undefined);
    setStale(false);
    setDone("");
    try {
      await what();
      setDone(said);
      page.reload();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setStale(true);
      else setError(err);
      return false;
    }
  }

  async function create(ev: Event) {
    ev.preventDefault();
    const body = {
      code: form.code, ...discountBody(form, currency), ticket_type_ids: form.types,
      max_uses: Number(form.max_uses) || 0, valid_from: utc(form.valid_from), valid_until: utc(form.valid_until), unlocks_hidden: form.unlocks_hidden,
    };
    if (await act(() => post(`/admin/events/${id}/promo-codes`, body, { idempotent: key.current }), `Code ${form.code.toUpperCase()} created.`)) {
      key.current = newKey();
      setForm({ ...blank });
    }
  }

  async function save(ev: Event) {
    ev.preventDefault();
    const c = editing!, f = edit!, before = toForm(c);
    const patch: Record<string, unknown> = {};
    if (f.kind !== before.kind || f.percent !== before.percent || f.amount !== before.amount) Object.assign(patch, discountBody(f, currency));
    if (JSON.stringify(f.types) !== JSON.stringify(before.types)) patch.ticket_type_ids = f.types;
    if (f.max_uses !== before.max_uses) patch.max_uses = Number(f.max_uses) || 0;
    if (f.valid_from !== before.valid_from) patch.valid_from = utc(f.valid_from);
    if (f.valid_until !== before.valid_until) patch.valid_until = utc(f.valid_until);
    if (f.unlocks_hidden !== before.unlocks_hidden) patch.unlocks_hidden = f.unlocks_hidden;
    if (Object.keys(patch).length === 0) return setEditing(undefined);
    if (await act(() => request(`/admin/events/${id}/promo-codes/${c.code}`, { method: "PATCH", body: patch, headers: { "If-Match": String(c.rev) } }), `Code ${c.code} saved.`)) {
      setEditing(undefined);
    }
  }

  return (
    <>
      <ConsoleNav id={id} />
      <Title>{"Promo codes: " + e.name}</Title>
      {page.loading && !page.data ? <Loading /> : page.data && (
        page.data.items.length === 0 ? <p>No codes yet.</p> : (
          <table class="list">
            <caption class="sr-only">Promo codes</caption>
            <thead><tr><th scope="col">Code</th><th scope="col">Discount</th><th scope="col">Types</th><th scope="col">Uses</th><th scope="col">Valid</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {page.data.items.map((c) => (
                <tr key={c.code} data-code={c.code}>
                  <th scope="row">{c.code}{c.deleted_at && <small class="muted"> (deleted)</small>}</th>
                  <td>{describe(c)}</td>
                  <td>{c.ticket_type_ids?.length ? c.ticket_type_ids.map((t) => e.ticket_types?.find((x) => x.ticket_type_id === t)?.name ?? t).join(", ") : "All"}{c.unlocks_hidden ? " · unlocks hidden" : ""}</td>
                  <td>{c.uses}{c.max_uses ? ` / ${c.max_uses}` : ""}</td>
                  <td>{c.valid_from ? "from " + when(c.valid_from) + " " : ""}{c.valid_until ? "until " + when(c.valid_until) : ""}</td>
                  <td>{!c.deleted_at && (
                    <>
                      <button type="button" class="secondary" onClick={() => { setEditing(c); setEdit(toForm(c)); setStale(false); }}>Edit {c.code}</button>{" "}
                      <button type="button" class="danger" onClick={() => confirm(`Delete the code ${c.code}? Holds made with it keep their price.`) &&
                        act(() => request(`/admin/events/${id}/promo-codes/${c.code}`, { method: "DELETE", headers: { "If-Match": String(c.rev) } }), `Code ${c.code} deleted.`)}>Delete {c.code}</button>
                    </>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      <Pager prev={prev.length > 0} next={page.data?.next_cursor}
        onPrev={() => { setCursor(prev[prev.length - 1]); setPrev(prev.slice(0, -1)); }}
        onNext={(c) => { setPrev([...prev, cursor]); setCursor(c); }} />
      {stale && (
        <p class="error" role="alert">{staleMessage}{" "}
          <button type="button" onClick={() => { setStale(false); setEditing(undefined); page.reload(); }}>Reload</button></p>
      )}
      <ErrorBox error={error ?? page.error} />
      {done && <Notice kind="ok">{done}</Notice>}
      {editing && edit && (
        <form class="grid" onSubmit={save} aria-labelledby="edit-h">
          <h2 id="edit-h" class="wide">Edit {editing.code}</h2>
          <CodeFields f={edit} set={setEdit} ev={e} create={false} />
          <p><button type="submit">Save {editing.code}</button> <button type="button" class="secondary" onClick={() => setEditing(undefined)}>Cancel</button></p>
        </form>
      )}
      <form class="grid" onSubmit={create} aria-labelledby="new-h">
        <h2 id="new-h" class="wide">New code</h2>
        <CodeFields f={form} set={setForm} ev={e} create />
        <p><button type="submit">Create code</button></p>
      </form>
    </>
  );
}
