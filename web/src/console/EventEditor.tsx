import { useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, request } from "../api";
import { ErrorBox, Field, Loading, Notice, Select, Title, useAsync } from "../components/ui";
import { navigate } from "../router";
import type { Event as Show, Page, Venue } from "../types";
import { ConsoleNav } from "./Console";
import { staleMessage } from "./Venues";

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

interface Form {
  name: string;
  description: string;
  category: string;
  venue_id: string;
  starts_at: string; // datetime-local
  ends_at: string;
  capacity: number;
  price: string; // decimal, e.g. 49.50
  currency: string;
  max_tickets_per_booking: number;
}

function toForm(e: Show): Form {
  return {
    name: e.name, description: e.description, category: e.category, venue_id: e.venue_id,
    starts_at: localInput(e.starts_at), ends_at: localInput(e.ends_at), capacity: e.capacity,
    price: (e.price.amount / 100).toFixed(2), currency: e.price.currency, max_tickets_per_booking: e.max_tickets_per_booking,
  };
}

function toBody(f: Form) {
  return {
    name: f.name, description: f.description, category: f.category, venue_id: f.venue_id,
    starts_at: utc(f.starts_at), ends_at: utc(f.ends_at), capacity: f.capacity,
    price: { amount: Math.round(Number(f.price) * 100), currency: f.currency.toUpperCase() },
    max_tickets_per_booking: f.max_tickets_per_booking,
  };
}

const blank: Form = {
  name: "", description: "", category: "concert", venue_id: "", starts_at: "", ends_at: "",
  capacity: 100, price: "25.00", currency: "USD", max_tickets_per_booking: 10,
};

// EventEditor creates a draft or edits an event with If-Match (a conflict says so and
// offers a reload), and publishes or cancels it.
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
      const body = toBody(f);
      if (!id) {
        const created = await post<Show>("/admin/events", body, { idempotent: key.current });
        navigate("/console/events/" + created.event_id, true);
        return;
      }
      // Send only what changed: a published event refuses some edits.
      const before = toBody(toForm(ev.data!)) as Record<string, unknown>;
      const patch: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) if (JSON.stringify(v) !== JSON.stringify(before[k])) patch[k] = v;
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
        <fieldset class="wide">
          <legend>Ticket types</legend>
          {/* TODO(issue 10): one row per ticket type (name, price, capacity) once the API
              takes types; today an event sells one "General admission" type. */}
          <p class="muted">General admission</p>
          <Field label="Capacity" name="capacity" type="number" min={1} required value={f.capacity} onInput={set("capacity", true)} />
          <Field label="Price" name="price" type="number" min={0} step="0.01" required value={f.price} onInput={set("price")} />
          <Field label="Currency" name="currency" required maxLength={3} value={f.currency} onInput={set("currency")} />
          <Field label="Most tickets per booking" name="max_tickets_per_booking" type="number" min={1} required
            value={f.max_tickets_per_booking} onInput={set("max_tickets_per_booking", true)} />
        </fieldset>
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
    </>
  );
}
