import { useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, request } from "../api";
import { ErrorBox, Field, Loading, Notice, Select, Title, useAsync } from "../components/ui";
import { navigate } from "../router";
import type { AdminEvent as Show, Page, Venue } from "../types";
import { ConsoleNav } from "./Console";
import { staleMessage } from "./Venues";
import { TicketTypesAdmin } from "./TicketTypesAdmin";

// localInput turns an RFC 3339 time into a datetime-local value in the browser's zone.
function localInput(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  const off = d.getTimezoneOffset() * 60_000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

function utc(local: string): string {
  return local ? new Date(local).toISOString().replace(/\.\d{3}Z$/, "Z") : "";
}

// A ticket type row of the new-event form.
export interface TypeRow {
  name: string;
  price: string; // decimal, e.g. 49.50
  capacity: number;
  max_per_order: string; // "" = the event's limit
  hidden: boolean;
}

export function typeBody(t: TypeRow, currency: string) {
  return {
    name: t.name, price: { amount: cents(t.price), currency: currency.toUpperCase() }, capacity: t.capacity,
    hidden: t.hidden, ...(t.max_per_order ? { max_per_order: Number(t.max_per_order) } : {}),
  };
}

export function cents(decimal: string): number {
  return Math.round(Number(decimal) * 100);
}

interface Form {
  types: TypeRow[];
  // The waiting room (internal/waitroom): a line before the sale, admitted at a rate.
  room: boolean;
  room_opens_at: string; // datetime-local
  room_on_sale_at: string;
  room_rate: number;
  name: string;
  description: string;
  category: string;
  venue_id: string;
  starts_at: string; // datetime-local
  ends_at: string;
  capacity: number;
  currency: string;
  max_tickets_per_booking: number;
}

function toForm(e: Show): Form {
  const r = e.waiting_room;
  return {
    types: [], room: r?.enabled ?? false, room_opens_at: localInput(r?.opens_at ?? ""), room_on_sale_at: localInput(r?.on_sale_at ?? ""),
    room_rate: r?.admission_per_second ?? 250,
    name: e.name, description: e.description, category: e.category, venue_id: e.venue_id,
    starts_at: localInput(e.starts_at), ends_at: localInput(e.ends_at), capacity: e.capacity,
    currency: e.price.currency, max_tickets_per_booking: e.max_tickets_per_booking,
  };
}

// toBody is the event as the API takes it. A new event is created with its ticket types
// (each priced in the event's currency); an existing one's types are edited one by one
// (TicketTypesAdmin), and its price and limit live on them.
function toBody(f: Form, create: boolean) {
  const common = {
    name: f.name, description: f.description, category: f.category, venue_id: f.venue_id,
    starts_at: utc(f.starts_at), ends_at: utc(f.ends_at), capacity: f.capacity,
    max_tickets_per_booking: f.max_tickets_per_booking,
    waiting_room: f.room
      ? { enabled: true, opens_at: utc(f.room_opens_at), on_sale_at: utc(f.room_on_sale_at), admission_per_second: f.room_rate }
      : { enabled: false },
  };
  if (!create) return common;
  return { ...common, ticket_types: f.types.map((t) => typeBody(t, f.currency)) };
}

const blank: Form = {
  types: [{ name: "General admission", price: "25.00", capacity: 100, max_per_order: "", hidden: false }],
  room: false, room_opens_at: "", room_on_sale_at: "", room_rate: 250,
  name: "", description: "", category: "concert", venue_id: "", starts_at: "", ends_at: "",
  capacity: 100, currency: "USD", max_tickets_per_booking: 10,
};

// EventEditor creates a draft with its ticket types or edits an event with If-Match (a
// conflict says so and offers a reload), its ticket types, and publishes or cancels it.
export function EventEditor({ id }: { id?: string }) {
  const ev = useAsync(() => (id ? get<Show>("/admin/events/" + id) : Promise.resolve(undefined)), [id]);
  const venues = useAsync(() => get<Page<Venue>>("/admin/venues?limit=100"), []);
  const [form, setForm] = useState<Form | undefined>(id ? undefined : { ...blank });
  const [error, setError] = useState<unknown>();
  const [stale, setStale] = useState(false);
  const [saved, setSaved] = useState("");
  const key = useRef(newKey());

  const [base, setBase] = useState<number>();
  if (id && ev.data && ev.data.version !== base) {
    setBase(ev.data.version);
    setForm(toForm(ev.data));
  }
  if (!id && form && !form.venue_id && venues.data?.items[0]) setForm({ ...form, venue_id: venues.data.items[0].venue_id });
  if (id && ev.loading && !ev.data) return <Loading />;
  if (!form) return <ErrorBox error={ev.error} />;
  const f = form;
  // An event stored with types refuses event-level price and limit edits.
  const typed = (ev.data?.ticket_types?.length ?? 0) > 0;
  const setType = (i: number, k: keyof TypeRow) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    const v = k === "hidden" ? el.checked : k === "capacity" ? Number(el.value) : el.value;
    setForm({ ...f, types: f.types.map((t, j) => (j === i ? { ...t, [k]: v } : t)) });
  };
  const set = (k: keyof Form, num = false) => (e: Event) => {
    const v = (e.target as HTMLInputElement).value;
    setForm({ ...f, [k]: num ? Number(v) : v });
    setSaved("");
  };

  async function save(e: Event) {
    e.preventDefault();
    setError(undefined);
    setStale(false);
    try {
      const body = toBody(f, !id);
      if (!id) {
        const created = await post<Show>("/admin/events", body, { idempotent: key.current });
        navigate("/console/events/" + created.event_id, true);
        return;
      }
      // Send only what changed: a published event refuses some edits.
      const before = toBody(toForm(ev.data!), false) as Record<string, unknown>;
      const patch: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) if (JSON.stringify(v) !== JSON.stringify(before[k])) patch[k] = v;
      if (typed) delete patch.max_tickets_per_booking; // per type (max_per_order) once typed
      if (Object.keys(patch).length === 0) return setSaved("Nothing changed.");
      const r = await request<Show>("/admin/events/" + id, { method: "PATCH", body: patch, headers: { "If-Match": String(ev.data!.version) } });
      ev.set(r.data);
      setSaved("Saved.");
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setStale(true);
      else setError(err);
    }
  }

  async function lifecycle(action: "publish" | "cancel") {
    setError(undefined);
    try {
      const r = await post<Show>(`/admin/events/${id}/${action}`);
      ev.set(r);
      setSaved(action === "publish" ? "Published: the event is on sale." : "Cancelled.");
    } catch (err) {
      setError(err);
    }
  }

  const e = ev.data;
  return (
    <>
      <ConsoleNav id={id} />
      <Title>{id ? "Edit event" : "New event"}</Title>
      {e && <p>Status: <span class={"status " + e.status}>{e.status}</span> · version {e.version}{e.status === "published" && <> · <a href={"/e/" + e.event_id}>public page</a></>}</p>}
      <form class="grid" onSubmit={save}>
        <Field label="Name" name="name" required value={f.name} onInput={set("name")} />
        <div class="field wide">
          <label for="ev-description">Description</label>
          <textarea id="ev-description" name="description" rows={3} value={f.description} onInput={set("description")} />
        </div>
        <Field label="Category" name="category" required pattern="[a-z0-9]+(-[a-z0-9]+)*" hint="A slug, e.g. concert or tech-conference."
          value={f.category} onInput={set("category")} />
        <Select label="Venue" name="venue_id" required value={f.venue_id} onChange={set("venue_id")}>
          <option value="">Choose a venue</option>
          {(venues.data?.items ?? []).map((v) => <option key={v.venue_id} value={v.venue_id}>{v.name}, {v.city} ({v.capacity})</option>)}
        </Select>
        <Field label="Starts" name="starts_at" type="datetime-local" required value={f.starts_at} onInput={set("starts_at")} />
        <Field label="Ends" name="ends_at" type="datetime-local" required value={f.ends_at} onInput={set("ends_at")} />
        <Field label="Capacity" name="capacity" type="number" min={1} required hint="Every ticket type's sales together stay within it."
          value={f.capacity} onInput={set("capacity", true)} />
        {!typed && (
          <Field label="Most tickets per booking" name="max_tickets_per_booking" type="number" min={1} required
            value={f.max_tickets_per_booking} onInput={set("max_tickets_per_booking", true)} />
        )}
        <fieldset class="wide">
          <legend>Waiting room</legend>
          <label class="radio"><input type="checkbox" name="room" checked={f.room}
            onChange={(e) => setForm({ ...f, room: (e.target as HTMLInputElement).checked })} /> Buyers wait in line and are let in at a steady rate</label>
          {f.room && (
            <>
              <Field label="Line opens" name="room_opens_at" type="datetime-local" required value={f.room_opens_at} onInput={set("room_opens_at")}
                hint="Everyone who joins before the sale starts gets a place drawn at random." />
              <Field label="Sale starts" name="room_on_sale_at" type="datetime-local" required value={f.room_on_sale_at} onInput={set("room_on_sale_at")} />
              <Field label="Buyers let in per second" name="room_rate" type="number" min={1} max={20000} required value={f.room_rate} onInput={set("room_rate", true)} />
            </>
          )}
        </fieldset>
        {!id && (
          <fieldset class="wide">
            <legend>Ticket types</legend>
            <Field label="Currency" name="currency" required maxLength={3} value={f.currency} onInput={set("currency")} />
            <table class="typerows">
              <caption class="sr-only">Ticket types of the new event</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Price</th><th scope="col">Capacity</th><th scope="col">Most per order</th><th scope="col">Hidden</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
              <tbody>
                {f.types.map((t, i) => (
                  <tr key={i} data-row={i}>
                    <td><input aria-label={`Type ${i + 1} name`} name={`type-${i}-name`} required value={t.name} onInput={setType(i, "name")} /></td>
                    <td><input aria-label={`Type ${i + 1} price`} name={`type-${i}-price`} type="number" min={0} step="0.01" required value={t.price} onInput={setType(i, "price")} /></td>
                    <td><input aria-label={`Type ${i + 1} capacity`} name={`type-${i}-capacity`} type="number" min={1} required value={t.capacity} onInput={setType(i, "capacity")} /></td>
                    <td><input aria-label={`Type ${i + 1} most per order`} name={`type-${i}-max`} type="number" min={1} placeholder="event's" value={t.max_per_order} onInput={setType(i, "max_per_order")} /></td>
                    <td><input aria-label={`Type ${i + 1} hidden (promo code only)`} name={`type-${i}-hidden`} type="checkbox" checked={t.hidden} onChange={setType(i, "hidden")} /></td>
                    <td>{f.types.length > 1 && <button type="button" class="secondary" onClick={() => setForm({ ...f, types: f.types.filter((_, j) => j !== i) })}>Remove {t.name || "type " + (i + 1)}</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="button" class="secondary" onClick={() => setForm({ ...f, types: [...f.types, { name: "", price: f.types[0]?.price ?? "25.00", capacity: f.capacity, max_per_order: "", hidden: false }] })}>Add ticket type</button>
          </fieldset>
        )}
        {stale && (
          <p class="error" role="alert">{staleMessage}{" "}
            <button type="button" onClick={() => { setStale(false); ev.reload(); }}>Reload</button></p>
        )}
        <ErrorBox error={error} />
        {saved && <Notice kind="ok">{saved}</Notice>}
        <p>
          <button type="submit">{id ? "Save changes" : "Create draft"}</button>{" "}
          {e?.status === "draft" && <button type="button" onClick={() => lifecycle("publish")}>Publish</button>}{" "}
          {e && e.status !== "cancelled" && <button type="button" class="danger" onClick={() => confirm("Cancel this event? Buyers can no longer book it.") && lifecycle("cancel")}>Cancel event</button>}
        </p>
      </form>
      {id && e && <TicketTypesAdmin event={e} onChange={() => ev.reload()} />}
    </>
  );
}
