import { useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, qs, request } from "../api";
import { ErrorBox, Field, Loading, Notice, Title, useAsync } from "../components/ui";
import { navigate } from "../router";
import type { Page, Venue } from "../types";
import { ConsoleNav } from "./Console";
import { Pager } from "../pages/Bookings";

export function Venues() {
  const [cursor, setCursor] = useState<string>();
  const [prev, setPrev] = useState<(string | undefined)[]>([]);
  const page = useAsync(() => get<Page<Venue>>("/admin/venues" + qs({ cursor, limit: 25 })), [cursor]);
  return (
    <>
      <ConsoleNav />
      <Title>Venues</Title>
      <p><a class="button" href="/console/venues/new">New venue</a></p>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading /> : page.data && (
        <table class="list">
          <caption class="sr-only">Venues</caption>
          <thead><tr><th scope="col">Venue</th><th scope="col">City</th><th scope="col">Capacity</th></tr></thead>
          <tbody>
            {page.data.items.map((v) => (
              <tr key={v.venue_id}><td><a href={"/console/venues/" + v.venue_id}>{v.name}</a></td><td>{v.city}</td><td>{v.capacity}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager prev={prev.length > 0} next={page.data?.next_cursor}
        onPrev={() => { setCursor(prev[prev.length - 1]); setPrev(prev.slice(0, -1)); }}
        onNext={(c) => { setPrev([...prev, cursor]); setCursor(c); }} />
    </>
  );
}

const empty = { name: "", address: "", city: "", state: "", country: "", postal_code: "", capacity: 0 };
type Form = typeof empty;

function pick(v: Venue): Form {
  return { name: v.name, address: v.address, city: v.city, state: v.state, country: v.country, postal_code: v.postal_code, capacity: v.capacity };
}

// staleMessage is what an If-Match conflict says: someone saved in between.
export const staleMessage = "This was changed by someone else since you opened it. Reload to see their changes, then edit again.";

export function VenueEditor({ id }: { id?: string }) {
  const v = useAsync(() => (id ? get<Venue>("/admin/venues/" + id) : Promise.resolve(undefined)), [id]);
  const [form, setForm] = useState<Form | undefined>(id ? undefined : { ...empty });
  const [error, setError] = useState<unknown>();
  const [stale, setStale] = useState(false);
  const [saved, setSaved] = useState(false);
  const key = useRef(newKey());
  // The form follows the venue as read: on opening and after a reload (a new version).
  const [base, setBase] = useState<number>();
  if (id && v.data && v.data.version !== base) {
    setBase(v.data.version);
    setForm(pick(v.data));
  }
  if (id && v.loading && !v.data) return <Loading />;
  if (!form) return <ErrorBox error={v.error} />;
  const f = form;
  const set = (k: keyof Form) => (e: Event) => {
    const t = e.target as HTMLInputElement;
    setForm({ ...f, [k]: k === "capacity" ? Number(t.value) : t.value });
    setSaved(false);
  };

  async function save(e: Event) {
    e.preventDefault();
    setError(undefined);
    setStale(false);
    try {
      if (!id) {
        const created = await post<Venue>("/admin/venues", f, { idempotent: key.current });
        navigate("/console/venues/" + created.venue_id, true);
        return;
      }
      const before = pick(v.data!);
      const patch = Object.fromEntries(Object.entries(f).filter(([k, x]) => before[k as keyof Form] !== x));
      if (Object.keys(patch).length === 0) return setSaved(true);
      const r = await request<Venue>("/admin/venues/" + id, {
        method: "PATCH", body: patch, headers: { "If-Match": String(v.data!.version) },
      });
      v.set(r.data);
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setStale(true);
      else setError(err);
    }
  }

  return (
    <>
      <ConsoleNav />
      <Title>{id ? "Edit venue" : "New venue"}</Title>
      <form class="grid" onSubmit={save}>
        <Field label="Name" name="name" required value={f.name} onInput={set("name")} />
        <Field label="Address" name="address" required value={f.address} onInput={set("address")} />
        <Field label="City" name="city" required value={f.city} onInput={set("city")} />
        <Field label="State or region" name="state" value={f.state} onInput={set("state")} />
        <Field label="Country (ISO code)" name="country" required maxLength={2} value={f.country} onInput={set("country")} />
        <Field label="Postal code" name="postal_code" value={f.postal_code} onInput={set("postal_code")} />
        <Field label="Capacity" name="capacity" type="number" min={1} required value={f.capacity || ""} onInput={set("capacity")} />
        {stale && (
          <p class="error" role="alert">{staleMessage}{" "}
            <button type="button" onClick={() => { setStale(false); v.reload(); }}>Reload</button></p>
        )}
        <ErrorBox error={error} />
        {saved && <Notice kind="ok">Saved.</Notice>}
        <button type="submit">{id ? "Save venue" : "Create venue"}</button>
      </form>
    </>
  );
}
