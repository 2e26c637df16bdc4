import { useRef, useState } from "preact/hooks";
import { ApiError, newKey, post, request } from "../api";
import { ErrorBox, Notice } from "../components/ui";
import { money } from "../format";
import type { AdminEvent, AdminType } from "../types";
import { cents, typeBody, type TypeRow } from "./EventEditor";
import { staleMessage } from "./Venues";

// TicketTypesAdmin edits an event's ticket types one by one: each edit and delete sends
// the type's own version in If-Match (sales never move it), so only another organiser's
// edit makes it stale.
export function TicketTypesAdmin({ event, onChange }: { event: AdminEvent; onChange: () => void }) {
  const types = event.ticket_types ?? [];
  const [adding, setAdding] = useState<TypeRow>();
  const [error, setError] = useState<unknown>();
  const key = useRef(newKey());
  const cancelled = event.status === "cancelled";

  async function add(e: Event) {
    e.preventDefault();
    setError(undefined);
    try {
      await post(`/admin/events/${event.event_id}/ticket-types`, typeBody(adding!, event.price.currency), { idempotent: key.current });
      key.current = newKey();
      setAdding(undefined);
      onChange();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section aria-labelledby="types-h">
      <h2 id="types-h">Ticket types</h2>
      <table class="list typerows">
        <caption class="sr-only">Ticket types with their seats</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Price</th><th scope="col">Capacity</th><th scope="col">Most per order</th><th scope="col">Hidden</th><th scope="col">On sale</th><th scope="col">Sold / held</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {types.map((t) => <TypeRowEditor key={t.ticket_type_id + ":" + t.version} eventId={event.event_id} t={t} disabled={cancelled} onChange={onChange} />)}
        </tbody>
      </table>
      {adding ? (
        <form onSubmit={add} class="grid" aria-label="New ticket type">
          <TypeFields row={adding} onChange={setAdding} prefix="new" />
          <p><button type="submit">Add type</button> <button type="button" class="secondary" onClick={() => setAdding(undefined)}>Cancel</button></p>
        </form>
      ) : !cancelled && (
        <p><button type="button" class="secondary" onClick={() => setAdding({ name: "", price: "25.00", capacity: event.capacity, max_per_order: "", hidden: false })}>Add ticket type</button></p>
      )}
      <ErrorBox error={error} />
    </section>
  );
}

function TypeFields({ row, onChange, prefix }: { row: TypeRow; onChange: (r: TypeRow) => void; prefix: string }) {
  const set = (k: keyof TypeRow) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    onChange({ ...row, [k]: k === "hidden" ? el.checked : k === "capacity" ? Number(el.value) : el.value });
  };
  return (
    <>
      <div class="field"><label for={prefix + "-name"}>Type name</label><input id={prefix + "-name"} name={prefix + "-name"} required value={row.name} onInput={set("name")} /></div>
      <div class="field"><label for={prefix + "-price"}>Type price</label><input id={prefix + "-price"} name={prefix + "-price"} type="number" min={0} step="0.01" required value={row.price} onInput={set("price")} /></div>
      <div class="field"><label for={prefix + "-capacity"}>Type capacity</label><input id={prefix + "-capacity"} name={prefix + "-capacity"} type="number" min={1} required value={row.capacity} onInput={set("capacity")} /></div>
      <div class="field"><label for={prefix + "-max"}>Most per order</label><input id={prefix + "-max"} name={prefix + "-max"} type="number" min={1} value={row.max_per_order} onInput={set("max_per_order")} /></div>
      <label class="radio"><input type="checkbox" name={prefix + "-hidden"} checked={row.hidden} onChange={set("hidden")} /> Hidden: only a promo code that unlocks it shows it</label>
    </>
  );
}

// TypeRowEditor is one type: shown as a row, edited in place, saved with If-Match.
function TypeRowEditor({ eventId, t, disabled, onChange }: { eventId: string; t: AdminType; disabled: boolean; onChange: () => void }) {
  const [edit, setEdit] = useState<TypeRow>();
  const [error, setError] = useState<unknown>();
  const [stale, setStale] = useState(false);
  const path = `/admin/events/${eventId}/ticket-types/${t.ticket_type_id}`;
  const ifMatch = { "If-Match": String(t.version) };

  async function run(what: () => Promise<unknown>) {
    setError(undefined);
    setStale(false);
    try {
      await what();
      setEdit(undefined);
      onChange();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setStale(true);
      else setError(err);
    }
  }

  function save(e: Event) {
    e.preventDefault();
    const r = edit!;
    // Only what changed: a type with seats sold refuses some changes.
    const patch: Record<string, unknown> = {};
    if (r.name !== t.name) patch.name = r.name;
    if (cents(r.price) !== t.price.amount) patch.price = { amount: cents(r.price), currency: t.price.currency };
    if (r.capacity !== t.capacity) patch.capacity = r.capacity;
    if (r.max_per_order && Number(r.max_per_order) !== t.max_per_order) patch.max_per_order = Number(r.max_per_order);
    if (r.hidden !== t.hidden) patch.hidden = r.hidden;
    if (Object.keys(patch).length === 0) return setEdit(undefined);
    void run(() => request(path, { method: "PATCH", body: patch, headers: ifMatch }));
  }

  const prefix = "type-" + t.ticket_type_id.slice(0, 8);
  return (
    <>
      <tr data-type={t.name}>
        <th scope="row">{t.name}</th>
        <td>{money(t.price)}</td>
        <td>{t.capacity}</td>
        <td>{t.max_per_order}</td>
        <td>{t.hidden ? "Hidden" : ""}</td>
        <td>{t.status === "paused" ? "Paused" : "Yes"}</td>
        <td>{t.sold} / {t.held}</td>
        <td>
          {!disabled && !edit && (
            <>
              <button type="button" class="secondary" onClick={() => setEdit({ name: t.name, price: (t.price.amount / 100).toFixed(2), capacity: t.capacity, max_per_order: String(t.max_per_order), hidden: t.hidden })}>Edit {t.name}</button>{" "}
              <button type="button" class="secondary" onClick={() => void run(() => request(path, { method: "PATCH", body: { status: t.status === "paused" ? "on_sale" : "paused" }, headers: ifMatch }))}>
                {t.status === "paused" ? "Resume " : "Pause "}{t.name}</button>{" "}
              <button type="button" class="danger" onClick={() => confirm(`Delete the ticket type ${t.name}?`) && void run(() => request(path, { method: "DELETE", headers: ifMatch }))}>Delete {t.name}</button>
            </>
          )}
        </td>
      </tr>
      {(edit || stale || !!error) && (
        <tr>
          <td colSpan={8}>
            {edit && (
              <form onSubmit={save} class="grid" aria-label={"Edit " + t.name}>
                <TypeFields row={edit} onChange={setEdit} prefix={prefix} />
                <p><button type="submit">Save {t.name}</button> <button type="button" class="secondary" onClick={() => setEdit(undefined)}>Cancel</button></p>
              </form>
            )}
            {stale && (
              <p class="error" role="alert">{staleMessage}{" "}
                <button type="button" onClick={() => { setStale(false); setEdit(undefined); onChange(); }}>Reload</button></p>
            )}
            {error ? <ErrorBox error={error} /> : null}
            {!edit && !stale && !error && <Notice>Saved.</Notice>}
          </td>
        </tr>
      )}
    </>
  );
}
