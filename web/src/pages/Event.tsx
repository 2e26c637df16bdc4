import { useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, qs, request } from "../api";
import { useSession } from "../App";
import { TicketTypePicker, ticketTypes, totalOf, type Quantities } from "../components/TicketTypes";
import { admission, reserveOrder, shortages } from "./Queue";
import { ErrorBox, Field, Loading, Notice, Title, useAsync, usePoll } from "../components/ui";
import { money, when } from "../format";
import { navigate, type Params } from "../router";
import type { Availability, Event, Page, WaitlistEntry } from "../types";

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
  const [code, setCode] = useState("");
  const [applied, setApplied] = useState("");
  const [codeKnown, setCodeKnown] = useState<boolean>();
  const [short, setShort] = useState<Record<string, number>>({});

  // The promo code goes into the poll: a code can unlock hidden types, and the ETag then
  // carries the code's revision ("<version>-<rev>"), which is how the page knows the
  // code was recognised (the public API does not tell a code's discount: the hold does).
  usePoll(() => {
    request<Availability>(`/events/${id}/availability` + qs({ promo_code: applied }), {
      auth: false,
      headers: etag.current ? { "If-None-Match": etag.current } : {},
    }).then((r) => {
      if (r.status === 304) return;
      etag.current = r.headers.get("ETag");
      setAvail(r.data);
      if (applied) setCodeKnown(!!etag.current && etag.current.includes("-"));
    }, () => undefined);
  }, 3000, [id, applied]);

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
  const types = ticketTypes(e, avail?.ticket_types, available);
  const { count, total } = totalOf(types, q);
  const room = e.waiting_room?.enabled === true;

  function applyCode(c: string) {
    etag.current = null;
    setCodeKnown(undefined);
    setApplied(c.trim().toUpperCase());
  }

  async function reserve() {
    if (!s) return navigate("/signin?next=" + encodeURIComponent("/e/" + id));
    // With the waiting room on, a reservation needs an admission: the queue page gets
    // one and then makes this very reservation.
    if (room && !admission(id)) {
      sessionStorage.setItem("bme.order." + id, JSON.stringify({ q, promo: applied }));
      return navigate(`/e/${id}/queue`);
    }
    setBusy(true);
    setError(undefined);
    setShort({});
    try {
      const b = await reserveOrder(id, q, applied, key.current);
      navigate("/checkout/" + b.booking_id);
    } catch (err) {
      key.current = newKey();
      if (err instanceof ApiError && err.code === "sold_out") {
        setShort(shortages(err));
        etag.current = null;
      }
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
            <TicketTypePicker types={types} value={q} onChange={setQ} disabled={busy} short={short} early={room} />
            <div class="promo">
              <Field label="Promo code" name="promo_code" autoComplete="off" value={code}
                onInput={(x) => setCode((x.target as HTMLInputElement).value)}
                onKeyDown={(x) => { if (x.key === "Enter") { x.preventDefault(); applyCode(code); } }} />
              <button type="button" class="secondary" onClick={() => applyCode(code)}>Apply code</button>
            </div>
            {applied && codeKnown !== undefined && (
              <p role="status" class="muted" data-testid="promo-status">
                {codeKnown ? <>Code {applied} applied: its ticket types are listed, and the discount shows on your order.</>
                  : <>Code {applied} will be checked when you reserve.</>}
              </p>
            )}
            <p class="total">Total <strong>{money(total)}</strong>{applied && <span class="muted"> before any discount</span>}</p>
            <button type="submit" disabled={busy || count === 0}>{!s ? "Sign in to buy" : room && !admission(id) ? "Join the line" : "Reserve tickets"}</button>
            <p class="muted">{room && !admission(id)
              ? "This on-sale has a waiting room: you get a place in line, and your turn takes you straight to checkout."
              : "Seats are held for you while you pay; checkout shows for how long."}</p>
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
        {error instanceof ApiError && error.code === "sold_out" ? (
          <p class="error" role="alert" data-testid="sold-out-types">
            {Object.keys(short).length > 0
              ? <>Not enough seats: {types.filter((t) => short[t.id] !== undefined).map((t) => `${t.name} (${short[t.id]} left)`).join(", ")}. Choose fewer or another type.</>
              : <>Not enough seats left at this event ({String(error.body.available ?? 0)} left).</>}
          </p>
        ) : <ErrorBox error={error} />}
      </section>
    </>
  );
}
