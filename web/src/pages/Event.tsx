import { useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, request } from "../api";
import { useSession } from "../App";
import { TicketTypePicker, ticketTypes, totalOf, type Quantities } from "../components/TicketTypes";
import { ErrorBox, Field, Loading, Notice, Title, useAsync, usePoll } from "../components/ui";
import { money, when } from "../format";
import { navigate, type Params } from "../router";
import type { Availability, Booking, Event, Page, WaitlistEntry } from "../types";

// EventPage shows an event, its ticket types with live availability (ETag polling: a
// 304 costs the API almost nothing), the reserve button, and the waitlist when sold out.
export function EventPage({ params }: { params: Params }) {
  const id = params.id!;
  const s = useSession();
  const ev = useAsync(() => get<Event>("/events/" + id, { auth: false }), [id]);
  const [avail, setAvail] = useState<Availability>();
  const etag = useRef<string | null>(null);
  const [q, setQ] = useState<Quantities>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [entry, setEntry] = useState<WaitlistEntry>();
  const [wanted, setWanted] = useState(1);
  // One key per intent: a retried click after a lost answer replays the same hold.
  const key = useRef(newKey());

  usePoll(() => {
    request<Availability>(`/events/${id}/availability`, {
      auth: false,
      headers: etag.current ? { "If-None-Match": etag.current } : {},
    }).then((r) => {
      if (r.status === 304) return;
      etag.current = r.headers.get("ETag");
      setAvail(r.data);
    }, () => undefined);
  }, 3000, [id]);

  const soldOut = avail ? avail.sold_out : ev.data?.sold_out;
  usePoll(() => {
    if (!s || !soldOut) return;
    get<Page<WaitlistEntry>>("/me/waitlist").then((p) => {
      setEntry(p.items.find((e) => e.event_id === id && (e.status === "waiting" || e.status === "offered")));
    }, () => undefined);
  }, 5000, [id, s?.sub, soldOut]);

  if (ev.loading && !ev.data) return <Loading />;
  if (ev.error || !ev.data) {
    return (<><Title>Event not found</Title><ErrorBox error={ev.error} /><p><a href="/">All events</a></p></>);
  }
  const e = ev.data;
  const available = avail?.available ?? e.available;
  const types = ticketTypes(e, available);
  const { count, total } = totalOf(types, q);

  async function reserve() {
    if (!s) return navigate("/signin?next=" + encodeURIComponent("/e/" + id));
    setBusy(true);
    setError(undefined);
    try {
      // TODO(issue 10): send the quantity per ticket type once bookings take types.
      const b = await post<Booking>(`/events/${id}/bookings`, { quantity: count, waitlist: false }, { idempotent: key.current });
      navigate("/checkout/" + b.booking_id);
    } catch (err) {
      key.current = newKey();
      if (err instanceof ApiError && err.code === "sold_out") setAvail((a) => (a ? { ...a, available: 0, sold_out: true } : a));
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function joinWaitlist() {
    if (!s) return navigate("/signin?next=" + encodeURIComponent("/e/" + id));
    setBusy(true);
    setError(undefined);
    try {
      setEntry(await post<WaitlistEntry>(`/events/${id}/waitlist`, { quantity: wanted }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const cancelled = e.status === "cancelled";
  return (
    <>
      <Title>{e.name}</Title>
      <p class="lead">{when(e.starts_at)} · {e.venue.name}, {e.venue.address}, {e.venue.city}</p>
      {e.description && <p>{e.description}</p>}
      {cancelled && <Notice kind="warn">This event has been cancelled.</Notice>}
      <section aria-labelledby="tickets-h">
        <h2 id="tickets-h">Tickets</h2>
        <p aria-live="polite" class="avail">
          {soldOut ? <strong class="soldout">Sold out</strong> : <>{available} of {e.capacity} left</>}
        </p>
        {!soldOut && !cancelled && (
          <form onSubmit={(ev) => { ev.preventDefault(); reserve(); }}>
            <TicketTypePicker types={types} value={q} onChange={setQ} disabled={busy} />
            {/* TODO(issue 10): a promo code field here once promo codes exist. */}
            <p class="total">Total <strong>{money(total)}</strong></p>
            <button type="submit" disabled={busy || count === 0}>{s ? "Reserve tickets" : "Sign in to buy"}</button>
            <p class="muted">Seats are held for you while you pay; checkout shows for how long.</p>
          </form>
        )}
        {soldOut && !cancelled && (
          entry ? (
            <Notice kind="ok">
              {entry.status === "offered"
                ? <>Seats are offered to you. <a href="/account/waitlist">Confirm your offer</a></>
                : <>You are on the waitlist{entry.position ? `, number ${entry.position} in line` : ""}. We hold seats for you when some are freed.</>}
            </Notice>
          ) : (
            <form onSubmit={(ev) => { ev.preventDefault(); joinWaitlist(); }}>
              <Field label="Tickets wanted" type="number" min={1} max={types[0]?.max_per_booking ?? 10} value={wanted}
                onInput={(x) => setWanted(Math.max(1, Number((x.target as HTMLInputElement).value) || 1))} />
              <button type="submit" disabled={busy}>{s ? "Join the waitlist" : "Sign in to join the waitlist"}</button>
            </form>
          )
        )}
        <ErrorBox error={error} />
      </section>
    </>
  );
}
