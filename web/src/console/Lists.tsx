import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { get, post, qs } from "../api";
import { ErrorBox, Loading, Select, Title, useAsync } from "../components/ui";
import { money, refundAmount, refundPercent, when } from "../format";
import { Pager } from "../pages/Bookings";
import { bookingLines } from "../components/TicketTypes";
import type { Booking, Event, Money, Page, WaitlistEntry } from "../types";
import { ConsoleNav } from "./Console";

function usePaged<T>(path: (cursor?: string) => string, deps: unknown[]) {
  const [cursor, setCursor] = useState<string>();
  const [prev, setPrev] = useState<(string | undefined)[]>([]);
  const page = useAsync(() => get<Page<T>>(path(cursor)), [cursor, ...deps]);
  const pager = (
    <Pager prev={prev.length > 0} next={page.data?.next_cursor}
      onPrev={() => { setCursor(prev[prev.length - 1]); setPrev(prev.slice(0, -1)); }}
      onNext={(c) => { setPrev([...prev, cursor]); setCursor(c); }} />
  );
  const reset = () => { setCursor(undefined); setPrev([]); };
  return { page, pager, reset };
}

// refundOf is what cancelling b refunds at percent: each line on its own, rounded up, as
// the booking core does (booking.LineRefunds).
function refundOf(b: Booking, percent: number): Money {
  return bookingLines(b).reduce((m, l) => ({ ...m, amount: m.amount + refundAmount(l.line_total, percent).amount }),
    { amount: 0, currency: b.total.currency });
}

// BookingsList shows an event's bookings, their lines, payments and refunds, and cancels
// one for the organiser: a hold is released, a sale refunded in full or by the event's
// policy, the amount shown before confirming.
export function BookingsList({ id }: { id: string }) {
  const [status, setStatus] = useState("");
  const { page, pager, reset } = usePaged<Booking>((cursor) => `/admin/events/${id}/bookings` + qs({ status, cursor, limit: 25 }), [status]);
  const ev = useAsync(() => get<Event>("/admin/events/" + id), [id]);
  const [asking, setAsking] = useState<string>();
  const replace = (b: Booking) => {
    if (page.data) page.set({ ...page.data, items: page.data.items.map((x) => (x.booking_id === b.booking_id ? { ...x, ...b } : x)) });
    setAsking(undefined);
  };
  return (
    <>
      <ConsoleNav id={id} />
      <Title>Bookings</Title>
      <Select label="Status" value={status} onChange={(e) => { setStatus((e.target as HTMLSelectElement).value); reset(); }}>
        <option value="">All</option>
        <option value="held">Held</option>
        <option value="confirmed">Confirmed</option>
        <option value="cancelled">Cancelled</option>
        <option value="expired">Expired</option>
      </Select>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading /> : page.data && (
        <table class="list">
          <caption class="sr-only">Bookings</caption>
          <thead><tr><th scope="col">Reference</th><th scope="col">Buyer</th><th scope="col">Tickets</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col">Refund</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {page.data.items.map((b) => (
              <Fragment key={b.booking_id}>
                <tr data-booking={b.booking_id}>
                  <td>{b.booking_reference}{b.source === "waitlist" && <small class="muted"> (waitlist)</small>}</td>
                  <td><small>{b.user_id}</small></td>
                  <td>{bookingLines(b).map((l) => `${l.ticket_type_name} × ${l.quantity}`).join(", ")}</td>
                  <td>{money(b.total)}{b.discount && b.discount.amount > 0 && <small class="muted"> ({money(b.discount)} off{b.promo_code ? ", " + b.promo_code : ""})</small>}</td>
                  <td><span class={"status " + b.status}>{b.status}</span></td>
                  <td>{b.refund ? `${money(b.refund.amount)} (${b.refund.percent}%, ${b.refund.status})` : ""}</td>
                  <td>{when(b.created_at)}</td>
                  <td>
                    {(b.status === "held" || b.status === "confirmed") && asking !== b.booking_id && (
                      <button type="button" class="secondary" aria-label={"Cancel and refund " + b.booking_reference} onClick={() => setAsking(b.booking_id)}>
                        Cancel and refund…
                      </button>
                    )}
                  </td>
                </tr>
                {asking === b.booking_id && (
                  <tr>
                    <td colSpan={8}><CancelBooking b={b} startsAt={ev.data?.starts_at} onDone={replace} onKeep={() => setAsking(undefined)} /></td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {pager}
    </>
  );
}

// CancelBooking asks before an organiser cancels b, naming what goes back: a hold only
// frees its seats; a sale refunds everything, or what the policy gives at startsAt.
function CancelBooking({ b, startsAt, onDone, onKeep }: { b: Booking; startsAt?: string; onDone: (b: Booking) => void; onKeep: () => void }) {
  const [choice, setChoice] = useState<"full" | "policy">("full");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const sold = b.status === "confirmed";
  const pct = choice === "full" ? 100 : startsAt ? refundPercent(startsAt) : 0;
  const back = refundOf(b, pct);
  async function cancel() {
    setBusy(true);
    setError(undefined);
    try {
      onDone(await post<Booking>(`/admin/bookings/${b.booking_id}/cancel`, sold ? { refund: choice } : undefined));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const label = sold ? `Cancel and refund ${money(back)}` : "Cancel and release the hold";
  return (
    <div class="confirm" role="alertdialog" aria-labelledby={"cancel-h-" + b.booking_id} aria-describedby={"cancel-d-" + b.booking_id}>
      <h3 id={"cancel-h-" + b.booking_id}>Cancel booking {b.booking_reference}?</h3>
      {sold && (
        <Select label="Refund" value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value as "full" | "policy")}>
          <option value="full">In full</option>
          <option value="policy">By the event's refund policy</option>
        </Select>
      )}
      <p id={"cancel-d-" + b.booking_id}>
        {sold
          ? <>The buyer gets back <strong>{money(back)}</strong> ({pct}% of {money(b.total)}) through Stripe; the tickets stop working and the seats go back on sale.</>
          : <>Not paid yet: nothing is refunded, the seats go back on sale.</>}
      </p>
      <button type="button" class="danger" disabled={busy} onClick={cancel}>{label}</button>{" "}
      <button type="button" class="secondary" onClick={onKeep}>Keep the booking</button>
      <ErrorBox error={error} />
    </div>
  );
}

export function WaitlistList({ id }: { id: string }) {
  const { page, pager } = usePaged<WaitlistEntry>((cursor) => `/admin/events/${id}/waitlist` + qs({ cursor, limit: 25 }), []);
  return (
    <>
      <ConsoleNav id={id} />
      <Title>Waitlist</Title>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading /> : page.data && (
        page.data.items.length === 0 ? <p>Nobody is waiting.</p> : (
          <table class="list">
            <caption class="sr-only">The line, in join order</caption>
            <thead><tr><th scope="col">Position</th><th scope="col">Buyer</th><th scope="col">Tickets</th><th scope="col">Status</th><th scope="col">Offer until</th><th scope="col">Joined</th></tr></thead>
            <tbody>
              {page.data.items.map((w) => (
                <tr key={w.entry_id}>
                  <td>{w.position ?? ""}</td>
                  <td><small>{w.user_id}</small></td>
                  <td>{w.quantity}</td>
                  <td><span class={"status " + w.status}>{w.status.replace("_", " ")}</span></td>
                  <td>{w.offer ? when(w.offer.expires_at) : ""}</td>
                  <td>{when(w.joined_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      {pager}
    </>
  );
}
