import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, request } from "../api";
import { ErrorBox, Loading, Notice, Title, useAsync } from "../components/ui";
import type { Quantities } from "../components/TicketTypes";
import { when } from "../format";
import { navigate, type Params } from "../router";
import type { Booking, Event, QueueAnswer } from "../types";

// An admission is the waiting room's token for one event, kept per tab until it lapses.
interface Admission {
  token: string;
  expires_at: string;
}

export function admission(eventId: string): string | undefined {
  const raw = sessionStorage.getItem("bme.admit." + eventId);
  if (!raw) return undefined;
  const a = JSON.parse(raw) as Admission;
  return new Date(a.expires_at).getTime() > Date.now() ? a.token : undefined;
}

// reserveOrder holds an order: one item per ticket type chosen, the promo code, and the
// waiting room's admission token when the buyer has one for the event.
export function reserveOrder(eventId: string, q: Quantities, promo: string, key: string): Promise<Booking> {
  const items = Object.entries(q).filter(([, n]) => n > 0).map(([ticket_type_id, quantity]) => ({ ticket_type_id, quantity }));
  // "general" is the picker's one row for an answer that lists no types.
  const body = items.length === 1 && items[0]!.ticket_type_id === "general"
    ? { quantity: items[0]!.quantity, waitlist: false }
    : { items, ...(promo ? { promo_code: promo } : {}), waitlist: false };
  const token = admission(eventId);
  return post<Booking>(`/events/${eventId}/bookings`, body, { idempotent: key, headers: token ? { "X-Admission-Token": token } : {} });
}

// shortages are the seats left of each type a sold_out refusal names.
export function shortages(e: ApiError): Record<string, number> {
  const out: Record<string, number> = {};
  const list = e.body.sold_out as { ticket_type_id: string; available: number }[] | undefined;
  for (const s of list ?? []) out[s.ticket_type_id] = s.available;
  return out;
}

function duration(s: number): string {
  if (s < 60) return `${Math.max(1, Math.round(s))} seconds`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} minute${m === 1 ? "" : "s"}` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

// QueuePage is the waiting room: it joins the line, polls its place as often as the
// answer's retry_after allows, and once admitted makes the reservation the buyer chose on
// the event page and goes straight to checkout.
export function QueuePage({ params }: { params: Params }) {
  const id = params.id!;
  const ev = useAsync(() => get<Event>("/events/" + id, { auth: false }), [id]);
  const [a, setA] = useState<QueueAnswer>();
  const [error, setError] = useState<unknown>();
  const [again, setAgain] = useState(0);
  const pass = useRef("");
  const key = useRef(newKey());

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const headers = (): Record<string, string> => (pass.current ? { "X-Queue-Pass": pass.current } : {});
    async function admitted(ans: QueueAnswer) {
      sessionStorage.setItem("bme.admit." + id, JSON.stringify({ token: ans.admission_token, expires_at: ans.admission_expires_at }));
      const raw = sessionStorage.getItem("bme.order." + id);
      if (!raw) return navigate("/e/" + id, true);
      const order = JSON.parse(raw) as { q: Quantities; promo: string };
      try {
        const b = await reserveOrder(id, order.q, order.promo, key.current);
        sessionStorage.removeItem("bme.order." + id);
        navigate("/checkout/" + b.booking_id, true);
      } catch (e) {
        // Seats gone or a limit hit: back to the event page, admission in hand, to choose again.
        if (live) setError(e);
      }
    }
    function next(ans: QueueAnswer) {
      if (!live) return;
      pass.current = ans.queue_pass || pass.current;
      setA(ans);
      if (ans.state === "admitted" && ans.admission_token) return void admitted(ans);
      if (ans.state === "used" || ans.state === "expired" || (ans.sold_out && ans.state !== "pre_queue")) return;
      timer = setTimeout(poll, Math.max(1, ans.retry_after || 1) * 1000);
    }
    function poll() {
      request<QueueAnswer>(`/events/${id}/queue/me`, { headers: headers() }).then((r) => next(r.data), (e) => {
        if (!live) return;
        setError(e);
        timer = setTimeout(poll, 5000); // a blip: keep the place, try again soon
      });
    }
    post<QueueAnswer>(`/events/${id}/queue`, {}, { headers: headers() }).then(next, (e) => live && setError(e));
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, again]);

  const e = ev.data;
  const room = e?.waiting_room;
  const closed = error instanceof ApiError && error.code === "queue_closed";
  return (
    <>
      <Title>Waiting room</Title>
      {e && <p class="lead"><a href={"/e/" + id}>{e.name}</a> · {when(e.starts_at)}</p>}
      {!a && !error && <Loading />}
      {a && (
        <div class="queue" aria-live="polite" data-state={a.state}>
          {a.state === "pre_queue" && (
            <Notice>
              You are in line before the sale{room?.on_sale_at ? <> starts at <strong>{when(room.on_sale_at)}</strong></> : null}.
              When it starts, everyone already here gets a place drawn at random, so there is no need to hurry or refresh.
              {a.eta_seconds > 0 && <> Estimated wait: <strong data-testid="eta">{duration(a.eta_seconds)}</strong>.</>}
            </Notice>
          )}
          {a.state === "waiting" && (
            <dl class="stats">
              {a.position ? <div><dt>Your place</dt><dd data-testid="position">{a.position}</dd></div> : null}
              <div><dt>Ahead of you</dt><dd data-testid="ahead">{a.ahead}</dd></div>
              <div><dt>Estimated wait</dt><dd data-testid="eta">{duration(a.eta_seconds)}</dd></div>
            </dl>
          )}
          {a.state === "admitted" && <Notice kind="ok">It is your turn. Taking you to checkout…</Notice>}
          {a.state === "used" && <Notice>You have already reserved with this turn. <a href="/account/bookings">My bookings</a></Notice>}
          {a.state === "expired" && (
            <Notice kind="warn">Your turn lapsed before you reserved, and the place went to the next in line.{" "}
              <button type="button" onClick={() => { setA(undefined); setError(undefined); pass.current = ""; setAgain(again + 1); }}>Join again</button>
            </Notice>
          )}
          {a.sold_out && a.state !== "admitted" && (
            <Notice kind="warn">Everything is sold or held now. <a href={"/e/" + id}>Join the waitlist</a> to be offered freed seats.</Notice>
          )}
          {a.state !== "admitted" && <p class="muted">Keep this page open; it updates by itself.</p>}
        </div>
      )}
      {closed ? <Notice kind="warn">{(error as ApiError).message} <a href={"/e/" + id}>Back to the event</a></Notice> : <ErrorBox error={error} />}
      {error && a?.state === "admitted" && <p><a href={"/e/" + id}>Choose tickets again</a> (your turn is still yours).</p>}
    </>
  );
}
